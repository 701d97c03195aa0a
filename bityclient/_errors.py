"""The errors Bity's OAuth session adds to the shared tree.

```
SDKError
├── LoginRequiredError ............ no token at all: call login() first (nothing was sent)
├── TokenStoreError ............... the token store (a file, Redis) failed: nothing was sent
└── APIStatusError
    └── AuthenticationError
        └── SessionExpiredError ... the refresh was refused, or a 401 came with no
                                    refresh token to renew it: log in again
```
"""

from __future__ import annotations

from common import APIStatusError, AuthenticationError, SDKError

__all__ = ["LoginRequiredError", "SessionExpiredError", "TokenStoreError"]

LOG_IN_AGAIN = "The session must log in again: call `await client.login(...)`."


class LoginRequiredError(SDKError):
    """An endpoint that needs a token was called with none; the request was not sent."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "This endpoint needs a token and the client has none: call "
            "`await client.login(username=..., password=...)` first, or pass `token=`."
        )


class SessionExpiredError(AuthenticationError):
    """The session cannot be renewed: the refresh token was refused (`invalid_grant`)
    or a 401 arrived with no refresh token. Log in again; the SDK will not retry.
    """

    @classmethod
    def from_status_error(cls, error: APIStatusError, reason: str) -> SessionExpiredError:
        """This error with the status, body and request of `error`, and `reason` first."""
        return cls(f"{reason}: {error.message} {LOG_IN_AGAIN}", **error.status_fields())

    def again(self) -> SessionExpiredError:
        """A fresh copy, raised to each caller that finds the session already ended."""
        return SessionExpiredError(self.message, **self.status_fields())


class TokenStoreError(SDKError):
    """The token store failed: it could not be reached, refused a command, timed out,
    holds something that is not a token, or its refresh lock could not be taken in time.

    Raised before anything is sent to Bity: a token is never refreshed without the
    store's lock and a fresh look at the stored token, since another process may
    have rotated it already. Try again once the store is back. A token renewed by
    this client that the store could not save is still used by it (the message says
    so), and saved again at its next refresh. The message names the store (a path,
    a key), never a token, a password or a connection URL.
    """
