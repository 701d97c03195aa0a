"""3. Decoding: a list body of 10,000 records into the SDK's models, against json.loads.

    python benchmarks/bench_decode.py [--quick] [--profile]

Two bodies, each 10,000 records shaped like the documented samples: a gateway
wallet page (`count / next / results`) and a Bity rate list (`meta / objects`).
The SDK side is what a list call does with the answer: the response text, JSON
with every fraction as a Decimal, the page shape checked, each record checked
and built as a frozen attrs model (decimals, datetimes, enums). The baseline is
`json.loads` alone on the same bytes. Each is timed several times, taking turns,
with a garbage collection before each, keeping the best time.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json
from datetime import datetime
from decimal import Decimal

import attrs
import httpx

from benchmarks import _data
from benchmarks import _harness as h
from bitexgate import Wallet
from bitexgate._models import converter as gateway_converter
from bitexgate._pages import DRF_PAGE
from bityclient import Currency, ListMeta, Rate
from bityclient._decode import converter
from bityclient._requests import TASTYPIE_PAGE
from common import Page, structure
from common._pages import decode_page

TARGET = 2.0

REQUEST = httpx.Request("GET", "http://127.0.0.1/api")


def decode_wallets(body: bytes) -> Page[Wallet]:
    """A wallet page as `gw.wallets.list()` decodes it."""
    return decode_page(gateway_converter, response(body), Wallet, DRF_PAGE)[0]


def decode_rates(body: bytes) -> Page[Rate]:
    """A rate page as `bity.rates.list()` decodes it (its `meta` included)."""
    answer = response(body)
    page, data = decode_page(converter, answer, Rate, TASTYPIE_PAGE)
    structure(converter, data["meta"], ListMeta, answer)
    return page


def wallet_body(count: int) -> bytes:
    return _data.wallet_page("http://127.0.0.1", page=1, size=count, total=count)


def rate_body(count: int) -> bytes:
    meta = {"limit": count, "offset": 0, "next": None, "previous": None, "total_count": count}
    return _data.dumps({"meta": meta, "objects": [_data.rate(i) for i in range(count)]})


def response(body: bytes) -> httpx.Response:
    return httpx.Response(
        200, content=body, headers={"content-type": "application/json"}, request=REQUEST
    )


def best_time(work: Callable[[], Any], *, repeat: int) -> float:
    """The best of `repeat` timings of `work()` (seconds), collecting garbage before each."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect(1)  # the young generations: no garbage left over from the last step
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def measure(*, count: int, repeat: int) -> list[list[Any]]:
    bodies = {"wallets (gateway)": wallet_body(count), "rates (Bity)": rate_body(count)}

    def sdk_wallets(body: bytes) -> Any:
        page = decode_wallets(body)
        if len(page.items) != count:
            raise RuntimeError(f"decoded {len(page.items)} wallets, not {count}")
        return page

    def sdk_rates(body: bytes) -> Any:
        rates = decode_rates(body)
        if len(rates.items) != count:
            raise RuntimeError(f"decoded {len(rates.items)} rates, not {count}")
        return rates

    decoders: dict[str, tuple[Callable[[bytes], Any], Callable[[Any], Any]]] = {
        "wallets (gateway)": (
            sdk_wallets,
            lambda data: gateway_converter.structure(data["results"], list[Wallet]),
        ),
        "rates (Bity)": (
            sdk_rates,
            lambda data: (
                converter.structure(data["objects"], list[Rate]),
                converter.structure(data["meta"], ListMeta),
            ),
        ),
    }
    rows: list[list[Any]] = []
    for kind, body in bodies.items():
        sdk, structure_only = decoders[kind]
        parsed = json.loads(body)
        times = {"json": float("inf"), "sdk": float("inf"), "structure": float("inf")}
        work = {
            "json": functools.partial(json.loads, body),
            "sdk": functools.partial(sdk, body),
            "structure": functools.partial(structure_only, parsed),
        }
        for _ in range(repeat):  # take turns, so a slow moment hurts all sides alike
            for name, step in work.items():
                times[name] = min(times[name], best_time(step, repeat=1))
        ratio = times["sdk"] / times["json"]
        rows.append(
            [
                kind,
                count,
                round(len(body) / 1e6, 2),
                times["json"] * 1000,
                times["structure"] * 1000,
                times["sdk"] * 1000,
                round(ratio, 2),
                times["sdk"] / count * 1e6,
                h.verdict(ratio <= TARGET),
            ]
        )
    return rows


HEADERS = [
    "records",
    "count",
    "MB",
    "json.loads ms",
    "models only ms",
    "SDK decode ms",
    "SDK / json.loads",
    "SDK us/record",
    f"target <= {TARGET:.1f}x",
]


