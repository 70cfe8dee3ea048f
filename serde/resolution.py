"""Schema resolution compiled once per (writer, reader) pair, as Java's ResolvingDecoder does.

fastavro resolves a reader schema against the writer's on every message (matching records,
fields and union branches per value), which roughly doubles the cost of a decode, and differs
from Java in places (defaults typed as in JSON and shared between records, 64-bit promotion to
``float``, the writer's logical types). Instead, the body is read with the writer schema alone
and a transform compiled here turns the writer-shaped value into the reader's shape: renamed and
dropped fields, defaults (typed, and a fresh copy of mutable ones per record), promotions
(``int``/``long`` to ``float`` rounded to 32 bits as Java does), ``string``/``bytes``, enum
defaults, union branches picked as Java picks them, and logical types as the reader declares.

Union branches are told apart by the Python type of the decoded value; where two branches share
one (two records, a record and a map, an enum and a string), :class:`Unsupported` asks the codec
to read *tagged* (fastavro's ``return_named_type``) and compile again, telling named branches
apart by name. A pair Java could never read, or whose unnamed branches still cannot be told
apart, raises :class:`ResolutionError`, which the codec reports as a ``DecodeError`` per frame.

The values transformed here are those a read with the writer schema gives, logical types of both
sides converted as :mod:`.logical` converts them. :func:`default_value` (field defaults from
JSON to the values a decode gives) also serves the CLI.
"""

from __future__ import annotations

import copy
import datetime as _dt
import decimal
import struct
import uuid
from collections.abc import Callable
from typing import Any

from .logical import Duration, EpochNanos, logical_key, reader_for, writer_for

Transform = Callable[[Any], Any]
_F32 = struct.Struct("<f")


