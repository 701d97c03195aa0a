"""A guided tour of cryptopay-async, against the embedded sandboxes of both APIs.

    python examples/tour.py

It starts the bitexbit Gateway sandbox and the Bity sandbox on loopback sockets,
then calls every endpoint of both clients over real HTTP, the way your code would,
and prints what happens: payment methods, a wallet and a deposit that arrives and
confirms (with its callback), a fiat invoice and its payment, a withdrawal moving
to DONE, paging with `async for`, a withdrawal whose answer is lost found again by
its client_order_id (never sent twice); Bity phone activation, login, rates,
quotes, an order, paging through orders and a token refresh that happens on its own.

It needs the sandbox extra (`pip install "cryptopay-async[sandbox]"`), takes a few
seconds, and exits non-zero if anything did not go as described.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bitexgate import BitexGateClient, DepositStatus, WithdrawStatus
from bitexgate.sandbox import GatewaySandbox
from bityclient import AmountMode, BityClient, OrderCategory, Token
from bityclient.sandbox import BitySandbox
from common._sandbox import serve

failures: list[str] = []


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)))


def say(text: str) -> None:
    print(f"   {text}")


def text(value: object) -> str:
    """A value as a person reads it: a Decimal in plain digits (0.00000000, not 0E-8)."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def count(n: int, noun: str) -> str:
    """`n` and `noun`, the noun plural unless there is exactly one: 1 order, 3 orders."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def moment(when: datetime | None) -> str:
    """A time as ISO 8601, date and zone included: 2024-03-01T12:30:15+00:00."""
    return "never" if when is None else when.isoformat(timespec="seconds")


def table(rows: Iterable[Iterable[object]]) -> None:
    cells = [[text(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    for row in cells:
        say("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


class SaidLogs(logging.Handler):
    """Says each log record of the SDK (the WARNING of a recovered withdrawal) as it comes."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.said.append(record.getMessage())
        say(f"log {record.levelname}: {record.getMessage()}")


def expect(condition: bool, what: str) -> None:
    """Record a check of the tour; a failed one makes the tour exit non-zero."""
    if not condition:
        failures.append(what)
        print(f"   !! FAILED: {what}")


class CallbackInbox:
    """A tiny web app standing in for your shop: it receives the Gateway's callbacks."""

    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []

        async def callback(request: Request) -> Response:
            self.received.append(await request.json())
            return Response(status_code=200)

        self.app = Starlette(routes=[Route("/callbacks", callback, methods=["POST"])])


