"""What every benchmark shares: the server process, core pinning, the load driver, tables."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER = HERE / "_server.py"
SANDBOX_SERVER = HERE / "_sandbox_server.py"
BITY_SERVER = HERE / "_bity_server.py"

#: The benchmark's fake credentials (the server does not check them; both sides sign).
API_KEY = "0000-0000-0000-0000-bench"
SECRET = "Z%2-bench-secret-not-a-real-one"  # noqa: S105 (a made-up benchmark value)


# --- cores ---------------------------------------------------------------------------------------


def cores() -> tuple[int | None, int | None]:
    """(server core, client core): two different cores when there are two, else no pinning."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return available[0], available[1]


@contextlib.contextmanager
def pinned(cpu: int | None) -> Iterator[None]:
    """Run this process on `cpu` for the block, then restore what it had."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# --- the server ----------------------------------------------------------------------------------


@contextlib.contextmanager
def server(
    *, cpu: int | None, max_seconds: float, items: int = 100_000, max_requests: int = 1_000_000
) -> Iterator[str]:
    """Start `_server.py` on 127.0.0.1 for the block; yields its base URL.

    The server stops by itself after `max_seconds`, and when this block ends (its
    standard input is closed); it is killed if it has not stopped 5 s later.
    """
    command = [sys.executable, str(SERVER), "--max-seconds", str(max_seconds)]
    command += ["--max-requests", str(max_requests), "--items", str(items)]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    with _spawned(command) as base_url:
        yield base_url


@contextlib.contextmanager
def sandbox_server(
    *,
    cpu: int | None,
    max_seconds: float,
    service_time: float = 0.0,
    workers: int = 1,
    clock_offset: float = 0.0,
    max_window: float = 60.0,
) -> Iterator[str]:
    """Start `_sandbox_server.py` (this checkout's Gateway sandbox); yields its base URL."""
    command = [sys.executable, str(SANDBOX_SERVER), "--max-seconds", str(max_seconds)]
    command += ["--service-time", str(service_time), "--workers", str(workers)]
    command += ["--clock-offset", str(clock_offset), "--max-window", str(max_window)]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    with _spawned(command) as base_url:
        yield base_url


@contextlib.contextmanager
def bity_server(*, cpu: int | None, max_seconds: float) -> Iterator[str]:
    """Start `_bity_server.py` (this checkout's Bity sandbox); yields its base URL."""
    command = [sys.executable, str(BITY_SERVER), "--max-seconds", str(max_seconds)]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    with _spawned(command) as base_url:
        yield base_url


@contextlib.contextmanager
def redis_url(given: str | None) -> Iterator[str | None]:
    """`given`, else the URL of a `redis-server` started for the block, else None."""
    if given is not None:
        yield given
        return
    from tests.redis_server import running_redis

    with running_redis() as server:
        yield None if server is None else server.url


def run_on_redis(
    *,
    title: str,
    headers: Sequence[str],
    serve: Callable[..., contextlib.AbstractContextManager[str]],
    measure: Callable[..., Awaitable[list[list[Any]]]],
    quick: bool,
    redis: str | None,
) -> str:
    """Run `measure(base_url, redis_url, quick=...)` against `serve`d sandbox and a Redis.

    The report as Markdown, or why it was skipped when there is no Redis.
    """
    with redis_url(redis) as url:
        if url is None:
            return (
                f"### {title}\n\nSkipped: no Redis. Install `redis-server` (Debian: "
                "`apt-get install redis-server`) or pass `--redis-url redis://...`.\n"
            )
        server_cpu, client_cpu = cores()
        with (
            serve(cpu=server_cpu, max_seconds=60 if quick else 600) as base_url,
            pinned(client_cpu),
        ):
            rows = asyncio.run(measure(base_url, url, quick=quick))
    return table(headers, rows, title=title)


@contextlib.contextmanager
def _spawned(command: list[str]) -> Iterator[str]:
    """Run a server script that prints `PORT <n>`; stop it (stdin closed, then killed) after."""
    process = subprocess.Popen(  # noqa: S603 (our own script, with the running interpreter)
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline().strip() if process.stdout is not None else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"the benchmark server did not start (it said {line!r})")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# --- load ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """Throughput and latency of one measured run."""

    requests: int
    seconds: float
    latencies: tuple[float, ...] = ()  # of each call, in seconds, sorted

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 0.50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 0.99) * 1000


