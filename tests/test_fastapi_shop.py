"""The FastAPI shop in examples/ runs against the sandbox, in one process, end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.served import clean_env

SHOP = Path(__file__).parent.parent / "examples" / "fastapi_shop.py"


def test_the_shop_takes_a_payment_and_follows_a_payout() -> None:
    done = subprocess.run(  # noqa: S603 (our own script, run by this interpreter)
        [sys.executable, str(SHOP)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(),  # the walk through needs no credentials of the caller's
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for step in (
        "a customer orders: the shop creates an invoice with its own callback URL",
        "the customer pays; the payment is pending, then confirmed",
        "order state: payment pending",
        "order state: paid, received 292.00000000 UAH",
        "200 already handled",
        "403 the callback URL's token is missing or forged",
        "NEW -> CONFIRMED -> VERIFIED -> APPROVED -> DONE",
    ):
        assert step in done.stdout
    assert "FAILED" not in done.stdout
    assert "the shop took a payment and followed a payout, every callback once" in done.stdout
    assert done.stderr == ""
