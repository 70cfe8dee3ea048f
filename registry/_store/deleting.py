"""Deleting: soft deletes, permanent ones after them, and what a subject entering IMPORT loses.

A version (or subject) is soft-deleted first and deleted for good only after that; neither is
allowed while something still references it.
"""

from __future__ import annotations

from typing import NoReturn

from ..errors import (
    OperationNotPermittedError,
    ReferenceExistsError,
    SubjectNotFoundError,
    SubjectNotSoftDeletedError,
    SubjectSoftDeletedError,
    VersionNotFoundError,
    VersionNotSoftDeletedError,
    VersionSoftDeletedError,
)
from .settings import COMPATIBILITY, MODE, check_writable, in_scope
from .storage import Tables

__all__ = ["delete_subject", "delete_version", "enter_import", "missing_version"]


def delete_subject(tables: Tables, subject: str, permanent: bool) -> list[int]:
    """Soft-delete (or, after that, permanently delete) a subject; return its versions.

    Refused while another subject's version references one of its versions.
    """
    if not tables.subject_exists(subject, True):
        raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
    if not permanent and not tables.subject_exists(subject, False):
        raise SubjectSoftDeletedError(
            f"subject {subject!r} was soft-deleted; delete it with permanent=True",
            subject=subject,
        )
    check_writable(tables, subject)
    rows = tables.versions(subject, include_deleted=bool(permanent))
    for row in rows:
        others = tables.referring_subjects(subject, row.version, bool(permanent))
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
                f"subject {subject!r} must be soft-deleted before it is deleted permanently",
                subject=subject,
            )
    if permanent:
        tables.hard_delete(subject)
        _forget_settings(tables, subject)
    else:
        tables.soft_delete(subject)
    return [r.version for r in rows]


def _forget_settings(tables: Tables, subject: str) -> None:
    """A subject deleted for good loses its own settings too."""
    for setting in (COMPATIBILITY, MODE):
        tables.delete_setting(setting.table, subject)


def delete_version(tables: Tables, subject: str, number: int, permanent: bool) -> int:
    """Soft-delete (or, after that, permanently delete) one version; return its number.

    Refused while a schema still in use references it.
    """
    row = tables.version(subject, number) or missing_version(tables, subject, number)
    if row.deleted and not permanent:
        raise VersionSoftDeletedError(
            f"version {row.version} of subject {subject!r} was soft-deleted; delete it"
            " with permanent=True",
            subject=subject,
            version=row.version,
        )
    check_writable(tables, subject)
    if tables.referrers(subject, row.version, include_deleted=bool(permanent)):
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
        tables.hard_delete(subject, row.version)
        if not tables.subject_exists(subject, True):
            _forget_settings(tables, subject)
    else:
        tables.soft_delete(subject, row.version)
    return row.version


def missing_version(tables: Tables, subject: str, number: int) -> NoReturn:
    """Refuse a version that does not exist: 40401 without the subject, else 40402."""
    if not tables.subject_exists(subject, True):
        raise SubjectNotFoundError(f"subject {subject!r} not found", subject=subject)
    raise VersionNotFoundError(
        f"version {'latest' if number == -1 else number} of subject {subject!r} not found",
        subject=subject,
        version=number,
    )


def enter_import(tables: Tables, subject: str | None, mode: str) -> None:
    """Entering ``IMPORT`` (from another mode) needs no live version in scope; the soft-deleted
    ones are then deleted for good, unless something references them."""
    if mode != "IMPORT" or in_scope(tables, MODE, subject) == "IMPORT":
        return
    rows = tables.all_versions(subject)
    if any(not row.deleted for row in rows):
        target = "the registry" if subject is None else f"subject {subject!r}"
        raise OperationNotPermittedError(
            f"cannot enter IMPORT mode: {target} has registered schemas (use force=True)",
            subject=subject,
        )
    for row in rows:
        if tables.referrers(row.subject, row.version, include_deleted=True):
            raise ReferenceExistsError(
                f"version {row.version} of subject {row.subject!r} is referenced by other schemas",
                subject=row.subject,
                version=row.version,
            )
    tables.hard_delete(subject)
