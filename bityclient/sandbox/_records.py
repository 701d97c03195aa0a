"""The objects the sandbox keeps: users, activations, tokens, quotes, orders.

Plain attrs classes; the state (`_state.py`) makes and changes them and
`_render.py` writes them as the API does. Every amount and rate is a Decimal
kept to 8 places (`to_places`).
"""

from __future__ import annotations

import decimal
from datetime import datetime
from decimal import Decimal

import attrs

__all__ = [
    "PLACES",
    "AccessToken",
    "Activation",
    "Order",
    "Quote",
    "RateView",
    "RefreshToken",
    "Transaction",
    "User",
    "to_places",
]

#: Every amount and rate is kept to this quantum: 8 places.
PLACES = Decimal("1E-8")


def to_places(value: Decimal, rounding: str = decimal.ROUND_HALF_UP) -> Decimal:
    """`value` to 8 places, however many digits it has (no InvalidOperation)."""
    with decimal.localcontext() as context:
        context.prec = 60
        return value.quantize(PLACES, rounding)


@attrs.define
class User:
    """Someone who can log in; `person_id` names them in the API (`person_uri`)."""

    username: str
    password: str = attrs.field(repr=False)
    person_id: int

    @property
    def person_uri(self) -> str:
        return f"/api/v1/person/{self.person_id}/"


@attrs.define
class Activation:
    """A phone's activation: the code the "SMS" carried, and whether it was verified."""

    code: str = attrs.field(repr=False)
    activated: bool = False


@attrs.define
class AccessToken:
    """An access token's user and expiry (the token itself is the key it is kept by)."""

    username: str
    expires_at: datetime
    expired: bool = False  # by expire_tokens(), whatever the clock says later


@attrs.define
class RefreshToken:
    """A refresh token's user, and the access token issued with it (revoked with it)."""

    username: str
    access_token: str = attrs.field(repr=False)


@attrs.define
class Quote:
    """A quoted pair: `rate` is the price of one `source` in `target`."""

    source: str
    target: str
    rate: Decimal
    spread: Decimal
    enabled: bool
    updated: datetime

    @property
    def we_sell(self) -> Decimal:
        return to_places(self.rate * (1 + self.spread))

    @property
    def we_buy(self) -> Decimal:
        return to_places(self.rate * (1 - self.spread))


@attrs.frozen
class RateView:
    """One pair as the rate list shows it (quoted, or the reverse of a quoted one)."""

    pair: str
    source: str
    target: str
    rate: Decimal
    we_buy: Decimal
    we_sell: Decimal
    timestamp: datetime
    enabled: bool


@attrs.define
class Transaction:
    """An order's input (what the customer pays) or output (what Bity pays out)."""

    id: int
    amount: Decimal
    currency: str
    method: str  # payment method (input) or payout method (output)
    reference: str
    status: str = "OPEN"


@attrs.define
class Order:
    """An exchange order: what was asked, its two transactions, and its status."""

    id: int
    username: str
    person_uri: str
    category: str
    currency_text: str
    amount: Decimal
    crypto_address: str
    payment_method: str
    payment_url: str
    reference: str
    unique_id: str
    created: datetime
    input: Transaction
    output: Transaction
    status: str = "OPEN"

    @property
    def uri(self) -> str:
        return f"/api/v1/order/{self.id}/"
