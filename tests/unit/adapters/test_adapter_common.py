"""What both adapters share: import isolation, config splitting, per-schema serializers."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from avroframe.adapters._common import (
    RegistryHandle,
    SchemaSerializers,
    as_schema,
    headers_for_send,
    split_config,
)
from avroframe.registry.types import Schema
from avroframe.serde.errors import ConfigError

POINT = {
    "type": "record",
    "name": "Point",
    "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}],
}


def test_importing_adapters_imports_no_kafka_client() -> None:
    """``import adapters`` loads neither kafka-python nor confluent-kafka."""
    code = (
        "import sys, adapters, adapters._common\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('kafka', 'confluent_kafka')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_split_config_strips_the_registry_prefix() -> None:
    """schema.registry.* keys go to the registry config without the prefix; the rest stays."""
    client, reg = split_config(
        {
            "bootstrap.servers": "b:9092",
            "schema.registry.url": "http://r",
            "schema.registry.basic.auth.user.info": "u:p",
            "group.id": "g",
        }
    )
    assert client == {"bootstrap.servers": "b:9092", "group.id": "g"}
    assert reg == {"url": "http://r", "basic.auth.user.info": "u:p"}
    assert split_config(None) == ({}, {})


def test_split_config_rejects_non_mappings() -> None:
    """A config that is not a dict is a ConfigError."""
    with pytest.raises(ConfigError):
        split_config([("a", 1)])  # type: ignore[arg-type]


def test_registry_handle_owns_only_what_it_opened(memory_registry: Any) -> None:
    """A client passed in is not closed by the adapter; one opened from a URL is."""
    assert not RegistryHandle(memory_registry, {}).owned
    assert RegistryHandle("memory://handle-test", {}).owned
    with pytest.raises(ConfigError, match="registry must be"):
        RegistryHandle(42, {})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="unsupported registry URL"):
        RegistryHandle("ftp://x", {})


def test_headers_are_copied() -> None:
    """The headers handed to the serializers are a fresh list (or dict)."""
    original = [("a", b"1")]
    copy = headers_for_send(original)
    copy.append(("b", b"2"))
    assert original == [("a", b"1")]
    assert headers_for_send(None) == []
    assert headers_for_send({"a": b"1"}) == {"a": b"1"}
    assert headers_for_send((("a", b"1"),)) == [("a", b"1")]


def test_same_schema_object_is_found_by_identity(counting: Any) -> None:
    """The same schema object (and equal text) reuses one serializer; no new registry calls."""
    serializers = SchemaSerializers(counting, None, None, {})
    text = json.dumps(POINT)
    first = serializers.get(POINT)
    assert serializers.get(POINT) is first
    assert serializers.get(dict(POINT)) is first  # equal dict, another object: found by text
    assert serializers.get(text) is serializers.get(str(text))
    assert serializers.get(Schema(text)) is serializers.get(Schema(text))
    serializers.serialize({"x": 1, "y": 2}, "t", False, [], POINT)
    calls = counting.total
    for _ in range(50):
        serializers.serialize({"x": 1, "y": 2}, "t", False, [], POINT)
    assert counting.total == calls


def test_missing_schema_names_the_option(memory_registry: Any) -> None:
    """A key without a key schema raises ConfigError naming key_schema; None needs none."""
    serializers = SchemaSerializers(memory_registry, None, POINT, {})
    with pytest.raises(ConfigError, match="key_schema"):
        serializers.serialize("k", "t", True, [], None)
    assert serializers.serialize(None, "t", True, [], None) is None


def test_serializer_options_are_validated_once(memory_registry: Any) -> None:
    """Invalid serializer options fail when the producer is built."""
    with pytest.raises(ConfigError):
        SchemaSerializers(memory_registry, None, POINT, {"id_format": "bogus"})
    with pytest.raises(ConfigError, match="a schema must be"):
        SchemaSerializers(memory_registry, None, None, {}).get({1, 2})  # type: ignore[arg-type]


def test_legacy_avro_schema_objects_are_accepted(memory_registry: Any) -> None:
    """Schemas from confluent_kafka.avro.loads (avro.schema objects) encode like JSON text."""
    from confluent_kafka import avro

    serializers = SchemaSerializers(memory_registry, avro.loads('"string"'), None, {})
    legacy = avro.loads(json.dumps(POINT))
    from_legacy = serializers.serialize({"x": 1, "y": 2}, "t", False, [], legacy)
    from_text = serializers.serialize({"x": 1, "y": 2}, "t", False, [], json.dumps(POINT))
    assert from_legacy == from_text
    assert serializers.serialize("k", "t", True, [], None) is not None
    assert as_schema(legacy) == str(legacy)
    with pytest.raises(ConfigError, match="a schema must be"):
        as_schema(3.5)


def test_equal_text_schemas_share_one_serializer(memory_registry: Any) -> None:
    """Equal schema strings built anew each call find the same serializer."""
    serializers = SchemaSerializers(memory_registry, None, None, {})
    text = json.dumps(POINT)
    first = serializers.get("".join(text))
    assert all(serializers.get("".join([text[:5], text[5:]])) is first for _ in range(3))
