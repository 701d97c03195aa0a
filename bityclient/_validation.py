"""Checks on what a caller passes, run before anything is sent to Bity.

Each raises `common.ValidationError(field, rule)`.

Two choices where the reference leaves room:

* Currency pairs are checked for shape only (two currency codes written
  together, upper case: `ETHBTC`), not against the five currencies the
  reference lists. The reference's own rate list shows a pair outside that list
  (`"disabled": "USDUSD"`), so the list is known to be incomplete, and refusing
  a pair the server serves would only get in the way. The server answers an
  unknown pair with 404 (NotFoundError).
* Orders are not checked against the order summary table (which category goes
  with which currency and payment method). The reference contradicts itself
  there: its order example pays a BUY_ETH with STRAIGHT, which the table does
  not list; BANKXFER appears in the table but not among the payment methods; and
  REP is "Sell" only in the currency table but has BUY_REP rows. A check built
  on it would refuse the reference's own example, so the server decides (a
  refusal is BadRequestError). What is checked is what the reference states
  plainly: the amount (positive, at most eight decimal digits, not a float) and
  the types and shapes of the other fields.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from common import OpenIntEnum, OpenStrEnum, ValidationError
from common._validation import MAX_CODE, required_text, whole_number
from common._validation import amount as _amount

from ._models import Token

__all__ = [
    "AMOUNT_MAX_PLACES",
    "BEARER_RULE",
    "amount_text",
    "bearer_token",
    "bearer_tokens",
    "code",
    "int_code",
    "no_spaces",
    "order_by",
    "pair",
    "phone",
    "time_zone",
    "token_text",
]

#: "Maximum eight decimal digits" (the order's `amount`).
AMOUNT_MAX_PLACES = 8

_PAIR = re.compile(r"[A-Z0-9]{6,10}")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_NO_SPACE = re.compile(r"\S+")
_ORDER_BY = re.compile(r"[+-]?[A-Za-z_][A-Za-z0-9_]*")
#: RFC 6750's `b64token`: what an `Authorization: Bearer` header may carry.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
#: The rule a token breaks, as errors state it (never with the token's value).
BEARER_RULE = (
    "must follow RFC 6750's bearer-token grammar: letters, digits and -._~+/, "
    "then any '=' padding (the value is not shown)"
)

S = TypeVar("S", bound=OpenStrEnum)
N = TypeVar("N", bound=OpenIntEnum)


def pair(value: Any, *, field: str = "pair") -> str:
    """A currency pair such as `ETHBTC`: two codes of 3 to 5 upper-case letters or digits."""
    if not isinstance(value, str):
        raise ValidationError(
            field, f"must be a string such as 'ETHBTC', got {type(value).__name__}"
        )
    if not _PAIR.fullmatch(value):
        hint = f" (did you mean {value.upper()!r}?)" if _PAIR.fullmatch(value.upper()) else ""
        raise ValidationError(
            field,
            "must be two currency codes written together in upper case, such as 'ETHBTC', "
            f"got {value!r}{hint}",
        )
    return value


def phone(value: Any, *, field: str = "phone") -> str:
    """A phone number in international format: `+`, then 7 to 15 digits, no spaces."""
    text = required_text(field, value)
    if not text.startswith("+"):
        raise ValidationError(field, f"must start with '+' and the country code, got {text!r}")
    if not _PHONE.fullmatch(text):
        raise ValidationError(
            field, f"must be '+' followed by 7 to 15 digits, without spaces, got {text!r}"
        )
    return text


def no_spaces(value: Any, *, field: str) -> str:
    """A non-empty string without whitespace (a username, an address, a resource URI)."""
    text = required_text(field, value)
    if not _NO_SPACE.fullmatch(text):
        raise ValidationError(field, f"must not contain spaces, got {text!r}")
    return text


def token_text(value: Any, *, field: str) -> str:
    """A non-empty string whose value is never echoed (a password, an SMS code)."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    if not value:
        raise ValidationError(field, "is required and must not be empty")
    return value


