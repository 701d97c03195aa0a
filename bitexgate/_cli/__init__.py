"""The `bitexgate` command: every bitexbit Gateway endpoint from a shell.

    bitexgate payment-methods list --table
    bitexgate wallets create --ticker ETH --network ethereum
    bitexgate wallets history --ticker USDT --status confirmed --max-items 20
    bitexgate withdrawals create --ticker USDT --network tron --address T... \\
        --amount 22 --client-order-id order_123
    bitexgate --sandbox invoices list
    bitexgate sandbox --port 8001

Credentials come from `BITEXGATE_API_KEY`, `BITEXGATE_SECRET` and
`BITEXGATE_BASE_URL` (or `--api-key`, `--secret`, `--base-url`; the variables are
better for the secret, as flags show in the process list). `--sandbox` runs any
command against an in-process sandbox with demo credentials and data; the
`sandbox` subcommand serves one on a socket until Ctrl+C (both need the
`[sandbox]` extra).

Answers are JSON on stdout (Decimal amounts as exact strings, enums as their
codes, times in ISO 8601), or aligned columns with `--table` (a code with its
name beside it, `5 CONFIRMED`; each list's usual columns, `--columns` for others
or `all`; lines cut to the terminal's width, or 120 characters, `--width` for
another); lists are walked page by page (`--max-items` stops early).

Exit codes: 0 success; 1 the API answered with an error status, or an answer
that does not decode; 2 usage (bad flag or value, missing credentials, input
refused before sending); 3 transport (no connection, timeout, broken
connection); 130 interrupted. A create whose outcome is unknown says so.
"""

from __future__ import annotations

from ._main import main, run
from ._parser import build_parser
from ._settings import ENV_API_KEY, ENV_BASE_URL, ENV_SECRET

__all__ = ["ENV_API_KEY", "ENV_BASE_URL", "ENV_SECRET", "build_parser", "main", "run"]
