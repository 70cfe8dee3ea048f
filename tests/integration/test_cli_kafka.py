"""``avroframe consume``, ``produce`` and ``compat`` on the real broker and registry.

Every test uses topics, subjects and consumer groups of its own; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from avroframe import registry
from avroframe.cli import main
from avroframe.registry.errors import IncompatibleSchemaError
from avroframe.registry.types import Schema
from avroframe.serde import AvroSerializer
from tests.support.kafka import (
    CLIENTS,
    WAIT,
    close,
    make_consumer,
    new_topic,
    produce_raw,
    take,
    unique,
)

pytestmark = [pytest.mark.kafka, pytest.mark.registry_server]

REPO = Path(__file__).resolve().parents[2]
RUN_JAVA = REPO / "conformance" / "run-java.sh"
JAVA_TIMEOUT_S = 600

READING = {
    "type": "record", "name": "Reading", "namespace": "it.cli",
    "fields": [{"name": "id", "type": "long"}, {"name": "sensor", "type": "string"},
               {"name": "value", "type": "double"},
               {"name": "note", "type": ["null", "string"], "default": None}],
}
READING_V2 = {**READING, "fields": [*READING["fields"],
                                    {"name": "unit", "type": "string", "default": "celsius"}]}
KEY = {"type": "record", "name": "SensorKey", "namespace": "it.cli",
       "fields": [{"name": "sensor", "type": "string"}]}


@pytest.fixture
def env(kafka_bootstrap: str, registry_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The broker and registry for the CLI, through its environment variables."""
    monkeypatch.setenv("AVROFRAME_BOOTSTRAP", kafka_bootstrap)
    monkeypatch.setenv("AVROFRAME_REGISTRY_URL", registry_url)
    return {**os.environ, "AVROFRAME_BOOTSTRAP": kafka_bootstrap,
            "AVROFRAME_REGISTRY_URL": registry_url}


def _write(path: Path, content: Any) -> str:
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _readings(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"id": i, "sensor": f"s-{i % 3}", "value": i / 4,
             "note": None if i % 2 else f"n{i}"} for i in range(start, start + count)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def consume_all(capsys: pytest.CaptureFixture[str], topic: str, *extra: str) -> list[Any]:
    code, out, err = run(capsys, "consume", topic, "--from-beginning", "--exit-at-end", *extra)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_produce_with_keys_and_headers_then_consume_with_cli_and_both_adapters(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    kafka_bootstrap: str, registry_url: str,
) -> None:
    """N records through the CLI come back through the CLI and both adapters, keys and all."""
    topic = new_topic(kafka_bootstrap, "cli-roundtrip")
    values = _readings(40)
    lines = [json.dumps({"key": {"sensor": v["sensor"]}, "value": v}) for v in values]
    data = _write(tmp_path / "in.jsonl", "\n".join(lines) + "\n")
    code, _, err = run(capsys, "produce", topic, "--schema", _write(tmp_path / "v.avsc", READING),
                       "--key-schema", _write(tmp_path / "k.avsc", KEY), data,
                       "--header", "source=cli", "--header", "run=1")
    assert code == 0, err
    assert err == "avroframe: 40 delivered\n"

    got = consume_all(capsys, topic)
    assert [g["value"] for g in got] == values
    assert [g["key"] for g in got] == [{"sensor": v["sensor"]} for v in values]
    assert [g["offset"] for g in got] == list(range(40))
    assert all(g["headers"] == [["source", "cli"], ["run", "1"]] for g in got)
    reg = registry.connect(registry_url)
    assert got[0]["value_schema_id"] == reg.get_latest_version(f"{topic}-value").schema_id
    assert got[0]["key_schema_id"] == reg.get_latest_version(f"{topic}-key").schema_id
    assert all(isinstance(g["timestamp"], int) and g["topic"] == topic for g in got)

    for client in CLIENTS:
        consumer = make_consumer(client, kafka_bootstrap, reg, topic)
        try:
            records = take(consumer, 40)
        finally:
            close(consumer)
        assert [r.value for r in records] == values, client
        assert [r.key for r in records] == [{"sensor": v["sensor"]} for v in values], client


def test_a_bad_line_stops_production_unless_skipped(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], kafka_bootstrap: str
) -> None:
    """Line 3 does not fit: it is named with its field path and nothing after it is sent."""
    topic = new_topic(kafka_bootstrap, "cli-badline")
    good = _readings(4)
    bad = {"id": 99, "sensor": "s", "value": "warm", "note": None}
    lines = [json.dumps(v) for v in (good[0], good[1], bad, good[2])]
    data = _write(tmp_path / "in.jsonl", "\n".join(lines) + "\n")
    schema = _write(tmp_path / "v.avsc", READING)
    code, _, err = run(capsys, "produce", topic, "--schema", schema, data)
    assert code == 1
    first, summary = err.splitlines()
    assert first.startswith(f"avroframe: error: {data}:3: ") and "$.value" in first
    assert summary == "avroframe: 2 delivered"
    assert [g["value"] for g in consume_all(capsys, topic)] == good[:2]

    code, _, err = run(capsys, "produce", topic, "--schema", schema, "--on-error", "skip", data)
    assert code == 0
    assert err.splitlines()[-1] == "avroframe: 3 delivered, 1 skipped"
    assert [g["value"] for g in consume_all(capsys, topic)] == [*good[:2], *good[:2], good[2]]


