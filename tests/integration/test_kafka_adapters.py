"""Both adapters against the real broker: interop, evolution, headers, tombstones, poison, groups.

Every test uses topics and consumer groups of its own, and every wait is bounded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import kafka
import pytest
from confluent_kafka import DeserializingConsumer, SerializingProducer
from confluent_kafka import TopicPartition as CkTopicPartition
from kafka import KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KpTopicPartition

from avroframe import registry, serde
from avroframe.adapters import confluent_kafka as ck
from avroframe.adapters import kafka_python as kp
from avroframe.serde.errors import DeserializationFailure
from avroframe.serde.records import RawRecord
from tests.support.kafka import (
    CLIENTS,
    WAIT,
    Got,
    close,
    commit,
    make_consumer,
    make_producer,
    new_topic,
    other,
    poll_once,
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
    "namespace": "it",
    "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}],
}
USER_V2 = {
    "type": "record",
    "name": "User",
    "namespace": "it",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "email", "type": "string", "default": "none@example.org"},
    ],
}
POINT = {
    "type": "record",
    "name": "Point",
    "namespace": "it",
    "fields": [{"name": "x", "type": "double"}, {"name": "y", "type": "double"}],
}
USER_KEY = {
    "type": "record",
    "name": "UserKey",
    "namespace": "it",
    "fields": [{"name": "tenant", "type": "string"}, {"name": "id", "type": "long"}],
}


@pytest.fixture
def memory_registry() -> Iterator[Any]:
    """A memory:// registry of this test alone (shared by its producers and consumers)."""
    reg = registry.connect(f"memory://{unique('it')}")
    yield reg
    reg.close()


def make_registry(kind: str, request: pytest.FixtureRequest) -> Any:
    """A registry client: ``memory`` (embedded) or ``http`` (the Apicurio server)."""
    if kind == "http":
        return registry.connect(request.getfixturevalue("registry_url"))
    return registry.connect(f"memory://{unique('it')}")



# ------------------------------------------------------------------------------------ tests

KEY_KINDS = {
    "record-key": (USER_KEY, [{"tenant": "acme", "id": i} for i in range(20)]),
    "string-key": ("string", [f"user-{i}" for i in range(20)]),
    "long-key": ("long", [i * 1_000_003 for i in range(20)]),
}


@pytest.mark.parametrize(
    "registry_kind", ["memory", pytest.param("http", marks=pytest.mark.registry_server)]
)
@pytest.mark.parametrize("key_kind", sorted(KEY_KINDS))
def test_each_client_reads_what_the_other_wrote_byte_identical(
    kafka_bootstrap: str, request: pytest.FixtureRequest, registry_kind: str, key_kind: str
) -> None:
    """kafka-python -> confluent-kafka and back: same decoded records, identical bytes on topic."""
    key_schema, keys = KEY_KINDS[key_kind]
    values = [{"id": i, "name": f"name-{i}"} for i in range(len(keys))]
    items = list(zip(keys, values, strict=True))
    reg = make_registry(registry_kind, request)
    topics = {client: new_topic(kafka_bootstrap, f"interop-{client}") for client in CLIENTS}
    try:
        for client in CLIENTS:
            producer = make_producer(
                client,
                kafka_bootstrap,
                reg,
                default_key_schema=key_schema,
                default_value_schema=USER_V1,
            )
            try:
                produce_all(producer, topics[client], items)
            finally:
                close(producer)
        for client in CLIENTS:
            consumer = make_consumer(other(client), kafka_bootstrap, reg, topics[client])
            try:
                got = take(consumer, len(items))
            finally:
                close(consumer)
            assert [(g.key, g.value) for g in got] == items

        raw = {client: read_raw(kafka_bootstrap, topics[client], len(items)) for client in CLIENTS}
        by_kp, by_ck = raw["kafka_python"], raw["confluent_kafka"]
        assert [(r.key, r.value) for r in by_kp] == [(r.key, r.value) for r in by_ck]
        expected_value = serde.AvroSerializer(reg, USER_V1).serialize(
            values[0], topics["kafka_python"]
        )
        assert by_kp[0].value == expected_value
        assert by_kp[0].value is not None and by_kp[0].value[0] == 0
    finally:
        reg.close()


