"""The sandbox's state and rules: users, OAuth tokens, rates and orders.

Pure and synchronous: no HTTP, no awaiting. Every method takes its input already
decoded (a form, a JSON object) and returns the JSON-ready answer or raises
`ApiError` with the status and the `{"error", "error_description"}` Bity sends.
Each call runs to its end without yielding, so many requests handled at once
never see (or leave) a half-made change.

Where the reference is silent or contradicts itself, the choices are:

* Rates. Nine pairs are quoted (a cryptocurrency priced in another currency:
  ETHEUR, ETHCHF, BTCEUR, BTCCHF, ETHBTC, REPEUR, REPCHF, REPBTC, REPETH), and
  each one's reverse is listed too (EURETH, ...), derived from it: its `rate` is
  the inverse, its `rate_we_sell` the inverse of the quoted pair's
  `rate_we_buy` and the other way round. `rate_we_sell = rate * (1 + spread)`,
  `rate_we_buy = rate * (1 - spread)`, each to 8 places. "Allowed operations"
  in the currency table are read as Bity's: REP is "Sell" only, and indeed no
  order category takes REP in, while BUY_REP and SELL_ETH to REP pay it out.
* Orders are priced by the quoted pair between their input and output
  currencies: when the input is the quoted currency Bity buys it
  (`output = input * rate_we_buy`), otherwise Bity sells the output
  (`output = input / rate_we_sell`). A computed output is rounded down and a
  computed input up, to 8 places: the customer never gets more than the rate
  gives.
* The order summary decides which currency and payment method go with a
  category. `currency` is the fiat side of BUY and SELL (required), and the
  other side of BUY_ETH, BUY_REP and SELL_ETH, where it may be omitted, empty or
  `BTC` for bitcoin. The payment method defaults to BTCGATEWAY (bitcoin in),
  ETHGATEWAY (ether in) or BANKXFER (fiat in: the table marks no default; the
  reference's sample orders are paid by BANKXFER). STRAIGHT is accepted for
  bitcoin in, since the reference's own example uses it, though it is marked
  deprecated; SKRILLPSP, deprecated and absent from the table, is refused.
* `amount_mode` 0 means the output amount for SELL and for SELL_ETH paid out in
  fiat (as the "Amount mode" table says), the input amount otherwise. An output
  amount (2) is refused for fiat-paid orders (the table allows "input" only
  there); the placeholder mode (3) only for BUY_ETH paid in bitcoin, as the
  reference says (every sandbox account counts as trusted).
* Tokens: refresh tokens rotate (each refresh revokes the old refresh token and
  its access token, as django-oauth-toolkit does with rotation on). A refused
  grant answers `invalid_grant` with 401, as the reference's example shows
  ("with 401 code"); an OAuth server built on oauthlib sends 400, and
  `invalid_grant_status` switches to it.
* Activation does not gate anything: a user whose phone is still pending can
  log in and trade (the sandbox has no sign-up to go with it).
* The order list shows the reference's list form (category, transactions,
  person, resource_uri, status, timestamp_created); `POST` and the order's own
  URI answer the created form. Statuses beyond the samples' (OPEN, EXEC; CONF,
  FILL) are CANC for a cancelled order and its transactions.
* Written as tastypie writes: keys in alphabetical order, timestamps in UTC
  without a zone and with microseconds, decimals as `str()` of the value to 8
  places, so a zero is `"0E-8"` (as in the reference) and one satoshi `"1E-8"`.
  Errors put `error_description` before `error`, as the reference's example does;
  an `order_by` that names no field is tastypie's own 400, `{"error": message}`
  (`TastypieBadRequest`, see `_pages.py`).
"""

from __future__ import annotations

import decimal
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "BASE_RATES",
    "CATEGORIES",
    "CURRENCIES",
    "DEFAULT_SPREAD",
    "DEMO_CLIENT_ID",
    "DEMO_PASSWORD",
    "DEMO_PHONE_CODE",
    "DEMO_USERNAME",
    "ORDER_SORT_KEYS",
    "ORDER_STAGES",
    "RATE_SORT_KEYS",
    "ApiError",
    "BityState",
    "Clock",
    "RateView",
    "TastypieBadRequest",
    "User",
    "format_decimal",
    "format_timestamp",
    "render_order",
    "render_order_summary",
    "render_rate",
]

