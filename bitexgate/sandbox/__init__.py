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
(`fail_next`, `delay_next`) and inspected (`requests`, `callbacks`). A test in
another process drives it through the HTTP controls under `/sandbox/`.

Needs the `[sandbox]` extra (starlette and uvicorn).
"""

from ._sandbox import DEMO_API_KEY, DEMO_SECRET, CallbackDelivery, GatewaySandbox

__all__ = ["DEMO_API_KEY", "DEMO_SECRET", "CallbackDelivery", "GatewaySandbox"]
