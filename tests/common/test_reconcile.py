"""The settle-and-retry schedule of a lookup after a lost answer, and what its error says."""

from __future__ import annotations

import asyncio

import pytest

from common import NetworkError, RequestTimeout, ServiceUnavailableError, ValidationError
from common._reconcile import (
    DEFAULT_RECONCILE_DELAYS,
    Look,
    Settled,
    add_detail,
    not_settled_note,
    settle,
    settle_schedule,
)
from tests.conftest import SleepRecorder


class Looks:
    """A look that answers from a script: a record, None, an exception, or final."""

    def __init__(self, *script: object) -> None:
        self.script = list(script)
        self.made = 0

    async def __call__(self) -> Look[str]:
        step = self.script[self.made]
        self.made += 1
        if isinstance(step, Exception):
            raise step
        if step == "final":
            return Look(None, final=True)
        return Look(step if isinstance(step, str) else None)


async def test_the_first_look_that_finds_it_ends_the_schedule(sleeps: SleepRecorder) -> None:
    look = Looks(None, None, "record")
    settled = await settle((0.5, 1.0, 2.0, 4.0), look, sleep=sleeps)
    assert (settled.found, settled.looks, settled.failures) == ("record", 3, 0)
    assert sleeps.delays == [0.5, 1.0, 2.0]  # each look after its wait, no more
    assert look.made == 3


async def test_nothing_found_after_every_wait(sleeps: SleepRecorder) -> None:
    settled = await settle((0.5, 1.0), Looks(None, None), sleep=sleeps)
    assert settled == Settled(None, 2, 0, settled.seconds)
    assert sleeps.delays == [0.5, 1.0]


async def test_a_failed_look_is_noted_and_the_next_one_made(sleeps: SleepRecorder) -> None:
    down = ServiceUnavailableError("502", status_code=502, body=None, text="")
    settled = await settle((0, 0, 0), Looks(down, "record"), sleep=sleeps)
    assert (settled.found, settled.looks, settled.failures, settled.error) == ("record", 2, 1, None)


async def test_when_the_last_look_fails_its_error_is_kept(sleeps: SleepRecorder) -> None:
    first, last = NetworkError("reset"), RequestTimeout("slow")
    settled = await settle((0, 0), Looks(first, last), sleep=sleeps)
    assert (settled.found, settled.failures, settled.error) == (None, 2, last)


async def test_any_exception_of_a_look_is_caught(sleeps: SleepRecorder) -> None:
    settled = await settle((0,), Looks(KeyError("a bug")), sleep=sleeps)
    assert isinstance(settled.error, KeyError)


async def test_a_final_look_stops_the_schedule(sleeps: SleepRecorder) -> None:
    settled = await settle((0.5, 1.0, 2.0), Looks("final"), sleep=sleeps)
    assert (settled.found, settled.looks) == (None, 1)
    assert sleeps.delays == [0.5]


async def test_an_empty_schedule_makes_no_look(sleeps: SleepRecorder) -> None:
    look = Looks()
    assert (await settle((), look, sleep=sleeps)).looks == 0
    assert look.made == 0


@pytest.mark.parametrize("while_", ["waiting", "looking"])
async def test_cancellation_ends_the_looking_at_once(while_: str) -> None:
    started = asyncio.Event()

    async def blocking_sleep(delay: float) -> None:
        if while_ == "waiting":
            started.set()
            await asyncio.Event().wait()

    async def look() -> Look[str]:
        started.set()
        await asyncio.Event().wait()
        return Look("never")

    task = asyncio.create_task(settle((0, 0), look, sleep=blocking_sleep))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_the_default_schedule_is_short_and_valid() -> None:
    assert settle_schedule("reconcile_delays", DEFAULT_RECONCILE_DELAYS) == (0.5, 1.0, 2.0, 4.0)
    assert settle_schedule("reconcile_delays", [0, 1]) == (0.0, 1.0)
    assert settle_schedule("reconcile_delays", ()) == ()


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (0.5, "must be a tuple of seconds"),
        ("0.5", "must be a tuple of seconds"),
        (None, "must be a tuple of seconds"),
        ((0.5,) * 21, "at most 20 waits"),
        ((0.5, -1), "reconcile_delays[1]: must be a number of seconds from 0 to 60"),
        ((61,), "reconcile_delays[0]"),
        ((float("nan"),), "reconcile_delays[0]"),
        ((True,), "reconcile_delays[0]"),
    ],
)
def test_a_bad_schedule_is_refused(value: object, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        settle_schedule("reconcile_delays", value)
    assert caught.value.field.startswith("reconcile_delays")
    assert rule in str(caught.value)


def _settled(looks: int, failures: int = 0, error: Exception | None = None) -> Settled[str]:
    return Settled(None, looks, failures, 7.46, error)


@pytest.mark.parametrize(
    ("settled", "candidates", "expected"),
    [
        (
            _settled(4),
            0,
            "The SDK looked for X 4 times over 7.5 s and did not find it. Not found is not "
            "proof that it was not made: it may still appear.",
        ),
        (
            _settled(1, 1, RequestTimeout("no answer")),
            0,
            "The SDK looked for X 1 time over 7.5 s, but every look failed; the last look: "
            "RequestTimeout: no answer. Not found is not proof",
        ),
        (
            _settled(3, 1),
            0,
            "The SDK looked for X 3 times over 7.5 s and did not find it (1 of the looks failed).",
        ),
        (
            _settled(2),
            2,
            "The SDK looked for X 2 times over 7.5 s and found 2 that may be it, and cannot "
            "tell them apart (see `candidates`). Check them before sending it again.",
        ),
        (_settled(2), 1, "found one that may be it, but could not confirm it (see `candidates`)"),
    ],
)
def test_the_note_says_where_it_looked_how_long_and_what_came_of_it(
    settled: Settled[str], candidates: int, expected: str
) -> None:
    assert expected in not_settled_note("for X", settled, candidates=candidates)


def test_a_long_error_of_a_look_is_quoted_short() -> None:
    note = not_settled_note("for X", _settled(1, 1, RequestTimeout("x" * 1000)))
    assert "x" * 297 + "..." in note
    assert "x" * 298 not in note


def test_add_detail_extends_the_message_and_keeps_the_error() -> None:
    error = ServiceUnavailableError(
        "POST /w returned 502",
        status_code=502,
        body={"detail": "Bad gateway."},
        text="{}",
        method="POST",
        url="https://x/w",
        outcome_unknown=True,
        hint="Look for it.",
    )
    same = add_detail(error, "The SDK looked for it.")
    assert same is error
    assert error.message == "POST /w returned 502. The SDK looked for it."
    assert str(error) == error.args[0]
    assert str(error).startswith("POST /w returned 502. The SDK looked for it. The outcome")
    assert str(error).endswith("Look for it.")
    assert (error.status_code, error.outcome_unknown, error.hint) == (502, True, "Look for it.")
    add_detail(error, "Again.")
    assert error.message.endswith("looked for it. Again.")
