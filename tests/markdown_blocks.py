"""The fenced Python blocks of the README and the documentation pages, and how they run.

`python_blocks(path)` reads a Markdown file's ```` ```python ```` blocks, with
where each starts, its `title="..."` if it has one, and the reason given by a
`<!-- not run: reason -->` comment just before it. `run_block` runs one block's
code in a namespace, with top-level `await` allowed. tests/test_docs_examples.py
says what each page's blocks run against.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

__all__ = ["Block", "python_blocks", "run_block", "run_script"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,})(?P<info>[^`]*)$")
_NOT_RUN = re.compile(r"^\s*<!--\s*not run:\s*(?P<reason>.+?)\s*-->\s*$")
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')


@attrs.frozen
class Block:
    """One fenced ```` ```python ```` block of a Markdown file."""

    path: Path
    line: int  #: the line of the block's first line of code (1-based)
    code: str
    title: str | None
    not_run: str | None  #: the reason given by a `<!-- not run: ... -->` just before it

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def python_blocks(path: Path) -> Iterator[Block]:
    """The ```` ```python ```` blocks of a Markdown file, in order (fences may be indented)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        indent, ticks = fence["indent"], fence["ticks"]
        words = fence["info"].strip().split(maxsplit=1)
        end = index + 1
        while end < len(lines) and lines[end].strip() != ticks:
            end += 1
        if words and words[0] in ("python", "py"):
            body = [line.removeprefix(indent) for line in lines[index + 1 : end]]
            title = _TITLE.search(words[1]) if len(words) > 1 else None
            yield Block(
                path=path,
                line=index + 2,
                code=textwrap.dedent("\n".join(body)) + "\n",
                title=title["title"] if title else None,
                not_run=_reason_before(lines, index),
            )
        index = end + 1


def _reason_before(lines: list[str], fence_index: int) -> str | None:
    """The reason of a `<!-- not run: ... -->` on the line before a fence (blank lines skipped)."""
    before = fence_index - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    if before < 0:
        return None
    match = _NOT_RUN.match(lines[before])
    return match["reason"] if match else None


def _compiled(block: Block, flags: int) -> Any:
    # Blank lines first, so that a traceback's line numbers are the Markdown file's.
    source = "\n" * (block.line - 1) + block.code
    return compile(source, str(block.path), "exec", flags=flags, dont_inherit=True)


async def run_block(block: Block, namespace: dict[str, Any]) -> None:
    """Run the block's code in `namespace`, as a notebook cell: top-level `await` allowed."""
    code = _compiled(block, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # noqa: S307 (the project's own documentation)
    if inspect.iscoroutine(result):
        await result


def run_script(block: Block, namespace: dict[str, Any]) -> None:
    """Run the block's code in `namespace` as a script runs (it may call `asyncio.run`)."""
    exec(_compiled(block, 0), namespace)  # noqa: S102 (the project's own documentation)
