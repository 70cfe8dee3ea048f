"""Tests of the compiled value checks: what Java refuses is refused, with the field's path."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import struct
from typing import Any

import pytest

from avroframe.serde import EncodeError, Reader, Writer, parse
from avroframe.serde.explain import explain
from avroframe.serde.validate import compile_check


def record(*fields: tuple[str, Any], name: str = "R") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "t",
            "fields": [{"name": n, "type": t} for n, t in fields]}


def encode(schema: Any, value: Any, **options: Any) -> bytes:
    return Writer(parse(schema), **options).write(b"", value)


def refused(schema: Any, value: Any, **options: Any) -> EncodeError:
    with pytest.raises(EncodeError) as info:
        encode(schema, value, **options)
    return info.value


def roundtrip(schema: Any, value: Any) -> Any:
    parsed = parse(schema)
    return Reader(parsed).read(Writer(parsed).write(b"", value), 0)


def float32_is_finite(number: float) -> bool:
    try:
        struct.pack("<f", number)  # C's (float) cast, as Java's; overflow when it is infinite
    except OverflowError:
        return False
    return True


# --- numbers out of range (issue 9, item 8) ---------------------------------------------------

def test_a_double_beyond_float32_is_refused_with_its_path() -> None:
    """1e300 into a float field was written as infinity; Java refuses it."""
    error = refused(record(("f", "float")), {"f": 1e300})
    assert error.path == "$.f"
    assert error.avro_type == "float" and error.python_type == "float"
    assert "32-bit" in str(error)


LARGEST = float(2**128 - 2**103)  # the first double that a float cast makes infinite


@pytest.mark.parametrize("number", [
    math.nextafter(LARGEST, 0), LARGEST, 3.4028234663852886e38, 3.5e38, 1e39, 1e300,
    2**128 - 2**103 - 2**74 - 1, 2**128 - 2**103 - 2**74, 2**128, 10**400,
])
def test_the_float_range_is_exactly_what_a_float_cast_keeps_finite(number: float) -> None:
    """Values that round to a finite 32-bit float pass, values that round to infinity do not,
    for both signs, doubles and ints alike."""
    for signed in (number, -number):
        check = compile_check(parse('"float"').parsed, {})
        try:
            expected = float32_is_finite(float(signed))
        except OverflowError:
            expected = False
        assert check(signed) is expected, signed


@pytest.mark.parametrize("special", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_still_go_into_a_float(special: float) -> None:
    """Java writes NaN and infinities into a float: only finite overflows are refused."""
    value = roundtrip(record(("f", "float")), {"f": special})["f"]
    assert math.isnan(value) if math.isnan(special) else value == special


def test_in_a_union_an_overflowing_float_needs_a_double_branch() -> None:
    """["null", "float"] refuses 1e300 with the path; ["float", "double"] writes a double."""
    assert refused(record(("f", ["null", "float"])), {"f": 1e300}).path == "$.f"
    assert roundtrip(record(("f", ["float", "double"])), {"f": 1e300}) == {"f": 1e300}


def test_ints_too_large_for_a_double_are_refused_with_the_path() -> None:
    """fastavro failed with an OverflowError reported at "$"."""
    error = refused(record(("d", "double")), {"d": 10**400})
    assert error.path == "$.d" and error.avro_type == "double"
    assert roundtrip(record(("d", "double")), {"d": 2**1000}) == {"d": float(2**1000)}


@pytest.mark.parametrize(("kind", "low", "high"), [
    ("int", -(2**31), 2**31 - 1), ("long", -(2**63), 2**63 - 1)])
def test_int_and_long_ranges_are_exact(kind: str, low: int, high: int) -> None:
    """The last value inside each range is written, the next one refused with its path."""
    schema = record(("n", kind))
    assert roundtrip(schema, {"n": low}) == {"n": low}
    assert roundtrip(schema, {"n": high}) == {"n": high}
    for outside in (low - 1, high + 1):
        assert refused(schema, {"n": outside}).path == "$.n"


def test_nanosecond_timestamps_beyond_a_long_are_refused_with_the_path() -> None:
    """A datetime after 2262 has no timestamp-nanos: refused at the field, not at "$"."""
    nanos = {"type": "long", "logicalType": "timestamp-nanos"}
    late = dt.datetime(2300, 1, 1, tzinfo=dt.UTC)
    error = refused(record(("at", nanos)), {"at": late})
    assert error.path == "$.at" and error.avro_type == "long (timestamp-nanos)"
    assert encode(record(("at", nanos)), {"at": dt.datetime(2262, 1, 1, tzinfo=dt.UTC)})


# --- paths of decimal and string errors (issue 9, item 9) -------------------------------------

PRICE = {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2}


@pytest.mark.parametrize(("amount", "reason"), [
    ("1.234", "scale"), ("12345.67", "digits"), ("NaN", "NaN"), ("Infinity", "Infinity"),
    ("-Infinity", "Infinity"), ("sNaN", "NaN"),
])
def test_decimal_errors_name_the_field(amount: str, reason: str) -> None:
    """Scale, precision, NaN and infinity were reported at "$" as a dict/record."""
    error = refused(record(("price", PRICE), name="Order"), {"price": decimal.Decimal(amount)})
    assert error.path == "$.price"
    assert error.python_type == "Decimal"
    assert error.avro_type == "bytes (decimal)"
    assert reason in str(error)


@pytest.mark.parametrize("amount", ["1.5", "0", "-9999.99", "1E+2", "0.00", "1.50"])
def test_decimals_the_writer_takes_still_pass(amount: str) -> None:
    """A smaller scale or a positive exponent is not rounding: written as Java writes it."""
    value = roundtrip(record(("price", PRICE)), {"price": decimal.Decimal(amount)})
    assert value["price"] == decimal.Decimal(amount)


def test_fixed_decimal_errors_name_the_field_inside_a_union() -> None:
    """A fixed decimal with too many digits fails at its field, not at "$"."""
    fixed = {"type": "fixed", "name": "Amount", "size": 2, "logicalType": "decimal",
             "precision": 4, "scale": 0}
    error = refused(record(("a", ["null", fixed])), {"a": decimal.Decimal(12345)})
    assert error.path == "$.a" and "4 digits" in str(error)
    assert error.avro_type == "t.Amount (decimal)"
    assert roundtrip(record(("a", fixed)), {"a": decimal.Decimal(-9999)})["a"] == -9999


def test_a_lone_surrogate_names_the_field() -> None:
    """Not valid UTF-8: the writer fails, and the error says where."""
    error = refused(record(("name", "string")), {"name": "ok\ud800"})
    assert (error.path, error.python_type, error.avro_type) == ("$.name", "str", "string")
    tags = record(("tags", {"type": "array", "items": "string"}))
    assert refused(tags, {"tags": ["a", "\udfff"]}).path == "$.tags[1]"
    attrs = record(("attrs", {"type": "map", "values": "long"}))
    assert refused(attrs, {"attrs": {"\ud800": 1}}).path == "$.attrs"


# --- unknown keys (issue 9, item 10) ----------------------------------------------------------

USER = record(("name", "string"), ("email", ["null", "string"]), name="User")


def test_an_unknown_key_is_refused_naming_the_key_and_the_record() -> None:
    """{"emial": ...} used to be dropped, and email written as its default."""
    error = refused(USER, {"name": "a", "emial": "x@y"})
    assert error.path == "$.emial"
    assert "'emial'" in str(error) and "t.User" in str(error)


def test_an_unknown_key_in_place_of_a_missing_optional_field_is_refused() -> None:
    """Same key count as the fields, one of them unknown: still refused."""
    assert refused(USER, {"name": "a", "emial": None}).path == "$.emial"
    nested = record(("user", USER), ("users", {"type": "array", "items": "t.User"}))
    value = {"user": {"name": "a"}, "users": [{"name": "b", "email": None, "x": 1}]}
    assert refused(nested, value).path == "$.users[0].x"


def test_ignore_unknown_fields_drops_them() -> None:
    """The explicit option writes what the known fields hold."""
    written = encode(USER, {"name": "a", "email": "e", "extra": 1}, ignore_unknown_fields=True)
    assert written == encode(USER, {"name": "a", "email": "e"})


def test_fastavro_union_notations_keep_working() -> None:
    """(name, value) tuples and {"-type": name} dicts choose a union branch, not a field."""
    a = record(("x", "int"), name="A")
    b = record(("x", "int"), ("y", ["null", "int"]), name="B")
    schema = record(("v", [a, b]), ("w", ["null", "string", "long"]))
    tagged = {"v": ("t.B", {"x": 1}), "w": ("long", 5)}
    assert roundtrip(schema, tagged) == {"v": {"x": 1, "y": None}, "w": 5}
    assert roundtrip(schema, {"v": {"-type": "t.B", "x": 2}, "w": None})["v"] == {"x": 2, "y": None}
    assert refused(schema, {"v": ("t.B", {"x": 1, "z": 0}), "w": None}).path == "$.v.z"
    assert refused(schema, {"v": ("t.C", {"x": 1}), "w": None}).path == "$.v"
    assert refused(schema, {"v": {"x": 1, "y": 2}, "w": ("long", "no")}).path == "$.w"


def test_a_map_in_a_union_still_takes_a_dict() -> None:
    """Unknown keys are a record rule: a map of the same union keeps any key."""
    rec = record(("a", "int"), name="Only")
    schema = record(("v", [rec, {"type": "map", "values": "int"}]))
    assert roundtrip(schema, {"v": {"b": 1, "c": 2}}) == {"v": {"b": 1, "c": 2}}


# --- depth (issue 9, item 12) -----------------------------------------------------------------

LINKED = {"type": "record", "name": "Node", "fields": [{"name": "next", "type": ["null", "Node"]}]}


def chain(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"next": None}
    for _ in range(levels - 1):
        value = {"next": value}
    return value


@pytest.mark.parametrize("limit", [5, 6])
def test_max_depth_counts_records_not_unions(limit: int) -> None:
    """A chain of exactly max_depth records is valid, one more is not, whatever the parity."""
    parsed = parse(LINKED)
    check = compile_check(parsed.parsed, parsed.named, max_depth=limit)
    assert check(chain(limit))
    assert not check(chain(limit + 1))
    error = explain(parsed.parsed, parsed.named, chain(limit + 1), max_depth=limit)
    assert error.path == "$" + ".next" * limit
    assert f"max_depth={limit}" in str(error)


def test_the_serializer_writes_what_its_deserializer_reads_at_the_default_depth() -> None:
    """512 records deep is written and read back; 513 is refused on both sides."""
    parsed = parse(LINKED)
    writer, reader = Writer(parsed), Reader(parsed)
    assert reader.read(writer.write(b"", chain(512)), 0) == chain(512)
    error = refused(LINKED, chain(513))
    assert error.path.endswith(".next") and len(error.message) < 300


# --- checks that stay cheap (issue 10) --------------------------------------------------------

def test_union_branches_are_checked_once_per_level() -> None:
    """A failure deep inside nested unions is found without rechecking every branch at every
    level (which took 2**depth steps)."""
    parsed = parse(LINKED)
    bad: Any = {"next": "x"}
    for _ in range(60):
        bad = {"next": bad}
    check = compile_check(parsed.parsed, parsed.named)
    assert not check(bad)
    assert explain(parsed.parsed, parsed.named, bad).path == "$" + ".next" * 61


def test_non_dict_mappings_still_validate() -> None:
    """A Mapping that is no dict goes through the slower path, with the same rules."""
    from types import MappingProxyType

    assert encode(USER, MappingProxyType({"name": "a"}))
    assert refused(USER, MappingProxyType({"name": "a", "zz": 1})).path == "$.zz"
    schema = record(("m", ["null", {"type": "map", "values": "int"}]))
    assert encode(schema, {"m": MappingProxyType({"a": 1})})
