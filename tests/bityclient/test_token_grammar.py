"""Tokens follow RFC 6750's bearer-token grammar, or are refused without being shown.

A token with a line break would otherwise be kept, then put in an `Authorization`
header, where the HTTP library refuses it in a message that quotes it whole.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import respx

from bityclient import (
    BityClient,
    DecodeError,
    SDKError,
    Token,
    ValidationError,
    dump_token,
    load_token,
)

from .conftest import FakeClock, grant_response, make_client, make_token

#: Bad tokens, each written so that its parts can be looked for in what is shown.
BAD_TOKENS = [
    pytest.param("LEAKpart7f3a\r\nX-Evil: LEAKtail", id="crlf"),
    pytest.param("LEAKpart7f3a\nLEAKtail", id="lf"),
    pytest.param("LEAKpart7f3a\n", id="trailing-lf"),
    pytest.param("LEAKpart7f3a LEAKtail", id="space"),
    pytest.param("LEAKpart7f3a\tLEAKtail", id="tab"),
    pytest.param("LEAKpart7f3a=LEAKtail", id="padding-inside"),
    pytest.param("LEAKpart7f3a\u00e9LEAKtail", id="non-ascii"),
    pytest.param("LEAKpart7f3a;LEAKtail", id="semicolon"),
    pytest.param("", id="empty"),
]
#: What must never be shown of a bad token.
PARTS = ("LEAKpart7f3a", "LEAKtail", "X-Evil")
#: Tokens the grammar allows: `[A-Za-z0-9-._~+/]+=*`.
GOOD_TOKENS = ["2VUlB6JDQbHu8S9qwBfOU7Ghm1eDva", "a-b.c_d~e+f/g", "dG9rZW4=", "x=="]


def assert_not_shown(*texts: str) -> None:
    for text in texts:
        for part in PARTS:
            assert part not in text


def grant(**changes: Any) -> dict[str, Any]:
    body = {
        "access_token": "access-2",
        "token_type": "Bearer",
        "expires_in": 36000,
        "refresh_token": "refresh-2",
        "scope": "read write",
    }
    body.update(changes)
    return body


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record captured, as a handler would write it (traceback included)."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in caplog.records]


# --- from the server: DecodeError, outcome unknown ---------------------------------------------


@pytest.mark.parametrize("field", ["access_token", "refresh_token"])
@pytest.mark.parametrize("bad", BAD_TOKENS)
async def test_a_login_answer_with_a_bad_token_is_refused_unseen(
    router: respx.MockRouter,
    anonymous: BityClient,
    caplog: pytest.LogCaptureFixture,
    field: str,
    bad: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    router.post("/o/token/").respond(200, json=grant(**{field: bad}))
    with pytest.raises(DecodeError) as info:
        await anonymous.login(username="+41786399501", password="abc123")
    error = info.value
    assert f"{field} must follow RFC 6750's bearer-token grammar" in str(error)
    assert_not_shown(str(error), repr(error), error.message, error.text, *logged(caplog))
    assert f'"{field}":"***"' in error.text
    assert error.__cause__ is None
    # A 2xx: a token was probably issued; logging in again is safe.
    assert error.outcome_unknown
    assert "Logging in again is safe" in str(error)
    assert anonymous.token is None


@pytest.mark.parametrize("field", ["access_token", "refresh_token"])
@pytest.mark.parametrize("bad", BAD_TOKENS[:3])
async def test_a_refresh_answer_with_a_bad_token_keeps_the_old_token(
    router: respx.MockRouter,
    bity: BityClient,
    caplog: pytest.LogCaptureFixture,
    field: str,
    bad: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    router.post("/o/token/").respond(200, json=grant(**{field: bad}))
    with pytest.raises(DecodeError) as info:
        await bity.refresh()
    error = info.value
    assert field in str(error)
    assert_not_shown(str(error), repr(error), error.text, *logged(caplog))
    # The refresh token may have been rotated all the same: the outcome is unknown,
    # and the old token stays to be tried (and refused, if it was) next time.
    assert error.outcome_unknown
    assert "rotated the refresh token" in str(error)
    assert bity.token == make_token()


async def test_a_bad_token_never_reaches_a_request(
    router: respx.MockRouter, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    router.post("/o/token/").respond(200, json=grant(access_token=BAD_TOKENS[0].values[0]))
    orders = router.get("/api/v1/order/").respond(200, json={"meta": {}, "objects": []})
    async with make_client(router, clock=clock) as bity:
        with pytest.raises(DecodeError):
            await bity.login(username="+41786399501", password="abc123")
        with pytest.raises(SDKError) as info:
            await bity.orders.list().to_list()
    assert not orders.called
    assert_not_shown(str(info.value), *logged(caplog))


@pytest.mark.parametrize("good", GOOD_TOKENS)
async def test_tokens_the_grammar_allows_are_kept(
    router: respx.MockRouter, anonymous: BityClient, good: str
) -> None:
    router.post("/o/token/").mock(return_value=grant_response(good, good))
    token = await anonymous.login(username="+41786399501", password="abc123")
    assert (token.access_token, token.refresh_token) == (good, good)


# --- from the caller: ValidationError ----------------------------------------------------------


@pytest.mark.parametrize("field", ["access_token", "refresh_token"])
@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_load_token_refuses_a_bad_token_unseen(field: str, bad: str) -> None:
    data = {**dump_token(make_token()), field: bad}
    with pytest.raises(ValidationError) as info:
        load_token(data)
    error = info.value
    assert error.field == f"token.{field}"
    assert "RFC 6750" in error.rule
    assert_not_shown(str(error), repr(error))


@pytest.mark.parametrize("field", ["access_token", "refresh_token"])
@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_token_passed_to_the_client_is_checked(
    router: respx.MockRouter, field: str, bad: str
) -> None:
    token = make_token(**{"access" if field == "access_token" else "refresh": bad})
    with pytest.raises(ValidationError) as info:
        make_client(router, token=token)
    error = info.value
    assert error.field == f"token.{field}"
    assert_not_shown(str(error), repr(error))


def test_good_stored_tokens_load_and_a_missing_refresh_token_is_fine() -> None:
    for good in GOOD_TOKENS:
        token = Token(access_token=good, refresh_token=good)
        assert load_token(dump_token(token)) == token
    assert load_token({"access_token": "abc"}).refresh_token is None
