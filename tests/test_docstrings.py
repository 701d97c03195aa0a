"""The docstrings a user reads (`help()`, the API reference): complete, and self-contained.

The clients name every resource they carry, and no docstring of a public module,
class, function or method sends the reader to a private module: it says the rule.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from bitexgate import BitexGateClient
from bityclient import BityClient

#: The public packages whose names the API reference documents.
PUBLIC = (
    "common",
    "bitexgate",
    "bityclient",
    "bitexgate.sandbox",
    "bityclient.sandbox",
    "bitexgate.fastapi",
)

#: A private module or member named as something to read: `_validation.py`,
#: `_strict_text`, `common._limiter`, `x._name`.
PRIVATE = re.compile(r"\b_[a-z]\w*\.py\b|`_[a-z]\w*|\w\._[a-z]\w*")


def clients() -> list[Any]:
    return [
        BitexGateClient(api_key="key", secret="secret"),
        BityClient(client_id="client"),
    ]


@pytest.mark.parametrize("client", clients(), ids=lambda c: type(c).__name__)
async def test_a_clients_docstring_names_each_of_its_resources(client: Any) -> None:
    doc = " ".join((type(client).__doc__ or "").split())
    resources = {
        name: value
        for name, value in vars(client).items()
        if not name.startswith("_") and type(value).__module__.startswith(("bitexgate", "bity"))
    }
    assert len(resources) >= 3
    for name, value in resources.items():
        assert f"`{name}` (`{type(value).__name__}`): " in doc, name
    await client.aclose()


def public_modules() -> Iterator[ModuleType]:
    for name in PUBLIC:
        try:
            yield importlib.import_module(name)
        except ImportError:  # an extra that is not installed
            continue


def documented() -> Iterator[tuple[str, str]]:
    """(where, docstring) of every public module, class, function, method and property."""
    seen: set[int] = set()
    for module in public_modules():
        yield module.__name__, module.__doc__ or ""
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if id(value) in seen or not (inspect.isclass(value) or callable(value)):
                continue
            seen.add(id(value))
            yield f"{module.__name__}.{name}", inspect.getdoc(value) or ""
            if not inspect.isclass(value):
                continue
            for member, attribute in inspect.getmembers(value):
                if member.startswith("_") and member != "__init__":
                    continue
                owner = next((c for c in value.__mro__ if member in vars(c)), object)
                if not owner.__module__.startswith(("common", "bitexgate", "bityclient")):
                    continue
                if isinstance(attribute, property):
                    attribute = attribute.fget
                if callable(attribute):
                    yield f"{module.__name__}.{name}.{member}", inspect.getdoc(attribute) or ""


def test_no_public_docstring_sends_the_reader_to_a_private_module() -> None:
    pointing = [
        f"{where}: {match.group(0)}"
        for where, doc in documented()
        for match in PRIVATE.finditer(doc)
    ]
    assert pointing == []


def test_the_private_pattern_sees_what_it_is_for() -> None:
    for text in ("see `_validation.py`", "read `_strict_text`", "see `common._limiter`"):
        assert PRIVATE.search(text), text
    for text in ("`__init__`", "`token_store`", "an `X-Timeout`", "my_field", "`to_dict`"):
        assert not PRIVATE.search(text), text
