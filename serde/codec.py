"""The only module that calls fastavro's reader and writer, and the only place that translates
their exceptions into :class:`EncodeError` / :class:`DecodeError`.

A :class:`Writer` or :class:`Reader` is built once per schema (or per writer/reader pair) and then
called per message with nothing left to look up. fastavro gets the schema as
:mod:`.conversions` plans it (our logical types converted around it, its global tables untouched).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any, NamedTuple

from fastavro import schemaless_reader, schemaless_writer
from fastavro._schema_common import SchemaParseException, UnknownType
from fastavro.validation import ValidationError

from .conversions import compile_read, compile_write
from .errors import DecodeError, DecodeLimitError, EncodeError
from .explain import explain, mismatch
from .limits import DecodeLimits, compile_guard
from .resolution import ResolutionError, Transform, Unsupported, compile_resolution
from .schema import ParsedSchema
from .validate import compile_check

_WRITE_ERRORS = (
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    OverflowError,
    struct.error,
    ValidationError,
    UnknownType,
)
_POST_ERRORS = (ValueError, KeyError, TypeError, AttributeError, OverflowError)
_READ_ERRORS = (
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    AttributeError,
    MemoryError,
    RecursionError,
    struct.error,
    SchemaParseException,
    UnknownType,
)


class Writer:
    """Encodes values of one schema; checks each value first unless ``validate`` is False."""

    __slots__ = (
        "_check",
        "_ignore_unknown",
        "_last",
        "_parsed",
        "_plain",
        "_prepare",
        "_raw_bytes",
        "schema",
    )

    def __init__(
        self, schema: ParsedSchema, *, validate: bool = True, ignore_unknown_fields: bool = False
    ) -> None:
        self.schema = schema
        self._parsed = schema.parsed
        self._raw_bytes = schema.is_raw_bytes
        self._ignore_unknown = ignore_unknown_fields
        self._check, self._plain, self._prepare = _compiled_write(
            schema, bool(validate), bool(ignore_unknown_fields)
        )
        self._last: tuple[bytes | None, Callable[[Any], bytes]] = (None, self._unbound)

    def write(self, prefix: bytes, value: Any) -> bytes:
        """Return ``prefix`` followed by the Avro body of ``value``."""
        last_prefix, encode = self._last
        if last_prefix != prefix:
            encode = self.encoder(prefix)
            self._last = (prefix, encode)  # one tuple: threads never pair a prefix wrongly
        return encode(value)

    def encoder(self, prefix: bytes) -> Callable[[Any], bytes]:
        """``write`` with ``prefix`` bound, as one closure over locals: what a serializer calls
        per message."""
        if self._raw_bytes:
            return functools.partial(_write_raw, prefix)
        check, plain, prepare = self._check, self._plain, self._prepare
        writer = schemaless_writer

        def encode(value: Any) -> bytes:
            if check is not None:
                try:
                    valid = check(value)
                except Exception:  # a user's Mapping or sequence failing inside the check
                    valid = False
                if not valid:
                    raise self._explained(value)
            buffer = BytesIO()
            buffer.write(prefix)
            try:
                writer(buffer, plain, value if prepare is None else prepare(value))
            except _WRITE_ERRORS as exc:
                raise self._failed(value, exc) from exc
            return buffer.getvalue()

        return encode

    @staticmethod
    def _unbound(value: Any) -> bytes:  # pragma: no cover - never called: no prefix is None
        raise AssertionError("no prefix bound")

    def _explained(self, value: Any) -> EncodeError:
        return _explained(self._parsed, self.schema.named, value, self._ignore_unknown)

    def _failed(self, value: Any, exc: BaseException) -> EncodeError:
        # Checked, yet the writer failed (a string that is not UTF-8): find the path.
        located = None if self._check is None else _located(self, value)
        return located or EncodeError(
            f"$: cannot encode {type(value).__name__} with the schema: {_clip(exc)}",
            python_type=type(value).__name__,
            avro_type=self.schema.type,
        )


def _write_raw(prefix: bytes, value: Any) -> bytes:
    # Java's serializer writes a top-level byte[] as is, with no Avro length prefix.
    if isinstance(value, (bytes, bytearray, memoryview)):
        return prefix + bytes(value)
    raise EncodeError(
        f"$: a top-level bytes schema takes bytes, not {type(value).__name__}",
        python_type=type(value).__name__,
        avro_type="bytes",
    )


@functools.lru_cache(maxsize=256)  # keyed by the schema object: parse() caches those
def _compiled_write(
    schema: ParsedSchema, validate: bool, ignore_unknown_fields: bool
) -> tuple[Callable[[Any], bool] | None, Any, Callable[[Any], Any] | None]:
    """(value check, schema for fastavro, conversion before the write), compiled once."""
    check = (
        compile_check(schema.parsed, schema.named, ignore_unknown_fields=ignore_unknown_fields)
        if validate
        else None
    )
    plain, prepare = compile_write(schema.parsed, schema.named)
    return check, plain, prepare


def _located(writer: Writer, value: Any) -> EncodeError | None:
    try:
        return mismatch(writer.schema.parsed, writer.schema.named, value,
                        ignore_unknown_fields=writer._ignore_unknown)
    except Exception:  # a user's Mapping failing again: keep the writer's own error
        return None


def _explained(
    parsed: Any, named: dict[str, Any], value: Any, ignore_unknown_fields: bool
) -> EncodeError:
    try:
        return explain(parsed, named, value, ignore_unknown_fields=ignore_unknown_fields)
    except Exception as exc:
        return EncodeError(
            f"$: {type(value).__name__} does not match the schema ({type(exc).__name__}: {exc})",
            python_type=type(value).__name__,
        )


class Reader:
    """Decodes bodies written with one writer schema, optionally into a reader schema."""

    __slots__ = (
        "_finish",
        "_guard",
        "_max_frame",
        "_parsed",
        "_post",
        "_raw_bytes",
        "_tagged",
        "read_prefixed",
        "reader",
        "schema_id",
        "writer",
    )

    def __init__(
        self,
        writer: ParsedSchema,
        reader: ParsedSchema | None = None,
        *,
        schema_id: int | str | None = None,
        limits: DecodeLimits = DecodeLimits(),
    ) -> None:
        self.writer = writer
        self.reader = reader
        self.schema_id = schema_id
        self._raw_bytes = writer.is_raw_bytes
        self._max_frame = limits.max_frame_bytes
        self._guard = compile_guard(writer.parsed, writer.named, limits)
        self._post: Transform | None = None
        tagged = False
        if reader is not None and not _same_schema(writer, reader):
            self._post, tagged = _resolution(writer, reader)
        # Our logical types of the writer schema, then (if any) the resolution to the reader's.
        plan = compile_read(writer.parsed, writer.named, tagged=tagged)
        self._parsed, self._finish, self._tagged = plan

        self.read_prefixed: Callable[[bytes], Any] = self._compile_prefixed()
        """Decode a classic frame (body at offset 5): the per-message entry point."""

    def _compile_prefixed(self) -> Callable[[bytes], Any]:
        guard = self._guard
        always_guarded = guard is not None and guard.safe_body_bytes < 0
        if self._raw_bytes or always_guarded:
            return lambda data: self.read(data, 5)
        # The common case, as a closure over locals: nothing but fastavro per message (a frame
        # long enough to break a decode limit takes the guarded path), then our logical types
        # where the schema has them, then the resolution to the reader schema if there is one.
        parsed, max_frame, finish, post = self._parsed, self._max_frame, self._finish, self._post
        tagged = self._tagged
        if guard is not None:
            max_frame = min(max_frame, 5 + guard.safe_body_bytes)

        def read_prefixed(data: bytes) -> Any:
            if len(data) > max_frame:
                return self.read(data, 5)  # guarded, or raises DecodeLimitError
            stream = BytesIO(data)
            stream.seek(5)
            try:
                return schemaless_reader(stream, parsed)
            except _READ_ERRORS as exc:
                raise self._error(exc, stream, data) from exc

        if finish is None and post is None and not tagged:
            return read_prefixed
        if post is None and not tagged:
            assert finish is not None
            convert = finish

            def read_prefixed_converted(data: bytes) -> Any:
                if len(data) > max_frame:
                    return self.read(data, 5)  # guarded, or raises DecodeLimitError
                stream = BytesIO(data)
                stream.seek(5)
                try:
                    return convert(schemaless_reader(stream, parsed))
                except _READ_ERRORS as exc:
                    raise self._error(exc, stream, data) from exc

            return read_prefixed_converted
        if post is None:
            return lambda data: self.read(data, 5)
        resolve = post

        def read_prefixed_resolved(data: bytes) -> Any:
            if len(data) > max_frame:
                return self.read(data, 5)  # guarded, or raises DecodeLimitError
            stream = BytesIO(data)
            stream.seek(5)
            try:
                value = schemaless_reader(stream, parsed, return_named_type=tagged)
                if finish is not None:
                    value = finish(value)
            except _READ_ERRORS as exc:
                raise self._error(exc, stream, data) from exc
            try:
                return resolve(value)
            except _POST_ERRORS as exc:
                raise self._unresolved(exc) from exc

        return read_prefixed_resolved

    def _error(self, exc: BaseException, stream: BytesIO, data: bytes) -> DecodeError:
        position = stream.tell()
        return DecodeError(
            f"cannot decode body with writer schema {self.schema_id} "
            f"(stopped at byte {position} of {len(data)}): {_describe(exc)}",
            schema_id=self.schema_id,
            offset=position,
        )

    def read(self, data: bytes, offset: int) -> Any:
        """Decode the body that starts at ``offset`` in ``data``."""
        if len(data) > self._max_frame:
            raise DecodeLimitError(
                f"frame of {len(data)} bytes exceeds max_frame_bytes={self._max_frame}",
                schema_id=self.schema_id,
            )
        if self._raw_bytes:
            return data[offset:]
        guard = self._guard
        if guard is not None and len(data) - offset > guard.safe_body_bytes:
            try:
                guard(data, offset)
            except DecodeError as exc:
                exc.schema_id = self.schema_id
                raise
        stream = BytesIO(data)
        stream.seek(offset)
        try:
            value = schemaless_reader(stream, self._parsed, return_named_type=self._tagged)
            if self._finish is not None:
                value = self._finish(value)
        except _READ_ERRORS as exc:
            raise self._error(exc, stream, data) from exc
        post = self._post
        if post is None:
            return value
        try:
            return post(value)
        except _POST_ERRORS as exc:
            raise self._unresolved(exc) from exc

    def _unresolved(self, exc: BaseException) -> DecodeError:
        return DecodeError(
            f"cannot read writer schema {self.schema_id} with the reader schema: "
            f"{_describe(exc)}",
            schema_id=self.schema_id,
        )


def _resolution(writer: ParsedSchema, reader: ParsedSchema) -> tuple[Transform | None, bool]:
    """(transform after the read, tagged read) for a writer/reader pair, compiled once.

    The body is read with the writer schema and transformed into the reader's shape; a tagged
    read returns named union branches as ``(name, value)`` so the transform can tell them apart.
    """
    args = (writer.parsed, reader.parsed, writer.named, reader.named)
    try:
        try:
            return compile_resolution(*args), False
        except Unsupported:
            return compile_resolution(*args, tagged=True), True
    except ResolutionError as exc:
        return _unreadable(str(exc)), False


def _unreadable(message: str) -> Transform:
    def unreadable(value: Any) -> Any:
        raise ResolutionError(message)

    return unreadable


def _same_schema(writer: ParsedSchema, reader: ParsedSchema) -> bool:
    return writer.text == reader.text and writer.named.keys() == reader.named.keys()


def _clip(exc: BaseException, limit: int = 200) -> str:
    """An exception's text, cut short: fastavro's messages can hold a whole record's values."""
    text = str(exc)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return f"truncated body ({str(exc) or 'end of data'})"
    if isinstance(exc, IndexError):
        return "a union or enum index is out of range"
    if isinstance(exc, UnicodeDecodeError):
        return f"a string is not valid UTF-8 ({exc.reason})"
    if isinstance(exc, MemoryError):
        return "a length is too large to allocate"
    return f"{type(exc).__name__}: {_clip(exc)}"


