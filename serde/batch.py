"""Batches: many values or frames through few calls, with the results of one call per record.

Encoding writes every value of a batch with the checks and fastavro's writer into one sink
(:func:`.codec.write_many`), saving a buffer per value. Decoding joins the bodies of the frames
that share a writer schema under one Avro array and reads them with one fastavro call, which
saves fastavro's set-up per record.

A joined read must never shift records: if a body ended before (or after) its frame's end,
every later record would be read from the wrong bytes. So each body is followed by a marker,
8 random bytes drawn for that read and never written anywhere else, then the next frame's
5-byte prefix, read back as an extra 13-byte field of the record (or of a wrapper record
around a primitive); every marker must come back exactly, and the read must end at the last
byte. A body that does not end at its frame's end makes fastavro read the marker from other
bytes, which match 8 unpredictable bytes with a chance of 2**-64; the prefix in the marker
also proves that every frame carries the batch's schema id. Whatever is unusual (a failed or
unproven read, a frame the decode-limit guard must walk, a reader schema, a raw bytes schema,
a top-level union, enum, array, map or fixed, an id in a header, a GUID prefix) is decoded
alone, by the per-record path, which also gives each bad frame its own error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from . import frame
from .codec import PlainForm, Reader, Writer, plain_form, read_joined, write_many
from .errors import SerdeError

if TYPE_CHECKING:
    from .deserializer import AvroDeserializer

_END = "-end"  # the marker's field: not an Avro name, so never a field of the schema
_VALUE = "value"
_PRIMITIVES = frozenset(
    ("null", "boolean", "int", "long", "float", "double", "bytes", "string")
)


def at_index(error: SerdeError, index: int) -> SerdeError:
    """A copy of ``error`` (same class, same attributes) naming its place in a batch."""
    copy: SerdeError = Exception.__new__(type(error))
    copy.__dict__.update(error.__dict__)
    message = f"[{index}] {error.message}"
    copy.args = (message,)
    copy.message = message
    copy.index = index
    copy.__traceback__ = error.__traceback__
    return copy


def encode(
    writer: Writer, prefix: bytes, values: Sequence[Any], positions: Sequence[int] | None = None
) -> list[bytes]:
    """The frames of ``values`` (``writer.write`` of each); a value that cannot be written
    raises its error through :func:`at_index` with its position (``positions[i]`` or ``i``)."""
    out: list[bytes] = []
    count = len(values)
    index = 0
    while True:
        index = write_many(writer, prefix, values, index, out)
        if index >= count:
            return out
        try:
            out.append(writer.write(prefix, values[index]))
        except SerdeError as exc:
            where = positions[index] if positions is not None else index
            raise at_index(exc, where) from exc.__cause__
        index += 1


class _Joined:
    """The array schema of one reader's joined bodies, and how to take a value out of an item."""

    __slots__ = ("extends", "finish", "max_body", "max_frame", "schema")

    def __init__(self, form: PlainForm, schema: Any, extends: bool) -> None:
        self.schema = schema
        self.extends = extends  # the record itself carries the marker; else a wrapper does
        self.finish = form.finish
        self.max_body = form.max_body
        self.max_frame = form.max_frame


def _joined(form: PlainForm | None) -> _Joined | None:
    """The joined form of a reader, or None when its top-level type is not one we join."""
    if form is None:
        return None
    top = form.schema
    marker = {"name": _END, "type": {"type": "fixed", "name": "avroframe.batch.End", "size": 13}}
    if isinstance(top, dict) and top.get("type") in ("record", "error"):
        item = {key: value for key, value in top.items() if not key.startswith("__")}
        item["fields"] = [*top["fields"], marker]
        named = top.get("__named_schemas", {})
        extends = True
    elif isinstance(top, str) and top in _PRIMITIVES:
        item = {
            "type": "record",
            "name": "avroframe.batch.Item",
            "fields": [{"name": _VALUE, "type": top}, marker],
        }
        named, extends = {}, False
    else:
        return None
    schema = {"type": "array", "items": item, "__fastavro_parsed": True, "__named_schemas": named}
    return _Joined(form, schema, extends)


