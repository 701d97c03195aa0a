"""What the sandbox offers: the reference's demo account, currencies, categories and rates.

The data the rules read and never change, mostly the reference's own: its
sample client id, phone, password and SMS code; the currency table; the order
categories; the pairs quoted at start and their spread; the payment methods
that pay by bank; and the forms of the tokens, references and payment
addresses the sandbox makes.

"Allowed operations" in the reference's currency table are read as Bity's: REP
is "Sell" only, and indeed no order category takes REP in, while BUY_REP and
SELL_ETH to REP pay it out.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

__all__ = [
    "BANK_METHODS",
    "BASE_RATES",
    "CATEGORIES",
    "CURRENCIES",
    "DEFAULT_SPREAD",
    "DEMO_CLIENT_ID",
    "DEMO_PASSWORD",
    "DEMO_PHONE_CODE",
    "DEMO_USERNAME",
    "DEPRECATED_METHODS",
    "FIAT",
    "ORDER_STAGES",
    "bank_reference",
    "new_reference",
    "new_token",
    "payment_url",
]

#: The client id of the reference's login example.
DEMO_CLIENT_ID = "QmaTkYI50XmCF18fupZgdAOptYqDzVix12RpqFYS"
#: The phone of the reference's activation and login examples, used as the username.
DEMO_USERNAME = "+41786399501"
#: The password of the reference's login example.
DEMO_PASSWORD = "abc123"  # noqa: S105 (the reference's sample password)
#: The SMS code of the reference's activation example: the demo user's phone awaits it.
DEMO_PHONE_CODE = "381499"

#: The reference's currency table: code -> FIAT or CRYPTO.
CURRENCIES = {"EUR": "FIAT", "CHF": "FIAT", "BTC": "CRYPTO", "ETH": "CRYPTO", "REP": "CRYPTO"}
#: The currencies paid and paid out by bank.
FIAT = frozenset(code for code, kind in CURRENCIES.items() if kind == "FIAT")

#: The order categories of the reference's order summary.
CATEGORIES = ("BUY", "SELL", "BUY_ETH", "SELL_ETH", "BUY_REP")

#: The pairs quoted at start (mid rate in the target currency); reverses are derived.
BASE_RATES: tuple[tuple[str, Decimal], ...] = (
    ("ETHEUR", Decimal("452.40000000")),
    ("ETHCHF", Decimal("521.56700000")),
    ("BTCEUR", Decimal("6762.33000000")),
    ("BTCCHF", Decimal("7796.22000000")),
    ("ETHBTC", Decimal("0.06690000")),
    ("REPEUR", Decimal("30.25000000")),
    ("REPCHF", Decimal("34.87000000")),
    ("REPBTC", Decimal("0.00447300")),
    ("REPETH", Decimal("0.06686000")),
)
#: The spread of a quote that names none: Bity sells 1% above the rate and buys 1% below.
DEFAULT_SPREAD = Decimal("0.01")

#: Where `advance_order` may take an order: input confirmed, executed, cancelled.
ORDER_STAGES = ("CONF", "EXEC", "CANC")

#: Payment methods that pay by bank (the input's reference says how to pay).
BANK_METHODS = ("BANKXFER", "SOFORTPSP")
#: Payment methods the reference marks deprecated and absent from its table: refused.
DEPRECATED_METHODS = ("SKRILLPSP",)

_TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # noqa: S105
_REFERENCE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_token() -> str:
    """An access or refresh token: 30 letters and digits, as oauthlib makes them."""
    return _random_text(_TOKEN_CHARS, 30)


def new_reference() -> str:
    """An order's reference, as Bity writes them (`BITY` and six letters or digits)."""
    return "BITY" + _random_text(_REFERENCE_CHARS, 6)


def bank_reference() -> str:
    """The reference a bank transfer carries (`bity.com XXXX-XXXX`)."""
    return f"bity.com {_random_text(_REFERENCE_CHARS, 4)}-{_random_text(_REFERENCE_CHARS, 4)}"


def payment_url(method: str, unique_id: str) -> str:
    """Where an order paid by `method` is paid to: an address, a page, or nothing (a bank)."""
    if method in ("BTCGATEWAY", "STRAIGHT"):
        return "bc1q" + _random_text(_BECH32, 38)
    if method == "ETHGATEWAY":
        return "0x" + secrets.token_hex(20)
    if method == "SOFORTPSP":
        return f"https://sofort.sandbox.invalid/pay/{unique_id}/"
    return ""  # a bank transfer: the input transaction's reference says how to pay
