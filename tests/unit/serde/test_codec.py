"""Tests of the codec: Java interop rules, schema resolution, defaults and error translation."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from avroframe.serde import DecodeError, EncodeError, Reader, Writer, parse


def record(*fields: dict[str, object], name: str = "R") -> dict[str, object]:
    return {"type": "record", "name": name, "fields": list(fields)}


def test_top_level_bytes_are_raw_without_length_prefix() -> None:
    """A top-level bytes value is written as is, as Java's serializer does."""
    parsed = parse('"bytes"')
    assert Writer(parsed).write(b"P", b"\x01\x02") == b"P\x01\x02"
    assert Reader(parsed).read(b"\x00\x00\x00\x00\x01\x01\x02", 5) == b"\x01\x02"


def test_top_level_bytes_with_logical_type_is_raw_too() -> None:
    """Java passes a top-level bytes payload through even with a logical type."""
    parsed = parse({"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 1})
    assert Writer(parsed).write(b"", b"\xff") == b"\xff"
    assert Reader(parsed).read(b"\xff", 0) == b"\xff"


def test_top_level_bytes_refuse_str() -> None:
    """A str is not bytes: Java refuses it and so do we."""
    with pytest.raises(EncodeError, match="takes bytes"):
        Writer(parse('"bytes"')).write(b"", "text")


def test_other_primitives_are_normal_avro() -> None:
    """A top-level string is length-prefixed Avro, as Java writes it."""
    assert Writer(parse('"string"')).write(b"", "hé") == b"\x06h\xc3\xa9"


def test_empty_record_is_an_empty_body() -> None:
    """A record with no fields has a zero-byte body."""
    parsed = parse(record())
    assert Writer(parsed).write(b"\x00\x00\x00\x00\x01", {}) == b"\x00\x00\x00\x00\x01"
    assert Reader(parsed).read(b"\x00\x00\x00\x00\x01", 5) == {}


@pytest.mark.parametrize(
    ("field_type", "bad", "fragment"),
    [
        ("int", 2**31, "32-bit"),
        ("int", True, "bool"),
        ("long", 2**63, "64-bit"),
        ("string", b"x", "bytes"),
        ("bytes", "x", "str"),
        ("boolean", 1, "int"),
        ("double", "1.5", "str"),
        ({"type": "enum", "name": "E", "symbols": ["A"]}, "B", "not a symbol"),
        ({"type": "fixed", "name": "F", "size": 2}, b"abc", "size 2"),
        ({"type": "array", "items": "int"}, {"a": 1}, "dict"),
        ({"type": "map", "values": "int"}, {1: 1}, "map key"),
    ],
)
def test_values_java_rejects_are_refused_with_the_field_path(
    field_type: object, bad: object, fragment: str
) -> None:
    """fastavro alone would write these; the compiled checks refuse them and name the field."""
    parsed = parse(record({"name": "f", "type": field_type}))
    with pytest.raises(EncodeError, match=fragment) as info:
        Writer(parsed).write(b"", {"f": bad})
    assert info.value.path.startswith("$.f")
    assert not isinstance(info.value, TypeError)


def test_nested_error_path_names_array_index_and_field() -> None:
    """The path points into nested arrays and records."""
    item = record({"name": "price", "type": "double"}, name="Item")
    parsed = parse(record({"name": "items", "type": {"type": "array", "items": item}}))
    with pytest.raises(EncodeError) as info:
        Writer(parsed).write(b"", {"items": [{"price": 1.0}, {"price": None}]})
    assert info.value.path == "$.items[1].price"
    assert info.value.python_type == "NoneType" and info.value.avro_type == "double"


def test_missing_required_field_is_named() -> None:
    """A missing field without default is reported by name."""
    parsed = parse(record({"name": "a", "type": "int"}, {"name": "b", "type": "string"}))
    with pytest.raises(EncodeError, match=r"\$\.b: required field is missing"):
        Writer(parsed).write(b"", {"a": 1})


def test_validation_can_be_turned_off() -> None:
    """validate=False leaves only fastavro's own checks."""
    parsed = parse(record({"name": "a", "type": "int"}))
    assert Writer(parsed, validate=False).write(b"", {"a": True}) == b"\x02"


def test_union_branch_chosen_explicitly_with_tuple_notation() -> None:
    """Identical record shapes in a union are told apart by (name, value)."""
    a = record({"name": "x", "type": "int"}, name="A")
    b = record({"name": "x", "type": "int"}, name="B")
    parsed = parse(record({"name": "u", "type": [a, b]}))
    writer = Writer(parsed)
    assert writer.write(b"", {"u": ("B", {"x": 1})}) == b"\x02\x02"
    assert writer.write(b"", {"u": ("A", {"x": 1})}) == b"\x00\x02"
    with pytest.raises(EncodeError):
        writer.write(b"", {"u": ("C", {"x": 1})})


def test_decode_errors_name_schema_id_and_offset() -> None:
    """Truncated bodies raise DecodeError with the schema id and byte offset."""
    parsed = parse(record({"name": "a", "type": "int"}, {"name": "s", "type": "string"}))
    reader = Reader(parsed, schema_id=42)
    with pytest.raises(DecodeError) as info:
        reader.read(b"\x00\x00\x00\x00\x2a\x02\x10ab", 5)
    assert info.value.schema_id == 42
    assert info.value.offset is not None and 5 <= info.value.offset <= 9
    assert "truncated" in str(info.value)


@pytest.mark.parametrize(
    ("schema", "body"),
    [
        ('"string"', b"\x02\xff"),  # invalid UTF-8
        ({"type": "enum", "name": "E", "symbols": ["A"]}, b"\x04"),  # enum index 2
        (["null", "int"], b"\x08"),  # union index 4
        ('"double"', b"\x00\x00"),
        ('"string"', b"\x03"),  # negative length
    ],
)
def test_garbage_bodies_raise_decode_error_only(schema: object, body: bytes) -> None:
    """No IndexError, UnicodeDecodeError or struct.error leaks out."""
    with pytest.raises(DecodeError):
        Reader(parse(schema)).read(body, 0)  # type: ignore[arg-type]


def test_reader_schema_adds_field_with_typed_defaults() -> None:
    """Defaults of bytes, fixed and logical types come back as the right Python types."""
    writer = parse(record({"name": "a", "type": "int"}))
    reader = parse(record(
        {"name": "a", "type": "int"},
        {"name": "b", "type": "bytes", "default": "\u00ff\u0001"},
        {"name": "f", "type": {"type": "fixed", "name": "F", "size": 2}, "default": "ab"},
        {"name": "d", "type": {"type": "int", "logicalType": "date"}, "default": 1},
        {"name": "t", "type": {"type": "long", "logicalType": "timestamp-millis"}, "default": 0},
        {"name": "u", "type": {"type": "string", "logicalType": "uuid"},
         "default": "12345678-1234-5678-1234-567812345678"},
        {"name": "m", "type": {"type": "bytes", "logicalType": "decimal", "precision": 4,
                               "scale": 2}, "default": "\u0001\u0000"},
        {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["X", "Y"]},
         "default": "Y"},
        {"name": "o", "type": ["null", "string"], "default": None},
    ))
    value = Reader(writer, reader).read(b"\x02", 0)
    assert value == {
        "a": 1,
        "b": b"\xff\x01",
        "f": b"ab",
        "d": dt.date(1970, 1, 2),
        "t": dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        "u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "m": decimal.Decimal("2.56"),
        "e": "Y",
        "o": None,
    }


def test_mutable_defaults_are_independent_per_record() -> None:
    """Mutating one decoded record's default list or map never changes another's."""
    writer = parse(record({"name": "a", "type": "int"}))
    reader = parse(record(
        {"name": "a", "type": "int"},
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": ["x"]},
        {"name": "attrs", "type": {"type": "map", "values": "int"}, "default": {"k": 1}},
    ))
    decode = Reader(writer, reader)
    first, second = decode.read(b"\x02", 0), decode.read(b"\x02", 0)
    first["tags"].append("mutated")
    first["attrs"]["k"] = 99
    assert second == {"a": 1, "tags": ["x"], "attrs": {"k": 1}}
    assert decode.read(b"\x02", 0)["tags"] == ["x"]


def test_nested_record_defaults_are_fixed_inside_arrays() -> None:
    """A default added to a record nested in an array is typed and independent."""
    w_item = record({"name": "x", "type": "int"}, name="Item")
    r_item = record({"name": "x", "type": "int"},
                    {"name": "raw", "type": "bytes", "default": "\u0000"}, name="Item")
    writer = parse(record({"name": "items", "type": {"type": "array", "items": w_item}}))
    reader = parse(record({"name": "items", "type": {"type": "array", "items": r_item}}))
    value = Reader(writer, reader).read(b"\x04\x02\x04\x00", 0)
    assert value == {"items": [{"x": 1, "raw": b"\x00"}, {"x": 2, "raw": b"\x00"}]}


@pytest.mark.parametrize(("writer", "value", "expected"), [
    ("int", 16777217, 16777216.0),
    ("long", 2**53 + 1, 9007199254740992.0),
    ("int", 3, 3.0),
])
def test_promotion_to_float_rounds_to_32_bits_like_java(
    writer: str, value: int, expected: float
) -> None:
    """int/long read as float give Java's 32-bit float value."""
    w = parse(record({"name": "v", "type": writer}))
    r = parse(record({"name": "v", "type": "float"}))
    body = Writer(w).write(b"", {"v": value})
    result = Reader(w, r).read(body, 0)["v"]
    assert result == expected and isinstance(result, float)


def test_promotion_to_double_is_exact() -> None:
    """int read as double is exact (no 32-bit rounding)."""
    w = parse(record({"name": "v", "type": "int"}))
    r = parse(record({"name": "v", "type": "double"}))
    assert Reader(w, r).read(Writer(w).write(b"", {"v": 16777217}), 0) == {"v": 16777217.0}


def test_removed_field_and_string_to_bytes() -> None:
    """Writer fields the reader lacks are skipped; string is read as bytes."""
    w = parse(record({"name": "a", "type": "string"}, {"name": "gone", "type": "long"}))
    r = parse(record({"name": "a", "type": "bytes"}))
    body = Writer(w).write(b"", {"a": "hi", "gone": 5})
    assert Reader(w, r).read(body, 0) == {"a": b"hi"}


def test_reader_equal_to_writer_skips_resolution() -> None:
    """A reader schema equal to the writer's is not resolved per message."""
    text = '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}'
    decode = Reader(parse(text), parse(text))
    assert decode._post is None and not decode._tagged
    assert decode.read(b"\x02", 0) == {"a": 1}


def test_incompatible_reader_raises_decode_error() -> None:
    """A reader that cannot read the writer fails with DecodeError, not a fastavro error."""
    w = parse(record({"name": "a", "type": "int"}))
    r = parse(record({"name": "b", "type": "int"}))
    with pytest.raises(DecodeError):
        Reader(w, r).read(b"\x02", 0)


def test_a_mapping_that_fails_inside_the_check_is_an_encode_error() -> None:
    """A user's Mapping raising from __getitem__ gives EncodeError, never its own exception."""
    from collections.abc import Mapping

    class Broken(Mapping[str, object]):
        def __getitem__(self, key: str) -> object:
            raise RuntimeError("broken mapping")

        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(["a"])

        def __len__(self) -> int:
            return 1

    with pytest.raises(EncodeError):
        Writer(parse(record({"name": "a", "type": "int"}))).write(b"", Broken())


def test_union_records_that_both_change_are_told_apart_by_name() -> None:
    """Two record branches of one writer union, both evolved: read tagged, resolved by name."""
    from avroframe.serde.resolution import Unsupported, compile_resolution

    b = record({"name": "x", "type": "int"}, name="B")
    c = record({"name": "x", "type": "int"}, name="C")
    b2 = record({"name": "x", "type": "int"}, {"name": "z", "type": "bytes", "default": "b"},
                name="B")
    c2 = record({"name": "x", "type": "int"}, {"name": "z", "type": "bytes", "default": "c"},
                name="C")
    writer, reader = parse([b, c]), parse([b2, c2])
    with pytest.raises(Unsupported):
        compile_resolution(writer.parsed, reader.parsed, writer.named, reader.named)
    decode = Reader(writer, reader)
    assert decode._tagged
    assert decode.read(Writer(writer).write(b"", ("C", {"x": 1})), 0) == {"x": 1, "z": b"c"}
    assert decode.read(Writer(writer).write(b"", ("B", {"x": 5})), 0) == {"x": 5, "z": b"b"}


def test_union_branches_that_cannot_be_told_apart_are_refused_with_a_decode_error() -> None:
    """time-millis and time-micros both decode to a time: read as plain int and long, they need
    different conversions that a decoded value cannot choose between, so the pair is refused."""
    writer = parse(record({"name": "v", "type": [
        {"type": "int", "logicalType": "time-millis"},
        {"type": "long", "logicalType": "time-micros"}]}))
    reader = parse(record({"name": "v", "type": ["int", "long"]}))
    with pytest.raises(DecodeError, match="not supported"):
        Reader(writer, reader).read(Writer(writer).write(b"", {"v": ("int", 5)}), 0)


def test_int_and_long_branches_read_alike_follow_javas_branch_choice() -> None:
    """Java reads a writer branch into the exactly matching reader branch first; where int and
    long need different conversions (double vs long), the pair is refused rather than guessed."""
    writer = parse(record({"name": "v", "type": ["int", "long"]}))
    decode = Reader(writer, parse(record({"name": "v", "type": ["long", "float"]})))
    assert decode.read(Writer(writer).write(b"", {"v": ("int", 5)}), 0) == {"v": 5}
    assert decode.read(Writer(writer).write(b"", {"v": ("long", 2**40)}), 0) == {"v": 2**40}
    refused = Reader(writer, parse(record({"name": "v", "type": ["double", "long"]})))
    with pytest.raises(DecodeError, match="not supported"):
        refused.read(Writer(writer).write(b"", {"v": ("long", 7)}), 0)


def test_hostile_decimal_length_fails_fast() -> None:
    """A 1 MB body for a decimal(10,2) is refused before a quadratic conversion."""
    parsed = parse(record({"name": "d", "type": {"type": "bytes", "logicalType": "decimal",
                                                 "precision": 10, "scale": 2}}))
    body = _zigzag_len(2**20) + b"\x7f" * (2**20)
    with pytest.raises(DecodeError, match="exceeds precision"):
        Reader(parsed).read(body, 0)


def _zigzag_len(n: int) -> bytes:
    n <<= 1
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


@pytest.mark.parametrize("logical_type", ["bytes", "fixed"])
def test_huge_decimal_exponent_fails_at_once(logical_type: str) -> None:
    """Decimal('1E+50000000') is refused by counting digits, not by computing 10**50000000."""
    base: dict[str, object] = {"type": logical_type, "logicalType": "decimal", "precision": 10,
                               "scale": 2}
    if logical_type == "fixed":
        base.update(name="D", size=8)
    writer = Writer(parse(record({"name": "d", "type": base})))
    with pytest.raises(EncodeError, match="digits"):
        writer.write(b"", {"d": decimal.Decimal("1E+50000000")})


def test_fixed_decimal_is_sign_extended_like_java() -> None:
    """A negative decimal on fixed(4) is padded with 0xff."""
    base = {"type": "fixed", "name": "D", "size": 4, "logicalType": "decimal", "precision": 6,
            "scale": 2}
    parsed = parse(record({"name": "d", "type": base}))
    body = Writer(parsed).write(b"", {"d": decimal.Decimal("-1.28")})
    assert body == b"\xff\xff\xff\x80"
    assert Reader(parsed).read(body, 0) == {"d": decimal.Decimal("-1.28")}


def test_a_datetime_is_not_a_date() -> None:
    """A datetime goes to the timestamp branch of a union, never silently cut to a date."""
    union = ["null", {"type": "int", "logicalType": "date"},
             {"type": "long", "logicalType": "timestamp-millis"}]
    parsed = parse(record({"name": "v", "type": union}))
    moment = dt.datetime(2020, 1, 1, 12, 30, tzinfo=dt.UTC)
    assert Reader(parsed).read(Writer(parsed).write(b"", {"v": moment}), 0) == {"v": moment}
    only_date = parse(record({"name": "v", "type": {"type": "int", "logicalType": "date"}}))
    with pytest.raises(EncodeError):
        Writer(only_date).write(b"", {"v": moment})


def test_uuid_strings_must_be_uuids() -> None:
    """A uuid field refuses text that is not a UUID (it could not be decoded back)."""
    parsed = parse(record({"name": "u", "type": {"type": "string", "logicalType": "uuid"}}))
    with pytest.raises(EncodeError):
        Writer(parsed).write(b"", {"u": "not-a-uuid"})
    text = "12345678-1234-5678-1234-567812345678"
    assert Reader(parsed).read(Writer(parsed).write(b"", {"u": text}), 0) == {
        "u": uuid.UUID(text)}


def test_decimal_read_at_the_readers_scale_as_java_does() -> None:
    """decimal(10,2) read as decimal(10,3): the unscaled number at the reader's scale."""
    dec = {"type": "bytes", "logicalType": "decimal", "precision": 10}
    writer = parse(record({"name": "d", "type": {**dec, "scale": 2}}))
    reader = parse(record({"name": "d", "type": {**dec, "scale": 3}}))
    body = Writer(writer).write(b"", {"d": decimal.Decimal("12.34")})
    assert Reader(writer, reader).read(body, 0) == {"d": decimal.Decimal("1.234")}
