"""Decoding the registry's JSON answers into value types, strictly (a malformed answer is a
:class:`~registry.errors.RegistryServerError`, never a ``KeyError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import (
    RegistryServerError,
)
from .types import AVRO, RegisteredSchema, Schema, SchemaReference


def _malformed(what: str, data: object) -> RegistryServerError:
    return RegistryServerError(
        f"the schema registry sent a malformed {what} response "
        f"(a {type(data).__name__} of unexpected shape)",
        error_code=-1,
    )


def _expect_dict(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _malformed(what, data)
    return data


def _int_field(obj: Mapping[str, Any], name: str) -> int:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(f"{name!r} field of the", obj)
    return value


def _str_field(obj: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = obj.get(name, default)
    if not isinstance(value, str):
        raise _malformed(f"{name!r} field of the", obj)
    return value


def _guid(obj: Mapping[str, Any]) -> str | None:
    value = obj.get("guid")
    return value if isinstance(value, str) and value else None


def _str_list(data: object, what: str) -> list[str]:
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise _malformed(what, data)
    return list(data)


def _int_list(data: object, what: str) -> list[int]:
    if not isinstance(data, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in data
    ):
        raise _malformed(what, data)
    return list(data)


def _level(obj: Mapping[str, Any]) -> str:
    for name in ("compatibilityLevel", "compatibility"):
        value = obj.get(name)
        if isinstance(value, str):
            return value
    raise _malformed("compatibility level", obj)


def _schema_body(schema: Schema) -> dict[str, Any]:
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


def _references(raw: object) -> tuple[SchemaReference, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _malformed("references", raw)
    refs: list[SchemaReference] = []
    for item in raw:
        obj = _expect_dict(item, "reference")
        refs.append(
            SchemaReference(
                name=_str_field(obj, "name"),
                subject=_str_field(obj, "subject"),
                version=_int_field(obj, "version"),
            )
        )
    return tuple(refs)


def _schema_from(obj: Mapping[str, Any]) -> Schema:
    schema_type = obj.get("schemaType") or AVRO
    if not isinstance(schema_type, str):
        raise _malformed("schemaType", obj)
    return Schema(
        schema_str=_str_field(obj, "schema"),
        schema_type=schema_type,
        references=_references(obj.get("references")),
    )


def _registered_from(
    obj: Mapping[str, Any], subject: str, fallback: Schema | None
) -> RegisteredSchema:
    schema = _schema_from(obj) if "schema" in obj or fallback is None else fallback
    return RegisteredSchema(
        schema_id=_int_field(obj, "id"),
        schema=schema,
        subject=_str_field(obj, "subject", subject),
        version=_int_field(obj, "version"),
        guid=_guid(obj),
    )
