"""The course of both commands' `main()`: read the arguments, then serve the sandbox
or run the subcommand."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from ._parser import Paging, flag_map, join_dash_values, parse_args
from ._run import run_command
from ._secrets import Secrets, secret_flag_values
from ._serve import SandboxCommand
from ._settings import Setting

__all__ = ["run_main"]


def run_main(
    argv: Sequence[str] | None,
    *,
    build_parser: Callable[[], argparse.ArgumentParser],
    credentials: Sequence[Setting],
    paging: Paging,
    sandbox: SandboxCommand[Any],
    execute: Callable[[argparse.Namespace, Secrets], Coroutine[Any, Any, int]],
    in_doubt_note: Callable[[str, argparse.Namespace], str],
    secret_flags: Sequence[str] = (),
) -> int:
    """Run a command line with `argv` (default: `sys.argv[1:]`); returns the exit code.

    The values of the secret `credentials` (from their flags or the environment)
    and of `secret_flags` are masked in every message, argparse's included. The
    `sandbox` subcommand is served; any other runs `execute(args, secrets)`, which
    is called outside the event loop and may raise UsageError before its
    coroutine starts. `in_doubt_note(creates, args)`, for a subcommand that
    creates something (`creates` names the command that lists it), says how to
    check whether it did.
    """
    arguments = join_dash_values(sys.argv[1:] if argv is None else argv, [paging.order_flag])
    secret = [item for item in credentials if item.secret]
    secrets = Secrets(
        *(os.environ.get(item.env) for item in secret),
        *secret_flag_values(arguments, [*(item.flag for item in secret), *secret_flags]),
    )
    parser = build_parser()
    parsed = parse_args(parser, arguments, secrets)
    if isinstance(parsed, int):
        return parsed
    if parsed.group == sandbox.name:
        return sandbox.serve(parsed, secrets)
    return run_command(
        lambda: execute(parsed, secrets),
        secrets=secrets,
        flags=flag_map(parser),
        in_doubt_note=in_doubt_note(parsed.creates, parsed) if parsed.creates else None,
    )
