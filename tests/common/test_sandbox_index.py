"""`GET /sandbox/`: the index of a sandbox's HTTP controls, read from the routes it serves."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

import bitexgate.sandbox
import bityclient.sandbox
from common._sandbox import (
    ControlRoute,
    Param,
    Sandbox,
    control,
    control_index,
    index_route,
)

SANDBOXES: dict[str, tuple[Callable[[], Sandbox], str]] = {
    "bitexgate": (bitexgate.sandbox.GatewaySandbox, bitexgate.sandbox.__doc__ or ""),
    "bityclient": (bityclient.sandbox.BitySandbox, bityclient.sandbox.__doc__ or ""),
}


async def nothing(request: Request) -> Response:
    return Response(status_code=204)


def served_controls(sandbox: Sandbox) -> set[tuple[str, str]]:
    """Every (method, path) the sandbox's router serves under /sandbox/, read from the router."""
    app = sandbox.app.app  # the Starlette app inside the middleware
    found = set()
    for route in app.router.routes:
        if isinstance(route, Route) and route.path.startswith("/sandbox/"):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            found.update((method, path) for method in route.methods or () if method != "HEAD")
    return found


def routed(sandbox: Sandbox, method: str, path: str) -> list[Route]:
    """The routes that fully match `method` on `path`, its parameters filled in."""
    concrete = re.sub(r"\{\w+\}", "1", path)
    scope = {"type": "http", "method": method, "path": concrete, "root_path": ""}
    app = sandbox.app.app
    return [r for r in app.router.routes if r.matches(scope)[0] is Match.FULL]


@pytest.fixture(params=sorted(SANDBOXES))
async def served(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Sandbox, str, Any]]:
    """A sandbox, its package docstring, and its index as `GET /sandbox/` answers it."""
    make, doc = SANDBOXES[request.param]
    sandbox = make()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sb") as http:
        answer = await http.get("/sandbox/")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        yield sandbox, doc, answer.json()
    await sandbox.aclose()


async def test_the_index_lists_exactly_the_controls_served(
    served: tuple[Sandbox, str, Any],
) -> None:
    sandbox, _, index = served
    listed = [(entry["method"], entry["path"]) for entry in index["controls"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == served_controls(sandbox)
    assert ("GET", "/sandbox/") in listed
    for method, path in listed:
        assert len(routed(sandbox, method, path)) == 1, (method, path)
    assert sandbox.requests == []  # the index is a control: never journaled


async def test_every_control_says_what_it_does_and_names_its_path_parameters(
    served: tuple[Sandbox, str, Any],
) -> None:
    _, _, index = served
    for entry in index["controls"]:
        assert entry["description"], f"{entry['method']} {entry['path']} is not described"
        in_path = [p["name"] for p in entry["parameters"] if p["in"] == "path"]
        assert in_path == re.findall(r"\{(\w+)\}", entry["path"])
        for param in entry["parameters"]:
            assert set(param) == {"name", "in", "type", "required", "description"}
            assert param["description"], f"{param['name']} of {entry['path']} is not described"
            assert param["in"] in ("path", "query", "body")


async def test_the_package_docstring_lists_every_control(
    served: tuple[Sandbox, str, Any],
) -> None:
    _, doc, index = served
    flat = " ".join(doc.split())
    for entry in index["controls"]:
        assert f"`{entry['method']} {entry['path']}`" in flat


@pytest.mark.parametrize("name", sorted(SANDBOXES))
async def test_a_browser_gets_an_html_page(name: str) -> None:
    sandbox = SANDBOXES[name][0]()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sb") as http:
        page = await http.get("/sandbox/", headers={"Accept": "text/html,*/*;q=0.8"})
        index = (await http.get("/sandbox/")).json()
    assert page.headers["content-type"].startswith("text/html")
    assert "<table>" in page.text
    for entry in index["controls"]:
        assert f"<code>{entry['path']}</code>" in page.text


async def test_the_index_reads_the_router_it_is_served_by() -> None:
    routes = [
        Route("/api/thing", nothing, methods=["GET"]),  # not a control: not listed
        control(
            "POST",
            "/sandbox/things/{id:int}/poke",
            nothing,
            "Poke a thing.",
            Param("id", "the thing's id", where="path"),
            Param("hard", "how hard", type="boolean", required=True),
            Param("note", "a note <b>", where="query"),
        ),
        Route("/sandbox/bare", nothing, methods=["GET", "PUT"]),  # a control left undescribed
        index_route("Test"),
    ]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Starlette(routes=routes)), base_url="http://sb"
    ) as http:
        index = (await http.get("/sandbox/")).json()
        page = (await http.get("/sandbox/", headers={"Accept": "text/html"})).text
    assert index["sandbox"] == "Test"
    assert index["controls"] == control_index(routes)
    poke, *bare, own = index["controls"]
    assert poke == {
        "method": "POST",
        "path": "/sandbox/things/{id}/poke",
        "description": "Poke a thing.",
        "parameters": [
            {
                "name": "id",
                "in": "path",
                "type": "integer",
                "required": True,
                "description": "the thing's id",
            },
            {
                "name": "hard",
                "in": "body",
                "type": "boolean",
                "required": True,
                "description": "how hard",
            },
            {
                "name": "note",
                "in": "query",
                "type": "string",
                "required": False,
                "description": "a note <b>",
            },
        ],
    }
    # HEAD is left out; a route that is not a ControlRoute is listed, undescribed.
    assert [(e["method"], e["description"]) for e in bare] == [("GET", ""), ("PUT", "")]
    assert (own["method"], own["path"]) == ("GET", "/sandbox/")
    assert "a note &lt;b&gt;" in page


def test_a_control_lives_under_the_control_prefix_and_params_say_where_they_go() -> None:
    with pytest.raises(ValueError, match="/sandbox/"):
        ControlRoute("GET", "/api/x", nothing, description="no")
    with pytest.raises(ValueError, match="where"):
        Param("x", "y", where="header")
