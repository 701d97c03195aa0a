"""The pieces both command lines are built from: settings, paging, the subcommand tree,
the sandbox subcommand and the course of `main()`."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from common import DEFAULT_TIMEOUT
from common._cli import (
    EXIT_OK,
    EXIT_USAGE,
    SANDBOX_EXTRA_HINT,
    CommandTree,
    Paging,
    SandboxCommand,
    Secrets,
    Setting,
    UsageError,
    client_options,
    flag_map,
    run_main,
)

KEY = Setting("--api-key", "TOOL_KEY", metavar="KEY", help="the key", what="API key", secret=True)
URL = Setting("--base-url", "TOOL_URL", metavar="URL", help="where")
PAGING = Paging("--ordering", order_metavar="ORDER", order_help="id or -id")


class FakeSandbox:
    api_key = "demo key"
    seeded = 0

    def seed_demo_data(self) -> None:
        self.seeded += 1


def sandbox_command(load: Any = FakeSandbox) -> SandboxCommand[Any]:
    return SandboxCommand(
        prog="tool",
        title="Tool API",
        help="serve the tool sandbox",
        port=8009,
        load=load,
        base_url_env="TOOL_URL",
        demo_credentials=lambda sandbox: [("TOOL_KEY", sandbox.api_key)],
    )


async def handler(client: object, args: argparse.Namespace, out: object) -> None:
    raise AssertionError("not called by the parser")


def build_parser() -> argparse.ArgumentParser:
    tree = CommandTree(
        prog="tool",
        description="A tool.",
        credentials=(KEY, URL),
        defaults={"needs": "none"},
    )
    things = tree.group("things", "the things")
    PAGING.add(things.command("list", handler, "list the things"))
    p = things.command("create", handler, "create a thing", creates="things list", needs="key")
    p.add_argument("--name")
    tree.command("status", handler, "the status")
    tree.sandbox(sandbox_command())
    return tree.parser


# --- settings ----------------------------------------------------------------------------------


def test_a_setting_takes_the_flag_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert KEY.dest == "api_key"
    monkeypatch.setenv("TOOL_KEY", "from-env")
    assert KEY.value(argparse.Namespace(api_key="from-flag")) == "from-flag"
    assert KEY.value(argparse.Namespace(api_key=None)) == "from-env"
    monkeypatch.setenv("TOOL_KEY", "")
    assert KEY.value(argparse.Namespace(api_key=None)) is None


def test_a_missing_setting_says_where_to_give_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOOL_KEY", raising=False)
    with pytest.raises(UsageError, match=r"^missing API key: set TOOL_KEY or pass --api-key$"):
        KEY.required(argparse.Namespace(api_key=None))
    assert KEY.required(argparse.Namespace(api_key="k")) == "k"


def test_client_options_default_to_the_sdk_timeout() -> None:
    options = client_options(argparse.Namespace(retries=None, timeout=None))
    assert options == {"retry": None, "timeout": DEFAULT_TIMEOUT}
    options = client_options(argparse.Namespace(retries=0, timeout=2.5))
    assert options["retry"].max_retries == 0
    assert options["timeout"] == 2.5


# --- the subcommand tree -----------------------------------------------------------------------


def test_every_subcommand_takes_the_global_options_and_credentials() -> None:
    parser = build_parser()
    args = parser.parse_args(["--api-key", "k1", "--table", "things", "list", "--timeout", "3"])
    assert (args.api_key, args.table, args.timeout) == ("k1", True, 3.0)
    assert (args.group, args.command) == ("things", "list")
    # Given after the subcommand's name, it wins; left out there, it does not override.
    overridden = parser.parse_args(["--api-key", "k1", "things", "list", "--api-key", "k2"])
    assert overridden.api_key == "k2"
    assert parser.parse_args(["status"]).api_key is None


def test_subcommands_carry_their_handler_and_defaults() -> None:
    parser = build_parser()
    listed = parser.parse_args(["things", "list"])
    assert (listed.handler, listed.creates, listed.needs) == (handler, None, "none")
    created = parser.parse_args(["things", "create", "--name", "x"])
    assert (created.creates, created.needs, created.name) == ("things list", "key", "x")


def test_paging_flags_become_the_list_keywords() -> None:
    args = build_parser().parse_args(["things", "list", "--ordering=-id", "--max-items", "3"])
    assert PAGING.options(args) == {"ordering": "-id", "page_size": None, "max_items": 3}
    assert flag_map(build_parser())["max_items"] == "--max-items"


def test_the_sandbox_subcommand() -> None:
    args = build_parser().parse_args(["sandbox", "--empty"])
    assert (args.group, args.host, args.port, args.empty) == ("sandbox", "127.0.0.1", 8009, True)
    assert sandbox_command().description.startswith("Serve the Tool API sandbox (demo data")


# --- the sandbox -------------------------------------------------------------------------------


def test_the_in_process_sandbox_has_the_demo_data() -> None:
    sandbox = sandbox_command().in_process()
    assert sandbox.seeded == 1


def test_a_sandbox_that_cannot_be_imported_is_a_usage_error() -> None:
    def load() -> FakeSandbox:
        raise ImportError("No module named 'starlette'", name="starlette")

    with pytest.raises(UsageError, match=r"\[sandbox\] extra") as caught:
        sandbox_command(load).in_process()
    assert str(caught.value) == SANDBOX_EXTRA_HINT


def test_the_banner_exports_the_demo_credentials() -> None:
    lines = sandbox_command().banner(FakeSandbox(), "http://127.0.0.1:8009")
    assert lines == [
        "Tool API sandbox on http://127.0.0.1:8009 (Ctrl+C to stop)",
        "# demo credentials: paste these lines into a shell, then run tool",
        "export TOOL_URL=http://127.0.0.1:8009",
        "export TOOL_KEY='demo key'",
        "# its HTTP controls (faults, the journal, the outside world): "
        "http://127.0.0.1:8009/sandbox/",
    ]


# --- main() ------------------------------------------------------------------------------------


def main(argv: list[str], seen: dict[str, Any], **options: Any) -> int:
    async def execute(args: argparse.Namespace, secrets: Secrets) -> int:
        seen["args"], seen["secrets"] = args, secrets
        return EXIT_OK

    def note(creates: str, args: argparse.Namespace) -> str:
        return f"check `tool {creates}`"

    return run_main(
        argv,
        build_parser=build_parser,
        credentials=(KEY, URL),
        paging=PAGING,
        sandbox=sandbox_command(),
        execute=execute,
        in_doubt_note=note,
        **options,
    )


def test_main_runs_the_subcommand_with_a_descending_ordering_unquoted() -> None:
    seen: dict[str, Any] = {}
    assert main(["things", "list", "--ordering", "-id"], seen) == EXIT_OK
    assert seen["args"].ordering == "-id"


def test_main_masks_the_secret_settings_and_flags(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOOL_KEY", "key-from-the-environment")
    seen: dict[str, Any] = {}
    argv = ["things", "list", "--code", "sms-code-1234", "key-from-the-environment"]
    assert main(argv, seen, secret_flags=["--code"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unrecognized arguments: --code *** ***" in err
    assert "sms-code" not in err
    assert "key-from" not in err


def test_main_prints_the_in_doubt_note_only_for_a_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notes: list[str | None] = []

    def run_command(command: Any, *, secrets: Secrets, flags: Any, in_doubt_note: Any) -> int:
        notes.append(in_doubt_note)
        return EXIT_OK

    monkeypatch.setattr("common._cli._main.run_command", run_command)
    main(["things", "list"], {})
    main(["things", "create"], {})
    assert notes == [None, "check `tool things list`"]
