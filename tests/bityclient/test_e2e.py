"""End to end: the real BityClient against the sandbox served on a loopback socket.

Every endpoint, pagination to the last page, the token refreshed on its own (ahead
of expiry and after a 401), one refresh shared by a hundred concurrent calls, and a
revoked session.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from bityclient import (
    AmountMode,
    BityClient,
    Currency,
    Order,
    OrderCategory,
    OrderStatus,
    PaymentMethod,
    RequestTimeout,
    SessionExpiredError,
    Token,
    TransactionStatus,
)
from bityclient.sandbox import DEMO_PHONE_CODE, BitySandbox

from .conftest import NO_WAIT, FakeClock

ORDERS = "/api/v1/order/"
ETH_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


class TokenLog:
    """An `on_token_update` callback that keeps every token it is given."""

    def __init__(self) -> None:
        self.tokens: list[Token] = []

    async def __call__(self, token: Token) -> None:
        self.tokens.append(token)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> BitySandbox:
    return BitySandbox(clock=clock)


@pytest.fixture
def token_log() -> TokenLog:
    return TokenLog()


@pytest.fixture
async def bity(
    sandbox: BitySandbox, clock: FakeClock, token_log: TokenLog
) -> AsyncIterator[BityClient]:
    """The SDK on the sandbox's socket (the server stops after the client closes)."""
    async with (
        sandbox.serve() as base_url,
        BityClient(
            client_id=sandbox.client_id,
            base_url=base_url,
            retry=NO_WAIT,
            clock=clock,
            on_token_update=token_log,
            reconcile_delays=(0.5, 0.5, 0.5),
        ) as client,
    ):
        assert base_url.startswith("http://127.0.0.1:")
        yield client


async def login(bity: BityClient, sandbox: BitySandbox) -> Token:
    return await bity.login(username=sandbox.username, password=sandbox.password)


def order_ids(orders: list[Order]) -> list[int]:
    return [int(order.id or 0) for order in orders]


async def test_every_endpoint(bity: BityClient, sandbox: BitySandbox) -> None:
    # users.verify_phone: the demo phone awaits the reference's code.
    assert await bity.users.verify_phone(phone=sandbox.username, code=DEMO_PHONE_CODE) is True

    token = await login(bity, sandbox)
    assert token.token_type == "Bearer"
    assert token.scope == "read write"
    assert token.refresh_token is not None

    rates = [rate async for rate in bity.rates.list(page_size=5)]
    assert len(rates) == 18
    assert len({rate.pair for rate in rates}) == 18
    eth_btc = next(rate for rate in rates if rate.pair == "ETHBTC")
    assert eth_btc.rate_we_sell > eth_btc.rate > eth_btc.rate_we_buy
    first = await bity.rates.list()
    assert first.total_count == 18
    assert first.meta.limit == 20  # the rate list's own page size, as in the reference

    sell = await bity.rates.we_sell("ETHBTC")
    buy = await bity.rates.we_buy("ETHBTC")
    assert (sell.rate, buy.rate) == (eth_btc.rate_we_sell, eth_btc.rate_we_buy)
    assert sell.timestamp.tzinfo is not None

    order = await bity.orders.create(
        category=OrderCategory.SELL_ETH,
        payment_method=PaymentMethod.ETHGATEWAY,
        currency="CHF",
        amount=Decimal("1.25"),
        amount_mode=AmountMode.INPUT,
    )
    assert order.status is OrderStatus.OPEN
    assert order.currency is Currency.CHF
    assert order.input_transactions[0].amount == Decimal("1.25")
    eth_chf = next(rate for rate in rates if rate.pair == "ETHCHF")
    expected = (Decimal("1.25") * eth_chf.rate_we_buy).quantize(Decimal("1E-8"))
    assert order.output_transactions[0].amount == expected

    sandbox.advance_order(int(order.id or 0))
    (listed,) = [o async for o in bity.orders.list()]
    assert listed.resource_uri == order.resource_uri
    assert listed.status is OrderStatus.EXEC
    assert listed.output_transactions[0].status is TransactionStatus.FILL

    # The bearer token went to the orders only.
    for request in sandbox.requests:
        has_token = request.header("authorization") is not None
        assert has_token == (request.path == ORDERS), request.path


