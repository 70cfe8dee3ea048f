"""Schema JSON as Java's ``Schema.toString`` writes it, plainly or normalized."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final

from .model import (
    NO_DEFAULT,
    PRIMITIVES,
    Array,
    Enum,
    Field,
    Fixed,
    Map,
    Node,
    Primitive,
    Record,
    Union,
)

_TYPE_NAMES: Final = PRIMITIVES | {"record", "enum", "array", "map", "union", "fixed"}
_LOGICAL_PROPS: Final = ("logicalType", "precision", "scale")


def dumps(value: Any) -> str:
    """Compact JSON, as Java's generator writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_json(v) for v in value]
    return value


def _qualified(name: str, own_space: str | None, space: str | None) -> str:
    if own_space is not None and own_space == space and name not in _TYPE_NAMES:
        return name
    return f"{own_space}.{name}" if own_space else name


class Writer:
    """Java's ``Schema.toJson``: a named type is defined where it first occurs, named after.

    ``known`` holds the full names written by name from the start (a schema's references).
    ``normalized`` is Confluent's normalize: custom properties, aliases and JSON object keys
    sorted, ``error`` written as ``record``, an empty doc left out. Java's equality ignores those
    orders, so the normalized text is also what tells equivalent schemas apart.
    """

    def __init__(self, known: Iterable[str], *, normalized: bool) -> None:
        self.known = set(known)
        self.normalized = normalized

    def props(self, out: dict[str, Any], props: tuple[tuple[str, Any], ...]) -> None:
        if self.normalized:
            names = dict(props)
            first = [k for k in _LOGICAL_PROPS if k in names] if "logicalType" in names else []
            props = tuple((k, names[k]) for k in first + sorted(k for k in names if k not in first))
        for key, value in props:
            out[key] = self.value(value)

    def value(self, value: Any) -> Any:
        return _sorted_json(value) if self.normalized else value

    def write(self, node: Node, space: str | None) -> Any:
        if isinstance(node, Primitive):
            if not node.props:
                return node.kind
            out: dict[str, Any] = {"type": node.kind}
            self.props(out, node.props)
            return out
        if isinstance(node, Union):
            return [self.write(branch, space) for branch in node.branches]
        if isinstance(node, Array):
            out = {"type": "array", "items": self.write(node.items, space)}
            self.props(out, node.props)
            return out
        if isinstance(node, Map):
            out = {"type": "map", "values": self.write(node.values, space)}
            self.props(out, node.props)
            return out
        return self.write_named(node, space)

    def write_named(self, node: Record | Enum | Fixed, space: str | None) -> Any:
        if node.fullname in self.known:
            return _qualified(node.name, node.namespace, space)
        self.known.add(node.fullname)
        kind = node.kind
        if isinstance(node, Record) and node.is_error and not self.normalized:
            kind = "error"
        out: dict[str, Any] = {"type": kind, "name": node.name}
        if node.namespace is not None:
            if node.namespace != space:
                out["namespace"] = node.namespace
        elif space is not None:
            out["namespace"] = ""
        if node.doc is not None and not (self.normalized and node.doc == ""):
            out["doc"] = node.doc
        if isinstance(node, Record):
            out["fields"] = [self.write_field(f, node.namespace) for f in node.fields]
        elif isinstance(node, Enum):
            out["symbols"] = list(node.symbols)
            if node.default is not None:
                out["default"] = node.default
        else:
            out["size"] = node.size
        self.props(out, node.props)
        if node.aliases:
            aliases = [_qualified(n, s, node.namespace) for n, s in node.aliases]
            out["aliases"] = sorted(aliases) if self.normalized else aliases
        return out

    def write_field(self, fld: Field, space: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": fld.name, "type": self.write(fld.type, space)}
        if fld.doc is not None:
            out["doc"] = fld.doc
        if fld.default is not NO_DEFAULT:
            out["default"] = self.value(fld.default)
        if fld.order != "ascending":
            out["order"] = fld.order
        if fld.aliases:
            out["aliases"] = sorted(fld.aliases) if self.normalized else list(fld.aliases)
        self.props(out, fld.props)
        return out
