"""The checks Confluent's server adds for a new schema: strict names and valid defaults."""

from __future__ import annotations

import json
from typing import Any, Final

import fastavro
from fastavro.schema import SchemaParseException, UnknownType

from ._parser import MAX_DEPTH, invalid, name_ok
from ._schema import AvroSchema
from .model import NO_DEFAULT, Array, Enum, Map, Node, Primitive, Record, Union

_INT_RANGE: Final = (-(2**31), 2**31 - 1)
_LONG_RANGE: Final = (-(2**63), 2**63 - 1)


def check_new_schema(schema: AvroSchema) -> None:
    """Refuse what Confluent refuses for a new schema, beyond what parsing refuses.

    Names of the schema's own types (not its references') are ASCII; namespaces are dotted names;
    a type is defined again only identically (an enum or fixed again with equal properties, as
    Java 1.12 allows); every field default is valid for its type (Java's ``isValidDefault``);
    and fastavro, as a second opinion, parses the standalone schema. Raises
    :class:`~avroframe.registry.errors.InvalidSchemaError`.
    """
    for node in schema.definitions:
        _strict_name(node.name, "name")
        for part in node.namespace.split(".") if node.namespace else ():
            _strict_name(part, "namespace part")
        for alias, _ in node.aliases:
            _strict_name(alias, "alias")
        if isinstance(node, Record):
            for fld in node.fields:
                _strict_name(fld.name, "field name")
        elif isinstance(node, Enum):
            for symbol in node.symbols:
                _strict_name(symbol, "enum symbol")
    for again in schema.redefinitions:
        if not again.identical and (
            isinstance(again.node, Record) or again.node.props != again.first.props
        ):
            raise invalid(f"can't redefine {again.node.fullname!r}")
    for node in schema.definitions:
        if not isinstance(node, Record):
            continue
        for fld in node.fields:
            if fld.default is not NO_DEFAULT and not valid_default(fld.type, fld.default, 0):
                raise invalid(
                    f"invalid default for field {fld.name!r} of {node.fullname!r}: "
                    f"{json.dumps(fld.default)[:200]}"
                )
    _check_with_fastavro(schema.text(standalone=True))


def _strict_name(name: str, what: str) -> None:
    if not name_ok(name, strict=True):
        raise invalid(f"{what} {name!r} is not a valid Avro name")


def valid_default(node: Node, value: Any, depth: int) -> bool:
    """Java's ``Schema.isValidDefault``: a default matches the type (a union: any branch)."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(node, Union):
        return any(valid_default(b, value, depth + 1) for b in node.branches)
    if isinstance(node, Array):
        return isinstance(value, list) and all(
            valid_default(node.items, v, depth + 1) for v in value
        )
    if isinstance(node, Map):
        return isinstance(value, dict) and all(
            valid_default(node.values, v, depth + 1) for v in value.values()
        )
    if isinstance(node, Record):
        if not isinstance(value, dict):
            return False
        for fld in node.fields:
            sub = value[fld.name] if fld.name in value else fld.default
            if sub is NO_DEFAULT or not valid_default(fld.type, sub, depth + 1):
                return False
        return True
    if not isinstance(node, Primitive):  # enum, fixed
        return isinstance(value, str)
    return _valid_primitive(node.kind, value)


def _valid_primitive(kind: str, value: Any) -> bool:
    if kind in ("string", "bytes"):
        return isinstance(value, str)
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind in ("int", "long"):
        low, high = _INT_RANGE if kind == "int" else _LONG_RANGE
        return isinstance(value, int) and low <= value <= high
    return isinstance(value, (int, float))  # float, double


def _without_logical_types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_logical_types(v) for k, v in value.items() if k != "logicalType"}
    if isinstance(value, list):
        return [_without_logical_types(v) for v in value]
    return value


def _check_with_fastavro(standalone: str) -> None:
    """A second opinion from fastavro's parser on the standalone schema.

    Two of its rules are not Java's, so they are left out: Java ignores an invalid logical type
    (a decimal whose scale exceeds its precision is plain bytes), and a short name written in a
    namespace also finds a type of the null namespace (the parser has resolved every name
    already, so fastavro's ``UnknownType`` adds nothing).
    """
    try:
        fastavro.parse_schema(
            _without_logical_types(json.loads(standalone)), _write_hint=False, _force=True
        )
    except UnknownType:
        pass
    except (SchemaParseException, ValueError, TypeError, KeyError) as exc:
        raise invalid(str(exc)[:500]) from None
