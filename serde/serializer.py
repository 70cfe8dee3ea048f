"""AvroSerializer: value -> wire-format frame.

The schema is parsed and its checks compiled when the serializer is built. The first message
for a (topic, key-or-value) pair binds it: the subject is named, the schema id found (registered,
looked up, the latest, or fixed) and the frame prefix computed. Every later message is one dict
lookup, the checks, and fastavro's writer.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from operator import is_
from typing import Any

from avroframe.registry.protocol import SerdeRegistry

from . import frame
from .batch import at_index, encode
from .codec import Writer
from .config import serializer_options
from .context import SerializationContext
from .errors import ConfigError, EncodeError, FrameError, SchemaError, SerdeError
from .lookup import parse_with, registry_call, schema_by_id
from .schema import ParsedSchema, SchemaLike
from .subject import SubjectNameStrategy, topic_name_strategy

ToDict = Callable[[Any, SerializationContext], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class _Binding:
    subject: str
    schema_id: int
    prefix: bytes
    writer: Writer
    header: tuple[str, bytes] | None
    expires: float  # 0.0: never (only use_latest_version bindings expire)
    encode: Callable[[Any], bytes] = dataclasses.field(init=False, repr=False)
    """``writer.write`` with this binding's prefix bound: the per-message call."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "encode", self.writer.encoder(self.prefix))


