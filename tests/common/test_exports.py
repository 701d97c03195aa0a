"""The public surface of `common`, and the rule that it imports neither API package."""

from __future__ import annotations

import inspect
from pathlib import Path

import common

COMMON_DIR = Path(common.__file__).parent

EXPECTED = {
    "__version__",
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "APIStatusError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "CallbackNotConfirmedError",
    "Change",
    "ConnectError",
    "DecodeError",
    "InternalServerError",
    "LocalRateLimiter",
    "NetworkError",
    "NotFoundError",
    "OpenIntEnum",
    "OpenStrEnum",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RateLimiter",
    "RedisRateLimiter",
    "RequestTimeout",
    "RetryPolicy",
    "SDKError",
    "ServerError",
    "ServiceUnavailableError",
    "SharedStoreError",
    "SignatureWindowError",
    "AmountMismatchError",
    "TimeoutTypes",
    "Transport",
    "TransportError",
    "ValidationError",
    "Watch",
    "decode_created",
    "decode_error",
    "decode_json",
    "describe_error_body",
    "encode_json",
    "error_from_response",
    "fast_transport",
    "make_converter",
    "parse_datetime",
    "parse_retry_after",
    "query_of_link",
    "response_text",
    "structure",
    "structure_list",
    "to_bool",
    "to_decimal",
    "to_dict",
    "to_int",
}


def test_exported_names() -> None:
    assert set(common.__all__) == EXPECTED
    assert len(common.__all__) == len(EXPECTED)  # no duplicates
    for name in common.__all__:
        assert getattr(common, name) is not None


def test_public_objects_live_in_private_modules() -> None:
    for name in common.__all__:
        value = getattr(common, name)
        if isinstance(value, type) or inspect.isfunction(value):
            assert value.__module__.startswith("common._"), name


def test_error_tree() -> None:
    assert issubclass(common.ValidationError, common.SDKError)
    assert issubclass(common.ConnectError, common.TransportError)
    assert issubclass(common.RequestTimeout, common.TransportError)
    assert issubclass(common.NetworkError, common.TransportError)
    assert issubclass(common.InternalServerError, common.ServerError)
    assert issubclass(common.ServiceUnavailableError, common.ServerError)
    assert issubclass(common.ServerError, common.APIStatusError)
    for name in ("BadRequestError", "AuthenticationError", "NotFoundError", "RateLimitError"):
        assert issubclass(getattr(common, name), common.APIStatusError)
    assert issubclass(common.DecodeError, common.SDKError)
    assert issubclass(common.PaginationError, common.SDKError)
    assert issubclass(common.SharedStoreError, common.SDKError)
    assert not issubclass(common.SharedStoreError, common.TransportError)  # not the API's
