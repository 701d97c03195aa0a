"""Each object written exactly as the reference shows it.

Amounts and fees are strings with 8 decimals, times ISO 8601 UTC with
microseconds and a `Z`, deposit statuses strings (`"5"`, as in the samples),
withdrawal statuses and `fee_payer` integers, an invoice's `amount` a number
(`120`, as in the samples). A callback carries the object as its history
endpoint writes it (`history_json`, `withdrawal_json`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from .._enums import DepositStatus, WithdrawStatus
from ._errors import given
from ._records import QUANTUM, Deposit, Invoice, Method, Order, Wallet, Withdrawal

__all__ = [
    "deposit_json",
    "history_json",
    "invoice_created_json",
    "invoice_json",
    "invoice_payment_json",
    "iso",
    "method_json",
    "money",
    "wallet_json",
    "withdrawal_created_json",
    "withdrawal_json",
]


def money(value: Decimal) -> str:
    """An amount as the gateway writes it: a string with 8 decimals."""
    with localcontext() as context:
        context.prec = 60
        return format(value.quantize(QUANTUM, rounding=ROUND_HALF_UP), "f")


def _money_or_none(value: Decimal | None) -> str | None:
    return None if value is None else money(value)


def iso(timestamp: float) -> str:
    """A time as the gateway writes it: `2021-05-21T12:10:54.552073Z`."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def method_json(method: Method) -> dict[str, Any]:
    return {
        "ticker": method.ticker,
        "network": method.network,
        "min_deposit": money(method.min_deposit),
        "max_deposit": money(method.max_deposit),
        "deposit_fee_amount": money(method.deposit_fee_amount),
        "deposit_fee_rate": money(method.deposit_fee_rate),
        "min_withdraw": money(method.min_withdraw),
        "max_withdraw": money(method.max_withdraw),
        "withdraw_fee_amount": money(method.withdraw_fee_amount),
        "withdraw_fee_rate": money(method.withdraw_fee_rate),
        "withdraw_fee_currency": method.withdraw_fee_currency,
        "is_fiat": method.is_fiat,
        "is_deposit_enabled": method.is_deposit_enabled,
        "is_withdraw_enabled": method.is_withdraw_enabled,
    }


def wallet_json(wallet: Wallet) -> dict[str, Any]:
    return {
        "address": wallet.address,
        "slug": wallet.slug,
        "ticker": wallet.method.ticker,
        "network": wallet.method.network,
        "callback_url": wallet.callback_url,
        "convert_ticker": wallet.convert_ticker,
        "convert_limit": _money_or_none(wallet.convert_limit),
        "convert_percent": _money_or_none(wallet.convert_percent),
        "created_at": iso(wallet.created_at),
    }


def _aml(status: DepositStatus) -> tuple[bool | None, int | None]:
    """AML results: known once a deposit is settled (the sample: `true`, `0`)."""
    if status == DepositStatus.REJECTED:
        return False, None
    return (True, 0) if status == DepositStatus.CONFIRMED else (None, None)


def deposit_json(deposit: Deposit) -> dict[str, Any]:
    wallet = given(deposit.wallet)
    required = deposit.method.required_confirmations
    actual = {DepositStatus.PENDING: 0, DepositStatus.CONFIRMED: required}.get(deposit.status)
    aml_success, aml_risk = _aml(deposit.status)
    return {
        "address": wallet.address,
        "wallet_slug": wallet.slug,
        "date": iso(deposit.created_at),
        "amount": money(deposit.amount),
        "fee": money(deposit.fee),
        "ticker": deposit.method.ticker,
        "network": deposit.method.network,
        "status": str(int(deposit.status)),
        "txid": deposit.txid,
        "actual_confirmations": actual,
        "required_confirmations": required,
        "aml_success": aml_success,
        "aml_risk": aml_risk,
        "aml_url": None,
        "created_at": iso(deposit.created_at),
    }


def _order_json(order: Order | None) -> dict[str, Any] | None:
    if order is None:
        return None
    return {
        "symbol": order.symbol,
        "amount": money(order.amount),
        "price": money(order.price),
        "side": order.side,
        "state": order.state,
    }


def invoice_payment_json(payment: Deposit) -> dict[str, Any]:
    return {
        "date": iso(payment.created_at),
        "amount": money(payment.amount),
        "fee": money(payment.fee),
        "ticker": payment.method.ticker,
        "network": payment.method.network,
        "status": str(int(payment.status)),
        "txid": payment.txid,
        "convert": _order_json(payment.convert),
        "created_at": iso(payment.created_at),
    }


def _convert_fields(owner: Wallet | Invoice) -> dict[str, Any]:
    return {
        "convert_ticker": owner.convert_ticker,
        "convert_limit": _money_or_none(owner.convert_limit),
        "convert_percent": _money_or_none(owner.convert_percent),
    }


def invoice_created_json(invoice: Invoice) -> dict[str, Any]:
    """The answer of `invoice/create` (its fields differ from the list's, as documented)."""
    return {
        "slug": invoice.slug,
        "ticker": invoice.method.ticker,
        "network": invoice.method.network,
        "amount": invoice.amount.normalize(),
        "proceed_url": invoice.proceed_url,
        "payment_url": invoice.payment_url,
        **_convert_fields(invoice),
        "created_at": iso(invoice.created_at),
    }


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    """An invoice as `GET /api/gateway/invoices` lists it."""
    return {
        "slug": invoice.slug,
        "ticker": invoice.method.ticker,
        "network": invoice.method.network,
        "amount": invoice.amount.normalize(),
        "callback_url": invoice.callback_url,
        **_convert_fields(invoice),
        "created_at": iso(invoice.created_at),
    }


def withdrawal_created_json(withdrawal: Withdrawal) -> dict[str, Any]:
    """The answer of `withdraw/create`."""
    return {
        "id": withdrawal.id,
        "ticker": withdrawal.method.ticker,
        "network": withdrawal.method.network,
        "address": withdrawal.address,
        "payment_id": withdrawal.payment_id,
        "memo": withdrawal.memo,
        "comment": withdrawal.comment,
        "destination_tag": withdrawal.destination_tag,
        "amount": money(withdrawal.amount),
        "callback_url": withdrawal.callback_url,
        "client_order_id": withdrawal.client_order_id,
        "fee_payer": int(withdrawal.fee_payer),
        "status": int(withdrawal.status),
        "auto_buy": _order_json(withdrawal.auto_buy),
        "created_at": iso(withdrawal.created_at),
    }


_AML_CHECKED = frozenset(
    {
        WithdrawStatus.VERIFIED,
        WithdrawStatus.MODERATION,
        WithdrawStatus.APPROVED,
        WithdrawStatus.SUSPENDED,
        WithdrawStatus.DONE,
    }
)


def withdrawal_json(withdrawal: Withdrawal) -> dict[str, Any]:
    """A withdrawal as `withdraw/history` lists it (and as its callbacks carry it)."""
    data = withdrawal_created_json(withdrawal)
    created_at = data.pop("created_at")
    checked = withdrawal.status in _AML_CHECKED
    data.update(
        {
            "txid": withdrawal.txid,
            "aml_success": True if checked else None,
            "aml_risk": 0 if checked else None,
            "aml_url": None,
            "created_at": created_at,
        }
    )
    return data


def history_json(deposit: Deposit) -> dict[str, Any]:
    """A deposit as `wallet/history` lists it, or an invoice payment as `invoice/history` does."""
    return deposit_json(deposit) if deposit.wallet else invoice_payment_json(deposit)
