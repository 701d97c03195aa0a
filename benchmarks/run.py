"""Run every benchmark, one after the other, and print their tables.

    python benchmarks/run.py            # the full run (a few minutes)
    python benchmarks/run.py --quick    # a tiny run (seconds): checks that everything works

Each benchmark starts its own loopback server (uvicorn, 127.0.0.1, in a
subprocess that stops by itself) and runs alone too:
`python benchmarks/bench_overhead.py`, `bench_fanout.py`, `bench_decode.py`,
`bench_paging.py`, `bench_deadline.py`, `bench_amounts.py`, `bench_token_store.py`
and `bench_rate_limit.py` (these two need a `redis-server`, and say they were
skipped without one).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _harness as h
from benchmarks import (
    bench_amounts,
    bench_deadline,
    bench_decode,
    bench_fanout,
    bench_overhead,
    bench_paging,
    bench_rate_limit,
    bench_token_store,
)

BENCHMARKS = (
    bench_overhead,
    bench_fanout,
    bench_decode,
    bench_paging,
    bench_deadline,
    bench_amounts,
    bench_token_store,
    bench_rate_limit,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (seconds)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"Machine: {h.machine()}\n", flush=True)
    for benchmark in BENCHMARKS:
        print(benchmark.run(quick=args.quick), flush=True)
    mode = "quick" if args.quick else "full"
    print(f"({mode} run, {time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
