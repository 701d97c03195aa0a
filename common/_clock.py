"""What this machine knows of a server's clock, learnt from the `Date` headers of its answers.

A `Date` header names a whole second of the server's clock, and some servers
write one they refresh only once a second (uvicorn does): when the server wrote
its answer, its clock lay in `[D, D + 1 + DATE_LAG)`. The answer was written
after this machine sent the request (local time `sent_at`) and before the answer
arrived (local time `received_at`), so the offset `server - local` lies in

    [D - received_at, D + 1 + DATE_LAG - sent_at)

Each answer gives such an interval; their intersection narrows as answers fall at
different points of a second. Both ends stay true whatever the phase of the
server's `Date` refresh, so the estimate can be wide but is never wrong. Bounds
loosen by `DRIFT` a second as they age, so a clock stepped by a little is
followed; an interval that does not meet the others means a clock was stepped by
more: the estimate starts again from it.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable

import attrs

__all__ = [
    "DATE_LAG",
    "DEADLINE_MISS",
    "DeadlineMiss",
    "ServerClock",
    "date_header_epoch",
    "judge_refusal",
    "offset_bounds",
]

#: The key, in a refused response's `extensions`, of the `DeadlineMiss` its auth judged.
DEADLINE_MISS = "common.deadline_miss"

#: How long a server may keep writing the same `Date` after its second has passed.
DATE_LAG = 1.0
#: How fast an estimate loosens as it ages (seconds per second: 1 ms a second).
DRIFT = 0.001
#: How much further ahead than its window a deadline must have lain for a refusal
#: to be put on this machine's clock being ahead.
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
    return date - received_at, date + 1.0 + DATE_LAG - sent_at


@attrs.define
class ServerClock:
    """An estimate of `server time - local time`, in seconds, from answers' `Date` headers.

    With `fixed_offset` set, that offset is used as it is and `Date` headers are
    ignored (for a server whose `Date` comes from a proxy with another clock).
    Before any answer has been seen, the offset is taken to be zero.
    """

    fixed_offset: float | None = None
    #: Ages the bounds (monotonic seconds); a test may pass its own.
    monotonic: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)
    _low: float = attrs.field(default=-math.inf, init=False)
    _high: float = attrs.field(default=math.inf, init=False)
    _updated_at: float = attrs.field(default=0.0, init=False)
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
        slack = DRIFT * max(0.0, self.monotonic() - self._updated_at)
        return self._low - slack, self._high + slack

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

    def observe(self, date_header: str | None, *, sent_at: float, received_at: float) -> None:
        """Narrow the estimate with one answer's `Date`, sent and received at these local times."""
        if self.fixed_offset is not None or received_at < sent_at:
            return
        date = self.parse(date_header)
        if date is None:
            return
        new_low, new_high = offset_bounds(date, sent_at=sent_at, received_at=received_at)
        low, high = self.bounds
        if not self.known or new_low > high or new_high < low:  # a clock was stepped
            low, high = new_low, new_high
        else:
            low, high = max(low, new_low), min(high, new_high)
        self._low, self._high, self._updated_at = low, high, self.monotonic()

    def parse(self, date_header: str | None) -> float | None:
        """The epoch seconds of a `Date` header (the last one read is kept), or None."""
        cached_text, date = self._last_date
        if date_header != cached_text:  # the header changes once a second: parse it then
            date = date_header_epoch(date_header)
            self._last_date = (date_header or "", date)
        return date


@attrs.frozen
class DeadlineMiss:
    """Why a refused request that carried a signed deadline was refused for its timing.

    `late`: the server's clock had passed the deadline when it wrote the refusal.
    Otherwise the deadline lay too far ahead of the server's clock.
    """

    late: bool
    clock_offset: float
    clock_uncertainty: float


def judge_refusal(
    *,
    deadline: float,
    signed_offset: float,
    refusal_date: float | None,
    clock: ServerClock,
) -> DeadlineMiss | None:
    """Whether a refusal of a request signed with `deadline` is proven to be down to its timing.

    `deadline` is in the server's epoch seconds, `signed_offset` the server-clock
    offset it was signed with, `refusal_date` the refusal's own `Date` (epoch
    seconds); `clock` has already seen it. Late: that `Date` is at or past the
    deadline, so the server's clock had passed it when the refusal was written.
    Ahead: the deadline lay more than `AHEAD_TOLERANCE` beyond the window ahead of
    the latest time the server's clock can have shown. Anything short of that is
    about the credentials (None), so a wrong key or secret is never resent or
    blamed on the clock, however slow the link.
    """
    high = clock.bounds[1]
    offset, uncertainty = clock.offset, clock.uncertainty
    if refusal_date is not None and refusal_date >= deadline:
        return DeadlineMiss(True, offset, uncertainty)
    if clock.fixed_offset is None and clock.known and signed_offset - high > AHEAD_TOLERANCE:
        return DeadlineMiss(False, offset, uncertainty)
    return None
