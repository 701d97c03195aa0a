"""BityClient's life cycle, configuration and representation."""

from __future__ import annotations

import httpx
import pytest
import respx

from bityclient import BityClient

from .conftest import CLIENT_ID, bity_fixture, make_client, make_token


async def test_closes_the_pool_it_created(router: respx.MockRouter) -> None:
    bity = make_client(router)
    async with bity as entered:
        assert entered is bity
        assert not bity._transport.is_closed
    assert bity._transport.is_closed


async def test_never_closes_a_callers_http_client(router: respx.MockRouter) -> None:
    router.get("/api/v1/rate_we_buy/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_buy_ETHBTC.json")
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as shared:
        async with BityClient(client_id=CLIENT_ID, http_client=shared) as bity:
            await bity.rates.we_buy("ETHBTC")
        assert not shared.is_closed
        assert router.calls.call_count == 1


async def test_base_url_with_a_path_prefix() -> None:
    router = respx.MockRouter(base_url="https://sandbox.example/bity")
    route = router.get("/api/v1/rate_we_buy/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_buy_ETHBTC.json")
    )
    token = router.post("/o/token/").respond(200, json=bity_fixture("token.json"))
    async with make_client(router, base_url="https://sandbox.example/bity/") as bity:
        assert bity.base_url == "https://sandbox.example/bity"
        await bity.rates.we_buy("ETHBTC")
        await bity.login(username="+41786399501", password="abc123")
    assert route.calls.last.request.url == "https://sandbox.example/bity/api/v1/rate_we_buy/ETHBTC/"
    assert token.calls.last.request.url == "https://sandbox.example/bity/o/token/"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"base_url": "ftp://bity.com"}, ValueError),
        ({"base_url": "https://bity.com/?x=1"}, ValueError),
        ({"client_id": ""}, ValueError),
        ({"token": {"access_token": "a"}}, TypeError),
        ({"refresh_leeway": -1}, ValueError),
        (
            {
                "http_client": httpx.AsyncClient(),
                "transport": httpx.MockTransport(lambda r: httpx.Response(200)),
            },
            ValueError,
        ),
    ],
)
async def test_bad_configuration(kwargs: dict[str, object], error: type[Exception]) -> None:
    kwargs.setdefault("client_id", CLIENT_ID)
    with pytest.raises(error):
        BityClient(**kwargs)  # type: ignore[arg-type]
    client = kwargs.get("http_client")
    if isinstance(client, httpx.AsyncClient):
        await client.aclose()


async def test_repr(router: respx.MockRouter) -> None:
    async with make_client(router, token=make_token(access="SECRET-A", refresh="SECRET-R")) as bity:
        text = repr(bity)
        assert text == (
            f"<BityClient base_url='https://bity.com' client_id='{CLIENT_ID}' logged in>"
        )
        assert "SECRET" not in repr(bity.auth)
        assert "SECRET" not in repr(bity.token)
        assert repr(bity.rates) == "<RatesResource https://bity.com/api/v1/rate2/>"
    async with make_client(router) as anonymous:
        assert repr(anonymous).endswith("not logged in>")
