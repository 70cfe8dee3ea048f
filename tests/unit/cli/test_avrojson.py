"""Avro's JSON encoding of the CLI without Java: number layout, branches, errors with paths."""

from __future__ import annotations

import json
import uuid

import pytest

from avroframe import registry
from avroframe.cli.avrojson import AvroJsonError, AvroJsonReader, java_double, java_string
from avroframe.cli.codec import FrameDecoder, load_json
from avroframe.serde import AvroSerializer
from avroframe.serde.schema import parse


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.1, "0.1"), (1.0, "1.0"), (-0.0, "-0.0"), (1e7, "1.0E7"), (9999999.0, "9999999.0"),
     (0.001, "0.001"), (0.0009, "9.0E-4"), (1e23, "1.0E23"), (5e-324, "4.9E-324"),
     (-2.5e-5, "-2.5E-5"), (123456.789, "123456.789"), (float("nan"), '"NaN"'),
     (float("-inf"), '"-Infinity"')],
)
def test_doubles_are_laid_out_as_java_does(value: float, text: str) -> None:
    """Double.toString's layout: plain between 1e-3 and 1e7, else d.dddEn; two digits at least."""
    assert java_double(value) == text


def test_strings_are_escaped_as_jackson_does() -> None:
    """Control characters as upper-case \\u00XX, astral characters as surrogate escapes."""
    assert java_string("a\x00\x1f\n\t\"\\é😀") == '"a\\u0000\\u001F\\n\\t\\"\\\\é\\uD83D\\uDE00"'
    assert java_string("\\u001f") == '"\\\\u001f"'  # a literal backslash-u is not an escape


X_INT = [{"name": "x", "type": "int"}]
UNION = json.dumps({"type": "record", "name": "R", "namespace": "ns", "fields": [
    {"name": "f", "type": ["null", "int", "long", "float", "double",
                           {"type": "record", "name": "A", "fields": X_INT},
                           {"type": "record", "name": "B", "fields": X_INT}]},
    {"name": "d", "type": {"type": "int", "logicalType": "date"}},
    {"name": "b", "type": "bytes"},
]})


@pytest.mark.parametrize(
    "text",
    ['{"f":{"long":5},"d":19000,"b":"\\u0000ÿ"}', '{"f":{"int":5},"d":0,"b":""}',
     '{"f":{"ns.B":{"x":1}},"d":-1,"b":"a"}', '{"f":{"float":0.5},"d":1,"b":"a"}',
     '{"f":null,"d":1,"b":"a"}'],
)
def test_union_branches_and_logical_types_round_trip(text: str) -> None:
    """Read, serialized, decoded and written back: the same text, branch by branch."""
    reg = registry.connect(f"memory://avrojson-{uuid.uuid4().hex}")
    value = AvroJsonReader(parse(UNION)).convert(load_json(text, "avro"))
    frame = AvroSerializer(reg, UNION).serialize(value, "t")
    assert frame is not None
    assert FrameDecoder(reg, "avro").decode(frame) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [('{"f":5,"d":1,"b":"a"}', '$.f: expected a union value {"<branch>": value} or null, got 5'),
     ('{"f":{"string":"x"},"d":1,"b":"a"}', "$.f: the union has no branch 'string'"),
     ('{"f":{"ns.A":{"x":"y"}},"d":1,"b":"a"}', '$.f<ns.A>.x: expected int, got "y"'),
     ('{"f":null,"d":1,"b":"\\u0100"}', '$.b: expected bytes, got "\\u0100"'),
     ('{"f":null,"d":1,"b":"a","e":1}', "$: unknown field 'e' for ns.R"),
     ('{"f":null,"d":2147483648,"b":"a"}', "$.d: expected int, got 2147483648")],
)
def test_a_value_that_does_not_fit_names_the_path(text: str, message: str) -> None:
    """Errors say where and what, in one line."""
    with pytest.raises(AvroJsonError) as caught:
        AvroJsonReader(parse(UNION)).convert(load_json(text, "avro"))
    assert str(caught.value) == message


def test_plain_and_avro_encodings_differ_where_they_should() -> None:
    """Plain JSON gives logical values as text and unions bare; Avro's gives them raw."""
    reg = registry.connect(f"memory://avrojson-{uuid.uuid4().hex}")
    frame = AvroSerializer(reg, UNION).serialize({"f": ("long", 7), "d": 1, "b": b"\xff"}, "t")
    assert frame is not None
    assert json.loads(FrameDecoder(reg).decode(frame)) == {"f": 7, "d": "1970-01-02", "b": "ÿ"}
    assert FrameDecoder(reg, "avro").decode(frame) == '{"f":{"long":7},"d":1,"b":"ÿ"}'


@pytest.mark.parametrize("id_format", ["guid", "header"])
def test_guid_frames_print_in_avro_json(id_format: str) -> None:
    """Frames that name their schema by GUID (prefix or header) print like id frames."""
    reg = registry.connect(f"memory://avrojson-{uuid.uuid4().hex}")
    headers: list[tuple[str, bytes]] = []
    frame = AvroSerializer(reg, UNION, id_format=id_format).serialize(
        {"f": ("int", 3), "d": 2, "b": b""}, "t", False, headers)
    assert frame is not None
    decoded = FrameDecoder(reg, "avro").decode(frame, headers or None)
    assert decoded == '{"f":{"int":3},"d":2,"b":""}'


def test_avro_json_with_a_reader_schema() -> None:
    """Resolved to a reader schema: its default appears, logical types stay underlying."""
    reg = registry.connect(f"memory://avrojson-{uuid.uuid4().hex}")
    frame = AvroSerializer(reg, UNION).serialize({"f": ("float", 2.5), "d": 3, "b": b"\x01"}, "t")
    assert frame is not None
    reader = json.loads(UNION)
    reader["fields"].append({"name": "n", "type": ["null", "long"], "default": None})
    decoded = FrameDecoder(reg, "avro", json.dumps(reader)).decode(frame, None)
    assert decoded == '{"f":{"float":2.5},"d":3,"b":"\\u0001","n":null}'
