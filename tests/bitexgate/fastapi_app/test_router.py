"""The callback router: what it answers, what reaches the handler, and how often."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from fastapi import FastAPI

from bitexgate import (
    BitexGateClient,
    Deposit,
    DepositStatus,
    InvoiceDeposit,
    Withdrawal,
    WithdrawStatus,
)
from bitexgate.fastapi import Claim, MemorySeenStore, callback_key, callback_router
from bitexgate.sandbox import CallbackDelivery, GatewaySandbox
from tests.bitexgate.fastapi_app.conftest import (
    SHOP,
    TRON,
    Recorder,
    api_calls,
    client_for,
    deliver,
    deposit_callbacks,
    post,
    shop_app,
)


async def confirmed_deposit(
    sandbox: GatewaySandbox, url: str, txid: str = "tx-1"
) -> CallbackDelivery:
    wallet = sandbox.state.create_wallet(
        {"ticker": "BTC", "network": "bitcoin", "callback_url": url}
    )
    await sandbox.deposit(wallet.address, "0.5", txid=txid, confirmed=True)
    return sandbox.callbacks[-1]


# -- each kind on its own URL ----------------------------------------------------------------


async def test_a_deposit_is_confirmed_and_handed_over_then_answered_200(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    before = api_calls(sandbox)

    answer = await deliver(app, delivery)

    assert (answer.status_code, answer.json()) == (200, {"detail": "handled"})
    [(record, context)] = handler.calls
    assert isinstance(record, Deposit)
    assert (record.txid, record.status) == ("tx-1", DepositStatus.CONFIRMED)
    assert context.kind == "wallet deposit"
    assert context.callback == record
    assert context.ref is None
    assert context.key == callback_key(record)
    assert context.request.url.path == "/callbacks/deposit"
    assert [r.path for r in sandbox.requests[before:]] == ["/api/gateway/wallet/history"]


async def test_an_invoice_payment_reaches_its_own_handler(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    deposits = Recorder()
    app = shop_app(gw, on_invoice_payment=handler, on_deposit=deposits)
    invoice = await gw.invoices.create(
        ticker="UAH",
        network="wiretransfer",
        amount=300,
        client_ip="203.0.113.7",
        callback_url=gw.callback_url(f"{SHOP}/callbacks/invoice", ref="ord_42"),
    )
    await sandbox.pay_invoice(invoice.slug)

    answer = await deliver(app, sandbox.callbacks[-1])

    assert answer.status_code == 200
    [(payment, context)] = handler.calls
    assert isinstance(payment, InvoiceDeposit)
    assert payment.status is DepositStatus.CONFIRMED
    assert context.kind == "invoice payment"
    assert context.ref == "ord_42"
    assert deposits.calls == []


async def test_a_withdrawal_is_followed_status_by_status(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_withdrawal=handler)
    created = await gw.withdrawals.create(
        ticker="USDT",
        network="tron",
        address=TRON,
        amount=22,
        client_order_id="po_1",
        callback_url=f"{SHOP}/callbacks/withdrawal",
    )
    for status in (WithdrawStatus.CONFIRMED, WithdrawStatus.VERIFIED, WithdrawStatus.DONE):
        await sandbox.advance_withdrawal(created.id, to=status)
        assert (await deliver(app, sandbox.callbacks[-1])).status_code == 200

    assert all(isinstance(w, Withdrawal) for w in handler.records)
    assert [(w.id, w.client_order_id) for w in handler.records] == [(created.id, "po_1")] * 3
    assert [w.status for w in handler.records] == [
        WithdrawStatus.CONFIRMED,
        WithdrawStatus.VERIFIED,
        WithdrawStatus.DONE,
    ]


async def test_only_the_kinds_given_a_handler_get_a_route(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_withdrawal=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    assert (await deliver(app, delivery)).status_code == 404
    assert (await post(app, "/callbacks/withdrawal", b"{}")).status_code == 400


async def test_the_paths_are_chosen_by_the_app(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler, deposit_path="/btc-in")
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/btc-in")
    assert (await deliver(app, delivery)).status_code == 200
    assert len(handler.calls) == 1


# -- 400: a body that does not parse -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"txid": "tx-1"}', b"\xff\xfe"],
    ids=["not-json", "not-an-object", "fields-missing", "not-utf8"],
)
async def test_a_body_that_does_not_parse_is_400_before_any_api_call(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder, body: bytes
) -> None:
    app = shop_app(gw, on_deposit=handler)
    answer = await post(app, "/callbacks/deposit", body)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("wallet deposit callback: ")
    assert handler.calls == []
    assert api_calls(sandbox) == 0


async def test_a_callback_of_another_kind_is_400(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_withdrawal=handler, on_deposit=Recorder())
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/withdrawal")
    answer = await deliver(app, delivery)
    assert answer.status_code == 400
    assert handler.calls == []


# -- 403: a forged URL -----------------------------------------------------------------------


async def test_a_forged_url_is_403_before_the_body_is_read_or_the_api_called(
    sandbox: GatewaySandbox,
    gw: BitexGateClient,
    handler: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = shop_app(gw, on_deposit=handler, verify_url=True)
    genuine = gw.callback_url(f"{SHOP}/callbacks/deposit", ref="w1")
    delivery = await confirmed_deposit(sandbox, genuine)
    before = api_calls(sandbox)
    token = genuine.rpartition("token=")[2]
    caplog.set_level(logging.INFO, logger="bitexgate.fastapi")

    for url in (
        genuine.replace(token, "A" * len(token)),  # forged
        genuine.partition("&token=")[0],  # no token
        f"{SHOP}/callbacks/deposit",  # nothing at all
        gw.callback_url(f"{SHOP}/callbacks/deposit", ref="w1").replace("ref=w1", "ref=w2"),
    ):
        answer = await post(app, url, b"garbage")  # refused before the body is looked at
        assert (answer.status_code, answer.json()["detail"]) == (
            403,
            "the callback URL's token is missing or forged",
        )
    assert handler.calls == []
    assert api_calls(sandbox) == before
    assert "forged URL" in caplog.text
    assert token not in caplog.text

    assert (await deliver(app, delivery)).status_code == 200
    [(_, context)] = handler.calls
    assert context.ref == "w1"


async def test_a_url_whose_host_a_proxy_rewrote_still_verifies(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler, verify_url=True)
    url = gw.callback_url("https://public.example/callbacks/deposit", ref="w1")
    delivery = await confirmed_deposit(sandbox, url)
    answer = await post(
        app, url.replace("https://public.example", "http://shop-backend:8000"), delivery.body
    )
    assert answer.status_code == 200


# -- 422: the API does not confirm it --------------------------------------------------------


async def test_a_callback_the_api_does_not_confirm_is_422_and_never_reaches_the_handler(
    sandbox: GatewaySandbox,
    gw: BitexGateClient,
    handler: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = shop_app(gw, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    inflated = json.loads(delivery.body)
    inflated["amount"] = "500.00000000"
    unknown = json.loads(delivery.body) | {"txid": "tx-never-seen"}

    for body in (inflated, unknown):
        answer = await post(app, delivery.url, json.dumps(body))
        assert answer.status_code == 422
        assert answer.json() == {"detail": "the API does not confirm this wallet deposit callback"}
    assert handler.calls == []
    assert "amount" in caplog.text  # what differed is logged, not answered

    # The forged amount took nothing: the genuine delivery of that record is still handled.
    assert (await deliver(app, delivery)).status_code == 200
    assert len(handler.calls) == 1


# -- 5xx: deliver it again -----------------------------------------------------------------


async def test_the_api_unreachable_is_503_and_the_delivery_is_not_remembered(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    sandbox.fail_next("/api/gateway/wallet/history", status=503)

    answer = await deliver(app, delivery)
    assert answer.status_code == 503
    assert answer.json()["detail"] == "the API could not be reached to confirm this callback"
    assert handler.calls == []

    assert (await deliver(app, delivery)).status_code == 200  # delivered again, handled
    assert len(handler.calls) == 1


async def test_a_rate_limit_passes_its_retry_after_on(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    sandbox.fail_next("/api/gateway/wallet/history", status=429, retry_after=7)
    answer = await deliver(app, delivery)
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "7")


async def test_credentials_the_api_refuses_are_500(
    sandbox: GatewaySandbox, handler: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    async with client_for(sandbox, secret="not-the-secret") as wrong:
        app = shop_app(wrong, on_deposit=handler)
        answer = await deliver(app, delivery)
    assert answer.status_code == 500
    assert handler.calls == []
    assert "AuthenticationError" in caplog.text
    assert "not-the-secret" not in caplog.text


async def test_a_handler_that_raises_is_500_and_the_next_delivery_is_handled(
    sandbox: GatewaySandbox,
    gw: BitexGateClient,
    handler: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = shop_app(gw, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    handler.failures = 1

    answer = await deliver(app, delivery)
    assert answer.status_code == 500
    assert "the shop's database is down" in caplog.text  # the traceback is logged

    assert (await deliver(app, delivery)).status_code == 200  # not remembered: tried again
    assert (await deliver(app, delivery)).json()["detail"] == "already handled"
    assert len(handler.calls) == 2


async def test_without_a_client_in_app_state_the_answer_is_500(
    sandbox: GatewaySandbox, handler: Recorder
) -> None:
    app = shop_app(None, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    answer = await post(app, delivery.url, delivery.body, raise_app_exceptions=False)
    assert answer.status_code == 500
    assert handler.calls == []


# -- duplicates ------------------------------------------------------------------------------


async def test_a_duplicate_is_answered_200_without_the_handler_or_the_api(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    assert (await deliver(app, delivery)).status_code == 200
    before = api_calls(sandbox)

    again = await deliver(app, delivery)

    assert (again.status_code, again.json()) == (200, {"detail": "already handled"})
    assert len(handler.calls) == 1
    assert api_calls(sandbox) == before


async def test_a_status_change_is_a_new_delivery(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler)
    wallet = sandbox.state.create_wallet(
        {"ticker": "BTC", "network": "bitcoin", "callback_url": f"{SHOP}/callbacks/deposit"}
    )
    await sandbox.deposit(wallet.address, "0.5", txid="tx-1")
    assert (await deliver(app, sandbox.callbacks[-1])).status_code == 200
    await sandbox.confirm_deposit("tx-1")
    assert (await deliver(app, sandbox.callbacks[-1])).json()["detail"] == "handled"
    assert [d.status for d in handler.records] == [DepositStatus.PENDING, DepositStatus.CONFIRMED]


async def test_a_record_that_moved_on_is_handed_over_as_it_is_now_and_once(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler)
    pending, confirmed = await deposit_callbacks(sandbox)  # both posted; the API says CONFIRMED

    assert (await deliver(app, pending)).json()["detail"] == "handled"
    [(record, context)] = handler.calls
    assert record.status is DepositStatus.CONFIRMED  # the API's record, not the stale callback
    assert context.callback.status is DepositStatus.PENDING
    assert context.key == callback_key(record)

    before = api_calls(sandbox)
    assert (await deliver(app, confirmed)).json()["detail"] == "already handled"
    assert (await deliver(app, pending)).json()["detail"] == "already handled"
    assert len(handler.calls) == 1
    assert api_calls(sandbox) == before  # both known now: neither asked the API


class Arrivals:
    """A client dependency that counts the requests that got as far as asking for it."""

    def __init__(self, gw: BitexGateClient) -> None:
        self.gw = gw
        self.count = 0
        self.second = asyncio.Event()

    async def __call__(self) -> BitexGateClient:
        self.count += 1
        if self.count == 2:
            self.second.set()
        return self.gw


async def race(
    app: FastAPI, delivery: CallbackDelivery, handler: Recorder, arrivals: Arrivals
) -> list[httpx.Response]:
    """Deliver twice: the second arrives while the first is in the handler, held at its gate."""
    assert handler.gate is not None
    first = asyncio.create_task(deliver(app, delivery))
    await handler.entered.wait()
    second = asyncio.create_task(deliver(app, delivery))
    await arrivals.second.wait()
    for _ in range(20):  # from the dependency to the wait, nothing blocks: let it get there
        await asyncio.sleep(0)
    assert not second.done()  # neither answered "busy" nor handled: it waits
    handler.gate.set()
    return list(await asyncio.gather(first, second))


async def test_a_duplicate_arriving_while_the_first_is_handled_waits_for_it(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    arrivals = Arrivals(gw)
    app = shop_app(gw, on_deposit=handler, client=arrivals)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    handler.gate = asyncio.Event()

    answers = await race(app, delivery, handler, arrivals)

    assert [a.json()["detail"] for a in answers] == ["handled", "already handled"]
    assert len(handler.calls) == 1


async def test_a_duplicate_waiting_on_a_first_that_failed_is_handled_itself(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    arrivals = Arrivals(gw)
    app = shop_app(gw, on_deposit=handler, client=arrivals)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    handler.gate, handler.failures = asyncio.Event(), 1

    answers = await race(app, delivery, handler, arrivals)

    assert [a.status_code for a in answers] == [500, 200]
    assert len(handler.calls) == 2


async def test_many_concurrent_duplicates_run_the_handler_once(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    answers = await asyncio.gather(*(deliver(app, delivery) for _ in range(8)))
    assert all(a.status_code == 200 for a in answers)
    assert sorted(a.json()["detail"] for a in answers) == ["already handled"] * 7 + ["handled"]
    assert len(handler.calls) == 1


# -- confirming off --------------------------------------------------------------------------


async def test_with_confirming_off_the_callback_is_handed_over_as_posted(
    sandbox: GatewaySandbox, handler: Recorder
) -> None:
    app = shop_app(None, on_deposit=handler, confirm=False)  # and no client needed
    pending, _ = await deposit_callbacks(sandbox)
    before = api_calls(sandbox)

    assert (await deliver(app, pending)).status_code == 200
    [(record, context)] = handler.calls
    assert record.status is DepositStatus.PENDING  # as posted: the API was not asked
    assert record is context.callback
    assert api_calls(sandbox) == before

    inflated = json.loads(pending.body) | {"amount": "500.00000000", "txid": "tx-2"}
    assert (await post(app, pending.url, json.dumps(inflated))).status_code == 200
    assert handler.records[-1].amount == 500  # nothing checks it: confirm=False trusts the body


async def test_with_confirming_off_urls_are_still_verified(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    app = shop_app(gw, on_deposit=handler, confirm=False, verify_url=True)
    pending, _ = await deposit_callbacks(sandbox)
    assert (await deliver(app, pending)).status_code == 403
    before = api_calls(sandbox)
    url = gw.callback_url(f"{SHOP}/callbacks/deposit", ref="w1")
    assert (await post(app, url, pending.body)).status_code == 200
    assert api_calls(sandbox) == before


# -- the seen store ----------------------------------------------------------------------------


class JournalStore(MemorySeenStore):
    """A store that says what it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.journal: list[tuple[str, str]] = []

    async def claim(self, key: str) -> Claim:
        answer = await super().claim(key)
        self.journal.append(("claim", answer))
        return answer

    async def mark_seen(self, key: str) -> None:
        self.journal.append(("mark_seen", key))
        await super().mark_seen(key)

    async def release(self, key: str) -> None:
        self.journal.append(("release", key))
        await super().release(key)


