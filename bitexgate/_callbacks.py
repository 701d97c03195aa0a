"""Callback bodies turned into models: one parser per kind, each refusing the other kinds.

The Gateway posts to a `callback_url` the record as its history endpoint shows
it: a wallet deposit as in `wallet/history`, an invoice payment as in
`invoice/history`, a withdrawal as in `withdraw/history`. The reference
documents no signature, so a parsed callback is only a hint: confirm it against
the API (`wallets.confirm`, `invoices.confirm`, `withdrawals.confirm`) before
acting on it.

The kinds are told apart by the keys only one of them has: a withdrawal has
`id` and `fee_payer`; a wallet deposit has `address` and `wallet_slug`; an
invoice payment has none of these. Anything else (not JSON, not an object, a
missing or malformed field, another kind) is a `DecodeError` with the raw text
in `.text` (for a mapping, its JSON text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from common import DecodeError, encode_json
from common._responses import decode_json_text, json_text, structure_text

from ._models import Deposit, InvoiceDeposit, Withdrawal, converter

__all__ = [
    "INVOICE_PAYMENT",
    "WALLET_DEPOSIT",
    "WALLET_KEYS",
    "WITHDRAWAL",
    "WITHDRAWAL_KEYS",
    "kind_of",
    "parse_deposit_callback",
    "parse_invoice_callback",
    "parse_withdrawal_callback",
]

T = TypeVar("T")

#: What each kind is called in messages.
WALLET_DEPOSIT = "wallet deposit"
INVOICE_PAYMENT = "invoice payment"
WITHDRAWAL = "withdrawal"

#: Keys only a withdrawal has, and keys only a wallet deposit has (besides a withdrawal's
#: `address`). An invoice payment has neither.
WITHDRAWAL_KEYS = ("id", "fee_payer")
WALLET_KEYS = ("address", "wallet_slug")

#: The body a callback may be given as: the raw request body, its text, or its decoded JSON.
Body = bytes | str | Mapping[str, Any]


def parse_deposit_callback(body: Body) -> Deposit:
    """A wallet deposit's callback body (as `wallet/history` shows a deposit) as a `Deposit`.

    Raises `DecodeError` for anything else, an invoice payment or a withdrawal included.
    """
    return _parse(body, Deposit, WALLET_DEPOSIT, required=WALLET_KEYS)


def parse_invoice_callback(body: Body) -> InvoiceDeposit:
    """An invoice payment's callback body (as `invoice/history` shows it) as an `InvoiceDeposit`.

    Raises `DecodeError` for anything else, a wallet deposit or a withdrawal included.
    """
    return _parse(body, InvoiceDeposit, INVOICE_PAYMENT, required=())


def parse_withdrawal_callback(body: Body) -> Withdrawal:
    """A withdrawal's callback body (as `withdraw/history` shows it) as a `Withdrawal`.

    Raises `DecodeError` for anything else, a deposit or an invoice payment included.
    """
    return _parse(body, Withdrawal, WITHDRAWAL, required=())


def kind_of(data: Mapping[Any, Any]) -> str:
    """Which kind of record `data` is, by the keys it carries (with a value other than null)."""
    if any(data.get(key) is not None for key in WITHDRAWAL_KEYS):
        return WITHDRAWAL
    if any(data.get(key) is not None for key in WALLET_KEYS):
        return WALLET_DEPOSIT
    return INVOICE_PAYMENT


def _parse(body: Any, cls: type[T], kind: str, *, required: tuple[str, ...]) -> T:
    """`body` as `cls`, when it is that `kind`; `required` are text fields the model may lack."""
    what = f"{kind} callback"
    data, text = _decoded(body, what)
    if not isinstance(data, Mapping):
        raise DecodeError(f"{what}: not a JSON object but {_json_type(data)}", text=text)
    found = kind_of(data)
    if found != kind:
        raise DecodeError(f"{what}: the body is {_article(found)} ({_why(found)})", text=text)
    for key in required:
        if not isinstance(data.get(key), str):
            problem = "missing" if data.get(key) is None else "not a string"
            raise DecodeError(f"{what}: the field {key!r} is {problem}", text=text)
    return structure_text(converter, dict(data), cls, text=text, what=what)


def _decoded(body: Any, what: str) -> tuple[Any, str]:
    """The decoded JSON of `body`, and its raw text for errors."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body)
        text = json_text(raw)
        if text is None:
            replaced = raw.decode("utf-8", errors="replace")
            raise DecodeError(f"{what}: the body is not UTF-8, UTF-16 or UTF-32", text=replaced)
        return decode_json_text(text, what=what), text
    if isinstance(body, str):
        return decode_json_text(body, what=what), body
    return body, _json_of(body)  # already decoded: a mapping, or what a framework made of JSON


def _json_of(value: Any) -> str:
    """The JSON text of an already decoded body, for an error's `text`; never raises."""
    try:
        return encode_json(value).decode("ascii")  # Decimals written exactly
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        return json.dumps(value, default=repr)  # floats, and anything else by its repr
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _json_type(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    return f"a {type(value).__name__}"


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _why(kind: str) -> str:
    if kind == WITHDRAWAL:
        return "it has a withdrawal's 'id' or 'fee_payer'"
    if kind == WALLET_DEPOSIT:
        return "it has a wallet deposit's 'address' or 'wallet_slug'"
    return "it has neither a wallet deposit's 'address' and 'wallet_slug' nor a withdrawal's 'id'"
