"""Three OS processes share one budget of 20 requests a second through Redis, for 3 seconds.

Each runs `tests/rate_limit_worker.py`: a Gateway client with a `RedisRateLimiter`
on the same key, keeping 8 calls going, far more than its share. The sandbox,
served on loopback from this process, stamps each request as it arrives; the
budget is checked on that log, not on any timing of the clients.

The tolerance: the limiter counts a request when it grants the turn (by the
granting process's clock), the sandbox when the request arrives, a little
later (signing, the HTTP stack, loopback). So a window of the log counted
from any arrival holds at most the budget when it is `SLACK` shorter than the
period; likewise each second of the sandbox's clock once its first `SLACK`
(requests granted just before the boundary) is set aside. The limit's window
slides, so it allows no burst beyond the budget.
"""

from __future__ import annotations

import json
import select
import subprocess
import time
from collections import Counter
from typing import IO

from bitexgate.sandbox import GatewaySandbox
from tests.redis_server import RedisServer
from tests.served import ROOT, clean_env, python_module, served

PROCESSES = 3
BUDGET = 20
SECONDS = 3.0
TASKS = 8
SLACK = 0.25
PATH = "/api/gateway/payment-methods"


def read_line(stream: IO[str], timeout: float) -> str:
    """One line from a child's output, or "" if none came in time."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline().strip() if ready else ""


def most_in_a_window(moments: list[float], starts: list[float], length: float) -> int:
    """The most arrivals in a window [start, start + length), over the given starts."""
    return max((sum(start <= at < start + length for at in moments) for start in starts), default=0)


def test_three_processes_share_a_budget_of_20_a_second(
    redis_server: RedisServer, redis_url: str
) -> None:
    sandbox = GatewaySandbox()
    with served(sandbox) as base_url:
        command = python_module(
            "tests.rate_limit_worker", base_url, redis_url,
            "--key", "cryptopay-test:shared", "--limit", f"{BUDGET}/second",
            "--seconds", str(SECONDS), "--tasks", str(TASKS),
            "--api-key", sandbox.api_key, "--secret", sandbox.secret,
        )  # fmt: skip
        workers = [
            subprocess.Popen(  # noqa: S603 (this interpreter on our own module)
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=clean_env(),
                cwd=ROOT,
            )
            for _ in range(PROCESSES)
        ]
        try:
            for worker in workers:
                assert worker.stdout is not None
                assert read_line(worker.stdout, 30) == "READY", worker.stderr
            started = time.time()
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write("GO\n")
                worker.stdin.flush()
            reports = []
            for worker in workers:
                out, err = worker.communicate(timeout=30)
                assert worker.returncode == 0, err
                reports.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.communicate()
    moments = sorted(r.received_at for r in sandbox.requests_to(PATH))
    assert moments[0] >= started
    per_second = Counter(int(at) for at in moments)
    shown = f"arrivals per second of the sandbox's clock: {sorted(per_second.items())}"
    assert all(report["errors"] == {} for report in reports), reports
    assert all(report["calls"] > 0 for report in reports), reports  # each got turns
    # Each process wanted far more than the budget: the limiter, not demand, set the pace.
    assert len(moments) >= 2 * BUDGET, shown
    assert len(moments) <= BUDGET * (SECONDS + 1), shown
    assert most_in_a_window(moments, moments, 1 - SLACK) <= BUDGET, shown
    seconds = [float(second) for second in per_second]
    assert most_in_a_window(moments, seconds, 1 - SLACK) <= BUDGET, shown
    assert most_in_a_window(moments, [s + SLACK for s in seconds], 1 - SLACK) <= BUDGET, shown
