"""The objects the sandbox keeps: payment methods, wallets, invoices, deposits, withdrawals.

Plain attrs classes with no rules of their own beyond a method's fees; the
catalogue (`_catalogue.py`) holds the methods the sandbox offers, the state
(`_state.py`) makes and changes the rest, and `_render.py` writes them as the
API does. Every amount is a Decimal kept to `PLACES` decimals.

A withdrawal's way through its statuses is here too (`way`, `next_status`):
NEW (10) -> CONFIRMED (20) -> VERIFIED (23) -> APPROVED (26) -> DONE (30), with
MODERATION (25) and SUSPENDED (27) as side stops, and REFUSED (40) and
CANCELLED (50) as `ENDINGS` that give the funds back.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import attrs

from .._enums import DepositStatus, FeePayer, WithdrawStatus
from ._errors import Refused, given

__all__ = [
    "MAX_DIGITS",
    "PLACES",
    "QUANTUM",
    "Deposit",
    "Invoice",
    "Method",
    "Notification",
    "Order",
    "Wallet",
    "Withdrawal",
    "ENDINGS",
    "FINAL",
    "next_status",
    "places",
    "way",
]

#: Every amount is kept and written with this many decimals.
PLACES = 8
QUANTUM = Decimal(1).scaleb(-PLACES)
#: Digits an amount may have in all (DRF `max_digits`).
MAX_DIGITS = 28


def places(value: Decimal) -> Decimal:
    """`value` to `PLACES` decimals, rounded half up, however many digits it has."""
    with localcontext() as context:
        context.prec = 60
        return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


@attrs.frozen
class Method:
    """A payment method: a ticker on a network, its limits and fees."""

    id: int
    ticker: str
    network: str
    min_deposit: Decimal = attrs.field(converter=Decimal)
    max_deposit: Decimal = attrs.field(converter=Decimal)
    deposit_fee_amount: Decimal = attrs.field(converter=Decimal)
    deposit_fee_rate: Decimal = attrs.field(converter=Decimal)
    min_withdraw: Decimal = attrs.field(converter=Decimal)
    max_withdraw: Decimal = attrs.field(converter=Decimal)
    withdraw_fee_amount: Decimal = attrs.field(converter=Decimal)
    withdraw_fee_rate: Decimal = attrs.field(converter=Decimal)
    withdraw_fee_currency: str
    is_fiat: bool
    #: Where a withdrawal goes (an address, a card, an account), and its form.
    destination: str
    destination_pattern: re.Pattern[str]
    required_confirmations: int | None = None
    is_deposit_enabled: bool = True
    is_withdraw_enabled: bool = True

    @property
    def name(self) -> str:
        return f"{self.ticker}/{self.network}"

    def deposit_fee(self, gross: Decimal) -> Decimal:
        return places(self.deposit_fee_amount + gross * self.deposit_fee_rate)

    def withdraw_fee(self, amount: Decimal) -> Decimal:
        return places(self.withdraw_fee_amount + amount * self.withdraw_fee_rate)


@attrs.define(eq=False)
class Order:
    """A conversion (`convert`) or auto-buy (`auto_buy`) order, filled at once."""

    symbol: str
    amount: Decimal
    price: Decimal
    side: str
    state: str = "filled"


@attrs.define(eq=False)
class Wallet:
    id: int
    slug: str
    address: str
    method: Method
    callback_url: str | None
    convert_ticker: str | None
    convert_limit: Decimal | None
    convert_percent: Decimal | None
    created_at: float


@attrs.define(eq=False)
class Invoice:
    id: int
    slug: str
    method: Method
    amount: Decimal
    client_ip: str
    proceed_url: str
    payment_url: str | None
    cancel_url: str | None
    callback_url: str | None
    convert_ticker: str | None
    convert_limit: Decimal | None
    convert_percent: Decimal | None
    created_at: float


@attrs.define(eq=False)
class Deposit:
    """A deposit to a wallet, or a payment through an invoice."""

    id: int
    method: Method
    amount: Decimal  #: what is credited: the gross amount less the fee
    fee: Decimal
    status: DepositStatus
    txid: str
    created_at: float
    wallet: Wallet | None = None
    invoice: Invoice | None = None
    convert: Order | None = None

    @property
    def owner(self) -> Wallet | Invoice:
        """The wallet it arrived on, or the invoice it pays."""
        if self.wallet is not None:
            return self.wallet
        return given(self.invoice)

    @property
    def callback_url(self) -> str | None:
        return self.owner.callback_url


@attrs.define(eq=False)
class Withdrawal:
    id: int
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
    auto_buy: Order | None
    created_at: float
    status: WithdrawStatus = WithdrawStatus.NEW
    txid: str | None = None


@attrs.frozen
class Notification:
    """A callback owed: `payload` (the object as the history shows it) to `url`."""

    url: str
    payload: dict[str, Any]


#: The withdrawal's way through its statuses; MODERATION and SUSPENDED are side
#: stops, reached only when asked for, and each leads back onto the main way.
_MAIN_WAY = (
    WithdrawStatus.NEW,
    WithdrawStatus.CONFIRMED,
    WithdrawStatus.VERIFIED,
    WithdrawStatus.APPROVED,
    WithdrawStatus.DONE,
)
_SIDE_STOPS = {
    WithdrawStatus.MODERATION: (WithdrawStatus.VERIFIED, WithdrawStatus.APPROVED),
    WithdrawStatus.SUSPENDED: (WithdrawStatus.APPROVED, WithdrawStatus.DONE),
}
#: Statuses that end a withdrawal and give its funds back.
ENDINGS = frozenset({WithdrawStatus.REFUSED, WithdrawStatus.CANCELLED})
#: Statuses a withdrawal never leaves.
FINAL = frozenset({WithdrawStatus.DONE, *ENDINGS})


def next_status(status: WithdrawStatus) -> WithdrawStatus:
    """The status one step on from `status` (not final), on the main way."""
    if status in _SIDE_STOPS:
        return _SIDE_STOPS[status][1]
    return _MAIN_WAY[_MAIN_WAY.index(status) + 1]


def way(start: WithdrawStatus, target: WithdrawStatus) -> list[WithdrawStatus]:
    """The statuses a withdrawal passes through from `start` to `target` (excluded start)."""
    if target in ENDINGS:
        return [target]
    steps: list[WithdrawStatus] = []
    status = start
    while status != target:
        if status in FINAL:
            raise Refused(
                f"a withdrawal cannot go from {start.name} ({int(start)}) "
                f"to {target.name} ({int(target)})"
            )
        side = _SIDE_STOPS.get(target)
        status = target if side is not None and status == side[0] else next_status(status)
        steps.append(status)
    return steps
