"""Schemas, parsed once: text as registered, named types from references, fastavro's parsed form.

References are resolved here, recursively and once each (a diamond of references parses the
shared type once), through a callable that fetches a referenced subject version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException, UnknownType

from avroframe.registry.canonical import java_schema_text
from avroframe.registry.types import AVRO, Schema, SchemaReference

from .errors import SchemaError

NAMED_TYPES = frozenset({"record", "error", "enum", "fixed"})
PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})

ReferenceResolver = Callable[[SchemaReference], Schema]
"""Fetches the schema a reference names (a registry's ``get_version(subject, version)``)."""

SchemaLike = str | dict[str, Any] | list[Any] | Schema
"""What users may pass as a schema: JSON text, a decoded JSON value, or a registry Schema."""


@dataclass(frozen=True, eq=False)
class ParsedSchema:
    """A schema parsed once, with everything the codec needs."""

    text: str
    """The schema text to register: as Java's ``Schema.toString`` writes it (so the registry
    gives the id a Java producer gets), e.g. ``"string"`` for ``{"type": "string"}``."""
    json: Any
    """The decoded JSON of the schema itself (references not inlined)."""
    parsed: Any
    """fastavro's parsed form, standalone (named types from references included)."""
    named: dict[str, Any]
    """Every named type by full name, including those from references."""
    references: tuple[SchemaReference, ...] = ()
    name: str | None = None
    """Full name of the top-level named type (record, enum, fixed), else None."""
    registry_schema: Schema = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "registry_schema", Schema(self.text, AVRO, self.references))

    @property
    def type(self) -> str:
        """The top-level Avro type ("record", "bytes", "union", ...)."""
        return avro_type(self.json)

    @property
    def is_raw_bytes(self) -> bool:
        """True for a top-level ``bytes`` schema, whose body Java writes raw (no length prefix)."""
        return self.type == "bytes"


def avro_type(schema: Any) -> str:
    """The Avro type of a schema node: a primitive name, "union", a complex type, or a type name."""
    if isinstance(schema, list):
        return "union"
    if isinstance(schema, dict):
        kind = schema.get("type")
        return avro_type(kind) if isinstance(kind, (dict, list)) else str(kind)
    return str(schema)


def full_name(schema: dict[str, Any], namespace: str | None = None) -> str:
    """The full name of a named type, as the Avro spec defines it."""
    name = str(schema["name"])
    if "." in name:
        return name
    space = schema.get("namespace", namespace)
    return f"{space}.{name}" if space else name


def schema_text(value: Any) -> str:
    """Compact JSON text; a bare primitive `{"type": "x"}` becomes `"x"`, as Java writes it."""
    if isinstance(value, dict) and set(value) == {"type"} and value["type"] in PRIMITIVES:
        value = value["type"]
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def load(schema: SchemaLike) -> tuple[Any, str, tuple[SchemaReference, ...]]:
    """Decode a user's schema into (JSON value, text to register, references)."""
    references: tuple[SchemaReference, ...] = ()
    if isinstance(schema, Schema):
        if schema.schema_type.upper() != AVRO:
            raise SchemaError(f"schema type {schema.schema_type!r} is not supported: only AVRO")
        references = schema.references
        schema = schema.schema_str
    if isinstance(schema, str):
        text = schema.strip()
        try:
            value = json.loads(text)
        except RecursionError:
            raise SchemaError("schema JSON nests too deeply") from None
        except ValueError:
            # A bare name ("string", "com.example.Ref") is valid schema text too.
            if text and '"' not in text and " " not in text:
                value = text
            else:
                raise SchemaError(f"schema is not valid JSON: {text[:80]!r}") from None
        return value, schema_text(value), references
    if isinstance(schema, (dict, list)):
        return schema, schema_text(schema), references
    raise SchemaError(
        f"a schema must be JSON text, a dict, a list or a Schema, not {type(schema).__name__}"
    )


def parse(schema: SchemaLike, resolver: ReferenceResolver | None = None) -> ParsedSchema:
    """Parse ``schema`` once, resolving its references through ``resolver``."""
    value, text, references = load(schema)
    named: dict[str, Any] = {}
    fallbacks = null_namespace_fallbacks(value)
    for alias in fallbacks:
        named[alias] = {"type": "record", "name": alias, "fields": []}  # placeholder, see below
    referenced: list[str] = []
    if references:
        if resolver is None:
            raise SchemaError("the schema has references but no registry to resolve them")
        _resolve_references(references, resolver, named, set(), referenced)
    try:
        parsed = fastavro.parse_schema(value, named_schemas=named)
        if references and not (isinstance(parsed, dict) and "__named_schemas" in parsed):
            # Top-level unions and collections get no named-type table: inline the types.
            parsed = fastavro.parse_schema(value, named_schemas=dict(named), expand=True)
    except (
        SchemaParseException,
        UnknownType,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
    ) as exc:
        raise SchemaError(f"invalid Avro schema: {exc}") from exc
    for alias, target in fallbacks.items():
        named[alias] = named[target]  # fastavro only checked that the name exists: point it home
    name = full_name(value) if isinstance(value, dict) and avro_type(value) in NAMED_TYPES else None
    text = java_schema_text(text, referenced) or text
    return ParsedSchema(text, value, parsed, named, references, name)


def null_namespace_fallbacks(schema: Any) -> dict[str, str]:
    """References that Java resolves to a null-namespace type: ``{"com.acme.Plain": "Plain"}``.

    Java looks a short name up in the enclosing namespace and then in the null namespace;
    fastavro only does the first. Each such reference gets an alias in the named-type table.
    """
    defined: set[str] = set()
    references: list[tuple[str, str | None]] = []

    def walk(node: Any, namespace: str | None) -> None:
        if isinstance(node, list):
            for branch in node:
                walk(branch, namespace)
        elif isinstance(node, str):
            if node not in PRIMITIVES:
                references.append((node, namespace))
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in NAMED_TYPES and "name" in node:
                name = str(node["name"])
                inner: str | None
                if "." in name:
                    full, inner = name, name.rsplit(".", 1)[0]
                else:
                    inner = node.get("namespace", namespace) or None
                    full = f"{inner}.{name}" if inner else name
                defined.add(full)
                for field in node.get("fields", ()) if kind in ("record", "error") else ():
                    if isinstance(field, dict):
                        walk(field.get("type"), inner)
            elif kind == "array":
                walk(node.get("items"), namespace)
            elif kind == "map":
                walk(node.get("values"), namespace)
            elif isinstance(kind, (dict, list, str)):
                walk(kind, namespace)

    walk(schema, None)
    fallbacks = {}
    for ref, namespace in references:
        if "." in ref or not namespace:
            continue
        full = f"{namespace}.{ref}"
        if full not in defined and ref in defined:
            fallbacks[full] = ref
    return fallbacks


def _resolve_references(
    references: tuple[SchemaReference, ...],
    resolver: ReferenceResolver,
    named: dict[str, Any],
    seen: set[tuple[str, int]],
    texts: list[str],
) -> None:
    for ref in references:
        key = (ref.subject, ref.version)
        if key in seen:
            continue
        seen.add(key)
        target = resolver(ref)
        value, text, nested = load(target)
        _resolve_references(nested, resolver, named, seen, texts)
        texts.append(text)
        try:
            fastavro.parse_schema(value, named_schemas=named)
        except (SchemaParseException, UnknownType, ValueError, TypeError, KeyError) as exc:
            raise SchemaError(
                f"invalid Avro schema in reference {ref.name!r} "
                f"(subject {ref.subject!r} version {ref.version}): {exc}"
            ) from exc
