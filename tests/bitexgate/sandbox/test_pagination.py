"""Lists are Django REST framework pages: page, limit, ordering, next and previous links."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bitexgate import BitexGateClient, DepositStatus, WithdrawStatus
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import BASE_URL, Raw, funded
from tests.conftest import fixture_json

WALLETS = "/api/gateway/wallets"
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"


async def make_wallets(raw: Raw, count: int) -> list[str]:
    slugs = []
    for _ in range(count):
        response = await raw.post(
            "/api/gateway/wallet/create", {"ticker": "BTC", "network": "bitcoin"}
        )
        slugs.append(response.json()["slug"])
    return slugs


async def test_payment_methods_are_a_plain_list_in_id_order(raw: Raw) -> None:
    response = await raw.get("/api/gateway/payment-methods")
    methods = response.json()
    assert isinstance(methods, list)
    assert [(m["ticker"], m["network"]) for m in methods] == [
        ("BTC", "bitcoin"),
        ("UAH", "wiretransfer"),
        ("ETH", "ethereum"),
        ("USDT", "tron"),
        ("USDT", "ethereum"),
        ("USDT", "payeer"),
    ]
    backwards = (await raw.get("/api/gateway/payment-methods", ordering="-id")).json()
    assert backwards == methods[::-1]


async def test_the_documented_methods_are_the_reference_samples(raw: Raw) -> None:
    methods = (await raw.get("/api/gateway/payment-methods")).json()
    assert methods[:2] == fixture_json("bitexgate", "payment_methods.json")


async def test_pages_default_to_the_sandbox_page_size_newest_first(raw: Raw) -> None:
    slugs = await make_wallets(raw, 25)
    first = (await raw.get(WALLETS)).json()
    assert first["count"] == 25
    assert [w["slug"] for w in first["results"]] == slugs[::-1][:10]
    assert first["previous"] is None
    assert first["next"] == f"{BASE_URL}{WALLETS}?page=2"
    last = (await raw.get(WALLETS, page="3")).json()
    assert [w["slug"] for w in last["results"]] == slugs[::-1][20:]
    assert last["next"] is None
    assert last["previous"] == f"{BASE_URL}{WALLETS}?page=2"
    middle = (await raw.get(WALLETS, page="2")).json()
    assert middle["previous"] == f"{BASE_URL}{WALLETS}"  # page 1 has no page parameter


async def test_next_links_keep_the_other_parameters_sorted(raw: Raw) -> None:
    await make_wallets(raw, 5)
    page = (await raw.get(WALLETS, ordering="id", limit="2", page="2")).json()
    assert page["next"] == f"{BASE_URL}{WALLETS}?limit=2&ordering=id&page=3"
    assert page["previous"] == f"{BASE_URL}{WALLETS}?limit=2&ordering=id"


async def test_limit_and_ordering(raw: Raw) -> None:
    slugs = await make_wallets(raw, 5)
    ascending = (await raw.get(WALLETS, ordering="id", limit="3")).json()
    assert [w["slug"] for w in ascending["results"]] == slugs[:3]
    by_time = (await raw.get(WALLETS, ordering="-created_at,id", limit="5")).json()
    assert len(by_time["results"]) == 5
    # An unknown field is ignored, and the default ordering applies.
    unknown = (await raw.get(WALLETS, ordering="colour", limit="5")).json()
    assert [w["slug"] for w in unknown["results"]] == slugs[::-1]


@pytest.mark.parametrize(("limit", "size"), [("abc", 10), ("0", 10), ("-3", 10), ("2", 2)])
async def test_a_limit_that_is_not_a_positive_integer_is_ignored(
    raw: Raw, limit: str, size: int
) -> None:
    await make_wallets(raw, 12)
    assert len((await raw.get(WALLETS, limit=limit)).json()["results"]) == size


async def test_a_limit_above_the_cap_is_cut() -> None:
    sandbox = GatewaySandbox(default_page_size=1)
    for _ in range(1001):
        sandbox._state.create_wallet({"ticker": "BTC", "network": "bitcoin"})
    async with sandbox, httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE_URL) as http:
        page = (await Raw(sandbox, http).get(WALLETS, limit="5000")).json()
    assert len(page["results"]) == 1000
    assert page["next"] is not None


@pytest.mark.parametrize("page", ["0", "4", "-1", "two", "1.0"])
async def test_an_invalid_page_is_a_404(raw: Raw, page: str) -> None:
    await make_wallets(raw, 25)
    response = await raw.get(WALLETS, page=page)
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


async def test_last_names_the_last_page_and_an_empty_list_has_one_page(raw: Raw) -> None:
    empty = (await raw.get(WALLETS)).json()
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}
    assert (await raw.get(WALLETS, page="2")).status_code == 404
    await make_wallets(raw, 11)
    last = (await raw.get(WALLETS, page="last")).json()
    assert len(last["results"]) == 1


async def test_histories_filter_and_order(raw: Raw, sandbox: GatewaySandbox) -> None:
    btc = (
        await raw.post("/api/gateway/wallet/create", {"ticker": "BTC", "network": "bitcoin"})
    ).json()
    usdt = (
        await raw.post("/api/gateway/wallet/create", {"ticker": "USDT", "network": "tron"})
    ).json()
    await sandbox.deposit(btc["address"], "0.5", txid="tx-a", confirmed=True)
    await sandbox.deposit(btc["address"], "0.01", txid="tx-b")
    await sandbox.deposit(usdt["address"], "100", txid="tx-c", confirmed=True)

    async def txids(**query: Any) -> list[str]:
        page = (await raw.get("/api/gateway/wallet/history", **query)).json()
        return [d["txid"] for d in page["results"]]

    assert await txids() == ["tx-c", "tx-b", "tx-a"]
    assert await txids(ticker="BTC") == ["tx-b", "tx-a"]
    assert await txids(ticker="BTC", status="5") == ["tx-a"]
    assert await txids(status=str(int(DepositStatus.PENDING))) == ["tx-b"]
    assert await txids(network="tron") == ["tx-c"]
    assert await txids(address=btc["address"], ordering="amount") == ["tx-b", "tx-a"]
    assert await txids(ordering="-amount") == ["tx-c", "tx-a", "tx-b"]
    assert await txids(txid="tx-b") == ["tx-b"]
    assert await txids(memo="x") == []
    assert await txids(memo="", ticker="") == ["tx-c", "tx-b", "tx-a"]  # blank filters: none
    response = await raw.get("/api/gateway/wallet/history", status="7")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["Select a valid choice. 7 is not one of the available choices."]
    }


async def test_withdraw_history_filters(raw: Raw, sandbox: GatewaySandbox) -> None:
    funded(sandbox, USDT="1000", BTC="1")
    body = {"ticker": "USDT", "network": "tron", "address": TRON, "amount": 20}
    first = (await raw.post("/api/gateway/withdraw/create", body)).json()
    second = (await raw.post("/api/gateway/withdraw/create", {**body, "amount": 30})).json()
    done = await sandbox.advance_withdrawal(first["id"], to=WithdrawStatus.DONE)

    async def ids(**query: Any) -> list[int]:
        page = (await raw.get("/api/gateway/withdraw/history", **query)).json()
        return [w["id"] for w in page["results"]]

    assert await ids() == [second["id"], first["id"]]
    assert await ids(status="30") == [first["id"]]
    assert await ids(status="10") == [second["id"]]
    assert await ids(txid=done["txid"]) == [first["id"]]
    assert await ids(address=TRON, ordering="amount") == [first["id"], second["id"]]
    assert await ids(ticker="BTC") == []
    assert (await raw.get("/api/gateway/withdraw/history", status="5")).status_code == 400


async def test_the_sdk_walks_every_page(gw: BitexGateClient, raw: Raw) -> None:
    slugs = await make_wallets(raw, 23)
    walked = [w.slug async for w in gw.wallets.list(page_size=5, ordering="id")]
    assert walked == slugs
    pages = [len(page.items) async for page in gw.wallets.list(page_size=10).pages()]
    assert pages == [10, 10, 3]
