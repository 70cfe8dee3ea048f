"""The asyncio adapters without a broker: registry calls off the loop, shared, then inline.

The registry is a loopback HTTP fake that holds every request until a ticker task on the event
loop has ticked a few times while the request waits: if a registry call ran on the loop, the
ticker could not tick, the fake would give up waiting and the test would fail. No timing
thresholds are asserted.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from confluent_kafka.serialization import MessageField, SerializationContext

from avroframe import registry, serde
from avroframe.adapters import aiokafka as ak
from avroframe.adapters import confluent_kafka_aio as cka
from avroframe.registry import errors as registry_errors
from avroframe.serde.errors import ConfigError, DeserializationFailure
from avroframe.serde.records import RawRecord

POINT = {
    "type": "record",
    "name": "Point",
    "namespace": "t",
    "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}],
}
HOLD_TIMEOUT = 20.0  # seconds the fake waits for the ticker before declaring the loop blocked
TICKS_WHILE_HELD = 3


class SlowRegistry:
    """A loopback Confluent-API registry whose answers wait until the loop has ticked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.blocked: list[str] = []  # requests the ticker never released: the loop was blocked
        self.waiting = threading.Event()  # a request is being held
        self.release = threading.Event()
        self.hold = True
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}  # schema text -> id
        self._texts: dict[int, str] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.answer(self, "GET")

            def do_POST(self) -> None:
                fake.answer(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def register(self, text: str) -> int:
        """Store a schema directly (as another producer would have); returns its id."""
        with self._lock:
            if text not in self._ids:
                new_id = len(self._ids) + 1
                self._ids[text] = new_id
                self._texts[new_id] = text
            return self._ids[text]

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        path = handler.path.split("?")[0]
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else None
        with self._lock:
            self.requests.append((method, path))
        if self.hold:
            self.waiting.set()
            if not self.release.wait(HOLD_TIMEOUT):
                self.blocked.append(path)
        status, obj = self._route(method, path, body)
        data = json.dumps(obj).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if method == "POST" and re.fullmatch(r"/subjects/[^/]+/versions", path):
            return 200, {"id": self.register(body["schema"])}
        match = re.fullmatch(r"/schemas/ids/(\d+)", path)
        if method == "GET" and match and int(match.group(1)) in self._texts:
            return 200, {"schema": self._texts[int(match.group(1))]}
        return 404, {"error_code": 40403, "message": "Schema not found"}


@pytest.fixture
def slow() -> Iterator[SlowRegistry]:
    """The loopback registry fake (requests held until the ticker releases them)."""
    fake = SlowRegistry()
    yield fake
    fake.close()


@pytest.fixture
def http_registry(slow: SlowRegistry) -> Iterator[Any]:
    """An HttpRegistry client of the fake."""
    client = registry.connect(slow.url)
    yield client
    client.close()


@dataclass
class Ticker:
    """Ticks on the event loop; releases the fake's held requests once it ticked during one."""

    slow: SlowRegistry
    ticks: int = 0
    ticks_while_held: int = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(0.002)
            self.ticks += 1
            if self.slow.waiting.is_set():
                self.ticks_while_held += 1
                if self.ticks_while_held >= TICKS_WHILE_HELD:
                    self.slow.release.set()


async def with_ticker(slow: SlowRegistry, work: Any) -> tuple[Any, Ticker]:
    """Run ``work`` (a coroutine) while a ticker runs; return its result and the ticker."""
    ticker = Ticker(slow)
    task = asyncio.ensure_future(ticker.run())
    try:
        return await work, ticker
    finally:
        task.cancel()


def posts(slow: SlowRegistry) -> list[str]:
    return [path for method, path in slow.requests if method == "POST"]


def gets(slow: SlowRegistry) -> list[str]:
    return [path for method, path in slow.requests if method == "GET"]


def ctx(topic: str, field: MessageField = MessageField.VALUE) -> SerializationContext:
    return SerializationContext(topic, field, None)


async def resolve(result: Any) -> Any:
    """A confluent-kafka asyncio client's ``maybe_await``."""
    return await result if asyncio.iscoroutine(result) else result


# ---------------------------------------------------------------- producers and serializers


def test_100_first_messages_make_one_registration_off_the_loop(
    slow: SlowRegistry, http_registry: Any, counting_registry: Any
) -> None:
    """confluent_kafka_aio.AvroSerializer: one request shared by 100 concurrent first calls."""
    counted = counting_registry(http_registry)
    ser = cka.AvroSerializer(counted, POINT)
    values = [{"x": i, "y": -i} for i in range(100)]

    async def main() -> list[Any]:
        first = [ser(v, ctx("points")) for v in values]
        assert all(asyncio.iscoroutine(f) for f in first)  # not bound yet: awaitables
        return await asyncio.gather(*(resolve(f) for f in first))

    frames, ticker = asyncio.run(with_ticker(slow, main()))
    assert slow.blocked == []
    assert ticker.ticks_while_held >= TICKS_WHILE_HELD
    assert posts(slow) == ["/subjects/points-value/versions"]
    assert counted.calls["register_schema"] == 1
    reference = serde.AvroSerializer(registry.connect("memory://aio-ref"), POINT)
    assert frames == [reference.serialize(v, "points") for v in values]

    async def cached() -> Any:
        return ser({"x": 7, "y": 8}, ctx("points"))

    frame = asyncio.run(cached())
    assert isinstance(frame, bytes)  # cached: encoded inline, no awaitable, no thread
    assert len(slow.requests) == 1


def test_aiokafka_producer_100_concurrent_sends_one_request_per_subject(
    slow: SlowRegistry, http_registry: Any, counting_registry: Any
) -> None:
    """aiokafka.AvroProducer.send: key and value bound once each, off the loop."""
    counted = counting_registry(http_registry)
    sent: list[tuple[Any, ...]] = []

    class FakeClient:
        async def send(self, topic: str, **kwargs: Any) -> asyncio.Future[Any]:
            sent.append((topic, kwargs["key"], kwargs["value"], kwargs["headers"]))
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_result(None)
            return future

    async def main() -> None:
        producer = ak.AvroProducer(
            {"bootstrap_servers": "127.0.0.1:1"},
            default_key_schema='"long"',
            default_value_schema=POINT,
            registry=counted,
        )
        producer.client = FakeClient()
        await asyncio.gather(*(producer.send("pts", {"x": i, "y": i}, key=i) for i in range(100)))

    _, ticker = asyncio.run(with_ticker(slow, main()))
    assert slow.blocked == [] and ticker.ticks_while_held >= TICKS_WHILE_HELD
    assert sorted(posts(slow)) == ["/subjects/pts-key/versions", "/subjects/pts-value/versions"]
    assert counted.calls["register_schema"] == 2
    assert len(sent) == 100 and all(s[3] is None for s in sent)
    reg = registry.connect("memory://aio-ref-2")
    keys, points = serde.AvroSerializer(reg, '"long"'), serde.AvroSerializer(reg, POINT)
    assert sorted(sent, key=lambda s: s[1]) == sorted(
        [
            ("pts", keys.serialize(i, "pts", True), points.serialize({"x": i, "y": i}, "pts"), None)
            for i in range(100)
        ],
        key=lambda s: s[1],
    )


def test_aiokafka_bare_serializer_needs_warm_up_on_the_loop(
    slow: SlowRegistry, http_registry: Any
) -> None:
    """Called by AIOKafkaProducer on the loop, it refuses to block; after warm_up it encodes."""
    ser = ak.AvroSerializer(http_registry, POINT, topic="bare")

    async def main() -> tuple[int, bytes | None]:
        with pytest.raises(ak.SchemaNotReadyError, match=r"await serializer\.warm_up"):
            ser({"x": 1, "y": 2})
        assert slow.requests == []
        ids = await asyncio.gather(*(ser.warm_up() for _ in range(20)))
        assert len(set(ids)) == 1
        return ids[0], ser({"x": 1, "y": 2})

    (schema_id, frame), _ = asyncio.run(with_ticker(slow, main()))
    assert slow.blocked == [] and posts(slow) == ["/subjects/bare-value/versions"]
    assert frame == serde.frame.pack(schema_id, b"\x02\x04")
    assert ser(None) is None


def test_aiokafka_bare_serializer_refuses_what_the_client_cannot_carry(
    memory_registry: Any,
) -> None:
    """No headers reach an aiokafka serializer, and it cannot re-resolve latest versions."""
    with pytest.raises(ConfigError, match="header"):
        ak.AvroSerializer(memory_registry, POINT, topic="t", id_format="header")
    with pytest.raises(ConfigError, match="use_latest_version"):
        ak.AvroSerializer(memory_registry, topic="t", use_latest_version=True)


def test_aiokafka_bare_serializer_off_the_loop_resolves_inline(memory_registry: Any) -> None:
    """From a plain thread (no running loop) the serializer may call the registry itself."""
    ser = ak.AvroSerializer(memory_registry, '"string"', topic="plain", is_key=True)
    assert ser("k") == serde.AvroSerializer(memory_registry, '"string"').serialize(
        "k", "plain", True
    )


def test_confluent_aio_producer_refuses_headers(memory_registry: Any) -> None:
    """AIOProducer cannot produce headers: the header id format and headers= are refused."""

    async def main() -> None:
        with pytest.raises(ConfigError, match="cannot produce headers"):
            cka.AvroProducer(
                {"bootstrap.servers": "127.0.0.1:1"},
                default_value_schema=POINT,
                registry=memory_registry,
                id_format="header",
            )
        producer = cka.AvroProducer(
            {"bootstrap.servers": "127.0.0.1:1"},
            default_value_schema=POINT,
            registry=memory_registry,
        )
        try:
            with pytest.raises(ConfigError, match="cannot produce headers"):
                await producer.produce("t", {"x": 1, "y": 1}, headers=[("h", b"1")])
        finally:
            await producer.client.purge()
            await producer.close()

    asyncio.run(main())


# ------------------------------------------------------------ consumers and deserializers


def frames_for(slow: SlowRegistry, count: int) -> tuple[int, list[bytes]]:
    """``count`` frames written with a schema the fake registry knows (the reader does not)."""
    schema_id = slow.register(json.dumps(POINT))
    reg = registry.connect("memory://aio-frames")
    body_writer = serde.AvroSerializer(reg, POINT)
    frames = [body_writer.serialize({"x": i, "y": 1}, "f")[5:] for i in range(count)]
    return schema_id, [serde.frame.pack(schema_id, body) for body in frames]


def test_100_first_frames_make_one_schema_fetch_off_the_loop(
    slow: SlowRegistry, http_registry: Any, counting_registry: Any
) -> None:
    """confluent_kafka_aio.AvroDeserializer: an unknown id is fetched once, off the loop."""
    counted = counting_registry(http_registry)
    _, frames = frames_for(slow, 100)
    de = cka.AvroDeserializer(counted)

    async def main() -> list[Any]:
        return await asyncio.gather(*(resolve(de(f, ctx("f"))) for f in frames))

    values, ticker = asyncio.run(with_ticker(slow, main()))
    assert slow.blocked == [] and ticker.ticks_while_held >= TICKS_WHILE_HELD
    assert gets(slow) == ["/schemas/ids/1"]
    assert counted.calls["get_schema"] == 1
    assert values == [{"x": i, "y": 1} for i in range(100)]
    assert de(frames[5], ctx("f")) == {"x": 5, "y": 1}  # cached: decoded inline


def test_aiokafka_bare_deserializer_needs_warm_up_on_the_loop(
    slow: SlowRegistry, http_registry: Any
) -> None:
    """An unknown id raises SchemaNotReadyError on the loop; warm_up(id) fetches it off it."""
    schema_id, frames = frames_for(slow, 2)
    de = ak.AvroDeserializer(http_registry)

    async def main() -> Any:
        with pytest.raises(ak.SchemaNotReadyError, match=f"schema id {schema_id}"):
            de(frames[0])
        assert slow.requests == []
        await de.warm_up(schema_id)
        return de(frames[1])

    value, _ = asyncio.run(with_ticker(slow, main()))
    assert value == {"x": 1, "y": 1} and slow.blocked == []
    assert de(None) is None


def record(topic: str, offset: int, value: bytes | None, key: bytes | None = None) -> Any:
    """An aiokafka ConsumerRecord as the client returns it (no deserializers)."""
    return ConsumerRecord(topic, 0, offset, 0, 0, key, value, None, 0, 0, ())


class FakeAIOKafkaConsumer:
    """getmany / getone / seek of AIOKafkaConsumer over a fixed list of records."""

    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self.position = 0
        self.seeks: list[int] = []

    async def getmany(self, *partitions: Any, timeout_ms: int = 0, max_records: Any = None) -> Any:
        from aiokafka import TopicPartition

        batch = self.records[self.position :]
        self.position = len(self.records)
        return {TopicPartition(batch[0].topic, 0): batch} if batch else {}

    async def getone(self, *partitions: Any) -> Any:
        item = self.records[self.position]
        self.position += 1
        return item

    def seek(self, partition: Any, offset: int) -> None:
        self.seeks.append(offset)
        self.position = offset


def aiokafka_consumer(reg: Any, records: list[Any], **options: Any) -> Any:
    consumer = ak.AvroConsumer({"bootstrap_servers": "127.0.0.1:1"}, registry=reg, **options)
    consumer.client = FakeAIOKafkaConsumer(records)
    return consumer


POISON = b"\x07not a frame"


def poisoned(reg: Any) -> list[Any]:
    ser = serde.AvroSerializer(reg, POINT)
    good = [ser.serialize({"x": i, "y": 0}, "p") for i in range(5)]
    return [record("p", i, POISON if i == 2 else good[i]) for i in range(5)]


def test_aiokafka_consumer_policies(memory_registry: Any) -> None:
    """raise: earlier records first, then the failure, client moved back; skip; async callback."""
    dead: list[tuple[RawRecord, DeserializationFailure]] = []

    async def divert(raw: RawRecord, error: DeserializationFailure) -> None:
        await asyncio.sleep(0)
        dead.append((raw, error))

    async def main() -> None:
        raising = aiokafka_consumer(memory_registry, poisoned(memory_registry), decode_key=False)
        first = await raising.getmany()
        assert [r.offset for rs in first.values() for r in rs] == [0, 1]
        assert raising.client.seeks == [2]
        with pytest.raises(DeserializationFailure) as info:
            await raising.getmany()
        assert (info.value.topic, info.value.offset) == ("p", 2)
        assert raising.client.position == 2  # still at the bad record

        skipping = aiokafka_consumer(
            memory_registry, poisoned(memory_registry), decode_key=False, on_error="skip"
        )
        got = await skipping.getmany()
        assert [r.value["x"] for rs in got.values() for r in rs] == [0, 1, 3, 4]

        diverting = aiokafka_consumer(
            memory_registry, poisoned(memory_registry), decode_key=False, on_error=divert
        )
        assert [(await diverting.getone()).offset for _ in range(4)] == [0, 1, 3, 4]

    asyncio.run(main())
    assert len(dead) == 1 and dead[0][0].value == POISON and dead[0][1].offset == 2


def test_aiokafka_consumer_cancelled_while_fetching_a_schema_moves_back(
    slow: SlowRegistry, http_registry: Any
) -> None:
    """Records taken from the client but not returned are fetched again after a cancel."""
    _, frames = frames_for(slow, 3)
    records = [record("c", i, f) for i, f in enumerate(frames)]

    async def main() -> None:
        consumer = aiokafka_consumer(http_registry, records, decode_key=False)
        task = asyncio.ensure_future(consumer.getmany())
        while not slow.waiting.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert consumer.client.seeks == [0] and consumer.client.position == 0
        slow.release.set()
        got = await consumer.getmany()
        assert [r.value["x"] for rs in got.values() for r in rs] == [0, 1, 2]

    asyncio.run(main())


class Unreachable:
    """A registry whose schema fetches fail as if it were down, until ``up`` is set."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.up = False
        self.fetches = 0

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Any:
        self.fetches += 1
        if not self.up:
            raise registry_errors.RegistryUnavailableError("connection refused")
        return self.inner.get_schema(schema_id, subject_name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_aiokafka_consumer_keeps_the_record_while_the_registry_is_down(
    memory_registry: Any,
) -> None:
    """A registry outage is no poison: even with "skip" the record is kept and tried again."""
    writer = serde.AvroSerializer(memory_registry, POINT)
    records = [record("o", i, writer.serialize({"x": i, "y": 0}, "o")) for i in range(3)]
    down = Unreachable(memory_registry)

    async def main() -> None:
        consumer = aiokafka_consumer(down, records, decode_key=False, on_error="skip")
        with pytest.raises(serde.RegistryUnavailableError, match=r"o\[0\]@0"):
            await consumer.getmany()
        assert consumer.client.seeks == [0] and consumer.client.position == 0
        down.up = True
        got = await consumer.getmany()
        assert [r.value["x"] for rs in got.values() for r in rs] == [0, 1, 2]

    asyncio.run(main())
    assert down.fetches >= 2


def test_importing_the_adapters_package_imports_no_client() -> None:
    """avroframe.adapters alone pulls in neither aiokafka nor confluent_kafka nor kafka."""
    code = (
        "import sys, avroframe.adapters, avroframe.adapters._aio\n"
        "assert not {'aiokafka', 'confluent_kafka', 'kafka'} & set(sys.modules), sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_serde_hooks_report_what_needs_the_registry(memory_registry: Any) -> None:
    """is_bound / missing_schema: False / a ref before first use, True / None after."""
    ser = serde.AvroSerializer(memory_registry, POINT)
    assert not ser.is_bound("h")
    frame = ser.serialize({"x": 1, "y": 2}, "h")
    assert ser.is_bound("h") and not ser.is_bound("h", True) and not ser.is_bound(["h"])  # type: ignore[arg-type]
    de = serde.AvroDeserializer(memory_registry)
    assert de.missing_schema(frame) == serde.SchemaRef(schema_id=1)
    assert de.missing_schema(None) is None and de.missing_schema(b"\x07bad") is None
    de.warm_up(serde.SchemaRef(schema_id=1))
    assert de.missing_schema(frame) is None
