"""100,000 records through a producer/consumer pair: nothing lost, nothing twice, and no
registry call per message (the registry is the real server when available, else memory://).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from avroframe import registry
from avroframe.adapters import confluent_kafka as ck
from avroframe.adapters import kafka_python as kp

pytestmark = pytest.mark.kafka

COUNT = 100_000
PHASE_LIMIT = 300.0  # seconds: bound on producing, and on consuming, all the records
VALUE = {
    "type": "record",
    "name": "Reading",
    "namespace": "volume",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "sensor", "type": "string"},
        {"name": "celsius", "type": "float"},
    ],
}


def volume_registry(request: pytest.FixtureRequest) -> Any:
    """The real registry server through HTTP if its fixture provides one, else memory://."""
    try:
        url = request.getfixturevalue("registry_url")
    except (pytest.skip.Exception, pytest.FixtureLookupError):
        url = f"memory://volume-{uuid.uuid4().hex}"
    return registry.connect(url)


def produce_with_kafka_python(bootstrap: str, reg: Any, topic: str) -> int:
    """Send COUNT records; return how many the broker acknowledged."""
    producer = kp.AvroProducer(
        {"bootstrap_servers": bootstrap, "linger_ms": 5, "batch_size": 65536},
        "long",
        VALUE,
        registry=reg,
    )
    try:
        futures = [
            producer.produce(topic, {"id": i, "sensor": f"s{i % 97}", "celsius": 21.5}, i)
            for i in range(COUNT)
        ]
        producer.flush(PHASE_LIMIT)
        return sum(1 for future in futures if future.succeeded())
    finally:
        producer.close()


def produce_with_confluent(bootstrap: str, reg: Any, topic: str) -> int:
    """Send COUNT records; return how many the broker acknowledged."""
    acked = 0

    def delivered(err: Any, _msg: Any) -> None:
        nonlocal acked
        if err is None:
            acked += 1

    producer = ck.AvroProducer(
        {"bootstrap.servers": bootstrap, "linger.ms": 5, "queue.buffering.max.messages": 200_000},
        "long",
        VALUE,
        registry=reg,
    )
    try:
        deadline = time.monotonic() + PHASE_LIMIT
        for i in range(COUNT):
            value = {"id": i, "sensor": f"s{i % 97}", "celsius": 21.5}
            while True:
                try:
                    producer.produce(topic, value, i, on_delivery=delivered)
                    break
                except BufferError:
                    assert time.monotonic() < deadline, "the producer queue never drained"
                    producer.poll(0.05)
            if i % 1000 == 0:
                producer.poll(0)
        assert producer.flush(PHASE_LIMIT) == 0
        return acked
    finally:
        producer.close()


def consume(client: str, bootstrap: str, reg: Any, topic: str) -> list[tuple[Any, Any]]:
    """Read until COUNT records arrive (bounded), then 2 s more to catch any duplicate."""
    got: list[tuple[Any, Any]] = []
    group = f"volume-{uuid.uuid4().hex}"
    if client == "kafka_python":
        consumer: Any = kp.AvroConsumer(
            {
                "bootstrap_servers": bootstrap,
                "group_id": group,
                "auto_offset_reset": "earliest",
                "max_poll_records": 2000,
            },
            registry=reg,
            topics=topic,
        )

        def poll() -> None:
            for records in consumer.poll(timeout_ms=500).values():
                got.extend((r.key, r.value) for r in records)
    else:
        consumer = ck.AvroConsumer(
            {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest"},
            registry=reg,
        )
        consumer.subscribe([topic])

        def poll() -> None:
            for msg in consumer.consume(1000, 0.5):
                assert msg.error() is None, msg.error()
                got.append((msg.key(), msg.value()))

    try:
        deadline = time.monotonic() + PHASE_LIMIT
        while len(got) < COUNT:
            assert time.monotonic() < deadline, f"only {len(got)} of {COUNT} records arrived"
            poll()
        settle = time.monotonic() + 2.0
        while time.monotonic() < settle:
            poll()
    finally:
        consumer.close()
    return got


@pytest.mark.registry_server
@pytest.mark.parametrize(
    ("producer_client", "consumer_client"),
    [("kafka_python", "confluent_kafka"), ("confluent_kafka", "kafka_python")],
)
def test_volume_nothing_lost_nothing_twice_no_registry_call_per_message(
    kafka_bootstrap: str,
    request: pytest.FixtureRequest,
    producer_client: str,
    consumer_client: str,
    counting_registry: Any,
) -> None:
    """100,000 keyed records: every one acknowledged, read once, with 2+2 registry calls."""
    topic = f"af-volume-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(
        timeout=60
    )
    real = volume_registry(request)
    try:
        producer_registry = counting_registry(real)
        produce = (
            produce_with_kafka_python
            if producer_client == "kafka_python"
            else produce_with_confluent
        )
        acknowledged = produce(kafka_bootstrap, producer_registry, topic)
        consumer_registry = counting_registry(real)
        got = consume(consumer_client, kafka_bootstrap, consumer_registry, topic)
    finally:
        real.close()
        admin.delete_topics([topic])

    assert acknowledged == COUNT
    assert len(got) == COUNT, f"{len(got) - COUNT:+d} records compared with those produced"
    assert sorted(key for key, _ in got) == list(range(COUNT))
    assert all(value["id"] == key for key, value in got)
    # one registration per subject (key, value) and one fetch per schema id, for all 100,000
    assert producer_registry.calls == {"register_schema": 2}
    assert consumer_registry.calls == {"get_schema": 2}
