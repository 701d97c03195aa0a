"""`GatewaySandbox`: a stateful bitexbit Gateway in-process, for tests and demos.

It answers every documented endpoint as the reference describes it, checks
signatures as strictly as the reference allows, keeps balances, and lets a test
play the outside world: deposits arriving and confirming, payers paying
invoices, withdrawals moving through their statuses.

Callbacks. The reference says only that a `callback_url` receives a `POST` and
"must return 200"; it documents neither the body nor any signature. The sandbox
posts, with `Content-Type: application/json` and no signature header, the object
exactly as the matching history endpoint shows it (a deposit as in
`wallet/history`, an invoice payment as in `invoice/history`, a withdrawal as in
`withdraw/history`):

- when a deposit arrives on a wallet (pending, or already confirmed) and when it
  is confirmed or rejected;
- when a payment arrives on an invoice and when it is confirmed or rejected;
- at every status a withdrawal passes through (not when it is created).

Each delivery is made once, awaited by the control that caused it, and recorded
in `callbacks` with the status code or the error; a non-200 answer or a failure
is recorded, never raised, and never retried. Callbacks go over the network, or,
after `deliver_callbacks_to(app)`, in-process into an app under test.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import attrs
import httpx
from starlette.types import ASGIApp

from common import encode_json
from common._sandbox import Sandbox, control_routes
from common._version import __version__

from .._enums import DepositStatus, WithdrawStatus
from ._app import build_app, gateway_routes
from ._control_routes import control_api
from ._delivery import Sender, in_process, post_callback
from ._demo import seed
from ._fields import control_amount
from ._records import Notification
from ._state import GatewayState

__all__ = ["DEMO_API_KEY", "DEMO_SECRET", "CallbackDelivery", "GatewaySandbox"]

#: The key and secret a sandbox accepts unless told otherwise. Not secret.
DEMO_API_KEY = "sandbox-0000-0000-0000"
DEMO_SECRET = "sandbox-secret-not-for-production"  # noqa: S105 - public by design

#: How long the sandbox's own client waits for a callback receiver.
CALLBACK_TIMEOUT = httpx.Timeout(5.0)
#: The headers of every callback the sandbox's own clients post (besides the JSON type).
CALLBACK_HEADERS = {"User-Agent": f"bitexgate-sandbox/{__version__}"}


@attrs.frozen
class CallbackDelivery:
    """One callback the sandbox posted: where, what, and how it went.

    `status_code` is the receiver's answer (None when there was none), `error`
    what went wrong when no answer came.
    """

    url: str
    body: bytes
    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        """Whether the receiver answered 200, as the reference requires."""
        return self.status_code == 200

    def json(self) -> Any:
        """The body, decoded (numbers with a fraction as Decimal)."""
        return json.loads(self.body, parse_float=Decimal)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as `GET /sandbox/callbacks` lists it."""
        return {
            "url": self.url,
            "body": self.body.decode("utf-8"),
            "status_code": self.status_code,
            "error": self.error,
        }


def _drf_error(status: int, message: str) -> dict[str, Any]:
    return {"detail": message}