#: The client id of the reference's login example.
DEMO_CLIENT_ID = "QmaTkYI50XmCF18fupZgdAOptYqDzVix12RpqFYS"
#: The phone of the reference's activation and login examples, used as the username.
DEMO_USERNAME = "+41786399501"
#: The password of the reference's login example.
DEMO_PASSWORD = "abc123"  # noqa: S105 (the reference's sample password)
#: The SMS code of the reference's activation example: the demo user's phone awaits it.
DEMO_PHONE_CODE = "381499"

Clock = Callable[[], datetime]

#: The reference's currency table: code -> FIAT or CRYPTO.
CURRENCIES = {"EUR": "FIAT", "CHF": "FIAT", "BTC": "CRYPTO", "ETH": "CRYPTO", "REP": "CRYPTO"}
FIAT = frozenset(code for code, kind in CURRENCIES.items() if kind == "FIAT")

CATEGORIES = ("BUY", "SELL", "BUY_ETH", "SELL_ETH", "BUY_REP")

#: The pairs quoted at start (mid rate in the target currency); reverses are derived.
BASE_RATES: tuple[tuple[str, Decimal], ...] = (
    ("ETHEUR", Decimal("452.40000000")),
    ("ETHCHF", Decimal("521.56700000")),
    ("BTCEUR", Decimal("6762.33000000")),
    ("BTCCHF", Decimal("7796.22000000")),
    ("ETHBTC", Decimal("0.06690000")),
    ("REPEUR", Decimal("30.25000000")),
    ("REPCHF", Decimal("34.87000000")),
    ("REPBTC", Decimal("0.00447300")),
    ("REPETH", Decimal("0.06686000")),
)
DEFAULT_SPREAD = Decimal("0.01")

#: Where `advance_order` may take an order: input confirmed, executed, cancelled.
ORDER_STAGES = ("CONF", "EXEC", "CANC")

_PLACES = Decimal("1E-8")
_MAX_AMOUNT_DIGITS = 20
_TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # noqa: S105
_REFERENCE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_PAIR = re.compile(r"([A-Z]{3,5})([A-Z]{3,5})")
_NO_SPACE = re.compile(r"\S{1,200}")
_BANK_METHODS = ("BANKXFER", "SOFORTPSP")
_DEPRECATED_METHODS = ("SKRILLPSP",)
_FIRST_PERSON_ID = 151515
_FIRST_ORDER_ID = 179150


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


def _field_error(field: str, rule: str) -> ApiError:
    return ApiError(400, f"invalid_{field}", f"{field}: {rule}")


