"""What the `bitexgate` and `bityclient` command lines share.

Both are thin layers over the async clients, for poking an API from a shell: one
subcommand per endpoint, the answer printed as JSON (the default) or, with
`--table`, as aligned columns. This module holds what does not depend on either
API: argument types, output, the JSON form of models, credentials from the
environment, and the mapping from SDK errors to messages and exit codes.

Exit codes:

    0    success
    1    the API answered with an error status (4xx/5xx), or its answer could not
         be decoded
    2    usage: a bad flag or value, missing credentials, or input the SDK refused
         before sending anything (ValidationError)
    3    transport: the connection failed, timed out or broke mid-request
    130  interrupted (Ctrl+C)

Data goes to stdout, messages to stderr. When a request that creates something
(a wallet, an invoice, a withdrawal, an order, a token) may have reached the
server without an answer, the message says OUTCOME UNKNOWN and how to check.

Secrets (API secret, password, tokens) are never printed: they are not argparse
defaults (help names the environment variable, never its value), no traceback is
shown, and every message written to stderr has the known secrets masked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import enum
import http
import io
import ipaddress
import json
import os
import shlex
import sys
from collections.abc import AsyncIterable, Callable, Coroutine, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO, TypeVar
from urllib.parse import quote, quote_plus, urlsplit

import attrs

from ._errors import (
    APIStatusError,
    RateLimitError,
    SDKError,
    TransportError,
    ValidationError,
)
from ._responses import describe_error_body
from ._retry import RetryPolicy
from ._validation import decimal_value

if TYPE_CHECKING:
    from ._sandbox import Sandbox

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "SANDBOX_EXTRA_HINT",
    "ArgumentParser",
    "Output",
    "Secrets",
    "UsageError",
    "add_global_options",
    "decimal_arg",
    "enum_arg",
    "enum_choices",
    "error_lines",
    "export_line",
    "flag_map",
    "join_dash_values",
    "non_negative_int_arg",
    "parse_args",
    "port_arg",
    "positive_float_arg",
    "positive_int_arg",
    "render_record",
    "render_table",
    "report_error",
    "retry_policy",
    "run_command",
    "sandbox_unavailable",
    "secret_flag_values",
    "setting",
    "to_jsonable",
    "to_json_text",
    "warn_if_exposed",
]

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3
EXIT_INTERRUPTED = 130

SANDBOX_EXTRA_HINT = 'the sandbox needs the [sandbox] extra: pip install "cryptopay-async[sandbox]"'

#: Secrets shorter than this are not masked: masking "ab" would garble every message.
_MIN_SECRET = 4
_MASK = "***"
#: How much of a nested object a table cell shows.
_SUMMARY_WIDTH = 60
_MAX_PORT = 65535

E = TypeVar("E", bound=enum.Enum)


class UsageError(Exception):
    """Bad command-line input or missing credentials (exit 2); nothing was sent."""


# --- secrets -----------------------------------------------------------------------------------


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


#: The exit codes, as both commands' `--help` lists them.
EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    the API answered with an error status, or with an answer that does not decode
  2    usage: a bad flag or value, missing credentials, input refused before sending
  3    transport: no connection, a timeout, a connection broken mid-request
  130  interrupted (Ctrl+C)
"""


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


def setting(flag_value: str | None, env: str) -> str | None:
    """A flag's value if given, else the environment variable `env` (empty counts as unset)."""
    if flag_value is not None:
        return flag_value
    return os.environ.get(env) or None


def export_line(name: str, value: str) -> str:
    """A shell line that sets `name` to `value`, quoted for POSIX shells."""
    return f"export {name}={shlex.quote(value)}"


# --- argument types ----------------------------------------------------------------------------


def decimal_arg(text: str) -> Decimal:
    """An exact decimal number (`120`, `0.5`), as the SDK takes one; argparse names the flag."""
    try:
        return decimal_value("value", text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.rule) from None


def positive_int_arg(text: str) -> int:
    """An int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int_arg(text: str) -> int:
    """An int >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def port_arg(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    value = non_negative_int_arg(text)
    if value > _MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_PORT}, got {value}")
    return value


def positive_float_arg(text: str) -> float:
    """A number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def enum_choices(enum_cls: type[enum.Enum]) -> str:
    """The members of `enum_cls` as help text: `PENDING (1), CONFIRMED (5)` or `BUY, SELL`."""
    if issubclass(enum_cls, int):
        return ", ".join(f"{m.name} ({m.value})" for m in enum_cls)
    return ", ".join(m.name for m in enum_cls)


def enum_arg(enum_cls: type[E]) -> Callable[[str], E]:
    """An argument type for a code table: a member's name (any case) or value.

    The SDK's enums keep codes the documentation does not list, so a value that
    is not listed (a number for an int table, any text for a text table) is
    passed on and the server decides.
    """

    def parse(text: str) -> E:
        wanted = text.strip()
        for member in enum_cls:
            if wanted.lower() in (member.name.lower(), str(member.value).lower()):
                return member
        try:
            if issubclass(enum_cls, int):
                return enum_cls(int(wanted))
            if wanted:
                return enum_cls(wanted)
        except ValueError:
            pass
        raise argparse.ArgumentTypeError(
            f"expected one of {enum_choices(enum_cls)}, got {text!r}"
        ) from None

    parse.__name__ = enum_cls.__name__
    return parse


# --- parsers -----------------------------------------------------------------------------------


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


def retry_policy(retries: int | None) -> RetryPolicy | None:
    """The RetryPolicy for `--retries`, or None for the SDK's default."""
    return None if retries is None else RetryPolicy(max_retries=retries)


