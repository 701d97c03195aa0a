"""A clock and a sleep that move only when a test says: for limiters, without timing."""

from __future__ import annotations

import asyncio


class ManualTime:
    """A clock and a sleep for a limiter: sleepers wake when `advance` passes their time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        future = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, future))
        await future

    async def advance(self, seconds: float, *, run: bool = True) -> None:
        """Move the clock, wake the sleepers due, and (`run`) let the tasks go on."""
        self.now += seconds
        for due, future in list(self._sleepers):
            if due <= self.now + 1e-9:
                self._sleepers.remove((due, future))
                if not future.done():
                    future.set_result(None)
        if run:
            await settle()


async def settle() -> None:
    """Let every ready task run until it waits on something again."""
    for _ in range(20):
        await asyncio.sleep(0)
