"""serialize_many / deserialize_many: the results of one call per record, errors naming the index,
and joined reads that never shift a record."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from avroframe import serde
from avroframe.serde import batch
from avroframe.serde.errors import (
    ConfigError,
    DecodeError,
    DecodeLimitError,
    EncodeError,
    FrameError,
    RegistryUnavailableError,
    UnknownSchemaError,
)
from avroframe.serde.limits import DecodeLimits
from tests.support.registries import Outage

POINT = (
    '{"type": "record", "name": "Point", "namespace": "t",'
    ' "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "string"}]}'
)
TAGS = (
    '{"type": "record", "name": "Tags", "fields": ['
    '{"name": "tags", "type": {"type": "array", "items": "int"}}]}'
)
TREE = (
    '{"type": "record", "name": "Tree", "fields": [{"name": "v", "type": "int"},'
    ' {"name": "kids", "type": {"type": "array", "items": "Tree"}}]}'
)
LOGICAL = (
    '{"type": "record", "name": "L", "fields": ['
    '{"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},'
    '{"name": "d", "type": {"type": "bytes", "logicalType": "decimal", "precision": 6,'
    ' "scale": 2}}]}'
)


def points(count: int) -> list[dict[str, Any]]:
    return [{"x": i, "y": f"p{i}"} for i in range(count)]


class JoinedReads:
    """Counts the joined fastavro reads and how many of them returned values."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.proven = 0
        real = batch.read_joined

        def counting(schema: Any, data: bytes) -> Any:
            self.calls += 1
            return real(schema, data)

        real_chunk = batch._read_chunk

        def chunk(*args: Any) -> Any:
            result = real_chunk(*args)
            self.proven += result is not None
            return result

        monkeypatch.setattr(batch, "read_joined", counting)
        monkeypatch.setattr(batch, "_read_chunk", chunk)


# --------------------------------------------------------------------------- serialize_many


def test_serialize_many_equals_one_call_per_value(memory_registry: Any) -> None:
    ser = serde.AvroSerializer(memory_registry, POINT)
    values: list[Any] = [*points(5), None, {"x": 9, "y": ""}]
    frames = ser.serialize_many(values, "t")
    assert frames == [ser.serialize(value, "t") for value in values]
    assert frames[5] is None
    keys = serde.AvroSerializer(memory_registry, '"long"')
    assert keys.serialize_many([1, 2**40], "t", is_key=True) == [
        keys.serialize(1, "t", True),
        keys.serialize(2**40, "t", True),
    ]
    assert ser.serialize_many([], "t") == [] and ser.serialize_many([None], "u") == [None]
    assert "u-value" not in memory_registry.get_subjects()  # nothing to write: no binding


def test_serialize_many_takes_dataclasses_to_dict_and_raw_bytes(memory_registry: Any) -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: str

    ser = serde.AvroSerializer(memory_registry, POINT)
    assert ser.serialize_many([Point(1, "a"), {"x": 2, "y": "b"}], "t") == [
        ser.serialize({"x": 1, "y": "a"}, "t"),
        ser.serialize({"x": 2, "y": "b"}, "t"),
    ]
    hooked = serde.AvroSerializer(
        memory_registry, POINT, to_dict=lambda obj, ctx: {"x": obj, "y": ctx.topic}
    )
    assert hooked.serialize_many(iter([3, 4]), "t") == [
        ser.serialize({"x": 3, "y": "t"}, "t"),
        ser.serialize({"x": 4, "y": "t"}, "t"),
    ]
    raw = serde.AvroSerializer(memory_registry, '"bytes"')
    assert raw.serialize_many([b"ab", bytearray(b"c")], "r") == [
        raw.serialize(b"ab", "r"),
        raw.serialize(b"c", "r"),
    ]


def test_serialize_many_names_the_index_of_a_bad_value(memory_registry: Any) -> None:
    ser = serde.AvroSerializer(memory_registry, POINT)
    values: list[Any] = [*points(3), {"x": "three", "y": "p"}, *points(2)]
    with pytest.raises(EncodeError) as info:
        ser.serialize_many(values, "t")
    assert info.value.index == 3 and info.value.path == "$.x"
    assert str(info.value).startswith("[3] $.x")
    # Positions count the tombstones too.
    with pytest.raises(EncodeError, match=r"^\[2\] ") as info:
        ser.serialize_many([None, {"x": 1, "y": "a"}, {"x": 1}], "t")
    assert info.value.index == 2
    with pytest.raises(EncodeError) as info:
        serde.AvroSerializer(memory_registry, '"bytes"').serialize_many([b"a", "text"], "r")
    assert info.value.index == 1


