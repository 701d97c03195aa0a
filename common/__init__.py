"""The shared core of the SDK: transport, errors, retries, converter and pagination.

Both API packages (`bitexgate`, `bityclient`) stand on this one; it imports
neither of them.
"""

#: Only this package sets it: `bitexgate` and `bityclient` look for it as they are
#: imported, to tell this `common` from an application's own that comes first on sys.path.
__cryptopay_async__ = True

from ._converter import make_converter, parse_datetime, to_bool, to_decimal, to_int
from ._encoding import encode_json
from ._enums import OpenIntEnum, OpenStrEnum
from ._errors import (
    AmountMismatchError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CallbackNotConfirmedError,
    ConnectError,
    DecodeError,
    InternalServerError,
    NetworkError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    SDKError,
    ServerError,
    ServiceUnavailableError,
    SharedStoreError,
    SignatureWindowError,
    TransportError,
    ValidationError,
)
from ._fast import fast_transport
from ._pacing import LocalRateLimiter, RateLimiter
from ._pagination import AsyncPaginator, Page, query_of_link
from ._rate_limit import RateLimit
from ._redis_rate_limit import RedisRateLimiter
from ._responses import (
    decode_created,
    decode_error,
    decode_json,
    describe_error_body,
    error_from_response,
    parse_retry_after,
    response_text,
    structure,
    structure_list,
)
from ._retry import RetryPolicy
from ._to_dict import to_dict
from ._transport import DEFAULT_LIMITS, DEFAULT_TIMEOUT, TimeoutTypes, Transport
from ._version import __version__
from ._watch import Change, Watch

__all__ = [
    "__version__",
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "APIStatusError",
    "AmountMismatchError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Change",
    "CallbackNotConfirmedError",
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
]
