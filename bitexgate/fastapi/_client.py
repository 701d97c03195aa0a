"""One BitexGateClient per app: opened in the app's lifespan, handed to routes as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .._client import BitexGateClient

__all__ = ["STATE_ATTRIBUTE", "GatewayDep", "gateway_client"]

#: Where the app's lifespan puts its client: `app.state.bitexgate`.
STATE_ATTRIBUTE = "bitexgate"


async def gateway_client(request: Request) -> BitexGateClient:
    """The app's BitexGateClient, as its lifespan stored it in `app.state.bitexgate`.

    A FastAPI dependency (async: FastAPI would run a plain function in a
    thread). Raises RuntimeError (an answer 500) when the lifespan
    stored none: the app was started without it, or a test did not run it.
    """
    client = getattr(request.app.state, STATE_ATTRIBUTE, None)
    if not isinstance(client, BitexGateClient):
        raise RuntimeError(
            f"no BitexGateClient in app.state.{STATE_ATTRIBUTE}: open one in the app's lifespan"
            " and store it there (see the bitexgate.fastapi docstring)"
        )
    return client


#: A route's parameter annotated with this receives the app's client:
#: `async def create_order(gw: GatewayDep) -> ...`.
GatewayDep = Annotated[BitexGateClient, Depends(gateway_client)]
