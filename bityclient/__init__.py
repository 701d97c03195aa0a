"""An asyncio client for the Bity v1 API: rates, orders and OAuth login.

```python
from decimal import Decimal
from bityclient import AmountMode, BityClient, OrderCategory

async with BityClient(client_id=CLIENT_ID) as bity:
    await bity.login(username="+41...", password="...")
    sell = await bity.rates.we_sell("ETHBTC")
    order = await bity.orders.create(
        category=OrderCategory.BUY_ETH,  # buy ETH, paid in BTC (no currency given: BTC)
        amount=Decimal("0.5"),
        amount_mode=AmountMode.OUTPUT,  # 0.5 is the ETH to receive (by default: the BTC paid)
        crypto_address="0x...",
    )
```

The shared error tree, RetryPolicy, AsyncPaginator and Page are re-exported here.

Several processes share one session through a token store (`token_store=`):
`FileTokenStore` on one machine, `RedisTokenStore` anywhere (the `[redis]`
extra; imported on first use of its name, so `import bityclient` loads no Redis
client).
"""

# First: an ImportError that says so if `common` is not this project's (see the module).
from . import _common_check  # noqa: F401

# isort: split
from typing import TYPE_CHECKING, Any

from common import (
    AmountMismatchError,
    APIStatusError,
    AsyncPaginator,
    AuthenticationError,
    BadRequestError,
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

from ._auth import BityAuth
from ._client import BityClient
from ._errors import LoginRequiredError, SessionExpiredError, TokenStoreError
from ._file_store import FileTokenStore
from ._models import (
    AmountMode,
    Currency,
    InputHandlingMode,
    InputTransaction,
    ListMeta,
    Order,
    OrderCategory,
    OrderStatus,
    OutputTransaction,
    PairRate,
    PaymentMethod,
    Rate,
    Token,
    TransactionStatus,
)
from ._pagination import BityPage, BityPaginator
from ._resources import OrdersResource, RatesResource, UsersResource
from ._token_store import MemoryTokenStore, TokenStore
from ._tokens import dump_token, load_token

if TYPE_CHECKING:
    from ._redis_store import RedisTokenStore as RedisTokenStore

__all__ = [
    # client and session
    "BityClient",
    "BityAuth",
    "Token",
    "dump_token",
    "load_token",
    # where the session is kept (and RedisTokenStore: imported on first use, so not
    # listed here, and `from bityclient import *` needs no redis client)
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
    # errors
    "APIStatusError",
    "AmountMismatchError",
    "AuthenticationError",
    "BadRequestError",
    "Change",
    "ConnectError",
    "DecodeError",
    "InternalServerError",
    "LoginRequiredError",
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
    "SessionExpiredError",
    "TokenStoreError",
    "TransportError",
    "ValidationError",
    "Watch",
]


def __getattr__(name: str) -> Any:
    """`RedisTokenStore`, imported on first use: the only name that needs `redis`."""
    if name == "RedisTokenStore":
        from ._redis_store import RedisTokenStore

        globals()[name] = RedisTokenStore
        return RedisTokenStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "RedisTokenStore"})
