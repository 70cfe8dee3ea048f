"""confluent-kafka adapter: serializers, ``AvroProducer`` and ``AvroConsumer``.

With ``SerializingProducer`` / ``DeserializingConsumer``::

    producer = SerializingProducer({
        "bootstrap.servers": "127.0.0.1:9092",
        "key.serializer": AvroSerializer(reg, '"string"'),
        "value.serializer": AvroSerializer(reg, schema),
    })

The client says whether it is the key or the value (``ctx.field``), so one object can serve
both. Schema-id headers (``id_format="header"``) are written into ``ctx.headers``, which must
then be a list or dict: pass ``headers=[]`` to ``produce`` (``AvroProducer`` does this itself).

:class:`AvroProducer` and :class:`AvroConsumer` replace the deprecated
``confluent_kafka.avro`` classes of the same names: the same constructor (one config dict with
``schema.registry.url`` and other ``schema.registry.*`` keys), ``produce(topic=, value=, key=,
value_schema=, key_schema=, ...)`` and ``poll(timeout)`` returning the ``Message`` with its
key and value decoded.

Errors: everything raised is a :class:`serde.SerdeError` (the specific class: ``EncodeError``,
``DeserializationFailure``, ...) and also an instance of what code written for confluent-kafka
catches: the consumer's errors are ``KeyDeserializationError`` / ``ValueDeserializationError``
(with ``kafka_message``), the producer's ``KeySerializationError`` / ``ValueSerializationError``,
and both are the legacy ``confluent_kafka.avro.serializer.SerializerError`` (``KeySerializerError``
/ ``ValueSerializerError`` when producing) where that module can be imported.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import repeat
from operator import is_not
from typing import Any, cast

from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.error import (
    KeyDeserializationError,
    KeySerializationError,
    ValueDeserializationError,
    ValueSerializationError,
)
from confluent_kafka.serialization import Deserializer as _ClientDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from confluent_kafka.serialization import Serializer as _ClientSerializer

from avroframe import serde
from avroframe.serde.errors import ConfigError, DeserializationFailure, SerdeError
from avroframe.serde.records import OnError, RawBatch, RawRecord, RecordDecoder
from avroframe.serde.schema import SchemaLike

from ._common import (
    RegistryArg,
    RegistryHandle,
    SchemaSerializers,
    headers_for_send,
    record_deserializers,
    split_config,
)

__all__ = ["AvroConsumer", "AvroDeserializer", "AvroProducer", "AvroSerializer"]

logger = logging.getLogger(__name__)


def _legacy_errors() -> tuple[type[Exception], type[Exception], type[Exception]] | None:
    """(SerializerError, KeySerializerError, ValueSerializerError) of ``confluent_kafka.avro``.

    That module needs the ``avro`` package; without it no legacy code can catch its errors.
    """
    try:
        from confluent_kafka.avro.serializer import (
            KeySerializerError,
            SerializerError,
            ValueSerializerError,
        )
    except ImportError:
        return None
    return SerializerError, KeySerializerError, ValueSerializerError


_CLIENT_ERROR_TYPES: dict[tuple[type, bool, bool], type[SerdeError]] = {}


def _client_error_type(serde_type: type, is_key: bool, consuming: bool) -> type[SerdeError]:
    """``serde_type`` that is also the confluent-kafka error the replaced code catches."""
    made = _CLIENT_ERROR_TYPES.get((serde_type, is_key, consuming))
    if made is not None:
        return made
    if consuming:
        bases: list[type] = [KeyDeserializationError if is_key else ValueDeserializationError]
    else:
        bases = [KeySerializationError if is_key else ValueSerializationError]
    legacy = _legacy_errors()
    if legacy is not None:
        bases.append(legacy[0] if consuming else legacy[1 if is_key else 2])
    namespace = {"__module__": __name__, "__str__": _error_str, "__repr__": _error_repr}
    made = cast("type[SerdeError]", type(serde_type.__name__, (serde_type, *bases), namespace))
    # setdefault: two threads making the same class at once keep one of them.
    return _CLIENT_ERROR_TYPES.setdefault((serde_type, is_key, consuming), made)


def _error_str(error: SerdeError) -> str:
    return error.message


def _error_repr(error: SerdeError) -> str:
    return f"{type(error).__name__}({error.message!r})"


def _as_client_error(
    error: SerdeError, *, is_key: bool, consuming: bool, message: Message | None = None
) -> SerdeError:
    """A copy of ``error`` whose class is also the confluent-kafka error for its side."""
    cls = _client_error_type(type(error), is_key, consuming)
    translated: SerdeError = Exception.__new__(cls)
    # The confluent side sets exception (kafka_message when consuming) and the KafkaError code.
    confluent_side: Any = cls.__bases__[1]
    if consuming:
        confluent_side.__init__(translated, exception=error, kafka_message=message)
    else:
        confluent_side.__init__(translated, exception=error)
    translated.__dict__.update(error.__dict__)
    translated.args = error.args
    translated.__cause__ = error.__cause__
    translated.__traceback__ = error.__traceback__
    return translated


@contextmanager
def _producing(is_key: bool) -> Iterator[None]:
    """Raise the serde errors of encoding a key or value as their confluent-kafka twins."""
    try:
        yield
    except SerdeError as exc:
        raise _as_client_error(exc, is_key=is_key, consuming=False) from exc.__cause__


@contextmanager
def _consuming(message: Message) -> Iterator[None]:
    """Raise the serde errors of decoding ``message`` as their confluent-kafka twins."""
    try:
        yield
    except SerdeError as exc:
        is_key = isinstance(exc, DeserializationFailure) and exc.is_key
        raise _as_client_error(exc, is_key=is_key, consuming=True, message=message) from (
            exc.__cause__
        )


def _is_key(ctx: SerializationContext | None, role: str) -> bool:
    if ctx is None:
        raise ConfigError(f"the {role} needs a SerializationContext (topic, field, headers)")
    return bool(ctx.field == MessageField.KEY)


class AvroSerializer(_ClientSerializer):
    """A confluent-kafka ``Serializer`` writing Avro wire-format frames, for keys or values.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed by ``close()``).
        schema: the writer schema (JSON text, dict, or ``registry.types.Schema``).
        **options: options of :class:`serde.AvroSerializer` (``subject_name_strategy``,
            ``auto_register_schemas``, ``use_latest_version``, ``id_format``, ``to_dict``, ...).
    """

    __slots__ = ("_registry", "_serde")

    def __init__(
        self, registry: RegistryArg, schema: SchemaLike | None = None, **options: Any
    ) -> None:
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroSerializer(self._registry.client, schema, **options)

    def __repr__(self) -> str:
        return f"confluent_kafka.AvroSerializer(serde={self._serde!r})"

    @property
    def serde(self) -> serde.AvroSerializer:
        """The core serializer (``warm_up(topic, is_key)`` resolves the schema id ahead of time)."""
        return self._serde

    def __call__(self, obj: Any, ctx: SerializationContext | None = None) -> bytes | None:
        """Encode ``obj`` for ``ctx.topic``; ``None`` stays ``None`` (a tombstone)."""
        is_key = _is_key(ctx, "serializer")
        assert ctx is not None
        return self._serde.serialize(obj, ctx.topic, is_key, ctx.headers)

    def close(self) -> None:
        """Close the registry client if it was opened from a URL."""
        self._registry.close()


class AvroDeserializer(_ClientDeserializer):
    """A confluent-kafka ``Deserializer`` reading wire-format frames, for keys or values.

    Args:
        registry: a registry client, or a URL for ``registry.connect`` (closed by ``close()``).
        reader_schema: decode into this schema (schema evolution); by default the writer's.
        **options: options of :class:`serde.AvroDeserializer` (``from_dict``, ``limits``, ...).
    """

    __slots__ = ("_registry", "_serde")

    def __init__(
        self, registry: RegistryArg, reader_schema: SchemaLike | None = None, **options: Any
    ) -> None:
        self._registry = RegistryHandle(registry, {})
        self._serde = serde.AvroDeserializer(self._registry.client, reader_schema, **options)

    def __repr__(self) -> str:
        return f"confluent_kafka.AvroDeserializer(serde={self._serde!r})"

    @property
    def serde(self) -> serde.AvroDeserializer:
        """The core deserializer."""
        return self._serde

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        """Decode ``value`` (``None`` stays ``None``); the schema-id header wins over the prefix."""
        is_key = _is_key(ctx, "deserializer")
        assert ctx is not None
        return self._serde.deserialize(value, ctx.topic, is_key, ctx.headers)

    def close(self) -> None:
        """Close the registry client if it was opened from a URL."""
        self._registry.close()


class AvroProducer(Producer):
    """A confluent-kafka ``Producer`` that encodes keys and values with Avro schemas.

    Args:
        config: the ``Producer`` config; ``schema.registry.*`` keys (``schema.registry.url``,
            ``schema.registry.basic.auth.user.info``, ...) configure the registry and are
            removed before the rest reaches the client.
        default_key_schema: schema for keys when ``produce`` is given none.
        default_value_schema: schema for values when ``produce`` is given none.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        schema_registry: the legacy name of ``registry``.
        **serializer_options: options of :class:`serde.AvroSerializer`, for keys and values.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        default_key_schema: SchemaLike | None = None,
        default_value_schema: SchemaLike | None = None,
        registry: RegistryArg = None,
        *,
        schema_registry: RegistryArg = None,
        **serializer_options: Any,
    ) -> None:
        client_conf, registry_conf = split_config(config)
        self._registry = RegistryHandle(_one_registry(registry, schema_registry), registry_conf)
        try:
            self._serializers = SchemaSerializers(
                self._registry.client, default_key_schema, default_value_schema, serializer_options
            )
            super().__init__(client_conf)
        except BaseException:
            self._registry.close()
            raise

    def __repr__(self) -> str:
        return f"confluent_kafka.AvroProducer(registry={self._registry.client!r})"

    def warm_up(self, *topics: str) -> None:
        """Resolve the default schemas' ids for these topics now: misconfiguration fails here."""
        for topic in topics:
            self._serializers.warm_up(topic)

    def produce(  # type: ignore[override]
        self,
        topic: str,
        value: Any = None,
        key: Any = None,
        value_schema: SchemaLike | None = None,
        key_schema: SchemaLike | None = None,
        headers: Any = None,
        **kwargs: Any,
    ) -> None:
        """Encode and produce one message; other keyword arguments go to ``Producer.produce``.

        ``None`` as value (or key) is produced as ``None`` (a tombstone) without a schema.
        ``headers`` (a list of pairs or a dict) is copied, never modified.
        """
        sent_headers = headers_for_send(headers)
        with _producing(is_key=True):
            key_bytes = self._serializers.serialize(key, topic, True, sent_headers, key_schema)
        with _producing(is_key=False):
            value_bytes = self._serializers.serialize(
                value, topic, False, sent_headers, value_schema
            )
        super().produce(topic, value_bytes, key_bytes, headers=sent_headers or None, **kwargs)

    def close(self) -> bool:
        """Close the producer (see ``Producer.close``) and the registry if it opened it."""
        try:
            closer = getattr(super(), "close", None)
            return bool(closer()) if closer is not None else True
        finally:
            self._registry.close()