async def gateway_tour(
    sandbox: GatewaySandbox, base_url: str, inbox: CallbackInbox, inbox_url: str
) -> None:
    async with BitexGateClient(
        api_key=sandbox.api_key, secret=sandbox.secret, base_url=base_url
    ) as gw:
        section(f"bitexbit Gateway at {base_url}")

        section("payment_methods.list()")
        methods = await gw.payment_methods.list()
        table(
            [("ticker", "network", "fiat", "min withdraw", "withdraw fee")]
            + [
                (m.ticker, m.network, m.is_fiat, m.min_withdraw, m.withdraw_fee_amount)
                for m in methods
            ]
        )
        expect(any(m.ticker == "BTC" and m.network == "bitcoin" for m in methods), "BTC listed")

        section("wallets.create(): a deposit address, with a callback URL")
        wallet = await gw.wallets.create(
            ticker="USDT", network="tron", callback_url=f"{inbox_url}/callbacks"
        )
        say(f"send USDT (tron) to {wallet.address}  (slug {wallet.slug})")

        section("a deposit arrives, then confirms")
        arrived = await sandbox.deposit(wallet.address, Decimal("125.5"))
        txid = str(arrived["txid"])
        [deposit] = [d async for d in gw.wallets.history(txid=txid)]
        say(f"{deposit.amount:f} {deposit.ticker}, status {deposit.status.name}")
        expect(deposit.status is DepositStatus.PENDING, "the new deposit is PENDING")
        await sandbox.confirm_deposit(txid)
        [deposit] = [d async for d in gw.wallets.history(txid=txid)]
        say(f"after confirmation: status {deposit.status.name}")
        expect(deposit.status is DepositStatus.CONFIRMED, "the deposit is CONFIRMED")
        say(f"callbacks your shop received: {len(inbox.received)}")
        expect(len(inbox.received) == 2, "one callback per deposit status")

        section("paging through deposit history with async for")
        for n in range(11):
            await sandbox.deposit(wallet.address, Decimal(10 + n), confirmed=True)
        pages = 0
        seen = 0
        async for page in gw.wallets.history(address=wallet.address, page_size=5).pages():
            pages += 1
            seen += len(page.items)
            say(f"page {pages}: {count(len(page.items), 'deposit')} (count {page.total_count})")
        expect((pages, seen) == (3, 12), "12 deposits over 3 pages of 5")

        section("invoices.create(): a fiat invoice; the payer goes to proceed_url")
        invoice = await gw.invoices.create(
            ticker="UAH",
            network="wiretransfer",
            amount=Decimal("1500"),
            client_ip="203.0.113.7",
            payment_url="https://shop.example/paid",
            callback_url=f"{inbox_url}/callbacks",
        )
        say(f"invoice {invoice.slug}: {invoice.amount:f} {invoice.ticker} -> {invoice.proceed_url}")
        await sandbox.pay_invoice(invoice.slug)
        invoices = [i async for i in gw.invoices.list(ordering="-id")]
        payments = [p async for p in gw.invoices.history(ticker="UAH")]
        say(
            f"{count(len(invoices), 'invoice')}; payments: "
            + ", ".join(f"{p.amount:f} {p.ticker} ({p.status.name})" for p in payments)
        )
        expect(any(p.status is DepositStatus.CONFIRMED for p in payments), "the invoice is paid")

        section("withdrawals.create(), then NEW -> ... -> DONE")
        withdrawal = await gw.withdrawals.create(
            ticker="USDT",
            network="tron",
            address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
            amount=Decimal("22"),
            client_order_id="tour-order-1",
        )
        say(f"withdrawal #{withdrawal.id}: {withdrawal.amount:f} USDT, {withdrawal.status.name}")
        done = await sandbox.advance_withdrawal(withdrawal.id, to=WithdrawStatus.DONE)
        say(f"the operator sends it: status {WithdrawStatus(int(done['status'])).name}")
        [w] = [w async for w in gw.withdrawals.history(status=WithdrawStatus.DONE)]
        say(f"history: {w.client_order_id} {w.amount:f} {w.status.name}, txid {w.txid}")
        expect(w.client_order_id == "tour-order-1", "the DONE withdrawal is ours")
        expect(w.status.is_final, "a DONE withdrawal is final")

        section("a payment whose answer is lost is never sent twice")
        say("the server makes the withdrawal, then its answer is lost (a 502 from a proxy)")
        sandbox.fail_next("/api/gateway/withdraw/create", status=502, after_handling=True)
        logs = SaidLogs()
        logging.getLogger("bitexgate").addHandler(logs)
        try:
            recovered = await gw.withdrawals.create(
                ticker="USDT",
                network="tron",
                address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
                amount=Decimal("15"),
                client_order_id="tour-order-2",
            )
        finally:
            logging.getLogger("bitexgate").removeHandler(logs)
        say(f"create() returned withdrawal #{recovered.id}, found by its client_order_id")
        expect(recovered.client_order_id == "tour-order-2", "the lost withdrawal is recovered")
        expect(bool(logs.said), "the recovery is logged")
        posts = len(sandbox.requests_to("/api/gateway/withdraw/create"))
        found = await gw.withdrawals.find(client_order_id="tour-order-2")
        say(f"withdrawals.find(client_order_id='tour-order-2'): #{found.id if found else None}")
        expect(found == recovered, "the withdrawal exists exactly once")
        expect(posts == 2, "the lost one was sent once (after tour-order-1)")

        section("reads are retried: one 502, then the answer")
        sandbox.clear_requests()
        sandbox.fail_next("/api/gateway/payment-methods", status=502)
        again = await gw.payment_methods.list()
        expect(len(again) == len(methods), "the retried read succeeds")
        sent = len(sandbox.requests_to("/api/gateway/payment-methods"))
        say(f"{count(sent, 'request')} arrived (a 502, then the retry), one list returned")
        expect(sent == 2, "one retry")


