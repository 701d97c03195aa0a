"""`common.to_dict`: models as plain JSON data, in the forms decoding reads back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from common import OpenIntEnum, OpenStrEnum, make_converter, to_dict
from common._cli import to_jsonable
from common._to_dict import json_data, register_api_keys
from tests.model_strategies import assert_plain_json, decimals


class Status(OpenIntEnum):
    PENDING = 1
    CONFIRMED = 5


class Side(OpenStrEnum):
    BUY = "BUY"


@attrs.frozen
class Leg:
    amount: Decimal
    side: Side


@attrs.frozen
class Trade:
    amount: Decimal
    status: Status
    at: datetime
    legs: list[Leg] = attrs.field(factory=list)
    first: Leg | None = None
    note: str | None = None


@attrs.frozen
class Renamed:
    """Keyed otherwise by its API: registered as a package's decode module does."""

    in_legs: list[Leg]
    count: int
    extra: Mapping[str, Any] = attrs.field(factory=dict)


register_api_keys(Renamed, renames={"in_legs": "inlegs"}, extra="extra")


@attrs.frozen
class Session:
    user: str
    secret: str = attrs.field(repr=False)


@attrs.frozen
class Holder:
    session: Session


WHEN = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))


def trade(**changes: Any) -> Trade:
    values: dict[str, Any] = {
        "amount": Decimal("0E-8"),
        "status": Status.CONFIRMED,
        "at": WHEN,
        "legs": [Leg(amount=Decimal("1E+3"), side=Side.BUY)],
    }
    return Trade(**{**values, **changes})


# --- forms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0E-8"), "0.00000000"),  # str() gives "0E-8"
        (Decimal("1E+3"), "1000"),  # str() gives "1E+3"
        (Decimal("-0.5"), "-0.5"),
        (Decimal("22.0000000"), "22.0000000"),  # the places are kept
        (Decimal("1E-12"), "0.000000000001"),
        (
            Decimal("123456789012345678901234567890.123456789"),
            "123456789012345678901234567890.123456789",
        ),
    ],
)
def test_amounts_are_exact_fixed_point_text(amount: Decimal, text: str) -> None:
    assert to_dict(trade(amount=amount))["amount"] == text


def test_a_model_becomes_plain_json_data() -> None:
    data = to_dict(trade(first=Leg(amount=Decimal("0.5"), side=Side("HOLD"))))
    assert data == {
        "amount": "0.00000000",
        "status": 5,
        "at": "2024-03-01T12:30:15.123456+05:30",
        "legs": [{"amount": "1000", "side": "BUY"}],
        "first": {"amount": "0.5", "side": "HOLD"},
        "note": None,
    }
    assert type(data["status"]) is int
    assert type(data["legs"][0]["side"]) is str
    assert_plain_json(data)


def test_an_aware_datetime_keeps_its_offset() -> None:
    written = to_dict(trade())["at"]
    assert written == "2024-03-01T12:30:15.123456+05:30"
    assert datetime.fromisoformat(written).utcoffset() == timedelta(hours=5, minutes=30)


def test_an_unknown_code_stays_its_raw_value() -> None:
    data = to_dict(trade(status=Status(7), legs=[Leg(amount=Decimal(1), side=Side("HOLD"))]))
    assert data["status"] == 7
    assert type(data["status"]) is int
    assert data["legs"][0]["side"] == "HOLD"
    assert type(data["legs"][0]["side"]) is str


def test_a_float_is_never_written_as_one() -> None:
    # No SDK model holds one; a float in an untyped slot is its shortest repr, exactly.
    data = to_dict(Renamed(in_legs=[], count=1, extra={"ratio": 0.1, "big": 1e22}))
    assert data["ratio"] == "0.1"
    assert data["big"] == "10000000000000000000000"
    assert_plain_json(data)


def test_keys_are_the_apis_and_extra_keys_sit_beside_the_fields() -> None:
    model = Renamed(
        in_legs=[Leg(amount=Decimal("2"), side=Side.BUY)], count=3, extra={"disabled": "X"}
    )
    assert to_dict(model) == {
        "inlegs": [{"amount": "2", "side": "BUY"}],
        "count": 3,
        "disabled": "X",
    }


