"""The error tree and the pure functions that turn responses into data or errors."""

from __future__ import annotations

import email.utils
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest

from common import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    DecodeError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    SDKError,
    ServerError,
    ServiceUnavailableError,
    ValidationError,
    decode_json,
    error_from_response,
    make_converter,
    parse_retry_after,
    structure,
    structure_list,
)

URL = "https://api.example.com/api/gateway/withdrawals?ticker=USDT"


def response(
    status: int,
    *,
    method: str = "POST",
    json: Any = None,
    text: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    request = httpx.Request(method, URL)
    if json is not None:
        return httpx.Response(status, json=json, headers=headers, request=request)
    return httpx.Response(status, text=text or "", headers=headers, request=request)


# --- status -> class --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, ServiceUnavailableError),
        (503, ServiceUnavailableError),
        (504, ServiceUnavailableError),
        (418, APIStatusError),
        (501, ServerError),
    ],
)
def test_error_from_response_maps_status_to_class(status: int, cls: type[APIStatusError]) -> None:
    body = {"detail": "nope"}
    error = error_from_response(response(status, json=body))
    assert type(error) is cls
    assert isinstance(error, APIStatusError)
    assert isinstance(error, SDKError)
    assert error.status_code == status
    assert error.body == body
    assert error.text == '{"detail":"nope"}'
    assert error.method == "POST"
    assert error.url == URL
    assert error.may_have_reached_server is True
    assert error.outcome_unknown is False
    assert str(status) in str(error)
    assert URL in str(error)


def test_server_errors_share_a_base() -> None:
    for status in (500, 502, 503, 504):
        assert isinstance(error_from_response(response(status)), ServerError)
    assert not isinstance(error_from_response(response(404)), ServerError)


def test_error_keeps_response_headers() -> None:
    error = error_from_response(response(404, headers={"X-Request-Id": "abc"}))
    assert error.headers["x-request-id"] == "abc"


# --- bodies -----------------------------------------------------------------------------


def test_drf_field_errors() -> None:
    body = {"amount": ["Ensure this value is greater than 0."], "non_field_errors": ["x"]}
    error = error_from_response(response(400, json=body))
    assert isinstance(error, BadRequestError)
    assert error.field_errors == {
        "amount": ["Ensure this value is greater than 0."],
        "non_field_errors": ["x"],
    }
    assert "amount: Ensure this value is greater than 0." in str(error)
    assert "non_field_errors: x" in str(error)
    assert error.detail is None
    assert error.error is None


def test_drf_nested_field_errors_are_flattened_with_dotted_names() -> None:
    body = {
        "convert": {"amount": ["bad amount"], "currency": {"code": ["unknown"]}},
        "items": [{"amount": ["too small"]}, {}],
        "address": "required",
    }
    error = error_from_response(response(400, json=body))
    assert error.field_errors == {
        "convert.amount": ["bad amount"],
        "convert.currency.code": ["unknown"],
        "items.0.amount": ["too small"],
        "address": ["required"],
    }
    assert "convert.amount: bad amount" in str(error)


def test_drf_detail() -> None:
    body = {"detail": "Authentication credentials were not provided."}
    error = error_from_response(response(401, json=body))
    assert error.detail == "Authentication credentials were not provided."
    assert error.field_errors == {}
    assert "Authentication credentials were not provided." in str(error)


def test_bity_oauth_error() -> None:
    body = {"error": "invalid_grant", "error_description": "Invalid credentials given."}
    error = error_from_response(response(401, json=body))
    assert isinstance(error, AuthenticationError)
    assert error.error == "invalid_grant"
    assert error.error_description == "Invalid credentials given."
    assert "invalid_grant: Invalid credentials given." in str(error)
    assert error.field_errors == {}


def test_bity_error_with_only_a_code() -> None:
    error = error_from_response(response(400, json={"error": "unsupported_grant_type"}))
    assert error.error == "unsupported_grant_type"
    assert error.error_description is None
    assert "unsupported_grant_type" in str(error)


def test_a_list_of_messages() -> None:
    error = error_from_response(response(400, json=["Too many requests.", "Try later."]))
    assert "Too many requests. Try later." in str(error)


def test_non_json_body_keeps_the_raw_text() -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    error = error_from_response(response(502, text=html))
    assert isinstance(error, ServiceUnavailableError)
    assert error.body is None
    assert error.text == html
    assert "502 Bad Gateway" in str(error)
    assert error.field_errors == {}
    assert error.error is None


def test_a_long_non_json_body_is_shortened_in_the_message_only() -> None:
    text = "x" * 5000
    error = error_from_response(response(500, text=text))
    assert error.text == text
    assert len(str(error)) < 500


