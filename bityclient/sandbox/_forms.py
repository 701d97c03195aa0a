"""Request bodies read as Bity's servers read them: the OAuth form, the bearer token, JSON bodies.

Each reader returns what a valid request asks for, or raises `ApiError` with
the status and the `{"error", "error_description"}` Bity sends; the state then
acts on it.

* The token form (`read_token_form`) must be form-encoded UTF-8 with no
  parameter given twice, as oauthlib requires.
* The `Authorization` header (`bearer_token`) must be `Bearer <token>`;
  anything else is a 401 with a `WWW-Authenticate` challenge.
* An order (`read_order`): the order summary decides which currency and
  payment method go with a category. `currency` is the fiat side of BUY and
  SELL (required), and the other side of BUY_ETH, BUY_REP and SELL_ETH, where
  it may be omitted, empty or `BTC` for bitcoin. The payment method defaults to
  BTCGATEWAY (bitcoin in), ETHGATEWAY (ether in) or BANKXFER (fiat in: the
  table marks no default; the reference's sample orders are paid by BANKXFER).
  STRAIGHT is accepted for bitcoin in, since the reference's own example uses
  it, though it is marked deprecated; SKRILLPSP, deprecated and absent from the
  table, is refused.
* `amount_mode` 0 means the output amount for SELL and for SELL_ETH paid out in
  fiat (as the "Amount mode" table says), the input amount otherwise. An output
  amount (2) is refused for fiat-paid orders (the table allows "input" only
  there); the placeholder mode (3) only for BUY_ETH paid in bitcoin, as the
  reference says (every sandbox account counts as trusted).

The sandbox's own settings and controls are read by `positive_int`,
`decimal_argument` and `positive_decimal_argument` (ValueError when wrong).
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import attrs

from ._catalogue import BANK_METHODS, CATEGORIES, DEPRECATED_METHODS, FIAT
from ._errors import ApiError, field_error, unauthorized

__all__ = [
    "FORM_MEDIA_TYPE",
    "NO_SPACE",
    "PHONE",
    "OrderRequest",
    "bearer_token",
    "decimal_argument",
    "positive_decimal_argument",
    "positive_int",
    "read_order",
    "read_phone_verification",
    "read_token_form",
]

#: The only body `/o/token/` takes.
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
#: A phone number in international format: `+` and 7 to 15 digits.
PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
#: Text without spaces (a username, an SMS code, an address), 1 to 200 characters.
NO_SPACE = re.compile(r"\S{1,200}")

_MAX_AMOUNT_DIGITS = 20


def read_token_form(content_type: str, raw: bytes) -> dict[str, str]:
    """The parameters of a `POST /o/token/` body (`content_type` as its header says)."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        raise ApiError(
            400,
            "invalid_request",
            f"The token request must be form-encoded ({FORM_MEDIA_TYPE}), "
            f"not {media_type or 'without a Content-Type'}.",
        )
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_request", "The form is not UTF-8.") from None
    names = [name for name, _ in pairs]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ApiError(400, "invalid_request", f"Duplicate {', '.join(duplicated)} parameter.")
    return dict(pairs)


def bearer_token(authorization: str | None) -> str:
    """The access token of an `Authorization: Bearer` header, or a 401."""
    if not authorization:
        raise unauthorized("invalid_request", "Authentication credentials were not provided.", None)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized(
            "invalid_request",
            "The Authorization header must be 'Bearer <access token>'.",
            None,
        )
    return token


def read_phone_verification(body: Any) -> tuple[str, str]:
    """The phone and the code of a `POST /user_signup/verifyphone/` body."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "The body must be a JSON object.")
    phone, code = body.get("phone"), body.get("code")
    if not isinstance(phone, str) or not phone:
        raise field_error("phone", "this field is required (a string such as '+41...').")
    if not PHONE.fullmatch(phone):
        raise field_error("phone", "must be in international format: '+' and the country code.")
    if not isinstance(code, str) or not code:
        raise field_error("code", "this field is required (the code received by SMS).")
    return phone, code


@attrs.frozen
class OrderRequest:
    """A valid `POST /order/` body: what to exchange, and which side `amount` gives."""

    category: str
    currency_text: str
    source: str
    target: str
    method: str
    given: str  # "input" or "output"
    amount: Decimal
    crypto_address: str


def read_order(body: Any, person_uri: str) -> OrderRequest:
    """A `POST /order/` body by the person at `person_uri`, checked field by field."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "The body must be a JSON object.")
    category = body.get("category")
    if category is None or category == "":
        raise field_error("category", f"this field is required (one of {_listed(CATEGORIES)}).")
    if category not in CATEGORIES:
        raise field_error("category", f"{category!r} is not one of {_listed(CATEGORIES)}.")
    currency_text = body.get("currency")
    if currency_text is None:
        currency_text = ""
    if not isinstance(currency_text, str):
        raise field_error("currency", "must be a currency code as a string.")
    source, target = _route(category, currency_text)
    method = _payment_method(body.get("payment_method"), source)
    mode = body.get("amount_mode")
    given = _amount_side(0 if mode is None else mode, category, source, target)
    amount = _order_amount(body.get("amount"))
    crypto_address = body.get("crypto_address")
    if crypto_address is None:
        crypto_address = ""
    if not isinstance(crypto_address, str) or (
        crypto_address and not NO_SPACE.fullmatch(crypto_address)
    ):
        raise field_error("crypto_address", "must be an address without spaces.")
    if target not in FIAT and not crypto_address:
        raise field_error("crypto_address", f"this field is required: the order pays out {target}.")
    person = body.get("person")
    if person not in (None, "") and person != person_uri:
        raise field_error("person", f"{person!r} is not a person of this account.")
    return OrderRequest(
        category=category,
        currency_text=currency_text,
        source=source,
        target=target,
        method=method,
        given=given,
        amount=amount,
        crypto_address=crypto_address,
    )


