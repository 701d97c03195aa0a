"""The sandbox on the command line: `--sandbox` runs a command against one in
process, the `sandbox` subcommand serves one on a socket until Ctrl+C."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import attrs

from ._args import port_arg
from ._report import EXIT_OK, EXIT_USAGE, UsageError, report_error
from ._run import reader_gone
from ._secrets import Secrets
from ._settings import export_line

if TYPE_CHECKING:
    from .._sandbox import Sandbox

__all__ = [
    "SANDBOX_BASE_URL",
    "SANDBOX_EXTRA_HINT",
    "SandboxCommand",
    "sandbox_unavailable",
    "serve_sandbox",
    "warn_if_exposed",
]

SANDBOX_EXTRA_HINT = 'the sandbox needs the [sandbox] extra: pip install "cryptopay-async[sandbox]"'
#: The base URL shown for the in-process sandbox (never resolved: requests stay in process).
SANDBOX_BASE_URL = "http://sandbox.invalid"

S = TypeVar("S", bound="Sandbox")


@attrs.frozen
class SandboxCommand(Generic[S]):
    """One API's sandbox on its command line.

    `load` imports and builds the sandbox (an ImportError means the `[sandbox]`
    extra is missing); `demo_credentials` gives the environment variables, and
    their values, that point the command at a served sandbox, besides
    `base_url_env`.
    """

    #: The command line's name, as the banner tells to run it.
    prog: str
    #: The API's name in the subcommand's description and the banner.
    title: str
    #: The subcommand's one-line help.
    help: str
    #: The port served on by default.
    port: int
    load: Callable[[], S]
    base_url_env: str
    demo_credentials: Callable[[S], Sequence[tuple[str, str]]]
    #: The subcommand's name.
    name: str = "sandbox"

    @property
    def description(self) -> str:
        return (
            f"Serve the {self.title} sandbox (demo data, demo credentials) on a socket "
            "until Ctrl+C, and print the lines that point this command at it."
        )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The subcommand's flags: where to listen, and whether to load the demo data."""
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (%(default)s)"
        )
        parser.add_argument(
            "--port",
            type=port_arg,
            default=self.port,
            help="port (%(default)s; 0 takes a free one)",
        )
        parser.add_argument("--empty", action="store_true", help="start without the demo data")

    def in_process(self) -> S:
        """A sandbox with the demo data, for `--sandbox`; UsageError if it cannot be imported."""
        try:
            sandbox = self.load()
        except ImportError as exc:
            raise sandbox_unavailable(exc) from None
        sandbox.seed_demo_data()
        return sandbox

    def banner(self, sandbox: S, base_url: str) -> list[str]:
        """What the subcommand prints once the sandbox listens on `base_url`."""
        return [
            f"{self.title} sandbox on {base_url} (Ctrl+C to stop)",
            f"# demo credentials: paste these lines into a shell, then run {self.prog}",
            export_line(self.base_url_env, base_url),
            *(export_line(name, value) for name, value in self.demo_credentials(sandbox)),
            f"# its HTTP controls (faults, the journal, the outside world): {base_url}/sandbox/",
        ]

    def serve(self, args: argparse.Namespace, secrets: Secrets) -> int:
        """Run the subcommand: serve a sandbox until Ctrl+C; returns the exit code."""
        return serve_sandbox(args, secrets, load=self.load, banner=self.banner)


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
