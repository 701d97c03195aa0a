"""How the sandbox knows who is calling: users, phone activations, OAuth tokens.

`Accounts` is the django-oauth-toolkit side of Bity's server (and its phone
sign-up): it answers the password and refresh grants at `/o/token/` and finds
the user of a request's bearer token. Pure and synchronous, like the state
that holds it.

* Tokens: refresh tokens rotate (each refresh revokes the old refresh token and
  its access token, as django-oauth-toolkit does with rotation on). A refused
  grant answers `invalid_grant` with 401, as the reference's example shows
  ("with 401 code"); an OAuth server built on oauthlib sends 400, and
  `invalid_grant_status` switches to it.
* Activation does not gate anything: a user whose phone is still pending can
  log in and trade (the sandbox has no sign-up to go with it).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ._catalogue import new_token
from ._errors import ApiError, field_error, unauthorized
from ._forms import NO_SPACE, PHONE, bearer_token, read_phone_verification
from ._records import AccessToken, Activation, RefreshToken, User
from ._render import render_token

__all__ = ["Accounts"]

_FIRST_PERSON_ID = 151515


class Accounts:
    """The users who can log in, their pending phone activations, and their tokens."""

    def __init__(
        self, *, client_id: str, access_token_lifetime: int, now: Callable[[], datetime]
    ) -> None:
        self.client_id = client_id
        self.now = now
        self.access_token_lifetime = access_token_lifetime
        self.invalid_grant_status = 401
        self.users: dict[str, User] = {}
        self.activations: dict[str, Activation] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.tokens_issued = 0
        self.refreshes = 0
        self._next_person = _FIRST_PERSON_ID

    # --- users ---------------------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> User:
        """A user who can log in (replacing the password if the username exists)."""
        if not isinstance(username, str) or not NO_SPACE.fullmatch(username):
            raise ValueError(f"username must be non-empty text without spaces, got {username!r}")
        if not isinstance(password, str) or not password:
            raise ValueError("password must be non-empty text")
        user = self.users.get(username)
        if user is None:
            user = User(username, password, self._next_person)
            self._next_person += 1
            self.users[username] = user
        else:
            user.password = password
        return user

    def register_phone(self, phone: str, code: str | None = None) -> str:
        """A pending activation for `phone`; returns the code "sent by SMS"."""
        if not isinstance(phone, str) or not PHONE.fullmatch(phone):
            raise ValueError(f"phone must be '+' and 7 to 15 digits, got {phone!r}")
        if code is None:
            code = f"{secrets.randbelow(1_000_000):06d}"
        if not isinstance(code, str) or not NO_SPACE.fullmatch(code):
            raise ValueError("code must be non-empty text without spaces")
        self.activations[phone] = Activation(code)
        return code

    def verify_phone(self, body: Any) -> dict[str, Any]:
        """`POST /user_signup/verifyphone/`: `{"activated": true}` for the right code."""
        phone, code = read_phone_verification(body)
        activation = self.activations.get(phone)
        if activation is None:
            raise field_error("phone", "no activation is pending for this phone number.")
        if not secrets.compare_digest(code.encode(), activation.code.encode()):
            raise field_error("code", "the code is not valid for this phone number.")
        activation.activated = True
        return {"activated": True}

    # --- OAuth ---------------------------------------------------------------------------------

    def grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        """`POST /o/token/`: the password or the refresh grant."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise ApiError(400, "invalid_request", "Request is missing grant type.")
        if grant_type not in ("password", "refresh_token"):
            raise ApiError(
                400, "unsupported_grant_type", f"Grant type {grant_type!r} is not supported."
            )
        client_id = form.get("client_id")
        if not client_id or not secrets.compare_digest(client_id.encode(), self.client_id.encode()):
            raise ApiError(401, "invalid_client", "Client authentication failed.")
        if grant_type == "password":
            return self._password_grant(form)
        return self._refresh_grant(form)

    def _invalid_grant(self, description: str) -> ApiError:
        return ApiError(self.invalid_grant_status, "invalid_grant", description)

    def _password_grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        username, password = form.get("username"), form.get("password")
        if not username:
            raise ApiError(400, "invalid_request", "Request is missing username parameter.")
        if not password:
            raise ApiError(400, "invalid_request", "Request is missing password parameter.")
        user = self.users.get(username)
        if user is None or not secrets.compare_digest(password.encode(), user.password.encode()):
            raise self._invalid_grant("Invalid credentials given.")
        return self._issue(user.username)

    def _refresh_grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise ApiError(400, "invalid_request", "Missing refresh token parameter.")
        record = self.refresh_tokens.pop(refresh_token, None)
        if record is None:
            raise self._invalid_grant("Invalid refresh token.")
        self.access_tokens.pop(record.access_token, None)  # rotation revokes both
        self.refreshes += 1
        return self._issue(record.username)

    def _issue(self, username: str) -> dict[str, Any]:
        access, refresh = new_token(), new_token()
        lifetime = self.access_token_lifetime
        self.access_tokens[access] = AccessToken(username, self.now() + timedelta(seconds=lifetime))
        self.refresh_tokens[refresh] = RefreshToken(username, access)
        self.tokens_issued += 1
        return render_token(access, lifetime, refresh)

    def authenticate(self, authorization: str | None) -> User:
        """The user of a request's `Authorization: Bearer` header, or a 401."""
        token = bearer_token(authorization)
        record = self.access_tokens.get(token)
        if record is None:
            raise unauthorized("invalid_token", "The access token is invalid.", "invalid_token")
        if record.expired or self.now() >= record.expires_at:
            raise unauthorized("invalid_token", "The access token has expired.", "invalid_token")
        return self.users[record.username]

    def expire_tokens(self) -> int:
        """Every access token issued so far expires now; returns how many there were."""
        for record in self.access_tokens.values():
            record.expired = True
        return len(self.access_tokens)

    def revoke_session(self) -> int:
        """Every access and refresh token becomes invalid; returns how many refresh tokens."""
        count = len(self.refresh_tokens)
        self.access_tokens.clear()
        self.refresh_tokens.clear()
        return count
