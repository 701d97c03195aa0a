"""`BitySandbox`: the Bity v1 API in-process, for tests, demos and local work.

The public class and its controls. The rules live in `_state.py` (rates and
orders) and `_auth.py` (users and tokens), the HTTP face in `_app.py` and
`_control_routes.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from common._sandbox import Sandbox, control_routes

from .._grants import utcnow
from ._app import api_routes, build_app
from ._catalogue import DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_USERNAME
from ._control_routes import control_api
from ._demo import seed
from ._forms import positive_int
from ._http import error_body
from ._state import BityState

__all__ = ["BitySandbox"]


class BitySandbox(Sandbox):
    """An embedded, stateful Bity v1 server for tests, demos and local development.

    ```python
    sandbox = BitySandbox()
    async with BityClient(client_id=sandbox.client_id, transport=sandbox.transport(),
                          base_url="http://bity.sandbox") as bity:
        await bity.login(username=sandbox.username, password=sandbox.password)
    ```

    It serves `/o/token/`, `/api/v1/user_signup/verifyphone/`, `/api/v1/rate2/`,
    `/api/v1/rate_we_sell/{PAIR}/`, `/api/v1/rate_we_buy/{PAIR}/` and
    `/api/v1/order/` as the reference documents them, with the journal of
    requests and fault injection both sandboxes share (`requests`,
    `requests_to`, `fail_next`, `delay_next`), and control routes under
    `/sandbox/` (the `bityclient.sandbox` package lists them). Where the
    reference is silent it answers as Bity's stack would: the OAuth form as
    oauthlib reads it, a wrong combination of order fields (by the reference's
    order summary) as a 400 naming the field, lists as tastypie pages.

    The demo user (`username`, `password`) exists from the start; if the username
    is a phone number, its activation is pending with `DEMO_PHONE_CODE`.

    Like `GatewaySandbox`, it can be used in `async with` and closed with
    `aclose()` (it holds nothing to release today; code written that way keeps
    working if it ever does).
    """

    def __init__(
        self,
        *,
        client_id: str = DEMO_CLIENT_ID,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        access_token_lifetime: int = 36000,
        default_page_size: int = 5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(error_body=error_body, epoch_clock=lambda: clock().timestamp())
        self._client_id = client_id
        self._username = username
        self._password = password
        self._initial_lifetime = positive_int(
            "access_token_lifetime", access_token_lifetime, minimum=0
        )
        self._initial_page_size = positive_int("default_page_size", default_page_size)
        self._clock = clock
        self._state = self._new_state()
        self._page_size = self._initial_page_size
        routes = [*api_routes(self), *control_routes(self), *control_api(self)]
        self.app = self.wrap(build_app(routes))

    def __repr__(self) -> str:
        return f"<BitySandbox client_id={self._client_id!r} username={self._username!r}>"

    def _new_state(self) -> BityState:
        return BityState(
            client_id=self._client_id,
            username=self._username,
            password=self._password,
            access_token_lifetime=self._initial_lifetime,
            clock=self._clock,
        )

    # --- the demo account and settings ---------------------------------------------------------

    @property
    def client_id(self) -> str:
        """The one OAuth client id the token endpoint accepts."""
        return self._client_id

    @property
    def username(self) -> str:
        """The demo user's username (a phone number by default)."""
        return self._username

    @property
    def password(self) -> str:
        """The demo user's password."""
        return self._password

    @property
    def state(self) -> BityState:
        """The records and rules the sandbox serves, for a test that needs more than the controls.

        `reset()` replaces it: read it again after a reset.
        """
        return self._state

    @property
    def access_token_lifetime(self) -> int:
        """Seconds an access token lives; grants answer it as `expires_in`. Settable."""
        return self._state.accounts.access_token_lifetime

    @access_token_lifetime.setter
    def access_token_lifetime(self, seconds: int) -> None:
        self._state.accounts.access_token_lifetime = positive_int(
            "access_token_lifetime", seconds, minimum=0
        )

    @property
    def default_page_size(self) -> int:
        """The `limit` of an order list that asks for none (the reference: 5). Settable."""
        return self._page_size

    @default_page_size.setter
    def default_page_size(self, size: int) -> None:
        self._page_size = positive_int("default_page_size", size)

    @property
    def invalid_grant_status(self) -> int:
        """The status of an `invalid_grant` answer: 401 (the reference) or 400 (oauthlib)."""
        return self._state.accounts.invalid_grant_status

    @invalid_grant_status.setter
    def invalid_grant_status(self, status: int) -> None:
        if status not in (400, 401):
            raise ValueError(f"invalid_grant_status must be 400 or 401, got {status!r}")
        self._state.accounts.invalid_grant_status = status

    @property
    def tokens_issued(self) -> int:
        """Tokens issued so far, by either grant."""
        return self._state.accounts.tokens_issued

    @property
    def refreshes(self) -> int:
        """Refresh grants answered with a new token so far."""
        return self._state.accounts.refreshes

    # --- controls ------------------------------------------------------------------------------

    def seed_demo_data(self) -> None:
        """A few orders in different states (executed, paid, open, cancelled) for the demo user."""
        seed(self._state, self._username)

    def add_user(self, username: str, password: str) -> None:
        """Another user who can log in (with orders of their own)."""
        self._state.accounts.add_user(username, password)

    def register_phone(self, phone: str, code: str | None = None) -> str:
        """A pending activation for `phone`; returns the code the "SMS" carries."""
        return self._state.accounts.register_phone(phone, code)

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (refresh tokens stay valid)."""
        self._state.accounts.expire_tokens()

    def revoke_session(self) -> None:
        """Every access and refresh token becomes invalid: the next refresh is refused."""
        self._state.accounts.revoke_session()

    def set_rate(
        self,
        pair: str,
        *,
        rate: Decimal,
        spread: Decimal = Decimal("0.01"),
        enabled: bool = True,
    ) -> None:
        """Quote `pair` at mid `rate`; Bity sells at `rate * (1 + spread)`, buys at `1 - spread`.

        The reverse pair follows (setting `EURETH` sets `ETHEUR` to the inverse).
        A disabled pair is listed with `is_enabled: false` and in `meta.disabled`,
        and is not served or traded.
        """
        self._state.set_rate(pair, rate=rate, spread=spread, enabled=enabled)

    def advance_order(self, order_id: int, *, to: str = "EXEC") -> dict[str, Any]:
        """Move an order on; returns it as `POST /order/` shows it.

        `to="CONF"`: its payment arrived (input CONF). `to="EXEC"`: executed (input
        CONF, output FILL, status EXEC). `to="CANC"`: cancelled. KeyError for an
        unknown order, ValueError if it is no longer OPEN.
        """
        return self._state.advance_order(order_id, to)

    def reset(self) -> None:
        """Back to the state at construction: users, tokens, rates, orders, settings,
        counters; the journal and the armed faults are cleared too."""
        self._state = self._new_state()
        self._page_size = self._initial_page_size
        self.clear_requests()
        self.clear_faults()
