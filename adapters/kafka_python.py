"""kafka-python adapter (2.x and 3.x): serializer objects, ``AvroProducer`` and ``AvroConsumer``.

Serializers for the client's own producer and consumer::

    producer = KafkaProducer(
        bootstrap_servers="127.0.0.1:9092",
        key_serializer=AvroSerializer(reg, '"string"', is_key=True),
        value_serializer=AvroSerializer(reg, schema, is_key=False),
    )

kafka-python 3.x calls ``serialize(topic, headers, data)`` (and retries with
``serialize(topic, data)`` if that raises ``TypeError``); 2.x calls ``serialize(topic, data)``.
Both forms are accepted here, and no ``TypeError`` ever leaves these objects, so the retry
never fires. The client cannot tell a serializer whether it is the key's or the value's, so
each object must be told: ``is_key`` is required (``True`` for keys, ``False`` for values).
A default would let a key serializer register its schema under ``<topic>-value`` unnoticed.
Schema-id headers (``id_format="header"``) need the headers, which only 3.x passes;
:class:`AvroProducer` supports them with either version.

A deserializer that raises inside ``KafkaConsumer`` leaves the consumer stuck on that record;
:class:`AvroConsumer` decodes after the fetch and applies an error policy instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.serializer import Deserializer as _ClientDeserializer
from kafka.serializer import Serializer as _ClientSerializer

from avroframe import serde
from avroframe.serde.errors import ConfigError
from avroframe.serde.records import OnError, RawBatch, RawRecord, RecordDecoder
from avroframe.serde.schema import SchemaLike

from ._common import (
    RegistryArg,
    RegistryHandle,
    SchemaSerializers,
    headers_for_send,
    record_deserializers,
    reject_keys,
    split_config,
)

__all__ = ["AvroConsumer", "AvroDeserializer", "AvroProducer", "AvroSerializer"]

logger = logging.getLogger(__name__)


def _split_call(args: tuple[Any, ...], method: str) -> tuple[Any, Any]:
    """(headers, data) from the arguments after ``topic``: ``(data)`` or ``(headers, data)``."""
    if len(args) == 2:
        return args[0], args[1]
    if len(args) == 1:
        return None, args[0]
    raise ConfigError(
        f"{method} takes (topic, data) or (topic, headers, data); got {len(args) + 1} arguments"
    )


def _required_side(is_key: bool | None, role: str) -> bool:
    if not isinstance(is_key, bool):
        raise ConfigError(
            f"say which side this {role} serves: is_key=True for the key_{role}, "
            f"is_key=False for the value_{role} (kafka-python does not tell it)"
        )
    return is_key


class AvroSerializer(_ClientSerializer):  # type: ignore[misc]
    """A kafka-python ``key_serializer`` / ``value_serializer`` writing Avro wire-format frames.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed with the producer).
        schema: the writer schema (JSON text, dict, or ``registry.types.Schema``).
        is_key: required: True for a ``key_serializer`` (subject ``<topic>-key``, key header),
            False for a ``value_serializer``.
        topic: the topic used when called with the data alone (``serializer(data)``).
        **options: options of :class:`serde.AvroSerializer` (``subject_name_strategy``,
            ``auto_register_schemas``, ``use_latest_version``, ``id_format``, ...).
    """

    def __init__(
        self,
        registry: RegistryArg,
        schema: SchemaLike | None = None,
        *,
        is_key: bool | None = None,
        topic: str | None = None,
        **options: Any,
    ) -> None:
        self._is_key = _required_side(is_key, "serializer")
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroSerializer(self._registry.client, schema, **options)
        self._topic = topic

    def __repr__(self) -> str:
        return f"kafka_python.AvroSerializer(is_key={self._is_key}, serde={self._serde!r})"

    @property
    def serde(self) -> serde.AvroSerializer:
        """The core serializer (``warm_up(topic)`` resolves the schema id ahead of time)."""
        return self._serde

    def serialize(self, topic: str, *args: Any) -> bytes | None:
        """``serialize(topic, headers, data)`` (3.x) or ``serialize(topic, data)`` (2.x)."""
        headers, data = _split_call(args, "serialize")
        return self._serde.serialize(data, topic, self._is_key, headers)

    def __call__(self, *args: Any) -> bytes | None:
        """``(data)`` with the ``topic`` given at construction, or the ``serialize`` forms."""
        if len(args) == 1:
            if self._topic is None:
                raise ConfigError("called with the data alone: pass topic= at construction")
            return self.serialize(self._topic, args[0])
        if not args:
            raise ConfigError("the serializer needs the data to encode")
        return self.serialize(args[0], *args[1:])

    def close(self) -> None:
        """Called by the client on close: closes the registry if it was opened from a URL."""
        self._registry.close()


class AvroDeserializer(_ClientDeserializer):  # type: ignore[misc]
    """A kafka-python ``key_deserializer`` / ``value_deserializer`` reading wire-format frames.

    Raises :class:`serde.SerdeError` on bad input, which stops ``KafkaConsumer`` at that record;
    use :class:`AvroConsumer` for a skip or dead-letter policy.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed with the consumer).
        reader_schema: decode into this schema (schema evolution); by default the writer's.
        is_key: required: True for a ``key_deserializer`` (reads the key's schema-id header),
            False for a ``value_deserializer``.
        topic: the topic reported when called with the data alone.
        **options: options of :class:`serde.AvroDeserializer` (``from_dict``, ``limits``, ...).
    """

    def __init__(
        self,
        registry: RegistryArg,
        reader_schema: SchemaLike | None = None,
        *,
        is_key: bool | None = None,
        topic: str | None = None,
        **options: Any,
    ) -> None:
        self._is_key = _required_side(is_key, "deserializer")
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroDeserializer(self._registry.client, reader_schema, **options)
        self._topic = topic

    def __repr__(self) -> str:
        return f"kafka_python.AvroDeserializer(is_key={self._is_key}, serde={self._serde!r})"

    @property
    def serde(self) -> serde.AvroDeserializer:
        """The core deserializer."""
        return self._serde

    def deserialize(self, topic: str | None, *args: Any) -> Any:
        """``deserialize(topic, headers, data)`` (3.x) or ``deserialize(topic, data)`` (2.x)."""
        headers, data = _split_call(args, "deserialize")
        return self._serde.deserialize(data, topic, self._is_key, headers)

    def __call__(self, *args: Any) -> Any:
        """``(data)``, or the ``deserialize`` forms."""
        if len(args) == 1:
            return self.deserialize(self._topic, args[0])
        if not args:
            raise ConfigError("the deserializer needs the data to decode")
        return self.deserialize(args[0], *args[1:])

    def close(self) -> None:
        """Called by the client on close: closes the registry if it was opened from a URL."""
        self._registry.close()


class AvroProducer:
    """A ``KafkaProducer`` that encodes keys and values with Avro schemas.

    Args:
        config: ``KafkaProducer`` keyword options as a dict (``bootstrap_servers``, ...). Legacy
            ``schema.registry.*`` keys (``schema.registry.url``, ...) configure the registry.
        default_key_schema: schema for keys when ``produce`` is given none.
        default_value_schema: schema for values when ``produce`` is given none.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        **serializer_options: options of :class:`serde.AvroSerializer`, for keys and values.

    The underlying ``KafkaProducer`` is :attr:`client`.
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
            self.client: Any = KafkaProducer(**client_conf)
        except BaseException:
            self._registry.close()
            raise

    def __repr__(self) -> str:
        return f"kafka_python.AvroProducer(registry={self._registry.client!r})"

    def warm_up(self, *topics: str) -> None:
        """Resolve the default schemas' ids for these topics now: misconfiguration fails here."""
        for topic in topics:
            self._serializers.warm_up(topic)

    def produce(
        self,
        topic: str,
        value: Any = None,
        key: Any = None,
        value_schema: SchemaLike | None = None,
        key_schema: SchemaLike | None = None,
        headers: Any = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
    ) -> Any:
        """Encode and send one record; returns kafka-python's ``FutureRecordMetadata``.

        ``None`` as value (or key) is sent as ``None`` (a tombstone) without a schema.
        ``headers`` (a list of ``(str, bytes)`` or a dict) is copied, never modified.
        """
        sent_headers = headers_for_send(headers)
        key_bytes = self._serializers.serialize(key, topic, True, sent_headers, key_schema)
        value_bytes = self._serializers.serialize(value, topic, False, sent_headers, value_schema)
        if isinstance(sent_headers, dict):
            sent_headers = list(sent_headers.items())
        return self.client.send(
            topic,
            value=value_bytes,
            key=key_bytes,
            headers=sent_headers,
            partition=partition,
            timestamp_ms=timestamp_ms,
        )

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every record sent so far is acknowledged (or ``timeout`` seconds pass)."""
        self.client.flush(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush and close the producer, and the registry client if this producer opened it."""
        try:
            self.client.close(timeout)
        finally:
            self._registry.close()

    def __enter__(self) -> AvroProducer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AvroConsumer:
    """A ``KafkaConsumer`` whose records come back with decoded keys and values.

    Records are kafka-python's own ``ConsumerRecord`` with ``key`` and ``value`` replaced by the
    decoded objects. An undecodable record is handled by ``on_error`` (see
    :mod:`serde.records`): ``"raise"`` raises :class:`serde.DeserializationFailure` naming its
    topic, partition and offset and leaves the consumer positioned at it (seek to
    ``offset + 1`` on :attr:`client` to go past it); ``"skip"`` logs and drops it; a callable
    ``(raw_record, error)`` receives it. Records decoded before a failure in the same fetch are
    returned first; the failure is raised by the next ``poll``.

    Args:
        config: ``KafkaConsumer`` keyword options as a dict (``bootstrap_servers``, ``group_id``,
            ...). Legacy ``schema.registry.*`` keys configure the registry.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        reader_key_schema: decode keys into this schema; by default the writer's.
        reader_value_schema: decode values into this schema; by default the writer's.
        on_error: ``"raise"``, ``"skip"`` or a callable ``(raw_record, error) -> None``.
        topics: topic name(s) to subscribe to now.
        decode_key: False to leave keys as the bytes on the topic.
        key_deserializer: a configured :class:`serde.AvroDeserializer` for keys (``from_dict``,
            ``limits``); excludes ``reader_key_schema``.
        value_deserializer: the same for values; excludes ``reader_value_schema``.

    The underlying ``KafkaConsumer`` is :attr:`client`. Use ``poll`` or iteration, not both.
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
            self._decoder = RecordDecoder(keys, values, on_error=on_error)
            names = (topics,) if isinstance(topics, str) else tuple(topics)
            self.client: Any = KafkaConsumer(*names, **client_conf)
        except BaseException:
            self._registry.close()
            raise

    def __repr__(self) -> str:
        return f"kafka_python.AvroConsumer(registry={self._registry.client!r})"

    def _decode(self, record: Any) -> Any:
        decoded = self._decoder.decode(_raw_record(record))
        if decoded is None:
            return None
        return record._replace(key=decoded.key, value=decoded.value)

    def _rewind(self, partition: Any, offset: int) -> None:
        try:
            self.client.seek(partition, offset)
        except Exception as exc:  # e.g. the partition was revoked meanwhile: nothing to keep
            logger.warning("cannot seek %s back to offset %s: %s", partition, offset, exc)

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, list[Any]]:
        """``KafkaConsumer.poll`` with decoded records: ``{TopicPartition: [ConsumerRecord]}``.

        Each partition's records are decoded at once (keys, then values, of one schema id in one
        read), with the policy applied to each record that cannot be decoded.
        """
        fetched = list(self.client.poll(timeout_ms=timeout_ms, max_records=max_records).items())
        result: dict[Any, list[Any]] = {}
        for index, (partition, records) in enumerate(fetched):
            outcome = self._decoder.decode_many(_raw_batch(records))
            decoded = [
                record._replace(key=outcome.keys[position], value=outcome.values[position])
                for position, record in enumerate(records[: outcome.handled])
                if position not in outcome.dropped
            ]
            if decoded:
                result[partition] = decoded
            if outcome.error is not None:
                # Nothing from this record on was delivered: fetch it (and the partitions not
                # yet looked at) again, so that no record is lost.
                self._rewind(partition, records[outcome.handled].offset)
                for later_partition, later in fetched[index + 1 :]:
                    self._rewind(later_partition, later[0].offset)
                if result:
                    return result
                raise outcome.error
        return result

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        """The next decoded record (StopIteration after ``consumer_timeout_ms``)."""
        while True:
            record = next(self.client)
            try:
                item = self._decode(record)
            except Exception:
                self._rewind(TopicPartition(record.topic, record.partition), record.offset)
                raise
            if item is not None:
                return item

    def commit(self, offsets: Any = None) -> None:
        """Commit offsets (by default those of the records returned so far), synchronously."""
        self.client.commit(offsets)

    def close(self, autocommit: bool = True) -> None:
        """Close the consumer, and the registry client if this consumer opened it."""
        try:
            self.client.close(autocommit=autocommit)
        finally:
            self._registry.close()

    def __enter__(self) -> AvroConsumer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _raw_record(record: Any) -> RawRecord:
    return RawRecord(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        record.headers,
        record.timestamp,
    )


def _raw_batch(records: list[Any]) -> RawBatch:
    headers = [record.headers for record in records]
    return RawBatch(
        [record.key for record in records],
        [record.value for record in records],
        [record.topic for record in records],
        headers if any(headers) else None,
        lambda index: _raw_record(records[index]),
    )