class AvroSerializer:
    """Serializes values of one schema into Confluent wire-format frames.

    Args:
        registry: any schema registry client (``registry.connect(...)``).
        schema: the writer schema (JSON text, a dict, or a ``registry.types.Schema`` with
            references). May be omitted with ``use_latest_version`` or ``use_schema_id``.
        subject_name_strategy: ``(topic, is_key, record_name) -> subject``; topic naming
            (``<topic>-value``) by default.
        auto_register_schemas: register the schema when missing (the default); when False the
            schema must already be registered under the subject (lookup only).
        use_latest_version: write with the subject's latest registered schema, re-checked every
            ``latest_cache_ttl`` seconds.
        use_schema_id: write with this fixed schema id.
        normalize_schemas: ask the registry to normalize the schema when registering/looking up.
        to_dict: ``(obj, ctx) -> dict`` for your own classes; dataclasses work without one.
        validate: check values against the schema before writing (on by default: fastavro's
            writer alone accepts values Java rejects).
        ignore_unknown_fields: drop record keys that are not fields of the schema instead of
            refusing them with :class:`EncodeError` (the default, as Java does; applies when
            ``validate`` is on).
        id_format: how frames carry the schema: ``"id"`` (magic 0 + 4-byte id, the default),
            ``"guid"`` (magic 1 + GUID), or ``"header"`` (GUID in the ``__key_schema_id`` /
            ``__value_schema_id`` header); or one of the :class:`~avroframe.serde.frame.IdFormat`
            objects ``frame.SCHEMA_ID``, ``frame.GUID_PREFIX``, ``frame.GUID_HEADER``.
    """

    def __init__(
        self,
        registry: SerdeRegistry,
        schema: SchemaLike | None = None,
        *,
        subject_name_strategy: SubjectNameStrategy = topic_name_strategy,
        auto_register_schemas: bool = True,
        use_latest_version: bool = False,
        use_schema_id: int | None = None,
        normalize_schemas: bool = False,
        latest_cache_ttl: float = 300.0,
        to_dict: ToDict | None = None,
        validate: bool = True,
        id_format: frame.IdFormatLike = "id",
        ignore_unknown_fields: bool = False,
    ) -> None:
        if use_latest_version and use_schema_id is not None:
            raise ConfigError("use_latest_version and use_schema_id exclude each other")
        if schema is None and not use_latest_version and use_schema_id is None:
            raise ConfigError(
                "a schema is required unless use_latest_version or use_schema_id is set"
            )
        if use_schema_id is not None:
            frame.schema_id_prefix(use_schema_id)  # validates the range
        try:
            self._id_format = frame.id_format(id_format)
        except FrameError as exc:
            raise ConfigError(str(exc)) from None
        if use_latest_version and not latest_cache_ttl > 0:
            raise ConfigError("latest_cache_ttl must be positive")
        if to_dict is not None and not callable(to_dict):
            raise ConfigError("to_dict must be callable")
        if not callable(subject_name_strategy):
            raise ConfigError("subject_name_strategy must be callable")
        self._registry = registry
        self._strategy = subject_name_strategy
        self._auto_register = auto_register_schemas
        self._use_latest = use_latest_version
        self._use_schema_id = use_schema_id
        self._normalize = normalize_schemas
        self._latest_ttl = latest_cache_ttl
        self._to_dict = to_dict
        self._validate = validate
        self._ignore_unknown = ignore_unknown_fields
        self._schema: ParsedSchema | None = None
        self._writer: Writer | None = None
        if schema is not None:
            self._schema = parse_with(registry, schema)
            self._writer = Writer(
                self._schema, validate=validate, ignore_unknown_fields=ignore_unknown_fields
            )
        self._bindings: tuple[dict[str, _Binding], dict[str, _Binding]] = ({}, {})
        self._writers_by_id: dict[int, Writer] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        name = self._schema.name or self._schema.type if self._schema else "latest"
        return f"AvroSerializer(schema={name!r}, registry={self._registry!r})"

    @classmethod
    def from_confluent(
        cls,
        registry: SerdeRegistry,
        schema: SchemaLike | None = None,
        conf: Mapping[str, Any] | None = None,
        *,
        to_dict: ToDict | None = None,
    ) -> AvroSerializer:
        """Build from a confluent-kafka style ``conf`` (``auto.register.schemas``,
        ``use.latest.version``, ``subject.name.strategy``, ...); unknown keys are refused."""
        return cls(registry, schema, to_dict=to_dict, **serializer_options(conf or {}))

    @property
    def schema(self) -> ParsedSchema | None:
        """The writer schema given at construction, parsed (None with ``use_latest_version``)."""
        return self._schema

    def __call__(
        self, value: Any, topic: str, is_key: bool = False, headers: Any = None
    ) -> bytes | None:
        """Same as :meth:`serialize`."""
        return self.serialize(value, topic, is_key, headers)

    def serialize(
        self, value: Any, topic: str, is_key: bool = False, headers: Any = None
    ) -> bytes | None:
        """Encode ``value`` into a frame for ``topic`` (``None`` stays ``None``: a tombstone).

        In ``"header"`` id format the schema GUID is appended to ``headers`` (a list or dict).
        """
        if value is None:
            return None
        try:
            binding = self._bindings[1 if is_key else 0].get(topic)
        except TypeError:  # an unhashable topic; never let a TypeError reach a Kafka client
            raise ConfigError(f"topic must be a str, not {type(topic).__name__}") from None
        if binding is None or (binding.expires and binding.expires < time.monotonic()):
            binding = self._bind(topic, bool(is_key))
        if self._to_dict is not None:
            value = self._convert(value, topic, is_key, headers)
        elif (
            type(value) is not dict
            and dataclasses.is_dataclass(value)
            and not isinstance(value, type)
        ):
            value = dataclasses.asdict(value)
        if binding.header is not None:
            frame.add_header(headers, *binding.header)
        return binding.encode(value)

    def serialize_many(
        self, values: Iterable[Any], topic: str, *, is_key: bool = False, headers: Any = None
    ) -> list[bytes | None]:
        """Encode many values for ``topic``: the frames :meth:`serialize` gives for each, in
        order (``None`` stays ``None``), with fewer calls per value.

        The first value that cannot be encoded raises its error, naming its position:
        ``error.index`` and ``[index]`` at the start of the message. In ``"header"`` id format
        the schema GUID is set once in ``headers``, which then goes with every frame.
        """
        if isinstance(values, (str, bytes, bytearray, memoryview, Mapping)):
            raise ConfigError(f"values must be a sequence of values, not {type(values).__name__}")
        items = values if isinstance(values, list) else list(values)
        frames: list[bytes | None] = [None] * len(items)
        positions: list[int] | None = None
        if any(map(is_, items, repeat(None))):  # identity: values' own __eq__ is not called
            positions = [index for index, value in enumerate(items) if value is not None]
            items = [items[index] for index in positions]
        if not items:
            return frames
        first = positions[0] if positions is not None else 0
        try:
            binding = self._bindings[1 if is_key else 0].get(topic)
        except TypeError:  # an unhashable topic
            raise ConfigError(f"topic must be a str, not {type(topic).__name__}") from None
        if binding is None or (binding.expires and binding.expires < time.monotonic()):
            try:
                binding = self._bind(topic, bool(is_key))
            except SerdeError as exc:
                raise at_index(exc, first) from exc.__cause__
        failed: tuple[int, SerdeError] | None = None
        if self._to_dict is not None or set(map(type, items)) != {dict}:
            converted: list[Any] = []
            for index, value in enumerate(items):
                try:
                    converted.append(self._plain(value, topic, is_key, headers))
                except SerdeError as exc:
                    failed = index, exc
                    break
            items = converted
        if failed is None or failed[0] > 0:
            if binding.header is not None:
                try:
                    frame.add_header(headers, *binding.header)
                except SerdeError as exc:
                    raise at_index(exc, first) from exc.__cause__
            encoded = encode(binding.writer, binding.prefix, items, positions)
        if failed is not None:  # the values before it are encoded first: an earlier error wins
            index, error = failed
            raise at_index(error, positions[index] if positions else index) from error.__cause__
        if positions is None:
            return encoded  # type: ignore[return-value]  # list is invariant
        for index, data in zip(positions, encoded, strict=True):
            frames[index] = data
        return frames

    def _plain(self, value: Any, topic: str, is_key: bool, headers: Any) -> Any:
        """``value`` as the writer takes it (``to_dict``, or a dataclass as a dict)."""
        if self._to_dict is not None:
            return self._convert(value, topic, is_key, headers)
        if type(value) is not dict and dataclasses.is_dataclass(value) and not isinstance(
            value, type
        ):
            return dataclasses.asdict(value)
        return value

    def _convert(self, value: Any, topic: str, is_key: bool, headers: Any) -> Any:
        assert self._to_dict is not None
        try:
            return self._to_dict(value, SerializationContext(topic, is_key, headers))
        except SerdeError:
            raise
        except Exception as exc:  # a user hook: never let its TypeError reach the Kafka client
            raise EncodeError(
                f"$: to_dict failed on {type(value).__name__}: {type(exc).__name__}: {exc}",
                python_type=type(value).__name__,
            ) from exc

    def warm_up(self, topic: str, is_key: bool = False) -> int:
        """Resolve the schema id for ``topic`` now, so a misconfiguration fails at start-up."""
        return self._bind(topic, bool(is_key)).schema_id

    def is_bound(self, topic: str, is_key: bool = False, *, for_seconds: float = 0.0) -> bool:
        """True when :meth:`serialize` for ``(topic, is_key)`` makes no registry call for the
        next ``for_seconds`` seconds (its schema id is resolved and, with
        ``use_latest_version``, does not expire sooner). Lets asyncio callers keep registry
        calls off the event loop."""
        binding = self._bindings[1 if is_key else 0].get(topic) if isinstance(topic, str) else None
        return binding is not None and not (
            binding.expires and binding.expires < time.monotonic() + for_seconds
        )

    def _bind(self, topic: str, is_key: bool) -> _Binding:
        if not isinstance(topic, str):
            raise ConfigError(f"topic must be a str, not {type(topic).__name__}")
        with self._lock:
            current = self._bindings[is_key].get(topic)
            if current is not None and not (current.expires and current.expires < time.monotonic()):
                return current
            binding = self._resolve(topic, is_key)
            self._bindings[is_key][topic] = binding
            return binding

    def _resolve(self, topic: str, is_key: bool) -> _Binding:
        registry = self._registry
        record_name = self._schema.name if self._schema is not None else None
        subject = self._subject(topic, is_key, record_name)
        expires = 0.0
        guid: str | None = None
        writer = self._writer
        if self._use_schema_id is not None:
            schema_id = self._use_schema_id
            if writer is None:
                writer = self._writer_for_id(schema_id)
            else:
                with registry_call(f"checking schema id {schema_id}", schema_id=schema_id):
                    registry.get_schema(schema_id)
        elif self._use_latest:
            with registry_call(f"fetching the latest version of subject {subject!r}"):
                latest = registry.get_latest_version(subject)
            schema_id, guid = latest.schema_id, latest.guid
            writer = self._writer_for_id(schema_id, latest.schema)
            expires = time.monotonic() + self._latest_ttl
        else:
            assert self._schema is not None
            schema = self._schema.registry_schema
            if self._auto_register:
                with registry_call(f"registering the schema under subject {subject!r}"):
                    schema_id = registry.register_schema(subject, schema, self._normalize)
            else:
                with registry_call(f"looking up the schema under subject {subject!r}"):
                    schema_id = registry.lookup_schema(subject, schema, self._normalize).schema_id
        assert writer is not None
        if self._id_format.needs_guid and guid is None:
            guid = self._guid(subject, schema_id)
        try:
            marking = self._id_format.marking(schema_id, guid, is_key=is_key)
        except FrameError as exc:
            raise SchemaError(f"schema id {schema_id} of subject {subject!r}: {exc}") from None
        return _Binding(subject, schema_id, marking.prefix, writer, marking.header, expires)

    def _subject(self, topic: str, is_key: bool, record_name: str | None) -> str:
        try:
            subject = self._strategy(topic, is_key, record_name)
        except SerdeError:
            raise
        except Exception as exc:  # a user's strategy: never let its TypeError reach the client
            raise ConfigError(
                f"the subject name strategy failed for topic {topic!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(subject, str) or not subject:
            raise ConfigError(
                f"the subject name strategy returned {subject!r:.60} for topic {topic!r}, "
                "not a subject name"
            )
        return subject

    def _writer_for_id(self, schema_id: int, schema: Any = None) -> Writer:
        writer = self._writers_by_id.get(schema_id)
        if writer is None:
            parsed = (
                schema_by_id(self._registry, schema_id)
                if schema is None
                else parse_with(self._registry, schema)
            )
            writer = self._writers_by_id[schema_id] = Writer(
                parsed, validate=self._validate, ignore_unknown_fields=self._ignore_unknown
            )
        return writer

    def _guid(self, subject: str, schema_id: int) -> str:
        """The GUID of ``schema_id``, for the GUID id formats (looked up once per binding)."""
        schema = self._writer.schema.registry_schema if self._writer else None
        if schema is None:
            raise SchemaError(f"no GUID known for schema id {schema_id}")
        with registry_call(f"looking up the GUID of schema id {schema_id}", schema_id=schema_id):
            guid = self._registry.lookup_schema(subject, schema, self._normalize).guid
        if not guid:
            raise SchemaError(
                f"the registry gives no GUID for schema id {schema_id}: "
                "use id_format='id' with this registry"
            )
        return guid
