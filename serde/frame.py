"""The wire-format frame: pack and unpack the header that carries a schema's id.

Three forms exist (see Confluent's wire format):

* classic prefix: magic ``0x00`` + 4-byte big-endian schema id + body (the default);
* GUID prefix: magic ``0x01`` + 16-byte schema GUID + body;
* header: the body alone, with ``0x01`` + GUID in a ``__key_schema_id`` /
  ``__value_schema_id`` Kafka header.

No Avro here: the body is opaque bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Union

from .errors import FrameError

MAGIC_ID: Final = 0
MAGIC_GUID: Final = 1
ID_PREFIX_SIZE: Final = 5
GUID_PREFIX_SIZE: Final = 17
MAX_SCHEMA_ID: Final = 2**31 - 1
KEY_SCHEMA_ID_HEADER: Final = "__key_schema_id"
VALUE_SCHEMA_ID_HEADER: Final = "__value_schema_id"

Headers = Union[MutableMapping[str, Any], list[tuple[str, Any]], Iterable[tuple[str, Any]], None]
"""Kafka headers as the clients give them: a list of ``(key, value)`` pairs, a dict, or None."""


@dataclass(frozen=True, slots=True)
class SchemaRef:
    """Where a frame says its writer schema is: a numeric id or a GUID."""

    schema_id: int | None = None
    guid: uuid.UUID | None = None

    def __str__(self) -> str:
        return f"schema id {self.schema_id}" if self.guid is None else f"schema GUID {self.guid}"


@dataclass(frozen=True, slots=True)
class Frame:
    """An unpacked frame: where its schema is, and where its body starts in ``data``."""

    ref: SchemaRef
    data: bytes
    body_offset: int
    source: Literal["prefix", "header"]

    @property
    def body(self) -> bytes:
        """The Avro body (a copy)."""
        return self.data[self.body_offset :]


def schema_id_prefix(schema_id: int) -> bytes:
    """Return the 5-byte classic prefix for ``schema_id``."""
    if not isinstance(schema_id, int) or isinstance(schema_id, bool):
        raise FrameError(f"schema id must be an int, not {type(schema_id).__name__}")
    if not 0 <= schema_id <= MAX_SCHEMA_ID:
        raise FrameError(f"schema id {schema_id} is outside 0..{MAX_SCHEMA_ID}")
    return bytes((MAGIC_ID,)) + schema_id.to_bytes(4, "big")


def guid_prefix(guid: uuid.UUID) -> bytes:
    """Return the 17-byte GUID prefix (also the value of a schema-id header)."""
    return bytes((MAGIC_GUID,)) + guid.bytes


def parse_guid(guid: str) -> uuid.UUID:
    """``guid`` as a UUID; raises :class:`FrameError` when it is not one."""
    try:
        return uuid.UUID(guid)
    except (ValueError, TypeError, AttributeError):
        raise FrameError(f"schema GUID {guid!r:.60} is not a UUID") from None


def pack(schema_id: int, body: bytes) -> bytes:
    """Return a classic frame: magic 0, ``schema_id`` big-endian, ``body``."""
    return schema_id_prefix(schema_id) + body


def header_name(is_key: bool) -> str:
    """The Kafka header that carries a key's or a value's schema GUID."""
    return KEY_SCHEMA_ID_HEADER if is_key else VALUE_SCHEMA_ID_HEADER


def find_header(headers: Headers, name: str) -> bytes | None:
    """Return the last value of header ``name`` (Java's rule when a header repeats), or None.

    Headers that are not ``(key, value)`` pairs are skipped; a schema-id header whose value is
    not bytes (or text) raises :class:`FrameError`.
    """
    if not headers:
        return None
    value: Any = None
    if isinstance(headers, Mapping):
        value = headers.get(name)
    else:
        try:
            for item in headers:
                if isinstance(item, (tuple, list)) and len(item) == 2 and item[0] == name:
                    value = item[1]
        except TypeError:
            raise FrameError(f"headers must be (key, value) pairs, not {headers!r:.60}") from None
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("latin-1", "replace")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise FrameError(f"header {name!r} holds {type(value).__name__}, not bytes")


def add_header(headers: Headers, name: str, value: bytes) -> None:
    """Set header ``name`` (replacing any earlier one) on a mutable headers list or dict."""
    if isinstance(headers, MutableMapping):
        headers[name] = value
    elif isinstance(headers, list):
        # Replace an earlier value, so a headers list reused across sends does not pile up.
        headers[:] = [item for item in headers if item[0] != name]
        headers.append((name, value))
    else:
        raise FrameError(
            "the header id format needs a mutable headers list or dict to write "
            f"{name!r} into; got {type(headers).__name__}"
        )


def _parse_guid_header(value: bytes, name: str) -> SchemaRef:
    if len(value) == GUID_PREFIX_SIZE and value[0] == MAGIC_GUID:
        return SchemaRef(guid=uuid.UUID(bytes=value[1:]))
    if len(value) == ID_PREFIX_SIZE and value[0] == MAGIC_ID:
        return SchemaRef(schema_id=int.from_bytes(value[1:], "big"))
    raise FrameError(
        f"header {name!r} holds {len(value)} bytes starting with "
        f"{value[:1].hex() or 'nothing'}; expected 0x01 + 16-byte GUID or 0x00 + 4-byte id"
    )


def unpack(data: bytes, headers: Headers = None, *, is_key: bool = False) -> Frame:
    """Unpack a frame, looking at the schema-id header first and the prefix second.

    Raises :class:`FrameError` naming what is wrong with the bytes.
    """
    if headers:
        name = header_name(is_key)
        value = find_header(headers, name)
        if value is not None:
            return Frame(_parse_guid_header(value, name), data, 0, "header")
    size = len(data)
    if size == 0:
        raise FrameError("empty payload: a frame has at least a magic byte and a schema id")
    magic = data[0]
    if magic == MAGIC_ID:
        if size < ID_PREFIX_SIZE:
            raise FrameError(f"frame of {size} bytes is shorter than the 5-byte header")
        return Frame(SchemaRef(schema_id=int.from_bytes(data[1:5], "big")), data, 5, "prefix")
    if magic == MAGIC_GUID:
        if size < GUID_PREFIX_SIZE:
            raise FrameError(f"frame of {size} bytes is shorter than the 17-byte GUID header")
        return Frame(SchemaRef(guid=uuid.UUID(bytes=data[1:17])), data, 17, "prefix")
    raise FrameError(f"unknown magic byte 0x{magic:02x}: expected 0x00 (schema id) or 0x01 (GUID)")


@dataclass(frozen=True, slots=True)
class Marking:
    """How one (subject, key-or-value) pair marks its frames: a prefix, and maybe a header."""

    prefix: bytes
    header: tuple[str, bytes] | None = None


class IdFormat:
    """How a serializer marks a frame with its schema: one object per wire form.

    :data:`SCHEMA_ID` (magic 0 + 4-byte id, the default), :data:`GUID_PREFIX` (magic 1 + GUID)
    and :data:`GUID_HEADER` (the body alone, the GUID in a ``__key_schema_id`` /
    ``__value_schema_id`` header). Serializers take one of them or its name
    (``"id"``, ``"guid"``, ``"header"``).
    """

    __slots__ = ("name", "needs_guid")

    def __init__(self, name: str, *, needs_guid: bool) -> None:
        self.name = name
        self.needs_guid = needs_guid
        """True when the format writes the schema's GUID (the registry must give one)."""

    def __repr__(self) -> str:
        return f"IdFormat({self.name!r})"

    def marking(self, schema_id: int, guid: str | None, *, is_key: bool) -> Marking:
        """The marking of frames written with ``schema_id`` (and ``guid`` when it needs one)."""
        if not self.needs_guid:
            return Marking(schema_id_prefix(schema_id))
        if not guid:
            raise FrameError(f"the {self.name!r} id format needs a schema GUID; none was given")
        marker = guid_prefix(parse_guid(guid))
        if self is GUID_HEADER:
            return Marking(b"", (header_name(is_key), marker))
        return Marking(marker)


SCHEMA_ID: Final = IdFormat("id", needs_guid=False)
GUID_PREFIX: Final = IdFormat("guid", needs_guid=True)
GUID_HEADER: Final = IdFormat("header", needs_guid=True)
ID_FORMATS: Final = {fmt.name: fmt for fmt in (SCHEMA_ID, GUID_PREFIX, GUID_HEADER)}
"""The id formats by name."""

IdFormatLike = Union[IdFormat, Literal["id", "guid", "header"]]
"""An :class:`IdFormat` or its name."""


def id_format(value: IdFormatLike) -> IdFormat:
    """The :class:`IdFormat` named or given by ``value``; :class:`FrameError` when unknown."""
    if isinstance(value, IdFormat):
        return value
    found = ID_FORMATS.get(value) if isinstance(value, str) else None
    if found is None:
        raise FrameError(f"id_format must be 'id', 'guid' or 'header', not {value!r:.60}")
    return found
