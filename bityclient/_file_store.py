"""`FileTokenStore`: a Bity session in a file, shared by the processes of one machine.

The token is JSON (`dump_token`), in a file only its owner may read (0600 on
POSIX, whatever the umask). A save writes a new file beside it and renames it
over the old one (`os.replace`, after `fsync`), so a reader sees the old token
or the new one, never half of either, and a crash leaves one of the two.

The lock around a refresh is an OS lock on a side file, `<name>.lock` (created
0600, never deleted: deleting a lock file lets two processes lock two different
files). On POSIX it is `fcntl.flock`, exclusive, tried without blocking and
retried until `blocking_timeout`, so the event loop never stalls and a waiting
task can be cancelled. On Windows it is `msvcrt.locking` on the lock file's
first byte, tried the same way. Either is released by the OS when its holder
dies. `flock` is advisory and may not work over NFS; keep the file on a local
disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from common import ValidationError
from common._validation import seconds

from ._errors import TokenStoreError
from ._models import Token
from ._tokens import token_from_json, token_to_json

__all__ = ["FileTokenStore", "read_token", "write_token"]

#: The longest pause between two tries of a held lock.
_MAX_PAUSE = 0.05

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _problem(what: str, exc: OSError) -> TokenStoreError:
    return TokenStoreError(f"cannot {what}: {exc.strerror or type(exc).__name__}")


def read_token(path: Path) -> Token | None:
    """The token stored in `path`, or None if there is no such file.

    TokenStoreError if the file cannot be read or does not hold a token (the
    message never shows its content).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _problem(f"read the token file {path}", exc) from None
    try:
        return token_from_json(text)
    except ValidationError:
        raise TokenStoreError(f"{path} does not hold a stored token") from None


def write_token(path: Path, token: Token) -> None:
    """Store `token` in `path`: replaced atomically, readable by its owner only (0600)."""
    text = token_to_json(token, indent=2) + "\n"
    try:
        # mkstemp: a new name for each writer, created 0600.
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _problem(f"write the token file {path}", exc) from None
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise _problem(f"write the token file {path}", exc) from None
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a folder that cannot be synced is left as is."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class FileTokenStore:
    """A Bity session in a JSON file (mode 0600), locked around refreshes with an OS lock.

    ```python
    store = FileTokenStore("~/.bity-token.json")
    async with BityClient(client_id=CLIENT_ID, token_store=store) as bity: ...
    ```

    For the processes of one machine (the `bityclient` command's `--token-file`
    uses it). The lock is a side file, `<path>.lock`; a process that waits for
    it longer than `blocking_timeout` seconds gets TokenStoreError. The file
    holds the session's tokens: keep it secret. See the module docstring for
    how it is written and locked.
    """

    def __init__(self, path: str | os.PathLike[str], *, blocking_timeout: float = 60.0) -> None:
        self._path = Path(path).expanduser()
        self._lock_path = self._path.with_name(self._path.name + ".lock")
        self._blocking_timeout = seconds("blocking_timeout", blocking_timeout)

    def __repr__(self) -> str:
        return f"<FileTokenStore path={str(self._path)!r}>"

    @property
    def path(self) -> Path:
        """The token file."""
        return self._path

    @property
    def lock_path(self) -> Path:
        """The side file the refresh lock is taken on."""
        return self._lock_path

    async def load(self) -> Token | None:
        """The token in the file, or None if there is no file; TokenStoreError if unreadable."""
        return await asyncio.to_thread(read_token, self._path)

    async def save(self, token: Token) -> None:
        """Replace the file atomically with `token` (mode 0600)."""
        await asyncio.to_thread(write_token, self._path, token)

    def lock(self) -> AbstractAsyncContextManager[None]:
        """The exclusive OS lock on `lock_path`, held around a refresh."""
        return self._locked()

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise _problem(f"open the lock file {self._lock_path}", exc) from None
        try:
            await self._acquire(fd)
            try:
                yield
            finally:
                with contextlib.suppress(OSError):  # closing the file releases it anyway
                    _unlock(fd)
        finally:
            os.close(fd)

    async def _acquire(self, fd: int) -> None:
        deadline = time.monotonic() + self._blocking_timeout
        pause = 0.001
        while True:
            try:
                if _try_lock(fd):
                    return
            except OSError as exc:
                raise _problem(f"lock {self._lock_path}", exc) from None
            if time.monotonic() >= deadline:
                raise TokenStoreError(
                    f"waited {self._blocking_timeout:g} s for the lock on {self._lock_path}: "
                    "another process holds it (refreshing the session); it is released "
                    "when that process ends"
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE)
