"""Cross-language conformance through the real Kafka broker and the real schema registry.

Every direction goes over a topic of the broker started by ``scripts/kafka.sh`` and resolves
schema ids through the Apicurio server started by ``scripts/registry.sh`` (its Confluent API):

1. Java (``KafkaProducerCheck``: Apache Avro for Java frames, schema registered over REST) ->
   both Python adapters, through their consumers and through their bare deserializers;
2. both Python adapters (producers and bare serializers) -> Java (``KafkaConsumerCheck``);
3. Apicurio's own Kafka serde as an independent witness (``ApicurioSerdeWitness``), both ways;
4. the raw frames on the topic: Java, Python and Apicurio's serde write the same bytes for the
   same value and schema (each registered under a subject of its own).

Values follow the conformance manifest's JSON convention (``conformance/README.md``); message
``i`` carries ``values[i % len(values)]`` and, when it has a key, the key ``str(i)``.
A short summary per direction is printed at the end of the module.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, DeserializingConsumer, SerializingProducer
from confluent_kafka import TopicPartition as CkTopicPartition
from confluent_kafka.serialization import StringSerializer
from kafka import KafkaConsumer, KafkaProducer
from kafka.serializer import Serializer as KafkaSerializer

from avroframe.adapters import confluent_kafka as ck
from avroframe.adapters import kafka_python as kp
from tests.conformance.kafka_values import (
    ACCOUNT_READ_VALUES,
    ACCOUNT_V1,
    ACCOUNT_V2,
    ACCOUNT_VALUES,
    ORDER,
    ORDER_VALUES,
)
from tests.conformance.test_java_fixtures import Names, difference, to_python
from tests.support.kafka import new_topic

pytestmark = [pytest.mark.kafka, pytest.mark.registry_server]

REPO = Path(__file__).resolve().parents[2]
RUN_JAVA = REPO / "conformance" / "run-java.sh"
COUNT = 24  # messages per topic
WAIT_S = 60  # bound on every wait for messages (Python and Java alike)
JAVA_TIMEOUT_S = 600  # bound on one Java run, including a first (downloading) Maven build

# --------------------------------------------------------------------------- value sets

@dataclass(frozen=True)
class ValueSet:
    """A values file for the Java tools, and the same values as the Python serde sees them."""

    name: str
    writer: dict[str, Any]
    values: list[dict[str, Any]]
    reader: dict[str, Any] | None = None
    read_values: list[dict[str, Any]] | None = None

    @property
    def writer_text(self) -> str:
        """The writer schema as compact JSON text (what both sides register)."""
        return json.dumps(self.writer, separators=(",", ":"), ensure_ascii=False)

    @property
    def reader_text(self) -> str | None:
        """The reader schema as text, or None without evolution."""
        return None if self.reader is None else json.dumps(self.reader, separators=(",", ":"))

    def writer_only(self) -> ValueSet:
        """The same values read with the writer's schema (no evolution)."""
        return ValueSet(f"{self.name}-writer", self.writer, self.values)

    def write_file(self, directory: Path) -> Path:
        """Write the values file the Java tools read (conformance/README.md, "Values file")."""
        content: dict[str, Any] = {"writer_schema": self.writer_text, "values": self.values}
        if self.reader is not None:
            content["reader_schema"] = self.reader_text
            content["read_values"] = self.read_values
        path = directory / f"{self.name}-values.json"
        path.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def to_encode(self, index: int) -> Any:
        """The Python value the serializers get for message ``index``."""
        value = self.values[index % len(self.values)]
        return to_python(value, self.writer, Names(self.writer), None, encode=True)

    def expected(self, index: int) -> Any:
        """The Python value the deserializers must return for message ``index``."""
        if self.reader is not None and self.read_values is not None:
            value = self.read_values[index % len(self.read_values)]
            return to_python(value, self.reader, Names(self.reader), None, encode=False)
        value = self.values[index % len(self.values)]
        return to_python(value, self.writer, Names(self.writer), None, encode=False)


ORDERS = ValueSet("orders", ORDER, ORDER_VALUES)
ACCOUNTS = ValueSet("accounts", ACCOUNT_V1, ACCOUNT_VALUES, ACCOUNT_V2, ACCOUNT_READ_VALUES)
VALUE_SETS = {vs.name: vs for vs in (ORDERS, ACCOUNTS)}
# Apicurio's deserializer takes no reader schema: it reads the evolution set with the writer's.
WITNESS_SETS = {vs.name: vs for vs in (ORDERS, ACCOUNTS.writer_only())}

