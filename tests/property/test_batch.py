"""Property tests: serialize_many / deserialize_many give what one call per record gives, for
random schemas and values, and for frames with bytes cut off or added."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avroframe import registry
from avroframe.serde import AvroDeserializer, AvroSerializer, SerdeError

from .avro_strategies import schemas, values

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def one_by_one(de: AvroDeserializer, frames: list[Any]) -> list[Any]:
    """Each frame's value, or its error's type."""
    out: list[Any] = []
    for data in frames:
        try:
            out.append(de.deserialize(data))
        except SerdeError as exc:
            out.append(type(exc))
    return out


def assert_same(de: AvroDeserializer, frames: list[Any]) -> None:
    """deserialize_many equals one call per frame, or raises the first failure's type there."""
    expected = one_by_one(de, frames)
    failed = [i for i, item in enumerate(expected) if isinstance(item, type)]
    try:
        got = de.deserialize_many(frames)
    except SerdeError as exc:
        assert failed and exc.index == failed[0] and type(exc) is expected[failed[0]]
        return
    assert not failed and got == expected


@SETTINGS
@given(st.data())
def test_batches_equal_one_call_per_record(data: st.DataObject) -> None:
    schema = data.draw(schemas())
    batch = data.draw(st.lists(st.one_of(st.none(), values(schema)), min_size=1, max_size=8))
    reg = registry.connect(f"memory://prop-{uuid.uuid4()}")
    ser = AvroSerializer(reg, schema)
    frames = ser.serialize_many(batch, "t")
    assert frames == [ser.serialize(value, "t") for value in batch]
    de = AvroDeserializer(reg)
    assert de.deserialize_many(frames) == [de.deserialize(frame) for frame in frames] == batch


@SETTINGS
@given(st.data())
def test_damaged_frames_in_a_batch_decode_as_one_call_per_record(data: st.DataObject) -> None:
    schema = data.draw(schemas())
    batch = data.draw(st.lists(values(schema), min_size=2, max_size=8))
    reg = registry.connect(f"memory://prop-{uuid.uuid4()}")
    frames: list[Any] = list(AvroSerializer(reg, schema).serialize_many(batch, "t"))
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(frames) - 1))
        frame = frames[index]
        if data.draw(st.booleans()) and len(frame) > 5:
            frames[index] = frame[: data.draw(st.integers(5, len(frame) - 1))]
        else:
            frames[index] = frame + data.draw(st.binary(min_size=1, max_size=4))
    assert_same(AvroDeserializer(reg), frames)
