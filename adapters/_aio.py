"""What the asyncio adapters share: registry calls off the event loop, one call per first use.

The serde's hot path is pure CPU once a schema id is cached, so a cached message is encoded or
decoded inline. Anything that needs the registry (binding a topic's schema id, fetching an
unknown writer schema, parsing a schema with references) runs in a worker thread; concurrent
callers waiting for the same thing share one such call (:class:`SingleFlight`).

Nothing here imports a Kafka client.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Hashable
from typing import Any

from avroframe import serde
from avroframe.registry.types import Schema
from avroframe.serde.errors import ConfigError, SerdeError
from avroframe.serde.records import DecodedRecord, OnError, RawRecord, RecordDecoder

from ._common import SchemaSerializers

# A use_latest_version binding this close to expiry is refreshed off the loop, so that the
# serializer never finds it expired (and calls the registry) while encoding on the loop.
EXPIRY_MARGIN = 1.0


class SchemaNotReadyError(SerdeError):
    """Encoding or decoding would need a registry call, which must not run on the event loop.

    Raised by the bare serializers handed to a client that calls them synchronously on the loop
    (aiokafka); ``await x.warm_up(...)`` first, or use the adapter's producer or consumer.
    """


def on_event_loop() -> bool:
    """True when called from a thread that is running an asyncio event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class SingleFlight:
    """Runs blocking calls in a worker thread, once per key at a time.

    Callers asking for a key whose call is in flight await that call's outcome instead of
    starting another one. A cancelled caller does not cancel the call the others wait for.
    """

    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in a thread, or the outcome of the same key's call in flight."""
        loop = asyncio.get_running_loop()
        flight = self._flights.get(key)
        if flight is None or flight.get_loop() is not loop:
            flight = asyncio.ensure_future(asyncio.to_thread(func, *args))
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._land(key, done))
        return await asyncio.shield(flight)

    def _land(self, key: Hashable, flight: asyncio.Future[Any]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved: every waiter may have been cancelled meanwhile


def needs_registry_to_parse(schema: Any) -> bool:
    """True for a registry ``Schema`` with references: parsing it fetches them."""
    return isinstance(schema, Schema) and bool(schema.references)


async def serializer_for(
    serializers: SchemaSerializers, is_key: bool, schema: Any
) -> serde.AvroSerializer:
    """The serializer for a per-call ``schema``, or the default one for keys or values."""
    if schema is not None:
        if needs_registry_to_parse(schema):
            return await asyncio.to_thread(serializers.get, schema)
        return serializers.get(schema)
    serializer = serializers.default_key if is_key else serializers.default_value
    if serializer is None:
        role = "key" if is_key else "value"
        raise ConfigError(
            f"no Avro schema for the {role}: pass {role}_schema= or default_{role}_schema="
        )
    return serializer


async def bind(
    flights: SingleFlight, serializer: serde.AvroSerializer, topic: str, is_key: bool
) -> int:
    """Resolve ``serializer``'s schema id for ``(topic, is_key)`` in a thread (shared)."""
    result: int = await flights.run((serializer, topic, is_key), serializer.warm_up, topic, is_key)
    return result


async def serialize_slowly(
    flights: SingleFlight,
    serializer: serde.AvroSerializer,
    value: Any,
    topic: str,
    is_key: bool,
    headers: Any,
) -> bytes | None:
    """Encode a value whose schema id is not bound yet: bind off the loop, then encode."""
    await bind(flights, serializer, topic, is_key)
    if serializer.is_bound(topic, is_key, for_seconds=EXPIRY_MARGIN):
        return serializer.serialize(value, topic, is_key, headers)
    # a use_latest_version binding about to expire: the refresh (if due) happens in the thread
    result: bytes | None = await asyncio.to_thread(
        serializer.serialize, value, topic, is_key, headers
    )
    return result


async def serialize(
    flights: SingleFlight,
    serializer: serde.AvroSerializer,
    value: Any,
    topic: str,
    is_key: bool,
    headers: Any,
) -> bytes | None:
    """Encode ``value``: inline when its schema id is bound, else after binding it off the loop."""
    if value is None or serializer.is_bound(topic, is_key, for_seconds=EXPIRY_MARGIN):
        return serializer.serialize(value, topic, is_key, headers)
    return await serialize_slowly(flights, serializer, value, topic, is_key, headers)


async def encode(
    flights: SingleFlight,
    serializers: SchemaSerializers,
    value: Any,
    topic: str,
    is_key: bool,
    headers: Any,
    schema: Any,
) -> bytes | None:
    """A producer's key or value: ``None`` stays ``None``, else the per-call or default schema."""
    if value is None:
        return None
    serializer = await serializer_for(serializers, is_key, schema)
    return await serialize(flights, serializer, value, topic, is_key, headers)


async def warm_up_defaults(
    flights: SingleFlight, serializers: SchemaSerializers, topics: tuple[str, ...]
) -> None:
    """Resolve the default key and value schemas' ids for ``topics``, off the loop."""
    defaults = ((True, serializers.default_key), (False, serializers.default_value))
    for topic in topics:
        for is_key, serializer in defaults:
            if serializer is not None:
                await bind(flights, serializer, topic, is_key)


async def fetch_schema(
    flights: SingleFlight,
    deserializer: serde.AvroDeserializer,
    data: Any,
    is_key: bool,
    headers: Any,
) -> bool:
    """Fetch the writer schema ``data`` names if it is not cached; False if that failed."""
    ref = deserializer.missing_schema(data, is_key, headers)
    if ref is None:
        return True
    try:
        await flights.run((deserializer, ref), deserializer.warm_up, ref)
    except SerdeError:
        return False
    return True


async def maybe_await(result: Any) -> Any:
    """``result``, awaited if it is awaitable (callbacks may be plain or async functions)."""
    if inspect.isawaitable(result):
        return await result
    return result


class AsyncRecordDecoder:
    """:class:`serde.records.RecordDecoder` for asyncio consumers.

    A record whose schemas are cached is decoded inline. Otherwise the schemas are fetched in a
    thread first (shared with concurrent callers); if that fails, the record is decoded in a
    thread, so that the policy sees the registry's error without the loop making the call.
    A callable ``on_error`` runs on the loop, and is awaited if it returns an awaitable.
    """

    def __init__(
        self,
        key_deserializer: serde.AvroDeserializer | None,
        value_deserializer: serde.AvroDeserializer | None,
        on_error: OnError,
    ) -> None:
        self._key = key_deserializer
        self._value = value_deserializer
        self._callback: Callable[..., Any] | None = None
        policy: OnError = on_error
        if on_error not in ("raise", "skip"):
            if not callable(on_error):
                raise ConfigError("on_error must be 'raise', 'skip' or a callable(record, error)")
            self._callback = on_error
            policy = self._divert
        self._decoder = RecordDecoder(key_deserializer, value_deserializer, on_error=policy)
        self._diverted: list[tuple[RawRecord, serde.DeserializationFailure]] = []
        self._flights = SingleFlight()

    def _divert(self, record: RawRecord, failure: serde.DeserializationFailure) -> None:
        self._diverted.append((record, failure))

    def _cached(self, raw: RawRecord) -> bool:
        key, value = self._key, self._value
        return (key is None or key.missing_schema(raw.key, True, raw.headers) is None) and (
            value is None or value.missing_schema(raw.value, False, raw.headers) is None
        )

    async def decode(self, raw: RawRecord) -> DecodedRecord | None:
        """Decode ``raw``; None when the policy skipped or diverted it."""
        if self._cached(raw):
            decoded = self._decoder.decode(raw)
        else:
            fetched = True
            if self._key is not None:
                fetched = await fetch_schema(self._flights, self._key, raw.key, True, raw.headers)
            if fetched and self._value is not None:
                fetched = await fetch_schema(
                    self._flights, self._value, raw.value, False, raw.headers
                )
            if fetched and self._cached(raw):
                decoded = self._decoder.decode(raw)
            else:
                decoded = await asyncio.to_thread(self._decoder.decode, raw)
        if decoded is None and self._diverted and self._callback is not None:
            record, failure = self._diverted.pop()
            self._diverted.clear()
            await maybe_await(self._callback(record, failure))
        return decoded
