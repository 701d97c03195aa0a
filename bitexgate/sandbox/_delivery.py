"""How the sandbox posts one callback: over the network, or in-process into an app under test.

A sender takes a callback URL and a JSON body and tells how the delivery went:
the receiver's status code (None when none came) and what went wrong (None when
the receiver answered 200). Nothing is raised for a receiver's failure.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Outcome", "Sender", "in_process", "post_callback"]

logger = logging.getLogger("bitexgate.sandbox")

#: A delivery's status code (None when no answer came) and error (None when it went well).
Outcome = tuple[int | None, str | None]
#: Posts one callback body to one URL.
Sender = Callable[[str, bytes], Awaitable[Outcome]]

_JSON = {"Content-Type": "application/json"}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def post_callback(client: httpx.AsyncClient, url: str, body: bytes) -> Outcome:
    """POST `body` to `url` through `client`; a non-200 answer or a failure is the error."""
    try:
        response = await client.post(url, content=body, headers=_JSON)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return None, _describe(exc)
    if response.status_code != 200:
        return response.status_code, f"the receiver answered {response.status_code}, not 200"
    return 200, None


@contextlib.asynccontextmanager
async def in_process(app: ASGIApp, *, headers: Mapping[str, str]) -> AsyncIterator[Sender]:
    """A sender that posts into `app` through httpx.ASGITransport, for as long as a block runs.

    The callback URL is posted as it stands, so the app sees its path and query
    (and its host in `Host`) whatever host it names. An exception the app lets
    out is handled as a server would: answered 500 if no answer had started,
    logged, and told in the delivery's error; it is not raised.
    """
    raised: list[Exception] = []

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, watched)
        except Exception as exc:  # a server's last resort: the app's own error
            raised.append(exc)
            logger.exception("the app raised while receiving a callback")
            if not started:
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b""})

    async def deliver(url: str, body: bytes) -> Outcome:
        raised.clear()
        status_code, error = await post_callback(client, url, body)
        if raised:
            told = f"the app raised {_describe(raised[0])}"
            error = told if error is None else f"{error}; {told}"
        return status_code, error

    transport = httpx.ASGITransport(app=guarded)
    async with httpx.AsyncClient(transport=transport, headers=dict(headers)) as client:
        yield deliver
