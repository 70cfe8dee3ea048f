"""Kafka throughput with the serde versus the same client moving pre-encoded bytes.

For each client (kafka-python, confluent-kafka, aiokafka), in one run, against the real broker:

* produce N small keyed records (a) as frames encoded beforehand, through the plain client, and
  (b) as Python objects through the adapter's ``AvroProducer`` (encoding included);
* consume them (c) as bytes with the plain client and (d) decoded through ``AvroConsumer``.

For confluent-kafka, (d) goes through ``AvroConsumer.consume(1000)``, which decodes each batch
at once (see ``serde/batch.py``); (e) reads the same records decoding one message at a time, as
``consume`` did before batches, for comparison in the same run.

Each measurement is repeated (raw and serde alternating) and the median is printed as
messages/second with the ratio serde / raw. Produce time runs from the first send to the end of
``flush``; consume time from the first record received to the Nth (partition assigned, no group).

Needs the broker: ``scripts/kafka.sh start``. Run:
``python benchmarks/kafka_volume.py [--count 100000] [--repeat 3] [--registry URL]``
``[--client all|both|kafka-python|confluent-kafka|aiokafka]`` (``both``: the two blocking ones).

aiokafka: the raw side is ``AIOKafkaProducer`` / ``AIOKafkaConsumer`` moving the same frames,
the serde side the asyncio adapter's ``AvroProducer.send`` / ``AvroConsumer.getmany``; each
phase runs in its own ``asyncio.run``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiokafka
import confluent_kafka
import fastavro
import kafka
from confluent_kafka.admin import AdminClient, NewTopic

from avroframe import registry, serde
from avroframe.adapters import aiokafka as ak
from avroframe.adapters import confluent_kafka as ck
from avroframe.adapters import kafka_python as kp

VALUE_SCHEMA = {
    "type": "record",
    "name": "Event",
    "namespace": "bench",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "score", "type": "double"},
        {"name": "active", "type": "boolean"},
    ],
}
KEY_SCHEMA = "long"
TIMEOUT = 300.0  # seconds: bound on any one produce or consume phase


def records(count: int) -> list[tuple[int, dict[str, Any]]]:
    """``count`` small keyed records."""
    return [
        (i, {"id": i, "name": f"user-{i % 1000}", "score": i * 0.5, "active": i % 2 == 0})
        for i in range(count)
    ]


def new_topic(admin: AdminClient, label: str) -> str:
    """A fresh single-partition topic."""
    name = f"bench-{label}-{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result(60)
    return name


class Client:
    """The four measured operations for one Kafka client."""

    name = ""

    def __init__(self, bootstrap: str, reg: Any) -> None:
        self.bootstrap = bootstrap
        self.reg = reg

    def produce_raw(self, topic: str, frames: list[tuple[bytes, bytes]]) -> float:
        """Seconds to send pre-encoded frames and flush."""
        raise NotImplementedError

    def produce_serde(self, topic: str, items: list[tuple[int, dict[str, Any]]]) -> float:
        """Seconds to encode and send objects through AvroProducer, and flush."""
        raise NotImplementedError

    def consume_raw(self, topic: str, count: int) -> float:
        """Seconds to read ``count`` records as bytes."""
        raise NotImplementedError

    def consume_serde(self, topic: str, count: int) -> float:
        """Seconds to read and decode ``count`` records through AvroConsumer."""
        raise NotImplementedError

    def consume_serde_per_record(self, topic: str, count: int) -> float | None:
        """The same, decoding one record at a time (None: not measured for this client)."""
        return None


def drain(poll: Callable[[], int], count: int) -> float:
    """Call ``poll`` (returns how many records it got) until ``count``; time from the first."""
    deadline = time.monotonic() + TIMEOUT
    seen = 0
    start = 0.0
    while seen < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {seen} of {count} records within {TIMEOUT}s")
        got = poll()
        if got and not seen:
            start = time.perf_counter()
        seen += got
    if seen != count:
        raise AssertionError(f"read {seen} records, expected {count}")
    return time.perf_counter() - start


class KafkaPython(Client):
    """kafka-python: KafkaProducer / KafkaConsumer versus the adapter's classes."""

    name = f"kafka-python {kafka.__version__}"

    def _producer_conf(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.bootstrap, "linger_ms": 5, "batch_size": 65536}

    def produce_raw(self, topic: str, frames: list[tuple[bytes, bytes]]) -> float:
        producer = kafka.KafkaProducer(**self._producer_conf())
        try:
            producer.send(topic, value=frames[0][1], key=frames[0][0]).get(timeout=60)
            start = time.perf_counter()
            for key, value in frames[1:]:
                producer.send(topic, value=value, key=key)
            producer.flush(TIMEOUT)
            return time.perf_counter() - start
        finally:
            producer.close()

    def produce_serde(self, topic: str, items: list[tuple[int, dict[str, Any]]]) -> float:
        producer = kp.AvroProducer(
            self._producer_conf(), KEY_SCHEMA, VALUE_SCHEMA, registry=self.reg
        )
        try:
            producer.produce(topic, items[0][1], items[0][0]).get(timeout=60)
            start = time.perf_counter()
            for key, value in items[1:]:
                producer.produce(topic, value, key)
            producer.flush(TIMEOUT)
            return time.perf_counter() - start
        finally:
            producer.close()

    def _consumer_conf(self) -> dict[str, Any]:
        return {
            "bootstrap_servers": self.bootstrap,
            "enable_auto_commit": False,
            "max_poll_records": 2000,
        }

    def consume_raw(self, topic: str, count: int) -> float:
        consumer = kafka.KafkaConsumer(**self._consumer_conf())
        try:
            consumer.assign([kafka.TopicPartition(topic, 0)])
            consumer.seek_to_beginning()
            return drain(lambda: sum(len(r) for r in consumer.poll(timeout_ms=500).values()), count)
        finally:
            consumer.close()

    def consume_serde(self, topic: str, count: int) -> float:
        consumer = kp.AvroConsumer(self._consumer_conf(), registry=self.reg)
        try:
            consumer.client.assign([kafka.TopicPartition(topic, 0)])
            consumer.client.seek_to_beginning()
            return drain(lambda: sum(len(r) for r in consumer.poll(timeout_ms=500).values()), count)
        finally:
            consumer.close()


