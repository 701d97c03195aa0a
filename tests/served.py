"""Helpers for tests that run a command line against a sandbox on a loopback socket."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent


@contextlib.contextmanager
def served(sandbox: Any) -> Iterator[str]:
    """Serve `sandbox` on a free loopback port from a background thread; yields its base URL.

    The command lines under test call `asyncio.run` themselves, so the server cannot
    share their event loop: it gets its own, in its own thread.
    """
    started = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        state["loop"], state["stop"] = asyncio.get_running_loop(), stop
        async with sandbox.serve() as base_url:
            state["url"] = base_url
            started.set()
            await stop.wait()

    def target() -> None:
        try:
            asyncio.run(serve())
        except Exception as exc:  # noqa: BLE001 (handed to the test below)
            state["error"] = exc
            started.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    if not started.wait(10) or "error" in state:
        raise RuntimeError(f"the sandbox did not start: {state.get('error')!r}")
    try:
        yield state["url"]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)


def closed_port() -> int:
    """A loopback port nothing listens on (taken and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_module(*args: str) -> list[str]:
    """The command that runs `python -m <args>` with this interpreter."""
    return [sys.executable, "-m", *args]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: no credentials of the caller's, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BITEXGATE_", "BITY_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def run_module(
    *args: str, timeout: float = 30, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m <args>` to its end, capturing its output."""
    return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        python_module(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(**extra_env),
        cwd=ROOT,
        check=False,
    )
