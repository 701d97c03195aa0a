"""The `bityclient` command: every Bity v1 endpoint from a shell.

    bityclient rates list --table
    bityclient rates we-sell ETHBTC
    bityclient login --token-file ~/.bity-token.json
    bityclient orders list --token-file ~/.bity-token.json --order-by -timestamp_created
    bityclient orders create --category BUY_ETH --amount 0.5 --amount-mode output \\
        --crypto-address 0x...
    bityclient --sandbox orders list
    bityclient sandbox --port 8002

Credentials come from `BITY_CLIENT_ID`, `BITY_USERNAME`, `BITY_PASSWORD` and
`BITY_BASE_URL` (or `--client-id`, `--username`, `--password`, `--base-url`; the
variables are better for the password, as flags show in the process list).
Rates and phone verification need none of them.

`--token-file PATH` (or `BITY_TOKEN_FILE`) keeps the session between runs: `login`
stores its token there, other commands reuse it, and every renewed token (Bity
rotates refresh tokens) is written back. The file is created with mode 0600 and
holds credentials: keep it secret. It is a `FileTokenStore`: a refresh takes an OS
lock on `PATH.lock` and reads the file again first, so commands sharing the file
(a cron job and a shell) refresh once, and never send a spent refresh token. A
command that needs a token logs in with the password when there is no usable
token file, and once more if the stored session turns out to have ended; without
a password, it says to run `login`.

`--sandbox` runs any command against an in-process sandbox with demo credentials
and data; the `sandbox` subcommand serves one on a socket until Ctrl+C (both
need the `[sandbox]` extra). A sandbox run never reads or writes a token file: a
token file holds a real session, which a sandbox token must not replace (a later
real command would send it to Bity). `BITY_TOKEN_FILE` is ignored, and an
explicit `--token-file` is refused (exit 2) rather than ignored, so nobody
believes a session was stored that was not. To try token files on the sandbox,
serve it (`bityclient sandbox`) and point `BITY_BASE_URL` at it.

Answers are JSON on stdout (`to_dict`'s form: amounts as exact strings), or
aligned columns with `--table` (each list's usual columns, `--columns` for
others or `all`; lines cut to the terminal's width, or 120 characters, `--width`
for another).

Exit codes: 0 success; 1 the API answered with an error status, or an answer
that does not decode; 2 usage (bad flag or value, missing credentials, input
refused before sending); 3 transport (no connection, timeout, broken
connection); 130 interrupted. An order whose outcome is unknown says so.
"""

from __future__ import annotations

from ._main import main, run
from ._parser import build_parser
from ._settings import ENV_BASE_URL, ENV_CLIENT_ID, ENV_PASSWORD, ENV_TOKEN_FILE, ENV_USERNAME
from ._token_file import read_token_file, write_token_file

__all__ = [
    "ENV_BASE_URL",
    "ENV_CLIENT_ID",
    "ENV_PASSWORD",
    "ENV_TOKEN_FILE",
    "ENV_USERNAME",
    "build_parser",
    "main",
    "read_token_file",
    "run",
    "write_token_file",
]