# --------------------------------------------------------------------------- summary


class Summary:
    """Messages checked per direction, printed once at the end of the module."""

    def __init__(self) -> None:
        self.runs: dict[str, list[tuple[str, int, int]]] = {}

    def add(self, direction: str, run: str, checked: int, passed: int) -> None:
        """Count one run (value set and client) of ``direction``: ``passed`` of ``checked``."""
        self.runs.setdefault(direction, []).append((run, checked, passed))

    def lines(self) -> list[str]:
        """One line per direction, plus one per run that did not pass entirely."""
        lines = ["", "kafka interop summary (messages as expected / checked):"]
        for direction, runs in self.runs.items():
            checked = sum(run[1] for run in runs)
            passed = sum(run[2] for run in runs)
            lines.append(f"  {direction}: {passed} / {checked} in {len(runs)} runs")
            lines.extend(f"    FAILED {name}: {ok} / {n}" for name, n, ok in runs if ok != n)
        return lines


@pytest.fixture(scope="module")
def summary(request: pytest.FixtureRequest) -> Iterator[Summary]:
    """The module's per-direction counts; printed to the terminal when the module ends."""
    result = Summary()
    yield result
    if not result.runs:
        return
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    # Module teardown output is captured (and shown only on failure): print past the capture.
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print("\n".join(result.lines()), flush=True)


# --------------------------------------------------------------------------- Kafka helpers


def message_index(key: Any, arrival: int) -> int:
    """The index a message stands for: its decimal key, else its arrival order."""
    if isinstance(key, bytes):
        text = key.decode("utf-8", "replace").strip()
        if text.isdigit():
            return int(text)
    return arrival


def collect(poll: Callable[[], list[tuple[Any, Any]]], count: int) -> list[tuple[int, Any]]:
    """Poll ``(key, value)`` pairs until ``count`` arrive (bounded); returns ``(index, value)``."""
    got: list[tuple[int, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while len(got) < count and time.monotonic() < deadline:
        for key, value in poll():
            got.append((message_index(key, len(got)), value))
    return got


def _ck_poll(consumer: Any) -> Callable[[], list[tuple[Any, Any]]]:
    def poll() -> list[tuple[Any, Any]]:
        msg = consumer.poll(0.5)
        if msg is None:
            return []
        assert msg.error() is None, msg.error()
        return [(msg.key(), msg.value())]

    return poll


def _kp_poll(consumer: Any) -> Callable[[], list[tuple[Any, Any]]]:
    def poll() -> list[tuple[Any, Any]]:
        batches = consumer.poll(timeout_ms=500)
        return [(r.key, r.value) for records in batches.values() for r in records]

    return poll


# ----------------------------------------------------------------- Python consumers


def read_kp_avro_consumer(
    bootstrap: str, url: str, topic: str, vs: ValueSet
) -> list[tuple[int, Any]]:
    """kafka-python: adapters.kafka_python.AvroConsumer (keys left as bytes)."""
    consumer = kp.AvroConsumer(
        {
            "bootstrap_servers": bootstrap,
            "group_id": f"{topic}-kp-consumer",
            "auto_offset_reset": "earliest",
            "enable_auto_commit": False,
        },
        registry=url,
        reader_value_schema=vs.reader_text,
        topics=topic,
        decode_key=False,
    )
    try:
        return collect(_kp_poll(consumer), COUNT)
    finally:
        consumer.close(autocommit=False)


def read_kp_deserializer(
    bootstrap: str, url: str, topic: str, vs: ValueSet
) -> list[tuple[int, Any]]:
    """kafka-python: a plain KafkaConsumer with adapters.kafka_python.AvroDeserializer."""
    deserializer = kp.AvroDeserializer(url, vs.reader_text, is_key=False)
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"{topic}-kp-deserializer",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        value_deserializer=deserializer,
    )
    try:
        return collect(_kp_poll(consumer), COUNT)
    finally:
        consumer.close(autocommit=False)
        deserializer.close()


def read_ck_avro_consumer(
    bootstrap: str, url: str, topic: str, vs: ValueSet
) -> list[tuple[int, Any]]:
    """confluent-kafka: adapters.confluent_kafka.AvroConsumer (keys left as bytes)."""
    consumer = ck.AvroConsumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"{topic}-ck-consumer",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        },
        registry=url,
        reader_value_schema=vs.reader_text,
        decode_key=False,
    )
    try:
        consumer.subscribe([topic])
        return collect(_ck_poll(consumer), COUNT)
    finally:
        consumer.close()


