"""Settings from flags and the environment, and the shell lines that set them."""

from __future__ import annotations

import argparse
import os
import shlex
from collections.abc import Sequence
from typing import Any

import attrs

from .._retry import RetryPolicy
from .._transport import DEFAULT_TIMEOUT
from ._report import UsageError

__all__ = [
    "Setting",
    "add_credentials",
    "client_options",
    "dest_of",
    "export_line",
    "retry_policy",
    "setting",
]


def setting(flag_value: str | None, env: str) -> str | None:
    """A flag's value if given, else the environment variable `env` (empty counts as unset)."""
    if flag_value is not None:
        return flag_value
    return os.environ.get(env) or None


def dest_of(flag: str) -> str:
    """Where argparse stores the value of the long `flag`: `--api-key` -> `api_key`."""
    return flag.removeprefix("--").replace("-", "_")


def export_line(name: str, value: str) -> str:
    """A shell line that sets `name` to `value`, quoted for POSIX shells."""
    return f"export {name}={shlex.quote(value)}"


@attrs.frozen
class Setting:
    """A credential or connection setting: a flag, else an environment variable.

    `what` names it in the message when it is missing; with `secret` its value,
    from either place, is masked in every message.
    """

    flag: str
    env: str
    metavar: str
    help: str
    what: str = ""
    secret: bool = False

    @property
    def dest(self) -> str:
        """The attribute argparse stores the flag's value in: `--api-key` -> `api_key`."""
        return dest_of(self.flag)

    def value(self, args: argparse.Namespace) -> str | None:
        """The flag's value if given, else the environment variable's (empty counts as unset)."""
        return setting(getattr(args, self.dest), self.env)

    def missing(self) -> UsageError:
        """The usage error for a setting a command needs and did not get."""
        return UsageError(f"missing {self.what}: set {self.env} or pass {self.flag}")

    def required(self, args: argparse.Namespace) -> str:
        """The setting's value; its `missing()` error if there is none."""
        value = self.value(args)
        if value is None:
            raise self.missing()
        return value


def add_credentials(
    parser: argparse.ArgumentParser, settings: Sequence[Setting], *, suppress: bool
) -> None:
    """The flags of `settings`, in one group, on `parser`.

    On the subcommands (`suppress=True`) a flag left out does not override the
    value given before the subcommand's name.
    """
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("credentials (the environment variables are preferred)")
    for item in settings:
        group.add_argument(item.flag, default=default, metavar=item.metavar, help=item.help)


def retry_policy(retries: int | None) -> RetryPolicy | None:
    """The RetryPolicy for `--retries`, or None for the SDK's default."""
    return None if retries is None else RetryPolicy(max_retries=retries)


def client_options(args: argparse.Namespace) -> dict[str, Any]:
    """The client's `retry` and `timeout`, from `--retries` and `--timeout`."""
    return {
        "retry": retry_policy(args.retries),
        "timeout": DEFAULT_TIMEOUT if args.timeout is None else args.timeout,
    }
