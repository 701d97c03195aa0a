"""An application's own `common` ahead of the SDK's on sys.path: a clear ImportError at once.

Each case runs a fresh interpreter whose current directory is empty and whose
PYTHONPATH starts with a directory holding the application's `common`, then this
checkout (so the SDK's own `common` is there too, only later).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bitexgate import _common_check as gateway_check
from bityclient import _common_check as bity_check
from tests.served import ROOT, clean_env

PACKAGES = ["bitexgate", "bityclient"]


def run_python(code: str, cwd: Path, *path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-c", code],
        cwd=cwd,
        env=clean_env(PYTHONPATH=os.pathsep.join(str(entry) for entry in (*path, ROOT))),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], package: str, found: Path) -> None:
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ImportError: {package} needs the package 'common'"), last
    assert f"found another one: {found}." in last
    assert "rename it" in last
    assert "sys.path" in last


@pytest.mark.parametrize("package", PACKAGES)
def test_an_application_package_called_common_is_named(package: str, tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "common").mkdir(parents=True)
    fake = app / "common" / "__init__.py"
    fake.write_text('"""The application\'s own helpers."""\nHELPER = 1\n')
    (tmp_path / "cwd").mkdir()
    result = run_python(f"import {package}", tmp_path / "cwd", app)
    assert_refused(result, package, fake)


@pytest.mark.parametrize("package", PACKAGES)
def test_an_application_module_called_common_is_named(package: str, tmp_path: Path) -> None:
    fake = tmp_path / "common.py"
    fake.write_text("HELPER = 1\n")
    # The current directory comes first on sys.path for `python -c`.
    result = run_python(f"import common\nfrom {package} import RetryPolicy", tmp_path)
    assert_refused(result, package, fake)


@pytest.mark.parametrize("package", PACKAGES)
def test_without_a_namesake_the_import_works(package: str, tmp_path: Path) -> None:
    code = f"import {package}, common\nassert common.__cryptopay_async__ is True\nprint('ok')"
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("check", [gateway_check, bity_check])
def test_the_check_reads_only_the_marker(
    check: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    impostor = ModuleType("common")
    monkeypatch.setitem(sys.modules, "common", impostor)
    with pytest.raises(ImportError, match="found another one: <module 'common'>") as info:
        check.require_own_common("somepackage")
    assert info.value.name == "common"
    assert str(info.value).startswith("somepackage needs the package 'common'")
    impostor.__cryptopay_async__ = True  # type: ignore[attr-defined]
    check.require_own_common("somepackage")
