"""Batch consumption against fake clients: confluent-kafka ``consume(num_messages)`` and
kafka-python ``poll()`` decode through ``RecordDecoder.decode_many``, with the poison-message
policy per record, offsets stored only for handled records, and a rewind to the record that
stopped the batch."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, Message
from confluent_kafka.error import ValueDeserializationError
from kafka import TopicPartition as KpTopicPartition

from avroframe import serde
from avroframe.adapters import confluent_kafka as ck
from avroframe.adapters import kafka_python as kp
from avroframe.serde.errors import DeserializationFailure
from avroframe.serde.records import RawBatch, RawRecord, RecordDecoder
from tests.support.registries import Outage

POINT = (
    '{"type": "record", "name": "Point", "namespace": "t",'
    ' "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}]}'
)
NO_BROKER = "127.0.0.1:1"
BAD = b"\x00\x00\x00\x00\x63bad"  # schema id 99: unknown


def frames(registry: Any, count: int) -> list[bytes]:
    ser = serde.AvroSerializer(registry, POINT)
    return ser.serialize_many([{"x": i, "y": -i} for i in range(count)], "points")  # type: ignore[return-value]


def keys(registry: Any, count: int) -> list[bytes]:
    ser = serde.AvroSerializer(registry, '"long"')
    return ser.serialize_many(list(range(count)), "points", is_key=True)  # type: ignore[return-value]


def policy_for(policy: str, handed: list[Any]) -> Any:
    """The on_error policy by name; "callback" appends each record handed to it."""
    return (lambda record, error: handed.append(record)) if policy == "callback" else policy


def no_single_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a record goes through the per-record path."""

    def single(self: Any, record: Any) -> Any:
        raise AssertionError("decoded one by one")

    monkeypatch.setattr(RecordDecoder, "decode", single)


# --------------------------------------------------------------------------- confluent-kafka


class FakeConfluentClient(Consumer):  # type: ignore[misc]
    """Serves messages to ``consume``, records stores and seeks."""

    queue: list[Message]
    stored: list[int]
    seeks: list[tuple[int, int]]

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[Message]:
        batch, self.queue[:num_messages] = self.queue[:num_messages], []
        return batch

    def store_offsets(self, message: Message | None = None, offsets: Any = None) -> None:
        assert message is not None
        self.stored.append(message.offset())

    def seek(self, partition: Any) -> None:
        self.seeks.append((partition.partition, partition.offset))


class FakeAvroConsumer(ck.AvroConsumer, FakeConfluentClient):
    """ck.AvroConsumer whose ``super()`` calls reach the fake client."""


def confluent(registry: Any, messages: list[Message], **options: Any) -> FakeAvroConsumer:
    consumer = FakeAvroConsumer({"bootstrap.servers": NO_BROKER, "group.id": "g"},
                                registry=registry, **options)
    consumer.queue = list(messages)
    consumer.stored, consumer.seeks = [], []
    return consumer


def message(value: bytes | None, offset: int, key: bytes | None = None, partition: int = 0,
            **extra: Any) -> Message:
    return Message(topic="points", partition=partition, offset=offset, key=key, value=value,
                   timestamp=(1, 1000 + offset), **extra)


def test_confluent_consume_decodes_keys_and_values_as_one_batch(
    memory_registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_single_decode(monkeypatch)
    values, ids = frames(memory_registry, 20), keys(memory_registry, 20)
    consumer = confluent(memory_registry, [message(v, i, k, partition=i % 2) for i, (k, v) in
                                           enumerate(zip(ids, values, strict=True))])
    try:
        got = consumer.consume(20, 0)
        assert [(m.key(), m.value()) for m in got] == [(i, {"x": i, "y": -i}) for i in range(20)]
        # All handled: each partition's last offset is stored (it covers the earlier ones).
        assert consumer.stored == [18, 19] and consumer.seeks == []
    finally:
        consumer.close()


@pytest.mark.parametrize("policy", ["skip", "callback"])
def test_confluent_policy_applies_per_record_in_a_batch(memory_registry: Any,
                                                        policy: str) -> None:
    good = frames(memory_registry, 5)
    handed: list[RawRecord] = []
    on_error: Any = policy_for(policy, handed)
    batch = [message(good[0], 0), message(BAD, 1), message(good[2], 2), message(b"\x07", 3),
             message(good[4], 4)]
    consumer = confluent(memory_registry, batch, decode_key=False, on_error=on_error)
    try:
        got = consumer.consume(5, 0)
        assert [m.value()["x"] for m in got] == [0, 2, 4]
        assert consumer.stored == [0, 1, 2, 3, 4] and consumer.seeks == []  # handled: stored
        if policy == "callback":
            assert [(r.offset, r.value, r.timestamp) for r in handed] == [
                (1, BAD, 1001), (3, b"\x07", 1003)
            ]
    finally:
        consumer.close()


def test_confluent_raise_in_a_batch_returns_what_came_before_then_raises(
    memory_registry: Any,
) -> None:
    good = frames(memory_registry, 4)
    eof = message(None, 9, error=KafkaError(KafkaError._PARTITION_EOF))
    batch = [message(good[0], 0), eof, message(good[1], 1), message(BAD, 2),
             message(good[3], 3, partition=1)]
    consumer = confluent(memory_registry, batch, decode_key=False)
    try:
        first = consumer.consume(5, 0)
        assert [m.offset() for m in first] == [0, 9, 1]  # the error message in its place
        assert consumer.stored == [0, 1]
        assert consumer.seeks == [(0, 2), (1, 3)]  # back to the bad one, and the later partition
        consumer.queue = [message(BAD, 2), message(good[3], 3)]
        with pytest.raises(DeserializationFailure, match=r"points\[0\]@2") as info:
            consumer.consume(2, 0)
        assert isinstance(info.value, ValueDeserializationError)
        assert info.value.kafka_message.offset() == 2
        assert consumer.stored == [0, 1] and consumer.seeks[-1] == (0, 2)
    finally:
        consumer.close()


@pytest.mark.parametrize("policy", ["raise", "skip", "callback"])
def test_confluent_registry_outage_in_a_batch_is_not_a_poison_record(
    memory_registry: Any, policy: str
) -> None:
    data = frames(memory_registry, 3)
    outage = Outage(memory_registry)
    outage.down = True
    handed: list[Any] = []
    on_error: Any = policy_for(policy, handed)
    consumer = confluent(outage, [message(v, i) for i, v in enumerate(data)], decode_key=False,
                         on_error=on_error)
    try:
        with pytest.raises(serde.RegistryUnavailableError, match=r"points\[0\]@0"):
            consumer.consume(3, 0)
        assert handed == [] and consumer.stored == [] and consumer.seeks == [(0, 0)]
        outage.down = False
        consumer.queue = [message(v, i) for i, v in enumerate(data)]
        assert [m.value()["x"] for m in consumer.consume(3, 0)] == [0, 1, 2]
        assert consumer.stored == [2]  # all handled: the partition's last offset
    finally:
        consumer.close()


# --------------------------------------------------------------------------- kafka-python

Record = namedtuple(
    "Record", "topic partition offset timestamp timestamp_type key value headers "
    "checksum serialized_key_size serialized_value_size serialized_header_size",
)


class FakeKafkaConsumer:
    """poll() returns every record of two partitions at once; seek is recorded."""

    def __init__(self, partitions: dict[int, list[tuple[bytes | None, bytes | None]]]) -> None:
        self.fetch = {
            KpTopicPartition("points", number): [
                Record("points", number, offset, 1000, 0, key, value, [], None, 0, 0, 0)
                for offset, (key, value) in enumerate(items)
            ]
            for number, items in partitions.items()
        }
        self.seeks: list[tuple[int, int]] = []

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, list[Any]]:
        fetch, self.fetch = self.fetch, {}
        return fetch

    def seek(self, partition: Any, offset: int) -> None:
        self.seeks.append((partition.partition, offset))

    def close(self, autocommit: bool = True) -> None:
        pass