def read_ck_deserializer(
    bootstrap: str, url: str, topic: str, vs: ValueSet
) -> list[tuple[int, Any]]:
    """confluent-kafka: DeserializingConsumer with adapters.confluent_kafka.AvroDeserializer."""
    deserializer = ck.AvroDeserializer(url, vs.reader_text)
    consumer = DeserializingConsumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"{topic}-ck-deserializer",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "value.deserializer": deserializer,
        }
    )
    try:
        consumer.subscribe([topic])
        return collect(_ck_poll(consumer), COUNT)
    finally:
        consumer.close()
        deserializer.close()


PY_CONSUMERS: dict[str, Callable[[str, str, str, ValueSet], list[tuple[int, Any]]]] = {
    "kafka_python.AvroConsumer": read_kp_avro_consumer,
    "kafka_python.AvroDeserializer": read_kp_deserializer,
    "confluent_kafka.AvroConsumer": read_ck_avro_consumer,
    "confluent_kafka.AvroDeserializer": read_ck_deserializer,
}


def check_python_read(
    bootstrap: str, url: str, topic: str, vs: ValueSet, direction: str, summary: Summary
) -> None:
    """Every Python consumer reads ``COUNT`` messages of ``topic``, each the expected value."""
    problems: list[str] = []
    for name, read in PY_CONSUMERS.items():
        got = read(bootstrap, url, topic, vs)
        passed = 0
        indexes = sorted(index for index, _ in got)
        if indexes != list(range(COUNT)):
            problems.append(f"{name}: message indexes {indexes}, expected 0..{COUNT - 1}")
        for index, value in got:
            found = difference(vs.expected(index), value, f"message {index}")
            if found is None:
                passed += 1
            else:
                problems.append(f"{name}: {found}")
        summary.add(direction, f"{vs.name}, {name}", COUNT, passed)
    assert not problems, "\n".join(problems[:20])


# ----------------------------------------------------------------- Python producers


def _keyed_values(vs: ValueSet) -> list[tuple[str, Any]]:
    return [(str(index), vs.to_encode(index)) for index in range(COUNT)]


def write_kp_avro_producer(bootstrap: str, url: str, topic: str, vs: ValueSet) -> None:
    """kafka-python: adapters.kafka_python.AvroProducer (no keys: Java uses arrival order)."""
    producer = kp.AvroProducer(
        {"bootstrap_servers": bootstrap, "acks": "all", "linger_ms": 5},
        default_value_schema=vs.writer_text,
        registry=url,
    )
    try:
        futures = [producer.produce(topic, value) for _, value in _keyed_values(vs)]
        producer.flush(WAIT_S)
        for future in futures:
            future.get(timeout=WAIT_S)
    finally:
        producer.close(WAIT_S)


class KeyText(KafkaSerializer):  # type: ignore[misc]
    """kafka-python key serializer: the key string as UTF-8 (the message index convention)."""

    def serialize(self, topic: str, *args: Any) -> bytes:
        """``serialize(topic, data)`` or ``serialize(topic, headers, data)``."""
        return str(args[-1]).encode("utf-8")


