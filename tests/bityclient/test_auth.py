"""The OAuth session: login, refresh ahead of expiry and after a 401, single flight,
rotation, failures, the refresh request's lost-response behaviour, and secrecy."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

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


async def until(condition: Callable[[], object]) -> None:
    """Let other tasks run until `condition()` is true: turns of the loop, no real sleep."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never became true")


class RotatingTokenServer:
    """A token endpoint that rotates the refresh token as soon as it reads a grant.

    While `hold` is set it answers only once `release` is set, so a test can act
    while the refresh POST is in flight (`received` tells it the POST arrived).
    A refresh token already used is refused with invalid_grant, as a real server does.
    """

    def __init__(self, *, failure: httpx.Response | None = None) -> None:
        self.valid = {"refresh-1"}
        self.issued = 1
        self.hold = True
        self.failure = failure  # answered (after the rotation) instead of the new token
        self.received = asyncio.Event()
        self.release = asyncio.Event()
        self.answered: list[int] = []  # statuses of the answers actually sent

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        refresh = parse_qs(request.content.decode())["refresh_token"][0]
        if refresh not in self.valid:
            return httpx.Response(400, json={"error": "invalid_grant"})
        self.valid.discard(refresh)
        self.issued += 1
        self.valid.add(f"refresh-{self.issued}")
        self.received.set()
        if self.hold:
            await self.release.wait()
        response = self.failure or grant_response(f"access-{self.issued}", f"refresh-{self.issued}")
        self.answered.append(response.status_code)
        return response


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


@pytest.mark.parametrize("source", ["login", "stored"])
async def test_a_token_shorter_lived_than_the_leeway_is_not_refreshed_on_every_request(
    router: respx.MockRouter, clock: FakeClock, source: str
) -> None:
    # A 30 s token with the default 60 s leeway: the leeway is capped at half the
    # token's lifetime (15 s), so it is used for 15 s before being renewed.
    grants = [grant_response("access-2", "refresh-2", expires_in=30)]
    if source == "login":
        grants.insert(0, grant_response("access-1", "refresh-1", expires_in=30))
    token_route = router.post("/o/token/").mock(side_effect=grants)
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    stored = make_token(expires_in=30) if source == "stored" else None
    async with make_client(router, clock=clock, token=stored, refresh_leeway=60) as bity:
        if source == "login":
            await bity.login(username="+41786399501", password="abc123")
        logins = token_route.call_count
        for elapsed in (0, 5, 10):
            clock.now = START + timedelta(seconds=elapsed)
            await bity.orders.list().to_list()
        assert token_route.call_count == logins  # no refresh in the first 10 s
        assert [bearer(call.request) for call in orders.calls] == ["Bearer access-1"] * 3

        clock.now = START + timedelta(seconds=16)  # 14 s left: within half the lifetime
        await bity.orders.list().to_list()
    assert token_route.call_count == logins + 1
    assert bearer(orders.calls.last.request) == "Bearer access-2"


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


