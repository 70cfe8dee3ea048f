"""The asyncio adapters against the real broker and registry.

aiokafka and confluent_kafka.aio producers and consumers, with each other and with the blocking
adapters (byte-identical frames on the topic), schema evolution, the poison-message policies,
and a consumer task cancelled mid-stream. Every test uses topics and groups of its own, and
every wait is bounded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from confluent_kafka import TopicPartition as CkTopicPartition
from confluent_kafka.error import ValueDeserializationError

from avroframe import registry, serde
from avroframe.adapters import aiokafka as ak
from avroframe.adapters import confluent_kafka_aio as cka
from avroframe.serde.errors import DeserializationFailure
from avroframe.serde.records import RawRecord
from tests.support.kafka import (
    WAIT,
    make_consumer,
    make_producer,
    new_topic,
    produce_all,
    produce_raw,
    read_raw,
    take,
    unique,
)

pytestmark = pytest.mark.kafka


USER_V1 = {
    "type": "record",
    "name": "User",
    "namespace": "aio",
    "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}],
}
USER_V2 = {
    "type": "record",
    "name": "User",
    "namespace": "aio",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "email", "type": "string", "default": "none@example.org"},
    ],
}
POISON = b"\x07not a frame"


@pytest.fixture
def http_registry(registry_url: str) -> Iterator[Any]:
    """A client of the real registry server."""
    client = registry.connect(registry_url)
    yield client
    client.close()


def run(coro: Awaitable[Any]) -> Any:
    """Run a coroutine with a bound on the whole of it."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, 4 * WAIT)

    return asyncio.run(bounded())


def items(count: int, start: int = 0) -> list[tuple[int, dict[str, Any]]]:
    return [(i, {"id": i, "name": f"n{i}"}) for i in range(start, start + count)]


# ----------------------------------------------------------------------- producing helpers


async def produce_aiokafka(
    bootstrap: str, reg: Any, topic: str, pairs: list[Any], **kw: Any
) -> None:
    async with ak.AvroProducer(
        {"bootstrap_servers": bootstrap, "linger_ms": 5},
        "long",
        kw.pop("value_schema", USER_V1),
        registry=reg,
        **kw,
    ) as producer:
        await producer.warm_up(topic)
        futures = [await producer.send(topic, value, key) for key, value in pairs]
        await asyncio.gather(*futures)


async def produce_confluent_aio(bootstrap: str, reg: Any, topic: str, pairs: list[Any]) -> None:
    async with cka.AvroProducer(
        {"bootstrap.servers": bootstrap, "linger.ms": 5}, "long", USER_V1, registry=reg
    ) as producer:
        futures = [await producer.produce(topic, value, key) for key, value in pairs]
        await producer.flush(WAIT)
        await asyncio.gather(*futures)


def produce_sync(client: str, bootstrap: str, reg: Any, topic: str, pairs: list[Any]) -> None:
    producer = make_producer(
        client, bootstrap, reg, default_key_schema="long", default_value_schema=USER_V1
    )
    try:
        produce_all(producer, topic, pairs)
    finally:
        producer.close()


# ----------------------------------------------------------------------- consuming helpers


def aiokafka_consumer(bootstrap: str, reg: Any, topic: str, **kw: Any) -> ak.AvroConsumer:
    group = kw.pop("group", None) or unique("group")
    return ak.AvroConsumer(
        {
            "bootstrap_servers": bootstrap,
            "group_id": group,
            "auto_offset_reset": "earliest",
            "enable_auto_commit": False,
        },
        registry=reg,
        topics=topic,
        **kw,
    )


async def take_aiokafka(consumer: ak.AvroConsumer, count: int) -> list[Any]:
    got: list[Any] = []
    deadline = time.monotonic() + WAIT
    while len(got) < count:
        assert time.monotonic() < deadline, f"only {len(got)} of {count} records"
        for records in (await consumer.getmany(timeout_ms=500)).values():
            got.extend(records)
    return got


