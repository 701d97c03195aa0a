"""The fast structuring path gives exactly what cattrs' own functions give, or defers to them.

Every model is structured from documented samples with values replaced, removed
or added at random, by the fast function and by the function cattrs generates
for the same converter; both must agree on the result (down to each value's type
and time zone) or both fail with the same detailed error.
"""

from __future__ import annotations

import linecache
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitexgate import (
    Conversion,
    Deposit,
    Invoice,
    InvoiceDeposit,
    PaymentMethod,
    Wallet,
    Withdrawal,
)
from bitexgate._models import configure_converter
from bitexgate._models import converter as CONVERTER
from bityclient import InputTransaction, OutputTransaction, PairRate, Rate
from bityclient._decode import bity_datetime, converter, converter_for, make_bity_converter
from common import make_converter, parse_datetime
from common._converter import parse_common_datetime
from tests.conftest import fixture_json

GATEWAY_STRICT = configure_converter(make_converter(strict=True))
BITY_STRICT = make_bity_converter(strict=True)
#: A server that writes its zone-less timestamps in Swiss time, not UTC.
ZURICH = ZoneInfo("Europe/Zurich")
T = TypeVar("T")
BITY_ZURICH = converter_for(ZURICH)
BITY_ZURICH_STRICT = make_bity_converter(strict=True, server_timezone=ZURICH)