# --- JSON and tables ---------------------------------------------------------------------------


def to_jsonable(value: Any, *, display: bool = False) -> Any:
    """`value` as plain JSON data: attrs models as dicts of their fields (by field name),
    Decimal as an exact string in plain notation (never a float), enums as their value,
    datetimes in ISO 8601.

    With `display` (for tables, read by people) enums are shown by name and datetimes
    to the second.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        known = value.name in type(value).__members__
        return value.name if display and known else to_jsonable(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")  # exact digits, no exponent: "0.00000000", not "0E-8"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds") if display else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value
    if attrs.has(type(value)):
        return {
            f.name: to_jsonable(getattr(value, f.name), display=display)
            for f in attrs.fields(type(value))
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, display=display) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v, display=display) for v in value]
    return str(value)


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


# --- errors ------------------------------------------------------------------------------------


def _where(method: str | None, url: str | None) -> str:
    if not url:
        return method or "the request"
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{method} {path}" if method else path


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _outcome_lines(exc: SDKError) -> list[str]:
    if not exc.outcome_unknown:
        return []
    lines = [
        "!!! OUTCOME UNKNOWN: the server may have processed this request. It was NOT retried.",
        "!!! Check its state before sending it again.",
    ]
    if exc.hint:
        lines.append(f"!!! {exc.hint}")
    return lines


def _body_text(exc: APIStatusError) -> str:
    if exc.body is not None:
        return json.dumps(to_jsonable(exc.body), ensure_ascii=False)
    text = exc.text.strip()
    return text if len(text) <= 500 else text[:500] + "..."


def error_lines(exc: SDKError, flags: Mapping[str, str] | None = None) -> tuple[int, list[str]]:
    """The exit code and the stderr lines for an SDK error (secrets not yet masked)."""
    if isinstance(exc, ValidationError):
        name = (flags or {}).get(exc.field, exc.field)
        return EXIT_USAGE, [f"error: invalid {name}: {exc.rule} (nothing was sent)"]
    if isinstance(exc, APIStatusError):
        reason = _reason(exc.status_code)
        lines = [
            f"error: HTTP {exc.status_code}{' ' + reason if reason else ''} "
            f"from {_where(exc.method, exc.url)}"
        ]
        fields = exc.field_errors
        if fields:
            lines.extend(f"  {name}: {' '.join(messages)}" for name, messages in fields.items())
        else:
            lines.append(f"  {describe_error_body(exc.body, exc.text)}")
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            lines.append(f"  retry after {exc.retry_after:g} s")
        lines.append(f"  body: {_body_text(exc)}")
        if exc.status_code == 401:
            lines.append("  (check the credentials: key, secret, client id, password or token)")
        return EXIT_API_ERROR, lines + _outcome_lines(exc)
    if isinstance(exc, TransportError):
        return EXIT_TRANSPORT, [f"error: {exc.message}", *_outcome_lines(exc)]
    # DecodeError, PaginationError, and the errors a client adds to the tree.
    return EXIT_API_ERROR, [f"error: {exc.message}", *_outcome_lines(exc)]


def report_error(
    exc: BaseException,
    *,
    secrets: Secrets,
    flags: Mapping[str, str] | None = None,
    in_doubt_note: str | None = None,
    stream: TextIO | None = None,
) -> int:
    """Print `exc` to stderr (secrets masked, never a traceback); returns the exit code.

    `in_doubt_note` (how to check from the command line) ends the message of an
    error whose outcome is unknown.
    """
    if isinstance(exc, SDKError):
        code, lines = error_lines(exc, flags)
        if exc.outcome_unknown and in_doubt_note:
            lines.append(f"!!! {in_doubt_note}")
    elif isinstance(exc, UsageError):
        code, lines = EXIT_USAGE, [f"error: {exc}"]
    else:
        code, lines = EXIT_API_ERROR, [f"error: unexpected {type(exc).__name__}: {exc}"]
    out = stream if stream is not None else sys.stderr
    for line in lines:
        out.write(secrets.scrub(line) + "\n")
    out.flush()
    return code


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
        return _reader_gone()
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


def _reader_gone() -> int:
    """Stop quietly when stdout's reader went away (`| head`), and keep Python from
    complaining when it flushes stdout at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    return EXIT_OK


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
        from ._sandbox import run_server

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
        return _reader_gone()
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
