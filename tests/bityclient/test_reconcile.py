"""`orders.create` after a lost answer: the order told apart in the list, or the candidates."""

from __future__ import annotations

import asyncio
import copy
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from bityclient import (
    AmountMode,
    BityClient,
    NetworkError,
    Order,
    OrderCategory,
    RequestTimeout,
    ServiceUnavailableError,
    ValidationError,
)
from bityclient._decode import converter
from bityclient._reconcile import (
    CLOCK_MARGIN,
    AskedOrder,
    OrderSearch,
    ReturnedOrders,
    Verdict,
    amount_side,
    order_verdict,
)
from bityclient._requests import order_body
from tests.conftest import SleepRecorder

from .conftest import START, FakeClock, bity_fixture, make_client, make_token

ORDERS = "/api/v1/order/"
ETH_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
SINCE = START - timedelta(seconds=CLOCK_MARGIN)


def listed(
    number: int,
    *,
    category: str = "BUY_ETH",
    paid: str = "0.5",
    received: str = "7.44634906",
    seconds: float = 1,
    **changes: Any,
) -> dict[str, Any]:
    """An order as the list shows it: made `seconds` after START, paying `paid`."""
    item = copy.deepcopy(bity_fixture("orders_list.json")["objects"][0])
    item["inputtransactions"][0]["amount"] = paid
    item["outputtransactions"][0]["amount"] = received
    moment = (START + timedelta(seconds=seconds)).replace(tzinfo=None)
    item.update(
        category=category,
        resource_uri=f"/api/v1/order/{number}/",
        timestamp_created=moment.isoformat(timespec="microseconds"),
        **changes,
    )
    return item


def order(number: int, **kwargs: Any) -> Order:
    return converter.structure(listed(number, **kwargs), Order)


def listing(*items: dict[str, Any]) -> httpx.Response:
    meta = {"limit": 50, "next": None, "offset": 0, "previous": None, "total_count": len(items)}
    return httpx.Response(200, json={"meta": meta, "objects": list(items)})


def asked(**changes: Any) -> AskedOrder:
    body = {"category": "BUY_ETH", "amount": "0.5", "crypto_address": ETH_ADDRESS, **changes}
    return AskedOrder.from_body(order_body(**body))


# --- which side an amount is on: the reference's amount modes --------------------------------


@pytest.mark.parametrize(
    ("category", "mode", "currency", "side"),
    [
        ("BUY", AmountMode.DEFAULT, "CHF", "input"),
        ("BUY_ETH", AmountMode.DEFAULT, "", "input"),
        ("BUY_REP", AmountMode.DEFAULT, "EUR", "input"),
        ("SELL", AmountMode.DEFAULT, "CHF", "output"),
        ("SELL_ETH", AmountMode.DEFAULT, "EUR", "output"),
        ("SELL_ETH", AmountMode.DEFAULT, "", None),  # ETH to BTC: the table says nothing
        ("SELL_ETH", AmountMode.DEFAULT, "REP", None),
        ("SELL", AmountMode.INPUT, "CHF", "input"),
        ("BUY_ETH", AmountMode.OUTPUT, "", "output"),
        ("BUY_ETH", AmountMode.INPUT_PLACEHOLDER, "", None),
        ("SWAP", AmountMode.DEFAULT, "", None),  # a category the reference does not list
        ("BUY", 7, "CHF", None),
    ],
)
def test_the_side_an_amount_is_given_for(
    category: str, mode: int, currency: str, side: str | None
) -> None:
    assert amount_side(category, mode, currency) == side


# --- the verdict on one listed order ------------------------------------------------------------


def test_a_listed_order_of_the_category_time_and_amount_matches() -> None:
    assert order_verdict(order(1), asked(), SINCE) is Verdict.MATCH
    assert order_verdict(order(1), asked(amount="0.50000000"), SINCE) is Verdict.MATCH


@pytest.mark.parametrize(
    ("listed_as", "asked_for"),
    [
        ({"paid": "0.6"}, {}),  # another amount
        ({"category": "BUY"}, {}),  # another category
        ({"seconds": -CLOCK_MARGIN - 1}, {}),  # made before the request was sent
        ({}, {"amount_mode": AmountMode.OUTPUT}),  # the output is 7.44..., not 0.5
        ({"person": "/api/v1/person/2/"}, {"person": "/api/v1/person/1/"}),
        ({"crypto_address": "0xOTHER"}, {}),  # shown on this order: another address
        ({"amount": "0.6"}, {}),  # shown on this order: another amount
    ],
)
def test_a_listed_order_that_differs_is_not_it(
    listed_as: dict[str, Any], asked_for: dict[str, Any]
) -> None:
    assert order_verdict(order(1, **listed_as), asked(**asked_for), SINCE) is Verdict.NOT_IT


