"""Signed calls under load and clock skew, end to end against the sandbox on loopback.

The Gateway refuses a request whose `X-Timeout` deadline has passed on its clock
when it gets to the request. These tests put the sandbox where production puts a
client: behind a server that serves a burst slowly (`throttle`), or whose clock
is seconds away from this machine's. Every call must succeed with the client's
default settings, and a payment must be made once.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import respx

from bitexgate import (
    AuthenticationError,
    BitexGateClient,
    RetryPolicy,
    SignatureWindowError,
    ValidationError,
    fast_transport,
)
from bitexgate.sandbox import GatewaySandbox
from tests.served import served

from .conftest import API_KEY, BASE_URL, NOW, SECRET

METHODS = "/api/gateway/payment-methods"
WITHDRAW = "/api/gateway/withdraw/create"
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"


def transport_of(kind: str) -> httpx.AsyncBaseTransport | None:
    return fast_transport() if kind == "fast" else None


@pytest.fixture(scope="module")
def busy() -> Iterator[tuple[GatewaySandbox, str]]:
    """A sandbox that serves one request at a time, 5 ms each: a burst of 300 takes 1.5 s."""
    sandbox = GatewaySandbox()
    sandbox.throttle(0.005, workers=1)
    with served(sandbox) as url:
        yield sandbox, url


@pytest.mark.parametrize("kind", ["default", "fast"])
async def test_a_burst_against_a_busy_server_arrives_in_time(
    busy: tuple[GatewaySandbox, str], kind: str
) -> None:
    sandbox, url = busy
    calls = 300  # three times what this server answers within the window (0.5 s)
    async with BitexGateClient(
        api_key=sandbox.api_key, secret=sandbox.secret, base_url=url, transport=transport_of(kind)
    ) as gw:
        results = await asyncio.gather(
            *(gw.payment_methods.list() for _ in range(calls)), return_exceptions=True
        )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert all(methods for methods in results)


def skewed(offset: float) -> GatewaySandbox:
    """A sandbox whose clock is `offset` s from this machine's; deadlines > 3 s ahead refused."""
    sandbox = GatewaySandbox(max_signature_window=3.0, clock=lambda: time.time() + offset)
    sandbox.set_balance("USDT", "1000")
    return sandbox


@pytest.mark.parametrize("kind", ["default", "fast"])
@pytest.mark.parametrize("offset", [5.0, -5.0], ids=["local-behind", "local-ahead"])
async def test_calls_succeed_with_the_local_clock_seconds_off(offset: float, kind: str) -> None:
    sandbox = skewed(offset)
    async with (
        sandbox,
        sandbox.serve() as url,
        BitexGateClient(
            api_key=sandbox.api_key,
            secret=sandbox.secret,
            base_url=url,
            transport=transport_of(kind),
        ) as gw,
    ):
        withdrawal = await gw.withdrawals.create(
            ticker="USDT", network="tron", address=TRON, amount="22", client_order_id="skew-1"
        )
        lists = await asyncio.gather(*(gw.payment_methods.list() for _ in range(20)))
        assert gw.clock_offset == pytest.approx(offset, abs=1.1)

    assert all(lists)
    [fee] = [m.withdraw_fee_amount for m in lists[0] if (m.ticker, m.network) == ("USDT", "tron")]
    assert withdrawal.client_order_id == "skew-1"
    # The first POST was refused for its deadline and resent once: one withdrawal made.
    assert len(sandbox.requests_to(WITHDRAW)) == 2
    assert sandbox.balance("USDT") == Decimal("1000") - Decimal("22") - fee
    assert len(sandbox.requests_to(METHODS)) == 20  # by then the clock was known


