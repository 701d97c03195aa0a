"""Tables people read: one spelling of a code, a default set of columns, lines that fit a width."""

from __future__ import annotations

import argparse
import io
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pytest

import bitexgate._cli
import bityclient._cli
from bitexgate import Deposit, Invoice, InvoiceDeposit, PaymentMethod, Wallet, Withdrawal
from bitexgate._cli import _commands as gateway_commands
from bityclient import Order, Rate
from bityclient._cli import _commands as bity_commands
from common import OpenIntEnum, OpenStrEnum
from common._cli import (
    ALL_COLUMNS,
    DEFAULT_WIDTH,
    Output,
    UsageError,
    columns_arg,
    display_enum,
    render_table,
)
from common._cli._table import ELLIPSIS, column_widths, shorten


class Code(OpenIntEnum):
    PENDING = 1
    CONFIRMED = 5


class Word(OpenStrEnum):
    EXEC = "EXEC"
    CANCELLED = "CANC"


# --- one spelling ------------------------------------------------------------------------------


def test_a_code_is_shown_as_its_value_with_its_name_beside_it() -> None:
    assert display_enum(Code.CONFIRMED) == "5 CONFIRMED"
    assert display_enum(Word.EXEC) == "EXEC"  # the name is the value: said once
    assert display_enum(Word.CANCELLED) == "CANC CANCELLED"
    assert display_enum(Code(7)) == "7"  # a code the documentation does not list
    assert display_enum(Word("HOLD")) == "HOLD"


# --- fitting a width ---------------------------------------------------------------------------


def test_shorten_cuts_with_an_ellipsis() -> None:
    assert shorten("abcdef", 6) == "abcdef"
    assert shorten("abcdefg", 6) == "abcde" + ELLIPSIS
    assert len(shorten("x" * 100, 10)) == 10


def test_the_widest_columns_are_narrowed_first_never_below_their_floor() -> None:
    # 10 + 40 + 64 and two gaps of 2: 118, fits 120 as it is.
    assert column_widths([10, 40, 64], [6, 6, 6], 120) == [10, 40, 64]
    # In 80: 76 characters for three columns; the two widest are cut to one width.
    assert column_widths([10, 40, 64], [6, 6, 6], 80) == [10, 33, 33]
    # The floors hold even when the table cannot fit.
    assert column_widths([10, 40, 64], [8, 20, 20], 20) == [8, 20, 20]
    assert column_widths([10, 40], [6, 6], None) == [10, 40]


