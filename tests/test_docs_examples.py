"""Every Python block of README.md and of the documentation pages runs, against the sandboxes.

How a page's blocks run (docs/pages/development.md says the same to writers):

- In order, in one namespace per page, as notebook cells: a block sees what the
  blocks above it defined, and may `await` at the top level.
- The namespace starts with `gw` (a `BitexGateClient`) and `bity` (a logged-in
  `BityClient`; both set again before each block, so a block may bind its own
  in `async with`), on sandboxes with demo data (`gateway_sandbox`,
  `bity_sandbox`), and the credentials those accept: `KEY`,
  `SECRET`, `CLIENT_ID`, `USERNAME`, `PASSWORD` (also in the environment as
  `BITEXGATE_API_KEY`, `BITEXGATE_SECRET`, `BITY_CLIENT_ID`, `BITY_USERNAME`,
  `BITY_PASSWORD`), and `REDIS_URL` on a page that names it (the suite's own
  redis-server).
- A `BitexGateClient` or `BityClient` made without `base_url` reaches those
  sandboxes instead of the real APIs, in-process; on a page that says
  `<!-- examples: on loopback -->`, the sandboxes are served on loopback and such
  a client goes there over HTTP (for a page whose clients bring a transport of
  their own). The callbacks the gateway sandbox posts are answered 200 by a
  stand-in receiver.
- A block that calls `asyncio.run(` runs in a thread of its own, as a script.
- The working directory is a temporary folder of the page's.
- A block with a title (```` ```python title="shop.py" ````) is a file: it is
  written to a folder on `sys.path`, so later blocks can import it; a file named
  `test_*.py` is run with pytest (the files of every page in one child process,
  `asyncio_mode = "auto"`).
- A block after `<!-- not run: reason -->` is skipped; NOT_RUN lists every one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
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
#: The pages with a block to run in-process (not a file, not skipped).
RUN_PAGES = [
    page
    for page in PAGES
    if any(block.title is None and block.not_run is None for block in python_blocks(page))
]

#: Every block that does not run, and why: (page, the reason its comment gives).
NOT_RUN: set[tuple[str, str]] = set()

#: How long one block may take.
BLOCK_TIMEOUT = 30.0


def page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_pages_are_found() -> None:
    assert ROOT / "README.md" in RUN_PAGES
    assert len(PAGES) > 10, PAGES
    assert sum(1 for page in PAGES for _ in python_blocks(page)) > 40


def test_the_blocks_not_run_are_the_listed_ones() -> None:
    skipped = {
        (page_id(block.path), block.not_run)
        for page in PAGES
        for block in python_blocks(page)
        if block.not_run is not None
    }
    assert skipped == NOT_RUN


ON_LOOPBACK = "<!-- examples: on loopback -->"

Reach = Callable[[], dict[str, Any]]


@contextlib.asynccontextmanager
async def reached(sandbox: Any, *, served: bool) -> AsyncIterator[Reach]:
    """What a client made without `base_url` is given to reach `sandbox`."""
    if not served:
        yield lambda: {"base_url": "http://sandbox.invalid", "transport": sandbox.transport()}
        return
    async with sandbox.serve() as base_url:
        yield lambda: {"base_url": base_url}


def _reaches(monkeypatch: pytest.MonkeyPatch, client: type[Any], reach: Reach) -> None:
    """Clients of `client`'s class made without `base_url` reach a sandbox."""
    original = client.__init__

    def init(self: Any, **kwargs: Any) -> None:
        if "base_url" not in kwargs:
            defaults = reach()
            if "transport" in defaults and {"transport", "http_client"} & set(kwargs):
                raise AssertionError(f"a client with a transport of its own needs {ON_LOOPBACK}")
            kwargs.update(defaults)
        original(self, **kwargs)

    monkeypatch.setattr(client, "__init__", init)


