"""One Avro parser with Java 1.12's rules for names, namespaces, references and redefinitions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, NamedTuple, cast

from ..errors import InvalidSchemaError
from ._schema import AvroSchema, Redefinition
from .model import (
    NO_DEFAULT,
    PRIMITIVES,
    Array,
    Enum,
    Field,
    Fixed,
    Map,
    Named,
    Node,
    Primitive,
    Record,
    Union,
)

MAX_DEPTH: Final = 200
"""Nesting bound, so hostile input fails cleanly instead of exhausting the stack."""

_SCHEMA_RESERVED: Final = frozenset(
    ("doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases")
)
_ENUM_RESERVED: Final = _SCHEMA_RESERVED | {"default"}
_FIELD_RESERVED: Final = frozenset(("default", "doc", "name", "order", "type", "aliases"))
_ORDERS: Final = ("ascending", "descending", "ignore")
_MAX_SIZE: Final = 2**31 - 1


def invalid(message: str) -> InvalidSchemaError:
    """The error for a schema Avro refuses."""
    return InvalidSchemaError(f"invalid Avro schema: {message}")


def name_ok(name: str, *, strict: bool) -> bool:
    """Java's name rule: a letter or ``_``, then letters, digits or ``_`` (ASCII when strict)."""
    if not name or not (name[0].isalpha() or name[0] == "_"):
        return False
    if strict and not name.isascii():
        return False
    return all(c.isalnum() or c == "_" for c in name[1:])


class _Header(NamedTuple):
    """The parts of a definition every named type has (the first five are its fields)."""

    name: str
    namespace: str | None
    doc: str | None
    props: tuple[tuple[str, Any], ...]
    aliases: tuple[tuple[str, str | None], ...]
    full: str


class _Ref:
    """A name in the schema, resolved once the whole schema is read (forward references)."""

    __slots__ = ("full", "written")

    def __init__(self, full: str, written: str) -> None:
        self.full = full
        self.written = written


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _props(obj: Mapping[str, Any], reserved: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in obj.items() if k not in reserved)


def _string_list(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(f"{what} must be an array of strings")
    return tuple(value)


def _check_name(name: str, what: str) -> None:
    if not name_ok(name, strict=False):
        raise invalid(f"{what} {name!r} is not a valid Avro name")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str, what: str = "the schema") -> Any:
    """Decode schema JSON as Java does: NaN and Infinity are not JSON."""
    if not isinstance(text, str) or not text.strip():
        raise invalid(f"{what} is empty")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise invalid(f"{what} nests too deeply") from None
    except ValueError as exc:
        raise invalid(f"{what} is not valid JSON: {exc}") from None


class SchemaParser:
    """Parses schemas in order, as Java's ``Schema.Parser`` does for a schema and its references.

    Each :meth:`parse` sees the named types of the schemas parsed before it (a schema's references
    are parsed first, dependencies first). Names follow Java 1.12: a namespace is inherited from
    the enclosing named type, a dotted name carries its own, an empty namespace is the null one,
    an unqualified name not found in the current namespace is looked up in the null namespace,
    and a name may be used before its definition. A name may be defined again identically, an enum
    again with the same symbols, a fixed with the same size, and a record again inside itself;
    references by name then mean the first definition.

    A parser holds the names of what it parsed: use one per schema and its references, from one
    thread at a time.
    """

    def __init__(self) -> None:
        self._named: dict[str, Named] = {}
        self._sources: dict[str, Any] = {}
        self._known: list[str] = []
        self._fallbacks: dict[str, str] = {}

    @property
    def named(self) -> Mapping[str, Named]:
        """Every named type parsed so far, by full name (first definitions)."""
        return self._named

    @property
    def fallbacks(self) -> Mapping[str, str]:
        """Every null-namespace fallback used so far: ``{"com.acme.Plain": "Plain"}``."""
        return self._fallbacks

    def parse(self, schema: Any) -> AvroSchema:
        """Parse one JSON-decoded schema; raises :class:`InvalidSchemaError` if Avro refuses it.

        A refused schema leaves the parser as it was.
        """
        named, sources = dict(self._named), dict(self._sources)
        try:
            return _Run(self).parse_top(schema)
        except BaseException as exc:
            self._named, self._sources = named, sources
            if isinstance(exc, RecursionError):
                raise invalid("the schema nests too deeply") from None
            raise

    def parse_text(self, text: str, what: str = "the schema") -> AvroSchema:
        """Parse schema JSON text (``what`` names it in errors)."""
        return self.parse(loads(text, what))


