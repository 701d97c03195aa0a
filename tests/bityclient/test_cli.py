"""The `bityclient` command line, run against the Bity sandbox."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from bityclient import Order, Token, load_token, to_dict
from bityclient._cli import build_parser, main, read_token_file, write_token_file
from bityclient._decode import converter
from bityclient.sandbox import DEMO_PHONE_CODE, BitySandbox
from tests.served import ROOT, clean_env, closed_port, python_module, run_module, served

CLIENT_ID = "cli-test-client"
USERNAME = "+41790000001"
#: A password that must never appear in anything the command prints.
PASSWORD = "Pw-NEVER-PRINT-7f3a9c"

ENV = ("BITY_CLIENT_ID", "BITY_USERNAME", "BITY_PASSWORD", "BITY_BASE_URL", "BITY_TOKEN_FILE")


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with none of the caller's BITY_* variables."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sandbox() -> BitySandbox:
    box = BitySandbox(client_id=CLIENT_ID, username=USERNAME, password=PASSWORD)
    box.seed_demo_data()
    return box


@pytest.fixture
def base_url(sandbox: BitySandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The sandbox on a loopback socket, with the credentials in the environment."""
    with served(sandbox) as url:
        monkeypatch.setenv("BITY_BASE_URL", url)
        monkeypatch.setenv("BITY_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("BITY_USERNAME", USERNAME)
        monkeypatch.setenv("BITY_PASSWORD", PASSWORD)
        yield url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    return code, out, err


def token_posts(sandbox: BitySandbox) -> int:
    return len(sandbox.requests_to("/o/token/", method="POST"))


# --- every subcommand, in process --------------------------------------------------------------


def test_rates_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--sandbox", "rates", "list", "--max-items", "3")
    assert code == 0
    rates = json.loads(out)
    assert len(rates) == 3
    assert {"pair", "rate", "rate_we_buy", "rate_we_sell", "timestamp"} <= set(rates[0])
    assert isinstance(rates[0]["rate"], str)  # a Decimal, exactly, never a float


def test_rates_list_as_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rates", "list", "--sandbox", "--table", "--page-size", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["pair", "rate", "rate_we_buy", "rate_we_sell"]
    assert "ETHBTC" in out
    assert len(lines) > 3  # every page, not only the first


@pytest.mark.parametrize(
    ("order_by", "first"), [("+pair", "BTCCHF"), ("pair", "BTCCHF"), ("-pair", "REPEUR")]
)
def test_rates_list_order_by_as_tastypie_takes_it(
    capsys: pytest.CaptureFixture[str], order_by: str, first: str
) -> None:
    # tastypie refuses `order_by=+pair` (400): ascending goes out as the bare name.
    argv = ("--sandbox", "rates", "list", "--order-by", order_by, "--max-items", "1")
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert [rate["pair"] for rate in json.loads(out)] == [first]


@pytest.mark.parametrize(
    ("command", "path"), [("we-sell", "rate_we_sell"), ("we-buy", "rate_we_buy")]
)
def test_rate_of_one_pair(capsys: pytest.CaptureFixture[str], command: str, path: str) -> None:
    code, out, _ = run(capsys, "--sandbox", "rates", command, "ETHBTC")
    assert code == 0
    rate = json.loads(out)
    assert rate["pair"] == "ETHBTC"
    assert rate["resource_uri"] == f"/api/v1/{path}/ETHBTC/"


def test_verify_phone(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("--sandbox", "verify-phone", "--phone", "+41786399501", "--code", DEMO_PHONE_CODE)
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert json.loads(out) == {"activated": True}


def test_login_prints_what_may_be_shown_of_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--sandbox", "login")
    assert code == 0
    facts = json.loads(out)
    assert facts["logged_in"] is True
    assert facts["scope"] == "read write"
    assert facts["expires_at"].endswith("+00:00")
    assert 0 < facts["expires_in"] <= 36000
    assert facts["has_refresh_token"] is True
    assert "access_token" not in facts
    assert "refresh_token" not in facts


def test_orders_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--sandbox", "orders", "list", "--order-by", "-timestamp_created")
    assert code == 0
    orders = json.loads(out)
    assert len(orders) == 4
    assert {order["category"] for order in orders} == {"BUY", "SELL_ETH", "BUY_ETH", "SELL"}
    # The JSON is to_dict's: keyed as Bity spells them, read back by the client's converter.
    for order in orders:
        assert "inputtransactions" in order
        assert to_dict(converter.structure(order, Order)) == order
    code, out, _ = run(capsys, "--sandbox", "--table", "orders", "list", "--max-items", "2")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["resource_uri", "category", "status"]
    assert "input_transactions" in out.splitlines()[0]  # a table names the fields
    assert len(out.splitlines()) == 4
    assert "[1 item]" in out  # nested transactions summarised


def test_orders_create(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--sandbox", "orders", "create", "--category", "buy_eth", "--amount", "0.5"]
    argv += ["--crypto-address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    order = json.loads(out)
    assert order["category"] == "BUY_ETH"
    assert order["status"] == "OPEN"
    assert order["amount"] == "0.50000000"
    code, out, _ = run(capsys, *argv, "--table", "--amount-mode", "input")
    assert code == 0
    assert any(line.split() == ["category", "BUY_ETH"] for line in out.splitlines())


# --- errors ------------------------------------------------------------------------------------


def test_a_refusal_by_the_server_exits_1_with_its_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--sandbox", "orders", "create", "--category", "BUY_ETH", "--amount", "0.5"
    )
    assert code == 1
    assert out == ""
    assert err.startswith("error: HTTP 400 Bad Request from POST /api/v1/order/\n")
    assert "crypto_address" in err


def test_bad_input_is_refused_before_sending(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--sandbox", "orders", "create", "--category", "BUY", "--amount", "0.123456789"
    )
    assert code == 2
    assert out == ""
    assert "invalid --amount: must have at most 8 decimal digits" in err
    assert "nothing was sent" in err
    code, _, err = run(capsys, "--sandbox", "rates", "we-sell", "ethbtc")
    assert code == 2
    assert "did you mean 'ETHBTC'?" in err


def test_an_amount_that_is_not_a_number_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(
        capsys, "--sandbox", "orders", "create", "--category", "BUY", "--amount", "1,5"
    )
    assert code == 2
    assert "argument --amount: must be a finite decimal number written with ASCII digits" in err
    assert "got '1,5'" in err


def test_missing_credentials_name_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "orders", "list")
    assert (code, err) == (2, "error: missing client id: set BITY_CLIENT_ID or pass --client-id\n")
    code, _, err = run(capsys, "login", "--client-id", CLIENT_ID, "--username", USERNAME)
    assert (code, err) == (2, "error: missing password: set BITY_PASSWORD or pass --password\n")


def test_wrong_credentials_exit_1_and_the_password_is_never_shown(
    base_url: str, sandbox: BitySandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "Wrong-Pw-NEVER-PRINT-55"
    code = main(["login", "--password", wrong])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.startswith("error: HTTP 401 Unauthorized from POST /o/token/")
    assert "invalid_grant" in err
    assert wrong not in err
    assert PASSWORD not in err


def test_a_closed_port_is_a_transport_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    code, out, err = run(capsys, "--base-url", url, "--retries", "0", "rates", "list")
    assert code == 3
    assert out == ""
    assert err.startswith("error: GET ")
    assert "could not connect" in err


def test_secrets_never_appear_in_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BITY_PASSWORD", PASSWORD)
    for argv in (["--help"], ["orders", "create", "--help"], ["login", "--help"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert "BITY_PASSWORD" in out


def test_no_usable_sandbox_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bityclient.sandbox", None)
    code, _, err = run(capsys, "--sandbox", "rates", "list")
    assert code == 2
    assert err.startswith("error: the sandbox is not available")


# --- the session in a token file ---------------------------------------------------------------


def test_login_stores_the_token_in_a_private_file_and_commands_reuse_it(
    base_url: str,
    sandbox: BitySandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "bity-token.json"
    code, out, _ = run(capsys, "login", "--token-file", str(path))
    assert code == 0
    assert json.loads(out)["token_file"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = load_token(json.loads(path.read_text()))
    assert token.access_token not in out
    assert token_posts(sandbox) == 1

    # No password now: the stored session is enough.
    monkeypatch.delenv("BITY_PASSWORD")
    monkeypatch.delenv("BITY_USERNAME")
    monkeypatch.setenv("BITY_TOKEN_FILE", str(path))
    code, out, err = run(capsys, "orders", "list", "--max-items", "1")
    assert (code, err) == (0, "")
    assert len(json.loads(out)) == 1
    assert token_posts(sandbox) == 1
    orders = sandbox.requests_to("/api/v1/order/")
    assert orders[-1].header("authorization") == f"Bearer {token.access_token}"

    # The token expires: it is refreshed, and the rotated token is written back.
    sandbox.expire_tokens()
    code, out, err = run(capsys, "orders", "list", "--max-items", "1")
    assert (code, err) == (0, "")
    assert sandbox.refreshes == 1
    renewed = read_token_file(path)
    assert renewed is not None
    assert renewed.access_token != token.access_token
    assert renewed.refresh_token != token.refresh_token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert renewed.access_token not in out + err
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.skipif(sys.platform == "win32", reason="the test holds the lock with fcntl")
def test_commands_sharing_a_token_file_refresh_it_once(
    base_url: str, sandbox: BitySandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Bity rotates refresh tokens: two commands that both refreshed the stored one would
    # end one session. The file is locked around a refresh, and read again inside it.
    import fcntl

    path = tmp_path / "token.json"
    assert run(capsys, "login", "--token-file", str(path))[0] == 0
    sandbox.expire_tokens()
    sandbox.delay_next("/o/token/", seconds=0.3)  # the first refresh is slow to answer
    env = clean_env(BITY_BASE_URL=base_url, BITY_CLIENT_ID=CLIENT_ID)  # no password
    lock = os.open(tmp_path / "token.json.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # held until all three wait for it
    commands = [
        subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            python_module("bityclient", "--token-file", str(path), "orders", "list"),
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for _ in range(3000):  # a guard, not a timing assertion
            if len(sandbox.requests_to("/api/v1/order/")) >= 3:
                break  # each sent the stored token, had a 401, and waits for the lock
            time.sleep(0.01)
        os.close(lock)
        outcomes = [command.communicate(timeout=60) for command in commands]
    finally:
        for command in commands:
            if command.poll() is None:
                command.kill()
                command.communicate()
    assert [command.returncode for command in commands] == [0, 0, 0], outcomes
    listed = [json.loads(out) for out, _ in outcomes]
    assert listed[0]
    assert listed == [listed[0]] * 3
    assert sandbox.refreshes == 1
    assert token_posts(sandbox) == 2  # the login, and one refresh for the three


def test_an_ended_session_logs_in_again_when_it_can(
    base_url: str,
    sandbox: BitySandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "token.json"
    assert run(capsys, "login", "--token-file", str(path))[0] == 0
    sandbox.revoke_session()
    sandbox.expire_tokens()
    code, out, err = run(capsys, "--token-file", str(path), "orders", "list", "--max-items", "1")
    assert code == 0
    assert "logging in again" in err
    assert token_posts(sandbox) == 3  # login, the refused refresh, login again
    assert len(json.loads(out)) == 1

    # Without a password to fall back on, it says how to start a new session.
    sandbox.revoke_session()
    sandbox.expire_tokens()
    monkeypatch.delenv("BITY_PASSWORD")
    code, out, err = run(capsys, "--token-file", str(path), "orders", "list")
    assert code == 1
    assert f"bityclient login --token-file {path}" in err


def test_a_token_file_that_holds_no_token_is_a_usage_error(
    base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "token.json"
    path.write_text('{"not": "a token"}')
    code, _, err = run(capsys, "--token-file", str(path), "orders", "list")
    assert code == 2
    assert "does not hold a stored token" in err
    code, _, err = run(capsys, "--token-file", str(tmp_path / "no" / "t.json"), "login")
    assert code == 2
    assert "no such directory" in err


def test_a_token_file_with_a_line_break_in_a_token_is_a_usage_error(
    base_url: str, sandbox: BitySandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "token.json"
    path.write_text(json.dumps({"access_token": "LEAKpart\r\nX-Evil: 1", "token_type": "Bearer"}))
    path.chmod(0o600)
    code, out, err = run(capsys, "--token-file", str(path), "orders", "list")
    assert (code, out) == (2, "")
    assert "does not hold a stored token" in err
    assert "LEAKpart" not in err
    assert "X-Evil" not in err
    assert sandbox.requests_to("/api/v1/order/") == []


@pytest.mark.parametrize("expired", [False, True])
def test_a_command_with_no_stored_session_says_to_log_in(
    base_url: str,
    sandbox: BitySandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    expired: bool,
) -> None:
    # No password to log in with: the token file is the only way, and it holds no session.
    monkeypatch.delenv("BITY_USERNAME")
    monkeypatch.delenv("BITY_PASSWORD")
    path = tmp_path / "token.json"
    if expired:  # a session that cannot be renewed: no refresh token, and past its expiry
        write_token_file(
            path,
            Token(access_token="old-access", expires_at=datetime(2020, 1, 1, tzinfo=timezone.utc)),
        )
    code, out, err = run(capsys, "orders", "list", "--token-file", str(path))
    what = "the stored session has expired" if expired else "no stored session"
    assert (code, out) == (2, "")  # usage: credentials are missing, nothing was sent
    assert err == (
        f"error: {what}: run `bityclient login --token-file {path}` "
        "(or set BITY_USERNAME and BITY_PASSWORD to log in as part of the command)\n"
    )
    assert sandbox.requests_to("/api/v1/order/") == []
    assert token_posts(sandbox) == 0
    # The same through BITY_TOKEN_FILE.
    monkeypatch.setenv("BITY_TOKEN_FILE", str(path))
    assert run(capsys, "orders", "list")[2] == err


@pytest.mark.parametrize("command", [["orders", "list"], ["login"]])
def test_sandbox_runs_leave_the_environments_token_file_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    # BITY_TOKEN_FILE holds the real session: a sandbox run must not send its tokens to the
    # sandbox (which refuses them, then logs in with the demo user) nor store a sandbox token
    # in their place.
    path = tmp_path / "real-session.json"
    real = Token(access_token="real-access-KEEP-1", refresh_token="real-refresh-KEEP-1")
    write_token_file(path, real)
    before = path.read_bytes()
    monkeypatch.setenv("BITY_TOKEN_FILE", str(path))
    code, out, err = run(capsys, "--sandbox", *command)
    assert code == 0, err
    assert path.read_bytes() == before
    assert "logging in again" not in err
    assert "real-" not in out + err
    assert list(tmp_path.iterdir()) == [path]
    if command == ["login"]:
        assert json.loads(out)["token_file"] is None


@pytest.mark.parametrize(
    "command",
    [
        ["login", "--token-file", "{path}"],
        ["--token-file", "{path}", "login"],
        ["orders", "list", "--token-file", "{path}"],
        ["rates", "list", "--max-items", "1", "--token-file", "{path}"],
    ],
)
def test_sandbox_runs_refuse_an_explicit_token_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    # The file holds the real session: a sandbox token written there would be sent to
    # bity.com by the next real command. Refused, not ignored: nothing is stored.
    path = tmp_path / "real-session.json"
    write_token_file(path, Token(access_token="realAccessKEEP1", refresh_token="realRefreshKEEP1"))
    before = path.read_bytes()
    argv = [arg.replace("{path}", str(path)) for arg in command]
    code, out, err = run(capsys, "--sandbox", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("error: --token-file cannot be used with --sandbox: ")
    assert "bityclient sandbox" in err
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]
    assert "realAccess" not in err


def test_a_token_file_others_may_read_is_warned_about(
    base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "token.json"
    assert main(["login", "--token-file", str(path)]) == 0
    path.chmod(0o644)
    code, _, err = run(capsys, "--token-file", str(path), "orders", "list")
    assert code == 0
    assert "chmod 600" in err


# --- the real entry points ---------------------------------------------------------------------


def test_python_dash_m_runs_the_command() -> None:
    done = run_module("bityclient", "--sandbox", "rates", "we-sell", "ETHBTC")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pair"] == "ETHBTC"
    done = run_module("bityclient", "orders", "list")
    assert done.returncode == 2
    assert "BITY_CLIENT_ID" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_sandbox_subcommand_serves_until_interrupted() -> None:
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        python_module("bityclient", "sandbox", "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith("Bity v1 sandbox on http://127.0.0.1:")
        base = banner.split()[4]
        exports: dict[str, Any] = {}
        for _ in range(5):
            line = process.stdout.readline().strip()
            if line.startswith("export "):
                name, _, value = line[len("export ") :].partition("=")
                exports[name] = value
        assert exports["BITY_BASE_URL"] == base
        assert {"BITY_CLIENT_ID", "BITY_USERNAME", "BITY_PASSWORD"} <= set(exports)
        response = httpx.get(f"{base}/api/v1/rate_we_buy/ETHBTC/")
        assert response.status_code == 200
        assert response.json()["pair"] == "ETHBTC"
        controls = process.stdout.readline().split()[-1]
        assert httpx.get(controls).json()["sandbox"] == "Bity v1"
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
    """Every subcommand path of `parser` ("rates we-sell")."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= commands(sub, f"{prefix}{name} ") or {prefix + name}
    return found


def test_the_command_surface() -> None:
    assert commands(build_parser()) == {
        "verify-phone",
        "login",
        "rates list",
        "rates we-sell",
        "rates we-buy",
        "orders create",
        "orders list",
        "sandbox",
    }


def test_the_sandbox_subcommand_on_a_busy_port_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run(capsys, "sandbox", "--port", str(port))
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_the_sandbox_subcommand_on_an_impossible_port_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    code, out, err = run(capsys, "sandbox", "--port", port)
    assert code == 2
    assert out == ""
    assert "argument --port:" in err
    assert "Traceback" not in err
