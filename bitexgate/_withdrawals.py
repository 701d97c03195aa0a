"""The gateway's `withdrawals` namespace: payouts, their history, and following them."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from common import AsyncPaginator, SDKError, TimeoutTypes
from common._reconcile import Look, add_detail, not_settled_note, settle
from common._watch import Watch

from ._confirm import confirm_withdrawal
from ._enums import WithdrawStatus
from ._find import DEFAULT_FIND_PAGES, attempt_began, search_withdrawal
from ._gateway import Gateway
from ._models import Withdrawal
from ._requests import withdrawal_body
from ._watch import WithdrawalFeed

__all__ = ["Withdrawals"]

WITHDRAW_CREATE = "/api/gateway/withdraw/create"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"

logger = logging.getLogger("bitexgate")


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

        `fee_payer` is `FeePayer.BALANCE` (the server's default) or `FeePayer.AMOUNT`.

        Pass your own `client_order_id` (unique to each payout). A withdrawal is
        never sent twice by the SDK; if its answer is lost (a timeout, a broken
        connection, a 5xx, an answer that does not decode) it may have gone out.
        The SDK then looks for that id in the withdrawal history (`find`, with
        the ticker, network and address as filters, from just before the request
        was sent), after each wait of the client's `reconcile_delays`. Found: it
        is returned as if its answer had come (its amounts checked as ever), and
        a WARNING is logged. Not found: the original error is raised (its class
        and `outcome_unknown`), its message saying where the SDK looked and for
        how long; look again with `find` before withdrawing again. A failed look
        never hides that error. Without a `client_order_id` the error is raised
        at once.
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
        wanted = body.get("client_order_id", "").strip()
        if wanted:
            hint = (
                f"Look for it with withdrawals.find(client_order_id={wanted!r}) "
                "before withdrawing again."
            )
        else:
            hint = (
                "Look for it in withdrawals.history() before withdrawing again. Pass a "
                "client_order_id with each withdrawal: the SDK then finds a withdrawal "
                "whose answer was lost by itself."
            )
        sent_at = self._gateway.clock()
        try:
            return await self._gateway.create(
                WITHDRAW_CREATE, body, Withdrawal, timeout=timeout, hint=hint
            )
        except SDKError as error:
            if not (error.outcome_unknown and wanted and self._gateway.reconcile_delays):
                raise
            lost = error
        return await self._recover(lost, body, wanted, sent_at=sent_at, timeout=timeout)

    async def _recover(
        self,
        lost: SDKError,
        body: dict[str, Any],
        wanted: str,
        *,
        sent_at: float,
        timeout: TimeoutTypes | None,
    ) -> Withdrawal:
        """The withdrawal whose answer was `lost`, found in the history; else `lost`, raised."""
        gateway = self._gateway
        filters = {  # as the server stores them: text fields without surrounding space
            name: value.strip()
            for name in ("ticker", "network", "address")
            if isinstance(value := body.get(name), str) and value.strip()
        }
        since = attempt_began(sent_at, gateway.server_clock)

        async def look() -> Look[Withdrawal]:
            nonlocal since
            since = attempt_began(sent_at, gateway.server_clock)  # the estimate may be newer
            search = await search_withdrawal(
                self.history,
                client_order_id=wanted,
                since=since,
                max_pages=DEFAULT_FIND_PAGES,
                timeout=timeout,
                **filters,
            )
            return Look(search.found)

        settled = await settle(gateway.reconcile_delays, look, sleep=gateway.sleep)
        if settled.found is None:
            where = (
                f"for client_order_id {wanted!r} in withdraw/history "
                f"(created since {since.isoformat(timespec='seconds')})"
            )
            raise add_detail(lost, not_settled_note(where, settled))
        record = settled.found
        logger.warning(
            "POST %s: the answer was lost (%s); recovered withdrawal %d (client_order_id %r) "
            "from withdraw/history after %s",
            WITHDRAW_CREATE,
            type(lost).__name__,
            record.id,
            wanted,
            settled.effort,
        )
        url = gateway.transport.url_for(WITHDRAW_CREATE)
        gateway.check_amounts(body, record, method="POST", url=url)
        return record

    async def find(
        self,
        *,
        client_order_id: str,
        since: datetime | None = None,
        ticker: str | None = None,
        network: str | None = None,
        address: str | None = None,
        max_pages: int = DEFAULT_FIND_PAGES,
        timeout: TimeoutTypes | None = None,
    ) -> Withdrawal | None:
        """The newest withdrawal made with `client_order_id`, or None.

        The history has no filter for it: it is read newest first, 100 at a
        time, narrowed by `ticker`, `network` and `address` when given, and the
        reading stops at the withdrawal, at the first one created before `since`
        (a timezone-aware datetime), or after `max_pages` pages (1 to 1000;
        10 by default, the newest 1,000 withdrawals that pass the filters).
        Bad input raises ValidationError before any request.
        """
        search = await search_withdrawal(
            self.history,
            client_order_id=client_order_id,
            since=since,
            max_pages=max_pages,
            timeout=timeout,
            ticker=ticker,
            network=network,
            address=address,
        )
        if search.capped:
            logger.info(
                "withdrawals.find(client_order_id=%r) stopped after %d pages, the page cap: "
                "an older withdrawal was not looked at",
                client_order_id,
                search.pages,
            )
        return search.found

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
