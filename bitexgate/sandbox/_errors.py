"""The sandbox's errors: what the rules raise and the routes answer.

- `InvalidInput`: a request the API refuses; its `errors` are the DRF 400 body
  (`{"field": ["message"]}` or `{"non_field_errors": [...]}`).
- `UnknownObject` (a LookupError): a control named an object that does not
  exist; the control routes answer 404.
- `Refused` (a ValueError): a control asked for something the rules do not
  allow; the control routes answer 400.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["InvalidInput", "Refused", "UnknownObject", "field_error", "given", "non_field_error"]

T = TypeVar("T")


class InvalidInput(Exception):
    """Input the API refuses; `errors` is the DRF 400 body."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class UnknownObject(LookupError):
    """A sandbox control named an object that does not exist."""


class Refused(ValueError):
    """A sandbox control asked for something the rules do not allow."""


def given(value: T | None) -> T:
    """A value the checks before have made sure of (a required field, a known pair)."""
    if value is None:
        raise RuntimeError("the sandbox's own checks let a missing value through")
    return value


def non_field_error(message: str) -> InvalidInput:
    """A refusal of the body as a whole: `{"non_field_errors": [message]}`."""
    return InvalidInput({"non_field_errors": [message]})


def field_error(field: str, message: str) -> InvalidInput:
    """A refusal of one field: `{field: [message]}`."""
    return InvalidInput({field: [message]})
