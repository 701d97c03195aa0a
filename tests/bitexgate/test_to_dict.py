"""`to_dict` on the gateway's models: what the client's converter reads back as the same model."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitexgate import (
    Conversion,
    Deposit,
    DepositStatus,
    Invoice,
    InvoiceDeposit,
    PaymentMethod,
    Wallet,
    Withdrawal,
    WithdrawStatus,
    to_dict,
)
from bitexgate._models import converter
from tests.conftest import fixture_text
from tests.model_strategies import assert_plain_json, models

MODELS = [PaymentMethod, Wallet, Deposit, Conversion, Invoice, InvoiceDeposit, Withdrawal]


def round_trip(model: Any) -> Any:
    """`model` through to_dict, JSON text, and the client's converter."""
    text = json.dumps(to_dict(model))
    return converter.structure(json.loads(text), type(model))


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_model_comes_back_from_its_json(cls: type, data: st.DataObject) -> None:
    model = data.draw(models(cls))
    written = to_dict(model)
    assert_plain_json(written)
    back = round_trip(model)
    assert back == model
    assert to_dict(back) == written  # the same text too: offsets and decimal places kept


# Every recorded sample and the model its objects are.
SAMPLES = [
    ("payment_methods.json", PaymentMethod),
    ("wallet_create.json", Wallet),
    ("wallets.json", Wallet),
    ("wallet_history.json", Deposit),
    ("invoice_create.json", Invoice),
    ("invoices.json", Invoice),
    ("invoice_history.json", InvoiceDeposit),
    ("withdraw_create.json", Withdrawal),
    ("withdraw_history.json", Withdrawal),
]


def sample_objects(name: str) -> list[dict[str, Any]]:
    """The objects of a sample, read as the client reads a body (fractions as Decimal)."""
    data = json.loads(fixture_text("bitexgate", name), parse_float=Decimal)
    if isinstance(data, dict) and "results" in data:
        data = data["results"]
    return data if isinstance(data, list) else [data]


@pytest.mark.parametrize(("name", "cls"), SAMPLES)
def test_every_sample_comes_back_unchanged(name: str, cls: type) -> None:
    for raw in sample_objects(name):
        model = converter.structure(raw, cls)
        written = to_dict(model)
        assert_plain_json(written)
        assert round_trip(model) == model
        # Keyed as the API spells them: the sample's keys, and None for fields it leaves out.
        assert set(raw) <= set(written)
        assert all(written[key] is None for key in set(written) - set(raw))


def deposit(**changes: Any) -> Deposit:
    raw = sample_objects("wallet_history.json")[0]
    return converter.structure({**raw, **changes}, Deposit)


def test_amounts_are_exact_fixed_point_text() -> None:
    data = to_dict(deposit(amount="1E+3", fee="0E-8"))
    assert data["amount"] == "1000"
    assert data["fee"] == "0.00000000"


def test_times_keep_their_offset() -> None:
    data = to_dict(deposit(date="2021-05-20T16:56:10.196967+02:00"))
    assert data["date"] == "2021-05-20T16:56:10.196967+02:00"
    assert round_trip(deposit(date=data["date"])).date.utcoffset() == timedelta(hours=2)
    assert data["created_at"].endswith("+00:00")  # the sample's Z, as Python writes UTC


def test_codes_are_written_as_the_api_sends_them_known_or_not() -> None:
    assert to_dict(deposit(status="5"))["status"] == 5
    unknown = to_dict(deposit(status=7))
    assert unknown["status"] == 7
    assert type(unknown["status"]) is int
    assert round_trip(deposit(status=7)).status == DepositStatus(7)
    assert not round_trip(deposit(status=7)).status.is_known


def test_a_risk_score_stays_a_number_or_text() -> None:
    assert to_dict(deposit(aml_risk="0.25"))["aml_risk"] == "0.25"
    assert to_dict(deposit(aml_risk="low"))["aml_risk"] == "low"
    assert round_trip(deposit(aml_risk="low")).aml_risk == "low"
    assert round_trip(deposit(aml_risk=0.25)).aml_risk == Decimal("0.25")


def test_nested_conversions_are_dicts() -> None:
    raw = sample_objects("withdraw_create.json")[0]
    withdrawal = converter.structure(
        {**raw, "status": 99, "auto_buy": {**to_dict(_conversion()), "side": 1}}, Withdrawal
    )
    data = to_dict(withdrawal)
    assert data["status"] == 99
    assert withdrawal.status == WithdrawStatus(99)
    assert data["auto_buy"] == {
        "symbol": "BTC_USDT",
        "amount": "0.00100000",
        "price": "65000.5",
        "side": 1,
        "state": "done",
    }


def _conversion() -> Conversion:
    return Conversion(
        symbol="BTC_USDT",
        amount=Decimal("0.00100000"),
        price=Decimal("65000.5"),
        side="BUY",
        state="done",
    )


def test_a_model_built_in_code_round_trips_too() -> None:
    invoice = Invoice(
        slug="inv1",
        ticker="UAH",
        network="wiretransfer",
        amount=Decimal("0E-8"),
        created_at=datetime(2024, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=-3))),
    )
    data = to_dict(invoice)
    assert data["amount"] == "0.00000000"
    assert data["created_at"] == "2024-03-01T12:00:00-03:00"
    assert round_trip(invoice) == invoice
