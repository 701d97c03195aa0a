"""Callback URL tokens: made from the secret and a ref, checked in constant time, never leaking."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitexgate import BitexGateClient, ValidationError
from bitexgate._callback_urls import (
    MAX_REF_LENGTH,
    TOKEN_LABEL,
    callback_url,
    token_key,
    verify_callback_url,
)
from tests.bitexgate.conftest import API_KEY, SECRET

BASE = "https://shop.example/callbacks/invoice/ord_42"
KEY = token_key(SECRET)


def token_of(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["token"]


def test_the_url_gets_ref_and_token_and_verifies(gw: BitexGateClient) -> None:
    url = gw.callback_url(BASE, ref="ord_42")
    assert url.startswith(f"{BASE}?ref=ord_42&token=")
    assert gw.verify_callback_url(url) is True
    assert gw.verify_callback_url(httpx.URL(url)) is True


def test_the_token_is_an_hmac_of_the_ref_under_a_key_derived_for_this_use(
    gw: BitexGateClient,
) -> None:
    key = hmac.new(SECRET.encode(), TOKEN_LABEL, hashlib.sha256).digest()
    mac = hmac.new(key, b"ord_42", hashlib.sha256).digest()[:16]
    expected = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    token = token_of(gw.callback_url(BASE, ref="ord_42"))
    assert token == expected
    assert len(token) == 22  # 128 bits, URL-safe base64 without padding
    plain = hmac.new(SECRET.encode(), b"ord_42", hashlib.sha256).digest()[:16]
    assert token != base64.urlsafe_b64encode(plain).rstrip(b"=").decode()  # not the API's MAC


def test_other_query_parameters_are_kept_as_they_were(gw: BitexGateClient) -> None:
    url = gw.callback_url(f"{BASE}?shop=eu&note=a%20b&empty=", ref="ord_42")
    assert url.startswith(f"{BASE}?shop=eu&note=a%20b&empty=&ref=ord_42&token=")
    assert gw.verify_callback_url(url)


def test_a_ref_that_needs_quoting_round_trips(gw: BitexGateClient) -> None:
    for ref in ("заказ 42", "a&token=x", "ord/42?x=1#y", "+%20"):
        url = gw.callback_url(BASE, ref=ref)
        assert dict(parse_qsl(urlsplit(url).query))["ref"] == ref
        assert gw.verify_callback_url(url)


def test_proxies_may_rewrite_scheme_host_and_path_and_add_parameters(gw: BitexGateClient) -> None:
    url = gw.callback_url(BASE, ref="ord_42")
    rewritten = url.replace("https://shop.example/callbacks", "http://10.0.0.5:8080/internal")
    assert gw.verify_callback_url(rewritten)
    assert gw.verify_callback_url(rewritten + "&utm_source=proxy")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: url.split("&token=")[0],  # no token
        lambda url: url.split("?")[0] + "?token=" + token_of(url),  # no ref
        lambda url: url + "&token=" + token_of(url),  # two tokens
        lambda url: url + "&ref=ord_42",  # two refs
        lambda url: url[:-1] + ("A" if url[-1] != "A" else "B"),  # one character changed
        lambda url: url[:-1],  # cut short
        lambda url: url + "A",  # made longer
        lambda url: url.replace("token=", "token=%FF%FE"),  # not UTF-8
        lambda url: url.split("&token=")[0] + "&token=",  # empty token
        lambda url: url.replace("ref=ord_42", "ref=ord_43"),  # another ref, this token
        lambda url: url.replace("ref=ord_42", "ref="),  # empty ref
        lambda url: url.replace("ref=ord_42", "ref=ord_42%0A"),  # a control character
    ],
)
def test_a_missing_repeated_or_altered_token_does_not_verify(
    gw: BitexGateClient, tamper: Callable[[str], str]
) -> None:
    url = gw.callback_url(BASE, ref="ord_42")
    assert gw.verify_callback_url(tamper(url)) is False


def test_one_refs_token_does_not_serve_another(gw: BitexGateClient) -> None:
    mine = gw.callback_url(BASE, ref="ord_42")
    theirs = gw.callback_url(BASE, ref="ord_43")
    assert token_of(mine) != token_of(theirs)
    assert not gw.verify_callback_url(mine.replace(token_of(mine), token_of(theirs)))


async def test_another_secret_makes_other_tokens(gw: BitexGateClient) -> None:
    async with BitexGateClient(api_key=API_KEY, secret=SECRET + "x") as other:
        url = other.callback_url(BASE, ref="ord_42")
        assert other.verify_callback_url(url)
        assert not gw.verify_callback_url(url)
        assert gw.callback_url(BASE, ref="ord_42") != url


def test_the_secret_is_nowhere_in_the_url_or_the_client(gw: BitexGateClient) -> None:
    url = gw.callback_url(BASE, ref=SECRET[:8])
    for form in (SECRET, quote(SECRET, safe=""), SECRET.encode().hex()):
        assert form not in url
    assert SECRET not in repr(gw)


@pytest.mark.parametrize(
    ("ref", "rule"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        (" ord_42", "surrounding whitespace"),
        ("ord\n42", "control characters"),
        ("x" * (MAX_REF_LENGTH + 1), f"at most {MAX_REF_LENGTH}"),
        (42, "must be a string"),
        (None, "must be a string"),
    ],
)
def test_a_ref_that_is_not_sane_text_is_refused(
    gw: BitexGateClient, ref: object, rule: str
) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        gw.callback_url(BASE, ref=ref)  # type: ignore[arg-type]
    assert caught.value.field == "ref"
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "rule"),
    [
        (f"{BASE}?ref=ord_1", "must not carry ref"),
        (f"{BASE}?a=1&token=abc", "must not carry token"),
        (f"{BASE}?token=&ref=", "must not carry ref or token"),
        ("/callbacks/invoice", "absolute http"),
        ("ftp://shop.example/cb", "absolute http"),
        ("https://", "absolute http"),
        ("http://[::1", "valid URL"),
        (b"https://shop.example", "must be a str or an httpx.URL"),
    ],
)
def test_a_base_url_that_cannot_take_a_token_is_refused(
    gw: BitexGateClient, base_url: object, rule: str
) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        gw.callback_url(base_url, ref="ord_42")  # type: ignore[arg-type]
    assert caught.value.field == "base_url"


def test_an_httpx_url_is_taken_as_a_base(gw: BitexGateClient) -> None:
    url = gw.callback_url(httpx.URL("https://shop.example/cb?x=1"), ref="r")
    assert url.startswith("https://shop.example/cb?x=1&ref=r&token=")


@pytest.mark.parametrize("url", ["", "not a url", "http://[::1", "?ref=&token=", "%", "?&&=="])
def test_garbage_does_not_verify(gw: BitexGateClient, url: str) -> None:
    assert gw.verify_callback_url(url) is False


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_verify_never_raises_on_any_text(text: str) -> None:
    assert verify_callback_url(KEY, text) is False
    assert verify_callback_url(KEY, f"{BASE}?ref={text}&token={text}") is False


@settings(max_examples=100, deadline=None)
@given(
    ref=st.text(min_size=1, max_size=MAX_REF_LENGTH).filter(
        lambda r: r.isprintable() and r == r.strip() and bool(r.strip())
    )
)
def test_any_sane_ref_round_trips(ref: str) -> None:
    assert verify_callback_url(KEY, callback_url(KEY, BASE, ref=ref))