@pytest.mark.parametrize("producer_client", CLIENTS)
def test_schema_evolution_mid_stream(
    kafka_bootstrap: str, memory_registry: Any, producer_client: str
) -> None:
    """v1 then v2 (a field added with a default): a v2 reader and a v1 reader read all of them."""
    topic = new_topic(kafka_bootstrap, "evolve")
    v1 = [{"id": i, "name": f"n{i}"} for i in range(5)]
    v2 = [{"id": i, "name": f"n{i}", "email": f"u{i}@example.org"} for i in range(5, 10)]
    producer = make_producer(
        producer_client, kafka_bootstrap, memory_registry, default_key_schema="long"
    )
    try:
        produce_all(producer, topic, [(v["id"], v) for v in v1], value_schema=USER_V1)
        produce_all(producer, topic, [(v["id"], v) for v in v2], value_schema=USER_V2)
    finally:
        close(producer)
    assert memory_registry.get_versions(f"{topic}-value") == [1, 2]

    new_reader = make_consumer(
        other(producer_client),
        kafka_bootstrap,
        memory_registry,
        topic,
        reader_value_schema=USER_V2,
    )
    old_reader = make_consumer(
        producer_client, kafka_bootstrap, memory_registry, topic, reader_value_schema=USER_V1
    )
    try:
        as_v2 = [g.value for g in take(new_reader, 10)]
        as_v1 = [g.value for g in take(old_reader, 10)]
    finally:
        close(new_reader)
        close(old_reader)
    assert as_v2 == [dict(v, email="none@example.org") for v in v1] + v2
    assert as_v1 == v1 + [{"id": v["id"], "name": v["name"]} for v in v2]


@pytest.mark.parametrize("producer_client", CLIENTS)
def test_header_mode_ids_through_both_clients(
    kafka_bootstrap: str, memory_registry: Any, producer_client: str
) -> None:
    """id_format="header": GUIDs in __key/__value_schema_id headers, bodies without a prefix."""
    topic = new_topic(kafka_bootstrap, "headers")
    items = [(f"k{i}", {"x": float(i), "y": -1.5}) for i in range(5)]
    producer = make_producer(
        producer_client,
        kafka_bootstrap,
        memory_registry,
        default_key_schema="string",
        default_value_schema=POINT,
        id_format="header",
    )
    caller_headers = [("trace", b"abc")]
    try:
        produce_all(producer, topic, items, headers=caller_headers)
    finally:
        close(producer)
    assert caller_headers == [("trace", b"abc")]

    raw = read_raw(kafka_bootstrap, topic, len(items))
    for record in raw:
        names = dict(record.headers)
        assert set(names) == {"trace", "__key_schema_id", "__value_schema_id"}
        assert len(names["__value_schema_id"]) == 17 and names["__value_schema_id"][0] == 1
        assert len(names["__key_schema_id"]) == 17 and names["__key_schema_id"][0] == 1
    assert raw[0].value == b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf8\xbf"
    for client in CLIENTS:
        consumer = make_consumer(client, kafka_bootstrap, memory_registry, topic)
        try:
            assert [(g.key, g.value) for g in take(consumer, len(items))] == items
        finally:
            close(consumer)


