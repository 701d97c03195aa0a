"""The `bitexgate` command line, run against the gateway sandbox."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bitexgate._cli import build_parser, main
from bitexgate.sandbox import GatewaySandbox
from tests.served import ROOT, clean_env, closed_port, python_module, run_module, served

API_KEY = "cli-test-key-0001"
#: A secret that must never appear in anything the command prints.
SECRET = "Sc-NEVER-PRINT-%2Fq9"
TRON_ADDRESS = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"

ENV = ("BITEXGATE_API_KEY", "BITEXGATE_SECRET", "BITEXGATE_BASE_URL")


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with none of the caller's BITEXGATE_* variables."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sandbox() -> GatewaySandbox:
    box = GatewaySandbox(api_key=API_KEY, secret=SECRET)
    box.seed_demo_data()
    return box


@pytest.fixture
def base_url(sandbox: GatewaySandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The sandbox on a loopback socket, with the credentials in the environment."""
    with served(sandbox) as url:
        monkeypatch.setenv("BITEXGATE_BASE_URL", url)
        monkeypatch.setenv("BITEXGATE_API_KEY", API_KEY)
        monkeypatch.setenv("BITEXGATE_SECRET", SECRET)
        yield url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """Run a command that must succeed; its JSON answer."""
    code, out, err = run(capsys, "--sandbox", *argv)
    assert (code, err) == (0, "")
    return json.loads(out)


