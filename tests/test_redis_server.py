"""The Redis fixture gives a real, empty server on loopback."""

from __future__ import annotations

from tests.redis_server import RedisServer


def test_the_redis_fixture_is_a_real_empty_server_on_loopback(
    redis_server: RedisServer, redis_url: str
) -> None:
    assert redis_url.startswith("redis://127.0.0.1:")
    assert redis_server.command("SET", "k", "v") == b"+OK"
    assert redis_server.command("DBSIZE") == b":1"
    redis_server.flush()
    assert redis_server.command("DBSIZE") == b":0"