def first(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and "results" in data:
        data = data["results"]
    if isinstance(data, dict) and "objects" in data:
        data = data["objects"]
    return dict(data[0] if isinstance(data, list) else data)


ORDER = first(fixture_json("bityclient", "order_created.json"))

#: (converter, model, a documented sample of it)
CASES: list[tuple[cattrs.Converter, type[Any], dict[str, Any]]] = [
    (CONVERTER, PaymentMethod, first(fixture_json("bitexgate", "payment_methods.json"))),
    (CONVERTER, Wallet, first(fixture_json("bitexgate", "wallets.json"))),
    (CONVERTER, Wallet, first(fixture_json("bitexgate", "wallet_create.json"))),
    (CONVERTER, Deposit, first(fixture_json("bitexgate", "wallet_history.json"))),
    (CONVERTER, Invoice, first(fixture_json("bitexgate", "invoice_create.json"))),
    (CONVERTER, InvoiceDeposit, first(fixture_json("bitexgate", "invoice_history.json"))),
    (CONVERTER, Withdrawal, first(fixture_json("bitexgate", "withdraw_history.json"))),
    (CONVERTER, Conversion, first(fixture_json("bitexgate", "withdraw_history.json"))["auto_buy"]),
    (converter, Rate, first(fixture_json("bityclient", "rates_list.json"))),
    (converter, PairRate, first(fixture_json("bityclient", "rate_we_sell_ETHBTC.json"))),
    (converter, InputTransaction, dict(ORDER["inputtransactions"][0])),
    (converter, OutputTransaction, dict(ORDER["outputtransactions"][0])),
    (BITY_ZURICH, Rate, first(fixture_json("bityclient", "rates_list.json"))),
    (BITY_ZURICH, PairRate, first(fixture_json("bityclient", "rate_we_sell_ETHBTC.json"))),
]
STRICT_OF = {
    id(CONVERTER): GATEWAY_STRICT,
    id(converter): BITY_STRICT,
    id(BITY_ZURICH): BITY_ZURICH_STRICT,
}

TIMESTAMPS = st.sampled_from(
    [
        "2021-05-20T14:42:15.210193Z",
        "2021-05-20T14:42:15Z",
        "2021-05-20T14:42:15.210Z",
        "2021-05-20T14:42:15.210193",
        "2021-01-20T14:42:15.210193",
        "2021-10-31T02:30:15.210193",  # twice in Zurich: clocks go back at 03:00
        "2021-03-28T02:30:15.210193",  # never in Zurich: clocks go forward at 02:00
        "2021-05-20T14:42:15",
        "2021-05-20 14:42:15.210193",
        "2021-05-20T14:42:15.210193+02:00",
        "2021-05-20T14:42:15.2101934Z",
        "2021-05-20T14:42:15,210193Z",
        "2021-05-20T14:42:15.210193z",
        "2021-05-20T14:42",
        " 2021-05-20T14:42:15.210193Z",
        "2021-05-20T14:42:15.210193Z ",
        "2021-02-30T14:42:15.210193Z",
        "2021-05-20T24:42:15.210193Z",
        "2021-05-20X14:42:15.210193Z",
        "2021-05-20T14:42:15.21019aZ",
        "2021-05-20T14:42:15.210193+0200",
        "20210520T144215.210193Z",
        "2021-W20-4T14:42:15.21019Z",
        "2021-05-20T14:42:15.210193+24:00",
        "not a date",
        "",
    ]
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["1.5", " 1.5 ", "1_000", "1e3", "NaN", "sNaN", "Infinity", "-0", "abc", "", "true"]
    ),
    st.sampled_from(["0", "1", "2", "3", "5", "99", "+1", "BUY", "ETH", "EUR", "OPEN", "XYZ"]),
    TIMESTAMPS,
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def outcome(hook: Any, data: Any, cls: type[Any]) -> tuple[str, Any]:
    try:
        return "ok", hook(data, cls)
    except Exception as exc:  # noqa: BLE001 (the kind and its explanation are compared)
        if isinstance(exc, cattrs.BaseValidationError):
            return "error", (type(exc), cattrs.transform_error(exc))
        return "error", (type(exc), str(exc))


def assert_same_instance(fast: Any, slow: Any) -> None:
    assert type(fast) is type(slow)
    assert fast == slow
    for field in attrs.fields(type(fast)):
        a, b = getattr(fast, field.name), getattr(slow, field.name)
        assert type(a) is type(b), field.name
        if isinstance(a, datetime):
            assert a.tzinfo == b.tzinfo, field.name
        if isinstance(a, Decimal):
            assert a.as_tuple() == b.as_tuple(), field.name
        if attrs.has(type(a)):
            assert_same_instance(a, b)


def assert_equivalent(conv: cattrs.Converter, cls: type[Any], data: Any) -> None:
    fast = conv.get_structure_hook(cls)
    slow = conv.gen_structure_attrs_fromdict(cls)
    got, expected = outcome(fast, data, cls), outcome(slow, data, cls)
    assert got[0] == expected[0], (got, expected)
    if got[0] == "ok":
        assert_same_instance(got[1], expected[1])
    else:
        assert got[1] == expected[1]


@pytest.mark.parametrize(("conv", "cls", "sample"), CASES)
def test_every_model_gets_a_fast_function(
    conv: cattrs.Converter, cls: type[Any], sample: dict[str, Any]
) -> None:
    hook = conv.get_structure_hook(cls)
    assert hook.__code__.co_filename.startswith("<fast structure")
    assert linecache.getlines(hook.__code__.co_filename)  # its source shows in tracebacks
    assert_equivalent(conv, cls, sample)
    assert_equivalent(STRICT_OF[id(conv)], cls, sample)


@pytest.mark.parametrize(("conv", "cls", "sample"), CASES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_and_cattrs_agree_on_altered_samples(
    conv: cattrs.Converter, cls: type[Any], sample: dict[str, Any], data: st.DataObject
) -> None:
    altered = dict(sample)
    keys = sorted(altered)
    for key in data.draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
        altered[key] = data.draw(VALUES)
    for key in data.draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)):
        altered.pop(key, None)
    if data.draw(st.booleans()):
        altered["a_key_the_models_do_not_know"] = data.draw(VALUES)
    assert_equivalent(conv, cls, altered)
    assert_equivalent(STRICT_OF[id(conv)], cls, altered)


@pytest.mark.parametrize(("conv", "cls", "sample"), CASES[:3])
def test_something_other_than_a_dict_goes_to_cattrs(
    conv: cattrs.Converter, cls: type[Any], sample: dict[str, Any]
) -> None:
    for data in (None, [sample], "text", 5):
        assert_equivalent(conv, cls, data)


@attrs.frozen(slots=False)
class Plain:
    """A model without slots."""

    name: str
    amount: Decimal
    at: datetime | None = None
    tags: list[str] = attrs.Factory(list)