class GatewaySandbox(Sandbox):
    """The bitexbit Gateway, in-process: serve it, or call it through `transport()`.

        sandbox = GatewaySandbox()
        async with BitexGateClient(
            api_key=sandbox.api_key, secret=sandbox.secret,
            base_url="http://sandbox", transport=sandbox.transport(),
        ) as gw:
            wallet = await gw.wallets.create(ticker="BTC", network="bitcoin")
            await sandbox.deposit(wallet.address, "0.5", confirmed=True)

    Lists are paged by `default_page_size` when the caller gives no `limit`.
    Signatures must carry an `X-Timeout` no more than `max_signature_window`
    seconds ahead. `clock` gives the time for signatures and for every
    timestamp. Callbacks are posted through `callback_client` (one of the
    sandbox's own, with a short timeout, when None): close the sandbox with
    `aclose()` or `async with`. `deliver_callbacks_to(app)` posts them
    in-process into an app under test instead.
    """

    def __init__(
        self,
        *,
        api_key: str = DEMO_API_KEY,
        secret: str = DEMO_SECRET,
        default_page_size: int = 10,
        max_signature_window: float = 60.0,
        clock: Callable[[], float] = time.time,
        callback_client: httpx.AsyncClient | None = None,
    ) -> None:
        for name, value in (("api_key", api_key), ("secret", secret)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        if isinstance(default_page_size, bool) or not isinstance(default_page_size, int):
            raise TypeError("default_page_size must be an int")
        if default_page_size < 1:
            raise ValueError(f"default_page_size must be at least 1, got {default_page_size}")
        if not max_signature_window > 0:
            raise ValueError(f"max_signature_window must be positive, got {max_signature_window}")
        super().__init__(error_body=_drf_error, epoch_clock=clock)
        self._api_key = api_key
        self._secret = secret
        self.default_page_size = default_page_size
        self.max_signature_window = float(max_signature_window)
        self._clock = clock
        self._state = GatewayState(clock=clock)
        self._callbacks: list[CallbackDelivery] = []
        self._callback_client = callback_client
        self._owns_callback_client = callback_client is None
        self._callback_app: ASGIApp | None = None
        routes = [*gateway_routes(self), *control_routes(self), *control_api(self)]
        self.app = self.wrap(build_app(routes))

    def __repr__(self) -> str:
        return f"<GatewaySandbox api_key={self._api_key!r}>"

    @property
    def api_key(self) -> str:
        """The one API key the sandbox accepts."""
        return self._api_key

    @property
    def secret(self) -> str:
        """The secret signatures must be made with."""
        return self._secret

    @property
    def clock(self) -> Callable[[], float]:
        """The clock (epoch seconds) signatures are checked and timestamps written by."""
        return self._clock

    @property
    def state(self) -> GatewayState:
        """The records and rules the sandbox serves, for a test that needs more than the controls.

        Changing it directly skips what the controls do besides (no callback is posted).
        """
        return self._state

    # -- lifetime ------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the callback client, if the sandbox made it (a later callback makes another)."""
        if self._owns_callback_client and self._callback_client is not None:
            client, self._callback_client = self._callback_client, None
            await client.aclose()

    def reset(self) -> None:
        """Forget every object, balance, callback, recorded request and armed fault."""
        self._state.reset()
        self._callbacks.clear()
        self.clear_requests()
        self.clear_faults()

    # -- balances ------------------------------------------------------------

    def set_balance(self, ticker: str, amount: Decimal | int | str) -> None:
        """Set the account's balance of `ticker` (a Decimal, an int or numeric text; >= 0)."""
        self._state.set_balance(ticker, amount)

    def balance(self, ticker: str) -> Decimal:
        """The account's balance of `ticker`: what deposits credited, less withdrawals held."""
        return self._state.balance(ticker)

    # -- the outside world ---------------------------------------------------

    async def deposit(
        self,
        address: str,
        amount: Decimal | str,
        *,
        txid: str | None = None,
        confirmed: bool = False,
    ) -> dict[str, Any]:
        """A deposit of `amount` (gross, before the method's deposit fee) arrives at `address`.

        It is PENDING until `confirm_deposit(txid)`, or CONFIRMED at once with
        `confirmed=True`; a confirmed deposit credits the balance (and is
        converted, when the wallet asks for it). Returns the deposit as
        `wallet/history` shows it. Raises LookupError for an address no wallet
        has, ValueError for an amount outside the method's deposit limits or a
        txid already used.
        """
        result, notifications = self._state.add_deposit(
            address, control_amount(amount), txid=txid, confirmed=confirmed
        )
        await self._deliver(notifications)
        return result

    async def confirm_deposit(self, txid: str) -> dict[str, Any]:
        """Confirm the pending deposit or invoice payment `txid`: its amount is credited."""
        result, notifications = self._state.settle_deposit(txid, DepositStatus.CONFIRMED)
        await self._deliver(notifications)
        return result

    async def reject_deposit(self, txid: str) -> dict[str, Any]:
        """Reject the pending deposit or invoice payment `txid`: nothing is credited."""
        result, notifications = self._state.settle_deposit(txid, DepositStatus.REJECTED)
        await self._deliver(notifications)
        return result

    async def pay_invoice(
        self, slug: str, *, amount: Decimal | str | None = None, confirmed: bool = True
    ) -> dict[str, Any]:
        """A payer pays the invoice `slug`: its amount, unless `amount` says otherwise.

        Returns the payment as `invoice/history` shows it. With `confirmed=False`
        it stays PENDING until `confirm_deposit(txid)`.
        """
        paid = None if amount is None else control_amount(amount)
        result, notifications = self._state.pay_invoice(slug, paid, confirmed=confirmed)
        await self._deliver(notifications)
        return result

    async def advance_withdrawal(
        self, withdrawal_id: int, *, to: int | WithdrawStatus | None = None
    ) -> dict[str, Any]:
        """Move a withdrawal on: one step, or through every status up to `to`.

        The way is NEW (10) -> CONFIRMED (20) -> VERIFIED (23) -> APPROVED (26) ->
        DONE (30). MODERATION (25, after VERIFIED) and SUSPENDED (27, after
        APPROVED) are reached only when `to` names them, and lead back onto the
        way; REFUSED (40) and CANCELLED (50) are reached from any status that is
        not final, and give the funds back. Each status passed through is
        posted to the callback URL. Final statuses cannot move (ValueError).
        """
        result, notifications = self._state.advance_withdrawal(withdrawal_id, to)
        await self._deliver(notifications)
        return result

    async def refuse_withdrawal(self, withdrawal_id: int) -> dict[str, Any]:
        """Refuse a withdrawal (REFUSED, 40): its amount and fee go back to the balance."""
        return await self.advance_withdrawal(withdrawal_id, to=WithdrawStatus.REFUSED)

    # -- callbacks -----------------------------------------------------------

    @property
    def callbacks(self) -> list[CallbackDelivery]:
        """Every callback posted so far, oldest first."""
        return list(self._callbacks)

    def clear_callbacks(self) -> None:
        """Forget the callbacks posted so far."""
        self._callbacks.clear()

    def deliver_callbacks_to(self, app: ASGIApp | None) -> None:
        """From now on, deliver callbacks in-process into `app` (an ASGI app), or stop with None.

        For testing an app that receives callbacks: the app is made after the
        sandbox (its BitexGateClient needs `sandbox.transport()`), so it cannot
        be handed over when the sandbox is created. Each callback is posted
        through httpx.ASGITransport to its URL as it stands: the app sees the
        URL's path and query whatever host it names (the host arrives in
        `Host`). Deliveries are recorded in `callbacks` as usual; an exception
        the app lets out is answered 500, as a server would, and recorded.

        Calling it again replaces the app. None goes back to posting through
        the `callback_client` the sandbox was given, or its own. The in-process
        client lives only while a control delivers, so nothing is left to close:
        `aclose()` does not undo this, and this works after `aclose()` too. The
        sandbox does not run the app's lifespan: the test runs it.
        """
        if app is not None and not callable(app):
            raise TypeError(f"app must be an ASGI app or None, got {type(app).__name__}")
        self._callback_app = app

    @contextlib.asynccontextmanager
    async def _sender(self) -> AsyncIterator[Sender]:
        app = self._callback_app
        if app is not None:
            async with in_process(app, headers=CALLBACK_HEADERS) as send:
                yield send
            return
        if self._callback_client is None:
            self._callback_client = httpx.AsyncClient(
                timeout=CALLBACK_TIMEOUT, trust_env=False, headers=CALLBACK_HEADERS
            )
        yield functools.partial(post_callback, self._callback_client)

    async def _deliver(self, notifications: list[Notification]) -> None:
        if not notifications:
            return
        async with self._sender() as send:
            for notification in notifications:
                body = encode_json(notification.payload)
                status_code, error = await send(notification.url, body)
                self._callbacks.append(CallbackDelivery(notification.url, body, status_code, error))

    # -- demo data -----------------------------------------------------------

    def seed_demo_data(self) -> None:
        """Add a little of everything, so a fresh sandbox has something to show.

        Balances in every ticker; wallets (two of them converting what arrives);
        deposits confirmed, pending and rejected; invoices paid, pending and
        unpaid; withdrawals in several statuses. No callback URLs, so no callbacks.
        """
        seed(self._state, self._clock())
