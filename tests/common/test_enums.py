"""Open enums: unknown values become members instead of errors."""

from __future__ import annotations

import copy
import pickle

import pytest

from common import OpenIntEnum, OpenStrEnum


class Code(OpenIntEnum):
    ZERO = 0
    ONE = 1
    FIVE = 5


class Color(OpenStrEnum):
    RED = "red"
    BLUE = "blue"


def test_int_enum_from_numeric_text() -> None:
    assert Code("5") is Code.FIVE
    assert Code(" 1 ") is Code.ONE
    assert Code(5) is Code.FIVE


def test_known_members_are_known() -> None:
    assert Code.FIVE.is_known
    assert Color.RED.is_known


def test_unknown_int_value_becomes_a_member() -> None:
    member = Code(7)
    assert isinstance(member, Code)
    assert member.name == "UNKNOWN_7"
    assert member.value == 7
    assert member == 7
    assert not member.is_known
    assert str(member) == "7"


def test_unknown_int_member_is_the_same_object_on_every_lookup() -> None:
    assert Code(7) is Code(7)
    assert Code("7") is Code(7)
    assert Code(8) is not Code(7)


def test_unknown_members_are_not_listed() -> None:
    Code(9)
    assert [member.name for member in Code] == ["ZERO", "ONE", "FIVE"]
    assert "UNKNOWN_9" not in Code.__members__


def test_unknown_member_survives_copy_and_pickle() -> None:
    member = Code(11)
    assert copy.copy(member) is member
    assert pickle.loads(pickle.dumps(member)) is member  # noqa: S301 - our own bytes


@pytest.mark.parametrize("raw", ["abc", "", "5.0", "1e3", None, 5.5, [5]])
def test_int_enum_refuses_garbage(raw: object) -> None:
    with pytest.raises(ValueError):
        Code(raw)


@pytest.mark.parametrize("raw", [True, False])
def test_int_enum_refuses_booleans(raw: bool) -> None:
    # True == 1 and False == 0 are members: a bool must still not find them
    with pytest.raises(ValueError):
        Code(raw)


def test_int_enum_refuses_a_boolean_with_no_matching_member() -> None:
    class Other(OpenIntEnum):
        TWO = 2

    with pytest.raises(ValueError):
        Other(True)


def test_open_int_enum_members_are_usable_as_ints() -> None:
    assert Code.FIVE + 1 == 6
    assert {5: "five"}[Code.FIVE] == "five"
    assert {Code(7): "seven"}[7] == "seven"


def test_str_enum_known_and_unknown() -> None:
    assert Color("red") is Color.RED
    member = Color("green")
    assert member.name == "UNKNOWN_green"
    assert member == "green"
    assert member.value == "green"
    assert not member.is_known
    assert Color("green") is member
    assert str(member) == "green"
    assert str(Color.BLUE) == "blue"


@pytest.mark.parametrize("raw", [1, None, True, 1.5])
def test_str_enum_refuses_non_strings(raw: object) -> None:
    with pytest.raises(ValueError):
        Color(raw)
