"""Faults on the real broker and registry, with both adapters.

* A registry outage mid-stream: a consumer whose cache lacks the schema id raises the retryable
  ``RegistryUnavailableError`` whatever its poison-message policy, stores and commits nothing
  past the record, and reads every record once the registry is back.
* Broker restarts that keep the data (``scripts/kafka.sh restart``) mid-produce and mid-consume
  (consumer group, manual commits): nothing lost, delivery failures reported through the
  clients' callbacks, duplicates only within the at-least-once window (records after the last
  commit). The restarts run on a broker of their own, so other tests never see them.

Every wait is bounded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka import TopicPartition as CkTopicPartition
from kafka import TopicPartition as KpTopicPartition
from urllib3.util.retry import Retry

from avroframe import registry, serde
from avroframe.adapters import kafka_python as kp
from tests.support.kafka import (
    CLIENTS,
    WAIT,
    Got,
    commit,
    make_consumer,
    make_producer,
    new_topic,
    poll_once,
    produce_all,
    unique,
)
from tests.support.tcp_proxy import proxied

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
EVENT = {
    "type": "record", "name": "Event", "namespace": "faults",
    "fields": [{"name": "n", "type": "long"}, {"name": "note", "type": "string"}],
}


def events(numbers: range) -> list[tuple[None, dict[str, Any]]]:
    return [(None, {"n": n, "note": f"event {n}"}) for n in numbers]


def poll_for(consumer: Any, seconds: float) -> list[Got]:
    """Everything the consumer returns within ``seconds``."""
    got: list[Got] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        poll_once(consumer, got)
    return got


# ------------------------------------------------------------------ registry outage mid-stream


def committed_offset(consumer: Any, topic: str) -> int | None:
    """What the consumer would commit now for partition 0 (None: nothing stored)."""
    if isinstance(consumer, kp.AvroConsumer):
        consumer.commit()  # commits the consumer's position
        return consumer.client.committed(KpTopicPartition(topic, 0))
    try:
        consumer.commit(asynchronous=False)  # commits the stored offsets only
    except KafkaException as exc:
        if exc.args[0].code() == KafkaError._NO_OFFSET:
            return None
        raise
    offset = consumer.committed([CkTopicPartition(topic, 0)], timeout=10)[0].offset
    return None if offset < 0 else offset



@pytest.mark.registry_server
@pytest.mark.parametrize("policy", ["skip", "callback"])
@pytest.mark.parametrize("client", CLIENTS)
def test_registry_outage_is_retried_never_skipped(
    kafka_bootstrap: str, registry_url: str, client: str, policy: str
) -> None:
    topic = new_topic(kafka_bootstrap, "outage")
    writer_registry = registry.connect(registry_url)
    schema = {**EVENT, "name": f"Event{unique('x').replace('-', '_')}"}
    producer = make_producer(client, kafka_bootstrap, writer_registry,
                             default_value_schema=schema)
    produce_all(producer, topic, events(range(20)))
    producer.close()

    handed: list[Any] = []
    on_error: Any = policy
    if policy == "callback":
        on_error = lambda record, error: handed.append(record)  # noqa: E731
    with proxied(registry_url) as (url, proxy):
        reader_registry = registry.connect(
            url, timeout=(1.0, 2.0), retry=Retry(total=0, allowed_methods=None)
        )
        group = unique("outage-group")
        consumer = make_consumer(client, kafka_bootstrap, reader_registry, topic, group,
                                 on_error=on_error)
        try:
            proxy.take_down()  # the consumer has not fetched the writer schema yet
            failures = 0
            deadline = time.monotonic() + WAIT
            while failures < 3:  # several polls, each raising for the same first record
                assert time.monotonic() < deadline, "the outage never surfaced"
                try:
                    got = poll_for(consumer, 0.5)
                except serde.RegistryUnavailableError as exc:
                    assert isinstance(exc, registry.RegistryUnavailableError)
                    assert f"{topic}[0]@0" in str(exc)
                    failures += 1
                else:
                    assert got == [], "a record came through while the registry was down"
            assert handed == []
            assert committed_offset(consumer, topic) in (None, 0)  # nothing stored past it
            proxy.bring_back()
            got = []
            deadline = time.monotonic() + WAIT
            while len(got) < 20:
                assert time.monotonic() < deadline, f"only {len(got)} of 20 records after outage"
                poll_once(consumer, got)
            assert [g.value["n"] for g in got] == list(range(20))
            assert handed == []
        finally:
            consumer.close()
            reader_registry.close()
    writer_registry.close()


# ------------------------------------------------------------------------- broker restarts


class Broker:
    """A broker of this module alone (own ports and data), restarted through scripts/kafka.sh."""

    def __init__(self, run_dir: Path, port: int) -> None:
        self.env = {
            **os.environ,
            "AVROFRAME_RUN": str(run_dir),
            "AVROFRAME_KAFKA_PORT": str(port),
            "AVROFRAME_KAFKA_CONTROLLER_PORT": str(port + 1),
            "PYTHON": sys.executable,
        }
        self.bootstrap = f"127.0.0.1:{port}"

    def run(self, *args: str) -> None:
        subprocess.run(["bash", str(REPO / "scripts" / "kafka.sh"), *args], env=self.env,
                       check=True, timeout=300, capture_output=True)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> Iterator[Broker]:
    own = Broker(tmp_path_factory.mktemp("restart-broker"), 29092)
    own.run("start")
    yield own
    own.run("stop")


@pytest.mark.parametrize("client", CLIENTS)
def test_broker_restart_mid_produce(broker: Broker, client: str) -> None:
    reg = registry.connect(f"memory://{unique('restart')}")
    topic = new_topic(broker.bootstrap, "restart-produce")
    delivered: list[int] = []
    failed: list[int] = []
    if client == "kafka_python":
        producer = serde_producer_kafka_python(broker.bootstrap, reg)
    else:
        producer = make_producer(client, broker.bootstrap, reg, default_value_schema=EVENT)

    def send(numbers: range) -> None:
        for n in numbers:
            value = {"n": n, "note": f"event {n}"}
            if client == "kafka_python":
                future = producer.produce(topic, value)
                future.add_callback(lambda _md, n=n: delivered.append(n))
                future.add_errback(lambda _exc, n=n: failed.append(n))
            else:
                producer.produce(topic, value, on_delivery=lambda err, _msg, n=n: (
                    failed if err is not None else delivered).append(n))
                producer.poll(0)

    try:
        send(range(0, 100))
        broker.run("restart")  # mid-stream: records of the first batch may still be in flight
        send(range(100, 200))
        producer.flush(WAIT)
    finally:
        producer.close()
    # Every record was reported, one way or the other, through the client's own callbacks.
    assert sorted(delivered + failed) == list(range(200))
    assert failed == []  # both clients retry through a restart (kafka-python: retries=5)
    consumer = make_consumer(client, broker.bootstrap, reg, topic)
    try:
        got: list[Got] = []
        deadline = time.monotonic() + WAIT
        while len(got) < len(delivered):
            assert time.monotonic() < deadline, f"only {len(got)} of {len(delivered)} records"
            poll_once(consumer, got)
        got += poll_for(consumer, 1.0)
    finally:
        consumer.close()
    numbers = [g.value["n"] for g in got]
    assert sorted(numbers) == sorted(delivered)  # nothing acknowledged was lost, none twice


def serde_producer_kafka_python(bootstrap: str, reg: Any) -> Any:
    """kafka-python's AvroProducer with retries, as a producer that must survive restarts."""
    return kp.AvroProducer(
        {"bootstrap_servers": bootstrap, "linger_ms": 5, "retries": 5, "acks": "all",
         "max_in_flight_requests_per_connection": 1, "retry_backoff_ms": 500,
         "request_timeout_ms": 10_000},
        registry=reg, default_value_schema=EVENT,
    )