@dataclass(frozen=True)
class Rounds:
    """One side of a comparison: its runs, one a round."""

    runs: tuple[Stats, ...]

    @property
    def rps(self) -> float:
        """The median round's throughput."""
        return statistics.median(run.rps for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return self._pooled().p50_ms

    @property
    def p99_ms(self) -> float:
        return self._pooled().p99_ms

    def _pooled(self) -> Stats:
        latencies = sorted(value for run in self.runs for value in run.latencies)
        return Stats(sum(run.requests for run in self.runs), 0.0, tuple(latencies))

    def ratio_to(self, other: Rounds) -> float:
        """The median, over rounds, of this side's throughput over the other's that round.

        The two sides of a round run back to back, so a slow spell of the machine
        (other work on it) weighs on both; the median drops rounds it hit unevenly.
        """
        return statistics.median(
            mine.rps / theirs.rps for mine, theirs in zip(self.runs, other.runs, strict=True)
        )


async def paired_rounds(
    calls: dict[str, Callable[[], Awaitable[Any]]],
    *,
    in_flight: int,
    rounds: int,
    seconds: float,
    max_requests: int,
    warmup: int | None = None,
) -> dict[str, Rounds]:
    """Each call driven once a round, back to back, taking turns to go first."""
    runs: dict[str, list[Stats]] = {name: [] for name in calls}
    names = list(calls)
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else names[::-1]:
            stats = await drive(
                calls[name],
                in_flight=in_flight,
                seconds=seconds,
                max_requests=max_requests,
                warmup=warmup,
            )
            runs[name].append(stats)
    return {name: Rounds(tuple(stats)) for name, stats in runs.items()}


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The value at `fraction` (0..1) of an already sorted list (nearest rank)."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def drive(
    call: Callable[[], Awaitable[Any]],
    *,
    in_flight: int,
    seconds: float,
    max_requests: int,
    warmup: int | None = None,
) -> Stats:
    """Keep `in_flight` calls running for `seconds` (at most `max_requests` calls).

    First `warmup` calls (default: two per task) open the connections and are not
    counted. Every call must succeed: an error ends the benchmark.
    """
    warm = 2 * in_flight if warmup is None else warmup
    await _run(call, in_flight=in_flight, seconds=60.0, max_requests=warm, latencies=None)
    latencies: list[float] = []
    start = time.perf_counter()
    await _run(
        call, in_flight=in_flight, seconds=seconds, max_requests=max_requests, latencies=latencies
    )
    elapsed = time.perf_counter() - start
    return Stats(requests=len(latencies), seconds=elapsed, latencies=tuple(sorted(latencies)))


async def _run(
    call: Callable[[], Awaitable[Any]],
    *,
    in_flight: int,
    seconds: float,
    max_requests: int,
    latencies: list[float] | None,
) -> None:
    remaining = max_requests
    deadline = time.perf_counter() + seconds
    clock = time.perf_counter

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = clock()
            await call()
            finished = clock()
            if latencies is not None:
                latencies.append(finished - started)
            if finished > deadline:
                return

    await asyncio.gather(*(worker() for _ in range(in_flight)))


# --- output --------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str) -> str:
    """A Markdown table (readable in a terminal too)."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    lines = [f"### {title}", ""]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    # Columns of text are aligned left, columns of numbers (and verdicts) right.
    left = [
        i == 0 or all(isinstance(row[i], str) and not _numeric(row[i]) for row in rows)
        for i in range(len(headers))
    ]
    rule = [
        "-" * (w + 2) if lft else "-" * (w + 1) + ":" for w, lft in zip(widths, left, strict=True)
    ]
    lines.append("|" + "|".join(rule) + "|")
    for row in cells:
        padded = [
            c.ljust(w) if lft else c.rjust(w) for c, w, lft in zip(row, widths, left, strict=True)
        ]
        lines.append("| " + " | ".join(padded) + " |")
    return "\n".join(lines) + "\n"


def _numeric(text: str) -> bool:
    """A number written out (`0.953`, `1,234`) or a short verdict (`yes`, `NO`, `-`)."""
    try:
        float(text.replace(",", ""))
    except ValueError:
        return len(text) <= 3
    return True


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def machine() -> str:
    """One paragraph on where the numbers come from."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    parser = "httptools" if _version("httptools") != "-" else "h11"
    server_cpu, client_cpu = cores()
    pinning = (
        f"server on core {server_cpu}, client on core {client_cpu}"
        if server_cpu is not None
        else "no pinning (fewer than 2 cores)"
    )
    return (
        f"{os.cpu_count()} cores ({model}); Python {platform.python_version()}; "
        f"httpx {_version('httpx')}, httpcore {_version('httpcore')}, "
        f"aiohttp {_version('aiohttp')}, httpx-aiohttp {_version('httpx-aiohttp')}, "
        f"uvicorn {_version('uvicorn')} ({parser}); {pinning}"
    )
