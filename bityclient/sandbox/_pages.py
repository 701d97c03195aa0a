"""Tastypie's list pagination, as Bity's lists answer: `meta` and `objects`.

`paginate` takes the whole list, the raw query string and the ways the list can
be sorted, and returns the body of one page. It is pure: no I/O, no state.

What it follows (tastypie's `Paginator`, and the reference where they differ):

* `limit` defaults to the resource's page size; `limit=0` means the maximum
  (1000), and a larger limit is cut to it. `offset` counts items, from 0.
* `next` and `previous` are URL paths: the request's other parameters, as they
  came and in their order, then `limit` and `offset`. `next` is null on the last
  page. `previous` is null only on the first page (`offset=0`): from an offset
  smaller than `limit` it leads to `offset=0`, as the reference's example shows
  (tastypie itself would give null there).
* `order_by` may be repeated; each is a field name, ascending, or `-` and the
  name, descending. Anything else names no field: tastypie answers 400
  `{"error": "No matching '+id' field for ordering on."}`, its own shape. So
  the reference's `order_by=+id` is refused, whether the `+` is written
  `%2B` or as such (a bare `+` in a query string is a space: `' id'`).
* A limit or offset that is not valid is an error (400) naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from ._errors import ApiError, TastypieBadRequest

__all__ = ["MAX_LIMIT", "paginate", "parse_query"]

T = TypeVar("T")

#: What `limit=0` means, and the most a page holds.
MAX_LIMIT = 1000

_PAGE_KEYS = ("limit", "offset")


def parse_query(query_string: str) -> list[tuple[str, str]]:
    """The parameters of a raw query string, decoded as forms are (`+` is a space)."""
    return parse_qsl(query_string, keep_blank_values=True)


def _limit(params: Sequence[tuple[str, str]], default: int) -> int:
    raw = _last(params, "limit")
    if raw is None:
        return min(default, MAX_LIMIT)
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400,
            "invalid_limit",
            f"limit: invalid limit {raw!r} provided. Please provide a positive integer.",
        ) from None
    if value < 0:
        raise ApiError(
            400,
            "invalid_limit",
            f"limit: invalid limit {raw!r} provided. Please provide a positive integer >= 0.",
        )
    return MAX_LIMIT if value == 0 else min(value, MAX_LIMIT)


def _offset(params: Sequence[tuple[str, str]]) -> int:
    raw = _last(params, "offset")
    if raw is None:
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400,
            "invalid_offset",
            f"offset: invalid offset {raw!r} provided. Please provide an integer.",
        ) from None
    if value < 0:
        raise ApiError(
            400,
            "invalid_offset",
            f"offset: invalid offset {raw!r} provided. Please provide a positive integer >= 0.",
        )
    return value


def _last(params: Sequence[tuple[str, str]], key: str) -> str | None:
    found = [value for name, value in params if name == key]
    return found[-1] if found else None


def _sorted(
    items: list[T],
    params: Sequence[tuple[str, str]],
    sort_keys: Mapping[str, Callable[[T], Any]],
) -> list[T]:
    orderings = [value for name, value in params if name == "order_by"]
    result = list(items)
    # The last ordering is the weakest: sort by it first (Python's sort is stable).
    for raw in reversed(orderings):
        descending = raw.startswith("-")
        field = raw[1:] if descending else raw
        key = sort_keys.get(field)
        if key is None:
            raise TastypieBadRequest(f"No matching '{field}' field for ordering on.")
        result.sort(key=key, reverse=descending)
    return result


def _link(path: str, params: Sequence[tuple[str, str]], *, limit: int, offset: int) -> str:
    kept = [(name, value) for name, value in params if name not in _PAGE_KEYS]
    kept += [("limit", str(limit)), ("offset", str(offset))]
    return f"{path}?{urlencode(kept)}"


def paginate(
    items: Sequence[T],
    *,
    path: str,
    query_string: str,
    default_limit: int,
    sort_keys: Mapping[str, Callable[[T], Any]],
    render: Callable[[T], dict[str, Any]],
    extra_meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The body of one page of `items`: `{"meta": {...}, "objects": [...]}`.

    `path` is the list's own path (for `next` and `previous`), `sort_keys` the
    fields `order_by` may name, `render` turns an item into its JSON object, and
    `extra_meta` adds keys to `meta` (the rate list's `disabled`).
    """
    params = parse_query(query_string)
    limit = _limit(params, default_limit)
    offset = _offset(params)
    ordered = _sorted(list(items), params, sort_keys)
    total = len(ordered)
    page = ordered[offset : offset + limit]
    next_link = (
        _link(path, params, limit=limit, offset=offset + limit) if offset + limit < total else None
    )
    previous_link = (
        _link(path, params, limit=limit, offset=max(0, offset - limit)) if offset > 0 else None
    )
    meta: dict[str, Any] = dict(extra_meta or {})
    meta.update(
        {
            "limit": limit,
            "next": next_link,
            "offset": offset,
            "previous": previous_link,
            "total_count": total,
        }
    )
    return {"meta": dict(sorted(meta.items())), "objects": [render(item) for item in page]}
