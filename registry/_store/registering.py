"""Registering: finding a schema in a subject, or giving it an id and the next version."""

from __future__ import annotations

import uuid

from ..errors import IncompatibleSchemaError, OperationNotPermittedError, SchemaIdMismatchError
from ..types import Schema
from .schemas import CompatibilityForms, Prepared, find_in_subject, prepare
from .settings import COMPATIBILITY, MODE, in_scope, read_only
from .storage import SchemaRow, Tables

__all__ = ["register"]


def register(
    tables: Tables,
    forms: CompatibilityForms,
    subject: str,
    schema: Schema,
    normalize: bool,
    explicit: int | None,
) -> int:
    """Find ``schema`` in ``subject`` or add it as the next version; return its id.

    An explicit id (IMPORT mode only) is used as given; otherwise a schema stored before keeps
    its id and a new one gets the next. Compatibility is enforced except when importing.
    """
    looked_up = prepare(tables, schema, normalize=normalize, strict=False)
    found = find_in_subject(tables, subject, looked_up, include_deleted=False)
    if found is not None and explicit in (None, found.schema_id):
        return found.schema_id

    mode = in_scope(tables, MODE, subject)
    if read_only(mode):
        raise OperationNotPermittedError(f"subject {subject!r} is in {mode} mode", subject=subject)
    if explicit is not None and mode != "IMPORT":
        raise OperationNotPermittedError(
            f"registering under an explicit id needs IMPORT mode; subject {subject!r} is in"
            f" {mode} mode",
            subject=subject,
        )
    if explicit is None and mode != "READWRITE":
        raise OperationNotPermittedError(
            f"subject {subject!r} is in {mode} mode; registering needs READWRITE",
            subject=subject,
        )
    importing = mode == "IMPORT"
    prepared = prepare(
        tables, schema, normalize=normalize and not importing, strict=explicit is None
    )
    new_version = tables.last_version_number(subject) + 1

    target: int | None = None
    same = tables.schema_id_by_content(prepared.content_key)
    if same is not None and explicit in (None, same):
        target = same
        if tables.versions_of_schema(target, include_deleted=False, subject=subject):
            return target

    if not importing:
        level = in_scope(tables, COMPATIBILITY, subject)
        result = forms.check(tables, subject, prepared, level)
        if not result.is_compatible:
            # The reasons, without the old schema's whole text (the verbose compatibility
            # answer still carries it, as the server's does).
            reasons = [m for m in result.messages if not m.startswith("old schema:")]
            raise IncompatibleSchemaError(
                f"the schema is incompatible with subject {subject!r} at level {level}: "
                + "; ".join(reasons),
                subject=subject,
            )

    if target is None:
        target = _store_schema(tables, prepared, explicit)
    # Like Confluent: older soft-deleted versions of the same schema make way for this one.
    for version in tables.deleted_versions_of_schema(subject, target):
        if not tables.referrers(subject, version, include_deleted=True):
            tables.hard_delete(subject, version)
    tables.insert_version(subject, new_version, target)
    return target


def _store_schema(tables: Tables, prepared: Prepared, explicit: int | None) -> int:
    if explicit is not None:
        usage = tables.schema_usage(explicit)
        if usage is not None:
            content_key, used = usage
            if content_key == prepared.content_key:
                return explicit
            if used:
                raise SchemaIdMismatchError(
                    f"schema id {explicit} is already taken by a different schema",
                    schema_id=explicit,
                )
            # The id's versions were all deleted for good: the id may be reused.
            tables.delete_schema(explicit)
        schema_id = explicit
    else:
        schema_id = tables.next_schema_id()
    row = SchemaRow(
        schema_id,
        str(uuid.uuid4()),
        prepared.schema_type,
        prepared.parsed.text,
        prepared.references,
        prepared.content_key,
    )
    tables.insert_schema(row, prepared.equivalence_key, prepared.resolved_key)
    return schema_id
