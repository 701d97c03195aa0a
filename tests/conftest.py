"""Fixtures shared by every test: recorded samples, a sleep recorder, no internet."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.redis_server import RedisServer, running_redis

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(api: str, name: str) -> str:
    """The raw text of a recorded sample, `tests/fixtures/<api>/<name>`."""
    return (FIXTURES / api / name).read_text(encoding="utf-8")


def fixture_json(api: str, name: str) -> Any:
    """A recorded sample, decoded."""
    return json.loads(fixture_text(api, name))


class SleepRecorder:
    """Stands in for asyncio.sleep: records each requested delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket connection to a host that is not loopback fails the test."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address: Any) -> None:
        if isinstance(address, tuple):
            host = address[0]
            try:
                is_loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                is_loopback = host == "localhost"
            if not is_loopback:
                raise AssertionError(f"tests must not reach the network (tried {address!r})")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on loopback for the whole session (see tests/redis_server.py)."""
    with running_redis() as server:
        if server is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of an emptied Redis database."""
    redis_server.flush()
    return redis_server.url
