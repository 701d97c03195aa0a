"""Django REST framework's ordering filter and page-number pagination, as the gateway uses them.

- `ordering=field` or `-field`, several separated by commas; names the endpoint
  does not allow are ignored, and when none is left the endpoint's default applies
  (DRF's `OrderingFilter`).
- `page` is 1-based; `last` names the last page; anything else that is not a page
  of the result answers 404 `{"detail": "Invalid page."}`. Page 1 of an empty
  result is an empty page.
- `limit` is the page size. A value that is not a positive integer is ignored, one
  above `MAX_PAGE_SIZE` is cut to it (DRF's `PageNumberPagination`). The reference
  says the default is "all"; the sandbox pages by its `default_page_size` instead,
  so that a client's paging is exercised.
- `next` and `previous` are absolute URLs: the request's own URL with `page`
  replaced (removed, for the first page), its parameters sorted, as DRF writes them.

History lists also take filters (`filter_records`, as django-filter's
`DjangoFilterBackend` applies them): each non-empty parameter the endpoint
knows must equal the record's field; an unknown `status` is a DRF 400.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import attrs

from ._errors import InvalidInput

__all__ = ["MAX_PAGE_SIZE", "InvalidPage", "PageOf", "filter_records", "order", "paginate"]

T = TypeVar("T")

#: The largest `limit` honoured; a larger one gives pages of this size.
MAX_PAGE_SIZE = 1000

_LAST_PAGE = "last"


class InvalidPage(Exception):
    """The `page` asked for is not a page of the result (a 404 in DRF)."""


@attrs.frozen
class PageOf(Generic[T]):
    """One page of a result: its items, the total, and the links to its neighbours."""

    count: int
    items: list[T]
    next: str | None
    previous: str | None


def order(
    records: Sequence[T],
    ordering: str | None,
    keys: Mapping[str, Callable[[T], Any]],
    default: str,
) -> list[T]:
    """`records` sorted by the `ordering` parameter, as DRF's OrderingFilter sorts them."""
    terms = [term.strip() for term in (ordering or "").split(",")]
    valid = [term for term in terms if term and term.lstrip("-") in keys]
    result = list(records)
    for term in reversed(valid or [default]):
        result.sort(key=keys[term.lstrip("-")], reverse=term.startswith("-"))
    return result


def filter_records(
    records: Iterable[Any],
    query: Mapping[str, str],
    fields: Mapping[str, Callable[[Any], str | None]],
    *,
    statuses: Iterable[int],
) -> list[Any]:
    """The records whose fields equal the non-empty query values (django-filter style).

    `status` must be one of `statuses`, else the DRF 400 that django-filter gives.
    """
    wanted = {name: query[name] for name in fields if query.get(name)}
    status = wanted.get("status")
    if status is not None and status.strip() not in {str(code) for code in statuses}:
        raise InvalidInput(
            {"status": [f"Select a valid choice. {status} is not one of the available choices."]}
        )
    if status is not None:
        wanted["status"] = status.strip()
    return [
        record
        for record in records
        if all(fields[name](record) == value for name, value in wanted.items())
    ]


def _page_size(query: Mapping[str, str], default: int) -> int:
    try:
        size = int(query["limit"])
    except (KeyError, ValueError):
        return default
    return min(size, MAX_PAGE_SIZE) if size > 0 else default


def paginate(
    records: Sequence[T], *, url: str, query: Mapping[str, str], default_size: int
) -> PageOf[T]:
    """The page of `records` that `query` asks for; raises InvalidPage."""
    size = _page_size(query, default_size)
    count = len(records)
    pages = max(1, math.ceil(count / size))
    asked = query.get("page") or "1"
    try:
        number = pages if asked == _LAST_PAGE else int(asked)
    except ValueError:
        raise InvalidPage(asked) from None
    if not 1 <= number <= pages:
        raise InvalidPage(asked)
    start = (number - 1) * size
    return PageOf(
        count=count,
        items=list(records[start : start + size]),
        next=_with_page(url, number + 1) if number < pages else None,
        previous=_with_page(url, number - 1) if number > 1 else None,
    )


def _with_page(url: str, number: int) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    if number == 1:
        params.pop("page", None)
    else:
        params["page"] = [str(number)]
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )
