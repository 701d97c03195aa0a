"""Decoding a list body into a `Page`: one function for every list shape the APIs use.

A list body keeps its items under one key and its next-page link and total
under others: DRF's `count / next / previous / results`, tastypie's
`meta {next, total_count, ...} / objects`. A `PageShape` says where; `decode_page`
reads any of them, checks the shape, keeps only what a `next` link contributes
to the next request (`next_keys`), and builds the items with the converter.
Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs
import httpx

from ._converter import to_int
from ._errors import DecodeError
from ._pagination import Page, query_of_link
from ._responses import decode_error, decode_json, structure_list

__all__ = ["PageShape", "decode_items", "decode_page"]

T = TypeVar("T")


@attrs.frozen
class PageShape:
    """Where a list body keeps its items, its next-page link and its total."""

    items: str
    next_link: tuple[str, ...]
    total_count: tuple[str, ...]
    #: What a `next` link contributes to the next request: where the page starts.
    #: The caller's filters, ordering and page size are kept as the caller sent them.
    next_keys: tuple[str, ...]
    #: A bare JSON list is accepted as one, last page (a list served unpaginated).
    bare_list: bool = False


def decode_page(
    converter: cattrs.Converter, response: httpx.Response, item: type[T], shape: PageShape
) -> tuple[Page[T], Mapping[str, Any]]:
    """The page a list body holds, and the body itself (for what else a page carries).

    Raises DecodeError, with the raw text, for a body of another shape, a next
    link that is not a URL, a total that is not a whole number, or an item that
    does not decode as `item`.
    """
    data = decode_json(response)
    if shape.bare_list and isinstance(data, list):
        return Page(items=structure_list(converter, data, item, response)), {}
    if not isinstance(data, dict) or not isinstance(data.get(shape.items), list):
        raise _shape_error(response, f"an object with an {shape.items!r} list")
    next_link = _at(data, shape.next_link, response)
    if next_link is not None and not isinstance(next_link, str):
        raise _shape_error(response, f"{'.'.join(shape.next_link)!r} as a URL or null")
    try:
        next_query = query_of_link(next_link, keys=shape.next_keys)
    except ValueError:
        shown = next_link[:200] if next_link else ""  # a link of any length, quoted short
        raise decode_error(
            response, f"{'.'.join(shape.next_link)} is not a URL: {shown!r}"
        ) from None
    total = _at(data, shape.total_count, response)
    try:
        total_count = None if total is None else to_int(total)
    except ValueError:
        raise _shape_error(
            response, f"{'.'.join(shape.total_count)!r} as a whole number or null"
        ) from None
    items = structure_list(converter, data[shape.items], item, response)
    return Page(items=items, next_query=next_query, total_count=total_count), data


def decode_items(
    converter: cattrs.Converter, response: httpx.Response, item: type[T], shape: PageShape
) -> list[T]:
    """The items of a list that is never paged: a bare JSON list, or the items of one page."""
    data: Any = decode_json(response)
    if isinstance(data, dict) and isinstance(data.get(shape.items), list):
        data = data[shape.items]
    if not isinstance(data, list):
        raise _shape_error(response, "a JSON list")
    return structure_list(converter, data, item, response)


def _at(data: Mapping[str, Any], path: tuple[str, ...], response: httpx.Response) -> Any:
    """The value at `path` in `data` (None when absent); DecodeError if a step is no object."""
    value: Any = data
    for step, key in enumerate(path):
        if not isinstance(value, Mapping):
            raise _shape_error(response, f"{'.'.join(path[:step])!r} as an object")
        value = value.get(key)
    return value


def _shape_error(response: httpx.Response, expected: str) -> DecodeError:
    return decode_error(response, f"expected {expected}")
