"""kafka-python adapter without a broker: the call forms of 2.x and 3.x, headers, errors."""

from __future__ import annotations

import warnings
from typing import Any

import kafka
import pytest
from kafka import KafkaProducer
from kafka.consumer.fetcher import Fetcher
from kafka.serializer import Deserializer as KafkaDeserializer
from kafka.serializer import Serializer as KafkaSerializer

from avroframe import serde
from avroframe.adapters import kafka_python as kp
from avroframe.serde.errors import ConfigError, DecodeError, EncodeError, FrameError, SerdeError

POINT = (
    '{"type": "record", "name": "Point", "namespace": "t",'
    ' "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}]}'
)


KAFKA_PYTHON_3 = int(kafka.__version__.split(".")[0]) >= 3
"""Which major version is installed: its own code is called, the other one's is re-enacted."""


def call_like_kafka_python_2(serializer: Any, topic: str, data: Any) -> Any:
    """kafka-python 2.x: ``serialize(topic, data)`` for a Serializer, ``f(data)`` otherwise."""
    if not KAFKA_PYTHON_3:
        return KafkaProducer._serialize(None, serializer, topic, data)
    if isinstance(serializer, KafkaSerializer):
        return serializer.serialize(topic, data)
    return serializer(data)


def call_like_kafka_python_3(serializer: Any, topic: str, headers: Any, data: Any) -> Any:
    """kafka-python 3.x's own producer code path, with its TypeError retry."""
    if not KAFKA_PYTHON_3:
        try:
            return serializer.serialize(topic, headers, data)
        except TypeError:
            pytest.fail("the serializer raised TypeError: kafka-python 3.x would retry it")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the retry warns: make sure it never happens
        return KafkaProducer._serialize(None, serializer, topic, headers, data)


def deserialize_like_kafka_python_3(deserializer: Any, topic: str, headers: Any, data: Any) -> Any:
    """kafka-python 3.x's own fetcher code path, with its TypeError retry."""
    if not KAFKA_PYTHON_3:
        try:
            return deserializer.deserialize(topic, headers, data)
        except TypeError:
            pytest.fail("the deserializer raised TypeError: kafka-python 3.x would retry it")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return Fetcher.PartitionRecords._deserialize(None, deserializer, topic, headers, data)


def test_objects_are_client_serializers(memory_registry: Any) -> None:
    """They subclass kafka.serializer.(De)Serializer, so neither client wraps them as f(data)."""
    assert isinstance(kp.AvroSerializer(memory_registry, POINT, is_key=False), KafkaSerializer)
    assert isinstance(kp.AvroDeserializer(memory_registry, is_key=False), KafkaDeserializer)


def test_all_call_forms_give_the_same_frame(memory_registry: Any) -> None:
    """(topic, headers, data), (topic, data), the 3.x and 2.x client paths and (data) agree."""
    ser = kp.AvroSerializer(memory_registry, POINT, topic="points", is_key=False)
    expected = serde.AvroSerializer(memory_registry, POINT).serialize({"x": 1, "y": 2}, "points")
    value = {"x": 1, "y": 2}
    assert ser.serialize("points", [], value) == expected
    assert ser.serialize("points", value) == expected
    assert call_like_kafka_python_3(ser, "points", [], value) == expected
    assert call_like_kafka_python_2(ser, "points", value) == expected
    assert ser(value) == expected
    assert ser("points", value) == expected
    assert ser("points", [], value) == expected


def test_deserializer_call_forms(memory_registry: Any) -> None:
    """The deserializer accepts the 3.x and 2.x forms and (data)."""
    frame = serde.AvroSerializer(memory_registry, POINT).serialize({"x": 3, "y": 4}, "points")
    de = kp.AvroDeserializer(memory_registry, is_key=False)
    assert deserialize_like_kafka_python_3(de, "points", [], frame) == {"x": 3, "y": 4}
    assert de.deserialize("points", frame) == {"x": 3, "y": 4}
    assert de(frame) == {"x": 3, "y": 4}
    assert de("points", [], frame) == {"x": 3, "y": 4}


def test_key_serializer_uses_the_key_subject(memory_registry: Any) -> None:
    """is_key=True registers under <topic>-key."""
    kp.AvroSerializer(memory_registry, '"string"', is_key=True).serialize("users", [], "k1")
    assert memory_registry.get_subjects() == ["users-key"]


def test_header_mode_writes_into_the_client_headers_list(memory_registry: Any) -> None:
    """In 3.x the serializer appends the schema GUID header to the list the client sends."""
    ser = kp.AvroSerializer(memory_registry, POINT, id_format="header", is_key=False)
    key_ser = kp.AvroSerializer(memory_registry, '"string"', is_key=True, id_format="header")
    headers: list[tuple[str, bytes]] = [("trace", b"1")]
    body = call_like_kafka_python_3(ser, "points", headers, {"x": 1, "y": 2})
    call_like_kafka_python_3(key_ser, "points", headers, "k")
    assert body == b"\x02\x04"
    assert [name for name, _ in headers] == ["trace", "__value_schema_id", "__key_schema_id"]
    de = kp.AvroDeserializer(memory_registry, is_key=False)
    assert deserialize_like_kafka_python_3(de, "points", headers, body) == {"x": 1, "y": 2}


def test_header_mode_without_headers_is_a_serde_error(memory_registry: Any) -> None:
    """2.x passes no headers: the header id format fails with a FrameError, not a TypeError."""
    ser = kp.AvroSerializer(memory_registry, POINT, id_format="header", is_key=False)
    with pytest.raises(FrameError, match="mutable headers"):
        call_like_kafka_python_2(ser, "points", {"x": 1, "y": 2})


