"""How amounts go out to the Gateway, and the check that they came back unchanged.

The Gateway runs on Django REST framework, whose JSON parser reads a number with
a fraction as a binary float; a DecimalField then takes that float's `str()`.
So `999999999.99999999` sent as a JSON number is stored as `1000000000.00000000`,
and answered with 201. A JSON string is read exactly. The reference shows
amounts as numbers (`"amount": 120`), so an amount goes out as a number where
that float round trip gives it back exactly (every amount of up to 15
significant digits, and any whole number, which JSON parsers read as an
integer) and as its exact decimal text otherwise. Either way the server stores
the amount that was asked for.

After a create, the amounts the server echoes are compared with those sent: a
difference raises `AmountMismatchError` with both values and the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from common import AmountMismatchError

from ._enums import FeePayer

__all__ = ["ECHOED_AMOUNTS", "amount_mismatch", "wire_amount", "wire_body"]

#: The amounts of a create's body that its answer echoes.
ECHOED_AMOUNTS = ("amount", "convert_limit", "convert_percent")


def wire_amount(value: Decimal) -> Decimal | str:
    """`value` as a JSON number when a float-reading server keeps it exactly, else as text."""
    text = format(value, "f")
    if "." not in text:
        return value  # a whole number: read as an int, exactly
    if Decimal(repr(float(text))) == value:
        return value
    return text


def wire_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with each Decimal in the form `wire_amount` gives it."""
    return {
        key: wire_amount(value) if isinstance(value, Decimal) else value
        for key, value in body.items()
    }


def amount_mismatch(
    sent: Mapping[str, Any], record: Any, *, method: str, url: str
) -> AmountMismatchError | None:
    """The error for the first echoed amount of `record` that differs from the one `sent`.

    A withdrawal whose fee is taken from its amount (`fee_payer=2`) is not
    compared on `amount`: the reference does not say whether its answer shows the
    amount asked for or the amount net of the fee.
    """
    net_of_fee = sent.get("fee_payer") == FeePayer.AMOUNT
    for field in ECHOED_AMOUNTS:
        if field == "amount" and net_of_fee:
            continue
        asked, echoed = sent.get(field), getattr(record, field, None)
        if isinstance(asked, Decimal) and isinstance(echoed, Decimal) and asked != echoed:
            kind = type(record).__name__.lower()
            return AmountMismatchError(
                f"{method} {url}: the server created the {kind}, but with {field} "
                f"{format(echoed, 'f')} where {format(asked, 'f')} was sent. It has taken "
                "effect: do not send it again; its record is attached as `record`.",
                field=field,
                sent=asked,
                received=echoed,
                record=record,
                method=method,
                url=url,
            )
    return None
