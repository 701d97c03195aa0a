"""The gateway's endpoints, grouped as the client's namespaces."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from common import AsyncPaginator, TimeoutTypes
from common._pages import decode_items

from ._confirm import confirm_deposit, confirm_invoice_payment, confirm_withdrawal
from ._enums import DepositStatus, WithdrawStatus
from ._gateway import Gateway
from ._models import (
    Deposit,
    Invoice,
    InvoiceDeposit,
    PaymentMethod,
    Wallet,
    Withdrawal,
    converter,
)
from ._pages import DRF_PAGE
from ._requests import invoice_body, list_query, wallet_body, withdrawal_body

__all__ = ["Invoices", "PaymentMethods", "Wallets", "Withdrawals"]

T = TypeVar("T")

PAYMENT_METHODS = "/api/gateway/payment-methods"
WALLET_CREATE = "/api/gateway/wallet/create"
WALLETS = "/api/gateway/wallets"
WALLET_HISTORY = "/api/gateway/wallet/history"
INVOICE_CREATE = "/api/gateway/invoice/create"
INVOICES = "/api/gateway/invoices"
# The reference's "HTTP Request" line for invoice history repeats the wallet path;
# its code samples and `next` links use this one.
INVOICE_HISTORY = "/api/gateway/invoice/history"
WITHDRAW_CREATE = "/api/gateway/withdraw/create"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"


class PaymentMethods:
    """`/api/gateway/payment-methods`: what can be deposited and withdrawn, and at what cost."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def list(
        self, *, ordering: str | None = None, timeout: TimeoutTypes | None = None
    ) -> list[PaymentMethod]:
        """Every available payment method (`ordering="id"` or `"-id"`)."""
        query = list_query(ordering=ordering)
        response = await self._gateway.transport.request(
            "GET", PAYMENT_METHODS, params=query, timeout=timeout
        )
        methods = decode_items(converter, response, PaymentMethod, DRF_PAGE)
        self._gateway.fiat_methods.update(
            {(method.ticker, method.network): method.is_fiat for method in methods}
        )
        return methods


