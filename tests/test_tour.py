"""The guided tour in examples/ runs, as a user runs it, and passes every one of its checks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TOUR = Path(__file__).parent.parent / "examples" / "tour.py"


def test_the_tour_walks_every_endpoint_and_exits_zero() -> None:
    done = subprocess.run(  # noqa: S603 (our own script, run by this interpreter)
        [sys.executable, str(TOUR)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for heading in (
        "payment_methods.list()",
        "wallets.create()",
        "a deposit arrives, then confirms",
        "paging through deposit history with async for",
        "invoices.create()",
        "withdrawals.create(), then NEW -> ... -> DONE",
        "a payment whose answer is lost is never sent twice",
        "users.verify_phone()",
        "login()",
        "rates.list(), rates.we_sell(), rates.we_buy()",
        "orders.create()",
        "paging through orders with async for",
        "the token expires: the next call refreshes it by itself",
    ):
        assert f"== {heading}" in done.stdout
    assert "FAILED" not in done.stdout
    # Counts agree with their nouns: "1 order (of 7)", never "1 orders" or "invoice(s)".
    assert "1 order (of 7)" in done.stdout
    assert "(s)" not in done.stdout
    nouns = "orders|deposits|invoices|withdrawals|requests|pairs|callbacks"
    assert not re.search(rf"(?<![\d.])1 ({nouns})\b", done.stdout)
    # A token's expiry is a full ISO 8601 time: its date and its zone.
    assert re.search(r"token expires at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00, ", done.stdout)
    assert "every endpoint of both clients answered as described" in done.stdout
    assert done.stderr == ""
