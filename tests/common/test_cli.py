"""The command-line core both CLIs share: argument types, JSON, tables, errors, secrets."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from common import (
    BadRequestError,
    ConnectError,
    DecodeError,
    OpenIntEnum,
    OpenStrEnum,
    RateLimitError,
    RequestTimeout,
    ValidationError,
)
from common._cli import (
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TRANSPORT,
    EXIT_USAGE,
    SANDBOX_EXTRA_HINT,
    ArgumentParser,
    Output,
    Secrets,
    UsageError,
    decimal_arg,
    enum_arg,
    error_lines,
    export_line,
    flag_map,
    join_dash_values,
    non_negative_int_arg,
    parse_args,
    port_arg,
    positive_float_arg,
    positive_int_arg,
    render_record,
    render_table,
    report_error,
    retry_policy,
    run_command,
    sandbox_unavailable,
    secret_flag_values,
    setting,
    to_jsonable,
    warn_if_exposed,
)

SECRET = "s3cr3t-VALUE-that-must-not-leak"


class Status(OpenIntEnum):
    PENDING = 1
    CONFIRMED = 5


class Side(OpenStrEnum):
    BUY = "BUY"
    SELL = "SELL"


@attrs.frozen
class Inner:
    symbol: str
    amount: Decimal


@attrs.frozen
class Item:
    id: int
    amount: Decimal
    status: Status
    side: Side
    created_at: datetime
    inner: Inner | None = None
    tags: list[str] = attrs.field(factory=list)
    note: str | None = None


WHEN = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)


def item(n: int = 1, **changes: Any) -> Item:
    values: dict[str, Any] = {
        "id": n,
        "amount": Decimal("22.0000000"),
        "status": Status.CONFIRMED,
        "side": Side.BUY,
        "created_at": WHEN,
        "inner": Inner(symbol="ETH", amount=Decimal("0.5")),
        "tags": ["a", "b"],
    }
    values.update(changes)
    return Item(**values)


# --- JSON --------------------------------------------------------------------------------------


def test_models_become_json_data_with_exact_decimals() -> None:
    data = to_jsonable(item())
    assert data == {
        "id": 1,
        "amount": "22.0000000",
        "status": 5,
        "side": "BUY",
        "created_at": "2024-03-01T12:30:15.123456+00:00",
        "inner": {"symbol": "ETH", "amount": "0.5"},
        "tags": ["a", "b"],
        "note": None,
    }
    assert type(data["status"]) is int
    assert type(data["side"]) is str
    json.dumps(data)  # plain data only


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.00000000"), "0.00000000"),  # str() would give 0E-8
        (Decimal("1E+3"), "1000"),
        (Decimal("-0.5"), "-0.5"),
        (
            Decimal("123456789012345678901234567890.123456789"),
            "123456789012345678901234567890.123456789",
        ),
    ],
)
def test_decimals_are_written_exactly_in_plain_notation(value: Decimal, text: str) -> None:
    assert to_jsonable(value) == text


def test_unknown_enum_values_are_kept() -> None:
    assert to_jsonable(Status(7)) == 7
    assert to_jsonable(Status(7), display=True) == "7"  # no name to show beside it
    assert to_jsonable(Side("HOLD")) == "HOLD"


def test_display_form_names_enums_and_rounds_times() -> None:
    data = to_jsonable(item(), display=True)
    assert data["status"] == "5 CONFIRMED"  # the API's value, its name beside it
    assert data["side"] == "BUY"  # named as it is spelled: once
    assert data["created_at"] == "2024-03-01 12:30:15+00:00"


def test_mappings_and_tuples() -> None:
    assert to_jsonable({"a": (Decimal("1.5"), None)}) == {"a": ["1.5", None]}


# --- tables ------------------------------------------------------------------------------------


def test_table_aligns_columns_and_leaves_out_empty_ones() -> None:
    rows = [to_jsonable(item(1), display=True), to_jsonable(item(22, note="x"), display=True)]
    lines = render_table(rows).splitlines()
    assert lines[0].split() == [
        "id",
        "amount",
        "status",
        "side",
        "created_at",
        "inner",
        "tags",
        "note",
    ]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].startswith("1   22.0000000  5 CONFIRMED")
    assert "{symbol=ETH, amount=0.5}" in lines[2]
    assert "[2 items]" in lines[2]
    assert lines[2].rstrip().endswith("-")  # a missing value in a column others fill
    assert lines[3].rstrip().endswith("x")
    # Every row's columns start at the header's positions.
    start = lines[0].index("status")
    assert lines[2][start:].startswith("5 CONFIRMED")
    assert lines[3][start:].startswith("5 CONFIRMED")
    # A column empty in every row is not shown.
    assert "note" not in render_table([to_jsonable(item(1))])


def test_table_of_nothing() -> None:
    assert render_table([]) == "(no items)"


def test_long_nested_objects_are_cut_short() -> None:
    cell = render_table([{"inner": {f"key{i}": "v" * 10 for i in range(10)}}]).splitlines()[2]
    assert len(cell) <= 60
    assert cell.endswith("...}")


def test_record_lists_fields_with_nested_ones_dotted() -> None:
    text = render_record(to_jsonable(item(), display=True))
    lines = text.splitlines()
    assert lines[0] == "id            1"  # names padded to the longest, inner.symbol
    assert "inner.symbol  ETH" in lines
    assert any(line.split() == ["inner.amount", "0.5"] for line in lines)
    assert not any(line.startswith("note") for line in lines)  # None is left out


async def test_streamed_json_is_the_same_as_a_dumped_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def items(n: int) -> AsyncIterator[Item]:
        for i in range(n):
            yield item(i)

    for n in (0, 1, 3):
        out = Output(table=False)
        assert await out.stream_items(items(n)) == n
        printed = capsys.readouterr().out
        expected = json.dumps([to_jsonable(item(i)) for i in range(n)], indent=2)
        assert printed == expected + "\n"


async def test_a_list_that_fails_halfway_does_not_parse_as_complete(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def items() -> AsyncIterator[Item]:
        yield item(1)
        raise ConnectError("boom")

    with pytest.raises(ConnectError):
        await Output(table=False).stream_items(items())
    with pytest.raises(json.JSONDecodeError):
        json.loads(capsys.readouterr().out)


def test_show_prints_json_or_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    Output(table=False).show({"activated": True})
    assert json.loads(capsys.readouterr().out) == {"activated": True}
    Output(table=True).show({"activated": True})
    assert capsys.readouterr().out == "activated  true\n"
    Output(table=True).show([item(1)])
    assert capsys.readouterr().out.startswith("id  amount")
    Output(table=False).show({"name": "Zürich"})
    assert "Zürich" in capsys.readouterr().out  # not escaped


# --- argument types ----------------------------------------------------------------------------


def test_decimal_argument() -> None:
    assert decimal_arg("0.10") == Decimal("0.10")
    assert str(decimal_arg(" 120 ")) == "120"
    for bad in ("abc", "", "1,5", "NaN", "Infinity", "-inf", "1_000", "\uff11\uff12", "1E+41"):
        with pytest.raises(argparse.ArgumentTypeError):
            decimal_arg(bad)


def test_an_invalid_amount_is_a_usage_error_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = ArgumentParser(prog="tool")
    parser.add_argument("--amount", type=decimal_arg)
    assert parse_args(parser, ["--amount", "12,5"], Secrets()) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "argument --amount: must be a finite decimal number written with ASCII digits" in err
    assert "got '12,5'" in err


def test_integer_and_float_arguments() -> None:
    assert positive_int_arg("3") == 3
    assert non_negative_int_arg("0") == 0
    assert positive_float_arg("2.5") == 2.5
    assert (port_arg("0"), port_arg("65535")) == (0, 65535)
    for parse, bad in (
        (positive_int_arg, "0"),
        (positive_int_arg, "x"),
        (non_negative_int_arg, "-1"),
        (positive_float_arg, "0"),
        (positive_float_arg, "nan"),
        (positive_float_arg, "inf"),
        (port_arg, "-1"),
        (port_arg, "65536"),
        (port_arg, "http"),
    ):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(bad)


def test_enum_argument_takes_a_name_or_a_code() -> None:
    status = enum_arg(Status)
    assert status("confirmed") is Status.CONFIRMED
    assert status("5") is Status.CONFIRMED
    assert status("7") == 7  # a code the docs do not list: the server decides
    with pytest.raises(argparse.ArgumentTypeError, match="PENDING \\(1\\), CONFIRMED \\(5\\)"):
        status("done")
    side = enum_arg(Side)
    assert side("sell") is Side.SELL
    assert side("HOLD") == "HOLD"
    with pytest.raises(argparse.ArgumentTypeError):
        side("")


def test_flag_map_names_the_flag_of_each_field() -> None:
    parser = ArgumentParser(prog="tool")
    sub = parser.add_subparsers(dest="command")
    create = sub.add_parser("create")
    create.add_argument("--client-ip")
    create.add_argument("pair")
    assert flag_map(parser)["client_ip"] == "--client-ip"
    assert flag_map(parser)["pair"] == "PAIR"


def test_a_descending_ordering_needs_no_equals_sign() -> None:
    argv = ["list", "--ordering", "-id", "--table", "--ordering", "--table", "--x", "-"]
    assert join_dash_values(argv, ["--ordering"]) == [
        "list",
        "--ordering=-id",
        "--table",
        "--ordering",
        "--table",
        "--x",
        "-",
    ]
    parser = ArgumentParser(prog="tool")
    parser.add_argument("--ordering")
    parsed = parse_args(parser, join_dash_values(["--ordering", "-id"], ["--ordering"]), Secrets())
    assert isinstance(parsed, argparse.Namespace)
    assert parsed.ordering == "-id"


def test_retry_policy() -> None:
    assert retry_policy(None) is None
    policy = retry_policy(0)
    assert policy is not None
    assert policy.max_retries == 0


def test_setting_prefers_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOL_KEY", "from-env")
    assert setting("from-flag", "TOOL_KEY") == "from-flag"
    assert setting(None, "TOOL_KEY") == "from-env"
    monkeypatch.setenv("TOOL_KEY", "")
    assert setting(None, "TOOL_KEY") is None


def test_export_line_quotes_for_the_shell() -> None:
    assert export_line("A", "plain") == "export A=plain"
    assert export_line("A", "Z%2 $x'") == "export A='Z%2 $x'\"'\"''"


# --- secrets -----------------------------------------------------------------------------------


def test_secrets_are_masked_in_every_form() -> None:
    secrets = Secrets(SECRET, None, "ab")
    secrets.add("p@ss word/1")
    text = f"a {SECRET} b p%40ss%20word%2F1 c p%40ss+word%2F1 d ab"
    assert secrets.scrub(text) == "a *** b *** c *** d ab"  # too short to mask: "ab"


def test_secret_flag_values_are_found_before_parsing() -> None:
    argv = ["--secret", "one", "list", "--password=two", "--other", "x", "--secret"]
    assert secret_flag_values(argv, ("--secret", "--password")) == ["one", "two"]


def test_argparse_complaints_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    parser = ArgumentParser(prog="tool")
    parser.add_argument("--secret")
    argv = ["--secret", "x", SECRET]  # a stray argument argparse would quote
    assert parse_args(parser, argv, Secrets(SECRET)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err
    assert SECRET not in err


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    parser = ArgumentParser(prog="tool")
    assert parse_args(parser, ["--help"], Secrets()) == EXIT_OK
    assert "usage: tool" in capsys.readouterr().out


def test_abbreviated_flags_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    parser = ArgumentParser(prog="tool")
    parser.add_argument("--secret")
    assert parse_args(parser, ["--sec", "x"], Secrets()) == EXIT_USAGE


# --- errors ------------------------------------------------------------------------------------

URL = "https://api.example/api/gateway/withdraw/create"


def bad_request() -> BadRequestError:
    body = {"amount": ["Ensure this value is greater than 0."], "address": ["Invalid."]}
    return BadRequestError(
        "POST ... returned 400",
        status_code=400,
        body=body,
        text=json.dumps(body),
        headers={"X-Sign": SECRET, "X-Key": SECRET},
        method="POST",
        url=URL,
    )


def test_a_validation_error_is_a_usage_error_naming_the_flag() -> None:
    code, lines = error_lines(
        ValidationError("client_ip", "must be an IP address"), {"client_ip": "--client-ip"}
    )
    assert code == EXIT_USAGE
    assert lines == ["error: invalid --client-ip: must be an IP address (nothing was sent)"]


def test_a_status_error_shows_status_fields_body_and_where_never_headers() -> None:
    code, lines = error_lines(bad_request())
    assert code == EXIT_API_ERROR
    text = "\n".join(lines)
    assert lines[0] == "error: HTTP 400 Bad Request from POST /api/gateway/withdraw/create"
    assert "  amount: Ensure this value is greater than 0." in lines
    assert "  address: Invalid." in lines
    assert '"amount": ["Ensure this value' in text
    assert SECRET not in text
    assert "X-Sign" not in text


def test_an_oauth_error_body_is_summarised() -> None:
    body = {"error": "invalid_grant", "error_description": "Invalid credentials given."}
    error = BadRequestError(
        "x", status_code=400, body=body, text=json.dumps(body), method="POST", url=URL
    )
    _, lines = error_lines(error)
    assert lines[1] == "  invalid_grant: Invalid credentials given."


def test_an_error_body_with_no_exact_json_form_is_shown_as_its_text() -> None:
    text = '{"detail": "busy", "load": NaN}'
    error = BadRequestError(
        "x",
        status_code=400,
        body=json.loads(text, parse_float=Decimal),  # NaN is a float: no exact JSON form
        text=text,
        method="POST",
        url=URL,
    )
    code, lines = error_lines(error)
    assert code == EXIT_API_ERROR
    assert f"  body: {text}" in lines


def test_a_non_json_error_body_is_shown_as_text() -> None:
    error = RateLimitError(
        "x",
        retry_after=3,
        status_code=429,
        body=None,
        text="slow down",
        method="GET",
        url=URL + "?page=2",
    )
    code, lines = error_lines(error)
    assert code == EXIT_API_ERROR
    assert (
        lines[0] == "error: HTTP 429 Too Many Requests from GET /api/gateway/withdraw/create?page=2"
    )
    assert "  retry after 3 s" in lines
    assert "  body: slow down" in lines


def test_transport_errors_exit_3_and_an_unknown_outcome_is_loud() -> None:
    code, lines = error_lines(ConnectError("could not connect", method="GET", url=URL))
    assert code == EXIT_TRANSPORT
    assert lines == ["error: could not connect"]
    timeout = RequestTimeout(
        "no response in time",
        method="POST",
        url=URL,
        may_have_reached_server=True,
        outcome_unknown=True,
        hint="Look for client_order_id 'o1' in withdrawals.history().",
    )
    code, lines = error_lines(timeout)
    assert code == EXIT_TRANSPORT
    assert any("OUTCOME UNKNOWN" in line for line in lines)
    assert lines[-1] == "!!! Look for client_order_id 'o1' in withdrawals.history()."


def test_an_unknown_outcome_ends_with_how_to_check_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = RequestTimeout("no answer", outcome_unknown=True, hint="Look in history().")
    code = report_error(error, secrets=Secrets(), in_doubt_note="Run `tool history`.")
    assert code == EXIT_TRANSPORT
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "!!! Look in history().",
        "!!! Run `tool history`.",
    ]
    report_error(ConnectError("refused"), secrets=Secrets(), in_doubt_note="Run `tool history`.")
    assert "tool history" not in capsys.readouterr().err  # it never left: no doubt


def test_decode_errors_exit_1() -> None:
    error = DecodeError("not JSON", text="<html>", method="POST", url=URL, outcome_unknown=True)
    code, lines = error_lines(error)
    assert code == EXIT_API_ERROR
    assert lines[0] == "error: not JSON"
    assert "OUTCOME UNKNOWN" in lines[1]


def test_report_error_masks_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    error = ConnectError(f"could not connect to {SECRET}")
    assert report_error(error, secrets=Secrets(SECRET)) == EXIT_TRANSPORT
    assert report_error(UsageError("missing X"), secrets=Secrets()) == EXIT_USAGE
    err = capsys.readouterr().err
    assert SECRET not in err
    assert "error: could not connect to ***" in err
    assert "error: missing X" in err


def test_run_command_maps_outcomes(capsys: pytest.CaptureFixture[str]) -> None:
    async def ok() -> int:
        return EXIT_OK

    async def interrupted() -> int:
        raise KeyboardInterrupt

    async def broken() -> int:
        raise RuntimeError(f"bug near {SECRET}")

    async def refused() -> int:
        await asyncio.sleep(0)
        raise ValidationError("amount", "must be greater than zero")

    secrets = Secrets(SECRET)
    assert run_command(ok, secrets=secrets) == EXIT_OK
    note = "Check the history."
    assert run_command(interrupted, secrets=secrets, in_doubt_note=note) == EXIT_INTERRUPTED
    assert run_command(broken, secrets=secrets) == EXIT_API_ERROR
    flags = {"amount": "--amount"}
    assert run_command(refused, secrets=secrets, flags=flags) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "interrupted\nThe request may have reached the server. Check the history." in err
    assert "error: unexpected RuntimeError: bug near ***" in err
    assert "Traceback" not in err
    assert SECRET not in err
    assert "error: invalid --amount: must be greater than zero" in err


def test_a_missing_sandbox_extra_says_how_to_install_it() -> None:
    assert str(sandbox_unavailable(ModuleNotFoundError("x", name="starlette"))) == (
        SANDBOX_EXTRA_HINT
    )
    assert "uvicorn" not in str(sandbox_unavailable(ImportError("other problem")))
    assert 'pip install "cryptopay-async[sandbox]"' in SANDBOX_EXTRA_HINT


def test_a_closed_pipe_ends_the_command_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    async def piped() -> int:
        raise BrokenPipeError

    assert run_command(piped, secrets=Secrets()) == EXIT_OK
    assert capsys.readouterr().err == ""


def test_a_closed_pipe_leaves_no_descriptor_open(monkeypatch: pytest.MonkeyPatch) -> None:
    # Here stdout has no descriptor to point at /dev/null (as under capture): the one
    # opened for it is closed all the same.
    opened: list[int] = []
    real_open = os.open

    def open_and_note(path: str, flags: int, *args: int) -> int:
        fd = real_open(path, flags, *args)
        opened.append(fd)
        return fd

    async def piped() -> int:
        raise BrokenPipeError

    monkeypatch.setattr(os, "open", open_and_note)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # fileno() is unsupported
    assert run_command(piped, secrets=Secrets()) == EXIT_OK
    assert len(opened) == 1
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(opened[0])


@pytest.mark.parametrize(
    ("host", "warned"),
    [("127.0.0.1", False), ("::1", False), ("localhost", False), ("0.0.0.0", True)],  # noqa: S104
)
def test_a_sandbox_reachable_from_elsewhere_is_warned_about(
    capsys: pytest.CaptureFixture[str], host: str, warned: bool
) -> None:
    warn_if_exposed(host)
    assert ("other machines can reach the sandbox" in capsys.readouterr().err) is warned
