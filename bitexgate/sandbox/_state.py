"""The sandbox's state and rules: pure and synchronous, no I/O.

`GatewayState` holds the catalogue of payment methods, the balances, and every
wallet, deposit, invoice, invoice payment and withdrawal. Each operation checks
its input as the gateway's Django REST framework serializers would, raising
`InvalidInput` with the DRF 400 body (`{"field": ["message"]}` or
`{"non_field_errors": [...]}`), and changes the state in one synchronous step, so
concurrent requests on one event loop can never interleave inside it.

The `*_json` functions write each object exactly as the reference shows it:
amounts and fees as strings with 8 decimals, times as ISO 8601 UTC with
microseconds and a `Z`, deposit statuses as strings (`"5"`, as in the samples),
withdrawal statuses and `fee_payer` as integers, an invoice's `amount` as a
number (`120`, as in the samples).

Operations that change a deposit, an invoice payment or a withdrawal return the
callbacks they owe (`Notification`): the sandbox posts them once the state is
consistent.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation, localcontext
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs

from .._enums import DepositStatus, FeePayer, WithdrawStatus

__all__ = [
    "CATALOGUE",
    "MARKET",
    "TICKERS",
    "Deposit",
    "GatewayState",
    "Invoice",
    "InvalidInput",
    "Method",
    "Notification",
    "Order",
    "Refused",
    "UnknownObject",
    "Wallet",
    "Withdrawal",
    "control_amount",
    "deposit_json",
    "filter_records",
    "invoice_created_json",
    "invoice_json",
    "invoice_payment_json",
    "iso",
    "method_json",
    "money",
    "wallet_json",
    "withdrawal_created_json",
    "withdrawal_json",
]

T = TypeVar("T")

#: Every amount is kept and written with this many decimals.
PLACES = 8
QUANTUM = Decimal(1).scaleb(-PLACES)
#: Digits an amount may have in all (DRF `max_digits`).
MAX_DIGITS = 28

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."


# ---------------------------------------------------------------------------
# Errors


class InvalidInput(Exception):
    """Input the API refuses; `errors` is the DRF 400 body."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class UnknownObject(LookupError):
    """A sandbox control named an object that does not exist."""


class Refused(ValueError):
    """A sandbox control asked for something the rules do not allow."""


# ---------------------------------------------------------------------------
# Formatting


def money(value: Decimal) -> str:
    """An amount as the gateway writes it: a string with 8 decimals."""
    with localcontext() as context:
        context.prec = 60
        return format(value.quantize(QUANTUM, rounding=ROUND_HALF_UP), "f")


def _money_or_none(value: Decimal | None) -> str | None:
    return None if value is None else money(value)