def test_tombstones_make_no_registry_call(counting: Any) -> None:
    """None serializes to None and deserializes to None without touching the registry."""
    ser = kp.AvroSerializer(counting, POINT, is_key=False)
    de = kp.AvroDeserializer(counting, is_key=False)
    assert call_like_kafka_python_3(ser, "points", [], None) is None
    assert call_like_kafka_python_2(ser, "points", None) is None
    assert deserialize_like_kafka_python_3(de, "points", [], None) is None
    assert counting.total == 0


def test_type_error_in_to_dict_hook_is_not_retried(memory_registry: Any) -> None:
    """A hook's TypeError becomes EncodeError, so kafka-python 3.x does not retry the call."""
    calls = []

    def to_dict(obj: Any, ctx: Any) -> Any:
        calls.append(obj)
        raise TypeError("unsupported thing")

    ser = kp.AvroSerializer(memory_registry, POINT, to_dict=to_dict, is_key=False)
    with pytest.raises(EncodeError, match="unsupported thing") as info:
        call_like_kafka_python_3(ser, "points", [], object())
    assert not isinstance(info.value, TypeError)
    assert isinstance(info.value.__cause__, TypeError)
    assert len(calls) == 1


def test_type_error_in_from_dict_hook_becomes_decode_error(memory_registry: Any) -> None:
    """A from_dict TypeError becomes DecodeError in the deserializer."""
    frame = serde.AvroSerializer(memory_registry, POINT).serialize({"x": 1, "y": 2}, "points")

    def from_dict(value: Any, ctx: Any) -> Any:
        raise TypeError("cannot build")

    de = kp.AvroDeserializer(memory_registry, from_dict=from_dict, is_key=False)
    with pytest.raises(DecodeError, match="cannot build"):
        deserialize_like_kafka_python_3(de, "points", [], frame)


@pytest.mark.parametrize(
    "value",
    [
        {"x": "one", "y": 2},
        {"x": 1},
        5,
        "text",
        [1, 2],
        object(),
        b"\x00\x01",
        {"x": 2**40, "y": 0},
    ],
)
def test_bad_values_raise_serde_errors_never_type_errors(memory_registry: Any, value: Any) -> None:
    """Whatever the value, the serializer raises a SerdeError (never a TypeError)."""
    ser = kp.AvroSerializer(memory_registry, POINT, is_key=False)
    with pytest.raises(SerdeError) as info:
        call_like_kafka_python_3(ser, "points", [], value)
    assert not isinstance(info.value, TypeError)


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x07abcdef", b"\x00\x00\x00\x00\x01", "text", 7])
def test_bad_frames_raise_serde_errors_never_type_errors(memory_registry: Any, data: Any) -> None:
    """Garbage frames, and non-bytes, raise a SerdeError (never a TypeError)."""
    serde.AvroSerializer(memory_registry, POINT).serialize({"x": 1, "y": 2}, "points")
    de = kp.AvroDeserializer(memory_registry, is_key=False)
    with pytest.raises(SerdeError) as info:
        deserialize_like_kafka_python_3(de, "points", [], data)
    assert not isinstance(info.value, TypeError)


def test_wrong_number_of_arguments_is_a_config_error(memory_registry: Any) -> None:
    """A call the adapter does not understand raises ConfigError, not TypeError."""
    ser = kp.AvroSerializer(memory_registry, POINT, is_key=False)
    de = kp.AvroDeserializer(memory_registry, is_key=False)
    with pytest.raises(ConfigError):
        ser.serialize("points", [], {"x": 1, "y": 2}, "extra")
    with pytest.raises(ConfigError):
        ser({"x": 1, "y": 2})  # no topic given at construction
    with pytest.raises(ConfigError):
        de.deserialize("points")
    with pytest.raises(ConfigError):
        ser()


def test_registry_url_is_opened_and_closed_by_the_serializer() -> None:
    """A registry URL is connected by the adapter and closed by the client's close()."""
    ser = kp.AvroSerializer("memory://adapter-url-test", '"string"', is_key=False)
    assert ser.serialize("t", [], "v") is not None
    ser.close()


def test_producer_rejects_client_serializers(memory_registry: Any) -> None:
    """AvroProducer serializes itself: key_serializer in the config is refused before connecting."""
    with pytest.raises(ConfigError, match="key_serializer"):
        kp.AvroProducer({"key_serializer": str}, registry=memory_registry)
    with pytest.raises(ConfigError, match="value_deserializer"):
        kp.AvroConsumer({"value_deserializer": str}, registry=memory_registry)


def test_consumer_rejects_conflicting_key_options(memory_registry: Any) -> None:
    """decode_key=False with a reader key schema is a configuration error."""
    with pytest.raises(ConfigError, match="decode_key"):
        kp.AvroConsumer({}, registry=memory_registry, decode_key=False, reader_key_schema='"int"')
    with pytest.raises(ConfigError, match="either"):
        kp.AvroConsumer(
            {},
            registry=memory_registry,
            reader_value_schema=POINT,
            value_deserializer=serde.AvroDeserializer(memory_registry),
        )


def test_producer_needs_a_registry() -> None:
    """Without registry= or schema.registry.url the producer is refused."""
    with pytest.raises(ConfigError, match="registry is required"):
        kp.AvroProducer({"bootstrap_servers": "127.0.0.1:1"})
