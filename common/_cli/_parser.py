"""The parsers: no abbreviated flags, the options every subcommand takes, parsing
with masked complaints, and the map from destinations back to flags."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from ._args import non_negative_int_arg, positive_float_arg
from ._report import EXIT_USAGE
from ._secrets import Secrets

__all__ = [
    "ArgumentParser",
    "add_global_options",
    "flag_map",
    "join_dash_values",
    "parse_args",
]


class ArgumentParser(argparse.ArgumentParser):
    """argparse with what both command lines want: no abbreviated flags."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every subcommand takes, before or after its name.

    On the subcommands (`suppress=True`) an option left out does not override
    the value given before the subcommand's name.
    """

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("output and connection")
    group.add_argument(
        "--table",
        action="store_true",
        default=default(False),
        help="print aligned columns instead of JSON",
    )
    group.add_argument(
        "--timeout",
        type=positive_float_arg,
        default=default(None),
        metavar="SECONDS",
        help="timeout of each request (default: the SDK's, 30 s; 10 s to connect)",
    )
    group.add_argument(
        "--retries",
        type=non_negative_int_arg,
        default=default(None),
        metavar="N",
        help="retries of a failed read (default: the SDK's, 2); a payment is resent only "
        "if it provably never left",
    )
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=default(False),
        help="run against an in-process sandbox with demo credentials and data",
    )


def flag_map(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each destination of `parser` and its subcommands, to its long flag (`client_ip` ->
    `--client-ip`), so an SDK error about a field can name the flag to change."""
    found: dict[str, str] = {}
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
            elif action.option_strings:
                long = [s for s in action.option_strings if s.startswith("--")]
                if long:
                    found.setdefault(action.dest, long[0])
            elif action.dest and action.dest != argparse.SUPPRESS:
                found.setdefault(action.dest, action.dest.upper())
    return found


def parse_args(
    parser: argparse.ArgumentParser, argv: Sequence[str], secrets: Secrets
) -> argparse.Namespace | int:
    """Parse `argv`; on a usage error or `--help`, the exit code (argparse's messages masked)."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            args = parser.parse_args(list(argv))
    except SystemExit as exc:
        sys.stderr.write(secrets.scrub(captured.getvalue()))
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    sys.stderr.write(secrets.scrub(captured.getvalue()))  # a note argparse gave without exiting
    return args


def join_dash_values(argv: Sequence[str], flags: Iterable[str]) -> list[str]:
    """`argv` with `--ordering -id` written as `--ordering=-id` for each of `flags`.

    argparse takes a value that starts with `-` for an option, so a descending
    ordering would otherwise have to be written with `=`.
    """
    wanted = set(flags)
    joined: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        following = argv[index + 1] if index + 1 < len(argv) else None
        if (
            arg in wanted
            and following is not None
            and following.startswith("-")
            and not following.startswith("--")
            and len(following) > 1
        ):
            joined.append(f"{arg}={following}")
            index += 2
        else:
            joined.append(arg)
            index += 1
    return joined
