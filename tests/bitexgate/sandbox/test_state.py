"""Objects, their shapes, and how deposits, invoices, withdrawals and balances change."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import pytest

from bitexgate import (
    Deposit,
    Invoice,
    InvoiceDeposit,
    Wallet,
    Withdrawal,
    WithdrawStatus,
)
from bitexgate._models import configure_converter
from bitexgate.sandbox import GatewaySandbox
from common import make_converter
from tests.bitexgate.sandbox.conftest import BASE_URL, Raw, funded
from tests.conftest import fixture_json

STRICT = configure_converter(make_converter(strict=True))
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
MONEY = re.compile(r"-?\d+\.\d{8}")


def sample_keys(name: str) -> list[str]:
    data = fixture_json("bitexgate", name)
    return list((data["results"][0] if "results" in data else data).keys())


async def create(raw: Raw, what: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = await raw.post(f"/api/gateway/{what}/create", payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def first(raw: Raw, path: str) -> dict[str, Any]:
    result: dict[str, Any] = (await raw.get(path)).json()["results"][0]
    return result


# -- shapes ------------------------------------------------------------------------


async def test_every_answer_has_the_documented_keys_and_decodes_strictly(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, USDT="1000")
    wallet = await create(
        raw,
        "wallet",
        {
            "ticker": "ETH",
            "network": "ethereum",
            "convert_ticker": "USDT",
            "convert_limit": 10000,
            "convert_percent": 2,
        },
    )
    assert list(wallet) == sample_keys("wallet_create.json")
    assert list(await first(raw, "/api/gateway/wallets")) == sample_keys("wallets.json")
    await sandbox.deposit(wallet["address"], "1.5", confirmed=True)
    deposit = await first(raw, "/api/gateway/wallet/history")
    assert list(deposit) == sample_keys("wallet_history.json")

    invoice = await create(
        raw,
        "invoice",
        {
            "ticker": "USDT",
            "network": "payeer",
            "amount": 120,
            "payment_url": "https://exchange.com/success",
            "cancel_url": "https://exchange.com/cancel",
            "convert_ticker": "ETH",
            "convert_limit": 10000,
            "convert_percent": 2,
            "client_ip": "192.168.0.1",
        },
    )
    assert list(invoice) == sample_keys("invoice_create.json")
    assert list(await first(raw, "/api/gateway/invoices")) == sample_keys("invoices.json")
    await sandbox.pay_invoice(invoice["slug"], confirmed=False)
    payment = await first(raw, "/api/gateway/invoice/history")
    assert list(payment) == sample_keys("invoice_history.json")

    withdrawal = await create(
        raw,
        "withdraw",
        {
            "ticker": "USDT",
            "network": "tron",
            "address": TRON,
            "payment_id": "",
            "memo": "",
            "comment": "Call after success",
            "destination_tag": "",
            "amount": 22,
            "client_order_id": "order_123",
            "fee_payer": 1,
            "auto_buy_ticker": "ETH",
            "auto_buy_percent": 10,
        },
    )
    assert list(withdrawal) == sample_keys("withdraw_create.json")
    listed = await first(raw, "/api/gateway/withdraw/history")
    assert list(listed) == sample_keys("withdraw_history.json")

    for data, model in [
        (wallet, Wallet),
        (deposit, Deposit),
        (invoice, Invoice),
        (payment, InvoiceDeposit),
        (withdrawal, Withdrawal),
        (listed, Withdrawal),
    ]:
        assert STRICT.structure(data, model)


async def test_values_are_written_as_the_reference_writes_them(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    wallet = await create(raw, "wallet", {"ticker": "ETH", "network": "ethereum"})
    assert re.fullmatch(r"0x[0-9a-f]{40}", wallet["address"])
    assert re.fullmatch(r"[0-9a-f]{36}", wallet["slug"])
    assert ISO.fullmatch(wallet["created_at"])
    tron = await create(raw, "wallet", {"ticker": "USDT", "network": "tron"})
    assert re.fullmatch(r"T[1-9A-HJ-NP-Za-km-z]{33}", tron["address"])
    btc = await create(raw, "wallet", {"ticker": "BTC", "network": "bitcoin"})
    assert btc["address"].startswith("bc1q")

    deposit = await sandbox.deposit(tron["address"], 5)
    assert deposit["status"] == "1"  # a string, as in the sample
    assert deposit["amount"] == "5.00000000"
    assert deposit["required_confirmations"] == 40

    invoice = await create(
        raw,
        "invoice",
        {"ticker": "UAH", "network": "wiretransfer", "amount": 300, "client_ip": "::1"},
    )
    assert invoice["amount"] == 300  # a number, as in the sample
    assert invoice["proceed_url"] == f"{BASE_URL}/sandbox/pay/{invoice['slug']}"

    funded(sandbox, USDT="100")
    withdrawal = await create(
        raw, "withdraw", {"ticker": "USDT", "network": "tron", "address": TRON, "amount": "22"}
    )
    assert withdrawal["status"] == 10
    assert withdrawal["fee_payer"] == 1
    assert withdrawal["amount"] == "22.00000000"


# -- deposits -------------------------------------------------------------------------


async def test_a_deposit_is_credited_when_confirmed_not_before(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    wallet = await create(raw, "wallet", {"ticker": "BTC", "network": "bitcoin"})
    pending = await sandbox.deposit(wallet["address"], Decimal("0.5"), txid="tx-1")
    assert (pending["status"], pending["txid"]) == ("1", "tx-1")
    assert pending["aml_success"] is None
    assert sandbox.balance("BTC") == 0
    confirmed = await sandbox.confirm_deposit("tx-1")
    assert confirmed["status"] == "5"
    assert (confirmed["aml_success"], confirmed["aml_risk"]) == (True, 0)
    assert sandbox.balance("BTC") == Decimal("0.5")
    assert (await first(raw, "/api/gateway/wallet/history")) == confirmed

    with pytest.raises(ValueError, match="already CONFIRMED"):
        await sandbox.confirm_deposit("tx-1")
    with pytest.raises(ValueError, match="already CONFIRMED"):
        await sandbox.reject_deposit("tx-1")


async def test_a_rejected_deposit_credits_nothing(raw: Raw, sandbox: GatewaySandbox) -> None:
    wallet = await create(raw, "wallet", {"ticker": "BTC", "network": "bitcoin"})
    pending = await sandbox.deposit(wallet["address"], "0.5")
    rejected = await sandbox.reject_deposit(pending["txid"])
    assert (rejected["status"], rejected["aml_success"]) == ("6", False)
    assert sandbox.balance("BTC") == 0


async def test_the_deposit_fee_is_taken_from_the_amount(raw: Raw, sandbox: GatewaySandbox) -> None:
    invoice = await create(
        raw,
        "invoice",
        {"ticker": "UAH", "network": "wiretransfer", "amount": 300, "client_ip": "203.0.113.7"},
    )
    payment = await sandbox.pay_invoice(invoice["slug"])
    # 5 + 1% of 300 = 8: the reference's own sample shows 292 and 8.
    assert (payment["amount"], payment["fee"], payment["status"]) == (
        "292.00000000",
        "8.00000000",
        "5",
    )
    assert payment["convert"] is None
    assert sandbox.balance("UAH") == Decimal(292)


async def test_deposit_controls_refuse_what_cannot_happen(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    wallet = await create(raw, "wallet", {"ticker": "BTC", "network": "bitcoin"})
    with pytest.raises(LookupError, match="no wallet"):
        await sandbox.deposit("bc1qnobody", "1")
    with pytest.raises(ValueError, match="deposit limits"):
        await sandbox.deposit(wallet["address"], "0.0001")
    with pytest.raises(ValueError, match="positive"):
        await sandbox.deposit(wallet["address"], "-1")
    with pytest.raises(ValueError, match="at most 8 decimals"):
        await sandbox.deposit(wallet["address"], "0.123456789")
    with pytest.raises(ValueError, match="decimal number"):
        await sandbox.deposit(wallet["address"], 0.5)  # type: ignore[arg-type]
    await sandbox.deposit(wallet["address"], "1", txid="same")
    with pytest.raises(ValueError, match="already exists"):
        await sandbox.deposit(wallet["address"], "1", txid="same")
    with pytest.raises(LookupError):
        await sandbox.confirm_deposit("unknown")
    with pytest.raises(LookupError):
        await sandbox.pay_invoice("unknown")


async def test_a_converting_wallet_exchanges_what_arrives(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    wallet = await create(
        raw,
        "wallet",
        {
            "ticker": "ETH",
            "network": "ethereum",
            "convert_ticker": "USDT",
            "convert_limit": "1",
            "convert_percent": 2,
        },
    )
    await sandbox.deposit(wallet["address"], "1.5", confirmed=True)
    # 1 ETH (the limit) sold at 3300 less 2% = 3234 USDT; 0.5 ETH kept.
    assert sandbox.balance("ETH") == Decimal("0.5")
    assert sandbox.balance("USDT") == Decimal(3234)


async def test_a_converting_invoice_shows_its_order(raw: Raw, sandbox: GatewaySandbox) -> None:
    invoice = await create(
        raw,
        "invoice",
        {
            "ticker": "UAH",
            "network": "wiretransfer",
            "amount": 300,
            "client_ip": "203.0.113.7",
            "convert_ticker": "USDT",
            "convert_percent": 0,
        },
    )
    payment = await sandbox.pay_invoice(invoice["slug"], confirmed=False)
    assert payment["convert"] is None  # nothing to convert before it is confirmed
    confirmed = await sandbox.confirm_deposit(payment["txid"])
    assert confirmed["convert"] == {
        "symbol": "USDT_UAH",
        "amount": "10.23537865",  # 292 / 28.5285, cut to 8 places
        "price": "28.52850000",
        "side": "BUY",
        "state": "filled",
    }
    assert sandbox.balance("UAH") == 0
    assert sandbox.balance("USDT") == Decimal("10.23537865")


async def test_an_invoice_can_be_paid_in_part_and_more_than_once(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    invoice = await create(
        raw,
        "invoice",
        {"ticker": "USDT", "network": "payeer", "amount": 120, "client_ip": "203.0.113.7"},
    )
    await sandbox.pay_invoice(invoice["slug"], amount="100")
    await sandbox.pay_invoice(invoice["slug"], amount=Decimal(20))
    history = (await raw.get("/api/gateway/invoice/history")).json()
    assert history["count"] == 2
    assert sandbox.balance("USDT") == Decimal("118.86")  # less 0.95%


# -- withdrawals --------------------------------------------------------------------------


async def new_withdrawal(raw: Raw, sandbox: GatewaySandbox, **changes: Any) -> dict[str, Any]:
    funded(sandbox, USDT="100")
    body = {"ticker": "USDT", "network": "tron", "address": TRON, "amount": 22, **changes}
    return await create(raw, "withdraw", body)


async def test_a_withdrawal_holds_the_funds_and_steps_to_done(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    created = await new_withdrawal(raw, sandbox)
    assert sandbox.balance("USDT") == Decimal(77)  # 22 and the fee of 1
    seen = []
    for _ in range(4):
        step = await sandbox.advance_withdrawal(created["id"])
        seen.append(step["status"])
    assert seen == [20, 23, 26, 30]
    assert step["txid"] is not None
    assert step["aml_success"] is True
    assert sandbox.balance("USDT") == Decimal(77)
    with pytest.raises(ValueError, match="final status"):
        await sandbox.advance_withdrawal(created["id"])
    with pytest.raises(ValueError, match="final status"):
        await sandbox.refuse_withdrawal(created["id"])


@pytest.mark.parametrize(
    ("to", "status"),
    [
        (WithdrawStatus.MODERATION, 25),
        (WithdrawStatus.SUSPENDED, 27),
        (WithdrawStatus.APPROVED, 26),
        (30, 30),
        (WithdrawStatus.CANCELLED, 50),
    ],
)
async def test_advance_to_a_status(raw: Raw, sandbox: GatewaySandbox, to: int, status: int) -> None:
    created = await new_withdrawal(raw, sandbox)
    moved = await sandbox.advance_withdrawal(created["id"], to=to)
    assert moved["status"] == status


async def test_side_stops_lead_back_onto_the_way(raw: Raw, sandbox: GatewaySandbox) -> None:
    created = await new_withdrawal(raw, sandbox)
    await sandbox.advance_withdrawal(created["id"], to=WithdrawStatus.MODERATION)
    assert (await sandbox.advance_withdrawal(created["id"]))["status"] == 26
    assert (await sandbox.advance_withdrawal(created["id"], to=27))["status"] == 27
    assert (await sandbox.advance_withdrawal(created["id"]))["status"] == 30


async def test_advance_never_goes_back(raw: Raw, sandbox: GatewaySandbox) -> None:
    created = await new_withdrawal(raw, sandbox)
    await sandbox.advance_withdrawal(created["id"], to=WithdrawStatus.APPROVED)
    with pytest.raises(ValueError, match="cannot go from APPROVED"):
        await sandbox.advance_withdrawal(created["id"], to=WithdrawStatus.MODERATION)
    with pytest.raises(ValueError, match="already APPROVED"):
        await sandbox.advance_withdrawal(created["id"], to=WithdrawStatus.APPROVED)
    with pytest.raises(ValueError, match="unknown withdrawal status"):
        await sandbox.advance_withdrawal(created["id"], to=31)
    with pytest.raises(LookupError):
        await sandbox.advance_withdrawal(999)
    history = await first(raw, "/api/gateway/withdraw/history")
    assert history["status"] == 26  # nothing moved


async def test_a_refused_withdrawal_gives_the_funds_back(raw: Raw, sandbox: GatewaySandbox) -> None:
    created = await new_withdrawal(raw, sandbox)
    await sandbox.advance_withdrawal(created["id"], to=WithdrawStatus.VERIFIED)
    refused = await sandbox.refuse_withdrawal(created["id"])
    assert refused["status"] == 40
    assert refused["txid"] is None
    assert sandbox.balance("USDT") == Decimal(100)


async def test_a_fee_from_the_amount_is_not_refunded_twice(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    created = await new_withdrawal(raw, sandbox, fee_payer=2)
    assert sandbox.balance("USDT") == Decimal(78)
    await sandbox.refuse_withdrawal(created["id"])
    assert sandbox.balance("USDT") == Decimal(100)


async def test_an_auto_buy_order_is_recorded(raw: Raw, sandbox: GatewaySandbox) -> None:
    created = await new_withdrawal(raw, sandbox, auto_buy_ticker="ETH", auto_buy_percent=10)
    assert created["auto_buy"] == {
        "symbol": "ETH_USDT",
        "amount": "0.00740741",  # 22 USDT / 2970, rounded up: enough to buy 22 USDT
        "price": "2970.00000000",  # ETH sold 10% under 3300 to buy the USDT
        "side": "SELL",
        "state": "filled",
    }


async def test_a_fiat_withdrawal_goes_to_the_card(raw: Raw, sandbox: GatewaySandbox) -> None:
    funded(sandbox, UAH="2000")
    created = await create(
        raw,
        "withdraw",
        {"ticker": "UAH", "network": "wiretransfer", "card": "4111 1111 1111 1111", "amount": 1000},
    )
    assert created["address"] == "4111111111111111"
    # 1000 + 5 + 1.5% of 1000
    assert sandbox.balance("UAH") == Decimal(2000 - 1020)
    done = await sandbox.advance_withdrawal(created["id"], to=30)
    assert done["txid"].isdigit()


# -- balances and concurrency ---------------------------------------------------------


def test_balances_are_exact_and_checked(sandbox: GatewaySandbox) -> None:
    sandbox.set_balance("USDT", Decimal("0.1"))
    sandbox.set_balance("BTC", "0.2")
    sandbox.set_balance("ETH", 3)
    assert sandbox.balance("USDT") + sandbox.balance("BTC") == Decimal("0.3")
    assert sandbox.balance("UAH") == 0
    with pytest.raises(LookupError):
        sandbox.set_balance("DOGE", Decimal(1))
    with pytest.raises(LookupError):
        sandbox.balance("DOGE")
    with pytest.raises(ValueError, match="zero or more"):
        sandbox.set_balance("USDT", Decimal(-1))
    with pytest.raises(ValueError, match="decimal number"):
        sandbox.set_balance("USDT", 0.1)  # type: ignore[arg-type]


async def test_concurrent_creates_lose_nothing(raw: Raw, sandbox: GatewaySandbox) -> None:
    funded(sandbox, USDT="2300")
    body = {"ticker": "USDT", "network": "tron", "address": TRON, "amount": 22}
    responses = await asyncio.gather(
        *(
            raw.post("/api/gateway/withdraw/create", {**body, "client_order_id": f"o-{i}"})
            for i in range(100)
        ),
        *(
            raw.post("/api/gateway/wallet/create", {"ticker": "BTC", "network": "bitcoin"})
            for _ in range(100)
        ),
    )
    assert {r.status_code for r in responses} == {201}
    ids = {r.json()["id"] for r in responses[:100]}
    assert ids == set(range(1, 101))
    slugs = {r.json()["slug"] for r in responses[100:]}
    addresses = {r.json()["address"] for r in responses[100:]}
    assert len(slugs) == len(addresses) == 100
    assert sandbox.balance("USDT") == Decimal(0)  # 100 x (22 + 1)
    over = await raw.post("/api/gateway/withdraw/create", body)
    assert over.status_code == 400


async def test_reset_forgets_everything(raw: Raw, sandbox: GatewaySandbox) -> None:
    sandbox.seed_demo_data()
    sandbox.fail_next("/api/gateway/wallets")
    assert (await raw.get("/api/gateway/withdraw/history")).json()["count"] == 5
    sandbox.reset()
    assert sandbox.requests == []
    for path in ("/api/gateway/wallets", "/api/gateway/withdraw/history"):
        assert (await raw.get(path)).json()["count"] == 0
    assert sandbox.balance("USDT") == 0


async def test_demo_data_has_a_little_of_everything(raw: Raw, sandbox: GatewaySandbox) -> None:
    sandbox.seed_demo_data()

    async def statuses(path: str) -> set[Any]:
        return {item["status"] for item in (await raw.get(path, limit=100)).json()["results"]}

    assert (await raw.get("/api/gateway/wallets")).json()["count"] >= 3
    assert await statuses("/api/gateway/wallet/history") == {"1", "5", "6"}
    assert await statuses("/api/gateway/invoice/history") == {"1", "5"}
    assert len(await statuses("/api/gateway/withdraw/history")) >= 4
    assert (await raw.get("/api/gateway/invoices")).json()["count"] == 3
    sandbox.seed_demo_data()  # a second time adds more, without clashing
    assert (await raw.get("/api/gateway/withdraw/history")).json()["count"] == 10
    assert sandbox.callbacks == []
