"""6. Amounts on the wire: which Gateway amounts go out as JSON numbers, which as text.

    python benchmarks/bench_amounts.py [--quick]

The Gateway (Django REST framework) reads a JSON number with a fraction as a
binary float, so the SDK sends an amount as a number only where a float round
trip keeps it exactly, and as exact text otherwise (`bitexgate._amounts`). This
counts, for random amounts with 8 decimal places and a given number of digits
before the point, the share that goes out as text. No server: a pure function.
"""

from __future__ import annotations

import argparse
import random
import sys
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _harness as h
from bitexgate._amounts import wire_amount

WHOLE_DIGITS = (1, 4, 7, 8, 9, 10, 12)
HEADERS = ["digits before the point", "amounts", "sent as text", "share as text"]


def measure(*, samples: int, seed: int = 1) -> list[list[object]]:
    """One row per number of whole digits: how many of `samples` amounts go out as text."""
    chooser = random.Random(seed)  # noqa: S311 (sampling amounts, not secrets)
    rows: list[list[object]] = []
    for digits in WHOLE_DIGITS:
        text = 0
        for _ in range(samples):
            whole = chooser.randrange(10 ** (digits - 1), 10**digits)
            fraction = chooser.randrange(10**8)
            text += isinstance(wire_amount(Decimal(f"{whole}.{fraction:08d}")), str)
        rows.append([str(digits), samples, text, f"{100 * text / samples:.1f} %"])
    return rows


def run(*, quick: bool = False) -> str:
    """Count every case; the report as Markdown."""
    rows = measure(samples=500 if quick else 20_000)
    return h.table(HEADERS, rows, title="6. Amounts on the wire: 8 decimals, number or text")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a moment)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