async def confluent_aio_consumer(bootstrap: str, reg: Any, topic: str, **kw: Any) -> Any:
    group = kw.pop("group", None) or unique("group")
    consumer = cka.AvroConsumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        },
        registry=reg,
        **kw,
    )
    await consumer.subscribe([topic])
    return consumer


async def take_confluent_aio(consumer: Any, count: int) -> list[Any]:
    got: list[Any] = []
    deadline = time.monotonic() + WAIT
    while len(got) < count:
        assert time.monotonic() < deadline, f"only {len(got)} of {count} messages"
        for msg in await consumer.consume(100, 0.5):
            assert msg.error() is None, msg.error()
            got.append(msg)
    return got


def read_sync(client: str, bootstrap: str, reg: Any, topic: str, count: int) -> list[Any]:
    """(key, value) pairs read by a blocking adapter consumer."""
    consumer = make_consumer(client, bootstrap, reg, topic)
    try:
        return [(got.key, got.value) for got in take(consumer, count)]
    finally:
        consumer.close()


# ------------------------------------------------------------------------------------ tests


def test_aiokafka_to_aiokafka_with_adapter_classes_and_bare_serializers(
    kafka_bootstrap: str, http_registry: Any
) -> None:
    """AvroProducer -> AvroConsumer, and bare serializers in AIOKafkaProducer/Consumer."""
    topic = new_topic(kafka_bootstrap, "ak-ak")
    pairs = items(30)

    async def main() -> None:
        await produce_aiokafka(kafka_bootstrap, http_registry, topic, pairs[:20])
        key_ser = ak.AvroSerializer(http_registry, '"long"', topic=topic, is_key=True)
        value_ser = ak.AvroSerializer(http_registry, USER_V1, topic=topic)
        await key_ser.warm_up()
        value_id = await value_ser.warm_up()
        producer = AIOKafkaProducer(
            bootstrap_servers=kafka_bootstrap, key_serializer=key_ser, value_serializer=value_ser
        )
        await producer.start()
        try:
            for key, value in pairs[20:]:
                await producer.send_and_wait(topic, value, key)
            await producer.send_and_wait(topic, None, 99)  # a tombstone
        finally:
            await producer.stop()

        async with aiokafka_consumer(kafka_bootstrap, http_registry, topic) as consumer:
            got = await take_aiokafka(consumer, 31)
        assert [(r.key, r.value) for r in got] == [*pairs, (99, None)]

        key_de = ak.AvroDeserializer(http_registry, is_key=True)
        value_de = ak.AvroDeserializer(http_registry)
        await value_de.warm_up(value_id)
        await key_de.warm_up(await key_ser.warm_up())
        bare = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=unique("bare"),
            auto_offset_reset="earliest",
            key_deserializer=key_de,
            value_deserializer=value_de,
        )
        await bare.start()
        try:
            bare_got: list[Any] = []
            deadline = time.monotonic() + WAIT
            while len(bare_got) < 31:
                assert time.monotonic() < deadline
                for records in (await bare.getmany(timeout_ms=500)).values():
                    bare_got.extend((r.key, r.value) for r in records)
        finally:
            await bare.stop()
        assert bare_got == [*pairs, (99, None)]

    run(main())


