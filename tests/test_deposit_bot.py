"""examples/deposit_bot.py runs as a user runs it, and announces each change exactly once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BOT = Path(__file__).parent.parent / "examples" / "deposit_bot.py"


def test_the_deposit_bot_demo_announces_each_change_once_across_a_restart() -> None:
    done = subprocess.run(  # noqa: S603 (our own script, run by this interpreter)
        [sys.executable, str(BOT), "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    announced = [line for line in lines if not line.startswith("--")]
    assert sorted(announced) == sorted(
        [
            "incoming: 25.00000000 USDT on tron (tx tx-a)",
            "incoming: 40.00000000 USDT on tron (tx tx-b)",
            "PENDING -> CONFIRMED: 40.00000000 USDT (tx tx-b)",
            "PENDING -> CONFIRMED: 25.00000000 USDT (tx tx-a)",
            "received: 12.50000000 USDT on tron (tx tx-c)",
        ]
    )
    for tx in ("tx-a", "tx-b"):
        steps = [line for line in announced if f"(tx {tx})" in line]
        assert steps[0].startswith("incoming")
        assert steps[1].startswith("PENDING -> CONFIRMED")
    # The deposit made while the bot was stopped comes after the restart, once.
    assert lines.index("-- the bot restarts from its saved cursor") < lines.index(
        "received: 12.50000000 USDT on tron (tx tx-c)"
    )
    assert lines[-1] == "-- nothing announced twice"
    assert done.stderr == ""
