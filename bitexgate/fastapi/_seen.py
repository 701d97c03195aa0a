"""Which callbacks were handled already: the key of a delivery, and the stores that remember it.

A key names the kind, the record and its status (`callback_key`), so the same
record at a new status is a new delivery. A store hands each key out once
(`claim`), remembers it once handled (`mark_seen`), and lets it go again when
handling failed (`release`). `MemorySeenStore` keeps the keys in this process,
bounded; a store shared by several processes (a database table, a Redis
`SET NX`) implements the same three methods.
"""

from __future__ import annotations

import collections
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import quote

from .._models import Deposit, InvoiceDeposit, Withdrawal

__all__ = ["Claim", "MemorySeenStore", "SeenStore", "callback_key"]

#: What `SeenStore.claim` found: "new" (now the caller's to handle), "seen"
#: (handled already), or "busy" (claimed by another caller, not handled yet).
Claim = Literal["new", "seen", "busy"]


@runtime_checkable
class SeenStore(Protocol):
    """Remembers which deliveries were handled, so a repeated one is skipped.

    `claim(key)` must be atomic: of two callers claiming the same key at once,
    one gets "new" and the other "busy". The caller that got "new" ends with
    `mark_seen(key)` when it handled the delivery, or `release(key)` when it
    failed (then the key can be claimed again). A store shared by processes
    should let a claim expire (a process may die holding it) and may forget
    old keys: a key forgotten is a delivery handled again.
    """

    async def claim(self, key: str) -> Claim:
        """Take `key` for handling, unless it was handled or is being handled."""
        ...

    async def mark_seen(self, key: str) -> None:
        """`key` was handled: claiming it again answers "seen"."""
        ...

    async def release(self, key: str) -> None:
        """Handling `key` failed: it can be claimed again."""
        ...


class MemorySeenStore:
    """A `SeenStore` in this process's memory: the last `max_keys` keys handled, and the claims.

    For one process. When more keys were handled than it keeps, the oldest is
    forgotten, and a delivery of it would be handled again.
    """

    def __init__(self, max_keys: int = 10_000) -> None:
        if isinstance(max_keys, bool) or not isinstance(max_keys, int):
            raise TypeError("max_keys must be an int")
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, got {max_keys}")
        self.max_keys = max_keys
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._claimed: set[str] = set()

    def __repr__(self) -> str:
        return f"<MemorySeenStore seen={len(self._seen)} claimed={len(self._claimed)}>"

    def __len__(self) -> int:
        """How many handled keys it holds."""
        return len(self._seen)

    def __contains__(self, key: object) -> bool:
        """Whether `key` is remembered as handled."""
        return key in self._seen

    async def claim(self, key: str) -> Claim:
        if key in self._seen:
            return "seen"
        if key in self._claimed:
            return "busy"
        self._claimed.add(key)
        return "new"

    async def mark_seen(self, key: str) -> None:
        self._claimed.discard(key)
        self._seen[key] = None
        self._seen.move_to_end(key)
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)

    async def release(self, key: str) -> None:
        self._claimed.discard(key)


def _key(*parts: object) -> str:
    return ":".join(quote(str(part), safe="") for part in parts)


def callback_key(record: Deposit | InvoiceDeposit | Withdrawal) -> str:
    """The key of a delivery of `record`: its kind, what identifies it, and its status.

    A deposit is its ticker, network, address (or wallet slug) and txid; an
    invoice payment its ticker, network and txid; a withdrawal its id. A record
    without a txid is told by its creation time. Each part is percent-encoded,
    so a ':' inside one cannot make two records share a key.
    """
    if isinstance(record, Withdrawal):
        return _key("withdrawal", record.id, int(record.status))
    if not isinstance(record, Deposit | InvoiceDeposit):
        raise TypeError(f"not a Deposit, InvoiceDeposit or Withdrawal: {type(record).__name__}")
    if record.txid is not None:
        which: tuple[str, str] = ("txid", record.txid)
    else:
        which = ("created_at", record.created_at.isoformat())
    status = int(record.status)
    if isinstance(record, Deposit):
        holder = record.address or record.wallet_slug or ""
        return _key("deposit", record.ticker, record.network, holder, *which, status)
    return _key("invoice", record.ticker, record.network, *which, status)
