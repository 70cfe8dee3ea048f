"""The only module that calls fastavro's reader and writer, and the only place that translates
their exceptions into :class:`EncodeError` / :class:`DecodeError`.

A :class:`Writer` or :class:`Reader` is built once per schema (or per writer/reader pair) and then
called per message with nothing left to look up.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from io import BytesIO
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro._schema_common import SchemaParseException, UnknownType
from fastavro.read import SchemaResolutionError
from fastavro.validation import ValidationError

from . import logical
from .errors import DecodeError, DecodeLimitError, EncodeError
from .limits import DecodeLimits, compile_guard
from .resolution import ResolutionError, Unsupported, compile_resolution
from .resolve import Fixer, compile_fixer
from .schema import ParsedSchema
from .validate import compile_check, explain

logical.install()

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
    SchemaResolutionError,
    SchemaParseException,
    UnknownType,
)


class Writer:
    """Encodes values of one schema; checks each value first unless ``validate`` is False."""

    __slots__ = ("_check", "_parsed", "_raw_bytes", "schema")

    def __init__(self, schema: ParsedSchema, *, validate: bool = True) -> None:
        self.schema = schema
        self._parsed = schema.parsed
        self._raw_bytes = schema.is_raw_bytes
        self._check = compile_check(schema.parsed, schema.named) if validate else None

    def write(self, prefix: bytes, value: Any) -> bytes:
        """Return ``prefix`` followed by the Avro body of ``value``."""
        if self._raw_bytes:
            # Java's serializer writes a top-level byte[] as is, with no Avro length prefix.
            if isinstance(value, (bytes, bytearray, memoryview)):
                return prefix + bytes(value)
            raise EncodeError(
                f"$: a top-level bytes schema takes bytes, not {type(value).__name__}",
                python_type=type(value).__name__,
                avro_type="bytes",
            )
        check = self._check
        if check is not None:
            try:
                valid = check(value)
            except Exception:  # a user's Mapping or sequence failing inside the check
                valid = False
            if not valid:
                raise _explained(self._parsed, self.schema.named, value)
        buffer = BytesIO()
        buffer.write(prefix)
        try:
            schemaless_writer(buffer, self._parsed, value)
        except _WRITE_ERRORS as exc:
            raise EncodeError(
                f"$: cannot encode {type(value).__name__} with the schema: {exc}",
                python_type=type(value).__name__,
                avro_type=self.schema.type,
            ) from exc
        return buffer.getvalue()


def _explained(parsed: Any, named: dict[str, Any], value: Any) -> EncodeError:
    try:
        return explain(parsed, named, value)
    except Exception as exc:
        return EncodeError(
            f"$: {type(value).__name__} does not match the schema ({type(exc).__name__}: {exc})",
            python_type=type(value).__name__,
        )


class Reader:
    """Decodes bodies written with one writer schema, optionally into a reader schema."""

    __slots__ = (
        "_guard",
        "_max_frame",
        "_parsed",
        "_post",
        "_raw_bytes",
        "_reader_parsed",
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
        self._parsed = writer.parsed
        self._raw_bytes = writer.is_raw_bytes
        self._max_frame = limits.max_frame_bytes
        self._guard = compile_guard(writer.parsed, writer.named, limits)
        self._reader_parsed: Any = None
        self._post: Fixer | None = None
        if reader is not None and not _same_schema(writer, reader):
            self._reader_parsed, self._post = _resolution(writer, reader)

        self.read_prefixed: Callable[[bytes], Any] = self._compile_prefixed()
        """Decode a classic frame (body at offset 5): the per-message entry point."""

    def _compile_prefixed(self) -> Callable[[bytes], Any]:
        if self._raw_bytes or self._guard is not None or self._post is not None:
            return lambda data: self.read(data, 5)
        # The common case, as a closure over locals: nothing but fastavro per message.
        parsed, reader_parsed, max_frame = self._parsed, self._reader_parsed, self._max_frame

        def read_prefixed(data: bytes) -> Any:
            if len(data) > max_frame:
                return self.read(data, 5)  # raises DecodeLimitError
            stream = BytesIO(data)
            stream.seek(5)
            try:
                return schemaless_reader(stream, parsed, reader_parsed)
            except _READ_ERRORS as exc:
                raise self._error(exc, stream, data) from exc

        return read_prefixed

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
        if self._guard is not None:
            try:
                self._guard(data, offset)
            except DecodeError as exc:
                exc.schema_id = self.schema_id
                raise
        stream = BytesIO(data)
        stream.seek(offset)
        try:
            value = schemaless_reader(stream, self._parsed, self._reader_parsed)
        except _READ_ERRORS as exc:
            raise self._error(exc, stream, data) from exc
        post = self._post
        if post is None:
            return value
        try:
            return post(value)
        except _POST_ERRORS as exc:
            raise DecodeError(
                f"cannot read writer schema {self.schema_id} with the reader schema: "
                f"{_describe(exc)}",
                schema_id=self.schema_id,
            ) from exc


def _resolution(writer: ParsedSchema, reader: ParsedSchema) -> tuple[Any, Fixer | None]:
    """(reader schema for fastavro, transform after the read) for a writer/reader pair.

    Resolution is compiled once: the body is read with the writer schema and transformed.
    Pairs the compiler cannot handle fall back to fastavro's per-message resolution, repaired.
    """
    try:
        return None, compile_resolution(writer.parsed, reader.parsed, writer.named, reader.named)
    except Unsupported:
        fixer = compile_fixer(writer.parsed, reader.parsed, writer.named, reader.named)
        return reader.parsed, fixer
    except ResolutionError as exc:
        message = str(exc)

        def unreadable(value: Any) -> Any:
            raise ResolutionError(message)

        return None, unreadable


def _same_schema(writer: ParsedSchema, reader: ParsedSchema) -> bool:
    return writer.text == reader.text and writer.named.keys() == reader.named.keys()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return f"truncated body ({str(exc) or 'end of data'})"
    if isinstance(exc, IndexError):
        return "a union or enum index is out of range"
    if isinstance(exc, UnicodeDecodeError):
        return f"a string is not valid UTF-8 ({exc.reason})"
    if isinstance(exc, MemoryError):
        return "a length is too large to allocate"
    return f"{type(exc).__name__}: {exc}"
