"""How Bity's JSON becomes models: the package converters and response decoding.

A converter knows the zone the server writes its zone-less timestamps in
(tastypie writes them in its `TIME_ZONE`): `converter_for(zone)` gives the one
for a zone, built on first use and then shared by every client that names it
(a converter compiles its fast decoding functions once). `converter` is the
one for UTC, the default. Both tolerate keys the models do not know. The test
suite builds a strict one with `make_bity_converter(strict=True)` and decodes
every recorded sample with it, so drift from the reference is caught.

The keys Bity spells otherwise than the fields (`ORDER_KEYS`) and ListMeta's
`extra` are also registered here for `common.to_dict`, which writes them back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Generic, TypeVar

import attrs
import cattrs
import httpx
from cattrs.gen import make_dict_structure_fn, override

from common import (
    DecodeError,
    ValidationError,
    decode_error,
    decode_json,
    make_converter,
    parse_datetime,
    response_text,
    structure,
)
from common._converter import parse_common_datetime, wall_time_to_utc
from common._fastpath import FAST_DATETIME
from common._to_dict import register_api_keys

from . import _validation as check
from ._models import Currency, ListMeta, Order, Token

__all__ = [
    "ORDER_KEYS",
    "ActivationBody",
    "GrantBody",
    "ListBody",
    "bity_datetime",
    "configure_converter",
    "converter",
    "converter_for",
    "decode",
    "decode_grant",
    "make_bity_converter",
    "redact_secrets",
]

T = TypeVar("T")

#: Order's fields whose key the API spells otherwise (field name -> key). Decoding reads
#: the keys through this, and `to_dict` writes them: the one record of these renames.
ORDER_KEYS = {
    "input_transactions": "inputtransactions",
    "output_transactions": "outputtransactions",
}
register_api_keys(Order, renames=ORDER_KEYS)
# `extra` holds the keys of `meta` that ListMeta does not declare (see structure_meta).
register_api_keys(ListMeta, extra="extra")

_META_KEYS = frozenset(field.name for field in attrs.fields(ListMeta) if field.name != "extra")


@attrs.frozen
class ListBody(Generic[T]):
    """A list response: `meta` and `objects`."""

    meta: ListMeta
    objects: list[T]


@attrs.frozen
class ActivationBody:
    """The answer of `user_signup/verifyphone/`."""

    activated: bool


@attrs.frozen
class GrantBody:
    """The answer of `/o/token/` before `expires_in` becomes an absolute time."""

    access_token: str = attrs.field(repr=False)
    token_type: str
    expires_in: int | None = None
    refresh_token: str | None = attrs.field(default=None, repr=False)
    scope: str | None = None


def bity_datetime(value: Any, *, zone: tzinfo = timezone.utc) -> datetime:
    """A timezone-aware UTC datetime from one of Bity's ISO timestamps.

    Text without a zone is a wall-clock time in `zone`, the server's time zone;
    text with one is that instant. Either way the result is in UTC.
    """
    parsed = parse_datetime(value)
    if parsed.tzinfo is None:
        return wall_time_to_utc(parsed.replace(tzinfo=timezone.utc), zone)
    return parsed.astimezone(timezone.utc)


def _datetime_hook(zone: tzinfo) -> Callable[[Any, Any], datetime]:
    """The converter's datetime hook for a server that writes zone-less times in `zone`."""

    def structure_datetime(value: Any, _: Any) -> datetime:
        if value.__class__ is str:
            parsed = parse_common_datetime(value, naive_zone=zone)  # the usual shapes, quickly
            if parsed is not None:
                return parsed
        return bity_datetime(value, zone=zone)

    setattr(structure_datetime, FAST_DATETIME, zone)  # the fast path reads those shapes inline
    return structure_datetime


def _text(value: Any, cls: Any) -> Any:
    # Refuses what is not a string (the default hook would turn a number into text);
    # a str subclass (an OpenStrEnum) is built from the checked value.
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value if cls is str else cls(value)


def _blank_currency(value: Any, _: Any) -> Currency | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a currency code, got {type(value).__name__}")
    return Currency(value)


