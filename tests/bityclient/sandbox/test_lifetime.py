"""BitySandbox has the lifetime of GatewaySandbox: `async with`, `aclose()`, `reset()`."""

from __future__ import annotations

import inspect

import httpx
import pytest

from bitexgate.sandbox import GatewaySandbox
from bityclient import BityClient
from bityclient.sandbox import BitySandbox
from common._sandbox import Sandbox
from tests.bityclient.sandbox.conftest import SANDBOX_URL, TOKEN, password_form

LIFETIME = ("aclose", "__aenter__", "__aexit__", "reset", "seed_demo_data")


def test_both_sandboxes_have_one_lifetime() -> None:
    for name in LIFETIME:
        assert hasattr(GatewaySandbox, name), name
        assert hasattr(BitySandbox, name), name
    # `async with` comes from the one base; each sandbox only says what it releases.
    for name in ("__aenter__", "__aexit__"):
        assert getattr(BitySandbox, name) is getattr(Sandbox, name)
        assert getattr(GatewaySandbox, name) is getattr(Sandbox, name)
    assert inspect.iscoroutinefunction(BitySandbox.aclose)


async def test_async_with_gives_the_sandbox_and_it_serves_inside() -> None:
    async with BitySandbox() as sandbox:
        assert isinstance(sandbox, BitySandbox)
        async with BityClient(
            client_id=sandbox.client_id, base_url=SANDBOX_URL, transport=sandbox.transport()
        ) as bity:
            await bity.login(username=sandbox.username, password=sandbox.password)
        assert sandbox.tokens_issued == 1


async def test_aclose_twice_is_harmless_and_the_state_stays_readable() -> None:
    sandbox = BitySandbox()
    sandbox.seed_demo_data()
    await sandbox.aclose()
    await sandbox.aclose()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=SANDBOX_URL) as http:
        assert (await http.post(TOKEN, data=password_form(sandbox))).status_code == 200
    assert sandbox.tokens_issued == 1
    assert [r.path for r in sandbox.requests] == [TOKEN]


async def test_the_block_closes_the_sandbox_when_it_raises() -> None:
    closed: list[BitySandbox] = []

    class Watched(BitySandbox):
        async def aclose(self) -> None:
            closed.append(self)
            await super().aclose()

    with pytest.raises(RuntimeError, match="boom"):
        async with Watched() as sandbox:
            raise RuntimeError("boom")
    assert closed == [sandbox]


async def test_a_gateway_sandbox_leaves_a_callers_client_open_when_the_block_raises() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    with pytest.raises(RuntimeError, match="boom"):
        async with GatewaySandbox(callback_client=client):
            raise RuntimeError("boom")
    assert not client.is_closed
    await client.aclose()
