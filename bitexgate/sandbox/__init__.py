"""An embedded, stateful sandbox of the bitexbit Gateway, as an ASGI app.

    from bitexgate import BitexGateClient
    from bitexgate.sandbox import GatewaySandbox

    async with GatewaySandbox() as sandbox, sandbox.serve() as base_url:
        async with BitexGateClient(
            api_key=sandbox.api_key, secret=sandbox.secret, base_url=base_url
        ) as gw:
            wallet = await gw.wallets.create(ticker="BTC", network="bitcoin")
            await sandbox.deposit(wallet.address, "0.5", confirmed=True)

`sandbox.transport()` calls it in-process, without a socket, and
`sandbox.deliver_callbacks_to(app)` posts its callbacks in-process into an app
under test (made after the sandbox, since the app's client needs that
transport). The sandbox checks every signature, validates every body as the
gateway's Django REST framework serializers would, pages every list, keeps
balances, posts callbacks, and can be told to fail or delay the next requests
(`fail_next`, `delay_next`) and inspected (`requests`, `callbacks`).

A test in another process (`python -m bitexgate sandbox` serves one) drives it
through the HTTP controls under `/sandbox/`. They are unauthenticated, never
recorded in the journal and never faulted; bodies are JSON objects; bad input
is a 400 and an unknown object a 404, both `{"detail": ...}`. `GET /sandbox/`
lists them with their parameters (JSON, or an HTML page for a browser):

- `POST /sandbox/deposits` `{address, amount, txid?, confirmed?}`: a deposit
  arrives at a wallet's address; answers it as `wallet/history` shows it.
- `POST /sandbox/deposits/{txid}/confirm`, `POST /sandbox/deposits/{txid}/reject`:
  settle a pending deposit or invoice payment.
- `POST /sandbox/invoices/{slug}/pay` `{amount?, confirmed?}`: a payer pays an
  invoice; answers the payment as `invoice/history` shows it.
- `POST /sandbox/withdrawals/{id}/advance` `{to?}` (a status code or name):
  a withdrawal moves on, one status or up to `to`;
  `POST /sandbox/withdrawals/{id}/refuse` refuses it.
- `GET /sandbox/balances`; `PUT /sandbox/balances/{ticker}` `{amount}` sets one.
- `GET /sandbox/callbacks` lists every callback posted and its answer;
  `DELETE /sandbox/callbacks` forgets them.
- `POST /sandbox/reset` forgets everything; `POST /sandbox/seed` adds demo data.
- `GET /sandbox/pay/{slug}`: the payment page an invoice's `proceed_url` leads
  to; `POST /sandbox/pay/{slug}` is its form (`action=pay` or `action=cancel`).
- `GET /sandbox/requests` (`?path=` filters) lists the API requests received,
  credentials redacted; `DELETE /sandbox/requests` forgets them.
- `POST /sandbox/faults` `{path, status?, times?, retry_after?, method?,
  after_handling?}` makes the next requests to `path` fail (or, with `delay`,
  wait); `DELETE /sandbox/faults` disarms them.
- `GET /sandbox/`: this list.

Needs the `[sandbox]` extra (starlette and uvicorn).
"""

from ._sandbox import DEMO_API_KEY, DEMO_SECRET, CallbackDelivery, GatewaySandbox

__all__ = ["DEMO_API_KEY", "DEMO_SECRET", "CallbackDelivery", "GatewaySandbox"]
