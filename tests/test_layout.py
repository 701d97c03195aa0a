"""The code's shape, read from the source: small modules, no import cycle, no private reaching.

Every module of `common`, `bitexgate` and `bityclient` (subpackages included)
is at most `MAX_LINES` lines; no module imports, however indirectly, a module
that imports it (TYPE_CHECKING and function-level imports count); and in the
sandbox modules no module takes another's private members (`from .x import
_name`, `x._name`): one that needs another's data asks for it by a public name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("common", "bitexgate", "bityclient")
MAX_LINES = 400

#: Modules still over MAX_LINES. Each is being split in a branch of its own
#: (the command lines, the transport); empty this when those are merged.
BEING_SPLIT: set[str] = set()


def source_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sandbox_files() -> list[Path]:
    """The sandbox modules: both sandbox packages and common's `_sandbox*` modules."""
    return [
        path
        for path in source_files()
        if path.parent.name == "sandbox" or path.name.startswith("_sandbox")
    ]


MODULES = {module_name(path): path for path in source_files()}


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", source_files(), ids=relative)
def test_every_module_is_small(path: Path) -> None:
    if relative(path) in BEING_SPLIT:
        pytest.skip("being split elsewhere")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{relative(path)} has {lines} lines (at most {MAX_LINES})"


def test_the_allow_list_names_only_modules_still_too_long() -> None:
    for name in BEING_SPLIT:
        path = ROOT / name
        if path.is_file():
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines > MAX_LINES, f"{name} is short now: take it off BEING_SPLIT"


# --- imports ------------------------------------------------------------------------------------


def package_of(path: Path) -> str:
    """The package a relative import in `path` starts from."""
    here = module_name(path)
    return here if path.name == "__init__.py" else here.rpartition(".")[0]


def import_source(node: ast.ImportFrom, package: str) -> str:
    """The absolute name of the module a `from ... import` reads from."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def imported_modules(path: Path) -> Iterator[str]:
    """The project's modules `path` imports, wherever the import statement stands.

    `from package import name` imports the module `package.name` when there is
    one, else (a name defined in the package) the package itself.
    """
    package = package_of(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                while name and name not in MODULES:
                    name = name.rpartition(".")[0]
                if name:
                    yield name
        elif isinstance(node, ast.ImportFrom):
            source = import_source(node, package)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    yield submodule
                elif source in MODULES:
                    yield source


def import_graph() -> dict[str, set[str]]:
    return {name: set(imported_modules(path)) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), or a self-import."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_scan_sees_imports() -> None:
    graph = import_graph()
    assert "bitexgate.sandbox._state" in graph["bitexgate.sandbox._sandbox"]
    assert "common._sandbox" in graph["bityclient.sandbox._sandbox"]
    assert "common" in graph["bitexgate"]  # `from common import ...` names the package


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


# --- private members ----------------------------------------------------------------------------


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_reaches(tree: ast.AST, package: str) -> Iterator[str]:
    """Where a module of `package` takes a private member of another module or object.

    Importing a private module (`from . import _state`) is the package's layout,
    not a member. An attribute of `self` or `cls` is the object's own; anything
    else written `x._name` (a module, or an object another module made) is
    reaching in.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = import_source(node, package)
            for alias in node.names:
                if is_private(alias.name) and f"{source}.{alias.name}" not in MODULES:
                    yield f"line {node.lineno}: from {source} import {alias.name}"
        elif isinstance(node, ast.Attribute) and is_private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                yield f"line {node.lineno}: {ast.unparse(node)}"


def test_the_private_scan_sees_reaching_in() -> None:
    sample = ast.parse(
        "from . import _sandbox_http\n"
        "from ._sandbox_controls import _ArmedFault, Fault\n"
        "def f(other, self):\n"
        "    return other._state, self._own, other.__class__, sandbox._clock()\n"
    )
    assert [reach.split(": ", 1)[1] for reach in private_reaches(sample, "common")] == [
        "from common._sandbox_controls import _ArmedFault",
        "other._state",
        "sandbox._clock",
    ]


@pytest.mark.parametrize("path", sandbox_files(), ids=relative)
def test_sandbox_modules_do_not_reach_into_private_members(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert list(private_reaches(tree, package_of(path))) == []


@pytest.mark.parametrize(
    "path", [p for p in sandbox_files() if p.name != "__init__.py"], ids=relative
)
def test_sandbox_modules_declare_their_public_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets)
    ]
    assert declared, f"{relative(path)} has no __all__"