class ConfluentKafka(Client):
    """confluent-kafka: Producer / Consumer versus the adapter's classes."""

    name = (
        f"confluent-kafka {confluent_kafka.__version__}"
        f" (librdkafka {confluent_kafka.libversion()[0]})"
    )

    def _producer_conf(self) -> dict[str, Any]:
        return {
            "bootstrap.servers": self.bootstrap,
            "linger.ms": 5,
            "queue.buffering.max.messages": 1_000_000,
        }

    @staticmethod
    def _send(producer: Any, send: Callable[[], None]) -> None:
        while True:
            try:
                send()
                return
            except BufferError:
                producer.poll(0.05)

    def produce_raw(self, topic: str, frames: list[tuple[bytes, bytes]]) -> float:
        producer = confluent_kafka.Producer(self._producer_conf())
        producer.produce(topic, frames[0][1], frames[0][0])
        producer.flush(60)
        start = time.perf_counter()
        for key, value in frames[1:]:
            self._send(producer, lambda k=key, v=value: producer.produce(topic, v, k))
        if producer.flush(TIMEOUT):
            raise TimeoutError("flush did not finish")
        return time.perf_counter() - start

    def produce_serde(self, topic: str, items: list[tuple[int, dict[str, Any]]]) -> float:
        producer = ck.AvroProducer(
            self._producer_conf(), KEY_SCHEMA, VALUE_SCHEMA, registry=self.reg
        )
        try:
            producer.produce(topic, items[0][1], items[0][0])
            producer.flush(60)
            start = time.perf_counter()
            for key, value in items[1:]:
                self._send(producer, lambda k=key, v=value: producer.produce(topic, v, k))
            if producer.flush(TIMEOUT):
                raise TimeoutError("flush did not finish")
            return time.perf_counter() - start
        finally:
            producer.close()

    def _consumer_conf(self) -> dict[str, Any]:
        return {
            "bootstrap.servers": self.bootstrap,
            "group.id": f"bench-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }

    def consume_raw(self, topic: str, count: int) -> float:
        consumer = confluent_kafka.Consumer(self._consumer_conf())
        try:
            consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])
            return drain(lambda: len(consumer.consume(1000, 0.5)), count)
        finally:
            consumer.close()

    def consume_serde(self, topic: str, count: int) -> float:
        consumer = ck.AvroConsumer(self._consumer_conf(), registry=self.reg)
        try:
            consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])
            return drain(lambda: len(consumer.consume(1000, 0.5)), count)
        finally:
            consumer.close()

    def consume_serde_per_record(self, topic: str, count: int) -> float | None:
        """``consume_serde`` decoding one message at a time, as ``consume`` did before batches
        (the client's ``consume(1000)``, then the adapter's per-message decode and store)."""
        consumer = ck.AvroConsumer(self._consumer_conf(), registry=self.reg)
        try:
            consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])

            def poll() -> int:
                messages = confluent_kafka.Consumer.consume(consumer, 1000, 0.5)
                return sum(consumer._decode(msg) is not None for msg in messages)

            return drain(poll, count)
        finally:
            consumer.close()


