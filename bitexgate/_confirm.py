"""Checking a callback against the API: its own record, found with as few requests as it allows.

A callback is unsigned: anyone who learns its URL can post one. So each kind
is read back from its history endpoint and compared:

- a wallet deposit by `txid`, `ticker`, `network` and `address`;
- an invoice payment by `txid`, `ticker` and `network`;
- a withdrawal by its `id`, which no filter takes: its history is asked by
  `txid` when the callback has one, else by `address`, else by `ticker` and
  `network`, newest first (`ordering=-id`), and read until that id is found or
  the ids fall below it.

The record must agree with the callback on what identifies the money
(`Rules.fields`: ticker, network, amount as a number, address, card) and on
the recipient fields the callback carries (`Rules.carried`: a wallet's slug, a
memo or tag, a `client_order_id`); its status and confirmations may be newer.
Several records with one txid (a transaction paying several outputs): the one
that agrees on every field is taken. The API's record is returned; anything
else raises `CallbackNotConfirmedError`, saying what differed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from common import AsyncPaginator, CallbackNotConfirmedError, TimeoutTypes, ValidationError
from common._validation import shown

from ._callbacks import INVOICE_PAYMENT, WALLET_DEPOSIT, WITHDRAWAL
from ._models import Deposit, InvoiceDeposit, Withdrawal

__all__ = [
    "DEPOSIT_RULES",
    "INVOICE_RULES",
    "SCAN_PAGE_SIZE",
    "WITHDRAWAL_RULES",
    "DescendingIds",
    "Rules",
    "best_match",
    "confirm_deposit",
    "confirm_invoice_payment",
    "confirm_withdrawal",
    "mismatches",
    "no_identity",
    "refusal",
    "same",
    "withdrawal_filters",
]

T = TypeVar("T")

#: The page size asked for while reading a history for a callback's record.
SCAN_PAGE_SIZE = 100

History = Callable[..., AsyncPaginator[T]]


@attrs.frozen
class Rules:
    """How a kind of record is recognised, and what in it a callback must agree with."""

    kind: str  #: what it is called in messages
    path: str  #: the history endpoint, for messages
    identity: str  #: the field that names one record (or one transaction)
    fields: tuple[str, ...]  #: compared always (None counts)
    carried: tuple[str, ...] = ()  #: compared when the callback carries a value
    unique: bool = False  #: whether `identity` names one record (an id), not a transaction


DEPOSIT_RULES = Rules(
    WALLET_DEPOSIT,
    "wallet/history",
    "txid",
    ("ticker", "network", "amount", "address"),
    ("wallet_slug", "payment_id", "memo", "destination_tag"),
)
INVOICE_RULES = Rules(INVOICE_PAYMENT, "invoice/history", "txid", ("ticker", "network", "amount"))
WITHDRAWAL_RULES = Rules(
    WITHDRAWAL,
    "withdraw/history",
    "id",
    ("ticker", "network", "amount", "address", "card"),
    ("client_order_id", "payment_id", "memo", "destination_tag"),
    unique=True,
)


def same(ours: Any, theirs: Any) -> bool:
    """Whether two values of a field agree: amounts as numbers (`22` is `22.0000000`)."""
    if isinstance(ours, Decimal) and isinstance(theirs, Decimal):
        return ours == theirs
    return type(ours) is type(theirs) and ours == theirs


def mismatches(rules: Rules, callback: Any, record: Any) -> dict[str, tuple[Any, Any]]:
    """Each field of `rules` in which `record` differs from `callback`: (callback's, API's)."""
    found: dict[str, tuple[Any, Any]] = {}
    for name in rules.fields + rules.carried:
        ours, theirs = getattr(callback, name), getattr(record, name)
        if name in rules.carried and ours is None:
            continue
        if not same(ours, theirs):
            found[name] = (ours, theirs)
    return found


def best_match(
    rules: Rules, callback: T, records: Iterable[T]
) -> tuple[T | None, dict[str, tuple[Any, Any]]]:
    """The record with the callback's identity that agrees on most fields, and its differences.

    The first that agrees on every field wins; (None, {}) when none has that identity.
    """
    wanted = getattr(callback, rules.identity)
    best: T | None = None
    best_differences: dict[str, tuple[Any, Any]] = {}
    for record in records:
        if not same(getattr(record, rules.identity), wanted):
            continue
        differences = mismatches(rules, callback, record)
        if not differences:
            return record, {}
        if best is None or len(differences) < len(best_differences):
            best, best_differences = record, differences
    return best, best_differences


class DescendingIds:
    """Says when a record `wanted` can no longer come in a list asked for newest first.

    Once an id below it is read, it cannot, provided the ids read so far do
    descend: at least one fell and none rose. A server that ignored
    `ordering=-id` (an id above the one before) is read to its end.
    """

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted
        self._previous: int | None = None
        self._fell = False
        self._rose = False

    def past(self, record_id: int) -> bool:
        """Whether, with `record_id` read next, the wanted id is behind."""
        if self._previous is not None:
            self._fell = self._fell or record_id < self._previous
            self._rose = self._rose or record_id > self._previous
        self._previous = record_id
        return self._fell and not self._rose and record_id < self.wanted


def _value(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return "none" if value is None else shown(value)


def _described(filters: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {_value(value)}" for name, value in filters.items())


def refusal(
    rules: Rules,
    callback: Any,
    record: Any,
    differences: Mapping[str, tuple[Any, Any]],
    filters: Mapping[str, str],
) -> CallbackNotConfirmedError:
    """The error for a callback the API's `record` (None: no record) does not bear out."""
    identity = f"{rules.identity} {_value(getattr(callback, rules.identity))}"
    if record is None:
        message = (
            f"{rules.kind} callback refused: {rules.path} has no {rules.kind} with {identity} "
            f"(asked for {_described(filters)})"
        )
    else:
        detail = "; ".join(
            f"{name}: callback {_value(ours)}, API {_value(theirs)}"
            for name, (ours, theirs) in differences.items()
        )
        message = (
            f"{rules.kind} callback refused: the API's {rules.kind} with {identity} "
            f"differs from it in {detail}"
        )
    return CallbackNotConfirmedError(
        message, callback=callback, record=record, mismatches=differences
    )


