"""What this machine knows of a server's clock, learnt from the `Date` headers of its answers.

A `Date` header names the second in which the server wrote its answer: the
server's time then lay in `[D, D + 1)`. The answer was written after this machine
sent the request (local time `sent_at`) and before the answer arrived (local time
`received_at`), so the offset `server - local` lies in

    [D - received_at, D + 1 - sent_at)

Each answer gives such an interval; their intersection narrows as answers fall
at different points of a second, to about one round trip wide. An interval that
does not meet the others means a clock was stepped: the estimate starts again
from it.
"""

from __future__ import annotations

import email.utils
import math

import attrs

__all__ = [
    "DEADLINE_MISS",
    "DeadlineMiss",
    "ServerClock",
    "date_header_epoch",
    "judge_refusal",
    "offset_bounds",
]

#: The key, in a refused response's `extensions`, of the `DeadlineMiss` its auth judged.
DEADLINE_MISS = "common.deadline_miss"

#: How much further ahead than its window a deadline may lie before a refusal is put on it.
AHEAD_TOLERANCE = 1.0


def date_header_epoch(value: str | None) -> float | None:
    """The epoch seconds of an HTTP `Date` header; None when it is missing or unreadable."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # RFC 9110 dates are GMT; a zone-less one is not trustworthy
        return None
    stamp = moment.timestamp()
    return stamp if math.isfinite(stamp) else None


def offset_bounds(date: float, *, sent_at: float, received_at: float) -> tuple[float, float]:
    """The interval of `server - local` offsets consistent with one answer's `Date`."""
    return date - received_at, date + 1.0 - sent_at


@attrs.define
class ServerClock:
    """An estimate of `server time - local time`, in seconds, from answers' `Date` headers.

    With `fixed_offset` set, that offset is used as it is and `Date` headers are
    ignored (for a server whose `Date` comes from a proxy with another clock).
    Before any answer has been seen, the offset is taken to be zero.
    """

    fixed_offset: float | None = None
    _low: float = attrs.field(default=-math.inf, init=False)
    _high: float = attrs.field(default=math.inf, init=False)
    _last_date: tuple[str, float | None] = attrs.field(default=("", None), init=False)

    @property
    def known(self) -> bool:
        """Whether the offset is fixed or has been measured."""
        return self.fixed_offset is not None or math.isfinite(self._high)

    @property
    def bounds(self) -> tuple[float, float]:
        """The lowest and highest offsets consistent with every answer seen (both 0 if none)."""
        if self.fixed_offset is not None:
            return self.fixed_offset, self.fixed_offset
        if not math.isfinite(self._high):
            return 0.0, 0.0
        return self._low, self._high

    @property
    def offset(self) -> float:
        """The best estimate of `server - local`: the middle of `bounds`."""
        low, high = self.bounds
        return (low + high) / 2

    @property
    def uncertainty(self) -> float:
        """Half the width of `bounds`: how far `offset` may be from the truth."""
        low, high = self.bounds
        return (high - low) / 2

    def latest(self, local: float) -> float:
        """The latest time the server's clock may show when the local clock shows `local`."""
        return local + self.bounds[1]

    def observe(self, date_header: str | None, *, sent_at: float, received_at: float) -> None:
        """Narrow the estimate with one answer's `Date`, sent and received at these local times."""
        if self.fixed_offset is not None or received_at < sent_at:
            return
        cached_text, date = self._last_date
        if date_header != cached_text:  # the header changes once a second: parse it then
            date = date_header_epoch(date_header)
            self._last_date = (date_header or "", date)
        if date is None:
            return
        low, high = offset_bounds(date, sent_at=sent_at, received_at=received_at)
        if low > self._high or high < self._low:  # a clock was stepped: start again
            self._low, self._high = low, high
        else:
            self._low, self._high = max(self._low, low), min(self._high, high)


@attrs.frozen
class DeadlineMiss:
    """Why a refused request that carried a signed deadline may have been refused for its timing.

    `late`: the answer came when the server's clock may already have passed the
    deadline. Otherwise the deadline lay too far ahead of the server's clock.
    `certain` says the clock estimate leaves no doubt about it.
    """

    late: bool
    certain: bool
    clock_offset: float
    clock_uncertainty: float


def judge_refusal(
    *,
    deadline: float,
    signed_offset: float,
    received_at: float,
    clock: ServerClock,
) -> DeadlineMiss | None:
    """Whether a refusal of a request signed with `deadline` may be down to its timing.

    `deadline` is in the server's epoch seconds, `signed_offset` the server-clock
    offset it was signed with, `received_at` the local time the refusal arrived;
    `clock` has already seen that refusal's `Date`. A refusal that came before the
    deadline (by the latest the server's clock can show) and whose deadline was
    not far ahead of that clock is about the credentials, not the timing: None.
    """
    low, high = clock.bounds
    offset, uncertainty = clock.offset, clock.uncertainty
    if received_at + high >= deadline:
        certain = clock.known and received_at + low >= deadline
        return DeadlineMiss(True, certain, offset, uncertainty)
    if signed_offset - high > AHEAD_TOLERANCE:
        certain = clock.known and signed_offset - high > 2 * AHEAD_TOLERANCE
        return DeadlineMiss(False, certain, offset, uncertainty)
    return None
