"""Schemas as the embedded registries store and compare them (built on :mod:`.avro`).

The embedded registries store and compare schemas the way Confluent Schema Registry does with
Java Avro 1.12: a schema is parsed (named types from its references first), validated like a new
schema when ``strict``, and stored as the compact JSON that Java's ``Schema.toString`` writes.
Two texts that differ only in whitespace or in the order of the standard attributes are
therefore the same schema. ``normalize`` additionally sorts custom properties and aliases, as
Confluent's ``normalize=true`` does, and the *equivalence* text ignores those orders altogether:
it is what a lookup falls back on, like Java's ``Schema.equals`` plus Confluent's doc and alias
comparison.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .avro import AvroSchema, check_new_schema, parse_text
from .errors import InvalidSchemaError

__all__ = ["ParsedAvro", "parse_avro"]


@dataclass(frozen=True)
class ParsedAvro:
    """One schema as the registry stores and compares it."""

    schema: AvroSchema
    """The parsed schema; what compatibility checks take."""
    normalize: bool

    @property
    def text(self) -> str:
        """Compact JSON as Java's ``Schema.toString`` writes it; referenced types by name."""
        return self.schema.text(normalize=self.normalize)

    @property
    def equivalence(self) -> str:
        """Like ``text`` but independent of the order of properties, aliases and JSON objects."""
        return self.schema.text(normalize=True)

    @property
    def resolved(self) -> str:
        """Standalone text: the named types of the references written inline."""
        return self.schema.text(normalize=self.normalize, standalone=True)

    @property
    def resolved_equivalence(self) -> str:
        """Standalone and order-independent: compares with a schema sent with references inlined."""
        return self.schema.text(normalize=True, standalone=True)

    @property
    def resolved_json(self) -> Any:
        """The standalone schema, JSON-decoded."""
        return json.loads(self.resolved)


# A registration parses its schema for the lookup and again for the write: the second is served
# from here. Parsed schemas are never changed, so sharing them is safe.
@lru_cache(maxsize=32)
def _parsed(text: str, referenced: tuple[str, ...]) -> AvroSchema:
    return parse_text(text, referenced)


@lru_cache(maxsize=32)
def _checked(schema: AvroSchema) -> AvroSchema:
    check_new_schema(schema)
    return schema


def parse_avro(
    text: str, referenced: Sequence[str] = (), *, strict: bool = True, normalize: bool = False
) -> ParsedAvro:
    """Parse ``text`` after the schemas it references (``referenced``, dependencies first).

    ``strict`` validates as Confluent validates a new schema (ASCII names, namespaces and
    defaults checked, fastavro must accept it); lookups parse leniently. Raises
    :class:`~avroframe.registry.errors.InvalidSchemaError` for anything that is not a valid
    schema.
    """
    if not isinstance(text, str):
        raise InvalidSchemaError("invalid Avro schema: the schema is not text")
    try:
        schema = _parsed(text, tuple(referenced))
        if strict:
            _checked(schema)
    except RecursionError:
        raise InvalidSchemaError("invalid Avro schema: the schema nests too deeply") from None
    return ParsedAvro(schema, normalize)
