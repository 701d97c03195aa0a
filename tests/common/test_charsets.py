"""Whatever charset a response declares, its body is read without a bare UnicodeError.

The bytes decide first (UTF-8, or UTF-16/32), then the declared charset. JSON is
read that way or not at all (DecodeError); `response_text`, for messages and
errors' `text`, falls back to UTF-8 with replacement characters.
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import (
    APIStatusError,
    BadRequestError,
    DecodeError,
    SDKError,
    ServiceUnavailableError,
    decode_json,
    error_from_response,
    response_text,
)
from tests.endpoints import CREATES, ENDPOINTS, Answer, Endpoint

REQUEST = httpx.Request("POST", "https://api.example.com/api/things/create")

#: Labels httpx itself cannot read some bodies by: it raises UnicodeError (no BOM),
#: TypeError or AssertionError (not a text encoding), or reads them as UTF-8.
ODD_CHARSETS = [
    "utf-16",
    "utf-32",
    '"utf-16"',
    "no-such-charset",
    "rot13",
    "base64",
    "hex",
    "zlib",
    "idna",
    "punycode",
    "utf\x00-8",
]

LATIN1_BODY = '{"detail": "Paiement refusé"}'.encode("latin-1")  # not UTF-8


def response(
    body: bytes, charset: str | None, status: int = 200, request: httpx.Request = REQUEST
) -> httpx.Response:
    content_type = "application/json" + (f"; charset={charset}" if charset is not None else "")
    return httpx.Response(
        status,
        headers=[(b"Content-Type", content_type.encode("latin-1"))],
        content=body,
        request=request,
    )


# --- response_text -------------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ODD_CHARSETS)
def test_httpx_itself_may_fail_on_these_labels(charset: str) -> None:
    # What this module exists for: `.text` raising, or guessing, on a label it cannot use.
    odd = response(b'{"a": 1}x', charset)
    try:
        text = odd.text
    except Exception:  # noqa: BLE001 (any kind: UnicodeError, TypeError, AssertionError)
        return
    assert isinstance(text, str)


@pytest.mark.parametrize("charset", ODD_CHARSETS)
def test_a_label_that_does_not_fit_gives_utf8(charset: str) -> None:
    assert response_text(response(b'{"a": 1}x', charset)) == '{"a": 1}x'


def test_the_declared_charset_is_used_when_the_bytes_fit_it() -> None:
    assert response_text(response("{'é': 1}".encode("utf-16"), "utf-16")) == "{'é': 1}"
    assert response_text(response("{'é': 1}".encode("utf-32"), "utf-32")) == "{'é': 1}"
    assert response_text(response(LATIN1_BODY, "latin-1")) == '{"detail": "Paiement refusé"}'


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "latin-1", "cp1252"])
def test_utf8_bytes_are_read_as_utf8_whatever_the_label(charset: str) -> None:
    body = '{"name": "café"}'.encode()  # even length: it decodes as UTF-16 too, as nonsense
    assert response_text(response(body, charset)) == '{"name": "café"}'


def test_bytes_that_are_not_utf8_get_replacement_characters() -> None:
    assert response_text(response(LATIN1_BODY, "utf-8")) == '{"detail": "Paiement refus\ufffd"}'
    assert response_text(response(LATIN1_BODY, None)) == '{"detail": "Paiement refus\ufffd"}'


def test_an_empty_body_is_empty_text() -> None:
    assert response_text(response(b"", "utf-16")) == ""


CHARSETS = st.sampled_from(
    [*ODD_CHARSETS, "utf-8", "utf-8-sig", "latin-1", "cp1252", "shift_jis", "utf-7", "ascii"]
) | st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=12)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=64), charset=st.none() | CHARSETS)
def test_response_text_never_raises(body: bytes, charset: str | None) -> None:
    assert isinstance(response_text(response(body, charset)), str)


# --- decode_json and error_from_response ---------------------------------------------------------


@pytest.mark.parametrize("charset", [*ODD_CHARSETS, "latin-1", "utf-8"])
def test_utf8_json_decodes_whatever_the_label(charset: str) -> None:
    body = '{"amount": 1.50, "name": "café"}'.encode()
    assert decode_json(response(body, charset)) == {"amount": Decimal("1.50"), "name": "café"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_json_in_utf16_or_utf32_decodes_bom_or_not(encoding: str) -> None:
    body = '{"name": "café"}'.encode(encoding)
    assert decode_json(response(body, None)) == {"name": "café"}


def test_json_in_its_declared_non_utf8_charset_decodes() -> None:
    assert decode_json(response(LATIN1_BODY, "latin-1")) == {"detail": "Paiement refusé"}


@pytest.mark.parametrize("charset", [None, "utf-8", "utf-16", "rot13", "no-such-charset"])
def test_json_that_does_not_decode_is_a_decode_error_never_replacement_characters(
    charset: str | None,
) -> None:
    with pytest.raises(DecodeError) as info:
        decode_json(response(LATIN1_BODY, charset))
    assert info.value.text == '{"detail": "Paiement refus\ufffd"}'
    assert "Paiement refus" in str(info.value)


@pytest.mark.parametrize("charset", ODD_CHARSETS)
def test_an_error_body_is_read_whatever_the_label(charset: str) -> None:
    body = b'{"amount": ["Ensure this value is greater than 0."]}'
    error = error_from_response(response(body, charset, status=400))
    assert isinstance(error, BadRequestError)
    assert error.field_errors == {"amount": ["Ensure this value is greater than 0."]}
    assert error.text == body.decode()


def test_an_error_body_that_is_not_text_keeps_its_replacement_text() -> None:
    error = error_from_response(response(b"\xfd\xfe oops", "utf-16", status=502))  # odd length
    assert isinstance(error, ServiceUnavailableError)
    assert error.body is None
    assert "oops" in error.text
    assert "oops" in str(error)


# --- both clients, every endpoint ----------------------------------------------------------------


def canned(body: bytes, charset: str | None, status: int) -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        return response(body, charset, status=status, request=request)

    return answer


IDS = [endpoint.name for endpoint in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "rot13", "no-such-charset"])
async def test_every_endpoint_reads_its_documented_answer_whatever_the_label(
    endpoint: Endpoint, charset: str
) -> None:
    body = endpoint.sample_bytes()
    status = 201 if endpoint.creates else 200
    expected = await endpoint.run(canned(body, "utf-8", status))
    assert await endpoint.run(canned(body, charset, status)) == expected


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "utf-8", "rot13"])
async def test_every_endpoint_gives_a_decode_error_for_a_body_that_is_not_text(
    endpoint: Endpoint, charset: str
) -> None:
    body = b"\xff\xfe\xfd{\x00"  # odd length, no BOM, not UTF-8
    with pytest.raises(DecodeError) as info:
        await endpoint.run(canned(body, charset, 200))
    assert "\ufffd" in info.value.text
    assert info.value.outcome_unknown is endpoint.creates  # a create was accepted: it happened


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("status", [400, 502])
@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "rot13"])
async def test_every_endpoint_raises_its_status_error_whatever_the_label(
    endpoint: Endpoint, status: int, charset: str
) -> None:
    body = b'{"detail": "Service refus\xe9!"}'  # Latin-1, of an odd length: not UTF-16/32
    with pytest.raises(SDKError) as info:
        await endpoint.run(canned(body, charset, status))
    error = info.value
    assert isinstance(error, APIStatusError)
    assert error.status_code == status
    assert error.text == '{"detail": "Service refus\ufffd!"}'
    # A 502 to a request that is not idempotent: it may have been carried out.
    assert error.outcome_unknown is (status == 502 and not endpoint.idempotent)


@pytest.mark.parametrize("endpoint", CREATES, ids=[endpoint.name for endpoint in CREATES])
async def test_a_create_answered_502_with_a_utf16_labelled_body_is_outcome_unknown(
    endpoint: Endpoint,
) -> None:
    # The error is built although `.text` of this response raises UnicodeError.
    body = b'{"detail": "upstream"}x'
    with pytest.raises(ServiceUnavailableError) as info:
        await endpoint.run(canned(body, "utf-16", 502))
    assert info.value.outcome_unknown is True
    assert info.value.may_have_reached_server is True
    assert info.value.text == body.decode()


def test_the_endpoint_list_names_every_endpoint_once() -> None:
    assert len(set(IDS)) == len(IDS) == 16
    assert json.loads(ENDPOINTS[0].sample_bytes())  # the samples are where they should be
