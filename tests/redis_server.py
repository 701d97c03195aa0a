"""A real `redis-server` on a free loopback port, for the tests of what processes share.

The server keeps nothing on disk and is stopped at the end of the session. When
`redis-server` is not installed the tests that need it are skipped, except under
CI (`CI` set), where `.ci/run` installs it and a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

__all__ = ["RedisServer", "running_redis"]

#: How long the server may take to answer its first PING.
STARTUP_TIMEOUT = 10.0


class RedisServer:
    """A running server: its port and URL, and a way to empty it between tests."""

    def __init__(self, port: int, process: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.process = process

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self, *words: str) -> bytes:
        """Send one command in the inline protocol; the first line of the reply."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(" ".join(words).encode() + b"\r\n")
            return conn.makefile("rb").readline().rstrip(b"\r\n")

    def flush(self) -> None:
        assert self.command("FLUSHALL") == b"+OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer | None]:
    """A fresh server for the block, or None when no `redis-server` is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            raise RuntimeError("redis-server is not installed; .ci/run installs it")
        yield None
        return
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(5):  # another process may take the port between probe and bind
            port = _free_port()
            process = subprocess.Popen(  # noqa: S603 (the installed server, fixed arguments)
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    folder,
                    "--protected-mode",
                    "yes",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            server = RedisServer(port, process)
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while process.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    if server.command("PING") == b"+PONG":
                        break
                time.sleep(0.02)
            else:
                process.kill()
                process.wait()
                continue
            try:
                yield server
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            return
        raise RuntimeError("redis-server did not start on a free loopback port")