def test_poison_messages_with_each_on_error_policy(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    kafka_bootstrap: str, registry_url: str,
) -> None:
    """raise stops at the poison message; skip passes over it; report notes it on stderr."""
    topic = new_topic(kafka_bootstrap, "cli-poison")
    reg = registry.connect(registry_url)
    ser = AvroSerializer(reg, json.dumps(READING))
    good = [ser.serialize(v, topic) for v in _readings(3)]
    produce_raw(kafka_bootstrap, topic, [
        (None, good[0]), (None, b"not a frame"), (None, good[1]),
        (None, b"\x00\x7f\xff\xff\xf0\x02"), (None, good[2]),
    ])
    code, out, err = run(capsys, "consume", topic, "--from-beginning", "--exit-at-end",
                         "--value-only")
    assert code == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == [0]
    assert err.count("\n") == 1 and err.startswith(f"avroframe: error: {topic}[0]@1: ")

    code, out, err = run(capsys, "consume", topic, "--from-beginning", "--exit-at-end",
                         "--value-only", "--on-error", "skip")
    assert (code, err) == (0, "")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [0, 1, 2]

    code, out, err = run(capsys, "consume", topic, "--from-beginning", "--exit-at-end",
                         "--value-only", "--on-error", "report")
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [0, 1, 2]
    reports = [json.loads(line) for line in err.splitlines()]
    assert [(r["topic"], r["partition"], r["offset"]) for r in reports] == [
        (topic, 0, 1), (topic, 0, 3)]
    assert all(r["error"] for r in reports)


def test_evolution_with_reader_schemas_and_avro_json(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], kafka_bootstrap: str
) -> None:
    """v1 records read as v2 get the new field's default; Avro's JSON encoding wraps unions."""
    topic = new_topic(kafka_bootstrap, "cli-evolve")
    values = _readings(4)
    lines = [json.dumps({"key": {"sensor": v["sensor"]}, "value": v}) for v in values]
    code, _, err = run(capsys, "produce", topic, "--schema", _write(tmp_path / "v1.avsc", READING),
                       "--key-schema", _write(tmp_path / "k.avsc", KEY),
                       _write(tmp_path / "in.jsonl", "\n".join(lines)))
    assert code == 0, err
    key_v2 = {**KEY, "fields": [*KEY["fields"], {"name": "site", "type": "int", "default": 7}]}
    got = consume_all(capsys, topic, "--reader-schema", _write(tmp_path / "v2.avsc", READING_V2),
                      "--key-reader-schema", _write(tmp_path / "k2.avsc", key_v2))
    assert [g["value"] for g in got] == [{**v, "unit": "celsius"} for v in values]
    assert [g["key"] for g in got] == [{"sensor": v["sensor"], "site": 7} for v in values]
    avro = consume_all(capsys, topic, "--value-only", "--json-encoding", "avro")
    assert avro[0] == {"id": 0, "sensor": "s-0", "value": 0.0, "note": {"string": "n0"}}
    assert avro[1]["note"] is None

    # Avro's JSON encoding is accepted as input too (what Confluent's console producer takes).
    again = new_topic(kafka_bootstrap, "cli-avrojson")
    code, _, err = run(capsys, "produce", again, "--json-encoding", "avro", "--schema",
                       _write(tmp_path / "v1b.avsc", READING),
                       _write(tmp_path / "avro.jsonl", "\n".join(map(json.dumps, avro))))
    assert code == 0, err
    assert [g["value"] for g in consume_all(capsys, again)] == values


