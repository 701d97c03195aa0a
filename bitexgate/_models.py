"""The gateway's objects, as frozen attrs classes, and the converter that builds them.

Amounts are `Decimal` whether the server sends `"22.0000000"` or `22`; times are
timezone-aware datetimes (the gateway sends UTC with a `Z`). Keys the reference
does not list are ignored, so a server that adds fields does not break clients.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs

from common import make_converter, to_decimal

from ._enums import DepositStatus, FeePayer, WithdrawStatus

__all__ = [
    "Conversion",
    "Deposit",
    "Invoice",
    "InvoiceDeposit",
    "PaymentMethod",
    "Wallet",
    "Withdrawal",
    "configure_converter",
    "converter",
]

#: A value the reference shows both as a number and as text (the AML risk score).
NumberOrText = Decimal | str | None


@attrs.frozen(kw_only=True)
class PaymentMethod:
    """A ticker on a network, with its deposit and withdrawal limits and fees."""

    ticker: str
    network: str
    min_deposit: Decimal
    max_deposit: Decimal
    deposit_fee_amount: Decimal
    deposit_fee_rate: Decimal
    min_withdraw: Decimal
    max_withdraw: Decimal
    withdraw_fee_amount: Decimal
    withdraw_fee_rate: Decimal
    withdraw_fee_currency: str
    is_fiat: bool
    is_deposit_enabled: bool
    is_withdraw_enabled: bool


@attrs.frozen(kw_only=True)
class Wallet:
    """A deposit address, optionally converting what arrives into another ticker."""

    address: str
    slug: str
    ticker: str
    network: str
    created_at: datetime
    callback_url: str | None = None
    convert_ticker: str | None = None
    convert_limit: Decimal | None = None
    convert_percent: Decimal | None = None
    memo: str | None = None
    payment_id: str | None = None
    destination_tag: str | None = None


@attrs.frozen(kw_only=True)
class Deposit:
    """A deposit that arrived on one of the wallets.

    `aml_success` and `aml_risk` are as the server sends them: the reference shows
    a boolean and a number here, but text for the same fields of a withdrawal.
    """

    date: datetime
    amount: Decimal
    fee: Decimal
    ticker: str
    network: str
    status: DepositStatus
    created_at: datetime
    address: str | None = None
    wallet_slug: str | None = None
    txid: str | None = None
    payment_id: str | None = None
    memo: str | None = None
    destination_tag: str | None = None
    actual_confirmations: int | None = None
    required_confirmations: int | None = None
    aml_success: bool | str | None = None
    aml_risk: NumberOrText = None
    aml_url: str | None = None


@attrs.frozen(kw_only=True)
class Conversion:
    """An exchange order placed for a deposit (`convert`) or a withdrawal (`auto_buy`).

    `side` is kept as sent: the reference shows `"BUY"` for an invoice's conversion
    and `1` for a withdrawal's auto-buy.
    """

    symbol: str
    amount: Decimal
    price: Decimal
    side: str | int
    state: str


@attrs.frozen(kw_only=True)
class Invoice:
    """A fiat invoice: where to send the payer (`proceed_url`) and what it is for.

    The API writes an invoice in two forms, with different fields, and a field a
    form leaves out is None here:

    - the answer of `invoices.create()` carries `proceed_url`, the payment page
      to send the payer to, and the `payment_url` given;
    - `invoices.list()` leaves out `proceed_url`, `payment_url` and `cancel_url`,
      and shows the `callback_url` given.

    So `proceed_url` is set on the invoice `create()` returns and None on those
    `list()` returns: keep it with your order when creating the invoice if the
    payer may need the link again (the list cannot give it back).
    """

    slug: str
    ticker: str
    network: str
    amount: Decimal
    created_at: datetime
    proceed_url: str | None = None
    payment_url: str | None = None
    cancel_url: str | None = None
    callback_url: str | None = None
    convert_ticker: str | None = None
    convert_limit: Decimal | None = None
    convert_percent: Decimal | None = None


@attrs.frozen(kw_only=True)
class InvoiceDeposit:
    """A payment that arrived through an invoice, with its conversion if one was asked."""

    date: datetime
    amount: Decimal
    fee: Decimal
    ticker: str
    network: str
    status: DepositStatus
    created_at: datetime
    txid: str | None = None
    convert: Conversion | None = None


@attrs.frozen(kw_only=True)
class Withdrawal:
    """A withdrawal and its progress (`status`), with its auto-buy order if one was asked.

    `status` keeps codes the reference does not list (its own sample shows `0`):
    check `status.is_known`.
    """

    id: int
    ticker: str
    network: str
    amount: Decimal
    fee_payer: FeePayer
    status: WithdrawStatus
    created_at: datetime
    address: str | None = None
    card: str | None = None
    payment_id: str | None = None
    memo: str | None = None
    comment: str | None = None
    destination_tag: str | None = None
    callback_url: str | None = None
    client_order_id: str | None = None
    auto_buy: Conversion | None = None
    txid: str | None = None
    aml_success: bool | str | None = None
    aml_risk: NumberOrText = None
    aml_url: str | None = None


def _number_or_text(value: Any, _: Any) -> Decimal | str | None:
    if value is None:
        return None
    try:
        return to_decimal(value)
    except ValueError:
        if isinstance(value, str):
            return value
        raise


def configure_converter(converter: cattrs.Converter) -> cattrs.Converter:
    """Teach a converter made by `common.make_converter` the gateway's models."""
    converter.register_structure_hook_func(lambda t: t == NumberOrText, _number_or_text)
    return converter


#: The converter the client uses: built once, tolerant of keys the reference omits.
converter = configure_converter(make_converter())
