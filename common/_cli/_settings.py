"""Settings from flags and the environment, and the shell lines that set them."""

from __future__ import annotations

import os
import shlex

from .._retry import RetryPolicy

__all__ = ["export_line", "retry_policy", "setting"]


def setting(flag_value: str | None, env: str) -> str | None:
    """A flag's value if given, else the environment variable `env` (empty counts as unset)."""
    if flag_value is not None:
        return flag_value
    return os.environ.get(env) or None


def export_line(name: str, value: str) -> str:
    """A shell line that sets `name` to `value`, quoted for POSIX shells."""
    return f"export {name}={shlex.quote(value)}"


def retry_policy(retries: int | None) -> RetryPolicy | None:
    """The RetryPolicy for `--retries`, or None for the SDK's default."""
    return None if retries is None else RetryPolicy(max_retries=retries)
