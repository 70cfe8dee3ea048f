"""The embedded registry client: Confluent's server semantics, one transaction per call.

Global schema ids shared by every subject that registers the same schema, versions per subject
from 1, soft deletes before permanent ones, references and the refusal to delete what is
referenced, compatibility enforced at registration, per-subject and global compatibility levels
and modes (``IMPORT`` registers under explicit ids), and Confluent's error codes. Each call
checks its arguments, then runs in one transaction (``BEGIN IMMEDIATE`` for writes, so that id
and version allocation is atomic even between processes sharing a database file); registering
and deleting are in :mod:`.registering` and :mod:`.deleting`, settings in :mod:`.settings`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import (
    InvalidSchemaError,
    RegistryUnavailableError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    VersionNotFoundError,
)
from ..protocol import Version
from ..types import AVRO, CompatibilityResult, RegisteredSchema, Schema
from . import arguments, deleting
from .registering import register
from .schemas import CompatibilityForms, find_in_subject, prepare
from .settings import COMPATIBILITY, MODE, SubjectSettings, in_scope
from .storage import SchemaRow, Tables, VersionRow, transaction

__all__ = ["EmbeddedRegistry"]


class EmbeddedRegistry:
    """Confluent Schema Registry semantics over one sqlite connection.

    The connection must be in autocommit mode (``isolation_level=None``) and usable from any
    thread (``check_same_thread=False``); ``lock`` serializes its use within this process and may
    be shared by several registry objects using the same connection.
    """

    def __init__(self, connection: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn = connection
        self._lock = lock
        self._closed = False
        self._forms = CompatibilityForms()
        self._settings = SubjectSettings(self._transaction)

    # -- plumbing --------------------------------------------------------------------------

    def _release(self) -> None:
        """Give the connection back; subclasses that own it close it here."""

    def close(self) -> None:
        """Release connections and files; the client is unusable afterwards."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._release()

    def __enter__(self) -> EmbeddedRegistry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RegistryUnavailableError(f"{self!r} is closed")

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Tables]:
        with self._lock:
            self._check_open()
            with transaction(self._conn, write) as tables:
                yield tables

    # -- registering -----------------------------------------------------------------------

    def register_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        *,
        schema_id: int | None = None,
    ) -> int:
        """Register ``schema`` under ``subject_name`` (or find it there) and return its id.

        An explicit ``schema_id`` needs the subject (or the registry) in ``IMPORT`` mode.
        """
        subject = arguments.new_subject(subject_name)
        explicit = arguments.explicit_id(schema_id)
        with self._transaction(write=True) as tables:
            return register(tables, self._forms, subject, schema, bool(normalize_schemas), explicit)

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _schema_of(row: SchemaRow) -> Schema:
        return Schema(row.text, row.schema_type, row.references)

    def _registered(self, tables: Tables, version: VersionRow) -> RegisteredSchema:
        row = tables.schema(version.schema_id, used_only=False)
        assert row is not None  # a version always has its schema
        return RegisteredSchema(
            row.schema_id, self._schema_of(row), version.subject, version.version, row.guid
        )

    def lookup_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        deleted: bool = False,
    ) -> RegisteredSchema:
        """Return the registration of ``schema`` under ``subject_name``; never registers."""
        subject = arguments.subject(subject_name)
        with self._transaction() as tables:
            prepared = prepare(tables, schema, normalize=bool(normalize_schemas), strict=False)
            found = find_in_subject(tables, subject, prepared, include_deleted=bool(deleted))
            if found is None:
                if not tables.subject_exists(subject, bool(deleted)):
                    raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
                raise SchemaNotFoundError(
                    f"the schema is not registered under subject {subject!r}", subject=subject
                )
            return self._registered(tables, found)

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Schema:
        """Return the schema with this id (``subject_name`` does not restrict the search)."""
        with self._transaction() as tables:
            row = tables.schema(schema_id) if arguments.is_schema_id(schema_id) else None
            if row is None:
                raise SchemaNotFoundError(
                    f"schema {schema_id!r} not found",
                    schema_id=arguments.schema_id_or_none(schema_id),
                )
            return self._schema_of(row)

    def get_schema_by_guid(self, guid: str) -> Schema:
        """Return the schema with this GUID."""
        with self._transaction() as tables:
            row = None
            if isinstance(guid, str):
                found = tables.schema_id_by_guid(guid)
                row = tables.schema(found) if found is not None else None
            if row is None:
                raise SchemaNotFoundError(f"schema with GUID {guid!r} not found")
            return self._schema_of(row)

    def get_latest_version(self, subject_name: str) -> RegisteredSchema:
        """Return the newest live version registered under ``subject_name``."""
        return self.get_version(subject_name, -1)

    def get_version(
        self, subject_name: str, version: Version, deleted: bool = False
    ) -> RegisteredSchema:
        """Return one version of ``subject_name`` (a number, ``"latest"`` or ``-1``).

        ``"latest"`` is the newest live version even when ``deleted`` is true, as on the server.
        """
        subject = arguments.subject(subject_name)
        number = arguments.version(version)
        with self._transaction() as tables:
            row = tables.version(subject, number)
            if row is None or (row.deleted and not deleted):
                if not tables.subject_exists(subject, bool(deleted)):
                    raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
                raise VersionNotFoundError(
                    f"version {version} of subject {subject!r} not found",
                    subject=subject,
                    version=number,
                )
            return self._registered(tables, row)

    def get_subjects(
        self,
        subject_prefix: str | None = None,
        deleted: bool = False,
        deleted_only: bool = False,
    ) -> list[str]:
        """List subjects, optionally by prefix and including (or only) soft-deleted ones."""
        with self._transaction() as tables:
            rows = tables.subjects()
        prefix = arguments.subject_prefix(subject_prefix)
        subjects = []
        for subject, all_deleted in rows:
            keep = all_deleted if deleted_only else bool(deleted) or not all_deleted
            if keep and subject.startswith(prefix):
                subjects.append(subject)
        return subjects

    def get_versions(self, subject_name: str, deleted: bool = False) -> list[int]:
        """List the version numbers of ``subject_name`` (soft-deleted ones when ``deleted``)."""
        subject = arguments.subject(subject_name)
        with self._transaction() as tables:
            rows = tables.versions(subject, include_deleted=bool(deleted))
        if not rows:
            raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
        return [r.version for r in rows]

    def _id_versions(self, schema_id: int, deleted: bool) -> list[tuple[str, int]]:
        with self._transaction() as tables:
            if not arguments.is_schema_id(schema_id) or tables.schema(schema_id) is None:
                raise SchemaNotFoundError(
                    f"schema {schema_id!r} not found",
                    schema_id=arguments.schema_id_or_none(schema_id),
                )
            return tables.versions_of_schema(schema_id, include_deleted=deleted)

    def get_subjects_by_schema_id(self, schema_id: int, deleted: bool = False) -> list[str]:
        """List the subjects under which the schema with this id is registered."""
        subjects: list[str] = []
        for subject, _ in self._id_versions(schema_id, bool(deleted)):
            if subject not in subjects:
                subjects.append(subject)
        return subjects

    def get_schema_versions(self, schema_id: int, deleted: bool = False) -> list[tuple[str, int]]:
        """List the ``(subject, version)`` pairs under which this id is registered."""
        return self._id_versions(schema_id, bool(deleted))

    def get_referenced_by(self, subject_name: str, version: Version) -> list[int]:
        """List the ids of the live schemas that reference this subject version."""
        subject = arguments.subject(subject_name)
        number = arguments.version(version)
        with self._transaction() as tables:
            row = tables.version(subject, number) or deleting.missing_version(
                tables, subject, number
            )
            return tables.referrers(subject, row.version, include_deleted=False)

    # -- deleting --------------------------------------------------------------------------

    def delete_subject(self, subject_name: str, permanent: bool = False) -> list[int]:
        """Soft-delete (or, after that, permanently delete) a subject; return its versions."""
        subject = arguments.subject(subject_name)
        with self._transaction(write=True) as tables:
            return deleting.delete_subject(tables, subject, bool(permanent))

    def delete_version(self, subject_name: str, version: Version, permanent: bool = False) -> int:
        """Soft-delete (or, after that, permanently delete) one version; return its number."""
        subject = arguments.subject(subject_name)
        number = arguments.version(version)
        with self._transaction(write=True) as tables:
            return deleting.delete_version(tables, subject, number, bool(permanent))

    # -- compatibility ---------------------------------------------------------------------

    def test_compatibility(
        self,
        subject_name: str,
        schema: Schema,
        version: Version | None = "latest",
        *,
        verbose: bool = False,
    ) -> CompatibilityResult:
        """Test ``schema`` against one live version, or against all when ``version`` is None.

        Messages are returned only when ``verbose``; an invalid schema is then an incompatible
        result instead of an :class:`~avroframe.registry.errors.InvalidSchemaError`.
        """
        subject = arguments.subject(subject_name)
        number = None if version is None else arguments.version(version)
        with self._transaction() as tables:
            row: VersionRow | None = None
            if number is not None:
                row = tables.version(subject, number)
                if row is not None and row.deleted:
                    row = None
                if row is None and number != -1:
                    raise VersionNotFoundError(
                        f"version {number} of subject {subject!r} not found",
                        subject=subject,
                        version=number,
                    )
            try:
                prepared = prepare(tables, schema, normalize=False, strict=True)
            except InvalidSchemaError as exc:
                if verbose:
                    return CompatibilityResult(False, (exc.error_message,))
                raise
            level = in_scope(tables, COMPATIBILITY, subject)
            if number is None:
                result = self._forms.check(tables, subject, prepared, level)
            else:
                result = self._forms.check_versions(tables, prepared, [row] if row else [], level)
        return result if verbose else CompatibilityResult(result.is_compatible)

    def get_compatibility(
        self, subject_name: str | None = None, default_to_global: bool = False
    ) -> str:
        """Return the compatibility level of a subject, or the global one."""
        return self._settings.get(COMPATIBILITY, subject_name, default_to_global)

    def set_compatibility(self, subject_name: str | None = None, level: str = "BACKWARD") -> str:
        """Set the compatibility level of a subject, or the global one; return it."""
        return self._settings.set(COMPATIBILITY, subject_name, level)

    def delete_compatibility(self, subject_name: str | None = None) -> str:
        """Remove a subject's own level (or reset the global one); return the level removed."""
        return self._settings.delete(COMPATIBILITY, subject_name)

    # -- modes -----------------------------------------------------------------------------

    def get_mode(self, subject_name: str | None = None, default_to_global: bool = False) -> str:
        """Return the mode of a subject, or the global one."""
        return self._settings.get(MODE, subject_name, default_to_global)

    def set_mode(self, mode: str, subject_name: str | None = None, force: bool = False) -> str:
        """Set the mode of a subject, or the global one; return it.

        Entering ``IMPORT`` needs the subject (for the global mode: every subject) to have no
        live version unless ``force``; its soft-deleted versions are then deleted for good.
        """
        return self._settings.set(
            MODE, subject_name, mode, None if force else deleting.enter_import
        )

    def delete_mode(self, subject_name: str | None = None) -> str:
        """Remove a subject's own mode (or reset the global one); return the mode removed."""
        return self._settings.delete(MODE, subject_name)

    def get_schema_types(self) -> list[str]:
        """List the schema types the registry supports: Avro only."""
        with self._lock:
            self._check_open()
        return [AVRO]