def test_fields_the_list_does_not_show_rule_nothing_out() -> None:
    # The reference's list form has no crypto_address or amount: only what it shows counts.
    bare = order(1)
    assert (bare.crypto_address, bare.amount) == (None, None)
    assert order_verdict(bare, asked(crypto_address="0xANY"), SINCE) is Verdict.MATCH
    # A person is compared by its id, whatever the form of its URI.
    person = order(1, person="/api/v1/person/151515/")
    same = asked(person="https://bity.com/api/v1/person/151515/")
    assert order_verdict(person, same, SINCE) is Verdict.MATCH


@pytest.mark.parametrize(
    ("listed_as", "asked_for"),
    [
        ({"inputtransactions": []}, {}),  # no transaction on the side of the amount
        ({}, {"amount_mode": AmountMode.INPUT_PLACEHOLDER}),  # filled in later
        ({"category": "SELL_ETH"}, {"category": "SELL_ETH", "currency": ""}),  # ETH to BTC
    ],
)
def test_an_order_whose_amount_cannot_be_read_is_possible_never_a_match(
    listed_as: dict[str, Any], asked_for: dict[str, Any]
) -> None:
    assert order_verdict(order(1, **listed_as), asked(**asked_for), SINCE) is Verdict.POSSIBLE


def test_two_transactions_on_the_side_of_the_amount_are_possible() -> None:
    item = listed(1)
    item["inputtransactions"] = item["inputtransactions"] * 2
    assert order_verdict(converter.structure(item, Order), asked(), SINCE) is Verdict.POSSIBLE


def test_the_created_form_is_judged_by_what_it_shows() -> None:
    created = converter.structure(bity_fixture("order_created.json"), Order)
    long_ago = created.timestamp_created - timedelta(seconds=1)
    sample = AskedOrder("BUY_ETH", Decimal("0.5"), crypto_address="ETHER ADDRESS")
    assert order_verdict(created, sample, long_ago) is Verdict.MATCH
    assert order_verdict(created, asked(crypto_address="0xB"), long_ago) is Verdict.NOT_IT
    assert order_verdict(created, asked(amount="0.4"), long_ago) is Verdict.NOT_IT


def test_only_one_match_and_nothing_else_is_found() -> None:
    one, two = order(1), order(2)
    assert OrderSearch([one], []).found == one
    assert OrderSearch([one, two], []).found is None
    assert OrderSearch([one], [two]).found is None
    assert OrderSearch([one], [two]).candidates == [one, two]
    assert OrderSearch([], [two]).found is None


def test_returned_orders_are_remembered_up_to_a_bound() -> None:
    returned = ReturnedOrders(size=2)
    for number in (1, 2, 3):
        returned.add(order(number))
    assert "/api/v1/order/1/" not in returned
    assert "/api/v1/order/2/" in returned
    assert "/api/v1/order/3/" in returned


# --- orders.create over respx -------------------------------------------------------------------


@pytest.fixture
async def client(router: respx.MockRouter, clock: FakeClock) -> Any:
    async with make_client(
        router, token=make_token(), clock=clock, reconcile_delays=(0, 0, 0)
    ) as bity:
        yield bity


async def buy(bity: BityClient, **changes: Any) -> Order:
    arguments = {
        "category": OrderCategory.BUY_ETH,
        "amount": Decimal("0.5"),
        "crypto_address": ETH_ADDRESS,
        **changes,
    }
    return await bity.orders.create(**arguments)


@pytest.mark.parametrize(
    "lost",
    [
        httpx.Response(502, json={"error": "bad_gateway", "error_description": "Bad gateway."}),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected"),
        httpx.Response(201, text="<html>"),
    ],
    ids=["502", "timeout", "reset", "undecodable-201"],
)
async def test_a_lost_order_is_told_apart_in_the_list(
    client: BityClient,
    router: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    lost: Any,
) -> None:
    post = router.post(ORDERS).mock(side_effect=[lost])
    others = [listed(9, paid="0.7"), listed(8, category="BUY"), listed(6, seconds=-3600)]
    look = router.get(ORDERS).mock(
        side_effect=[listing(*others), listing(listed(7), *others)]  # made late: second look
    )
    with caplog.at_level(logging.WARNING, logger="bityclient"):
        recovered = await buy(client)
    assert recovered.id == "7"
    assert post.call_count == 1
    assert look.call_count == 2
    assert dict(look.calls[0].request.url.params) == {
        "order_by": "-timestamp_created",
        "limit": "50",
    }
    assert "recovered order 7" in caplog.text
    assert "access-1" not in caplog.text


