"""The seen store: each key handed out once, remembered once handled, bounded; and the keys."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bitexgate import Deposit, DepositStatus, FeePayer, InvoiceDeposit, Withdrawal, WithdrawStatus
from bitexgate.fastapi import MemorySeenStore, SeenStore, callback_key

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def deposit(**changes: object) -> Deposit:
    fields: dict[str, object] = {
        "date": WHEN,
        "amount": Decimal("0.5"),
        "fee": Decimal("0"),
        "ticker": "BTC",
        "network": "bitcoin",
        "status": DepositStatus.PENDING,
        "created_at": WHEN,
        "address": "bc1qexample",
        "txid": "tx-1",
    }
    fields.update(changes)
    return Deposit(**fields)  # type: ignore[arg-type]


def payment(**changes: object) -> InvoiceDeposit:
    fields: dict[str, object] = {
        "date": WHEN,
        "amount": Decimal("292"),
        "fee": Decimal("8"),
        "ticker": "UAH",
        "network": "wiretransfer",
        "status": DepositStatus.CONFIRMED,
        "created_at": WHEN,
        "txid": "pay-1",
    }
    fields.update(changes)
    return InvoiceDeposit(**fields)  # type: ignore[arg-type]


def withdrawal(**changes: object) -> Withdrawal:
    fields: dict[str, object] = {
        "id": 7,
        "ticker": "USDT",
        "network": "tron",
        "amount": Decimal("22"),
        "fee_payer": FeePayer.BALANCE,
        "status": WithdrawStatus.CONFIRMED,
        "created_at": WHEN,
    }
    fields.update(changes)
    return Withdrawal(**fields)  # type: ignore[arg-type]


async def test_a_key_is_handed_out_once_and_remembered_once_handled() -> None:
    store = MemorySeenStore()
    assert await store.claim("k") == "new"
    assert await store.claim("k") == "busy"
    await store.mark_seen("k")
    assert await store.claim("k") == "seen"
    assert "k" in store
    assert len(store) == 1


async def test_a_released_key_can_be_claimed_again() -> None:
    store = MemorySeenStore()
    assert await store.claim("k") == "new"
    await store.release("k")
    assert "k" not in store
    assert await store.claim("k") == "new"


async def test_the_oldest_keys_are_forgotten_past_the_bound() -> None:
    store = MemorySeenStore(max_keys=2)
    for key in ("a", "b", "c"):
        assert await store.claim(key) == "new"
        await store.mark_seen(key)
    assert len(store) == 2
    assert await store.claim("a") == "new"  # forgotten: it would be handled again
    assert await store.claim("c") == "seen"


@pytest.mark.parametrize(
    ("max_keys", "error"), [(0, ValueError), (-1, ValueError), (True, TypeError), (1.5, TypeError)]
)
def test_the_bound_must_be_a_positive_int(max_keys: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_keys"):
        MemorySeenStore(max_keys=max_keys)  # type: ignore[arg-type]


def test_the_memory_store_is_a_seen_store() -> None:
    assert isinstance(MemorySeenStore(), SeenStore)
    assert repr(MemorySeenStore()) == "<MemorySeenStore seen=0 claimed=0>"


@dataclasses.dataclass
class DictStore:
    """A store as an app might write one: the protocol needs no base class."""

    states: dict[str, str] = dataclasses.field(default_factory=dict)

    async def claim(self, key: str) -> str:
        if key in self.states:
            return self.states[key]
        self.states[key] = "busy"
        return "new"

    async def mark_seen(self, key: str) -> None:
        self.states[key] = "seen"

    async def release(self, key: str) -> None:
        self.states.pop(key, None)


def test_any_object_with_the_three_methods_is_a_seen_store() -> None:
    assert isinstance(DictStore(), SeenStore)
    assert not isinstance(object(), SeenStore)


def test_a_status_change_is_a_new_key_the_same_status_the_same_key() -> None:
    pending, confirmed = deposit(), deposit(status=DepositStatus.CONFIRMED)
    assert callback_key(pending) == callback_key(deposit(amount=Decimal("0.50000000")))
    assert callback_key(pending) != callback_key(confirmed)
    assert callback_key(withdrawal()) != callback_key(withdrawal(status=WithdrawStatus.DONE))
    assert callback_key(payment()) != callback_key(payment(status=DepositStatus.REJECTED))


def test_keys_name_the_kind_and_what_identifies_the_record() -> None:
    assert callback_key(deposit()) == "deposit:BTC:bitcoin:bc1qexample:txid:tx-1:1"
    assert callback_key(payment()) == "invoice:UAH:wiretransfer:txid:pay-1:5"
    assert callback_key(withdrawal()) == "withdrawal:7:20"
    # One transaction paying two of the wallets: two deposits, two keys.
    assert callback_key(deposit()) != callback_key(deposit(address="bc1qother"))
    assert callback_key(deposit(address=None, wallet_slug="w1")).split(":")[3] == "w1"


def test_a_record_without_a_txid_is_told_by_its_creation_time() -> None:
    key = callback_key(deposit(txid=None))
    assert key == "deposit:BTC:bitcoin:bc1qexample:created_at:2024-05-01T12%3A00%3A00%2B00%3A00:1"
    assert key != callback_key(
        deposit(txid=None, created_at=datetime(2024, 5, 2, tzinfo=timezone.utc))
    )


def test_a_separator_inside_a_part_cannot_make_two_records_share_a_key() -> None:
    assert callback_key(deposit(address="a:b", txid="c")) != callback_key(
        deposit(address="a", txid="b:c")
    )


def test_anything_else_has_no_key() -> None:
    with pytest.raises(TypeError, match="not a Deposit, InvoiceDeposit or Withdrawal: dict"):
        callback_key({"txid": "tx-1"})  # type: ignore[arg-type]
