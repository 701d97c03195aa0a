"""Every Python block of README.md and of the documentation pages runs, against the sandboxes.

How a page's blocks run (docs/pages/development.md says the same to writers):

- In order, in one namespace per page, as notebook cells: a block sees what the
  blocks above it defined, and may `await` at the top level.
- The namespace starts with `gw` (a `BitexGateClient`) and `bity` (a logged-in
  `BityClient`; both set again before each block, so a block may bind its own
  in `async with`), on sandboxes served on loopback with demo data
  (`gateway_sandbox`, `bity_sandbox`), and the credentials those accept: `KEY`,
  `SECRET`, `CLIENT_ID`, `USERNAME`, `PASSWORD` (also in the environment as
  `BITEXGATE_API_KEY`, `BITEXGATE_SECRET`, `BITY_CLIENT_ID`, `BITY_USERNAME`,
  `BITY_PASSWORD`), and `REDIS_URL` on a page that names it (the suite's own
  redis-server).
- A `BitexGateClient` or `BityClient` made without `base_url` reaches those
  sandboxes instead of the real APIs, and the callbacks the gateway sandbox posts
  are answered 200 by a stand-in receiver.
- A block that calls `asyncio.run(` runs in a thread of its own, as a script.
- The working directory is a temporary folder of the page's.
- A block with a title (```` ```python title="shop.py" ````) is a file: it is
  written to a folder on `sys.path`, so later blocks can import it; a file named
  `test_*.py` is run with pytest (in a child process, `asyncio_mode = "auto"`).
- A block after `<!-- not run: reason -->` is skipped; NOT_RUN lists every one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bitexgate import BitexGateClient
from bitexgate.sandbox import GatewaySandbox
from bityclient import BityClient
from bityclient.sandbox import BitySandbox
from tests.markdown_blocks import Block, python_blocks, run_block, run_script

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs" / "pages").rglob("*.md"))]

#: Every block that does not run, and why: (page, the reason its comment gives).
NOT_RUN: set[tuple[str, str]] = set()

#: How long one block may take.
BLOCK_TIMEOUT = 30.0


def page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_pages_are_found() -> None:
    assert ROOT / "README.md" in PAGES
    assert len(PAGES) > 10, PAGES
    assert sum(1 for page in PAGES for _ in python_blocks(page)) > 50


def test_the_blocks_not_run_are_the_listed_ones() -> None:
    skipped = {
        (page_id(block.path), block.not_run)
        for page in PAGES
        for block in python_blocks(page)
        if block.not_run is not None
    }
    assert skipped == NOT_RUN


@contextlib.asynccontextmanager
async def sandboxes(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[dict[str, Any]]:
    """Both sandboxes served on loopback, clients on them, and the namespace of a page."""
    receiver = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    async with (
        receiver,
        GatewaySandbox(callback_client=receiver) as gateway_sandbox,
        BitySandbox() as bity_sandbox,
        gateway_sandbox.serve() as gateway_url,
        bity_sandbox.serve() as bity_url,
    ):
        gateway_sandbox.seed_demo_data()
        bity_sandbox.seed_demo_data()
        for ticker in ("BTC", "ETH", "USDT", "UAH"):
            gateway_sandbox.set_balance(ticker, Decimal("1000"))
        _default_base_url(monkeypatch, BitexGateClient, gateway_url)
        _default_base_url(monkeypatch, BityClient, bity_url)
        credentials = {
            "KEY": gateway_sandbox.api_key,
            "SECRET": gateway_sandbox.secret,
            "CLIENT_ID": bity_sandbox.client_id,
            "USERNAME": bity_sandbox.username,
            "PASSWORD": bity_sandbox.password,
        }
        for name, variable in (
            ("KEY", "BITEXGATE_API_KEY"),
            ("SECRET", "BITEXGATE_SECRET"),
            ("CLIENT_ID", "BITY_CLIENT_ID"),
            ("USERNAME", "BITY_USERNAME"),
            ("PASSWORD", "BITY_PASSWORD"),
        ):
            monkeypatch.setenv(variable, credentials[name])
        async with (
            BitexGateClient(api_key=credentials["KEY"], secret=credentials["SECRET"]) as gw,
            BityClient(client_id=credentials["CLIENT_ID"]) as bity,
        ):
            await bity.login(username=credentials["USERNAME"], password=credentials["PASSWORD"])
            yield {
                "__name__": "__docs__",
                "gw": gw,
                "bity": bity,
                "gateway_sandbox": gateway_sandbox,
                "bity_sandbox": bity_sandbox,
                **credentials,
            }


def _default_base_url(monkeypatch: pytest.MonkeyPatch, client: type[Any], url: str) -> None:
    """Clients of `client`'s class made without `base_url` reach `url`."""
    original = client.__init__

    def init(self: Any, **kwargs: Any) -> None:
        kwargs.setdefault("base_url", url)
        original(self, **kwargs)

    monkeypatch.setattr(client, "__init__", init)


def write_file(block: Block, folder: Path) -> Path:
    assert block.title is not None
    path = folder / block.title
    assert path.suffix == ".py" and path.parent == folder, f"{block.where}: title {block.title!r}"
    path.write_text(block.code, encoding="utf-8")
    return path


def run_pytest(files: list[Path], folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [
            sys.executable,
            *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"),
            *(str(path) for path in files),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("page", PAGES, ids=page_id)
async def test_page(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    blocks = [block for block in python_blocks(page) if block.not_run is None]
    if not blocks:
        pytest.skip("no Python block")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)  # where the examples' files go
    before = set(sys.modules)
    test_files: list[Path] = []
    try:
        async with sandboxes(monkeypatch) as namespace:
            if any("REDIS_URL" in block.code for block in blocks):
                namespace["REDIS_URL"] = request.getfixturevalue("redis_url")
            clients = {"gw": namespace["gw"], "bity": namespace["bity"]}
            for block in blocks:
                namespace.update(clients)  # a block may have bound its own, closed since
                if block.title is not None:
                    path = write_file(block, tmp_path)
                    if path.name.startswith("test_"):
                        test_files.append(path)
                    continue
                try:
                    if "asyncio.run(" in block.code:
                        await asyncio.wait_for(
                            asyncio.to_thread(run_script, block, namespace),
                            BLOCK_TIMEOUT,
                        )
                    else:
                        await asyncio.wait_for(run_block(block, namespace), BLOCK_TIMEOUT)
                except Exception as exc:
                    raise AssertionError(f"the block at {block.where} failed: {exc!r}") from exc
    finally:
        for name in set(sys.modules) - before:  # the page's own files
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(tmp_path)):
                del sys.modules[name]
    if test_files:
        run_pytest(test_files, tmp_path)
