"""An embedded, stateful sandbox of the Bity v1 API, for tests, demos and local work.

```python
from bityclient import AmountMode, BityClient
from bityclient.sandbox import BitySandbox

sandbox = BitySandbox()
async with sandbox.serve() as base_url:  # or transport=sandbox.transport(), no socket
    async with BityClient(client_id=sandbox.client_id, base_url=base_url) as bity:
        await bity.login(username=sandbox.username, password=sandbox.password)
        order = await bity.orders.create(  # buy 0.5 ETH, paid in BTC
            category="BUY_ETH", amount="0.5", amount_mode=AmountMode.OUTPUT, crypto_address="0x..."
        )
```

It keeps users, OAuth tokens (rotated on refresh), rates and orders in memory,
answers as the reference documents (Bity's error shape, tastypie pages), and
lets a test inject faults, read the requests received, and move the state on
(`expire_tokens`, `revoke_session`, `set_rate`, `advance_order`). Needs the
`[sandbox]` extra (starlette, uvicorn); the client itself never imports it.

A test in another process (`python -m bityclient sandbox` serves one) drives it
through the HTTP controls under `/sandbox/`. They are unauthenticated, never
recorded in the journal and never faulted; bodies are JSON objects; bad input
is a 400 and an unknown order a 404, both `{"detail": ...}`. `GET /sandbox/`
lists them with their parameters (JSON, or an HTML page for a browser):

- `POST /sandbox/phones` `{phone, code?}`: a pending activation; answers its code.
- `POST /sandbox/users` `{username, password}`: another user who can log in.
- `POST /sandbox/tokens/expire`: every access token expires now;
  `POST /sandbox/tokens/revoke`: every token, refresh tokens too, is invalid.
- `PUT /sandbox/rates/{pair}` `{rate, spread?, enabled?}`: quote a pair.
- `POST /sandbox/orders/{order_id}/advance` `{to?}`: an open order is paid
  (`CONF`), executed (`EXEC`, the default) or cancelled (`CANC`).
- `GET /sandbox/settings`; `PUT /sandbox/settings` `{access_token_lifetime?,
  default_page_size?, invalid_grant_status?}` changes them.
- `POST /sandbox/reset`: back to the state at start; `POST /sandbox/seed`:
  demo orders.
- `GET /sandbox/requests` (`?path=` filters) lists the API requests received,
  credentials redacted; `DELETE /sandbox/requests` forgets them.
- `POST /sandbox/faults` `{path, status?, times?, retry_after?, method?,
  after_handling?}` makes the next requests to `path` fail (or, with `delay`,
  wait); `DELETE /sandbox/faults` disarms them.
- `GET /sandbox/`: this list.
"""

from ._catalogue import DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_PHONE_CODE, DEMO_USERNAME
from ._sandbox import BitySandbox

__all__ = [
    "BitySandbox",
    "DEMO_CLIENT_ID",
    "DEMO_PASSWORD",
    "DEMO_PHONE_CODE",
    "DEMO_USERNAME",
]