def _route(category: str, currency: str) -> tuple[str, str]:
    """The input and output currencies of an order (the order summary's pair)."""
    if category in ("BUY", "SELL"):
        if currency not in FIAT:
            raise field_error("currency", f"a {category} order takes CHF or EUR, got {currency!r}.")
        return (currency, "BTC") if category == "BUY" else ("BTC", currency)
    other = "BTC" if currency in ("", "BTC") else currency
    if category == "SELL_ETH":
        allowed = ("BTC", "CHF", "EUR", "REP")
        if other not in allowed:
            raise field_error(
                "currency",
                f"a SELL_ETH order pays out BTC (or ''), CHF, EUR or REP, got {currency!r}.",
            )
        return "ETH", other
    if other not in ("BTC", "CHF", "EUR"):
        raise field_error(
            "currency", f"a {category} order is paid in BTC (or ''), CHF or EUR, got {currency!r}."
        )
    return other, "ETH" if category == "BUY_ETH" else "REP"


def _payment_method(value: Any, source: str) -> str:
    allowed: tuple[str, ...]
    if source == "BTC":
        allowed, default = ("BTCGATEWAY", "STRAIGHT"), "BTCGATEWAY"
    elif source == "ETH":
        allowed, default = ("ETHGATEWAY",), "ETHGATEWAY"
    else:
        allowed, default = BANK_METHODS, "BANKXFER"
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise field_error("payment_method", "must be a payment method code as a string.")
    if value in DEPRECATED_METHODS:
        raise field_error("payment_method", f"{value} is deprecated and no longer accepted.")
    if value not in allowed:
        raise field_error(
            "payment_method",
            f"an order paid in {source} takes {' or '.join(allowed)}, got {value!r}.",
        )
    return value


def _amount_side(value: Any, category: str, source: str, target: str) -> str:
    """Which side `amount` gives: "input" or "output"."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
        raise field_error("amount_mode", f"must be 0, 1, 2 or 3, got {value!r}.")
    if value == 0:
        sells = category in ("SELL", "SELL_ETH") and target in FIAT
        return "output" if sells else "input"
    if value == 1:
        return "input"
    if value == 2:
        if source in FIAT:
            raise field_error(
                "amount_mode", "an order paid in fiat takes its input amount only (0 or 1)."
            )
        return "output"
    if category != "BUY_ETH" or source != "BTC":
        raise field_error(
            "amount_mode", "3 (input placeholder) is only for BUY_ETH orders paid in BTC."
        )
    return "input"


def _order_amount(value: Any) -> Decimal:
    if value is None or value == "":
        raise field_error("amount", "this field is required.")
    if not isinstance(value, str):
        raise field_error("amount", f'must be a string such as "0.5", got {type(value).__name__}.')
    try:
        amount = Decimal(value)
    except decimal.InvalidOperation:
        raise field_error("amount", f"{value!r} is not a decimal number.") from None
    if not amount.is_finite() or amount <= 0:
        raise field_error("amount", f"must be greater than zero, got {value!r}.")
    _, digits, exponent = amount.as_tuple()
    places = max(0, -int(exponent))
    if places > 8:
        raise field_error("amount", f"must have at most 8 decimal digits, got {value!r}.")
    if len(digits) - places > _MAX_AMOUNT_DIGITS - 8:
        raise field_error("amount", f"is too large, got {value!r}.")
    return amount


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """`value`, an int of at least `minimum` (not a bool); ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def decimal_argument(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValueError(f"{name} must be a Decimal, an int or numeric text, got {value!r}")
    try:
        result = Decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def positive_decimal_argument(name: str, value: Any) -> Decimal:
    result = decimal_argument(name, value)
    if result <= 0 or result.adjusted() > 15:
        raise ValueError(f"{name} must be greater than 0 and below 1E16, got {value!r}")
    return result
