"""Fuzzed answers to every endpoint of both clients: only the SDK's errors come out.

Each example serves one generated answer (status, Content-Type and charset,
Content-Encoding, Retry-After, body) through `httpx.MockTransport` to one
endpoint, with no retries. Whatever it is, the call returns a value (only for a
2xx) or raises an `SDKError` with a message short enough to log; never a
KeyError, TypeError, UnicodeError or a ValueError that is not the SDK's. A
create (a payment, an order, a token) answered with anything but a 4xx refusal
has `outcome_unknown` set, and so has any request that is not idempotent
answered with a 3xx, a 5xx or a status no standard defines; a read never has.

Bodies: random bytes; random JSON of random shapes (keys of the documented
answers, numbers in odd forms, long strings); the documented answers with
fields replaced, removed or made odd; deep nesting; long lists.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common import AmountMismatchError, DecodeError, SDKError
from tests.endpoints import ENDPOINTS, Endpoint

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


async def _walk(paginator: Any) -> list[Any]:
    return [item async for item in paginator]


#: The lists again, walked page after page (each page gets the same answer).
WALKS = tuple(
    Endpoint(name=f"{name} (walk)", api=api, call=call, sample=sample)
    for name, api, sample, call in [
        ("wallets.list", "bitexgate", "wallets.json", lambda gw: _walk(gw.wallets.list())),
        (
            "invoices.history",
            "bitexgate",
            "invoice_history.json",
            lambda gw: _walk(gw.invoices.history(max_items=50)),
        ),
        (
            "withdrawals.history",
            "bitexgate",
            "withdraw_history.json",
            lambda gw: _walk(gw.withdrawals.history(max_items=50)),
        ),
        ("rates.list", "bityclient", "rates_list.json", lambda bity: _walk(bity.rates.list())),
        (
            "orders.list",
            "bityclient",
            "orders_list.json",
            lambda bity: _walk(bity.orders.list(max_items=50)),
        ),
    ]
)
endpoints = st.sampled_from(ENDPOINTS + WALKS)

# --- statuses and headers ------------------------------------------------------------------------

COMMON_STATUSES = [200, 201, 202, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404]
COMMON_STATUSES += [409, 429, 500, 501, 502, 503, 504]
statuses = st.sampled_from(COMMON_STATUSES) | st.integers(min_value=100, max_value=999)

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]
LABELS = [*ENCODINGS, "UTF-8", '"utf-8"', "bogus-charset", "rot13", "base64", "idna", "x\x00y"]
media_types = st.sampled_from(["application/json", "text/html", "text/plain", "application/x"])
#: HTTP dates (`Wed, 21 Oct 2015 07:28:00 GMT`), each part well formed or not.
http_dates = st.tuples(
    st.sampled_from(["Wed,", ""]),
    st.sampled_from(["21", "32"]),
    st.just("Oct"),
    st.sampled_from(["2015", "0", "1969", "9999", "99999", "9" * 19, "-1"]),
    st.sampled_from(["07:28:00", "99:99:99"]),
    st.sampled_from(["GMT", "-0000", "+9999"]),
).map(" ".join)
#: Delta-seconds and HTTP dates, well formed or not.
retry_afters = (
    st.none()
    | st.sampled_from(["0", "5", "-1", "1e400", "-1e400", "nan", "inf", "9" * 400, "soon", ""])
    | http_dates
)

#: Content-Type values, sensible or not (RFC 2231 parameters, quotes, stray bytes).
any_content_types = (
    st.none()
    | st.sampled_from(LABELS).map(lambda c: f"application/json; charset={c}")
    | st.sampled_from(
        [
            "application/json; charset*=utf-8''utf-16",
            "application/json; charset*=rot13''%ff",
            "application/json; charset=",
            "application/json; charset=utf-8; charset=utf-16",
            'application/json; charset="utf-16',
            "application/json;;;=;",
        ]
    )
    | st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)
)


@attrs.frozen
class Answer:
    """One generated answer: what the server says, and how."""

    status: int
    body: bytes
    content_type: str | None
    retry_after: str | None
    content_encoding: str | None = None

    def respond(self, request: httpx.Request) -> httpx.Response:
        headers = []
        for name, value in (
            (b"Content-Type", self.content_type),
            (b"Retry-After", self.retry_after),
            (b"Content-Encoding", self.content_encoding),
        ):
            if value is not None:
                headers.append((name, value.encode("latin-1")))
        return httpx.Response(self.status, headers=headers, content=self.body, request=request)


@st.composite
def content_types(draw: st.DrawFn, encoding: str) -> str | None:
    """None, a media type alone, or one with a charset: the body's, or another."""
    label = draw(st.none() | st.sampled_from([encoding, *LABELS]))
    if draw(st.booleans()) and label is None:
        return None
    media = draw(media_types)
    return media if label is None else f"{media}; charset={label}"