def rows_of(n: int, width: int) -> list[dict[str, Any]]:
    return [
        {"id": i, "txid": f"{i:x}" * width, "note": "n" * (width // 2), "status": "5 CONFIRMED"}
        for i in range(n)
    ]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_a_table_fits_its_width_with_headers_whole(width: int) -> None:
    lines = render_table(rows_of(3, 100), width=width).splitlines()
    assert max(len(line) for line in lines) <= width
    assert lines[0].split() == ["id", "txid", "note", "status"]
    assert all(ELLIPSIS in line for line in lines[2:])


def test_columns_pick_and_order_what_is_shown() -> None:
    rows = rows_of(2, 4)
    lines = render_table(rows, columns=["status", "id"]).splitlines()
    assert lines[0].split() == ["status", "id"]
    assert lines[2].split() == ["5", "CONFIRMED", "0"]
    with pytest.raises(ValueError, match="no column 'nope'; the columns: id, txid, note, status"):
        render_table(rows, columns=["id", "nope"])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return 1


def test_the_width_is_the_terminals_or_120(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Output(table=True, stream=io.StringIO()).width == DEFAULT_WIDTH == 120
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((87, 24)))
    assert Output(table=True, stream=Terminal()).width == 87
    assert Output(table=True, stream=Terminal(), width=200).width == 200
    assert Output(table=True, stream=io.StringIO(), width=0).width is None
    assert Output(table=True, stream=io.StringIO(), columns=ALL_COLUMNS).width is None


def test_the_columns_argument() -> None:
    assert columns_arg("id, status,id") == ("id", "status")
    assert columns_arg("all") == ALL_COLUMNS
    for bad in ("", " , ", "all,id"):
        with pytest.raises(argparse.ArgumentTypeError):
            columns_arg(bad)


def test_columns_and_width_shape_a_table_only() -> None:
    with pytest.raises(UsageError, match="--table"):
        Output(table=False, columns=["id"])
    with pytest.raises(UsageError, match="--table"):
        Output(table=False, width=80)


def test_a_record_is_never_cut_and_columns_pick_its_fields() -> None:
    stream = io.StringIO()
    record = {"proceed_url": "https://pay.example/" + "x" * 200, "slug": "s1", "amount": "1"}
    Output(table=True, stream=stream).show(record)
    assert record["proceed_url"] in stream.getvalue()
    stream = io.StringIO()
    Output(table=True, stream=stream, columns=["slug"]).show(record)
    assert stream.getvalue() == "slug  s1\n"
    with pytest.raises(UsageError, match="no field 'nope'"):
        Output(table=True, stream=io.StringIO(), columns=["nope"]).show(record)


# --- both command lines ------------------------------------------------------------------------

Main = Callable[[list[str]], int]

#: Each list command, the model it lists, and its default set of columns.
LISTS: list[tuple[Main, Sequence[str], type, Sequence[str]]] = [
    (
        bitexgate._cli.main,
        ["payment-methods", "list"],
        PaymentMethod,
        gateway_commands.PAYMENT_METHOD_COLUMNS,
    ),
    (bitexgate._cli.main, ["wallets", "list"], Wallet, gateway_commands.WALLET_COLUMNS),
    (bitexgate._cli.main, ["wallets", "history"], Deposit, gateway_commands.DEPOSIT_COLUMNS),
    (bitexgate._cli.main, ["invoices", "list"], Invoice, gateway_commands.INVOICE_COLUMNS),
    (
        bitexgate._cli.main,
        ["invoices", "history"],
        InvoiceDeposit,
        gateway_commands.INVOICE_DEPOSIT_COLUMNS,
    ),
    (
        bitexgate._cli.main,
        ["withdrawals", "history"],
        Withdrawal,
        gateway_commands.WITHDRAWAL_COLUMNS,
    ),
    (bityclient._cli.main, ["rates", "list"], Rate, bity_commands.RATE_COLUMNS),
    (bityclient._cli.main, ["orders", "list"], Order, bity_commands.ORDER_COLUMNS),
]
IDS = [" ".join(argv) for _, argv, _, _ in LISTS]


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("BITEXGATE_", "BITY_")):
            monkeypatch.delenv(name)


def run(capsys: pytest.CaptureFixture[str], main: Main, *argv: str) -> str:
    code = main(["--sandbox", *argv])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return out


@pytest.mark.parametrize(("main", "argv", "model", "columns"), LISTS, ids=IDS)
def test_every_list_fits_120_columns_with_its_default_set(
    capsys: pytest.CaptureFixture[str],
    main: Main,
    argv: Sequence[str],
    model: type,
    columns: Sequence[str],
) -> None:
    fields = [field.name for field in attrs.fields(model)]
    assert set(columns) <= set(fields)
    lines = run(capsys, main, "--table", *argv).splitlines()
    assert len(lines) > 2
    assert max(len(line) for line in lines) <= 120
    assert lines[0].split() == [c for c in columns if c in lines[0].split()]
    everything = run(capsys, main, "--table", "--columns", "all", *argv).splitlines()
    assert len(everything[0].split()) > len(lines[0].split())
    assert max(len(line) for line in everything) > 120  # whole, as --columns all asks


def test_a_status_reads_the_same_in_json_and_in_a_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["withdrawals", "history", "--ordering", "id", "--max-items", "3"]
    statuses = [w["status"] for w in json.loads(run(capsys, bitexgate._cli.main, *argv))]
    assert all(isinstance(status, int) for status in statuses)
    lines = run(capsys, bitexgate._cli.main, "--table", "--columns", "id,status", *argv)
    shown = [line.split(maxsplit=1)[1] for line in lines.splitlines()[2:]]
    assert [text.split()[0] for text in shown] == [str(status) for status in statuses]
    assert all(len(text.split()) == 2 for text in shown)  # 10 NEW, 30 DONE, ...


def test_width_and_columns_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--table", "--width", "60", "wallets", "history"]
    lines = run(capsys, bitexgate._cli.main, *argv).splitlines()
    assert max(len(line) for line in lines) <= 60
    code = bitexgate._cli.main(["--sandbox", "--table", "--columns", "nope", "wallets", "list"])
    assert code == 2
    assert "no column 'nope'" in capsys.readouterr().err
    code = bitexgate._cli.main(["--sandbox", "--columns", "address", "wallets", "list"])
    assert code == 2
    assert "add --table" in capsys.readouterr().err