@pytest.mark.parametrize("registry_kind", ["http", "memory"])
def test_every_client_writes_identical_frames_and_reads_the_others(
    kafka_bootstrap: str, request: pytest.FixtureRequest, registry_kind: str
) -> None:
    """aiokafka, confluent_kafka.aio, confluent-kafka and kafka-python: same bytes on the
    topic; the asyncio consumers read what the blocking producers wrote, and back."""
    reg = (
        request.getfixturevalue("http_registry")
        if registry_kind == "http"
        else registry.connect(f"memory://{unique('mem')}")
    )
    pairs = items(20)
    writers = ("aiokafka", "confluent_aio", "confluent_kafka", "kafka_python")
    topics = {w: new_topic(kafka_bootstrap, f"w-{w}") for w in writers}

    async def produce_async() -> None:
        await produce_aiokafka(kafka_bootstrap, reg, topics["aiokafka"], pairs)
        await produce_confluent_aio(kafka_bootstrap, reg, topics["confluent_aio"], pairs)

    run(produce_async())
    produce_sync("confluent_kafka", kafka_bootstrap, reg, topics["confluent_kafka"], pairs)
    produce_sync("kafka_python", kafka_bootstrap, reg, topics["kafka_python"], pairs)

    raw = {
        w: [(r.key, r.value, r.headers) for r in read_raw(kafka_bootstrap, topics[w], len(pairs))]
        for w in writers
    }
    expected_value = serde.AvroSerializer(reg, USER_V1).serialize(pairs[0][1], topics["aiokafka"])
    assert raw["aiokafka"][0][1] == expected_value
    for writer in writers[1:]:
        assert raw[writer] == raw["aiokafka"], writer

    # the blocking consumers read what the asyncio producers wrote
    for writer, reader in (("aiokafka", "confluent_kafka"), ("confluent_aio", "kafka_python")):
        got = read_sync(reader, kafka_bootstrap, reg, topics[writer], len(pairs))
        assert got == pairs, (writer, reader)

    # the asyncio consumers read what the blocking producers wrote (and each other)
    async def consume_async() -> None:
        for writer in ("confluent_kafka", "confluent_aio"):
            async with aiokafka_consumer(kafka_bootstrap, reg, topics[writer]) as consumer:
                got = await take_aiokafka(consumer, len(pairs))
            assert [(r.key, r.value) for r in got] == pairs, writer
        for writer in ("kafka_python", "aiokafka"):
            async with await confluent_aio_consumer(kafka_bootstrap, reg, topics[writer]) as c:
                msgs = await take_confluent_aio(c, len(pairs))
            assert [(m.key(), m.value()) for m in msgs] == pairs, writer

    try:
        run(consume_async())
    finally:
        if registry_kind == "memory":
            reg.close()


def test_header_mode_ids_through_aiokafka(kafka_bootstrap: str) -> None:
    """id_format="header" with aiokafka: GUID headers on the topic, read back by each client.

    memory:// registry: Apicurio's compatibility API gives no GUIDs.
    """
    topic = new_topic(kafka_bootstrap, "ak-headers")
    http_registry = registry.connect(f"memory://{unique('mem')}")
    pairs = items(5)

    async def main() -> None:
        async with ak.AvroProducer(
            {"bootstrap_servers": kafka_bootstrap},
            "long",
            USER_V1,
            registry=http_registry,
            id_format="header",
        ) as producer:
            caller_headers = [("trace", b"abc")]
            for key, value in pairs:
                await producer.send_and_wait(topic, value, key, headers=caller_headers)
            assert caller_headers == [("trace", b"abc")]
        async with aiokafka_consumer(kafka_bootstrap, http_registry, topic) as consumer:
            got = await take_aiokafka(consumer, len(pairs))
        assert [(r.key, r.value) for r in got] == pairs

    run(main())
    raw = read_raw(kafka_bootstrap, topic, len(pairs))
    assert {name for name, _ in raw[0].headers} == {"trace", "__key_schema_id", "__value_schema_id"}
    try:
        assert read_sync("confluent_kafka", kafka_bootstrap, http_registry, topic, 5) == pairs
    finally:
        http_registry.close()


@pytest.mark.parametrize("reader", ["aiokafka", "confluent_aio"])
def test_schema_evolution_with_a_reader_schema(
    kafka_bootstrap: str, http_registry: Any, reader: str
) -> None:
    """v1 then v2 records; a v2 reader gets the default for v1 records, a v1 reader drops it."""
    topic = new_topic(kafka_bootstrap, "evolve")
    v1 = items(5)
    v2 = [(i, {"id": i, "name": f"n{i}", "email": f"u{i}@example.org"}) for i in range(5, 10)]

    async def main() -> tuple[list[Any], list[Any]]:
        await produce_aiokafka(kafka_bootstrap, http_registry, topic, v1)
        await produce_aiokafka(kafka_bootstrap, http_registry, topic, v2, value_schema=USER_V2)
        values: dict[str, list[Any]] = {}
        for name, schema in (("v2", USER_V2), ("v1", USER_V1)):
            if reader == "aiokafka":
                async with aiokafka_consumer(
                    kafka_bootstrap, http_registry, topic, reader_value_schema=schema
                ) as consumer:
                    values[name] = [r.value for r in await take_aiokafka(consumer, 10)]
            else:
                async with await confluent_aio_consumer(
                    kafka_bootstrap, http_registry, topic, reader_value_schema=schema
                ) as consumer:
                    values[name] = [m.value() for m in await take_confluent_aio(consumer, 10)]
        return values["v2"], values["v1"]

    as_v2, as_v1 = run(main())
    assert as_v2 == [dict(v, email="none@example.org") for _, v in v1] + [v for _, v in v2]
    assert as_v1 == [v for _, v in v1] + [{"id": v["id"], "name": v["name"]} for _, v in v2]