def format_timestamp(moment: datetime) -> str:
    """Bity's timestamps: UTC, without a zone, with microseconds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def format_decimal(value: Decimal) -> str:
    """A decimal to 8 places, written as Django writes one (`"0.50000000"`, `"0E-8"`)."""
    return str(_to_places(value))


def _to_places(value: Decimal, rounding: str = decimal.ROUND_HALF_UP) -> Decimal:
    """`value` to 8 places, however many digits it has (no InvalidOperation)."""
    with decimal.localcontext() as context:
        context.prec = 60
        return value.quantize(_PLACES, rounding)


def _random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _new_token() -> str:
    # 30 letters and digits, as oauthlib (and so django-oauth-toolkit) makes them.
    return _random_text(_TOKEN_CHARS, 30)


# --- records ----------------------------------------------------------------------------------


@attrs.define
class User:
    username: str
    password: str = attrs.field(repr=False)
    person_id: int

    @property
    def person_uri(self) -> str:
        return f"/api/v1/person/{self.person_id}/"


@attrs.define
class _Activation:
    code: str = attrs.field(repr=False)
    activated: bool = False


@attrs.define
class _AccessToken:
    username: str
    expires_at: datetime
    expired: bool = False  # by expire_tokens(), whatever the clock says later


@attrs.define
class _RefreshToken:
    username: str
    access_token: str = attrs.field(repr=False)


@attrs.define
class _Quote:
    """A quoted pair: `rate` is the price of one `source` in `target`."""

    source: str
    target: str
    rate: Decimal
    spread: Decimal
    enabled: bool
    updated: datetime

    @property
    def we_sell(self) -> Decimal:
        return _to_places(self.rate * (1 + self.spread))

    @property
    def we_buy(self) -> Decimal:
        return _to_places(self.rate * (1 - self.spread))


@attrs.frozen
class RateView:
    """One pair as the rate list shows it (quoted, or the reverse of a quoted one)."""

    pair: str
    source: str
    target: str
    rate: Decimal
    we_buy: Decimal
    we_sell: Decimal
    timestamp: datetime
    enabled: bool


@attrs.define
class _Transaction:
    id: int
    amount: Decimal
    currency: str
    method: str  # payment method (input) or payout method (output)
    reference: str
    status: str = "OPEN"


@attrs.define
class _Order:
    id: int
    username: str
    person_uri: str
    category: str
    currency_text: str
    amount: Decimal
    crypto_address: str
    payment_method: str
    payment_url: str
    reference: str
    unique_id: str
    created: datetime
    input: _Transaction
    output: _Transaction
    status: str = "OPEN"

    @property
    def uri(self) -> str:
        return f"/api/v1/order/{self.id}/"


# --- the state --------------------------------------------------------------------------------


class BityState:
    """Everything the sandbox knows; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        client_id: str,
        username: str,
        password: str,
        access_token_lifetime: int,
        clock: Clock,
    ) -> None:
        self.client_id = client_id
        self.clock = clock
        self.access_token_lifetime = access_token_lifetime
        self.invalid_grant_status = 401
        self.users: dict[str, User] = {}
        self.activations: dict[str, _Activation] = {}
        self.access_tokens: dict[str, _AccessToken] = {}
        self.refresh_tokens: dict[str, _RefreshToken] = {}
        self.quotes: dict[str, _Quote] = {}
        self.orders: dict[int, _Order] = {}
        self.tokens_issued = 0
        self.refreshes = 0
        self._next_person = _FIRST_PERSON_ID
        self._next_order = _FIRST_ORDER_ID
        self._next_input = 345621  # the numbers of the reference's sample transactions
        self._next_output = 5645645
        self._references: set[str] = set()
        self.add_user(username, password)
        if _PHONE.fullmatch(username):
            self.register_phone(username, DEMO_PHONE_CODE)
        for pair, rate in BASE_RATES:
            self.set_rate(pair, rate=rate, spread=DEFAULT_SPREAD)

    def now(self) -> datetime:
        moment = self.clock()
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)

    # --- users ---------------------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> User:
        """A user who can log in (replacing the password if the username exists)."""
        if not isinstance(username, str) or not _NO_SPACE.fullmatch(username):
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
        if not isinstance(phone, str) or not _PHONE.fullmatch(phone):
            raise ValueError(f"phone must be '+' and 7 to 15 digits, got {phone!r}")
        if code is None:
            code = f"{secrets.randbelow(1_000_000):06d}"
        if not isinstance(code, str) or not _NO_SPACE.fullmatch(code):
            raise ValueError("code must be non-empty text without spaces")
        self.activations[phone] = _Activation(code)
        return code

    def verify_phone(self, body: Any) -> dict[str, Any]:
        """`POST /user_signup/verifyphone/`: `{"activated": true}` for the right code."""
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "The body must be a JSON object.")
        phone, code = body.get("phone"), body.get("code")
        if not isinstance(phone, str) or not phone:
            raise _field_error("phone", "this field is required (a string such as '+41...').")
        if not _PHONE.fullmatch(phone):
            raise _field_error(
                "phone", "must be in international format: '+' and the country code."
            )
        if not isinstance(code, str) or not code:
            raise _field_error("code", "this field is required (the code received by SMS).")
        activation = self.activations.get(phone)
        if activation is None:
            raise _field_error("phone", "no activation is pending for this phone number.")
        if not secrets.compare_digest(code.encode(), activation.code.encode()):
            raise _field_error("code", "the code is not valid for this phone number.")
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
        access, refresh = _new_token(), _new_token()
        lifetime = self.access_token_lifetime
        self.access_tokens[access] = _AccessToken(
            username, self.now() + timedelta(seconds=lifetime)
        )
        self.refresh_tokens[refresh] = _RefreshToken(username, access)
        self.tokens_issued += 1
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "refresh_token": refresh,
            "scope": "read write",
        }

    def authenticate(self, authorization: str | None) -> User:
        """The user of a request's `Authorization: Bearer` header, or a 401."""
        if not authorization:
            raise _unauthorized(
                "invalid_request", "Authentication credentials were not provided.", None
            )
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized(
                "invalid_request",
                "The Authorization header must be 'Bearer <access token>'.",
                None,
            )
        record = self.access_tokens.get(token)
        if record is None:
            raise _unauthorized("invalid_token", "The access token is invalid.", "invalid_token")
        if record.expired or self.now() >= record.expires_at:
            raise _unauthorized("invalid_token", "The access token has expired.", "invalid_token")
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

    # --- rates ---------------------------------------------------------------------------------

    def set_rate(
        self, pair: str, *, rate: Decimal, spread: Decimal = DEFAULT_SPREAD, enabled: bool = True
    ) -> None:
        """Quote `pair` (its reverse follows); a reverse pair sets its quoted one, inverted."""
        match = _PAIR.fullmatch(pair) if isinstance(pair, str) else None
        if match is None:
            raise ValueError(
                f"pair must be two upper-case currency codes, such as 'ETHBTC': {pair!r}"
            )
        rate, spread = _positive_decimal("rate", rate), _decimal("spread", spread)
        if not 0 < spread < 1:
            raise ValueError(f"spread must be between 0 and 1 (exclusive), got {spread}")
        source, target = match.groups()
        reverse = target + source
        if pair not in self.quotes and reverse in self.quotes and source != target:
            pair, source, target = reverse, target, source
            with decimal.localcontext() as context:
                context.prec = 40
                rate = 1 / rate
        quantized = _to_places(rate)
        if quantized <= 0:
            raise ValueError(f"rate must be at least 0.00000001 once rounded, got {rate}")
        quote = _Quote(source, target, quantized, spread, bool(enabled), self.now())
        if quote.we_buy <= 0:
            raise ValueError(f"rate * (1 - spread) must be at least 0.00000001, got {rate}")
        self.quotes[pair] = quote

    def rate_views(self) -> list[RateView]:
        """Every pair, quoted ones first, then their reverses."""
        views: list[RateView] = []
        for quote in self.quotes.values():
            views.append(
                RateView(
                    pair=quote.source + quote.target,
                    source=quote.source,
                    target=quote.target,
                    rate=quote.rate,
                    we_buy=quote.we_buy,
                    we_sell=quote.we_sell,
                    timestamp=quote.updated,
                    enabled=quote.enabled,
                )
            )
        for quote in list(self.quotes.values()):
            if quote.source == quote.target:
                continue
            views.append(
                RateView(
                    pair=quote.target + quote.source,
                    source=quote.target,
                    target=quote.source,
                    rate=_inverse(quote.rate),
                    we_buy=_inverse(quote.we_sell),
                    we_sell=_inverse(quote.we_buy),
                    timestamp=quote.updated,
                    enabled=quote.enabled,
                )
            )
        return views

    def rate_view(self, pair: str) -> RateView:
        """One pair of the list, or a 404."""
        for view in self.rate_views():
            if view.pair == pair:
                return view
        raise ApiError(404, "not_found", f"No rate for the pair {pair!r}.")

    def disabled_pairs(self) -> list[str]:
        return [view.pair for view in self.rate_views() if not view.enabled]

    def pair_rate(self, kind: str, pair: str) -> dict[str, Any]:
        """`GET /rate_we_sell/{PAIR}/` or `/rate_we_buy/{PAIR}/`."""
        view = self.rate_view(pair)
        if not view.enabled:
            raise ApiError(404, "not_found", f"The pair {pair!r} is disabled.")
        rate = view.we_sell if kind == "rate_we_sell" else view.we_buy
        return {
            "pair": view.pair,
            "rate": format_decimal(rate),
            "resource_uri": f"/api/v1/{kind}/{view.pair}/",
            "source": view.source,
            "target": view.target,
            "timestamp": format_timestamp(view.timestamp),
        }

    def _convert(self, source: str, target: str, amount: Decimal, *, given: str) -> Decimal:
        """The other side of an exchange of `amount` (of the input, or of the output)."""
        quote = self.quotes.get(source + target)
        selling = False
        if quote is None:
            quote = self.quotes.get(target + source)
            selling = True
        if quote is None or not quote.enabled:
            raise ApiError(
                400, "invalid_currency", f"currency: {source} to {target} is not traded now."
            )
        with decimal.localcontext() as context:
            context.prec = 50
            if not selling:  # Bity buys the input at its quoted rate_we_buy
                factor = quote.we_buy
                result = amount * factor if given == "input" else amount / factor
            else:  # Bity sells the output at its quoted rate_we_sell
                price = quote.we_sell
                result = amount / price if given == "input" else amount * price
            rounding = decimal.ROUND_DOWN if given == "input" else decimal.ROUND_UP
            return result.quantize(_PLACES, rounding)

    # --- orders --------------------------------------------------------------------------------

    def create_order(
        self, user: User, body: Any, *, created: datetime | None = None
    ) -> dict[str, Any]:
        """`POST /order/`: validate, price and record an order; its created form.

        `created` backdates it (demo data); by default it is made now.
        """
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "The body must be a JSON object.")
        category = body.get("category")
        if category is None or category == "":
            raise _field_error(
                "category", f"this field is required (one of {_listed(CATEGORIES)})."
            )
        if category not in CATEGORIES:
            raise _field_error("category", f"{category!r} is not one of {_listed(CATEGORIES)}.")
        currency_text = body.get("currency")
        if currency_text is None:
            currency_text = ""
        if not isinstance(currency_text, str):
            raise _field_error("currency", "must be a currency code as a string.")
        source, target = _route(category, currency_text)
        method = _payment_method(body.get("payment_method"), source)
        mode = body.get("amount_mode")
        given = _amount_side(0 if mode is None else mode, category, source, target)
        amount = _order_amount(body.get("amount"))
        crypto_address = body.get("crypto_address")
        if crypto_address is None:
            crypto_address = ""
        if not isinstance(crypto_address, str) or (
            crypto_address and not _NO_SPACE.fullmatch(crypto_address)
        ):
            raise _field_error("crypto_address", "must be an address without spaces.")
        if target not in FIAT and not crypto_address:
            raise _field_error(
                "crypto_address", f"this field is required: the order pays out {target}."
            )
        person = body.get("person")
        if person not in (None, "") and person != user.person_uri:
            raise _field_error("person", f"{person!r} is not a person of this account.")
        if given == "input":
            input_amount = amount
            output_amount = self._convert(source, target, amount, given="input")
        else:
            output_amount = amount
            input_amount = self._convert(source, target, amount, given="output")
        if input_amount <= 0 or output_amount <= 0:
            raise _field_error("amount", "is too small to be exchanged at the current rate.")
        return self._record_order(
            user,
            created=self.now() if created is None else created,
            category=category,
            currency_text=currency_text,
            amount=amount,
            crypto_address=crypto_address,
            method=method,
            source=source,
            target=target,
            input_amount=input_amount,
            output_amount=output_amount,
        )

    def _record_order(
        self,
        user: User,
        *,
        created: datetime,
        category: str,
        currency_text: str,
        amount: Decimal,
        crypto_address: str,
        method: str,
        source: str,
        target: str,
        input_amount: Decimal,
        output_amount: Decimal,
    ) -> dict[str, Any]:
        order_id = self._next_order
        self._next_order += 1
        reference = self._new_reference()
        unique_id = uuid.uuid4().hex
        input_tx = _Transaction(
            id=self._next_input,
            amount=input_amount,
            currency=source,
            method=method,
            reference=_bank_reference() if method in _BANK_METHODS else reference,
        )
        output_tx = _Transaction(
            id=self._next_output,
            amount=output_amount,
            currency=target,
            method="BANKXFER" if target in FIAT else target,
            reference="",
        )
        self._next_input += 1
        self._next_output += 1
        order = _Order(
            id=order_id,
            username=user.username,
            person_uri=user.person_uri,
            category=category,
            currency_text=currency_text,
            amount=amount,
            crypto_address=crypto_address,
            payment_method=method,
            payment_url=_payment_url(method, unique_id),
            reference=reference,
            unique_id=unique_id,
            created=created,
            input=input_tx,
            output=output_tx,
        )
        self.orders[order_id] = order
        return render_order(order)

    def _new_reference(self) -> str:
        while True:
            reference = "BITY" + _random_text(_REFERENCE_CHARS, 6)
            if reference not in self._references:
                self._references.add(reference)
                return reference

    def orders_of(self, user: User) -> list[_Order]:
        """The user's orders, oldest first (by id)."""
        return [order for order in self.orders.values() if order.username == user.username]

    def order_of(self, user: User, order_id: int) -> _Order:
        order = self.orders.get(order_id)
        if order is None or order.username != user.username:
            raise ApiError(404, "not_found", f"No order {order_id}.")
        return order

    def advance_order(self, order_id: int, to: str = "EXEC") -> dict[str, Any]:
        """Move an order on: its input confirmed (CONF), executed (EXEC), or cancelled (CANC).

        KeyError for an unknown order, ValueError for a move it cannot make.
        """
        order = self.orders.get(order_id)
        if order is None:
            raise KeyError(f"no order {order_id}")
        if to not in ORDER_STAGES:
            raise ValueError(f"to must be one of {_listed(ORDER_STAGES)}, got {to!r}")
        if order.status != "OPEN":
            raise ValueError(f"order {order_id} is {order.status}: it cannot move any more")
        if to == "CANC":
            order.status = order.input.status = order.output.status = "CANC"
        elif to == "CONF":
            if order.input.status == "CONF":
                raise ValueError(f"order {order_id}'s payment is already confirmed")
            order.input.status = "CONF"
        else:
            order.input.status = "CONF"
            order.output.status = "FILL"
            order.output.reference = (
                _bank_reference() if order.output.currency in FIAT else secrets.token_hex(32)
            )
            order.status = "EXEC"
        return render_order(order)

    def seed_demo_data(self, username: str) -> list[int]:
        """A few orders in different states for `username`, made over the last days; their ids.

        An executed BUY (three days ago), a cancelled SELL (two days ago), a SELL_ETH
        whose ether arrived (yesterday) and an open BUY_ETH (an hour ago).
        """
        user = self.users[username]
        btc_address = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP 173's example
        eth_address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55's example
        demo: list[tuple[dict[str, Any], str | None, timedelta]] = [
            (
                {
                    "category": "BUY",
                    "currency": "EUR",
                    "payment_method": "BANKXFER",
                    "amount": "1200",
                    "crypto_address": btc_address,
                },
                "EXEC",
                timedelta(days=3),
            ),
            ({"category": "SELL", "currency": "EUR", "amount": "500"}, "CANC", timedelta(days=2)),
            (
                {"category": "SELL_ETH", "currency": "CHF", "amount": "2.5", "amount_mode": 1},
                "CONF",
                timedelta(days=1),
            ),
            (
                {"category": "BUY_ETH", "amount": "0.5", "crypto_address": eth_address},
                None,
                timedelta(hours=1),
            ),
        ]
        now = self.now()
        ids = []
        for body, stage, age in demo:
            order = self.create_order(user, body, created=now - age)
            order_id = int(order["resource_uri"].rstrip("/").rsplit("/", 1)[1])
            if stage is not None:
                self.advance_order(order_id, stage)
            ids.append(order_id)
        return ids


