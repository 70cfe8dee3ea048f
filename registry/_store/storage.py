"""The embedded registry's SQL: its tables, its transactions and every statement it runs.

Nothing here decides what the registry allows; :mod:`.registry` does. Every lookup the
registration path makes is served by an index, so its cost does not grow with a subject's history.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple

from ..errors import RegistryError, RegistryServerError, RegistryTimeoutError
from ..types import SchemaReference

__all__ = [
    "SchemaRow",
    "Tables",
    "VersionRow",
    "create_tables",
    "decode_references",
    "encode_references",
    "transaction",
]

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
    "CREATE INDEX IF NOT EXISTS schemas_equivalence ON schemas (equivalence_key)",
    "CREATE INDEX IF NOT EXISTS schemas_resolved ON schemas (resolved_key)",
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

SettingTable = Literal["config", "mode"]
"""The two per-subject setting tables: compatibility levels and modes."""


class _SettingStatements(NamedTuple):
    select: str
    upsert: str
    delete: str


def _setting_statements(table: SettingTable, column: str) -> _SettingStatements:
    return _SettingStatements(
        f"SELECT {column} FROM {table} WHERE subject = ?",
        f"INSERT INTO {table} (subject, {column}) VALUES (?, ?)"
        f" ON CONFLICT (subject) DO UPDATE SET {column} = excluded.{column}",
        f"DELETE FROM {table} WHERE subject = ?",
    )


_SETTING_STATEMENTS: Final = {
    "config": _setting_statements("config", "level"),
    "mode": _setting_statements("mode", "mode"),
}


KeyColumn = Literal["content_key", "equivalence_key", "resolved_key"]
"""The identity keys a schema is found by (each has an index)."""


def create_tables(connection: sqlite3.Connection) -> None:
    """Create the registry tables and indexes if they are missing (one immediate transaction)."""
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


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


@contextmanager
def transaction(conn: sqlite3.Connection, write: bool = False) -> Iterator[Tables]:
    """One transaction (``BEGIN IMMEDIATE`` for writes); sqlite errors become registry errors."""
    try:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    except sqlite3.Error as exc:
        raise _store_error(exc) from exc
    try:
        yield Tables(conn)
    except sqlite3.Error as exc:
        _rollback(conn)
        raise _store_error(exc) from exc
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        _rollback(conn)
        raise _store_error(exc) from exc


def encode_references(references: Sequence[SchemaReference]) -> str:
    """References as the ``refs`` column stores them (part of a schema's content key)."""
    return json.dumps([[r.name, r.subject, r.version] for r in references])


def decode_references(text: str) -> tuple[SchemaReference, ...]:
    """The references stored in a ``refs`` column."""
    return tuple(SchemaReference(n, s, v) for n, s, v in json.loads(text))


@dataclass(frozen=True)
class VersionRow:
    """One version of a subject (soft-deleted ones included)."""

    subject: str
    version: int
    schema_id: int
    deleted: bool


@dataclass(frozen=True)
class SchemaRow:
    """One stored schema."""

    schema_id: int
    guid: str
    schema_type: str
    text: str
    references: tuple[SchemaReference, ...]
    content_key: str


_SCHEMA_COLUMNS: Final = "s.id, s.guid, s.schema_type, s.schema_text, s.refs, s.content_key"


def _schema_row(row: tuple[Any, ...]) -> SchemaRow:
    schema_id, guid, schema_type, text, refs, content_key = row
    return SchemaRow(
        int(schema_id),
        str(guid),
        str(schema_type),
        str(text),
        decode_references(refs),
        str(content_key),
    )


class Tables:
    """The statements of one transaction on the registry database."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # -- versions --------------------------------------------------------------------------

    def versions(self, subject: str, include_deleted: bool = True) -> list[VersionRow]:
        """The versions of ``subject``, oldest first."""
        sql = "SELECT version, schema_id, deleted FROM versions WHERE subject = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        rows = self._conn.execute(sql + " ORDER BY version", (subject,)).fetchall()
        return [VersionRow(subject, v, i, bool(d)) for v, i, d in rows]

    def version(self, subject: str, version: int) -> VersionRow | None:
        """One version (soft-deleted included); -1 is the latest live version."""
        if version == -1:
            row = self._conn.execute(
                "SELECT version, schema_id, deleted FROM versions"
                " WHERE subject = ? AND deleted = 0 ORDER BY version DESC LIMIT 1",
                (subject,),
            ).fetchone()
        else:
            row = self._conn.execute(
                "SELECT version, schema_id, deleted FROM versions"
                " WHERE subject = ? AND version = ?",
                (subject, version),
            ).fetchone()
        return None if row is None else VersionRow(subject, row[0], row[1], bool(row[2]))

    def last_version_number(self, subject: str) -> int:
        """The highest version number ``subject`` ever kept (soft-deleted included), or 0."""
        row = self._conn.execute(
            "SELECT MAX(version) FROM versions WHERE subject = ?", (subject,)
        ).fetchone()
        return int(row[0] or 0)

    def subject_exists(self, subject: str, include_deleted: bool) -> bool:
        """Whether ``subject`` has a version (a live one unless ``include_deleted``)."""
        sql = "SELECT 1 FROM versions WHERE subject = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        return self._conn.execute(sql + " LIMIT 1", (subject,)).fetchone() is not None

    def subjects(self) -> list[tuple[str, bool]]:
        """Every subject, sorted, with whether all its versions are soft-deleted."""
        rows = self._conn.execute(
            "SELECT subject, MIN(deleted) FROM versions GROUP BY subject ORDER BY subject"
        ).fetchall()
        return [(str(s), bool(d)) for s, d in rows]

    def versions_of_schema(
        self, schema_id: int, include_deleted: bool, subject: str | None = None
    ) -> list[tuple[str, int]]:
        """The ``(subject, version)`` pairs using this schema, optionally in one subject."""
        # The schema's index, not the subject's: a subject's history may be long.
        sql = "SELECT subject, version FROM versions INDEXED BY versions_schema WHERE schema_id = ?"
        args: tuple[object, ...] = (schema_id,)
        if not include_deleted:
            sql += " AND deleted = 0"
        if subject is not None:
            sql += " AND subject = ?"
            args += (subject,)
        rows = self._conn.execute(sql + " ORDER BY subject, version", args).fetchall()
        return [(str(s), int(v)) for s, v in rows]

    def deleted_versions_of_schema(self, subject: str, schema_id: int) -> list[int]:
        """The soft-deleted versions of ``subject`` that hold this schema."""
        rows = self._conn.execute(
            "SELECT version FROM versions INDEXED BY versions_schema"
            " WHERE schema_id = ? AND subject = ? AND deleted = 1"
            " ORDER BY version",
            (schema_id, subject),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def find_version(
        self, subject: str, column: KeyColumn, key: str, include_deleted: bool
    ) -> VersionRow | None:
        """The newest version of ``subject`` whose schema has this identity key.

        Driven by the key's index (``CROSS JOIN`` keeps sqlite from scanning the subject).
        """
        live = "" if include_deleted else " AND v.deleted = 0"
        row = self._conn.execute(
            "SELECT v.version, v.schema_id, v.deleted FROM schemas s"
            " CROSS JOIN versions v ON v.schema_id = s.id"
            f" WHERE s.{column} = ? AND v.subject = ?{live}"
            " ORDER BY v.version DESC LIMIT 1",
            (key, subject),
        ).fetchone()
        return None if row is None else VersionRow(subject, row[0], row[1], bool(row[2]))

    def insert_version(self, subject: str, version: int, schema_id: int) -> None:
        """Add a live version."""
        self._conn.execute(
            "INSERT INTO versions (subject, version, schema_id, deleted) VALUES (?, ?, ?, 0)",
            (subject, version, schema_id),
        )

    def soft_delete(self, subject: str, version: int | None = None) -> None:
        """Mark one version of ``subject`` (or all of them) deleted."""
        if version is None:
            self._conn.execute("UPDATE versions SET deleted = 1 WHERE subject = ?", (subject,))
        else:
            self._conn.execute(
                "UPDATE versions SET deleted = 1 WHERE subject = ? AND version = ?",
                (subject, version),
            )

    def hard_delete(self, subject: str | None, version: int | None = None) -> None:
        """Remove one version of ``subject``, all of them, or (``subject`` None) every version."""
        if subject is None:
            self._conn.execute("DELETE FROM versions")
        elif version is None:
            self._conn.execute("DELETE FROM versions WHERE subject = ?", (subject,))
        else:
            self._conn.execute(
                "DELETE FROM versions WHERE subject = ? AND version = ?", (subject, version)
            )

    def all_versions(self, subject: str | None) -> list[VersionRow]:
        """Every version of ``subject``, or of every subject when it is None."""
        where, args = ("", ()) if subject is None else (" WHERE subject = ?", (subject,))
        rows = self._conn.execute(
            "SELECT subject, version, schema_id, deleted FROM versions" + where, args
        ).fetchall()
        return [VersionRow(s, v, i, bool(d)) for s, v, i, d in rows]

    # -- schemas ---------------------------------------------------------------------------

    def schema(self, schema_id: int, used_only: bool = True) -> SchemaRow | None:
        """The stored schema with this id; with ``used_only``, only if a version (even
        soft-deleted) uses it."""
        used = " AND EXISTS (SELECT 1 FROM versions WHERE schema_id = s.id)" if used_only else ""
        row = self._conn.execute(
            f"SELECT {_SCHEMA_COLUMNS} FROM schemas s WHERE s.id = ?{used}", (schema_id,)
        ).fetchone()
        return None if row is None else _schema_row(row)

    def schema_id_by_guid(self, guid: str) -> int | None:
        """The id of the schema with this GUID."""
        row = self._conn.execute("SELECT id FROM schemas WHERE guid = ?", (guid,)).fetchone()
        return None if row is None else int(row[0])

    def live_schemas(self, subject: str) -> list[SchemaRow]:
        """The schemas of the live versions of ``subject``, oldest version first."""
        rows = self._conn.execute(
            f"SELECT {_SCHEMA_COLUMNS} FROM versions v JOIN schemas s ON s.id = v.schema_id"
            " WHERE v.subject = ? AND v.deleted = 0 ORDER BY v.version",
            (subject,),
        ).fetchall()
        return [_schema_row(row) for row in rows]

    def schema_id_by_content(self, content_key: str) -> int | None:
        """A schema with this content key, preferring one still in use, then the lowest id."""
        row = self._conn.execute(
            "SELECT id FROM schemas WHERE content_key = ? ORDER BY"
            " EXISTS (SELECT 1 FROM versions WHERE schema_id = schemas.id) DESC, id LIMIT 1",
            (content_key,),
        ).fetchone()
        return None if row is None else int(row[0])

    def schema_usage(self, schema_id: int) -> tuple[str, bool] | None:
        """The content key of the schema with this id and whether any version uses it."""
        row = self._conn.execute(
            "SELECT content_key, EXISTS (SELECT 1 FROM versions WHERE schema_id = schemas.id)"
            " FROM schemas WHERE id = ?",
            (schema_id,),
        ).fetchone()
        return None if row is None else (str(row[0]), bool(row[1]))

    def next_schema_id(self) -> int:
        """One more than the highest id ever stored."""
        return int(self._conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM schemas").fetchone()[0])

    def delete_schema(self, schema_id: int) -> None:
        """Forget a stored schema and its references."""
        self._conn.execute("DELETE FROM schemas WHERE id = ?", (schema_id,))
        self._conn.execute("DELETE FROM refs WHERE schema_id = ?", (schema_id,))

    def insert_schema(
        self,
        row: SchemaRow,
        equivalence_key: str,
        resolved_key: str,
    ) -> None:
        """Store a schema under ``row.schema_id`` with its identity keys and references."""
        self._conn.execute(
            "INSERT INTO schemas (id, guid, schema_type, schema_text, refs, content_key,"
            " equivalence_key, resolved_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.schema_id,
                row.guid,
                row.schema_type,
                row.text,
                encode_references(row.references),
                row.content_key,
                equivalence_key,
                resolved_key,
            ),
        )
        self._conn.executemany(
            "INSERT INTO refs (schema_id, ref_subject, ref_version) VALUES (?, ?, ?)",
            [(row.schema_id, r.subject, r.version) for r in row.references],
        )

    # -- references ------------------------------------------------------------------------

    def referrers(self, subject: str, version: int, include_deleted: bool) -> list[int]:
        """Ids of the schemas that reference this subject version and are still used."""
        live = "" if include_deleted else " AND v.deleted = 0"
        rows = self._conn.execute(
            "SELECT DISTINCT r.schema_id FROM refs r WHERE r.ref_subject = ? AND r.ref_version = ?"
            " AND EXISTS (SELECT 1 FROM versions v WHERE v.schema_id = r.schema_id" + live + ")"
            " ORDER BY r.schema_id",
            (subject, version),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def referring_subjects(self, subject: str, version: int, include_deleted: bool) -> set[str]:
        """The subjects whose versions reference this subject version."""
        live = "" if include_deleted else " AND v.deleted = 0"
        rows = self._conn.execute(
            "SELECT DISTINCT v.subject FROM refs r JOIN versions v ON v.schema_id = r.schema_id"
            " WHERE r.ref_subject = ? AND r.ref_version = ?" + live,
            (subject, version),
        ).fetchall()
        return {str(r[0]) for r in rows}

    # -- per-subject settings --------------------------------------------------------------

    def setting(self, table: SettingTable, subject: str) -> str | None:
        """The value stored for ``subject`` in a setting table."""
        row = self._conn.execute(_SETTING_STATEMENTS[table].select, (subject,)).fetchone()
        return None if row is None else str(row[0])

    def put_setting(self, table: SettingTable, subject: str, value: str) -> None:
        """Store ``value`` for ``subject`` in a setting table."""
        self._conn.execute(_SETTING_STATEMENTS[table].upsert, (subject, value))

    def delete_setting(self, table: SettingTable, subject: str) -> None:
        """Remove the value stored for ``subject`` in a setting table."""
        self._conn.execute(_SETTING_STATEMENTS[table].delete, (subject,))
