"""Every documented sample decodes strictly: the models know every key the reference shows."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import cattrs
import pytest

from bitexgate import (
    Deposit,
    DepositStatus,
    FeePayer,
    Invoice,
    InvoiceDeposit,
    PaymentMethod,
    Wallet,
    Withdrawal,
    WithdrawStatus,
)
from bitexgate._models import configure_converter, converter
from common import make_converter
from tests.conftest import fixture_json, fixture_text

STRICT = configure_converter(make_converter(strict=True))

SAMPLES: list[tuple[str, Any]] = [
    ("payment_methods.json", list[PaymentMethod]),
    ("wallet_create.json", Wallet),
    ("wallets.json", Wallet),
    ("wallet_history.json", Deposit),
    ("invoice_create.json", Invoice),
    ("invoices.json", Invoice),
    ("invoice_history.json", InvoiceDeposit),
    ("withdraw_create.json", Withdrawal),
    ("withdraw_history.json", Withdrawal),
]


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_sample_decodes_strictly(name: str, model: Any) -> None:
    data = fixture_json("bitexgate", name)
    if isinstance(data, dict) and "results" in data:
        decoded = STRICT.structure(data["results"], list[model])
        assert len(decoded) == len(data["results"])
    else:
        decoded = STRICT.structure(data, model)
        assert decoded


def test_an_invoice_has_a_proceed_url_in_the_create_answer_only() -> None:
    # The reference's two forms of an invoice: the create answer and a list item.
    created = converter.structure(fixture_json("bitexgate", "invoice_create.json"), Invoice)
    [listed] = converter.structure(
        fixture_json("bitexgate", "invoices.json")["results"], list[Invoice]
    )
    assert created.slug == listed.slug
    assert (created.proceed_url, created.payment_url) == (
        "payment-url",
        "https://exchange.com/success",
    )
    assert created.callback_url is None
    assert (listed.proceed_url, listed.payment_url, listed.cancel_url) == (None, None, None)
    assert listed.callback_url == "https://exchange.com/api/callback"
    # The model says so, where help() and the API reference show it.
    doc = " ".join((Invoice.__doc__ or "").split())
    assert "the answer of `invoices.create()` carries `proceed_url`" in doc
    assert "`invoices.list()` leaves out `proceed_url`" in doc


def test_unknown_keys_are_tolerated_in_production() -> None:
    data = {**fixture_json("bitexgate", "wallet_create.json"), "brand_new_field": [1, 2]}
    assert converter.structure(data, Wallet).slug == "659b46e76ae05ce03b19ec39f64dbea6f29e"
    with pytest.raises(cattrs.ClassValidationError) as caught:
        STRICT.structure(data, Wallet)
    assert "brand_new_field" in str(cattrs.transform_error(caught.value))


@pytest.mark.parametrize("amount", ["22.0000000", 22, "22", 22.0, "2.2E+1"])
def test_amount_is_decimal_in_every_form(amount: object) -> None:
    # withdraw/create sends "22.0000000"; withdraw/history sends 22 for the same field.
    data = {**fixture_json("bitexgate", "withdraw_create.json"), "amount": amount}
    decoded = converter.structure(data, Withdrawal)
    assert isinstance(decoded.amount, Decimal)
    assert decoded.amount == Decimal(22)


def test_float_amounts_from_json_keep_their_decimal_text() -> None:
    data = json.loads('{"symbol": "ETH", "amount": 0.1, "price": 3300.07, "side": 1, "state": "x"}')
    from bitexgate import Conversion

    decoded = converter.structure(data, Conversion)
    assert decoded.amount == Decimal("0.1")
    assert decoded.price == Decimal("3300.07")


@pytest.mark.parametrize(
    ("raw", "member"),
    [("5", DepositStatus.CONFIRMED), (1, DepositStatus.PENDING), (6, DepositStatus.REJECTED)],
)
def test_deposit_status_accepts_text_and_numbers(raw: object, member: DepositStatus) -> None:
    assert DepositStatus(raw) is member


def test_undocumented_codes_are_kept() -> None:
    status = WithdrawStatus(35)
    assert status == 35
    assert not status.is_known
    assert status.name == "UNKNOWN_35"
    assert WithdrawStatus("35") is status
    assert WithdrawStatus.DONE.is_known
    assert WithdrawStatus.DONE.is_final
    assert not WithdrawStatus.NEW.is_final


def test_fee_payer_codes() -> None:
    assert FeePayer(1) is FeePayer.BALANCE
    assert FeePayer("2") is FeePayer.AMOUNT


@pytest.mark.parametrize("name", ["payment_methods", "invoice_create", "withdraw_history"])
def test_the_reference_samples_that_are_not_json(name: str) -> None:
    """Three samples in the reference are invalid JSON (two trailing commas, one missing brace).

    The SDK does not guess at such a body: it is a DecodeError with the raw text (see
    test_errors.py). The stored fixtures are the same samples repaired.
    """
    raw = fixture_text("bitexgate", f"raw/{name}.txt")
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    repaired = fixture_json("bitexgate", f"{name}.json")
    assert repaired
