"""The sandbox refuses every request whose signature the reference would not accept."""

from __future__ import annotations

import time

import httpx
import pytest

from bitexgate import AuthenticationError, BitexGateClient
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import BASE_URL, Raw, signature

WALLETS = "/api/gateway/wallets"
CREATE = "/api/gateway/wallet/create"


def refused(response: httpx.Response) -> str:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert set(response.json()) == {"detail"}
    return str(detail)


async def test_a_request_signed_as_the_reference_says_passes(raw: Raw) -> None:
    response = await raw.get(WALLETS)
    assert response.status_code == 200
    created = await raw.post(CREATE, {"ticker": "BTC", "network": "bitcoin"})
    assert created.status_code == 201


@pytest.mark.parametrize("dropped", ["X-Key", "X-Timeout", "X-Sign"])
async def test_each_missing_header_is_named(raw: Raw, dropped: str) -> None:
    headers = raw.headers(WALLETS)
    del headers[dropped]
    detail = refused(await raw.http.get(WALLETS, headers=headers))
    assert "not provided" in detail
    assert detail.endswith(f"missing {dropped}.")


async def test_no_header_at_all(raw: Raw) -> None:
    detail = refused(await raw.http.get(WALLETS))
    assert "missing X-Key, X-Timeout, X-Sign" in detail


async def test_an_unknown_key_is_refused(raw: Raw, sandbox: GatewaySandbox) -> None:
    timeout = int(time.time() * 1000) + 500
    headers = {
        "X-Key": "someone-else",
        "X-Timeout": str(timeout),
        # correctly signed with the right secret, but under another key
        "X-Sign": signature(sandbox.secret, "someone-else", WALLETS, timeout),
    }
    assert "Invalid API key" in refused(await raw.http.get(WALLETS, headers=headers))


async def test_a_wrong_secret_is_a_signature_mismatch(raw: Raw, sandbox: GatewaySandbox) -> None:
    headers = raw.headers(WALLETS)
    headers["X-Sign"] = signature("wrong", sandbox.api_key, WALLETS, headers["X-Timeout"])
    assert "Invalid signature" in refused(await raw.http.get(WALLETS, headers=headers))


async def test_a_signature_for_another_path_is_refused(raw: Raw) -> None:
    headers = raw.headers("/api/gateway/invoices")
    assert "Invalid signature" in refused(await raw.http.get(WALLETS, headers=headers))


async def test_the_query_string_is_not_signed(raw: Raw) -> None:
    response = await raw.http.get(
        WALLETS, params={"ordering": "id", "limit": "5"}, headers=raw.headers(WALLETS)
    )
    assert response.status_code == 200


async def test_a_body_altered_after_signing_is_refused(raw: Raw) -> None:
    signed = b'{"ticker": "BTC", "network": "bitcoin"}'
    sent = b'{"ticker": "ETH", "network": "ethereum"}'
    headers = {**raw.headers(CREATE, signed), "Content-Type": "application/json"}
    assert "Invalid signature" in refused(
        await raw.http.post(CREATE, content=sent, headers=headers)
    )
    # Even a change of whitespace only: the exact bytes are signed.
    respaced = b'{"ticker":"BTC","network":"bitcoin"}'
    headers = {**raw.headers(CREATE, signed), "Content-Type": "application/json"}
    assert "Invalid signature" in refused(
        await raw.http.post(CREATE, content=respaced, headers=headers)
    )


async def test_a_body_that_is_not_utf8_is_refused(raw: Raw) -> None:
    headers = {**raw.headers(CREATE, b""), "Content-Type": "application/json"}
    detail = refused(await raw.http.post(CREATE, content=b"\xff\xfe", headers=headers))
    assert "not UTF-8" in detail


async def test_an_expired_timeout_is_refused(raw: Raw) -> None:
    detail = refused(await raw.http.get(WALLETS, headers=raw.headers(WALLETS, ahead_ms=-2000)))
    assert detail.startswith("Request expired")


async def test_a_timeout_too_far_ahead_is_refused(raw: Raw) -> None:
    headers = raw.headers(WALLETS, ahead_ms=61_000)
    detail = refused(await raw.http.get(WALLETS, headers=headers))
    assert "too far ahead" in detail
    assert "60 seconds" in detail


@pytest.mark.parametrize("value", ["soon", "1.5e12", "12 34", ""])
async def test_a_timeout_that_is_not_an_integer_is_refused(raw: Raw, value: str) -> None:
    headers = {**raw.headers(WALLETS), "X-Timeout": value}
    detail = refused(await raw.http.get(WALLETS, headers=headers))
    assert ("must be an integer" in detail) or ("missing X-Timeout" in detail)


async def test_the_window_and_the_clock_are_the_sandboxes() -> None:
    now = 1_700_000_000.0
    sandbox = GatewaySandbox(clock=lambda: now, max_signature_window=5)
    async with sandbox, httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE_URL) as http:
        for ahead_ms, status in ((-1, 401), (0, 200), (5000, 200), (5001, 401)):
            timeout = int(now * 1000) + ahead_ms
            headers = {
                "X-Key": sandbox.api_key,
                "X-Timeout": str(timeout),
                "X-Sign": signature(sandbox.secret, sandbox.api_key, WALLETS, timeout),
            }
            response = await http.get(WALLETS, headers=headers)
            assert response.status_code == status, (ahead_ms, response.text)


async def test_auth_is_checked_before_the_method(raw: Raw) -> None:
    assert (await raw.http.delete(WALLETS)).status_code == 401
    response = await raw.http.delete(WALLETS, headers=raw.headers(WALLETS))
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert response.headers["Allow"] == "GET"


async def test_the_sdk_signs_what_the_sandbox_checks(gw: BitexGateClient) -> None:
    assert await gw.payment_methods.list()
    wallet = await gw.wallets.create(ticker="BTC", network="bitcoin")
    assert wallet.ticker == "BTC"


async def test_the_sdk_with_a_wrong_secret_gets_an_authentication_error(
    sandbox: GatewaySandbox,
) -> None:
    async with BitexGateClient(
        api_key=sandbox.api_key,
        secret="not-the-secret",
        base_url=BASE_URL,
        transport=sandbox.transport(),
    ) as gw:
        with pytest.raises(AuthenticationError) as caught:
            await gw.payment_methods.list()
    assert caught.value.detail == "Invalid signature: X-Sign does not match the request."
    assert "not-the-secret" not in str(caught.value)


def test_the_secret_stays_out_of_the_repr(sandbox: GatewaySandbox) -> None:
    assert sandbox.secret not in repr(sandbox)
