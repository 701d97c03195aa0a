"""confirm(): the matching rules on their own, and the reads against a mocked gateway.

The pure rules (`bitexgate._confirm`) decide what agrees and when a scan can
stop; the respx tests check what is asked for, how many requests that takes,
and that the transport's and the API's errors come out as they are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest
import respx

from bitexgate import (
    AuthenticationError,
    BitexGateClient,
    CallbackNotConfirmedError,
    ConnectError,
    DecodeError,
    Deposit,
    InvoiceDeposit,
    SDKError,
    ServiceUnavailableError,
    ValidationError,
    Withdrawal,
    WithdrawStatus,
    parse_deposit_callback,
    parse_invoice_callback,
    parse_withdrawal_callback,
)
from bitexgate._confirm import (
    DEPOSIT_RULES,
    INVOICE_RULES,
    WITHDRAWAL_RULES,
    DescendingIds,
    best_match,
    mismatches,
    no_identity,
    refusal,
    same,
    withdrawal_filters,
)
from tests.bitexgate.conftest import BASE_URL
from tests.conftest import fixture_json

DEPOSIT_JSON = fixture_json("bitexgate", "wallet_history.json")["results"][0]
PAYMENT_JSON = fixture_json("bitexgate", "invoice_history.json")["results"][0]
WITHDRAWAL_JSON = fixture_json("bitexgate", "withdraw_history.json")["results"][0]
DEPOSIT = parse_deposit_callback(DEPOSIT_JSON)
PAYMENT = parse_invoice_callback(PAYMENT_JSON)
WITHDRAWAL = parse_withdrawal_callback(WITHDRAWAL_JSON)

WALLET_HISTORY = f"{BASE_URL}/api/gateway/wallet/history"
INVOICE_HISTORY = f"{BASE_URL}/api/gateway/invoice/history"
WITHDRAW_HISTORY = f"{BASE_URL}/api/gateway/withdraw/history"


def page(records: list[dict[str, Any]], next_page: int | None = None) -> dict[str, Any]:
    link = None if next_page is None else f"{WITHDRAW_HISTORY}?page={next_page}"
    return {"count": 999, "next": link, "previous": None, "results": records}


def withdrawal_json(withdrawal_id: int, **changes: Any) -> dict[str, Any]:
    return {**WITHDRAWAL_JSON, "id": withdrawal_id, "txid": None, **changes}


# --- the rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        (Decimal("22"), Decimal("22.0000000"), True),
        (Decimal("0.1"), Decimal("0.10000001"), False),
        ("TR4d", "TR4d", True),
        ("TR4d", "tr4d", False),
        (None, None, True),
        (None, "", False),
        ("22", Decimal(22), False),
        (1, True, False),
    ],
)
def test_values_agree_as_numbers_for_amounts_and_exactly_otherwise(
    ours: Any, theirs: Any, expected: bool
) -> None:
    assert same(ours, theirs) is expected


def test_the_money_fields_are_compared_always_the_recipient_ones_when_carried() -> None:
    api = attrs.evolve(DEPOSIT, memo="user-17", status=1, actual_confirmations=3)
    assert mismatches(DEPOSIT_RULES, DEPOSIT, api) == {}  # a callback without the memo
    forged = attrs.evolve(DEPOSIT, memo="user-18", amount=Decimal(500), address=None)
    assert mismatches(DEPOSIT_RULES, forged, api) == {
        "amount": (Decimal(500), Decimal(5)),
        "address": (None, DEPOSIT.address),
        "memo": ("user-18", "user-17"),
    }


def test_a_withdrawal_compares_its_card_and_order_id() -> None:
    api = attrs.evolve(WITHDRAWAL, card="4111111111111111", client_order_id="order_123")
    forged = attrs.evolve(WITHDRAWAL, card="5500000000000004", client_order_id="order_999")
    assert mismatches(WITHDRAWAL_RULES, forged, api) == {
        "card": ("5500000000000004", "4111111111111111"),
        "client_order_id": ("order_999", "order_123"),
    }


def test_an_invoice_payment_is_compared_on_ticker_network_and_amount() -> None:
    api = attrs.evolve(PAYMENT, amount=Decimal("292.00000000"), convert=None, status=1)
    assert mismatches(INVOICE_RULES, PAYMENT, api) == {}
    assert list(mismatches(INVOICE_RULES, attrs.evolve(PAYMENT, network="card"), api)) == [
        "network"
    ]


def test_of_several_records_with_one_txid_the_one_agreeing_on_every_field_is_taken() -> None:
    other_output = attrs.evolve(DEPOSIT, address="TOther", amount=Decimal(7))
    same_address = attrs.evolve(DEPOSIT, amount=Decimal(9))
    another_tx = attrs.evolve(DEPOSIT, txid="another")
    records = [another_tx, other_output, same_address, DEPOSIT]
    assert best_match(DEPOSIT_RULES, DEPOSIT, records) == (DEPOSIT, {})
    forged = attrs.evolve(DEPOSIT, amount=Decimal(8))
    assert best_match(DEPOSIT_RULES, forged, records) == (
        same_address,
        {"amount": (Decimal(8), Decimal(9))},
    )
    assert best_match(DEPOSIT_RULES, DEPOSIT, [another_tx]) == (None, {})


def test_a_scan_newest_first_stops_once_the_ids_fall_below_the_one_wanted() -> None:
    ids = DescendingIds(15)
    assert [ids.past(i) for i in (30, 20, 15, 14)] == [False, False, False, True]


def test_a_scan_the_server_did_not_order_is_read_to_its_end() -> None:
    ids = DescendingIds(15)
    assert [ids.past(i) for i in (20, 30, 10, 5)] == [False, False, False, False]
    one_below = DescendingIds(15)  # the newest is older, if the order is newest first
    assert [one_below.past(i) for i in (3, 2)] == [False, True]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"txid": "0xabc"}, {"txid": "0xabc"}),
        ({"txid": None}, {"address": WITHDRAWAL.address}),
        ({"txid": " "}, {"address": WITHDRAWAL.address}),
        ({"txid": None, "address": None}, {"ticker": "USDT", "network": "tron"}),
        ({"txid": "", "address": ""}, {"ticker": "USDT", "network": "tron"}),
    ],
)
def test_a_withdrawal_is_asked_for_by_the_narrowest_filter_its_callback_allows(
    changes: dict[str, Any], expected: dict[str, str]
) -> None:
    assert withdrawal_filters(attrs.evolve(WITHDRAWAL, **changes)) == expected


def test_a_refusal_names_each_field_with_both_values_and_never_claims_a_confirmation() -> None:
    forged = attrs.evolve(DEPOSIT, amount=Decimal("500.5"), wallet_slug="x" * 500)
    differences = mismatches(DEPOSIT_RULES, forged, DEPOSIT)
    error = refusal(DEPOSIT_RULES, forged, DEPOSIT, differences, {"txid": DEPOSIT.txid or ""})
    message = str(error)
    assert isinstance(error, SDKError)
    assert message.startswith("wallet deposit callback refused: the API's wallet deposit with txid")
    assert "amount: callback 500.5, API 5.00000000" in message
    assert "wallet_slug: callback 'xxx" in message
    assert len(message) < 600
    assert "confirm" not in message.lower()
    assert (error.callback, error.record, error.mismatches) == (forged, DEPOSIT, differences)


def test_a_refusal_for_a_missing_record_says_what_was_asked() -> None:
    error = refusal(WITHDRAWAL_RULES, WITHDRAWAL, None, {}, {"address": "TR4d"})
    assert str(error) == (
        "withdrawal callback refused: withdraw/history has no withdrawal with id 0 "
        "(asked for address 'TR4d')"
    )
    assert (error.record, error.mismatches) == (None, {})


def test_a_callback_without_its_identity_is_refused_saying_why() -> None:
    error = no_identity(INVOICE_RULES, attrs.evolve(PAYMENT, txid=None))
    assert "it has no txid" in str(error)
    assert "confirm" not in str(error).lower()


# --- against a mocked gateway ---------------------------------------------------------------------


async def test_several_outputs_of_one_transaction_the_matching_one_is_returned(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    outputs = [
        {**DEPOSIT_JSON, "amount": "1.00000000"},
        {**DEPOSIT_JSON, "amount": "5", "status": "5"},
        {**DEPOSIT_JSON, "amount": "2.00000000"},
    ]
    route = gateway_mock.get(WALLET_HISTORY).respond(json=page(outputs))
    pending = attrs.evolve(DEPOSIT, status=1)

    confirmed = await gw.wallets.confirm(pending)

    assert confirmed == attrs.evolve(DEPOSIT, amount=Decimal(5))
    assert route.call_count == 1
    assert dict(route.calls.last.request.url.params) == {
        "txid": DEPOSIT.txid,
        "ticker": "USDT",
        "network": "tron",
        "address": DEPOSIT.address,
        "limit": "100",
    }


async def test_a_server_that_ignores_the_txid_filter_does_not_confirm_another_deposit(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    unrelated = [{**DEPOSIT_JSON, "txid": f"tx-{n}"} for n in range(3)]
    gateway_mock.get(WALLET_HISTORY).respond(json=page(unrelated))
    with pytest.raises(CallbackNotConfirmedError) as caught:
        await gw.wallets.confirm(DEPOSIT)
    assert caught.value.record is None


async def test_an_invoice_payment_is_asked_for_by_txid_ticker_and_network(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(INVOICE_HISTORY).respond(json=page([PAYMENT_JSON]))
    assert await gw.invoices.confirm(PAYMENT) == PAYMENT
    assert dict(route.calls.last.request.url.params) == {
        "txid": "361865033",
        "ticker": "UAH",
        "network": "wiretransfer",
        "limit": "100",
    }


def scan(gateway_mock: respx.MockRouter, pages: list[list[int]]) -> respx.Route:
    """withdraw/history answering `pages` of ids in turn, each linking to the next."""
    answers = [
        httpx.Response(
            200,
            json=page(
                [withdrawal_json(i, address=None) for i in ids],
                next_page=n + 2 if n + 1 < len(pages) else None,
            ),
        )
        for n, ids in enumerate(pages)
    ]
    return gateway_mock.get(WITHDRAW_HISTORY).mock(side_effect=answers)


PAGES = [list(range(30, 20, -1)), list(range(20, 10, -1)), list(range(10, 0, -1))]


@pytest.mark.parametrize(
    ("wanted", "requests", "found"),
    [(25, 1, True), (15, 2, True), (1, 3, True), (31, 1, False), (0, 3, False)],
)
async def test_a_withdrawal_scan_reads_only_the_pages_it_needs(
    gw: BitexGateClient,
    gateway_mock: respx.MockRouter,
    wanted: int,
    requests: int,
    found: bool,
) -> None:
    route = scan(gateway_mock, PAGES)
    callback = attrs.evolve(WITHDRAWAL, id=wanted, address=None, txid=None)
    if found:
        assert (await gw.withdrawals.confirm(callback)).id == wanted
    else:
        with pytest.raises(CallbackNotConfirmedError, match=f"no withdrawal with id {wanted} "):
            await gw.withdrawals.confirm(callback)
    assert route.call_count == requests
    first = route.calls[0].request.url.params
    assert dict(first) == {"ticker": "USDT", "network": "tron", "ordering": "-id", "limit": "100"}


async def test_a_scan_of_a_server_that_ignores_the_ordering_still_finds_the_withdrawal(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = scan(gateway_mock, [list(range(1, 11)), list(range(11, 21))])
    callback = attrs.evolve(WITHDRAWAL, id=17, address=None, txid=None)
    assert (await gw.withdrawals.confirm(callback)).id == 17
    assert route.call_count == 2


async def test_a_withdrawal_is_found_by_its_id_among_others_with_its_txid(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    records = [withdrawal_json(i, txid="0xabc", status=30) for i in (9, 8, 7)]
    route = gateway_mock.get(WITHDRAW_HISTORY).respond(json=page(records))
    callback = attrs.evolve(WITHDRAWAL, id=8, txid="0xabc", status=WithdrawStatus.APPROVED)
    confirmed = await gw.withdrawals.confirm(callback)
    assert (confirmed.id, confirmed.status) == (8, WithdrawStatus.DONE)
    assert route.calls.last.request.url.params["txid"] == "0xabc"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(401, json={"detail": "Invalid signature."}), AuthenticationError),
        (httpx.Response(503, text="busy"), ServiceUnavailableError),
        (httpx.Response(200, text="<html>"), DecodeError),
        (httpx.ConnectError("refused"), ConnectError),
    ],
)
@pytest.mark.parametrize("kind", ["deposit", "invoice", "withdrawal"])
async def test_transport_and_api_errors_come_out_as_they_are(
    gw: BitexGateClient,
    gateway_mock: respx.MockRouter,
    answer: Any,
    error: type[Exception],
    kind: str,
) -> None:
    for url in (WALLET_HISTORY, INVOICE_HISTORY, WITHDRAW_HISTORY):
        gateway_mock.get(url).mock(side_effect=[answer] * 5)
    confirm = {
        "deposit": lambda: gw.wallets.confirm(DEPOSIT),
        "invoice": lambda: gw.invoices.confirm(PAYMENT),
        "withdrawal": lambda: gw.withdrawals.confirm(WITHDRAWAL),
    }[kind]
    with pytest.raises(error):
        await confirm()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda gw: gw.wallets.confirm(PAYMENT), "deposit"),
        (lambda gw: gw.invoices.confirm(DEPOSIT), "payment"),
        (lambda gw: gw.withdrawals.confirm(DEPOSIT_JSON), "withdrawal"),
    ],
)
async def test_a_record_of_another_kind_is_refused_before_anything_is_sent(
    gw: BitexGateClient, gateway_mock: respx.MockRouter, call: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await call(gw)
    assert caught.value.field == field
    assert not gateway_mock.calls


def test_the_models_the_rules_read_have_the_fields_they_name() -> None:
    for rules, model in (
        (DEPOSIT_RULES, Deposit),
        (INVOICE_RULES, InvoiceDeposit),
        (WITHDRAWAL_RULES, Withdrawal),
    ):
        names = {field.name for field in attrs.fields(model)}
        assert {rules.identity, *rules.fields, *rules.carried} <= names
