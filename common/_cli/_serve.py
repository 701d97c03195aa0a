"""The `sandbox` subcommand of both command lines, and what a sandbox run needs."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ._report import EXIT_OK, EXIT_USAGE, UsageError, report_error
from ._run import reader_gone
from ._secrets import Secrets

if TYPE_CHECKING:
    from .._sandbox import Sandbox

__all__ = ["SANDBOX_EXTRA_HINT", "sandbox_unavailable", "serve_sandbox", "warn_if_exposed"]

SANDBOX_EXTRA_HINT = 'the sandbox needs the [sandbox] extra: pip install "cryptopay-async[sandbox]"'


S = TypeVar("S", bound="Sandbox")


def serve_sandbox(
    args: argparse.Namespace,
    secrets: Secrets,
    *,
    load: Callable[[], S],
    banner: Callable[[S, str], list[str]],
) -> int:
    """The `sandbox` subcommand of both command lines: serve one until Ctrl+C.

    `load` imports and builds the sandbox (an ImportError means the extra is
    missing); `banner` gives the lines printed once it listens on its base URL.
    """
    try:
        from .._sandbox import run_server

        sandbox = load()
    except ImportError as exc:
        return report_error(sandbox_unavailable(exc), secrets=secrets)
    if not args.empty:
        sandbox.seed_demo_data()
    warn_if_exposed(args.host)
    try:
        run_server(
            sandbox.app, host=args.host, port=args.port, banner=lambda url: banner(sandbox, url)
        )
    except BrokenPipeError:
        return reader_gone()
    except OSError as exc:  # the address is taken or cannot be bound
        reason = exc.strerror or str(exc)
        sys.stderr.write(f"error: cannot listen on {args.host}:{args.port}: {reason}\n")
        return EXIT_USAGE
    return EXIT_OK


def warn_if_exposed(host: str) -> None:
    """Warn on stderr when a sandbox is about to listen beyond this machine."""
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        sys.stderr.write(
            f"warning: listening on {host}: other machines can reach the sandbox, "
            "and its demo credentials are public\n"
        )


def sandbox_unavailable(exc: ImportError) -> UsageError:
    """The usage error for a sandbox that cannot be imported."""
    missing = (exc.name or "").split(".")[0]
    if missing in ("starlette", "uvicorn"):
        return UsageError(SANDBOX_EXTRA_HINT)
    return UsageError(f"the sandbox is not available: {exc}")
