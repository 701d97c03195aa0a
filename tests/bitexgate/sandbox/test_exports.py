"""The sandbox's public names: a subpackage of bitexgate, not re-exported by it."""

from __future__ import annotations

import bitexgate
import bitexgate.sandbox
from bitexgate.sandbox import DEMO_API_KEY, DEMO_SECRET, CallbackDelivery, GatewaySandbox
from common._sandbox import Sandbox


def test_the_public_names() -> None:
    assert bitexgate.sandbox.__all__ == [
        "DEMO_API_KEY",
        "DEMO_SECRET",
        "CallbackDelivery",
        "GatewaySandbox",
    ]
    sandbox = GatewaySandbox()
    assert (sandbox.api_key, sandbox.secret) == (DEMO_API_KEY, DEMO_SECRET)


def test_the_sandbox_is_not_exported_by_the_client_package() -> None:
    assert not {"GatewaySandbox", "sandbox"} & set(bitexgate.__all__)


def test_it_is_a_common_sandbox() -> None:
    assert issubclass(GatewaySandbox, Sandbox)
    for cls in (GatewaySandbox, CallbackDelivery):
        assert cls.__module__ == "bitexgate.sandbox._sandbox"