def write_kp_serializer(bootstrap: str, url: str, topic: str, vs: ValueSet) -> None:
    """kafka-python: a plain KafkaProducer with adapters.kafka_python.AvroSerializer."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        key_serializer=KeyText(),
        value_serializer=kp.AvroSerializer(url, vs.writer_text, is_key=False),
    )
    try:
        futures = [producer.send(topic, value, key) for key, value in _keyed_values(vs)]
        producer.flush(WAIT_S)
        for future in futures:
            future.get(timeout=WAIT_S)
    finally:
        producer.close(WAIT_S)


def _ck_delivered(errors: list[Any]) -> Callable[[Any, Any], None]:
    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            errors.append(err)

    return delivered


def write_ck_avro_producer(bootstrap: str, url: str, topic: str, vs: ValueSet) -> None:
    """confluent-kafka: adapters.confluent_kafka.AvroProducer (no keys: Java uses arrival order)."""
    producer = ck.AvroProducer(
        {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5},
        default_value_schema=vs.writer_text,
        registry=url,
    )
    errors: list[Any] = []
    try:
        for _, value in _keyed_values(vs):
            producer.produce(topic, value=value, on_delivery=_ck_delivered(errors))
            producer.poll(0)
        assert producer.flush(WAIT_S) == 0, "messages left undelivered"
    finally:
        producer.close()
    assert errors == []


def write_ck_serializer(bootstrap: str, url: str, topic: str, vs: ValueSet) -> None:
    """confluent-kafka: SerializingProducer with adapters.confluent_kafka.AvroSerializer."""
    serializer = ck.AvroSerializer(url, vs.writer_text)
    producer = SerializingProducer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 5,
            "key.serializer": StringSerializer(),
            "value.serializer": serializer,
        }
    )
    errors: list[Any] = []
    try:
        for key, value in _keyed_values(vs):
            producer.produce(topic, key=key, value=value, on_delivery=_ck_delivered(errors))
            producer.poll(0)
        assert producer.flush(WAIT_S) == 0, "messages left undelivered"
    finally:
        serializer.close()
    assert errors == []


PY_PRODUCERS: dict[str, Callable[[str, str, str, ValueSet], None]] = {
    "kafka_python.AvroProducer": write_kp_avro_producer,
    "kafka_python.AvroSerializer": write_kp_serializer,
    "confluent_kafka.AvroProducer": write_ck_avro_producer,
    "confluent_kafka.AvroSerializer": write_ck_serializer,
}

# ----------------------------------------------------------------- Java tools

_RESULT = re.compile(r"^(\w+): (\d+) passed, (\d+) failed$", re.MULTILINE)


def run_java(
    main: list[str], bootstrap: str, url: str, topic: str, values: Path
) -> tuple[int, int, str]:
    """Run one Kafka check (bounded); returns (passed, failed, output) from its closing line."""
    command = [
        "bash",
        str(RUN_JAVA),
        "--kafka",
        *main,
        "--bootstrap",
        bootstrap,
        "--registry",
        url,
        "--topic",
        topic,
        "--count",
        str(COUNT),
        "--values",
        str(values),
        "--timeout-s",
        str(WAIT_S),
    ]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=JAVA_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(main)} ran over {JAVA_TIMEOUT_S}s: {exc.stdout!r}")
    output = result.stdout + result.stderr
    found = _RESULT.findall(result.stdout)
    assert found, f"{' '.join(main)} exited {result.returncode} without a result:\n{output}"
    _, passed, failed = found[-1]
    return int(passed), int(failed), output


def java_produce(main: list[str], bootstrap: str, url: str, topic: str, values: Path) -> None:
    """Produce ``COUNT`` messages with a Java tool; all must be acknowledged."""
    passed, failed, output = run_java(main, bootstrap, url, topic, values)
    assert (passed, failed) == (COUNT, 0), output


# ----------------------------------------------------------------- raw frames


def read_raw(bootstrap: str, topic: str) -> dict[int, bytes]:
    """The topic's first ``COUNT`` values as bytes, by message index, read with a plain consumer."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"{topic}-raw",
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.assign([CkTopicPartition(topic, 0, 0)])
        got = collect(_ck_poll(consumer), COUNT)
    finally:
        consumer.close()
    assert len(got) == COUNT, f"{topic}: only {len(got)} of {COUNT} messages arrived"
    frames = dict(got)
    assert sorted(frames) == list(range(COUNT)), f"{topic}: indexes {sorted(frames)}"
    return frames


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("vs", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_python_reads_java_producer(
    kafka_bootstrap: str, registry_url: str, tmp_path: Path, summary: Summary, vs: ValueSet
) -> None:
    """Java-written frames (schema registered over REST) decode in both Python adapters."""
    topic = new_topic(kafka_bootstrap, f"java-{vs.name}")
    values = vs.write_file(tmp_path)
    java_produce(["KafkaProducerCheck"], kafka_bootstrap, registry_url, topic, values)
    check_python_read(
        kafka_bootstrap,
        registry_url,
        topic,
        vs,
        "Java KafkaProducerCheck -> Python",
        summary,
    )


@pytest.mark.parametrize("producer", PY_PRODUCERS.keys())
@pytest.mark.parametrize("vs", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_java_reads_python_producer(
    kafka_bootstrap: str,
    registry_url: str,
    tmp_path: Path,
    summary: Summary,
    vs: ValueSet,
    producer: str,
) -> None:
    """Frames written by each Python adapter decode in Java (KafkaConsumerCheck)."""
    topic = new_topic(kafka_bootstrap, f"py-{vs.name}")
    PY_PRODUCERS[producer](kafka_bootstrap, registry_url, topic, vs)
    passed, failed, output = run_java(
        ["KafkaConsumerCheck"], kafka_bootstrap, registry_url, topic, vs.write_file(tmp_path)
    )
    summary.add("Python -> Java KafkaConsumerCheck", f"{vs.name}, {producer}", COUNT, passed)
    assert (passed, failed) == (COUNT, 0), output


@pytest.mark.parametrize("vs", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_python_reads_apicurio_serde(
    kafka_bootstrap: str, registry_url: str, tmp_path: Path, summary: Summary, vs: ValueSet
) -> None:
    """Frames written by Apicurio's own Kafka serializer decode in both Python adapters."""
    topic = new_topic(kafka_bootstrap, f"apicurio-{vs.name}")
    values = vs.writer_only().write_file(tmp_path)
    java_produce(["ApicurioSerdeWitness", "produce"], kafka_bootstrap, registry_url, topic, values)
    check_python_read(kafka_bootstrap, registry_url, topic, vs, "Apicurio serde -> Python", summary)


@pytest.mark.parametrize("producer", PY_PRODUCERS.keys())
@pytest.mark.parametrize("vs", WITNESS_SETS.values(), ids=WITNESS_SETS.keys())
def test_apicurio_serde_reads_python_producer(
    kafka_bootstrap: str,
    registry_url: str,
    tmp_path: Path,
    summary: Summary,
    vs: ValueSet,
    producer: str,
) -> None:
    """Frames written by each Python adapter decode in Apicurio's own Kafka deserializer."""
    topic = new_topic(kafka_bootstrap, f"py-apicurio-{vs.name}")
    PY_PRODUCERS[producer](kafka_bootstrap, registry_url, topic, vs)
    passed, failed, output = run_java(
        ["ApicurioSerdeWitness", "consume"],
        kafka_bootstrap,
        registry_url,
        topic,
        vs.write_file(tmp_path),
    )
    summary.add("Python -> Apicurio serde", f"{vs.name}, {producer}", COUNT, passed)
    assert (passed, failed) == (COUNT, 0), output


@pytest.mark.parametrize("vs", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_frames_identical_on_topic(
    kafka_bootstrap: str, registry_url: str, tmp_path: Path, summary: Summary, vs: ValueSet
) -> None:
    """Java and every Python adapter put the very same bytes on the topic; Apicurio the same body.

    Each writes the same values with the same schema to a topic (and so a subject) of its own.
    Java and Python register the same schema text, for which the registry hands out one id, so
    the whole frames must be equal. Apicurio's serializer registers the schema split into
    references (one artifact per named type), which is other content with another id: its
    frames must carry magic byte 0 and the same Avro body.
    """
    values = vs.writer_only().write_file(tmp_path)
    java_topic = new_topic(kafka_bootstrap, f"bytes-java-{vs.name}")
    java_produce(["KafkaProducerCheck"], kafka_bootstrap, registry_url, java_topic, values)
    java = read_raw(kafka_bootstrap, java_topic)
    others: dict[str, tuple[str, int]] = {}  # name -> (topic, bytes compared from)
    for name, write in PY_PRODUCERS.items():
        topic = new_topic(kafka_bootstrap, f"bytes-py-{vs.name}")
        write(kafka_bootstrap, registry_url, topic, vs)
        others[name] = (topic, 0)
    apicurio = new_topic(kafka_bootstrap, f"bytes-apicurio-{vs.name}")
    java_produce(
        ["ApicurioSerdeWitness", "produce"], kafka_bootstrap, registry_url, apicurio, values
    )
    others["Apicurio serde, body"] = (apicurio, 5)
    problems: list[str] = []
    for name, (topic, start) in others.items():
        frames = read_raw(kafka_bootstrap, topic)
        same = 0
        for index in range(COUNT):
            frame, expected = frames[index], java[index]
            if frame[:1] == b"\x00" and frame[start:] == expected[start:]:
                same += 1
            elif len(problems) < 20:
                problems.append(
                    f"{name}, message {index}: wrote {frame[:48].hex()}..., "
                    f"Java wrote {expected[:48].hex()}..."
                )
        summary.add("raw frames equal to Java's", f"{vs.name}, {name}", COUNT, same)
    assert not problems, "\n".join(problems)