# --- JSON of odd shapes --------------------------------------------------------------------------


@attrs.frozen
class Raw:
    """A JSON token written as is: a number in an odd form."""

    text: str


ODD_NUMBERS = [
    "1e400",
    "-1e400",
    "1E-400",
    "-0",
    "-0.0",
    "0.000000001",
    "1.0000000000000000000000000001",
    "123456789012345678901234567890",
    "9" * 5000,  # more digits than int() reads
    "1e999999999",
    "NaN",
    "Infinity",
    "-Infinity",
    "1.5E+3",
    "2.50",
    "007",
]
ODD_NUMBER_TEXT = [*ODD_NUMBERS, "1_000", "0x10", " 1 ", "١٢٣", "1,5", "", "-", "+1", "1e"]


def _keys_of(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            _keys_of(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _keys_of(inner, found)
    return found


#: Every key of every documented answer, so random objects look like the real ones.
KNOWN_KEYS = sorted(
    _keys_of(
        [json.loads(endpoint.sample_bytes()) for endpoint in ENDPOINTS],
        {"error", "error_description", "detail", "non_field_errors"},
    )
)

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(ODD_NUMBER_TEXT)  # amounts and dates arrive as text
    | st.sampled_from(ODD_NUMBERS).map(Raw)
    | st.sampled_from(["2021-05-21T13:28:32.095Z", "2021-02-30T00:00:00", "0000-01-01", "now"])
    | st.sampled_from(["x" * 10_000, "http://[::1" + "x" * 10_000])  # echoed in full?
)
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=8)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def to_json(value: Any) -> str:
    """`value` as JSON text: `Raw` tokens as they are, non-finite floats as Python writes them."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@st.composite
def json_answers(draw: st.DrawFn, value: Any, status: st.SearchStrategy[int]) -> Answer:
    encoding = draw(st.sampled_from(ENCODINGS))
    return Answer(
        status=draw(status),
        body=encoded(to_json(value), encoding),
        content_type=draw(content_types(encoding)),
        retry_after=draw(retry_afters),
    )


# --- documented answers, mutated ----------------------------------------------------------------


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `value` a mutation can change (the root included)."""
    found = [here]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*here, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*here, index))
    return found


_DELETE = object()  # a mutation that removes the value


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        if new is _DELETE and not rest:
            del copy[head]
        else:
            copy[head] = _replace(value[head], rest, new)
        return copy
    copy_list = list(value)
    if new is _DELETE and not rest:
        del copy_list[head]
    else:
        copy_list[head] = _replace(value[head], rest, new)
    return copy_list


@st.composite
def mutated(draw: st.DrawFn, sample: Any) -> Any:
    """The sample with one to three of its values replaced, removed or made odd."""
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(sample)))
        removal = st.just(_DELETE) if path else st.nothing()
        new = draw(removal | json_values | st.sampled_from(ODD_NUMBERS).map(Raw))
        sample = _replace(sample, path, new)
    return sample


def _plain(value: Any) -> Any:
    """Decimals as `Raw` tokens, so a sample's numbers are written as the sample wrote them."""
    if isinstance(value, Decimal):
        return Raw(str(value))
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


# --- the property ---------------------------------------------------------------------------------


#: An error message longer than this would flood a log.
MAX_MESSAGE = 5_000


def is_refusal(status: int) -> bool:
    return 400 <= status < 500


def in_doubt(endpoint: Endpoint, status: int, error: SDKError) -> bool | None:
    """Whether a failed call answered with `status` must say its outcome is unknown.

    None where either is right: a 2xx to a POST that creates nothing (verifying a
    phone) is in doubt if its body cannot even be read, and not if it reads as
    something else than documented. A body whose Content-Encoding does not decode
    fails inside httpx, before the SDK sees the status: such a DecodeError has no
    `status_code`, and for a POST it errs on the side of doubt.
    """
    if endpoint.idempotent:
        return False
    if isinstance(error, AmountMismatchError):
        return False  # it decoded: the record exists, only its amount differs (and is shown)
    if isinstance(error, DecodeError) and error.status_code is None:
        return True
    if is_refusal(status):
        return False
    if endpoint.creates or not 200 <= status < 300:
        return True  # a create's 2xx that does not decode included
    return None


