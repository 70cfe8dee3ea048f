"""The registry API's wire shapes: request paths, flags and bodies, and the strict decoding of
its JSON answers into value types (a malformed answer is a
:class:`~avroframe.registry.errors.RegistryServerError`, never a ``KeyError``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .errors import InvalidSubjectError, RegistryServerError
from .protocol import Version
from .types import AVRO, RegisteredSchema, Schema, SchemaReference


def malformed(what: str, data: object) -> RegistryServerError:
    """The error for an answer of the wrong shape (names the answer, never echoes it)."""
    return RegistryServerError(
        f"the schema registry sent a malformed {what} response "
        f"(a {type(data).__name__} of unexpected shape)",
        error_code=-1,
    )


def expect_dict(data: object, what: str) -> dict[str, Any]:
    """``data`` if it is a JSON object, else a malformed-answer error."""
    if not isinstance(data, dict):
        raise malformed(what, data)
    return data


def int_field(obj: Mapping[str, Any], name: str) -> int:
    """The int field ``name`` of an answer."""
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise malformed(f"{name!r} field of the", obj)
    return value


def str_field(obj: Mapping[str, Any], name: str, default: str | None = None) -> str:
    """The string field ``name`` of an answer (or ``default`` when absent)."""
    value = obj.get(name, default)
    if not isinstance(value, str):
        raise malformed(f"{name!r} field of the", obj)
    return value


def guid_field(obj: Mapping[str, Any]) -> str | None:
    """The answer's ``guid`` in canonical form, ``None`` when absent; not a UUID is malformed."""
    value = obj.get("guid")
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) == 36:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise RegistryServerError(
        f"the schema registry sent a malformed answer: its guid {str(value)[:40]!r} is not a "
        "UUID (8-4-4-4-12 hexadecimal digits)",
        error_code=-1,
    )


def str_list(data: object, what: str) -> list[str]:
    """An answer that is a list of strings."""
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise malformed(what, data)
    return list(data)


def int_list(data: object, what: str) -> list[int]:
    """An answer that is a list of ints."""
    if not isinstance(data, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in data
    ):
        raise malformed(what, data)
    return list(data)


def level(obj: Mapping[str, Any]) -> str:
    """The compatibility level of a config answer (either field name servers use)."""
    for name in ("compatibilityLevel", "compatibility"):
        value = obj.get(name)
        if isinstance(value, str):
            return value
    raise malformed("compatibility level", obj)


def schema_body(schema: Schema) -> dict[str, Any]:
    """The request body that carries ``schema``."""
    if not isinstance(schema, Schema):
        raise TypeError(f"expected a registry.types.Schema, not {type(schema).__name__}")
    body: dict[str, Any] = {"schema": schema.schema_str}
    if schema.schema_type and schema.schema_type != AVRO:
        body["schemaType"] = schema.schema_type
    if schema.references:
        body["references"] = [
            {"name": r.name, "subject": r.subject, "version": r.version} for r in schema.references
        ]
    return body


def references(raw: object) -> tuple[SchemaReference, ...]:
    """The ``references`` of an answer."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise malformed("references", raw)
    refs: list[SchemaReference] = []
    for item in raw:
        obj = expect_dict(item, "reference")
        refs.append(
            SchemaReference(
                name=str_field(obj, "name"),
                subject=str_field(obj, "subject"),
                version=int_field(obj, "version"),
            )
        )
    return tuple(refs)


def schema_from(obj: Mapping[str, Any]) -> Schema:
    """The schema an answer carries."""
    schema_type = obj.get("schemaType") or AVRO
    if not isinstance(schema_type, str):
        raise malformed("schemaType", obj)
    return Schema(
        schema_str=str_field(obj, "schema"),
        schema_type=schema_type,
        references=references(obj.get("references")),
    )


def registered_from(
    obj: Mapping[str, Any], subject: str, fallback: Schema | None
) -> RegisteredSchema:
    """The registration an answer describes (its schema, or ``fallback`` when it has none)."""
    schema = schema_from(obj) if "schema" in obj or fallback is None else fallback
    return RegisteredSchema(
        schema_id=int_field(obj, "id"),
        schema=schema,
        subject=str_field(obj, "subject", subject),
        version=int_field(obj, "version"),
        guid=guid_field(obj),
    )


# ---------------------------------------------------------------------- request arguments


def check_subject(subject: object) -> str:
    """A subject name, or :class:`InvalidSubjectError` before any request."""
    if not isinstance(subject, str) or not subject:
        raise InvalidSubjectError(f"invalid subject name {subject!r}: a non-empty string is needed")
    return subject


def check_id(schema_id: object) -> int:
    """A schema id (an int, not a bool), or :class:`TypeError` before any request."""
    if isinstance(schema_id, bool) or not isinstance(schema_id, int):
        raise TypeError(f"a schema id must be an int, not {type(schema_id).__name__}")
    return schema_id


def is_latest(version: Version) -> bool:
    """Tell whether ``version`` names the newest version (``"latest"`` or ``-1``)."""
    if isinstance(version, str):
        return version.strip().lower() in ("latest", "-1")
    return not isinstance(version, bool) and version == -1


def version_number(version: Version) -> int | None:
    """The positive version number ``version`` names, or ``None``."""
    if isinstance(version, bool):
        return None
    if isinstance(version, int):
        return version if version > 0 else None
    if isinstance(version, str) and version.strip().isdigit():
        number = int(version)
        return number if number > 0 else None
    return None


def segment(text: str) -> str:
    """``text`` quoted as one URL path segment (``/`` included)."""
    return quote(text, safe="")


def of_subject(subject_name: str | None) -> str:
    """`` of subject 'x'`` or `` (global)``, for messages."""
    return f" of subject {subject_name!r}" if subject_name is not None else " (global)"


def flags(**named: bool) -> dict[str, str]:
    """Query parameters for boolean flags, sent only when true (the server's default is false)."""
    return {name: "true" for name, value in named.items() if value}
