"""Statuses map to the error tree; GETs are retried, payments are not."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import respx

from bitexgate import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    BitexGateClient,
    ConnectError,
    DecodeError,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    ServiceUnavailableError,
)
from tests.conftest import fixture_text

from .conftest import API_KEY, SECRET

WITHDRAW = "/api/gateway/withdraw/create"
METHODS = "/api/gateway/payment-methods"


async def withdraw(gw: BitexGateClient) -> object:
    return await gw.withdrawals.create(
        ticker="USDT",
        network="tron",
        address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
        amount=Decimal("22"),
        client_order_id="order_123",
    )


@pytest.mark.parametrize(
    ("status", "body", "error", "summary"),
    [
        (400, {"amount": ["Ensure this value is greater than 0."]}, BadRequestError, "amount"),
        (401, {"detail": "Invalid signature."}, AuthenticationError, "Invalid signature."),
        (403, {"detail": "You do not have permission."}, PermissionDeniedError, "permission"),
        (429, {"detail": "Request was throttled."}, RateLimitError, "throttled"),
        (500, None, InternalServerError, "Server Error"),
        (502, None, ServiceUnavailableError, "Bad Gateway"),
    ],
)
async def test_documented_statuses(
    gw: BitexGateClient,
    gateway_mock: respx.MockRouter,
    status: int,
    body: object,
    error: type[APIStatusError],
    summary: str,
) -> None:
    response = (
        httpx.Response(status, json=body)
        if body is not None
        else httpx.Response(status, text=f"<html>{status} {summary}</html>")
    )
    gateway_mock.post(WITHDRAW).mock(return_value=response)

    with pytest.raises(error) as caught:
        await withdraw(gw)

    exc = caught.value
    assert exc.status_code == status
    assert exc.method == "POST"
    assert exc.url == "https://www.bitexbit.com/api/gateway/withdraw/create"
    assert summary in str(exc)
    assert SECRET not in str(exc)
    assert API_KEY not in str(exc)
    if body is None:
        assert exc.body is None
        assert summary in exc.text


async def test_400_carries_the_field_details(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(WITHDRAW).respond(
        400,
        json={
            "address": ["Invalid address for network tron."],
            "non_field_errors": ["Insufficient balance."],
        },
    )
    with pytest.raises(BadRequestError) as caught:
        await withdraw(gw)
    assert caught.value.field_errors == {
        "address": ["Invalid address for network tron."],
        "non_field_errors": ["Insufficient balance."],
    }
    assert not caught.value.outcome_unknown  # a 400 is a refusal: nothing happened


async def test_get_is_retried_on_502_and_429(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(METHODS).mock(
        side_effect=[
            httpx.Response(502),
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(200, json=[]),
        ]
    )
    assert await gw.payment_methods.list() == []
    assert route.call_count == 3


async def test_get_retries_stop_at_the_limit(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(METHODS).respond(502)
    with pytest.raises(ServiceUnavailableError):
        await gw.payment_methods.list()
    assert route.call_count == 3  # the first attempt and the default 2 retries


async def test_retries_are_configurable(gateway_mock: respx.MockRouter) -> None:
    from bitexgate import RetryPolicy

    route = gateway_mock.get(METHODS).respond(503)
    async with BitexGateClient(
        api_key=API_KEY, secret=SECRET, retry=RetryPolicy(max_retries=0)
    ) as gw:
        with pytest.raises(ServiceUnavailableError):
            await gw.payment_methods.list()
    assert route.call_count == 1


async def test_429_with_a_long_retry_after_is_left_to_the_caller(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(METHODS).respond(429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimitError) as caught:
        await gw.payment_methods.list()
    assert caught.value.retry_after == 120
    assert route.call_count == 1


async def test_get_is_retried_on_a_read_timeout(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(METHODS).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json=[])]
    )
    assert await gw.payment_methods.list() == []
    assert route.call_count == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_withdrawal_is_sent_once_on_a_5xx(
    gw: BitexGateClient, gateway_mock: respx.MockRouter, status: int
) -> None:
    route = gateway_mock.post(WITHDRAW).respond(status)
    with pytest.raises(APIStatusError) as caught:
        await withdraw(gw)
    assert route.call_count == 1
    assert caught.value.outcome_unknown
    assert "outcome is unknown" in str(caught.value)
    assert "order_123" in str(caught.value)  # how to find out what happened


async def test_withdrawal_is_sent_once_on_a_read_timeout(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post(WITHDRAW).mock(side_effect=httpx.ReadTimeout("no answer"))
    with pytest.raises(RequestTimeout) as caught:
        await withdraw(gw)
    assert route.call_count == 1
    assert caught.value.outcome_unknown
    assert caught.value.may_have_reached_server


async def test_withdrawal_is_not_retried_on_429(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post(WITHDRAW).respond(429, headers={"Retry-After": "0"})
    with pytest.raises(RateLimitError) as caught:
        await withdraw(gw)
    assert route.call_count == 1
    assert not caught.value.outcome_unknown


async def test_invoice_is_retried_only_when_it_never_left(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    from tests.conftest import fixture_json

    route = gateway_mock.post("/api/gateway/invoice/create").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(200, json=fixture_json("bitexgate", "invoice_create.json")),
        ]
    )
    invoice = await gw.invoices.create(
        ticker="USDT", network="payeer", amount=Decimal("120"), client_ip="203.0.113.7"
    )
    assert invoice.slug == "659b46e33ae05ce03b19ec39f64dbea6f29e"
    assert route.call_count == 2
    first, second = (call.request for call in route.calls)
    assert first.content == second.content


async def test_connect_errors_exhaust_into_connect_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post(WITHDRAW).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectError) as caught:
        await withdraw(gw)
    assert route.call_count == 3
    assert not caught.value.may_have_reached_server
    assert not caught.value.outcome_unknown


@pytest.mark.parametrize(
    "text",
    [
        "<html>oops</html>",
        '{"results": [',
        # The reference's own payment-methods sample ends its list with a trailing comma.
        fixture_text("bitexgate", "raw/payment_methods.txt"),
    ],
)
async def test_malformed_json_gives_the_decode_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter, text: str
) -> None:
    gateway_mock.get(METHODS).respond(200, text=text)
    with pytest.raises(DecodeError) as caught:
        await gw.payment_methods.list()
    assert caught.value.text == text


@pytest.mark.parametrize(
    "body",
    [
        {"count": 1, "results": "nope"},
        {"count": 1, "next": 5, "results": []},
        {"count": "many", "next": None, "results": []},
        {"count": 1, "next": None, "results": [{"slug": "missing everything else"}]},
        {
            "count": 1,
            "next": None,
            "results": [
                {
                    "address": "T",
                    "slug": "s",
                    "ticker": "X",
                    "network": "n",
                    "created_at": "yesterday",
                }
            ],
        },
        [1, 2],
        "text",
    ],
)
async def test_unexpected_shapes_give_the_decode_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter, body: object
) -> None:
    gateway_mock.get("/api/gateway/wallets").respond(json=body)
    with pytest.raises(DecodeError) as caught:
        await gw.wallets.list()
    assert caught.value.text  # the raw body is kept for the report


async def test_decode_error_names_the_field(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.get(METHODS).respond(json=[{"ticker": "BTC", "network": "bitcoin"}])
    with pytest.raises(DecodeError, match="min_deposit"):
        await gw.payment_methods.list()


async def test_withdrawal_create_decode_error_keeps_the_raw_text(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(WITHDRAW).respond(200, text='{"id": 1, "amount": "NaN"}')
    with pytest.raises(DecodeError) as caught:
        await withdraw(gw)
    assert caught.value.text == '{"id": 1, "amount": "NaN"}'
    # The server said yes: the message must not invite a blind resend.
    assert "accepted" in str(caught.value)
    assert "order_123" in str(caught.value)


async def test_amounts_sent_as_json_numbers_keep_every_digit(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    text = (
        '{"count": 1, "next": null, "previous": null, "results": [{"date": '
        '"2021-05-25T14:54:32.826135Z", "amount": 1.123456789012345678, "fee": 0.1, '
        '"ticker": "UAH", "network": "wiretransfer", "status": 5, '
        '"created_at": "2021-05-25T14:54:32.826135Z"}]}'
    )
    gateway_mock.get("/api/gateway/invoice/history").respond(200, text=text)
    page = await gw.invoices.history()
    assert page.items[0].amount == Decimal("1.123456789012345678")
    assert page.items[0].fee == Decimal("0.1")


async def test_a_created_withdrawal_that_does_not_decode_has_an_unknown_outcome(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post(WITHDRAW).respond(201, json={"id": 5, "status": 10})
    with pytest.raises(DecodeError) as caught:
        await withdraw(gw)
    assert route.call_count == 1
    assert caught.value.outcome_unknown
    assert caught.value.status_code == 201
    assert "order_123" in str(caught.value)


async def test_a_body_that_cannot_be_unzipped_is_a_decode_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post(WITHDRAW).mock(
        side_effect=lambda request: httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
        )
    )
    with pytest.raises(DecodeError) as caught:
        await withdraw(gw)
    assert route.call_count == 1
    assert caught.value.outcome_unknown


async def test_deeply_nested_json_is_a_decode_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.get(METHODS).respond(200, text="[" * 100_000)
    with pytest.raises(DecodeError):
        await gw.payment_methods.list()


async def test_deeply_nested_error_body_still_maps_to_its_status(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(WITHDRAW).respond(400, text='{"a": ' * 5_000 + "1" + "}" * 5_000)
    with pytest.raises(BadRequestError) as caught:
        await withdraw(gw)
    assert caught.value.status_code == 400


async def test_errors_do_not_chain_to_requests_that_hold_the_signature(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(WITHDRAW).mock(side_effect=httpx.ReadTimeout("no answer"))
    with pytest.raises(RequestTimeout) as caught:
        await withdraw(gw)
    exc: BaseException | None = caught.value
    while exc is not None:
        assert not isinstance(exc, httpx.RequestError)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
