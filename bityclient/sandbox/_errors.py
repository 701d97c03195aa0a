"""The sandbox's errors: Bity's error answers, raised by the rules and written by the routes.

`ApiError` carries a status, Bity's `error` code and `error_description`;
`TastypieBadRequest` is tastypie's own 400 (`{"error": message}`).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ApiError", "TastypieBadRequest", "field_error", "unauthorized"]


class ApiError(Exception):
    """An answer in Bity's error shape: status, `error` code, `error_description`."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.headers = dict(headers or {})

    @property
    def body(self) -> dict[str, str]:
        """The JSON body, keys in the reference's order."""
        return {"error_description": self.description, "error": self.error}


class TastypieBadRequest(ApiError):
    """tastypie's own 400 (its `BadRequest`, raised inside a resource): `{"error": message}`.

    It has no `error_description` and no code: the message is all there is.
    """

    def __init__(self, message: str) -> None:
        super().__init__(400, message, message)

    @property
    def body(self) -> dict[str, str]:
        """The JSON body tastypie writes for a BadRequest."""
        return {"error": self.description}


def field_error(field: str, rule: str) -> ApiError:
    """A 400 for one field of a body: `invalid_<field>`, described as `<field>: <rule>`."""
    return ApiError(400, f"invalid_{field}", f"{field}: {rule}")


def unauthorized(error: str, description: str, challenge_error: str | None) -> ApiError:
    """A 401 with its `WWW-Authenticate: Bearer` challenge (naming the error, if given)."""
    challenge = 'Bearer realm="api"'
    if challenge_error is not None:
        challenge += f', error="{challenge_error}", error_description="{description}"'
    return ApiError(401, error, description, headers={"WWW-Authenticate": challenge})