def iso(timestamp: float) -> str:
    """A time as the gateway writes it: `2021-05-21T12:10:54.552073Z`."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _places(value: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# The catalogue and the market


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
        return _places(self.deposit_fee_amount + gross * self.deposit_fee_rate)

    def withdraw_fee(self, amount: Decimal) -> Decimal:
        return _places(self.withdraw_fee_amount + amount * self.withdraw_fee_rate)


_BASE58 = "1-9A-HJ-NP-Za-km-z"

#: The payment methods the sandbox offers. BTC/bitcoin and UAH/wiretransfer are the
#: reference's own sample values; the others are plausible. USDT/payeer is fiat,
#: as the reference's invoice example uses it; USDT/ethereum charges its
#: withdrawal fee in ETH, so `fee_payer=2` is refused for it.
CATALOGUE: tuple[Method, ...] = (
    Method(
        id=1,
        ticker="BTC",
        network="bitcoin",
        min_deposit="0.00100000",
        max_deposit="10000000000.00000000",
        deposit_fee_amount="0.00000000",
        deposit_fee_rate="0.00000000",
        min_withdraw="0.00060000",
        max_withdraw="100.00000000",
        withdraw_fee_amount="0.00040000",
        withdraw_fee_rate="0.00000000",
        withdraw_fee_currency="BTC",
        is_fiat=False,
        destination="bitcoin address",
        destination_pattern=re.compile(rf"bc1[02-9ac-hj-np-z]{{11,71}}|[13][{_BASE58}]{{25,34}}"),
        required_confirmations=2,
    ),
    Method(
        id=2,
        ticker="UAH",
        network="wiretransfer",
        min_deposit="25.20000000",
        max_deposit="100000.00000000",
        deposit_fee_amount="5.00000000",
        deposit_fee_rate="0.01000000",
        min_withdraw="100.00000000",
        max_withdraw="10000.00000000",
        withdraw_fee_amount="5.00000000",
        withdraw_fee_rate="0.01500000",
        withdraw_fee_currency="UAH",
        is_fiat=True,
        destination="card number (12 to 19 digits)",
        destination_pattern=re.compile(r"[0-9]{12,19}"),
    ),
    Method(
        id=3,
        ticker="ETH",
        network="ethereum",
        min_deposit="0.01000000",
        max_deposit="100000.00000000",
        deposit_fee_amount="0.00000000",
        deposit_fee_rate="0.00000000",
        min_withdraw="0.02000000",
        max_withdraw="500.00000000",
        withdraw_fee_amount="0.00500000",
        withdraw_fee_rate="0.00000000",
        withdraw_fee_currency="ETH",
        is_fiat=False,
        destination="ethereum address",
        destination_pattern=re.compile(r"0x[0-9a-fA-F]{40}"),
        required_confirmations=12,
    ),
    Method(
        id=4,
        ticker="USDT",
        network="tron",
        min_deposit="1.00000000",
        max_deposit="10000000.00000000",
        deposit_fee_amount="0.00000000",
        deposit_fee_rate="0.00000000",
        min_withdraw="10.00000000",
        max_withdraw="100000.00000000",
        withdraw_fee_amount="1.00000000",
        withdraw_fee_rate="0.00000000",
        withdraw_fee_currency="USDT",
        is_fiat=False,
        destination="tron address",
        destination_pattern=re.compile(rf"T[{_BASE58}]{{33}}"),
        required_confirmations=40,
    ),
    Method(
        id=5,
        ticker="USDT",
        network="ethereum",
        min_deposit="10.00000000",
        max_deposit="10000000.00000000",
        deposit_fee_amount="0.00000000",
        deposit_fee_rate="0.00000000",
        min_withdraw="20.00000000",
        max_withdraw="100000.00000000",
        withdraw_fee_amount="0.00300000",
        withdraw_fee_rate="0.00000000",
        withdraw_fee_currency="ETH",
        is_fiat=False,
        destination="ethereum address",
        destination_pattern=re.compile(r"0x[0-9a-fA-F]{40}"),
        required_confirmations=12,
    ),
    Method(
        id=6,
        ticker="USDT",
        network="payeer",
        min_deposit="10.00000000",
        max_deposit="10000.00000000",
        deposit_fee_amount="0.00000000",
        deposit_fee_rate="0.00950000",
        min_withdraw="10.00000000",
        max_withdraw="5000.00000000",
        withdraw_fee_amount="0.00000000",
        withdraw_fee_rate="0.00950000",
        withdraw_fee_currency="USDT",
        is_fiat=True,
        destination="Payeer account (P followed by 7 to 12 digits)",
        destination_pattern=re.compile(r"P[0-9]{7,12}"),
    ),
)

#: The pairs conversions and auto-buys trade on, `BASE_QUOTE`, at a fixed market price.
MARKET: dict[str, Decimal] = {
    "BTC_USDT": Decimal("65000.00000000"),
    "ETH_USDT": Decimal("3300.00000000"),
    "ETH_BTC": Decimal("0.05080000"),
    "USDT_UAH": Decimal("28.52850000"),
    "BTC_UAH": Decimal("1854352.50000000"),
    "ETH_UAH": Decimal("94144.05000000"),
}

TICKERS = frozenset({m.ticker for m in CATALOGUE} | {m.withdraw_fee_currency for m in CATALOGUE})


def _pair(ticker: str, other: str) -> str | None:
    for symbol in (f"{other}_{ticker}", f"{ticker}_{other}"):
        if symbol in MARKET:
            return symbol
    return None


# ---------------------------------------------------------------------------
# Records


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
        return _given(self.invoice)

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


# ---------------------------------------------------------------------------
# Writing objects as the API does


def method_json(method: Method) -> dict[str, Any]:
    return {
        "ticker": method.ticker,
        "network": method.network,
        "min_deposit": money(method.min_deposit),
        "max_deposit": money(method.max_deposit),
        "deposit_fee_amount": money(method.deposit_fee_amount),
        "deposit_fee_rate": money(method.deposit_fee_rate),
        "min_withdraw": money(method.min_withdraw),
        "max_withdraw": money(method.max_withdraw),
        "withdraw_fee_amount": money(method.withdraw_fee_amount),
        "withdraw_fee_rate": money(method.withdraw_fee_rate),
        "withdraw_fee_currency": method.withdraw_fee_currency,
        "is_fiat": method.is_fiat,
        "is_deposit_enabled": method.is_deposit_enabled,
        "is_withdraw_enabled": method.is_withdraw_enabled,
    }


def wallet_json(wallet: Wallet) -> dict[str, Any]:
    return {
        "address": wallet.address,
        "slug": wallet.slug,
        "ticker": wallet.method.ticker,
        "network": wallet.method.network,
        "callback_url": wallet.callback_url,
        "convert_ticker": wallet.convert_ticker,
        "convert_limit": _money_or_none(wallet.convert_limit),
        "convert_percent": _money_or_none(wallet.convert_percent),
        "created_at": iso(wallet.created_at),
    }


def _aml(status: DepositStatus) -> tuple[bool | None, int | None]:
    """AML results: known once a deposit is settled (the sample: `true`, `0`)."""
    if status == DepositStatus.REJECTED:
        return False, None
    return (True, 0) if status == DepositStatus.CONFIRMED else (None, None)


def deposit_json(deposit: Deposit) -> dict[str, Any]:
    wallet = _given(deposit.wallet)
    required = deposit.method.required_confirmations
    actual = {DepositStatus.PENDING: 0, DepositStatus.CONFIRMED: required}.get(deposit.status)
    aml_success, aml_risk = _aml(deposit.status)
    return {
        "address": wallet.address,
        "wallet_slug": wallet.slug,
        "date": iso(deposit.created_at),
        "amount": money(deposit.amount),
        "fee": money(deposit.fee),
        "ticker": deposit.method.ticker,
        "network": deposit.method.network,
        "status": str(int(deposit.status)),
        "txid": deposit.txid,
        "actual_confirmations": actual,
        "required_confirmations": required,
        "aml_success": aml_success,
        "aml_risk": aml_risk,
        "aml_url": None,
        "created_at": iso(deposit.created_at),
    }


def _order_json(order: Order | None) -> dict[str, Any] | None:
    if order is None:
        return None
    return {
        "symbol": order.symbol,
        "amount": money(order.amount),
        "price": money(order.price),
        "side": order.side,
        "state": order.state,
    }


def invoice_payment_json(payment: Deposit) -> dict[str, Any]:
    return {
        "date": iso(payment.created_at),
        "amount": money(payment.amount),
        "fee": money(payment.fee),
        "ticker": payment.method.ticker,
        "network": payment.method.network,
        "status": str(int(payment.status)),
        "txid": payment.txid,
        "convert": _order_json(payment.convert),
        "created_at": iso(payment.created_at),
    }


def _convert_fields(owner: Wallet | Invoice) -> dict[str, Any]:
    return {
        "convert_ticker": owner.convert_ticker,
        "convert_limit": _money_or_none(owner.convert_limit),
        "convert_percent": _money_or_none(owner.convert_percent),
    }


def invoice_created_json(invoice: Invoice) -> dict[str, Any]:
    """The answer of `invoice/create` (its fields differ from the list's, as documented)."""
    return {
        "slug": invoice.slug,
        "ticker": invoice.method.ticker,
        "network": invoice.method.network,
        "amount": invoice.amount.normalize(),
        "proceed_url": invoice.proceed_url,
        "payment_url": invoice.payment_url,
        **_convert_fields(invoice),
        "created_at": iso(invoice.created_at),
    }


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    """An invoice as `GET /api/gateway/invoices` lists it."""
    return {
        "slug": invoice.slug,
        "ticker": invoice.method.ticker,
        "network": invoice.method.network,
        "amount": invoice.amount.normalize(),
        "callback_url": invoice.callback_url,
        **_convert_fields(invoice),
        "created_at": iso(invoice.created_at),
    }


def withdrawal_created_json(withdrawal: Withdrawal) -> dict[str, Any]:
    """The answer of `withdraw/create`."""
    return {
        "id": withdrawal.id,
        "ticker": withdrawal.method.ticker,
        "network": withdrawal.method.network,
        "address": withdrawal.address,
        "payment_id": withdrawal.payment_id,
        "memo": withdrawal.memo,
        "comment": withdrawal.comment,
        "destination_tag": withdrawal.destination_tag,
        "amount": money(withdrawal.amount),
        "callback_url": withdrawal.callback_url,
        "client_order_id": withdrawal.client_order_id,
        "fee_payer": int(withdrawal.fee_payer),
        "status": int(withdrawal.status),
        "auto_buy": _order_json(withdrawal.auto_buy),
        "created_at": iso(withdrawal.created_at),
    }


_AML_CHECKED = frozenset(
    {
        WithdrawStatus.VERIFIED,
        WithdrawStatus.MODERATION,
        WithdrawStatus.APPROVED,
        WithdrawStatus.SUSPENDED,
        WithdrawStatus.DONE,
    }
)


def withdrawal_json(withdrawal: Withdrawal) -> dict[str, Any]:
    """A withdrawal as `withdraw/history` lists it (and as its callbacks carry it)."""
    data = withdrawal_created_json(withdrawal)
    created_at = data.pop("created_at")
    checked = withdrawal.status in _AML_CHECKED
    data.update(
        {
            "txid": withdrawal.txid,
            "aml_success": True if checked else None,
            "aml_risk": 0 if checked else None,
            "aml_url": None,
            "created_at": created_at,
        }
    )
    return data


# ---------------------------------------------------------------------------
# Reading input as DRF serializers do

_MISSING: Any = object()


def _url_is_valid(text: str) -> bool:
    if any(char.isspace() for char in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _precision_error(value: Decimal, max_digits: int, places: int) -> str | None:
    """DRF's DecimalField.validate_precision, message for message."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN or infinity
        return "A valid number is required."
    if exponent >= 0:
        total, whole, decimals = len(digits) + exponent, len(digits) + exponent, 0
    elif len(digits) > abs(exponent):
        total, whole, decimals = len(digits), len(digits) - abs(exponent), abs(exponent)
    else:
        total, whole, decimals = abs(exponent), 0, abs(exponent)
    if total > max_digits:
        return f"Ensure that there are no more than {max_digits} digits in total."
    if decimals > places:
        return f"Ensure that there are no more than {places} decimal places."
    if whole > max_digits - places:
        whole_digits = max_digits - places
        return f"Ensure that there are no more than {whole_digits} digits before the decimal point."
    return None


class Form:
    """The fields of one request body, read one by one; errors collect per field."""

    def __init__(self, data: Any) -> None:
        if data is None:
            raise InvalidInput({"non_field_errors": ["No data provided"]})
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise InvalidInput(
                {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
            )
        self._data: dict[str, Any] = data
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def _present(self, field: str, required: bool) -> Any:
        value = self._data.get(field, _MISSING)
        if value is _MISSING:
            if required:
                self.add(field, REQUIRED)
            return _MISSING
        if value is None:
            if required:
                self.add(field, NOT_NULL)
            return _MISSING
        return value

    def text(self, field: str, *, required: bool = False, max_length: int = 255) -> str | None:
        """A CharField: trimmed; blank is an error when required, None otherwise."""
        value = self._present(field, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(field, "Not a valid string.")
            return None
        text = str(value).strip()
        if not text:
            if required:
                self.add(field, NOT_BLANK)
            return None
        if "\x00" in text:
            self.add(field, "Null characters are not allowed.")
            return None
        if len(text) > max_length:
            self.add(field, f"Ensure this field has no more than {max_length} characters.")
            return None
        return text

    def url(self, field: str) -> str | None:
        """A URLField (http or https, with a host)."""
        text = self.text(field, max_length=200)
        if text is not None and not _url_is_valid(text):
            self.add(field, "Enter a valid URL.")
            return None
        return text

    def ip(self, field: str) -> str | None:
        """A required IPAddressField."""
        text = self.text(field, required=True, max_length=45)
        if text is None:
            return None
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            self.add(field, "Enter a valid IPv4 or IPv6 address.")
            return None

    def decimal(
        self,
        field: str,
        *,
        required: bool = False,
        min_value: Decimal | None = None,
        max_value: Decimal | None = None,
    ) -> Decimal | None:
        """A DecimalField(max_digits=28, decimal_places=8), quantized to 8 places."""
        value = self._present(field, required)
        if value is _MISSING:
            return None
        text = str(value).strip()
        if len(text) > 1000:
            self.add(field, "String value too large.")
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if isinstance(value, (bool, dict, list)) or not number.is_finite():
            self.add(field, "A valid number is required.")
            return None
        problem = _precision_error(number, MAX_DIGITS, PLACES)
        if problem is None and min_value is not None and number < min_value:
            problem = f"Ensure this value is greater than or equal to {money(min_value)}."
        if problem is None and max_value is not None and number > max_value:
            problem = f"Ensure this value is less than or equal to {money(max_value)}."
        if problem is not None:
            self.add(field, problem)
            return None
        return _places(number)

    def choice(self, field: str, choices: Iterable[int], *, default: int) -> int:
        """A ChoiceField of integers, which also takes them as text (`"2"`)."""
        value = self._present(field, False)
        if value is _MISSING:
            return default
        for choice in choices:
            if not isinstance(value, bool) and str(value) == str(choice):
                return choice
        self.add(field, f'"{value}" is not a valid choice.')
        return default

    def check(self) -> None:
        """Raise the collected field errors, if any."""
        if self.errors:
            raise InvalidInput(self.errors)


def _given(value: T | None) -> T:
    """A value the checks before have made sure of (a required field, a known pair)."""
    if value is None:
        raise RuntimeError("the sandbox's own checks let a missing value through")
    return value


def _non_field(message: str) -> InvalidInput:
    return InvalidInput({"non_field_errors": [message]})


def _field(field: str, message: str) -> InvalidInput:
    return InvalidInput({field: [message]})


#: How far a conversion's price may lie from the market, in percent.
PERCENT_LIMIT = Decimal(100)


def filter_records(
    records: Iterable[Any],
    query: Mapping[str, str],
    fields: Mapping[str, Callable[[Any], str | None]],
    *,
    statuses: Iterable[int],
) -> list[Any]:
    """The records whose fields equal the non-empty query values (django-filter style).

    `status` must be one of `statuses`, else the DRF 400 that django-filter gives.
    """
    wanted = {name: query[name] for name in fields if query.get(name)}
    status = wanted.get("status")
    if status is not None and status.strip() not in {str(code) for code in statuses}:
        raise InvalidInput(
            {"status": [f"Select a valid choice. {status} is not one of the available choices."]}
        )
    if status is not None:
        wanted["status"] = status.strip()
    return [
        record
        for record in records
        if all(fields[name](record) == value for name, value in wanted.items())
    ]


def control_amount(value: Any, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """An amount given to a sandbox control: a positive number with at most 8 decimals.

    A Decimal, an int or numeric text; never a float.
    """
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise Refused(
            f"{field} must be a decimal number (a string or a JSON number), got {value!r}"
        )
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Refused(f"{field} must be a decimal number, got {value!r}") from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        kind = "zero or more" if allow_zero else "a positive number"
        raise Refused(f"{field} must be {kind}, got {value!r}")
    if _precision_error(number, MAX_DIGITS, PLACES):
        raise Refused(f"{field} must have at most {PLACES} decimals and {MAX_DIGITS} digits")
    return _places(number)


# ---------------------------------------------------------------------------
# The state


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
_ENDINGS = frozenset({WithdrawStatus.REFUSED, WithdrawStatus.CANCELLED})
_FINAL = frozenset({WithdrawStatus.DONE, *_ENDINGS})


def _next_status(status: WithdrawStatus) -> WithdrawStatus:
    if status in _SIDE_STOPS:
        return _SIDE_STOPS[status][1]
    return _MAIN_WAY[_MAIN_WAY.index(status) + 1]


def _way(start: WithdrawStatus, target: WithdrawStatus) -> list[WithdrawStatus]:
    """The statuses a withdrawal passes through from `start` to `target` (excluded start)."""
    if target in _ENDINGS:
        return [target]
    steps: list[WithdrawStatus] = []
    status = start
    while status != target:
        if status in _FINAL:
            raise Refused(
                f"a withdrawal cannot go from {start.name} ({int(start)}) "
                f"to {target.name} ({int(target)})"
            )
        side = _SIDE_STOPS.get(target)
        status = target if side is not None and status == side[0] else _next_status(status)
        steps.append(status)
    return steps


class GatewayState:
    """Everything the sandbox knows, and the rules that change it."""

    def __init__(self, *, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.methods: dict[tuple[str, str], Method] = {(m.ticker, m.network): m for m in CATALOGUE}
        self.reset()

    def reset(self) -> None:
        """Forget every object and balance."""
        self.balances: dict[str, Decimal] = {}
        self.wallets: list[Wallet] = []
        self.deposits: list[Deposit] = []
        self.invoices: list[Invoice] = []
        self.invoice_payments: list[Deposit] = []
        self.withdrawals: list[Withdrawal] = []
        self._ids = {kind: itertools.count(1) for kind in ("wallet", "deposit", "invoice", "wd")}
        self._wallet_by_address: dict[str, Wallet] = {}
        self._invoice_by_slug: dict[str, Invoice] = {}
        self._deposit_by_txid: dict[str, Deposit] = {}
        self._withdrawal_by_id: dict[int, Withdrawal] = {}
        self._client_order_ids: set[str] = set()
        self._slugs: set[str] = set()

    def now(self) -> float:
        return self._clock()

    # -- balances ------------------------------------------------------------

    def balance(self, ticker: str) -> Decimal:
        self._known_ticker(ticker)
        return _places(self.balances.get(ticker, Decimal(0)))

    def set_balance(self, ticker: str, amount: Decimal | int | str) -> None:
        self._known_ticker(ticker)
        self.balances[ticker] = control_amount(amount, "balance", allow_zero=True)

    def _known_ticker(self, ticker: str) -> None:
        if ticker not in TICKERS:
            raise UnknownObject(f"unknown ticker {ticker!r}; known: {', '.join(sorted(TICKERS))}")

    def _credit(self, ticker: str, amount: Decimal) -> None:
        self.balances[ticker] = self.balances.get(ticker, Decimal(0)) + amount

    # -- ids, slugs, addresses ----------------------------------------------

    def _slug(self) -> str:
        while True:
            slug = secrets.token_hex(18)
            if slug not in self._slugs:
                self._slugs.add(slug)
                return slug

    def _address(self, method: Method) -> str:
        while True:
            address = _new_address(method.network)
            if address not in self._wallet_by_address:
                return address

    def _new_txid(self, method: Method) -> str:
        while True:
            txid = _new_txid(method)
            if txid not in self._deposit_by_txid:
                return txid

    def _method(self, ticker: str | None, network: str | None) -> Method:
        ticker, network = _given(ticker), _given(network)
        method = self.methods.get((ticker, network))
        if method is None:
            raise _non_field(f"Payment method {ticker}/{network} does not exist.")
        return method

    def _conversion(
        self, form: Form, field: str, ticker: str | None, percent_field: str
    ) -> tuple[str | None, Decimal | None]:
        other = form.text(field, max_length=16)
        percent = form.decimal(percent_field, min_value=-PERCENT_LIMIT, max_value=PERCENT_LIMIT)
        if other is not None and ticker is not None and _pair(ticker, other) is None:
            form.add(field, f"Pair {other}/{ticker} does not exist.")
        if other is not None and percent is None and percent_field not in form.errors:
            percent = _places(Decimal(5))  # the reference's default
        return other, percent

    # -- wallets -------------------------------------------------------------

    def create_wallet(self, data: Any) -> Wallet:
        """`POST /api/gateway/wallet/create`."""
        form = Form(data)
        ticker = form.text("ticker", required=True, max_length=16)
        network = form.text("network", required=True, max_length=32)
        callback_url = form.url("callback_url")
        convert_ticker, convert_percent = self._conversion(
            form, "convert_ticker", ticker, "convert_percent"
        )
        convert_limit = form.decimal("convert_limit", min_value=QUANTUM)
        form.check()
        method = self._method(ticker, network)
        if method.is_fiat:
            raise _non_field(
                f"{method.name} is a fiat payment method: wallets are for crypto; "
                "create an invoice instead."
            )
        if not method.is_deposit_enabled:
            raise _non_field(f"Deposits are disabled for {method.name}.")
        wallet = Wallet(
            id=next(self._ids["wallet"]),
            slug=self._slug(),
            address=self._address(method),
            method=method,
            callback_url=callback_url,
            convert_ticker=convert_ticker,
            convert_limit=convert_limit,
            convert_percent=convert_percent,
            created_at=self.now(),
        )
        self.wallets.append(wallet)
        self._wallet_by_address[wallet.address] = wallet
        return wallet

    # -- invoices ------------------------------------------------------------

    def create_invoice(self, data: Any, *, pay_url: Callable[[str], str]) -> Invoice:
        """`POST /api/gateway/invoice/create`; `pay_url(slug)` is its `proceed_url`."""
        form = Form(data)
        ticker = form.text("ticker", required=True, max_length=16)
        network = form.text("network", required=True, max_length=32)
        amount = form.decimal("amount", required=True)
        callback_url = form.url("callback_url")
        payment_url = form.url("payment_url")
        cancel_url = form.url("cancel_url")
        convert_ticker, convert_percent = self._conversion(
            form, "convert_ticker", ticker, "convert_percent"
        )
        convert_limit = form.decimal("convert_limit", min_value=QUANTUM)
        client_ip = form.ip("client_ip")
        form.check()
        method = self._method(ticker, network)
        amount, client_ip = _given(amount), _given(client_ip)
        if not method.is_fiat:
            raise _non_field(
                f"{method.name} is a crypto payment method: invoices are for fiat; "
                "create a wallet instead."
            )
        if not method.is_deposit_enabled:
            raise _non_field(f"Deposits are disabled for {method.name}.")
        _check_limits("amount", amount, method.min_deposit, method.max_deposit)
        slug = self._slug()
        invoice = Invoice(
            id=next(self._ids["invoice"]),
            slug=slug,
            method=method,
            amount=amount,
            client_ip=client_ip,
            proceed_url=pay_url(slug),
            payment_url=payment_url,
            cancel_url=cancel_url,
            callback_url=callback_url,
            convert_ticker=convert_ticker,
            convert_limit=convert_limit,
            convert_percent=convert_percent,
            created_at=self.now(),
        )
        self.invoices.append(invoice)
        self._invoice_by_slug[slug] = invoice
        return invoice

    def invoice(self, slug: str) -> Invoice:
        try:
            return self._invoice_by_slug[slug]
        except KeyError:
            raise UnknownObject(f"no invoice with slug {slug!r}") from None

    # -- withdrawals ---------------------------------------------------------

    def create_withdrawal(self, data: Any) -> Withdrawal:
        """`POST /api/gateway/withdraw/create`: checks, holds the funds, status NEW."""
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
        if client_order_id is not None and client_order_id in self._client_order_ids:
            form.add("client_order_id", "Withdrawal with this client_order_id already exists.")
        fee_payer = FeePayer(form.choice("fee_payer", (1, 2), default=FeePayer.BALANCE))
        auto_buy_ticker, auto_buy_percent = self._conversion(
            form, "auto_buy_ticker", ticker, "auto_buy_percent"
        )
        form.check()
        method = self._method(ticker, network)
        amount = _given(amount)
        if not method.is_withdraw_enabled:
            raise _non_field(f"Withdrawals are disabled for {method.name}.")
        field, destination = ("card", card) if method.is_fiat else ("address", address)
        if destination is None:
            raise _field(field, REQUIRED)
        compact = re.sub(r"[\s-]", "", destination) if method.is_fiat else destination
        if not method.destination_pattern.fullmatch(compact):
            raise _field(field, f"Enter a valid {method.destination}.")
        _check_limits("amount", amount, method.min_withdraw, method.max_withdraw)
        fee = method.withdraw_fee(amount)
        if fee_payer == FeePayer.AMOUNT:
            if method.withdraw_fee_currency != method.ticker:
                raise _field(
                    "fee_payer",
                    f"The fee of {method.name} is charged in {method.withdraw_fee_currency}: "
                    "only 1 (from the balance) is possible.",
                )
            if amount <= fee:
                raise _field("amount", f"Ensure this value is greater than the fee ({money(fee)}).")
        needs = {method.ticker: amount}
        if fee_payer == FeePayer.BALANCE:
            needs[method.withdraw_fee_currency] = (
                needs.get(method.withdraw_fee_currency, Decimal(0)) + fee
            )
        for currency, needed in needs.items():
            available = self.balances.get(currency, Decimal(0))
            if available < needed:
                raise _non_field(
                    f"Insufficient funds: {money(needed)} {currency} needed, "
                    f"{money(available)} {currency} available."
                )
        auto_buy = None
        if auto_buy_ticker is not None and auto_buy_percent is not None:
            auto_buy = _order(method.ticker, auto_buy_ticker, amount, auto_buy_percent, buy=True)
        for currency, needed in needs.items():
            self._credit(currency, -needed)
        withdrawal = Withdrawal(
            id=next(self._ids["wd"]),
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
            auto_buy=auto_buy,
            created_at=self.now(),
        )
        self.withdrawals.append(withdrawal)
        self._withdrawal_by_id[withdrawal.id] = withdrawal
        if client_order_id is not None:
            self._client_order_ids.add(client_order_id)
        return withdrawal

    def withdrawal(self, withdrawal_id: int) -> Withdrawal:
        try:
            return self._withdrawal_by_id[withdrawal_id]
        except KeyError:
            raise UnknownObject(f"no withdrawal with id {withdrawal_id}") from None

    def advance_withdrawal(
        self, withdrawal_id: int, to: int | None = None
    ) -> tuple[dict[str, Any], list[Notification]]:
        """Move a withdrawal one status on, or through every status up to `to`."""
        withdrawal = self.withdrawal(withdrawal_id)
        start = withdrawal.status
        if start in _FINAL:
            raise Refused(
                f"withdrawal {withdrawal_id} is {start.name} ({int(start)}), a final status"
            )
        if to is None:
            steps = [_next_status(start)]
        else:
            target = WithdrawStatus(to)
            if not target.is_known:
                raise Refused(f"unknown withdrawal status {to!r}")
            if target == start:
                raise Refused(f"withdrawal {withdrawal_id} is already {start.name} ({int(start)})")
            steps = _way(start, target)
        notifications = []
        for status in steps:
            withdrawal.status = status
            if status in _ENDINGS:
                self._refund(withdrawal)
            if status == WithdrawStatus.DONE:
                withdrawal.txid = _new_txid(withdrawal.method)
            if withdrawal.callback_url:
                notifications.append(
                    Notification(withdrawal.callback_url, withdrawal_json(withdrawal))
                )
        return withdrawal_json(withdrawal), notifications

    def _refund(self, withdrawal: Withdrawal) -> None:
        self._credit(withdrawal.method.ticker, withdrawal.amount)
        if withdrawal.fee_payer == FeePayer.BALANCE:
            self._credit(withdrawal.method.withdraw_fee_currency, withdrawal.fee)

    # -- deposits and invoice payments --------------------------------------

    def _new_deposit(
        self,
        method: Method,
        gross: Decimal,
        txid: str | None,
        *,
        wallet: Wallet | None = None,
        invoice: Invoice | None = None,
        at: float | None = None,
    ) -> Deposit:
        if gross < method.min_deposit or gross > method.max_deposit:
            raise Refused(
                f"amount must be between {money(method.min_deposit)} and "
                f"{money(method.max_deposit)} {method.ticker} (the method's deposit limits)"
            )
        fee = method.deposit_fee(gross)
        if fee >= gross:
            raise Refused(f"amount {money(gross)} does not cover the deposit fee {money(fee)}")
        if txid is not None:
            txid = txid.strip()
            if not txid or len(txid) > 128:
                raise Refused("txid must be 1 to 128 characters")
            if txid in self._deposit_by_txid:
                raise Refused(f"a deposit with txid {txid!r} already exists")
        deposit = Deposit(
            id=next(self._ids["deposit"]),
            method=method,
            amount=gross - fee,
            fee=fee,
            status=DepositStatus.PENDING,
            txid=txid or self._new_txid(method),
            created_at=self.now() if at is None else at,
            wallet=wallet,
            invoice=invoice,
        )
        self._deposit_by_txid[deposit.txid] = deposit
        (self.deposits if wallet else self.invoice_payments).append(deposit)
        return deposit

    def add_deposit(
        self,
        address: str,
        amount: Decimal,
        *,
        txid: str | None = None,
        confirmed: bool = False,
        at: float | None = None,
    ) -> tuple[dict[str, Any], list[Notification]]:
        """A deposit arrives on the wallet at `address`: PENDING, or CONFIRMED at once."""
        wallet = self._wallet_by_address.get(address)
        if wallet is None:
            raise UnknownObject(f"no wallet has the address {address!r}")
        deposit = self._new_deposit(wallet.method, amount, txid, wallet=wallet, at=at)
        return self._arrived(deposit, confirmed)

    def pay_invoice(
        self,
        slug: str,
        amount: Decimal | None = None,
        *,
        confirmed: bool = True,
        at: float | None = None,
    ) -> tuple[dict[str, Any], list[Notification]]:
        """A payer pays the invoice (its whole amount unless told otherwise)."""
        invoice = self.invoice(slug)
        gross = invoice.amount if amount is None else amount
        payment = self._new_deposit(invoice.method, gross, None, invoice=invoice, at=at)
        return self._arrived(payment, confirmed)

    def _arrived(
        self, deposit: Deposit, confirmed: bool
    ) -> tuple[dict[str, Any], list[Notification]]:
        if confirmed:
            self._settle(deposit, DepositStatus.CONFIRMED)
        return _deposit_json(deposit), self._notify(deposit)

    def deposit_by_txid(self, txid: str) -> Deposit:
        try:
            return self._deposit_by_txid[txid]
        except KeyError:
            raise UnknownObject(f"no deposit or invoice payment with txid {txid!r}") from None

    def settle_deposit(
        self, txid: str, status: DepositStatus
    ) -> tuple[dict[str, Any], list[Notification]]:
        """Confirm (credit the balance, convert if asked) or reject a pending deposit."""
        deposit = self.deposit_by_txid(txid)
        if deposit.status != DepositStatus.PENDING:
            raise Refused(
                f"deposit {txid!r} is already {deposit.status.name} ({int(deposit.status)})"
            )
        self._settle(deposit, status)
        return _deposit_json(deposit), self._notify(deposit)

    def _settle(self, deposit: Deposit, status: DepositStatus) -> None:
        deposit.status = status
        if status != DepositStatus.CONFIRMED:
            return
        ticker = deposit.method.ticker
        self._credit(ticker, deposit.amount)
        owner = deposit.owner
        if owner.convert_ticker is None or owner.convert_percent is None:
            return
        spent = deposit.amount
        if owner.convert_limit is not None:
            spent = min(spent, owner.convert_limit)
        order = _order(ticker, owner.convert_ticker, spent, owner.convert_percent, buy=False)
        deposit.convert = order
        base = order.symbol.split("_")[0]
        received = order.amount if base == owner.convert_ticker else order.amount * order.price
        self._credit(ticker, -spent)
        self._credit(owner.convert_ticker, _places(received))

    def _notify(self, deposit: Deposit) -> list[Notification]:
        url = deposit.callback_url
        return [Notification(url, _deposit_json(deposit))] if url else []


def _deposit_json(deposit: Deposit) -> dict[str, Any]:
    return deposit_json(deposit) if deposit.wallet else invoice_payment_json(deposit)


def _check_limits(field: str, value: Decimal, low: Decimal, high: Decimal) -> None:
    if value < low:
        raise _field(field, f"Ensure this value is greater than or equal to {money(low)}.")
    if value > high:
        raise _field(field, f"Ensure this value is less than or equal to {money(high)}.")


def _order(ticker: str, other: str, amount: Decimal, percent: Decimal, *, buy: bool) -> Order:
    """An order that turns `amount` of `ticker` into `other` (or buys `amount` with it).

    On `BASE_QUOTE`, selling the base is priced `percent` below the market and
    buying it `percent` above, as the reference describes `convert_percent`.
    `amount` is always in `ticker`; the order's own amount is in the base.
    """
    symbol = _given(_pair(ticker, other))
    base = symbol.split("_")[0]
    market = MARKET[symbol]
    # Converting a deposit spends `ticker`; an auto-buy acquires it.
    buying_base = (base == other) != buy
    factor = 1 + percent / 100 if buying_base else 1 - percent / 100
    price = _places(market * factor)
    if base == ticker:
        size = amount
    else:
        # A conversion spends at most what arrived; an auto-buy gets at least what is sent.
        rounding = ROUND_UP if buy else ROUND_DOWN
        size = (amount / price).quantize(QUANTUM, rounding=rounding) if price else Decimal(0)
    return Order(symbol=symbol, amount=size, price=price, side="BUY" if buying_base else "SELL")


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


_BASE58_CHARS = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32_CHARS = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _new_address(network: str) -> str:
    if network == "bitcoin":
        return "bc1q" + _random(_BECH32_CHARS, 38)
    if network == "ethereum":
        return "0x" + secrets.token_hex(20)
    if network == "tron":
        return "T" + _random(_BASE58_CHARS, 33)
    return secrets.token_hex(16)


def _new_txid(method: Method) -> str:
    if method.is_fiat:
        return str(secrets.randbelow(900_000_000) + 100_000_000)
    if method.network == "ethereum":
        return "0x" + secrets.token_hex(32)
    return secrets.token_hex(32)
