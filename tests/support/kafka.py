"""Kafka helpers shared by the integration and conformance suites: topics, producers and
consumers of either adapter, bounded polling. Every wait is bounded by :data:`WAIT`."""

from __future__ import annotations

import time
import uuid
from typing import Any, NamedTuple

from confluent_kafka import Consumer, Producer
from confluent_kafka import TopicPartition as CkTopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from avroframe.adapters import confluent_kafka as ck
from avroframe.adapters import kafka_python as kp

WAIT = 60.0  # seconds: the bound on every wait for messages
CLIENTS = ("kafka_python", "confluent_kafka")


# ---------------------------------------------------------------------------------- helpers


class Got(NamedTuple):
    """A consumed record, the same shape whichever client read it."""

    topic: str
    partition: int
    offset: int
    key: Any
    value: Any
    headers: list[tuple[str, bytes]]


# ---------------------------------------------------------------------------------- helpers


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"af-{prefix}-{uuid.uuid4().hex[:10]}"


def new_topic(bootstrap: str, prefix: str, partitions: int = 1) -> str:
    """Create a topic and wait (bounded) until the broker has it."""
    name = unique(prefix)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1)], operation_timeout=30
    )
    futures[name].result(timeout=WAIT)
    deadline = time.monotonic() + WAIT
    while name not in admin.list_topics(timeout=10).topics:
        assert time.monotonic() < deadline, f"topic {name} never appeared"
        time.sleep(0.1)
    return name


def make_producer(client: str, bootstrap: str, reg: Any, **options: Any) -> Any:
    """An adapter AvroProducer of either client."""
    if client == "kafka_python":
        return kp.AvroProducer(
            {"bootstrap_servers": bootstrap, "linger_ms": 5}, registry=reg, **options
        )
    return ck.AvroProducer(
        {"bootstrap.servers": bootstrap, "linger.ms": 5}, registry=reg, **options
    )


def make_consumer(
    client: str, bootstrap: str, reg: Any, topic: str, group: str | None = None, **options: Any
) -> Any:
    """An adapter AvroConsumer of either client, subscribed to ``topic`` from the beginning."""
    group = group or unique("group")
    if client == "kafka_python":
        return kp.AvroConsumer(
            {
                "bootstrap_servers": bootstrap,
                "group_id": group,
                "auto_offset_reset": "earliest",
                "enable_auto_commit": False,
            },
            registry=reg,
            topics=topic,
            **options,
        )
    consumer = ck.AvroConsumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        },
        registry=reg,
        **options,
    )
    consumer.subscribe([topic])
    return consumer


def produce_all(producer: Any, topic: str, items: list[tuple[Any, Any]], **kwargs: Any) -> None:
    """Produce ``(key, value)`` pairs in order and wait until the broker has acknowledged each."""
    if isinstance(producer, kp.AvroProducer):
        futures = [producer.produce(topic, value, key, **kwargs) for key, value in items]
        producer.flush(WAIT)
        for future in futures:
            future.get(timeout=WAIT)
        return
    errors: list[Any] = []

    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            errors.append(err)

    for key, value in items:
        producer.produce(topic, value, key, on_delivery=delivered, **kwargs)
        producer.poll(0)
    assert producer.flush(WAIT) == 0
    assert errors == []


def close(client: Any) -> None:
    """Close an adapter producer or consumer."""
    client.close()


def commit(consumer: Any) -> None:
    """Commit the consumer's position synchronously (either adapter)."""
    if isinstance(consumer, kp.AvroConsumer):
        consumer.commit()
    else:
        consumer.commit(asynchronous=False)


def normal_headers(headers: Any) -> list[tuple[str, bytes]]:
    """Headers as a list of pairs (None becomes [])."""
    return list(headers or [])


def poll_once(consumer: Any, into: list[Got]) -> None:
    """One bounded poll of either adapter consumer, appending what it returns."""
    if isinstance(consumer, kp.AvroConsumer):
        for records in consumer.poll(timeout_ms=500).values():
            into.extend(
                Got(r.topic, r.partition, r.offset, r.key, r.value, normal_headers(r.headers))
                for r in records
            )
        return
    msg = consumer.poll(0.5)
    if msg is None:
        return
    assert msg.error() is None, msg.error()
    into.append(
        Got(
            msg.topic(),
            msg.partition(),
            msg.offset(),
            msg.key(),
            msg.value(),
            normal_headers(msg.headers()),
        )
    )


def take(consumer: Any, count: int) -> list[Got]:
    """Exactly ``count`` records (fails if they do not all arrive within the bound)."""
    got: list[Got] = []
    deadline = time.monotonic() + WAIT
    while len(got) < count:
        assert time.monotonic() < deadline, f"only {len(got)} of {count} records arrived"
        poll_once(consumer, got)
    assert len(got) == count, f"{len(got)} records, expected {count}"
    return got


def read_raw(bootstrap: str, topic: str, count: int, partition: int = 0) -> list[Got]:
    """The first ``count`` records of a partition as bytes, read with a plain consumer."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": unique("raw"), "enable.auto.commit": False}
    )
    try:
        consumer.assign([CkTopicPartition(topic, partition, 0)])
        got: list[Got] = []
        deadline = time.monotonic() + WAIT
        while len(got) < count:
            assert time.monotonic() < deadline, f"only {len(got)} of {count} raw records"
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            got.append(
                Got(
                    topic,
                    partition,
                    msg.offset(),
                    msg.key(),
                    msg.value(),
                    normal_headers(msg.headers()),
                )
            )
        return got
    finally:
        consumer.close()


def produce_raw(bootstrap: str, topic: str, items: list[tuple[bytes | None, bytes | None]]) -> None:
    """Produce bytes as they are, in order, with a plain producer."""
    producer = Producer({"bootstrap.servers": bootstrap})
    for key, value in items:
        producer.produce(topic, value, key)
    assert producer.flush(WAIT) == 0


def other(client: str) -> str:
    """The other client."""
    return CLIENTS[1] if client == CLIENTS[0] else CLIENTS[0]