async def bity_tour(sandbox: BitySandbox, base_url: str) -> None:
    rotated: list[Token] = []

    async def store(token: Token) -> None:
        rotated.append(token)  # a real app writes dump_token(token) somewhere safe

    async with BityClient(
        client_id=sandbox.client_id, base_url=base_url, on_token_update=store
    ) as bity:
        section(f"Bity v1 at {base_url}")

        section("users.verify_phone(): activate an account with its SMS code")
        code = sandbox.register_phone("+41790000000")
        activated = await bity.users.verify_phone(phone="+41790000000", code=code)
        say(f"activated: {activated}")
        expect(activated, "the phone is activated")

        section("login(): password grant; the token is kept and renewed by itself")
        token = await bity.login(username=sandbox.username, password=sandbox.password)
        say(f"logged in, token expires at {moment(token.expires_at)}, scope {token.scope!r}")

        section("rates.list(), rates.we_sell(), rates.we_buy()")
        rates = [r async for r in bity.rates.list(page_size=4)]
        table(
            [("pair", "we buy", "rate", "we sell")]
            + [(r.pair, r.rate_we_buy, r.rate, r.rate_we_sell) for r in rates[:6]]
        )
        say(f"... {count(len(rates), 'pair')}, read 4 at a time")
        sell = await bity.rates.we_sell("ETHCHF")
        buy = await bity.rates.we_buy("ETHCHF")
        say(f"ETH in CHF: Bity sells at {sell.rate:f}, buys at {buy.rate:f}")
        expect(sell.rate > buy.rate, "the sell price is above the buy price")

        section("orders.create(): sell 1.25 ETH for CHF")
        order = await bity.orders.create(
            category=OrderCategory.SELL_ETH,
            currency="CHF",
            amount=Decimal("1.25"),
            amount_mode=AmountMode.INPUT,  # the amount is what you pay in: 1.25 ETH
        )
        for tx in order.input_transactions:
            say(f"pay   {tx.amount:f} {tx.currency}  ({tx.status})")
        for tx in order.output_transactions:
            say(f"get   {tx.amount:f} {tx.currency}  ({tx.status})")
        say(f"status {order.status}, pay to {order.payment_url}")

        section("paging through orders with async for")
        for n in range(6):
            await bity.orders.create(
                category=OrderCategory.BUY_ETH,
                currency="CHF",
                amount=Decimal(100 + n),  # the CHF paid in: an order paid in fiat counts that
                crypto_address="0x35f03647b25bd3e3221608dc05f079c0ce3ba3b1",
            )
        seen = 0
        async for page in bity.orders.list(order_by="-timestamp_created", page_size=3).pages():
            seen += len(page.items)
            say(f"{count(len(page.items), 'order')} (of {page.total_count})")
        expect(seen == 7, "all 7 orders read")

        section("the token expires: the next call refreshes it by itself")
        sandbox.expire_tokens()
        orders = [o async for o in bity.orders.list()]
        say(f"{count(len(orders), 'order')} read; refreshes: {sandbox.refreshes}")
        say(f"tokens handed to on_token_update: {len(rotated)}")
        expect(sandbox.refreshes == 1, "exactly one refresh")
        expect(bool(rotated) and rotated[-1] == bity.token, "the rotated token was handed over")


async def main() -> int:
    inbox = CallbackInbox()
    gateway = GatewaySandbox()
    bity = BitySandbox()
    async with contextlib.AsyncExitStack() as stack:
        inbox_url = await stack.enter_async_context(serve(inbox.app))
        gateway_url = await stack.enter_async_context(gateway.serve())
        bity_url = await stack.enter_async_context(bity.serve())
        stack.push_async_callback(gateway.aclose)
        try:
            await gateway_tour(gateway, gateway_url, inbox, inbox_url)
            await bity_tour(bity, bity_url)
        except Exception as error:  # noqa: BLE001 (the tour reports, then fails)
            failures.append(f"{type(error).__name__}: {error}")
            print(f"\n!! the tour stopped on {type(error).__name__}: {error}")
    section("done")
    if failures:
        say(f"{len(failures)} check(s) failed:")
        for failure in failures:
            say(f"- {failure}")
        return 1
    say("every endpoint of both clients answered as described")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