def test_offsets_partitions_and_limits(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], kafka_bootstrap: str
) -> None:
    """--offset N, --partition, --offset @timestamp and --max-messages pick what is printed."""
    topic = new_topic(kafka_bootstrap, "cli-offsets", partitions=2)
    schema = _write(tmp_path / "v.avsc", READING)
    values = _readings(10)
    lines = [json.dumps({"key": {"sensor": v["sensor"]}, "value": v}) for v in values]
    code, _, err = run(capsys, "produce", topic, "--schema", schema, "--key-schema",
                       _write(tmp_path / "k.avsc", KEY),
                       _write(tmp_path / "in.jsonl", "\n".join(lines)))
    assert code == 0, err
    everything = consume_all(capsys, topic)
    assert sorted(g["value"]["id"] for g in everything) == list(range(10))
    p1 = [g for g in everything if g["partition"] == 1]
    assert p1, "the keys spread over both partitions"
    code, out, _ = run(capsys, "consume", topic, "--partition", "1", "--offset", "1",
                       "--exit-at-end")
    assert [json.loads(line)["offset"] for line in out.splitlines()] == [
        g["offset"] for g in p1[1:]]
    code, out, _ = run(capsys, "consume", topic, "--from-beginning", "--max-messages", "3")
    assert code == 0 and len(out.splitlines()) == 3
    later = max(g["timestamp"] for g in everything) + 1
    code, out, _ = run(capsys, "consume", topic, "--offset", f"@{later}", "--exit-at-end")
    assert (code, out) == (0, "")


def test_sigint_with_a_group_then_resume_loses_and_repeats_nothing(
    env: dict[str, str], tmp_path: Path, kafka_bootstrap: str, registry_url: str
) -> None:
    """Ctrl-C while messages stream in: clean exit; the same group resumes where it stopped."""
    topic = new_topic(kafka_bootstrap, "cli-sigint")
    group = unique("cli-group")
    reg = registry.connect(registry_url)
    ser = AvroSerializer(reg, json.dumps(READING))
    total = 3000
    frames = [(None, ser.serialize(v, topic)) for v in _readings(total)]
    produce_raw(kafka_bootstrap, topic, frames[:1000])
    feeding = threading.Thread(
        target=lambda: [produce_raw(kafka_bootstrap, topic, frames[i:i + 100])
                        or time.sleep(0.05) for i in range(1000, total, 100)])
    command = [sys.executable, "-m", "avroframe", "consume", topic, "--group", group,
               "--from-beginning", "--value-only"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    assert proc.stdout is not None
    first: list[int] = []
    deadline = time.monotonic() + WAIT
    feeding.start()
    while len(first) < 1200:
        assert time.monotonic() < deadline, f"only {len(first)} lines before the interrupt"
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        first.append(json.loads(line)["id"])
    proc.send_signal(signal.SIGINT)
    # Read on through the same buffered stream (communicate() would skip what it holds).
    timer = threading.Timer(WAIT, proc.kill)
    timer.start()
    rest = proc.stdout.read()
    err = proc.stderr.read() if proc.stderr else ""
    proc.wait(timeout=WAIT)
    timer.cancel()
    feeding.join(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    first += [json.loads(line)["id"] for line in rest.splitlines()]
    resumed = subprocess.run([*command[:-2], "--exit-at-end", "--value-only"], env=env,
                             capture_output=True, text=True, timeout=WAIT, check=True)
    second = [json.loads(line)["id"] for line in resumed.stdout.splitlines()]
    assert first + second == list(range(total)), (len(first), len(second))


def test_consume_a_topic_written_by_the_java_producer(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    kafka_bootstrap: str, registry_url: str,
) -> None:
    """Apache Avro for Java frames (KafkaProducerCheck) print as the values Java wrote."""
    topic = new_topic(kafka_bootstrap, "cli-java")
    schema = {"type": "record", "name": "Payment", "namespace": "it.java", "fields": [
        {"name": "id", "type": "long"}, {"name": "amount", "type": "double"},
        {"name": "memo", "type": ["null", "string"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}}]}
    values = [{"id": 1, "amount": 2.5, "memo": None, "tags": []},
              {"id": -7, "amount": 1e-5, "memo": {"string": "héllo"}, "tags": ["a", "b"]}]
    values_file = _write(tmp_path / "values.json",
                         {"writer_schema": json.dumps(schema), "values": values})
    count = 6
    result = subprocess.run(
        ["bash", str(RUN_JAVA), "--kafka", "KafkaProducerCheck", "--bootstrap", kafka_bootstrap,
         "--registry", registry_url, "--topic", topic, "--count", str(count), "--values",
         values_file, "--timeout-s", "60"],
        capture_output=True, text=True, timeout=JAVA_TIMEOUT_S, check=False,
        stdin=subprocess.DEVNULL,
    )
    assert f"{count} passed, 0 failed" in result.stdout, result.stdout + result.stderr
    got = consume_all(capsys, topic, "--json-encoding", "avro")
    assert [g["key"] for g in got] == [str(i) for i in range(count)]
    assert [g["value"] for g in got] == [values[i % 2] for i in range(count)]
    plain = consume_all(capsys, topic, "--value-only")
    assert plain[1]["memo"] == "héllo"


def test_compat_against_a_subject_of_the_server(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], registry_url: str
) -> None:
    """--subject compares with the server's versions at the subject's level (or --level)."""
    from tests.unit.cli.test_compat import CASES, rec

    reg = registry.connect(registry_url)
    for level in ("BACKWARD_TRANSITIVE", "FORWARD"):
        case = CASES[level]
        subject = unique(f"cli-compat-{level.lower()}")
        reg.set_compatibility(subject, "NONE")
        for fields in case.history:
            reg.register_schema(subject, rec("it.compat", fields))
        reg.set_compatibility(subject, level)
        accepted = _write(tmp_path / f"{level}-ok.avsc", rec("it.compat", case.accepted).schema_str)
        refused = _write(tmp_path / f"{level}-no.avsc",
                         rec("it.compat", case.refused or ()).schema_str)
        code, out, err = run(capsys, "compat", "--subject", subject, accepted)
        assert code == 0, out + err
        code, out, err = run(capsys, "compat", "--subject", subject, "--format", "json", refused)
        assert code == 3, out + err
        answer = json.loads(out)
        assert answer["level"] == level and answer["failures"][0]["reasons"]
        # The server's own verdict agrees: it refuses to register the schema.
        with pytest.raises(IncompatibleSchemaError):
            reg.register_schema(subject, Schema(Path(refused).read_text()))
        code, _, _ = run(capsys, "compat", "--subject", subject, "--level", "NONE", refused)
        assert code == 0
    code, _, err = run(capsys, "compat", "--subject", "x", "--registry",
                       "http://127.0.0.1:9/apis/ccompat/v7", accepted)
    assert code == 1 and err.startswith("avroframe: error: registry: ")


def test_undelivered_messages_are_counted_and_named(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], kafka_bootstrap: str
) -> None:
    """Messages the broker refuses (and ones the client refuses) fail the command, named."""
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = unique("cli-small")
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config={"max.message.bytes": "2000"})],
                        operation_timeout=30)[topic].result(timeout=WAIT)
    schema = _write(tmp_path / "v.avsc", READING)
    small = {"id": 1, "sensor": "s", "value": 1.0, "note": None}
    big = {**small, "note": "x" * 5000}
    data = _write(tmp_path / "in.jsonl", "\n".join(json.dumps(v) for v in (small, big, small)))
    code, _, err = run(capsys, "produce", topic, "--schema", schema, data,
                       "--config", "message.timeout.ms=20000", "--config", "batch.num.messages=1")
    assert code == 1
    assert err.startswith(f"avroframe: 2 delivered, 1 not delivered: {topic}: MSG_SIZE_TOO_LARGE")
    assert err.count("\n") == 1
    code, _, err = run(capsys, "produce", topic, "--schema", schema, data,
                       "--config", "message.max.bytes=3000")
    assert code == 1
    assert err.startswith(f"avroframe: 2 delivered, 1 not delivered: {topic}: MSG_SIZE_TOO_LARGE")