def poisoned_topic(bootstrap: str, reg: Any) -> str:
    """3 good records, an undecodable value at offset 3, then 3 good records."""
    topic = new_topic(bootstrap, "poison")
    produce_sync("confluent_kafka", bootstrap, reg, topic, items(3))
    key = serde.AvroSerializer(reg, '"long"').serialize(3, topic, is_key=True)
    produce_raw(bootstrap, topic, [(key, POISON)])
    produce_sync("confluent_kafka", bootstrap, reg, topic, items(3, start=4))
    return topic


async def aiokafka_policy_run(bootstrap: str, topic: str, reg: Any, **kw: Any) -> Any:
    """Offsets delivered under a policy (raise: until the failure, then seek past it)."""
    offsets: list[int] = []
    failures: list[DeserializationFailure] = []
    async with aiokafka_consumer(bootstrap, reg, topic, **kw) as consumer:
        deadline = time.monotonic() + WAIT
        while len(offsets) < 6:
            assert time.monotonic() < deadline, offsets
            try:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    offsets.extend(r.offset for r in records)
            except DeserializationFailure as failure:
                failures.append(failure)
                if len(failures) == 2:  # raised again: the consumer stayed at the record
                    consumer.seek(next(iter(consumer.client.assignment())), failure.offset + 1)
    return offsets, failures


async def confluent_aio_policy_run(bootstrap: str, topic: str, reg: Any, **kw: Any) -> Any:
    offsets: list[int] = []
    failures: list[DeserializationFailure] = []
    async with await confluent_aio_consumer(bootstrap, reg, topic, **kw) as consumer:
        deadline = time.monotonic() + WAIT
        while len(offsets) < 6:
            assert time.monotonic() < deadline, offsets
            try:
                msg = await consumer.poll(0.5)
            except DeserializationFailure as failure:
                failures.append(failure)
                if len(failures) == 2:
                    await consumer.seek(CkTopicPartition(topic, 0, failure.offset + 1))
                continue
            if msg is not None:
                offsets.append(msg.offset())
    return offsets, failures


@pytest.mark.parametrize("client", ["aiokafka", "confluent_aio"])
@pytest.mark.parametrize("policy", ["raise", "skip", "callback", "async-callback"])
def test_poison_message_policies(
    kafka_bootstrap: str, http_registry: Any, client: str, policy: str
) -> None:
    """raise (twice, then seek past), skip, and plain or async dead-letter callbacks."""
    topic = poisoned_topic(kafka_bootstrap, http_registry)
    dead: list[tuple[RawRecord, DeserializationFailure]] = []

    def divert(raw: RawRecord, error: DeserializationFailure) -> None:
        dead.append((raw, error))

    async def divert_async(raw: RawRecord, error: DeserializationFailure) -> None:
        await asyncio.sleep(0)
        dead.append((raw, error))

    on_error: Any = {"raise": "raise", "skip": "skip", "callback": divert}.get(policy, divert_async)
    runner = aiokafka_policy_run if client == "aiokafka" else confluent_aio_policy_run
    offsets, failures = run(runner(kafka_bootstrap, topic, http_registry, on_error=on_error))
    assert offsets == [0, 1, 2, 4, 5, 6]
    if policy == "raise":
        assert [(f.topic, f.partition, f.offset, f.is_key) for f in failures] == [
            (topic, 0, 3, False)
        ] * 2
        assert f"{topic}[0]@3" in str(failures[0])
        if client == "confluent_aio":  # what code written for confluent-kafka catches, too
            assert all(isinstance(f, ValueDeserializationError) for f in failures)
    else:
        assert failures == []
    if policy.endswith("callback"):
        assert len(dead) == 1
        assert dead[0][0].offset == 3 and dead[0][0].value == POISON and dead[0][1].offset == 3


