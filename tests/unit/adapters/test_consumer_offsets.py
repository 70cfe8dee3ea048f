"""The consumers' offset and error logic against fake clients, without a broker.

What is checked: an offset is stored only after its record was decoded or handled by the policy;
a failure rewinds the client to the failed record; a registry outage is never handed to the
poison-message policy (the record stays, the next poll tries it again); the confluent adapter's
errors are what code written for confluent-kafka catches.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import pytest
from confluent_kafka import Consumer, Message
from confluent_kafka.error import (
    KeyDeserializationError,
    KeySerializationError,
    ValueDeserializationError,
    ValueSerializationError,
)
from kafka import TopicPartition as KpTopicPartition

from avroframe import serde
from avroframe.adapters import confluent_kafka as ck
from avroframe.adapters import kafka_python as kp
from avroframe.registry import errors as registry_errors
from avroframe.serde.errors import ConfigError, DeserializationFailure, EncodeError
from tests.support.registries import Outage

POINT = (
    '{"type": "record", "name": "Point", "namespace": "t",'
    ' "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}]}'
)
NO_BROKER = "127.0.0.1:1"


def policy_for(policy: str, handed: list[Any]) -> Any:
    """The on_error policy by name; "callback" appends each record handed to it."""
    return (lambda record, error: handed.append(record)) if policy == "callback" else policy


def frames(registry: Any, count: int) -> list[bytes]:
    ser = serde.AvroSerializer(registry, POINT)
    return [ser.serialize({"x": i, "y": -i}, "points") for i in range(count)]  # type: ignore[misc]


# --------------------------------------------------------------------------- confluent-kafka


class FakeConfluentClient(Consumer):  # type: ignore[misc]
    """Stands between AvroConsumer and librdkafka: serves messages, records stores and seeks."""

    queue: list[Message]
    stored: list[int]
    seeks: list[int]

    def poll(self, timeout: float | None = None) -> Message | None:
        return self.queue.pop(0) if self.queue else None

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[Message]:
        batch, self.queue[:num_messages] = self.queue[:num_messages], []
        return batch

    def store_offsets(self, message: Message | None = None, offsets: Any = None) -> None:
        assert message is not None
        self.stored.append(message.offset())

    def seek(self, partition: Any) -> None:
        self.seeks.append(partition.offset)


class FakeAvroConsumer(ck.AvroConsumer, FakeConfluentClient):
    """ck.AvroConsumer whose ``super()`` calls reach the fake client instead of librdkafka."""


def confluent_consumer(registry: Any, values: list[bytes], **options: Any) -> FakeAvroConsumer:
    consumer = FakeAvroConsumer(
        {"bootstrap.servers": NO_BROKER, "group.id": "g"}, registry=registry,
        decode_key=False, **options,
    )
    consumer.queue = [
        Message(topic="points", partition=0, offset=offset, key=None, value=value,
                timestamp=(1, 1000 + offset))
        for offset, value in enumerate(values)
    ]
    consumer.stored, consumer.seeks = [], []
    return consumer


def test_confluent_offsets_are_stored_after_decoding_and_a_failure_rewinds(
    memory_registry: Any,
) -> None:
    good = frames(memory_registry, 3)
    consumer = confluent_consumer(memory_registry, [good[0], b"\x00\x00\x00\x00\x63bad", good[2]])
    try:
        assert consumer.poll(0).value() == {"x": 0, "y": 0}
        assert consumer.stored == [0]
        with pytest.raises(DeserializationFailure, match=r"points\[0\]@1") as info:
            consumer.poll(0)
        assert consumer.stored == [0] and consumer.seeks == [1]
        assert isinstance(info.value, ValueDeserializationError)
        assert info.value.kafka_message.offset() == 1
    finally:
        consumer.close()


def test_confluent_skip_stores_the_skipped_offset(memory_registry: Any) -> None:
    good = frames(memory_registry, 3)
    consumer = confluent_consumer(memory_registry, [b"\x07junk", good[1]], on_error="skip")
    try:
        assert consumer.poll(5).value() == {"x": 1, "y": -1}  # the skip does not end the poll
        assert consumer.stored == [0, 1] and consumer.seeks == []
    finally:
        consumer.close()


def test_confluent_batch_failure_returns_what_came_before_and_rewinds(memory_registry: Any) -> None:
    good = frames(memory_registry, 4)
    consumer = confluent_consumer(memory_registry, [good[0], good[1], b"\x07", good[3]])
    try:
        first = consumer.consume(4, 0)
        assert [m.value()["x"] for m in first] == [0, 1]
        assert consumer.stored == [0, 1] and consumer.seeks == [2]
    finally:
        consumer.close()


@pytest.mark.parametrize("policy", ["raise", "skip", "callback"])
def test_confluent_registry_outage_is_not_a_poison_record(memory_registry: Any,
                                                          policy: str) -> None:
    data = frames(memory_registry, 1)[0]
    outage = Outage(memory_registry)
    outage.down = True
    handed: list[Any] = []
    on_error = policy_for(policy, handed)
    consumer = confluent_consumer(outage, [data], on_error=on_error)
    try:
        with pytest.raises(serde.RegistryUnavailableError, match=r"points\[0\]@0") as info:
            consumer.poll(0)
        assert isinstance(info.value, registry_errors.RegistryUnavailableError)  # one family
        assert handed == [] and consumer.stored == [] and consumer.seeks == [0]
        # The registry is back: the same record decodes, then its offset is stored.
        outage.down = False
        consumer.queue.insert(0, Message(topic="points", partition=0, offset=0, value=data))
        assert consumer.poll(0).value() == {"x": 0, "y": 0}
        assert consumer.stored == [0]
    finally:
        consumer.close()


def test_confluent_errors_are_what_legacy_code_catches(memory_registry: Any) -> None:
    # The test extra installs confluent-kafka[avro], so the legacy module is always there.
    from confluent_kafka.avro import serializer as legacy
    consumer = confluent_consumer(memory_registry, [b"\x00\x00\x00\x00\x09"])
    try:
        with pytest.raises(legacy.SerializerError) as info:
            consumer.poll(0)
        assert isinstance(info.value, DeserializationFailure)
        assert info.value.offset == 0 and "points[0]@0" in str(info.value)
    finally:
        consumer.close()
    producer = ck.AvroProducer({"bootstrap.servers": NO_BROKER}, registry=memory_registry,
                               default_key_schema='"int"', default_value_schema=POINT)
    try:
        with pytest.raises(legacy.ValueSerializerError) as value_info:
            producer.produce("points", value={"x": "one", "y": 2}, key=1)
        assert isinstance(value_info.value, ValueSerializationError)
        assert isinstance(value_info.value, EncodeError) and value_info.value.path == "$.x"
        with pytest.raises(legacy.KeySerializerError) as key_info:
            producer.produce("points", value={"x": 1, "y": 2}, key="not an int")
        assert isinstance(key_info.value, KeySerializationError)
        assert not isinstance(key_info.value, KeyDeserializationError)
    finally:
        producer.purge()
        producer.close()


# --------------------------------------------------------------------------- kafka-python

Record = namedtuple(
    "Record", "topic partition offset timestamp timestamp_type key value headers "
    "checksum serialized_key_size serialized_value_size serialized_header_size",
)


class FakeKafkaConsumer:
    """What AvroConsumer uses of kafka-python's KafkaConsumer: poll, seek, iteration."""

    def __init__(self, values: list[bytes], headers: Any = None) -> None:
        self.partition = KpTopicPartition("points", 0)
        self.records = [
            Record("points", 0, offset, 1000, 0, None, value, headers or [], None, 0, 0, 0)
            for offset, value in enumerate(values)
        ]
        self.position = 0
        self.seeks: list[int] = []

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, list[Any]]:
        batch = self.records[self.position:]
        self.position = len(self.records)
        return {self.partition: batch} if batch else {}

    def seek(self, partition: Any, offset: int) -> None:
        self.seeks.append(offset)
        self.position = offset

    def __next__(self) -> Any:
        if self.position >= len(self.records):
            raise StopIteration
        self.position += 1
        return self.records[self.position - 1]

    def close(self, autocommit: bool = True) -> None:
        pass


