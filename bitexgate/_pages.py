"""Decoding the gateway's Django REST framework list bodies into `common.Page`."""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs
import httpx

from common import (
    DecodeError,
    Page,
    decode_json,
    query_of_link,
    response_text,
    structure_list,
)

__all__ = ["decode_list", "decode_page"]

T = TypeVar("T")

#: What a `next` link contributes to the next request: where the page starts. The
#: caller's filters, ordering and page size are kept as the caller gave them.
NEXT_PAGE_KEYS = ("page",)


def decode_page(converter: cattrs.Converter, response: httpx.Response, item: type[T]) -> Page[T]:
    """A `count / next / previous / results` body as a Page.

    A bare JSON list (an unpaginated answer) is one last page. The `next` link may
    carry surrounding whitespace, as in the reference; only its `page` is used.
    """
    data = decode_json(response)
    if isinstance(data, list):
        return Page(items=structure_list(converter, data, item, response))
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise _shape_error(response, "an object with a 'results' list")
    next_link, count = data.get("next"), data.get("count")
    if next_link is not None and not isinstance(next_link, str):
        raise _shape_error(response, "'next' as a URL or null")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise _shape_error(response, "'count' as an integer or null")
    try:
        next_query = query_of_link(next_link, keys=NEXT_PAGE_KEYS)
    except ValueError:
        raise _shape_error(response, "'next' as a URL or null") from None
    return Page(
        items=structure_list(converter, data["results"], item, response),
        next_query=next_query,
        total_count=count,
    )


def decode_list(converter: cattrs.Converter, response: httpx.Response, item: type[T]) -> list[T]:
    """A list body: a bare JSON list, or the `results` of a single page."""
    data: Any = decode_json(response)
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if not isinstance(data, list):
        raise _shape_error(response, "a JSON list")
    return structure_list(converter, data, item, response)


def _shape_error(response: httpx.Response, expected: str) -> DecodeError:
    request = response.request
    text = response_text(response)
    return DecodeError(
        f"{request.method} {request.url}: expected {expected}, got: {text[:200]!r}",
        text=text,
        status_code=response.status_code,
        method=request.method,
        url=str(request.url),
    )
