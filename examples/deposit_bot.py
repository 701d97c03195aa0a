"""A deposit bot: it tells you each deposit as it arrives, and again as it is confirmed.

    BITEXGATE_API_KEY=... BITEXGATE_SECRET=... python examples/deposit_bot.py

It needs no public URL: it watches the wallet history (`gw.wallets.watch()`), and
keeps its place in a small JSON file (`--cursor-file`), so a restart announces
what happened while it was down and nothing twice. Replace `notify` with your
messenger's send call (a Telegram bot's `send_message`, a Slack webhook, ...).

    python examples/deposit_bot.py --demo

runs it against the embedded sandbox on a loopback socket (it needs the sandbox
extra: `pip install "cryptopay-async[sandbox]"`): deposits arrive and confirm out
of order, the bot stops, one more arrives, and the restarted bot picks it up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bitexgate import BitexGateClient, Change, Deposit, DepositStatus

Notify = Callable[[str], Awaitable[None]]


async def notify(text: str) -> None:
    """Where the bot's messages go: here, standard output."""
    print(text, flush=True)


def describe(change: Change[Deposit]) -> str:
    """One line for a person: what happened to which deposit."""
    deposit = change.item
    amount = f"{format(deposit.amount, 'f')} {deposit.ticker}"
    if change.previous is None:
        verb = {
            DepositStatus.PENDING: "incoming",
            DepositStatus.CONFIRMED: "received",
            DepositStatus.REJECTED: "rejected",
        }.get(deposit.status, f"status {deposit.status}")
        return f"{verb}: {amount} on {deposit.network} (tx {deposit.txid})"
    before = change.previous.status.name if change.previous.status.is_known else "?"
    after = deposit.status.name if deposit.status.is_known else str(deposit.status)
    return f"{before} -> {after}: {amount} (tx {deposit.txid})"


def load_cursor(path: Path) -> Any:
    """The saved cursor, or None on the first run."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def save_cursor(path: Path, cursor: Any) -> None:
    """Write the cursor so that a crash mid-write leaves the previous one intact."""
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=path.name, delete=False
    ) as file:
        json.dump(cursor, file)
    os.replace(file.name, path)


async def run_bot(
    gw: BitexGateClient,
    *,
    cursor_file: Path,
    interval: float = 10.0,
    send: Notify = notify,
    stop_after: int | None = None,
) -> None:
    """Announce each deposit change; save the cursor after each one is sent."""
    watch = gw.wallets.watch(interval=interval, cursor=load_cursor(cursor_file))
    sent = 0
    async for change in watch:
        await send(describe(change))
        save_cursor(cursor_file, watch.cursor)
        sent += 1
        if stop_after is not None and sent >= stop_after:
            return


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cursor-file", type=Path, default=Path("deposit_bot.cursor.json"))
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--demo", action="store_true", help="run against the embedded sandbox")
    args = parser.parse_args()
    if args.demo:
        await demo()
        return
    async with BitexGateClient(
        api_key=os.environ["BITEXGATE_API_KEY"],
        secret=os.environ["BITEXGATE_SECRET"],
        base_url=os.environ.get("BITEXGATE_BASE_URL", "https://www.bitexbit.com"),
    ) as gw:
        await run_bot(gw, cursor_file=args.cursor_file, interval=args.interval)


async def demo() -> None:
    """The bot against the sandbox: out-of-order confirmations, then a restart."""
    from bitexgate.sandbox import GatewaySandbox

    with tempfile.TemporaryDirectory() as folder:
        cursor_file = Path(folder) / "cursor.json"
        async with (
            GatewaySandbox() as sandbox,
            sandbox.serve() as base_url,
            BitexGateClient(
                api_key=sandbox.api_key, secret=sandbox.secret, base_url=base_url
            ) as gw,
        ):
            wallet = await gw.wallets.create(ticker="USDT", network="tron")

            async def outside_world() -> None:
                await asyncio.sleep(0.2)
                await sandbox.deposit(wallet.address, Decimal("25"), txid="tx-a")
                await sandbox.deposit(wallet.address, Decimal("40"), txid="tx-b")
                await asyncio.sleep(0.2)
                await sandbox.confirm_deposit("tx-b")  # the later one confirms first
                await asyncio.sleep(0.2)
                await sandbox.confirm_deposit("tx-a")

            print("-- the bot is running")
            world = asyncio.create_task(outside_world())
            await run_bot(gw, cursor_file=cursor_file, interval=0.05, stop_after=4)
            await world
            print("-- the bot stopped; meanwhile a deposit arrives, confirmed")
            await sandbox.deposit(wallet.address, Decimal("12.5"), txid="tx-c", confirmed=True)
            print("-- the bot restarts from its saved cursor")
            await run_bot(gw, cursor_file=cursor_file, interval=0.05, stop_after=1)
            with contextlib.suppress(asyncio.TimeoutError):
                # Nothing else to announce: nothing comes within a few polls.
                await asyncio.wait_for(
                    run_bot(gw, cursor_file=cursor_file, interval=0.05, stop_after=1), 0.5
                )
                print("-- unexpected: something was announced twice")
                sys.exit(1)
            print("-- nothing announced twice")


if __name__ == "__main__":
    asyncio.run(main())