async def test_cancelling_a_request_does_not_cancel_its_refresh(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    # The server rotates the refresh token on receipt. If cancelling the request that
    # needed the refresh (asyncio.wait_for, a client disconnect) cut the refresh short,
    # the SDK would keep the spent refresh-1 and the session would be lost.
    server = RotatingTokenServer()
    token_route = router.post("/o/token/").mock(side_effect=server)
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    updates = Updates()
    async with make_client(
        router, clock=clock, token=make_token(expires_in=0), on_token_update=updates
    ) as bity:
        request = asyncio.create_task(bity.orders.list().to_list())
        await server.received.wait()  # the refresh POST is at the server
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        server.release.set()

        await until(lambda: updates.tokens)  # the refresh ends on its own
        assert server.answered == [200]
        assert [(t.access_token, t.refresh_token) for t in updates.tokens] == [
            ("access-2", "refresh-2")
        ]
        assert bity.token == updates.tokens[0]

        # The next request uses the new access token, with no second refresh.
        assert await bity.orders.list().to_list() == []
        assert bearer(orders.calls.last.request) == "Bearer access-2"
        assert (token_route.call_count, orders.call_count) == (1, 1)

        # The next refresh sends the rotated refresh token, which the server accepts.
        server.hold = False
        token = await bity.refresh()
        assert b"refresh_token=refresh-2&" in token_route.calls.last.request.content
        assert (token.access_token, token.refresh_token) == ("access-3", "refresh-3")


async def test_requests_waiting_on_a_refresh_share_it_when_the_first_is_cancelled(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    server = RotatingTokenServer()
    token_route = router.post("/o/token/").mock(side_effect=server)
    orders = router.get(ORDERS).respond(200, json=EMPTY_LIST)
    async with make_client(router, clock=clock, token=make_token(expires_in=0)) as bity:
        first = asyncio.create_task(bity.orders.list().to_list())
        await server.received.wait()
        others = [asyncio.create_task(bity.orders.list().to_list()) for _ in range(5)]
        for _ in range(20):
            await asyncio.sleep(0)  # let them reach the refresh in flight and wait on it
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        server.release.set()
        assert await asyncio.gather(*others) == [[]] * 5

    assert token_route.call_count == 1
    assert {bearer(call.request) for call in orders.calls} == {"Bearer access-2"}
    assert orders.call_count == 5


async def test_a_refresh_failing_after_its_caller_was_cancelled_is_retrieved(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    # Nobody awaits the refresh any more when it fails: its error must not be logged
    # as "Task exception was never retrieved", and the old token stays for a retry.
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        server = RotatingTokenServer(failure=httpx.Response(503, text="Service Unavailable"))
        router.post("/o/token/").mock(side_effect=server)
        bity = make_client(router, clock=clock, token=make_token(expires_in=0))
        request = asyncio.create_task(bity.orders.list().to_list())
        await server.received.wait()
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        server.release.set()
        await bity.aclose()  # waits for the refresh, does not raise its error
        del request
        gc.collect()
    finally:
        loop.set_exception_handler(previous)

    assert server.answered == [503]
    assert reported == []
    assert bity.token == make_token(expires_in=0)  # kept, to be tried again


async def test_aclose_waits_for_a_refresh_in_flight(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    # Decision: aclose() awaits a refresh in flight rather than cancelling it, so a
    # refresh token the server has rotated is installed and reported, not lost.
    server = RotatingTokenServer()
    router.post("/o/token/").mock(side_effect=server)
    updates = Updates()
    bity = make_client(router, clock=clock, token=make_token(expires_in=0), on_token_update=updates)
    request = asyncio.create_task(bity.orders.list().to_list())
    await server.received.wait()
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request

    closing = asyncio.create_task(bity.aclose())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not closing.done()  # still waiting for the server's answer
    assert not bity._transport.is_closed
    server.release.set()
    await closing

    assert bity._transport.is_closed
    assert server.answered == [200]
    assert [(t.access_token, t.refresh_token) for t in updates.tokens] == [
        ("access-2", "refresh-2")
    ]


async def test_cancelling_aclose_cancels_the_refresh_it_waits_for(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    server = RotatingTokenServer()
    router.post("/o/token/").mock(side_effect=server)
    updates = Updates()
    bity = make_client(router, clock=clock, token=make_token(expires_in=0), on_token_update=updates)
    request = asyncio.create_task(bity.orders.list().to_list())
    await server.received.wait()
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request

    closing = asyncio.create_task(bity.aclose())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not closing.done()  # waiting for the refresh
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing

    assert bity._transport.is_closed  # the pool is closed all the same
    assert server.answered == []  # the refresh was cut short at the server
    assert updates.tokens == []
    assert bity.token == make_token(expires_in=0)


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
    # A 2xx: a token was probably issued, so the outcome is unknown (as when the
    # answer is lost), and the hint says logging in again is safe.
    assert info.value.outcome_unknown
    assert "Logging in again is safe" in str(info.value)


@pytest.mark.parametrize("expires_in", [10**12, -(10**12), 10**30])
async def test_refresh_answer_with_an_expires_in_out_of_range_raises_decode_error(
    router: respx.MockRouter, bity: BityClient, expires_in: int
) -> None:
    # Not a bare OverflowError: the refresh token may already be rotated, and the
    # error must say so, with the token values masked.
    router.post("/o/token/").respond(
        200,
        json={
            "access_token": "LEAKED-ACCESS",
            "token_type": "Bearer",
            "expires_in": expires_in,
            "refresh_token": "LEAKED-REFRESH",
        },
    )
    with pytest.raises(DecodeError) as info:
        await bity.refresh()
    error = info.value
    assert "expires_in is out of range" in str(error)
    assert error.outcome_unknown
    assert "rotated the refresh token" in str(error)
    assert "LEAKED" not in str(error)
    assert "LEAKED" not in error.text
    assert '"refresh_token":"***"' in error.text
    assert error.__cause__ is None
    assert bity.token == make_token()  # the old token is kept


async def test_login_answer_with_an_expires_in_out_of_range_raises_decode_error(
    router: respx.MockRouter, anonymous: BityClient
) -> None:
    router.post("/o/token/").respond(
        200, json={"access_token": "LEAKED-ACCESS", "token_type": "Bearer", "expires_in": 10**12}
    )
    with pytest.raises(DecodeError) as info:
        await anonymous.login(username="+41786399501", password="abc123")
    assert "expires_in is out of range" in str(info.value)
    assert "LEAKED" not in str(info.value)
    assert "LEAKED" not in info.value.text
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