def _marker() -> bytes:
    """8 random bytes: what follows every body of one joined read (then the next prefix)."""
    return os.urandom(8)


def _count(count: int) -> bytes:
    """An Avro long (zig-zag varint) for a non-negative count."""
    number = count << 1
    out = bytearray()
    while number > 0x7F:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


class JoinedReads:
    """Joined reads of frames, with the joined form of each reader kept while it is used."""

    __slots__ = ("_capacity", "_forms", "readers")

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._forms: dict[int, tuple[Reader, _Joined | None]] = {}
        self.readers: dict[bytes, Reader] = {}
        """The reader of each classic prefix a batch has seen."""

    def remember(self, prefix: bytes, reader: Reader) -> None:
        """Keep ``reader`` as the one for frames starting with ``prefix``."""
        if len(self.readers) >= self._capacity and prefix not in self.readers:
            self.readers.clear()
        self.readers[prefix] = reader

    def _form(self, reader: Reader) -> _Joined | None:
        entry = self._forms.get(id(reader))
        if entry is not None and entry[0] is reader:
            return entry[1]
        joined = _joined(plain_form(reader))
        if len(self._forms) >= self._capacity:
            self._forms.clear()
        self._forms[id(reader)] = (reader, joined)  # the reader is kept: its id is not reused
        return joined

    def read(
        self, reader: Reader, frames: list[bytes], prefix: bytes
    ) -> tuple[list[Any], bool] | None:
        """(values, all read) of ``frames`` (classic frames starting with ``prefix``), one joined
        read per chunk; None when nothing was read jointly. A frame left to the per-record path
        (a body the guard must walk, an oversized frame, a chunk not proven) is :data:`ALONE`
        (then "all read" is False)."""
        joined = self._form(reader)
        if joined is None:
            return None
        limit = min(joined.max_frame, 5 + joined.max_body)
        if max(map(len, frames)) <= limit and (
            joined.max_body >= joined.max_frame
            or sum(map(len, frames)) - 5 * len(frames) <= joined.max_body
        ):
            read = _read_chunk(joined, frames, prefix)
            return None if read is None else (read, True)
        # Alone: frames over the limit. Jointly: chunks no longer than one body may be, so that
        # even a misread stays within the decode limits.
        values: list[Any] = [ALONE] * len(frames)
        chunk: list[int] = []
        size = 0
        for index, length in enumerate(map(len, frames)):
            if length > limit:
                continue
            if chunk and size + length - 5 > joined.max_body:
                _place(values, chunk, _read_chunk(joined, [frames[i] for i in chunk], prefix))
                chunk, size = [], 0
            chunk.append(index)
            size += length - 5
        if chunk:
            _place(values, chunk, _read_chunk(joined, [frames[i] for i in chunk], prefix))
        return values, False


class _Alone:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ALONE"


ALONE: Any = _Alone()
"""Stands for a value that the joined read left to the per-record path."""


def _place(values: list[Any], where: list[int], chunk: list[Any] | None) -> None:
    if chunk is not None:
        for index, value in zip(where, chunk, strict=True):
            values[index] = value


def _read_chunk(joined: _Joined, frames: list[bytes], prefix: bytes) -> list[Any] | None:
    """One joined read of ``frames``, which start with the 5-byte ``prefix`` (the first one is
    checked; each later one's prefix is read back with the marker before it)."""
    count = len(frames)
    if frames[0][:5] != prefix:  # bytes, or another bytes-like frame
        return None
    raw = _marker()
    end = raw + prefix
    # frames[0] without its prefix, then marker + frame for the others: no slice per frame.
    whole = raw.join(frames)
    data = b"".join((_count(count), memoryview(whole)[5:], end, b"\x00"))
    items = read_joined(joined.schema, data)
    if items is None or len(items) != count:
        return None
    if joined.extends:
        marks = list(map(dict.pop, items, repeat(_END, count)))
        values = items
    else:
        marks = list(map(itemgetter(_END), items))
        values = list(map(itemgetter(_VALUE), items))
    if marks.count(end) != count:
        return None
    finish = joined.finish
    if finish is not None:
        try:
            values = list(map(finish, values))
        except Exception:  # each frame alone, so that the bad one gets its own error
            return None
    return values