class AvroConsumer(Consumer):
    """A confluent-kafka ``Consumer`` whose messages come back with decoded keys and values.

    ``poll`` returns the client's ``Message`` after ``set_key`` / ``set_value`` with the
    decoded objects (messages carrying an error, e.g. partition EOF, are returned as they are).
    An undecodable message is handled by ``on_error`` (see :mod:`serde.records`): ``"raise"``
    raises :class:`serde.DeserializationFailure` naming topic, partition and offset and seeks
    back so that the consumer stays at that message (seek to ``offset + 1`` to go past it);
    ``"skip"`` logs and drops it; a callable ``(raw_record, error)`` receives it. Skipped
    messages do not end ``poll``: it waits for the next one within the same timeout.

    Offsets: librdkafka would store a message's offset for the next commit as soon as ``poll``
    hands it over, decodable or not, so a commit after ``"raise"`` would skip the bad message.
    The adapter therefore runs the client with ``enable.auto.offset.store=false`` and stores
    the offset itself once a message is decoded, skipped or given to the callback. If you set
    ``enable.auto.offset.store=false`` yourself, storing stays yours (``store_offsets``).

    Args:
        config: the ``Consumer`` config; ``schema.registry.*`` keys configure the registry and are
            removed before the rest reaches the client.
        registry: a registry client or URL (instead of ``schema.registry.url``).
        reader_key_schema: decode keys into this schema; by default the writer's.
        reader_value_schema: decode values into this schema; by default the writer's.
        on_error: ``"raise"``, ``"skip"`` or a callable ``(raw_record, error) -> None``.
        schema_registry: the legacy name of ``registry``.
        decode_key: False to leave keys as the bytes on the topic.
        key_deserializer: a configured :class:`serde.AvroDeserializer` for keys (``from_dict``,
            ``limits``); excludes ``reader_key_schema``.
        value_deserializer: the same for values; excludes ``reader_value_schema``.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        registry: RegistryArg = None,
        reader_key_schema: SchemaLike | None = None,
        reader_value_schema: SchemaLike | None = None,
        on_error: OnError = "raise",
        *,
        schema_registry: RegistryArg = None,
        decode_key: bool = True,
        key_deserializer: serde.AvroDeserializer | None = None,
        value_deserializer: serde.AvroDeserializer | None = None,
    ) -> None:
        client_conf, registry_conf = split_config(config)
        self._registry = RegistryHandle(_one_registry(registry, schema_registry), registry_conf)
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
            self._store = _flag(client_conf.get("enable.auto.offset.store", True))
            super().__init__({**client_conf, "enable.auto.offset.store": False})
        except BaseException:
            self._registry.close()
            raise

    def __repr__(self) -> str:
        return f"confluent_kafka.AvroConsumer(registry={self._registry.client!r})"

    def _decode(self, msg: Message) -> Message | None:
        """Decode ``msg`` (None if the policy took it) and store its offset as handled."""
        with _consuming(msg):
            decoded = self._decoder.decode(_raw_record(msg))
        if self._store:
            self._store_offset(msg)
        if decoded is None:
            return None
        msg.set_key(decoded.key)
        msg.set_value(decoded.value)
        return msg

    def _store_offset(self, msg: Message) -> None:
        try:
            self.store_offsets(message=msg)
        except KafkaException as exc:  # e.g. the partition was revoked meanwhile
            logger.debug(
                "offset of %s[%s]@%s not stored: %s",
                msg.topic(),
                msg.partition(),
                msg.offset(),
                exc,
            )

    def _rewind(self, msg: Message) -> None:
        topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
        if topic is None or partition is None or offset is None:
            return
        try:
            self.seek(TopicPartition(topic, partition, offset))
        except KafkaException as exc:
            logger.warning(
                "cannot seek %s[%s] back to offset %s: %s", topic, partition, offset, exc
            )

    def poll(self, timeout: float | None = None) -> Message | None:
        """The next message with its key and value decoded, or None after ``timeout`` seconds.

        ``None`` (the default) or a negative timeout waits indefinitely.
        """
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        while True:
            remaining = -1.0 if deadline is None else max(0.0, deadline - time.monotonic())
            msg = super().poll(remaining)
            if msg is None:
                return None
            if msg.error() is not None:
                return msg
            try:
                decoded = self._decode(msg)
            except Exception:
                self._rewind(msg)
                raise
            if decoded is not None:
                return decoded
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[Message]:
        """Up to ``num_messages`` messages, decoded (skipped ones left out).

        The batch is decoded at once (keys, then values, of one schema id in one read), with
        the policy applied to each message that cannot be decoded. When a message fails under
        ``on_error="raise"``, the messages before it are returned and the consumer is moved
        back to it, so the next call raises.
        """
        messages = super().consume(num_messages, timeout)
        if not messages:
            return messages
        # Identity checks only: a KafkaError compared with None sets a stray exception.
        errors = list(map(Message.error, messages))
        data = messages if not any(map(is_not, errors, repeat(None))) else [
            msg for msg, error in zip(messages, errors, strict=True) if error is None
        ]
        headers = list(map(Message.headers, data))
        outcome = self._decoder.decode_many(
            RawBatch(
                list(map(Message.key, data)),
                list(map(Message.value, data)),
                list(map(Message.topic, data)),
                headers if any(headers) else None,
                lambda index: _raw_record(data[index]),
            )
        )
        store = self._store
        if data is messages and outcome.error is None and not outcome.dropped:
            for msg, key, value in zip(data, outcome.keys, outcome.values, strict=True):
                msg.set_key(key)
                msg.set_value(value)
            if store:
                # Every message was handled: storing each partition's last one stores them all.
                where = zip(map(Message.topic, data), map(Message.partition, data), strict=True)
                for msg in dict(zip(where, data, strict=True)).values():
                    self._store_offset(msg)
            return messages
        result: list[Message] = []
        handled = 0
        for position, msg in enumerate(messages):
            if msg.error() is not None:
                result.append(msg)
                continue
            if handled == outcome.handled:  # the message that stopped the batch
                self._rewind_from(messages[position:])
                if result:
                    return result
                with _consuming(msg):
                    assert outcome.error is not None
                    raise outcome.error
            if store:
                self._store_offset(msg)
            if handled not in outcome.dropped:
                msg.set_key(outcome.keys[handled])
                msg.set_value(outcome.values[handled])
                result.append(msg)
            handled += 1
        return result

    def _rewind_from(self, messages: list[Message]) -> None:
        seen: set[tuple[str | None, int | None]] = set()
        for msg in messages:
            where = (msg.topic(), msg.partition())
            if msg.error() is None and where not in seen:
                seen.add(where)
                self._rewind(msg)

    def close(self) -> None:
        """Close the consumer (committing as configured) and the registry if it opened it."""
        try:
            super().close()
        finally:
            self._registry.close()


def _raw_record(msg: Message) -> RawRecord:
    return RawRecord(
        msg.topic(),
        msg.partition(),
        msg.offset(),
        msg.key(),
        msg.value(),
        msg.headers(),
        msg.timestamp()[1],
    )


def _flag(value: Any) -> bool:
    """A librdkafka boolean option given as bool or text."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _one_registry(registry: RegistryArg, legacy: RegistryArg) -> RegistryArg:
    if registry is not None and legacy is not None:
        raise ConfigError("pass registry= or schema_registry=, not both")
    return registry if registry is not None else legacy