# --- rules ------------------------------------------------------------------------------------


def _unauthorized(error: str, description: str, challenge_error: str | None) -> ApiError:
    challenge = 'Bearer realm="api"'
    if challenge_error is not None:
        challenge += f', error="{challenge_error}", error_description="{description}"'
    return ApiError(401, error, description, headers={"WWW-Authenticate": challenge})


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _inverse(value: Decimal) -> Decimal:
    with decimal.localcontext() as context:
        context.prec = 50
        return _to_places(1 / value)


def _decimal(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValueError(f"{name} must be a Decimal, an int or numeric text, got {value!r}")
    try:
        result = Decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def _positive_decimal(name: str, value: Any) -> Decimal:
    result = _decimal(name, value)
    if result <= 0 or result.adjusted() > 15:
        raise ValueError(f"{name} must be greater than 0 and below 1E16, got {value!r}")
    return result


def _route(category: str, currency: str) -> tuple[str, str]:
    """The input and output currencies of an order (the order summary's pair)."""
    if category in ("BUY", "SELL"):
        if currency not in FIAT:
            raise _field_error(
                "currency", f"a {category} order takes CHF or EUR, got {currency!r}."
            )
        return (currency, "BTC") if category == "BUY" else ("BTC", currency)
    other = "BTC" if currency in ("", "BTC") else currency
    if category == "SELL_ETH":
        allowed = ("BTC", "CHF", "EUR", "REP")
        if other not in allowed:
            raise _field_error(
                "currency",
                f"a SELL_ETH order pays out BTC (or ''), CHF, EUR or REP, got {currency!r}.",
            )
        return "ETH", other
    if other not in ("BTC", "CHF", "EUR"):
        raise _field_error(
            "currency", f"a {category} order is paid in BTC (or ''), CHF or EUR, got {currency!r}."
        )
    return other, "ETH" if category == "BUY_ETH" else "REP"


def _payment_method(value: Any, source: str) -> str:
    allowed: tuple[str, ...]
    if source == "BTC":
        allowed, default = ("BTCGATEWAY", "STRAIGHT"), "BTCGATEWAY"
    elif source == "ETH":
        allowed, default = ("ETHGATEWAY",), "ETHGATEWAY"
    else:
        allowed, default = _BANK_METHODS, "BANKXFER"
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise _field_error("payment_method", "must be a payment method code as a string.")
    if value in _DEPRECATED_METHODS:
        raise _field_error("payment_method", f"{value} is deprecated and no longer accepted.")
    if value not in allowed:
        raise _field_error(
            "payment_method",
            f"an order paid in {source} takes {' or '.join(allowed)}, got {value!r}.",
        )
    return value


def _amount_side(value: Any, category: str, source: str, target: str) -> str:
    """Which side `amount` gives: "input" or "output"."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
        raise _field_error("amount_mode", f"must be 0, 1, 2 or 3, got {value!r}.")
    if value == 0:
        sells = category in ("SELL", "SELL_ETH") and target in FIAT
        return "output" if sells else "input"
    if value == 1:
        return "input"
    if value == 2:
        if source in FIAT:
            raise _field_error(
                "amount_mode", "an order paid in fiat takes its input amount only (0 or 1)."
            )
        return "output"
    if category != "BUY_ETH" or source != "BTC":
        raise _field_error(
            "amount_mode", "3 (input placeholder) is only for BUY_ETH orders paid in BTC."
        )
    return "input"


def _order_amount(value: Any) -> Decimal:
    if value is None or value == "":
        raise _field_error("amount", "this field is required.")
    if not isinstance(value, str):
        raise _field_error("amount", f'must be a string such as "0.5", got {type(value).__name__}.')
    try:
        amount = Decimal(value)
    except decimal.InvalidOperation:
        raise _field_error("amount", f"{value!r} is not a decimal number.") from None
    if not amount.is_finite() or amount <= 0:
        raise _field_error("amount", f"must be greater than zero, got {value!r}.")
    _, digits, exponent = amount.as_tuple()
    places = max(0, -int(exponent))
    if places > 8:
        raise _field_error("amount", f"must have at most 8 decimal digits, got {value!r}.")
    if len(digits) - places > _MAX_AMOUNT_DIGITS - 8:
        raise _field_error("amount", f"is too large, got {value!r}.")
    return amount


def _bank_reference() -> str:
    return f"bity.com {_random_text(_REFERENCE_CHARS, 4)}-{_random_text(_REFERENCE_CHARS, 4)}"


def _payment_url(method: str, unique_id: str) -> str:
    if method in ("BTCGATEWAY", "STRAIGHT"):
        return "bc1q" + _random_text(_BECH32, 38)
    if method == "ETHGATEWAY":
        return "0x" + secrets.token_hex(20)
    if method == "SOFORTPSP":
        return f"https://sofort.sandbox.invalid/pay/{unique_id}/"
    return ""  # a bank transfer: the input transaction's reference says how to pay


def _transactions(order: _Order) -> tuple[dict[str, Any], dict[str, Any]]:
    input_tx, output_tx = order.input, order.output
    return (
        {
            "amount": format_decimal(input_tx.amount),
            "currency": input_tx.currency,
            "order": order.uri,
            "payment_method": f"/api/v1/payment_method/{input_tx.method}/",
            "payment_processor_fee": format_decimal(Decimal(0)),
            "reference": input_tx.reference,
            "resource_uri": f"/api/v1/input_transaction/{input_tx.id}/",
            "status": input_tx.status,
        },
        {
            "amount": format_decimal(output_tx.amount),
            "currency": output_tx.currency,
            "order": order.uri,
            "payout_method": f"/api/v1/payout_method/{output_tx.method}/",
            "reference": output_tx.reference,
            "resource_uri": f"/api/v1/output_transaction/{output_tx.id}/",
            "status": output_tx.status,
        },
    )


def render_order(order: _Order) -> dict[str, Any]:
    """An order as `POST /order/` answers it (the reference's created form)."""
    input_tx, output_tx = _transactions(order)
    return {
        "amount": format_decimal(order.amount),
        "category": order.category,
        "crypto_address": order.crypto_address,
        "currency": order.currency_text,
        "inputtransactions": [input_tx],
        "outputtransactions": [output_tx],
        "payment_amount": format_decimal(order.input.amount),
        "payment_method": order.payment_method,
        "payment_url": order.payment_url,
        "person": order.person_uri,
        "reference": order.reference,
        "resource_uri": order.uri,
        "status": order.status,
        "timestamp_created": format_timestamp(order.created),
        "unique_id": order.unique_id,
    }


def render_order_summary(order: _Order) -> dict[str, Any]:
    """An order as `GET /order/` lists it (the reference's list form: fewer fields)."""
    input_tx, output_tx = _transactions(order)
    return {
        "category": order.category,
        "inputtransactions": [input_tx],
        "outputtransactions": [output_tx],
        "person": order.person_uri,
        "resource_uri": order.uri,
        "status": order.status,
        "timestamp_created": format_timestamp(order.created),
    }


def render_rate(view: RateView) -> dict[str, Any]:
    """A pair as `GET /rate2/` lists it."""
    stamp = format_timestamp(view.timestamp)
    return {
        "is_enabled": view.enabled,
        "pair": view.pair,
        "rate": format_decimal(view.rate),
        "rate_we_buy": format_decimal(view.we_buy),
        "rate_we_buy_timestamp": stamp,
        "rate_we_sell": format_decimal(view.we_sell),
        "rate_we_sell_timestamp": stamp,
        "resource_uri": f"/api/v1/rate2/{view.pair}/",
        "source": view.source,
        "target": view.target,
        "timestamp": stamp,
    }


ORDER_SORT_KEYS: dict[str, Callable[[_Order], Any]] = {
    "id": lambda order: order.id,
    "timestamp_created": lambda order: order.created,
    "status": lambda order: order.status,
    "category": lambda order: order.category,
}

RATE_SORT_KEYS: dict[str, Callable[[RateView], Any]] = {
    "pair": lambda view: view.pair,
    "source": lambda view: view.source,
    "target": lambda view: view.target,
    "rate": lambda view: view.rate,
    "rate_we_buy": lambda view: view.we_buy,
    "rate_we_sell": lambda view: view.we_sell,
    "timestamp": lambda view: view.timestamp,
    "is_enabled": lambda view: view.enabled,
}
