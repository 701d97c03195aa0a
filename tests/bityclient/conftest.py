"""Helpers for the Bity client tests: a respx router as transport, a fake clock, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx

from bityclient import BityClient, RetryPolicy, Token
from tests.conftest import fixture_json, fixture_text

BASE_URL = "https://bity.com"
# The client id of the reference's login example.
CLIENT_ID = "QmaTkYI50XmCF18fupZgdAOptYqDzVix12RpqFYS"
# Tokens of the reference's login example (fixture token.json).
DOC_ACCESS = "2VUlB6JDQbHu8S9qwBfOU7Ghm1eDva"
DOC_REFRESH = "ixA3CVNRUMGpqvePOEGCDkA7LxyuiA"
# Retries as the default policy allows, without waiting.
NO_WAIT = RetryPolicy(initial_delay=0.0, max_delay=0.0, jitter=0.0)
START = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def bity_fixture(name: str) -> Any:
    return fixture_json("bityclient", name)


def bity_fixture_text(name: str) -> str:
    return fixture_text("bityclient", name)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_token(
    *,
    access: str = "access-1",
    refresh: str | None = "refresh-1",
    expires_in: float | None = 3600,
    now: datetime = START,
) -> Token:
    return Token(
        access_token=access,
        refresh_token=refresh,
        scope="read write",
        expires_at=None if expires_in is None else now + timedelta(seconds=expires_in),
    )


def grant_response(
    access: str, refresh: str | None = None, *, expires_in: int = 36000
) -> httpx.Response:
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": "read write",
    }
    if refresh is not None:
        body["refresh_token"] = refresh
    return httpx.Response(200, json=body)


def make_client(router: respx.MockRouter, **kwargs: Any) -> BityClient:
    kwargs.setdefault("client_id", CLIENT_ID)
    kwargs.setdefault("retry", NO_WAIT)
    kwargs.setdefault("reconcile_delays", ())  # the lookup after a lost answer: test_reconcile.py
    return BityClient(transport=httpx.MockTransport(router.async_handler), **kwargs)


@pytest.fixture
def router() -> respx.MockRouter:
    """Routes under https://bity.com; a request no route matches fails the test."""
    return respx.MockRouter(base_url=BASE_URL, assert_all_called=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def bity(router: respx.MockRouter, clock: FakeClock) -> AsyncIterator[BityClient]:
    """A client logged in with a fresh token (`access-1` / `refresh-1`, one hour left)."""
    async with make_client(router, token=make_token(), clock=clock) as client:
        yield client


@pytest.fixture
async def anonymous(router: respx.MockRouter, clock: FakeClock) -> AsyncIterator[BityClient]:
    """A client that never logged in."""
    async with make_client(router, clock=clock) as client:
        yield client
