"""Deterministic sample records, shaped like the APIs' documented samples.

The server and the decoding benchmark build their bodies from these, so every
run measures the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

_TICKERS = (("USDT", "tron"), ("ETH", "ethereum"), ("BTC", "bitcoin"), ("USDT", "ethereum"))


def wallet(i: int) -> dict[str, Any]:
    """Wallet number `i`, as `GET /api/gateway/wallets` lists it (half convert deposits)."""
    ticker, network = _TICKERS[i % len(_TICKERS)]
    converts = i % 2 == 0
    return {
        "address": f"TR4d6N2HoC3Annqt2JK6HhQWuN{i:08d}",
        "slug": f"{(i * 2654435761) % (1 << 144):036x}",
        "ticker": ticker,
        "network": network,
        "callback_url": None,
        "convert_ticker": "ETH" if converts else None,
        "convert_limit": f"{30 + i % 70}.00000000" if converts else None,
        "convert_percent": "0.10000000" if converts else None,
        "created_at": f"2021-05-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}."
        f"{(i * 7919) % 1_000_000:06d}Z",
    }


def payment_method(i: int) -> dict[str, Any]:
    """Payment method number `i`, as `GET /api/gateway/payment-methods` lists it."""
    ticker, network = _TICKERS[i % len(_TICKERS)]
    return {
        "ticker": ticker,
        "network": f"{network}{i}",
        "min_deposit": "0.00100000",
        "max_deposit": "10000000000.00000000",
        "deposit_fee_amount": "0.00000000",
        "deposit_fee_rate": "0.00000000",
        "min_withdraw": f"0.000{60 + i % 40}000",
        "max_withdraw": "100.00000000",
        "withdraw_fee_amount": "0.00040000",
        "withdraw_fee_rate": "0.01500000",
        "withdraw_fee_currency": ticker,
        "is_fiat": False,
        "is_deposit_enabled": True,
        "is_withdraw_enabled": i % 5 != 0,
    }


def rate(i: int) -> dict[str, Any]:
    """Rate number `i`, as Bity's `GET /api/v1/rate2/` lists it (zone-less timestamps)."""
    source, target = (("ETH", "EUR"), ("ETH", "CHF"), ("BTC", "EUR"), ("BTC", "CHF"))[i % 4]
    micro = (i * 7919) % 1_000_000
    return {
        "is_enabled": i % 7 != 0,
        "pair": source + target,
        "rate": f"{452 + i % 100}.40000000",
        "rate_we_buy": f"{449 + i % 100}.91370000",
        "rate_we_buy_timestamp": f"2018-06-20T10:28:05.{micro:06d}",
        "rate_we_sell": f"{456 + i % 100}.44620000",
        "rate_we_sell_timestamp": f"2018-06-20T10:28:04.{(micro + 1) % 1_000_000:06d}",
        "resource_uri": f"/api/v1/rate2/{source}{target}/",
        "source": source,
        "target": target,
        "timestamp": f"2018-06-20T10:28:03.{(micro + 2) % 1_000_000:06d}",
    }


def dumps(value: Any) -> bytes:
    """JSON as a Django REST framework server writes it (compact enough, ASCII)."""
    return json.dumps(value).encode("ascii")


def wallet_page(base_url: str, *, page: int, size: int, total: int) -> bytes:
    """Page `page` (1-based) of `total` wallets, `size` a page, with DRF's `next` link."""
    start = (page - 1) * size
    stop = min(start + size, total)
    more = stop < total
    return dumps(
        {
            "count": total,
            "next": (
                f"{base_url}/api/gateway/wallets?limit={size}&page={page + 1}" if more else None
            ),
            "previous": None,
            "results": [wallet(i) for i in range(start, stop)],
        }
    )


#: About 2 KB each: the fixed bodies of the request benchmarks.
FIRST_PAGE_WALLETS = 7
PAYMENT_METHODS = 5


def first_wallet_page(base_url: str) -> bytes:
    """The fixed first page of `GET /api/gateway/wallets` (7 wallets of a thousand)."""
    return wallet_page(base_url, page=1, size=FIRST_PAGE_WALLETS, total=1000)


def payment_methods_body() -> bytes:
    """The fixed body of `GET /api/gateway/payment-methods`."""
    return dumps([payment_method(i) for i in range(PAYMENT_METHODS)])
