"""Rates: the list, the two single-pair endpoints, their shapes and arithmetic."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bityclient import PairRate, Rate
from bityclient._decode import make_bity_converter
from bityclient.sandbox import BitySandbox
from tests.bityclient.conftest import bity_fixture

from .conftest import assert_error, create_order, login

EIGHT_PLACES = re.compile(r"\d+\.\d{8}")
ZONELESS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")
STRICT = make_bity_converter(strict=True)

QUOTED = ["ETHEUR", "ETHCHF", "BTCEUR", "BTCCHF", "ETHBTC", "REPEUR", "REPCHF", "REPBTC", "REPETH"]
REVERSED = [pair[3:] + pair[:3] for pair in QUOTED]


async def all_rates(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await http.get("/api/v1/rate2/?limit=0")
    assert response.status_code == 200
    objects: list[dict[str, Any]] = response.json()["objects"]
    return objects


async def test_the_rate_list_has_the_documented_shape(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/v1/rate2/")
    assert response.status_code == 200
    body = response.json()
    # The reference's sample answers a bare GET with "limit": 20 (not the general 5).
    assert body["meta"] == {
        "limit": 20,
        "next": None,
        "offset": 0,
        "previous": None,
        "total_count": 18,
    }
    sample = bity_fixture("rates_list.json")["objects"][0]
    for rate in body["objects"]:
        assert list(rate) == list(sample)
        assert rate["resource_uri"] == f"/api/v1/rate2/{rate['pair']}/"
        assert rate["pair"] == rate["source"] + rate["target"]
        assert rate["is_enabled"] is True
        for key in ("rate", "rate_we_buy", "rate_we_sell"):
            assert EIGHT_PLACES.fullmatch(rate[key]), rate[key]
        for key in ("timestamp", "rate_we_buy_timestamp", "rate_we_sell_timestamp"):
            assert ZONELESS.fullmatch(rate[key]), rate[key]
        STRICT.structure(rate, Rate)  # no key the model does not know, none missing
    assert [rate["pair"] for rate in body["objects"]] == QUOTED + REVERSED


async def test_timestamps_are_utc_without_a_zone(http: httpx.AsyncClient) -> None:
    rates = await all_rates(http)
    # The fake clock says 2024-03-01 12:00 UTC.
    assert rates[0]["timestamp"] == "2024-03-01T12:00:00.000000"


async def test_we_sell_above_rate_above_we_buy(http: httpx.AsyncClient) -> None:
    for rate in await all_rates(http):
        sell, mid, buy = (Decimal(rate[k]) for k in ("rate_we_sell", "rate", "rate_we_buy"))
        assert sell > mid > buy > 0, rate["pair"]


async def test_reverse_pairs_are_derived(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    sandbox.set_rate("ETHEUR", rate=Decimal("400"), spread=Decimal("0.01"))
    rates = {rate["pair"]: rate for rate in await all_rates(http)}
    assert rates["ETHEUR"]["rate_we_sell"] == "404.00000000"
    assert rates["ETHEUR"]["rate_we_buy"] == "396.00000000"
    assert rates["EURETH"]["rate"] == "0.00250000"
    # Bity sells ETH for EUR at 404: it buys EUR at 1/404 ETH, and so on.
    assert rates["EURETH"]["rate_we_buy"] == "0.00247525"  # 1/404
    assert rates["EURETH"]["rate_we_sell"] == "0.00252525"  # 1/396


async def test_setting_a_reverse_pair_sets_the_quoted_one(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    sandbox.set_rate("EURBTC", rate=Decimal("0.0001"))
    rates = {rate["pair"]: rate for rate in await all_rates(http)}
    assert rates["BTCEUR"]["rate"] == "10000.00000000"
    assert rates["EURBTC"]["rate"] == "0.00010000"
    assert len(rates) == 18


async def test_a_new_pair_joins_the_list(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    sandbox.set_rate("BTCUSD", rate=Decimal("7000"))
    pairs = [rate["pair"] for rate in await all_rates(http)]
    assert "BTCUSD" in pairs
    assert "USDBTC" in pairs
    assert len(pairs) == 20


@pytest.mark.parametrize(
    ("pair", "kwargs"),
    [
        ("ethbtc", {"rate": Decimal(1)}),
        ("ETH", {"rate": Decimal(1)}),
        ("ETHBTC", {"rate": Decimal(0)}),
        ("ETHBTC", {"rate": Decimal(-1)}),
        ("ETHBTC", {"rate": Decimal("NaN")}),
        ("ETHBTC", {"rate": 0.5}),
        ("ETHBTC", {"rate": Decimal("0.000000001")}),
        ("ETHBTC", {"rate": Decimal(1), "spread": Decimal(0)}),
        ("ETHBTC", {"rate": Decimal(1), "spread": Decimal(1)}),
        ("ETHBTC", {"rate": Decimal("0.00000001"), "spread": Decimal("0.9")}),
        ("ETHBTC", {"rate": Decimal("1E16")}),
    ],
)
def test_set_rate_refuses_bad_input(pair: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"pair|rate|spread"):
        BitySandbox().set_rate(pair, **kwargs)


@pytest.mark.parametrize("kind", ["rate_we_sell", "rate_we_buy"])
async def test_single_pair_rates_have_the_documented_shape(
    http: httpx.AsyncClient, kind: str
) -> None:
    response = await http.get(f"/api/v1/{kind}/ETHBTC/")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == list(bity_fixture(f"{kind}_ETHBTC.json"))
    assert body["resource_uri"] == f"/api/v1/{kind}/ETHBTC/"
    assert (body["pair"], body["source"], body["target"]) == ("ETHBTC", "ETH", "BTC")
    assert ZONELESS.fullmatch(body["timestamp"])
    STRICT.structure(body, PairRate)
    listed = {rate["pair"]: rate for rate in await all_rates(http)}["ETHBTC"]
    assert body["rate"] == listed[kind]


async def test_the_rate_detail_is_served(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/v1/rate2/REPETH/")
    assert response.status_code == 200
    assert response.json()["pair"] == "REPETH"
    assert_error(await http.get("/api/v1/rate2/XXXYYY/"), 404, "not_found")


@pytest.mark.parametrize("path", ["rate_we_sell/ETHXYZ/", "rate_we_buy/ethbtc/", "rate_we_buy/"])
async def test_unknown_pairs_are_404(http: httpx.AsyncClient, path: str) -> None:
    assert_error(await http.get(f"/api/v1/{path}"), 404, "not_found")


async def test_a_disabled_pair(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    sandbox.set_rate("ETHCHF", rate=Decimal("500"), enabled=False)
    response = await http.get("/api/v1/rate2/?limit=0")
    body = response.json()
    # As in the reference's sample, meta names the disabled pairs.
    assert body["meta"]["disabled"] == "ETHCHF,CHFETH"
    listed = {rate["pair"]: rate["is_enabled"] for rate in body["objects"]}
    assert listed["ETHCHF"] is False
    assert listed["CHFETH"] is False
    assert listed["ETHEUR"] is True
    assert_error(await http.get("/api/v1/rate_we_sell/ETHCHF/"), 404, "not_found")
    assert_error(await http.get("/api/v1/rate_we_buy/CHFETH/"), 404, "not_found")
    token = await login(http, sandbox)
    order = await create_order(http, token, category="SELL_ETH", currency="CHF")
    assert_error(order, 400, "invalid_currency")


async def test_rates_sort_and_page(http: httpx.AsyncClient) -> None:
    page = (await http.get("/api/v1/rate2/?order_by=pair&limit=3&offset=3")).json()
    assert [rate["pair"] for rate in page["objects"]] == ["BTCREP", "CHFBTC", "CHFETH"]
    assert page["meta"]["next"] == "/api/v1/rate2/?order_by=pair&limit=3&offset=6"
    by_rate = (await http.get("/api/v1/rate2/?order_by=-rate&limit=1")).json()
    assert by_rate["objects"][0]["pair"] == "BTCCHF"


async def test_rates_refuse_a_plus_before_the_field_as_tastypie_does(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/api/v1/rate2/?order_by=%2Bpair")
    assert response.status_code == 400
    assert response.json() == {"error": "No matching '+pair' field for ordering on."}


async def test_extreme_rates_and_amounts_are_exact(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    # Digits beyond the default decimal precision (28) never fail or round silently.
    sandbox.set_rate("REPBTC", rate=Decimal("0.00000001"), spread=Decimal("0.5"))
    sandbox.set_rate("BTCEUR", rate=Decimal("9999999999999999"))
    token = await login(http, sandbox)
    response = await create_order(http, token, category="BUY_REP", amount="999999999999.99999999")
    assert response.status_code == 201, response.text
    # 999999999999.99999999 BTC / 0.00000002 (Bity's REP price): 50 000 000 000 000 000 000 REP
    assert response.json()["outputtransactions"][0]["amount"] == "49999999999999999999.50000000"
    rates = {rate["pair"]: rate for rate in await all_rates(http)}
    assert rates["BTCEUR"]["rate_we_sell"] == "10099999999999998.99000000"
    assert rates["EURBTC"]["rate"] == "0E-8"  # too small for 8 places: Django writes 0E-8
