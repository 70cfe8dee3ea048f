"""Schema-resolution building blocks, used by :mod:`serde.resolution` and the CLI.

Field defaults converted from JSON to the Python values a decode gives (``bytes`` not ``str``,
``date`` not ``int``), Avro's promotions (``int``/``long`` to ``float`` rounded to 32 bits, as
Java does), and logical types applied as the *reader* declares them (Java's rule).
"""

from __future__ import annotations

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
        return redo(value, r, r) if redo is not None else value  # as the reader declares

    return convert
