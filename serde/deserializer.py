"""AvroDeserializer: wire-format frame -> value.

Per message: unpack the frame, one dict lookup keyed by the 4 id bytes (or the GUID), decode.
The first frame with a new schema id fetches the writer schema once (concurrent first frames share
that one registry call), parses it, pairs it with the reader schema once, and keeps the result.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from avroframe.registry.cache import Cache
from avroframe.registry.protocol import SerdeRegistry

from . import frame
from .batch import JoinedReads, at_index, decode
from .codec import Reader
from .context import SerializationContext
from .errors import ConfigError, DecodeError, FrameError, SerdeError
from .limits import DecodeLimits
from .lookup import parse_with, schema_by_guid, schema_by_id
from .schema import ParsedSchema, SchemaLike

FromDict = Callable[[Any, SerializationContext], Any]


class AvroDeserializer:
    """Deserializes Confluent wire-format frames (id prefix, GUID prefix or header).

    Args:
        registry: any schema registry client (``registry.connect(...)``).
        reader_schema: decode into this schema (schema evolution); by default the writer's.
        from_dict: ``(dict, ctx) -> obj`` to build your own objects, or a dataclass type.
        limits: decode bounds against hostile input (frame size, items, nesting depth).
        cache_capacity: how many schema ids to keep decoders for.
    """

    def __init__(
        self,
        registry: SerdeRegistry,
        reader_schema: SchemaLike | None = None,
        *,
        from_dict: FromDict | type | None = None,
        limits: DecodeLimits | None = None,
        cache_capacity: int = 1000,
    ) -> None:
        if cache_capacity < 1:
            raise ConfigError("cache_capacity must be at least 1")
        if from_dict is not None and not callable(from_dict):
            raise ConfigError("from_dict must be callable or a dataclass type")
        self._registry = registry
        self._limits = limits or DecodeLimits()
        self._reader_schema: ParsedSchema | None = (
            parse_with(registry, reader_schema) if reader_schema is not None else None
        )
        if isinstance(from_dict, type) and dataclasses.is_dataclass(from_dict):
            cls = from_dict
            from_dict = lambda value, ctx: cls(**value)  # noqa: E731
        self._from_dict: FromDict | None = from_dict  # type: ignore[assignment]
        self._capacity = cache_capacity
        self._by_prefix: dict[bytes, Callable[[bytes], Any]] = {}
        self._by_guid: dict[bytes, Reader] = {}
        self._loads: Cache[Any, Reader] = Cache(maxsize=cache_capacity)
        self._joined = JoinedReads(cache_capacity)  # deserialize_many's joined reads
        self._lock = threading.Lock()
        # The prefix and decoder of the last classic frame seen (at first: the general path).
        self._last: tuple[bytes, Callable[[bytes], Any]] = (b"\x00", self._decode_classic)

    def __repr__(self) -> str:
        reader = (
            self._reader_schema.name or self._reader_schema.type if self._reader_schema else None
        )
        return f"AvroDeserializer(reader_schema={reader!r}, registry={self._registry!r})"

    def __call__(
        self,
        data: bytes | None,
        topic: str | None = None,
        is_key: bool = False,
        headers: Any = None,
    ) -> Any:
        """Same as :meth:`deserialize`."""
        return self.deserialize(data, topic, is_key, headers)

    def deserialize(
        self,
        data: bytes | None,
        topic: str | None = None,
        is_key: bool = False,
        headers: Any = None,
    ) -> Any:
        """Decode a frame (``None`` stays ``None``: a tombstone).

        The schema-id header (``__key_schema_id`` / ``__value_schema_id``) wins over the prefix.
        """
        # Fast path: a classic frame with the same schema id as the previous one (and no
        # schema-id header; other headers, e.g. for tracing, do not leave the fast path).
        last_prefix, last_read = self._last
        if (
            type(data) is bytes
            and data.startswith(last_prefix)
            and (not headers or frame.find_header(headers, frame.header_name(is_key)) is None)
        ):
            value = last_read(data)
        else:
            if data is None:
                return None
            value = self._decode_other(data, is_key, headers)
        if self._from_dict is not None:
            value = self._convert(value, topic, is_key, headers)
        return value

    def deserialize_many(
        self, frames: Iterable[Any], topic: str | None = None, *, is_key: bool = False
    ) -> list[Any]:
        """Decode many frames: the values :meth:`deserialize` gives for each, in order.

        Frames of one schema id are read together (see :mod:`.batch`), which is faster than a
        call per frame. The first frame that cannot be decoded raises its error, naming its
        position: ``error.index`` and ``[index]`` at the start of the message.
        """
        if isinstance(frames, (bytes, bytearray, memoryview, str)):
            raise ConfigError(
                f"frames must be a sequence of frames, not one {type(frames).__name__}"
            )
        if not isinstance(frames, Sequence):
            frames = list(frames)
        values, errors = decode(self, frames, is_key, [topic] * len(frames), None)
        if errors:
            index = min(errors)
            error = errors[index]
            raise at_index(error, index) from error.__cause__
        return values

    def _decode_classic(self, data: bytes) -> Any:
        return self._decode_other(data, False, None)

    def _decode_other(self, data: Any, is_key: bool, headers: Any) -> Any:
        if type(data) is not bytes:
            data = _as_bytes(data)
        if headers and frame.find_header(headers, frame.header_name(is_key)) is not None:
            unpacked = frame.unpack(data, headers, is_key=is_key)
            return self._reader_for(unpacked.ref).read(data, unpacked.body_offset)
        if len(data) >= 5 and data[0] == 0:
            prefix = data[:5]
            read = self._by_prefix.get(prefix)
            if read is None:
                read = self._reader_for_id(int.from_bytes(prefix[1:], "big"), prefix).read_prefixed
            self._last = (prefix, read)  # one tuple, so threads never pair a prefix and reader
            return read(data)
        unpacked = frame.unpack(data)
        return self._reader_for(unpacked.ref).read(data, unpacked.body_offset)

    def _convert(self, value: Any, topic: str | None, is_key: bool, headers: Any) -> Any:
        assert self._from_dict is not None
        try:
            return self._from_dict(value, SerializationContext(topic, is_key, headers))
        except SerdeError:
            raise
        except Exception as exc:  # a user hook: surface it as a decode failure (policy applies)
            raise DecodeError(f"from_dict failed: {type(exc).__name__}: {exc}") from exc

    def warm_up(self, *schema_ids: int | frame.SchemaRef) -> None:
        """Fetch and prepare the decoders for these schema ids (or ``SchemaRef``s) now."""
        for schema_id in schema_ids:
            if isinstance(schema_id, frame.SchemaRef):
                self._reader_for(schema_id)
            else:
                self._reader_for_id(schema_id, frame.schema_id_prefix(schema_id))

    def missing_schema(
        self, data: Any, is_key: bool = False, headers: Any = None
    ) -> frame.SchemaRef | None:
        """The schema ``data`` names when decoding it would first fetch that schema, else None.

        None also for tombstones and for bytes that are no frame (decoding them raises without
        a registry call). Lets asyncio callers fetch (``warm_up(ref)``) off the event loop.
        """
        if data is None:
            return None
        try:
            if type(data) is not bytes:
                data = _as_bytes(data)
            if headers and frame.find_header(headers, frame.header_name(is_key)) is not None:
                ref = frame.unpack(data, headers, is_key=is_key).ref
            elif len(data) >= 5 and data[0] == 0:
                if data[:5] in self._by_prefix:
                    return None
                ref = frame.SchemaRef(schema_id=int.from_bytes(data[1:5], "big"))
            else:
                ref = frame.unpack(data).ref
        except SerdeError:
            return None
        if ref.guid is None:
            return None if self._loads.get(("id", ref.schema_id)) is not None else ref
        if ref.guid.bytes in self._by_guid:
            return None
        return None if self._loads.get(("guid", ref.guid.bytes)) is not None else ref

    def _reader_for(self, ref: frame.SchemaRef) -> Reader:
        if ref.guid is None:
            assert ref.schema_id is not None
            prefix = frame.schema_id_prefix(ref.schema_id)
            return self._reader_for_id(ref.schema_id, prefix)
        guid_key = ref.guid.bytes
        reader = self._by_guid.get(guid_key)
        if reader is None:
            guid = str(ref.guid)
            reader = self._loads.get_or_load(
                ("guid", guid_key),
                lambda: self._new_reader(schema_by_guid(self._registry, guid), guid),
            )
            self._remember(self._by_guid, guid_key, reader)
        return reader

    def _reader_for_id(self, schema_id: int, key: bytes) -> Reader:
        reader = self._loads.get_or_load(
            ("id", schema_id),
            lambda: self._new_reader(schema_by_id(self._registry, schema_id), schema_id),
        )
        self._remember(self._by_prefix, key, reader.read_prefixed)
        return reader

    def _new_reader(self, writer: ParsedSchema, schema_id: int | str) -> Reader:
        # Kept per schema id: without the decoded JSON and the model, which decoding never uses.
        return Reader(
            writer.lean(), self._reader_schema, schema_id=schema_id, limits=self._limits
        )

    def _remember(self, table: dict[bytes, Any], key: bytes, reader: Any) -> None:
        with self._lock:
            if len(table) >= self._capacity and key not in table:
                table.pop(next(iter(table)))
            table[key] = reader


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise FrameError(f"a frame must be bytes, not {type(data).__name__}")
