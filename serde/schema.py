"""Schemas, parsed once: text as registered, named types from references, fastavro's parsed form.

The registry's Avro model (:mod:`avroframe.registry.avro`) parses a schema with Java's rules
(names, namespaces, the null-namespace fallback) and writes the text Java registers; fastavro
parses it again into the form the codec runs on. References are resolved here, recursively and
once each (a diamond of references parses the shared type once), through a callable that fetches
a referenced subject version.
"""

from __future__ import annotations

import functools
import json
import sys
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
    """The decoded JSON of the schema itself (references not inlined); None in a
    :meth:`lean` copy."""
    parsed: Any
    """fastavro's parsed form, standalone (named types from references included)."""
    named: dict[str, Any]
    """Every named type by full name, including those from references."""
    model: AvroSchema | None
    """The schema as the registry's Avro model parsed it (Java's rules, names resolved); None
    in a :meth:`lean` copy."""
    references: tuple[SchemaReference, ...] = ()
    registry_schema: Schema = field(init=False)
    type: str = field(init=False)
    """The top-level Avro type ("record", "bytes", "union", ...)."""
    name: str | None = field(init=False)
    """Full name of the top-level named type (record, enum, fixed), else None."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "registry_schema", Schema(self.text, AVRO, self.references))
        if self.model is not None:
            object.__setattr__(self, "type", self.model.type)
            object.__setattr__(self, "name", self.model.name)

    def lean(self) -> ParsedSchema:
        """A copy without the decoded JSON and the model, for what is kept per schema id: the
        codec needs only the text, fastavro's form and the named types (a third of the size)."""
        copy = ParsedSchema(self.text, None, self.parsed, self.named, None, self.references)
        object.__setattr__(copy, "type", self.type)
        object.__setattr__(copy, "name", self.name)
        return copy

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
            value = json.loads(text, object_pairs_hook=_interned)
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


CACHE_SIZE = 256
"""How many schemas without references :func:`parse` keeps parsed (least recently used go)."""


def _interned(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object with its keys and strings interned: fastavro then finds a field of a
    record value by identity when the value's keys are literals in the caller's code (as
    with a schema written as a dict literal), and every parsed schema shares one copy of
    "type", "name", "string" and the field names."""
    return {
        sys.intern(key): (
            sys.intern(value) if type(value) is str
            else [sys.intern(v) if type(v) is str else v for v in value] if type(value) is list
            else value
        )
        for key, value in pairs
    }


def parse(
    schema: SchemaLike, resolver: ReferenceResolver | None = None, *, cached: bool = True
) -> ParsedSchema:
    """Parse ``schema`` once, resolving its references through ``resolver``.

    A schema without references is parsed once per process (``cached``): the same text (or
    decoded JSON) gives the same :class:`ParsedSchema`, which is immutable, so serializers
    built again for a schema already seen skip the parse and the compilation keyed on it.
    """
    key = _cache_key(schema) if cached else None
    if key is not None:
        return _parse_text(key)
    return _parse(schema, resolver)


def _cache_key(schema: SchemaLike) -> str | None:
    """The text a reference-free schema is cached under, or None: not cached."""
    if isinstance(schema, Schema):
        if schema.references or schema.schema_type.upper() != AVRO:
            return None
        schema = schema.schema_str
    if isinstance(schema, str):
        return schema
    if isinstance(schema, (dict, list)):
        try:
            text = json.dumps(schema, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            return None  # not JSON: parsed uncached, so its own error is raised
        # Only a value that is its own JSON (no tuples, no int keys) may share the parse of it.
        return text if json.loads(text) == schema else None
    return None


@functools.lru_cache(maxsize=CACHE_SIZE)  # thread safe; a failed parse is not kept
def _parse_text(text: str) -> ParsedSchema:
    return _parse(text, None)


def _parse(schema: SchemaLike, resolver: ReferenceResolver | None) -> ParsedSchema:
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
