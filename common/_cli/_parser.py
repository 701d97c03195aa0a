"""The parsers: no abbreviated flags, the options every subcommand takes, the
tree of subcommands and the paging flags of lists, parsing with masked complaints,
and the map from destinations back to flags."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .._version import __version__
from ._args import columns_arg, non_negative_int_arg, positive_float_arg, positive_int_arg
from ._output import DEFAULT_WIDTH, Output
from ._report import EXIT_CODES_HELP, EXIT_USAGE
from ._secrets import Secrets
from ._settings import Setting, add_credentials, dest_of

if TYPE_CHECKING:
    from ._serve import SandboxCommand

__all__ = [
    "ArgumentParser",
    "CommandGroup",
    "CommandTree",
    "Handler",
    "Paging",
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
        "--columns",
        type=columns_arg,
        default=default(None),
        metavar="NAMES",
        help="with --table: the columns to show, separated by commas, or all (default: a "
        "set chosen for each list)",
    )
    group.add_argument(
        "--width",
        type=non_negative_int_arg,
        default=default(None),
        metavar="N",
        help="with --table: cut values so that lines fit in N characters, 0 for no limit "
        f"(default: the terminal's width, or {DEFAULT_WIDTH} when not a terminal; no limit "
        "with --columns all)",
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


C = TypeVar("C")

#: What a subcommand runs: an async function of the client, the parsed arguments and
#: the output.
Handler = Callable[[C, argparse.Namespace, Output], Awaitable[None]]


class CommandGroup:
    """The subcommands under one name (`wallets create`, `wallets list`), or at the top."""

    def __init__(
        self, actions: Any, credentials: Sequence[Setting], defaults: Mapping[str, Any]
    ) -> None:
        self._actions = actions  # argparse's subparsers action
        self._credentials = credentials
        self._defaults = defaults

    def command(
        self,
        name: str,
        handler: Handler[Any] | None,
        help: str,
        *,
        creates: str | None = None,
        **defaults: Any,
    ) -> ArgumentParser:
        """Add the subcommand `name`, which runs `handler` (None for a command its
        command line runs by itself, like `login`).

        It takes the global options and the credentials too. `creates` names the
        command that lists what it creates, to check after an outcome in doubt;
        `defaults` are set on the parsed arguments besides `handler` and `creates`.
        """
        sub: ArgumentParser = self._actions.add_parser(
            name,
            help=help,
            description=help,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_global_options(sub, suppress=True)
        add_credentials(sub, self._credentials, suppress=True)
        sub.set_defaults(**{**self._defaults, "handler": handler, "creates": creates, **defaults})
        return sub


class CommandTree(CommandGroup):
    """A command line's parser: `--version`, the global options and the credentials, then
    one subcommand per endpoint, alone (`login`) or in a group (`wallets create`).

    `defaults` are set on the parsed arguments of every subcommand.
    """

    def __init__(
        self,
        *,
        prog: str,
        description: str,
        credentials: Sequence[Setting],
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self.parser = ArgumentParser(
            prog=prog,
            description=description,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        self.parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
        add_global_options(self.parser, suppress=False)
        add_credentials(self.parser, credentials, suppress=False)
        top = self.parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
        super().__init__(top, tuple(credentials), dict(defaults or {}))

    def group(self, name: str, help: str) -> CommandGroup:
        """Add the group of subcommands `name`."""
        sub = self._actions.add_parser(name, help=help, description=help)
        actions = sub.add_subparsers(dest="command", metavar="ACTION", required=True)
        return CommandGroup(actions, self._credentials, self._defaults)

    def sandbox(self, sandbox: SandboxCommand[Any]) -> ArgumentParser:
        """Add the `sandbox` subcommand, which serves `sandbox` on a socket."""
        sub: ArgumentParser = self._actions.add_parser(
            sandbox.name, help=sandbox.help, description=sandbox.description
        )
        sandbox.add_arguments(sub)
        return sub


@attrs.frozen
class Paging:
    """How an API's lists are ordered and paged on the command line: its ordering flag
    (`--ordering`, `--order-by`), `--page-size` and `--max-items`.

    The ordering flag's destination is also the name of the list methods' keyword.
    """

    order_flag: str
    order_metavar: str
    order_help: str

    @property
    def order_dest(self) -> str:
        return dest_of(self.order_flag)

    def add_order(self, parser: argparse.ArgumentParser) -> None:
        """Add the ordering flag alone (a list that is not paged)."""
        parser.add_argument(self.order_flag, metavar=self.order_metavar, help=self.order_help)

    def add(self, parser: argparse.ArgumentParser) -> None:
        """Add the ordering flag, `--page-size` and `--max-items`."""
        self.add_order(parser)
        parser.add_argument(
            "--page-size",
            type=positive_int_arg,
            metavar="N",
            help="items per page (the API's limit)",
        )
        parser.add_argument(
            "--max-items", type=positive_int_arg, metavar="N", help="stop after N items"
        )

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """The ordering and paging keywords of a list method, from the parsed arguments."""
        return {
            self.order_dest: getattr(args, self.order_dest),
            "page_size": args.page_size,
            "max_items": args.max_items,
        }


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