def test_an_empty_body() -> None:
    error = error_from_response(response(503))
    assert error.body is None
    assert error.text == ""
    assert "(empty body)" in str(error)


# --- outcome unknown --------------------------------------------------------------------


def test_outcome_unknown_note_and_hint_appear_in_the_message() -> None:
    hint = "Look the withdrawal up by its client_order_id before sending it again."
    error = error_from_response(response(502), outcome_unknown=True, hint=hint)
    assert error.outcome_unknown is True
    assert "outcome is unknown" in str(error)
    assert hint in str(error)
    assert error.hint == hint


def test_hint_is_left_out_when_the_outcome_is_known() -> None:
    error = error_from_response(response(400), hint="check the history")
    assert "check the history" not in str(error)
    assert "outcome is unknown" not in str(error)


def test_sdk_error_outcome_unknown_message() -> None:
    error = RequestTimeout("POST /x: no response", outcome_unknown=True, hint="See /history.")
    assert str(error).startswith("POST /x: no response")
    assert "outcome is unknown" in str(error)
    assert str(error).endswith("See /history.")


def test_connect_error_never_reached_the_server() -> None:
    error = ConnectError("could not connect")
    assert error.may_have_reached_server is False
    assert error.outcome_unknown is False


def test_validation_error_names_field_and_rule() -> None:
    error = ValidationError("amount", "must be greater than zero")
    assert isinstance(error, ValueError)
    assert isinstance(error, SDKError)
    assert error.field == "amount"
    assert error.rule == "must be greater than zero"
    assert str(error) == "amount: must be greater than zero"
    assert error.may_have_reached_server is False


def test_errors_never_carry_request_headers() -> None:
    request = httpx.Request("POST", URL, headers={"X-Sign": "s3cr3t-signature"})
    resp = httpx.Response(401, json={"detail": "bad signature"}, request=request)
    error = error_from_response(resp)
    assert "s3cr3t-signature" not in str(error)
    assert "s3cr3t-signature" not in repr(vars(error))


# --- Retry-After ------------------------------------------------------------------------


