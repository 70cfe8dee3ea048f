"""confluent-kafka adapter without a broker: ctx forms, headers, legacy config, errors."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.serialization import (
    Deserializer,
    MessageField,
    SerializationContext,
    Serializer,
)

from avroframe import serde
from avroframe.adapters import confluent_kafka as ck
from avroframe.registry.http import HttpRegistry
from avroframe.serde.errors import ConfigError, DecodeError, EncodeError, FrameError, SerdeError

POINT = (
    '{"type": "record", "name": "Point", "namespace": "t",'
    ' "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}]}'
)
NO_BROKER = "127.0.0.1:1"


def ctx(topic: str, field: MessageField, headers: Any = None) -> SerializationContext:
    """A context as SerializingProducer / DeserializingConsumer build it."""
    return SerializationContext(topic, field, headers)


def test_objects_are_client_serializers(memory_registry: Any) -> None:
    """They subclass confluent_kafka.serialization.Serializer / Deserializer."""
    assert isinstance(ck.AvroSerializer(memory_registry, POINT), Serializer)
    assert isinstance(ck.AvroDeserializer(memory_registry), Deserializer)


@pytest.mark.parametrize("headers", [None, [], [("trace", b"1")], {}, {"trace": b"1"}])
def test_round_trip_with_any_headers_shape(memory_registry: Any, headers: Any) -> None:
    """ctx.headers may be None, a list or a dict: the id-prefix frame ignores them."""
    ser = ck.AvroSerializer(memory_registry, POINT)
    de = ck.AvroDeserializer(memory_registry)
    data = ser({"x": 1, "y": 2}, ctx("points", MessageField.VALUE, headers))
    assert data == serde.AvroSerializer(memory_registry, POINT).serialize(
        {"x": 1, "y": 2}, "points"
    )
    assert de(data, ctx("points", MessageField.VALUE, headers)) == {"x": 1, "y": 2}


def test_field_selects_key_or_value_subject(memory_registry: Any) -> None:
    """MessageField.KEY registers under <topic>-key, VALUE under <topic>-value."""
    ser = ck.AvroSerializer(memory_registry, '"string"')
    ser("k", ctx("users", MessageField.KEY))
    ser("v", ctx("users", MessageField.VALUE))
    assert sorted(memory_registry.get_subjects()) == ["users-key", "users-value"]


@pytest.mark.parametrize("headers", [[("trace", b"1")], {"trace": b"1"}])
def test_header_mode_with_list_and_dict_headers(memory_registry: Any, headers: Any) -> None:
    """The schema GUID goes into ctx.headers, list or dict, and is read back from there."""
    ser = ck.AvroSerializer(memory_registry, POINT, id_format="header")
    key_ser = ck.AvroSerializer(memory_registry, '"string"', id_format="header")
    body = ser({"x": 1, "y": 2}, ctx("points", MessageField.VALUE, headers))
    key = key_ser("k", ctx("points", MessageField.KEY, headers))
    names = list(headers) if isinstance(headers, dict) else [name for name, _ in headers]
    assert names == ["trace", "__value_schema_id", "__key_schema_id"]
    assert body == b"\x02\x04"
    de = ck.AvroDeserializer(memory_registry)
    assert de(body, ctx("points", MessageField.VALUE, headers)) == {"x": 1, "y": 2}
    assert de(key, ctx("points", MessageField.KEY, headers)) == "k"


def test_header_mode_with_no_headers_is_a_serde_error(memory_registry: Any) -> None:
    """With ctx.headers None there is nowhere to write the id: a FrameError says so."""
    ser = ck.AvroSerializer(memory_registry, POINT, id_format="header")
    with pytest.raises(FrameError, match="mutable headers"):
        ser({"x": 1, "y": 2}, ctx("points", MessageField.VALUE, None))


def test_tombstones_make_no_registry_call(counting: Any) -> None:
    """None passes through both ways without a registry call."""
    assert ck.AvroSerializer(counting, POINT)(None, ctx("p", MessageField.VALUE)) is None
    assert ck.AvroDeserializer(counting)(None, ctx("p", MessageField.KEY, [])) is None
    assert counting.total == 0


def test_missing_context_is_a_config_error(memory_registry: Any) -> None:
    """Called without a SerializationContext the adapter raises ConfigError."""
    with pytest.raises(ConfigError):
        ck.AvroSerializer(memory_registry, POINT)({"x": 1, "y": 2})
    with pytest.raises(ConfigError):
        ck.AvroDeserializer(memory_registry)(b"\x00\x00\x00\x00\x01")


def test_hook_type_errors_become_serde_errors(memory_registry: Any) -> None:
    """TypeErrors from to_dict / from_dict hooks surface as EncodeError / DecodeError."""

    def broken(obj: Any, _ctx: Any) -> Any:
        raise TypeError("nope")

    ser = ck.AvroSerializer(memory_registry, POINT, to_dict=broken)
    with pytest.raises(EncodeError, match="nope"):
        ser(object(), ctx("points", MessageField.VALUE))
    data = ck.AvroSerializer(memory_registry, POINT)({"x": 1, "y": 2}, ctx("p", MessageField.VALUE))
    de = ck.AvroDeserializer(memory_registry, from_dict=broken)
    with pytest.raises(DecodeError, match="nope"):
        de(data, ctx("p", MessageField.VALUE))


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\x09zzzzz", "text", bytearray(b"\x00")])
def test_bad_frames_raise_serde_errors(memory_registry: Any, data: Any) -> None:
    """Garbage raises a SerdeError, never a TypeError."""
    de = ck.AvroDeserializer(memory_registry)
    with pytest.raises(SerdeError) as info:
        de(data, ctx("p", MessageField.VALUE))
    assert not isinstance(info.value, TypeError)


def test_legacy_config_builds_http_registry_and_strips_keys() -> None:
    """schema.registry.* keys configure an HttpRegistry; librdkafka never sees them."""
    producer = ck.AvroProducer(
        {
            "bootstrap.servers": NO_BROKER,
            "schema.registry.url": "http://127.0.0.1:1",
            "schema.registry.basic.auth.user.info": "user:secret-password",
        },
        default_value_schema=POINT,
    )
    try:
        assert isinstance(producer._registry.client, HttpRegistry)
        assert producer._registry.owned
        assert "secret-password" not in repr(producer)
    finally:
        producer.close()
    consumer = ck.AvroConsumer(
        {
            "bootstrap.servers": NO_BROKER,
            "group.id": "g",
            "schema.registry.url": "http://127.0.0.1:1",
        }
    )
    try:
        assert isinstance(consumer._registry.client, HttpRegistry)
    finally:
        consumer.close()


def test_legacy_config_errors_are_config_errors(memory_registry: Any) -> None:
    """Unknown schema.registry.* keys, or a URL together with registry=, are refused."""
    with pytest.raises(ConfigError, match="unknown"):
        ck.AvroProducer({"bootstrap.servers": NO_BROKER, "schema.registry.urls": "http://x"})
    with pytest.raises(ConfigError, match="not both"):
        ck.AvroProducer(
            {"bootstrap.servers": NO_BROKER, "schema.registry.url": "http://127.0.0.1:1"},
            registry=memory_registry,
        )
    with pytest.raises(ConfigError, match="not both"):
        ck.AvroProducer({}, registry=memory_registry, schema_registry=memory_registry)
    with pytest.raises(ConfigError, match="registry is required"):
        ck.AvroConsumer({"bootstrap.servers": NO_BROKER, "group.id": "g"})


def test_client_config_errors_still_reach_the_client(memory_registry: Any) -> None:
    """Keys that are neither registry keys nor librdkafka's are refused by the client."""
    with pytest.raises(KafkaException):
        ck.AvroProducer(
            {"bootstrap.servers": NO_BROKER, "no.such.key": 1}, registry=memory_registry
        )