# --------------------------------------------------------------------------- batches (.batch)


class _Sink:
    """A file for fastavro's writer that keeps each call's body apart (one write per call)."""

    __slots__ = ("write",)

    def __init__(self, write: Callable[[bytearray], Any]) -> None:
        self.write = write


def write_many(
    writer: Writer, prefix: bytes, values: Sequence[Any], start: int, out: list[bytes]
) -> int:
    """Append the frames of ``values[start:]`` to ``out``, as ``writer.write`` makes them, up to
    the first value this path does not write (the checks refuse it, or fastavro fails); return
    that value's index (``len(values)`` when all were written). ``writer.write`` that value for
    its error (or its frame), then go on from the next one."""
    if writer._raw_bytes:
        return start
    check, plain, prepare = writer._check, writer._plain, writer._prepare
    bodies: list[bytearray] = []
    sink = _Sink(bodies.append)
    stop = len(values)
    for index, value in enumerate(values[start:] if start else values, start):
        if check is not None:
            try:
                valid = check(value)
            except Exception:
                valid = False
            if not valid:
                stop = index
                break
        try:
            schemaless_writer(sink, plain, value if prepare is None else prepare(value))  # type: ignore[arg-type]
        except Exception:
            stop = index
            break
    if len(bodies) != stop - start:  # not one write per value: let write() do each
        return start
    out.extend(map(prefix.__add__, bodies))
    return stop