def decode(
    deserializer: AvroDeserializer,
    frames: Sequence[Any],
    is_key: bool,
    topics: Sequence[str | None],
    headers: Sequence[Any] | None,
) -> tuple[list[Any], dict[int, SerdeError]]:
    """(values, errors by index) of ``frames``, as ``deserializer.deserialize`` gives them one
    by one (with ``topics[i]`` and ``headers[i]``); a failed frame's value is None."""
    de = deserializer
    errors: dict[int, SerdeError] = {}
    frames = frames if type(frames) is list else list(frames)
    values, tried = _uniform(de, frames, headers, errors)
    if values is None:
        values = _grouped(de, frames, is_key, headers, errors, tried)
    if de._from_dict is not None:
        for index, data in enumerate(frames):
            if data is None or index in errors:
                continue
            try:
                values[index] = de._convert(
                    values[index], topics[index], is_key, headers[index] if headers else None
                )
            except SerdeError as exc:
                errors[index] = exc
    return values, errors


def _uniform(
    de: AvroDeserializer,
    frames: list[Any],
    headers: Sequence[Any] | None,
    errors: dict[int, SerdeError],
) -> tuple[list[Any] | None, bytes]:
    """The common batch: classic frames of one known schema id, no id headers, read jointly.
    Returns (values or None, the prefix whose joined read of every frame failed)."""
    first = frames[0] if frames else None
    if type(first) is not bytes or len(first) < 5 or first[0] != 0 or (headers and any(headers)):
        return None, b""
    prefix = first[:5]
    reader = de._joined.readers.get(prefix)
    if reader is None:
        return None, b""
    try:
        read = de._joined.read(reader, frames, prefix)
    except TypeError:  # not all bytes-like
        return None, b""
    if read is None:
        return None, prefix
    values, complete = read
    if not complete:
        for index, value in enumerate(values):
            if value is ALONE:
                values[index] = _alone(reader, frames[index], index, errors)
    return values, b""


def _alone(reader: Reader, data: bytes, index: int, errors: dict[int, SerdeError]) -> Any:
    try:
        return reader.read_prefixed(data)
    except SerdeError as exc:
        errors[index] = exc
        return None


def _grouped(
    de: AvroDeserializer,
    frames: list[Any],
    is_key: bool,
    headers: Sequence[Any] | None,
    errors: dict[int, SerdeError],
    tried: bytes,
) -> list[Any]:
    """Any batch: classic frames grouped by schema id and read jointly per group, the rest
    (and what a joined read leaves) one by one. A group of every frame whose joined read was
    ``tried`` already is read one by one."""
    values: list[Any] = [None] * len(frames)
    groups: dict[bytes, list[int]] = {}
    name = frame.header_name(is_key)
    for index, data in enumerate(frames):
        if data is None:
            continue
        try:
            here = headers[index] if headers else None
            if (
                type(data) is bytes
                and len(data) >= 5
                and data[0] == 0
                and (not here or frame.find_header(here, name) is None)
            ):
                groups.setdefault(data[:5], []).append(index)
            else:
                values[index] = de._decode_other(data, is_key, here)
        except SerdeError as exc:
            errors[index] = exc
    for prefix, where in groups.items():
        try:
            reader = de._reader_for_id(int.from_bytes(prefix[1:], "big"), prefix)
        except SerdeError as exc:
            for index in where:
                errors[index] = exc
            continue
        de._joined.remember(prefix, reader)
        read = None
        if not (prefix == tried and len(where) == len(frames)):
            read = de._joined.read(reader, [frames[index] for index in where], prefix)
        for position, index in enumerate(where):
            value = ALONE if read is None else read[0][position]
            values[index] = (
                _alone(reader, frames[index], index, errors) if value is ALONE else value
            )
    return values
