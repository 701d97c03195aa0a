"""The bodies of the three creates, checked as the gateway's serializers check them.

`read_wallet`, `read_invoice` and `read_withdrawal` read a body with `Form`
(field by field, every field's errors at once), then check it as a whole: the
payment method exists and takes this kind of request, the amount is within its
limits, a withdrawal's destination has the method's form and its fee can be
paid as asked. Each raises `InvalidInput` with the DRF 400 body, or returns what
a valid body asks for; the state then acts on it (and checks the funds).
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from decimal import Decimal
from typing import Any

import attrs

from .._enums import FeePayer
from ._catalogue import pair
from ._errors import field_error, given, non_field_error
from ._fields import REQUIRED, Form
from ._records import QUANTUM, Method, places
from ._render import money

__all__ = [
    "PERCENT_LIMIT",
    "InvoiceRequest",
    "Methods",
    "WalletRequest",
    "WithdrawalRequest",
    "read_invoice",
    "read_wallet",
    "read_withdrawal",
]

#: How far a conversion's price may lie from the market, in percent.
PERCENT_LIMIT = Decimal(100)


def _check_limits(field: str, value: Decimal, low: Decimal, high: Decimal) -> None:
    if value < low:
        raise field_error(field, f"Ensure this value is greater than or equal to {money(low)}.")
    if value > high:
        raise field_error(field, f"Ensure this value is less than or equal to {money(high)}.")


# ---------------------------------------------------------------------------
# The serializers of the three creates

Methods = Mapping[tuple[str, str], Method]


def _method(methods: Methods, ticker: str | None, network: str | None) -> Method:
    ticker, network = given(ticker), given(network)
    method = methods.get((ticker, network))
    if method is None:
        raise non_field_error(f"Payment method {ticker}/{network} does not exist.")
    return method


def _conversion(
    form: Form, field: str, ticker: str | None, percent_field: str
) -> tuple[str | None, Decimal | None]:
    other = form.text(field, max_length=16)
    percent = form.decimal(percent_field, min_value=-PERCENT_LIMIT, max_value=PERCENT_LIMIT)
    if other is not None and ticker is not None and pair(ticker, other) is None:
        form.add(field, f"Pair {other}/{ticker} does not exist.")
    if other is not None and percent is None and percent_field not in form.errors:
        percent = places(Decimal(5))  # the reference's default
    return other, percent


@attrs.frozen
class WalletRequest:
    """A valid `wallet/create` body."""

    method: Method
    callback_url: str | None
    convert_ticker: str | None
    convert_limit: Decimal | None
    convert_percent: Decimal | None


def read_wallet(data: Any, methods: Methods) -> WalletRequest:
    """`POST /api/gateway/wallet/create`'s body, checked; raises InvalidInput."""
    form = Form(data)
    ticker = form.text("ticker", required=True, max_length=16)
    network = form.text("network", required=True, max_length=32)
    callback_url = form.url("callback_url")
    convert_ticker, convert_percent = _conversion(form, "convert_ticker", ticker, "convert_percent")
    convert_limit = form.decimal("convert_limit", min_value=QUANTUM)
    form.check()
    method = _method(methods, ticker, network)
    if method.is_fiat:
        raise non_field_error(
            f"{method.name} is a fiat payment method: wallets are for crypto; "
            "create an invoice instead."
        )
    if not method.is_deposit_enabled:
        raise non_field_error(f"Deposits are disabled for {method.name}.")
    return WalletRequest(method, callback_url, convert_ticker, convert_limit, convert_percent)


@attrs.frozen
class InvoiceRequest:
    """A valid `invoice/create` body."""

    method: Method
    amount: Decimal
    client_ip: str
    callback_url: str | None
    payment_url: str | None
    cancel_url: str | None
    convert_ticker: str | None
    convert_limit: Decimal | None
    convert_percent: Decimal | None


