"""The Avro schema model: one parser with Java 1.12's rules, the text Java writes, the checks.

I/O-free; used by the embedded registries (stored text, identity, validation), the
compatibility checks (:mod:`avroframe.registry.compat`) and the serde (text to register, names,
the null-namespace fallback)::

    from avroframe.registry import avro

    schema = avro.parse(json_value, references=[referenced_json_value])
    schema.text()                  # as Java's Schema.toString writes it, references by name
    schema.text(standalone=True)   # references defined inline
    schema.text(normalize=True)    # Confluent's normalized form
    schema.root                    # the nodes (avro.Record, avro.Union, ...), names resolved
    avro.check_new_schema(schema)  # what Confluent's server refuses for a new schema

Anything Avro refuses raises :class:`~avroframe.registry.errors.InvalidSchemaError` naming what
was wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidSchemaError
from ._checks import check_new_schema, valid_default
from ._parser import MAX_DEPTH, SchemaParser, loads
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

__all__ = [
    "MAX_DEPTH",
    "NO_DEFAULT",
    "PRIMITIVES",
    "Array",
    "AvroSchema",
    "Enum",
    "Field",
    "Fixed",
    "InvalidSchemaError",
    "Map",
    "Named",
    "Node",
    "Primitive",
    "Record",
    "Redefinition",
    "SchemaParser",
    "Union",
    "check_new_schema",
    "loads",
    "parse",
    "parse_text",
    "valid_default",
]


def parse(schema: Any, references: Sequence[Any] = ()) -> AvroSchema:
    """Parse a JSON-decoded schema after the schemas it references (dependencies first)."""
    parser = SchemaParser()
    for referenced in references:
        parser.parse(referenced)
    return parser.parse(schema)


def parse_text(text: str, references: Sequence[str] = ()) -> AvroSchema:
    """Parse schema JSON text after the texts it references (dependencies first)."""
    parser = SchemaParser()
    for position, referenced in enumerate(references, 1):
        parser.parse_text(referenced, f"referenced schema {position}")
    return parser.parse_text(text)
