"""The callback parsers: every documented shape parses, anything else is a DecodeError.

The samples are the reference's history records (`tests/fixtures/bitexgate`),
as the sandbox posts them; each parser refuses the other kinds by the keys only
they have, and no body, however odd, raises anything but `DecodeError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitexgate import (
    Conversion,
    DecodeError,
    Deposit,
    DepositStatus,
    FeePayer,
    InvoiceDeposit,
    Withdrawal,
    WithdrawStatus,
    parse_deposit_callback,
    parse_invoice_callback,
    parse_withdrawal_callback,
)
from bitexgate._callbacks import INVOICE_PAYMENT, WALLET_DEPOSIT, WITHDRAWAL, kind_of
from common import encode_json
from tests.conftest import fixture_json

Parser = Callable[[Any], Any]

DEPOSIT = fixture_json("bitexgate", "wallet_history.json")["results"][0]
PAYMENT = fixture_json("bitexgate", "invoice_history.json")["results"][0]
WITHDRAWN = fixture_json("bitexgate", "withdraw_history.json")["results"][0]
#: The answer of withdraw/create: the same record, its amount as text, no txid or AML yet.
CREATED = fixture_json("bitexgate", "withdraw_create.json")

PARSERS: dict[str, Parser] = {
    WALLET_DEPOSIT: parse_deposit_callback,
    INVOICE_PAYMENT: parse_invoice_callback,
    WITHDRAWAL: parse_withdrawal_callback,
}
SAMPLES: dict[str, dict[str, Any]] = {
    WALLET_DEPOSIT: DEPOSIT,
    INVOICE_PAYMENT: PAYMENT,
    WITHDRAWAL: WITHDRAWN,
}


def as_bytes(data: Any) -> bytes:
    return json.dumps(data).encode()


def as_text(data: Any) -> str:
    return json.dumps(data)


def as_mapping(data: Any) -> Any:
    return MappingProxyType(dict(data))


FORMS = [as_bytes, as_text, dict, as_mapping]


# --- the documented samples ---------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_a_wallet_deposit_sample_parses_whole(form: Callable[[Any], Any]) -> None:
    deposit = parse_deposit_callback(form(DEPOSIT))
    assert deposit == Deposit(
        address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
        wallet_slug="529e67dd83f210e727702d15ffbde9548917",
        date=datetime(2021, 5, 20, 14, 56, 10, 196967, tzinfo=timezone.utc),
        amount=Decimal("5.00000000"),
        fee=Decimal("0"),
        ticker="USDT",
        network="tron",
        status=DepositStatus.CONFIRMED,
        txid="b104deee6cdbd07e4d97f16b88ec21014059d5837e2428a7f0d48e58e80d5d81",
        actual_confirmations=None,
        required_confirmations=40,
        aml_success=True,
        aml_risk=Decimal(0),
        aml_url=None,
        created_at=datetime(2021, 5, 20, 14, 56, 10, 196967, tzinfo=timezone.utc),
    )


@pytest.mark.parametrize("form", FORMS)
def test_an_invoice_payment_sample_parses_with_its_conversion(form: Callable[[Any], Any]) -> None:
    payment = parse_invoice_callback(form(PAYMENT))
    assert isinstance(payment, InvoiceDeposit)
    assert (payment.amount, payment.fee, payment.status) == (
        Decimal("292"),
        Decimal("8"),
        DepositStatus.CONFIRMED,
    )
    assert (payment.ticker, payment.network, payment.txid) == ("UAH", "wiretransfer", "361865033")
    assert payment.convert == Conversion(
        symbol="USDT_UAH",
        amount=Decimal("9.04537866"),
        price=Decimal("28.52850000"),
        side="BUY",
        state="partial-filled",
    )


@pytest.mark.parametrize("sample", [WITHDRAWN, CREATED], ids=["history", "create"])
@pytest.mark.parametrize("form", FORMS)
def test_a_withdrawal_sample_parses(sample: dict[str, Any], form: Callable[[Any], Any]) -> None:
    withdrawal = parse_withdrawal_callback(form(sample))
    assert isinstance(withdrawal, Withdrawal)
    assert (withdrawal.id, withdrawal.amount, withdrawal.fee_payer) == (
        0,
        Decimal(22),
        FeePayer.BALANCE,
    )
    assert withdrawal.status == WithdrawStatus(0)  # the reference's own, unlisted, code
    assert withdrawal.client_order_id == "order_123"
    assert withdrawal.auto_buy is not None
    assert withdrawal.auto_buy.price == Decimal(3300)


@pytest.mark.parametrize(
    ("kind", "changes", "field", "expected"),
    [
        (WALLET_DEPOSIT, {"amount": Decimal("5.00000001")}, "amount", Decimal("5.00000001")),
        (WALLET_DEPOSIT, {"amount": 5}, "amount", Decimal(5)),
        (WALLET_DEPOSIT, {"status": 1}, "status", DepositStatus.PENDING),
        (WALLET_DEPOSIT, {"aml_risk": "low"}, "aml_risk", "low"),
        (WALLET_DEPOSIT, {"aml_success": "string"}, "aml_success", "string"),
        (INVOICE_PAYMENT, {"amount": 292}, "amount", Decimal(292)),
        (INVOICE_PAYMENT, {"status": "6"}, "status", DepositStatus.REJECTED),
        (INVOICE_PAYMENT, {"convert": None}, "convert", None),
        (WITHDRAWAL, {"amount": "22.0000000"}, "amount", Decimal(22)),
        (WITHDRAWAL, {"amount": Decimal("0.1")}, "amount", Decimal("0.1")),
        (WITHDRAWAL, {"status": "30"}, "status", WithdrawStatus.DONE),
        (WITHDRAWAL, {"aml_success": True, "aml_risk": 0}, "aml_risk", Decimal(0)),
        (WITHDRAWAL, {"txid": None}, "txid", None),
    ],
)
def test_numbers_or_text_where_the_reference_shows_both(
    kind: str, changes: dict[str, Any], field: str, expected: Any
) -> None:
    body = encode_json({**SAMPLES[kind], **changes})
    assert getattr(PARSERS[kind](body), field) == expected


def test_amounts_stay_exact_from_json_numbers() -> None:
    body = as_text(DEPOSIT).replace('"5.00000000"', "0.30000000000000004441")
    assert parse_deposit_callback(body).amount == Decimal("0.30000000000000004441")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_bytes_in_any_json_encoding_parse(encoding: str) -> None:
    assert parse_invoice_callback(as_text(PAYMENT).encode(encoding)).txid == "361865033"


def test_keys_the_reference_does_not_list_are_ignored() -> None:
    body = {**WITHDRAWN, "card": "4111 **** 1111", "brand_new": [1, {"x": None}]}
    assert parse_withdrawal_callback(body).card == "4111 **** 1111"


# --- kinds --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body_kind", list(SAMPLES))
@pytest.mark.parametrize("parser_kind", list(PARSERS))
def test_each_parser_refuses_the_other_kinds(parser_kind: str, body_kind: str) -> None:
    body = as_bytes(SAMPLES[body_kind])
    if parser_kind == body_kind:
        PARSERS[parser_kind](body)
        return
    with pytest.raises(DecodeError) as caught:
        PARSERS[parser_kind](body)
    assert caught.value.text == body.decode()
    article = "an" if body_kind[0] in "aeiou" else "a"
    assert f"the body is {article} {body_kind}" in str(caught.value)
    assert str(caught.value).startswith(f"{parser_kind} callback: ")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (DEPOSIT, WALLET_DEPOSIT),
        (PAYMENT, INVOICE_PAYMENT),
        (WITHDRAWN, WITHDRAWAL),
        ({**PAYMENT, "address": None, "wallet_slug": None}, INVOICE_PAYMENT),
        ({**PAYMENT, "wallet_slug": "w"}, WALLET_DEPOSIT),
        ({**DEPOSIT, "fee_payer": 1}, WITHDRAWAL),
        ({**PAYMENT, "id": 7}, WITHDRAWAL),
        ({}, INVOICE_PAYMENT),
    ],
)
def test_the_kind_is_read_from_the_keys_only_one_kind_has(data: Any, kind: str) -> None:
    assert kind_of(data) == kind


@pytest.mark.parametrize("key", ["address", "wallet_slug"])
def test_a_wallet_deposit_without_its_address_or_slug_is_refused(key: str) -> None:
    for body in ({**DEPOSIT, key: None}, {k: v for k, v in DEPOSIT.items() if k != key}):
        with pytest.raises(DecodeError, match=f"'{key}' is missing"):
            parse_deposit_callback(body)
    with pytest.raises(DecodeError, match=f"'{key}' is not a string"):
        parse_deposit_callback({**DEPOSIT, key: 12})


# --- anything else ------------------------------------------------------------------------------


@pytest.mark.parametrize("parser", list(PARSERS.values()))
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not JSON"),
        ("   ", "not JSON"),
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (b'{"amount": 1,}', "not JSON"),
        (b"\xc3\x28 not text", "not UTF-8"),
        ("[]", "not a JSON object but an array"),
        ("null", "not a JSON object but null"),
        ('"deposit confirmed"', "not a JSON object but a string"),
        ("5", "not a JSON object but a number"),
        ("true", "not a JSON object but a boolean"),
        ([DEPOSIT], "not a JSON object but an array"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_what_is_not_a_json_object_is_refused(parser: Parser, body: Any, message: str) -> None:
    with pytest.raises(DecodeError, match=message) as caught:
        parser(body)
    if isinstance(body, str):
        assert caught.value.text == body
    elif isinstance(body, bytes):
        assert caught.value.text == body.decode("utf-8", errors="replace")
    else:
        assert json.loads(caught.value.text) == json.loads(json.dumps(body))


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_a_missing_required_field_is_refused_naming_it(kind: str) -> None:
    required = {
        WALLET_DEPOSIT: ["date", "amount", "fee", "ticker", "network", "status", "created_at"],
        INVOICE_PAYMENT: ["date", "amount", "fee", "ticker", "network", "status", "created_at"],
        WITHDRAWAL: ["ticker", "network", "amount", "status", "created_at"],
    }[kind]
    for field in required:
        body = {key: value for key, value in SAMPLES[kind].items() if key != field}
        with pytest.raises(DecodeError, match=field) as caught:
            PARSERS[kind](body)
        assert "does not decode as" in str(caught.value)
        assert json.loads(caught.value.text) == body


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        (WALLET_DEPOSIT, {"amount": "five"}),
        (WALLET_DEPOSIT, {"amount": "NaN"}),
        (WALLET_DEPOSIT, {"date": "yesterday"}),
        (INVOICE_PAYMENT, {"convert": "BUY"}),
        (INVOICE_PAYMENT, {"fee": [1]}),
        (WITHDRAWAL, {"id": "seven"}),
        (WITHDRAWAL, {"id": 1.5}),
        (WITHDRAWAL, {"fee_payer": None, "id": None}),
        (WITHDRAWAL, {"amount": True}),
    ],
)
def test_a_malformed_field_is_refused(kind: str, changes: dict[str, Any]) -> None:
    body = {**SAMPLES[kind], **changes}
    with pytest.raises(DecodeError) as caught:
        PARSERS[kind](body)
    assert caught.value.text  # the body, as JSON text, for a bug report


def test_a_float_a_framework_decoded_is_read_by_its_shortest_repr() -> None:
    assert parse_deposit_callback({**DEPOSIT, "amount": 0.1}).amount == Decimal("0.1")


def test_a_mapping_with_decimals_is_quoted_exactly_in_the_error() -> None:
    body = {**DEPOSIT, "amount": Decimal("5.123456789012345678"), "date": None}
    with pytest.raises(DecodeError) as caught:
        parse_deposit_callback(body)
    assert '"amount": 5.123456789012345678' in caught.value.text


# --- fuzzed -------------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KEYS = sorted({*DEPOSIT, *PAYMENT, *WITHDRAWN, "card", "convert"})
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["5", "22.0000000", "2021-05-20T14:56:10Z", "", "1e999999", "-0"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=20,
)


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()


def only_decode_errors(parser: Parser, body: Any) -> None:
    """`parser(body)` parses, or raises a DecodeError with the text and a message fit to log."""
    outcome: object
    try:
        outcome = parser(body)
    except DecodeError as error:
        outcome = error
    if isinstance(outcome, DecodeError):
        assert isinstance(outcome.text, str)
        assert len(str(outcome)) < 2_000
    else:
        assert isinstance(outcome, (Deposit, InvoiceDeposit, Withdrawal))


@FUZZ
@given(parser=st.sampled_from(list(PARSERS.values())), body=st.binary(max_size=300))
def test_arbitrary_bytes_raise_nothing_but_decode_error(parser: Parser, body: bytes) -> None:
    only_decode_errors(parser, body)


@FUZZ
@given(parser=st.sampled_from(list(PARSERS.values())), value=json_values)
def test_arbitrary_json_raises_nothing_but_decode_error(parser: Parser, value: Any) -> None:
    only_decode_errors(parser, json_bytes(value))
    only_decode_errors(parser, value)  # as a framework hands over what it decoded


@FUZZ
@given(
    kind=st.sampled_from(list(SAMPLES)),
    data=st.data(),
)
def test_documented_bodies_with_odd_fields_raise_nothing_but_decode_error(
    kind: str, data: st.DataObject
) -> None:
    body: Mapping[str, Any] = dict(SAMPLES[kind])
    for key in data.draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        if data.draw(st.booleans()):
            body = {**body, key: data.draw(json_values)}
        else:
            body = {k: v for k, v in body.items() if k != key}
    for parser in PARSERS.values():
        only_decode_errors(parser, json_bytes(body))


def test_a_mapping_nested_too_deeply_to_show_is_still_a_decode_error() -> None:
    nested: dict[str, Any] = {}
    for _ in range(5_000):
        nested = {"convert": nested}
    with pytest.raises(DecodeError) as caught:
        parse_invoice_callback({**PAYMENT, "convert": nested})
    assert caught.value.text