def test_produce_copies_headers_and_tombstone_has_no_registry_call(counting: Any) -> None:
    """produce() never modifies the caller's headers; a None value costs no registry call."""
    producer = ck.AvroProducer(
        {"bootstrap.servers": NO_BROKER, "message.timeout.ms": 1000},
        default_key_schema='"string"',
        default_value_schema=POINT,
        registry=counting,
        id_format="header",
    )
    try:
        headers = [("trace", b"1")]
        producer.produce("points", {"x": 1, "y": 2}, "k", headers=headers)
        producer.produce("points", {"x": 3, "y": 4}, "k", headers=headers)
        assert headers == [("trace", b"1")]
        before = counting.calls.copy()
        producer.produce("points", None, "k2")
        assert counting.calls == before
    finally:
        producer.purge()
        producer.close()
    assert not producer._registry.owned


def test_produce_without_schema_is_a_config_error(memory_registry: Any) -> None:
    """A value with no schema (none given, no default) raises ConfigError naming the option."""
    producer = ck.AvroProducer({"bootstrap.servers": NO_BROKER}, registry=memory_registry)
    try:
        with pytest.raises(ConfigError, match="value_schema"):
            producer.produce("points", {"x": 1, "y": 2})
        producer.produce("points", {"x": 1, "y": 2}, value_schema=POINT)
        producer.produce("points", {"x": 1, "y": 2}, value_schema=POINT)
        assert memory_registry.get_subjects() == ["points-value"]
    finally:
        producer.purge()
        producer.close()


def test_warm_up_registers_ahead(memory_registry: Any) -> None:
    """warm_up(topic) resolves the default schemas' ids before any message."""
    producer = ck.AvroProducer(
        {"bootstrap.servers": NO_BROKER},
        default_key_schema='"string"',
        default_value_schema=POINT,
        registry=memory_registry,
    )
    try:
        producer.warm_up("a", "b")
        assert sorted(memory_registry.get_subjects()) == ["a-key", "a-value", "b-key", "b-value"]
    finally:
        producer.close()


def test_warm_up_fails_early_when_schema_is_not_registered(memory_registry: Any) -> None:
    """With auto-registration off, a missing schema fails at warm-up, not at the first message."""
    producer = ck.AvroProducer(
        {"bootstrap.servers": NO_BROKER},
        default_value_schema=POINT,
        registry=memory_registry,
        auto_register_schemas=False,
    )
    try:
        with pytest.raises(SerdeError):
            producer.warm_up("points")
    finally:
        producer.close()
