"""Fast structuring hooks for attrs models and lists, with cattrs' own hooks as the fallback.

cattrs' generated functions for a converter with detailed validation wrap every
field in its own `try` block, call a hook for every value (even a `str` that needs
nothing), and build the instance through the class's `__init__`, which for a
frozen class sets each field with `object.__setattr__`. On a list of small models
that costs several times what `json.loads` spent reading the same bytes.

The functions built here take the common case first: a `dict` whose values
already have the field's type. Such a value is checked with one type comparison
and kept; a `Decimal` is built inline from its text; an enum member is looked up
by value; a datetime (or anything else) goes through the converter's own hook,
found once when the function is built. The instance is then made by the class's
own `__init__`, so its validators, converters and hooks run as they always do.

Anything else (a value of another type, a missing key, a failing hook, a key a
strict converter refuses) sends the whole object to the function cattrs would
have used, which either structures it as before or raises the same detailed
error as before. The fast path never decides an outcome on its own: it is only
taken when it gives exactly what cattrs gives.

Only attrs' public API is read here (`attrs.has`, `attrs.fields`, `attrs.resolve_types`
and each `attrs.Attribute`'s `name`, `alias`, `init`, `default` and `type`, with
`attrs.NOTHING` and `attrs.Factory`), and cattrs' public hooks and factories, so a new
release of either changes nothing here that its changelog would not announce.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import linecache
import sys
import typing
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import list_structure_factory

__all__ = ["DECIMAL_EXPONENT_LIMIT", "FAST_DATETIME", "install_fast_structuring"]

#: The largest exponent (either way) of a decoded number: no amount comes near it, and a
#: bigger one (`1E+999999999`) would become a gigabyte of digits wherever it is printed.
DECIMAL_EXPONENT_LIMIT = 1000

#: A datetime hook with this attribute reads the common ISO shapes as
#: `parse_common_datetime(value, naive_zone=<the attribute's value>)` does, and
#: anything else its own way: the fast path then reads those shapes inline.
FAST_DATETIME = "_fast_path_naive_zone"
#: `datetime.fromisoformat` reads a `Z` suffix from Python 3.11 on.
_READS_Z = sys.version_info >= (3, 11)

T = TypeVar("T")

StructureHook = Callable[[Any, Any], Any]

_NoneType = type(None)
_NOTHING = attrs.NOTHING
#: The class of `attrs.Factory(...)` defaults (attrs' stubs type `Factory` as a function).
_FACTORY: type = type(attrs.Factory(list))
_counter = itertools.count()

#: A sample of each type whose hook should hand an exact instance back unchanged.
_PROBES: dict[type, Any] = {str: "probe-text", int: 982_451_653, bool: True}


def install_fast_structuring(
    converter: cattrs.Converter,
    *,
    decimal_hook: StructureHook,
) -> None:
    """Register the fast hook factories for attrs classes and lists on `converter`.

    `decimal_hook` is the converter's hook for `Decimal`: where the converter still
    uses it, a decimal written as text is built inline with exactly its result.
    """
    converter.register_structure_hook_factory(
        _is_plain_attrs_class, lambda cl: _attrs_hook(converter, cl, decimal_hook)
    )
    converter.register_structure_hook_factory(_is_list, lambda cl: _list_hook(converter, cl))
    converter.register_structure_hook_factory(
        _is_generic_attrs_alias, lambda cl: _generic_attrs_hook(converter, cl)
    )


# --- lists ---------------------------------------------------------------------------------------


def _is_list(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is list and len(args) == 1 and not isinstance(args[0], TypeVar)


def _list_hook(converter: cattrs.Converter, cl: Any) -> StructureHook:
    slow = list_structure_factory(cl, converter)
    (item,) = get_args(cl)
    try:
        handler = converter.get_structure_hook(item)
    except RecursionError:  # a recursive type: look the hook up when it is called
        handler = converter.structure

    def structure_list(
        obj: Any, _: Any = cl, _handler: StructureHook = handler, _item: Any = item
    ) -> list[Any]:
        if obj.__class__ is list:
            try:
                return [_handler(element, _item) for element in obj]
            except Exception:  # noqa: BLE001, S110 (cattrs' own hook decides, and explains)
                pass
        return slow(obj, _)  # type: ignore[no-any-return]

    return structure_list


# --- attrs classes -------------------------------------------------------------------------------


def _is_plain_attrs_class(type_: Any) -> bool:
    return (
        isinstance(type_, type)
        and attrs.has(type_)
        and get_origin(type_) is None
        and not getattr(type_, "__parameters__", ())  # a generic class: cattrs maps its TypeVars
    )


def _is_generic_attrs_alias(type_: Any) -> bool:
    origin = get_origin(type_)
    return isinstance(origin, type) and attrs.has(origin)


def _generic_attrs_hook(converter: cattrs.Converter, cl: Any) -> StructureHook:
    """cattrs' own function for a generic attrs class with its arguments (`ListBody[Rate]`).

    The class's string annotations (`from __future__ import annotations`) are resolved
    on the class first: cattrs before 26.1 asks `typing.get_type_hints` for them on the
    alias itself, which it refuses ("is not a module, class, method, or function").
    """
    origin = get_origin(cl)
    if any(isinstance(field.type, str) for field in attrs.fields(origin)):
        # Names that do not resolve are left to cattrs, which then says which.
        with contextlib.suppress(Exception):
            attrs.resolve_types(origin)
    return converter.gen_structure_attrs_fromdict(cl)


def _attrs_hook(
    converter: cattrs.Converter, cl: type[Any], decimal_hook: StructureHook
) -> StructureHook:
    slow: StructureHook = converter.gen_structure_attrs_fromdict(cl)
    fields = attrs.fields(cl)
    if any(not field.init for field in fields) or converter.type_overrides:
        return slow
    try:
        hints = typing.get_type_hints(cl)
    except Exception:  # noqa: BLE001 (annotations that do not resolve: cattrs copes, or says why)
        return slow
    builder = _Builder(converter, cl, slow, decimal_hook)
    for field in fields:
        if not builder.add_field(field, hints.get(field.name, field.type)):
            return slow
    return builder.compile()


class _Builder:
    """Writes the source of one class's fast structuring function."""

    def __init__(
        self,
        converter: cattrs.Converter,
        cl: type[Any],
        slow: StructureHook,
        decimal_hook: StructureHook,
    ) -> None:
        self.converter = converter
        self.cl = cl
        self.decimal_inline = converter.get_structure_hook(Decimal) is decimal_hook
        self.namespace: dict[str, Any] = {
            "_cl": cl,
            "_slow": slow,
            "_Decimal": Decimal,
            "_MISSING": _NOTHING,
        }
        self.lines: list[str] = []
        self.names: list[tuple[str, str]] = []  # (attribute name, init argument name)

    def add_field(self, field: attrs.Attribute[Any], type_: Any) -> bool:
        index = len(self.names)
        var = f"v{index}"
        name = field.name
        if not name.isidentifier():
            return False
        default = field.default
        if default is _NOTHING:
            self.lines.append(f"    {var} = o[{name!r}]")
            self._convert(var, type_, index, indent="    ")
        else:
            if isinstance(default, _FACTORY):
                factory: Any = default
                if factory.takes_self:
                    return False
                self.namespace[f"_factory{index}"] = factory.factory
                missing = f"_factory{index}()"
            else:
                self.namespace[f"_default{index}"] = default
                missing = f"_default{index}"
            self.lines.append(f"    {var} = o.get({name!r}, _MISSING)")
            self.lines.append(f"    if {var} is _MISSING:")
            self.lines.append(f"        {var} = {missing}")
            self.lines.append("    else:")
            self._convert(var, type_, index, indent="        ")
        self.names.append((name, field.alias or name))
        return True

    def _convert(self, var: str, type_: Any, index: int, *, indent: str) -> None:
        """Append the lines that turn `var` (a JSON value) into a value of `type_`."""
        optional, inner = _optional_of(type_)
        if optional:
            self.lines.append(f"{indent}if {var} is not None:")
            indent += "    "
            type_ = inner
        hook_name = f"_hook{index}"
        type_name = f"_type{index}"
        self.namespace[type_name] = type_
        hook = self._hook(type_)
        self.namespace[hook_name] = hook
        exact = _exact_type(type_)
        if exact is not None and _passes_through(hook, exact):
            self.namespace[f"_exact{index}"] = exact
            self.lines.append(f"{indent}if {var}.__class__ is not _exact{index}:")
            self.lines.append(f"{indent}    {var} = {hook_name}({var}, {type_name})")
        elif type_ is Decimal and self.decimal_inline:
            self.lines.append(f"{indent}if {var}.__class__ is str:")
            self.lines.append(f"{indent}    {var} = _Decimal({var})")
            bound = f"-{DECIMAL_EXPONENT_LIMIT} <= {var}.adjusted() <= {DECIMAL_EXPONENT_LIMIT}"
            self.lines.append(f"{indent}    if not {var}.is_finite() or not {bound}:")
            self.lines.append(f"{indent}        raise ValueError")
            self.lines.append(f"{indent}else:")
            self.lines.append(f"{indent}    {var} = {hook_name}({var}, {type_name})")
        elif type_ is datetime and _READS_Z and hasattr(hook, FAST_DATETIME):
            self._datetime(var, index, hook_name, type_name, getattr(hook, FAST_DATETIME), indent)
        elif _is_value_enum(type_) and _finds_members(hook, type_):
            self.namespace[f"_members{index}"] = type_._value2member_map_
            self.namespace[f"_valuetype{index}"] = _value_type(type_)
            member = f"m{index}"
            self.lines.append(
                f"{indent}{member} = _members{index}.get({var}) "
                f"if {var}.__class__ is _valuetype{index} else None"
            )
            self.lines.append(f"{indent}if {member} is None:")
            self.lines.append(f"{indent}    {var} = {hook_name}({var}, {type_name})")
            self.lines.append(f"{indent}else:")
            self.lines.append(f"{indent}    {var} = {member}")
        else:
            self.lines.append(f"{indent}{var} = {hook_name}({var}, {type_name})")

    def _datetime(
        self, var: str, index: int, hook_name: str, type_name: str, zone: Any, indent: str
    ) -> None:
        # The two shapes the APIs send, as `parse_common_datetime(naive_zone=zone)` reads
        # them, without its calls: `...SS.ffffffZ`, and, when the hook gives text without a
        # zone one, `...SS.ffffff`. Anything else, or any doubt, goes to the hook.
        self.namespace["_fromisoformat"] = datetime.fromisoformat
        self.namespace["_UTC"] = timezone.utc
        if zone is None:  # the hook leaves zone-less text naive: not read here
            lengths, naive = "(27,)", ["raise ValueError"]
        elif zone is timezone.utc:
            lengths, naive = "(26, 27)", [f"{var} = _fromisoformat({var} + 'Z')"]
        else:  # the wall-clock time, labelled UTC, moved as `wall_time_to_utc` moves it
            self.namespace[f"_zone{index}"] = zone
            lengths = "(26, 27)"
            naive = [
                f"{var} = _fromisoformat({var} + 'Z')",
                f"{var} -= _zone{index}.utcoffset({var})",
            ]
        shape = " and ".join(
            f"{var}[{at}] == {char!r}"
            for at, char in ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."))
        )
        lines = [
            f"if {var}.__class__ is str and len({var}) in {lengths} and {shape}:",
            f"    if len({var}) == 26:",
            *("        " + line for line in naive),
            f"    elif {var}[26] != 'Z':",
            "        raise ValueError",
            "    else:",
            f"        {var} = _fromisoformat({var})",
            f"    if {var}.tzinfo is not _UTC:",
            "        raise ValueError",
            "else:",
            f"    {var} = {hook_name}({var}, {type_name})",
        ]
        self.lines += [indent + line for line in lines]

    def _hook(self, type_: Any) -> StructureHook:
        try:
            return self.converter.get_structure_hook(type_)
        except RecursionError:  # a recursive model: look the hook up when it is called
            return self.converter.structure

    def compile(self) -> StructureHook:
        strict = bool(self.converter.forbid_extra_keys)
        self.namespace["_known"] = frozenset(name for name, _ in self.names)
        body = ["    if o.__class__ is not dict:", "        return _slow(o, _)"]
        if strict:
            body += ["    if not o.keys() <= _known:", "        return _slow(o, _)"]
        body += ["    try:"]
        body += ["    " + line for line in self.lines]
        arguments = ", ".join(f"{alias}=v{i}" for i, (_, alias) in enumerate(self.names))
        body += [f"        return _cl({arguments})"]
        body += [
            "    except Exception:",  # any doubt: cattrs' own function decides, and explains
            "        return _slow(o, _)",
        ]
        qualname = getattr(self.cl, "__qualname__", self.cl.__name__)
        function = f"fast_structure_{self.cl.__name__}"
        # Everything the body uses is bound as a default argument: a local, not a global.
        bound = ", ".join(f"{name}={name}" for name in self.namespace)
        source = f"def {function}(o, _=None, {bound}):\n" + "\n".join(body) + "\n"
        filename = f"<fast structure {self.cl.__module__}.{qualname} #{next(_counter)}>"
        exec(compile(source, filename, "exec"), self.namespace)  # noqa: S102 (our own source)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        hook: StructureHook = self.namespace[function]
        hook.__doc__ = f"Structure a dict into {qualname}; cattrs' hook when in doubt."
        return hook