@contextlib.asynccontextmanager
async def sandboxes(
    monkeypatch: pytest.MonkeyPatch, *, served: bool
) -> AsyncIterator[dict[str, Any]]:
    """Both sandboxes, clients on them, and the namespace a page's blocks start with."""
    receiver = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    async with (
        receiver,
        GatewaySandbox(callback_client=receiver) as gateway_sandbox,
        BitySandbox() as bity_sandbox,
        reached(gateway_sandbox, served=served) as reach_gateway,
        reached(bity_sandbox, served=served) as reach_bity,
    ):
        gateway_sandbox.seed_demo_data()
        bity_sandbox.seed_demo_data()
        for ticker in ("BTC", "ETH", "USDT", "UAH"):
            gateway_sandbox.set_balance(ticker, Decimal("1000"))
        _reaches(monkeypatch, BitexGateClient, reach_gateway)
        _reaches(monkeypatch, BityClient, reach_bity)
        credentials = {
            "KEY": gateway_sandbox.api_key,
            "SECRET": gateway_sandbox.secret,
            "CLIENT_ID": bity_sandbox.client_id,
            "USERNAME": bity_sandbox.username,
            "PASSWORD": bity_sandbox.password,
        }
        for name, variable in ENVIRONMENT.items():
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


#: The environment variables that hold the credentials, as the command lines read them.
ENVIRONMENT = {
    "KEY": "BITEXGATE_API_KEY",
    "SECRET": "BITEXGATE_SECRET",
    "CLIENT_ID": "BITY_CLIENT_ID",
    "USERNAME": "BITY_USERNAME",
    "PASSWORD": "BITY_PASSWORD",
}


def write_files(page: Path, folder: Path) -> list[Path]:
    """Write the page's titled blocks as files into `folder`; returns their paths."""
    paths = []
    for block in python_blocks(page):
        if block.title is None or block.not_run is not None:
            continue
        path = folder / block.title
        assert path.suffix == ".py", f"{block.where}: {block.title!r} is not a .py file"
        assert path.parent == folder, f"{block.where}: {block.title!r} is not a file name"
        path.write_text(block.code, encoding="utf-8")
        paths.append(path)
    return paths


async def run_page(page: Path, blocks: list[Block], namespace: dict[str, Any]) -> int:
    """Run `blocks` in order in `namespace`; how many ran to their end."""
    clients = {"gw": namespace["gw"], "bity": namespace["bity"]}
    ran = 0
    for block in blocks:
        namespace.update(clients)  # a block may have bound its own, closed since
        try:
            if "asyncio.run(" in block.code:
                await asyncio.wait_for(
                    asyncio.to_thread(run_script, block, namespace), BLOCK_TIMEOUT
                )
            else:
                await asyncio.wait_for(run_block(block, namespace), BLOCK_TIMEOUT)
        except Exception as exc:
            raise AssertionError(f"the block at {block.where} failed: {exc!r}") from exc
        ran += 1
    return ran


#: The pages whose examples reach the sandboxes over HTTP on loopback.
SERVED_PAGES = {page for page in RUN_PAGES if ON_LOOPBACK in page.read_text(encoding="utf-8")}


@pytest.mark.parametrize("page", RUN_PAGES, ids=page_id)
async def test_page(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    blocks = [
        block for block in python_blocks(page) if block.not_run is None and block.title is None
    ]
    assert blocks, f"{page_id(page)} has no block to run"
    write_files(page, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)  # where the examples' files go
    before = set(sys.modules)
    served = page in SERVED_PAGES
    try:
        async with sandboxes(monkeypatch, served=served) as namespace:
            if any("REDIS_URL" in block.code for block in blocks):
                namespace["REDIS_URL"] = request.getfixturevalue("redis_url")
            ran = await run_page(page, blocks, namespace)
    finally:
        for name in set(sys.modules) - before:  # the page's own files
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(tmp_path)):
                del sys.modules[name]
    assert ran == len(blocks)  # every block ran to its end


def test_the_test_files_pass(tmp_path: Path) -> None:
    """Every `test_*.py` block passes under pytest: one run for all pages, each in its folder."""
    tests = []
    for number, page in enumerate(PAGES):
        folder = tmp_path / f"page{number}"
        folder.mkdir()
        tests += [path for path in write_files(page, folder) if path.name.startswith("test_")]
    assert tests, "no test_*.py block"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "BITEXGATE_", "BITY_"))
    }
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [
            sys.executable,
            *("-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)),
            *("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"),
            *(str(path) for path in tests),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None, result.stdout
    assert int(passed[1]) >= len(tests), result.stdout