def kafka_python(registry: Any, client: FakeKafkaConsumer, **options: Any) -> kp.AvroConsumer:
    consumer = kp.AvroConsumer.__new__(kp.AvroConsumer)
    real = kp.KafkaConsumer
    try:
        kp.KafkaConsumer = lambda *topics, **conf: client  # type: ignore[misc,assignment]
        kp.AvroConsumer.__init__(consumer, {}, registry=registry, **options)
    finally:
        kp.KafkaConsumer = real  # type: ignore[misc]
    return consumer


def test_kafka_python_poll_decodes_each_partition_as_one_batch(
    memory_registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_single_decode(monkeypatch)
    values, ids = frames(memory_registry, 6), keys(memory_registry, 6)
    pairs = list(zip(ids, values, strict=True))
    client = FakeKafkaConsumer({0: pairs[:3], 1: pairs[3:]})
    got = kafka_python(memory_registry, client).poll()
    assert {tp.partition: [(r.key, r.value["x"], r.offset) for r in records]
            for tp, records in got.items()} == {
        0: [(0, 0, 0), (1, 1, 1), (2, 2, 2)], 1: [(3, 3, 0), (4, 4, 1), (5, 5, 2)]}


def test_kafka_python_skip_and_raise_in_a_batch(memory_registry: Any) -> None:
    good = frames(memory_registry, 4)
    client = FakeKafkaConsumer({0: [(None, good[0]), (None, BAD), (None, good[1])],
                                1: [(None, good[2]), (None, good[3])]})
    skipped = kafka_python(memory_registry, client, on_error="skip", decode_key=False).poll()
    assert [[r.value["x"] for r in records] for records in skipped.values()] == [[0, 1], [2, 3]]
    assert client.seeks == []

    client = FakeKafkaConsumer({0: [(None, good[0]), (None, BAD), (None, good[1])],
                                1: [(None, good[2])]})
    consumer = kafka_python(memory_registry, client, decode_key=False)
    first = consumer.poll()
    assert [[r.value["x"] for r in records] for records in first.values()] == [[0]]
    assert client.seeks == [(0, 1), (1, 0)]  # the bad record, and the partition not yet read
    client.fetch = {KpTopicPartition("points", 0): [
        Record("points", 0, 1, 1000, 0, None, BAD, [], None, 0, 0, 0)]}
    with pytest.raises(DeserializationFailure, match=r"points\[0\]@1"):
        consumer.poll()


def test_decode_many_takes_raw_records_and_reports_where_it_stopped(memory_registry: Any) -> None:
    good = frames(memory_registry, 3)
    records = [RawRecord("points", 0, i, None, value, None) for i, value in
               enumerate([good[0], BAD, good[2], b"\x07"])]
    handed: list[int | None] = []

    def divert(record: RawRecord, error: DeserializationFailure) -> None:
        handed.append(record.offset)
        if record.offset == 3:
            raise RuntimeError("dead-letter queue is full")

    decoder = RecordDecoder(None, serde.AvroDeserializer(memory_registry), on_error=divert)
    outcome = decoder.decode_many(records)
    assert outcome.handled == 3 and outcome.dropped == frozenset({1}) and handed == [1, 3]
    assert isinstance(outcome.error, RuntimeError)
    assert outcome.values[:3:2] == [{"x": 0, "y": 0}, {"x": 2, "y": -2}]
    assert RawBatch.of(records).headers is None
