"""The token stores on their own: memory, file (mode 0600, atomic, an OS lock), Redis (real)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
import redis.asyncio

from bityclient import (
    FileTokenStore,
    MemoryTokenStore,
    RedisTokenStore,
    Token,
    TokenStore,
    TokenStoreError,
    ValidationError,
    _file_store,
    dump_token,
)
from tests.served import closed_port

from .conftest import make_token

ACCESS = "AccessSECRET1"
REFRESH = "RefreshSECRET1"
TOKEN = make_token(access=ACCESS, refresh=REFRESH)
NEWER = make_token(access="AccessSECRET2", refresh="RefreshSECRET2", expires_in=7200)
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and flock")


async def order_of_entry(store: TokenStore) -> list[str]:
    """Two tasks take the store's lock; what each did, in order (exclusive: no interleaving)."""
    events: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with store.lock():
            events.append("first in")
            inside.set()
            for _ in range(5):
                await asyncio.sleep(0.01)
            events.append("first out")

    async def second() -> None:
        await inside.wait()
        async with store.lock():
            events.append("second in")

    await asyncio.wait_for(asyncio.gather(first(), second()), 30)
    return events


# --- memory --------------------------------------------------------------------------------------


async def test_the_memory_store_keeps_the_last_token_saved() -> None:
    store = MemoryTokenStore()
    assert isinstance(store, TokenStore)
    assert await store.load() is None
    await store.save(TOKEN)
    await store.save(NEWER)
    assert await store.load() is NEWER
    assert await MemoryTokenStore(TOKEN).load() is TOKEN


async def test_the_memory_store_lock_is_exclusive() -> None:
    assert await order_of_entry(MemoryTokenStore()) == ["first in", "first out", "second in"]


def test_the_memory_store_shows_no_token_and_takes_only_tokens() -> None:
    assert repr(MemoryTokenStore()) == "<MemoryTokenStore empty>"
    assert repr(MemoryTokenStore(TOKEN)) == "<MemoryTokenStore holding a token>"
    with pytest.raises(TypeError, match="token must be a Token"):
        MemoryTokenStore(dump_token(TOKEN))  # type: ignore[arg-type]


# --- file ----------------------------------------------------------------------------------------


