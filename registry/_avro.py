"""Avro schemas as the registry server sees them: parse, validate, canonical text, identity.

The embedded registries store and compare schemas the way Confluent Schema Registry does with
Java Avro 1.12: a schema is parsed (named types from its references first), validated like a new
schema (strict names, valid defaults), and stored as the compact JSON that Java's
``Schema.toString`` writes: keys in a fixed order, referenced named types written by name. Two
texts that differ only in whitespace or in the order of the standard attributes are therefore the
same schema. ``normalize`` additionally sorts custom properties and aliases, as Confluent's
``normalize=true`` does, and the *equivalence* text ignores those orders altogether: it is what a
lookup falls back on, like Java's ``Schema.equals`` plus Confluent's doc and alias comparison.

Only the registry side uses this module; the serializers have their own (``serde.schema``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import fastavro
from fastavro.schema import SchemaParseException, UnknownType

from .errors import InvalidSchemaError

__all__ = ["ParsedAvro", "parse_avro"]

_PRIMITIVES: Final = frozenset(
    ("null", "boolean", "int", "long", "float", "double", "bytes", "string")
)
_TYPE_NAMES: Final = _PRIMITIVES | {"record", "enum", "array", "map", "union", "fixed"}
_SCHEMA_RESERVED: Final = frozenset(
    ("doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases")
)
_ENUM_RESERVED: Final = _SCHEMA_RESERVED | {"default"}
_FIELD_RESERVED: Final = frozenset(("default", "doc", "name", "order", "type", "aliases"))
_ORDERS: Final = ("ascending", "descending", "ignore")
_LOGICAL_PROPS: Final = ("logicalType", "precision", "scale")
_INT_RANGE: Final = (-(2**31), 2**31 - 1)
_LONG_RANGE: Final = (-(2**63), 2**63 - 1)
_MAX_DEPTH: Final = 200
"""Nesting bound, so hostile input fails cleanly instead of exhausting the stack."""
_NO_DEFAULT: Final = object()


def _invalid(message: str) -> InvalidSchemaError:
    return InvalidSchemaError(f"Invalid schema: {message}")


# -- the parsed model ------------------------------------------------------------------------


@dataclass(eq=False)
class _Prim:
    type: str
    props: list[tuple[str, Any]]


@dataclass(eq=False)
class _Array:
    items: _Node
    props: list[tuple[str, Any]]


@dataclass(eq=False)
class _Map:
    values: _Node
    props: list[tuple[str, Any]]


@dataclass(eq=False)
class _Union:
    branches: list[_Node]


@dataclass(eq=False)
class _Ref:
    full: str
    written: str


@dataclass(eq=False)
class _Field:
    name: str
    type: _Node
    doc: str | None
    default: Any
    order: str
    aliases: list[str]
    props: list[tuple[str, Any]]


@dataclass(eq=False)
class _Named:
    kind: str  # record, error, enum or fixed
    name: str
    space: str | None
    doc: str | None
    props: list[tuple[str, Any]]
    aliases: list[tuple[str, str | None]]
    fields: list[_Field] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    enum_default: str | None = None
    size: int = 0
    source: Any = None  # the JSON it was parsed from, to tell identical redefinitions apart

    @property
    def full(self) -> str:
        return f"{self.space}.{self.name}" if self.space else self.name


_Node = _Prim | _Array | _Map | _Union | _Ref | _Named


# -- parsing ---------------------------------------------------------------------------------


def _strict_name_ok(name: str) -> bool:
    if not name or not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        return False
    return all(c.isascii() and (c.isalnum() or c == "_") for c in name[1:])


def _lenient_name_ok(name: str) -> bool:
    if not name or not (name[0].isalpha() or name[0] == "_"):
        return False
    return all(c.isalnum() or c == "_" for c in name[1:])


def _text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _props(obj: dict[str, Any], reserved: frozenset[str]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in obj.items() if k not in reserved]


class _Parser:
    """One parse context: the named types of the references, then those of the schema."""

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.named: dict[str, _Named] = {}
        self.refs: list[_Ref] = []
        self.fields: list[tuple[_Field, str]] = []

    def check_name(self, name: str, what: str) -> None:
        ok = _strict_name_ok(name) if self.strict else _lenient_name_ok(name)
        if not ok:
            raise _invalid(f"{what} {name!r} is not a valid Avro name")

    def parse_top(self, schema: Any) -> _Node:
        node = self.parse(schema, None, 0)
        for ref in self.refs:
            if ref.full not in self.named and ref.written not in self.named:
                raise _invalid(f"undefined name: {ref.written!r}")
        if self.strict:
            for fld, owner in self.fields:
                if fld.default is not _NO_DEFAULT and not self.valid_default(
                    fld.type, fld.default, 0
                ):
                    raise _invalid(
                        f"invalid default for field {fld.name!r} of {owner!r}: "
                        f"{json.dumps(fld.default)[:200]}"
                    )
        return node

    def resolve(self, node: _Node) -> _Node:
        if isinstance(node, _Ref):
            return self.named.get(node.full) or self.named[node.written]
        return node

    def parse(self, schema: Any, space: str | None, depth: int) -> _Node:
        if depth > _MAX_DEPTH:
            raise _invalid(f"nested deeper than {_MAX_DEPTH} levels")
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return _Prim(schema, [])
            full = f"{space}.{schema}" if space and "." not in schema else schema
            ref = _Ref(full, schema)
            self.refs.append(ref)
            return ref
        if isinstance(schema, list):
            return self.parse_union(schema, space, depth)
        if not isinstance(schema, dict):
            raise _invalid(f"a schema is a string, an object or an array, not {schema!r:.100}")
        kind = schema.get("type")
        if not isinstance(kind, str):
            raise _invalid("an object schema needs a string 'type'")
        if kind in _PRIMITIVES:
            return _Prim(kind, _props(schema, _SCHEMA_RESERVED))
        if kind in ("record", "error"):
            return self.parse_record(schema, kind, space, depth)
        if kind == "enum":
            return self.parse_enum(schema, space)
        if kind == "fixed":
            return self.parse_fixed(schema, space)
        if kind in ("array", "map"):
            key = "items" if kind == "array" else "values"
            if key not in schema:
                raise _invalid(f"{kind} has no {key!r}")
            child = self.parse(schema[key], space, depth + 1)
            props = _props(schema, _SCHEMA_RESERVED)
            return _Array(child, props) if kind == "array" else _Map(child, props)
        raise _invalid(
            f"type {kind!r} is not a primitive type, record, error, enum, array, map or fixed"
        )

    def parse_union(self, schema: list[Any], space: str | None, depth: int) -> _Union:
        branches = [self.parse(branch, space, depth + 1) for branch in schema]
        seen: set[str] = set()
        for branch in branches:
            if isinstance(branch, _Union):
                raise _invalid("a union may not directly contain another union")
            key = _branch_key(branch)
            if key in seen:
                raise _invalid(f"duplicate type {key!r} in union")
            seen.add(key)
        return _Union(branches)

    def define(self, schema: dict[str, Any], kind: str, space: str | None) -> _Named:
        raw_name = schema.get("name")
        if not isinstance(raw_name, str):
            raise _invalid(f"{kind} has no name")
        own_space = _text(schema, "namespace")
        if own_space is not None:
            space = own_space
        if "." in raw_name:
            space, _, name = raw_name.rpartition(".")
        else:
            name = raw_name
        space = space or None
        self.check_name(name, "name")
        if self.strict and space is not None:
            for part in space.split("."):
                self.check_name(part, "namespace part")
        node = _Named(kind, name, space, _text(schema, "doc"), [], [], source=schema)
        if node.full in _PRIMITIVES:
            raise _invalid(f"a named type may not be called {node.full!r}")
        aliases = schema.get("aliases")
        if aliases is not None:
            for alias in _string_list(aliases, "aliases"):
                a_space, _, a_name = alias.rpartition(".")
                self.check_name(a_name, "alias")
                pair = (a_name, (a_space or None) if "." in alias else space)
                if pair not in node.aliases:
                    node.aliases.append(pair)
        known = self.named.get(node.full)
        if known is not None and known.source != schema:
            raise _invalid(f"can't redefine {node.full!r}")
        return node

    def register(self, node: _Named) -> _Named:
        known = self.named.get(node.full)
        if known is not None:
            return known
        self.named[node.full] = node
        return node

    def parse_record(
        self, schema: dict[str, Any], kind: str, space: str | None, depth: int
    ) -> _Node:
        node = self.define(schema, kind, space)
        raw_fields = schema.get("fields")
        if not isinstance(raw_fields, list):
            raise _invalid(f"record {node.full!r} has no 'fields' array")
        node.props = _props(schema, _SCHEMA_RESERVED)
        # Register before the fields are parsed, so that the record may refer to itself.
        if node.full in self.named:
            return self.named[node.full]
        self.named[node.full] = node
        names: set[str] = set()
        for pos, raw in enumerate(raw_fields):
            if not isinstance(raw, dict):
                raise _invalid(f"field {pos} of {node.full!r} is not an object")
            name = raw.get("name")
            if not isinstance(name, str):
                raise _invalid(f"field {pos} of {node.full!r} has no name")
            self.check_name(name, "field name")
            if name in names:
                raise _invalid(f"duplicate field {name!r} in record {node.full!r}")
            names.add(name)
            if "type" not in raw:
                raise _invalid(f"field {name!r} of {node.full!r} has no type")
            ftype = self.parse(raw["type"], node.space, depth + 1)
            order = raw.get("order", "ascending")
            if not isinstance(order, str) or order.lower() not in _ORDERS:
                raise _invalid(f"field {name!r} of {node.full!r} has an invalid order")
            default = raw.get("default", _NO_DEFAULT) if "default" in raw else _NO_DEFAULT
            if (
                isinstance(default, str)
                and isinstance(ftype, _Prim)
                and ftype.type in ("float", "double")
            ):
                try:
                    default = float(default)
                except ValueError:
                    raise _invalid(f"invalid default for field {name!r}") from None
            aliases: list[str] = []
            for alias in _string_list(raw.get("aliases"), "field aliases"):
                if alias not in aliases:
                    aliases.append(alias)
            fld = _Field(
                name,
                ftype,
                _text(raw, "doc"),
                default,
                order.lower(),
                aliases,
                _props(raw, _FIELD_RESERVED),
            )
            node.fields.append(fld)
            self.fields.append((fld, node.full))
        return node

    def parse_enum(self, schema: dict[str, Any], space: str | None) -> _Node:
        node = self.define(schema, "enum", space)
        symbols = schema.get("symbols")
        if not isinstance(symbols, list):
            raise _invalid(f"enum {node.full!r} has no 'symbols' array")
        for symbol in _string_list(symbols, "enum symbols"):
            self.check_name(symbol, "enum symbol")
            if symbol in node.symbols:
                raise _invalid(f"duplicate enum symbol {symbol!r} in {node.full!r}")
            node.symbols.append(symbol)
        node.enum_default = _text(schema, "default")
        if node.enum_default is not None and node.enum_default not in node.symbols:
            raise _invalid(f"the default of enum {node.full!r} is not one of its symbols")
        node.props = _props(schema, _ENUM_RESERVED)
        return self.register(node)

    def parse_fixed(self, schema: dict[str, Any], space: str | None) -> _Node:
        node = self.define(schema, "fixed", space)
        size = schema.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= _INT_RANGE[1]:
            raise _invalid(f"fixed {node.full!r} has no valid 'size'")
        node.size = size
        node.props = _props(schema, _SCHEMA_RESERVED)
        return self.register(node)

    def valid_default(self, node: _Node, value: Any, depth: int) -> bool:
        """Java's ``Schema.isValidDefault``: a default matches the type (a union: any branch)."""
        if depth > _MAX_DEPTH:
            return False
        node = self.resolve(node)
        if isinstance(node, _Union):
            return any(self.valid_default(b, value, depth + 1) for b in node.branches)
        if isinstance(node, _Array):
            return isinstance(value, list) and all(
                self.valid_default(node.items, v, depth + 1) for v in value
            )
        if isinstance(node, _Map):
            return isinstance(value, dict) and all(
                self.valid_default(node.values, v, depth + 1) for v in value.values()
            )
        if isinstance(node, _Named):
            if node.kind in ("enum", "fixed"):
                return isinstance(value, str)
            if not isinstance(value, dict):
                return False
            for fld in node.fields:
                sub = value[fld.name] if fld.name in value else fld.default
                if sub is _NO_DEFAULT or not self.valid_default(fld.type, sub, depth + 1):
                    return False
            return True
        assert isinstance(node, _Prim)
        return _valid_primitive(node.type, value)


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


