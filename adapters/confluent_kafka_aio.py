"""Adapter for confluent-kafka's asyncio clients, ``confluent_kafka.aio`` (tested with 2.16).

No registry call runs on the event loop: binding a topic's schema id and fetching an unknown
writer schema run in a worker thread (concurrent first messages share one registry call);
once cached, a message is encoded or decoded inline, without a thread hop of its own.

Serializers for ``AsyncSerializingProducer`` / ``AsyncDeserializingConsumer``::

    producer = await AsyncSerializingProducer({
        "bootstrap.servers": "127.0.0.1:9092",
        "key.serializer": AvroSerializer(reg, '"string"'),
        "value.serializer": AvroSerializer(reg, schema),
    })

They return the bytes (or the decoded object) directly once the schema is cached, and an
awaitable the client awaits when a registry call is needed first. They serve the asyncio
clients only: a blocking client cannot await.

:class:`AvroProducer` wraps ``AIOProducer`` and :class:`AvroConsumer` wraps ``AIOConsumer``,
with the error policies of the other adapters; their errors are, as in the blocking adapter,
both the :class:`serde.SerdeError` and the confluent-kafka error (``ValueDeserializationError``,
``KeySerializationError``, ...) for their side. What ``confluent_kafka.aio`` does not allow:

* ``AIOProducer`` cannot produce headers, so ``id_format="header"`` and ``headers=`` are
  refused here (use the aiokafka adapter, or the blocking confluent-kafka one);
* every ``AIOConsumer`` / ``AIOProducer`` call is itself a hop to a worker thread: ``poll``
  costs one per message, so prefer ``consume`` (one per batch) for throughput;
* a ``poll`` / ``consume`` whose awaiting task is cancelled still completes in its thread;
  :class:`AvroConsumer` moves the client back to what such a call fetched on its next call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from confluent_kafka import KafkaException, Message, TopicPartition
from confluent_kafka.aio import AIOConsumer, AIOProducer
from confluent_kafka.serialization import MessageField, SerializationContext

from avroframe import serde
from avroframe.serde.errors import ConfigError
from avroframe.serde.records import OnError, RawRecord
from avroframe.serde.schema import SchemaLike

from ._aio import (
    EXPIRY_MARGIN,
    AsyncRecordDecoder,
    SingleFlight,
    bind,
    encode,
    fetch_schema,
    serialize_slowly,
    warm_up_defaults,
)
from ._common import (
    RegistryArg,
    RegistryHandle,
    SchemaSerializers,
    record_deserializers,
    split_config,
)
from .confluent_kafka import _consuming, _producing

__all__ = ["AvroConsumer", "AvroDeserializer", "AvroProducer", "AvroSerializer"]

logger = logging.getLogger(__name__)

POLL_SLICE = 1.0  # seconds: the longest single client poll, so close and cancel stay prompt

_NO_HEADERS = (
    "confluent_kafka.aio.AIOProducer cannot produce headers: use the aiokafka adapter or the "
    "blocking confluent_kafka one"
)


def _is_key(ctx: SerializationContext | None, role: str) -> bool:
    if ctx is None:
        raise ConfigError(f"the {role} needs a SerializationContext (topic, field, headers)")
    return bool(ctx.field == MessageField.KEY)


async def _close_registry(handle: RegistryHandle) -> None:
    if handle.owned:
        await asyncio.to_thread(handle.close)


class AvroSerializer:
    """A serializer for ``AsyncSerializingProducer`` writing wire-format frames.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed by ``close()``).
        schema: the writer schema (JSON text, dict, or ``registry.types.Schema``).
        **options: options of :class:`serde.AvroSerializer`.
    """

    def __init__(
        self, registry: RegistryArg, schema: SchemaLike | None = None, **options: Any
    ) -> None:
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroSerializer(self._registry.client, schema, **options)
        self._flights = SingleFlight()

    def __repr__(self) -> str:
        return f"confluent_kafka_aio.AvroSerializer(serde={self._serde!r})"

    @property
    def serde(self) -> serde.AvroSerializer:
        """The core serializer."""
        return self._serde

    async def warm_up(self, topic: str, is_key: bool = False) -> int:
        """Resolve the schema id for ``topic`` in a thread; returns the id."""
        return await bind(self._flights, self._serde, topic, bool(is_key))

    def __call__(
        self, obj: Any, ctx: SerializationContext | None = None
    ) -> bytes | Awaitable[bytes | None] | None:
        """The frame for ``obj``, or an awaitable of it when the schema id is not bound yet."""
        is_key = _is_key(ctx, "serializer")
        assert ctx is not None
        if obj is None or self._serde.is_bound(ctx.topic, is_key, for_seconds=EXPIRY_MARGIN):
            return self._serde.serialize(obj, ctx.topic, is_key, ctx.headers)
        return serialize_slowly(self._flights, self._serde, obj, ctx.topic, is_key, ctx.headers)

    def close(self) -> None:
        """Close the registry client if it was opened from a URL."""
        self._registry.close()


class AvroDeserializer:
    """A deserializer for ``AsyncDeserializingConsumer`` reading wire-format frames.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed by ``close()``).
        reader_schema: decode into this schema (schema evolution); by default the writer's.
        **options: options of :class:`serde.AvroDeserializer` (``from_dict``, ``limits``, ...).
    """

    def __init__(
        self, registry: RegistryArg, reader_schema: SchemaLike | None = None, **options: Any
    ) -> None:
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroDeserializer(self._registry.client, reader_schema, **options)
        self._flights = SingleFlight()

    def __repr__(self) -> str:
        return f"confluent_kafka_aio.AvroDeserializer(serde={self._serde!r})"

    @property
    def serde(self) -> serde.AvroDeserializer:
        """The core deserializer."""
        return self._serde

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        """The decoded ``value``, or an awaitable of it when its schema must be fetched first."""
        is_key = _is_key(ctx, "deserializer")
        assert ctx is not None
        if self._serde.missing_schema(value, is_key, ctx.headers) is None:
            return self._serde.deserialize(value, ctx.topic, is_key, ctx.headers)
        return self._deserialize_later(value, ctx.topic, is_key, ctx.headers)

    async def _deserialize_later(
        self, value: bytes | None, topic: str | None, is_key: bool, headers: Any
    ) -> Any:
        fetched = await fetch_schema(self._flights, self._serde, value, is_key, headers)
        if fetched and self._serde.missing_schema(value, is_key, headers) is None:
            return self._serde.deserialize(value, topic, is_key, headers)
        # the fetch failed: let the serde meet (and report) the registry's error off the loop
        return await asyncio.to_thread(self._serde.deserialize, value, topic, is_key, headers)

    def close(self) -> None:
        """Close the registry client if it was opened from a URL."""
        self._registry.close()


class AvroProducer:
    """An ``AIOProducer`` that encodes keys and values with Avro schemas.

    Build it inside a running event loop (``AIOProducer`` needs one).

    Args:
        config: the producer config; ``schema.registry.*`` keys configure the registry.
        default_key_schema: schema for keys when ``produce`` is given none.
        default_value_schema: schema for values when ``produce`` is given none.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        client_options: keyword options of ``AIOProducer`` (``max_workers``, ``batch_size``,
            ``buffer_timeout``, ``executor``).
        **serializer_options: options of :class:`serde.AvroSerializer`, for keys and values
            (not ``id_format="header"``: ``AIOProducer`` cannot produce headers).

    The underlying ``AIOProducer`` is :attr:`client`.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        default_key_schema: SchemaLike | None = None,
        default_value_schema: SchemaLike | None = None,
        registry: RegistryArg = None,
        *,
        client_options: Mapping[str, Any] | None = None,
        **serializer_options: Any,
    ) -> None:
        if serializer_options.get("id_format") == "header":
            raise ConfigError(f"id_format='header' is not possible: {_NO_HEADERS}")
        client_conf, registry_conf = split_config(config)
        self._registry = RegistryHandle(registry, registry_conf)
        try:
            self._serializers = SchemaSerializers(
                self._registry.client, default_key_schema, default_value_schema, serializer_options
            )
            self.client: Any = AIOProducer(client_conf, **dict(client_options or {}))
        except BaseException:
            self._registry.close()
            raise
        self._flights = SingleFlight()

    def __repr__(self) -> str:
        return f"confluent_kafka_aio.AvroProducer(registry={self._registry.client!r})"

    async def warm_up(self, *topics: str) -> None:
        """Resolve the default schemas' ids for these topics (in a thread): fail at start-up."""
        await warm_up_defaults(self._flights, self._serializers, topics)

    async def _encode(self, value: Any, topic: str, is_key: bool, schema: Any) -> bytes | None:
        return await encode(self._flights, self._serializers, value, topic, is_key, None, schema)

    async def produce(
        self,
        topic: str,
        value: Any = None,
        key: Any = None,
        *,
        value_schema: SchemaLike | None = None,
        key_schema: SchemaLike | None = None,
        partition: int | None = None,
        timestamp: int | None = None,
        headers: Any = None,
    ) -> asyncio.Future[Any]:
        """Encode and enqueue one message; returns the future of the delivered ``Message``.

        ``None`` as value (or key) is produced as ``None`` (a tombstone) without a schema.
        """
        if headers:
            raise ConfigError(_NO_HEADERS)
        with _producing(is_key=True):
            key_bytes = await self._encode(key, topic, True, key_schema)
        with _producing(is_key=False):
            value_bytes = await self._encode(value, topic, False, value_schema)
        kwargs: dict[str, Any] = {}
        if partition is not None:
            kwargs["partition"] = partition
        if timestamp is not None:
            kwargs["timestamp"] = timestamp
        future: asyncio.Future[Any] = await self.client.produce(
            topic, value_bytes, key_bytes, **kwargs
        )
        return future

    async def flush(self, timeout: float = -1) -> int:
        """Send what is buffered and wait for delivery; returns the messages still queued."""
        return int(await self.client.flush(timeout))

    async def close(self) -> None:
        """Flush and close the producer, and the registry client if this producer opened it."""
        try:
            await self.client.close()
        finally:
            await _close_registry(self._registry)

    async def __aenter__(self) -> AvroProducer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class AvroConsumer:
    """An ``AIOConsumer`` whose messages come back with decoded keys and values.

    Build it inside a running event loop (``AIOConsumer`` needs one). ``poll`` returns the
    client's ``Message`` with its key and value decoded (messages carrying an error, e.g.
    partition EOF, are returned as they are). ``on_error``: ``"raise"`` raises
    :class:`serde.DeserializationFailure` and moves the consumer back to the message (seek to
    ``offset + 1`` to go past it); ``"skip"`` logs and drops it; a callable
    ``(raw_record, error)`` (plain or async) receives it.

    Offsets: as in the blocking adapter, the client runs with ``enable.auto.offset.store=false``
    and the adapter stores a message's offset once it has been handed over (stored with the
    next call on this consumer, and by ``commit`` and ``close``), so that neither a failure nor
    a cancelled task lets a commit pass a message that was not delivered.

    Args:
        config: the consumer config; ``schema.registry.*`` keys configure the registry.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        reader_key_schema: decode keys into this schema; by default the writer's.
        reader_value_schema: decode values into this schema; by default the writer's.
        on_error: ``"raise"``, ``"skip"`` or a callable ``(raw_record, error)``.
        decode_key: False to leave keys as the bytes on the topic.
        key_deserializer: a configured :class:`serde.AvroDeserializer` for keys.
        value_deserializer: the same for values.
        client_options: keyword options of ``AIOConsumer`` (``max_workers``, ``executor``).

    The underlying ``AIOConsumer`` is :attr:`client`.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        registry: RegistryArg = None,
        reader_key_schema: SchemaLike | None = None,
        reader_value_schema: SchemaLike | None = None,
        on_error: OnError = "raise",
        *,
        decode_key: bool = True,
        key_deserializer: serde.AvroDeserializer | None = None,
        value_deserializer: serde.AvroDeserializer | None = None,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        client_conf, registry_conf = split_config(config)
        self._registry = RegistryHandle(registry, registry_conf)
        try:
            keys, values = record_deserializers(
                self._registry.client,
                decode_key=decode_key,
                reader_key_schema=reader_key_schema,
                reader_value_schema=reader_value_schema,
                key_deserializer=key_deserializer,
                value_deserializer=value_deserializer,
            )
            self._decoder = AsyncRecordDecoder(keys, values, on_error)
            self._store = _flag(client_conf.get("enable.auto.offset.store", True))
            self.client: Any = AIOConsumer(
                {**client_conf, "enable.auto.offset.store": False}, **dict(client_options or {})
            )
        except BaseException:
            self._registry.close()
            raise
        self._closed = False
        self._orphan: asyncio.Future[Any] | None = None  # a fetch whose caller was cancelled
        self._undelivered: list[Message] = []  # fetched, then not handed over (cancelled)
        self._to_store: dict[tuple[str, int], int] = {}  # handed over, offset not yet stored

    def __repr__(self) -> str:
        return f"confluent_kafka_aio.AvroConsumer(registry={self._registry.client!r})"

    async def subscribe(self, topics: list[str], **kwargs: Any) -> None:
        """Subscribe to ``topics`` (``on_assign`` etc. as ``AIOConsumer.subscribe`` takes them)."""
        await self.client.subscribe(topics, **kwargs)

    async def assign(self, partitions: list[TopicPartition]) -> None:
        """Assign these partitions (no group management)."""
        await self.client.assign(partitions)

    async def seek(self, partition: TopicPartition) -> None:
        """Move the fetch position of a partition (``TopicPartition(topic, partition, offset)``)."""
        await self.client.seek(partition)

    # ---- offsets and cancellation

    def _handed_over(self, messages: list[Message]) -> None:
        if not self._store:
            return
        for msg in messages:
            topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
            if msg.error() is None and None not in (topic, partition, offset):
                self._to_store[(topic, partition)] = offset + 1  # type: ignore[index,operator]

    async def _store_handed_over(self) -> None:
        pending, self._to_store = self._to_store, {}
        if pending:
            offsets = [TopicPartition(t, p, offset) for (t, p), offset in pending.items()]
            try:
                await self.client.store_offsets(offsets=offsets)
            except KafkaException as exc:  # e.g. a partition was revoked meanwhile
                logger.debug("offsets %s not stored: %s", offsets, exc)

    async def _rewind_from(self, messages: list[Message]) -> None:
        seen: set[tuple[str | None, int | None]] = set()
        for msg in messages:
            topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
            if msg.error() is not None or topic is None or partition is None or offset is None:
                continue
            if (topic, partition) in seen:
                continue
            seen.add((topic, partition))
            try:
                await self.client.seek(TopicPartition(topic, partition, offset))
            except KafkaException as exc:
                logger.warning(
                    "cannot seek %s[%s] back to offset %s: %s", topic, partition, offset, exc
                )

    async def _settle(self) -> None:
        """Store what was handed over; move back to what a cancelled call left undelivered."""
        orphan, self._orphan = self._orphan, None
        undelivered, self._undelivered = self._undelivered, []
        if orphan is not None:
            try:
                fetched = await orphan
            except Exception:
                fetched = None
            if isinstance(fetched, list):
                undelivered.extend(fetched)
            elif fetched is not None:
                undelivered.append(fetched)
        if undelivered:
            await self._rewind_from(undelivered)
        await self._store_handed_over()

    async def _fetch(self, call: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        if self._closed:
            raise RuntimeError("the consumer is closed")
        await self._settle()
        task = asyncio.ensure_future(call(*args))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._orphan = task  # it completes in its thread; the next call rewinds to it
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            raise

    async def _decode(self, msg: Message) -> Message | None:
        raw = RawRecord(
            msg.topic(),
            msg.partition(),
            msg.offset(),
            msg.key(),
            msg.value(),
            msg.headers(),
            msg.timestamp()[1],
        )
        with _consuming(msg):
            decoded = await self._decoder.decode(raw)
        if decoded is None:
            return None
        msg.set_key(decoded.key)
        msg.set_value(decoded.value)
        return msg

    # ---- consuming

    async def poll(self, timeout: float | None = None) -> Message | None:
        """The next message with its key and value decoded, or None after ``timeout`` seconds.

        ``None`` (the default) or a negative timeout waits indefinitely.
        """
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        while True:
            remaining = POLL_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            msg: Message | None = await self._fetch(self.client.poll, min(remaining, POLL_SLICE))
            if msg is None:
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                continue
            if msg.error() is not None:
                return msg
            try:
                decoded = await self._decode(msg)
            except asyncio.CancelledError:
                self._undelivered.append(msg)
                raise
            except Exception:
                await self._rewind_from([msg])
                raise
            self._handed_over([msg])
            if decoded is not None:
                return decoded
            if deadline is not None and time.monotonic() >= deadline:
                return None

    async def consume(self, num_messages: int = 1, timeout: float = -1) -> list[Message]:
        """Up to ``num_messages`` messages, decoded (skipped ones left out).

        Waits at most ``timeout`` seconds for the first ones (a negative timeout: until some
        arrive).

        When a message fails under ``on_error="raise"``, the messages before it are returned
        and the consumer is moved back to it, so the next call raises.
        """
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        while True:
            remaining = POLL_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            messages: list[Message] = await self._fetch(
                self.client.consume, num_messages, min(remaining, POLL_SLICE)
            )
            if messages or (deadline is not None and time.monotonic() >= deadline):
                break
        result: list[Message] = []
        for index, msg in enumerate(messages):
            if msg.error() is not None:
                result.append(msg)
                continue
            try:
                decoded = await self._decode(msg)
            except asyncio.CancelledError:
                self._undelivered.extend(messages)
                raise
            except Exception:
                await self._rewind_from(messages[index:])
                self._handed_over(messages[:index])
                if result:
                    return result
                raise
            if decoded is not None:
                result.append(decoded)
        self._handed_over(messages)
        return result

    def __aiter__(self) -> AvroConsumer:
        return self

    async def __anext__(self) -> Message:
        """The next decoded message; iteration ends when the consumer is closed."""
        while not self._closed:
            msg: Message | None = await self.poll(POLL_SLICE)
            if msg is not None:
                return msg
        raise StopAsyncIteration

    async def commit(self, *args: Any, **kwargs: Any) -> Any:
        """Store the offsets of what was handed over, then ``AIOConsumer.commit``."""
        await self._settle()
        return await self.client.commit(*args, **kwargs)

    async def close(self) -> None:
        """Close the consumer (committing as configured) and the registry if it opened it."""
        if self._closed:
            return
        try:
            await self._settle()
        finally:
            self._closed = True
            try:
                await self.client.close()
            finally:
                await _close_registry(self._registry)

    async def __aenter__(self) -> AvroConsumer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def _flag(value: Any) -> bool:
    """A librdkafka boolean option given as bool or text."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