@attrs.frozen(slots=False)
class Checked:
    """A model without slots whose `__init__` validates: built through `__init__`."""

    amount: Decimal = attrs.field(validator=attrs.validators.gt(Decimal(0)))


@pytest.mark.parametrize(
    "data",
    [
        {"name": "a", "amount": "1.50"},
        {"name": "a", "amount": "1.50", "at": "2021-05-20T14:42:15Z", "tags": ["x"]},
        {"name": "a", "amount": "NaN"},
        {"name": 5, "amount": 2},
        {"amount": "1"},
    ],
)
def test_classes_without_slots_agree(data: dict[str, Any]) -> None:
    assert_equivalent(make_converter(), Plain, data)


def test_a_class_without_slots_gets_each_default_from_its_factory() -> None:
    hook = make_converter().get_structure_hook(Plain)
    first, second = (hook({"name": "a", "amount": "1.50"}, Plain) for _ in range(2))
    assert vars(first) == {"name": "a", "amount": Decimal("1.50"), "at": None, "tags": []}
    assert first.tags is not second.tags
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.name = "b"  # type: ignore[misc]


@pytest.mark.parametrize("amount", ["1", "0", "-1", "x"])
def test_a_validating_init_still_runs(amount: str) -> None:
    assert_equivalent(make_converter(), Checked, {"amount": amount})


def test_lists_agree_and_name_the_bad_index() -> None:
    sample = CASES[1][2]
    good, bad = dict(sample), {**sample, "created_at": "yesterday"}
    fast = CONVERTER.get_structure_hook(list[Wallet])
    assert fast([good, good], list[Wallet]) == [CONVERTER.structure(good, Wallet)] * 2
    with pytest.raises(cattrs.IterableValidationError) as info:
        fast([good, bad], list[Wallet])
    assert any("[1]" in line for line in cattrs.transform_error(info.value))
    assert fast((good,), list[Wallet]) == [CONVERTER.structure(good, Wallet)]  # any iterable


@pytest.mark.parametrize("strict", [False, True])
def test_a_generic_class_with_string_annotations_is_structured(strict: bool) -> None:
    # This module's annotations are strings (`from __future__ import annotations`); cattrs
    # before 26.1 cannot resolve them on `Box[Wallet]` itself. A new class each time: the
    # first structuring resolves them.
    @attrs.frozen
    class Box(Generic[T]):
        items: list[T]
        label: str | None = None

    conv = configure_converter(make_converter(strict=strict))
    sample = CASES[1][2]
    box = conv.structure({"items": [sample], "label": "x"}, Box[Wallet])
    assert box == Box(items=[conv.structure(sample, Wallet)], label="x")
    with pytest.raises(cattrs.ClassValidationError) as info:
        conv.structure({"items": [{**sample, "created_at": "yesterday"}]}, Box[Wallet])
    assert any("items[0]" in line for line in cattrs.transform_error(info.value))


@given(TIMESTAMPS)
def test_the_quick_datetime_reader_agrees_with_the_general_one(text: str) -> None:
    quick = parse_common_datetime(text)
    try:
        general: datetime | None = parse_datetime(text)
    except ValueError:
        general = None
    if quick is not None:
        assert general is not None
        assert quick == general
        assert quick.tzinfo == general.tzinfo
    for zone in (timezone.utc, ZURICH):
        quick_zoned = parse_common_datetime(text, naive_zone=zone)
        if quick_zoned is not None:
            assert quick_zoned == bity_datetime(text, zone=zone)
            assert quick_zoned.tzinfo is timezone.utc


@given(
    st.datetimes(timezones=st.sampled_from([None, timezone.utc])),
    st.sampled_from(["seconds", "milliseconds", "microseconds", "auto"]),
)
def test_the_quick_datetime_reader_reads_what_isoformat_writes(moment: datetime, spec: str) -> None:
    text = moment.isoformat(timespec=spec).replace("+00:00", "Z")
    quick = parse_common_datetime(text)
    assert quick == parse_datetime(text)
    if moment.year >= 1000:  # four digit years: the shapes the APIs send
        assert quick is not None
