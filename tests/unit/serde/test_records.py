"""Tests of consumed-record decoding and the poison-message policies."""

from __future__ import annotations

from typing import Any

import pytest

from avroframe.serde import AvroDeserializer, AvroSerializer, ConfigError, DeserializationFailure
from avroframe.serde.records import RawRecord, RecordDecoder

SCHEMA = {"type": "record", "name": "V", "fields": [{"name": "v", "type": "int"}]}


def records(memory_registry: Any) -> tuple[RawRecord, RawRecord]:
    good = AvroSerializer(memory_registry, SCHEMA).serialize({"v": 1}, "t")
    return (RawRecord("t", 0, 10, None, good), RawRecord("t", 2, 11, None, b"\x07garbage"))


def test_raise_names_topic_partition_and_offset(memory_registry: Any) -> None:
    """The default policy raises a failure naming where the record is."""
    good, poison = records(memory_registry)
    decoder = RecordDecoder(None, AvroDeserializer(memory_registry))
    assert decoder.decode(good).value == {"v": 1}  # type: ignore[union-attr]
    with pytest.raises(DeserializationFailure, match=r"t\[2\]@11") as info:
        decoder.decode(poison)
    assert (info.value.topic, info.value.partition, info.value.offset) == ("t", 2, 11)
    assert info.value.__cause__ is not None and not info.value.is_key


def test_skip_logs_and_continues(memory_registry: Any, caplog: pytest.LogCaptureFixture) -> None:
    """'skip' returns None and logs the location."""
    good, poison = records(memory_registry)
    decoder = RecordDecoder(None, AvroDeserializer(memory_registry), on_error="skip")
    assert decoder.decode(poison) is None
    assert "t[2]@11" in caplog.text
    assert decoder.decode(good).value == {"v": 1}  # type: ignore[union-attr]


def test_callback_receives_the_raw_record(memory_registry: Any) -> None:
    """A callable policy gets the untouched raw record (e.g. for a dead-letter topic)."""
    _, poison = records(memory_registry)
    dead: list[Any] = []
    decoder = RecordDecoder(None, AvroDeserializer(memory_registry),
                            on_error=lambda raw, err: dead.append((raw, err)))
    assert decoder.decode(poison) is None
    assert dead[0][0] is poison and isinstance(dead[0][1], DeserializationFailure)


def test_key_failures_say_key(memory_registry: Any) -> None:
    """A bad key is reported as the key."""
    de = AvroDeserializer(memory_registry)
    with pytest.raises(DeserializationFailure, match="key") as info:
        RecordDecoder(de, de).decode(RawRecord("t", 0, 1, b"\x05", None))
    assert info.value.is_key


def test_invalid_policy_is_refused() -> None:
    """Unknown policy names fail at construction."""
    with pytest.raises(ConfigError):
        RecordDecoder(None, None, on_error="ignore")  # type: ignore[arg-type]
