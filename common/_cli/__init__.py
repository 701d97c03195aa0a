"""What the `bitexgate` and `bityclient` command lines share.

Both are thin layers over the async clients, for poking an API from a shell: one
subcommand per endpoint, the answer printed as JSON (the default) or, with
`--table`, as aligned columns for people: a code shown as its value with its
name beside it (`5 CONFIRMED`), a list's default set of columns (`--columns`
picks others, or all), lines that fit the terminal, or 120 characters when
stdout is not one (`--width`), longer values cut with an ellipsis. This
package holds what does not depend on either API: argument types, output, the
JSON form of models, credentials from the environment, and the mapping from SDK
errors to messages and exit codes.

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

This package is the one place both command lines import from; its modules hold
one concern each: `_args` (argument types), `_parser` (parsers and the options
every subcommand takes), `_settings` (flags and environment variables), `_secrets`
(masking), `_output` (JSON, and what people read), `_table` (tables that fit a
width), `_report` (exit codes and error messages), `_run` (running a command),
`_serve` (the sandbox on the command line) and `_main` (the course of a
command's `main()`).
"""

from __future__ import annotations

from ._args import (
    columns_arg,
    decimal_arg,
    enum_arg,
    enum_choices,
    non_negative_int_arg,
    port_arg,
    positive_float_arg,
    positive_int_arg,
)
from ._main import run_main
from ._output import (
    ALL_COLUMNS,
    DEFAULT_WIDTH,
    Output,
    display_enum,
    render_record,
    render_table,
    to_json_text,
    to_jsonable,
)
from ._parser import (
    ArgumentParser,
    CommandGroup,
    CommandTree,
    Handler,
    Paging,
    add_global_options,
    flag_map,
    join_dash_values,
    parse_args,
)
from ._report import (
    EXIT_API_ERROR,
    EXIT_CODES_HELP,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TRANSPORT,
    EXIT_USAGE,
    UsageError,
    error_lines,
    report_error,
)
from ._run import run_command
from ._secrets import Secrets, secret_flag_values
from ._serve import (
    SANDBOX_BASE_URL,
    SANDBOX_EXTRA_HINT,
    SandboxCommand,
    sandbox_unavailable,
    serve_sandbox,
    warn_if_exposed,
)
from ._settings import (
    Setting,
    add_credentials,
    client_options,
    export_line,
    retry_policy,
    setting,
)

__all__ = [
    "ALL_COLUMNS",
    "DEFAULT_WIDTH",
    "EXIT_API_ERROR",
    "EXIT_CODES_HELP",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "SANDBOX_BASE_URL",
    "SANDBOX_EXTRA_HINT",
    "ArgumentParser",
    "CommandGroup",
    "CommandTree",
    "Handler",
    "Output",
    "Paging",
    "SandboxCommand",
    "Secrets",
    "Setting",
    "UsageError",
    "add_credentials",
    "add_global_options",
    "client_options",
    "columns_arg",
    "decimal_arg",
    "display_enum",
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
    "run_main",
    "sandbox_unavailable",
    "secret_flag_values",
    "serve_sandbox",
    "setting",
    "to_json_text",
    "to_jsonable",
    "warn_if_exposed",
]