def profile(*, count: int, top: int = 14) -> str:
    """cProfile of the SDK decoding each body once: where the time goes, by own time."""
    work = {"wallets (gateway)": decode_wallets, "rates (Bity)": decode_rates}
    bodies = {"wallets (gateway)": wallet_body(count), "rates (Bity)": rate_body(count)}
    out = []
    for kind, decode_body in work.items():
        body = bodies[kind]
        decode_body(body)  # build the hooks first: only the steady state is profiled
        profiler = cProfile.Profile()
        gc.collect(1)
        profiler.enable()
        decode_body(body)
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.strip_dirs().sort_stats("tottime").print_stats(top)
        lines = [line for line in text.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        out.append(f"#### {kind}, {count:,} records (cProfile, by own time)\n")
        out.append("```\n" + "\n".join([lines[0], *lines[start:]]) + "\n```\n")
    return "\n".join(out)


def floor(*, count: int, repeat: int = 5) -> str:
    """What the unavoidable steps alone cost per record, in bulk, against `json.loads`.

    Building the frozen model from values already converted (attrs' `__init__`),
    and converting the values (`datetime.fromisoformat`, `Decimal`, the enum
    lookups): no check, no dispatch, no copying. If these alone come near the
    time `json.loads` takes, no structuring code can reach a small multiple of it.
    """
    wallets = json.loads(wallet_body(count))["results"]
    rates = json.loads(rate_body(count))["objects"]
    wallet_bytes, rate_bytes = _data.dumps(wallets), _data.dumps(rates)
    members = Currency._value2member_map_
    built_wallets = [
        attrs.asdict(w, recurse=False) for w in decode_wallets(wallet_body(count)).items
    ]
    built_rates = [attrs.asdict(r, recurse=False) for r in decode_rates(rate_body(count)).items]
    fromiso = datetime.fromisoformat
    # Python 3.11 reads a `Z` suffix (as the SDK does there); 3.10 needs it off.
    utc_suffix = "Z" if sys.version_info >= (3, 11) else ""
    created = [w["created_at"][:-1] + utc_suffix for w in wallets]
    steps: dict[str, list[tuple[str, Callable[[], Any]]]] = {
        "wallets (gateway)": [
            ("json.loads of the records", lambda: json.loads(wallet_bytes)),
            ("Wallet(**values): the frozen instance", lambda: [Wallet(**v) for v in built_wallets]),
            ("datetime.fromisoformat x1", lambda: [fromiso(text) for text in created]),
            (
                "Decimal(text) x0-2",
                lambda: (
                    [Decimal(w["convert_limit"]) for w in wallets if w["convert_limit"]]
                    + [Decimal(w["convert_percent"]) for w in wallets if w["convert_percent"]]
                ),
            ),
        ],
        "rates (Bity)": [
            ("json.loads of the records", lambda: json.loads(rate_bytes)),
            ("Rate(**values): the frozen instance", lambda: [Rate(**v) for v in built_rates]),
            (
                "datetime.fromisoformat x3",
                lambda: [
                    fromiso(r[key] + utc_suffix)
                    for r in rates
                    for key in ("timestamp", "rate_we_buy_timestamp", "rate_we_sell_timestamp")
                ],
            ),
            (
                "Decimal(text) x3",
                lambda: [
                    Decimal(r[key])
                    for r in rates
                    for key in ("rate", "rate_we_buy", "rate_we_sell")
                ],
            ),
            (
                "Currency member lookups x2",
                lambda: [(members[r["source"]], members[r["target"]]) for r in rates],
            ),
        ],
    }
    rows: list[list[Any]] = []
    for kind, timed in steps.items():
        loads = 0.0
        for name, work in timed:
            seconds = best_time(work, repeat=repeat)
            loads = loads or seconds  # the first step is json.loads
            rows.append([kind, name, seconds / count * 1e6, round(seconds / loads, 2)])
    return h.table(
        ["records", "step, alone", "us/record", "x json.loads"],
        rows,
        title=f"3b. The floor: unavoidable steps per record ({count:,} records)",
    )


def run(*, quick: bool = False) -> str:
    """Run the benchmark; the report as Markdown."""
    _, client_cpu = h.cores()
    with h.pinned(client_cpu):
        rows = measure(count=500 if quick else 10_000, repeat=2 if quick else 9)
    return h.table(HEADERS, rows, title="3. Decoding: SDK models against json.loads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (a second or so)")
    parser.add_argument("--profile", action="store_true", help="also profile the SDK's decoding")
    args = parser.parse_args(argv)
    print(run(quick=args.quick), flush=True)
    if args.profile:
        count = 500 if args.quick else 10_000
        print(floor(count=count), flush=True)
        print(profile(count=count), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