async def test_two_orders_that_match_are_candidates_and_none_is_taken(
    client: BityClient, router: respx.MockRouter
) -> None:
    router.post(ORDERS).respond(504)
    look = router.get(ORDERS).mock(return_value=listing(listed(8), listed(7), listed(5, paid="2")))
    with pytest.raises(ServiceUnavailableError) as caught:
        await buy(client)
    error = caught.value
    assert [o.id for o in error.candidates] == ["8", "7"]
    assert error.outcome_unknown
    assert "found 2 that may be it, and cannot tell them apart (see `candidates`)" in str(error)
    assert look.call_count == 1  # more waiting cannot make two orders one


async def test_a_match_beside_a_possible_one_is_not_taken(
    client: BityClient, router: respx.MockRouter
) -> None:
    router.post(ORDERS).mock(side_effect=httpx.ReadTimeout("timed out"))
    unreadable = listed(8, inputtransactions=[])
    router.get(ORDERS).mock(return_value=listing(unreadable, listed(7)))
    with pytest.raises(RequestTimeout) as caught:
        await buy(client)
    assert [o.id for o in caught.value.candidates] == ["7", "8"]  # the match, then the possible


async def test_nothing_found_raises_after_every_look_with_no_candidates(
    client: BityClient, router: respx.MockRouter
) -> None:
    router.post(ORDERS).mock(side_effect=httpx.RemoteProtocolError("reset"))
    look = router.get(ORDERS).mock(return_value=listing(listed(9, paid="0.7")))
    with pytest.raises(NetworkError) as caught:
        await buy(client)
    assert caught.value.candidates == []
    assert look.call_count == 3
    text = str(caught.value)
    assert "The SDK looked for a BUY_ETH order of amount 0.5 in /api/v1/order/" in text
    assert "(created since 2024-03-01T11:59:00+00:00) 3 times over" in text
    assert "did not find it" in text


async def test_an_order_this_client_returned_is_never_taken_again(
    client: BityClient, router: respx.MockRouter
) -> None:
    first = listed(7)
    router.post(ORDERS).mock(side_effect=[httpx.Response(201, json=first), httpx.Response(502)])
    router.get(ORDERS).mock(return_value=listing(first))
    assert (await buy(client)).id == "7"
    with pytest.raises(ServiceUnavailableError) as caught:  # the same order again, lost
        await buy(client)
    assert caught.value.candidates == []  # order 7 was the first one's


async def test_one_recovered_order_is_not_claimed_twice(
    client: BityClient, router: respx.MockRouter
) -> None:
    router.post(ORDERS).respond(502)  # two identical orders, both answers lost, one made
    router.get(ORDERS).mock(return_value=listing(listed(7)))
    results = await asyncio.gather(buy(client), buy(client), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Order", "ServiceUnavailableError"]


async def test_a_failed_lookup_never_hides_the_lost_answer(
    client: BityClient, router: respx.MockRouter
) -> None:
    router.post(ORDERS).respond(502)
    router.get(ORDERS).mock(side_effect=httpx.ConnectError("down"))
    with pytest.raises(ServiceUnavailableError) as caught:
        await buy(client)
    assert "every look failed; the last look: ConnectError" in str(caught.value)


async def test_an_empty_schedule_turns_looking_off(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post(ORDERS).respond(502)
    look = router.get(ORDERS).mock(return_value=listing(listed(7)))
    async with make_client(router, token=make_token(), clock=clock, reconcile_delays=()) as bity:
        with pytest.raises(ServiceUnavailableError):
            await buy(bity)
    assert not look.called


async def test_the_settle_schedule_is_the_clients(
    router: respx.MockRouter, clock: FakeClock, sleeps: SleepRecorder
) -> None:
    router.post(ORDERS).respond(502)
    router.get(ORDERS).mock(side_effect=[listing(), listing(listed(7))])
    client = make_client(
        router, token=make_token(), clock=clock, reconcile_delays=[0.25, 0.5, 0.75]
    )
    async with client as bity:
        bity.orders._sleep = sleeps  # record the waits instead of sleeping
        assert (await buy(bity)).id == "7"
    assert sleeps.delays == [0.25, 0.5]


async def test_cancelling_while_it_waits_to_look_cancels(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post(ORDERS).respond(502)
    look = router.get(ORDERS).mock(return_value=listing(listed(7)))
    waiting = asyncio.Event()

    async def wait_for_ever(delay: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    async with make_client(router, token=make_token(), clock=clock, reconcile_delays=(1,)) as bity:
        bity.orders._sleep = wait_for_ever
        task = asyncio.create_task(buy(bity))
        await waiting.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert not look.called


def test_a_bad_schedule_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        BityClient(client_id="client-1", reconcile_delays=(1, -1))
    assert caught.value.field == "reconcile_delays[1]"