async def test_a_known_offset_is_signed_against_from_the_first_call() -> None:
    sandbox = skewed(5.0)
    async with (
        sandbox,
        sandbox.serve() as url,
        BitexGateClient(
            api_key=sandbox.api_key, secret=sandbox.secret, base_url=url, clock_offset=5.0
        ) as gw,
    ):
        await asyncio.gather(*(gw.payment_methods.list() for _ in range(10)))
        assert gw.clock_offset == 5.0
        assert gw.clock_uncertainty == 0.0
    assert len(sandbox.requests_to(METHODS)) == 10  # none refused, none resent


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e9, True, "5"])
def test_a_nonsense_clock_offset_is_refused(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        BitexGateClient(api_key=API_KEY, secret=SECRET, clock_offset=value)  # type: ignore[arg-type]
    assert caught.value.field == "clock_offset"


async def test_a_wrong_secret_is_an_authentication_error_not_a_clock_problem() -> None:
    sandbox = GatewaySandbox()
    async with (
        sandbox,
        sandbox.serve() as url,
        BitexGateClient(
            api_key=sandbox.api_key,
            secret="not-the-secret",
            base_url=url,
            retry=RetryPolicy(initial_delay=0),
        ) as gw,
    ):
        with pytest.raises(AuthenticationError, match="Invalid signature") as caught:
            await gw.payment_methods.list()
    assert type(caught.value) is AuthenticationError
    assert "clock" not in str(caught.value)
    assert len(sandbox.requests_to(METHODS)) == 1  # not resent


@pytest.mark.parametrize("round_trip", [0.05, 0.6, 1.5])
async def test_a_refusal_on_a_slow_link_is_not_blamed_on_the_clock(round_trip: float) -> None:
    """The server refuses the signature at once; the answer takes longer than the window back."""
    now = [NOW]

    def refuse(request: httpx.Request) -> httpx.Response:
        answer = httpx.Response(
            401, json={"detail": "Invalid signature."}, headers={"Date": http_date(now[0])}
        )
        now[0] += round_trip  # the way back
        return answer

    with respx.mock(base_url=BASE_URL) as router:
        route = router.post(WITHDRAW).mock(side_effect=refuse)
        async with BitexGateClient(api_key=API_KEY, secret=SECRET, clock=lambda: now[0]) as gw:
            with pytest.raises(AuthenticationError) as caught:
                await gw.withdrawals.create(
                    ticker="USDT", network="tron", address=TRON, amount=22, client_order_id="x"
                )
    assert type(caught.value) is AuthenticationError
    assert route.call_count == 1  # a payment refused for its credentials is not resent


async def test_a_date_refreshed_once_a_second_does_not_make_calls_late() -> None:
    """uvicorn's Date lags the time by up to a second; the clocks here agree."""
    sandbox = GatewaySandbox()
    sandbox.refresh_date_each_second(0.85)
    async with (
        sandbox,
        sandbox.serve() as url,
        BitexGateClient(api_key=sandbox.api_key, secret=sandbox.secret, base_url=url) as gw,
    ):
        for _ in range(5):
            await asyncio.gather(*(gw.payment_methods.list() for _ in range(10)))
            await asyncio.sleep(0.1)  # answers at different points of a second
        assert gw.clock_offset - gw.clock_uncertainty <= 0.05
    assert len(sandbox.requests_to(METHODS)) == 50  # none refused, none resent


def http_date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


async def test_refusals_dated_past_the_deadline_say_so_with_the_clock_offset() -> None:
    """Each attempt reaches a server 30 s ahead later than the last allowed for: resent as
    the policy allows, then the error names the clock.

    The client's clock is a fake one; the mock server advances it by each request's
    travel time (1 s, then 10 s, then 100 s: a link getting ever slower) and dates
    its refusal on arrival, so each refusal is dated past the deadline it refuses.
    """
    now = [NOW]
    travel = iter([1.0, 10.0, 100.0])

    def refuse(request: httpx.Request) -> httpx.Response:
        now[0] += next(travel)
        headers = {"Date": http_date(now[0] + 30)}
        return httpx.Response(401, json={"detail": "Request expired."}, headers=headers)

    with respx.mock(base_url=BASE_URL) as router:
        route = router.get(METHODS).mock(side_effect=refuse)
        async with BitexGateClient(
            api_key=API_KEY,
            secret=SECRET,
            clock=lambda: now[0],
            retry=RetryPolicy(max_retries=2),
        ) as gw:
            with pytest.raises(SignatureWindowError) as caught:
                await gw.payment_methods.list()
    error = caught.value
    assert route.call_count == 3  # resent twice, as the policy allows, at once
    assert error.late
    assert error.status_code == 401
    assert error.clock_offset == pytest.approx(30, abs=2.1)
    assert "clock" in str(error)
    assert f"{error.clock_offset:+.3f}" in str(error)
    assert isinstance(error, AuthenticationError)  # caught as before, by those who did


async def test_a_refused_deadline_is_resent_even_for_a_payment() -> None:
    """A refused signature means the server did not act: a withdrawal is resent, once."""
    record = {
        "id": 7,
        "ticker": "USDT",
        "network": "tron",
        "address": TRON,
        "amount": "22.00000000",
        "client_order_id": "order_123",
        "fee_payer": 1,
        "status": 10,
        "created_at": "2021-05-21T13:28:32.095Z",
    }
    with respx.mock(base_url=BASE_URL) as router:
        route = router.post(WITHDRAW).mock(
            side_effect=[
                httpx.Response(
                    401,
                    json={"detail": "Request expired."},
                    headers={"Date": http_date(time.time() + 10)},
                ),
                httpx.Response(201, json=record),
            ]
        )
        async with BitexGateClient(api_key=API_KEY, secret=SECRET) as gw:
            withdrawal = await gw.withdrawals.create(
                ticker="USDT", network="tron", address=TRON, amount=22, client_order_id="order_123"
            )
    assert withdrawal.id == 7
    first, second = (call.request for call in route.calls)
    assert first.content == second.content  # the same bytes...
    # ...signed again, against the server's clock, 10 s ahead
    assert int(second.headers["X-Timeout"]) - int(first.headers["X-Timeout"]) > 9_000


async def test_a_far_server_keeps_its_requests_in_flight() -> None:
    """Every answer takes 0.35 s (the round trip of a far server), none waits in a queue."""
    sandbox = GatewaySandbox()
    sandbox.delay_next(METHODS, seconds=0.35, times=200)
    async with (
        sandbox,
        sandbox.serve() as url,
        BitexGateClient(api_key=sandbox.api_key, secret=sandbox.secret, base_url=url) as gw,
    ):
        results = await asyncio.gather(*(gw.payment_methods.list() for _ in range(120)))
        limit = gw._transport.in_flight_limit
        assert limit is not None
        assert limit.limit >= 32  # it doubled from 8 at least twice, and never cut
    assert all(results)
    assert len(sandbox.requests_to(METHODS)) == 120
