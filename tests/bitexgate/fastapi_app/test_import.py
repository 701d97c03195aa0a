"""`bitexgate.fastapi` is imported only when used: the clients never need FastAPI."""

from __future__ import annotations

import subprocess
import sys

from tests.served import ROOT


def modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    done = subprocess.run(  # noqa: S603 (this interpreter, our own code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(done.stdout.split())


def test_importing_bitexgate_imports_no_fastapi() -> None:
    loaded = modules_after("import bitexgate")
    assert "bitexgate" in loaded
    assert not {name for name in loaded if name.split(".")[0] in ("fastapi", "pydantic")}
    assert "bitexgate.fastapi" not in loaded


def test_importing_bitexgate_fastapi_imports_fastapi() -> None:
    loaded = modules_after("import bitexgate.fastapi")
    assert {"fastapi", "bitexgate.fastapi"} <= loaded