class PlainForm(NamedTuple):
    """How fastavro alone reads a reader's bodies (see :func:`plain_form`)."""

    schema: Any
    """fastavro's parsed schema for the read."""
    finish: Transform | None
    """Our logical types, applied to what fastavro returns."""
    max_body: int
    """Longest body fastavro may read without the decode-limit guard."""
    max_frame: int
    """Longest frame accepted."""


def plain_form(reader: Reader) -> PlainForm | None:
    """What fastavro needs to read ``reader``'s bodies as :meth:`Reader.read` does, or None when
    a body needs more than one read and ``finish`` (a reader-schema resolution, a tagged read, a
    raw bytes schema, the guard before every body)."""
    guard = reader._guard
    if reader._raw_bytes or reader._post is not None or reader._tagged:
        return None
    if guard is not None and guard.safe_body_bytes < 0:
        return None
    max_body = reader._max_frame if guard is None else guard.safe_body_bytes
    return PlainForm(reader._parsed, reader._finish, max_body, reader._max_frame)


def read_joined(schema: Any, data: bytes) -> list[Any] | None:
    """fastavro's read of ``data`` (many bodies joined under one array schema), or None when the
    read fails or leaves bytes unread: the caller then decodes each body alone."""
    stream = BytesIO(data)
    try:
        items = schemaless_reader(stream, schema)
    except Exception:
        return None
    return items if type(items) is list and stream.tell() == len(data) else None