def no_identity(rules: Rules, callback: Any) -> CallbackNotConfirmedError:
    """The error for a callback without the field its record is found by."""
    return CallbackNotConfirmedError(
        f"{rules.kind} callback refused: it has no {rules.identity}, and {rules.path} "
        f"can be asked for one {rules.kind} only by its {rules.identity}",
        callback=callback,
    )


def _filters(**values: str | None) -> dict[str, str]:
    """The history filters worth sending: those with a non-blank value."""
    return {name: value for name, value in values.items() if value is not None and value.strip()}


def _checked(value: Any, cls: type[T], field: str, parser: str) -> T:
    if not isinstance(value, cls):
        raise ValidationError(
            field, f"must be a {cls.__name__} (as {parser} returns), got {type(value).__name__}"
        )
    return value


async def _find(
    rules: Rules,
    paginator: AsyncPaginator[T],
    callback: T,
    filters: Mapping[str, str],
    *,
    past: Callable[[T], bool] | None = None,
) -> T:
    """The API's record of `callback`, read page by page until it is found or cannot come."""
    wanted = getattr(callback, rules.identity)
    candidates: list[T] = []
    done = False
    async with contextlib.aclosing(paginator.pages()) as pages:
        async for page in pages:
            for record in page.items:
                if past is not None and past(record):
                    done = True  # it cannot come any more
                    break
                if not same(getattr(record, rules.identity), wanted):
                    continue
                candidates.append(record)
                if rules.unique or not mismatches(rules, callback, record):
                    done = True
                    break
            if done:
                break
    match, differences = best_match(rules, callback, candidates)
    if match is None or differences:
        raise refusal(rules, callback, match, differences, filters)
    return match


async def confirm_deposit(
    history: History[Deposit], deposit: Deposit, *, timeout: TimeoutTypes | None
) -> Deposit:
    """The API's record of a wallet deposit's callback (see the module)."""
    deposit = _checked(deposit, Deposit, "deposit", "parse_deposit_callback")
    if deposit.txid is None or not deposit.txid.strip():
        raise no_identity(DEPOSIT_RULES, deposit)
    filters = _filters(
        txid=deposit.txid, ticker=deposit.ticker, network=deposit.network, address=deposit.address
    )
    paginator = history(**filters, page_size=SCAN_PAGE_SIZE, timeout=timeout)
    return await _find(DEPOSIT_RULES, paginator, deposit, filters)


async def confirm_invoice_payment(
    history: History[InvoiceDeposit], payment: InvoiceDeposit, *, timeout: TimeoutTypes | None
) -> InvoiceDeposit:
    """The API's record of an invoice payment's callback (see the module)."""
    payment = _checked(payment, InvoiceDeposit, "payment", "parse_invoice_callback")
    if payment.txid is None or not payment.txid.strip():
        raise no_identity(INVOICE_RULES, payment)
    filters = _filters(txid=payment.txid, ticker=payment.ticker, network=payment.network)
    paginator = history(**filters, page_size=SCAN_PAGE_SIZE, timeout=timeout)
    return await _find(INVOICE_RULES, paginator, payment, filters)


def withdrawal_filters(withdrawal: Withdrawal) -> dict[str, str]:
    """The narrowest filter of a withdrawal's history: txid, else address, else ticker+network."""
    for name in ("txid", "address"):
        filters = _filters(**{name: getattr(withdrawal, name)})
        if filters:
            return filters
    return _filters(ticker=withdrawal.ticker, network=withdrawal.network)


async def confirm_withdrawal(
    history: History[Withdrawal], withdrawal: Withdrawal, *, timeout: TimeoutTypes | None
) -> Withdrawal:
    """The API's record of a withdrawal's callback (see the module)."""
    withdrawal = _checked(withdrawal, Withdrawal, "withdrawal", "parse_withdrawal_callback")
    filters = withdrawal_filters(withdrawal)
    paginator = history(**filters, ordering="-id", page_size=SCAN_PAGE_SIZE, timeout=timeout)
    ids = DescendingIds(withdrawal.id)
    return await _find(
        WITHDRAWAL_RULES, paginator, withdrawal, filters, past=lambda record: ids.past(record.id)
    )