class _Run:
    """One :meth:`SchemaParser.parse` call."""

    def __init__(self, parser: SchemaParser) -> None:
        self.parser = parser
        self.named = parser._named
        self.sources = parser._sources
        self.definitions: list[Named] = []
        self.redefinitions: list[Redefinition] = []
        self.containers: list[Array | Map | Union | Record] = []
        self.open_records: set[str] = set()
        self.fallbacks: dict[str, str] = {}

    def parse_top(self, schema: Any) -> AvroSchema:
        known = tuple(self.parser._known)
        root = self.resolve(self.parse(schema, None, 0))
        for node in self.containers:
            if isinstance(node, Array):
                node.items = self.resolve(node.items)
            elif isinstance(node, Map):
                node.values = self.resolve(node.values)
            elif isinstance(node, Union):
                node.branches = [self.resolve(b) for b in node.branches]
            else:
                for fld in node.fields:
                    fld.type = self.resolve(fld.type)
        if isinstance(root, Named) and root.fullname not in self.parser._known:
            self.parser._known.append(root.fullname)
        self.parser._fallbacks.update(self.fallbacks)
        return AvroSchema(
            root, known, tuple(self.definitions), tuple(self.redefinitions), self.fallbacks
        )

    def resolve(self, node: Node) -> Node:
        if not isinstance(node, _Ref):
            return node
        target = self.named.get(node.full)
        if target is None:
            target = self.named.get(node.written)
            if target is None:
                raise invalid(f"undefined name: {node.written!r}")
            self.fallbacks[node.full] = node.written
        return cast(Node, target)

    def reference(self, name: str, space: str | None) -> Node:
        if not name:
            raise invalid("empty type name")
        full = f"{space}.{name}" if space and "." not in name else name
        return cast(Node, _Ref(full, name))

    def parse(self, schema: Any, space: str | None, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise invalid(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return Primitive(schema)
            return self.reference(schema, space)
        if isinstance(schema, list):
            return self.parse_union(schema, space, depth)
        if not isinstance(schema, dict):
            raise invalid(f"a schema is a string, an object or an array, not {schema!r:.100}")
        kind = schema.get("type")
        if not isinstance(kind, str):
            # Java refuses a nested type object ({"type": {"type": "string"}}) as well.
            raise invalid(f"an object schema needs a string 'type': {_excerpt(schema)}")
        if kind in PRIMITIVES:
            return Primitive(kind, _props(schema, _SCHEMA_RESERVED))
        if kind in ("record", "error"):
            return self.parse_record(schema, kind == "error", space, depth)
        if kind == "enum":
            return self.parse_enum(schema, space)
        if kind == "fixed":
            return self.parse_fixed(schema, space)
        if kind in ("array", "map"):
            key = "items" if kind == "array" else "values"
            if key not in schema:
                raise invalid(f"{kind} has no {key!r}")
            child = self.parse(schema[key], space, depth + 1)
            props = _props(schema, _SCHEMA_RESERVED)
            node: Array | Map = Array(child, props) if kind == "array" else Map(child, props)
            self.containers.append(node)
            return node
        # {"type": "SomeName"} refers to a named type, as Java allows; other keys are ignored.
        return self.reference(kind, space)

    def parse_union(self, schema: list[Any], space: str | None, depth: int) -> Union:
        branches = [self.parse(branch, space, depth + 1) for branch in schema]
        seen: set[str] = set()
        for branch in branches:
            if isinstance(branch, Union):
                raise invalid("a union may not directly contain another union")
            key = _branch_key(branch)
            if key in seen:
                raise invalid(f"duplicate type {key!r} in union")
            seen.add(key)
        node = Union(branches)
        self.containers.append(node)
        return node

    def define(
        self, schema: dict[str, Any], kind: str, space: str | None, reserved: frozenset[str]
    ) -> _Header:
        """What a definition shares with every named type: its names, doc, props, aliases."""
        raw_name = schema.get("name")
        if not isinstance(raw_name, str):
            raise invalid(f"{kind} has no name")
        own_space = _text(schema, "namespace")
        if own_space is not None:
            space = own_space
        if "." in raw_name:
            space, _, name = raw_name.rpartition(".")
        else:
            name = raw_name
        _check_name(name, "name")
        space = space or None
        full = f"{space}.{name}" if space else name
        if full in PRIMITIVES:
            raise invalid(f"a named type may not be called {full!r}")
        aliases: list[tuple[str, str | None]] = []
        for alias in _string_list(schema.get("aliases"), "aliases"):
            a_space, _, a_name = alias.rpartition(".")
            _check_name(a_name, "alias")
            pair = (a_name, (a_space or None) if "." in alias else space)
            if pair not in aliases:
                aliases.append(pair)
        doc = _text(schema, "doc")
        return _Header(name, space, doc, _props(schema, reserved), tuple(aliases), full)

    def register(self, node: Named, schema: dict[str, Any]) -> None:
        """Record a definition; only a first one is found by name, as in Java."""
        self.definitions.append(node)
        full = node.fullname
        known = self.named.get(full)
        if known is None:
            self.named[full] = node
            self.sources[full] = schema
            return
        identical = self.sources[full] == schema
        if type(known) is type(node) and (
            identical
            or (isinstance(node, Record) and full in self.open_records)
            or (
                isinstance(node, Enum) and isinstance(known, Enum) and node.symbols == known.symbols
            )
            or (isinstance(node, Fixed) and isinstance(known, Fixed) and node.size == known.size)
        ):
            self.redefinitions.append(Redefinition(node, known, identical))
            return
        raise invalid(f"can't redefine {full!r}")

    def parse_record(
        self, schema: dict[str, Any], is_error: bool, space: str | None, depth: int
    ) -> Record:
        head = self.define(schema, "record", space, _SCHEMA_RESERVED)
        node = Record(*head[:5], is_error=is_error)
        raw_fields = schema.get("fields")
        if not isinstance(raw_fields, list):
            raise invalid(f"record {node.fullname!r} has no 'fields' array")
        # Registered before its fields are read, so that the record may refer to itself.
        self.register(node, schema)
        full = node.fullname
        opened = full not in self.open_records
        self.open_records.add(full)
        self.containers.append(node)
        for pos, raw in enumerate(raw_fields):
            fld = self.parse_field(raw, pos, node, depth)
            node.fields.append(fld)
            node.field_index[fld.name] = fld
        if opened:
            self.open_records.discard(full)
        return node

    def parse_field(self, raw: object, pos: int, record: Record, depth: int) -> Field:
        owner = record.fullname
        if not isinstance(raw, dict):
            raise invalid(f"field {pos} of {owner!r} is not an object")
        name = raw.get("name")
        if not isinstance(name, str):
            raise invalid(f"field {pos} of {owner!r} has no name")
        _check_name(name, "field name")
        if name in record.field_index:
            raise invalid(f"duplicate field {name!r} in record {owner!r}")
        if "type" not in raw:
            raise invalid(f"field {name!r} of {owner!r} has no type")
        ftype = self.parse(raw["type"], record.namespace, depth + 1)
        order = raw.get("order", "ascending")
        if not isinstance(order, str) or order.lower() not in _ORDERS:
            raise invalid(f"field {name!r} of {owner!r} has an invalid order")
        default = raw["default"] if "default" in raw else NO_DEFAULT
        if (
            isinstance(default, str)
            and isinstance(ftype, Primitive)
            and ftype.kind in ("float", "double")
        ):
            # Java reads a numeric string as the default of a float or double field.
            try:
                default = float(default)
            except ValueError:
                raise invalid(f"invalid default for field {name!r} of {owner!r}") from None
        return Field(
            name,
            ftype,
            pos,
            _text(raw, "doc"),
            default,
            order.lower(),
            tuple(dict.fromkeys(_string_list(raw.get("aliases"), "field aliases"))),
            _props(raw, _FIELD_RESERVED),
        )

    def parse_enum(self, schema: dict[str, Any], space: str | None) -> Enum:
        head = self.define(schema, "enum", space, _ENUM_RESERVED)
        full = head.full
        raw_symbols = schema.get("symbols")
        if not isinstance(raw_symbols, list):
            raise invalid(f"enum {full!r} has no 'symbols' array")
        symbols = _string_list(raw_symbols, "enum symbols")
        for symbol in symbols:
            _check_name(symbol, "enum symbol")
        if len(set(symbols)) != len(symbols):
            raise invalid(f"duplicate enum symbol in {full!r}")
        default = _text(schema, "default")
        if default is not None and default not in symbols:
            raise invalid(f"the default of enum {full!r} is not one of its symbols")
        node = Enum(*head[:5], symbols=symbols, default=default)
        self.register(node, schema)
        return node

    def parse_fixed(self, schema: dict[str, Any], space: str | None) -> Fixed:
        head = self.define(schema, "fixed", space, _SCHEMA_RESERVED)
        size = schema.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= _MAX_SIZE:
            raise invalid(f"fixed {head.full!r} has no valid 'size'")
        node = Fixed(*head[:5], size=size)
        self.register(node, schema)
        return node


def _branch_key(node: Node) -> str:
    if isinstance(node, _Ref):
        return node.full
    if isinstance(node, Named):
        return node.fullname
    return node.kind


def _excerpt(schema: object) -> str:
    try:
        text = json.dumps(schema, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(schema)
    return text if len(text) <= 100 else text[:100] + "..."
