"""Schema Registry server semantics on sqlite: the one implementation behind the embedded backends.

:class:`EmbeddedRegistry` implements :class:`~registry.protocol.SchemaRegistryClient` as
Confluent's server behaves: global schema ids shared by every subject that registers the same
schema, versions per subject from 1, soft deletes before permanent ones, references and the
refusal to delete what is referenced, compatibility enforced at registration, per-subject and
global compatibility levels and modes (``IMPORT`` registers under explicit ids), and Confluent's
error codes. Each call is one sqlite transaction (``BEGIN IMMEDIATE`` for writes, so that id and
version allocation is atomic even between processes sharing a database file).

``memory.py`` and ``sqlite.py`` only decide where the database lives.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from ._avro import ParsedAvro, parse_avro
from .cache import Cache
from .compat import check_compatibility
from .errors import (
    CompatibilityNotConfiguredError,
    IncompatibleSchemaError,
    InvalidCompatibilityLevelError,
    InvalidModeError,
    InvalidSchemaError,
    InvalidSubjectError,
    InvalidVersionError,
    ModeNotConfiguredError,
    OperationNotPermittedError,
    ReferenceExistsError,
    RegistryError,
    RegistryServerError,
    RegistryTimeoutError,
    RegistryUnavailableError,
    SchemaIdMismatchError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    SubjectNotSoftDeletedError,
    SubjectSoftDeletedError,
    UnprocessableError,
    VersionNotFoundError,
    VersionNotSoftDeletedError,
    VersionSoftDeletedError,
)
from .protocol import Version
from .types import (
    AVRO,
    COMPATIBILITY_LEVELS,
    DEFAULT_COMPATIBILITY,
    DEFAULT_MODE,
    MODES,
    CompatibilityResult,
    RegisteredSchema,
    Schema,
    SchemaReference,
)

__all__ = ["EmbeddedRegistry", "create_tables"]

_GLOBAL: Final = ""
"""The config and mode tables keep the global setting under the empty subject (never valid)."""
_READ_ONLY_MODES: Final = frozenset(("READONLY", "READONLY_OVERRIDE"))
_MAX_VERSION: Final = 2**31 - 1
_MAX_ID: Final = 2**31 - 1
_MAX_REFERENCE_DEPTH: Final = 100
_RESERVED_SUBJECTS: Final = frozenset(("__GLOBAL", "__EMPTY"))

_TABLES: Final = (
    """CREATE TABLE IF NOT EXISTS schemas (
        id INTEGER PRIMARY KEY,
        guid TEXT NOT NULL UNIQUE,
        schema_type TEXT NOT NULL,
        schema_text TEXT NOT NULL,
        refs TEXT NOT NULL,
        content_key TEXT NOT NULL,
        equivalence_key TEXT NOT NULL,
        resolved_key TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS schemas_content ON schemas (content_key)",
    """CREATE TABLE IF NOT EXISTS versions (
        subject TEXT NOT NULL,
        version INTEGER NOT NULL,
        schema_id INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (subject, version)
    )""",
    "CREATE INDEX IF NOT EXISTS versions_schema ON versions (schema_id)",
    """CREATE TABLE IF NOT EXISTS refs (
        schema_id INTEGER NOT NULL,
        ref_subject TEXT NOT NULL,
        ref_version INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS refs_target ON refs (ref_subject, ref_version)",
    "CREATE INDEX IF NOT EXISTS refs_schema ON refs (schema_id)",
    "CREATE TABLE IF NOT EXISTS config (subject TEXT PRIMARY KEY, level TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS mode (subject TEXT PRIMARY KEY, mode TEXT NOT NULL)",
)


def create_tables(connection: sqlite3.Connection) -> None:
    """Create the registry tables if they are missing (one immediate transaction)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in _TABLES:
            connection.execute(statement)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _store_error(exc: sqlite3.Error) -> RegistryError:
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return RegistryTimeoutError(f"the registry database stayed locked: {text}")
    return RegistryServerError(
        f"registry database error: {text}", http_status_code=500, error_code=50001
    )


def _digest(*parts: object) -> str:
    return hashlib.sha256(
        json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


@dataclass(frozen=True)
class _Prepared:
    """A schema parsed against the database: its stored form and its identity keys."""

    parsed: ParsedAvro
    schema_type: str
    references: tuple[SchemaReference, ...]

    @property
    def refs_json(self) -> str:
        return json.dumps([[r.name, r.subject, r.version] for r in self.references])

    @property
    def content_key(self) -> str:
        return _digest(self.schema_type, self.parsed.text, self.refs_json)

    @property
    def equivalence_key(self) -> str:
        return _digest(self.schema_type, self.parsed.equivalence, self.refs_json)

    @property
    def resolved_key(self) -> str:
        return _digest(self.schema_type, self.parsed.resolved_equivalence)


@dataclass(frozen=True)
class _VersionRow:
    subject: str
    version: int
    schema_id: int
    deleted: bool


def _check_subject(subject: object) -> str:
    """Refuse subject names the server refuses (42208): empty, control characters, reserved."""
    if (
        not isinstance(subject, str)
        or not subject
        or subject in _RESERVED_SUBJECTS
        or any(unicodedata.category(c) == "Cc" for c in subject)
    ):
        raise InvalidSubjectError(f"invalid subject name {subject!r}", subject=_safe(subject))
    return subject


def _subject_arg(subject: object) -> str:
    """A subject named in a read: anything that is not a string is refused (42208)."""
    if not isinstance(subject, str):
        raise InvalidSubjectError(f"invalid subject name {subject!r}")
    return subject


def _safe(subject: object) -> str | None:
    return subject if isinstance(subject, str) else None


def _parse_version(version: object) -> int:
    """A version number, or -1 for ``"latest"``; anything else is refused (42202)."""
    number: int | None = None
    if isinstance(version, int) and not isinstance(version, bool):
        number = version
    elif isinstance(version, str):
        text = version.strip()
        if text.lower() == "latest":
            number = -1
        elif text.lstrip("-").isdigit():
            number = int(text)
    if number is None or not (number == -1 or 1 <= number <= _MAX_VERSION):
        raise InvalidVersionError(
            f'the version {version!r} is not valid: use 1 to 2^31-1 or "latest"',
            version=version if isinstance(version, (int, str)) else None,
        )
    return number


def _level_arg(level: object) -> str:
    name = level.upper() if isinstance(level, str) else ""
    if name not in COMPATIBILITY_LEVELS:
        raise InvalidCompatibilityLevelError(
            f"invalid compatibility level {level!r};"
            f" valid levels: {', '.join(COMPATIBILITY_LEVELS)}"
        )
    return name


def _mode_arg(mode: object) -> str:
    name = mode.upper() if isinstance(mode, str) else ""
    if name not in MODES:
        raise InvalidModeError(f"invalid mode {mode!r}; valid modes: {', '.join(MODES)}")
    return name


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
        self._resolved: Cache[str, str] = Cache(maxsize=4096)

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

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise RegistryUnavailableError(f"{self!r} is closed")
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            except sqlite3.Error as exc:
                raise _store_error(exc) from exc
            try:
                yield conn
            except sqlite3.Error as exc:
                self._rollback(conn)
                raise _store_error(exc) from exc
            except BaseException:
                self._rollback(conn)
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(conn)
                raise _store_error(exc) from exc

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    # -- rows ------------------------------------------------------------------------------

    @staticmethod
    def _version_rows(
        conn: sqlite3.Connection, subject: str, include_deleted: bool = True
    ) -> list[_VersionRow]:
        sql = "SELECT version, schema_id, deleted FROM versions WHERE subject = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        rows = conn.execute(sql + " ORDER BY version", (subject,)).fetchall()
        return [_VersionRow(subject, v, i, bool(d)) for v, i, d in rows]

    @staticmethod
    def _version_row(conn: sqlite3.Connection, subject: str, version: int) -> _VersionRow | None:
        """One version (soft-deleted included); -1 is the latest live version."""
        if version == -1:
            row = conn.execute(
                "SELECT version, schema_id, deleted FROM versions"
                " WHERE subject = ? AND deleted = 0 ORDER BY version DESC LIMIT 1",
                (subject,),
            ).fetchone()
        else:
            row = conn.execute(
                "SELECT version, schema_id, deleted FROM versions"
                " WHERE subject = ? AND version = ?",
                (subject, version),
            ).fetchone()
        return None if row is None else _VersionRow(subject, row[0], row[1], bool(row[2]))

    @staticmethod
    def _subject_exists(conn: sqlite3.Connection, subject: str, include_deleted: bool) -> bool:
        sql = "SELECT 1 FROM versions WHERE subject = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        return conn.execute(sql + " LIMIT 1", (subject,)).fetchone() is not None

    @staticmethod
    def _schema_row(conn: sqlite3.Connection, schema_id: int) -> tuple[Any, ...] | None:
        """The stored schema with this id, if some subject version (even soft-deleted) uses it."""
        row: tuple[Any, ...] | None = conn.execute(
            "SELECT id, guid, schema_type, schema_text, refs, content_key FROM schemas"
            " WHERE id = ? AND EXISTS (SELECT 1 FROM versions WHERE schema_id = schemas.id)",
            (schema_id,),
        ).fetchone()
        return row

    @staticmethod
    def _schema_of(row: tuple[Any, ...]) -> Schema:
        refs = tuple(SchemaReference(n, s, v) for n, s, v in json.loads(row[4]))
        return Schema(row[3], row[2], refs)

    def _registered(self, conn: sqlite3.Connection, version: _VersionRow) -> RegisteredSchema:
        row = conn.execute(
            "SELECT id, guid, schema_type, schema_text, refs FROM schemas WHERE id = ?",
            (version.schema_id,),
        ).fetchone()
        return RegisteredSchema(
            row[0], self._schema_of(row), version.subject, version.version, row[1]
        )

    @staticmethod
    def _setting(conn: sqlite3.Connection, table: str, subject: str) -> str | None:
        column = "level" if table == "config" else "mode"
        row = conn.execute(f"SELECT {column} FROM {table} WHERE subject = ?", (subject,)).fetchone()
        return None if row is None else str(row[0])

    def _level_in_scope(self, conn: sqlite3.Connection, subject: str) -> str:
        return (
            self._setting(conn, "config", subject)
            or self._setting(conn, "config", _GLOBAL)
            or DEFAULT_COMPATIBILITY
        )

    def _mode_in_scope(self, conn: sqlite3.Connection, subject: str | None) -> str:
        own = self._setting(conn, "mode", subject) if subject is not None else None
        return own or self._setting(conn, "mode", _GLOBAL) or DEFAULT_MODE

    def _check_writable(self, conn: sqlite3.Connection, subject: str | None) -> None:
        mode = self._mode_in_scope(conn, subject)
        if mode in _READ_ONLY_MODES:
            where = f"subject {subject!r}" if subject is not None else "the registry"
            raise OperationNotPermittedError(f"{where} is in {mode} mode", subject=subject)

    @staticmethod
    def _referrers(
        conn: sqlite3.Connection, subject: str, version: int, include_deleted: bool
    ) -> list[int]:
        """Ids of the schemas that reference this subject version and still exist."""
        live = "" if include_deleted else " AND v.deleted = 0"
        rows = conn.execute(
            "SELECT DISTINCT r.schema_id FROM refs r WHERE r.ref_subject = ? AND r.ref_version = ?"
            " AND EXISTS (SELECT 1 FROM versions v WHERE v.schema_id = r.schema_id" + live + ")"
            " ORDER BY r.schema_id",
            (subject, version),
        ).fetchall()
        return [int(r[0]) for r in rows]

    @staticmethod
    def _referring_subjects(
        conn: sqlite3.Connection, subject: str, version: int, include_deleted: bool
    ) -> set[str]:
        live = "" if include_deleted else " AND v.deleted = 0"
        rows = conn.execute(
            "SELECT DISTINCT v.subject FROM refs r JOIN versions v ON v.schema_id = r.schema_id"
            " WHERE r.ref_subject = ? AND r.ref_version = ?" + live,
            (subject, version),
        ).fetchall()
        return {str(r[0]) for r in rows}

    # -- parsing against the database -----------------------------------------------------

    def _referenced_texts(
        self, conn: sqlite3.Connection, references: Sequence[SchemaReference]
    ) -> tuple[list[str], tuple[SchemaReference, ...]]:
        """Texts of the referenced schemas, dependencies first, and the references as stored."""
        texts: dict[str, str] = {}
        stored: list[SchemaReference] = []

        def visit(refs: Sequence[SchemaReference], depth: int, top: bool) -> None:
            if depth > _MAX_REFERENCE_DEPTH:
                raise InvalidSchemaError("schema references nest too deeply")
            for ref in refs:
                if not (
                    isinstance(ref, SchemaReference)
                    and isinstance(ref.name, str)
                    and isinstance(ref.subject, str)
                    and isinstance(ref.version, int)
                    and not isinstance(ref.version, bool)
                ):
                    raise InvalidSchemaError(f"invalid schema reference {ref!r}")
                row = None
                if ref.version == -1 or 1 <= ref.version <= _MAX_VERSION:
                    row = self._version_row(conn, ref.subject, ref.version)
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
                schema_row = conn.execute(
                    "SELECT schema_text, refs FROM schemas WHERE id = ?", (row.schema_id,)
                ).fetchone()
                nested = [SchemaReference(n, s, v) for n, s, v in json.loads(schema_row[1])]
                visit(nested, depth + 1, False)
                del texts[ref.name]
                texts[ref.name] = schema_row[0]

        visit(references, 0, True)
        return list(texts.values()), tuple(stored)

    def _prepare(
        self, conn: sqlite3.Connection, schema: object, *, normalize: bool, strict: bool
    ) -> _Prepared:
        if not isinstance(schema, Schema):
            raise InvalidSchemaError(
                f"expected a registry.types.Schema, got {type(schema).__name__}"
            )
        schema_type = schema.schema_type or AVRO
        if schema_type != AVRO:
            raise InvalidSchemaError(
                f"unsupported schema type {schema_type!r}; this registry supports {AVRO} only"
            )
        referenced, references = self._referenced_texts(conn, schema.references)
        if normalize:
            references = tuple(
                sorted(set(references), key=lambda r: (r.name, r.subject, r.version))
            )
        parsed = parse_avro(schema.schema_str, referenced, strict=strict, normalize=normalize)
        return _Prepared(parsed, schema_type, references)

    def _resolved_json(self, conn: sqlite3.Connection, schema_id: int) -> Any:
        row = conn.execute(
            "SELECT schema_text, refs, content_key FROM schemas WHERE id = ?", (schema_id,)
        ).fetchone()

        def load() -> str:
            refs = [SchemaReference(n, s, v) for n, s, v in json.loads(row[1])]
            referenced, _ = self._referenced_texts(conn, refs)
            return parse_avro(row[0], referenced, strict=False).resolved

        return json.loads(self._resolved.get_or_load(row[2], load))

    def _find_in_subject(
        self, conn: sqlite3.Connection, subject: str, prepared: _Prepared, include_deleted: bool
    ) -> _VersionRow | None:
        """The newest version of ``subject`` holding this schema, or one equivalent to it."""
        live = "" if include_deleted else " AND v.deleted = 0"
        base = (
            "SELECT v.version, v.schema_id, v.deleted FROM versions v"
            " JOIN schemas s ON s.id = v.schema_id WHERE v.subject = ?" + live
        )
        row = conn.execute(
            base + " AND s.content_key = ? ORDER BY v.version DESC LIMIT 1",
            (subject, prepared.content_key),
        ).fetchone()
        if row is None:
            # As Confluent's lookup does: an equivalent schema (properties in another order), or,
            # for a schema sent without references, one whose references inline to it.
            row = conn.execute(
                base + " AND (s.equivalence_key = ? OR (? AND s.resolved_key = ?))"
                " ORDER BY v.version DESC LIMIT 1",
                (
                    subject,
                    prepared.equivalence_key,
                    not prepared.references,
                    prepared.resolved_key,
                ),
            ).fetchone()
        return None if row is None else _VersionRow(subject, row[0], row[1], bool(row[2]))

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
        subject = _check_subject(subject_name)
        if schema_id is not None and not (_is_id(schema_id) or _id(schema_id) == -1):
            raise UnprocessableError(f"invalid schema id {schema_id!r}: use 0 to 2^31-1")
        explicit = schema_id if schema_id is not None and schema_id >= 0 else None
        with self._transaction(write=True) as conn:
            return self._register(conn, subject, schema, bool(normalize_schemas), explicit)

    def _register(
        self,
        conn: sqlite3.Connection,
        subject: str,
        schema: Schema,
        normalize: bool,
        explicit: int | None,
    ) -> int:
        looked_up = self._prepare(conn, schema, normalize=normalize, strict=False)
        found = self._find_in_subject(conn, subject, looked_up, include_deleted=False)
        if found is not None and explicit in (None, found.schema_id):
            return found.schema_id

        mode = self._mode_in_scope(conn, subject)
        if mode in _READ_ONLY_MODES:
            raise OperationNotPermittedError(
                f"subject {subject!r} is in {mode} mode", subject=subject
            )
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
        prepared = self._prepare(
            conn, schema, normalize=normalize and not importing, strict=explicit is None
        )
        rows = self._version_rows(conn, subject)
        live = [r for r in rows if not r.deleted]
        new_version = (rows[-1].version + 1) if rows else 1

        target: int | None = None
        same = conn.execute(
            "SELECT id FROM schemas WHERE content_key = ? ORDER BY"
            " EXISTS (SELECT 1 FROM versions WHERE schema_id = schemas.id) DESC, id LIMIT 1",
            (prepared.content_key,),
        ).fetchone()
        if same is not None and explicit in (None, same[0]):
            target = int(same[0])
            if any(r.schema_id == target for r in live):
                return target

        if not importing:
            level = self._level_in_scope(conn, subject)
            result = check_compatibility(
                prepared.parsed.resolved_json,
                [self._resolved_json(conn, r.schema_id) for r in live],
                level,
            )
            if not result.is_compatible:
                raise IncompatibleSchemaError(
                    f"the schema is incompatible with subject {subject!r} at level {level}: "
                    + "; ".join(result.messages),
                    subject=subject,
                )

        if target is None:
            target = self._store_schema(conn, prepared, explicit)
        # Like Confluent: older soft-deleted versions of the same schema make way for this one.
        for row in rows:
            if (
                row.deleted
                and row.schema_id == target
                and not self._referrers(conn, subject, row.version, include_deleted=True)
            ):
                conn.execute(
                    "DELETE FROM versions WHERE subject = ? AND version = ?",
                    (subject, row.version),
                )
        conn.execute(
            "INSERT INTO versions (subject, version, schema_id, deleted) VALUES (?, ?, ?, 0)",
            (subject, new_version, target),
        )
        return target

    def _store_schema(
        self, conn: sqlite3.Connection, prepared: _Prepared, explicit: int | None
    ) -> int:
        if explicit is not None:
            existing = conn.execute(
                "SELECT content_key, EXISTS (SELECT 1 FROM versions WHERE schema_id = schemas.id)"
                " FROM schemas WHERE id = ?",
                (explicit,),
            ).fetchone()
            if existing is not None:
                if existing[0] == prepared.content_key:
                    return explicit
                if existing[1]:
                    raise SchemaIdMismatchError(
                        f"schema id {explicit} is already taken by a different schema",
                        schema_id=explicit,
                    )
                # The id's versions were all deleted for good: the id may be reused.
                conn.execute("DELETE FROM schemas WHERE id = ?", (explicit,))
                conn.execute("DELETE FROM refs WHERE schema_id = ?", (explicit,))
            schema_id = explicit
        else:
            schema_id = int(
                conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM schemas").fetchone()[0]
            )
        conn.execute(
            "INSERT INTO schemas (id, guid, schema_type, schema_text, refs, content_key,"
            " equivalence_key, resolved_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                schema_id,
                str(uuid.uuid4()),
                prepared.schema_type,
                prepared.parsed.text,
                prepared.refs_json,
                prepared.content_key,
                prepared.equivalence_key,
                prepared.resolved_key,
            ),
        )
        conn.executemany(
            "INSERT INTO refs (schema_id, ref_subject, ref_version) VALUES (?, ?, ?)",
            [(schema_id, r.subject, r.version) for r in prepared.references],
        )
        return schema_id

    # -- reading ---------------------------------------------------------------------------

    def lookup_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        deleted: bool = False,
    ) -> RegisteredSchema:
        """Return the registration of ``schema`` under ``subject_name``; never registers."""
        subject = _subject_arg(subject_name)
        with self._transaction() as conn:
            prepared = self._prepare(conn, schema, normalize=bool(normalize_schemas), strict=False)
            found = self._find_in_subject(conn, subject, prepared, include_deleted=bool(deleted))
            if found is None:
                if not self._subject_exists(conn, subject, bool(deleted)):
                    raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
                raise SchemaNotFoundError(
                    f"the schema is not registered under subject {subject!r}", subject=subject
                )
            return self._registered(conn, found)

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Schema:
        """Return the schema with this id (``subject_name`` does not restrict the search)."""
        with self._transaction() as conn:
            row = self._schema_row(conn, schema_id) if _is_id(schema_id) else None
            if row is None:
                raise SchemaNotFoundError(
                    f"schema {schema_id!r} not found", schema_id=_id(schema_id)
                )
            return self._schema_of(row)

    def get_schema_by_guid(self, guid: str) -> Schema:
        """Return the schema with this GUID."""
        with self._transaction() as conn:
            row = None
            if isinstance(guid, str):
                found = conn.execute("SELECT id FROM schemas WHERE guid = ?", (guid,)).fetchone()
                row = self._schema_row(conn, found[0]) if found is not None else None
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
        subject = _subject_arg(subject_name)
        number = _parse_version(version)
        with self._transaction() as conn:
            row = self._version_row(conn, subject, number)
            if row is None or (row.deleted and not deleted):
                if not self._subject_exists(conn, subject, bool(deleted)):
                    raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
                raise VersionNotFoundError(
                    f"version {version} of subject {subject!r} not found",
                    subject=subject,
                    version=number,
                )
            return self._registered(conn, row)

    def get_subjects(
        self,
        subject_prefix: str | None = None,
        deleted: bool = False,
        deleted_only: bool = False,
    ) -> list[str]:
        """List subjects, optionally by prefix and including (or only) soft-deleted ones."""
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT subject, MIN(deleted) FROM versions GROUP BY subject ORDER BY subject"
            ).fetchall()
        if subject_prefix is not None and not isinstance(subject_prefix, str):
            raise InvalidSubjectError(f"invalid subject prefix {subject_prefix!r}")
        prefix = subject_prefix or ""
        subjects = []
        for subject, all_deleted in rows:
            if deleted_only:
                keep = bool(all_deleted)
            else:
                keep = bool(deleted) or not all_deleted
            if keep and subject.startswith(prefix):
                subjects.append(str(subject))
        return subjects

    def get_versions(self, subject_name: str, deleted: bool = False) -> list[int]:
        """List the version numbers of ``subject_name`` (soft-deleted ones when ``deleted``)."""
        subject = _subject_arg(subject_name)
        with self._transaction() as conn:
            rows = self._version_rows(conn, subject, include_deleted=bool(deleted))
        if not rows:
            raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
        return [r.version for r in rows]

    def _id_versions(self, schema_id: int, deleted: bool) -> list[tuple[str, int]]:
        with self._transaction() as conn:
            if not _is_id(schema_id) or self._schema_row(conn, schema_id) is None:
                raise SchemaNotFoundError(
                    f"schema {schema_id!r} not found", schema_id=_id(schema_id)
                )
            live = "" if deleted else " AND deleted = 0"
            rows = conn.execute(
                "SELECT subject, version FROM versions WHERE schema_id = ?"
                + live
                + " ORDER BY subject, version",
                (schema_id,),
            ).fetchall()
        return [(str(s), int(v)) for s, v in rows]

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
        subject = _subject_arg(subject_name)
        number = _parse_version(version)
        with self._transaction() as conn:
            row = self._version_row(conn, subject, number)
            if row is None:
                self._raise_missing_version(conn, subject, number)
            assert row is not None
            return self._referrers(conn, subject, row.version, include_deleted=False)

    def _raise_missing_version(self, conn: sqlite3.Connection, subject: str, number: int) -> None:
        if not self._subject_exists(conn, subject, True):
            raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
        raise VersionNotFoundError(
            f"version {'latest' if number == -1 else number} of subject {subject!r} not found",
            subject=subject,
            version=number,
        )

    # -- deleting --------------------------------------------------------------------------

    def delete_subject(self, subject_name: str, permanent: bool = False) -> list[int]:
        """Soft-delete (or, after that, permanently delete) a subject; return its versions."""
        subject = _subject_arg(subject_name)
        with self._transaction(write=True) as conn:
            if not self._subject_exists(conn, subject, True):
                raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
            if not permanent and not self._subject_exists(conn, subject, False):
                raise SubjectSoftDeletedError(
                    f"subject {subject!r} was soft-deleted; delete it with permanent=True",
                    subject=subject,
                )
            self._check_writable(conn, subject)
            rows = self._version_rows(conn, subject, include_deleted=bool(permanent))
            for row in rows:
                others = self._referring_subjects(conn, subject, row.version, bool(permanent))
                others.discard(subject)
                if others:
                    raise ReferenceExistsError(
                        f"version {row.version} of subject {subject!r} is referenced by"
                        f" subjects {sorted(others)}",
                        subject=subject,
                        version=row.version,
                    )
                if permanent and not row.deleted:
                    raise SubjectNotSoftDeletedError(
                        f"subject {subject!r} must be soft-deleted before it is deleted"
                        " permanently",
                        subject=subject,
                    )
            if permanent:
                conn.execute("DELETE FROM versions WHERE subject = ?", (subject,))
                self._forget_subject_settings(conn, subject)
            else:
                conn.execute("UPDATE versions SET deleted = 1 WHERE subject = ?", (subject,))
            return [r.version for r in rows]

    @staticmethod
    def _forget_subject_settings(conn: sqlite3.Connection, subject: str) -> None:
        conn.execute("DELETE FROM config WHERE subject = ?", (subject,))
        conn.execute("DELETE FROM mode WHERE subject = ?", (subject,))

    def delete_version(self, subject_name: str, version: Version, permanent: bool = False) -> int:
        """Soft-delete (or, after that, permanently delete) one version; return its number."""
        subject = _subject_arg(subject_name)
        number = _parse_version(version)
        with self._transaction(write=True) as conn:
            row = self._version_row(conn, subject, number)
            if row is not None and row.deleted and not permanent:
                raise VersionSoftDeletedError(
                    f"version {row.version} of subject {subject!r} was soft-deleted; delete it"
                    " with permanent=True",
                    subject=subject,
                    version=row.version,
                )
            if row is None:
                self._raise_missing_version(conn, subject, number)
            assert row is not None
            self._check_writable(conn, subject)
            if self._referrers(conn, subject, row.version, include_deleted=bool(permanent)):
                raise ReferenceExistsError(
                    f"version {row.version} of subject {subject!r} is referenced by other schemas",
                    subject=subject,
                    version=row.version,
                )
            if permanent and not row.deleted:
                raise VersionNotSoftDeletedError(
                    f"version {row.version} of subject {subject!r} must be soft-deleted before"
                    " it is deleted permanently",
                    subject=subject,
                    version=row.version,
                )
            if permanent:
                conn.execute(
                    "DELETE FROM versions WHERE subject = ? AND version = ?",
                    (subject, row.version),
                )
                if not self._subject_exists(conn, subject, True):
                    self._forget_subject_settings(conn, subject)
            else:
                conn.execute(
                    "UPDATE versions SET deleted = 1 WHERE subject = ? AND version = ?",
                    (subject, row.version),
                )
            return row.version

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
        result instead of an :class:`~registry.errors.InvalidSchemaError`.
        """
        subject = _subject_arg(subject_name)
        number = None if version is None else _parse_version(version)
        with self._transaction() as conn:
            if number is None:
                rows = self._version_rows(conn, subject, include_deleted=False)
            else:
                row = self._version_row(conn, subject, number)
                if row is not None and row.deleted:
                    row = None
                if row is None and number != -1:
                    raise VersionNotFoundError(
                        f"version {number} of subject {subject!r} not found",
                        subject=subject,
                        version=number,
                    )
                rows = [] if row is None else [row]
            try:
                prepared = self._prepare(conn, schema, normalize=False, strict=True)
            except InvalidSchemaError as exc:
                if verbose:
                    return CompatibilityResult(False, (exc.error_message,))
                raise
            result = check_compatibility(
                prepared.parsed.resolved_json,
                [self._resolved_json(conn, r.schema_id) for r in rows],
                self._level_in_scope(conn, subject),
            )
        return result if verbose else CompatibilityResult(result.is_compatible)

    def get_compatibility(
        self, subject_name: str | None = None, default_to_global: bool = False
    ) -> str:
        """Return the compatibility level of a subject, or the global one."""
        with self._transaction() as conn:
            global_level = self._setting(conn, "config", _GLOBAL) or DEFAULT_COMPATIBILITY
            if subject_name is None:
                return global_level
            subject = _subject_arg(subject_name)
            own = self._setting(conn, "config", subject)
        if own is not None:
            return own
        if default_to_global:
            return global_level
        raise CompatibilityNotConfiguredError(
            f"subject {subject!r} has no compatibility level of its own", subject=subject
        )

    def set_compatibility(self, subject_name: str | None = None, level: str = "BACKWARD") -> str:
        """Set the compatibility level of a subject, or the global one; return it."""
        name = _level_arg(level)
        subject = _GLOBAL if subject_name is None else _check_subject(subject_name)
        with self._transaction(write=True) as conn:
            self._check_writable(conn, subject_name)
            conn.execute(
                "INSERT INTO config (subject, level) VALUES (?, ?)"
                " ON CONFLICT (subject) DO UPDATE SET level = excluded.level",
                (subject, name),
            )
        return name

    def delete_compatibility(self, subject_name: str | None = None) -> str:
        """Remove a subject's own level (or reset the global one); return the level removed."""
        subject = _GLOBAL if subject_name is None else _subject_arg(subject_name)
        with self._transaction(write=True) as conn:
            current = self._setting(conn, "config", subject)
            if current is None:
                if subject_name is not None:
                    raise SubjectNotFoundError(
                        f"subject {subject!r} has no compatibility level to delete",
                        subject=subject,
                    )
                current = DEFAULT_COMPATIBILITY
            self._check_writable(conn, subject_name)
            conn.execute("DELETE FROM config WHERE subject = ?", (subject,))
        return current

    # -- modes -----------------------------------------------------------------------------

    def get_mode(self, subject_name: str | None = None, default_to_global: bool = False) -> str:
        """Return the mode of a subject, or the global one."""
        with self._transaction() as conn:
            global_mode = self._setting(conn, "mode", _GLOBAL) or DEFAULT_MODE
            if subject_name is None:
                return global_mode
            subject = _subject_arg(subject_name)
            own = self._setting(conn, "mode", subject)
        if own is not None:
            return own
        if default_to_global:
            return global_mode
        raise ModeNotConfiguredError(f"subject {subject!r} has no mode of its own", subject=subject)

    def set_mode(self, mode: str, subject_name: str | None = None, force: bool = False) -> str:
        """Set the mode of a subject, or the global one; return it.

        Entering ``IMPORT`` needs the subject (for the global mode: every subject) to have no
        live version unless ``force``; its soft-deleted versions are then deleted for good.
        """
        name = _mode_arg(mode)
        subject = _GLOBAL if subject_name is None else _check_subject(subject_name)
        with self._transaction(write=True) as conn:
            if (
                name == "IMPORT"
                and self._mode_in_scope(conn, subject_name) != "IMPORT"
                and not force
            ):
                self._clear_for_import(conn, subject_name)
            conn.execute(
                "INSERT INTO mode (subject, mode) VALUES (?, ?)"
                " ON CONFLICT (subject) DO UPDATE SET mode = excluded.mode",
                (subject, name),
            )
        return name

    def _clear_for_import(self, conn: sqlite3.Connection, subject: str | None) -> None:
        where, args = ("", ()) if subject is None else (" WHERE subject = ?", (subject,))
        rows = conn.execute(
            "SELECT subject, version, deleted FROM versions" + where, args
        ).fetchall()
        if any(not deleted for _, _, deleted in rows):
            target = "the registry" if subject is None else f"subject {subject!r}"
            raise OperationNotPermittedError(
                f"cannot enter IMPORT mode: {target} has registered schemas (use force=True)",
                subject=subject,
            )
        for ref_subject, version, _ in rows:
            if self._referrers(conn, ref_subject, version, include_deleted=True):
                raise ReferenceExistsError(
                    f"version {version} of subject {ref_subject!r} is referenced by other schemas",
                    subject=ref_subject,
                    version=version,
                )
        conn.execute("DELETE FROM versions" + where, args)

    def delete_mode(self, subject_name: str | None = None) -> str:
        """Remove a subject's own mode (or reset the global one); return the mode removed."""
        subject = _GLOBAL if subject_name is None else _subject_arg(subject_name)
        with self._transaction(write=True) as conn:
            current = self._setting(conn, "mode", subject)
            if current is None:
                if subject_name is not None:
                    raise SubjectNotFoundError(
                        f"subject {subject!r} has no mode to delete", subject=subject
                    )
                current = DEFAULT_MODE
            conn.execute("DELETE FROM mode WHERE subject = ?", (subject,))
        return current

    def get_schema_types(self) -> list[str]:
        """List the schema types the registry supports: Avro only."""
        with self._lock:
            if self._closed:
                raise RegistryUnavailableError(f"{self!r} is closed")
        return [AVRO]


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_ID


def _id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
