"""Frames to JSON text and JSON text to values, in plain JSON or Avro's JSON encoding."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from avroframe.registry.protocol import SerdeRegistry
from avroframe.serde import frame
from avroframe.serde.deserializer import AvroDeserializer
from avroframe.serde.errors import DecodeError, SerdeError
from avroframe.serde.lookup import parse_with
from avroframe.serde.schema import ParsedSchema

from .avrojson import AvroJsonReader, AvroJsonWriter, PlainRegistry
from .jsonvalue import from_json, to_json

JsonEncoding = Literal["plain", "avro"]
JSON_ENCODINGS = ("plain", "avro")


def schema_id_of(data: bytes, headers: Any = None, *, is_key: bool = False) -> int | str | None:
    """The schema id (or GUID text) a frame names, ``None`` when it names none."""
    if not headers and len(data) >= 5 and data[0] == 0:
        return int.from_bytes(data[1:5], "big")
    try:
        ref = frame.unpack(data, headers, is_key=is_key).ref
    except SerdeError:
        return None
    return ref.schema_id if ref.guid is None else str(ref.guid)


class FrameDecoder:
    """Decodes frames of one side (key or value) to one line of JSON each.

    ``decode(data, headers)`` gives the line (``null`` for a tombstone); it is a closure picked
    once per encoding, as it runs for every message.
    """

    decode: Callable[[bytes | None, Any], str]
    decode_many: Callable[[list[bytes | None]], list[str]] | None = None
    """Lines for many frames without headers at once (the batch path), where the encoding has
    one; raises the first frame's error like ``decode`` would."""

    def __init__(
        self,
        registry: SerdeRegistry,
        encoding: JsonEncoding = "plain",
        reader_schema: str | None = None,
        *,
        is_key: bool = False,
    ) -> None:
        if encoding != "avro":
            de = AvroDeserializer(registry, reader_schema)
            self.decode = _plain_decoder(de, is_key)
            self.decode_many = _plain_batch_decoder(de, is_key)
        elif reader_schema is None:
            self.decode = _avro_decoder(PlainRegistry(registry), is_key)
        else:
            # With a reader schema, union branches cannot be wrapped (resolution matches
            # branches by type): values are read without logical types, branches chosen by type.
            reader = parse_with(registry, reader_schema)
            de = AvroDeserializer(registry, json.dumps(_without_logical(reader.parsed)))
            dumps = AvroJsonWriter(reader, wrapped=False).dumps
            deserialize = de.deserialize

            def decode(data: bytes | None, headers: Any = None) -> str:
                if data is None:
                    return "null"
                return dumps(deserialize(data, None, is_key, headers))

            self.decode = decode


def _plain_decoder(de: AvroDeserializer, is_key: bool) -> Callable[[bytes | None, Any], str]:
    deserialize = de.deserialize

    def decode(data: bytes | None, headers: Any = None) -> str:
        if data is None:
            return "null"
        return to_json(deserialize(data, None, is_key, headers))

    return decode


def _plain_batch_decoder(
    de: AvroDeserializer, is_key: bool
) -> Callable[[list[bytes | None]], list[str]]:
    deserialize_many = de.deserialize_many

    def decode_many(frames: list[bytes | None]) -> list[str]:
        return [to_json(value) for value in deserialize_many(frames, is_key=is_key)]

    return decode_many


def _avro_decoder(plain: PlainRegistry, is_key: bool) -> Callable[[bytes | None, Any], str]:
    deserialize = AvroDeserializer(plain).deserialize  # type: ignore[arg-type]
    writers: dict[int | str, AvroJsonWriter] = {}

    def decode(data: bytes | None, headers: Any = None) -> str:
        if data is None:
            return "null"
        value = deserialize(data, None, is_key, headers)
        schema_id = schema_id_of(data, headers, is_key=is_key)
        if schema_id is None:  # not reached: the deserializer refuses such frames
            raise DecodeError("the frame names no schema")
        writer = writers.get(schema_id)
        if writer is None:
            writer = writers[schema_id] = AvroJsonWriter(plain.originals[schema_id], wrapped=True)
        return writer.dumps(value)

    return decode


def _without_logical(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_logical(n) for n in node]
    if isinstance(node, dict):
        return {k: _without_logical(v) for k, v in node.items()
                if k != "logicalType" and not k.startswith("__")}
    return node


class ValueParser:
    """Turns JSON (already decoded, floats as ``Decimal`` for Avro's encoding) into values."""

    def __init__(self, schema: ParsedSchema, encoding: JsonEncoding = "plain") -> None:
        self._schema = schema
        self._avro = AvroJsonReader(schema) if encoding == "avro" else None

    def convert(self, document: Any) -> Any:
        """The value the serializer takes for ``document``."""
        if self._avro is not None:
            return self._avro.convert(document)
        return from_json(self._schema, document)


def load_json(text: str, encoding: JsonEncoding) -> Any:
    """Decode one JSON text; Avro's encoding keeps floats exact as ``Decimal``."""
    if encoding == "avro":
        import decimal

        return json.loads(text, parse_float=decimal.Decimal)
    return json.loads(text)


__all__ = [
    "JSON_ENCODINGS",
    "FrameDecoder",
    "JsonEncoding",
    "ValueParser",
    "load_json",
    "schema_id_of",
]
