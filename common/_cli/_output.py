"""Output: models as JSON data, and JSON data as JSON text or aligned columns."""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from collections.abc import AsyncIterable, Mapping, Sequence
from typing import Any, TextIO

import attrs

from .._to_dict import json_data, plan_of

__all__ = ["Output", "render_record", "render_table", "to_json_text", "to_jsonable"]

#: How much of a nested object a table cell shows.
_SUMMARY_WIDTH = 60


def to_jsonable(value: Any, *, display: bool = False) -> Any:
    """`value` as plain JSON data: models as `common.to_dict` writes them (keys as the
    API spells them, Decimal as exact fixed-point text, enums as their value, datetimes
    in ISO 8601), mappings and lists of them likewise.

    With `display` (for tables, read by people) models are keyed by field name, enums
    are shown by name and datetimes to the second.
    """
    return _display(value) if display else json_data(value)


def _display(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        known = value.name in type(value).__members__
        return value.name if known else json_data(value)
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


def _one_line(text: str) -> str:
    return " ".join(text.split()) if ("\n" in text or "\r" in text or "\t" in text) else text


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k}={_cell(v)}" for k, v in value.items() if v is not None)
        text = "{" + inner + "}"
        return text if len(text) <= _SUMMARY_WIDTH else text[: _SUMMARY_WIDTH - 4] + "...}"
    if isinstance(value, list):
        return f"[{len(value)} item{'' if len(value) == 1 else 's'}]"
    return _one_line(str(value))


def render_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Aligned columns of JSON-ready rows; columns empty in every row are left out."""
    if not rows:
        return "(no items)"
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    columns = [c for c in columns if any(row.get(c) is not None for row in rows)]
    if not columns:
        return f"({len(rows)} empty item{'' if len(rows) == 1 else 's'})"
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines.extend("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in cells)
    return "\n".join(line.rstrip() for line in lines)


def render_record(record: Mapping[str, Any]) -> str:
    """One JSON-ready object as `field  value` lines; nested objects as `outer.inner`."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            name = f"{prefix}{key}"
            if value is None:
                continue
            if isinstance(value, Mapping) and value:
                walk(name + ".", value)
            else:
                pairs.append((name, _cell(value)))

    walk("", record)
    if not pairs:
        return "(empty)"
    width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name.ljust(width)}  {value}".rstrip() for name, value in pairs)


class Output:
    """Where a command's answer goes: stdout, as JSON or (`table=True`) as columns."""

    def __init__(self, *, table: bool, stream: TextIO | None = None) -> None:
        self.table = table
        self._stream = stream
        #: Whether anything has been written yet.
        self.started = False

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    def write(self, text: str) -> None:
        self.started = True
        self.stream.write(text)
        self.stream.flush()

    def show(self, value: Any) -> None:
        """Print one object (a model or a dict), or a complete list of them."""
        data = to_jsonable(value, display=self.table)
        if not self.table:
            self.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        elif isinstance(data, list):
            rows = [row if isinstance(row, dict) else {"value": row} for row in data]
            self.write(render_table(rows) + "\n")
        elif isinstance(data, dict):
            self.write(render_record(data) + "\n")
        else:
            self.write(_cell(data) + "\n")

    async def stream_items(self, items: AsyncIterable[Any]) -> int:
        """Print every item of a paginated list as it arrives; returns how many.

        JSON is written item by item, as a JSON array; if the walk fails halfway the
        array is left open, so a truncated list never parses as a complete one. A
        table needs every row for its widths, so it is printed at the end.
        """
        count = 0
        if self.table:
            rows = [to_jsonable(item, display=True) async for item in items]
            self.show(rows)
            return len(rows)
        async for item in items:
            text = json.dumps(to_jsonable(item), indent=2, ensure_ascii=False)
            indented = "\n".join("  " + line for line in text.splitlines())
            self.write(("[\n" if count == 0 else ",\n") + indented)
            count += 1
        self.write("[]\n" if count == 0 else "\n]\n")
        return count
