"""The demo data a fresh sandbox can be seeded with (`seed_demo_data`, `POST /sandbox/seed`).

Balances in every ticker; wallets (two of them converting what arrives);
deposits confirmed, pending and rejected; invoices paid, pending and unpaid;
withdrawals in several statuses. No callback URLs, so no callbacks.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from .._enums import DepositStatus, WithdrawStatus
from ._records import Invoice
from ._state import GatewayState

__all__ = ["seed"]


def seed(state: GatewayState, now: float) -> None:
    """Add a little of everything to `state`, as if made over the three days before `now`."""
    hour = 3600.0
    for ticker, amount in (("BTC", "2.5"), ("ETH", "40"), ("USDT", "25000"), ("UAH", "250000")):
        state.set_balance(ticker, state.balance(ticker) + Decimal(amount))

    def at(hours_ago: float) -> float:
        return now - hours_ago * hour

    btc = state.create_wallet({"ticker": "BTC", "network": "bitcoin"})
    eth = state.create_wallet(
        {
            "ticker": "ETH",
            "network": "ethereum",
            "convert_ticker": "USDT",
            "convert_limit": 10000,
            "convert_percent": 2,
        }
    )
    usdt = state.create_wallet(
        {
            "ticker": "USDT",
            "network": "tron",
            "convert_ticker": "ETH",
            "convert_limit": 30,
            "convert_percent": Decimal("0.1"),
        }
    )
    plain = state.create_wallet({"ticker": "USDT", "network": "tron"})
    for age, wallet in zip((72.0, 71.0, 70.0, 69.0), (btc, eth, usdt, plain), strict=True):
        wallet.created_at = at(age)

    state.add_deposit(btc.address, Decimal("0.05"), confirmed=True, at=at(60))
    state.add_deposit(eth.address, Decimal("1.2"), confirmed=True, at=at(50))
    state.add_deposit(usdt.address, Decimal("5"), confirmed=True, at=at(40))
    state.add_deposit(plain.address, Decimal("1000"), confirmed=True, at=at(30))
    rejected, _ = state.add_deposit(btc.address, Decimal("0.002"), at=at(20))
    state.settle_deposit(rejected["txid"], DepositStatus.REJECTED)
    state.add_deposit(plain.address, Decimal("250"), at=at(1))

    def invoice(body: dict[str, Any], hours_ago: float) -> Invoice:
        created = state.create_invoice(
            {**body, "client_ip": "203.0.113.7"},
            pay_url=lambda slug: f"/sandbox/pay/{slug}",  # shown only by invoice/create
        )
        created.created_at = at(hours_ago)
        return created

    uah = invoice(
        {"ticker": "UAH", "network": "wiretransfer", "amount": 300, "convert_ticker": "USDT"}, 48
    )
    payeer = invoice(
        {
            "ticker": "USDT",
            "network": "payeer",
            "amount": 120,
            "convert_ticker": "ETH",
            "convert_limit": 10000,
            "convert_percent": 2,
        },
        24,
    )
    invoice({"ticker": "UAH", "network": "wiretransfer", "amount": 1500}, 2)
    state.pay_invoice(uah.slug, at=at(47))
    state.pay_invoice(payeer.slug, confirmed=False, at=at(23))

    withdrawals: list[tuple[dict[str, Any], int | None, float]] = [
        (
            {
                "ticker": "USDT",
                "network": "tron",
                "address": "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
                "amount": 22,
                "comment": "Call after success",
                "client_order_id": f"demo-{secrets.token_hex(4)}",
            },
            WithdrawStatus.DONE,
            36,
        ),
        (
            {
                "ticker": "BTC",
                "network": "bitcoin",
                "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                "amount": "0.01",
            },
            WithdrawStatus.APPROVED,
            12,
        ),
        (
            {
                "ticker": "UAH",
                "network": "wiretransfer",
                "card": "4111 1111 1111 1111",
                "amount": 1000,
                "fee_payer": 2,
            },
            WithdrawStatus.MODERATION,
            6,
        ),
        (
            {
                "ticker": "USDT",
                "network": "tron",
                "address": "TKpR2mrEj2Stnm4QLNMf97zWvgmSGvuLMU",
                "amount": 150,
            },
            WithdrawStatus.REFUSED,
            4,
        ),
        (
            {
                "ticker": "ETH",
                "network": "ethereum",
                "address": "0x35f03647b25bd3e3221608dc05f079c0ce3ba3b1",
                "amount": "0.5",
                "auto_buy_ticker": "USDT",
            },
            None,
            0.5,
        ),
    ]
    for body, status, hours_ago in withdrawals:
        withdrawal = state.create_withdrawal(body)
        withdrawal.created_at = at(hours_ago)
        if status is not None:
            state.advance_withdrawal(withdrawal.id, status)