def test_an_earlier_bad_value_wins_over_a_later_to_dict_failure(memory_registry: Any) -> None:
    def to_dict(obj: Any, ctx: Any) -> Any:
        if obj == "boom":
            raise RuntimeError("no")
        return obj

    ser = serde.AvroSerializer(memory_registry, POINT, to_dict=to_dict)
    with pytest.raises(EncodeError) as info:
        ser.serialize_many([{"x": 1, "y": "a"}, {"x": "bad", "y": "b"}, "boom"], "t")
    assert info.value.index == 1
    with pytest.raises(EncodeError, match="to_dict failed") as info:
        ser.serialize_many([{"x": 1, "y": "a"}, "boom", {"x": "bad", "y": "b"}], "t")
    assert info.value.index == 1


def test_serialize_many_header_id_format_and_bad_arguments(memory_registry: Any) -> None:
    ser = serde.AvroSerializer(memory_registry, POINT, id_format="header")
    headers: list[tuple[str, bytes]] = []
    frames = ser.serialize_many(points(3), "t", headers=headers)
    assert [name for name, _ in headers] == ["__value_schema_id"]
    de = serde.AvroDeserializer(memory_registry)
    assert [de.deserialize(data, "t", False, headers) for data in frames] == points(3)
    with pytest.raises(FrameError) as info:
        ser.serialize_many([None, *points(1)], "t")  # no headers list to write into
    assert info.value.index == 1
    with pytest.raises(ConfigError, match="sequence of values"):
        ser.serialize_many({"x": 1, "y": "a"}, "t")
    with pytest.raises(ConfigError, match="topic must be a str"):
        ser.serialize_many(points(1), ["t"])  # type: ignore[arg-type]


def test_serialize_many_names_the_first_value_when_the_registry_is_down(
    memory_registry: Any,
) -> None:
    down = Outage(memory_registry)
    down.down = True
    ser = serde.AvroSerializer(down, POINT)
    with pytest.raises(RegistryUnavailableError) as info:
        ser.serialize_many([None, *points(2)], "t")
    assert info.value.index == 1 and str(info.value).startswith("[1] ")


# --------------------------------------------------------------------------- deserialize_many


