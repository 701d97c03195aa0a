"""The public surface of bityclient is exactly what we mean to publish."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import bityclient
import common

PUBLIC = {
    # client and session
    "BityClient",
    "BityAuth",
    "Token",
    "dump_token",
    "load_token",
    # where the session is kept (RedisTokenStore too, imported on first use: see below)
    "TokenStore",
    "MemoryTokenStore",
    "FileTokenStore",
    # endpoint namespaces
    "OrdersResource",
    "RatesResource",
    "UsersResource",
    # models
    "InputTransaction",
    "ListMeta",
    "Order",
    "OutputTransaction",
    "PairRate",
    "Rate",
    # code tables
    "AmountMode",
    "Currency",
    "InputHandlingMode",
    "OrderCategory",
    "OrderStatus",
    "PaymentMethod",
    "TransactionStatus",
    # pagination
    "AsyncPaginator",
    "BityPage",
    "BityPaginator",
    "Page",
    # retries and rate limits
    "RetryPolicy",
    "RateLimit",
    "RateLimiter",
    "LocalRateLimiter",
    "RedisRateLimiter",
    # transport
    "fast_transport",
    # models as JSON data
    "to_dict",
    # watching for changes
    "Change",
    "Watch",
    # errors: Bity's own, and the shared tree
    "LoginRequiredError",
    "SessionExpiredError",
    "TokenStoreError",
    "SDKError",
    "ValidationError",
    "TransportError",
    "ConnectError",
    "RequestTimeout",
    "NetworkError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "InternalServerError",
    "ServiceUnavailableError",
    "SignatureWindowError",
    "AmountMismatchError",
    "DecodeError",
    "PaginationError",
    "SharedStoreError",
}

SHARED = {
    "AsyncPaginator",
    "Page",
    "RetryPolicy",
    "RateLimit",
    "RateLimiter",
    "LocalRateLimiter",
    "RedisRateLimiter",
    "fast_transport",
    "to_dict",
    "Change",
    "Watch",
    "SDKError",
    "ValidationError",
    "TransportError",
    "ConnectError",
    "RequestTimeout",
    "NetworkError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "InternalServerError",
    "ServiceUnavailableError",
    "SignatureWindowError",
    "AmountMismatchError",
    "DecodeError",
    "PaginationError",
    "SharedStoreError",
}


def test_exported_names() -> None:
    assert set(bityclient.__all__) == PUBLIC
    assert len(bityclient.__all__) == len(PUBLIC)  # no duplicates
    for name in PUBLIC:
        assert getattr(bityclient, name) is not None


def test_shared_names_are_commons_own_objects() -> None:
    for name in SHARED:
        assert getattr(bityclient, name) is getattr(common, name)
    assert issubclass(bityclient.SessionExpiredError, common.AuthenticationError)
    assert issubclass(bityclient.LoginRequiredError, common.SDKError)


@pytest.mark.parametrize(
    "module",
    [
        "_auth",
        "_client",
        "_decode",
        "_errors",
        "_file_store",
        "_grants",
        "_models",
        "_pagination",
        "_redis_store",
        "_resources",
        "_token_store",
        "_tokens",
        "_validation",
    ],
)
def test_private_modules_declare_all(module: str) -> None:
    loaded = importlib.import_module(f"bityclient.{module}")
    assert loaded.__all__
    for name in loaded.__all__:
        assert hasattr(loaded, name), f"{module}.__all__ names missing {name}"


def test_package_imports_only_common() -> None:
    # Dependencies point one way: bityclient -> common, never to bitexgate.
    package = Path(bityclient.__file__).parent
    imports = [
        line.strip()
        for path in package.glob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(("import ", "from "))
    ]
    assert imports
    assert not [line for line in imports if "bitexgate" in line]
