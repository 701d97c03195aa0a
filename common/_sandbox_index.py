"""The index of a sandbox's HTTP controls, `GET /sandbox/`, read from the routes it serves.

Each control is a `ControlRoute`: a route under `/sandbox/` for one method that
carries what it does and its parameters (`Param`). `control_index()` lists the
routes under `/sandbox/` that an app serves; `index_route()` answers that list,
read from the app's own routing table at each request, so the index cannot
drift from what is served: JSON by default, an HTML table for a client that
asks for `text/html` (a browser).
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import attrs
from starlette.convertors import FloatConvertor, IntegerConvertor
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ._sandbox_controls import CONTROL_PREFIX

__all__ = ["ControlRoute", "Param", "control", "control_index", "index_route"]

Endpoint = Callable[[Request], Awaitable[Response]]

#: Where a parameter goes.
PLACES = ("path", "query", "body")
_CONVERTED = re.compile(r"\{(\w+):\w+\}")


@attrs.frozen
class Param:
    """One parameter of a control: its name, what it is, where it goes, its JSON type.

    `where` is `"body"` (a key of the JSON object sent), `"query"` or `"path"`;
    a path parameter is always required. `type` is a JSON type, or `decimal`:
    an amount as a string or a number, read exactly.
    """

    name: str
    description: str
    where: str = attrs.field(default="body", validator=attrs.validators.in_(PLACES))
    type: str = "string"
    required: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The parameter as the index lists it."""
        return {
            "name": self.name,
            "in": self.where,
            "type": self.type,
            "required": self.required or self.where == "path",
            "description": self.description,
        }


class ControlRoute(Route):
    """A route under `/sandbox/` for one method, with what it does and its parameters."""

    def __init__(
        self,
        method: str,
        path: str,
        endpoint: Endpoint,
        *,
        description: str,
        params: Sequence[Param] = (),
    ) -> None:
        if not path.startswith(CONTROL_PREFIX):
            raise ValueError(f"a control's path starts with {CONTROL_PREFIX!r}, got {path!r}")
        super().__init__(path, endpoint, methods=[method])
        self.method = method.upper()
        self.description = description
        self.params = tuple(params)


def control(
    method: str, path: str, endpoint: Endpoint, description: str, *params: Param
) -> ControlRoute:
    """A `ControlRoute`: `method` on `path` runs `endpoint`, which does `description`."""
    return ControlRoute(method, path, endpoint, description=description, params=params)


def _path_params(route: Route, documented: Sequence[Param]) -> list[dict[str, Any]]:
    """The route's path parameters, typed by their convertors, with their descriptions."""
    described = {p.name: p.description for p in documented if p.where == "path"}
    found = []
    for name, convertor in route.param_convertors.items():
        if isinstance(convertor, IntegerConvertor):
            kind = "integer"
        elif isinstance(convertor, FloatConvertor):
            kind = "number"
        else:
            kind = "string"
        found.append(Param(name, described.get(name, ""), where="path", type=kind).to_dict())
    return found


def _entry(route: Route, method: str) -> dict[str, Any]:
    documented = route if isinstance(route, ControlRoute) else None
    params = documented.params if documented else ()
    return {
        "method": method,
        "path": _CONVERTED.sub(r"{\1}", route.path),
        "description": documented.description if documented else "",
        "parameters": [
            *_path_params(route, params),
            *(p.to_dict() for p in params if p.where != "path"),
        ],
    }


def control_index(routes: Iterable[BaseRoute]) -> list[dict[str, Any]]:
    """Every method of every route under `/sandbox/` among `routes`, in their order.

    Each entry: `method`, `path` (parameters as `{name}`), `description` (empty
    for a route that is not a `ControlRoute`) and `parameters` (each `name`,
    `in`, `type`, `required`, `description`; the path's first).
    """
    entries: list[dict[str, Any]] = []
    for route in routes:
        if isinstance(route, Route) and route.path.startswith(CONTROL_PREFIX):
            methods = sorted((route.methods or set()) - {"HEAD"})
            entries.extend(_entry(route, method) for method in methods)
    return entries


def index_route(title: str) -> ControlRoute:
    """`GET /sandbox/`: the index of the controls the app serves, `title` naming the sandbox."""

    async def index(request: Request) -> Response:
        controls = control_index(request.scope["router"].routes)  # the routes served
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(_html(title, controls))
        return JSONResponse({"sandbox": title, "controls": controls})

    return control(
        "GET",
        CONTROL_PREFIX,
        index,
        "This index of the sandbox's controls: JSON, or an HTML page for a client that "
        "asks for text/html.",
    )


def _html(title: str, controls: Sequence[dict[str, Any]]) -> str:
    rows = []
    for entry in controls:
        params = "".join(
            f"<li><code>{html.escape(p['name'])}</code> ({p['in']}, "
            f"{html.escape(p['type'])}{', required' if p['required'] else ''})"
            f"{': ' + html.escape(p['description']) if p['description'] else ''}</li>"
            for p in entry["parameters"]
        )
        rows.append(
            f"<tr><td><code>{entry['method']}</code></td>"
            f"<td><code>{html.escape(entry['path'])}</code></td>"
            f"<td>{html.escape(entry['description'])}"
            f"{f'<ul>{params}</ul>' if params else ''}</td></tr>"
        )
    heading = html.escape(f"{title} sandbox: controls")
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{heading}</title></head><body><h1>{heading}</h1>"
        "<p>Unauthenticated, never recorded in the journal, never faulted. "
        "Bodies are JSON objects; this page is also served as JSON.</p>"
        "<table><thead><tr><th>method</th><th>path</th><th>what it does</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>"
    )
