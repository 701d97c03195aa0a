"""The API reference (docs/pages/reference/) lists every public name of every package.

Each package's page has a `::: package.Name` entry for each name of its `__all__`
that it defines, and links each name it re-exports from `common` to common's
entry (`[Name][common.Name]`). mkdocs build --strict checks that every entry
names something real and that every link lands; this checks that none is missing.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
REFERENCE = ROOT / "docs" / "pages" / "reference"
PACKAGES = [
    "common",
    "bitexgate",
    "bitexgate.fastapi",
    "bitexgate.sandbox",
    "bityclient",
    "bityclient.sandbox",
]

_ENTRY = re.compile(r"^::: (?P<path>[\w.]+)\s*$", re.MULTILINE)
_LINK = re.compile(r"\[`(?P<name>\w+)`\]\[common\.(?P<target>\w+)\]")


def entries(package: str) -> set[str]:
    """The names a package's reference page has an entry for."""
    text = (REFERENCE / f"{package}.md").read_text(encoding="utf-8")
    prefix = f"{package}."
    return {
        match["path"].removeprefix(prefix)
        for match in _ENTRY.finditer(text)
        if match["path"].startswith(prefix) and "." not in match["path"].removeprefix(prefix)
    }


def linked_to_common(package: str) -> set[str]:
    """The names a package's reference page links to their entry in common's."""
    text = (REFERENCE / f"{package}.md").read_text(encoding="utf-8")
    found = set()
    for match in _LINK.finditer(text):
        assert match["name"] == match["target"], match.group(0)
        found.add(match["name"])
    return found


def test_every_package_has_a_page() -> None:
    pages = {path.stem for path in REFERENCE.glob("*.md")} - {"index"}
    assert pages == set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_in_the_reference(package: str) -> None:
    module = importlib.import_module(package)
    documented = entries(package) | linked_to_common(package)
    missing = sorted(set(module.__all__) - documented)
    assert not missing, f"docs/pages/reference/{package}.md lacks {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_reference_lists_only_public_names(package: str) -> None:
    module = importlib.import_module(package)
    public = set(module.__all__) | {name for name in dir(module) if not name.startswith("_")}
    assert entries(package) <= public


@pytest.mark.parametrize("package", ["bitexgate", "bityclient"])
def test_what_is_linked_to_common_is_common_s(package: str) -> None:
    module = importlib.import_module(package)
    common = importlib.import_module("common")
    for name in linked_to_common(package):
        assert getattr(module, name) is getattr(common, name), name
    assert linked_to_common(package) <= entries("common")
    # And the names defined here have entries of their own, not links.
    assert not linked_to_common(package) & entries(package)


#: Methods without a docstring, and why: httpx calls them, the reference hides them.
UNDOCUMENTED = {("BityAuth", "sync_auth_flow"), ("BityAuth", "async_auth_flow")}

_OWN = ("common", "bitexgate", "bityclient")


def _members(cls: type) -> list[tuple[str, object]]:
    """The public methods and properties a class of the SDK defines itself."""
    found = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        function = value.fget if isinstance(value, property) else value
        if isinstance(function, (staticmethod, classmethod)):
            function = function.__func__
        if inspect.isfunction(function):
            found.append((name, function))
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_class_and_function_has_a_docstring(package: str) -> None:
    module = importlib.import_module(package)
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # a constant or a type alias: its `#:` comment is its description
        if not (getattr(obj, "__module__", "") or "").startswith(_OWN):
            continue
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj):
            missing += [
                f"{name}.{member}"
                for member, function in _members(obj)
                if not function.__doc__ and (name, member) not in UNDOCUMENTED
            ]
    assert not missing, f"{package}: no docstring on {missing}"
