"""Reading the nodes of a parsed schema: the one place that knows their shapes.

fastavro's parsed form is plain JSON data: a node is a type name (a primitive, or the full name of
a named type defined elsewhere), a list (a union), or a dict whose ``"type"`` is a type name or,
for a bare wrapper such as ``{"type": {"type": "string"}}``, another node. Every walker over
schemas (checks, decode limits, resolution, defaults, JSON conversion) goes through these
helpers instead of reading the dicts its own way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED_TYPES = frozenset({"record", "error", "enum", "fixed"})
RECORDS = frozenset({"record", "error"})
CONTAINERS = frozenset({"record", "error", "array", "map"})
"""The kinds that add a level of nesting (unions, enums and fixed add none)."""


def deref(node: Any, named: Mapping[str, Any]) -> Any:
    """``node`` with named references followed and bare wrappers (``{"type": <node>}`` without a
    logical type) removed: a primitive name, a list (union), or a dict of a concrete type."""
    while True:
        if isinstance(node, str):
            target = named.get(node)
            if target is None:
                return node
            node = target
        elif (
            isinstance(node, dict)
            and isinstance(node.get("type"), (dict, list))
            and not node.get("logicalType")
        ):
            node = node["type"]
        else:
            return node


def kind(node: Any) -> str:
    """The Avro type of a node: a primitive name, ``"union"``, ``"record"``, ``"enum"``,
    ``"array"``, ...; an unresolved reference gives its name (use :func:`deref` first)."""
    while isinstance(node, dict):
        node = node.get("type")
    if isinstance(node, list):
        return "union"
    return str(node)


def type_name(node: Any) -> str:
    """The name users read for a node: the full name of a named type, else its :func:`kind`.

    This is also the name that selects a union branch in fastavro's ``(name, value)`` and
    ``{"-type": name}`` notations.
    """
    if isinstance(node, dict) and node.get("type") in NAMED_TYPES:
        return str(node["name"])
    return kind(node)


def logical_type(node: Any) -> str | None:
    """The node's ``logicalType``, or None."""
    if isinstance(node, dict):
        logical = node.get("logicalType")
        return str(logical) if logical is not None else None
    return None


def children(node: Any) -> Iterator[Any]:
    """The nodes directly inside a dereferenced node: union branches, field types, items, values."""
    if isinstance(node, list):
        yield from node
    elif isinstance(node, dict):
        node_kind = node.get("type")
        if node_kind in RECORDS:
            for field in node["fields"]:
                yield field["type"]
        elif node_kind == "array":
            yield node["items"]
        elif node_kind == "map":
            yield node["values"]


def max_nesting(node: Any, named: Mapping[str, Any]) -> int | None:
    """How many records, arrays and maps a value of ``node`` can be nested in, counting the
    outermost (unions add no level); None when a recursive type makes it unbounded."""
    return _nesting(node, named, frozenset())


def _nesting(node: Any, named: Mapping[str, Any], stack: frozenset[str]) -> int | None:
    node = deref(node, named)
    if isinstance(node, dict) and node.get("type") in RECORDS:
        name = str(node["name"])
        if name in stack:
            return None
        stack = stack | {name}
    deepest = 0
    for child in children(node):
        inner = _nesting(child, named, stack)
        if inner is None:
            return None
        deepest = max(deepest, inner)
    return deepest + (1 if kind(node) in CONTAINERS else 0)
