"""What both adapters share: the registry from arguments or legacy config, serializers per schema.

Nothing here imports a Kafka client.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any, cast

from avroframe import registry as _registry
from avroframe.registry.protocol import SerdeRegistry, is_serde_registry
from avroframe.registry.types import Schema
from avroframe.serde import AvroDeserializer, AvroSerializer
from avroframe.serde.errors import ConfigError
from avroframe.serde.schema import SchemaLike

REGISTRY_PREFIX = "schema.registry."
"""Keys with this prefix in a client config dict configure the registry (legacy Confluent style)."""

RegistryArg = SerdeRegistry | str | None
"""A registry client, a registry URL for ``registry.connect``, or None (use the config's keys)."""

_MAX_SCHEMAS = 1024  # serializers kept per producer for per-call schemas


def split_config(config: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a config dict into (client config, ``schema.registry.*`` config without the prefix)."""
    if config is None:
        return {}, {}
    if not isinstance(config, Mapping):
        raise ConfigError(f"config must be a dict, not {type(config).__name__}")
    client: dict[str, Any] = {}
    registry_conf: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(key, str) and key.startswith(REGISTRY_PREFIX):
            registry_conf[key[len(REGISTRY_PREFIX) :]] = value
        else:
            client[key] = value
    return client, registry_conf


def reject_keys(client_conf: Mapping[str, Any], *names: str) -> None:
    """Raise :class:`ConfigError` if the client config sets an option the adapter owns."""
    given = [name for name in names if name in client_conf]
    if given:
        raise ConfigError(
            f"{', '.join(given)} cannot be set: the adapter encodes and decodes keys and values"
        )


class RegistryHandle:
    """The registry an adapter uses, and whether the adapter opened it (then it closes it)."""

    __slots__ = ("client", "owned")

    def __init__(self, registry: RegistryArg, registry_conf: Mapping[str, Any]) -> None:
        self.owned = not is_serde_registry(registry)
        if registry is not None and registry_conf.get("url") is not None:
            raise ConfigError("pass either registry= or schema.registry.url, not both")
        try:
            if isinstance(registry, str):
                if registry_conf:
                    raise ConfigError("schema.registry.* keys apply only without registry=")
                self.client: SerdeRegistry = _registry.connect(registry)
            elif registry is None:
                if not registry_conf:
                    raise ConfigError("a registry is required: registry= or schema.registry.url")
                url = str(registry_conf.get("url", ""))
                if url.startswith(("memory://", "sqlite://")) and set(registry_conf) == {"url"}:
                    self.client = _registry.connect(url)  # an embedded registry by URL
                else:
                    from avroframe.registry.http import HttpRegistry

                    self.client = HttpRegistry.from_confluent(registry_conf)
            elif is_serde_registry(registry):
                if registry_conf:
                    raise ConfigError("schema.registry.* keys apply only without registry=")
                self.client = registry
            else:
                raise ConfigError(
                    "registry must be a registry client or a URL, not " + type(registry).__name__
                )
        except (ValueError, TypeError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"invalid registry configuration: {exc}") from exc

    def close(self) -> None:
        """Close the registry client if the adapter opened it."""
        close = getattr(self.client, "close", None)
        if self.owned and callable(close):
            close()


def headers_for_send(headers: Any) -> Any:
    """A fresh mutable copy of the caller's headers (a list unless a dict was given).

    The header id format appends to it; copying keeps a reused headers list from growing.
    """
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return dict(headers)
    return list(headers)


def as_schema(schema: Any) -> SchemaLike | None:
    """``schema`` as the serde takes it; legacy ``avro.schema.Schema`` objects become JSON text.

    ``confluent_kafka.avro.loads()`` returns such objects: accepting them keeps old code working.
    """
    if schema is None or isinstance(schema, (str, dict, list, Schema)):
        return cast("SchemaLike", schema)
    if callable(getattr(schema, "to_json", None)):
        return str(schema)
    raise ConfigError(
        f"a schema must be JSON text, a dict, a list or a registry Schema, not "
        f"{type(schema).__name__}"
    )


def record_deserializers(
    registry: SerdeRegistry,
    *,
    decode_key: bool,
    reader_key_schema: SchemaLike | None,
    reader_value_schema: SchemaLike | None,
    key_deserializer: AvroDeserializer | None,
    value_deserializer: AvroDeserializer | None,
) -> tuple[AvroDeserializer | None, AvroDeserializer]:
    """A consumer adapter's (key, value) deserializers; no key deserializer with ``decode_key``
    False (keys stay the bytes on the topic)."""
    if not decode_key:
        if reader_key_schema is not None or key_deserializer is not None:
            raise ConfigError("decode_key=False excludes reader_key_schema and key_deserializer")
        keys = None
    else:
        keys = deserializer_for(registry, key_deserializer, reader_key_schema, "key")
    return keys, deserializer_for(registry, value_deserializer, reader_value_schema, "value")


def deserializer_for(
    registry: SerdeRegistry,
    given: AvroDeserializer | None,
    reader_schema: SchemaLike | None,
    role: str,
) -> AvroDeserializer:
    """The deserializer given, or one built for ``reader_schema``; not both."""
    if given is None:
        return AvroDeserializer(registry, as_schema(reader_schema))
    if reader_schema is not None:
        raise ConfigError(f"pass either reader_{role}_schema or {role}_deserializer, not both")
    if not isinstance(given, AvroDeserializer):
        raise ConfigError(f"{role}_deserializer must be a serde.AvroDeserializer")
    return given


class SchemaSerializers:
    """Serializers by schema for producers whose ``produce`` takes a schema per call.

    The schema passed with each message is usually the same object every time: it is found by
    identity (or, for text and ``Schema`` values, by equality) in one dict lookup. A new but
    equal dict is found by its JSON text and parsed only once.
    """

    def __init__(
        self,
        registry: SerdeRegistry,
        default_key_schema: SchemaLike | None,
        default_value_schema: SchemaLike | None,
        options: Mapping[str, Any],
    ) -> None:
        self._registry = registry
        self._options = dict(options)
        self._by_key: dict[Any, tuple[Any, AvroSerializer]] = {}
        self._by_text: dict[str, AvroSerializer] = {}
        self._lock = threading.Lock()
        self.default_key = self.get(default_key_schema) if default_key_schema is not None else None
        self.default_value = (
            self.get(default_value_schema) if default_value_schema is not None else None
        )

    def get(self, schema: SchemaLike) -> AvroSerializer:
        """The serializer for ``schema``, built on first use."""
        hashable = isinstance(schema, (str, Schema))
        key: Any = schema if hashable else id(schema)
        entry = self._by_key.get(key)
        if entry is not None and (hashable or entry[0] is schema):
            return entry[1]
        return self._add(key, schema)

    def _add(self, key: Any, given: Any) -> AvroSerializer:
        schema = as_schema(given)
        if schema is None:
            raise ConfigError("a schema is required")
        try:
            text = (
                schema
                if isinstance(schema, str)
                else json.dumps(
                    schema.schema_str if isinstance(schema, Schema) else schema, sort_keys=True
                )
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"the schema is not JSON text, a JSON value or a Schema: {exc}"
            ) from exc
        if isinstance(schema, Schema):
            text = f"{text}|{schema.schema_type}|{schema.references!r}"
        with self._lock:
            serializer = self._by_text.get(text)
            if serializer is None:
                serializer = AvroSerializer(self._registry, schema, **self._options)
                if len(self._by_text) >= _MAX_SCHEMAS:
                    self._by_text.clear()
                self._by_text[text] = serializer
            if len(self._by_key) >= _MAX_SCHEMAS:
                self._by_key.clear()
            # keep the schema object alive so that its id() is not reused while cached
            self._by_key[key] = (given, serializer)
        return serializer

    def serialize(
        self,
        value: Any,
        topic: str,
        is_key: bool,
        headers: Any,
        schema: SchemaLike | None,
    ) -> bytes | None:
        """Encode ``value`` with ``schema`` or the default one (``None`` stays ``None``)."""
        if value is None:
            return None
        serializer = self.default_key if is_key else self.default_value
        if schema is not None:
            serializer = self.get(schema)
        elif serializer is None:
            role = "key" if is_key else "value"
            raise ConfigError(
                f"no Avro schema for the {role}: pass {role}_schema= or default_{role}_schema="
            )
        return serializer.serialize(value, topic, is_key, headers)

    def warm_up(self, topic: str) -> None:
        """Resolve the default schemas' ids for ``topic`` now (fail at start-up, not later)."""
        if self.default_key is not None:
            self.default_key.warm_up(topic, True)
        if self.default_value is not None:
            self.default_value.warm_up(topic, False)