def test_bare_serializers_in_the_clients_own_producers_and_consumers(
    kafka_bootstrap: str, memory_registry: Any
) -> None:
    """KafkaProducer/KafkaConsumer and SerializingProducer/DeserializingConsumer, header ids."""
    topic = new_topic(kafka_bootstrap, "bare")
    reg = memory_registry
    # kafka-python 2.x hands (de)serializers no headers: header ids need 3.x (or the adapter's
    # AvroProducer / AvroConsumer, which pass the headers themselves)
    kp_format = "header" if int(kafka.__version__.split(".")[0]) >= 3 else "id"
    kp_producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap,
        key_serializer=kp.AvroSerializer(reg, '"string"', is_key=True, id_format=kp_format),
        value_serializer=kp.AvroSerializer(reg, POINT, id_format=kp_format, is_key=False),
    )
    try:
        kp_producer.send(topic, key="a", value={"x": 1.0, "y": 2.0}).get(timeout=WAIT)
        kp_producer.send(topic, key="b", value=None).get(timeout=WAIT)  # tombstone
    finally:
        kp_producer.close(WAIT)
    ck_producer = SerializingProducer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.serializer": ck.AvroSerializer(reg, '"string"', id_format=kp_format),
            "value.serializer": ck.AvroSerializer(reg, POINT, id_format=kp_format),
        }
    )
    ck_producer.produce(topic, key="c", value={"x": 3.0, "y": 4.0}, headers=[])
    ck_producer.produce(topic, key="d", value={"x": 5.0, "y": 6.0}, headers={"h": b"1"})
    assert ck_producer.flush(WAIT) == 0
    expected = [
        ("a", {"x": 1.0, "y": 2.0}),
        ("b", None),
        ("c", {"x": 3.0, "y": 4.0}),
        ("d", {"x": 5.0, "y": 6.0}),
    ]

    kp_consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=unique("bare"),
        auto_offset_reset="earliest",
        consumer_timeout_ms=int(WAIT * 1000),
        key_deserializer=kp.AvroDeserializer(reg, is_key=True),
        value_deserializer=kp.AvroDeserializer(reg, is_key=False),
    )
    try:
        got = []
        for record in kp_consumer:
            got.append((record.key, record.value))
            if len(got) == len(expected):
                break
    finally:
        kp_consumer.close()
    assert got == expected

    ck_consumer = DeserializingConsumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": unique("bare"),
            "auto.offset.reset": "earliest",
            "key.deserializer": ck.AvroDeserializer(reg),
            "value.deserializer": ck.AvroDeserializer(reg),
        }
    )
    ck_consumer.subscribe([topic])
    try:
        got = []
        deadline = time.monotonic() + WAIT
        while len(got) < len(expected):
            assert time.monotonic() < deadline
            msg = ck_consumer.poll(0.5)
            if msg is not None:
                got.append((msg.key(), msg.value()))
    finally:
        ck_consumer.close()
    assert got == expected


@pytest.mark.parametrize("producer_client", CLIENTS)
def test_tombstones_pass_through_without_registry_calls(
    kafka_bootstrap: str, memory_registry: Any, producer_client: str, counting_registry: Any
) -> None:
    """A None value is produced and consumed as None; it costs no registry call either way."""
    topic = new_topic(kafka_bootstrap, "tombstone")
    counted = counting_registry(memory_registry)
    producer = make_producer(
        producer_client,
        kafka_bootstrap,
        counted,
        default_key_schema="string",
        default_value_schema=USER_V1,
    )
    try:
        produce_all(producer, topic, [("u1", {"id": 1, "name": "one"})])
        before = list(counted.log)
        produce_all(producer, topic, [("u1", None), ("u2", None)])
        assert counted.log == before
    finally:
        close(producer)
    assert read_raw(kafka_bootstrap, topic, 3)[1].value is None

    consumer_counted = counting_registry(memory_registry)
    consumer = make_consumer(other(producer_client), kafka_bootstrap, consumer_counted, topic)
    try:
        got = take(consumer, 3)
    finally:
        close(consumer)
    assert [(g.key, g.value) for g in got] == [
        ("u1", {"id": 1, "name": "one"}),
        ("u1", None),
        ("u2", None),
    ]
    # one fetch per schema id (key and value), none for the tombstones
    assert [name for name, _ in consumer_counted.log] == ["get_schema", "get_schema"]


POISON = b"\x07not a frame"


def poisoned_topic(bootstrap: str, reg: Any) -> str:
    """A topic with 3 good records, one undecodable value at offset 3, then 3 good records."""
    topic = new_topic(bootstrap, "poison")
    producer = make_producer(
        "confluent_kafka", bootstrap, reg, default_key_schema="long", default_value_schema=USER_V1
    )
    try:
        produce_all(producer, topic, [(i, {"id": i, "name": f"n{i}"}) for i in range(3)])
        key_frame = serde.AvroSerializer(reg, "long").serialize(3, topic, is_key=True)
        produce_raw(bootstrap, topic, [(key_frame, POISON)])
        produce_all(producer, topic, [(i, {"id": i, "name": f"n{i}"}) for i in range(4, 7)])
    finally:
        close(producer)
    return topic