async def adrain(poll: Callable[[], Awaitable[int]], count: int) -> float:
    """:func:`drain` for an asyncio consumer."""
    deadline = time.monotonic() + TIMEOUT
    seen = 0
    start = 0.0
    while seen < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {seen} of {count} records within {TIMEOUT}s")
        got = await poll()
        if got and not seen:
            start = time.perf_counter()
        seen += got
    if seen != count:
        raise AssertionError(f"read {seen} records, expected {count}")
    return time.perf_counter() - start


class AIOKafka(Client):
    """aiokafka: AIOKafkaProducer / AIOKafkaConsumer versus the asyncio adapter's classes."""

    name = f"aiokafka {aiokafka.__version__}"

    def _producer_conf(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.bootstrap, "linger_ms": 5, "max_batch_size": 65536}

    def produce_raw(self, topic: str, frames: list[tuple[bytes, bytes]]) -> float:
        async def main() -> float:
            producer = aiokafka.AIOKafkaProducer(**self._producer_conf())
            await producer.start()
            try:
                await producer.send_and_wait(topic, frames[0][1], frames[0][0])
                start = time.perf_counter()
                for key, value in frames[1:]:
                    await producer.send(topic, value, key)
                await asyncio.wait_for(producer.flush(), TIMEOUT)
                return time.perf_counter() - start
            finally:
                await producer.stop()

        return asyncio.run(main())

    def produce_serde(self, topic: str, items: list[tuple[int, dict[str, Any]]]) -> float:
        async def main() -> float:
            async with ak.AvroProducer(
                self._producer_conf(), KEY_SCHEMA, VALUE_SCHEMA, registry=self.reg
            ) as producer:
                await producer.send_and_wait(topic, items[0][1], items[0][0])
                start = time.perf_counter()
                for key, value in items[1:]:
                    await producer.send(topic, value, key)
                await asyncio.wait_for(producer.flush(), TIMEOUT)
                return time.perf_counter() - start

        return asyncio.run(main())

    def _consumer_conf(self) -> dict[str, Any]:
        return {
            "bootstrap_servers": self.bootstrap,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
        }

    def consume_raw(self, topic: str, count: int) -> float:
        async def main() -> float:
            consumer = aiokafka.AIOKafkaConsumer(**self._consumer_conf())
            await consumer.start()
            try:
                consumer.assign([aiokafka.TopicPartition(topic, 0)])

                async def poll() -> int:
                    batch = await consumer.getmany(timeout_ms=500, max_records=2000)
                    return sum(len(r) for r in batch.values())

                return await adrain(poll, count)
            finally:
                await consumer.stop()

        return asyncio.run(main())

    def consume_serde(self, topic: str, count: int) -> float:
        async def main() -> float:
            async with ak.AvroConsumer(self._consumer_conf(), registry=self.reg) as consumer:
                consumer.client.assign([aiokafka.TopicPartition(topic, 0)])

                async def poll() -> int:
                    batch = await consumer.getmany(timeout_ms=500, max_records=2000)
                    return sum(len(r) for r in batch.values())

                return await adrain(poll, count)

        return asyncio.run(main())


