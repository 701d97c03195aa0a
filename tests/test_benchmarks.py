"""The benchmarks run, in their tiny mode, and print their tables and ratios.

Nothing here asserts a speed: the numbers depend on the machine. What is checked
is that every benchmark runs end to end against its loopback server, prints a
row for each case with a ratio in it, and that the server stops by itself.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from benchmarks import (
    _harness,
    bench_amounts,
    bench_deadline,
    bench_decode,
    bench_fanout,
    bench_overhead,
    bench_paging,
    bench_rate_limit,
    bench_token_store,
)
from benchmarks import run as run_all
from tests import redis_server

ROOT = Path(__file__).parent.parent


def table_rows(output: str, title: str) -> list[list[str]]:
    """The cells of the data rows of the Markdown table under `### <title>...`."""
    section = output.split(f"### {title}", 1)[1].split("###", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def number(cell: str) -> float:
    return float(cell.replace(",", "").rstrip("x"))


def test_request_overhead(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_overhead.main(["--quick"]) == 0
    rows = table_rows(capsys.readouterr().out, "1. Request overhead")
    assert [(row[0], row[1]) for row in rows] == [
        (call, level)
        for call in ("wallets.list", "payment_methods.list")
        for level in ("1", "10", "100")
    ]
    for row in rows:
        assert number(row[2]) > 0  # req/s, raw
        assert number(row[3]) > 0  # req/s, SDK
        # one round in the quick mode: the median ratio is that round's
        assert number(row[4]) == pytest.approx(number(row[3]) / number(row[2]), abs=0.02)
        assert row[-1] in ("yes", "NO")


def test_fan_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_fanout.main(["--quick"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out, "2. Fan-out")
    assert [row[0] for row in rows] == ["wallets.list", "payment_methods.list"]
    for row in rows:
        assert row[1] == "100"
        assert number(row[6]) == pytest.approx(number(row[4]) / number(row[2]), abs=0.02)
    references = table_rows(out, "2b. The HTTP stacks alone")
    assert [row[0] for row in references] == [
        "raw httpx",
        "raw httpx over httpx-aiohttp",
        "raw aiohttp",
    ]


def test_decoding_with_its_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_decode.main(["--quick", "--profile"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out, "3. Decoding")
    assert [row[0] for row in rows] == ["wallets (gateway)", "rates (Bity)"]
    for row in rows:
        # the times are printed rounded to 0.01 ms: small ones make the check loose
        assert number(row[6]) == pytest.approx(number(row[5]) / number(row[3]), rel=0.15)
    assert len(table_rows(out, "3b. The floor")) == 9
    assert out.count("(cProfile, by own time)") == 2
    assert "fast_structure_Wallet" in out
    assert "fast_structure_Rate" in out


def test_paging_memory(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_paging.main(["--quick"]) == 0
    rows = table_rows(capsys.readouterr().out, "4. Paging memory")
    assert [row[0] for row in rows] == ["100 wallets", "2,000 wallets"]
    assert [row[1] for row in rows] == ["1", "20"]  # pages
    assert number(rows[1][5]) == pytest.approx(number(rows[1][4]) - number(rows[0][4]), abs=0.02)


def test_deadlines(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_deadline.main(["--quick"]) == 0
    rows = table_rows(capsys.readouterr().out, "5. Deadlines")
    assert [(row[0].split(":")[0], row[1]) for row in rows] == [
        (case, transport)
        for case in ("busy", "behind", "ahead")
        for transport in ("default", "fast")
    ]
    for row in rows:
        assert int(row[3]) <= int(row[2])  # succeeded, of the calls made
        assert int(row[4]) >= 0  # resent


def test_amounts(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_amounts.main(["--quick"]) == 0
    rows = table_rows(capsys.readouterr().out, "6. Amounts on the wire")
    assert [row[0] for row in rows] == ["1", "4", "7", "8", "9", "10", "12"]
    assert [int(row[2]) for row in rows[:3]] == [0, 0, 0]  # 15 digits or fewer: numbers
    assert int(rows[-1][2]) > 0.9 * int(rows[-1][1])  # 20 digits: all but a few as text


def test_token_store(capsys: pytest.CaptureFixture[str], redis_url: str) -> None:
    assert bench_token_store.main(["--quick", "--redis-url", redis_url]) == 0
    rows = table_rows(capsys.readouterr().out, "7. Token store")
    assert [(row[0], row[1]) for row in rows] == [
        ("orders.list", "1"),
        ("orders.list", "10"),
        ("orders.list", "100"),
        ("refresh", "1"),
    ]
    for row in rows:
        assert number(row[2]) > 0  # req/s, memory
        assert number(row[3]) > 0  # req/s, Redis
        # one round in the quick mode: the median ratio is that round's
        assert number(row[4]) == pytest.approx(number(row[3]) / number(row[2]), abs=0.02)
        assert number(row[5]) == pytest.approx(
            1000 / number(row[3]) - 1000 / number(row[2]), abs=0.05
        )
    # Only its own keys, and they are gone.
    client = redis.Redis.from_url(redis_url)
    assert client.keys("*") == []
    client.close()


def test_token_store_without_redis_says_it_was_skipped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextlib.contextmanager
    def no_server() -> Iterator[None]:
        yield None

    monkeypatch.setattr(redis_server, "running_redis", no_server)
    assert bench_token_store.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### 7. Token store")
    assert "Skipped: no Redis. Install `redis-server`" in out


def test_rate_limit(capsys: pytest.CaptureFixture[str], redis_url: str) -> None:
    assert bench_rate_limit.main(["--quick", "--redis-url", redis_url]) == 0
    rows = table_rows(capsys.readouterr().out, "8. Rate limit")
    assert [(row[0], row[1]) for row in rows] == [
        ("payment_methods.list", "1"),
        ("payment_methods.list", "10"),
        ("payment_methods.list", "100"),
    ]
    for row in rows:
        assert all(number(cell) > 0 for cell in row[2:5])  # req/s: none, local, Redis
        # one round in the quick mode: the median ratio is that round's
        assert number(row[5]) == pytest.approx(number(row[3]) / number(row[2]), abs=0.02)
        assert number(row[6]) == pytest.approx(number(row[4]) / number(row[3]), abs=0.02)
        assert number(row[7]) == pytest.approx(
            1000 / number(row[4]) - 1000 / number(row[3]), abs=0.05
        )
    # Only its own keys, and they are gone.
    client = redis.Redis.from_url(redis_url)
    assert client.keys("*") == []
    client.close()


def test_rate_limit_without_redis_says_it_was_skipped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextlib.contextmanager
    def no_server() -> Iterator[None]:
        yield None

    monkeypatch.setattr(redis_server, "running_redis", no_server)
    assert bench_rate_limit.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### 8. Rate limit")
    assert "Skipped: no Redis. Install `redis-server`" in out


def test_run_py_runs_all_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, bool]] = []
    for module in run_all.BENCHMARKS:

        def fake(*, quick: bool = False, name: str = module.__name__) -> str:
            seen.append((name, quick))
            return f"### table of {name}\n"

        monkeypatch.setattr(module, "run", fake)
    assert run_all.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Machine: ")
    assert [name.rsplit(".", 1)[1] for name, _ in seen] == [
        "bench_overhead",
        "bench_fanout",
        "bench_decode",
        "bench_paging",
        "bench_deadline",
        "bench_amounts",
        "bench_token_store",
        "bench_rate_limit",
    ]
    assert all(quick for _, quick in seen)
    assert re.search(r"\(quick run, \d+ s\)", out)


def test_a_benchmark_runs_as_a_script() -> None:
    done = subprocess.run(  # noqa: S603 (the running interpreter on our own script)
        [sys.executable, str(ROOT / "benchmarks" / "bench_decode.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "### 3. Decoding" in done.stdout


def test_the_server_stops_by_itself_when_its_time_is_up() -> None:
    server = subprocess.Popen(  # noqa: S603 (the running interpreter on our own script)
        [sys.executable, str(_harness.SERVER), "--max-seconds", "0.2"],
        stdin=subprocess.PIPE,  # kept open: only the time limit can stop it
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("PORT ")
        assert server.wait(timeout=20) == 0
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()


def test_tables_align_text_left_and_numbers_right() -> None:
    text = _harness.table(["name", "n", "ok"], [["a", 1234, "yes"]], title="T")
    assert "| name | n     | ok  |" in text
    assert "|------|------:|----:|" in text
    assert "| a    | 1,234 | yes |" in text