class Wallets:
    """Crypto deposit wallets and the deposits that arrive on them."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def create(
        self,
        *,
        ticker: str,
        network: str,
        callback_url: str | None = None,
        convert_ticker: str | None = None,
        convert_limit: Decimal | int | str | None = None,
        convert_percent: Decimal | int | str | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> Wallet:
        """Create a deposit wallet for `ticker` on `network`.

        With `convert_ticker`, each deposit is exchanged at `convert_percent` from
        the market price (default 5, may be negative), for at most `convert_limit`.
        """
        body = wallet_body(
            ticker=ticker,
            network=network,
            callback_url=callback_url,
            convert_ticker=convert_ticker,
            convert_limit=convert_limit,
            convert_percent=convert_percent,
        )
        return await self._gateway.create(
            WALLET_CREATE,
            body,
            Wallet,
            timeout=timeout,
            hint="Look for the new wallet in wallets.list(ordering='-id') before creating another.",
        )

    def list(
        self,
        *,
        ordering: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> AsyncPaginator[Wallet]:
        """Every wallet created, page by page (`page_size` is the API's `limit`)."""
        query = list_query(ordering=ordering, page=page, page_size=page_size)
        return self._gateway.paginate(WALLETS, query, Wallet, max_items=max_items, timeout=timeout)

    def history(
        self,
        *,
        ticker: str | None = None,
        network: str | None = None,
        status: DepositStatus | int | None = None,
        txid: str | None = None,
        address: str | None = None,
        payment_id: str | None = None,
        memo: str | None = None,
        destination_tag: str | None = None,
        ordering: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> AsyncPaginator[Deposit]:
        """Every deposit to the wallets that matches the filters, page by page."""
        return self._gateway.history(
            WALLET_HISTORY,
            Deposit,
            DepositStatus,
            max_items=max_items,
            timeout=timeout,
            status=status,
            ordering=ordering,
            page=page,
            page_size=page_size,
            ticker=ticker,
            network=network,
            txid=txid,
            address=address,
            payment_id=payment_id,
            memo=memo,
            destination_tag=destination_tag,
        )

    async def confirm(self, deposit: Deposit, *, timeout: TimeoutTypes | None = None) -> Deposit:
        """The API's record of a deposit callback (`parse_deposit_callback`): act on this one.

        Read from the history by txid, ticker, network and address, usually in one
        request. Raises `CallbackNotConfirmedError` when there is no such deposit,
        or it differs in ticker, network, amount, address or the wallet (a deposit
        without a txid cannot be checked). Its status may be newer than the callback's.
        """
        return await confirm_deposit(self.history, deposit, timeout=timeout)


class Invoices:
    """Fiat invoices: a payment page for a payer, and the deposits made through it."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def create(
        self,
        *,
        ticker: str,
        network: str,
        amount: Decimal | int | str,
        client_ip: str,
        callback_url: str | None = None,
        payment_url: str | None = None,
        cancel_url: str | None = None,
        convert_ticker: str | None = None,
        convert_limit: Decimal | int | str | None = None,
        convert_percent: Decimal | int | str | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> Invoice:
        """Create an invoice for `amount`, payable only from `client_ip`.

        Send the payer to the returned invoice's `proceed_url`. The request is not
        retried once it may have reached the server.
        """
        body = invoice_body(
            ticker=ticker,
            network=network,
            amount=amount,
            client_ip=client_ip,
            callback_url=callback_url,
            payment_url=payment_url,
            cancel_url=cancel_url,
            convert_ticker=convert_ticker,
            convert_limit=convert_limit,
            convert_percent=convert_percent,
        )
        return await self._gateway.create(
            INVOICE_CREATE,
            body,
            Invoice,
            timeout=timeout,
            hint="Look for it in invoices.list(ordering='-id') before creating another.",
        )

    def list(
        self,
        *,
        ordering: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> AsyncPaginator[Invoice]:
        """Every invoice created, page by page (`page_size` is the API's `limit`)."""
        query = list_query(ordering=ordering, page=page, page_size=page_size)
        return self._gateway.paginate(
            INVOICES, query, Invoice, max_items=max_items, timeout=timeout
        )

    def history(
        self,
        *,
        ticker: str | None = None,
        network: str | None = None,
        status: DepositStatus | int | None = None,
        txid: str | None = None,
        address: str | None = None,
        payment_id: str | None = None,
        memo: str | None = None,
        destination_tag: str | None = None,
        ordering: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> AsyncPaginator[InvoiceDeposit]:
        """Every payment made through invoices that matches the filters, page by page."""
        return self._gateway.history(
            INVOICE_HISTORY,
            InvoiceDeposit,
            DepositStatus,
            max_items=max_items,
            timeout=timeout,
            status=status,
            ordering=ordering,
            page=page,
            page_size=page_size,
            ticker=ticker,
            network=network,
            txid=txid,
            address=address,
            payment_id=payment_id,
            memo=memo,
            destination_tag=destination_tag,
        )

    async def confirm(
        self, payment: InvoiceDeposit, *, timeout: TimeoutTypes | None = None
    ) -> InvoiceDeposit:
        """The API's record of an invoice payment callback (`parse_invoice_callback`).

        Read from the history by txid, ticker and network, usually in one request.
        Raises `CallbackNotConfirmedError` when there is no such payment, or it
        differs in ticker, network or amount. Its status may be newer than the callback's.
        """
        return await confirm_invoice_payment(self.history, payment, timeout=timeout)


class Withdrawals:
    """Withdrawals to crypto addresses and fiat cards."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def create(
        self,
        *,
        ticker: str,
        network: str,
        amount: Decimal | int | str,
        address: str | None = None,
        card: str | None = None,
        payment_id: str | None = None,
        memo: str | None = None,
        destination_tag: str | None = None,
        comment: str | None = None,
        client_order_id: str | None = None,
        callback_url: str | None = None,
        fee_payer: int | None = None,
        auto_buy_ticker: str | None = None,
        auto_buy_percent: Decimal | int | str | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> Withdrawal:
        """Withdraw `amount` of `ticker` on `network` to `address` (crypto) or `card` (fiat).

        Pass your own `client_order_id`: if the outcome is unknown (a timeout or a
        5xx after the request may have arrived) the SDK does not resend it, and
        `withdrawals.history()` is where that id tells you whether it went out.
        `fee_payer` is `FeePayer.BALANCE` (the server's default) or `FeePayer.AMOUNT`.
        """
        body = withdrawal_body(
            ticker=ticker,
            network=network,
            amount=amount,
            address=address,
            card=card,
            is_fiat=self._gateway.fiat_methods.get((ticker, network)),
            payment_id=payment_id,
            memo=memo,
            destination_tag=destination_tag,
            comment=comment,
            client_order_id=client_order_id,
            callback_url=callback_url,
            fee_payer=fee_payer,
            auto_buy_ticker=auto_buy_ticker,
            auto_buy_percent=auto_buy_percent,
        )
        if client_order_id is not None:
            hint = (
                f"Look for client_order_id {client_order_id!r} in withdrawals.history() "
                "before withdrawing again."
            )
        else:
            hint = (
                "Look for it in withdrawals.history() before withdrawing again; "
                "a client_order_id makes it easy to find."
            )
        return await self._gateway.create(
            WITHDRAW_CREATE, body, Withdrawal, timeout=timeout, hint=hint
        )

    def history(
        self,
        *,
        ticker: str | None = None,
        network: str | None = None,
        status: WithdrawStatus | int | None = None,
        txid: str | None = None,
        address: str | None = None,
        ordering: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> AsyncPaginator[Withdrawal]:
        """Every withdrawal that matches the filters, page by page."""
        return self._gateway.history(
            WITHDRAW_HISTORY,
            Withdrawal,
            WithdrawStatus,
            max_items=max_items,
            timeout=timeout,
            status=status,
            ordering=ordering,
            page=page,
            page_size=page_size,
            ticker=ticker,
            network=network,
            txid=txid,
            address=address,
        )

    async def confirm(
        self, withdrawal: Withdrawal, *, timeout: TimeoutTypes | None = None
    ) -> Withdrawal:
        """The API's record of a withdrawal callback (`parse_withdrawal_callback`).

        Found by its id in the history asked by txid, else address, else ticker and
        network, newest first, read until that id is found or passed. Raises
        `CallbackNotConfirmedError` when there is no such withdrawal, or it differs in
        ticker, network, amount, address, card or `client_order_id`. Its status may be
        newer than the callback's.
        """
        return await confirm_withdrawal(self.history, withdrawal, timeout=timeout)