async def check(endpoint: Endpoint, answer: Answer) -> None:
    """Only SDK errors escape, and those of requests in doubt say their outcome is unknown."""
    error: SDKError | None = None
    try:
        await endpoint.run(answer.respond)
    except SDKError as raised:  # anything else escapes, and fails the test
        error = raised
    if error is None:
        assert 200 <= answer.status < 300, f"{endpoint.name} returned a value for {answer.status}"
        return
    # Short enough to log, whatever the body (which `text` and `body` hold in full).
    assert len(str(error)) < MAX_MESSAGE, (endpoint.name, answer.status, len(str(error)))
    expected = in_doubt(endpoint, answer.status, error)
    if expected is not None:
        assert error.outcome_unknown is expected, (endpoint.name, answer.status, error)


@FUZZ
@given(
    endpoint=endpoints,
    status=statuses,
    body=st.binary(max_size=300),
    content_type=any_content_types,
    retry_after=retry_afters,
    encoding=st.none() | st.sampled_from(["gzip", "deflate", "br", "identity", "bogus"]),
)
async def test_random_bytes(
    endpoint: Endpoint,
    status: int,
    body: bytes,
    content_type: str | None,
    retry_after: str | None,
    encoding: str | None,
) -> None:
    await check(endpoint, Answer(status, body, content_type, retry_after, encoding))


@FUZZ
@given(
    endpoint=endpoints,
    status=st.sampled_from([429, 503]),
    retry_after=retry_afters,
    body=st.sampled_from([b"", b'{"detail": "Request was throttled."}']),
)
async def test_throttled_answers(
    endpoint: Endpoint, status: int, retry_after: str | None, body: bytes
) -> None:
    await check(endpoint, Answer(status, body, "application/json", retry_after))


@FUZZ
@given(endpoint=endpoints, data=st.data())
async def test_random_json(endpoint: Endpoint, data: st.DataObject) -> None:
    answer = data.draw(json_answers(data.draw(json_values), statuses))
    await check(endpoint, answer)


@FUZZ
@given(endpoint=endpoints, data=st.data())
async def test_documented_answers_with_mutated_fields(
    endpoint: Endpoint, data: st.DataObject
) -> None:
    sample = json.loads(endpoint.sample_bytes(), parse_float=Decimal)
    value = data.draw(mutated(sample))
    # Mostly a success, so the decoding is what is tried.
    status = st.sampled_from([200, 201]) | statuses
    await check(endpoint, data.draw(json_answers(_plain(value), status)))


@settings(max_examples=60, deadline=None)
@given(
    endpoint=endpoints,
    depth=st.integers(min_value=1, max_value=3000),
    opener=st.sampled_from(["[", '{"results": ', '{"meta": {}, "objects": ', '{"detail": ']),
    status=st.sampled_from([200, 201, 400, 502]),
)
async def test_deep_nesting(endpoint: Endpoint, depth: int, opener: str, status: int) -> None:
    closer = {"[": "]", "{": "}"}
    text = (
        opener * depth + "1" + "".join(closer[c] for c in reversed(opener * depth) if c in closer)
    )
    await check(endpoint, Answer(status, text.encode(), "application/json", None))


@settings(max_examples=25, deadline=None)
@given(
    endpoint=endpoints,
    length=st.integers(min_value=0, max_value=1_000),
    item=st.sampled_from(
        ["1", "{}", '"Ensure this value is greater than 0."', "null", '{"id": 1}']
    ),
    opener=st.sampled_from(["[", '{"results": [', '{"meta": {}, "objects": [', '{"amount": [']),
    status=st.sampled_from([200, 201, 400]),
)
async def test_long_bodies(
    endpoint: Endpoint, length: int, item: str, opener: str, status: int
) -> None:
    text = opener + ", ".join([item] * length) + "]" + ("}" if opener != "[" else "")
    await check(endpoint, Answer(status, text.encode(), "application/json", None))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[endpoint.name for endpoint in ENDPOINTS])
async def test_every_documented_answer_decodes(endpoint: Endpoint) -> None:
    # The mutations start from answers the clients read: the unmutated ones succeed.
    sample = json.loads(endpoint.sample_bytes(), parse_float=Decimal)
    body = to_json(_plain(sample)).encode()
    assert await endpoint.run(Answer(201, body, "application/json", None).respond) is not None
