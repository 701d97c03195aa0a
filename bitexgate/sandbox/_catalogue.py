"""What the sandbox offers: its payment methods, its market, its addresses and txids.

The data the rules read and never change: the `CATALOGUE` of payment methods
(their limits and fees), the fixed `MARKET` prices that conversions and
auto-buys trade at, and the forms of the addresses and transaction ids each
network makes.
"""

from __future__ import annotations

import re
import secrets
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from ._errors import given
from ._records import QUANTUM, Method, Order, places

__all__ = [
    "CATALOGUE",
    "MARKET",
    "TICKERS",
    "market_order",
    "new_address",
    "new_txid",
    "pair",
]

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

#: Every currency a balance is kept in: the methods' tickers and fee currencies.
TICKERS = frozenset({m.ticker for m in CATALOGUE} | {m.withdraw_fee_currency for m in CATALOGUE})


def pair(ticker: str, other: str) -> str | None:
    """The market symbol trading `ticker` against `other` (either way round), or None."""
    for symbol in (f"{other}_{ticker}", f"{ticker}_{other}"):
        if symbol in MARKET:
            return symbol
    return None


def market_order(ticker: str, other: str, amount: Decimal, percent: Decimal, *, buy: bool) -> Order:
    """An order that turns `amount` of `ticker` into `other` (or buys `amount` with it).

    On `BASE_QUOTE`, selling the base is priced `percent` below the market and
    buying it `percent` above, as the reference describes `convert_percent`.
    `amount` is always in `ticker`; the order's own amount is in the base.
    """
    symbol = given(pair(ticker, other))
    base = symbol.split("_")[0]
    market = MARKET[symbol]
    # Converting a deposit spends `ticker`; an auto-buy acquires it.
    buying_base = (base == other) != buy
    factor = 1 + percent / 100 if buying_base else 1 - percent / 100
    price = places(market * factor)
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


def new_address(network: str) -> str:
    """A fresh random address of the form `network` uses."""
    if network == "bitcoin":
        return "bc1q" + _random(_BECH32_CHARS, 38)
    if network == "ethereum":
        return "0x" + secrets.token_hex(20)
    if network == "tron":
        return "T" + _random(_BASE58_CHARS, 33)
    return secrets.token_hex(16)


def new_txid(method: Method) -> str:
    """A fresh random transaction id of the form `method` uses (a number, for fiat)."""
    if method.is_fiat:
        return str(secrets.randbelow(900_000_000) + 100_000_000)
    if method.network == "ethereum":
        return "0x" + secrets.token_hex(32)
    return secrets.token_hex(32)
