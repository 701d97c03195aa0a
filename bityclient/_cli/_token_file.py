"""The token file: a session kept between runs, readable by its owner only.

The file itself is `FileTokenStore`'s (`bityclient._file_store`): JSON, mode
0600, replaced atomically, locked around refreshes. Here: what the command
line adds, its errors as usage errors and a warning when others may read it.
"""

from __future__ import annotations

import os
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common._cli import UsageError

from .._errors import TokenStoreError
from .._file_store import read_token, write_token
from .._models import Token

__all__ = ["is_usable", "read_token_file", "token_facts", "usage_error", "write_token_file"]


def usage_error(exc: TokenStoreError, path: Path) -> UsageError:
    """The usage error of a token file that cannot be read, written or locked."""
    return UsageError(
        f"{exc.message} (`bityclient login --token-file {path}` writes a new session there)"
    )


def read_token_file(path: Path) -> Token | None:
    """The token stored in `path`, or None if there is no such file.

    UsageError if the file cannot be read or does not hold a token. Warns (on
    stderr) when other users may read it.
    """
    try:
        token = read_token(path)
    except TokenStoreError as exc:
        raise usage_error(exc, path) from None
    if token is not None and os.name == "posix":
        try:
            mode = path.stat().st_mode
        except OSError:
            return token
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            sys.stderr.write(f"warning: other users may read the token file {path}: chmod 600 it\n")
    return token


def write_token_file(path: Path, token: Token) -> None:
    """Store `token` in `path` (replaced atomically), readable by its owner only (0600)."""
    try:
        write_token(path, token)
    except TokenStoreError as exc:
        raise usage_error(exc, path) from None


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