def to_float32(value: float) -> float:
    """Round a Python float to the nearest 32-bit float, as Java's (float) cast does."""
    try:
        return float(_F32.unpack(_F32.pack(value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _node(node: Any, named: dict[str, Any]) -> Any:
    while isinstance(node, str) and node in named:
        node = named[node]
    if (
        isinstance(node, dict)
        and isinstance(node.get("type"), (dict, list))
        and not node.get("logicalType")
    ):
        return _node(node["type"], named)
    return node


def _kind(node: Any) -> str:
    if isinstance(node, list):
        return "union"
    if isinstance(node, dict):
        return str(node["type"])
    return str(node)


def default_value(node: Any, default: Any, named: dict[str, Any]) -> Any:
    """Convert a field default from its JSON form to the Python value a decode would give."""
    node = _node(node, named)
    kind = _kind(node)
    if kind == "union":
        errors = []
        for branch in node:
            try:
                return default_value(branch, default, named)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                errors.append(exc)
        raise ValueError(f"{default!r} matches no branch of union {node}")
    if kind == "null":
        if default is not None:
            raise ValueError(f"expected null, got {default!r}")
        return None
    if kind in ("bytes", "fixed"):
        if not isinstance(default, str):
            raise TypeError(f"expected a string of bytes for {kind}, got {default!r}")
        value: Any = default.encode("latin-1")
    elif kind in ("float", "double"):
        if isinstance(default, bool) or not isinstance(default, (int, float, str)):
            raise TypeError(f"expected a number for {kind}, got {default!r}")
        value = float(default)  # "NaN" / "Infinity" strings are allowed by Java
    elif kind in ("int", "long"):
        if isinstance(default, bool) or not isinstance(default, int):
            raise TypeError(f"expected an integer for {kind}, got {default!r}")
        value = default
    elif kind == "boolean":
        if not isinstance(default, bool):
            raise TypeError(f"expected true or false, got {default!r}")
        value = default
    elif kind in ("string", "enum"):
        if not isinstance(default, str):
            raise TypeError(f"expected a string for {kind}, got {default!r}")
        value = default
    elif kind == "array":
        value = [default_value(node["items"], item, named) for item in default]
    elif kind == "map":
        value = {key: default_value(node["values"], item, named) for key, item in default.items()}
    elif kind in ("record", "error"):
        value = {}
        for field in node["fields"]:
            if field["name"] in default:
                value[field["name"]] = default_value(field["type"], default[field["name"]], named)
            elif "default" in field:
                value[field["name"]] = default_value(field["type"], field["default"], named)
            else:
                raise ValueError(f"missing field {field['name']!r} (no default)")
    else:
        raise TypeError(f"unsupported type {kind}")
    key = logical_key(node)
    reader = reader_for(key) if key is not None else None
    if reader is not None:
        value = reader(value, node, node)
    return value


def _names(node: dict[str, Any]) -> set[str]:
    names = {node["name"], node["name"].rsplit(".", 1)[-1]}
    for alias in node.get("aliases", ()):
        names.add(alias)
        names.add(alias.rsplit(".", 1)[-1])
    return names


PRIMITIVE_PROMOTIONS: dict[tuple[str, str], Transform | None] = {
    ("int", "long"): None,
    ("int", "float"): to_float32,
    ("long", "float"): to_float32,
    ("int", "double"): float,
    ("long", "double"): float,
    ("float", "double"): None,
    ("string", "bytes"): lambda v: v.encode("utf-8"),
    ("bytes", "string"): lambda v: v.decode("utf-8"),
}
"""Avro's promotions (writer type, reader type) and how a decoded value changes (None: not)."""


def applied_logical(node: Any) -> str | None:
    """The logical type fastavro applies when reading ``node`` (None if it applies none)."""
    key = logical_key(node)
    if key is not None and reader_for(key) is not None:
        return str(node["logicalType"])
    return None


def relogical(w: Any, r: Any) -> Transform | None:
    """Java converts with the reader's logical type, fastavro with the writer's: redo it."""
    wk, rk = _kind(w), _kind(r)
    wl, rl = applied_logical(w), applied_logical(r)
    undo = writer_for(f"{wk}-{wl}") if wl else None
    promote = PRIMITIVE_PROMOTIONS.get((wk, rk)) if wk != rk else None
    redo = reader_for(f"{rk}-{rl}") if rl else None

    def convert(value: Any) -> Any:
        if undo is not None:
            value = undo(value, w)
        if promote is not None:
            value = promote(value)
        return redo(value, r, r) if redo is not None else value  # as the reader declares

    return convert

class Unsupported(Exception):
    """This pair needs a tagged read (named union branches returned with their names)."""


class ResolutionError(ValueError):
    """The reader schema cannot read data written with the writer schema."""


_PYTHON_TYPE = {
    "null": type(None),
    "boolean": bool,
    "int": int,
    "long": int,
    "float": float,
    "double": float,
    "string": str,
    "bytes": bytes,
    "enum": str,
    "fixed": bytes,
    "array": list,
    "map": dict,
    "record": dict,
    "error": dict,
}

_LOGICAL_PYTHON_TYPE: dict[str, type] = {
    "date": _dt.date,
    "time-millis": _dt.time,
    "time-micros": _dt.time,
    "timestamp-millis": _dt.datetime,
    "timestamp-micros": _dt.datetime,
    "local-timestamp-millis": _dt.datetime,
    "local-timestamp-micros": _dt.datetime,
    "timestamp-nanos": EpochNanos,
    "local-timestamp-nanos": EpochNanos,
    "decimal": decimal.Decimal,
    "uuid": uuid.UUID,
    "duration": Duration,
}


def compile_resolution(
    writer: Any,
    reader: Any,
    writer_named: dict[str, Any],
    reader_named: dict[str, Any],
    *,
    tagged: bool = False,
) -> Transform | None:
    """The transform from values read with ``writer`` to ``reader``'s shape (None: identity).

    With ``tagged``, the values are read with fastavro's ``return_named_type``: a named type in
    a writer union comes as ``(full name, value)``, so union branches that decode to the same
    Python type (two records, a record and a map, an enum and a string) are told apart by name.
    Raises :class:`Unsupported` or :class:`ResolutionError` (see the module docstring).
    """
    return _Compiler(writer_named, reader_named, tagged).transform(writer, reader)


def _python_type(node: Any) -> type:
    logical = applied_logical(node)
    if logical in _LOGICAL_PYTHON_TYPE:
        return _LOGICAL_PYTHON_TYPE[logical]
    return _PYTHON_TYPE[_kind(node)]


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _same_name(w: dict[str, Any], r: dict[str, Any]) -> bool:
    return _short(w["name"]) in {_short(n) for n in _names(r)} or w["name"] in _names(r)


_NAMED = frozenset({"record", "error", "enum", "fixed"})


class _Holder:
    """A transform that is still being compiled (recursive types refer to it)."""

    __slots__ = ("fn",)

    def __init__(self) -> None:
        self.fn: Transform | None = None


class _Compiler:
    def __init__(
        self, writer_named: dict[str, Any], reader_named: dict[str, Any], tagged: bool
    ) -> None:
        self.wn = writer_named
        self.rn = reader_named
        self.tagged = tagged
        self.records: dict[tuple[str, str], _Holder] = {}

    def transform(self, writer: Any, reader: Any) -> Transform | None:
        w, r = _node(writer, self.wn), _node(reader, self.rn)
        wk, rk = _kind(w), _kind(r)
        if wk == "union" or rk == "union":
            return self.union(w, r)
        self.check_readable(w, r)
        if applied_logical(w) != applied_logical(r) or _decimal_params(w) != _decimal_params(r):
            return relogical(w, r)
        if wk == rk:
            if wk == "enum":
                return self.enum(w, r)
            if wk == "array":
                return _each(self.transform(w["items"], r["items"]))
            if wk == "map":
                return _each_value(self.transform(w["values"], r["values"]))
            if wk in ("record", "error"):
                return self.record(w, r)
            return None
        if wk in ("record", "error") and rk in ("record", "error"):
            return self.record(w, r)
        return PRIMITIVE_PROMOTIONS[(wk, rk)]

    def check_readable(self, w: Any, r: Any) -> None:
        wk, rk = _kind(w), _kind(r)
        same = wk == rk or {wk, rk} <= {"record", "error"}
        if not same and (wk, rk) not in PRIMITIVE_PROMOTIONS:
            raise ResolutionError(f"a {rk} cannot read a {wk}")
        if wk in ("record", "error", "enum", "fixed") and same and not _same_name(w, r):
            raise ResolutionError(f"{rk} {r['name']} cannot read {wk} {w['name']} (names differ)")
        if wk == rk == "fixed" and int(w["size"]) != int(r["size"]):
            raise ResolutionError(
                f"fixed {r['name']} of size {r['size']} cannot read size {w['size']}"
            )

    def readable(self, w: Any, r: Any) -> bool:
        try:
            self.check_readable(_node(w, self.wn), _node(r, self.rn))
        except ResolutionError:
            return False
        return True

    def enum(self, w: dict[str, Any], r: dict[str, Any]) -> Transform | None:
        known = set(r["symbols"])
        if set(w["symbols"]) <= known:
            return None
        default = r.get("default")
        name = r["name"]

        def to_reader_symbol(value: str) -> str:
            if value in known:
                return value
            if default is None:
                raise ResolutionError(f"enum {name} has no symbol {value!r} and no default")
            return str(default)

        return to_reader_symbol

    def record(self, w: dict[str, Any], r: dict[str, Any]) -> Transform | None:
        key = (w["name"], r["name"])
        pending = self.records.get(key)
        if pending is _IDENTITY:  # compiled already: nothing to do
            return None
        if pending is not None and pending.fn is not None:  # compiled already
            return pending.fn
        if pending is not None:  # recursion: the transform is being compiled further up
            return lambda value: pending.fn(value) if pending.fn is not None else value
        holder = self.records[key] = _Holder()
        writer_fields = {f["name"]: f for f in w["fields"]}
        steps: list[tuple[str, str | None, Transform | None, Any]] = []
        identity = [f["name"] for f in w["fields"]] == [f["name"] for f in r["fields"]]
        for field in r["fields"]:
            source = writer_fields.get(field["name"])
            if source is None:
                for alias in field.get("aliases", ()):
                    source = writer_fields.get(alias)
                    if source is not None:
                        break
            if source is None:
                if "default" not in field:
                    raise ResolutionError(
                        f"field {field['name']!r} of {r['name']} is missing from the writer "
                        "and has no default"
                    )
                value = default_value(field["type"], field["default"], self.rn)
                steps.append((field["name"], None, None, value))
                identity = False
                continue
            inner = self.transform(source["type"], field["type"])
            identity = identity and inner is None and source["name"] == field["name"]
            steps.append((field["name"], source["name"], inner, None))
        if identity:
            self.records[key] = _IDENTITY
            return None
        plan = tuple(
            (name, source, inner, default, isinstance(default, (list, dict)))
            for name, source, inner, default in steps
        )
        kept = len(w["fields"])
        if (
            [step[1] for step in plan[:kept]] == [f["name"] for f in w["fields"]]
            and all(source == name and inner is None for name, source, inner, _, _ in plan[:kept])
            and all(source is None and not mutable for _, source, _, _, mutable in plan[kept:])
        ):
            # The writer's fields as they are, then fields with immutable defaults: fastavro's
            # fresh dict gets the defaults added in place, in the reader's order.
            defaults = {name: default for name, _, _, default, _ in plan[kept:]}

            def add_defaults(value: dict[str, Any]) -> dict[str, Any]:
                value.update(defaults)
                return value

            holder.fn = add_defaults
            return add_defaults

        def to_reader_record(value: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for name, source, inner, default, mutable in plan:
                if source is None:
                    out[name] = copy.deepcopy(default) if mutable else default
                elif inner is None:
                    out[name] = value[source]
                else:
                    out[name] = inner(value[source])
            return out

        holder.fn = to_reader_record
        return to_reader_record

    def union(self, w: Any, r: Any) -> Transform | None:
        writer_branches = w if isinstance(w, list) else [w]
        reader_branches = r if isinstance(r, list) else [r]
        by_name_on = self.tagged and isinstance(w, list)
        by_type: dict[type, Transform | None] = {}
        by_name: dict[str, Transform | None] = {}
        plain = True
        for branch in writer_branches:
            wb = _node(branch, self.wn)
            target = self.reader_branch(wb, reader_branches)
            if target is None:
                fn: Transform | None = _refuse(wb, r)
            else:
                fn = self.transform(wb, target)
            if by_name_on and _kind(wb) in _NAMED:
                by_name[wb["name"]] = fn
                plain = False  # the (name, value) pairs must be unwrapped
                continue
            python_type = _python_type(wb)
            if python_type in by_type and by_type[python_type] is not fn:
                if by_type[python_type] is not None or fn is not None:
                    message = (
                        f"two branches of a writer union decode to {python_type.__name__} and "
                        "must be read differently: this reader/writer pair is not supported"
                    )
                    raise ResolutionError(message) if self.tagged else Unsupported(message)
            by_type[python_type] = fn
            plain = plain and fn is None
        if plain:
            return None
        table = {t: fn for t, fn in by_type.items() if fn is not None}

        def to_reader_branch(value: Any) -> Any:
            if type(value) is tuple:  # (writer full name, value) of a named branch
                fn = by_name[value[0]]
                return value[1] if fn is None else fn(value[1])
            fn = table.get(type(value))
            return value if fn is None else fn(value)

        return to_reader_branch

    def reader_branch(self, wb: Any, branches: list[Any]) -> Any:
        """The reader branch Java picks: the same type (and name) first, then a promotion."""
        wk = _kind(wb)
        for branch in branches:
            rb = _node(branch, self.rn)
            if _kind(rb) == wk and (
                wk not in ("record", "error", "enum", "fixed") or _same_name(wb, rb)
            ):
                return rb
        for branch in branches:
            rb = _node(branch, self.rn)
            if self.readable(wb, rb):
                return rb
        return None


_IDENTITY = _Holder()


def _decimal_params(node: Any) -> tuple[Any, Any] | None:
    """(precision, scale) of a decimal: Java reads the unscaled number at the reader's scale."""
    if applied_logical(node) != "decimal":
        return None
    return node.get("precision"), node.get("scale", 0)


def _each(inner: Transform | None) -> Transform | None:
    if inner is None:
        return None
    fn = inner
    return lambda values: [fn(v) for v in values]


def _each_value(inner: Transform | None) -> Transform | None:
    if inner is None:
        return None
    fn = inner
    return lambda values: {k: fn(v) for k, v in values.items()}


def _refuse(wb: Any, r: Any) -> Transform:
    kind = _kind(wb)

    def refuse(value: Any) -> Any:
        raise ResolutionError(f"the reader schema has no union branch that reads {kind}")

    return refuse
