"""Schema-resolution building blocks, and the repairs for fastavro's own resolution.

Shared with :mod:`serde.resolution`: field defaults converted from JSON to the Python values a
decode gives (``bytes`` not ``str``, ``date`` not ``int``), Avro's promotions (``int``/``long``
to ``float`` rounded to 32 bits, as Java does), and logical types applied as the *reader*
declares them (Java's rule; fastavro uses the writer's).

For the rare pairs :mod:`serde.resolution` cannot compile, fastavro resolves per message and
:func:`compile_fixer` repairs what it gets wrong: defaults of the wrong type, one default list or
dict shared by every record, 64-bit promotion to ``float``, the writer's logical types.
"""

from __future__ import annotations

import copy
import struct
from collections.abc import Callable
from typing import Any

from fastavro.read import LOGICAL_READERS
from fastavro.write import LOGICAL_WRITERS

Fixer = Callable[[Any], Any]
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
    logical = node.get("logicalType") if isinstance(node, dict) else None
    if logical:
        reader = LOGICAL_READERS.get(f"{kind}-{logical}")
        if reader is not None:
            value = reader(value, node, node)
    return value


def _names(node: dict[str, Any]) -> set[str]:
    names = {node["name"], node["name"].rsplit(".", 1)[-1]}
    for alias in node.get("aliases", ()):
        names.add(alias)
        names.add(alias.rsplit(".", 1)[-1])
    return names


PRIMITIVE_PROMOTIONS: dict[tuple[str, str], Fixer | None] = {
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
    logical = node.get("logicalType") if isinstance(node, dict) else None
    if logical is not None and f"{_kind(node)}-{logical}" in LOGICAL_READERS:
        return str(logical)
    return None


def relogical(w: Any, r: Any) -> Fixer | None:
    """Java converts with the reader's logical type, fastavro with the writer's: redo it."""
    wk, rk = _kind(w), _kind(r)
    wl, rl = applied_logical(w), applied_logical(r)
    undo = LOGICAL_WRITERS.get(f"{wk}-{wl}") if wl else None
    promote = PRIMITIVE_PROMOTIONS.get((wk, rk)) if wk != rk else None
    redo = LOGICAL_READERS.get(f"{rk}-{rl}") if rl else None

    def convert(value: Any) -> Any:
        if undo is not None:
            value = undo(value, w)
        if promote is not None:
            value = promote(value)
        return redo(value, w, r) if redo is not None else value

    return convert


def compile_fixer(
    writer: Any, reader: Any, writer_named: dict[str, Any], reader_named: dict[str, Any]
) -> Fixer | None:
    """Compile the repairs for values decoded with (writer, reader); None when none are needed."""
    return _Compiler(writer_named, reader_named).fixer(writer, reader, ())


class _Compiler:
    def __init__(self, writer_named: dict[str, Any], reader_named: dict[str, Any]) -> None:
        self.wn = writer_named
        self.rn = reader_named

    def fixer(self, writer: Any, reader: Any, stack: tuple[tuple[str, str], ...]) -> Fixer | None:
        w, r = _node(writer, self.wn), _node(reader, self.rn)
        wk, rk = _kind(w), _kind(r)
        if wk == "union" or rk == "union":
            return self.union(w, r, stack)
        if applied_logical(w) != applied_logical(r):
            return relogical(w, r)
        if rk == "float" and wk in ("int", "long"):
            return to_float32
        if wk == rk == "array":
            items = self.fixer(w["items"], r["items"], stack)
            if items is None:
                return None
            fix_items: Fixer = items
            return lambda v: [fix_items(x) for x in v]
        if wk == rk == "map":
            values = self.fixer(w["values"], r["values"], stack)
            if values is None:
                return None
            fix_values: Fixer = values
            return lambda v: {k: fix_values(x) for k, x in v.items()}
        if wk in ("record", "error") and rk in ("record", "error"):
            return self.record(w, r, stack)
        return None

    def union(self, w: Any, r: Any, stack: tuple[tuple[str, str], ...]) -> Fixer | None:
        writer_branches = w if isinstance(w, list) else [w]
        reader_branches = r if isinstance(r, list) else [r]
        record_fixers: list[tuple[frozenset[str], Fixer]] = []
        rounds = False
        for wb in writer_branches:
            wbn = _node(wb, self.wn)
            for rb in reader_branches:
                rbn = _node(rb, self.rn)
                if _kind(rbn) == "float" and _kind(wbn) in ("int", "long"):
                    rounds = True
                elif _kind(wbn) in ("record", "error") and _kind(rbn) in ("record", "error"):
                    if _names(rbn) & _names(wbn):
                        fix = self.record(wbn, rbn, stack)
                        if fix is not None:
                            keys = frozenset(f["name"] for f in rbn["fields"])
                            record_fixers.append((keys, fix))
                elif _kind(wbn) == _kind(rbn) and _kind(wbn) in ("array", "map"):
                    fix = self.fixer(wbn, rbn, stack)
                    if fix is not None:
                        kind = list if _kind(wbn) == "array" else dict
                        record_fixers.append((frozenset({f"<{kind.__name__}>"}), fix))
        if not rounds and not record_fixers:
            return None

        def fix_union(value: Any) -> Any:
            if rounds and type(value) is float:
                return to_float32(value)
            if isinstance(value, dict):
                keys = frozenset(value)
                for wanted, fix in record_fixers:
                    if wanted == keys or wanted == {"<dict>"}:
                        return fix(value)
            elif isinstance(value, list):
                for wanted, fix in record_fixers:
                    if wanted == {"<list>"}:
                        return fix(value)
            return value

        return fix_union

    def record(self, w: Any, r: Any, stack: tuple[tuple[str, str], ...]) -> Fixer | None:
        key = (w["name"], r["name"])
        if key in stack:
            return None  # a recursive pair: its repairs are applied by the outer level's loop
        stack = (*stack, key)
        writer_fields = {}
        for field in w["fields"]:
            writer_fields[field["name"]] = field
        steps: list[tuple[str, Any, bool]] = []  # (name, fixer or default, is_default)
        for field in r["fields"]:
            match = writer_fields.get(field["name"])
            if match is None:
                for alias in field.get("aliases", ()):
                    match = writer_fields.get(alias)
                    if match is not None:
                        break
            if match is None:
                if "default" in field:
                    steps.append(
                        (
                            field["name"],
                            default_value(field["type"], field["default"], self.rn),
                            True,
                        )
                    )
                continue
            inner = self.fixer(match["type"], field["type"], stack)
            if inner is not None:
                steps.append((field["name"], inner, False))
        if not steps:
            return None
        immutable = (type(None), bool, int, float, str, bytes)

        def fix_record(value: Any) -> Any:
            for name, action, is_default in steps:
                if is_default:
                    if isinstance(action, (list, dict)):
                        value[name] = copy.deepcopy(action)
                    elif isinstance(action, immutable) and type(value.get(name)) is type(action):
                        continue
                    else:
                        value[name] = action
                elif name in value:
                    value[name] = action(value[name])
            return value

        return fix_record
