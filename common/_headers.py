"""Header values HTTP forbids are refused here, before an HTTP library quotes them.

h11 refuses a header value with a line break as `Illegal header value b'Bearer
...'`, in its error and in httpcore's debug log; such a value is a key, a
signature or a token. `CheckedAuth` checks every request an auth flow sends and
fails it with `InvalidHeader`, which names the header and never its value.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Generator

import httpx

__all__ = ["CheckedAuth", "InvalidHeader", "invalid_header"]

#: A field value as h11 accepts it (the strictest of httpx's transports): visible
#: characters, spaces and tabs only between them.
_VALUE = re.compile(rb"(?:[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*)?")


class InvalidHeader(httpx.LocalProtocolError):
    """A request header that HTTP/1.1 does not allow; nothing was sent.

    Its message names the header, never its value.
    """


def invalid_header(headers: httpx.Headers) -> str | None:
    """What is wrong with the first header value HTTP/1.1 does not allow, or None.

    Names are not checked: they are the SDK's own constants, and no secret.
    """
    for name, value in headers.raw:
        if _VALUE.fullmatch(value) is None:
            return (
                f"the value of the {name.decode('ascii', 'replace')} header is not valid HTTP: "
                "a line break, another control character, or surrounding whitespace"
            )
    return None


def _check(request: httpx.Request) -> httpx.Request:
    problem = invalid_header(request.headers)
    if problem is not None:
        raise InvalidHeader(problem, request=request)
    return request


class CheckedAuth(httpx.Auth):
    """`auth`'s flow, with each request it yields checked by `invalid_header` first."""

    def __init__(self, auth: httpx.Auth) -> None:
        self.auth = auth
        self.requires_request_body = auth.requires_request_body
        self.requires_response_body = auth.requires_response_body

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self.auth.sync_auth_flow(request)
        try:
            request = next(flow)
            while True:
                response = yield _check(request)
                try:
                    request = flow.send(response)
                except StopIteration:
                    return
        finally:
            flow.close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self.auth.async_auth_flow(request)
        try:
            request = await flow.__anext__()
            while True:
                response = yield _check(request)
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    return
        finally:
            await flow.aclose()
