"""Tests of AvroDeserializer: caching per id, single-flight, reader schemas and bad input."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from avroframe.registry.types import Schema
from avroframe.serde import (
    AvroDeserializer,
    AvroSerializer,
    DecodeError,
    FrameError,
    SerdeError,
    UnknownSchemaError,
    frame,
)

USER = {"type": "record", "name": "User",
        "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]}


def test_same_id_under_many_subjects_is_fetched_once(counting: Any) -> None:
    """The writer schema is cached per id, not per (subject, id)."""
    ser = AvroSerializer(counting.inner, USER)
    frames = [ser.serialize({"name": "a", "age": n}, f"topic{n}") for n in range(10)]
    de = AvroDeserializer(counting)
    for n, data in enumerate(frames):
        assert de.deserialize(data, f"topic{n}")["age"] == n
    assert counting.calls["get_schema"] == 1


class _SlowRegistry:
    """A registry whose get_schema takes a while, so concurrent misses overlap."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.get_schema_calls = 0

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Schema:
        self.get_schema_calls += 1
        time.sleep(0.2)
        return self.inner.get_schema(schema_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_concurrent_misses_cost_one_registry_call(memory_registry: Any) -> None:
    """Eight threads decoding the first frame of a new id make one get_schema call."""
    data = AvroSerializer(memory_registry, USER).serialize({"name": "a", "age": 1}, "t")
    slow = _SlowRegistry(memory_registry)
    de = AvroDeserializer(slow)  # type: ignore[arg-type]
    results: list[Any] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        results.append(de.deserialize(data))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [{"name": "a", "age": 1}] * 8
    assert slow.get_schema_calls == 1


def test_unknown_id_raises_unknown_schema_error(memory_registry: Any) -> None:
    """A frame naming an id the registry lacks raises UnknownSchemaError with the id."""
    with pytest.raises(UnknownSchemaError) as info:
        AvroDeserializer(memory_registry).deserialize(frame.pack(999, b"\x00"))
    assert info.value.schema_id == 999


def test_unknown_ids_are_not_cached_as_failures(memory_registry: Any) -> None:
    """An id that appears later (registered after a miss) decodes on the next try."""
    de = AvroDeserializer(memory_registry)
    with pytest.raises(UnknownSchemaError):
        de.deserialize(frame.pack(1, b"\x02a\x02"))
    AvroSerializer(memory_registry, USER).warm_up("t")
    assert de.deserialize(frame.pack(1, b"\x02a\x02")) == {"name": "a", "age": 1}


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x07\x00\x00\x00\x01", b"\x01abc"])
def test_bad_frames_raise_frame_error(memory_registry: Any, data: bytes) -> None:
    """Empty, short or wrong-magic input raises FrameError."""
    with pytest.raises(FrameError):
        AvroDeserializer(memory_registry).deserialize(data)


def test_non_bytes_input_is_a_frame_error_and_bytearray_works(memory_registry: Any) -> None:
    """str is refused; bytearray and memoryview are accepted."""
    data = AvroSerializer(memory_registry, USER).serialize({"name": "a", "age": 1}, "t")
    de = AvroDeserializer(memory_registry)
    assert de.deserialize(bytearray(data)) == de.deserialize(memoryview(data))
    with pytest.raises(FrameError):
        de.deserialize("text")  # type: ignore[arg-type]


def test_truncated_body_raises_decode_error(memory_registry: Any) -> None:
    """A body cut short raises DecodeError with the schema id."""
    data = AvroSerializer(memory_registry, USER).serialize({"name": "abc", "age": 1}, "t")
    with pytest.raises(DecodeError) as info:
        AvroDeserializer(memory_registry).deserialize(data[:-2])
    assert info.value.schema_id == 1


def test_reader_schema_reads_old_and_new_writers(memory_registry: Any) -> None:
    """A v2 reader reads v1 frames (default filled) and v2 frames."""
    v2 = {**USER, "fields": [*USER["fields"],  # type: ignore[misc]
                             {"name": "tags", "type": {"type": "array", "items": "string"},
                              "default": []}]}
    old = AvroSerializer(memory_registry, USER).serialize({"name": "a", "age": 1}, "t")
    new = AvroSerializer(memory_registry, v2).serialize(
        {"name": "b", "age": 2, "tags": ["x"]}, "t")
    de2 = AvroDeserializer(memory_registry, json.dumps(v2))
    assert de2.deserialize(old) == {"name": "a", "age": 1, "tags": []}
    assert de2.deserialize(new) == {"name": "b", "age": 2, "tags": ["x"]}
    de1 = AvroDeserializer(memory_registry, USER)
    assert de1.deserialize(new) == {"name": "b", "age": 2}


def test_errors_share_one_base_class(memory_registry: Any) -> None:
    """Every failure a caller can see derives from SerdeError."""
    de = AvroDeserializer(memory_registry)
    for data in (b"", b"\x00\x00\x00\x00\x05", b"\x09"):
        with pytest.raises(SerdeError):
            de.deserialize(data)


def test_decoder_cache_is_bounded(memory_registry: Any) -> None:
    """With cache_capacity=2, decoders for older ids are dropped and refetched on demand."""
    frames = []
    for n in range(4):
        schema = {"type": "record", "name": f"R{n}", "fields": [{"name": "v", "type": "int"}]}
        frames.append(AvroSerializer(memory_registry, schema).serialize({"v": n}, f"t{n}"))
    de = AvroDeserializer(memory_registry, cache_capacity=2)
    for n, data in enumerate(frames):
        assert de.deserialize(data) == {"v": n}
    assert len(de._by_prefix) <= 2
    assert de.deserialize(frames[0]) == {"v": 0}


def test_unrelated_headers_keep_the_prefix_path(counting: Any) -> None:
    """Tracing headers do not change how a classic frame is read (nor add registry calls)."""
    data = AvroSerializer(counting.inner, USER).serialize({"name": "a", "age": 1}, "t")
    de = AvroDeserializer(counting)
    headers = [("traceparent", b"00-abc-def-01")]
    for _ in range(3):
        assert de.deserialize(data, "t", headers=headers) == {"name": "a", "age": 1}
    assert de._last[0] == data[:5]
    assert counting.calls["get_schema"] == 1