def read_invoice(data: Any, methods: Methods) -> InvoiceRequest:
    """`POST /api/gateway/invoice/create`'s body, checked; raises InvalidInput."""
    form = Form(data)
    ticker = form.text("ticker", required=True, max_length=16)
    network = form.text("network", required=True, max_length=32)
    amount = form.decimal("amount", required=True)
    callback_url = form.url("callback_url")
    payment_url = form.url("payment_url")
    cancel_url = form.url("cancel_url")
    convert_ticker, convert_percent = _conversion(form, "convert_ticker", ticker, "convert_percent")
    convert_limit = form.decimal("convert_limit", min_value=QUANTUM)
    client_ip = form.ip("client_ip")
    form.check()
    method = _method(methods, ticker, network)
    amount, client_ip = given(amount), given(client_ip)
    if not method.is_fiat:
        raise non_field_error(
            f"{method.name} is a crypto payment method: invoices are for fiat; "
            "create a wallet instead."
        )
    if not method.is_deposit_enabled:
        raise non_field_error(f"Deposits are disabled for {method.name}.")
    _check_limits("amount", amount, method.min_deposit, method.max_deposit)
    return InvoiceRequest(
        method=method,
        amount=amount,
        client_ip=client_ip,
        callback_url=callback_url,
        payment_url=payment_url,
        cancel_url=cancel_url,
        convert_ticker=convert_ticker,
        convert_limit=convert_limit,
        convert_percent=convert_percent,
    )


@attrs.frozen
class WithdrawalRequest:
    """A valid `withdraw/create` body, with the fee it costs (funds not yet checked)."""

    method: Method
    address: str
    payment_id: str | None
    memo: str | None
    comment: str | None
    destination_tag: str | None
    amount: Decimal
    fee: Decimal
    fee_payer: FeePayer
    callback_url: str | None
    client_order_id: str | None
    auto_buy_ticker: str | None
    auto_buy_percent: Decimal | None


def read_withdrawal(
    data: Any, methods: Methods, *, used_order_ids: Container[str]
) -> WithdrawalRequest:
    """`POST /api/gateway/withdraw/create`'s body, checked; raises InvalidInput.

    `used_order_ids` are the `client_order_id`s taken already (unique, as in the API).
    """
    form = Form(data)
    ticker = form.text("ticker", required=True, max_length=16)
    network = form.text("network", required=True, max_length=32)
    address = form.text("address", max_length=128)
    card = form.text("card", max_length=64)
    payment_id = form.text("payment_id", max_length=128)
    memo = form.text("memo", max_length=128)
    comment = form.text("comment", max_length=255)
    destination_tag = form.text("destination_tag", max_length=64)
    amount = form.decimal("amount", required=True)
    callback_url = form.url("callback_url")
    client_order_id = form.text("client_order_id", max_length=64)
    if client_order_id is not None and client_order_id in used_order_ids:
        form.add("client_order_id", "Withdrawal with this client_order_id already exists.")
    fee_payer = FeePayer(form.choice("fee_payer", (1, 2), default=FeePayer.BALANCE))
    auto_buy_ticker, auto_buy_percent = _conversion(
        form, "auto_buy_ticker", ticker, "auto_buy_percent"
    )
    form.check()
    method = _method(methods, ticker, network)
    amount = given(amount)
    if not method.is_withdraw_enabled:
        raise non_field_error(f"Withdrawals are disabled for {method.name}.")
    field, destination = ("card", card) if method.is_fiat else ("address", address)
    if destination is None:
        raise field_error(field, REQUIRED)
    compact = re.sub(r"[\s-]", "", destination) if method.is_fiat else destination
    if not method.destination_pattern.fullmatch(compact):
        raise field_error(field, f"Enter a valid {method.destination}.")
    _check_limits("amount", amount, method.min_withdraw, method.max_withdraw)
    fee = method.withdraw_fee(amount)
    if fee_payer == FeePayer.AMOUNT:
        if method.withdraw_fee_currency != method.ticker:
            raise field_error(
                "fee_payer",
                f"The fee of {method.name} is charged in {method.withdraw_fee_currency}: "
                "only 1 (from the balance) is possible.",
            )
        if amount <= fee:
            raise field_error(
                "amount", f"Ensure this value is greater than the fee ({money(fee)})."
            )
    return WithdrawalRequest(
        method=method,
        address=compact,
        payment_id=payment_id,
        memo=memo,
        comment=comment,
        destination_tag=destination_tag,
        amount=amount,
        fee=fee,
        fee_payer=fee_payer,
        callback_url=callback_url,
        client_order_id=client_order_id,
        auto_buy_ticker=auto_buy_ticker,
        auto_buy_percent=auto_buy_percent,
    )