def kafka_python_consumer(registry: Any, client: FakeKafkaConsumer,
                          **options: Any) -> kp.AvroConsumer:
    consumer = kp.AvroConsumer.__new__(kp.AvroConsumer)
    real_init = kp.KafkaConsumer
    try:
        kp.KafkaConsumer = lambda *topics, **conf: client  # type: ignore[misc,assignment]
        kp.AvroConsumer.__init__(consumer, {}, registry=registry, decode_key=False, **options)
    finally:
        kp.KafkaConsumer = real_init  # type: ignore[misc]
    return consumer


def test_kafka_python_failure_returns_earlier_records_then_raises_at_the_bad_one(
    memory_registry: Any,
) -> None:
    good = frames(memory_registry, 3)
    client = FakeKafkaConsumer([good[0], b"\x07", good[2]])
    consumer = kafka_python_consumer(memory_registry, client)
    first = consumer.poll()
    assert [r.value["x"] for r in first[client.partition]] == [0]
    assert client.seeks == [1] and client.position == 1
    with pytest.raises(DeserializationFailure, match=r"points\[0\]@1"):
        consumer.poll()
    assert client.seeks == [1, 1]


@pytest.mark.parametrize("policy", ["skip", "callback"])
def test_kafka_python_registry_outage_is_not_a_poison_record(memory_registry: Any,
                                                             policy: str) -> None:
    data = frames(memory_registry, 2)
    outage = Outage(memory_registry)
    outage.down = True
    handed: list[Any] = []
    on_error = policy_for(policy, handed)
    client = FakeKafkaConsumer(data)
    consumer = kafka_python_consumer(outage, client, on_error=on_error)
    with pytest.raises(serde.RegistryUnavailableError):
        consumer.poll()
    assert handed == [] and client.position == 0  # rewound: nothing skipped
    outage.down = False
    got = consumer.poll()
    assert [r.value["x"] for r in got[client.partition]] == [0, 1]