def bearer_token(value: Any, *, field: str) -> str:
    """An OAuth bearer token (RFC 6750 `b64token`); the error never shows the value.

    A token is a credential, and one with a line break or a space in it would
    be refused by the HTTP library later, in a message that quotes it whole.
    """
    if not isinstance(value, str) or not _BEARER_TOKEN.fullmatch(value):
        raise ValidationError(field, BEARER_RULE)
    return value


def bearer_tokens(token: Token, *, field: str = "token") -> Token:
    """`token`, once its access token and refresh token (if any) pass `bearer_token`."""
    bearer_token(token.access_token, field=f"{field}.access_token")
    if token.refresh_token is not None:
        bearer_token(token.refresh_token, field=f"{field}.refresh_token")
    return token


def code(value: Any, enum: type[S], *, field: str) -> S:
    """A code of `enum` (its member or its text); codes the enum does not list pass through."""
    if isinstance(value, enum):
        return value
    text = required_text(field, value)
    if not _NO_SPACE.fullmatch(text):
        raise ValidationError(field, f"must be a code without spaces, got {text!r}")
    return enum(text)


def int_code(value: Any, enum: type[N], *, field: str) -> N:
    """A numeric code of `enum` (its member or an int from 0 to MAX_CODE)."""
    if isinstance(value, enum):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            field, f"must be an int or {enum.__name__}, got {type(value).__name__}"
        )
    return enum(whole_number(field, value, minimum=0, maximum=MAX_CODE))


def amount_text(value: Any, *, field: str = "amount") -> str:
    """The amount as Bity wants it: a string, positive, at most eight decimal digits.

    Accepts a Decimal, an int or numeric text; a float is refused (it cannot hold
    an amount exactly). The text is exact and has no exponent: `Decimal("5E-8")`
    gives `"0.00000005"`, `Decimal("1E+2")` gives `"100"`. Up to eight places
    are sent as given (`"0.50000000"`); an amount written with more places (the
    extra ones can only be zeros) has its trailing fractional zeros dropped
    (`"0.500000000"` gives `"0.5"`). Nothing is ever rounded, however many digits
    the amount has: the zeros are stripped from the digits themselves, not with
    `normalize()`, which rounds to the decimal context's precision (28 digits).
    """
    result: Decimal = _amount(field, value, max_places=AMOUNT_MAX_PLACES)
    sign, digits, exponent = result.as_tuple()
    if isinstance(exponent, int) and -exponent > AMOUNT_MAX_PLACES:
        kept = list(digits)
        while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
            kept.pop()
            exponent += 1
        result = Decimal((sign, tuple(kept), exponent))
    return format(result, "f")  # "f" without a precision writes every digit, unrounded


def order_by(value: Any, *, field: str = "order_by") -> str:
    """An ordering as tastypie takes it: `-field` descending, the bare `field` ascending.

    The reference writes ascending as `+field`; that is accepted and sent as the
    bare name, because tastypie refuses a `+` ("No matching '+field' field").
    """
    text = required_text(field, value)
    if not _ORDER_BY.fullmatch(text):
        raise ValidationError(
            field, f"must be a field name with an optional '+' or '-' before it, got {text!r}"
        )
    return text.removeprefix("+")


#: A time that every real zone can place (any one would do).
_SAMPLE_TIME = datetime(2018, 6, 20, 12, 0)


def time_zone(value: Any, *, field: str) -> tzinfo:
    """A `datetime.tzinfo` that gives a UTC offset for a wall-clock time.

    A pytz zone is refused: it gives its first historical offset (Zurich's
    +00:34 local mean time) unless times are made with its `localize`.
    """
    example = "zoneinfo.ZoneInfo('Europe/Zurich') or datetime.timezone.utc"
    if not isinstance(value, tzinfo):
        raise ValidationError(
            field, f"must be a datetime.tzinfo such as {example}, got {type(value).__name__}"
        )
    if callable(getattr(value, "localize", None)):
        raise ValidationError(
            field, f"must not be a pytz zone (it needs localize()): use {example}"
        )
    try:
        offset = _SAMPLE_TIME.replace(tzinfo=value).utcoffset()
    except Exception:  # noqa: BLE001 (a zone that cannot place a time, whatever it raises)
        offset = None
    if offset is None:
        raise ValidationError(field, f"must give a UTC offset for a time, as {example} does")
    return value
