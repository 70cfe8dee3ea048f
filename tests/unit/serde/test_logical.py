"""Tests of our logical types (those fastavro lacks, Java's forms where fastavro differs) and of
the per-schema conversions that apply them without touching fastavro's tables."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from avroframe.serde import (
    DecodeError,
    Duration,
    EncodeError,
    EpochNanos,
    Reader,
    Writer,
    parse,
)
from avroframe.serde.conversions import compile_read, compile_write
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


# ------------------------------------------------ our conversions, applied per compiled schema

TIME_MILLIS = {"type": "int", "logicalType": "time-millis"}
DECIMAL = {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}


def record(*fields: dict[str, object], name: str = "R") -> dict[str, object]:
    return {"type": "record", "name": name, "fields": list(fields)}


def test_a_schema_without_our_logical_types_goes_to_fastavro_untouched() -> None:
    """No copy and no transform: such schemas pay nothing for the conversions."""
    parsed = parse(record({"name": "t", "type": {"type": "long",
                                                 "logicalType": "timestamp-millis"}},
                          {"name": "s", "type": ["null", "string"]}))
    assert compile_write(parsed.parsed, parsed.named) == (parsed.parsed, None)
    assert compile_read(parsed.parsed, parsed.named) == (parsed.parsed, None, False)


def test_the_callers_value_is_left_as_given() -> None:
    """Converting a decimal for the write never changes the caller's record."""
    parsed = parse(record({"name": "d", "type": DECIMAL}, {"name": "n", "type": "int"}))
    value = {"d": decimal.Decimal("1.50"), "n": 1}
    Writer(parsed).write(b"", value)
    assert value == {"d": decimal.Decimal("1.50"), "n": 1}


def test_a_converted_int_beside_a_long_reads_back_from_its_own_branch() -> None:
    """time-millis and long both decode to an int: each value comes back from its branch."""
    parsed = parse(record({"name": "v", "type": ["null", "long", TIME_MILLIS]}))
    writer, reader = Writer(parsed), Reader(parsed)
    for value in (5, dt.time(1, 2, 3), None):
        body = writer.write(b"", {"v": value})
        assert reader.read(body, 0) == {"v": value}
    assert writer.write(b"", {"v": 5}) == b"\x02\x0a"  # the long branch, as fastavro picks
    assert writer.write(b"", {"v": ("int", 5)}) == b"\x04\x0a"  # named by the caller


def test_two_record_branches_one_with_decimals_are_told_apart_by_name() -> None:
    """Both records decode to dicts: the read is tagged and each is converted by its own rules."""
    a = record({"name": "d", "type": DECIMAL}, name="A")
    b = record({"name": "x", "type": "int"}, name="B")
    parsed = parse(record({"name": "v", "type": ["null", a, b]}))
    writer, reader = Writer(parsed), Reader(parsed)
    for value in ({"d": decimal.Decimal("-2.00")}, {"x": 1}, None):
        assert reader.read(writer.write(b"", {"v": value}), 0) == {"v": value}
    assert writer.write(b"", {"v": {"d": decimal.Decimal("-2.00")}}).hex() == "0204ff38"


def test_a_value_goes_to_the_first_branch_it_fits_as_converted_for_that_branch() -> None:
    """UUID text goes to a string branch listed first; a UUID to the uuid-on-fixed branch."""
    fixed_uuid = {"type": "fixed", "name": "U", "size": 16, "logicalType": "uuid"}
    parsed = parse(record({"name": "v", "type": ["string", fixed_uuid]}))
    guid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    writer, reader = Writer(parsed), Reader(parsed)
    assert writer.write(b"", {"v": str(guid)})[:1] == b"\x00"
    assert reader.read(writer.write(b"", {"v": guid}), 0) == {"v": guid}
    assert writer.write(b"", {"v": guid}) == b"\x02" + guid.bytes


def test_recursive_records_and_collections_are_converted_at_every_level() -> None:
    """Decimals in a linked list, a map and an array of optional values all round-trip."""
    node = {"type": "record", "name": "Node", "fields": [
        {"name": "d", "type": DECIMAL},
        {"name": "m", "type": {"type": "map", "values": DECIMAL}},
        {"name": "a", "type": {"type": "array", "items": ["null", DECIMAL]}},
        {"name": "next", "type": ["null", "Node"]}]}
    parsed = parse(node)
    inner = {"d": decimal.Decimal("2.00"), "m": {}, "a": [], "next": None}
    value = {"d": decimal.Decimal("1.00"), "m": {"k": decimal.Decimal("0.01")},
             "a": [None, decimal.Decimal("-3.50")], "next": inner}
    assert Reader(parsed).read(Writer(parsed).write(b"", value), 0) == value


def test_a_time_outside_one_day_is_a_decode_error_in_a_union_too() -> None:
    """The range check of time-millis holds for a value read through a union wrapper."""
    parsed = parse(record({"name": "v", "type": ["long", TIME_MILLIS]}))
    with pytest.raises(DecodeError, match=r"outside 0\.\.86399999"):
        Reader(parsed).read(b"\x02\x01", 0)