def rate(count: int, seconds: list[float]) -> float:
    """Messages per second at the median time."""
    return count / statistics.median(seconds)


def run(client: Client, count: int, repeat: int, admin: AdminClient) -> None:
    """Measure one client and print its table."""
    items = records(count)
    key_ser = serde.AvroSerializer(client.reg, KEY_SCHEMA)
    value_ser = serde.AvroSerializer(client.reg, VALUE_SCHEMA)
    probe = new_topic(admin, "probe")
    frames = [
        (key_ser.serialize(k, probe, True), value_ser.serialize(v, probe)) for k, v in items
    ]  # the same ids as the adapter registers: same schema, same registry
    times: dict[str, list[float]] = {
        "produce raw": [],
        "produce serde": [],
        "consume raw": [],
        "consume serde": [],
    }
    for _ in range(repeat):
        raw_topic, serde_topic = new_topic(admin, "raw"), new_topic(admin, "serde")
        times["produce raw"].append(client.produce_raw(raw_topic, frames))
        times["produce serde"].append(client.produce_serde(serde_topic, items))
        times["consume raw"].append(client.consume_raw(serde_topic, count))
        times["consume serde"].append(client.consume_serde(serde_topic, count))
        single = client.consume_serde_per_record(serde_topic, count)
        if single is not None:
            times.setdefault("consume serde per record", []).append(single)
        admin.delete_topics([raw_topic, serde_topic])
    admin.delete_topics([probe])
    n = count - 1  # the first produced record (connection set-up) is outside the clock
    print(f"\n{client.name}: {count} records, median of {repeat}")
    for phase, counted in (("produce", n), ("consume", count)):
        raw = rate(counted, times[f"{phase} raw"])
        with_serde = rate(counted, times[f"{phase} serde"])
        print(
            f"  {phase:8s} raw bytes {raw:>10,.0f} msg/s   with serde {with_serde:>10,.0f} msg/s"
            f"   ratio {with_serde / raw:.2f}"
        )
    if "consume serde per record" in times:
        raw = rate(count, times["consume raw"])
        single = rate(count, times["consume serde per record"])
        print(
            f"  consume, one decode per record (before batches): {single:>10,.0f} msg/s"
            f"   ratio {single / raw:.2f}"
        )


def main() -> None:
    """Parse arguments, print versions, measure each client."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--registry", default="memory://kafka-volume-bench")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--client",
        choices=("kafka-python", "confluent-kafka", "aiokafka", "both", "all"),
        default="all",
    )
    args = parser.parse_args()
    print(
        f"python {platform.python_version()} on {platform.machine()}, fastavro "
        f"{fastavro.__version__}, registry {args.registry.split('://')[0]}"
    )
    reg = registry.connect(args.registry)
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    clients: list[Client] = []
    if args.client in ("kafka-python", "both", "all"):
        clients.append(KafkaPython(args.bootstrap, reg))
    if args.client in ("confluent-kafka", "both", "all"):
        clients.append(ConfluentKafka(args.bootstrap, reg))
    if args.client in ("aiokafka", "all"):
        clients.append(AIOKafka(args.bootstrap, reg))
    try:
        for client in clients:
            run(client, args.count, args.repeat, admin)
    finally:
        reg.close()


if __name__ == "__main__":
    main()
