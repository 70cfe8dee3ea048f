"""Our logical types: Avro 1.12's additions fastavro lacks, and Java's forms where they differ.

``timestamp-nanos``, ``local-timestamp-nanos``, ``uuid`` on ``fixed(16)`` and ``duration`` are
added; ``decimal`` is written in Java's forms (the shortest two's complement on ``bytes``, sign
extension on ``fixed``) and read with a bound on its length; ``date`` takes only a date; times of
day are range-checked when read. fastavro's global tables are never touched: :data:`WRITERS` and
:data:`READERS` are ours, and :mod:`.conversions` applies them to the schemas we compile.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from fastavro.read import LOGICAL_READERS
from fastavro.write import LOGICAL_WRITERS

LogicalWriter = Callable[[Any, Any], Any]
"""``(value, schema node) -> value of the underlying Avro type`` (unchanged if not ours)."""
LogicalReader = Callable[..., Any]
"""``(value of the underlying type, writer node, reader node) -> Python value``."""

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
_ONE_US = _dt.timedelta(microseconds=1)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


class EpochNanos(int):
    """A ``timestamp-nanos`` / ``local-timestamp-nanos`` value: nanoseconds since the epoch.

    An ``int`` (the long Java writes), so no precision is lost; :meth:`to_datetime` converts it,
    truncating to Python's microseconds.
    """

    __slots__ = ()

    @classmethod
    def from_datetime(cls, value: _dt.datetime) -> EpochNanos:
        """Nanoseconds since the epoch of ``value`` (naive values count as local wall time)."""
        base = _EPOCH if value.tzinfo is not None else _EPOCH_NAIVE
        return cls((value - base) // _ONE_US * 1000)

    def to_datetime(self, *, utc: bool = True) -> _dt.datetime:
        """The value as a datetime (aware UTC, or naive when local), to the microsecond."""
        base = _EPOCH if utc else _EPOCH_NAIVE
        return base + _dt.timedelta(microseconds=int(self) // 1000)

    def __repr__(self) -> str:
        return f"EpochNanos({int(self)})"


@dataclass(frozen=True, slots=True)
class Duration:
    """An Avro ``duration``: months, days and milliseconds, each an unsigned 32-bit count.

    Not a tuple, so that in a union fastavro never mistakes it for ``(branch, value)`` notation.
    """

    months: int
    days: int
    milliseconds: int

    def __iter__(self) -> Iterator[int]:
        return iter((self.months, self.days, self.milliseconds))


def _write_timestamp_nanos(datum: Any, schema: Any) -> Any:
    if isinstance(datum, _dt.datetime):
        if datum.tzinfo is None:
            datum = datum.replace(tzinfo=_dt.UTC)
        return int(EpochNanos.from_datetime(datum))
    return datum


def _write_local_timestamp_nanos(datum: Any, schema: Any) -> Any:
    if isinstance(datum, _dt.datetime):
        return int(EpochNanos.from_datetime(datum.replace(tzinfo=None)))
    return datum


def _read_nanos(data: int, writer_schema: Any = None, reader_schema: Any = None) -> EpochNanos:
    return EpochNanos(data)


def _write_fixed_uuid(datum: Any, schema: Any) -> Any:
    if isinstance(datum, uuid.UUID):
        return datum.bytes
    if isinstance(datum, str):
        try:
            return uuid.UUID(datum).bytes
        except ValueError:
            return datum
    return datum


def _read_fixed_uuid(data: bytes, writer_schema: Any = None, reader_schema: Any = None) -> Any:
    return uuid.UUID(bytes=data) if len(data) == 16 else data


def _write_duration(datum: Any, schema: Any) -> Any:
    if isinstance(datum, Duration):
        datum = tuple(datum)
    if (
        isinstance(datum, tuple)
        and len(datum) == 3
        and all(
            isinstance(part, int) and not isinstance(part, bool) and 0 <= part < 2**32
            for part in datum
        )
    ):
        return b"".join(part.to_bytes(4, "little") for part in datum)
    return datum


def _read_duration(data: bytes, writer_schema: Any = None, reader_schema: Any = None) -> Any:
    if len(data) != 12:
        return data
    return Duration(
        int.from_bytes(data[0:4], "little"),
        int.from_bytes(data[4:8], "little"),
        int.from_bytes(data[8:12], "little"),
    )


def _read_time_millis(data: int, writer_schema: Any = None, reader_schema: Any = None) -> Any:
    if not 0 <= data < 86_400_000:
        raise ValueError(f"time-millis {data} is outside 0..86399999 (one day)")
    return _dt.time(data // 3_600_000, data // 60_000 % 60, data // 1000 % 60, data % 1000 * 1000)


def _read_time_micros(data: int, writer_schema: Any = None, reader_schema: Any = None) -> Any:
    if not 0 <= data < 86_400_000_000:
        raise ValueError(f"time-micros {data} is outside 0..86399999999 (one day)")
    return _dt.time(
        data // 3_600_000_000, data // 60_000_000 % 60, data // 1_000_000 % 60, data % 1_000_000
    )


_EXACT = decimal.Context(prec=decimal.MAX_PREC)


def decimal_to_unscaled(value: decimal.Decimal, scale: int, precision: int) -> int:
    """The unscaled integer of ``value`` at ``scale``; refuses rounding and excess precision."""
    if not value.is_finite():
        raise ValueError(f"cannot encode {value} as an Avro decimal")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if -exponent > scale:
        raise ValueError(
            f"cannot encode decimal {value} (scale {-exponent}) as scale {scale} without rounding"
        )
    # Count the digits before building the number: 1E+50000000 must fail at once, not compute.
    # (The coefficient's digits have no leading zeros; zero's are (0,).)
    if digits != (0,) and len(digits) + exponent + scale > precision:
        raise ValueError(f"decimal {value} needs more than the {precision} digits allowed")
    return int(value.scaleb(scale, _EXACT))  # exact: an integer of at most `precision` digits


def max_decimal_bytes(precision: int) -> int:
    """Bytes of the longest two's complement of a ``precision``-digit number (+1 for writers
    that pad, as fastavro does)."""
    return (math.ceil(precision * math.log2(10)) + 1 + 7) // 8 + 1


def _write_fixed_decimal(datum: Any, schema: Any) -> Any:
    if not isinstance(datum, decimal.Decimal):
        return datum
    unscaled = decimal_to_unscaled(datum, schema.get("scale", 0), schema["precision"])
    try:
        return unscaled.to_bytes(schema["size"], "big", signed=True)  # sign-extended, as Java
    except OverflowError:
        raise ValueError(f"decimal {datum} does not fit in fixed({schema['size']})") from None


_CONTEXTS: dict[int, decimal.Context] = {}


def _read_bytes_decimal(data: bytes, writer_schema: Any = None, reader_schema: Any = None) -> Any:
    precision = int(writer_schema["precision"])
    if len(data) > max_decimal_bytes(precision):
        # A hostile length would make the conversion quadratic: refuse it up front.
        raise ValueError(f"a decimal of {len(data)} bytes exceeds precision {precision}")
    context = _CONTEXTS.get(precision)
    if context is None:  # one per precision, never changed afterwards (so shared safely)
        context = _CONTEXTS.setdefault(precision, decimal.Context(prec=precision))
    unscaled = int.from_bytes(data, "big", signed=True)
    return context.create_decimal(unscaled).scaleb(-writer_schema.get("scale", 0), context)


def _write_date(datum: Any, schema: Any) -> Any:
    # Only a date: fastavro's writer also takes a datetime (dropping its time) and ISO text,
    # which makes it pick a date branch of a union where Java picks the timestamp or string.
    if type(datum) is _dt.date:
        return datum.toordinal() - _EPOCH_ORDINAL
    return datum


def minimal_twos_complement(number: int) -> bytes:
    """Big-endian two's complement of ``number`` in the fewest bytes (Java's toByteArray)."""
    length = (number + (number < 0)).bit_length() // 8 + 1
    return number.to_bytes(length, "big", signed=True)


def _write_bytes_decimal(datum: Any, schema: Any) -> Any:
    if not isinstance(datum, decimal.Decimal):
        return datum
    unscaled = decimal_to_unscaled(datum, schema.get("scale", 0), schema["precision"])
    return minimal_twos_complement(unscaled)


WRITERS: Mapping[str, LogicalWriter] = MappingProxyType({
    "bytes-decimal": _write_bytes_decimal,
    "fixed-decimal": _write_fixed_decimal,
    "int-date": _write_date,
    "long-timestamp-nanos": _write_timestamp_nanos,
    "long-local-timestamp-nanos": _write_local_timestamp_nanos,
    "fixed-uuid": _write_fixed_uuid,
    "fixed-duration": _write_duration,
})
"""The writer conversions we apply instead of fastavro's, by ``<avro type>-<logical type>``."""

READERS: Mapping[str, LogicalReader] = MappingProxyType({
    "bytes-decimal": _read_bytes_decimal,
    "int-time-millis": _read_time_millis,
    "long-time-micros": _read_time_micros,
    "long-timestamp-nanos": _read_nanos,
    "long-local-timestamp-nanos": _read_nanos,
    "fixed-uuid": _read_fixed_uuid,
    "fixed-duration": _read_duration,
})
"""The reader conversions we apply instead of fastavro's, by ``<avro type>-<logical type>``."""


def logical_key(node: Any) -> str | None:
    """``<avro type>-<logical type>`` of a schema node, as fastavro keys its tables (or None)."""
    if isinstance(node, dict):
        logical, kind = node.get("logicalType"), node.get("type")
        if logical is not None and isinstance(kind, str):
            return f"{kind}-{logical}"
    return None


def writer_for(key: str) -> LogicalWriter | None:
    """The conversion a value of logical type ``key`` gets before it is written (ours first)."""
    return WRITERS.get(key) or LOGICAL_WRITERS.get(key)


def reader_for(key: str) -> LogicalReader | None:
    """The conversion a decoded value of logical type ``key`` gets (ours first, then fastavro's)."""
    return READERS.get(key) or LOGICAL_READERS.get(key)
