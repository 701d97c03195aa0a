"""Clients sharing a token store: one refresh per expiry, adopted tokens, store failures.

Every client here talks to one in-process sandbox, which rotates refresh tokens
and revokes the old ones as Bity does: a refresh token sent twice is refused.
"""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys
from contextlib import AbstractAsyncContextManager
from importlib.metadata import requires
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import redis.asyncio

from bityclient import (
    BityClient,
    FileTokenStore,
    LoginRequiredError,
    MemoryTokenStore,
    RedisTokenStore,
    SessionExpiredError,
    Token,
    TokenStore,
    TokenStoreError,
)
from bityclient.sandbox import BitySandbox
from tests.served import closed_port

from .conftest import NO_WAIT

ORDERS = "/api/v1/order/"


class Updates:
    """An on_token_update callback that records the access tokens it is given."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    async def __call__(self, token: Token) -> None:
        self.tokens.append(token.access_token)


class FlakyStore:
    """A MemoryTokenStore whose load, save or lock fails while the test says so."""

    def __init__(self) -> None:
        self.inner = MemoryTokenStore()
        self.broken: set[str] = set()

    def _check(self, doing: str) -> None:
        if doing in self.broken:
            raise TokenStoreError(f"the test store cannot {doing}")

    async def load(self) -> Token | None:
        self._check("load")
        return await self.inner.load()

    async def save(self, token: Token) -> None:
        self._check("save")
        await self.inner.save(token)

    def lock(self) -> AbstractAsyncContextManager[None]:
        self._check("lock")
        return self.inner.lock()


@pytest.fixture
def sandbox() -> BitySandbox:
    return BitySandbox()


def client(sandbox: BitySandbox, store: TokenStore | None, **options: Any) -> BityClient:
    return BityClient(
        client_id=sandbox.client_id,
        base_url="http://bity.sandbox",
        transport=sandbox.transport(),
        token_store=store,
        retry=NO_WAIT,
        **options,
    )


def grants(sandbox: BitySandbox, kind: str = "refresh_token") -> list[dict[str, list[str]]]:
    """The token grants of `kind` the sandbox received, accepted or refused."""
    forms = [parse_qs(r.body.decode()) for r in sandbox.requests_to("/o/token/", method="POST")]
    return [form for form in forms if form["grant_type"] == [kind]]


async def logged_in(sandbox: BitySandbox, store: TokenStore) -> Token:
    async with client(sandbox, store) as bity:
        return await bity.login(username=sandbox.username, password=sandbox.password)


async def fifty(bity: BityClient) -> None:
    await asyncio.gather(*(bity.orders.list() for _ in range(50)))


# --- one refresh, many clients -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["memory", "file"])
async def test_clients_sharing_a_store_make_one_refresh_and_all_take_its_token(
    sandbox: BitySandbox, tmp_path: Path, kind: str
) -> None:
    store = MemoryTokenStore() if kind == "memory" else FileTokenStore(tmp_path / "t.json")
    first = await logged_in(sandbox, store)
    sandbox.expire_tokens()
    updates = [Updates() for _ in range(3)]
    clients = [client(sandbox, store, on_token_update=u) for u in updates]
    try:
        await asyncio.gather(*(fifty(bity) for bity in clients))
    finally:
        for bity in clients:
            await bity.aclose()
    assert len(grants(sandbox)) == 1
    newest = await store.load()
    assert newest is not None
    assert newest.access_token != first.access_token
    assert [bity.token for bity in clients] == [newest] * 3
    # Each client reports the stored token it loaded, then the renewed one.
    assert [u.tokens for u in updates] == [[first.access_token, newest.access_token]] * 3


async def test_a_client_with_no_token_loads_the_stored_one(sandbox: BitySandbox) -> None:
    store = MemoryTokenStore()
    token = await logged_in(sandbox, store)
    async with client(sandbox, store) as bity:
        assert bity.token is None  # not before a request needs it
        await bity.orders.list()
        assert bity.token == token
    assert sandbox.requests_to(ORDERS)[-1].header("authorization") == f"Bearer {token.access_token}"
    assert len(grants(sandbox, "password")) == 1  # no second login


async def test_a_401_takes_the_token_another_client_stored_instead_of_refreshing(
    sandbox: BitySandbox,
) -> None:
    store = MemoryTokenStore()
    await logged_in(sandbox, store)
    async with client(sandbox, store) as a, client(sandbox, store) as b:
        await a.orders.list()
        await b.orders.list()
        revoked = a.token
        assert revoked is not None
        renewed = await b.refresh()  # the server revokes the token `a` holds
        await a.orders.list()  # a 401, then the stored token, with no refresh of its own
        assert a.token == renewed
    assert len(grants(sandbox)) == 1
    assert [r.header("authorization") for r in sandbox.requests_to(ORDERS)][-2:] == [
        f"Bearer {revoked.access_token}",
        f"Bearer {renewed.access_token}",  # the refused request, sent again with the stored token
    ]


async def test_an_explicit_refresh_renews_the_newest_stored_token(sandbox: BitySandbox) -> None:
    store = MemoryTokenStore()
    await logged_in(sandbox, store)
    async with client(sandbox, store) as a, client(sandbox, store) as b:
        await a.orders.list()
        second = await b.refresh()
        third = await a.refresh()  # `a` still holds the first token: it renews the second
    assert [form["refresh_token"] for form in grants(sandbox)][-1] == [second.refresh_token]
    assert sandbox.refreshes == 2
    assert await store.load() == third


async def test_a_token_passed_in_gives_way_to_the_stored_one_at_refresh_time(
    sandbox: BitySandbox,
) -> None:
    store = MemoryTokenStore()
    old = await logged_in(sandbox, store)
    stored = await logged_in(sandbox, store)  # a newer session, stored by someone else
    async with client(sandbox, store, token=old) as bity:
        await bity.orders.list()
        assert bity.token == old  # used as given while it lasts
        sandbox.state.accounts.access_tokens.pop(old.access_token)
        await bity.orders.list()
        assert bity.token == stored
    assert grants(sandbox) == []


# --- the session ends, and starts again elsewhere ------------------------------------------------


async def test_an_ended_session_takes_a_new_login_stored_by_another_client(
    sandbox: BitySandbox,
) -> None:
    store = MemoryTokenStore()
    await logged_in(sandbox, store)
    sandbox.revoke_session()
    async with client(sandbox, store) as bity:
        with pytest.raises(SessionExpiredError):
            await bity.orders.list()
        posts = len(sandbox.requests_to("/o/token/"))
        with pytest.raises(SessionExpiredError):  # the refused token is not tried again
            await bity.orders.list()
        assert len(sandbox.requests_to("/o/token/")) == posts
        fresh = await logged_in(sandbox, store)
        await bity.orders.list()  # no login of its own: the stored session
        assert bity.token == fresh


async def test_an_empty_store_is_a_login_required_error_before_sending(
    sandbox: BitySandbox,
) -> None:
    async with client(sandbox, MemoryTokenStore()) as bity:
        with pytest.raises(LoginRequiredError):
            await bity.orders.list()
    assert sandbox.requests == []


# --- the store fails ----------------------------------------------------------------------------


@pytest.mark.parametrize("doing", ["load", "lock"])
async def test_a_failing_store_stops_the_refresh_before_anything_is_sent(
    sandbox: BitySandbox, doing: str
) -> None:
    store = FlakyStore()
    await logged_in(sandbox, store)
    async with client(sandbox, store) as bity:
        if doing == "lock":
            await bity.orders.list()  # the stored token is loaded, and serves
        sandbox.expire_tokens()
        sent = len(sandbox.requests_to(ORDERS))
        store.broken.add(doing)
        results = await asyncio.gather(
            *(bity.orders.list() for _ in range(20)), return_exceptions=True
        )
        assert {type(r) for r in results} == {TokenStoreError}
        assert grants(sandbox) == []
        if doing == "load":  # no token to send
            assert len(sandbox.requests_to(ORDERS)) == sent
        store.broken.clear()  # back: the next request refreshes
        await bity.orders.list()
    assert len(grants(sandbox)) == 1


async def test_a_token_the_store_could_not_save_is_used_and_saved_at_the_next_refresh(
    sandbox: BitySandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bityclient")
    store = FlakyStore()
    await logged_in(sandbox, store)
    async with client(sandbox, store) as a, client(sandbox, store) as b:
        await a.orders.list()
        await b.orders.list()
        store.broken.add("save")
        with pytest.raises(TokenStoreError, match="The token was renewed and this client uses"):
            await a.refresh()
        renewed = a.token
        assert renewed is not None
        await a.orders.list()  # the renewed token serves, with no other refresh
        assert len(grants(sandbox)) == 1
        store.broken.clear()

        sandbox.expire_tokens()
        await a.orders.list()  # saves its token again, then refreshes it
        await b.orders.list()  # takes the stored token: its own was revoked long ago
        assert a.token == b.token == await store.load()
    assert len(grants(sandbox)) == 2
    assert sandbox.refreshes == 2  # none refused
    assert "saved to the token store again the token it lacked" in caplog.text


async def test_a_store_that_loads_something_else_than_a_token_is_a_store_error(
    sandbox: BitySandbox,
) -> None:
    class Wrong(MemoryTokenStore):
        async def load(self) -> Any:
            return {"access_token": "x"}

    async with client(sandbox, Wrong()) as bity:
        with pytest.raises(TokenStoreError, match="loaded a dict, not a Token"):
            await bity.orders.list()


def test_a_token_store_must_be_one(sandbox: BitySandbox) -> None:
    with pytest.raises(TypeError, match="token_store must be a TokenStore"):
        client(sandbox, "redis://localhost")  # type: ignore[arg-type]


async def test_redis_down_is_a_clear_error_and_no_refresh(sandbox: BitySandbox) -> None:
    connection = redis.asyncio.Redis.from_url(
        f"redis://u:PASSWORDsecret@127.0.0.1:{closed_port()}/0"
    )
    store = RedisTokenStore(connection, key="bity:token:acct")
    token = await logged_in(sandbox, MemoryTokenStore())
    sandbox.expire_tokens()
    async with client(sandbox, store, token=token) as bity:
        with pytest.raises(TokenStoreError) as caught:
            await bity.orders.list()
    assert str(caught.value) == (
        "the Redis token store (key 'bity:token:acct') could not take the refresh lock: "
        "Redis cannot be reached (ConnectionError)"
    )
    assert grants(sandbox) == []
    await connection.aclose()


# --- cancellation and secrecy --------------------------------------------------------------------


async def test_a_cancelled_caller_does_not_stop_the_refresh_from_being_saved(
    sandbox: BitySandbox,
) -> None:
    class SlowSave(MemoryTokenStore):
        def __init__(self) -> None:
            super().__init__()
            self.saving = asyncio.Event()
            self.go_on = asyncio.Event()

        async def save(self, token: Token) -> None:
            if await self.load() is not None:  # not the login's
                self.saving.set()
                await self.go_on.wait()
            await super().save(token)

    store = SlowSave()
    await logged_in(sandbox, store)
    sandbox.expire_tokens()
    async with client(sandbox, store) as bity:

        async def orders() -> None:
            await bity.orders.list()

        request = asyncio.create_task(orders())
        await store.saving.wait()  # refreshed at the server, being saved
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        store.go_on.set()
    # aclose() waited for the refresh: it saved its token.
    saved = await store.load()
    assert saved is not None
    assert bity.token == saved
    assert sandbox.state.accounts.access_tokens.keys() == {saved.access_token}


async def test_tokens_stay_out_of_logs_and_errors(
    sandbox: BitySandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = FlakyStore()
    first = await logged_in(sandbox, store)
    async with client(sandbox, store) as bity:
        await bity.orders.list()
        store.broken.add("save")
        with pytest.raises(TokenStoreError) as caught:
            await bity.refresh()
        store.broken.clear()
        sandbox.expire_tokens()
        await bity.orders.list()  # saves the unsaved token, then refreshes it
    assert "the token store did not save the new token" in caplog.text
    assert "saved to the token store again the token it lacked" in caplog.text
    assert sandbox.refreshes == 2
    secrets = {first.access_token, first.refresh_token, *sandbox.state.accounts.access_tokens}
    for secret in secrets:
        assert secret is not None
        assert secret not in caplog.text
        assert secret not in str(caught.value)
    assert str(caught.value).startswith(
        "the test store cannot save. The token was renewed and this client uses it, but "
    )


def run_python(code: str) -> str:
    """Run `code` in a new interpreter; its output (it must succeed, silently on stderr)."""
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout


def test_import_bityclient_loads_no_redis_client() -> None:
    run_python(
        "import sys\n"
        "import bityclient\n"
        "from bityclient import *\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'redis'], 'redis imported'\n"
        "assert 'RedisTokenStore' in dir(bityclient)\n"
        "from bityclient import RedisTokenStore\n"
        "assert RedisTokenStore.__module__ == 'bityclient._redis_store'\n"
        "assert 'redis.asyncio' in sys.modules\n"
    )
    # Without the [redis] extra: the package works, and the store says what to install.
    out = run_python(
        "import sys\n"
        "sys.modules['redis'] = None\n"
        "from bityclient import *\n"
        "try:\n"
        "    from bityclient import RedisTokenStore\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    assert out == "RedisTokenStore needs the redis client: pip install 'cryptopay-async[redis]'\n"


def test_installing_the_package_pulls_in_no_redis_client() -> None:
    needed = requires("cryptopay-async") or []
    plain = [r for r in needed if "extra ==" not in r]
    extra = [r for r in needed if re.search(r"""extra == ["']redis["']""", r)]
    assert plain
    assert not [r for r in plain if r.startswith(("redis", "limits"))]
    assert [re.split(r"[<>=!~;\s]", r, maxsplit=1)[0] for r in extra] == ["limits", "redis"]
