"""Receiving one callback: check its URL, parse it, confirm it, hand it to the app once.

The order matters: a forged URL is refused before the body is read or the API
called; a body that does not parse before the API is called; a delivery
already handled before the API is called; and a delivery is remembered as
handled only once the app's handler returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

import attrs
from fastapi import Request

from common import CallbackNotConfirmedError, DecodeError, SDKError

from .._client import BitexGateClient
from .._models import Deposit, InvoiceDeposit, Withdrawal
from ._answers import (
    ALREADY_HANDLED,
    BUSY,
    FORGED_URL,
    HANDLED,
    HANDLER_FAILED,
    Answer,
    confirm_failure,
    is_transient,
    not_confirmed,
    not_parsed,
)
from ._seen import SeenStore, callback_key

__all__ = ["CallbackContext", "Handler", "Kind", "Receiver"]

logger = logging.getLogger("bitexgate.fastapi")

R = TypeVar("R", Deposit, InvoiceDeposit, Withdrawal)


@attrs.frozen(kw_only=True)
class CallbackContext(Generic[R]):
    """What a handler is told besides the record: where the callback came, and as what.

    `callback` is the record as it was posted; the handler's first argument is
    the API's record (the same object when confirming is off), which may have
    moved on to a later status. `kind` is "wallet deposit", "invoice payment"
    or "withdrawal". `ref` is the callback URL's `ref` parameter (vouched for
    only when the router verifies URLs); `key` is the key the record is
    remembered by in the seen store.
    """

    kind: str
    callback: R
    ref: str | None
    key: str
    request: Request


#: The app's coroutine for one kind: called with the confirmed record and the context.
Handler = Callable[[R, CallbackContext[R]], Awaitable[object]]


@attrs.frozen
class Kind(Generic[R]):
    """One kind of callback: its name, its parser, and how the API confirms it."""

    name: str
    parse: Callable[[bytes], R]
    confirm: Callable[[BitexGateClient, R], Awaitable[R]]


def _needed(gw: BitexGateClient | None) -> BitexGateClient:
    """The client, which the router asks for whenever it confirms or verifies."""
    if gw is None:
        raise RuntimeError("confirming or verifying a callback needs a BitexGateClient")
    return gw


class _KeyLocks:
    """One lock per key in use, so a duplicate in this process waits for the first."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Receiver:
    """Receives callbacks of every kind for one router, with one seen store."""

    def __init__(self, *, seen: SeenStore, confirm: bool, verify_url: bool) -> None:
        self.seen = seen
        self.confirm = confirm
        self.verify_url = verify_url
        self._locks = _KeyLocks()

    @property
    def needs_client(self) -> bool:
        """Whether a delivery needs the app's BitexGateClient (to confirm, or to verify URLs)."""
        return self.confirm or self.verify_url

    async def receive(
        self,
        kind: Kind[R],
        handler: Handler[R],
        request: Request,
        gw: BitexGateClient | None,
    ) -> Answer:
        """Take one delivery of `kind`, and say what to answer."""
        path = request.url.path  # never the query: it holds the URL's token
        if self.verify_url and not _needed(gw).verify_callback_url(str(request.url)):
            logger.warning("%s callback to %s refused: forged URL", kind.name, path)
            return FORGED_URL
        try:
            callback = kind.parse(await request.body())
        except DecodeError as exc:
            logger.warning("%s callback to %s refused: %s", kind.name, path, exc)
            return not_parsed(str(exc))
        key = callback_key(callback)
        async with self._locks.hold(key):
            return await self._take(kind, handler, request, gw, callback, key)

    async def _take(
        self,
        kind: Kind[R],
        handler: Handler[R],
        request: Request,
        gw: BitexGateClient | None,
        callback: R,
        key: str,
    ) -> Answer:
        claim = await self.seen.claim(key)
        if claim != "new":
            logger.info("%s callback %s skipped: %s", kind.name, key, claim)
            return ALREADY_HANDLED if claim == "seen" else BUSY
        claimed = [key]
        try:
            record, record_key = callback, key
            if self.confirm:
                confirmed = await self._confirm(kind, _needed(gw), callback, key)
                if isinstance(confirmed, Answer):
                    return confirmed
                record, record_key = confirmed, callback_key(confirmed)
            if record_key != key:  # the record moved on: was its new status handled?
                claim = await self.seen.claim(record_key)
                if claim != "new":
                    logger.info("%s callback %s skipped: %s", kind.name, record_key, claim)
                    if claim == "seen":
                        await self.seen.mark_seen(key)
                        claimed.clear()
                        return ALREADY_HANDLED
                    return BUSY
                claimed.append(record_key)
            context = CallbackContext(
                kind=kind.name,
                callback=callback,
                ref=request.query_params.get("ref"),
                key=record_key,
                request=request,
            )
            try:
                await handler(record, context)
            except Exception:
                logger.exception("%s callback %s: the handler failed", kind.name, record_key)
                return HANDLER_FAILED
            for handled in claimed:
                await self.seen.mark_seen(handled)
            claimed.clear()
            logger.info("%s callback %s handled", kind.name, record_key)
            return HANDLED
        finally:
            for unhandled in claimed:
                await self.seen.release(unhandled)

    async def _confirm(
        self, kind: Kind[R], gw: BitexGateClient, callback: R, key: str
    ) -> R | Answer:
        try:
            return await kind.confirm(gw, callback)
        except CallbackNotConfirmedError as exc:
            logger.warning(
                "%s callback %s refused: not confirmed by the API (%s)",
                kind.name,
                key,
                ", ".join(exc.mismatches) or "no such record",
            )
            return not_confirmed(kind.name)
        except SDKError as exc:
            level = logging.WARNING if is_transient(exc) else logging.ERROR
            logger.log(level, "%s callback %s: confirming failed: %r", kind.name, key, exc)
            return confirm_failure(exc)
