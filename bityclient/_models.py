"""The Bity v1 data: code tables as enums, responses as frozen attrs models.

Models hold data only: no I/O, and no knowledge of JSON. Decoding (the key
renames, the zone given to Bity's timestamps, the blank currency) is configured
on the converter in `_decode.py`.

Timestamps: Bity sends them without a zone (`2018-06-20T10:28:05.718739`), and
the reference does not say which zone they are in. tastypie writes them in the
server's `TIME_ZONE` (Bity is Swiss). The SDK reads them in the zone given as
`BityClient(server_timezone=...)`, a `datetime.tzinfo` such as
`zoneinfo.ZoneInfo("Europe/Zurich")`; the default is `timezone.utc`, the only
reading that does not depend on a setting. Every datetime on these models is
timezone-aware UTC, whatever that zone: `2018-06-20T10:28:05` read in
Europe/Zurich (summer time, UTC+2) is 08:28:05 UTC. A wall-clock time that occurs
twice (when clocks go back) is read as its first occurrence. A timestamp that
carries its own zone keeps its instant and is shown in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs

from common import OpenIntEnum, OpenStrEnum

__all__ = [
    "AmountMode",
    "Currency",
    "InputHandlingMode",
    "InputTransaction",
    "ListMeta",
    "Order",
    "OrderCategory",
    "OrderStatus",
    "OutputTransaction",
    "PairRate",
    "PaymentMethod",
    "Rate",
    "Token",
    "TransactionStatus",
]


# --- code tables -------------------------------------------------------------------------------


class Currency(OpenStrEnum):
    """The currency codes the reference lists; others the server sends are kept (`is_known`)."""

    EUR = "EUR"
    CHF = "CHF"
    BTC = "BTC"
    ETH = "ETH"
    REP = "REP"

    @property
    def is_fiat(self) -> bool:
        """Whether the reference lists this as a FIAT currency (EUR, CHF)."""
        return self.value in ("EUR", "CHF")


class OrderCategory(OpenStrEnum):
    """Which way an order goes (the `category` of the order summary table)."""

    BUY = "BUY"
    SELL = "SELL"
    BUY_ETH = "BUY_ETH"
    SELL_ETH = "SELL_ETH"
    BUY_REP = "BUY_REP"


class PaymentMethod(OpenStrEnum):
    """How an order is paid for (`payment_method`).

    BANKXFER appears only in the order summary table and the sample orders, not in
    the payment methods table; it is listed here because the server uses it.
    """

    BTCGATEWAY = "BTCGATEWAY"
    ETHGATEWAY = "ETHGATEWAY"
    SOFORTPSP = "SOFORTPSP"
    BANKXFER = "BANKXFER"
    SKRILLPSP = "SKRILLPSP"
    STRAIGHT = "STRAIGHT"

    @property
    def is_deprecated(self) -> bool:
        """Whether the reference marks this method deprecated (SKRILLPSP, STRAIGHT)."""
        return self.value in ("SKRILLPSP", "STRAIGHT")


class AmountMode(OpenIntEnum):
    """What an order's `amount` means (the reference's AMOUNT_MODE_* values).

    DEFAULT (0): for BUY and BUY_ETH the input amount, for SELL and SELL_ETH the
    output amount. INPUT (1): the input amount. OUTPUT (2): the output amount.
    INPUT_PLACEHOLDER (3): a placeholder filled in when the payment arrives (BUY_ETH
    paid with BTC, trusted accounts only).
    """

    DEFAULT = 0
    INPUT = 1
    OUTPUT = 2
    INPUT_PLACEHOLDER = 3


class InputHandlingMode(OpenIntEnum):
    """How an order treats a payment that differs from the ordered amount.

    The reference lists these values but no order field that takes them, so
    `orders.create` has no parameter for it; the enum is here for completeness.
    """

    EXACT = 0
    ANY_INPUT_0CONF = 1
    APPROXIMATE = 2

    @property
    def is_deprecated(self) -> bool:
        """Whether the reference says not to use this mode (ANY_INPUT_0CONF)."""
        return self.value == 1


class OrderStatus(OpenStrEnum):
    """The order statuses the reference's samples show, and cancelled; others are kept."""

    OPEN = "OPEN"
    EXEC = "EXEC"
    CANC = "CANC"  #: cancelled (not in the reference's samples; the sandbox writes it)

    @property
    def is_final(self) -> bool:
        """Whether the order is settled (executed) or cancelled, so can no longer change."""
        return self in (OrderStatus.EXEC, OrderStatus.CANC)


class TransactionStatus(OpenStrEnum):
    """The input/output transaction statuses the samples show; others are kept."""

    OPEN = "OPEN"
    CONF = "CONF"
    FILL = "FILL"


# --- token -------------------------------------------------------------------------------------


