"""The three kinds of callback: each one's parser, and how the API confirms it."""

from __future__ import annotations

from .. import _callbacks as callbacks
from .._client import BitexGateClient
from .._models import Deposit, InvoiceDeposit, Withdrawal
from ._receive import Kind

__all__ = ["DEPOSIT", "INVOICE_PAYMENT", "WITHDRAWAL"]


async def _confirm_deposit(gw: BitexGateClient, callback: Deposit) -> Deposit:
    return await gw.wallets.confirm(callback)


async def _confirm_payment(gw: BitexGateClient, callback: InvoiceDeposit) -> InvoiceDeposit:
    return await gw.invoices.confirm(callback)


async def _confirm_withdrawal(gw: BitexGateClient, callback: Withdrawal) -> Withdrawal:
    return await gw.withdrawals.confirm(callback)


#: Named as the SDK's own messages name them: "wallet deposit", "invoice payment", "withdrawal".
DEPOSIT = Kind(callbacks.WALLET_DEPOSIT, callbacks.parse_deposit_callback, _confirm_deposit)
INVOICE_PAYMENT = Kind(
    callbacks.INVOICE_PAYMENT, callbacks.parse_invoice_callback, _confirm_payment
)
WITHDRAWAL = Kind(callbacks.WITHDRAWAL, callbacks.parse_withdrawal_callback, _confirm_withdrawal)