def table(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """Run a command that must succeed with --table; its lines."""
    code, out, err = run(capsys, "--sandbox", "--table", *argv)
    assert (code, err) == (0, "")
    return out.splitlines()


# --- every subcommand, in process --------------------------------------------------------------


def test_payment_methods_list(capsys: pytest.CaptureFixture[str]) -> None:
    methods = ok(capsys, "payment-methods", "list", "--ordering", "-id")
    btc = next(m for m in methods if m["ticker"] == "BTC")
    assert btc["network"] == "bitcoin"
    assert btc["deposit_fee_amount"] == "0.00000000"  # exact, in plain notation
    assert btc["is_fiat"] is False
    lines = table(capsys, "payment-methods", "list")
    assert lines[0].split()[:4] == ["ticker", "network", "is_fiat", "min_deposit"]
    assert len(lines) == 2 + len(methods)


def test_wallets_create(capsys: pytest.CaptureFixture[str]) -> None:
    wallet = ok(capsys, "wallets", "create", "--ticker", "ETH", "--network", "ethereum")
    assert wallet["ticker"] == "ETH"
    assert wallet["address"].startswith("0x")
    argv = ["wallets", "create", "--ticker", "USDT", "--network", "tron"]
    argv += ["--convert-ticker", "ETH", "--convert-limit", "30", "--convert-percent", "0.1"]
    lines = table(capsys, *argv)
    assert any(line.split() == ["convert_ticker", "ETH"] for line in lines)


def test_wallets_list(capsys: pytest.CaptureFixture[str]) -> None:
    wallets = ok(capsys, "wallets", "list")
    assert wallets
    assert {"address", "slug", "ticker", "network", "created_at"} <= set(wallets[0])
    assert len(ok(capsys, "wallets", "list", "--max-items", "1", "--page-size", "1")) == 1
    assert table(capsys, "wallets", "list")[0].split()[:2] == ["address", "ticker"]


def test_wallets_history(capsys: pytest.CaptureFixture[str]) -> None:
    deposits = ok(capsys, "wallets", "history")
    assert deposits
    confirmed = ok(capsys, "wallets", "history", "--status", "confirmed")
    assert confirmed
    assert all(d["status"] == 5 for d in confirmed)
    lines = table(capsys, "wallets", "history", "--status", "5")
    assert "  5 CONFIRMED  " in lines[2]


def test_invoices_create(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["invoices", "create", "--ticker", "USDT", "--network", "payeer", "--amount", "120"]
    argv += ["--client-ip", "203.0.113.7", "--payment-url", "https://shop.example/ok"]
    invoice = ok(capsys, *argv)
    assert invoice["ticker"] == "USDT"
    assert invoice["proceed_url"]
    assert invoice["payment_url"] == "https://shop.example/ok"
    assert any(line.startswith("proceed_url ") for line in table(capsys, *argv))


def test_invoices_list_and_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert ok(capsys, "invoices", "list", "--ordering", "-id")
    payments = ok(capsys, "invoices", "history", "--ticker", "UAH")
    assert payments
    assert all(p["ticker"] == "UAH" for p in payments)
    assert table(capsys, "invoices", "history")[0].split()[:3] == ["created_at", "status", "amount"]


def test_withdrawals_create(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["withdrawals", "create", "--ticker", "USDT", "--network", "tron"]
    argv += ["--address", TRON_ADDRESS, "--amount", "22", "--client-order-id", "cli-1"]
    withdrawal = ok(capsys, *argv, "--fee-payer", "balance")
    assert withdrawal["client_order_id"] == "cli-1"
    assert withdrawal["amount"].startswith("22")
    assert withdrawal["fee_payer"] == 1


def test_withdrawals_history(capsys: pytest.CaptureFixture[str]) -> None:
    withdrawals = ok(capsys, "withdrawals", "history")
    assert withdrawals
    lines = table(capsys, "withdrawals", "history", "--max-items", "2")
    assert lines[0].split()[:3] == ["id", "created_at", "status"]
    assert len(lines) == 4


# --- errors ------------------------------------------------------------------------------------


def test_a_refusal_by_the_server_exits_1_with_its_field_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--sandbox", "withdrawals", "create", "--ticker", "USDT", "--network", "tron"]
    argv += ["--address", "not-a-tron-address", "--amount", "22"]
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "error: HTTP 400 Bad Request from POST /api/gateway/withdraw/create"
    assert any(line.startswith("  address: ") for line in lines)
    assert any(line.startswith("  body: {") for line in lines)


def test_bad_input_is_refused_before_sending(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--sandbox", "invoices", "create", "--ticker", "USDT", "--network", "payeer"]
    code, out, err = run(capsys, *argv, "--amount", "120", "--client-ip", "not-an-ip")
    assert code == 2
    assert out == ""
    assert err.startswith("error: invalid --client-ip: must be an IPv4 or IPv6 address")
    assert "nothing was sent" in err
    code, _, err = run(capsys, *argv, "--amount", "0", "--client-ip", "203.0.113.7")
    assert code == 2
    assert "invalid --amount: must be greater than zero" in err


def test_an_amount_that_is_not_a_number_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--sandbox", "withdrawals", "create", "--ticker", "USDT", "--network", "tron"]
    code, _, err = run(capsys, *argv, "--address", TRON_ADDRESS, "--amount", "twenty")
    assert code == 2
    assert "argument --amount: must be a finite decimal number written with ASCII digits" in err
    assert "got 'twenty'" in err
    code, _, err = run(capsys, *argv, "--amount", "1")
    assert code == 2
    assert "one of the arguments --address --card is required" in err


def test_missing_credentials_name_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "wallets", "list")
    assert (code, err) == (2, "error: missing API key: set BITEXGATE_API_KEY or pass --api-key\n")
    code, _, err = run(capsys, "--api-key", API_KEY, "wallets", "list")
    assert (code, err) == (2, "error: missing API secret: set BITEXGATE_SECRET or pass --secret\n")


def test_wrong_credentials_exit_1_and_no_secret_is_shown(
    base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "Wrong-Secret-NEVER-PRINT-31"
    code = main(["payment-methods", "list", "--secret", wrong])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.startswith("error: HTTP 401 Unauthorized from GET /api/gateway/payment-methods")
    for secret in (wrong, SECRET):
        assert secret not in err


def test_the_right_credentials_work_over_a_socket(
    base_url: str, sandbox: GatewaySandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "wallets", "list", "--max-items", "1")
    assert code == 0
    assert len(json.loads(out)) == 1
    [request] = sandbox.requests_to("/api/gateway/wallets")
    assert request.header("x-key") == API_KEY

    argv = ["withdrawals", "create", "--ticker", "USDT", "--network", "tron"]
    argv += ["--address", TRON_ADDRESS, "--amount", "22", "--client-order-id", "cli-1"]
    assert run(capsys, *argv)[0] == 0
    code, out, _ = run(capsys, "withdrawals", "history", "--ordering", "-id", "--max-items", "1")
    assert code == 0
    assert json.loads(out)[0]["client_order_id"] == "cli-1"


def test_an_unknown_outcome_is_said_loudly(
    base_url: str, sandbox: GatewaySandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.fail_next("/api/gateway/withdraw/create", status=502, after_handling=True)
    argv = ["withdrawals", "create", "--ticker", "USDT", "--network", "tron"]
    argv += ["--address", TRON_ADDRESS, "--amount", "22"]  # no client_order_id: no lookup
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert out == ""
    assert "!!! OUTCOME UNKNOWN" in err
    assert "Pass a client_order_id with each withdrawal" in err
    assert err.splitlines()[-1] == (
        "!!! Before running it again, check `bitexgate withdrawals history --ordering -id`."
    )
    assert len(sandbox.requests_to("/api/gateway/withdraw/create")) == 1  # never resent
    assert sandbox.requests_to("/api/gateway/withdraw/history") == []


def test_a_lost_answer_with_a_client_order_id_is_recovered(
    base_url: str, sandbox: GatewaySandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.fail_next("/api/gateway/withdraw/create", status=502, after_handling=True)
    argv = ["withdrawals", "create", "--ticker", "USDT", "--network", "tron"]
    argv += ["--address", TRON_ADDRESS, "--amount", "22", "--client-order-id", "cli-lost"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert json.loads(out)["client_order_id"] == "cli-lost"  # found in the history
    assert len(sandbox.requests_to("/api/gateway/withdraw/create")) == 1  # never resent


def test_a_closed_port_is_a_transport_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    argv = ["--base-url", url, "--api-key", API_KEY, "--secret", SECRET, "--retries", "0"]
    code, out, err = run(capsys, *argv, "wallets", "list")
    assert code == 3
    assert out == ""
    assert err.startswith("error: GET ")
    assert "could not connect" in err


def test_secrets_never_appear_in_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BITEXGATE_SECRET", SECRET)
    monkeypatch.setenv("BITEXGATE_API_KEY", API_KEY)
    for argv in (["--help"], ["withdrawals", "create", "--help"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert "BITEXGATE_SECRET" in out
        assert API_KEY not in out


def test_a_secret_in_a_mistyped_command_is_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BITEXGATE_SECRET", SECRET)
    code, _, err = run(capsys, "wallets", "list", SECRET)  # pasted in the wrong place
    assert code == 2
    assert "unrecognized arguments: ***" in err
    other = "Other-Secret-NEVER-PRINT-8"
    code, _, err = run(capsys, "wallets", "list", f"--secret={other}", other)
    assert code == 2
    assert other not in err


def test_no_usable_sandbox_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bitexgate.sandbox", None)
    code, _, err = run(capsys, "--sandbox", "wallets", "list")
    assert code == 2
    assert err.startswith("error: the sandbox is not available")


# --- the real entry points ---------------------------------------------------------------------


def test_python_dash_m_runs_the_command() -> None:
    done = run_module("bitexgate", "--sandbox", "--table", "payment-methods", "list")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["ticker", "network"]
    done = run_module("bitexgate", "wallets", "list", BITEXGATE_SECRET=SECRET)
    assert done.returncode == 2
    assert "BITEXGATE_API_KEY" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_the_sandbox_subcommand_serves_until_interrupted() -> None:
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        python_module("bitexgate", "sandbox", "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith("bitexbit Gateway sandbox on http://127.0.0.1:")
        base = banner.split()[4]
        exports: dict[str, str] = {}
        for _ in range(4):
            line = process.stdout.readline().strip()
            if line.startswith("export "):
                name, _, value = line[len("export ") :].partition("=")
                exports[name] = value
        assert exports["BITEXGATE_BASE_URL"] == base
        assert {"BITEXGATE_API_KEY", "BITEXGATE_SECRET"} <= set(exports)
        response = httpx.get(f"{base}/api/gateway/payment-methods")
        assert response.status_code == 401  # it answers, and wants a signature
        controls = process.stdout.readline().split()[-1]
        assert controls == f"{base}/sandbox/"
        index = httpx.get(controls).json()
        assert {"POST /sandbox/deposits", "POST /sandbox/faults"} <= {
            f"{c['method']} {c['path']}" for c in index["controls"]
        }
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    """Every subcommand path of `parser` ("wallets history")."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= commands(sub, f"{prefix}{name} ") or {prefix + name}
    return found


def test_the_command_surface() -> None:
    assert commands(build_parser()) == {
        "payment-methods list",
        "wallets create",
        "wallets list",
        "wallets history",
        "invoices create",
        "invoices list",
        "invoices history",
        "withdrawals create",
        "withdrawals history",
        "sandbox",
    }


def test_ctrl_c_exits_130_and_warns_about_a_payment_in_flight(
    base_url: str, sandbox: GatewaySandbox
) -> None:
    path = "/api/gateway/withdraw/create"
    sandbox.delay_next(path, seconds=1.0)
    argv = ["withdrawals", "create", "--ticker", "USDT", "--network", "tron"]
    argv += ["--address", TRON_ADDRESS, "--amount", "22", "--client-order-id", "cli-c"]
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        python_module("bitexgate", *argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(
            BITEXGATE_BASE_URL=base_url, BITEXGATE_API_KEY=API_KEY, BITEXGATE_SECRET=SECRET
        ),
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 10
        while not sandbox.requests_to(path) and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert out == ""
    assert err.startswith("interrupted\n")
    assert "check `bitexgate withdrawals history" in err
    assert "Traceback" not in err
    assert SECRET not in err


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_the_sandbox_subcommand_on_an_impossible_port_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    code, out, err = run(capsys, "sandbox", "--port", port)
    assert code == 2
    assert out == ""
    assert "argument --port:" in err
    assert "Traceback" not in err