def _string_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(f"{what} must be an array of strings")
    return list(value)


def _branch_key(node: _Node) -> str:
    if isinstance(node, _Prim):
        return node.type
    if isinstance(node, _Array):
        return "array"
    if isinstance(node, _Map):
        return "map"
    if isinstance(node, _Ref):
        return node.full
    assert isinstance(node, _Named)
    return node.full


# -- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    normalized: bool = False
    """Confluent's normalize: properties, aliases and JSON object keys sorted, ``error`` written
    as record. Everything Java's equality ignores the order of, so it also serves as the
    equivalence form."""


_PLAIN: Final = _Style()
_NORMALIZED: Final = _Style(normalized=True)
_EQUIVALENCE: Final = _NORMALIZED


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_json(v) for v in value]
    return value


class _Writer:
    """Java's ``Schema.toJson``: a named type is defined where it first occurs, named after."""

    def __init__(self, parser: _Parser, known: set[str], style: _Style) -> None:
        self.parser = parser
        self.known = known
        self.style = style

    def props(self, out: dict[str, Any], props: list[tuple[str, Any]]) -> None:
        if self.style.normalized:
            names = dict(props)
            first = [k for k in _LOGICAL_PROPS if k in names] if "logicalType" in names else []
            ordered = first + sorted(k for k in names if k not in first)
            props = [(k, names[k]) for k in ordered]
        for key, value in props:
            out[key] = self.value(value)

    def value(self, value: Any) -> Any:
        # Confluent's normalization writes JSON values with their object keys sorted.
        return _sorted_json(value) if self.style.normalized else value

    def write(self, node: _Node, space: str | None) -> Any:
        node = self.parser.resolve(node)
        if isinstance(node, _Prim):
            if not node.props:
                return node.type
            out: dict[str, Any] = {"type": node.type}
            self.props(out, node.props)
            return out
        if isinstance(node, _Union):
            return [self.write(branch, space) for branch in node.branches]
        if isinstance(node, _Array):
            out = {"type": "array", "items": self.write(node.items, space)}
            self.props(out, node.props)
            return out
        if isinstance(node, _Map):
            out = {"type": "map", "values": self.write(node.values, space)}
            self.props(out, node.props)
            return out
        assert isinstance(node, _Named)
        return self.write_named(node, space)

    def qualified(self, name: str, own_space: str | None, space: str | None) -> str:
        if own_space is not None and own_space == space and name not in _TYPE_NAMES:
            return name
        return f"{own_space}.{name}" if own_space else name

    def write_named(self, node: _Named, space: str | None) -> Any:
        if node.full in self.known:
            return self.qualified(node.name, node.space, space)
        self.known.add(node.full)
        kind = "record" if node.kind == "error" and self.style.normalized else node.kind
        out: dict[str, Any] = {"type": kind, "name": node.name}
        if node.space is not None:
            if node.space != space:
                out["namespace"] = node.space
        elif space is not None:
            out["namespace"] = ""
        if node.doc is not None and not (self.style.normalized and node.doc == ""):
            out["doc"] = node.doc
        if node.kind in ("record", "error"):
            out["fields"] = [self.write_field(f, node.space) for f in node.fields]
        elif node.kind == "enum":
            out["symbols"] = list(node.symbols)
            if node.enum_default is not None:
                out["default"] = node.enum_default
        else:
            out["size"] = node.size
        self.props(out, node.props)
        if node.aliases:
            aliases = [self.qualified(n, s, node.space) for n, s in node.aliases]
            out["aliases"] = sorted(aliases) if self.style.normalized else aliases
        return out

    def write_field(self, fld: _Field, space: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": fld.name, "type": self.write(fld.type, space)}
        if fld.doc is not None:
            out["doc"] = fld.doc
        if fld.default is not _NO_DEFAULT:
            out["default"] = self.value(fld.default)
        if fld.order != "ascending":
            out["order"] = fld.order
        if fld.aliases:
            out["aliases"] = sorted(fld.aliases) if self.style.normalized else list(fld.aliases)
        self.props(out, fld.props)
        return out


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# -- the public entry point ------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedAvro:
    """One schema as the registry stores and compares it."""

    text: str
    """Compact JSON as Java's ``Schema.toString`` writes it; referenced types by name."""
    equivalence: str
    """Like ``text`` but independent of the order of properties, aliases and JSON objects."""
    resolved: str
    """Standalone text: the named types of the references written inline."""
    resolved_equivalence: str
    """Standalone and order-independent: compares with a schema sent with references inlined."""

    @property
    def resolved_json(self) -> Any:
        """The standalone schema, JSON-decoded (what compatibility checks take)."""
        return json.loads(self.resolved)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise _invalid(f"{what} nests too deeply") from None
    except ValueError as exc:
        raise _invalid(f"{what} is not valid JSON: {exc}") from None


def parse_avro(
    text: str, referenced: Sequence[str] = (), *, strict: bool = True, normalize: bool = False
) -> ParsedAvro:
    """Parse ``text`` after the schemas it references (``referenced``, dependencies first).

    ``strict`` validates as Confluent validates a new schema (ASCII names, namespaces and
    defaults checked, fastavro must accept it); lookups parse leniently. Raises
    :class:`~registry.errors.InvalidSchemaError` for anything that is not a valid schema.
    """
    try:
        return _parse(text, referenced, strict=strict, normalize=normalize)
    except RecursionError:
        raise _invalid("the schema nests too deeply") from None


def _parse(text: str, referenced: Sequence[str], *, strict: bool, normalize: bool) -> ParsedAvro:
    if not isinstance(text, str) or not text.strip():
        raise _invalid("the schema is empty")
    parser = _Parser(strict=False)
    known: list[str] = []
    for position, ref_text in enumerate(referenced):
        ref_node = parser.parse_top(_loads(ref_text, f"referenced schema {position + 1}"))
        ref_node = parser.resolve(ref_node)
        if isinstance(ref_node, _Named) and ref_node.full not in known:
            known.append(ref_node.full)
    parser.strict = strict
    parser.refs, parser.fields = [], []
    root = parser.parse_top(_loads(text, "the schema"))
    style = _NORMALIZED if normalize else _PLAIN
    result = ParsedAvro(
        text=_dumps(_Writer(parser, set(known), style).write(root, None)),
        equivalence=_dumps(_Writer(parser, set(known), _EQUIVALENCE).write(root, None)),
        resolved=_dumps(_Writer(parser, set(), style).write(root, None)),
        resolved_equivalence=_dumps(_Writer(parser, set(), _EQUIVALENCE).write(root, None)),
    )
    if strict:
        _check_with_fastavro(result.resolved)
    return result


def _without_logical_types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_logical_types(v) for k, v in value.items() if k != "logicalType"}
    if isinstance(value, list):
        return [_without_logical_types(v) for v in value]
    return value


def _check_with_fastavro(resolved: str) -> None:
    """A second opinion from fastavro's parser on the standalone schema.

    Two of its rules are not Java's, so they are left out: Java ignores an invalid logical type
    (a decimal whose scale exceeds its precision is plain bytes), and a short name written in a
    namespace also finds a type of the null namespace (our parser has resolved every name
    already, so fastavro's ``UnknownType`` adds nothing).
    """
    try:
        fastavro.parse_schema(
            _without_logical_types(json.loads(resolved)), _write_hint=False, _force=True
        )
    except UnknownType:
        pass
    except (SchemaParseException, ValueError, TypeError, KeyError) as exc:
        raise _invalid(str(exc)[:500]) from None
