"""The token endpoint and the bearer checks, seen with raw httpx: strict as an OAuth server."""

from __future__ import annotations

import re

import httpx
import pytest

from bityclient.sandbox import DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_USERNAME, BitySandbox
from tests.bityclient.conftest import FakeClock, bity_fixture

from .conftest import ORDERS, TOKEN, assert_error, bearer, login, password_form

TOKEN_TEXT = re.compile(r"[A-Za-z0-9]{30}")


# --- the password grant -------------------------------------------------------------------------


async def test_password_grant_answers_the_documented_shape(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    response = await http.post(TOKEN, data=password_form(sandbox))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    sample = bity_fixture("token.json")
    assert list(body) == list(sample)  # the same keys, in the reference's order
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 36000
    assert body["scope"] == "read write"
    # 30 letters and digits, like the reference's sample tokens
    assert TOKEN_TEXT.fullmatch(body["access_token"])
    assert TOKEN_TEXT.fullmatch(body["refresh_token"])
    assert body["access_token"] != body["refresh_token"]
    assert (sandbox.tokens_issued, sandbox.refreshes) == (1, 0)


def test_demo_credentials_are_the_references_examples() -> None:
    sandbox = BitySandbox()
    assert (sandbox.client_id, sandbox.username, sandbox.password) == (
        DEMO_CLIENT_ID,
        DEMO_USERNAME,
        DEMO_PASSWORD,
    )
    assert DEMO_CLIENT_ID == "QmaTkYI50XmCF18fupZgdAOptYqDzVix12RpqFYS"
    assert (DEMO_USERNAME, DEMO_PASSWORD) == ("+41786399501", "abc123")


async def test_the_reference_login_example_byte_for_byte(http: httpx.AsyncClient) -> None:
    # The reference's curl --data, as sent (the "+" of the phone written %2B).
    response = await http.post(
        TOKEN,
        content=b"grant_type=password&username=%2B41786399501&password=abc123"
        b"&client_id=QmaTkYI50XmCF18fupZgdAOptYqDzVix12RpqFYS",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200


async def test_expires_in_follows_the_lifetime(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    sandbox.access_token_lifetime = 2
    assert (await login(http, sandbox))["expires_in"] == 2
    with pytest.raises(ValueError, match="access_token_lifetime"):
        sandbox.access_token_lifetime = -1


async def test_custom_credentials() -> None:
    sandbox = BitySandbox(client_id="my-client", username="alice", password="s3cret")
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://x") as http:
        good = await http.post(TOKEN, data=password_form(sandbox))
        assert good.status_code == 200
        demo = await http.post(
            TOKEN,
            data={
                "grant_type": "password",
                "username": DEMO_USERNAME,
                "password": DEMO_PASSWORD,
                "client_id": "my-client",
            },
        )
        assert_error(demo, 401, "invalid_grant")


async def test_wrong_password_is_invalid_grant_with_401_as_the_reference_shows(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    # The reference: "Example of a returned error body with 401 code", this very body.
    # (django-oauth-toolkit, through oauthlib, answers invalid_grant with 400; the
    # sandbox follows the reference, and `invalid_grant_status = 400` switches.)
    response = await http.post(TOKEN, data=password_form(sandbox, password="wrong"))
    assert response.status_code == 401
    assert response.json() == bity_fixture("error_invalid_grant.json")
    unknown = await http.post(TOKEN, data=password_form(sandbox, username="+41000000000"))
    assert unknown.json() == bity_fixture("error_invalid_grant.json")
    assert sandbox.tokens_issued == 0


async def test_invalid_grant_status_can_be_oauthlibs_400(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    sandbox.invalid_grant_status = 400
    response = await http.post(TOKEN, data=password_form(sandbox, password="wrong"))
    assert_error(response, 400, "invalid_grant")
    with pytest.raises(ValueError, match="400 or 401"):
        sandbox.invalid_grant_status = 403


@pytest.mark.parametrize("client_id", ["wrong-client", ""])
async def test_unknown_client_is_invalid_client_401(
    http: httpx.AsyncClient, sandbox: BitySandbox, client_id: str
) -> None:
    response = await http.post(TOKEN, data=password_form(sandbox, client_id=client_id))
    assert_error(response, 401, "invalid_client")


async def test_a_json_body_is_refused(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    response = await http.post(TOKEN, json=password_form(sandbox))
    body = assert_error(response, 400, "invalid_request")
    assert "form-encoded" in body["error_description"]
    assert sandbox.tokens_issued == 0


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": ""}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
        ({"username": ""}, "invalid_request"),
        ({"password": ""}, "invalid_request"),
    ],
)
async def test_malformed_grants(
    http: httpx.AsyncClient, sandbox: BitySandbox, form: dict[str, str], error: str
) -> None:
    response = await http.post(TOKEN, data=password_form(sandbox, **form))
    assert_error(response, 400, error)


async def test_a_repeated_parameter_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(
        TOKEN,
        content=b"grant_type=password&username=a&username=b&password=x&client_id=y",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    body = assert_error(response, 400, "invalid_request")
    assert "username" in body["error_description"]


async def test_token_endpoint_takes_post_only(http: httpx.AsyncClient) -> None:
    assert_error(await http.get(TOKEN), 405, "method_not_allowed")


# --- the refresh grant: rotation ----------------------------------------------------------------


async def test_refresh_rotates_both_tokens(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    first = await login(http, sandbox)
    response = await http.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": sandbox.client_id,
        },
    )
    assert response.status_code == 200
    second = response.json()
    assert list(second) == list(bity_fixture("token.json"))
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert (sandbox.tokens_issued, sandbox.refreshes) == (2, 1)
    # The new access token works; the old one was revoked with its refresh token.
    assert (await http.get(ORDERS, headers=bearer(second))).status_code == 200
    assert_error(await http.get(ORDERS, headers=bearer(first)), 401, "invalid_token")


async def test_a_rotated_refresh_token_cannot_be_reused(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    first = await login(http, sandbox)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": sandbox.client_id,
    }
    assert (await http.post(TOKEN, data=form)).status_code == 200
    again = await http.post(TOKEN, data=form)
    assert_error(again, 401, "invalid_grant")
    assert sandbox.refreshes == 1


async def test_refresh_needs_the_token_and_the_client(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    first = await login(http, sandbox)
    missing = await http.post(
        TOKEN, data={"grant_type": "refresh_token", "client_id": sandbox.client_id}
    )
    assert_error(missing, 400, "invalid_request")
    other_client = await http.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": "someone-else",
        },
    )
    assert_error(other_client, 401, "invalid_client")
    unknown = await http.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": "x" * 30,
            "client_id": sandbox.client_id,
        },
    )
    assert_error(unknown, 401, "invalid_grant")


# --- bearer checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_orders_need_a_bearer_token(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, ORDERS, json={} if method == "POST" else None)
    body = assert_error(response, 401, "invalid_request")
    assert body["error_description"] == "Authentication credentials were not provided."
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc", "abc"],
)
async def test_a_malformed_authorization_header_is_refused(
    http: httpx.AsyncClient, authorization: str
) -> None:
    response = await http.get(ORDERS, headers={"Authorization": authorization})
    assert_error(response, 401, "invalid_request")


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_unknown_token_is_refused(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, ORDERS, headers=bearer("x" * 30), json={})
    body = assert_error(response, 401, "invalid_token")
    assert body["error_description"] == "The access token is invalid."
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_the_scheme_is_case_insensitive(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token = await login(http, sandbox)
    response = await http.get(ORDERS, headers={"Authorization": f"bearer {token['access_token']}"})
    assert response.status_code == 200


async def test_a_token_expires_after_its_lifetime(
    http: httpx.AsyncClient, sandbox: BitySandbox, clock: FakeClock
) -> None:
    sandbox.access_token_lifetime = 30
    token = await login(http, sandbox)
    clock.advance(29.9)
    assert (await http.get(ORDERS, headers=bearer(token))).status_code == 200
    clock.advance(0.1)
    response = await http.get(ORDERS, headers=bearer(token))
    body = assert_error(response, 401, "invalid_token")
    assert body["error_description"] == "The access token has expired."
    created = await http.post(ORDERS, headers=bearer(token), json={})
    assert_error(created, 401, "invalid_token")


async def test_expire_tokens_keeps_refresh_tokens(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token = await login(http, sandbox)
    sandbox.expire_tokens()
    assert_error(await http.get(ORDERS, headers=bearer(token)), 401, "invalid_token")
    refreshed = await http.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": sandbox.client_id,
        },
    )
    assert refreshed.status_code == 200
    # Tokens issued after expire_tokens() live their whole lifetime.
    assert (await http.get(ORDERS, headers=bearer(refreshed.json()))).status_code == 200


async def test_revoke_session_invalidates_every_token(
    http: httpx.AsyncClient, sandbox: BitySandbox
) -> None:
    token = await login(http, sandbox)
    sandbox.revoke_session()
    assert_error(await http.get(ORDERS, headers=bearer(token)), 401, "invalid_token")
    refreshed = await http.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": sandbox.client_id,
        },
    )
    assert_error(refreshed, 401, "invalid_grant")
    # A new login works.
    assert (await http.get(ORDERS, headers=bearer(await login(http, sandbox)))).status_code == 200


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer " + "x" * 30}, {"Authorization": "junk"}]
)
async def test_public_endpoints_take_any_token_or_none(
    http: httpx.AsyncClient, sandbox: BitySandbox, headers: dict[str, str]
) -> None:
    valid = bearer(await login(http, sandbox))
    for chosen in (headers, valid):
        assert (await http.get("/api/v1/rate2/", headers=chosen)).status_code == 200
        assert (await http.get("/api/v1/rate_we_buy/ETHBTC/", headers=chosen)).status_code == 200
        verify = await http.post(
            "/api/v1/user_signup/verifyphone/",
            json={"phone": sandbox.username, "code": "381499"},
            headers=chosen,
        )
        assert verify.status_code == 200
