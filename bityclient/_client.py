"""`BityClient`: the entry point of the Bity v1 SDK."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timezone, tzinfo

import httpx

from common import DEFAULT_TIMEOUT, RateLimit, RateLimiter, RetryPolicy, TimeoutTypes, Transport
from common._lifetime import AsyncResource
from common._reconcile import DEFAULT_RECONCILE_DELAYS, settle_schedule
from common._version import __version__

from . import _validation as check
from ._auth import BityAuth, TokenUpdateCallback
from ._decode import converter_for
from ._grants import TOKEN_PATH, Clock, TokenEndpoint, utcnow
from ._models import Token
from ._resources import OrdersResource, RatesResource, UsersResource
from ._token_store import TokenStore

__all__ = ["DEFAULT_BASE_URL", "TOKEN_PATH", "BityClient"]

DEFAULT_BASE_URL = "https://bity.com"


class BityClient(AsyncResource):
    """An async client of the Bity v1 API.

    ```python
    async with BityClient(client_id=CLIENT_ID) as bity:
        await bity.login(username="+41...", password="...")
        async for rate in bity.rates.list():
            ...
    ```

    Its resources, one attribute per part of the API:

    - `users` (`UsersResource`): activating a new user with the code Bity sent by
      SMS (`verify_phone`); no token needed.
    - `rates` (`RatesResource`): exchange rates, every pair's (`list`) or the
      price Bity sells or buys one pair at (`we_sell`, `we_buy`); no token needed.
    - `orders` (`OrdersResource`): the logged-in user's orders: buying and
      selling crypto (`create`), reading them (`list`) and following their
      progress (`watch`).

    `login()` and `refresh()` handle the session itself. After `login()` the
    token is kept and refreshed by itself (see `BityAuth`); pass a stored
    `token=` to resume a session, and `on_token_update` to be told of each new
    one (`dump_token`). If that callback raises, the error propagates from the
    call that brought the new token (which is in use all the same): a session
    that cannot be stored is not hidden.

    `token_store` keeps the session where other clients can share it: a
    `FileTokenStore` (processes of one machine) or a `RedisTokenStore` (processes
    anywhere). Every new token is saved there; a client with no token loads the
    stored one; and a refresh happens under the store's lock, after reading the
    stored token again: if another client has refreshed already, its token is
    taken instead. So the clients of one store make one refresh per expiry, and
    a rotated refresh token is never sent twice. If the store fails, the call
    that needed it raises TokenStoreError and nothing is sent (never a refresh
    without the lock). A `token=` given with a store is used until it needs a
    refresh; if the store then holds another token, that one wins. The default,
    a `MemoryTokenStore` of this client's own, keeps the session in memory.
    Every token, stored or issued, must follow RFC 6750's bearer-token grammar: a
    `token=` that does not is a ValidationError, an answer of the server that does
    not a DecodeError; neither shows the token.

    `http_client` shares a caller's `httpx.AsyncClient` (never closed by this
    client); `transport` runs it over something other than the network (tests).
    `clock` tells the time for token expiry, `refresh_leeway` how many seconds
    (0 to 86400) before expiry a token is renewed (at most half its lifetime: see
    `BityAuth`).
    A refresh is never cut short by cancelling the call that needed it, and
    `aclose()` waits for one in flight (the server may have rotated the refresh
    token already; only its answer holds the new one).

    `server_timezone` is the zone the server writes its zone-less timestamps in:
    tastypie writes them in the server's `TIME_ZONE`, and Bity is Swiss, so pass
    `zoneinfo.ZoneInfo("Europe/Zurich")` when its times are Zurich's (the
    default, `timezone.utc`, reads them as UTC). Either way every datetime on a
    model is timezone-aware UTC, and a timestamp that carries its own zone keeps
    its instant. It must be a `datetime.tzinfo` (not a pytz zone), else
    ValidationError.

    `max_in_flight` caps the requests on the wire at once (none by default); the
    others wait before their token is put on. A token refresh never waits for a
    place: the requests holding them may be waiting for it.

    An order whose answer is lost is looked for in the order list after each
    wait of `reconcile_delays` (seconds; at most 20 waits of up to 60 s each;
    `()` turns it off): see `OrdersResource.create`.

    `rate_limit` paces the requests: `RateLimit(20)` or `"20/second"` in this
    process, or a `RedisRateLimiter` to share one budget with other processes.
    A request waits its turn in order, before its token is put on; a token
    grant takes the next turn, ahead of those waiting. A 429 with `Retry-After`
    pauses every request of the client (and of the processes sharing its
    limiter) until then.
    """

    def __init__(
        self,
        *,
        client_id: str,
        base_url: str = DEFAULT_BASE_URL,
        token: Token | None = None,
        token_store: TokenStore | None = None,
        on_token_update: TokenUpdateCallback | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        refresh_leeway: float = 60.0,
        clock: Clock = utcnow,
        server_timezone: tzinfo = timezone.utc,
        max_in_flight: int | None = None,
        rate_limit: RateLimit | str | RateLimiter | None = None,
        reconcile_delays: Sequence[float] = DEFAULT_RECONCILE_DELAYS,
    ) -> None:
        self._client_id = check.no_spaces(client_id, field="client_id")
        delays = settle_schedule("reconcile_delays", reconcile_delays)
        converter = converter_for(check.time_zone(server_timezone, field="server_timezone"))
        if token is not None:
            if not isinstance(token, Token):
                raise TypeError(
                    f"token must be a Token (see load_token), got {type(token).__name__}"
                )
            check.bearer_tokens(token)
        if token_store is not None and not isinstance(token_store, TokenStore):
            raise TypeError(
                "token_store must be a TokenStore (load, save and lock: MemoryTokenStore, "
                f"FileTokenStore, RedisTokenStore), got {type(token_store).__name__}"
            )
        token_endpoint = TokenEndpoint(clock=clock)
        self._auth = BityAuth(
            client_id=self._client_id,
            request_token=token_endpoint,
            token=token,
            token_store=token_store,
            on_token_update=on_token_update,
            refresh_leeway=refresh_leeway,
            clock=clock,
        )
        self._transport = Transport(
            base_url,
            auth=self._auth,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
            transport=transport,
            headers={"User-Agent": f"bityclient-python/{__version__}"},
            logger=logging.getLogger("bityclient"),
            max_in_flight=max_in_flight,
            rate_limit=rate_limit,
            # Under a rate limit, a due token is refreshed before a request's turn.
            prepare=self._auth._token_for_request,
        )
        token_endpoint.bind(self._transport)
        self.users = UsersResource(self._transport, converter=converter)
        self.rates = RatesResource(self._transport, converter=converter)
        self.orders = OrdersResource(
            self._transport, converter=converter, clock=clock, reconcile_delays=delays
        )

    def __repr__(self) -> str:
        state = "logged in" if self._auth.token is not None else "not logged in"
        return (
            f"<BityClient base_url={self._transport.base_url!r} "
            f"client_id={self._client_id!r} {state}>"
        )

    @property
    def base_url(self) -> str:
        """The configured base URL; the API lives under `/api/v1/` of it."""
        return self._transport.base_url

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter pacing the requests (None without `rate_limit`): others may share it."""
        return self._transport.rate_limiter

    @property
    def auth(self) -> BityAuth:
        """The OAuth strategy (token state, refresh)."""
        return self._auth

    @property
    def token(self) -> Token | None:
        """The token in use, or None before login (or after the session ended).

        With a token store, None too until the first request loads the stored one.
        """
        return self._auth.token

    @property
    def token_store(self) -> TokenStore:
        """Where the session is kept (this client's own `MemoryTokenStore` by default)."""
        return self._auth.token_store

    async def login(
        self, *, username: str, password: str, timeout: TimeoutTypes | None = None
    ) -> Token:
        """Log in with the password grant; the token is kept and refreshed by itself.

        `username` is the phone (`"+41..."`), e-mail or username, without spaces.
        Wrong credentials raise AuthenticationError. The token is saved to the
        token store (where other clients of the store take it up) and passed to
        `on_token_update`.
        """
        return await self._auth.login(
            username=check.no_spaces(username, field="username"),
            password=check.token_text(password, field="password"),
            timeout=timeout,
        )

    async def refresh(self, *, timeout: TimeoutTypes | None = None) -> Token:
        """Renew the token now with the refresh grant (it also happens by itself).

        If a refresh is already in flight, this waits for it instead of sending
        another. With a shared token store, it renews the newest stored token
        (which another client may have renewed already). A refused refresh raises
        SessionExpiredError: log in again.
        """
        return await self._auth.refresh(timeout=timeout)

    async def aclose(self) -> None:
        """Close the connection pool, unless it belongs to a caller's `http_client`.

        A token refresh in flight is awaited first, not cancelled: the server may
        already have rotated the refresh token, and only its answer holds the new
        one, which is installed and passed to `on_token_update` before the pool
        closes (the wait is bounded by the refresh request's timeout). Its error,
        if it fails, is not raised here. If `aclose()` itself is cancelled while
        waiting, the refresh is cancelled with it.
        """
        try:
            await self._auth.aclose()
        finally:
            await self._transport.aclose()
