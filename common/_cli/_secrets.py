"""The secrets a run knows of, masked in every message it prints."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import quote, quote_plus

__all__ = ["Secrets", "secret_flag_values"]

#: Secrets shorter than this are not masked: masking "ab" would garble every message.
_MIN_SECRET = 4
_MASK = "***"


class Secrets:
    """The secret values this run knows of, masked in every message it prints."""

    def __init__(self, *values: str | None) -> None:
        self._values: set[str] = set()
        self.add(*values)

    def add(self, *values: str | None) -> None:
        """Remember `values` (and their URL-encoded forms) as secrets."""
        for value in values:
            if value is None:
                continue
            for form in (value, value.strip(), quote(value, safe=""), quote_plus(value)):
                if len(form) >= _MIN_SECRET:
                    self._values.add(form)

    def scrub(self, text: str) -> str:
        """`text` with every known secret replaced by `***`."""
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, _MASK)
        return text


def secret_flag_values(argv: Sequence[str], flags: Iterable[str]) -> list[str]:
    """The values given on the command line to the secret-bearing `flags`.

    Collected before parsing, so that even argparse's own complaints (which may
    quote a stray argument) are masked.
    """
    wanted = tuple(flags)
    found: list[str] = []
    for index, arg in enumerate(argv):
        if arg in wanted and index + 1 < len(argv):
            found.append(argv[index + 1])
        for flag in wanted:
            if arg.startswith(flag + "="):
                found.append(arg[len(flag) + 1 :])
    return found
