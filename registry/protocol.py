"""The interfaces every registry backend implements (HTTP, ``memory://``, the sqlite file).

:class:`SerdeRegistry` is exactly what the serializers call; :class:`SchemaRegistryClient` is the
whole registry API that users and the CLI use. Method and argument names follow Confluent's
Python client so that code written against it reads the same here.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeGuard

from .types import CompatibilityResult, RegisteredSchema, Schema

Version = int | str
"""A version number, or ``"latest"`` / ``-1`` for the newest one."""


class SerdeRegistry(Protocol):
    """The registry calls a serializer or deserializer makes (each at most once per key)."""

    def register_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        *,
        schema_id: int | None = None,
    ) -> int:
        """Register ``schema`` under ``subject_name`` (or find it there) and return its id."""
        ...

    def lookup_schema(
        self,
        subject_name: str,
        schema: Schema,
        normalize_schemas: bool = False,
        deleted: bool = False,
    ) -> RegisteredSchema:
        """Return the registration of ``schema`` under ``subject_name``; never registers."""
        ...

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Schema:
        """Return the schema with this id."""
        ...

    def get_schema_by_guid(self, guid: str) -> Schema:
        """Return the schema with this GUID."""
        ...

    def get_latest_version(self, subject_name: str) -> RegisteredSchema:
        """Return the newest live version registered under ``subject_name``."""
        ...

    def get_version(
        self, subject_name: str, version: Version, deleted: bool = False
    ) -> RegisteredSchema:
        """Return one version of ``subject_name`` (a number, ``"latest"`` or ``-1``)."""
        ...


class SchemaRegistryClient(SerdeRegistry, Protocol):
    """The complete registry API: subjects, versions, deletes, compatibility, config and mode."""

    def get_subjects(
        self,
        subject_prefix: str | None = None,
        deleted: bool = False,
        deleted_only: bool = False,
    ) -> list[str]:
        """List subjects, optionally by prefix and including (or only) soft-deleted ones."""
        ...

    def get_versions(self, subject_name: str, deleted: bool = False) -> list[int]:
        """List the version numbers of ``subject_name``."""
        ...

    def get_subjects_by_schema_id(self, schema_id: int, deleted: bool = False) -> list[str]:
        """List the subjects under which the schema with this id is registered."""
        ...

    def get_schema_versions(self, schema_id: int, deleted: bool = False) -> list[tuple[str, int]]:
        """List the ``(subject, version)`` pairs under which this id is registered."""
        ...

    def get_referenced_by(self, subject_name: str, version: Version) -> list[int]:
        """List the ids of schemas that reference this subject version."""
        ...

    def delete_subject(self, subject_name: str, permanent: bool = False) -> list[int]:
        """Soft-delete (or, after that, permanently delete) a subject; return its versions."""
        ...

    def delete_version(self, subject_name: str, version: Version, permanent: bool = False) -> int:
        """Soft-delete (or, after that, permanently delete) one version; return its number."""
        ...

    def test_compatibility(
        self,
        subject_name: str,
        schema: Schema,
        version: Version | None = "latest",
        *,
        verbose: bool = False,
    ) -> CompatibilityResult:
        """Test ``schema`` against one version, or against all when ``version`` is ``None``."""
        ...

    def get_compatibility(
        self, subject_name: str | None = None, default_to_global: bool = False
    ) -> str:
        """Return the compatibility level of a subject, or the global one."""
        ...

    def set_compatibility(self, subject_name: str | None = None, level: str = "BACKWARD") -> str:
        """Set the compatibility level of a subject, or the global one; return it."""
        ...

    def delete_compatibility(self, subject_name: str | None = None) -> str:
        """Remove a subject's own level (or reset the global one); return the level removed."""
        ...

    def get_mode(self, subject_name: str | None = None, default_to_global: bool = False) -> str:
        """Return the mode of a subject, or the global one."""
        ...

    def set_mode(self, mode: str, subject_name: str | None = None, force: bool = False) -> str:
        """Set the mode of a subject, or the global one; return it."""
        ...

    def delete_mode(self, subject_name: str | None = None) -> str:
        """Remove a subject's own mode (or reset the global one); return the mode removed."""
        ...

    def get_schema_types(self) -> list[str]:
        """List the schema types the registry supports."""
        ...

    def close(self) -> None:
        """Release connections and files; the client is unusable afterwards."""
        ...


SERDE_METHODS = (
    "register_schema",
    "lookup_schema",
    "get_schema",
    "get_schema_by_guid",
    "get_latest_version",
    "get_version",
)
"""The methods of :class:`SerdeRegistry`, by name."""


def is_serde_registry(candidate: Any) -> TypeGuard[SerdeRegistry]:
    """True when ``candidate`` has every :class:`SerdeRegistry` method (duck typing).

    Looked up with ``getattr``, so wrappers and proxies that serve methods through
    ``__getattr__`` qualify; ``isinstance`` against a runtime Protocol stopped seeing those in
    Python 3.12.
    """
    return not isinstance(candidate, (str, bytes)) and all(
        callable(getattr(candidate, name, None)) for name in SERDE_METHODS
    )
