"""The converter factory and its scalar parsers: Decimal, int, bool, ISO datetimes."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Optional
from zoneinfo import ZoneInfo

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common import OpenIntEnum, make_converter, parse_datetime, to_bool, to_decimal, to_int
from common._converter import wall_time_to_utc

# --- to_decimal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("22.0000000", Decimal("22.0000000")),
        (22, Decimal(22)),
        (" 1.5 ", Decimal("1.5")),
        ("-0.00000001", Decimal("-0.00000001")),
        (Decimal("3.10"), Decimal("3.10")),
    ],
)
def test_to_decimal_is_exact(raw: object, expected: Decimal) -> None:
    result = to_decimal(raw)
    assert result == expected
    assert result.as_tuple() == expected.as_tuple()  # the scale is kept, not just the value


def test_to_decimal_keeps_trailing_zeros() -> None:
    assert str(to_decimal("22.0000000")) == "22.0000000"


def test_to_decimal_of_zero_with_exponent() -> None:
    result = to_decimal("0E-8")
    assert result == 0
    assert result.is_zero()


def test_to_decimal_takes_a_float_through_its_repr() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(0.1) != Decimal.from_float(0.1)  # not the binary noise
    assert to_decimal(22.5) == Decimal("22.5")


@pytest.mark.parametrize(
    "raw",
    [
        True,
        False,
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("Infinity"),
        "abc",
        "",
        "1.2.3",
        None,
        [1],
        {"amount": "1"},
    ],
)
def test_to_decimal_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        to_decimal(raw)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_to_decimal_round_trips_any_finite_decimal(value: Decimal) -> None:
    result = to_decimal(str(value))
    assert result.as_tuple() == value.as_tuple()
    assert str(result) == str(value)


# --- to_int / to_bool -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [("5", 5), (" -12 ", -12), (7, 7), (5.0, 5), ("+3", 3)]
)
def test_to_int_accepts(raw: object, expected: int) -> None:
    assert to_int(raw) == expected
    assert type(to_int(raw)) is int


@pytest.mark.parametrize("raw", [5.5, True, False, "5.5", "five", "", None, float("inf")])
def test_to_int_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        to_int(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("false", False),
        ("False", False),
        (" TRUE ", True),
        ("0", False),
        ("1", True),
        (0, False),
        (1, True),
        (True, True),
        (False, False),
    ],
)
def test_to_bool_accepts(raw: object, expected: bool) -> None:
    assert to_bool(raw) is expected


@pytest.mark.parametrize("raw", ["yes", "no", 2, -1, "", None, 1.0])
def test_to_bool_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        to_bool(raw)


# --- parse_datetime ---------------------------------------------------------------------

UTC = timezone.utc


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2018-06-20T10:28:05Z", datetime(2018, 6, 20, 10, 28, 5, tzinfo=UTC)),
        ("2018-06-20T10:28:05z", datetime(2018, 6, 20, 10, 28, 5, tzinfo=UTC)),
        (
            "2018-06-20T10:28:05+02:00",
            datetime(2018, 6, 20, 10, 28, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2018-06-20T10:28:05+0200",
            datetime(2018, 6, 20, 10, 28, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2018-06-20T10:28:05-05",
            datetime(2018, 6, 20, 10, 28, 5, tzinfo=timezone(timedelta(hours=-5))),
        ),
        (
            "2018-06-20T10:28:05+05:30",
            datetime(2018, 6, 20, 10, 28, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("2018-06-20T10:28:05.123Z", datetime(2018, 6, 20, 10, 28, 5, 123000, tzinfo=UTC)),
        (
            "2018-06-20T10:28:05.123456789Z",
            datetime(2018, 6, 20, 10, 28, 5, 123456, tzinfo=UTC),
        ),
        ("2018-06-20 10:28:05Z", datetime(2018, 6, 20, 10, 28, 5, tzinfo=UTC)),
        ("2018-06-20T10:28Z", datetime(2018, 6, 20, 10, 28, tzinfo=UTC)),
    ],
)
def test_parse_datetime_with_zone(raw: str, expected: datetime) -> None:
    result = parse_datetime(raw)
    assert result == expected
    assert result.utcoffset() == expected.utcoffset()
    assert result.microsecond == expected.microsecond


def test_parse_datetime_without_zone_stays_naive() -> None:
    result = parse_datetime("2018-06-20T10:28:05.718739")
    assert result.tzinfo is None
    assert result == datetime(2018, 6, 20, 10, 28, 5, 718739)


def test_parse_datetime_with_space_separator_and_no_zone() -> None:
    assert parse_datetime("2018-06-20 10:28:05") == datetime(2018, 6, 20, 10, 28, 5)


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30)),
    st.sampled_from(
        [ZoneInfo("Europe/Zurich"), ZoneInfo("America/New_York"), timezone(timedelta(hours=-3))]
    ),
)
def test_wall_time_to_utc_gives_what_astimezone_gives(wall: datetime, zone: object) -> None:
    # Any wall-clock time, folds and the hours skipped or repeated at DST changes included.
    assert isinstance(zone, (ZoneInfo, timezone))
    expected = wall.replace(tzinfo=zone).astimezone(timezone.utc)
    got = wall_time_to_utc(wall.replace(tzinfo=timezone.utc), zone)
    assert got == expected
    assert got.tzinfo is timezone.utc
    assert wall_time_to_utc(wall.replace(tzinfo=timezone.utc), timezone.utc) == wall.replace(
        tzinfo=timezone.utc
    )


def test_parse_datetime_passes_a_datetime_through() -> None:
    moment = datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_datetime(moment) is moment


@pytest.mark.parametrize(
    "raw",
    [
        "yesterday",
        "",
        "2018-06-20",
        "2018-13-20T10:28:05Z",
        "2018-06-20T25:28:05Z",
        "2018-06-20T10:28:05+24:00",
        "2018-06-20T10:28:05+02:0",
        "2018-06-20T10:28:05 UTC",
        1529490485,
        None,
    ],
)
def test_parse_datetime_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_datetime(raw)


# --- make_converter ---------------------------------------------------------------------


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Status(OpenIntEnum):
    NEW = 0
    DONE = 1


@attrs.frozen
class Fee:
    amount: Decimal


@attrs.frozen
class Payment:
    id: int
    amount: Decimal
    created_at: datetime
    fee: Fee
    level: Level
    status: Status
    is_fiat: bool = False
    paid_at: Optional[datetime] = None  # noqa: UP045 - the typing spelling is tested on purpose
    rate: Decimal | None = None
    confirmations: int | None = None


SAMPLE = {
    "id": "17",
    "amount": "22.0000000",
    "created_at": "2018-06-20T10:28:05.718739Z",
    "fee": {"amount": 0.1},
    "level": 2,
    "status": "1",
    "is_fiat": "false",
    "paid_at": None,
    "rate": "61234.5",
    "confirmations": "3",
}


def test_converter_structures_a_model() -> None:
    payment = make_converter().structure(SAMPLE, Payment)
    assert payment == Payment(
        id=17,
        amount=Decimal("22.0000000"),
        created_at=datetime(2018, 6, 20, 10, 28, 5, 718739, tzinfo=UTC),
        fee=Fee(amount=Decimal("0.1")),
        level=Level.HIGH,
        status=Status.DONE,
        is_fiat=False,
        paid_at=None,
        rate=Decimal("61234.5"),
        confirmations=3,
    )
    assert str(payment.amount) == "22.0000000"


def test_converter_structures_optional_values_when_present() -> None:
    data = {**SAMPLE, "paid_at": "2018-06-20T12:00:00+02:00", "rate": None, "confirmations": None}
    payment = make_converter().structure(data, Payment)
    assert payment.paid_at == datetime(2018, 6, 20, 10, tzinfo=UTC)
    assert payment.rate is None
    assert payment.confirmations is None


def test_converter_structures_int_enums_as_enums() -> None:
    payment = make_converter().structure(SAMPLE, Payment)
    assert type(payment.level) is Level
    assert payment.level is Level.HIGH
    assert type(payment.status) is Status
    assert payment.status is Status.DONE


def test_converter_keeps_an_unknown_open_enum_value() -> None:
    payment = make_converter().structure({**SAMPLE, "status": 9}, Payment)
    assert isinstance(payment.status, Status)
    assert payment.status == 9
    assert not payment.status.is_known


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("is_fiat", "yes"),
        ("is_fiat", 2),
        ("id", 5.5),
        ("id", True),
        ("confirmations", True),
        ("confirmations", 2.5),
        ("amount", "NaN"),
        ("amount", True),
        ("created_at", "not a date"),
        ("level", 7),
        ("status", True),
        ("status", "done"),
    ],
)
def test_converter_refuses_bad_scalars(key: str, value: object) -> None:
    with pytest.raises(cattrs.ClassValidationError):
        make_converter().structure({**SAMPLE, key: value}, Payment)


def test_converter_reads_false_text_as_false() -> None:
    # a bool field must not be built with bool(), for which any non-empty text is True
    for text, expected in (("false", False), ("0", False), ("true", True)):
        assert make_converter().structure({**SAMPLE, "is_fiat": text}, Payment).is_fiat is expected


def test_default_converter_tolerates_extra_keys() -> None:
    payment = make_converter().structure({**SAMPLE, "new_field": "x"}, Payment)
    assert payment.id == 17


def test_strict_converter_forbids_extra_keys() -> None:
    with pytest.raises(cattrs.ClassValidationError) as info:
        make_converter(strict=True).structure({**SAMPLE, "new_field": "x"}, Payment)
    assert "new_field" in " ".join(cattrs.transform_error(info.value))


def test_strict_converter_forbids_extra_keys_in_nested_models() -> None:
    data = {**SAMPLE, "fee": {"amount": "1", "currency": "EUR"}}
    with pytest.raises(cattrs.ClassValidationError) as info:
        make_converter(strict=True).structure(data, Payment)
    assert "currency" in " ".join(cattrs.transform_error(info.value))


def test_converter_unstructures_decimal_and_datetime_as_text() -> None:
    payment = make_converter().structure(SAMPLE, Payment)
    raw = make_converter().unstructure(payment)
    assert raw["amount"] == "22.0000000"
    assert raw["created_at"] == "2018-06-20T10:28:05.718739+00:00"
    assert raw["fee"] == {"amount": "0.1"}


def test_converter_structures_scalars_directly() -> None:
    converter = make_converter()
    assert converter.structure("false", bool) is False
    assert converter.structure("5", int) == 5
    assert converter.structure("1.10", Decimal) == Decimal("1.10")
    with pytest.raises(ValueError):
        converter.structure(5.7, int)


@pytest.mark.parametrize("text", ["1E+999999999", "1E-999999999", "1E+1001"])
def test_a_decoded_number_with_a_huge_exponent_is_refused(text: str) -> None:
    """It would become a gigabyte of digits wherever it is printed (a CLI, a log)."""
    with pytest.raises(ValueError, match="exponent"):
        to_decimal(text)
    assert to_decimal("1E+1000") == Decimal("1E+1000")
