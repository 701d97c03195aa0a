"""Tastypie pagination: limit, offset, order_by (a bare name or `-name`), meta links."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bityclient.sandbox import BitySandbox
from bityclient.sandbox._errors import ApiError
from bityclient.sandbox._pages import MAX_LIMIT, paginate

from .conftest import ORDERS, assert_error, bearer, create_order, login


async def make_orders(
    http: httpx.AsyncClient, sandbox: BitySandbox, count: int
) -> tuple[dict[str, Any], list[str]]:
    token = await login(http, sandbox)
    uris = []
    for _ in range(count):
        response = await create_order(http, token)
        assert response.status_code == 201
        uris.append(response.json()["resource_uri"])
    return token, uris


async def get_page(http: httpx.AsyncClient, token: dict[str, Any], query: str) -> Any:
    response = await http.get(f"{ORDERS}?{query}" if query else ORDERS, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def uris(page: Any) -> list[str]:
    return [order["resource_uri"] for order in page["objects"]]


async def test_default_page_and_walk_to_the_last_one(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token, created = await make_orders(http, sandbox, 23)
    first = await get_page(http, token, "")
    # "limit ... Defaults to 5."
    assert first["meta"] == {
        "limit": 5,
        "next": "/api/v1/order/?limit=5&offset=5",
        "offset": 0,
        "previous": None,
        "total_count": 23,
    }
    assert uris(first) == created[:5]
    seen = uris(first)
    meta = first["meta"]
    while meta["next"] is not None:
        page = (await http.get(meta["next"], headers=bearer(token))).json()
        meta = page["meta"]
        seen += uris(page)
    assert seen == created  # every order once, in id order
    assert meta == {
        "limit": 5,
        "next": None,
        "offset": 20,
        "previous": "/api/v1/order/?limit=5&offset=15",
        "total_count": 23,
    }


async def test_default_page_size_is_configurable(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token, _ = await make_orders(http, sandbox, 3)
    sandbox.default_page_size = 2
    page = await get_page(http, token, "")
    assert page["meta"]["limit"] == 2
    assert len(page["objects"]) == 2
    with pytest.raises(ValueError, match="default_page_size"):
        sandbox.default_page_size = 0


async def test_previous_from_an_offset_below_the_limit_is_the_first_page(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    # The reference: "previous ... or null if the current page is 0", and its example
    # answers offset=1 with "?offset=0&limit=10".
    token, created = await make_orders(http, sandbox, 12)
    page = await get_page(http, token, "limit=10&offset=1")
    assert page["meta"]["previous"] == "/api/v1/order/?limit=10&offset=0"
    assert page["meta"]["next"] == "/api/v1/order/?limit=10&offset=11"
    assert uris(page) == created[1:11]


async def test_order_by_a_bare_field_is_ascending(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token, created = await make_orders(http, sandbox, 7)
    page = await get_page(http, token, "order_by=id")
    assert uris(page) == created[:5]
    # The other parameters are kept in the links, written as they came.
    assert page["meta"]["next"] == "/api/v1/order/?order_by=id&limit=5&offset=5"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        # "%2B" is a "+"; a "+" typed in a query string arrives as a space.
        ("order_by=%2Bid", "+id"),
        ("order_by=+id", " id"),
        ("order_by=-nope", "nope"),
        ("order_by=", ""),
        ("order_by=amount", "amount"),
        ("order_by=id&order_by=%2Bstatus", "+status"),
    ],
)
async def test_an_order_by_naming_no_field_is_tastypies_400(
    http: httpx.AsyncClient, sandbox: BitySandbox, query: str, named: str
) -> None:
    token = await login(http, sandbox)
    response = await http.get(f"{ORDERS}?{query}", headers=bearer(token))
    assert response.status_code == 400
    # tastypie's own BadRequest body: one `error` key, the message, no code.
    assert response.json() == {"error": f"No matching '{named}' field for ordering on."}


async def test_order_by_descending_across_pages(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token, created = await make_orders(http, sandbox, 7)
    first = await get_page(http, token, "order_by=-id&limit=4")
    assert uris(first) == created[::-1][:4]
    assert first["meta"]["next"] == "/api/v1/order/?order_by=-id&limit=4&offset=4"
    second = (await http.get(first["meta"]["next"], headers=bearer(token))).json()
    assert uris(second) == created[::-1][4:]


async def test_order_by_timestamp_then_id(
    http: httpx.AsyncClient, sandbox: BitySandbox, clock: Any
) -> None:
    token = await login(http, sandbox)
    made = []
    for step in (3, 1, 2):  # created at t+3, t+1, t+2 (the clock goes back and forth)
        clock.advance(step)
        made.append((await create_order(http, token)).json())
        clock.advance(-step)
    page = await get_page(http, token, "order_by=-timestamp_created")
    assert uris(page) == [made[0]["resource_uri"], made[2]["resource_uri"], made[1]["resource_uri"]]
    both = await get_page(http, token, "order_by=status&order_by=-id")
    assert uris(both) == [order["resource_uri"] for order in reversed(made)]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=abc", "invalid_limit"),
        ("limit=-1", "invalid_limit"),
        ("limit=1.5", "invalid_limit"),
        ("offset=x", "invalid_offset"),
        ("offset=-5", "invalid_offset"),
    ],
)
async def test_invalid_paging_is_400(
    http: httpx.AsyncClient, sandbox: BitySandbox, query: str, error: str
) -> None:
    token = await login(http, sandbox)
    response = await http.get(f"{ORDERS}?{query}", headers=bearer(token))
    body = assert_error(response, 400, error)
    assert body["error_description"].startswith(error.removeprefix("invalid_"))


async def test_limit_zero_means_the_maximum(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    token, created = await make_orders(http, sandbox, 7)
    page = await get_page(http, token, "limit=0")
    assert page["meta"]["limit"] == MAX_LIMIT
    assert uris(page) == created
    assert page["meta"]["next"] is None
    capped = await get_page(http, token, "limit=5000")
    assert capped["meta"]["limit"] == MAX_LIMIT


async def test_an_offset_past_the_end_is_an_empty_page(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token, _ = await make_orders(http, sandbox, 3)
    page = await get_page(http, token, "offset=10")
    assert page["objects"] == []
    assert page["meta"]["next"] is None
    assert page["meta"]["previous"] == "/api/v1/order/?limit=5&offset=5"
    assert page["meta"]["total_count"] == 3


async def test_an_empty_list(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    page = await get_page(http, await login(http, sandbox), "")
    assert page == {
        "meta": {"limit": 5, "next": None, "offset": 0, "previous": None, "total_count": 0},
        "objects": [],
    }


# --- the pure function --------------------------------------------------------------------------


def page_of(items: list[int], query: str, **kwargs: Any) -> dict[str, Any]:
    return paginate(
        items,
        path="/things/",
        query_string=query,
        default_limit=kwargs.pop("default_limit", 2),
        sort_keys={"n": lambda n: n, "parity": lambda n: n % 2},
        render=lambda n: {"n": n},
        **kwargs,
    )


def test_paginate_keeps_other_parameters_in_their_order() -> None:
    page = page_of([1, 2, 3, 4, 5], "foo=a+b&limit=2&bar=%2Fx&offset=2")
    assert page["objects"] == [{"n": 3}, {"n": 4}]
    assert page["meta"]["next"] == "/things/?foo=a+b&bar=%2Fx&limit=2&offset=4"
    assert page["meta"]["previous"] == "/things/?foo=a+b&bar=%2Fx&limit=2&offset=0"


def test_paginate_sorts_stably_by_several_fields() -> None:
    page = page_of([5, 2, 4, 1, 3], "order_by=parity&order_by=-n&limit=0")
    assert [o["n"] for o in page["objects"]] == [4, 2, 5, 3, 1]


def test_paginate_extra_meta_is_sorted_in() -> None:
    page = page_of([1], "", extra_meta={"disabled": "USDUSD"})
    assert list(page["meta"]) == ["disabled", "limit", "next", "offset", "previous", "total_count"]


def test_paginate_errors_are_api_errors() -> None:
    with pytest.raises(ApiError) as info:
        page_of([1], "limit=x")
    assert (info.value.status, info.value.error) == (400, "invalid_limit")