def _hidden(value: object) -> str:
    return "None" if value is None else "'***'"


@attrs.frozen
class Token:
    """An OAuth token from `/o/token/`.

    `expires_at` is absolute (timezone-aware UTC): the `expires_in` of the answer
    counted from when the token request was sent (erring early), so a stored token
    can be checked later. None when the server gave no `expires_in`.
    `repr` hides the access and refresh tokens, and `to_dict` refuses a Token for
    them: store a session with `dump_token`.
    """

    access_token: str = attrs.field(repr=_hidden)
    token_type: str = "Bearer"  # noqa: S105 (a scheme name, not a secret)
    refresh_token: str | None = attrs.field(default=None, repr=_hidden)
    scope: str | None = None
    expires_at: datetime | None = None

    def is_expired(self, leeway: float = 0.0, *, now: datetime | None = None) -> bool:
        """Whether the token has expired, or will within `leeway` seconds.

        A token with no known expiry is never considered expired: the server's 401
        decides.
        """
        if self.expires_at is None:
            return False
        moment = now if now is not None else datetime.now(timezone.utc)
        return moment + timedelta(seconds=leeway) >= self.expires_at


# --- rates -------------------------------------------------------------------------------------


@attrs.frozen
class Rate:
    """One pair of the full rate list (`GET /api/v1/rate2/`): mid, buy and sell rates.

    `rate_we_buy` is what Bity pays for `source`, `rate_we_sell` what it charges.
    Timestamps are timezone-aware UTC (see the module docstring for their zone).
    """

    pair: str
    source: Currency
    target: Currency
    rate: Decimal
    rate_we_buy: Decimal
    rate_we_sell: Decimal
    timestamp: datetime
    rate_we_buy_timestamp: datetime
    rate_we_sell_timestamp: datetime
    is_enabled: bool
    resource_uri: str


@attrs.frozen
class PairRate:
    """The rate of one pair in one direction (`rate_we_sell/{PAIR}/`, `rate_we_buy/{PAIR}/`).

    `timestamp` is timezone-aware UTC (see the module docstring).
    """

    pair: str
    source: Currency
    target: Currency
    rate: Decimal
    timestamp: datetime
    resource_uri: str


# --- orders ------------------------------------------------------------------------------------


def _last_segment(uri: str) -> str | None:
    parts = [part for part in uri.split("/") if part]
    return parts[-1] if parts else None


@attrs.frozen
class InputTransaction:
    """A payment into an order. `payment_method` is a resource URI; see `payment_method_code`."""

    amount: Decimal
    currency: Currency
    order: str
    payment_method: str
    payment_processor_fee: Decimal
    reference: str
    resource_uri: str
    status: TransactionStatus

    @property
    def payment_method_code(self) -> PaymentMethod | None:
        """The payment method named by the `payment_method` URI (`.../BANKXFER/`)."""
        code = _last_segment(self.payment_method)
        return PaymentMethod(code) if code else None


@attrs.frozen
class OutputTransaction:
    """A payout of an order. `payout_method` is a resource URI; see `payout_method_code`."""

    amount: Decimal
    currency: Currency
    order: str
    payout_method: str
    reference: str
    resource_uri: str
    status: TransactionStatus

    @property
    def payout_method_code(self) -> str | None:
        """The last segment of the `payout_method` URI (`.../payout_method/BTC/` gives BTC)."""
        return _last_segment(self.payout_method)


@attrs.frozen
class Order:
    """An order, as created (`POST /api/v1/order/`) or listed (`GET /api/v1/order/`).

    The list form carries fewer fields than the created form; those it lacks are
    None. `currency` is None when Bity sends an empty string (an order between two
    cryptocurrencies). `timestamp_created` is timezone-aware UTC.
    """

    resource_uri: str
    category: OrderCategory
    status: OrderStatus
    person: str
    timestamp_created: datetime
    input_transactions: list[InputTransaction]
    output_transactions: list[OutputTransaction]
    amount: Decimal | None = None
    currency: Currency | None = None
    crypto_address: str | None = None
    payment_amount: Decimal | None = None
    payment_method: PaymentMethod | None = None
    payment_url: str | None = None
    reference: str | None = None
    unique_id: str | None = None

    @property
    def id(self) -> str | None:
        """The order number, the last segment of `resource_uri`."""
        return _last_segment(self.resource_uri)


# --- lists -------------------------------------------------------------------------------------


@attrs.frozen
class ListMeta:
    """The `meta` object of a list response.

    `offset` is passed through as the server gives it (the reference calls it both
    an offset and a page number); the SDK follows `next` rather than computing
    pages. Keys the reference does not list (the rate list's `disabled`) are kept
    in `extra`.
    """

    limit: int | None = None
    offset: int | None = None
    next: str | None = None
    previous: str | None = None
    total_count: int | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
