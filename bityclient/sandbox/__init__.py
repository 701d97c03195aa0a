"""An embedded, stateful sandbox of the Bity v1 API, for tests, demos and local work.

```python
from bityclient import BityClient
from bityclient.sandbox import BitySandbox

sandbox = BitySandbox()
async with sandbox.serve() as base_url:  # or transport=sandbox.transport(), no socket
    async with BityClient(client_id=sandbox.client_id, base_url=base_url) as bity:
        await bity.login(username=sandbox.username, password=sandbox.password)
        order = await bity.orders.create(category="BUY_ETH", amount="0.5", crypto_address="0x...")
```

It keeps users, OAuth tokens (rotated on refresh), rates and orders in memory,
answers as the reference documents (Bity's error shape, tastypie pages), and
lets a test inject faults, read the requests received, and move the state on
(`expire_tokens`, `revoke_session`, `set_rate`, `advance_order`). Needs the
`[sandbox]` extra (starlette, uvicorn); the client itself never imports it.
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
