"""Bity's error bodies and bad answers map into the shared error tree."""

from __future__ import annotations

import httpx
import pytest
import respx

from bityclient import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    BityClient,
    DecodeError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
    SessionExpiredError,
)

from .conftest import bity_fixture, make_client

SELL = "/api/v1/rate_we_sell/ETHBTC/"


# Inconsistency in the reference: its Errors section says the body has "an error_code
# and error_description property", but its example (and the login failure sample)
# use the key "error". The SDK reads "error" (`APIStatusError.error`).
@pytest.mark.parametrize(
    ("status", "cls", "error", "description"),
    [
        (400, BadRequestError, "invalid_request", "Your request is invalid."),
        (401, AuthenticationError, "invalid_grant", "Invalid credentials given."),
        (403, PermissionDeniedError, "forbidden", "The resource is protected."),
        (404, NotFoundError, "not_found", "The requested resource could not be found."),
        (500, InternalServerError, "server_error", "We had a problem with our server."),
    ],
)
async def test_documented_statuses(
    router: respx.MockRouter,
    clock: object,
    status: int,
    cls: type[APIStatusError],
    error: str,
    description: str,
) -> None:
    body = {"error_description": description, "error": error}
    route = router.get(SELL).respond(status, json=body)
    async with make_client(router, retry=RetryPolicy(max_retries=0)) as bity:
        with pytest.raises(cls) as info:
            await bity.rates.we_sell("ETHBTC")
    raised = info.value
    assert type(raised) is cls  # an unauthenticated call: a 401 is not a session matter
    assert (raised.status_code, raised.error, raised.error_description) == (
        status,
        error,
        description,
    )
    assert raised.body == body
    assert (raised.method, raised.url) == ("GET", f"https://bity.com{SELL}")
    assert f"{error}: {description}" in str(raised)
    assert route.call_count == 1


async def test_reads_are_retried_on_server_errors(
    router: respx.MockRouter, bity: BityClient
) -> None:
    route = router.get(SELL).mock(
        side_effect=[
            httpx.Response(500, json={"error": "server_error"}),
            httpx.Response(503, text="busy"),
            httpx.Response(200, json=bity_fixture("rate_we_sell_ETHBTC.json")),
        ]
    )
    rate = await bity.rates.we_sell("ETHBTC")
    assert rate.pair == "ETHBTC"
    assert route.call_count == 3


@pytest.mark.parametrize(
    ("path", "call", "text"),
    [
        (SELL, lambda b: b.rates.we_sell("ETHBTC"), "<html>Bad gateway</html>"),
        (SELL, lambda b: b.rates.we_sell("ETHBTC"), '{"pair": "ETHBTC", "rate": "abc"}'),
        (SELL, lambda b: b.rates.we_sell("ETHBTC"), '["not", "an", "object"]'),
        ("/api/v1/rate2/", lambda b: b.rates.list().to_list(), '{"meta": {}, "objects": [1]}'),
        ("/api/v1/rate2/", lambda b: b.rates.list().to_list(), '{"objects": []}'),
        ("/api/v1/order/", lambda b: b.orders.list().to_list(), '{"meta": 5, "objects": []}'),
    ],
)
async def test_malformed_answers_raise_decode_error_with_the_raw_text(
    router: respx.MockRouter, bity: BityClient, path: str, call: object, text: str
) -> None:
    router.get(path).respond(200, text=text)
    with pytest.raises(DecodeError) as info:
        await call(bity)  # type: ignore[operator]
    assert info.value.text == text
    assert info.value.status_code == 200
    assert info.value.url is not None
    assert info.value.url.startswith(f"https://bity.com{path}")


async def test_wrong_activation_shape(router: respx.MockRouter, bity: BityClient) -> None:
    text = '{"activated": "perhaps"}'
    router.post("/api/v1/user_signup/verifyphone/").respond(200, text=text)
    with pytest.raises(DecodeError) as info:
        await bity.users.verify_phone(phone="+41786399501", code="381499")
    assert info.value.text == text
    assert "activated" in str(info.value)


async def test_order_rejected_by_the_server(router: respx.MockRouter, bity: BityClient) -> None:
    # The combination of category, currency and payment method is left to the server.
    body = {"error": "invalid_order", "error_description": "SOFORTPSP cannot pay SELL."}
    router.post("/api/v1/order/").respond(400, json=body)
    with pytest.raises(BadRequestError) as info:
        await bity.orders.create(
            category="SELL", amount=1, currency="CHF", payment_method="SOFORTPSP"
        )
    assert info.value.error == "invalid_order"
    assert not info.value.outcome_unknown  # a 4xx: the order was refused, not lost


@pytest.mark.parametrize(
    "text",
    [
        '{"id": "12345", "status": "OPEN", ',  # cut short
        '{"not": "an order"}',  # the wrong shape
    ],
)
async def test_created_order_that_does_not_decode_says_the_outcome_is_unknown(
    router: respx.MockRouter, bity: BityClient, text: str
) -> None:
    # The server accepted the order (201): resending it could create a second one.
    route = router.post("/api/v1/order/").respond(201, text=text)
    with pytest.raises(DecodeError) as info:
        await bity.orders.create(category="BUY", amount=1)
    error = info.value
    assert route.call_count == 1
    assert error.outcome_unknown
    assert (error.status_code, error.text) == (201, text)
    assert (error.method, error.url) == ("POST", "https://bity.com/api/v1/order/")
    assert "(HTTP 201): it has probably taken effect" in str(error)
    assert "outcome is unknown" in str(error)
    assert error.hint is not None
    assert "orders.list(order_by='-timestamp_created')" in error.hint
    assert error.hint in str(error)
    assert error.__cause__ is None


async def test_errors_carry_no_token(router: respx.MockRouter, bity: BityClient) -> None:
    router.get("/api/v1/order/").respond(403, json={"error": "forbidden"})
    with pytest.raises(PermissionDeniedError) as info:
        await bity.orders.list().to_list()
    assert "access-1" not in str(info.value)
    assert "access-1" not in repr(vars(info.value))
    assert not isinstance(info.value, SessionExpiredError)
