"""`decode_page`: one pure decoder for both list shapes, tested on recorded samples, no I/O."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bitexgate import PaymentMethod, Wallet
from bitexgate._models import converter as gateway_converter
from bitexgate._pages import DRF_PAGE
from bityclient import ListMeta, Order, Rate
from bityclient._decode import converter as bity_converter
from bityclient._requests import TASTYPIE_PAGE
from common import DecodeError, structure
from common._pages import PageShape, decode_items, decode_page
from tests.conftest import fixture_json, fixture_text

URL = "https://api.example/list"


def answer(body: Any, *, raw: bool = False) -> httpx.Response:
    """A recorded answer, as the transport hands it over (no socket)."""
    content = body.encode() if raw else json.dumps(body).encode()
    return httpx.Response(200, content=content, request=httpx.Request("GET", URL))


def test_a_drf_page_as_the_reference_shows_it() -> None:
    page, _ = decode_page(
        gateway_converter,
        answer(fixture_text("bitexgate", "wallets.json"), raw=True),
        Wallet,
        DRF_PAGE,
    )
    assert [w.ticker for w in page.items] == ["USDT", "USDT"]
    assert page.total_count == 2
    # The reference's `next` carries a leading space; only its `page` is kept.
    assert page.next_query == {"page": "2"}


def test_a_bare_list_is_one_last_drf_page() -> None:
    wallets = fixture_json("bitexgate", "wallets.json")["results"]
    page, body = decode_page(gateway_converter, answer(wallets), Wallet, DRF_PAGE)
    assert (len(page.items), page.next_query, page.total_count, body) == (2, None, None, {})


def test_a_tastypie_page_as_the_reference_shows_it() -> None:
    response = answer(fixture_json("bityclient", "rates_list.json"))
    page, body = decode_page(bity_converter, response, Rate, TASTYPIE_PAGE)
    assert page.items[0].pair == "ETHEUR"
    assert page.items[0].rate == Decimal("452.40000000")
    assert page.total_count == 32
    assert page.next_query is None
    meta = structure(bity_converter, body["meta"], ListMeta, response)
    assert meta.extra == {"disabled": "USDUSD"}


def test_a_tastypie_next_link_gives_only_where_the_next_page_starts() -> None:
    sample = fixture_json("bityclient", "orders_list.json")
    sample["meta"]["next"] = "/api/v1/order/?limit=2&offset=2&order_by=-id&format=json"
    page, _ = decode_page(bity_converter, answer(sample), Order, TASTYPIE_PAGE)
    assert page.next_query == {"limit": "2", "offset": "2"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"results": "nope"}, "an 'results' list"),
        ({"count": 1, "next": 7, "results": []}, "'next' as a URL or null"),
        ({"count": "many", "next": None, "results": []}, "'count' as a whole number"),
        ({"count": True, "next": None, "results": []}, "'count' as a whole number"),
        ({"count": 1, "next": "http://[::1", "results": []}, "next is not a URL"),
        ("text", "an 'results' list"),
    ],
)
def test_a_drf_body_of_another_shape_is_a_decode_error(body: Any, expected: str) -> None:
    with pytest.raises(DecodeError, match=expected) as caught:
        decode_page(gateway_converter, answer(body), Wallet, DRF_PAGE)
    assert caught.value.text == json.dumps(body)
    assert caught.value.url == URL


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"meta": "nope", "objects": []}, "'meta' as an object"),
        ({"meta": {"next": ["x"]}, "objects": []}, "'meta.next' as a URL or null"),
        ({"meta": {"total_count": 1.5}, "objects": []}, "'meta.total_count' as a whole number"),
        ({"objects": {}}, "an 'objects' list"),
        ([], "an 'objects' list"),  # tastypie never answers a bare list
    ],
)
def test_a_tastypie_body_of_another_shape_is_a_decode_error(body: Any, expected: str) -> None:
    with pytest.raises(DecodeError, match=expected):
        decode_page(bity_converter, answer(body), Rate, TASTYPIE_PAGE)


def test_numeric_text_counts_are_read_as_numbers() -> None:
    shape = PageShape(items="items", next_link=("next",), total_count=("total",), next_keys=())
    page, _ = decode_page(gateway_converter, answer({"items": [], "total": "12"}), Wallet, shape)
    assert page.total_count == 12


def test_items_of_an_unpaged_list_come_bare_or_in_a_page() -> None:
    methods = fixture_json("bitexgate", "payment_methods.json")
    bare = decode_items(gateway_converter, answer(methods), PaymentMethod, DRF_PAGE)
    paged = decode_items(
        gateway_converter,
        answer({"count": 2, "next": None, "results": methods}),
        PaymentMethod,
        DRF_PAGE,
    )
    assert bare == paged
    assert [m.ticker for m in bare] == ["BTC", "UAH"]
    with pytest.raises(DecodeError, match="a JSON list"):
        decode_items(gateway_converter, answer({"detail": "x"}), PaymentMethod, DRF_PAGE)
