"""The server-clock estimate from `Date` headers, and the judgement of refused deadlines."""

from __future__ import annotations

import email.utils
import math

import pytest

from common._clock import (
    DATE_LAG,
    DRIFT,
    ServerClock,
    date_header_epoch,
    judge_refusal,
    offset_bounds,
)

T = 1_700_000_000.0  # a whole second, so fractions below are exact


def date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


def test_date_header_epoch_reads_the_http_date() -> None:
    assert date_header_epoch("Tue, 14 Nov 2023 22:13:20 GMT") == T
    assert date_header_epoch(date(T + 0.9)) == T  # a Date names its whole second


@pytest.mark.parametrize("value", [None, "", "yesterday", "Tue, 99 Nov 2023 25:61:61 GMT"])
def test_date_header_epoch_ignores_what_it_cannot_read(value: str | None) -> None:
    assert date_header_epoch(value) is None


def test_one_answer_bounds_the_offset_allowing_for_a_date_written_late() -> None:
    # The server wrote "T" while this machine's clock went from T-5.2 to T-5.1: the
    # server's clock then showed T to T+2 (a Date may lag by DATE_LAG), so it is
    # between 5.1 and 7.2 s ahead.
    low, high = offset_bounds(T, sent_at=T - 5.2, received_at=T - 5.1)
    assert DATE_LAG == 1.0
    assert (low, high) == pytest.approx((5.1, 7.2))


class Monotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def observe_at(clock: ServerClock, local: float, server: float, rtt: float = 0.02) -> None:
    """One answer written when the server's clock showed `server`, around local time `local`."""
    clock.observe(date(server), sent_at=local - rtt / 2, received_at=local + rtt / 2)


def test_answers_at_different_points_of_a_second_narrow_the_estimate() -> None:
    clock = ServerClock(monotonic=Monotonic())
    true_offset = 3.37
    for local in (T + 0.1, T + 0.45, T + 0.8, T + 1.2, T + 1.61, T + 2.05):
        observe_at(clock, local, local + true_offset)
    low, high = clock.bounds
    assert low <= true_offset <= high
    assert high - low < 1.3  # a second of allowance for a late Date, and a little more
    assert clock.uncertainty == pytest.approx((high - low) / 2)


def test_a_date_refreshed_once_a_second_keeps_the_truth_inside_the_bounds() -> None:
    """uvicorn writes the Date it refreshed at a fixed point of each second (here .85)."""
    clock = ServerClock(monotonic=Monotonic())
    for step in range(60):
        local = T + step * 0.137
        stale = math.floor(local - 0.85)  # the Date of the last refresh, in sync clocks
        clock.observe(date(stale), sent_at=local - 0.01, received_at=local + 0.01)
    low, high = clock.bounds
    assert low <= 0.0 <= high  # wide, but never wrong: signing at `high` is never late
    assert high >= 0.0


def test_before_any_answer_the_offset_is_zero_and_unknown() -> None:
    clock = ServerClock()
    assert not clock.known
    assert clock.bounds == (0.0, 0.0)


def test_a_stepped_clock_starts_the_estimate_again() -> None:
    clock = ServerClock(monotonic=Monotonic())
    observe_at(clock, T, T + 2.5)  # about 2 to 4 s ahead
    observe_at(clock, T + 10, T + 10 - 7.0)  # now 7 s behind
    low, high = clock.bounds
    assert low <= -7.0 <= high
    assert high - low <= 2.1


def test_bounds_loosen_as_they_age() -> None:
    monotonic = Monotonic()
    clock = ServerClock(monotonic=monotonic)
    observe_at(clock, T, T + 1.5)
    before = clock.bounds
    monotonic.now += 100.0
    after = clock.bounds
    assert after[0] == pytest.approx(before[0] - DRIFT * 100)
    assert after[1] == pytest.approx(before[1] + DRIFT * 100)


def test_a_fixed_offset_ignores_date_headers() -> None:
    clock = ServerClock(fixed_offset=-1.5)
    observe_at(clock, T, T + 100)
    assert clock.known
    assert clock.bounds == (-1.5, -1.5)
    assert clock.offset == -1.5


def test_answers_without_a_readable_date_teach_nothing() -> None:
    clock = ServerClock()
    clock.observe(None, sent_at=T, received_at=T + 0.1)
    clock.observe("garbage", sent_at=T, received_at=T + 0.1)
    assert not clock.known


def seen(clock: ServerClock, local: float, server: float) -> float:
    """`clock` after one refusal written at `server`; that refusal's Date, in epoch seconds."""
    observe_at(clock, local, server)
    parsed = clock.parse(date(server))
    assert parsed is not None
    return parsed


def test_a_refusal_dated_after_the_deadline_is_late() -> None:
    clock = ServerClock(monotonic=Monotonic())
    # Signed before the offset was known (offset 0): deadline T+0.5, on a clock at T+5.
    refusal = seen(clock, T + 0.02, T + 5.0)
    miss = judge_refusal(deadline=T + 0.5, signed_offset=0.0, refusal_date=refusal, clock=clock)
    assert miss is not None
    assert miss.late
    assert miss.clock_offset == pytest.approx(5.5, abs=0.6)


def test_a_refusal_of_a_deadline_far_ahead_is_put_on_the_clock() -> None:
    clock = ServerClock(monotonic=Monotonic())
    refusal = seen(clock, T + 0.02, T - 5.0)  # the server is 5 s behind
    miss = judge_refusal(deadline=T + 0.5, signed_offset=0.0, refusal_date=refusal, clock=clock)
    assert miss is not None
    assert not miss.late
    assert miss.clock_offset == pytest.approx(-4.5, abs=0.6)


@pytest.mark.parametrize("round_trip", [0.02, 0.55, 1.4])
def test_a_refusal_written_before_the_deadline_is_about_the_credentials(round_trip: float) -> None:
    """However slow the link: only a Date past the deadline proves lateness."""
    clock = ServerClock(monotonic=Monotonic())
    for step in range(10):
        observe_at(clock, T + step * 0.3, T + step * 0.3, rtt=round_trip)
    signed = clock.bounds[1]
    sent = T + 3.0
    deadline = sent + signed + 0.5
    server_wrote = sent + round_trip / 2  # the server answered at once
    refusal = seen(clock, sent + round_trip / 2, server_wrote)
    miss = judge_refusal(deadline=deadline, signed_offset=signed, refusal_date=refusal, clock=clock)
    assert miss is None


def test_a_fixed_offset_never_puts_a_refusal_on_the_clock_being_ahead() -> None:
    clock = ServerClock(fixed_offset=0.0)
    miss = judge_refusal(deadline=T + 0.5, signed_offset=0.0, refusal_date=T, clock=clock)
    assert miss is None
