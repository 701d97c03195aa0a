"""The check that `import common` finds this project's shared core, not a namesake.

The SDK installs its shared core as a top-level package called `common`. A package
or module of an application's own called `common`, earlier on `sys.path`, hides it,
and the first error would then come from deep inside the SDK, about a name that
`common` lacks. The package's `__init__` imports this module before anything of
`common`'s, so the error names the file that was found instead and what to do.
(`bitexgate` has the same module: neither API package imports the other.)
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__: list[str] = []

#: Set in this project's `common/__init__.py` and in no other `common`.
MARKER = "__cryptopay_async__"


def _location(module: ModuleType) -> str:
    file = getattr(module, "__file__", None)
    if file:
        return str(file)
    path = list(getattr(module, "__path__", []))
    return ", ".join(path) if path else repr(module)


def require_own_common(package: str) -> None:
    """Raise ImportError, saying what was found and what to do, unless `common` is ours."""
    common = importlib.import_module("common")
    if getattr(common, MARKER, None) is True:
        return
    found = _location(common)
    raise ImportError(
        f"{package} needs the package 'common' that cryptopay-async installs, but "
        f"'import common' found another one: {found}. A package or module of your own "
        "called 'common' comes first on sys.path (the script's directory, the current "
        "directory and PYTHONPATH come before the installed packages): rename it, or "
        "put the directory that holds it after site-packages on sys.path.",
        name="common",
        path=found,
    )


require_own_common(__name__.partition(".")[0])