def test_delivery_failures_are_reported_while_the_broker_is_down(broker: Broker) -> None:
    from avroframe.adapters import confluent_kafka as ck

    reg = registry.connect(f"memory://{unique('down')}")
    topic = new_topic(broker.bootstrap, "down")
    producer = ck.AvroProducer(
        {"bootstrap.servers": broker.bootstrap, "message.timeout.ms": 1500},
        registry=reg, default_value_schema=EVENT,
    )
    errors: list[Any] = []
    try:
        broker.run("stop", "--keep-data")
        for key, value in events(range(5)):
            producer.produce(topic, value, key, on_delivery=lambda err, _msg: errors.append(err))
        producer.flush(WAIT)
    finally:
        broker.run("start", "--keep-data")
        producer.close()
    assert len(errors) == 5 and all(err is not None for err in errors)


@pytest.mark.parametrize("client", CLIENTS)
def test_broker_restart_mid_consume_with_a_group(broker: Broker, client: str) -> None:
    reg = registry.connect(f"memory://{unique('restart')}")
    topic = new_topic(broker.bootstrap, "restart-consume")
    producer = make_producer(client, broker.bootstrap, reg, default_value_schema=EVENT)
    produce_all(producer, topic, events(range(60)))
    producer.close()

    group = unique("restart-group")
    consumer = make_consumer(client, broker.bootstrap, reg, topic, group)
    seen: list[int] = []
    try:
        got: list[Got] = []
        deadline = time.monotonic() + WAIT
        while len(got) < 30:
            assert time.monotonic() < deadline, "the first 30 records never arrived"
            poll_once(consumer, got)
        commit(consumer)
        committed = got[-1].offset + 1  # the at-least-once window starts here
        seen += [g.value["n"] for g in got]

        broker.run("restart")

        deadline = time.monotonic() + 2 * WAIT
        while len(set(seen)) < 60:
            assert time.monotonic() < deadline, f"only {len(set(seen))} of 60 after the restart"
            try:
                batch: list[Got] = []
                poll_once(consumer, batch)
            except Exception as exc:  # a client error while the broker comes back: poll again
                assert not isinstance(exc, serde.SerdeError), exc
                continue
            seen += [g.value["n"] for g in batch]
        for attempt in range(20):
            try:
                commit(consumer)
                break
            except Exception:
                if attempt == 19:
                    raise
                time.sleep(0.5)
    finally:
        consumer.close()
    assert sorted(set(seen)) == list(range(60))  # nothing lost
    duplicates = sorted(n for n in set(seen) if seen.count(n) > 1)
    assert all(n >= committed for n in duplicates), duplicates  # only after the last commit

    again = make_consumer(client, broker.bootstrap, reg, topic, group)
    try:
        assert poll_for(again, 3.0) == []  # the group's committed offsets survived the restart
    finally:
        again.close()