async def test_the_store_is_claimed_then_marked_or_released(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    store = JournalStore()
    app = shop_app(gw, on_deposit=handler, seen=store)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    handler.failures = 1
    await deliver(app, delivery)
    await deliver(app, delivery)
    await deliver(app, delivery)
    [record, _] = handler.records
    key = callback_key(record)
    assert store.journal == [
        ("claim", "new"),
        ("release", key),
        ("claim", "new"),
        ("mark_seen", key),
        ("claim", "seen"),
    ]
    assert key in store


async def test_one_store_serves_several_routers_and_keys_tell_the_kinds_apart(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    store = MemorySeenStore()
    first = shop_app(gw, on_deposit=handler, seen=store)
    second = shop_app(gw, on_deposit=handler, seen=store)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    assert (await deliver(first, delivery)).json()["detail"] == "handled"
    assert (await deliver(second, delivery)).json()["detail"] == "already handled"
    [record] = handler.records
    assert len(store) == 1
    assert callback_key(record) in store
    assert callback_key(record).startswith("deposit:")


async def test_a_key_another_process_holds_is_503_so_it_comes_again(
    sandbox: GatewaySandbox, gw: BitexGateClient, handler: Recorder
) -> None:
    store = MemorySeenStore()
    app = shop_app(gw, on_deposit=handler, seen=store)
    delivery = await confirmed_deposit(sandbox, f"{SHOP}/callbacks/deposit")
    [record] = [d async for d in gw.wallets.history(txid="tx-1")]
    assert await store.claim(callback_key(record)) == "new"  # as another worker would

    answer = await deliver(app, delivery)
    assert answer.status_code == 503
    assert handler.calls == []
    await store.release(callback_key(record))
    assert (await deliver(app, delivery)).status_code == 200


# -- the factory's arguments -------------------------------------------------------------------


def test_a_router_needs_a_handler() -> None:
    with pytest.raises(ValueError, match="give at least one of on_deposit"):
        callback_router()


def test_paths_and_handlers_are_checked(handler: Recorder) -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        callback_router(on_deposit=handler, deposit_path="deposit")
    with pytest.raises(TypeError, match="a handler must be an async function, got str"):
        callback_router(on_deposit="handle")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="client must be a FastAPI dependency"):
        callback_router(on_deposit=handler, client=object())