def seek(consumer: Any, topic: str, partition: int, offset: int) -> None:
    """Move either adapter consumer to ``offset``."""
    if isinstance(consumer, kp.AvroConsumer):
        consumer.client.seek(KpTopicPartition(topic, partition), offset)
    else:
        consumer.seek(CkTopicPartition(topic, partition, offset))


def poll_until_failure(consumer: Any, got: list[Got]) -> DeserializationFailure:
    """Poll (bounded) until the consumer raises DeserializationFailure; return it."""
    deadline = time.monotonic() + WAIT
    while True:
        assert time.monotonic() < deadline, f"no failure raised; got {got}"
        try:
            poll_once(consumer, got)
        except DeserializationFailure as failure:
            return failure


@pytest.mark.parametrize("client", CLIENTS)
def test_poison_raise_names_the_record_and_stays_there(
    kafka_bootstrap: str, memory_registry: Any, client: str
) -> None:
    """on_error="raise": the error names topic/partition/offset, repeats until seeked past."""
    topic = poisoned_topic(kafka_bootstrap, memory_registry)
    consumer = make_consumer(client, kafka_bootstrap, memory_registry, topic, on_error="raise")
    try:
        got: list[Got] = []
        failure = poll_until_failure(consumer, got)
        assert (failure.topic, failure.partition, failure.offset) == (topic, 0, 3)
        assert not failure.is_key
        assert f"{topic}[0]@3" in str(failure)
        assert [g.offset for g in got] == [0, 1, 2]
        again = poll_until_failure(consumer, got)
        assert again.offset == 3 and len(got) == 3
        seek(consumer, topic, 0, failure.offset + 1)
        got.extend(take(consumer, 3))
    finally:
        close(consumer)
    assert [g.offset for g in got] == [0, 1, 2, 4, 5, 6]
    assert [g.value["id"] for g in got] == [0, 1, 2, 4, 5, 6]


@pytest.mark.parametrize("client", CLIENTS)
def test_poison_skip_continues(kafka_bootstrap: str, memory_registry: Any, client: str) -> None:
    """on_error="skip": the bad record is dropped and consumption goes on."""
    topic = poisoned_topic(kafka_bootstrap, memory_registry)
    consumer = make_consumer(client, kafka_bootstrap, memory_registry, topic, on_error="skip")
    try:
        got = take(consumer, 6)
    finally:
        close(consumer)
    assert [g.offset for g in got] == [0, 1, 2, 4, 5, 6]


@pytest.mark.parametrize("client", CLIENTS)
def test_poison_callback_gets_the_raw_record(
    kafka_bootstrap: str, memory_registry: Any, client: str
) -> None:
    """on_error=callable: the callback receives the raw record and the error; the rest flows."""
    topic = poisoned_topic(kafka_bootstrap, memory_registry)
    dead: list[tuple[RawRecord, DeserializationFailure]] = []
    consumer = make_consumer(
        client,
        kafka_bootstrap,
        memory_registry,
        topic,
        on_error=lambda record, error: dead.append((record, error)),
    )
    try:
        got = take(consumer, 6)
    finally:
        close(consumer)
    assert [g.offset for g in got] == [0, 1, 2, 4, 5, 6]
    assert len(dead) == 1
    record, error = dead[0]
    assert (record.topic, record.partition, record.offset) == (topic, 0, 3)
    assert record.value == POISON
    assert record.key == serde.AvroSerializer(memory_registry, "long").serialize(3, topic, True)
    assert error.offset == 3


