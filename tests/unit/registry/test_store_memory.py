"""The memory:// backend: scopes shared by name, isolated across names.

Threads registering at once: tests/contract/test_concurrency.py, on every backend.
"""

from __future__ import annotations

import json
import uuid

import pytest

from avroframe import registry as registry_package
from avroframe.registry.errors import RegistryError, RegistryUnavailableError, SubjectNotFoundError
from avroframe.registry.memory import MemoryRegistry, drop
from avroframe.registry.types import Schema


def record(name: str, *fields: str) -> Schema:
    """A record of optional string fields."""
    return Schema(
        json.dumps(
            {
                "type": "record",
                "name": name,
                "fields": [{"name": f, "type": "string", "default": ""} for f in fields],
            }
        )
    )


def unique_name() -> str:
    """A scope name no other test uses."""
    return f"unit-{uuid.uuid4().hex}"


def test_clients_with_the_same_name_share_schemas_and_ids() -> None:
    """Two clients created separately with one name see the same registry."""
    name = unique_name()
    producer, consumer = MemoryRegistry(name), MemoryRegistry(name)
    schema_id = producer.register_schema("orders-value", record("Order", "a"))
    assert consumer.get_latest_version("orders-value").schema_id == schema_id
    assert consumer.register_schema("other", record("Order", "a")) == schema_id
    assert producer.get_subjects() == ["orders-value", "other"]


def test_connect_url_names_the_same_scope() -> None:
    """registry.connect("memory://NAME") reaches the scope MemoryRegistry(NAME) uses."""
    name = unique_name()
    schema_id = MemoryRegistry(name).register_schema("s", record("R", "a"))
    assert registry_package.connect(f"memory://{name}").get_schema(schema_id)


def test_different_names_are_isolated() -> None:
    """Another name is another, empty registry whose ids start at 1."""
    first, second = MemoryRegistry(unique_name()), MemoryRegistry(unique_name())
    assert first.register_schema("s", record("A", "a")) == 1
    assert first.register_schema("s", record("A", "a", "b")) == 2
    assert second.get_subjects() == []
    with pytest.raises(SubjectNotFoundError):
        second.get_versions("s")
    assert second.register_schema("s", record("B", "b")) == 1


def test_closing_one_client_keeps_the_scope() -> None:
    """Closing a client does not drop the scope other clients (and later ones) use."""
    name = unique_name()
    first = MemoryRegistry(name)
    first.register_schema("s", record("A", "a"))
    first.close()
    with pytest.raises(RegistryUnavailableError):
        first.get_subjects()
    assert MemoryRegistry(name).get_subjects() == ["s"]


def test_drop_forgets_a_scope() -> None:
    """drop(name) makes the next client of that name start empty."""
    name = unique_name()
    MemoryRegistry(name).register_schema("s", record("A", "a"))
    drop(name)
    assert MemoryRegistry(name).get_subjects() == []


def test_repr_shows_backend_and_scope() -> None:
    """The repr names the backend and the scope."""
    assert repr(MemoryRegistry("orders")) == "MemoryRegistry(memory://orders)"
    assert repr(MemoryRegistry("memory://orders")) == "MemoryRegistry(memory://orders)"


def test_repr_hides_user_info() -> None:
    """A scope name that looks like it holds credentials is masked in the repr."""
    shown = repr(MemoryRegistry("admin:hunter2@scope"))
    assert "hunter2" not in shown


def test_empty_name_is_refused() -> None:
    """A scope needs a name."""
    with pytest.raises(RegistryError):
        MemoryRegistry("")