def test_kafka_python_serializers_must_say_which_side_they_serve(memory_registry: Any) -> None:
    with pytest.raises(ConfigError, match="is_key=True for the key_serializer"):
        kp.AvroSerializer(memory_registry, '"string"')
    with pytest.raises(ConfigError, match="is_key=False for the value_deserializer"):
        kp.AvroDeserializer(memory_registry)
    assert memory_registry.get_subjects() == []


def test_decoding_the_key_of_a_record_with_both_id_headers(memory_registry: Any) -> None:
    """Key and value each read their own header, in the deserializer and the record decoder."""
    key_ser = serde.AvroSerializer(memory_registry, '"string"', id_format="header")
    value_ser = serde.AvroSerializer(memory_registry, POINT, id_format="header")
    headers: list[tuple[str, bytes]] = []
    key = key_ser.serialize("k1", "points", is_key=True, headers=headers)
    value = value_ser.serialize({"x": 5, "y": 6}, "points", headers=headers)
    assert [name for name, _ in headers] == ["__key_schema_id", "__value_schema_id"]
    key_de = kp.AvroDeserializer(memory_registry, is_key=True)
    value_de = kp.AvroDeserializer(memory_registry, is_key=False)
    assert key_de.deserialize("points", headers, key) == "k1"
    assert value_de.deserialize("points", headers, value) == {"x": 5, "y": 6}
    decoder = serde.records.RecordDecoder(serde.AvroDeserializer(memory_registry),
                                          serde.AvroDeserializer(memory_registry))
    decoded = decoder.decode(serde.records.RawRecord("points", 0, 0, key, value, headers))
    assert decoded is not None and (decoded.key, decoded.value) == ("k1", {"x": 5, "y": 6})
