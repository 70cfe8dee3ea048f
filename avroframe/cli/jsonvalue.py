"""Plain JSON for the CLI (the default ``--json-encoding``), with Avro's convention for bytes.

Output writes ``bytes`` and ``fixed`` as strings of code points 0-255 (Avro's JSON convention),
decimals as strings, dates and times in ISO 8601, UUIDs as strings, nanosecond timestamps as
integers, NaN and infinities as strings. Input accepts the same forms, Avro's JSON form of
default values (logical types as their underlying numbers), and unions as the plain value of
the first branch that fits.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import math
import uuid
from typing import Any

from avroframe.serde.errors import EncodeError
from avroframe.serde.logical import Duration
from avroframe.serde.resolution import default_value
from avroframe.serde.schema import ParsedSchema


def from_json(schema: ParsedSchema, value: Any) -> Any:
    """Convert a JSON-decoded value to the Python value the serializer takes for ``schema``."""
    if schema.is_raw_bytes and isinstance(value, str):
        return value.encode("latin-1")
    try:
        return _convert(schema.parsed, value, schema.named)
    except _AtPath as exc:
        raise EncodeError(f"{exc.path}: JSON value does not match the schema: {exc.reason}",
                          path=exc.path) from exc.__cause__
    except _CONVERSION_ERRORS as exc:
        raise EncodeError(f"$: JSON value does not match the schema: {exc}", path="$") from exc


class _AtPath(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason


_CONVERSION_ERRORS = (TypeError, ValueError, KeyError, AttributeError, UnicodeEncodeError,
                      decimal.InvalidOperation)


def _at(path: str, convert: Any, *args: Any) -> Any:
    """Run a nested conversion, naming ``path`` in the error of the innermost failing part."""
    try:
        return convert(*args)
    except _AtPath:
        raise
    except _CONVERSION_ERRORS as exc:
        raise _AtPath(path, str(exc)) from exc


_FROM_TEXT = {
    "decimal": lambda text: decimal.Decimal(text),
    "date": _dt.date.fromisoformat,
    "time-millis": _dt.time.fromisoformat,
    "time-micros": _dt.time.fromisoformat,
    "timestamp-millis": _dt.datetime.fromisoformat,
    "timestamp-micros": _dt.datetime.fromisoformat,
    "timestamp-nanos": _dt.datetime.fromisoformat,
    "local-timestamp-millis": _dt.datetime.fromisoformat,
    "local-timestamp-micros": _dt.datetime.fromisoformat,
    "local-timestamp-nanos": _dt.datetime.fromisoformat,
}


def _convert(node: Any, value: Any, named: dict[str, Any], path: str = "$") -> Any:
    """Avro's JSON default-value form, plus the friendly forms :func:`to_json` writes."""
    while isinstance(node, str) and node in named:
        node = named[node]
    if isinstance(node, list):
        if value is None and "null" in node:
            return None
        errors = []
        for branch in node:
            if branch == "null":
                continue
            try:
                return _convert(branch, value, named, path)
            except _AtPath as exc:
                errors.append(f"{exc.path}: {exc.reason}")
            except _CONVERSION_ERRORS as exc:
                errors.append(str(exc))
        raise ValueError(f"{value!r} matches no branch of the union ({'; '.join(errors)})")
    if isinstance(node, dict):
        logical = node.get("logicalType")
        if logical in _FROM_TEXT and isinstance(value, str):
            return _FROM_TEXT[logical](value)
        if logical == "decimal" and isinstance(value, (int, float)):
            return decimal.Decimal(str(value))
        if logical == "duration" and isinstance(value, list):
            return Duration(*value)
        kind = node["type"]
        if kind in ("record", "error") and isinstance(value, dict):
            fields = {f["name"]: f for f in node["fields"]}
            unknown = set(value) - set(fields)
            if unknown:
                raise ValueError(f"unknown field(s) {sorted(unknown)} for {node['name']}")
            return {k: _at(f"{path}.{k}", _convert, fields[k]["type"], v, named, f"{path}.{k}")
                    for k, v in value.items()}
        if kind == "array" and isinstance(value, list):
            return [_at(f"{path}[{i}]", _convert, node["items"], item, named, f"{path}[{i}]")
                    for i, item in enumerate(value)]
        if kind == "map" and isinstance(value, dict):
            return {k: _at(f"{path}.{k}", _convert, node["values"], v, named, f"{path}.{k}")
                    for k, v in value.items()}
    return default_value(node, value, named)


def _plain(value: Any) -> Any:
    if isinstance(value, Duration):
        return _finite(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, Duration)):
        return [_finite(v) for v in value]
    return value


_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False,
                           separators=(",", ":"), default=_plain).encode
_LENIENT = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"),
                            default=_plain).encode


def to_json(value: Any) -> str:
    """One line of JSON for a decoded value (NaN and infinities as strings, as Java's JSON does)."""
    try:
        return _STRICT(value)
    except ValueError:  # a NaN or an infinity somewhere: spell them as strings
        return _LENIENT(_finite(value))


def encode_blob(data: bytes, form: str) -> str:
    """Render a frame as ``hex`` or ``base64`` text."""
    return data.hex() if form == "hex" else base64.b64encode(data).decode("ascii")


def decode_blob(text: str, form: str) -> bytes:
    """Parse a ``hex`` or ``base64`` line into bytes (``ValueError`` says what is wrong)."""
    text = text.strip()
    if form != "hex":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError:
            raise ValueError("not base64 (invalid characters or padding)") from None
    for position, char in enumerate(text):
        if char not in _HEX_DIGITS:
            raise ValueError(f"not hex: character {position + 1} is {char!r}")
    if len(text) % 2:
        raise ValueError(f"not hex: odd number of digits ({len(text)})")
    return bytes.fromhex(text)


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
