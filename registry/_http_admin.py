"""The HTTP registry client's request helper and administration endpoints: listings, deletes,
compatibility tests, compatibility levels and modes. None of them is cached; deletes make the
client forget what it cached about the subject.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._http_caches import Caches
from ._http_transport import Transport
from ._http_wire import (
    check_id,
    check_subject,
    expect_dict,
    flags,
    int_field,
    int_list,
    malformed,
    of_subject,
    schema_body,
    segment,
    str_field,
    str_list,
)
from ._http_wire import level as level_of
from .errors import RegistryUnavailableError
from .protocol import Version
from .types import CompatibilityResult, Schema

__all__ = ["AdminEndpoints"]


class AdminEndpoints:
    """The :class:`~avroframe.registry.protocol.SchemaRegistryClient` methods beyond what the
    serde needs, and :meth:`_ask`, the one request helper of every endpoint."""

    _caches: Caches
    _transport: Transport
    _closed: bool

    def _ask(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        context: Mapping[str, Any] | None = None,
        shape: str | None = None,
    ) -> Any:
        """The one helper of every endpoint: send one request and return its JSON answer (a
        dict, checked, when ``shape`` names the answer)."""
        if self._closed:
            raise RegistryUnavailableError(f"{self!r} is closed; cannot go on {what}")
        data = self._transport.call(
            method, path, what=what, params=params, body=body, context=context
        )
        return data if shape is None else expect_dict(data, shape)

    # ------------------------------------------------------------------ listings

    def get_subjects(
        self,
        subject_prefix: str | None = None,
        deleted: bool = False,
        deleted_only: bool = False,
    ) -> list[str]:
        """List subjects, optionally by prefix and including (or only) soft-deleted ones."""
        params = flags(deleted=deleted, deletedOnly=deleted_only)
        if subject_prefix is not None:
            params["subjectPrefix"] = subject_prefix
        data = self._ask("GET", "/subjects", "listing subjects", params=params)
        return str_list(data, "subjects")

    def get_versions(self, subject_name: str, deleted: bool = False) -> list[int]:
        """List the version numbers of ``subject_name``."""
        subject = check_subject(subject_name)
        data = self._ask(
            "GET",
            f"/subjects/{segment(subject)}/versions",
            f"listing versions of subject {subject!r}",
            params=flags(deleted=deleted),
            context={"subject": subject},
        )
        return int_list(data, "versions")

    def get_subjects_by_schema_id(self, schema_id: int, deleted: bool = False) -> list[str]:
        """List the subjects under which the schema with this id is registered."""
        sid = check_id(schema_id)
        data = self._ask(
            "GET",
            f"/schemas/ids/{sid}/subjects",
            f"listing subjects of schema id {sid}",
            params=flags(deleted=deleted),
            context={"schema_id": sid},
        )
        return str_list(data, "subjects")

    def get_schema_versions(self, schema_id: int, deleted: bool = False) -> list[tuple[str, int]]:
        """List the ``(subject, version)`` pairs under which this id is registered."""
        sid = check_id(schema_id)
        data = self._ask(
            "GET",
            f"/schemas/ids/{sid}/versions",
            f"listing versions of schema id {sid}",
            params=flags(deleted=deleted),
            context={"schema_id": sid},
        )
        if not isinstance(data, list):
            raise malformed("subject versions", data)
        pairs = [expect_dict(item, "subject version") for item in data]
        return [(str_field(obj, "subject"), int_field(obj, "version")) for obj in pairs]

    def get_referenced_by(self, subject_name: str, version: Version) -> list[int]:
        """List the ids of schemas that reference this subject version."""
        subject = check_subject(subject_name)
        data = self._ask(
            "GET",
            f"/subjects/{segment(subject)}/versions/{segment(str(version))}/referencedby",
            f"listing references to version {version!r} of subject {subject!r}",
            context={"subject": subject, "version": version},
        )
        return int_list(data, "schema ids")

    def get_schema_types(self) -> list[str]:
        """List the schema types the registry supports."""
        return str_list(self._ask("GET", "/schemas/types", "listing schema types"), "schema types")

    # ------------------------------------------------------------------ deletes

    def delete_subject(self, subject_name: str, permanent: bool = False) -> list[int]:
        """Soft-delete (or, after that, permanently delete) a subject; return its versions."""
        subject = check_subject(subject_name)
        data = self._delete(
            subject,
            f"/subjects/{segment(subject)}",
            f"deleting subject {subject!r}",
            permanent,
            {"subject": subject},
        )
        return int_list(data, "versions")

    def delete_version(self, subject_name: str, version: Version, permanent: bool = False) -> int:
        """Soft-delete (or, after that, permanently delete) one version; return its number."""
        subject = check_subject(subject_name)
        data = self._delete(
            subject,
            f"/subjects/{segment(subject)}/versions/{segment(str(version))}",
            f"deleting version {version!r} of subject {subject!r}",
            permanent,
            {"subject": subject, "version": version},
        )
        if isinstance(data, bool) or not isinstance(data, int):
            raise malformed("deleted version", data)
        return data

    def _delete(
        self, subject: str, path: str, what: str, permanent: bool, context: dict[str, Any]
    ) -> Any:
        """One DELETE; the subject's cached facts are forgotten whatever the outcome."""
        try:
            return self._ask(
                "DELETE",
                path,
                what + (" permanently" if permanent else ""),
                params=flags(permanent=permanent),
                context=context,
            )
        finally:
            self._caches.forget_subject(subject)

    # ------------------------------------------------------------------ compatibility

    def test_compatibility(
        self,
        subject_name: str,
        schema: Schema,
        version: Version | None = "latest",
        *,
        verbose: bool = False,
    ) -> CompatibilityResult:
        """Test ``schema`` against one version, or against all when ``version`` is ``None``."""
        subject = check_subject(subject_name)
        path = f"/compatibility/subjects/{segment(subject)}/versions"
        if version is not None:
            path += f"/{segment(str(version))}"
        obj = self._ask(
            "POST",
            path,
            f"testing compatibility with subject {subject!r}",
            params=flags(verbose=verbose),
            body=schema_body(schema),
            context={"subject": subject, "version": version},
            shape="compatibility",
        )
        verdict = obj.get("is_compatible")
        if not isinstance(verdict, bool):
            raise malformed("compatibility", obj)
        messages = obj.get("messages") or ()
        if not isinstance(messages, list | tuple):
            messages = (messages,)
        return CompatibilityResult(
            is_compatible=verdict,
            messages=tuple(m if isinstance(m, str) else json.dumps(m) for m in messages),
        )

    # ------------------------------------------------------------------ per-subject settings

    def get_compatibility(
        self, subject_name: str | None = None, default_to_global: bool = False
    ) -> str:
        """Return the compatibility level of a subject, or the global one."""
        what = "reading the compatibility level"
        answer = self._setting(
            "GET", "/config", subject_name, what, default_to_global=default_to_global
        )
        return level_of(answer)

    def set_compatibility(self, subject_name: str | None = None, level: str = "BACKWARD") -> str:
        """Set the compatibility level of a subject, or the global one; return it."""
        what = "setting the compatibility level"
        body = {"compatibility": level}
        answer = self._setting("PUT", "/config", subject_name, what, to=level, body=body)
        return level_of(answer)

    def delete_compatibility(self, subject_name: str | None = None) -> str:
        """Remove a subject's own level (or reset the global one); return the level removed."""
        what = "deleting the compatibility level"
        answer = self._setting("DELETE", "/config", subject_name, what)
        return level_of(answer)

    def get_mode(self, subject_name: str | None = None, default_to_global: bool = False) -> str:
        """Return the mode of a subject, or the global one."""
        answer = self._setting(
            "GET", "/mode", subject_name, "reading the mode", default_to_global=default_to_global
        )
        return str_field(answer, "mode")

    def set_mode(self, mode: str, subject_name: str | None = None, force: bool = False) -> str:
        """Set the mode of a subject, or the global one; return it."""
        body = {"mode": mode}
        answer = self._setting(
            "PUT", "/mode", subject_name, "setting the mode", to=mode, body=body, force=force
        )
        return str_field(answer, "mode")

    def delete_mode(self, subject_name: str | None = None) -> str:
        """Remove a subject's own mode (or reset the global one); return the mode removed."""
        answer = self._setting("DELETE", "/mode", subject_name, "deleting the mode")
        return str_field(answer, "mode")

    def _setting(
        self,
        method: str,
        root: str,
        subject_name: str | None,
        what: str,
        *,
        to: str | None = None,
        body: Any = None,
        default_to_global: bool = False,
        force: bool = False,
    ) -> dict[str, Any]:
        """One request on ``/config`` or ``/mode``, of a subject or (``None``) the global one."""
        path, context = root, {}
        if subject_name is not None:
            subject = check_subject(subject_name)
            path, context = f"{root}/{segment(subject)}", {"subject": subject}
        params = flags(defaultToGlobal=default_to_global and subject_name is not None, force=force)
        answer: dict[str, Any] = self._ask(
            method,
            path,
            what + of_subject(subject_name) + (f" to {to!r}" if to is not None else ""),
            params=params,
            body=body,
            context=context,
            shape=root.lstrip("/"),
        )
        return answer
