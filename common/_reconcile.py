"""Settling an unknown outcome: looking, on a short schedule, for what a lost request made.

A request that creates something (a withdrawal, an order) and loses its answer
may have taken effect. The SDK never sends it again. Where the API keeps a list
in which the record can be told apart, the client looks for it there instead: a
few times, after growing waits (the server may still be writing it), and stops
at the first look that settles it. `settle` runs that schedule; the caller's
`look` says what one look found. A look that fails (the server still down) is
noted and the next one tried: whatever happens, the caller ends with the record
or with the original error, never with an error of the looking.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import attrs

from ._errors import SDKError, ValidationError
from ._validation import seconds, shown

__all__ = [
    "DEFAULT_RECONCILE_DELAYS",
    "MAX_RECONCILE_DELAY",
    "MAX_RECONCILE_LOOKS",
    "Look",
    "Settled",
    "add_detail",
    "not_settled_note",
    "settle",
    "settle_schedule",
]

T = TypeVar("T")

#: The waits (seconds) before each look: 7.5 s in all. Long enough for a request a
#: proxy gave up on to be written by the server behind it; short enough for a caller
#: waiting on the payment. `()` turns looking off.
DEFAULT_RECONCILE_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
#: The most looks a schedule may make, and the longest wait before one.
MAX_RECONCILE_LOOKS = 20
MAX_RECONCILE_DELAY = 60.0

#: The longest text of a failed look's error quoted in the original error's message.
_MAX_QUOTED = 300

logger = logging.getLogger("common.reconcile")


def settle_schedule(field: str, value: Any) -> tuple[float, ...]:
    """A settle schedule: a sequence (a tuple) of at most 20 waits, each 0 to 60 seconds."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError(
            field, f"must be a tuple of seconds to wait before each look, got {shown(value)}"
        )
    if len(value) > MAX_RECONCILE_LOOKS:
        raise ValidationError(
            field, f"must hold at most {MAX_RECONCILE_LOOKS} waits, got {len(value)}"
        )
    return tuple(
        seconds(f"{field}[{index}]", delay, maximum=MAX_RECONCILE_DELAY, allow_zero=True)
        for index, delay in enumerate(value)
    )


@attrs.frozen
class Look(Generic[T]):
    """What one look found: the record, or nothing yet; `final` when looking again cannot help."""

    found: T | None = None
    final: bool = False


@attrs.frozen
class Settled(Generic[T]):
    """How the looking ended: the record found (or None), and what it took.

    `looks` counts the looks made, `failures` those that raised (`error` is the
    last one's error, when the last look failed), `seconds` the time from the
    first wait to the end of the last look.
    """

    found: T | None
    looks: int
    failures: int
    seconds: float
    error: Exception | None = None

    @property
    def effort(self) -> str:
        """The looks made and the time they took, for a message: "2 looks over 1.5 s"."""
        return f"{self.looks} look{'' if self.looks == 1 else 's'} over {self.seconds:.1f} s"


async def settle(
    delays: Sequence[float],
    look: Callable[[], Awaitable[Look[T]]],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Settled[T]:
    """Look after each wait of `delays` until a look finds the record or says it is final.

    A look that raises is noted, and the next one made. Cancellation is not
    caught: it ends the looking at once.
    """
    started = monotonic()
    looks = failures = 0
    error: Exception | None = None
    for delay in delays:
        await sleep(delay)
        looks += 1
        try:
            result = await look()
        except Exception as exc:  # noqa: BLE001 - a failed look must never hide the lost answer
            failures += 1
            error = exc
            logger.info("look %d for a lost answer failed: %s", looks, type(exc).__name__)
            continue
        error = None
        if result.found is not None or result.final:
            return Settled(result.found, looks, failures, monotonic() - started)
    return Settled(None, looks, failures, monotonic() - started, error)


def not_settled_note(what: str, settled: Settled[Any], *, candidates: int = 0) -> str:
    """The sentence an error gains when looking did not settle what its request made.

    `what` says what was looked for, and where (`"for client_order_id 'x' in
    withdraw/history"`); `candidates` counts the records found that may be it
    but could not be told apart, attached to the error as `candidates`.
    """
    spent = f"{settled.looks} time{'s' if settled.looks != 1 else ''} over {settled.seconds:.1f} s"
    if settled.failures == settled.looks:
        note = f"The SDK looked {what} {spent}, but every look failed"
    else:
        if candidates == 1:
            found = "found one that may be it, but could not confirm it (see `candidates`)"
        elif candidates:
            found = (
                f"found {candidates} that may be it, and cannot tell them apart (see `candidates`)"
            )
        else:
            found = "did not find it"
        note = f"The SDK looked {what} {spent} and {found}"
        if settled.failures:
            note += f" ({settled.failures} of the looks failed)"
    if settled.error is not None:
        text = str(settled.error)
        if len(text) > _MAX_QUOTED:
            text = text[: _MAX_QUOTED - 3] + "..."
        note += f"; the last look: {type(settled.error).__name__}: {text}"
    if candidates:
        return note + ". Check them before sending it again."
    return note + ". Not found is not proof that it was not made: it may still appear."


def add_detail(error: SDKError, text: str) -> SDKError:
    """`error`, its message extended with `text`: what the SDK found out after it."""
    ended = error.message.rstrip().endswith((".", "!", "?"))
    error.message = f"{error.message.rstrip()}{' ' if ended else '. '}{text}"
    error.args = (str(error),)
    return error
