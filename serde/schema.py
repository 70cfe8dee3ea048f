"""Schemas, parsed once: text as registered, named types from references, fastavro's parsed form.

The registry's Avro model (:mod:`avroframe.registry.avro`) parses a schema with Java's rules
(names, namespaces, the null-namespace fallback) and writes the text Java registers; fastavro
parses it again into the form the codec runs on. References are resolved here, recursively and
once each (a diamond of references parses the shared type once), through a callable that fetches
a referenced subject version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException, UnknownType

from avroframe.registry.avro import AvroSchema, SchemaParser
from avroframe.registry.errors import InvalidSchemaError
from avroframe.registry.types import AVRO, Schema, SchemaReference

from .errors import SchemaError

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
    model: AvroSchema
    """The schema as the registry's Avro model parsed it (Java's rules, names resolved)."""
    references: tuple[SchemaReference, ...] = ()
    registry_schema: Schema = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "registry_schema", Schema(self.text, AVRO, self.references))

    @property
    def type(self) -> str:
        """The top-level Avro type ("record", "bytes", "union", ...)."""
        return self.model.type

    @property
    def name(self) -> str | None:
        """Full name of the top-level named type (record, enum, fixed), else None."""
        return self.model.name

    @property
    def is_raw_bytes(self) -> bool:
        """True for a top-level ``bytes`` schema, whose body Java writes raw (no length prefix)."""
        return self.type == "bytes"


def load(schema: SchemaLike) -> tuple[Any, tuple[SchemaReference, ...]]:
    """Decode a user's schema into (JSON value, references)."""
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
        return value, references
    if isinstance(schema, (dict, list)):
        return schema, references
    raise SchemaError(
        f"a schema must be JSON text, a dict, a list or a Schema, not {type(schema).__name__}"
    )


def parse(schema: SchemaLike, resolver: ReferenceResolver | None = None) -> ParsedSchema:
    """Parse ``schema`` once, resolving its references through ``resolver``."""
    value, references = load(schema)
    parser = SchemaParser()
    referenced: list[tuple[SchemaReference, Any]] = []
    if references:
        if resolver is None:
            raise SchemaError("the schema has references but no registry to resolve them")
        _resolve_references(references, resolver, parser, set(), referenced)
    try:
        model = parser.parse(value)
    except InvalidSchemaError as exc:
        raise SchemaError(exc.error_message) from exc
    # fastavro looks an unqualified name up in the enclosing namespace only; Java then tries the
    # null namespace. Each such name gets a placeholder that fastavro accepts, then its target.
    named: dict[str, Any] = {
        alias: {"type": "record", "name": alias, "fields": []} for alias in parser.fallbacks
    }
    for ref, ref_value in referenced:
        _fastavro_parse(ref_value, named, ref)
    parsed = _fastavro_parse(value, named, None)
    if references and not (isinstance(parsed, dict) and "__named_schemas" in parsed):
        # Top-level unions and collections get no named-type table: inline the types.
        parsed = _fastavro_parse(value, dict(named), None, expand=True)
    for alias, target in parser.fallbacks.items():
        named[alias] = named[target]
    return ParsedSchema(model.text(), value, parsed, named, model, references)


def _fastavro_parse(
    value: Any, named: dict[str, Any], ref: SchemaReference | None, *, expand: bool = False
) -> Any:
    try:
        return fastavro.parse_schema(value, named_schemas=named, expand=expand)
    except (
        SchemaParseException,
        UnknownType,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
    ) as exc:
        where = (
            ""
            if ref is None
            else f" in reference {ref.name!r} (subject {ref.subject!r} version {ref.version})"
        )
        raise SchemaError(f"invalid Avro schema{where}: {exc}") from exc


def _resolve_references(
    references: tuple[SchemaReference, ...],
    resolver: ReferenceResolver,
    parser: SchemaParser,
    seen: set[tuple[str, int]],
    out: list[tuple[SchemaReference, Any]],
) -> None:
    """Fetch the referenced schemas, dependencies first, and parse each into ``parser``."""
    for ref in references:
        key = (ref.subject, ref.version)
        if key in seen:
            continue
        seen.add(key)
        value, nested = load(resolver(ref))
        _resolve_references(nested, resolver, parser, seen, out)
        try:
            parser.parse(value)
        except InvalidSchemaError as exc:
            raise SchemaError(
                f"{exc.error_message} (in reference {ref.name!r}, subject {ref.subject!r} "
                f"version {ref.version})"
            ) from exc
        out.append((ref, value))
