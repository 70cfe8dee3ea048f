"""Tests of the logical types fastavro lacks and of Java-identical decimal bytes."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from avroframe.serde import Duration, EncodeError, EpochNanos, Reader, Writer, parse
from avroframe.serde.logical import minimal_twos_complement


def roundtrip(schema: object, value: object) -> tuple[bytes, object]:
    parsed = parse(schema)  # type: ignore[arg-type]
    body = Writer(parsed).write(b"", value)
    return body, Reader(parsed).read(body, 0)


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "00"), (1, "01"), (127, "7f"), (128, "0080"), (-1, "ff"), (-128, "80"),
     (-129, "ff7f"), (255, "00ff"), (-32768, "8000"), (32768, "008000")],
)
def test_decimal_bytes_use_javas_shortest_twos_complement(number: int, expected: str) -> None:
    """Unscaled decimals are written as BigInteger.toByteArray writes them."""
    assert minimal_twos_complement(number).hex() == expected


def test_decimal_on_bytes_round_trips_and_matches_java_bytes() -> None:
    """-1.28 at scale 2 is the one byte 0x80 (fastavro alone writes ff80)."""
    schema = {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2}
    body, value = roundtrip({"type": "array", "items": schema}, [decimal.Decimal("-1.28")])
    assert body.hex() == "0202" + "80" + "00"
    assert value == [decimal.Decimal("-1.28")]


def test_decimal_refuses_rounding() -> None:
    """A decimal with more digits after the point than the scale is an EncodeError."""
    schema = {"type": "record", "name": "R", "fields": [
        {"name": "d", "type": {"type": "bytes", "logicalType": "decimal", "precision": 5,
                               "scale": 2}}]}
    with pytest.raises(EncodeError, match="without rounding"):
        Writer(parse(schema)).write(b"", {"d": decimal.Decimal("1.234")})


def test_timestamp_nanos_keeps_every_nanosecond() -> None:
    """timestamp-nanos decodes to EpochNanos, an int, with full precision."""
    schema = {"type": "long", "logicalType": "timestamp-nanos"}
    _, value = roundtrip(schema, 1_700_000_000_123_456_789)
    assert value == 1_700_000_000_123_456_789 and isinstance(value, EpochNanos)
    moment = dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    _, value = roundtrip(schema, moment)
    assert isinstance(value, EpochNanos)
    assert value.to_datetime() == moment


def test_local_timestamp_nanos_from_naive_datetime() -> None:
    """local-timestamp-nanos takes naive datetimes as wall time."""
    schema = {"type": "long", "logicalType": "local-timestamp-nanos"}
    moment = dt.datetime(2024, 1, 2, 3, 4, 5, 6)
    _, value = roundtrip(schema, moment)
    assert value == 1704164645000006000
    assert value.to_datetime(utc=False) == moment  # type: ignore[union-attr]


def test_uuid_on_fixed_16() -> None:
    """uuid on fixed(16) writes the 16 raw bytes and reads a UUID."""
    schema = {"type": "fixed", "name": "U", "size": 16, "logicalType": "uuid"}
    guid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    body, value = roundtrip(schema, guid)
    assert body == guid.bytes and value == guid


def test_duration_is_three_little_endian_unsigned_ints() -> None:
    """duration is months, days, milliseconds as little-endian uint32."""
    schema = {"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}
    body, value = roundtrip(schema, Duration(1, 2, 2**32 - 1))
    assert body.hex() == "01000000" "02000000" "ffffffff"
    assert value == Duration(1, 2, 2**32 - 1)


def test_duration_out_of_range_is_refused() -> None:
    """A duration part beyond uint32 is an EncodeError."""
    schema = {"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}
    with pytest.raises(EncodeError):
        Writer(parse(schema)).write(b"", Duration(2**32, 0, 0))