async def test_the_file_store_round_trips_a_token_as_json(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    assert isinstance(store, TokenStore)
    assert await store.load() is None  # no file yet
    await store.save(TOKEN)
    assert await store.load() == TOKEN
    assert json.loads(store.path.read_text()) == json.loads(json.dumps(dump_token(TOKEN)))
    await store.save(NEWER)
    assert await store.load() == NEWER
    assert os.listdir(tmp_path) == ["token.json"]  # no temporary left


@posix_only
async def test_the_file_is_private_whatever_the_umask_and_the_old_mode(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}")
    path.chmod(0o644)
    old = os.umask(0)
    try:
        await FileTokenStore(path).save(TOKEN)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_save_replaces_the_file_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "token.json"
    store = FileTokenStore(path)
    await store.save(TOKEN)
    before = path.stat().st_ino
    await store.save(NEWER)
    assert path.stat().st_ino != before  # a new file renamed over the old one

    def failing_replace(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_file_store.os, "replace", failing_replace)
    with pytest.raises(TokenStoreError) as caught:
        await store.save(TOKEN)
    assert str(caught.value) == f"cannot write the token file {path}: No space left on device"
    assert await store.load() == NEWER  # the old file, whole
    assert os.listdir(tmp_path) == ["token.json"]  # the temporary removed


def test_a_reader_sees_the_old_token_or_the_new_one_never_a_mix(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    _file_store.write_token(path, TOKEN)
    seen: set[str] = set()
    done = threading.Event()

    def write() -> None:
        for index in range(200):
            _file_store.write_token(path, NEWER if index % 2 else TOKEN)
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    while not done.is_set():
        token = _file_store.read_token(path)  # raises on a half-written file
        assert token is not None
        seen.add(token.access_token)
    writer.join()
    assert seen <= {TOKEN.access_token, NEWER.access_token}
    assert seen


async def test_a_file_that_holds_no_token_is_a_store_error_that_shows_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "token.json"
    store = FileTokenStore(path)
    for text in ['{"access_token": "LEAKED secret"}', "LEAKED", "[1]"]:
        path.write_text(text)
        with pytest.raises(TokenStoreError) as caught:
            await store.load()
        assert str(caught.value) == f"{path} does not hold a stored token"
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__
    path.unlink()
    path.mkdir()
    with pytest.raises(TokenStoreError, match=r"^cannot read the token file .*token\.json: "):
        await store.load()


async def test_the_file_lock_is_exclusive_in_one_process(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    events = await order_of_entry(store)
    assert events == ["first in", "first out", "second in"]
    # Another store on the same file locks the same side file.
    assert store.lock_path == tmp_path / "token.json.lock"
    async with store.lock():
        with pytest.raises(TokenStoreError, match=r"waited 0\.05 s for the lock on"):
            async with FileTokenStore(store.path, blocking_timeout=0.05).lock():
                pass  # pragma: no cover


@posix_only
async def test_the_file_lock_is_an_os_lock_freed_when_its_holder_dies(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json", blocking_timeout=0.05)
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(600)\n",
        str(store.lock_path),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"locked\n"
        with pytest.raises(TokenStoreError, match="another process holds it"):
            async with store.lock():
                pass  # pragma: no cover
    finally:
        holder.kill()
        await holder.communicate()
    async with store.lock():  # the OS freed it with the process
        assert stat.S_IMODE(store.lock_path.stat().st_mode) == 0o600
    assert not store.path.exists()  # locking never touches the token file


def test_the_file_store_shows_its_path_and_checks_its_settings(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    assert repr(store) == f"<FileTokenStore path={str(tmp_path / 't.json')!r}>"
    assert FileTokenStore("~/t.json").path == Path.home() / "t.json"
    with pytest.raises(ValidationError, match="blocking_timeout"):
        FileTokenStore("t.json", blocking_timeout=0)


# --- Redis ---------------------------------------------------------------------------------------


@pytest.fixture
async def connection(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_the_redis_store_keeps_the_token_as_json_under_its_key(
    connection: redis.asyncio.Redis,
) -> None:
    store = RedisTokenStore(connection, key="bity:token:acct")
    assert isinstance(store, TokenStore)
    assert (store.key, store.lock_key) == ("bity:token:acct", "bity:token:acct:lock")
    assert await store.load() is None
    await store.save(TOKEN)
    assert await store.load() == TOKEN
    raw = await connection.get("bity:token:acct")
    assert json.loads(raw) == json.loads(json.dumps(dump_token(TOKEN)))
    assert await connection.ttl("bity:token:acct") == -1  # no expiry
    assert await connection.keys("*") == [b"bity:token:acct"]


async def test_the_redis_store_works_with_decoded_responses(redis_url: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        store = RedisTokenStore(client, key="k")
        await store.save(TOKEN)
        assert await store.load() == TOKEN
        async with store.lock():
            assert await client.exists("k:lock")
        assert not await client.exists("k:lock")
    finally:
        await client.aclose()


async def test_a_redis_value_that_is_no_token_is_a_store_error_that_shows_nothing(
    connection: redis.asyncio.Redis,
) -> None:
    await connection.set("k", '{"access_token": "LEAKED secret"}')
    with pytest.raises(TokenStoreError) as caught:
        await RedisTokenStore(connection, key="k").load()
    assert str(caught.value) == "the Redis key 'k' does not hold a stored token"
    assert caught.value.__cause__ is None


async def test_the_redis_lock_is_exclusive_across_clients(
    connection: redis.asyncio.Redis, redis_url: str
) -> None:
    store = RedisTokenStore(connection, key="k")
    assert await order_of_entry(store) == ["first in", "first out", "second in"]
    other_client = redis.asyncio.Redis.from_url(redis_url)
    try:
        other = RedisTokenStore(other_client, key="k", blocking_timeout=0.2)
        async with store.lock():
            with pytest.raises(TokenStoreError) as caught:
                async with other.lock():
                    pass  # pragma: no cover
        assert str(caught.value) == (
            "waited 0.2 s for the refresh lock 'k:lock': another process holds it "
            "(refreshing the session); it frees itself 10 s after its holder stops"
        )
        async with other.lock():  # free again
            pass
    finally:
        await other_client.aclose()


async def test_a_dead_holders_redis_lock_frees_itself(connection: redis.asyncio.Redis) -> None:
    # A holder that died: its lock stays until its expiry, and nobody deletes it.
    await connection.set("k:lock", "a-dead-holder", px=300)
    async with RedisTokenStore(connection, key="k").lock():
        assert await connection.get("k:lock") != b"a-dead-holder"
    assert not await connection.exists("k:lock")


async def test_only_its_holder_releases_the_redis_lock(
    connection: redis.asyncio.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bityclient")
    async with RedisTokenStore(connection, key="k").lock():
        # As if it had expired and another process had taken it.
        await connection.set("k:lock", "another-holder", px=60_000)
    assert await connection.get("k:lock") == b"another-holder"
    assert "the refresh lock 'k:lock' had expired before it was released" in caplog.text


async def test_the_redis_lock_is_renewed_while_held(connection: redis.asyncio.Redis) -> None:
    async with RedisTokenStore(connection, key="k", lock_timeout=0.6).lock():
        first = await connection.pttl("k:lock")
        assert 0 < first <= 600
        renewed = False
        for _ in range(500):  # a guard, not a timing assertion: until the renewal shows
            await asyncio.sleep(0.01)
            later = await connection.pttl("k:lock")
            assert later > 0  # never lapses while held
            if later > first:
                renewed = True
                break
            first = later
        assert renewed


@pytest.mark.parametrize("doing", ["load", "save", "lock"])
async def test_a_redis_that_cannot_be_reached_is_a_store_error_without_the_url(
    doing: str,
) -> None:
    client = redis.asyncio.Redis.from_url(
        f"redis://bity:PASSWORDsecret@127.0.0.1:{closed_port()}/0", socket_connect_timeout=5
    )
    store = RedisTokenStore(client, key="bity:token:acct")

    async def use() -> None:
        if doing == "load":
            await store.load()
        elif doing == "save":
            await store.save(TOKEN)
        else:
            async with store.lock():
                pass  # pragma: no cover

    with pytest.raises(TokenStoreError) as caught:
        await use()
    message = str(caught.value)
    what = {"load": "read the token", "save": "save the token", "lock": "take the refresh lock"}
    assert message == (
        f"the Redis token store (key 'bity:token:acct') could not {what[doing]}: "
        "Redis cannot be reached (ConnectionError)"
    )
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    await client.aclose()


async def test_refused_redis_credentials_are_a_store_error_without_them(
    redis_server: object, redis_url: str
) -> None:
    url = redis_url.replace("redis://", "redis://bity:PASSWORDsecret@")
    client = redis.asyncio.Redis.from_url(url)
    with pytest.raises(TokenStoreError) as caught:
        await RedisTokenStore(client, key="k").load()
    assert "Redis refused the credentials" in str(caught.value)
    assert "PASSWORDsecret" not in str(caught.value)
    await client.aclose()


def test_the_redis_store_shows_its_key_and_checks_its_settings(redis_url: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_url.replace("redis://", "redis://u:PW@"))
    store = RedisTokenStore(client, key="bity:token:acct", lock_timeout=5)
    assert repr(store) == "<RedisTokenStore key='bity:token:acct' lock_timeout=5>"
    with pytest.raises(TypeError, match=r"redis.asyncio.Redis, got redis.client.Redis"):
        RedisTokenStore(redis.Redis(), key="k")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="key"):
        RedisTokenStore(client, key=" ")
    with pytest.raises(ValidationError, match="lock_timeout"):
        RedisTokenStore(client, key="k", lock_timeout=0)
    with pytest.raises(ValidationError, match="blocking_timeout"):
        RedisTokenStore(client, key="k", blocking_timeout=-1)


def test_a_token_in_a_store_is_never_shown() -> None:
    token = Token(access_token=ACCESS, refresh_token=REFRESH)
    for shown in (repr(token), repr(MemoryTokenStore(token))):
        assert ACCESS not in shown
        assert REFRESH not in shown