async def test_pagination_to_the_last_page(bity: BityClient, sandbox: BitySandbox) -> None:
    await login(bity, sandbox)
    created = [
        await bity.orders.create(
            category=OrderCategory.BUY_ETH, amount=Decimal("0.01"), crypto_address=ETH_ADDRESS
        )
        for _ in range(23)
    ]
    ids = order_ids(created)
    sandbox.clear_requests()

    walked = [order async for order in bity.orders.list(page_size=5)]
    assert order_ids(walked) == ids  # all 23, once each, in order
    pages = sandbox.requests_to(ORDERS, method="GET")
    assert [request.query for request in pages] == [
        "limit=5",
        "limit=5&offset=5",
        "limit=5&offset=10",
        "limit=5&offset=15",
        "limit=5&offset=20",
    ]

    newest_first = [order async for order in bity.orders.list(order_by="-id", page_size=5)]
    assert order_ids(newest_first) == ids[::-1]
    ascending = [order async for order in bity.orders.list(order_by="+id", page_size=7)]
    assert order_ids(ascending) == ids
    assert sandbox.requests_to(ORDERS)[-1].query == "limit=7&order_by=id&offset=21"

    page_sizes = [len(page.items) async for page in bity.orders.list(page_size=5).pages()]
    assert page_sizes == [5, 5, 5, 5, 3]
    assert len([o async for o in bity.orders.list(max_items=7)]) == 7


async def test_the_token_is_refreshed_ahead_of_expiry(
    bity: BityClient, sandbox: BitySandbox, clock: FakeClock, token_log: TokenLog
) -> None:
    sandbox.access_token_lifetime = 600
    first = await login(bity, sandbox)
    clock.advance(600)  # expired, by both clocks
    assert (await bity.orders.list()).items == []
    assert sandbox.refreshes == 1
    # Refreshed before sending: the server never refused a token.
    assert len(sandbox.requests_to(ORDERS)) == 1
    assert len(token_log.tokens) == 2
    rotated = token_log.tokens[1]
    assert rotated is bity.token
    assert rotated.refresh_token != first.refresh_token
    assert rotated.access_token != first.access_token


async def test_the_token_is_refreshed_after_a_401(
    bity: BityClient, sandbox: BitySandbox, token_log: TokenLog
) -> None:
    first = await login(bity, sandbox)
    sandbox.expire_tokens()
    order = await bity.orders.create(
        category=OrderCategory.BUY_ETH, amount=Decimal("0.5"), crypto_address=ETH_ADDRESS
    )
    assert sandbox.refreshes == 1
    # Refused once (no order made), then sent again with the new token.
    attempts = sandbox.requests_to(ORDERS, method="POST")
    assert len(attempts) == 2
    assert attempts[0].header("authorization") == f"Bearer {first.access_token}"
    assert attempts[1].header("authorization") == f"Bearer {token_log.tokens[-1].access_token}"
    assert order_ids([o async for o in bity.orders.list()]) == order_ids([order])
    assert token_log.tokens[-1].refresh_token != first.refresh_token


async def test_a_hundred_concurrent_calls_share_one_refresh(
    bity: BityClient, sandbox: BitySandbox, token_log: TokenLog
) -> None:
    await login(bity, sandbox)
    sandbox.expire_tokens()

    async def create(n: int) -> Order:
        return await bity.orders.create(
            category=OrderCategory.BUY_ETH, amount=Decimal(n + 1) / 100, crypto_address=ETH_ADDRESS
        )

    async def first_page() -> list[Order]:
        return (await bity.orders.list(page_size=3)).items

    results = await asyncio.gather(
        *(create(n) if n % 2 else first_page() for n in range(100)),
    )
    assert sandbox.refreshes == 1
    assert sandbox.tokens_issued == 2  # the login and the one refresh
    assert len(token_log.tokens) == 2
    created = [result for result in results if isinstance(result, Order)]
    assert len(created) == 50
    everything = [o async for o in bity.orders.list(page_size=20)]
    assert sorted(order_ids(everything)) == sorted(order_ids(created))
    assert len(set(order_ids(everything))) == 50
    amounts = sorted(o.input_transactions[0].amount for o in everything)
    assert amounts == sorted(Decimal(n + 1) / 100 for n in range(1, 100, 2))


@pytest.mark.parametrize("status", [401, 400])
async def test_a_revoked_session_must_log_in_again(
    bity: BityClient, sandbox: BitySandbox, status: int
) -> None:
    # 401 as the reference shows invalid_grant, 400 as oauthlib sends it: the same to the SDK.
    sandbox.invalid_grant_status = status
    await login(bity, sandbox)
    sandbox.revoke_session()
    with pytest.raises(SessionExpiredError) as info:
        await bity.orders.list()
    assert info.value.status_code == status
    assert info.value.error == "invalid_grant"
    assert bity.token is None
    sent = len(sandbox.requests)
    with pytest.raises(SessionExpiredError):
        await bity.orders.list()
    assert len(sandbox.requests) == sent  # nothing sent until a new login
    await login(bity, sandbox)
    assert (await bity.orders.list()).items == []


