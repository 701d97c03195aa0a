"""Which failed answers leave a payment's outcome unknown: all but a 4xx refusal.

Redirects are never followed, so a 3xx is an error; to a POST it may mean the
POST was carried out (303 See Other is the answer "done, look over there").
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bityclient import BityClient, Token
from common import APIStatusError, RetryPolicy, Transport
from tests.conftest import SleepRecorder
from tests.endpoints import ENDPOINTS, NO_RETRIES, NOT_IDEMPOTENT, NOW, Answer, Endpoint

REDIRECTS = [300, 301, 302, 303, 304, 307, 308]
BASE = "https://api.example.com"


def redirect(status: int, calls: list[httpx.Request]) -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, headers={"Location": "https://elsewhere.example/done"})

    return answer


@pytest.mark.parametrize("status", [*REDIRECTS, 500, 502, 503, 504, 599, 600, 799, 199])
async def test_a_post_answered_with_anything_but_a_4xx_has_an_unknown_outcome(
    status: int, sleeps: SleepRecorder
) -> None:
    calls: list[httpx.Request] = []
    transport = Transport(
        BASE, transport=httpx.MockTransport(redirect(status, calls)), sleep=sleeps
    )
    async with transport:
        with pytest.raises(APIStatusError) as info:
            await transport.request("POST", "/pay", json={"amount": "1"}, hint="Look it up.")
    assert info.value.status_code == status
    assert info.value.outcome_unknown is True
    assert info.value.may_have_reached_server is True
    assert "Look it up." in str(info.value)
    assert len(calls) == 1  # neither followed nor resent
    assert sleeps.delays == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429])
async def test_a_post_refused_with_a_4xx_has_a_known_outcome(status: int) -> None:
    transport = Transport(
        BASE,
        transport=httpx.MockTransport(redirect(status, [])),
        retry=RetryPolicy(max_retries=0),
    )
    async with transport:
        with pytest.raises(APIStatusError) as info:
            await transport.request("POST", "/pay", json={"amount": "1"})
    assert info.value.outcome_unknown is False


@pytest.mark.parametrize("status", REDIRECTS)
async def test_a_get_answered_with_a_3xx_is_an_error_with_a_known_outcome(status: int) -> None:
    calls: list[httpx.Request] = []
    transport = Transport(
        BASE,
        transport=httpx.MockTransport(redirect(status, calls)),
        retry=RetryPolicy(max_retries=0),
    )
    async with transport:
        with pytest.raises(APIStatusError) as info:
            await transport.request("GET", "/things")
    assert info.value.status_code == status
    assert info.value.outcome_unknown is False
    assert len(calls) == 1


@pytest.mark.parametrize("endpoint", NOT_IDEMPOTENT, ids=[e.name for e in NOT_IDEMPOTENT])
@pytest.mark.parametrize("status", REDIRECTS)
async def test_every_create_answered_with_a_3xx_has_an_unknown_outcome(
    endpoint: Endpoint, status: int
) -> None:
    calls: list[httpx.Request] = []
    with pytest.raises(APIStatusError) as info:
        await endpoint.run(redirect(status, calls))
    assert info.value.status_code == status
    assert info.value.outcome_unknown is True
    assert info.value.may_have_reached_server is True
    assert [request.method for request in calls] == ["POST"]  # not followed, not resent


@pytest.mark.parametrize("endpoint", ENDPOINTS[:1], ids=[ENDPOINTS[0].name])
async def test_a_read_answered_with_a_303_is_not_in_doubt(endpoint: Endpoint) -> None:
    with pytest.raises(APIStatusError) as info:
        await endpoint.run(redirect(303, []))
    assert info.value.outcome_unknown is False


async def test_a_token_refresh_answered_with_a_303_has_an_unknown_outcome() -> None:
    # The server may have rotated the refresh token: the old one is kept, the error says so.
    calls: list[httpx.Request] = []
    expired = Token(
        access_token="access-old",
        refresh_token="refresh-old",
        expires_at=NOW - timedelta(seconds=1),
    )
    async with BityClient(
        client_id="client-0001",
        token=expired,
        transport=httpx.MockTransport(redirect(303, calls)),
        retry=NO_RETRIES,
        clock=lambda: NOW,
    ) as bity:
        with pytest.raises(APIStatusError) as info:
            await bity.orders.list()
        assert bity.token is expired
    assert info.value.outcome_unknown is True
    assert [request.url.path for request in calls] == ["/o/token/"]
