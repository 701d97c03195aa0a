"""The signature equals the reference document's algorithm, on many inputs."""

from __future__ import annotations

import hmac
import json
from decimal import Decimal

import httpx
import respx
from hypothesis import given
from hypothesis import strategies as st

from bitexgate import BitexGateClient, GatewayAuth, RetryPolicy, sign

from .conftest import API_KEY, BASE_URL, NOW, SECRET


def reference(secret: str, key: str, path: str, timeout: int, body: str = "") -> str:
    """`get_signature` from the reference, with the secret as a parameter."""
    payload = f"{key}{path}{timeout}{body}"
    return hmac.new(secret.encode(), payload.encode(), digestmod="sha256").hexdigest()


def test_known_vector() -> None:
    # Literal values, computed once from the reference algorithm: they pin the arithmetic.
    assert (
        sign(
            secret="secret",
            api_key="key",
            path="/api/gateway/payment-methods",
            timeout=1700000000500,
        )
        == "7e5ee97bb2cfcf0f60ec6787957c81f8abf38d815f2371539fcd1da8a3d14916"
    )
    assert (
        sign(
            secret="Z%2s3cr3t-for-tests",
            api_key="0000-1111-2222-3333",
            path="/api/gateway/withdraw/create",
            timeout=1700000000623,
            body=b'{"ticker": "USDT", "amount": 22}',
        )
        == "abf6c267a842f8467b065b28154618bd2a17ff57aa2a1adec60d082a667ee7c0"
    )


@given(
    secret=st.text(min_size=1),
    key=st.text(min_size=1),
    path=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1).map(
        lambda p: "/" + p
    ),
    timeout=st.integers(min_value=0, max_value=2**63),
    body=st.text(),
)
def test_matches_reference_on_any_input(
    secret: str, key: str, path: str, timeout: int, body: str
) -> None:
    assert sign(
        secret=secret, api_key=key, path=path, timeout=timeout, body=body.encode()
    ) == reference(secret, key, path, timeout, body)


@given(
    payload=st.dictionaries(
        st.text(max_size=10),
        st.one_of(st.text(), st.integers(), st.booleans(), st.none()),
        max_size=6,
    )
)
def test_signed_body_is_the_reference_json_dumps(payload: dict[str, object]) -> None:
    """For any body the SDK sends the text the reference's json.dumps produces, and signs it."""
    from common import encode_json

    body = encode_json(payload)
    assert body == json.dumps(payload).encode()
    assert sign(
        secret=SECRET, api_key=API_KEY, path="/api/gateway/withdraw/create", timeout=1, body=body
    ) == reference(SECRET, API_KEY, "/api/gateway/withdraw/create", 1, json.dumps(payload))


def test_non_ascii_body() -> None:
    text = "Оплата заказа №5 — ünïcödé ✓ 💸"
    raw_utf8 = json.dumps({"comment": text}, ensure_ascii=False)
    assert sign(
        secret=SECRET, api_key=API_KEY, path="/p", timeout=7, body=raw_utf8.encode("utf-8")
    ) == reference(SECRET, API_KEY, "/p", 7, raw_utf8)


@respx.mock(base_url=BASE_URL)
async def test_non_ascii_comment_is_signed_as_sent(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("/api/gateway/withdraw/create").respond(
        json={
            "id": 9,
            "ticker": "USDT",
            "network": "tron",
            "amount": "1",
            "fee_payer": 1,
            "status": 10,
            "created_at": "2021-05-21T13:28:32.095Z",
        }
    )
    async with BitexGateClient(api_key=API_KEY, secret=SECRET, clock=lambda: NOW) as gw:
        await gw.withdrawals.create(
            ticker="USDT", network="tron", address="T1", amount=Decimal("1"), comment="Привет ✓"
        )
    request = route.calls.last.request
    # Sent as the reference's json.dumps writes it (ASCII escapes), and signed over those bytes.
    assert (
        request.content
        == json.dumps(
            {
                "ticker": "USDT",
                "network": "tron",
                "address": "T1",
                "comment": "Привет ✓",
                "amount": 1,
            }
        ).encode()
    )
    timeout = int(request.headers["X-Timeout"])
    assert request.headers["X-Sign"] == reference(
        SECRET, API_KEY, "/api/gateway/withdraw/create", timeout, request.content.decode()
    )


def test_path_excludes_the_query_and_get_signs_an_empty_body() -> None:
    auth = GatewayAuth(API_KEY, SECRET, clock=lambda: NOW)
    request = httpx.Request("GET", f"{BASE_URL}/api/gateway/wallets?page=2&limit=5")
    signed = next(auth.auth_flow(request))
    timeout = int(signed.headers["X-Timeout"])
    assert timeout == int(NOW * 1000) + 500
    assert signed.headers["X-Sign"] == reference(SECRET, API_KEY, "/api/gateway/wallets", timeout)


def test_window_is_configurable() -> None:
    auth = GatewayAuth(API_KEY, SECRET, window=5, clock=lambda: NOW)
    signed = next(auth.auth_flow(httpx.Request("GET", f"{BASE_URL}/x")))
    assert int(signed.headers["X-Timeout"]) == int(NOW * 1000) + 5000


@respx.mock(base_url=BASE_URL)
async def test_every_attempt_is_signed_anew(respx_mock: respx.MockRouter) -> None:
    """A retry carries a fresh deadline and a signature for it, not the first one's."""
    # The clock is read when each attempt is signed and when its answer arrives.
    clock = iter([NOW, NOW + 0.01, NOW + 1.5, NOW + 1.51, NOW + 3.0, NOW + 3.01])
    route = respx_mock.get("/api/gateway/payment-methods").mock(
        side_effect=[httpx.Response(502), httpx.Response(503), httpx.Response(200, json=[])]
    )
    async with BitexGateClient(
        api_key=API_KEY,
        secret=SECRET,
        clock=lambda: next(clock),
        retry=RetryPolicy(initial_delay=0),
    ) as gw:
        assert await gw.payment_methods.list() == []
    deadlines = [int(call.request.headers["X-Timeout"]) for call in route.calls]
    assert deadlines == [int(t * 1000) + 500 for t in (NOW, NOW + 1.5, NOW + 3.0)]
    for call in route.calls:
        timeout = int(call.request.headers["X-Timeout"])
        assert call.request.headers["X-Sign"] == reference(
            SECRET, API_KEY, "/api/gateway/payment-methods", timeout
        )


def test_repr_hides_the_secret() -> None:
    client = BitexGateClient(api_key=API_KEY, secret=SECRET)
    assert SECRET not in repr(client)
    assert SECRET not in repr(GatewayAuth(API_KEY, SECRET))
    assert API_KEY not in repr(client)
