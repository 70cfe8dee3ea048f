"""Schemas and assertions shared by the contract tests.

Schemas are written the way Java's ``Schema.toString`` writes them, so every backend returns
JSON equal to what was registered, whether it stores the text as sent or re-serialized. Each
test passes its own namespace (fixture ``ns``), so its schemas are distinct from other tests'.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from avroframe.registry.errors import RegistryError
from avroframe.registry.types import Schema, SchemaReference


def field(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    """One record field, keys in Java's order."""
    return {"name": name, "type": type_, **extra}


def record(ns: str, name: str, *fields: dict[str, Any]) -> dict[str, Any]:
    """A record schema as decoded JSON, keys in Java's order."""
    return {"type": "record", "name": name, "namespace": ns, "fields": list(fields)}


def avro(
    schema: Any, references: tuple[SchemaReference, ...] | list[SchemaReference] = ()
) -> Schema:
    """A registry Schema from decoded JSON, compact as Java writes it."""
    return Schema(json.dumps(schema, separators=(",", ":")), "AVRO", tuple(references))


def user_v1(ns: str) -> Schema:
    """A small record: the first version of most subjects in the suite."""
    return avro(record(ns, "User", field("id", "long"), field("name", "string")))


def user_v2(ns: str) -> Schema:
    """``user_v1`` plus an optional field: backward, forward and fully compatible with it."""
    return avro(
        record(
            ns,
            "User",
            field("id", "long"),
            field("name", "string"),
            field("email", ["null", "string"], default=None),
        )
    )


def same_json(schema: Schema, expected: Schema) -> bool:
    """Whether two schemas hold the same JSON (ignoring spacing and key order)."""
    return bool(json.loads(schema.schema_str) == json.loads(expected.schema_str))


def expect_error(
    code: int, status: int, call: Callable[..., Any], *args: Any, **kwargs: Any
) -> None:
    """Assert that ``call`` raises a RegistryError with this error code and HTTP status."""
    with pytest.raises(RegistryError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert (error.error_code, error.http_status_code) == (code, status), str(error)


def not_soft_deleted_status(backend: str) -> int:
    """HTTP status of 40405, 40406 and 40407: Confluent sends 404, Apicurio 409."""
    return 409 if backend == "http" else 404


def ours(listed: list[str], prefix: str) -> list[str]:
    """The subjects of one test in a listing (the server may hold others')."""
    return sorted(s for s in listed if s.startswith(prefix))
