"""The sandbox's state and rules: pure and synchronous, no I/O.

`GatewayState` holds the balances and every wallet, deposit, invoice, invoice
payment and withdrawal, and the payment methods it offers (`_catalogue.py`).
Each create reads its body as the gateway's serializers would (`_forms.py`,
raising `InvalidInput` with the DRF 400 body) and then changes the state in
one synchronous step, so concurrent requests on one event loop can never
interleave inside it. The sandbox's controls (a deposit arriving, a
withdrawal moving on) raise `UnknownObject` or `Refused`.

Operations that change a deposit, an invoice payment or a withdrawal return the
callbacks they owe (`Notification`, the object as `_render.py` writes it for its
history): the sandbox posts them once the state is consistent.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .._enums import DepositStatus, FeePayer, WithdrawStatus
from ._catalogue import CATALOGUE, TICKERS, market_order, new_address, new_txid
from ._errors import Refused, UnknownObject, non_field_error
from ._fields import control_amount
from ._forms import read_invoice, read_wallet, read_withdrawal
from ._records import (
    ENDINGS,
    FINAL,
    Deposit,
    Invoice,
    Method,
    Notification,
    Wallet,
    Withdrawal,
    next_status,
    places,
    way,
)
from ._render import history_json, money, withdrawal_json

__all__ = ["GatewayState"]


class GatewayState:
    """Everything the sandbox knows, and the rules that change it."""

    def __init__(self, *, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.methods: dict[tuple[str, str], Method] = {(m.ticker, m.network): m for m in CATALOGUE}
        self.reset()

    def reset(self) -> None:
        """Forget every object and balance."""
        self.balances: dict[str, Decimal] = {}
        self.wallets: list[Wallet] = []
        self.deposits: list[Deposit] = []
        self.invoices: list[Invoice] = []
        self.invoice_payments: list[Deposit] = []
        self.withdrawals: list[Withdrawal] = []
        self._ids = {kind: itertools.count(1) for kind in ("wallet", "deposit", "invoice", "wd")}
        self._wallet_by_address: dict[str, Wallet] = {}
        self._invoice_by_slug: dict[str, Invoice] = {}
        self._deposit_by_txid: dict[str, Deposit] = {}
        self._withdrawal_by_id: dict[int, Withdrawal] = {}
        self._client_order_ids: set[str] = set()
        self._slugs: set[str] = set()

    def now(self) -> float:
        return self._clock()

    # -- balances ------------------------------------------------------------

    def balance(self, ticker: str) -> Decimal:
        self._known_ticker(ticker)
        return places(self.balances.get(ticker, Decimal(0)))

    def set_balance(self, ticker: str, amount: Decimal | int | str) -> None:
        self._known_ticker(ticker)
        self.balances[ticker] = control_amount(amount, "balance", allow_zero=True)

    def _known_ticker(self, ticker: str) -> None:
        if ticker not in TICKERS:
            raise UnknownObject(f"unknown ticker {ticker!r}; known: {', '.join(sorted(TICKERS))}")

    def _credit(self, ticker: str, amount: Decimal) -> None:
        self.balances[ticker] = self.balances.get(ticker, Decimal(0)) + amount

    # -- ids, slugs, addresses ----------------------------------------------

    def _slug(self) -> str:
        while True:
            slug = secrets.token_hex(18)
            if slug not in self._slugs:
                self._slugs.add(slug)
                return slug

    def _address(self, method: Method) -> str:
        while True:
            address = new_address(method.network)
            if address not in self._wallet_by_address:
                return address

    def _unused_txid(self, method: Method) -> str:
        while True:
            txid = new_txid(method)
            if txid not in self._deposit_by_txid:
                return txid

    # -- wallets -------------------------------------------------------------

    def create_wallet(self, data: Any) -> Wallet:
        """`POST /api/gateway/wallet/create`."""
        asked = read_wallet(data, self.methods)
        wallet = Wallet(
            id=next(self._ids["wallet"]),
            slug=self._slug(),
            address=self._address(asked.method),
            method=asked.method,
            callback_url=asked.callback_url,
            convert_ticker=asked.convert_ticker,
            convert_limit=asked.convert_limit,
            convert_percent=asked.convert_percent,
            created_at=self.now(),
        )
        self.wallets.append(wallet)
        self._wallet_by_address[wallet.address] = wallet
        return wallet

    # -- invoices ------------------------------------------------------------

    def create_invoice(self, data: Any, *, pay_url: Callable[[str], str]) -> Invoice:
        """`POST /api/gateway/invoice/create`; `pay_url(slug)` is its `proceed_url`."""
        asked = read_invoice(data, self.methods)
        slug = self._slug()
        invoice = Invoice(
            id=next(self._ids["invoice"]),
            slug=slug,
            method=asked.method,
            amount=asked.amount,
            client_ip=asked.client_ip,
            proceed_url=pay_url(slug),
            payment_url=asked.payment_url,
            cancel_url=asked.cancel_url,
            callback_url=asked.callback_url,
            convert_ticker=asked.convert_ticker,
            convert_limit=asked.convert_limit,
            convert_percent=asked.convert_percent,
            created_at=self.now(),
        )
        self.invoices.append(invoice)
        self._invoice_by_slug[slug] = invoice
        return invoice

    def invoice(self, slug: str) -> Invoice:
        try:
            return self._invoice_by_slug[slug]
        except KeyError:
            raise UnknownObject(f"no invoice with slug {slug!r}") from None

    # -- withdrawals ---------------------------------------------------------

    def create_withdrawal(self, data: Any) -> Withdrawal:
        """`POST /api/gateway/withdraw/create`: checks, holds the funds, status NEW."""
        asked = read_withdrawal(data, self.methods, used_order_ids=self._client_order_ids)
        method, amount, fee, fee_payer = asked.method, asked.amount, asked.fee, asked.fee_payer
        needs = {method.ticker: amount}
        if fee_payer == FeePayer.BALANCE:
            needs[method.withdraw_fee_currency] = (
                needs.get(method.withdraw_fee_currency, Decimal(0)) + fee
            )
        for currency, needed in needs.items():
            available = self.balances.get(currency, Decimal(0))
            if available < needed:
                raise non_field_error(
                    f"Insufficient funds: {money(needed)} {currency} needed, "
                    f"{money(available)} {currency} available."
                )
        auto_buy = None
        if asked.auto_buy_ticker is not None and asked.auto_buy_percent is not None:
            auto_buy = market_order(
                method.ticker, asked.auto_buy_ticker, amount, asked.auto_buy_percent, buy=True
            )
        for currency, needed in needs.items():
            self._credit(currency, -needed)
        withdrawal = Withdrawal(
            id=next(self._ids["wd"]),
            method=method,
            address=asked.address,
            payment_id=asked.payment_id,
            memo=asked.memo,
            comment=asked.comment,
            destination_tag=asked.destination_tag,
            amount=amount,
            fee=fee,
            fee_payer=fee_payer,
            callback_url=asked.callback_url,
            client_order_id=asked.client_order_id,
            auto_buy=auto_buy,
            created_at=self.now(),
        )
        self.withdrawals.append(withdrawal)
        self._withdrawal_by_id[withdrawal.id] = withdrawal
        if asked.client_order_id is not None:
            self._client_order_ids.add(asked.client_order_id)
        return withdrawal

    def withdrawal(self, withdrawal_id: int) -> Withdrawal:
        try:
            return self._withdrawal_by_id[withdrawal_id]
        except KeyError:
            raise UnknownObject(f"no withdrawal with id {withdrawal_id}") from None

    def advance_withdrawal(
        self, withdrawal_id: int, to: int | None = None
    ) -> tuple[dict[str, Any], list[Notification]]:
        """Move a withdrawal one status on, or through every status up to `to`."""
        withdrawal = self.withdrawal(withdrawal_id)
        start = withdrawal.status
        if start in FINAL:
            raise Refused(
                f"withdrawal {withdrawal_id} is {start.name} ({int(start)}), a final status"
            )
        if to is None:
            steps = [next_status(start)]
        else:
            target = WithdrawStatus(to)
            if not target.is_known:
                raise Refused(f"unknown withdrawal status {to!r}")
            if target == start:
                raise Refused(f"withdrawal {withdrawal_id} is already {start.name} ({int(start)})")
            steps = way(start, target)
        notifications = []
        for status in steps:
            withdrawal.status = status
            if status in ENDINGS:
                self._refund(withdrawal)
            if status == WithdrawStatus.DONE:
                withdrawal.txid = new_txid(withdrawal.method)
            if withdrawal.callback_url:
                notifications.append(
                    Notification(withdrawal.callback_url, withdrawal_json(withdrawal))
                )
        return withdrawal_json(withdrawal), notifications

    def _refund(self, withdrawal: Withdrawal) -> None:
        self._credit(withdrawal.method.ticker, withdrawal.amount)
        if withdrawal.fee_payer == FeePayer.BALANCE:
            self._credit(withdrawal.method.withdraw_fee_currency, withdrawal.fee)

    # -- deposits and invoice payments --------------------------------------

    def _new_deposit(
        self,
        method: Method,
        gross: Decimal,
        txid: str | None,
        *,
        wallet: Wallet | None = None,
        invoice: Invoice | None = None,
        at: float | None = None,
    ) -> Deposit:
        if gross < method.min_deposit or gross > method.max_deposit:
            raise Refused(
                f"amount must be between {money(method.min_deposit)} and "
                f"{money(method.max_deposit)} {method.ticker} (the method's deposit limits)"
            )
        fee = method.deposit_fee(gross)
        if fee >= gross:
            raise Refused(f"amount {money(gross)} does not cover the deposit fee {money(fee)}")
        if txid is not None:
            txid = txid.strip()
            if not txid or len(txid) > 128:
                raise Refused("txid must be 1 to 128 characters")
            if txid in self._deposit_by_txid:
                raise Refused(f"a deposit with txid {txid!r} already exists")
        deposit = Deposit(
            id=next(self._ids["deposit"]),
            method=method,
            amount=gross - fee,
            fee=fee,
            status=DepositStatus.PENDING,
            txid=txid or self._unused_txid(method),
            created_at=self.now() if at is None else at,
            wallet=wallet,
            invoice=invoice,
        )
        self._deposit_by_txid[deposit.txid] = deposit
        (self.deposits if wallet else self.invoice_payments).append(deposit)
        return deposit

    def add_deposit(
        self,
        address: str,
        amount: Decimal,
        *,
        txid: str | None = None,
        confirmed: bool = False,
        at: float | None = None,
    ) -> tuple[dict[str, Any], list[Notification]]:
        """A deposit arrives on the wallet at `address`: PENDING, or CONFIRMED at once."""
        wallet = self._wallet_by_address.get(address)
        if wallet is None:
            raise UnknownObject(f"no wallet has the address {address!r}")
        deposit = self._new_deposit(wallet.method, amount, txid, wallet=wallet, at=at)
        return self._arrived(deposit, confirmed)

    def pay_invoice(
        self,
        slug: str,
        amount: Decimal | None = None,
        *,
        confirmed: bool = True,
        at: float | None = None,
    ) -> tuple[dict[str, Any], list[Notification]]:
        """A payer pays the invoice (its whole amount unless told otherwise)."""
        invoice = self.invoice(slug)
        gross = invoice.amount if amount is None else amount
        payment = self._new_deposit(invoice.method, gross, None, invoice=invoice, at=at)
        return self._arrived(payment, confirmed)

    def _arrived(
        self, deposit: Deposit, confirmed: bool
    ) -> tuple[dict[str, Any], list[Notification]]:
        if confirmed:
            self._settle(deposit, DepositStatus.CONFIRMED)
        return history_json(deposit), self._notify(deposit)

    def deposit_by_txid(self, txid: str) -> Deposit:
        try:
            return self._deposit_by_txid[txid]
        except KeyError:
            raise UnknownObject(f"no deposit or invoice payment with txid {txid!r}") from None

    def settle_deposit(
        self, txid: str, status: DepositStatus
    ) -> tuple[dict[str, Any], list[Notification]]:
        """Confirm (credit the balance, convert if asked) or reject a pending deposit."""
        deposit = self.deposit_by_txid(txid)
        if deposit.status != DepositStatus.PENDING:
            raise Refused(
                f"deposit {txid!r} is already {deposit.status.name} ({int(deposit.status)})"
            )
        self._settle(deposit, status)
        return history_json(deposit), self._notify(deposit)

    def _settle(self, deposit: Deposit, status: DepositStatus) -> None:
        deposit.status = status
        if status != DepositStatus.CONFIRMED:
            return
        ticker = deposit.method.ticker
        self._credit(ticker, deposit.amount)
        owner = deposit.owner
        if owner.convert_ticker is None or owner.convert_percent is None:
            return
        spent = deposit.amount
        if owner.convert_limit is not None:
            spent = min(spent, owner.convert_limit)
        order = market_order(ticker, owner.convert_ticker, spent, owner.convert_percent, buy=False)
        deposit.convert = order
        base = order.symbol.split("_")[0]
        received = order.amount if base == owner.convert_ticker else order.amount * order.price
        self._credit(ticker, -spent)
        self._credit(owner.convert_ticker, places(received))

    def _notify(self, deposit: Deposit) -> list[Notification]:
        url = deposit.callback_url
        return [Notification(url, history_json(deposit))] if url else []
