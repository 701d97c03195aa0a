"""The public surface is what we mean to publish, and the packages depend one way."""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

import pytest

import bitexgate
import bitexgate.fastapi
import bityclient
import common

ROOT = Path(__file__).parent.parent

ERRORS = {
    "AmountMismatchError",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectError",
    "DecodeError",
    "InternalServerError",
    "NetworkError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeout",
    "SDKError",
    "ServerError",
    "ServiceUnavailableError",
    "SharedStoreError",
    "SignatureWindowError",
    "TransportError",
    "ValidationError",
}

#: Pacing, shared by both clients.
RATE_LIMITS = {"LocalRateLimiter", "RateLimit", "RateLimiter", "RedisRateLimiter"}


def test_bitexgate_exports() -> None:
    assert set(bitexgate.__all__) == ERRORS | RATE_LIMITS | {
        "DEFAULT_BASE_URL",
        "AsyncPaginator",
        "BitexGateClient",
        "CallbackNotConfirmedError",
        "Change",
        "Conversion",
        "Deposit",
        "DepositStatus",
        "FeePayer",
        "GatewayAuth",
        "Invoice",
        "InvoiceDeposit",
        "Invoices",
        "Page",
        "PaymentMethod",
        "PaymentMethods",
        "RetryPolicy",
        "Wallet",
        "Wallets",
        "Watch",
        "WithdrawStatus",
        "Withdrawal",
        "Withdrawals",
        "__version__",
        "fast_transport",
        "parse_deposit_callback",
        "parse_invoice_callback",
        "parse_withdrawal_callback",
        "sign",
        "to_dict",
    }


def test_bitexgate_fastapi_exports() -> None:
    assert set(bitexgate.fastapi.__all__) == {
        "STATE_ATTRIBUTE",
        "CallbackContext",
        "Claim",
        "GatewayDep",
        "Handler",
        "MemorySeenStore",
        "SeenStore",
        "callback_key",
        "callback_router",
        "gateway_client",
    }


@pytest.mark.parametrize("module", [bitexgate, bitexgate.fastapi, common])
def test_every_exported_name_exists_and_is_public(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        member = getattr(module, name)
        if typing.get_origin(member) is not None:
            continue  # a type alias such as `Handler` (Python 3.10 takes one for a class)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert member.__module__.split(".")[0] in ("bitexgate", "bityclient", "common")


def test_errors_are_the_same_classes_in_every_package() -> None:
    for name in ERRORS:
        assert getattr(bitexgate, name) is getattr(common, name)
        assert getattr(bityclient, name) is getattr(common, name)


def test_rate_limits_are_the_same_classes_in_every_package() -> None:
    for name in RATE_LIMITS:
        assert getattr(bitexgate, name) is getattr(common, name)
        assert getattr(bityclient, name) is getattr(common, name)


def test_to_dict_is_one_function_in_every_package() -> None:
    assert "to_dict" in common.__all__
    assert bitexgate.to_dict is common.to_dict
    assert bityclient.to_dict is common.to_dict


def imported_packages(package: str) -> set[str]:
    """Top-level packages imported anywhere in `package` (relative imports aside)."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("common", {"bitexgate", "bityclient"}),
        ("bitexgate", {"bityclient"}),
        ("bityclient", {"bitexgate"}),
    ],
)
def test_dependencies_point_one_way(package: str, forbidden: set[str]) -> None:
    imported = imported_packages(package)
    assert "httpx" in imported or package != "common"  # the scan does see imports
    assert not imported & forbidden


@pytest.mark.parametrize("package", ["common", "bitexgate", "bityclient"])
def test_py_typed_is_shipped(package: str) -> None:
    assert (ROOT / package / "py.typed").is_file()