class HeldSchemaFetch:
    """A registry proxy whose first ``get_schema`` of one id waits for the test's release.

    It runs in the adapter's worker thread: the event loop keeps running meanwhile.
    """

    def __init__(self, inner: Any, schema_id: int) -> None:
        self.inner = inner
        self.schema_id = schema_id
        self.started = threading.Event()
        self.release = threading.Event()

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Any:
        if schema_id == self.schema_id:
            self.started.set()
            assert self.release.wait(WAIT), "the test never released the schema fetch"
        return self.inner.get_schema(schema_id, subject_name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def wait_for(event: threading.Event) -> None:
    deadline = time.monotonic() + WAIT
    while not event.is_set():
        assert time.monotonic() < deadline, "the consumer never reached the schema fetch"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("client", ["aiokafka", "confluent_aio"])
def test_cancelling_a_consumer_task_mid_stream_loses_nothing(
    kafka_bootstrap: str, registry_url: str, client: str
) -> None:
    """A task consuming with ``async for`` is cancelled while a new schema is fetched for
    records it already took from the client. A new task on the same consumer gets every
    record from there on; after commit and restart nothing is missing or delivered twice."""
    topic = new_topic(kafka_bootstrap, "cancel")
    group = unique("cancel")
    first = items(40)
    second = [(i, {"id": i, "name": f"n{i}", "email": "e"}) for i in range(40, 80)]
    writer = registry.connect(registry_url)
    reader_registry = registry.connect(registry_url)  # its own caches: it fetches the new id

    def offset(item: Any) -> int:
        return int(item.offset if client == "aiokafka" else item.offset())

    async def main() -> tuple[list[int], list[int], list[int]]:
        await produce_aiokafka(kafka_bootstrap, writer, topic, first)
        await produce_aiokafka(kafka_bootstrap, writer, topic, second, value_schema=USER_V2)
        v2_id = serde.AvroSerializer(writer, USER_V2).warm_up(topic)
        held = HeldSchemaFetch(reader_registry, v2_id)
        before: list[int] = []
        after: list[int] = []

        async def consume(consumer: Any, into: list[int], until: int) -> None:
            async for item in consumer:
                into.append(offset(item))
                if offset(item) == until:
                    return

        if client == "aiokafka":
            consumer: Any = aiokafka_consumer(kafka_bootstrap, held, topic, group=group)
            await consumer.start()
        else:
            consumer = await confluent_aio_consumer(kafka_bootstrap, held, topic, group=group)
        try:
            task = asyncio.ensure_future(consume(consumer, before, 79))
            await wait_for(held.started)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            held.release.set()
            await asyncio.wait_for(consume(consumer, after, 79), WAIT)
            if client == "aiokafka":
                await consumer.commit()
            else:
                await consumer.commit(asynchronous=False)
        finally:
            await (consumer.stop() if client == "aiokafka" else consumer.close())

        if client == "aiokafka":
            async with aiokafka_consumer(kafka_bootstrap, reader_registry, topic, group=group) as c:
                extra = [r.offset for rs in (await c.getmany(timeout_ms=2000)).values() for r in rs]
        else:
            async with await confluent_aio_consumer(
                kafka_bootstrap, reader_registry, topic, group=group
            ) as c:
                extra = [m.offset() for m in await c.consume(10, 2.0)]
        return before, after, extra

    try:
        before, after, extra = run(main())
    finally:
        writer.close()
        reader_registry.close()
    assert before == list(range(40))  # everything before the first v2 record, in order
    assert after == list(range(40, 80))  # the cancelled task's records come again
    assert extra == []  # the commit covers them all
