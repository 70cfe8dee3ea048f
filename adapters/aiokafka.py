"""aiokafka adapter: serializer objects, and an asyncio ``AvroProducer`` / ``AvroConsumer``.

No registry call runs on the event loop: binding a topic's schema id and fetching an unknown
writer schema run in a worker thread (concurrent first messages share one registry call);
once cached, a message is encoded or decoded inline, without a thread hop.

Serializers for the client's own producer and consumer::

    key_ser = AvroSerializer(reg, '"string"', topic="users", is_key=True)
    value_ser = AvroSerializer(reg, schema, topic="users")
    await key_ser.warm_up()
    await value_ser.warm_up()
    producer = AIOKafkaProducer(bootstrap_servers=..., key_serializer=key_ser,
                                value_serializer=value_ser)

aiokafka calls them with the value alone, synchronously, on the event loop: each is bound to
its topic (or subject strategy) and told whether it is the key's; it cannot register or fetch
there, so it raises :class:`SchemaNotReadyError` until ``await warm_up(...)`` has resolved what
it needs. A deserializer that raises inside ``AIOKafkaConsumer.getmany`` also drops the records
fetched before it in that call: :class:`AvroConsumer` decodes after the fetch instead, fetches
unknown schemas off the loop and applies an error policy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from avroframe import serde
from avroframe.serde.errors import ConfigError
from avroframe.serde.frame import SchemaRef
from avroframe.serde.records import OnError, RawRecord
from avroframe.serde.schema import SchemaLike

from ._aio import (
    EXPIRY_MARGIN,
    AsyncRecordDecoder,
    SchemaNotReadyError,
    SingleFlight,
    bind,
    encode,
    on_event_loop,
    warm_up_defaults,
)
from ._common import (
    RegistryArg,
    RegistryHandle,
    SchemaSerializers,
    headers_for_send,
    record_deserializers,
    reject_keys,
    split_config,
)

__all__ = [
    "AvroConsumer",
    "AvroDeserializer",
    "AvroProducer",
    "AvroSerializer",
    "SchemaNotReadyError",
]

logger = logging.getLogger(__name__)


class AvroSerializer:
    """An aiokafka ``key_serializer`` / ``value_serializer`` writing wire-format frames.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed by ``close()``).
        schema: the writer schema (JSON text, dict, or ``registry.types.Schema``).
        topic: the topic the frames are for (it names the subject: aiokafka passes no topic).
        is_key: True for a ``key_serializer`` (subject ``<topic>-key``).
        **options: options of :class:`serde.AvroSerializer`. ``use_latest_version`` and
            ``id_format="header"`` are refused: the first re-resolves while serializing and the
            second needs the headers, which aiokafka does not pass (use :class:`AvroProducer`).

    ``await warm_up()`` before the producer sends; until then a call on the event loop raises
    :class:`SchemaNotReadyError` (a call from another thread resolves inline).
    """

    def __init__(
        self,
        registry: RegistryArg,
        schema: SchemaLike | None = None,
        *,
        topic: str,
        is_key: bool = False,
        **options: Any,
    ) -> None:
        if not isinstance(topic, str):
            raise ConfigError(f"topic must be a str, not {type(topic).__name__}")
        if options.get("use_latest_version"):
            raise ConfigError(
                "use_latest_version re-resolves the schema while serializing, which aiokafka's "
                "serializer hook cannot do off the event loop: use aiokafka.AvroProducer"
            )
        if options.get("id_format") == "header":
            raise ConfigError(
                "id_format='header' needs the message headers, which aiokafka does not pass to "
                "a serializer: use aiokafka.AvroProducer"
            )
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroSerializer(self._registry.client, schema, **options)
        self._topic = topic
        self._is_key = bool(is_key)
        self._flights = SingleFlight()

    def __repr__(self) -> str:
        return f"aiokafka.AvroSerializer(topic={self._topic!r}, is_key={self._is_key})"

    @property
    def serde(self) -> serde.AvroSerializer:
        """The core serializer."""
        return self._serde

    async def warm_up(self) -> int:
        """Resolve the schema id (register or look up) in a thread; returns the id."""
        return await bind(self._flights, self._serde, self._topic, self._is_key)

    def __call__(self, value: Any) -> bytes | None:
        """Encode ``value`` (``None`` stays ``None``: a tombstone)."""
        if (
            value is not None
            and not self._serde.is_bound(self._topic, self._is_key, for_seconds=EXPIRY_MARGIN)
            and on_event_loop()
        ):
            role = "key" if self._is_key else "value"
            raise SchemaNotReadyError(
                f"the {role} schema id for topic {self._topic!r} is not resolved and resolving "
                "it would block the event loop: await serializer.warm_up() first"
            )
        return self._serde.serialize(value, self._topic, self._is_key)

    def close(self) -> None:
        """Close the registry client if it was opened from a URL."""
        self._registry.close()


class AvroDeserializer:
    """An aiokafka ``key_deserializer`` / ``value_deserializer`` reading wire-format frames.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed by ``close()``).
        reader_schema: decode into this schema (schema evolution); by default the writer's.
        is_key: True for a ``key_deserializer``.
        topic: the topic reported to ``from_dict`` (aiokafka passes none).
        **options: options of :class:`serde.AvroDeserializer` (``from_dict``, ``limits``, ...).

    aiokafka passes no headers, so frames must carry their schema id in the prefix. A frame
    whose schema is not cached raises :class:`SchemaNotReadyError` on the event loop:
    ``await warm_up(schema_id, ...)`` beforehand, or use :class:`AvroConsumer`, which fetches
    unknown schemas off the loop as they arrive.
    """

    def __init__(
        self,
        registry: RegistryArg,
        reader_schema: SchemaLike | None = None,
        *,
        is_key: bool = False,
        topic: str | None = None,
        **options: Any,
    ) -> None:
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroDeserializer(self._registry.client, reader_schema, **options)
        self._is_key = bool(is_key)
        self._topic = topic
        self._flights = SingleFlight()

    def __repr__(self) -> str:
        return f"aiokafka.AvroDeserializer(is_key={self._is_key}, serde={self._serde!r})"

    @property
    def serde(self) -> serde.AvroDeserializer:
        """The core deserializer."""
        return self._serde

    async def warm_up(self, *schemas: int | SchemaRef) -> None:
        """Fetch and prepare the decoders for these schema ids in a thread."""
        for schema in schemas:
            await self._flights.run((self._serde, schema), self._serde.warm_up, schema)

    def __call__(self, data: bytes | None) -> Any:
        """Decode ``data`` (``None`` stays ``None``)."""
        missing = self._serde.missing_schema(data, self._is_key)
        if missing is not None and on_event_loop():
            raise SchemaNotReadyError(
                f"{missing} is not cached and fetching it would block the event loop: "
                "await deserializer.warm_up(...) first, or use aiokafka.AvroConsumer"
            )
        return self._serde.deserialize(data, self._topic, self._is_key)

    def close(self) -> None:
        """Close the registry client if it was opened from a URL."""
        self._registry.close()


async def _close_registry(handle: RegistryHandle) -> None:
    if handle.owned:
        await asyncio.to_thread(handle.close)


class AvroProducer:
    """An ``AIOKafkaProducer`` that encodes keys and values with Avro schemas.

    Args:
        config: ``AIOKafkaProducer`` keyword options as a dict (``bootstrap_servers``, ...).
            Legacy ``schema.registry.*`` keys (``schema.registry.url``, ...) configure the
            registry.
        default_key_schema: schema for keys when ``send`` is given none.
        default_value_schema: schema for values when ``send`` is given none.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        **serializer_options: options of :class:`serde.AvroSerializer`, for keys and values.

    Use ``async with AvroProducer(...) as producer`` (or ``await start()`` / ``await stop()``).
    A schema with references is resolved when the producer is built. The underlying
    ``AIOKafkaProducer`` is :attr:`client`.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        default_key_schema: SchemaLike | None = None,
        default_value_schema: SchemaLike | None = None,
        *,
        registry: RegistryArg = None,
        **serializer_options: Any,
    ) -> None:
        client_conf, registry_conf = split_config(config)
        reject_keys(client_conf, "key_serializer", "value_serializer")
        self._registry = RegistryHandle(registry, registry_conf)
        try:
            self._serializers = SchemaSerializers(
                self._registry.client, default_key_schema, default_value_schema, serializer_options
            )
            self.client: Any = AIOKafkaProducer(**client_conf)
        except BaseException:
            self._registry.close()
            raise
        self._flights = SingleFlight()

    def __repr__(self) -> str:
        return f"aiokafka.AvroProducer(registry={self._registry.client!r})"

    async def start(self) -> None:
        """Connect the producer."""
        await self.client.start()

    async def stop(self) -> None:
        """Flush and stop the producer, then close the registry client if it opened it."""
        try:
            await self.client.stop()
        finally:
            await _close_registry(self._registry)

    async def __aenter__(self) -> AvroProducer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def warm_up(self, *topics: str) -> None:
        """Resolve the default schemas' ids for these topics (in a thread): fail at start-up."""
        await warm_up_defaults(self._flights, self._serializers, topics)

    async def _encode(self, value: Any, topic: str, is_key: bool, headers: Any, schema: Any) -> Any:
        return await encode(self._flights, self._serializers, value, topic, is_key, headers, schema)

    async def send(
        self,
        topic: str,
        value: Any = None,
        key: Any = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Any = None,
        *,
        value_schema: SchemaLike | None = None,
        key_schema: SchemaLike | None = None,
    ) -> asyncio.Future[Any]:
        """Encode and enqueue one record; returns the future of its ``RecordMetadata``.

        ``None`` as value (or key) is sent as ``None`` (a tombstone) without a schema.
        ``headers`` (a list of ``(str, bytes)`` or a dict) is copied, never modified.
        """
        sent_headers = headers_for_send(headers)
        key_bytes = await self._encode(key, topic, True, sent_headers, key_schema)
        value_bytes = await self._encode(value, topic, False, sent_headers, value_schema)
        if isinstance(sent_headers, dict):
            sent_headers = list(sent_headers.items())
        future: asyncio.Future[Any] = await self.client.send(
            topic,
            value=value_bytes,
            key=key_bytes,
            partition=partition,
            timestamp_ms=timestamp_ms,
            headers=sent_headers or None,
        )
        return future

    async def send_and_wait(
        self,
        topic: str,
        value: Any = None,
        key: Any = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Any = None,
        *,
        value_schema: SchemaLike | None = None,
        key_schema: SchemaLike | None = None,
    ) -> Any:
        """:meth:`send`, then wait for the broker's acknowledgement (``RecordMetadata``)."""
        future = await self.send(
            topic,
            value,
            key,
            partition,
            timestamp_ms,
            headers,
            value_schema=value_schema,
            key_schema=key_schema,
        )
        return await future

    async def flush(self) -> None:
        """Wait until every record sent so far is acknowledged."""
        await self.client.flush()


