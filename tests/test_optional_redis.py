"""The Redis extra stays optional: neither `redis` nor `limits` is needed or loaded without it.

(That a plain install requires neither is checked in tests/bityclient/test_shared_session.py.)
"""

from __future__ import annotations

import subprocess
import sys

from tests.served import ROOT, clean_env

#: Run in a fresh interpreter where `redis` and `limits` cannot be imported at all.
WITHOUT_THEM = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("redis", "limits"):
            raise ImportError(f"No module named {name!r} (hidden by the test)")
        return None

sys.meta_path.insert(0, Refuse())
import bitexgate, bityclient, common

gw = bitexgate.BitexGateClient(api_key="k", secret="s", rate_limit="20/second")
bity = bityclient.BityClient(client_id="c", rate_limit=common.LocalRateLimiter("5/second"))
print(gw.rate_limiter.limit, bity.rate_limiter.limit)
try:
    common.RedisRateLimiter(object(), key="k", limit="20/second")
except ImportError as exc:
    print("ImportError:", exc)
"""


def test_the_packages_import_and_pace_locally_without_redis_or_limits() -> None:
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", WITHOUT_THEM],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "20 per second 5 per second"
    assert lines[1].startswith("ImportError: RedisRateLimiter needs the redis extra")
    assert "pip install 'cryptopay-async[redis]'" in lines[1]


def test_importing_the_sdk_loads_neither_redis_nor_limits() -> None:
    script = (
        "import sys, bitexgate, bityclient, common\n"
        "print(sorted(m for m in ('redis', 'limits') if m in sys.modules))"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