async def test_an_order_made_after_the_client_gave_up_is_recovered(
    bity: BityClient, sandbox: BitySandbox
) -> None:
    await login(bity, sandbox)
    sandbox.delay_next(ORDERS, seconds=0.2, method="POST")
    order = await bity.orders.create(
        category=OrderCategory.BUY_ETH,
        amount=Decimal("0.5"),
        crypto_address=ETH_ADDRESS,
        timeout=0.05,
    )
    # The client gave up after 0.05 s, the server made it after 0.2 s, and the SDK's
    # lookups (after 0.5 s, 0.5 s and 0.5 s) told it apart in the order list.
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1  # not resent
    (listed,) = (await bity.orders.list()).items
    assert order.resource_uri == listed.resource_uri
    assert order.input_transactions[0].amount == Decimal("0.5")


async def test_an_order_the_server_never_made_raises_after_looking(
    bity: BityClient, sandbox: BitySandbox
) -> None:
    await login(bity, sandbox)
    sandbox.drop_next(ORDERS, timeout=True, method="POST")  # held, never handled
    with pytest.raises(RequestTimeout) as info:
        await bity.orders.create(
            category=OrderCategory.BUY_ETH,
            amount=Decimal("0.5"),
            crypto_address=ETH_ADDRESS,
            timeout=0.1,
        )
    assert info.value.outcome_unknown
    assert "did not find it" in str(info.value)
    assert info.value.candidates == []
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1
    assert len(sandbox.requests_to(ORDERS, method="GET")) == 3  # one look after each wait
    assert (await bity.orders.list()).items == []


async def test_the_demo_data_shows_on_a_fresh_run(bity: BityClient, sandbox: BitySandbox) -> None:
    sandbox.seed_demo_data()
    await login(bity, sandbox)
    listed = [o async for o in bity.orders.list(order_by="-timestamp_created")]
    assert sorted(str(o.status) for o in listed) == ["CANC", "EXEC", "OPEN", "OPEN"]


@pytest.mark.parametrize("expiry", ["refused by the server", "due by the clock"])
async def test_a_refresh_never_waits_for_a_place_held_by_the_requests_waiting_for_it(
    sandbox: BitySandbox, clock: FakeClock, expiry: str
) -> None:
    """Every place under max_in_flight is held by a request whose token has expired.

    The refresh those requests wait for goes out without a place of its own; if it
    needed one, every request would wait for ever.
    """
    async with (
        sandbox.serve() as base_url,
        BityClient(
            client_id=sandbox.client_id,
            base_url=base_url,
            retry=NO_WAIT,
            clock=clock,
            max_in_flight=2,
        ) as bity,
    ):
        await login(bity, sandbox)
        if expiry == "refused by the server":
            sandbox.expire_tokens()  # each request is answered 401, holding its place
        else:
            clock.advance(36_000)  # each request finds its token due before it is sent
        refreshes = sandbox.refreshes
        pages = await asyncio.wait_for(  # a guard against a hang, not a timing check
            asyncio.gather(*(bity.orders.list(page_size=5) for _ in range(8))), timeout=30
        )
    assert [page.items for page in pages] == [[]] * 8
    assert sandbox.refreshes == refreshes + 1  # one refresh, shared


async def test_what_an_order_amount_counts_is_said_by_amount_mode(
    bity: BityClient, sandbox: BitySandbox
) -> None:
    # The README's short example: 0.5 ETH bought, paid in BTC (no currency given).
    await login(bity, sandbox)
    bought = await bity.orders.create(
        category=OrderCategory.BUY_ETH,
        amount=Decimal("0.5"),
        amount_mode=AmountMode.OUTPUT,
        crypto_address=ETH_ADDRESS,
    )
    [paid_in], [paid_out] = bought.input_transactions, bought.output_transactions
    assert (paid_out.amount, paid_out.currency) == (Decimal("0.5"), Currency.ETH)
    assert paid_in.currency == Currency.BTC
    # Left out, amount_mode is the server's default: for a BUY_ETH, what is paid in.
    default = await bity.orders.create(
        category=OrderCategory.BUY_ETH, amount=Decimal("0.5"), crypto_address=ETH_ADDRESS
    )
    [paid_in], [paid_out] = default.input_transactions, default.output_transactions
    assert (paid_in.amount, paid_in.currency) == (Decimal("0.5"), Currency.BTC)
    assert paid_out.currency == Currency.ETH
    assert paid_out.amount != Decimal("0.5")