def test_ctrl_c_while_producing_from_a_pipe_delivers_what_was_sent(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], kafka_bootstrap: str
) -> None:
    """Ctrl-C while produce waits for its next line: what was sent is delivered and counted."""
    topic = new_topic(kafka_bootstrap, "cli-produce-sigint")
    proc = subprocess.Popen(
        [sys.executable, "-m", "avroframe", "produce", topic, "--schema",
         _write(tmp_path / "v.avsc", READING)],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env,
        text=True,
    )
    assert proc.stdin is not None
    for value in _readings(3):
        proc.stdin.write(json.dumps(value) + "\n")
    proc.stdin.flush()
    deadline = time.monotonic() + WAIT
    while len(consume_all(capsys, topic)) < 3:
        assert time.monotonic() < deadline, "the three lines never arrived"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 130
    assert err == "avroframe: 3 delivered; interrupted\n"


def test_a_registry_outage_is_not_a_poison_message(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], kafka_bootstrap: str,
    registry_url: str,
) -> None:
    """Even with --on-error skip: stop, skip nothing, commit nothing; a later run reads all."""
    topic = new_topic(kafka_bootstrap, "cli-outage")
    group = unique("cli-outage-group")
    ser = AvroSerializer(registry.connect(registry_url), json.dumps(READING))
    produce_raw(kafka_bootstrap, topic, [(None, ser.serialize(v, topic)) for v in _readings(2)])
    code, out, err = run(capsys, "consume", topic, "--group", group, "--from-beginning",
                         "--exit-at-end", "--on-error", "skip", "--value-only",
                         "--registry", "http://127.0.0.1:9/apis/ccompat/v7")
    assert (code, out) == (1, "")
    assert err.startswith(f"avroframe: error: {topic}[0]@0: registry unavailable: ")
    assert err.count("\n") == 1
    # --from-beginning applies only where the group has committed nothing: had the first run
    # skipped and committed, this one would print nothing.
    code, out, err = run(capsys, "consume", topic, "--group", group, "--from-beginning",
                         "--exit-at-end", "--value-only")
    assert code == 0, err
    assert [json.loads(line)["id"] for line in out.splitlines()] == [0, 1]