class AvroConsumer:
    """An ``AIOKafkaConsumer`` whose records come back with decoded keys and values.

    Records are aiokafka's own ``ConsumerRecord`` with ``key`` and ``value`` replaced by the
    decoded objects. An undecodable record is handled by ``on_error`` (see
    :mod:`serde.records`): ``"raise"`` raises :class:`serde.DeserializationFailure` naming its
    topic, partition and offset and leaves the consumer positioned at it (``seek`` to
    ``offset + 1`` on :attr:`client` to go past it); ``"skip"`` logs and drops it; a callable
    ``(raw_record, error)`` (plain or async) receives it. Records decoded before a failure in
    the same ``getmany`` are returned first; the failure is raised by the next call.

    A task cancelled while this consumer fetches a schema for records it already took from the
    client moves the client back to them: nothing taken but not returned is lost.

    Args:
        config: ``AIOKafkaConsumer`` keyword options as a dict (``bootstrap_servers``,
            ``group_id``, ...). Legacy ``schema.registry.*`` keys configure the registry.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        reader_key_schema: decode keys into this schema; by default the writer's.
        reader_value_schema: decode values into this schema; by default the writer's.
        on_error: ``"raise"``, ``"skip"`` or a callable ``(raw_record, error)``.
        topics: topic name(s) to subscribe to.
        decode_key: False to leave keys as the bytes on the topic.
        key_deserializer: a configured :class:`serde.AvroDeserializer` for keys; excludes
            ``reader_key_schema``.
        value_deserializer: the same for values; excludes ``reader_value_schema``.

    Use ``async with`` (or ``await start()`` / ``await stop()``); then ``getone``,
    ``getmany`` or ``async for``. The underlying ``AIOKafkaConsumer`` is :attr:`client`.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        registry: RegistryArg = None,
        reader_key_schema: SchemaLike | None = None,
        reader_value_schema: SchemaLike | None = None,
        on_error: OnError = "raise",
        topics: str | tuple[str, ...] | list[str] = (),
        decode_key: bool = True,
        key_deserializer: serde.AvroDeserializer | None = None,
        value_deserializer: serde.AvroDeserializer | None = None,
    ) -> None:
        client_conf, registry_conf = split_config(config)
        reject_keys(client_conf, "key_deserializer", "value_deserializer")
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
            names = (topics,) if isinstance(topics, str) else tuple(topics)
            self.client: Any = AIOKafkaConsumer(*names, **client_conf)
        except BaseException:
            self._registry.close()
            raise

    def __repr__(self) -> str:
        return f"aiokafka.AvroConsumer(registry={self._registry.client!r})"

    async def start(self) -> None:
        """Connect the consumer (and join its group, if it has one)."""
        await self.client.start()

    async def stop(self) -> None:
        """Stop the consumer (committing as configured), then close the registry if it opened it."""
        try:
            await self.client.stop()
        finally:
            await _close_registry(self._registry)

    async def __aenter__(self) -> AvroConsumer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _decode(self, record: Any) -> Any:
        decoded = await self._decoder.decode(
            RawRecord(
                record.topic,
                record.partition,
                record.offset,
                record.key,
                record.value,
                record.headers,
                record.timestamp,
            )
        )
        if decoded is None:
            return None
        try:  # the client hands each record over once: decode it in place (replace() is slow)
            record.key, record.value = decoded.key, decoded.value
        except dataclasses.FrozenInstanceError:
            return dataclasses.replace(record, key=decoded.key, value=decoded.value)
        return record

    def _rewind(self, topic: str, partition: int, offset: int) -> None:
        try:
            self.client.seek(TopicPartition(topic, partition), offset)
        except Exception as exc:  # e.g. the partition was revoked meanwhile: nothing to keep
            logger.warning(
                "cannot seek %s[%s] back to offset %s: %s", topic, partition, offset, exc
            )

    async def _decode_one(self, record: Any) -> Any:
        try:
            return await self._decode(record)
        except BaseException:  # failure or cancellation: the client must deliver it again
            self._rewind(record.topic, record.partition, record.offset)
            raise

    async def getone(self, *partitions: Any) -> Any:
        """The next decoded record (records the policy skipped are passed over)."""
        while True:
            item = await self._decode_one(await self.client.getone(*partitions))
            if item is not None:
                return item

    async def getmany(
        self, *partitions: Any, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[Any, list[Any]]:
        """``AIOKafkaConsumer.getmany`` with decoded records: ``{TopicPartition: [record]}``."""
        batch = await self.client.getmany(
            *partitions, timeout_ms=timeout_ms, max_records=max_records
        )
        fetched = list(batch.items())
        result: dict[Any, list[Any]] = {}
        for index, (partition, records) in enumerate(fetched):
            decoded: list[Any] = []
            for record in records:
                try:
                    item = await self._decode(record)
                except BaseException as exc:
                    failed = isinstance(exc, Exception)  # else cancelled: nothing delivered
                    # Move the client back to what was not delivered, so that nothing is lost.
                    undelivered = [(partition, record)] if failed else []
                    undelivered += [(p, rs[0]) for p, rs in fetched[index + 1 if failed else 0 :]]
                    for where, first in undelivered:
                        self._rewind(where.topic, where.partition, first.offset)
                    if failed:
                        if decoded:
                            result[partition] = decoded
                        if result:
                            return result  # the failure is raised by the next call
                    raise
                if item is not None:
                    decoded.append(item)
            if decoded:
                result[partition] = decoded
        return result

    def __aiter__(self) -> AvroConsumer:
        return self

    async def __anext__(self) -> Any:
        """The next decoded record; iteration ends when the consumer is stopped."""
        while True:
            item = await self._decode_one(await self.client.__anext__())
            if item is not None:
                return item

    async def commit(self, offsets: Any = None) -> None:
        """Commit offsets (by default the positions after the records returned so far)."""
        await self.client.commit(offsets)

    def seek(self, partition: Any, offset: int) -> None:
        """Move the next fetch position of ``partition`` (a ``TopicPartition``) to ``offset``."""
        self.client.seek(partition, offset)