def configure_converter(
    conv: cattrs.Converter, *, server_timezone: tzinfo = timezone.utc
) -> cattrs.Converter:
    """Teach a `common.make_converter()` converter Bity's conventions; returns it.

    Zone-less timestamps are read in `server_timezone`, and every datetime is UTC.
    """
    conv.register_structure_hook(str, _text)
    conv.register_structure_hook(datetime, _datetime_hook(server_timezone))
    order_overrides: dict[str, Any] = {
        **{name: override(rename=key) for name, key in ORDER_KEYS.items()},
        "currency": override(struct_hook=_blank_currency),  # "" (no fiat currency): None
    }
    conv.register_structure_hook(Order, make_dict_structure_fn(Order, conv, **order_overrides))
    known_meta = make_dict_structure_fn(ListMeta, conv, extra=override(omit=True))

    def structure_meta(value: Any, cls: Any) -> ListMeta:
        if not isinstance(value, Mapping):
            raise ValueError(f"expected an object, got {type(value).__name__}")
        meta = known_meta({k: v for k, v in value.items() if k in _META_KEYS}, cls)
        extra = {str(k): v for k, v in value.items() if k not in _META_KEYS}
        return attrs.evolve(meta, extra=extra)

    conv.register_structure_hook(ListMeta, structure_meta)
    return conv


def make_bity_converter(
    *, strict: bool = False, server_timezone: tzinfo = timezone.utc
) -> cattrs.Converter:
    """A new converter for the Bity models; `strict=True` refuses unknown keys."""
    return configure_converter(make_converter(strict=strict), server_timezone=server_timezone)


@functools.lru_cache(maxsize=16)
def _shared_converter(server_timezone: tzinfo) -> cattrs.Converter:
    return make_bity_converter(server_timezone=server_timezone)


def converter_for(server_timezone: tzinfo) -> cattrs.Converter:
    """The package converter for a server that writes zone-less times in `server_timezone`.

    Zones that compare equal share one converter (ZoneInfo caches its zones, so
    every `ZoneInfo("Europe/Zurich")` is one). A zone that cannot be hashed
    (dateutil's) gets a converter of its own, built each time.
    """
    if not isinstance(server_timezone, Hashable):
        return make_bity_converter(server_timezone=server_timezone)
    return _shared_converter(server_timezone)


#: The package converter for UTC (the default): tolerant of keys the reference does not list.
converter = converter_for(timezone.utc)


def decode(conv: cattrs.Converter, response: httpx.Response, cls: type[T]) -> T:
    """The body of a successful response as `cls`, or DecodeError with the raw text."""
    return structure(conv, decode_json(response), cls, response)


_SECRET_VALUE = re.compile(
    r"""("(?:access_token|refresh_token|password)"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\s]*)""",
)


def redact_secrets(text: str) -> str:
    """`text` with the values of `access_token`, `refresh_token` and `password` masked."""
    return _SECRET_VALUE.sub(r'\1"***"', text)


def decode_grant(
    response: httpx.Response,
    *,
    issued_at: datetime,
    outcome_unknown: bool = False,
    hint: str | None = None,
) -> Token:
    """The Token in a successful `/o/token/` answer.

    A body that does not decode raises DecodeError whose message and `text` have
    the token values masked: the raw body of a token answer is a credential. So
    does an `expires_in` too large (or too negative) to give a date, instead of a
    bare OverflowError, and an access or refresh token outside RFC 6750's
    bearer-token grammar (a line break in it would otherwise reach a header):
    the message names the token and the rule, never its value.

    `outcome_unknown` and `hint` go on that error: the caller passes
    `outcome_unknown=True` because the server answered 2xx, so it has probably
    issued the token (and, for a refresh, rotated the refresh token).
    """
    try:
        grant = converter.structure(decode_json(response), GrantBody)
        check.bearer_token(grant.access_token, field="access_token")
        if grant.refresh_token is not None:
            check.bearer_token(grant.refresh_token, field="refresh_token")
        expires_at = None
        if grant.expires_in is not None:
            expires_at = issued_at + timedelta(seconds=grant.expires_in)
    except Exception as exc:  # noqa: BLE001 (any failure means "not a token": DecodeError)
        if isinstance(exc, cattrs.BaseValidationError):
            reason = "; ".join(cattrs.transform_error(exc, path="token"))
        elif isinstance(exc, ValidationError):
            reason = f"{exc.field} {exc.rule}"
        elif isinstance(exc, DecodeError):
            reason = "not JSON"
        elif isinstance(exc, OverflowError):
            reason = "expires_in is out of range"
        else:
            reason = type(exc).__name__
        raise decode_error(
            response,
            f"the answer does not decode as a token ({redact_secrets(reason)}); "
            "token values are masked in `text`",
            text=redact_secrets(response_text(response)),
            outcome_unknown=outcome_unknown,
            hint=hint,
        ) from None
    return Token(
        access_token=grant.access_token,
        token_type=grant.token_type,
        refresh_token=grant.refresh_token,
        scope=grant.scope,
        expires_at=expires_at,
    )
