"""Fuzz tests: random and mutated frames give a value or a typed SerdeError, nothing else."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avroframe import registry
from avroframe.serde import AvroDeserializer, AvroSerializer, SerdeError

SCHEMAS: list[tuple[Any, Any]] = [
    ({"type": "record", "name": "User", "fields": [
        {"name": "name", "type": "string"}, {"name": "age", "type": "int"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": ["null", "double"]}},
        {"name": "kind", "type": {"type": "enum", "name": "K", "symbols": ["A", "B"]}},
        {"name": "id", "type": {"type": "fixed", "name": "Id", "size": 4}},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal",
                                    "precision": 8, "scale": 2}},
        {"name": "when", "type": {"type": "long", "logicalType": "timestamp-millis"}},
     ]},
     {"name": "x", "age": 1, "tags": ["a"], "attrs": {"k": 1.5, "n": None}, "kind": "B",
      "id": b"abcd", "amount": __import__("decimal").Decimal("1.25"), "when": 0}),
    ({"type": "record", "name": "Node", "fields": [
        {"name": "v", "type": "long"}, {"name": "next", "type": ["null", "Node"]}]},
     {"v": 1, "next": {"v": 2, "next": None}}),
    ({"type": "array", "items": "null"}, [None, None]),
    ({"type": "array", "items": {"type": "record", "name": "Empty", "fields": []}}, [{}]),
    ({"type": "map", "values": {"type": "array", "items": "boolean"}}, {"a": [True]}),
    ('"string"', "héllo"),
    ('"bytes"', b"\x00\x01"),
]


@pytest.fixture(scope="module")
def fixtures() -> tuple[AvroDeserializer, list[bytes]]:
    reg = registry.connect(f"memory://fuzz-{uuid.uuid4()}")
    frames = [AvroSerializer(reg, schema).serialize(value, f"t{n}")
              for n, (schema, value) in enumerate(SCHEMAS)]
    return AvroDeserializer(reg), [f for f in frames if f is not None]


def _decode(de: AvroDeserializer, data: bytes) -> None:
    try:
        de.deserialize(data)
    except SerdeError:
        pass  # the only acceptable failure


FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=64))
def test_random_bytes(fixtures: tuple[AvroDeserializer, list[bytes]], data: bytes) -> None:
    """Arbitrary bytes never raise anything but SerdeError."""
    _decode(fixtures[0], data)


@FUZZ
@given(st.data())
def test_mutated_valid_frames(fixtures: tuple[AvroDeserializer, list[bytes]],
                              data: st.DataObject) -> None:
    """Valid frames with flipped, inserted, deleted or truncated bytes fail only with SerdeError."""
    de, frames = fixtures
    frame = bytearray(data.draw(st.sampled_from(frames)))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate", "huge"]))
        pos = data.draw(st.integers(1, max(1, len(frame) - 1)))  # keep the magic byte mostly
        if op == "flip" and pos < len(frame):
            frame[pos] ^= data.draw(st.integers(1, 255))
        elif op == "insert":
            frame[pos:pos] = data.draw(st.binary(min_size=1, max_size=4))
        elif op == "delete" and pos < len(frame):
            del frame[pos]
        elif op == "truncate":
            del frame[pos:]
        elif op == "huge" and len(frame) > 5:
            at = data.draw(st.integers(5, len(frame)))
            frame[at:at] = b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f"  # 2**62 as a length/count
    _decode(de, bytes(frame))


def test_every_truncation_of_every_frame(fixtures: tuple[AvroDeserializer, list[bytes]]) -> None:
    """Each prefix of each valid frame decodes or fails with SerdeError."""
    de, frames = fixtures
    outcomes = {"ok": 0, "error": 0}
    for frame in frames:
        for end in range(len(frame)):
            try:
                de.deserialize(frame[:end])
                outcomes["ok"] += 1
            except SerdeError:
                outcomes["error"] += 1
    assert outcomes["error"] > 0
