"""Id formats are small objects of the frame layer; the serializer binds one per (topic, side)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from avroframe.registry.types import RegisteredSchema
from avroframe.serde import AvroDeserializer, AvroSerializer, ConfigError, SchemaError, frame
from avroframe.serde.errors import FrameError

USER = '{"type": "record", "name": "User", "fields": [{"name": "name", "type": "string"}]}'
GUID = "6f1d0b3e-8f38-4b8e-9a5e-0c1f2b3a4d5e"
MARKER = b"\x01" + bytes.fromhex(GUID.replace("-", ""))


@pytest.mark.parametrize(
    ("fmt", "prefix", "header"),
    [
        (frame.SCHEMA_ID, b"\x00\x00\x00\x00\x07", None),
        (frame.GUID_PREFIX, MARKER, None),
        (frame.GUID_HEADER, b"", ("__key_schema_id", MARKER)),
    ],
)
def test_each_format_marks_frames_its_own_way(fmt: frame.IdFormat, prefix: bytes,
                                              header: Any) -> None:
    marking = fmt.marking(7, GUID, is_key=True)
    assert marking.prefix == prefix and marking.header == header


def test_formats_by_name_and_unknown_names() -> None:
    assert frame.id_format("id") is frame.SCHEMA_ID
    assert frame.id_format("guid") is frame.GUID_PREFIX
    assert frame.id_format("header") is frame.GUID_HEADER
    assert frame.id_format(frame.GUID_HEADER) is frame.GUID_HEADER
    with pytest.raises(FrameError, match="'ID'"):
        frame.id_format("ID")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="id_format"):
        AvroSerializer(object(), USER, id_format="uuid")  # type: ignore[arg-type]


def test_guid_formats_refuse_a_guid_that_is_not_a_uuid() -> None:
    with pytest.raises(FrameError, match="not-a-guid"):
        frame.GUID_PREFIX.marking(1, "not-a-guid", is_key=False)
    with pytest.raises(FrameError, match="needs a schema GUID"):
        frame.GUID_HEADER.marking(1, None, is_key=False)


class _BadGuidRegistry:
    """Answers lookups with a GUID that is not a UUID, as a broken registry might."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def lookup_schema(self, *args: Any, **kwargs: Any) -> RegisteredSchema:
        found = self.inner.lookup_schema(*args, **kwargs)
        return dataclasses.replace(found, guid="not-a-guid")


@pytest.mark.parametrize("id_format", ["guid", "header"])
def test_a_registry_guid_that_is_not_a_uuid_is_a_schema_error(memory_registry: Any,
                                                                id_format: str) -> None:
    ser = AvroSerializer(_BadGuidRegistry(memory_registry), USER, id_format=id_format)
    with pytest.raises(SchemaError, match="not-a-guid") as info:
        ser.serialize({"name": "a"}, "t", headers=[])
    assert not isinstance(info.value, (ValueError, TypeError))


def test_one_serializer_serves_key_and_value_in_header_mode(memory_registry: Any) -> None:
    """The key and the value of one topic each get their own subject and their own header."""
    ser = AvroSerializer(memory_registry, USER, id_format="header")
    headers: list[tuple[str, bytes]] = []
    key = ser.serialize({"name": "k"}, "t", is_key=True, headers=headers)
    value = ser.serialize({"name": "v"}, "t", is_key=False, headers=headers)
    assert [name for name, _ in headers] == ["__key_schema_id", "__value_schema_id"]
    assert sorted(memory_registry.get_subjects()) == ["t-key", "t-value"]
    de = AvroDeserializer(memory_registry)
    assert de.deserialize(key, "t", is_key=True, headers=headers) == {"name": "k"}
    assert de.deserialize(value, "t", is_key=False, headers=headers) == {"name": "v"}


@pytest.mark.parametrize("failure", [ZeroDivisionError("boom"), TypeError("bad arguments")])
def test_a_strategy_that_raises_is_wrapped(memory_registry: Any, failure: Exception) -> None:
    def strategy(topic: str, is_key: bool, record_name: str | None) -> str:
        raise failure

    ser = AvroSerializer(memory_registry, USER, subject_name_strategy=strategy)
    with pytest.raises(ConfigError, match="subject name strategy failed for topic 't'") as info:
        ser.serialize({"name": "a"}, "t")
    assert info.value.__cause__ is failure
    assert not isinstance(info.value, TypeError)


def test_a_strategy_that_returns_no_subject_is_refused(memory_registry: Any) -> None:
    ser = AvroSerializer(memory_registry, USER, subject_name_strategy=lambda t, k, r: None)
    with pytest.raises(ConfigError, match="not a subject name"):
        ser.serialize({"name": "a"}, "t")
    assert memory_registry.get_subjects() == []