@pytest.mark.parametrize("producer_client", CLIENTS)
def test_several_topics_with_different_schemas_through_one_producer(
    kafka_bootstrap: str, memory_registry: Any, producer_client: str
) -> None:
    """One producer, three topics, three value schemas given per call; each reads back."""
    plan: dict[str, tuple[Any, list[Any]]] = {
        new_topic(kafka_bootstrap, "multi-user"): (USER_V1, [{"id": 1, "name": "a"}]),
        new_topic(kafka_bootstrap, "multi-point"): (POINT, [{"x": 0.5, "y": 1.5}] * 2),
        new_topic(kafka_bootstrap, "multi-text"): ("string", ["hello", "world", "!"]),
    }
    producer = make_producer(producer_client, kafka_bootstrap, memory_registry)
    try:
        for topic, (schema, values) in plan.items():
            produce_all(producer, topic, [(None, v) for v in values], value_schema=schema)
    finally:
        close(producer)
    assert sorted(memory_registry.get_subjects()) == sorted(f"{t}-value" for t in plan)
    for topic, (_schema, values) in plan.items():
        consumer = make_consumer(other(producer_client), kafka_bootstrap, memory_registry, topic)
        try:
            assert [g.value for g in take(consumer, len(values))] == values
        finally:
            close(consumer)


def no_more(consumer: Any, seconds: float) -> list[Got]:
    """Whatever else arrives within ``seconds`` (to check nothing is delivered twice)."""
    extra: list[Got] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        poll_once(consumer, extra)
    return extra


def take_exactly(consumer: Any, count: int) -> list[Got]:
    """``count`` records without reading past them (kafka-python: max_records)."""
    if not isinstance(consumer, kp.AvroConsumer):
        return take(consumer, count)
    got: list[Got] = []
    deadline = time.monotonic() + WAIT
    while len(got) < count:
        assert time.monotonic() < deadline
        for records in consumer.poll(timeout_ms=500, max_records=count - len(got)).values():
            got.extend(Got(r.topic, r.partition, r.offset, r.key, r.value, []) for r in records)
    return got


@pytest.mark.parametrize("client", CLIENTS)
def test_consumer_group_restart_resumes_without_loss(
    kafka_bootstrap: str, memory_registry: Any, client: str
) -> None:
    """Commit, close, reopen with the same group id: the rest arrives, nothing twice."""
    topic = new_topic(kafka_bootstrap, "restart")
    group = unique("restart")
    producer = make_producer(
        client,
        kafka_bootstrap,
        memory_registry,
        default_key_schema="long",
        default_value_schema=USER_V1,
    )
    try:
        produce_all(producer, topic, [(i, {"id": i, "name": str(i)}) for i in range(10)])
        first = make_consumer(client, kafka_bootstrap, memory_registry, topic, group=group)
        try:
            got = take_exactly(first, 4)
            commit(first)
        finally:
            close(first)
        produce_all(producer, topic, [(i, {"id": i, "name": str(i)}) for i in range(10, 16)])
    finally:
        close(producer)
    second = make_consumer(other(client), kafka_bootstrap, memory_registry, topic, group=group)
    try:
        rest = take(second, 12)
        extra = no_more(second, 2.0)
    finally:
        close(second)
    assert [g.key for g in got] == [0, 1, 2, 3]
    assert [g.key for g in rest] == list(range(4, 16))
    assert extra == []


def test_callback_errors_propagate(kafka_bootstrap: str, memory_registry: Any) -> None:
    """A failing dead-letter callback surfaces to the caller (the record is not lost)."""
    topic = poisoned_topic(kafka_bootstrap, memory_registry)

    def refuse(record: RawRecord, error: DeserializationFailure) -> None:
        raise RuntimeError(f"dead-letter queue down at offset {record.offset}")

    for client in CLIENTS:
        consumer = make_consumer(client, kafka_bootstrap, memory_registry, topic, on_error=refuse)
        try:
            got: list[Got] = []
            deadline = time.monotonic() + WAIT
            with pytest.raises(RuntimeError, match="offset 3"):
                while time.monotonic() < deadline:
                    poll_once(consumer, got)
            assert [g.offset for g in got] == [0, 1, 2]
        finally:
            close(consumer)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("auto_commit", [False, True])
