"""The public surface of bityclient.sandbox is what others build on."""

from __future__ import annotations

import importlib
import inspect
from decimal import Decimal

import pytest

import bityclient
import bityclient.sandbox
from bityclient.sandbox import BitySandbox
from common._sandbox import Sandbox


def test_exported_names() -> None:
    assert bityclient.sandbox.__all__ == [
        "BitySandbox",
        "DEMO_CLIENT_ID",
        "DEMO_PASSWORD",
        "DEMO_PHONE_CODE",
        "DEMO_USERNAME",
    ]
    for name in bityclient.sandbox.__all__:
        assert getattr(bityclient.sandbox, name) is not None


def test_not_reexported_by_the_client_package() -> None:
    assert not {"BitySandbox", "sandbox"} & set(bityclient.__all__)


@pytest.mark.parametrize("module", ["_app", "_pages", "_state"])
def test_private_modules_declare_all(module: str) -> None:
    loaded = importlib.import_module(f"bityclient.sandbox.{module}")
    assert loaded.__all__
    for name in loaded.__all__:
        assert hasattr(loaded, name), f"{module}.__all__ names missing {name}"


def test_the_constructor() -> None:
    parameters = inspect.signature(BitySandbox).parameters
    assert list(parameters) == [
        "client_id",
        "username",
        "password",
        "access_token_lifetime",
        "default_page_size",
        "clock",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert parameters["access_token_lifetime"].default == 36000
    assert parameters["default_page_size"].default == 5


def test_the_controls_it_offers() -> None:
    sandbox = BitySandbox()
    assert isinstance(sandbox, Sandbox)
    for name in (
        "app",
        "transport",
        "serve",
        "fail_next",
        "delay_next",
        "requests",
        "requests_to",
        "clear_requests",
        "clear_faults",
        "seed_demo_data",
        "register_phone",
        "expire_tokens",
        "revoke_session",
        "set_rate",
        "advance_order",
        "tokens_issued",
        "refreshes",
    ):
        assert hasattr(sandbox, name), name
    assert inspect.signature(sandbox.set_rate).parameters["spread"].default == Decimal("0.01")
    assert inspect.signature(sandbox.advance_order).parameters["to"].default == "EXEC"
    assert "abc123" not in repr(sandbox)


@pytest.mark.parametrize(
    "kwargs", [{"access_token_lifetime": -1}, {"default_page_size": 0}, {"default_page_size": "5"}]
)
def test_the_constructor_refuses_bad_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        BitySandbox(**kwargs)  # type: ignore[arg-type]
