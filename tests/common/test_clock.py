"""The server-clock estimate from `Date` headers, and the judgement of refused deadlines."""

from __future__ import annotations

import email.utils

import pytest

from common._clock import (
    DeadlineMiss,
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


def test_one_answer_bounds_the_offset_to_about_a_second() -> None:
    # The server wrote "T" while this machine's clock went from T-5.2 to T-5.1:
    # the server's clock is between 5.1 and 6.2 s ahead.
    low, high = offset_bounds(T, sent_at=T - 5.2, received_at=T - 5.1)
    assert (low, high) == pytest.approx((5.1, 6.2))


def test_answers_at_different_points_of_a_second_narrow_the_estimate() -> None:
    clock = ServerClock()
    true_offset = 3.37
    for local in (T + 0.1, T + 0.45, T + 0.8, T + 1.2, T + 1.61):
        server_now = local + true_offset
        clock.observe(date(server_now), sent_at=local - 0.01, received_at=local + 0.01)
    low, high = clock.bounds
    assert low <= true_offset <= high
    assert high - low < 0.3
    assert clock.offset == pytest.approx(true_offset, abs=0.15)
    assert clock.uncertainty == pytest.approx((high - low) / 2)


def test_before_any_answer_the_offset_is_zero_and_unknown() -> None:
    clock = ServerClock()
    assert not clock.known
    assert clock.bounds == (0.0, 0.0)
    assert clock.latest(T) == T


def test_a_stepped_clock_starts_the_estimate_again() -> None:
    clock = ServerClock()
    clock.observe(date(T + 2.5), sent_at=T, received_at=T + 0.01)  # 2 to 3 s ahead
    clock.observe(date(T + 10 - 7.0), sent_at=T + 10, received_at=T + 10.01)  # now -7
    low, high = clock.bounds
    assert low <= -7.0 <= high
    assert high - low <= 1.02


def test_a_fixed_offset_ignores_date_headers() -> None:
    clock = ServerClock(fixed_offset=-1.5)
    clock.observe(date(T + 100), sent_at=T, received_at=T + 0.01)
    assert clock.known
    assert clock.bounds == (-1.5, -1.5)
    assert clock.offset == -1.5


def test_answers_without_a_readable_date_teach_nothing() -> None:
    clock = ServerClock()
    clock.observe(None, sent_at=T, received_at=T + 0.1)
    clock.observe("garbage", sent_at=T, received_at=T + 0.1)
    assert not clock.known


def known_clock(offset: float) -> ServerClock:
    """A clock that has learnt `offset` to within about 10 ms."""
    clock = ServerClock()
    for step in range(40):
        local = T + step * 0.137
        clock.observe(date(local + offset), sent_at=local - 0.005, received_at=local + 0.005)
    return clock


def test_a_refusal_after_the_deadline_is_late() -> None:
    clock = known_clock(5.0)  # the server is 5 s ahead
    # Signed before the offset was known (offset 0): deadline T+0.5 on a clock at T+5.
    miss = judge_refusal(deadline=T + 0.5, signed_offset=0.0, received_at=T + 0.02, clock=clock)
    assert miss == DeadlineMiss(
        late=True,
        certain=True,
        clock_offset=pytest.approx(5.0, abs=0.02),
        clock_uncertainty=pytest.approx(0.0, abs=0.02),
    )


def test_a_refusal_of_a_deadline_far_ahead_is_put_on_the_clock() -> None:
    clock = known_clock(-5.0)  # the server is 5 s behind
    miss = judge_refusal(deadline=T + 0.5, signed_offset=0.0, received_at=T + 0.02, clock=clock)
    assert miss is not None
    assert not miss.late
    assert miss.certain
    assert miss.clock_offset == pytest.approx(-5.0, abs=0.02)


def test_a_quick_refusal_well_inside_the_window_is_about_the_credentials() -> None:
    clock = known_clock(0.2)
    signed = clock.bounds[1]
    deadline = T + signed + 0.5
    miss = judge_refusal(deadline=deadline, signed_offset=signed, received_at=T + 0.02, clock=clock)
    assert miss is None


def test_an_unknown_clock_makes_a_refusal_near_the_deadline_only_possibly_late() -> None:
    clock = ServerClock()
    clock.observe(date(T + 0.3), sent_at=T, received_at=T + 0.01)  # offset in [-0.01, 1.0]
    miss = judge_refusal(deadline=T + 0.5, signed_offset=0.0, received_at=T + 0.01, clock=clock)
    assert miss is not None
    assert miss.late
    assert not miss.certain
