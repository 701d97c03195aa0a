"""An asyncio client for the bitexbit Gateway: payment methods, wallets, invoices, withdrawals.

```python
from bitexgate import BitexGateClient

async with BitexGateClient(api_key=KEY, secret=SECRET) as gw:
    methods = await gw.payment_methods.list()
```

The shared error tree, RetryPolicy, AsyncPaginator, Page, Watch, Change,
fast_transport and to_dict are re-exported here from `common`.
"""

# First: an ImportError that says so if `common` is not this project's (see the module).
from . import _common_check  # noqa: F401

# isort: split
from common import (
    AmountMismatchError,
    APIStatusError,
    AsyncPaginator,
    AuthenticationError,
    BadRequestError,
    CallbackNotConfirmedError,
    Change,
    ConnectError,
    DecodeError,
    InternalServerError,
    LocalRateLimiter,
    NetworkError,
    NotFoundError,
    Page,
    PaginationError,
    PermissionDeniedError,
    RateLimit,
    RateLimiter,
    RateLimitError,
    RedisRateLimiter,
    RequestTimeout,
    RetryPolicy,
    SDKError,
    ServerError,
    ServiceUnavailableError,
    SharedStoreError,
    SignatureWindowError,
    TransportError,
    ValidationError,
    Watch,
    fast_transport,
    to_dict,
)
from common._version import __version__

from ._auth import GatewayAuth, sign
from ._callbacks import parse_deposit_callback, parse_invoice_callback, parse_withdrawal_callback
from ._client import DEFAULT_BASE_URL, BitexGateClient
from ._enums import DepositStatus, FeePayer, WithdrawStatus
from ._models import (
    Conversion,
    Deposit,
    Invoice,
    InvoiceDeposit,
    PaymentMethod,
    Wallet,
    Withdrawal,
)
from ._resources import Invoices, PaymentMethods, Wallets
from ._withdrawals import Withdrawals

__all__ = [
    "DEFAULT_BASE_URL",
    "APIStatusError",
    "AmountMismatchError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Change",
    "BitexGateClient",
    "CallbackNotConfirmedError",
    "ConnectError",
    "Conversion",
    "DecodeError",
    "Deposit",
    "DepositStatus",
    "FeePayer",
    "GatewayAuth",
    "InternalServerError",
    "LocalRateLimiter",
    "Invoice",
    "InvoiceDeposit",
    "Invoices",
    "NetworkError",
    "NotFoundError",
    "Page",
    "PaginationError",
    "PaymentMethod",
    "PaymentMethods",
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
    "TransportError",
    "ValidationError",
    "Watch",
    "Wallet",
    "Wallets",
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
]