def test_extra_keys_that_clash_with_a_field_are_refused() -> None:
    with pytest.raises(ValueError, match=r"Renamed\.extra.*'inlegs'"):
        to_dict(Renamed(in_legs=[], count=1, extra={"inlegs": []}))


def test_the_converter_reads_it_back() -> None:
    model = trade(first=Leg(amount=Decimal("-0.25"), side=Side("HOLD")), note="n")
    text = json.dumps(to_dict(model))
    assert make_converter().structure(json.loads(text), Trade) == model


@settings(max_examples=50, deadline=None)
@given(amount=decimals)
def test_every_amount_reads_back_equal_and_in_the_same_form(amount: Decimal) -> None:
    text = to_dict(trade(amount=amount))["amount"]
    assert "E" not in text
    assert "e" not in text
    assert Decimal(text) == amount
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent <= 0:
        assert Decimal(text).as_tuple() == amount.as_tuple()  # the same places


def test_the_converters_own_unstructuring_writes_amounts_alike() -> None:
    assert make_converter().unstructure(trade())["amount"] == "0.00000000"


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"amount": "1"}, "got dict"),
        (None, "got NoneType"),
        ("text", "got str"),
        ([trade()], "got list"),
        (Decimal("1"), "got decimal.Decimal"),
        (Trade, "got the class Trade"),
    ],
)
def test_anything_but_a_model_instance_is_a_type_error_naming_it(value: Any, named: str) -> None:
    with pytest.raises(TypeError, match=named):
        to_dict(value)


def test_a_refused_value_does_not_appear_in_the_message() -> None:
    with pytest.raises(TypeError) as caught:
        to_dict({"access_token": "s3cr3t"})
    assert "s3cr3t" not in str(caught.value)


def test_a_model_with_secrets_is_refused_without_them() -> None:
    with pytest.raises(TypeError, match=r"Session holds secrets \(secret\)") as caught:
        to_dict(Session(user="u", secret="s3cr3t"))
    assert "s3cr3t" not in str(caught.value)
    with pytest.raises(TypeError, match=r"Holder\.session as JSON: Session holds secrets"):
        to_dict(Holder(session=Session(user="u", secret="s3cr3t")))


def test_a_value_with_no_json_form_is_named_with_where_it_is() -> None:
    with pytest.raises(TypeError, match=r"Trade\.legs\[1\] as JSON: a set has no JSON form"):
        to_dict(trade(legs=[Leg(amount=Decimal(1), side=Side.BUY), {1}]))
    with pytest.raises(ValueError, match=r"Trade\.legs\[0\]\.amount as JSON: NaN is not a finite"):
        to_dict(trade(legs=[Leg(amount=Decimal("NaN"), side=Side.BUY)]))
    with pytest.raises(TypeError, match=r"Renamed\.extra as JSON: a key must be text, not int"):
        to_dict(Renamed(in_legs=[], count=1, extra={1: "x"}))


def test_registering_keys_checks_them() -> None:
    with pytest.raises(ValueError, match="has no field 'nope'"):
        register_api_keys(Trade, renames={"nope": "x"})
    with pytest.raises(ValueError, match="collide"):
        register_api_keys(Trade, renames={"note": "amount"})
    assert "amount" in to_dict(trade())  # unchanged


# --- the CLI's JSON is the same ------------------------------------------------------------------


def test_the_cli_writes_models_as_to_dict_does() -> None:
    model = Renamed(in_legs=[Leg(amount=Decimal("0E-8"), side=Side.BUY)], count=1)
    assert to_jsonable(model) == to_dict(model)
    assert to_jsonable([model, {"when": date(2024, 1, 2)}]) == [
        to_dict(model),
        {"when": "2024-01-02"},
    ]
    assert json_data((Decimal("1E+3"), None)) == ["1000", None]


def test_the_cli_table_names_fields_and_refuses_secrets_too() -> None:
    model = Renamed(in_legs=[], count=1, extra={"disabled": "X"})
    assert to_jsonable(model, display=True) == {
        "in_legs": [],
        "count": 1,
        "extra": {"disabled": "X"},
    }
    with pytest.raises(TypeError, match="secrets"):
        to_jsonable(Session(user="u", secret="s3cr3t"), display=True)