def test_rate_limit_retry_after_in_seconds() -> None:
    error = error_from_response(response(429, method="GET", headers={"Retry-After": "7"}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0


def test_rate_limit_without_retry_after() -> None:
    error = error_from_response(response(429, method="GET"))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


def test_rate_limit_retry_after_as_http_date() -> None:
    moment = datetime.now(timezone.utc) + timedelta(hours=1)
    header = email.utils.format_datetime(moment, usegmt=True)
    error = error_from_response(response(429, headers={"Retry-After": header}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    assert 3000 < error.retry_after <= 3600


def test_parse_retry_after_http_date_against_a_fixed_clock() -> None:
    headers = httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    now = datetime(2015, 10, 21, 7, 27, 50, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after(headers, now=now) == pytest.approx(10.0)


def test_parse_retry_after_date_in_the_past_is_zero() -> None:
    headers = httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    now = datetime(2015, 10, 21, 8, 0, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after(headers, now=now) == 0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), (" 1.5 ", 1.5), ("0", 0.0), ("-3", 0.0), ("soon", None), ("", None)],
)
def test_parse_retry_after_values(value: str, expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": value})) == expected


def test_parse_retry_after_nan_is_ignored() -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": "nan"})) is None


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "9" * 400])
def test_parse_retry_after_infinite_is_ignored(value: str) -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": value})) is None


@pytest.mark.parametrize(
    "value", ["Wed, 21 Oct 9999999999999999999 07:28:00 GMT", "21 Oct 07:28:00 9999999999999999999"]
)
def test_parse_retry_after_date_with_a_year_too_large_is_ignored(value: str) -> None:
    # email.utils raises OverflowError for it (found by the response fuzz suite).
    assert parse_retry_after(httpx.Headers({"Retry-After": value})) is None
    error = error_from_response(response(429, method="GET", headers={"Retry-After": value}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


def test_parse_retry_after_absent() -> None:
    assert parse_retry_after(httpx.Headers({})) is None


# --- decode_json / structure ------------------------------------------------------------


def test_decode_json_returns_the_body() -> None:
    assert decode_json(response(200, json={"a": [1, "2"]})) == {"a": [1, "2"]}


@pytest.mark.parametrize("text", ['{"id": 1', "<html>oops</html>", ""])
def test_decode_json_on_malformed_json_raises_decode_error(text: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_json(response(200, method="GET", text=text))
    error = info.value
    assert error.text == text
    assert error.status_code == 200
    assert error.method == "GET"
    assert error.url == URL
    assert "not JSON" in str(error)


@attrs.frozen
class Fee:
    amount: Decimal


@attrs.frozen
class Wallet:
    id: int
    address: str
    fee: Fee
    created_at: datetime


WALLET = {
    "id": 3,
    "address": "0xabc",
    "fee": {"amount": "0.1"},
    "created_at": "2018-06-20T10:28:05Z",
}


def test_structure_a_model() -> None:
    wallet = structure(make_converter(), WALLET, Wallet, response(200, json=WALLET))
    assert wallet.fee.amount == Decimal("0.1")
    assert wallet.created_at.tzinfo is not None


def test_structure_list() -> None:
    wallets = structure_list(make_converter(), [WALLET, WALLET], Wallet, response(200))
    assert [wallet.id for wallet in wallets] == [3, 3]


def test_structure_names_the_field_path_of_a_wrong_value() -> None:
    data = {**WALLET, "fee": {"amount": "lots"}}
    resp = response(200, text='{"fee": {"amount": "lots"}}')
    with pytest.raises(DecodeError) as info:
        structure(make_converter(), data, Wallet, resp)
    assert "Wallet.fee.amount" in str(info.value)
    assert info.value.text == '{"fee": {"amount": "lots"}}'
    assert info.value.status_code == 200


def test_structure_names_a_missing_field() -> None:
    data = {key: value for key, value in WALLET.items() if key != "address"}
    with pytest.raises(DecodeError) as info:
        structure(make_converter(), data, Wallet, response(200))
    assert "Wallet.address" in str(info.value)
    assert "missing" in str(info.value)


def test_structure_list_names_the_item_index() -> None:
    data = [WALLET, {**WALLET, "id": "three"}]
    with pytest.raises(DecodeError) as info:
        structure_list(make_converter(), data, Wallet, response(200))
    assert "[1].id" in str(info.value)


@pytest.mark.parametrize("data", ["a string", None, 5, [WALLET], {"id": {"nested": 1}}])
def test_structure_of_a_wrong_shape_is_a_decode_error(data: Any) -> None:
    with pytest.raises(DecodeError):
        structure(make_converter(), data, Wallet, response(200))


def test_structure_wraps_even_undetailed_errors() -> None:
    converter = make_converter(detailed_validation=False)
    with pytest.raises(DecodeError) as info:
        structure(converter, {"id": 3}, Wallet, response(200))
    assert isinstance(info.value.__cause__, KeyError)
    assert "KeyError" in str(info.value)


def test_a_list_with_many_wrong_items_gives_a_short_message() -> None:
    # Found by the response fuzz suite: 50,000 wrong items made a message of 36 MB.
    data = [{**WALLET, "id": "three"}] * 500
    with pytest.raises(DecodeError) as info:
        structure_list(make_converter(), data, Wallet, response(200))
    message = str(info.value)
    assert len(message) < 1_000
    assert "[0].id" in message
    assert "and 490 more" in message


def test_structure_list_of_something_that_is_not_a_list() -> None:
    with pytest.raises(DecodeError):
        structure_list(make_converter(), {"results": []}, Wallet, response(200))


@pytest.mark.parametrize(
    "body",
    [
        ["x" * 10_000],
        {"detail": "x" * 10_000},
        {f"field{i}": ["This field is required."] for i in range(1_000)},
    ],
    ids=["list", "detail", "fields"],
)
def test_a_long_error_body_gives_a_short_message_and_keeps_the_whole_body(body: Any) -> None:
    error = error_from_response(response(400, json=body))
    assert len(str(error)) < 1_000
    assert error.body == body
    if isinstance(body, dict) and "detail" not in body:
        assert len(error.field_errors) == 1_000


def test_parse_retry_after_ignores_header_case_in_a_plain_mapping() -> None:
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"RETRY-AFTER": "2.5"}) == 2.5


def test_the_docstring_tree_draws_every_error() -> None:
    from common import _errors

    tree = _errors.__doc__ or ""
    drawn = {line.split("── ")[1].split(" ")[0] for line in tree.splitlines() if "── " in line}
    assert drawn == set(_errors.__all__) - {"SDKError"}
    assert all(issubclass(getattr(_errors, name), SDKError) for name in drawn)


def test_a_refused_callback_carries_the_callback_the_record_and_what_differed() -> None:
    from common import CallbackNotConfirmedError

    error = CallbackNotConfirmedError(
        "withdrawal callback refused: ...",
        callback="cb",
        record="api",
        mismatches={"amount": (Decimal(2), Decimal(1))},
    )
    assert isinstance(error, SDKError)
    assert (error.callback, error.record) == ("cb", "api")
    assert error.mismatches == {"amount": (Decimal(2), Decimal(1))}
    assert str(error) == "withdrawal callback refused: ..."
    assert CallbackNotConfirmedError("x", callback=None).mismatches == {}
