"""Tables for people: JSON-ready rows as aligned columns that fit a width, one object as lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ELLIPSIS",
    "cell_text",
    "column_widths",
    "render_record",
    "render_table",
    "shorten",
]

#: How much of a nested object a table cell shows.
_SUMMARY_WIDTH = 60
#: What ends a value cut short to fit its column.
ELLIPSIS = "…"
#: The narrowest a column is cut to (or its header's width, if wider).
_MIN_COLUMN = 6
_GAP = "  "


def _one_line(text: str) -> str:
    return " ".join(text.split()) if ("\n" in text or "\r" in text or "\t" in text) else text


def cell_text(value: Any) -> str:
    """One JSON-ready value as a cell: `-` for nothing, nested objects summed up."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k}={cell_text(v)}" for k, v in value.items() if v is not None)
        text = "{" + inner + "}"
        return text if len(text) <= _SUMMARY_WIDTH else text[: _SUMMARY_WIDTH - 4] + "...}"
    if isinstance(value, list):
        return f"[{len(value)} item{'' if len(value) == 1 else 's'}]"
    return _one_line(str(value))


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` characters, its end replaced by an ellipsis when cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS


def column_widths(natural: Sequence[int], floors: Sequence[int], width: int | None) -> list[int]:
    """The width of each column so that the table (two spaces between columns) fits `width`.

    The widest columns are narrowed first, all to the same width, and none below
    its floor; `width` None (or a table that fits) keeps every natural width. A
    table whose floors alone are too wide is kept at its floors.
    """
    if width is None or not natural:
        return list(natural)
    room = width - len(_GAP) * (len(natural) - 1)

    def total(cap: int) -> int:
        return sum(max(f, min(n, cap)) for n, f in zip(natural, floors, strict=True))

    cap = max(natural)
    if total(cap) <= room:
        return list(natural)
    while cap > 1 and total(cap) > room:
        cap -= 1
    return [max(f, min(n, cap)) for n, f in zip(natural, floors, strict=True)]


def render_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str] | None = None,
    width: int | None = None,
) -> str:
    """Aligned columns of JSON-ready rows, at most `width` characters a line (None: any).

    `columns` picks the columns and their order (None: every key, in the order
    they first appear); a name no row has is a ValueError. A column empty in
    every row is left out. When the table is too wide its widest columns are
    narrowed, their values cut short with an ellipsis (headers are kept whole).
    """
    if not rows:
        return "(no items)"
    present: list[str] = []
    for row in rows:
        present.extend(key for key in row if key not in present)
    if columns is not None:
        unknown = [name for name in columns if name not in present]
        if unknown:
            raise ValueError(
                f"no column {', '.join(map(repr, unknown))}; the columns: {', '.join(present)}"
            )
        present = list(dict.fromkeys(columns))
    shown = [c for c in present if any(row.get(c) is not None for row in rows)]
    if not shown:
        return f"({len(rows)} empty item{'' if len(rows) == 1 else 's'})"
    cells = [[cell_text(row.get(c)) for c in shown] for row in rows]
    natural = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(shown)]
    floors = [min(n, max(len(c), _MIN_COLUMN)) for n, c in zip(natural, shown, strict=True)]
    widths = column_widths(natural, floors, width)
    lines = [
        _GAP.join(c.ljust(w) for c, w in zip(shown, widths, strict=True)),
        _GAP.join("-" * w for w in widths),
    ]
    lines.extend(
        _GAP.join(shorten(v, w).ljust(w) for v, w in zip(line, widths, strict=True))
        for line in cells
    )
    return "\n".join(line.rstrip() for line in lines)


def render_record(record: Mapping[str, Any]) -> str:
    """One JSON-ready object as `field  value` lines; nested objects as `outer.inner`.

    Values are never cut: a record is where a long value (a URL to follow) is read whole.
    """
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            name = f"{prefix}{key}"
            if value is None:
                continue
            if isinstance(value, Mapping) and value:
                walk(name + ".", value)
            else:
                pairs.append((name, cell_text(value)))

    walk("", record)
    if not pairs:
        return "(empty)"
    name_width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name.ljust(name_width)}  {value}".rstrip() for name, value in pairs)