def test_commit_after_raise_keeps_the_bad_record(
    kafka_bootstrap: str, memory_registry: Any, client: str, auto_commit: bool
) -> None:
    """After "raise", commits stop before the bad record: a restarted group meets it again."""
    topic = poisoned_topic(kafka_bootstrap, memory_registry)
    group = unique("after-raise")
    if client == "kafka_python":
        options: dict[str, Any] = {
            "enable_auto_commit": auto_commit,
            "auto_commit_interval_ms": 100,
        }
        consumer: Any = kp.AvroConsumer(
            {
                "bootstrap_servers": kafka_bootstrap,
                "group_id": group,
                "auto_offset_reset": "earliest",
                **options,
            },
            registry=memory_registry,
            topics=topic,
        )
    else:
        consumer = ck.AvroConsumer(
            {
                "bootstrap.servers": kafka_bootstrap,
                "group.id": group,
                "auto.offset.reset": "earliest",
                "enable.auto.commit": auto_commit,
                "auto.commit.interval.ms": 100,
            },
            registry=memory_registry,
        )
        consumer.subscribe([topic])
    try:
        got: list[Got] = []
        assert poll_until_failure(consumer, got).offset == 3
        if not auto_commit:
            commit(consumer)
    finally:
        close(consumer)  # commits on close when auto-commit is on
    restarted = make_consumer(other(client), kafka_bootstrap, memory_registry, topic, group=group)
    try:
        again: list[Got] = []
        failure = poll_until_failure(restarted, again)
    finally:
        close(restarted)
    assert [g.offset for g in got] == [0, 1, 2]
    assert again == [] and failure.offset == 3


def test_kafka_python_iteration_applies_the_policy(
    kafka_bootstrap: str, memory_registry: Any
) -> None:
    """Iterating a kafka-python AvroConsumer: "raise" stops at the bad record until seeked."""
    topic = poisoned_topic(kafka_bootstrap, memory_registry)
    consumer = kp.AvroConsumer(
        {
            "bootstrap_servers": kafka_bootstrap,
            "group_id": unique("iterate"),
            "auto_offset_reset": "earliest",
            "consumer_timeout_ms": int(WAIT * 1000),
        },
        registry=memory_registry,
        topics=topic,
    )
    offsets: list[int] = []
    try:
        with pytest.raises(DeserializationFailure) as info:
            for record in consumer:
                offsets.append(record.offset)
        assert info.value.offset == 3
        with pytest.raises(DeserializationFailure):
            next(consumer)
        consumer.client.seek(KpTopicPartition(topic, 0), 4)
        for record in consumer:
            offsets.append(record.offset)
            assert record.value == {"id": record.key, "name": f"n{record.key}"}
            if record.offset == 6:
                break
    finally:
        consumer.close()
    assert offsets == [0, 1, 2, 4, 5, 6]


def test_legacy_confluent_usage_with_avro_schema_objects(
    kafka_bootstrap: str, memory_registry: Any
) -> None:
    """Code written for confluent_kafka.avro (avro.loads schemas, keyword produce) still works."""
    from confluent_kafka import avro  # the legacy module users already import for loads()

    key_schema = avro.loads('"string"')
    value_schema = avro.loads(
        '{"type": "record", "name": "User", "namespace": "it", "fields": ['
        '{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]}'
    )
    topic = new_topic(kafka_bootstrap, "legacy")
    producer = ck.AvroProducer(
        {"bootstrap.servers": kafka_bootstrap},
        default_key_schema=key_schema,
        default_value_schema=value_schema,
        schema_registry=memory_registry,
    )
    producer.produce(topic=topic, value={"id": 1, "name": "a"}, key="k1")
    producer.produce(topic=topic, value={"id": 2, "name": "b"}, key="k2", value_schema=value_schema)
    assert producer.flush(WAIT) == 0
    producer.close()
    consumer = ck.AvroConsumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": unique("legacy"),
            "auto.offset.reset": "earliest",
        },
        schema_registry=memory_registry,
        reader_value_schema=value_schema,
    )
    consumer.subscribe([topic])
    try:
        got = take(consumer, 2)
    finally:
        consumer.close()
    assert [(g.key, g.value) for g in got] == [
        ("k1", {"id": 1, "name": "a"}),
        ("k2", {"id": 2, "name": "b"}),
    ]