def _optional_of(type_: Any) -> tuple[bool, Any]:
    """(True, X) for `X | None` (or `Optional[X]`) with one X; (False, type_) otherwise."""
    if get_origin(type_) in (Union, _UnionType):
        args = [arg for arg in get_args(type_) if arg is not _NoneType]
        if len(args) == 1 and len(get_args(type_)) == 2:
            return True, args[0]
    return False, type_


try:
    from types import UnionType as _UnionType
except ImportError:  # pragma: no cover
    _UnionType = Union  # type: ignore[assignment, misc]


def _exact_type(type_: Any) -> type | None:
    return type_ if type_ in _PROBES else None


def _passes_through(hook: StructureHook, type_: type) -> bool:
    """Whether `hook` hands an exact instance of `type_` back unchanged."""
    probe = _PROBES[type_]
    try:
        return hook(probe, type_) is probe
    except Exception:  # noqa: BLE001 (a hook that refuses the probe does not pass it through)
        return False


def _is_value_enum(type_: Any) -> bool:
    return (
        isinstance(type_, type)
        and issubclass(type_, enum.Enum)
        and _value_type(type_) is not None
        and not issubclass(type_, enum.Flag)
    )


def _value_type(type_: type[enum.Enum]) -> type | None:
    kinds = {type(member.value) for member in type_}
    if kinds in ({str}, {int}):
        return kinds.pop()
    return None


def _finds_members(hook: StructureHook, type_: type[enum.Enum]) -> bool:
    """Whether `hook` gives each member for its own value (as an enum's constructor does)."""
    try:
        return all(hook(member.value, type_) is member for member in type_)
    except Exception:  # noqa: BLE001
        return False
