"""The gateway's `withdrawals` namespace: payouts, their history, and following them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from common import AsyncPaginator, TimeoutTypes
from common._watch import Watch

from ._confirm import confirm_withdrawal
from ._enums import WithdrawStatus
from ._gateway import Gateway
from ._models import Withdrawal
from ._requests import withdrawal_body
from ._watch import WithdrawalFeed

__all__ = ["Withdrawals"]

WITHDRAW_CREATE = "/api/gateway/withdraw/create"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"


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
    ) -> Watch[Withdrawal]:
        """Each new withdrawal, and each status change of one, once: `async for change in ...`.

        Polls `history()` every `interval` seconds with these filters; see `Watch`.
        """
        filters = {"ticker": ticker, "network": network, "txid": txid, "address": address}
        feed = WithdrawalFeed(
            self._gateway,
            WITHDRAW_HISTORY,
            Withdrawal,
            name="bitexgate.withdrawals",
            page_size=page_size,
            filters=filters,
        )
        return Watch(feed, interval=interval, include_existing=include_existing, cursor=cursor)

    async def confirm(
        self, withdrawal: Withdrawal, *, timeout: TimeoutTypes | None = None
    ) -> Withdrawal:
        """The API's record of a withdrawal callback, found by its id, newest first.

        Act on what it returns (its status may be newer); `CallbackNotConfirmedError`
        when the API has no record that agrees with the callback.
        """
        return await confirm_withdrawal(self.history, withdrawal, timeout=timeout)
