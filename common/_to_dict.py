"""Models as JSON data: `to_dict`, the inverse of decoding.

`to_dict(model)` gives a dict of plain JSON types (dict, list, str, int, bool,
None), keyed as the API spells its keys, so that the matching parser reads
`json.dumps(to_dict(model))` back as an equal model. Amounts (every Decimal) are
exact fixed-point text (`"0.00000000"`, never `"0E-8"`, never a float), datetimes
ISO 8601 with their zone, enums their API value (unknown ones too).

A package whose decoding renames keys registers them here (`register_api_keys`)
from the module that configures its converter, with the same mapping it gives
the converter: one source of truth for each rename. Models know nothing of JSON.

Fields hidden from `repr` are secrets: `to_dict` refuses a model that has any
(TypeError), as its output ends up in HTTP responses and logs.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "ModelPlan",
    "decimal_text",
    "json_data",
    "plan_of",
    "register_api_keys",
    "to_dict",
]


def decimal_text(value: Decimal) -> str:
    """`value` as exact fixed-point text: `"0.00000000"` for `0E-8`, `"1000"` for `1E+3`.

    ValueError for NaN and the infinities, which no amount is.
    """
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return format(value, "f")


@attrs.frozen
class _Keys:
    renames: Mapping[str, str]
    extra: str | None


_registry: dict[type, _Keys] = {}
_plans: dict[type, ModelPlan] = {}


def register_api_keys(
    cls: type, *, renames: Mapping[str, str] | None = None, extra: str | None = None
) -> None:
    """Declare how the API spells the keys of the attrs class `cls`.

    `renames` maps a field name to the API's key where they differ. `extra` names a
    Mapping field that holds the object's other keys (those the model does not
    declare): `to_dict` writes its items beside the fields, as the API does.
    ValueError for a name that is not a field of `cls`, or keys that would collide.
    """
    names = [field.name for field in attrs.fields(cls)]
    renames = dict(renames or {})
    unknown = [name for name in [*renames, *([extra] if extra else [])] if name not in names]
    if unknown:
        raise ValueError(f"{cls.__qualname__} has no field {', '.join(map(repr, unknown))}")
    keys = [renames.get(name, name) for name in names if name != extra]
    if len(set(keys)) != len(keys):
        raise ValueError(f"the API keys of {cls.__qualname__} collide: {keys}")
    _registry[cls] = _Keys(renames=renames, extra=extra)
    _plans.pop(cls, None)


@attrs.frozen
class ModelPlan:
    """How one attrs class is written: (field name, API key) pairs, and its `extra` field."""

    fields: tuple[tuple[str, str], ...]
    extra: str | None


def _secrets_refused(cls: type, secrets: list[str]) -> TypeError:
    return TypeError(
        f"{cls.__qualname__} holds secrets ({', '.join(secrets)}), which to_dict never "
        "writes: its output ends up in HTTP responses and logs. Store such a model with "
        "the function its package provides for that (bityclient.dump_token for a Token)."
    )


def plan_of(cls: type) -> ModelPlan:
    """The plan of the attrs class `cls`; TypeError if it has fields hidden from `repr`."""
    plan = _plans.get(cls)
    if plan is not None:
        return plan
    fields = attrs.fields(cls)
    secrets = [field.name for field in fields if field.repr is not True]
    if secrets:
        raise _secrets_refused(cls, secrets)
    keys = _registry.get(cls, _Keys(renames={}, extra=None))
    plan = ModelPlan(
        fields=tuple(
            (field.name, keys.renames.get(field.name, field.name))
            for field in fields
            if field.name != keys.extra
        ),
        extra=keys.extra,
    )
    _plans[cls] = plan
    return plan


class _Refused(Exception):
    """A value `json_data` cannot write, and where it is (filled in on the way out)."""

    def __init__(self, kind: type[Exception], reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.path: list[str] = []

    def error(self, root: str) -> Exception:
        where = root + "".join(self.path)
        return self.kind(f"cannot write {where} as JSON: {self.reason}")


def _key(key: Any) -> str:
    if isinstance(key, enum.Enum):
        key = key.value
    if not isinstance(key, str):
        raise _Refused(TypeError, f"a key must be text, not {type(key).__name__}")
    return str.__str__(key)


def _model(value: Any) -> dict[str, Any]:
    try:
        plan = plan_of(value.__class__)
    except TypeError as exc:
        raise _Refused(TypeError, str(exc)) from None
    data: dict[str, Any] = {}
    for name, key in plan.fields:
        try:
            data[key] = _data(getattr(value, name))
        except _Refused as exc:
            exc.path.insert(0, f".{name}")
            raise
    if plan.extra is not None:
        others = getattr(value, plan.extra)
        try:
            if not isinstance(others, Mapping):
                raise _Refused(TypeError, f"expected a mapping, got {type(others).__name__}")
            for key, item in _items(others):
                if key in data:
                    raise _Refused(ValueError, f"its key {key!r} is also a field's")
                data[key] = item
        except _Refused as exc:
            exc.path.insert(0, f".{plan.extra}")
            raise
    return data


def _items(mapping: Mapping[Any, Any]) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, item in mapping.items():
        text = _key(key)
        try:
            items.append((text, _data(item)))
        except _Refused as exc:
            exc.path.insert(0, f"[{text!r}]")
            raise
    return items


def _data(value: Any) -> Any:
    cls = value.__class__
    if value is None or cls is str or cls is int or cls is bool:
        return value
    if cls is Decimal:
        try:
            return decimal_text(value)
        except ValueError as exc:
            raise _Refused(ValueError, str(exc)) from None
    if cls is dt.datetime:
        return value.isoformat()
    if attrs.has(cls):
        return _model(value)
    if isinstance(value, (list, tuple)):
        items: list[Any] = []
        try:
            for item in value:
                items.append(_data(item))
        except _Refused as exc:
            exc.path.insert(0, f"[{len(items)}]")  # the index of the item refused
            raise
        return items
    if isinstance(value, Mapping):
        return dict(_items(value))
    return _scalar(value)


def _scalar(value: Any) -> Any:
    """The less usual scalars: enums, subclasses of the basic types, floats, dates, times."""
    if isinstance(value, enum.Enum):
        return _data(value.value)  # an API value; unknown members keep theirs
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, float):
        # Never written as a float: as the exact text of its shortest repr, the
        # Decimal that `common.to_decimal` reads from it.
        return _data(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _data(Decimal(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    raise _Refused(TypeError, f"a {type(value).__qualname__} has no JSON form")


def json_data(value: Any) -> Any:
    """`value` as plain JSON data, the way `to_dict` writes a model's fields.

    Takes models, mappings with text keys, lists and tuples of them, and scalars.
    TypeError for what has no JSON form (or a model with secrets), ValueError for
    a non-finite number or keys that collide.
    """
    try:
        return _data(value)
    except _Refused as exc:
        raise exc.error(_describe(value)) from None


def _describe(value: Any) -> str:
    cls = value.__class__
    return cls.__qualname__ if attrs.has(cls) else "the value"


def to_dict(model: Any) -> dict[str, Any]:
    """An attrs model as a dict of JSON types, keyed as the API spells its keys.

    The inverse of decoding: `json.dumps(to_dict(x))` read by the parser of `x`'s
    API gives `x` again. Amounts are exact fixed-point text (`"0.00000000"`),
    datetimes ISO 8601 with their zone, enums their API value, nested models and
    lists of them dicts and lists. TypeError for anything but an attrs model
    instance, and for a model that holds secrets (fields hidden from `repr`).
    """
    cls = model.__class__
    if not attrs.has(cls):
        if isinstance(model, type) and attrs.has(model):
            raise TypeError(f"to_dict expects a model instance, got the class {model.__qualname__}")
        name = (
            cls.__qualname__
            if cls.__module__ == "builtins"
            else f"{cls.__module__}.{cls.__qualname__}"
        )
        raise TypeError(f"to_dict expects an attrs model instance, got {name}")
    plan_of(cls)  # a model with secrets: its own TypeError, not one about a field
    data: dict[str, Any] = json_data(model)
    return data
