"""The OAuth session: login, refresh ahead of expiry and after a 401, single flight,
rotation, failures, the refresh request's lost-response behaviour, and secrecy."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta

import httpx
import pytest
import respx

from bityclient import (
    AuthenticationError,
    BityAuth,
    BityClient,
    DecodeError,
    LoginRequiredError,
    PermissionDeniedError,
    RequestTimeout,
    RetryPolicy,
    ServiceUnavailableError,
    SessionExpiredError,
    Token,
)

from .conftest import (
    CLIENT_ID,
    DOC_ACCESS,
    DOC_REFRESH,
    START,
    FakeClock,
    bity_fixture,
    grant_response,
    make_client,
    make_token,
)

ORDERS = "/api/v1/order/"
EMPTY_LIST = {
    "meta": {"limit": 5, "next": None, "offset": 0, "previous": None, "total_count": 0},
    "objects": [],
}


def bearer(request: httpx.Request) -> str | None:
    value: str | None = request.headers.get("Authorization")
    return value


class Updates:
    """An on_token_update callback that records what it is given."""

    def __init__(self) -> None:
        self.tokens: list[Token] = []

    async def __call__(self, token: Token) -> None:
        self.tokens.append(token)


# --- login -------------------------------------------------------------------------------------


async def test_login_sends_the_password_grant_form_and_keeps_the_token(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post("/o/token/").respond(200, json=bity_fixture("token.json"))
    updates = Updates()
    async with make_client(router, clock=clock, on_token_update=updates) as bity:
        token = await bity.login(username="+41786399501", password="abc123")

    request = route.calls.last.request
    # Byte for byte the reference's example, `+` of the phone number encoded as %2B.
    assert request.content == (
        b"grant_type=password&username=%2B41786399501&password=abc123"
        b"&client_id=QmaTkYI50XmCF18fupZgdAOptYqDzVix12RpqFYS"
    )
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in request.headers
    assert str(request.url) == "https://bity.com/o/token/"
    assert token == Token(
        access_token=DOC_ACCESS,
        token_type="Bearer",
        refresh_token=DOC_REFRESH,
        scope="read write",
        expires_at=START + timedelta(seconds=36000),
    )
    assert token.expires_at is not None
    assert token.expires_at.tzinfo is not None
    assert bity.token is token
    assert updates.tokens == [token]


async def test_token_from_login_goes_on_order_requests_as_bearer(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post("/o/token/").respond(200, json=bity_fixture("token.json"))
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    async with make_client(router, clock=clock) as bity:
        await bity.login(username="+41786399501", password="abc123")
        assert await bity.orders.list().to_list() == []
    assert bearer(orders.calls.last.request) == f"Bearer {DOC_ACCESS}"


@pytest.mark.parametrize("status", [400, 401])
async def test_refused_login_raises_authentication_error(
    router: respx.MockRouter, anonymous: BityClient, status: int
) -> None:
    # The reference shows this body "with 401 code"; OAuth servers commonly send 400.
    route = router.post("/o/token/").respond(status, json=bity_fixture("error_invalid_grant.json"))
    with pytest.raises(AuthenticationError) as info:
        await anonymous.login(username="+41786399501", password="wrong-password-123")
    error = info.value
    assert (error.status_code, error.error) == (status, "invalid_grant")
    assert error.error_description == "Invalid credentials given."
    assert "wrong-password-123" not in str(error)
    assert "wrong-password-123" not in repr(error.__dict__)
    assert route.call_count == 1
    assert anonymous.token is None


async def test_no_token_raises_before_sending(
    router: respx.MockRouter, anonymous: BityClient
) -> None:
    route = router.route()
    with pytest.raises(LoginRequiredError, match="login"):
        await anonymous.orders.list().to_list()
    with pytest.raises(LoginRequiredError):
        await anonymous.orders.create(category="BUY", amount="1")
    assert route.call_count == 0


async def test_a_token_passed_in_is_used_without_login(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    updates = Updates()
    token = make_token(access="stored-access")
    async with make_client(router, clock=clock, token=token, on_token_update=updates) as bity:
        await bity.orders.list().to_list()
    assert bearer(orders.calls.last.request) == "Bearer stored-access"
    assert updates.tokens == []  # only new tokens are reported


# --- refresh ahead of expiry ------------------------------------------------------------------


async def test_refreshes_ahead_of_expiry(router: respx.MockRouter, clock: FakeClock) -> None:
    token_route = router.post("/o/token/").mock(
        side_effect=[grant_response("access-2", "refresh-2")]
    )
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    updates = Updates()
    token = make_token(expires_in=120)
    async with make_client(
        router, clock=clock, token=token, on_token_update=updates, refresh_leeway=60
    ) as bity:
        await bity.orders.list().to_list()  # 120 s left: no refresh
        assert token_route.call_count == 0
        clock.advance(61)  # 59 s left, inside the 60 s leeway
        await bity.orders.list().to_list()

    assert token_route.call_count == 1
    assert token_route.calls.last.request.content == (
        b"grant_type=refresh_token&refresh_token=refresh-1"
        b"&client_id=QmaTkYI50XmCF18fupZgdAOptYqDzVix12RpqFYS"
    )
    assert "Authorization" not in token_route.calls.last.request.headers
    assert [bearer(call.request) for call in orders.calls] == [
        "Bearer access-1",
        "Bearer access-2",
    ]
    assert [t.access_token for t in updates.tokens] == ["access-2"]
    assert updates.tokens[0].expires_at == clock.now + timedelta(seconds=36000)


async def test_rotated_refresh_token_is_used_next_time_and_reported(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    token_route = router.post("/o/token/").mock(
        side_effect=[
            grant_response("access-2", "refresh-2", expires_in=100),
            grant_response("access-3", "refresh-3", expires_in=100),
        ]
    )
    router.get(ORDERS).respond(200, json=EMPTY_LIST)
    updates = Updates()
    async with make_client(
        router, clock=clock, token=make_token(expires_in=0), on_token_update=updates
    ) as bity:
        await bity.orders.list().to_list()
        clock.advance(100)
        await bity.orders.list().to_list()
        assert bity.token is not None
        assert bity.token.refresh_token == "refresh-3"

    sent = [call.request.content for call in token_route.calls]
    assert b"refresh_token=refresh-1&" in sent[0]
    assert b"refresh_token=refresh-2&" in sent[1]  # the rotated one, not the first
    assert [(t.access_token, t.refresh_token) for t in updates.tokens] == [
        ("access-2", "refresh-2"),
        ("access-3", "refresh-3"),
    ]


async def test_refresh_without_a_new_refresh_token_keeps_the_old_one(
    router: respx.MockRouter, bity: BityClient
) -> None:
    router.post("/o/token/").mock(return_value=grant_response("access-2", refresh=None))
    token = await bity.refresh()
    assert (token.access_token, token.refresh_token) == ("access-2", "refresh-1")


async def test_fifty_concurrent_requests_with_an_expired_token_share_one_refresh(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    async def slow_grant(request: httpx.Request) -> httpx.Response:
        for _ in range(5):
            await asyncio.sleep(0)  # let every other task reach the lock meanwhile
        return grant_response("access-2", "refresh-2")

    token_route = router.post("/o/token/").mock(side_effect=slow_grant)
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    updates = Updates()
    async with make_client(
        router, clock=clock, token=make_token(expires_in=-5), on_token_update=updates
    ) as bity:
        await asyncio.gather(*(bity.orders.list().to_list() for _ in range(50)))

    assert token_route.call_count == 1
    assert orders.call_count == 50
    assert {bearer(call.request) for call in orders.calls} == {"Bearer access-2"}
    assert len(updates.tokens) == 1


# --- refresh after a 401 ----------------------------------------------------------------------


async def test_a_401_refreshes_once_and_retries_once(
    router: respx.MockRouter, bity: BityClient
) -> None:
    token_route = router.post("/o/token/").mock(return_value=grant_response("access-2", "r2"))
    orders = router.get(ORDERS).mock(
        side_effect=[
            httpx.Response(401, json={"error": "invalid_token", "error_description": "Expired."}),
            httpx.Response(200, json=bity_fixture("orders_list.json")),
        ]
    )
    listed = await bity.orders.list().to_list()
    assert len(listed) == 2
    assert token_route.call_count == 1
    assert [bearer(call.request) for call in orders.calls] == [
        "Bearer access-1",
        "Bearer access-2",
    ]


async def test_a_second_401_raises_without_another_refresh(
    router: respx.MockRouter, bity: BityClient
) -> None:
    token_route = router.post("/o/token/").mock(return_value=grant_response("access-2", "r2"))
    orders = router.get(ORDERS).respond(401, json={"error": "invalid_token"})
    with pytest.raises(AuthenticationError) as info:
        await bity.orders.list().to_list()
    assert not isinstance(info.value, SessionExpiredError)
    assert info.value.status_code == 401
    assert token_route.call_count == 1
    assert orders.call_count == 2


async def test_fifty_concurrent_401s_share_one_refresh(
    router: respx.MockRouter, bity: BityClient
) -> None:
    async def by_token(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        if bearer(request) == "Bearer access-1":
            return httpx.Response(401, json={"error": "invalid_token"})
        return httpx.Response(200, json=EMPTY_LIST)

    token_route = router.post("/o/token/").mock(return_value=grant_response("access-2", "r2"))
    orders = router.get(ORDERS).mock(side_effect=by_token)
    await asyncio.gather(*(bity.orders.list().to_list() for _ in range(50)))
    assert token_route.call_count == 1
    assert orders.call_count == 100  # each request: one 401, one retry


async def test_a_401_with_no_refresh_token_ends_the_session(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    token_route = router.post("/o/token/")
    router.get(ORDERS).respond(401, json={"error": "invalid_token"})
    async with make_client(router, clock=clock, token=make_token(refresh=None)) as bity:
        with pytest.raises(SessionExpiredError, match="log in again"):
            await bity.orders.list().to_list()
    assert token_route.call_count == 0


# --- refresh failures -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401])
async def test_refused_refresh_raises_session_expired_and_does_not_loop(
    router: respx.MockRouter, clock: FakeClock, status: int
) -> None:
    token_route = router.post("/o/token/").respond(
        status, json={"error": "invalid_grant", "error_description": "Invalid refresh token."}
    )
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    async with make_client(router, clock=clock, token=make_token(expires_in=0)) as bity:
        with pytest.raises(SessionExpiredError) as info:
            await bity.orders.list().to_list()
        assert isinstance(info.value, AuthenticationError)
        assert "log in again" in str(info.value)
        assert info.value.error == "invalid_grant"
        assert token_route.call_count == 1
        assert orders.call_count == 0
        assert bity.token is None

        # Later calls fail at once, sending nothing, until login succeeds.
        with pytest.raises(SessionExpiredError):
            await bity.orders.list().to_list()
        assert (token_route.call_count, orders.call_count) == (1, 0)

        token_route.mock(return_value=grant_response("fresh", "fresh-r"))
        await bity.login(username="+41786399501", password="abc123")
        await bity.orders.list().to_list()
        assert bearer(orders.calls.last.request) == "Bearer fresh"


async def test_refused_refresh_reaches_every_waiting_request(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    token_route = router.post("/o/token/").respond(400, json={"error": "invalid_grant"})
    router.get(ORDERS).respond(200, json=EMPTY_LIST)
    async with make_client(router, clock=clock, token=make_token(expires_in=0)) as bity:
        results = await asyncio.gather(
            *(bity.orders.list().to_list() for _ in range(10)), return_exceptions=True
        )
    assert all(isinstance(result, SessionExpiredError) for result in results)
    assert token_route.call_count == 1


async def test_lost_refresh_response_is_not_retried_and_says_the_outcome_is_unknown(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    # Documented behaviour (bityclient/_auth.py): the refresh POST is retried only on a
    # connect error. A lost answer raises with outcome_unknown, the old token is kept,
    # and the next request tries it again; if the server had rotated it, that refresh
    # fails with invalid_grant and SessionExpiredError says to log in again.
    token_route = router.post("/o/token/").mock(
        side_effect=[
            httpx.ReadTimeout("timed out"),
            httpx.Response(400, json={"error": "invalid_grant"}),
        ]
    )
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    async with make_client(router, clock=clock, token=make_token(expires_in=0)) as bity:
        with pytest.raises(RequestTimeout) as info:
            await bity.orders.list().to_list()
        error = info.value
        assert error.outcome_unknown
        assert error.may_have_reached_server
        assert "outcome is unknown" in str(error)
        assert "rotated the refresh token" in str(error)
        assert "log in again" in str(error)
        assert token_route.call_count == 1  # not retried
        assert bity.token is not None
        assert bity.token.refresh_token == "refresh-1"  # kept for the next try

        with pytest.raises(SessionExpiredError):
            await bity.orders.list().to_list()
        assert token_route.call_count == 2
    assert orders.call_count == 0


async def test_a_failed_refresh_is_shared_by_the_requests_that_waited_for_it(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.ReadTimeout("timed out"),
        grant_response("access-2", "refresh-2"),
    ]

    async def slow(request: httpx.Request) -> httpx.Response:
        for _ in range(5):
            await asyncio.sleep(0)  # let every other task queue on the lock
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    token_route = router.post("/o/token/").mock(side_effect=slow)
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    async with make_client(router, clock=clock, token=make_token(expires_in=0)) as bity:
        results = await asyncio.gather(
            *(bity.orders.list().to_list() for _ in range(10)), return_exceptions=True
        )
        # One refresh went out; all ten requests that needed it got its error.
        assert token_route.call_count == 1
        assert all(isinstance(result, RequestTimeout) for result in results)
        assert orders.call_count == 0
        # A request made after the failure tries again.
        assert await bity.orders.list().to_list() == []
    assert token_route.call_count == 2
    assert bearer(orders.calls.last.request) == "Bearer access-2"


async def test_refresh_answered_with_502_is_not_retried(
    router: respx.MockRouter, bity: BityClient
) -> None:
    token_route = router.post("/o/token/").respond(502, text="Bad Gateway")
    with pytest.raises(ServiceUnavailableError) as info:
        await bity.refresh()
    assert info.value.outcome_unknown
    assert token_route.call_count == 1
    assert bity.token == make_token()


async def test_refresh_that_never_left_is_retried(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    token_route = router.post("/o/token/").mock(
        side_effect=[httpx.ConnectError("refused"), grant_response("access-2", "refresh-2")]
    )
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    async with make_client(
        router, clock=clock, token=make_token(expires_in=0), retry=RetryPolicy(initial_delay=0)
    ) as bity:
        await bity.orders.list().to_list()
    assert token_route.call_count == 2
    assert bearer(orders.calls.last.request) == "Bearer access-2"


async def test_unreadable_refresh_answer_masks_tokens_and_says_outcome_unknown(
    router: respx.MockRouter, bity: BityClient
) -> None:
    # A 2xx whose body does not decode: the refresh token may be spent all the same.
    router.post("/o/token/").respond(
        200, text='{"access_token": "LEAKED-ACCESS", "refresh_token": "LEAKED-REFRESH", "tok'
    )
    with pytest.raises(DecodeError) as info:
        await bity.refresh()
    error = info.value
    assert error.outcome_unknown
    assert "LEAKED" not in str(error)
    assert "LEAKED" not in error.text
    assert '"access_token": "***"' in error.text
    assert error.__cause__ is None


async def test_token_answer_of_the_wrong_shape_masks_tokens(
    router: respx.MockRouter, anonymous: BityClient
) -> None:
    router.post("/o/token/").respond(
        200, json={"access_token": "LEAKED-ACCESS", "refresh_token": "LEAKED-R", "expires_in": "x"}
    )
    with pytest.raises(DecodeError) as info:
        await anonymous.login(username="+41786399501", password="abc123")
    assert "LEAKED" not in str(info.value)
    assert "LEAKED" not in info.value.text
    assert "expires_in" in str(info.value)
    assert anonymous.token is None


async def test_failing_token_callback_propagates_but_the_token_is_kept(
    router: respx.MockRouter, anonymous: BityClient, clock: FakeClock
) -> None:
    # Decision: an on_token_update that raises is not swallowed (a session that cannot
    # be stored should be noticed); the new token is in use all the same.
    async def broken(token: Token) -> None:
        raise OSError("disk full")

    router.post("/o/token/").respond(200, json=bity_fixture("token.json"))
    async with make_client(router, clock=clock, on_token_update=broken) as bity:
        with pytest.raises(OSError, match="disk full"):
            await bity.login(username="+41786399501", password="abc123")
        assert bity.token is not None
        assert bity.token.access_token == DOC_ACCESS


async def test_forced_refresh_without_refresh_token_asks_to_log_in(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    token_route = router.post("/o/token/")
    async with make_client(router, clock=clock, token=make_token(refresh=None)) as bity:
        with pytest.raises(LoginRequiredError, match="log in again"):
            await bity.refresh()
    assert token_route.call_count == 0


def test_auth_refuses_sync_clients() -> None:
    async def never(form: Mapping[str, str], *, hint: str, timeout: object) -> Token:
        raise AssertionError("no token request expected")

    auth = BityAuth(client_id=CLIENT_ID, request_token=never, token=make_token())
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport) as sync, pytest.raises(RuntimeError, match="Async"):
        sync.get("https://bity.com/api/v1/order/", auth=auth)
    assert sent == []


# --- secrets ----------------------------------------------------------------------------------


async def test_secrets_stay_out_of_reprs_and_errors(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    doc_token = httpx.Response(200, json=bity_fixture("token.json"))
    router.post("/o/token/").mock(
        side_effect=[
            doc_token,
            httpx.Response(400, json={"error": "invalid_grant"}),
            httpx.Response(200, json=bity_fixture("token.json")),
        ]
    )
    router.get(ORDERS).respond(403, json={"error": "forbidden", "error_description": "No."})
    texts: list[str] = []
    async with make_client(router, clock=clock) as bity:
        await bity.login(username="+41786399501", password="hunter2-password")
        texts += [repr(bity), repr(bity.auth), repr(bity.token)]
        with pytest.raises(SessionExpiredError) as refused:
            await bity.refresh()
        texts += [str(refused.value), repr(vars(refused.value))]
        await bity.login(username="+41786399501", password="hunter2-password")
        with pytest.raises(PermissionDeniedError) as forbidden:
            await bity.orders.list().to_list()
        texts += [str(forbidden.value), repr(vars(forbidden.value))]

    assert "logged in" in texts[0]
    assert "'***'" in texts[2]
    for text in texts:
        assert DOC_ACCESS not in text
        assert DOC_REFRESH not in text
        assert "hunter2-password" not in text
