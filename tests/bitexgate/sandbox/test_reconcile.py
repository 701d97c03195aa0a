"""End to end, in process: a withdrawal whose answer is lost exists once, and is returned.

The sandbox's faults play the network: a 502 or 504 from a proxy, a connection
reset, a read that times out; `after_handling` says whether the server made the
withdrawal before the answer was lost. The `gw` fixture looks twice, without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bitexgate import (
    BitexGateClient,
    NetworkError,
    RequestTimeout,
    SDKError,
    ServiceUnavailableError,
)
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import funded

TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
OTHER = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"
WITHDRAW_CREATE = "/api/gateway/withdraw/create"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"

Arm = Callable[[GatewaySandbox, bool], None]

FAULTS: list[tuple[str, Arm, type[SDKError]]] = [
    (
        "502",
        lambda s, after: s.fail_next(WITHDRAW_CREATE, status=502, after_handling=after),
        ServiceUnavailableError,
    ),
    (
        "504",
        lambda s, after: s.fail_next(WITHDRAW_CREATE, status=504, after_handling=after),
        ServiceUnavailableError,
    ),
    ("reset", lambda s, after: s.drop_next(WITHDRAW_CREATE, after_handling=after), NetworkError),
    (
        "timeout",
        lambda s, after: s.drop_next(WITHDRAW_CREATE, timeout=True, after_handling=after),
        RequestTimeout,
    ),
]


async def withdraw(gw: BitexGateClient, client_order_id: str = "order_123") -> object:
    return await gw.withdrawals.create(
        ticker="USDT", network="tron", address=TRON, amount=22, client_order_id=client_order_id
    )


@pytest.mark.parametrize(("arm", "error"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
async def test_a_withdrawal_made_before_its_answer_was_lost_is_returned_once(
    gw: BitexGateClient, sandbox: GatewaySandbox, arm: Arm, error: type[SDKError]
) -> None:
    funded(sandbox, USDT="100")
    arm(sandbox, True)
    withdrawal = await withdraw(gw)
    [made] = sandbox.state.withdrawals  # exactly one exists
    assert withdrawal == await gw.withdrawals.find(client_order_id="order_123")
    assert getattr(withdrawal, "id", None) == made.id
    assert len(sandbox.requests_to(WITHDRAW_CREATE)) == 1  # one POST: never resent
    assert sandbox.balance("USDT") == Decimal(77)  # 22 and its fee of 1, once


@pytest.mark.parametrize(("arm", "error"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
async def test_a_withdrawal_never_made_raises_after_the_settle_schedule(
    gw: BitexGateClient, sandbox: GatewaySandbox, arm: Arm, error: type[SDKError]
) -> None:
    funded(sandbox, USDT="100")
    arm(sandbox, False)
    with pytest.raises(error) as caught:
        await withdraw(gw)
    assert caught.value.outcome_unknown
    assert "The SDK looked for client_order_id 'order_123' in withdraw/history" in str(caught.value)
    assert "2 times" in str(caught.value)  # the fixture's schedule: two looks
    assert sandbox.state.withdrawals == []  # nothing was made
    assert len(sandbox.requests_to(WITHDRAW_CREATE)) == 1  # and nothing resent
    assert len(sandbox.requests_to(WITHDRAW_HISTORY)) == 2
    assert sandbox.balance("USDT") == Decimal(100)


async def test_the_lost_one_is_told_from_many_others(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, USDT="10000")
    for n in range(30):  # to this address and another, before and after
        await gw.withdrawals.create(
            ticker="USDT", network="tron", address=OTHER, amount=22, client_order_id=f"o-{n}"
        )
    await withdraw(gw, "earlier")
    sandbox.fail_next(WITHDRAW_CREATE, status=502, after_handling=True)
    recovered = await withdraw(gw, "lost")
    assert getattr(recovered, "client_order_id", None) == "lost"
    [look] = sandbox.requests_to(WITHDRAW_HISTORY)
    assert f"address={TRON}" in look.query  # narrowed to the address: 2 records, one page


async def test_find_stops_at_since_without_reading_further(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, USDT="10000")
    for n in range(120):
        await withdraw(gw, f"o-{n}")
    for record in sandbox.state.withdrawals[:110]:  # made an hour ago, the 10 newest now
        record.created_at -= 3600
    sandbox.clear_requests()
    since = datetime.now(timezone.utc) - timedelta(minutes=30)
    assert await gw.withdrawals.find(client_order_id="o-5", since=since) is None
    assert len(sandbox.requests_to(WITHDRAW_HISTORY)) == 1  # 100 a page: the first says enough
    found = await gw.withdrawals.find(client_order_id="o-5")
    assert getattr(found, "client_order_id", None) == "o-5"  # without since: page 2
    assert len(sandbox.requests_to(WITHDRAW_HISTORY)) == 3
