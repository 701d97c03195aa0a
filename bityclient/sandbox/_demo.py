"""The demo data a fresh sandbox can be seeded with (`seed_demo_data`, `POST /sandbox/seed`).

A few orders of the demo user in different states, made over the last days.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ._state import BityState

__all__ = ["seed"]


def seed(state: BityState, username: str) -> list[int]:
    """A few orders in different states for `username`, made over the last days; their ids.

    An executed BUY (three days ago), a cancelled SELL (two days ago), a SELL_ETH
    whose ether arrived (yesterday) and an open BUY_ETH (an hour ago).
    """
    user = state.accounts.users[username]
    btc_address = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP 173's example
    eth_address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55's example
    demo: list[tuple[dict[str, Any], str | None, timedelta]] = [
        (
            {
                "category": "BUY",
                "currency": "EUR",
                "payment_method": "BANKXFER",
                "amount": "1200",
                "crypto_address": btc_address,
            },
            "EXEC",
            timedelta(days=3),
        ),
        ({"category": "SELL", "currency": "EUR", "amount": "500"}, "CANC", timedelta(days=2)),
        (
            {"category": "SELL_ETH", "currency": "CHF", "amount": "2.5", "amount_mode": 1},
            "CONF",
            timedelta(days=1),
        ),
        (
            {"category": "BUY_ETH", "amount": "0.5", "crypto_address": eth_address},
            None,
            timedelta(hours=1),
        ),
    ]
    now = state.now()
    ids = []
    for body, stage, age in demo:
        order = state.create_order(user, body, created=now - age)
        order_id = int(order["resource_uri"].rstrip("/").rsplit("/", 1)[1])
        if stage is not None:
            state.advance_order(order_id, stage)
        ids.append(order_id)
    return ids
