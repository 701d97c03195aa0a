"""Running a command: one event loop, and what it raises mapped to an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from .._errors import SDKError
from ._report import EXIT_INTERRUPTED, EXIT_OK, UsageError, report_error
from ._secrets import Secrets

__all__ = ["reader_gone", "run_command"]


def run_command(
    command: Callable[[], Coroutine[Any, Any, int]],
    *,
    secrets: Secrets,
    flags: Mapping[str, str] | None = None,
    in_doubt_note: str | None = None,
) -> int:
    """Run `command()` in a new event loop; map what it raises to a message and exit code.

    `in_doubt_note`, for a command that creates something, says how to check
    whether it did: it is printed on Ctrl+C (the request may have reached the
    server) and after an error whose outcome is unknown.
    """
    try:
        return asyncio.run(command())
    except BrokenPipeError:
        return reader_gone()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        if in_doubt_note:
            sys.stderr.write(
                "The request may have reached the server. " + secrets.scrub(in_doubt_note) + "\n"
            )
        return EXIT_INTERRUPTED
    except (SDKError, UsageError) as exc:
        return report_error(exc, secrets=secrets, flags=flags, in_doubt_note=in_doubt_note)
    except Exception as exc:  # noqa: BLE001 (no traceback: it could carry a secret)
        return report_error(exc, secrets=secrets, flags=flags)


def reader_gone() -> int:
    """Stop quietly when stdout's reader went away (`| head`), and keep Python from
    complaining when it flushes stdout at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    return EXIT_OK
