"""What the callback routes answer, and why: pure decisions, kept apart from the I/O.

The Gateway wants a 200 for a callback it should not post again. Anything else
tells it the callback was not taken: a 4xx for a callback that will never be
taken as it is (it does not parse, its URL is forged, the API does not confirm
it), a 5xx for a failure on the receiving side that a later delivery may not
meet (the API unreachable, the handler failed).
"""

from __future__ import annotations

import math

import attrs

from common import RateLimitError, SDKError, ServerError, TransportError

__all__ = [
    "ALREADY_HANDLED",
    "BUSY",
    "FORGED_URL",
    "HANDLED",
    "HANDLER_FAILED",
    "Answer",
    "confirm_failure",
    "is_transient",
    "not_confirmed",
    "not_parsed",
]


@attrs.frozen
class Answer:
    """A status code, the `detail` of its JSON body, and a `Retry-After` (seconds) if any."""

    status_code: int
    detail: str
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        """The answer's extra headers."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


HANDLED = Answer(200, "handled")
ALREADY_HANDLED = Answer(200, "already handled")
FORGED_URL = Answer(403, "the callback URL's token is missing or forged")
#: A duplicate of a delivery that another process is handling now.
BUSY = Answer(503, "this callback is being handled; deliver it again later")
HANDLER_FAILED = Answer(500, "the callback could not be handled; deliver it again later")


def not_parsed(reason: str) -> Answer:
    """A body that is not a callback of the route's kind: 400, saying why (the parser's words)."""
    return Answer(400, reason)


def not_confirmed(kind: str) -> Answer:
    """A callback the API does not confirm: 422.

    The request was well formed (not 400) and, as far as its URL tells,
    authentic (a forged URL is 403), but what it says about money is not
    what the API holds: its content is refused, and posting it again will not
    change that. The details stay in the log: the sender learns nothing of the
    API's records.
    """
    return Answer(422, f"the API does not confirm this {kind} callback")


def is_transient(exc: SDKError) -> bool:
    """Whether an API failure may pass: no answer, rate limited, or a server error."""
    return isinstance(exc, TransportError | RateLimitError | ServerError)


def confirm_failure(exc: SDKError) -> Answer:
    """The answer when confirming failed on the API's side (not a refusal of the callback).

    Either way a 5xx, so the Gateway may deliver again: 503 for a failure that
    may pass (with the API's own `Retry-After`, when it sent one), 500 for one
    that will not pass by itself (the credentials refused, an answer that does
    not decode), which the log tells the operator about.
    """
    if is_transient(exc):
        wait = exc.retry_after if isinstance(exc, RateLimitError) else None
        retry_after = None if wait is None else max(1, math.ceil(wait))
        return Answer(503, "the API could not be reached to confirm this callback", retry_after)
    return Answer(500, "the callback could not be confirmed; deliver it again later")
