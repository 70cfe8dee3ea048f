"""Values to and from JSON for the CLI, with Avro's JSON conventions for bytes.

Input follows the Avro spec's JSON form of default values: ``bytes`` and ``fixed`` as strings of
code points 0-255, logical types as their underlying numbers (or, for decimals, bytes), unions
as the plain value of the first branch that fits. Output writes bytes the same way, decimals as
strings, dates and times in ISO 8601, UUIDs as strings and nanosecond timestamps as integers.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import math
import uuid
from typing import Any

from .errors import EncodeError
from .resolve import default_value
from .schema import ParsedSchema


def from_json(schema: ParsedSchema, value: Any) -> Any:
    """Convert a JSON-decoded value to the Python value the serializer takes for ``schema``."""
    if schema.is_raw_bytes and isinstance(value, str):
        return value.encode("latin-1")
    try:
        return default_value(schema.parsed, value, schema.named)
    except (TypeError, ValueError, KeyError, AttributeError, UnicodeEncodeError) as exc:
        raise EncodeError(f"$: JSON value does not match the schema: {exc}") from exc


def _plain(value: Any) -> Any:
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
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return [_finite(v) for v in value]
    if isinstance(value, tuple):  # Duration
        return [_finite(v) for v in value]
    return value


def to_json(value: Any) -> str:
    """One line of JSON for a decoded value (NaN and infinities as strings, as Java's JSON does)."""
    return json.dumps(_finite(value), default=_plain, ensure_ascii=False, sort_keys=False)


def encode_blob(data: bytes, form: str) -> str:
    """Render a frame as ``hex`` or ``base64`` text."""
    return data.hex() if form == "hex" else base64.b64encode(data).decode("ascii")


def decode_blob(text: str, form: str) -> bytes:
    """Parse a ``hex`` or ``base64`` line into bytes."""
    text = text.strip()
    if form == "hex":
        return bytes.fromhex(text)
    return base64.b64decode(text, validate=True)
