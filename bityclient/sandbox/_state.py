"""The sandbox's state and rules: rates and orders, and the accounts that trade.

Pure and synchronous: no HTTP, no awaiting. Every method takes its input already
decoded (a form, a JSON object), reads it with `_forms.py`, and returns the
JSON-ready answer (`_render.py`) or raises `ApiError` with the status and the
`{"error", "error_description"}` Bity sends. Each call runs to its end without
yielding, so many requests handled at once never see (or leave) a half-made
change.

Where the reference is silent or contradicts itself, the choices are:

* Rates. Nine pairs are quoted (a cryptocurrency priced in another currency:
  ETHEUR, ETHCHF, BTCEUR, BTCCHF, ETHBTC, REPEUR, REPCHF, REPBTC, REPETH), and
  each one's reverse is listed too (EURETH, ...), derived from it: its `rate` is
  the inverse, its `rate_we_sell` the inverse of the quoted pair's
  `rate_we_buy` and the other way round. `rate_we_sell = rate * (1 + spread)`,
  `rate_we_buy = rate * (1 - spread)`, each to 8 places.
* Orders are priced by the quoted pair between their input and output
  currencies: when the input is the quoted currency Bity buys it
  (`output = input * rate_we_buy`), otherwise Bity sells the output
  (`output = input / rate_we_sell`). A computed output is rounded down and a
  computed input up, to 8 places: the customer never gets more than the rate
  gives. Which currencies, payment method and side of the amount an order
  takes is read by `_forms.read_order`.
* An `order_by` that names no field is tastypie's own 400, `{"error": message}`
  (`TastypieBadRequest`, see `_pages.py`).

The users and their tokens are the state's `accounts` (`_auth.py`, with the
choices made for tokens and activation); how every object is written is in
`_render.py`.
"""

from __future__ import annotations

import decimal
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ._auth import Accounts
from ._catalogue import (
    BANK_METHODS,
    BASE_RATES,
    DEFAULT_SPREAD,
    DEMO_PHONE_CODE,
    FIAT,
    ORDER_STAGES,
    bank_reference,
    new_reference,
    payment_url,
)
from ._errors import ApiError, field_error
from ._forms import (
    PHONE,
    decimal_argument,
    positive_decimal_argument,
    read_order,
)
from ._records import (
    PLACES,
    Order,
    Quote,
    RateView,
    Transaction,
    User,
    to_places,
)
from ._render import render_order, render_pair_rate

__all__ = ["BityState", "Clock"]

Clock = Callable[[], datetime]

_PAIR = re.compile(r"([A-Z]{3,5})([A-Z]{3,5})")
_FIRST_ORDER_ID = 179150


class BityState:
    """Everything the sandbox knows; see the module docstring for the rules.

    Users and tokens are its `accounts` (`_auth.py`); rates and orders are its own.
    """

    def __init__(
        self,
        *,
        client_id: str,
        username: str,
        password: str,
        access_token_lifetime: int,
        clock: Clock,
    ) -> None:
        self.clock = clock
        self.accounts = Accounts(
            client_id=client_id, access_token_lifetime=access_token_lifetime, now=self.now
        )
        self.quotes: dict[str, Quote] = {}
        self.orders: dict[int, Order] = {}
        self._next_order = _FIRST_ORDER_ID
        self._next_input = 345621  # the numbers of the reference's sample transactions
        self._next_output = 5645645
        self._references: set[str] = set()
        self.accounts.add_user(username, password)
        if PHONE.fullmatch(username):
            self.accounts.register_phone(username, DEMO_PHONE_CODE)
        for pair, rate in BASE_RATES:
            self.set_rate(pair, rate=rate, spread=DEFAULT_SPREAD)

    def now(self) -> datetime:
        moment = self.clock()
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)

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
        rate, spread = positive_decimal_argument("rate", rate), decimal_argument("spread", spread)
        if not 0 < spread < 1:
            raise ValueError(f"spread must be between 0 and 1 (exclusive), got {spread}")
        source, target = match.groups()
        reverse = target + source
        if pair not in self.quotes and reverse in self.quotes and source != target:
            pair, source, target = reverse, target, source
            with decimal.localcontext() as context:
                context.prec = 40
                rate = 1 / rate
        quantized = to_places(rate)
        if quantized <= 0:
            raise ValueError(f"rate must be at least 0.00000001 once rounded, got {rate}")
        quote = Quote(source, target, quantized, spread, bool(enabled), self.now())
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
        return render_pair_rate(kind, view, rate)

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
            return result.quantize(PLACES, rounding)

    # --- orders --------------------------------------------------------------------------------

    def create_order(
        self, user: User, body: Any, *, created: datetime | None = None
    ) -> dict[str, Any]:
        """`POST /order/`: validate, price and record an order; its created form.

        `created` backdates it (demo data); by default it is made now.
        """
        asked = read_order(body, user.person_uri)
        source, target, amount, given = asked.source, asked.target, asked.amount, asked.given
        if given == "input":
            input_amount = amount
            output_amount = self._convert(source, target, amount, given="input")
        else:
            output_amount = amount
            input_amount = self._convert(source, target, amount, given="output")
        if input_amount <= 0 or output_amount <= 0:
            raise field_error("amount", "is too small to be exchanged at the current rate.")
        return self._record_order(
            user,
            created=self.now() if created is None else created,
            category=asked.category,
            currency_text=asked.currency_text,
            amount=amount,
            crypto_address=asked.crypto_address,
            method=asked.method,
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
        input_tx = Transaction(
            id=self._next_input,
            amount=input_amount,
            currency=source,
            method=method,
            reference=bank_reference() if method in BANK_METHODS else reference,
        )
        output_tx = Transaction(
            id=self._next_output,
            amount=output_amount,
            currency=target,
            method="BANKXFER" if target in FIAT else target,
            reference="",
        )
        self._next_input += 1
        self._next_output += 1
        order = Order(
            id=order_id,
            username=user.username,
            person_uri=user.person_uri,
            category=category,
            currency_text=currency_text,
            amount=amount,
            crypto_address=crypto_address,
            payment_method=method,
            payment_url=payment_url(method, unique_id),
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
            reference = new_reference()
            if reference not in self._references:
                self._references.add(reference)
                return reference

    def orders_of(self, user: User) -> list[Order]:
        """The user's orders, oldest first (by id)."""
        return [order for order in self.orders.values() if order.username == user.username]

    def order_of(self, user: User, order_id: int) -> Order:
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
            raise ValueError(f"to must be one of {', '.join(ORDER_STAGES)}, got {to!r}")
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
                bank_reference() if order.output.currency in FIAT else secrets.token_hex(32)
            )
            order.status = "EXEC"
        return render_order(order)


def _inverse(value: Decimal) -> Decimal:
    with decimal.localcontext() as context:
        context.prec = 50
        return to_places(1 / value)
