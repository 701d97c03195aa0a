"""The gateway's endpoints, grouped as the client's namespaces."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from common import AsyncPaginator, TimeoutTypes
from common._pages import decode_items
from common._watch import Watch

from ._confirm import confirm_deposit, confirm_invoice_payment
from ._enums import DepositStatus
from ._gateway import Gateway
from ._models import (
    Deposit,
    Invoice,
    InvoiceDeposit,
    PaymentMethod,
    Wallet,
    converter,
)
from ._pages import DRF_PAGE
from ._requests import invoice_body, list_query, wallet_body
from ._watch import DepositFeed

__all__ = ["Invoices", "PaymentMethods", "Wallets"]

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

    def watch(
        self,
        *,
        interval: float = 5.0,
        include_existing: bool = False,
        cursor: Any = None,
        page_size: int = 50,
        ticker: str | None = None,
        network: str | None = None,
        txid: str | None = None,
        address: str | None = None,
        payment_id: str | None = None,
        memo: str | None = None,
        destination_tag: str | None = None,
    ) -> Watch[Deposit]:
        """Each new deposit, and each status change of one, once: `async for change in ...`.

        Polls `history()` every `interval` seconds with these filters; see `Watch`.
        """
        filters = {
            "ticker": ticker,
            "network": network,
            "txid": txid,
            "address": address,
            "payment_id": payment_id,
            "memo": memo,
            "destination_tag": destination_tag,
        }
        feed = DepositFeed(
            self._gateway,
            WALLET_HISTORY,
            Deposit,
            name="bitexgate.wallets",
            page_size=page_size,
            filters=filters,
        )
        return Watch(feed, interval=interval, include_existing=include_existing, cursor=cursor)

    async def confirm(self, deposit: Deposit, *, timeout: TimeoutTypes | None = None) -> Deposit:
        """The API's record of a deposit callback, read by txid, ticker, network and address.

        Act on what it returns (its status may be newer); `CallbackNotConfirmedError`
        when the API has no record that agrees with the callback.
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

        Send the payer to the returned invoice's `proceed_url`: this answer is the
        only one that carries it (`list()` leaves it out), so keep it if the payer
        may need it again. The request is not retried once it may have reached
        the server.
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

    def watch(
        self,
        *,
        interval: float = 5.0,
        include_existing: bool = False,
        cursor: Any = None,
        page_size: int = 50,
        ticker: str | None = None,
        network: str | None = None,
        txid: str | None = None,
        address: str | None = None,
        payment_id: str | None = None,
        memo: str | None = None,
        destination_tag: str | None = None,
    ) -> Watch[InvoiceDeposit]:
        """Each new invoice payment, and each status change of one, once: `async for change in ...`.

        Polls `history()` every `interval` seconds with these filters; see `Watch`.
        """
        filters = {
            "ticker": ticker,
            "network": network,
            "txid": txid,
            "address": address,
            "payment_id": payment_id,
            "memo": memo,
            "destination_tag": destination_tag,
        }
        feed = DepositFeed(
            self._gateway,
            INVOICE_HISTORY,
            InvoiceDeposit,
            name="bitexgate.invoices",
            page_size=page_size,
            filters=filters,
        )
        return Watch(feed, interval=interval, include_existing=include_existing, cursor=cursor)

    async def confirm(
        self, payment: InvoiceDeposit, *, timeout: TimeoutTypes | None = None
    ) -> InvoiceDeposit:
        """The API's record of an invoice payment callback, read by txid, ticker and network.

        Act on what it returns (its status may be newer); `CallbackNotConfirmedError`
        when the API has no record that agrees with the callback.
        """
        return await confirm_invoice_payment(self.history, payment, timeout=timeout)
