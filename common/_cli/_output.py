"""Output: models as JSON data, and JSON data as JSON text or as tables people read."""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import json
import os
import sys
from collections.abc import AsyncIterable, Mapping, Sequence
from typing import Any, TextIO

import attrs

from .._to_dict import json_data, plan_of
from ._report import UsageError
from ._table import cell_text, render_record, render_table

__all__ = [
    "ALL_COLUMNS",
    "DEFAULT_WIDTH",
    "Output",
    "display_enum",
    "render_record",
    "render_table",
    "to_json_text",
    "to_jsonable",
]

#: `--columns all`: every column of a list, not its default set.
ALL_COLUMNS = ("all",)
#: The width tables fit in when stdout is not a terminal (a pipe, a file).
DEFAULT_WIDTH = 120


def to_jsonable(value: Any, *, display: bool = False) -> Any:
    """`value` as plain JSON data: models as `common.to_dict` writes them (keys as the
    API spells them, Decimal as exact fixed-point text, enums as their value, datetimes
    in ISO 8601), mappings and lists of them likewise.

    With `display` (for tables, read by people) models are keyed by field name, enums
    show their value with their name beside it (`5 CONFIRMED`, see `display_enum`) and
    datetimes are written to the second.
    """
    return _display(value) if display else json_data(value)


def display_enum(member: enum.Enum) -> str:
    """An enum member as a person reads it: the API's value, and its name when that differs.

    `5 CONFIRMED` for a code, `EXEC` for a text code named as it is spelled, the
    bare value for a code the documentation does not list.
    """
    value = str(json_data(member))
    known = member.name in type(member).__members__
    return f"{value} {member.name}" if known and member.name != value else value


def _display(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return display_enum(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if attrs.has(type(value)):
        plan = plan_of(type(value))  # refuses secrets, as to_dict does
        names = [name for name, _ in plan.fields] + ([plan.extra] if plan.extra else [])
        return {name: _display(getattr(value, name)) for name in names}
    if isinstance(value, Mapping):
        return {str(json_data(k)): _display(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_display(v) for v in value]
    return json_data(value)


def to_json_text(value: Any) -> str:
    """`value` as indented JSON text (UTF-8 as is, not escaped)."""
    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False)


def terminal_width(stream: TextIO) -> int | None:
    """The width of the terminal `stream` writes to, or None when it is not a terminal."""
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return None


class Output:
    """Where a command's answer goes: stdout, as JSON or (`table=True`) as columns.

    With `table`, `columns` picks a list's columns (None: the list's own default
    set; `ALL_COLUMNS`: every one) and `width` caps a table's lines (0: no cap;
    None: the terminal's width when stdout is one, else `DEFAULT_WIDTH`; no cap
    with `ALL_COLUMNS`). A single object is shown as `field  value` lines, never
    cut; `columns` picks its fields too.
    """

    def __init__(
        self,
        *,
        table: bool,
        stream: TextIO | None = None,
        columns: Sequence[str] | None = None,
        width: int | None = None,
    ) -> None:
        if not table and (columns is not None or width is not None):
            raise UsageError("--columns and --width shape --table output: add --table")
        self.table = table
        self._stream = stream
        self._columns = None if columns is None else tuple(columns)
        self._width = width
        #: Whether anything has been written yet.
        self.started = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> Output:
        """The output the global options ask for (`--table`, `--columns`, `--width`)."""
        return cls(table=args.table, columns=args.columns, width=args.width)

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    @property
    def width(self) -> int | None:
        """The most characters a table line takes (None: no cap)."""
        if self._width is not None:
            return self._width or None
        if self._columns == ALL_COLUMNS:
            return None  # every column, whole: what `--columns all` is for
        return terminal_width(self.stream) or DEFAULT_WIDTH

    def columns(self, default: Sequence[str] | None) -> Sequence[str] | None:
        """The columns to show of a list whose default set is `default` (None: every one)."""
        if self._columns == ALL_COLUMNS:
            return None
        return self._columns if self._columns is not None else default

    def write(self, text: str) -> None:
        self.started = True
        self.stream.write(text)
        self.stream.flush()

    def show(self, value: Any, *, columns: Sequence[str] | None = None) -> None:
        """Print one object (a model or a dict), or a complete list of them.

        `columns` is a list's default set of columns in a table (None: every one).
        """
        data = to_jsonable(value, display=self.table)
        if not self.table:
            self.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        elif isinstance(data, list):
            rows = [row if isinstance(row, dict) else {"value": row} for row in data]
            try:
                text = render_table(rows, columns=self.columns(columns), width=self.width)
            except ValueError as exc:
                raise UsageError(f"--columns: {exc}") from None
            self.write(text + "\n")
        elif isinstance(data, dict):
            self.write(render_record(self._fields(data)) + "\n")
        else:
            self.write(cell_text(data) + "\n")

    def _fields(self, record: dict[str, Any]) -> dict[str, Any]:
        chosen = self.columns(None)
        if chosen is None:
            return record
        unknown = [name for name in chosen if name not in record]
        if unknown:
            raise UsageError(
                f"--columns: no field {', '.join(map(repr, unknown))}; "
                f"the fields: {', '.join(record)}"
            )
        return {name: record[name] for name in chosen}

    async def stream_items(
        self, items: AsyncIterable[Any], *, columns: Sequence[str] | None = None
    ) -> int:
        """Print every item of a paginated list as it arrives; returns how many.

        JSON is written item by item, as a JSON array; if the walk fails halfway the
        array is left open, so a truncated list never parses as a complete one. A
        table needs every row for its widths, so it is printed at the end, with the
        default set of `columns` (None: every one).
        """
        count = 0
        if self.table:
            rows = [item async for item in items]
            self.show(rows, columns=columns)
            return len(rows)
        async for item in items:
            text = json.dumps(to_jsonable(item), indent=2, ensure_ascii=False)
            indented = "\n".join("  " + line for line in text.splitlines())
            self.write(("[\n" if count == 0 else ",\n") + indented)
            count += 1
        self.write("[]\n" if count == 0 else "\n]\n")
        return count
