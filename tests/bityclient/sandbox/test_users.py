"""Phone activation: `POST /api/v1/user_signup/verifyphone/` and `register_phone`."""

from __future__ import annotations

import re

import httpx
import pytest

from bityclient.sandbox import DEMO_PHONE_CODE, DEMO_USERNAME, BitySandbox
from tests.bityclient.conftest import bity_fixture

from .conftest import assert_error

VERIFY = "/api/v1/user_signup/verifyphone/"


async def test_the_demo_phone_awaits_the_references_code(http: httpx.AsyncClient) -> None:
    assert DEMO_PHONE_CODE == "381499"
    # The reference's example, byte for byte.
    response = await http.post(
        VERIFY,
        content=b'{"phone": "+41786399501", "code": "381499"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == bity_fixture("verifyphone.json") == {"activated": True}
    # Verifying again with the same code does no harm.
    again = await http.post(VERIFY, json={"phone": DEMO_USERNAME, "code": DEMO_PHONE_CODE})
    assert again.json() == {"activated": True}


async def test_a_wrong_code_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(VERIFY, json={"phone": DEMO_USERNAME, "code": "000000"})
    body = assert_error(response, 400, "invalid_code")
    assert body["error_description"].startswith("code: ")


async def test_register_phone(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    code = sandbox.register_phone("+33612345678")
    assert re.fullmatch(r"\d{6}", code)
    assert sandbox.register_phone("+33612345679", "4242") == "4242"
    ok = await http.post(VERIFY, json={"phone": "+33612345678", "code": code})
    assert ok.json() == {"activated": True}
    # Registering again sends a new code; the old one no longer works.
    sandbox.register_phone("+33612345679", "1111")
    old = await http.post(VERIFY, json={"phone": "+33612345679", "code": "4242"})
    assert_error(old, 400, "invalid_code")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"phone": "+33600000000", "code": "123456"}, "invalid_phone"),  # nothing pending
        ({"phone": "0041786399501", "code": "381499"}, "invalid_phone"),
        ({"code": "381499"}, "invalid_phone"),
        ({"phone": DEMO_USERNAME}, "invalid_code"),
        ({"phone": DEMO_USERNAME, "code": 381499}, "invalid_code"),
        ({"phone": DEMO_USERNAME, "code": ""}, "invalid_code"),
        ([DEMO_USERNAME, DEMO_PHONE_CODE], "invalid_request"),
    ],
)
async def test_invalid_activations(http: httpx.AsyncClient, body: object, error: str) -> None:
    assert_error(await http.post(VERIFY, json=body), 400, error)


async def test_a_body_that_is_not_json(http: httpx.AsyncClient) -> None:
    assert_error(await http.post(VERIFY, content=b"phone=+41"), 400, "invalid_request")


@pytest.mark.parametrize(
    ("phone", "code"), [("41786399501", None), ("+41 78", None), ("+4178639950", " ")]
)
def test_register_phone_refuses_bad_input(phone: str, code: str | None) -> None:
    with pytest.raises(ValueError, match=r"phone|code"):
        BitySandbox().register_phone(phone, code)


async def test_a_username_that_is_not_a_phone_has_nothing_pending() -> None:
    sandbox = BitySandbox(username="alice")
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://x") as http:
        response = await http.post(VERIFY, json={"phone": DEMO_USERNAME, "code": DEMO_PHONE_CODE})
        assert_error(response, 400, "invalid_phone")