def test_deserialize_many_equals_one_call_per_frame(
    memory_registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = JoinedReads(monkeypatch)
    ser = serde.AvroSerializer(memory_registry, POINT)
    frames = ser.serialize_many(points(50), "t")
    de = serde.AvroDeserializer(memory_registry)
    assert de.deserialize_many(frames) == points(50)
    assert de.deserialize_many(frames) == points(50)
    assert reads.calls == 2 and reads.proven == 2  # one joined read per batch
    keys = serde.AvroSerializer(memory_registry, '"string"')
    other = keys.serialize_many(["a", "b"], "t", is_key=True)
    guid = serde.AvroSerializer(memory_registry, POINT, id_format="guid").serialize(
        {"x": 7, "y": "g"}, "t"
    )
    mixed = [frames[0], other[0], None, bytearray(frames[1]), guid, other[1], frames[2]]
    assert de.deserialize_many(mixed) == [de.deserialize(data) for data in mixed]
    assert de.deserialize_many(iter(mixed)) == de.deserialize_many(mixed)
    with pytest.raises(ConfigError, match="sequence of frames"):
        de.deserialize_many(frames[0])  # type: ignore[arg-type]


def test_from_dict_gets_the_topic_and_its_failure_names_the_index(memory_registry: Any) -> None:
    frames = serde.AvroSerializer(memory_registry, POINT).serialize_many(points(3), "t")
    seen: list[Any] = []

    def from_dict(value: Any, ctx: Any) -> Any:
        seen.append(ctx.topic)
        if value["x"] == 2:
            raise ValueError("two")
        return value["x"]

    de = serde.AvroDeserializer(memory_registry, from_dict=from_dict)
    assert de.deserialize_many(frames[:2], "t") == [0, 1] and seen == ["t", "t"]
    with pytest.raises(DecodeError, match=r"^\[3\] from_dict failed") as info:
        de.deserialize_many([None, *frames], "t")
    assert info.value.index == 3


def test_deserialize_many_names_the_first_bad_frame(memory_registry: Any) -> None:
    frames = serde.AvroSerializer(memory_registry, POINT).serialize_many(points(4), "t")
    de = serde.AvroDeserializer(memory_registry)
    bad: list[Any] = [frames[0], frames[1][:-2], b"\x07", b"\x00\x00\x00\x03\xe7\x02", frames[3]]
    with pytest.raises(DecodeError) as info:
        de.deserialize_many(bad)
    assert info.value.index == 1 and str(info.value).startswith("[1] cannot decode body")
    with pytest.raises(FrameError) as frame_info:
        de.deserialize_many(bad[2:])
    assert frame_info.value.index == 0
    with pytest.raises(UnknownSchemaError) as unknown:
        de.deserialize_many([frames[0], bad[3]])
    assert unknown.value.index == 1 and unknown.value.schema_id == 999


@pytest.mark.parametrize(
    "bodies",
    [
        # A body with a byte after its end: read jointly, every later record would shift.
        [b"\x02", b"\x04\x06", b"\x08"],
        # A body that ends early, then bodies that would absorb the shift.
        [b"\x02\x04", b"", b"\x06"],
        [b"\x80", b"\x01", b"\x02"],
    ],
)
def test_a_body_that_does_not_end_at_its_frame_end_is_read_alone(
    memory_registry: Any, bodies: list[bytes]
) -> None:
    prefix = serde.AvroSerializer(memory_registry, '"long"').serialize(0, "k", True)[:5]  # type: ignore[index]
    frames = [prefix + body for body in bodies]
    de = serde.AvroDeserializer(memory_registry)
    one_by_one: list[Any] = []
    for data in frames:
        try:
            one_by_one.append(de.deserialize(data))
        except DecodeError as exc:
            one_by_one.append(type(exc))
    try:
        assert de.deserialize_many(frames) == one_by_one
    except DecodeError as exc:
        assert exc.index is not None and one_by_one[exc.index] is type(exc)
        assert all(not isinstance(item, type) for item in one_by_one[: exc.index])


def test_a_trailing_byte_never_shifts_the_next_records(memory_registry: Any) -> None:
    ser = serde.AvroSerializer(memory_registry, POINT)
    frames = ser.serialize_many(points(6), "t")
    frames[2] = frames[2] + b"\x02"  # read alone, the extra byte is ignored as one call does
    de = serde.AvroDeserializer(memory_registry)
    assert de.deserialize_many(frames) == [de.deserialize(data) for data in frames] == points(6)


def test_decode_limits_hold_in_a_batch(memory_registry: Any) -> None:
    ser = serde.AvroSerializer(memory_registry, TAGS)
    values = [{"tags": list(range(n))} for n in (1, 2, 30, 3, 4, 5, 6)]
    frames = ser.serialize_many(values, "t")
    de = serde.AvroDeserializer(memory_registry, limits=DecodeLimits(max_items=10))
    with pytest.raises(DecodeLimitError) as info:
        de.deserialize_many(frames)
    assert info.value.index == 2
    ok = frames[:2] + frames[3:]
    assert de.deserialize_many(ok) == values[:2] + values[3:]  # joined in chunks of <= 10 bytes


@pytest.mark.parametrize(
    ("schema", "values"),
    [
        (TREE, [{"v": 1, "kids": [{"v": 2, "kids": []}]}, {"v": 3, "kids": []}]),
        (LOGICAL, None),
        ('"bytes"', [b"", b"\x00\x01"]),
        ('["null", "string"]', [None, "x"]),
        ('{"type": "enum", "name": "E", "symbols": ["A", "B"]}', ["B", "A"]),
    ],
)
def test_other_schemas_decode_as_one_call_per_frame(
    memory_registry: Any, schema: str, values: list[Any] | None
) -> None:
    import datetime as dt
    import decimal

    if values is None:
        moment = dt.datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=dt.UTC)
        values = [{"at": moment, "d": decimal.Decimal("12.34")}] * 3
    ser = serde.AvroSerializer(memory_registry, schema)
    frames = [ser.serialize(value, "o") for value in values]
    de = serde.AvroDeserializer(memory_registry)
    assert de.deserialize_many(frames) == [de.deserialize(data) for data in frames] == [
        value for value in values
    ]


def test_a_reader_schema_decodes_as_one_call_per_frame(memory_registry: Any) -> None:
    frames = serde.AvroSerializer(memory_registry, POINT).serialize_many(points(3), "t")
    reader = (
        '{"type": "record", "name": "Point", "namespace": "t", "fields": ['
        '{"name": "x", "type": "long"}, {"name": "z", "type": "int", "default": 5}]}'
    )
    de = serde.AvroDeserializer(memory_registry, reader)
    assert de.deserialize_many(frames) == [{"x": i, "z": 5} for i in range(3)]
