"""The lifetime every client, transport and sandbox shares: `aclose()`, or `async with`."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TypeVar

__all__ = ["AsyncResource"]

_R = TypeVar("_R", bound="AsyncResource")


class AsyncResource(abc.ABC):
    """Something that holds connections or tasks: close it with `aclose()`, or use it in
    `async with`, which closes it however the block ends."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release what this holds."""

    async def __aenter__(self: _R) -> _R:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
