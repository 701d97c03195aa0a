"""`to_dict` on Bity's models: keyed as Bity spells them, read back by the client's converter."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bityclient import (
    Currency,
    InputTransaction,
    ListMeta,
    Order,
    OutputTransaction,
    PairRate,
    Rate,
    Token,
    dump_token,
    load_token,
    to_dict,
)
from bityclient._decode import ORDER_KEYS, ListBody, converter, converter_for
from tests.model_strategies import assert_plain_json, json_values, models

from .conftest import DOC_ACCESS, DOC_REFRESH, bity_fixture_text, make_token

UTC = timezone.utc
#: Every model a parser returns, but the Token (see the secrets tests below).
MODELS = [Rate, PairRate, Order, InputTransaction, OutputTransaction, ListMeta]
_META_FIELDS = {"limit", "offset", "next", "previous", "total_count"}
#: Keys of `meta` that ListMeta does not declare: its `extra`.
meta_extras = st.dictionaries(
    st.text(max_size=12).filter(lambda key: key not in _META_FIELDS), json_values, max_size=3
)


def round_trip(model: Any, cls: Any = None, conv: cattrs.Converter = converter) -> Any:
    """`model` through to_dict, JSON text, and the client's converter."""
    text = json.dumps(to_dict(model))
    return conv.structure(json.loads(text), cls or type(model))


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_model_comes_back_from_its_json(cls: type, data: st.DataObject) -> None:
    # Every datetime on these models is UTC: decoding makes it so.
    model = data.draw(models(cls, zones=[UTC], fields={"extra": meta_extras}))
    written = to_dict(model)
    assert_plain_json(written)
    back = round_trip(model)
    assert back == model
    assert to_dict(back) == written


# Every recorded sample that decodes as models, and what it holds.
SAMPLES: dict[str, Any] = {
    "rates_list.json": ListBody[Rate],
    "rate_we_sell_ETHBTC.json": PairRate,
    "rate_we_buy_ETHBTC.json": PairRate,
    "order_created.json": Order,
    "orders_list.json": ListBody[Order],
    "list_example.json": ListBody[Order],
}


def sample(name: str) -> Any:
    """A sample as the client reads a body (fractions as Decimal)."""
    return json.loads(bity_fixture_text(name), parse_float=Decimal)


@pytest.mark.parametrize("zone", [UTC, ZoneInfo("Europe/Zurich")], ids=str)
@pytest.mark.parametrize(("name", "cls"), SAMPLES.items())
def test_every_sample_comes_back_unchanged(name: str, cls: Any, zone: Any) -> None:
    # Written times carry their zone, so a client reading the server's in another zone
    # still reads them as the same instants.
    conv = converter_for(zone)
    decoded = conv.structure(sample(name), cls)
    written = to_dict(decoded)
    assert_plain_json(written)
    assert round_trip(decoded, cls, conv) == decoded


@pytest.mark.parametrize("name", ["order_created.json", "orders_list.json"])
def test_orders_are_keyed_as_bity_spells_them(name: str) -> None:
    raw = sample(name)
    for raw_order in raw.get("objects", [raw]):
        written = to_dict(converter.structure(raw_order, Order))
        assert set(raw_order) <= set(written)
        assert all(written[key] is None for key in set(written) - set(raw_order))
        for field, key in ORDER_KEYS.items():
            assert key in written
            assert field not in written


def test_meta_keeps_the_keys_the_model_does_not_declare_beside_the_others() -> None:
    body = converter.structure(sample("rates_list.json"), ListBody[Rate])
    assert body.meta.extra == {"disabled": "USDUSD"}
    written = to_dict(body.meta)
    assert written == {**sample("rates_list.json")["meta"]}
    with pytest.raises(ValueError, match=r"ListMeta\.extra.*'limit'"):
        to_dict(ListMeta(limit=5, extra={"limit": 6}))


def test_exact_forms_in_an_order() -> None:
    order = converter.structure(sample("order_created.json"), Order)
    written = to_dict(order)
    paid = written["inputtransactions"][0]
    assert paid["payment_processor_fee"] == "0.00000000"  # the sample's "0E-8"
    assert paid["amount"] == "0.50000000"
    assert written["currency"] is None  # Bity's "" for no fiat currency is None, as decoded
    assert written["timestamp_created"].endswith("+00:00")
    assert written["category"] == "BUY_ETH"


def test_unknown_codes_stay_their_raw_value() -> None:
    raw = sample("rate_we_sell_ETHBTC.json")
    rate = converter.structure({**raw, "target": "XAU"}, PairRate)
    assert not rate.target.is_known
    written = to_dict(rate)
    assert written["target"] == "XAU"
    assert type(written["target"]) is str
    assert round_trip(rate).target is Currency("XAU")


def test_a_model_built_in_code_round_trips_too() -> None:
    rate = PairRate(
        pair="BTCCHF",
        source=Currency.BTC,
        target=Currency.CHF,
        rate=Decimal("1E+3"),
        timestamp=datetime(2024, 3, 1, 12, 0, 0, 5, tzinfo=UTC),
        resource_uri="/api/v1/rate_we_sell/BTCCHF/",
    )
    written = to_dict(rate)
    assert written["rate"] == "1000"
    assert written["timestamp"] == "2024-03-01T12:00:00.000005+00:00"
    assert round_trip(rate) == rate


# --- secrets --------------------------------------------------------------------------------------


def test_a_token_is_refused_without_showing_its_secrets() -> None:
    token = make_token(access=DOC_ACCESS, refresh=DOC_REFRESH)
    with pytest.raises(TypeError, match="access_token, refresh_token") as caught:
        to_dict(token)
    message = str(caught.value)
    assert "dump_token" in message
    assert DOC_ACCESS not in message
    assert DOC_REFRESH not in message


def test_dump_token_is_the_way_to_store_a_session() -> None:
    token = make_token(access=DOC_ACCESS, refresh=DOC_REFRESH)
    stored = json.loads(json.dumps(dump_token(token)))
    assert stored["access_token"] == DOC_ACCESS
    assert load_token(stored) == token
    assert isinstance(token, Token)
