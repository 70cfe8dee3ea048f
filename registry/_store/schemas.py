"""Schemas as the embedded registry parses, identifies and compares them.

A schema is parsed against the database (its references resolved to the texts they name), and
identified by three keys: its exact stored form, a form independent of property order, and its
standalone form with the references inlined. Compatibility checks take parsed schemas; those of
stored schemas are parsed once and cached by content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final

from .._avro import ParsedAvro, parse_avro
from ..cache import Cache
from ..compat import check_compatibility
from ..errors import InvalidSchemaError
from ..types import CompatibilityResult, Schema, SchemaReference
from . import arguments
from .storage import SchemaRow, Tables, VersionRow, encode_references

__all__ = ["CompatibilityForms", "Prepared", "find_in_subject", "prepare", "referenced_texts"]

_MAX_REFERENCE_DEPTH: Final = 100


def _digest(*parts: object) -> str:
    return hashlib.sha256(
        json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A schema parsed against the database: its stored form and its identity keys."""

    parsed: ParsedAvro
    schema_type: str
    references: tuple[SchemaReference, ...]

    @cached_property
    def _refs_json(self) -> str:
        return encode_references(self.references)

    @cached_property
    def content_key(self) -> str:
        """Identifies the exact stored form: the same key is the same schema id."""
        return _digest(self.schema_type, self.parsed.text, self._refs_json)

    @cached_property
    def equivalence_key(self) -> str:
        """Identifies the schema whatever the order of its properties (lookups use it)."""
        return _digest(self.schema_type, self.parsed.equivalence, self._refs_json)

    @cached_property
    def resolved_key(self) -> str:
        """Identifies the standalone schema (a lookup without references inlined finds it)."""
        return _digest(self.schema_type, self.parsed.resolved_equivalence)


def referenced_texts(
    tables: Tables, references: Sequence[object]
) -> tuple[list[str], tuple[SchemaReference, ...]]:
    """Texts of the referenced schemas, dependencies first, and the references as stored
    (``-1``, "latest", replaced by the version it names)."""
    texts: dict[str, str] = {}
    stored: list[SchemaReference] = []

    def visit(refs: Sequence[object], depth: int, top: bool) -> None:
        if depth > _MAX_REFERENCE_DEPTH:
            raise InvalidSchemaError("schema references nest too deeply")
        for item in refs:
            ref = arguments.reference(item)
            row = None
            if ref.version == -1 or 1 <= ref.version <= arguments.MAX_VERSION:
                row = tables.version(ref.subject, ref.version)
            if row is None:
                raise InvalidSchemaError(
                    f"the reference {ref.name!r} names subject {ref.subject!r} version"
                    f" {ref.version}, which does not exist",
                    subject=ref.subject,
                    version=ref.version,
                )
            if top:
                stored.append(SchemaReference(ref.name, ref.subject, row.version))
            if ref.name in texts:
                continue
            texts[ref.name] = ""  # placeholder: a cycle of references stops here
            target = tables.schema(row.schema_id, used_only=False)
            assert target is not None  # a version always has its schema
            visit(target.references, depth + 1, False)
            del texts[ref.name]
            texts[ref.name] = target.text

    visit(references, 0, True)
    return list(texts.values()), tuple(stored)


def prepare(tables: Tables, schema: object, *, normalize: bool, strict: bool) -> Prepared:
    """Parse a schema argument against the database (42201 when it is not a valid schema)."""
    schema_type = arguments.schema_type(schema)
    assert isinstance(schema, Schema)
    referenced, references = referenced_texts(tables, schema.references)
    if normalize:
        references = tuple(sorted(set(references), key=lambda r: (r.name, r.subject, r.version)))
    parsed = parse_avro(schema.schema_str, referenced, strict=strict, normalize=normalize)
    return Prepared(parsed, schema_type, references)


def find_in_subject(
    tables: Tables, subject: str, prepared: Prepared, include_deleted: bool
) -> VersionRow | None:
    """The newest version of ``subject`` holding this schema, or one equivalent to it.

    As Confluent's lookup does: the exact schema first; else an equivalent one (properties in
    another order) or, for a schema sent without references, one whose references inline to it.
    """
    found = tables.find_version(subject, "content_key", prepared.content_key, include_deleted)
    if found is not None:
        return found
    candidates = [
        tables.find_version(subject, "equivalence_key", prepared.equivalence_key, include_deleted)
    ]
    if not prepared.references:
        candidates.append(
            tables.find_version(subject, "resolved_key", prepared.resolved_key, include_deleted)
        )
    rows = [row for row in candidates if row is not None]
    return max(rows, key=lambda row: row.version) if rows else None


class CompatibilityForms:
    """Stored schemas parsed as compatibility checks take them, cached by content, so that a
    subject's history is parsed once, not at every check.

    A parsed schema takes about ten times the memory of its text (22 KB for 42 fields), hence
    the bound: a transitive subject with a longer history is parsed again at each check.
    """

    def __init__(self, maxsize: int = 1024) -> None:
        self._forms: Cache[str, object] = Cache(maxsize=maxsize)

    def of(self, tables: Tables, row: SchemaRow) -> object:
        """The parsed form of one stored schema (parsed schemas are never changed)."""

        def load() -> object:
            referenced, _ = referenced_texts(tables, row.references)
            return parse_avro(row.text, referenced, strict=False).schema

        return self._forms.get_or_load(row.content_key, load)

    def check_versions(
        self, tables: Tables, candidate: Prepared, versions: Sequence[VersionRow], level: str
    ) -> CompatibilityResult:
        """Check ``candidate`` against the schemas of ``versions`` (oldest first) at ``level``."""
        existing: list[object] = []
        for version in versions:
            row = tables.schema(version.schema_id, used_only=False)
            assert row is not None  # a version always has its schema
            existing.append(self.of(tables, row))
        return check_compatibility(candidate.parsed.schema, existing, level)

    def check(
        self, tables: Tables, subject: str, candidate: Prepared, level: str
    ) -> CompatibilityResult:
        """Check ``candidate`` against the live versions of ``subject`` at ``level``.

        Only the versions the level compares with are read: none for ``NONE``, the latest for
        the other non-transitive levels, every live one (oldest first) for transitive levels.
        """
        if level.endswith("_TRANSITIVE"):
            existing = [self.of(tables, row) for row in tables.live_schemas(subject)]
            return check_compatibility(candidate.parsed.schema, existing, level)
        latest = tables.version(subject, -1) if level != "NONE" else None
        return self.check_versions(tables, candidate, [latest] if latest else [], level)
