"""The token file: a session kept between runs, readable by its owner only."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common import ValidationError
from common._cli import UsageError

from .._models import Token
from .._tokens import dump_token, load_token

__all__ = ["is_usable", "read_token_file", "token_facts", "write_token_file"]


def read_token_file(path: Path) -> Token | None:
    """The token stored in `path`, or None if there is no such file.

    UsageError if the file cannot be read or does not hold a token. Warns (on
    stderr) when other users may read it.
    """
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    problem = UsageError(
        f"{path} does not hold a stored token: replace it with "
        f"`bityclient login --token-file {path}`"
    )
    try:
        data = json.loads(text)
    except ValueError:
        raise problem from None
    if not isinstance(data, dict):
        raise problem
    try:
        token = load_token(data)
    except ValidationError:
        raise problem from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        sys.stderr.write(f"warning: other users may read the token file {path}: chmod 600 it\n")
    return token


def write_token_file(path: Path, token: Token) -> None:
    """Store `token` in `path` (replaced atomically), readable by its owner only (0600)."""
    text = json.dumps(dump_token(token), indent=2) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # whatever the umask
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                fd = -1
                handle.write(text)
        finally:
            if fd != -1:
                os.close(fd)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise UsageError(f"cannot write the token file {path}: {exc.strerror or exc}") from None


def is_usable(token: Token) -> bool:
    """Whether `token` can still serve: unexpired, or renewable with its refresh token."""
    return bool(token.refresh_token) or not token.is_expired()


def token_facts(token: Token, path: Path | None) -> dict[str, Any]:
    """What may be shown of a token: everything but the tokens themselves."""
    expires_in = None
    if token.expires_at is not None:
        seconds = (token.expires_at - datetime.now(timezone.utc)).total_seconds()
        expires_in = max(0, int(seconds))
    return {
        "logged_in": True,
        "token_type": token.token_type,
        "scope": token.scope,
        "expires_at": token.expires_at,
        "expires_in": expires_in,
        "has_refresh_token": bool(token.refresh_token),
        "token_file": None if path is None else str(path),
    }
