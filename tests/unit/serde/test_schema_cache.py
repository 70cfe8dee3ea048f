"""Compiled artefacts cached per schema, the lean per-id schemas, and the fast paths that must
give exactly what the checked paths give."""

from __future__ import annotations

import decimal
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avroframe import registry
from avroframe.registry.types import Schema, SchemaReference
from avroframe.serde import AvroDeserializer, AvroSerializer, SchemaError, codec, parse
from avroframe.serde.conversions import _bytes_decimal_to_avro
from avroframe.serde.logical import WRITERS


def _record(name: str) -> dict[str, Any]:
    return {
        "type": "record",
        "name": name,
        "fields": [{"name": "id", "type": "long"}, {"name": "tags", "type": {
            "type": "array", "items": "string"}}],
    }


def _unique(prefix: str = "R") -> dict[str, Any]:
    return _record(f"{prefix}{uuid.uuid4().hex}")


def test_the_same_text_or_json_value_is_parsed_once() -> None:
    schema = _unique()
    text = json.dumps(schema)
    assert parse(text) is parse(text)
    assert parse(schema) is parse(json.loads(text))


def test_a_dict_that_is_not_its_own_json_is_parsed_as_given() -> None:
    # A tuple would become a list in the cache key's text: the value itself is parsed, and
    # refused as it was before schemas were cached.
    name = f"E{uuid.uuid4().hex}"
    assert parse({"type": "enum", "name": name, "symbols": ["A", "B"]}).name == name
    with pytest.raises(SchemaError, match="symbols"):
        parse({"type": "enum", "name": name, "symbols": ("A", "B")})


def test_schemas_with_references_are_never_shared() -> None:
    ref = Schema(json.dumps(_record("Ref")))
    schema = Schema('{"type": "record", "name": "Top", "fields": [{"name": "r", "type": "Ref"}]}',
                    references=(SchemaReference("Ref", "ref-subject", 1),))
    first = parse(schema, lambda _: ref)
    assert first is not parse(schema, lambda _: ref)
    assert "Ref" in first.named


def test_a_failed_parse_is_not_remembered() -> None:
    text = '{"type": "record", "name": "Broken", "fields": [{"name": "a", "type": "Nope"}]}'
    for _ in range(2):
        with pytest.raises(SchemaError, match="Nope"):
            parse(text)


def test_a_second_serializer_for_a_seen_schema_compiles_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[Any] = []
    original = codec.compile_check

    def counting(*args: Any, **kwargs: Any) -> Any:
        compiled.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(codec, "compile_check", counting)
    reg = registry.connect(f"memory://cache-{uuid.uuid4()}")
    text = json.dumps(_unique())
    first = AvroSerializer(reg, text)
    second = AvroSerializer(reg, text)
    assert len(compiled) == 1
    value = {"id": 1, "tags": ["a"]}
    assert first.serialize(value, "t") == second.serialize(value, "t")
    # Other options compile their own checks.
    AvroSerializer(reg, text, ignore_unknown_fields=True)
    assert len(compiled) == 2


def test_cached_checks_still_refuse_per_serializer_options() -> None:
    reg = registry.connect(f"memory://cache-{uuid.uuid4()}")
    text = json.dumps(_unique())
    strict = AvroSerializer(reg, text)
    lenient = AvroSerializer(reg, text, ignore_unknown_fields=True)
    value = {"id": 1, "tags": [], "extra": 2}
    with pytest.raises(Exception, match="extra"):
        strict.serialize(value, "t")
    assert lenient.serialize(value, "t") == strict.serialize({"id": 1, "tags": []}, "t")


def test_the_deserializer_keeps_lean_writer_schemas_per_id() -> None:
    reg = registry.connect(f"memory://cache-{uuid.uuid4()}")
    schema = _unique("Lean")
    data = AvroSerializer(reg, schema).serialize({"id": 5, "tags": ["x"]}, "t")
    assert data is not None
    de = AvroDeserializer(reg)
    assert de.deserialize(data) == {"id": 5, "tags": ["x"]}
    reader = de._reader_for_id(int.from_bytes(data[1:5], "big"), data[:5])
    kept = reader.writer
    assert kept.json is None and kept.model is None
    assert kept.type == "record" and kept.name == schema["name"]
    assert kept.parsed is not None and json.loads(kept.text)["name"] == schema["name"]


def test_added_defaults_are_fresh_per_value() -> None:
    reg = registry.connect(f"memory://cache-{uuid.uuid4()}")
    writer = _unique("Evolve")
    reader = {**writer, "fields": [*writer["fields"],
                                   {"name": "note", "type": "string", "default": "n/a"},
                                   {"name": "more", "type": {"type": "array", "items": "int"},
                                    "default": [1]}]}
    ser = AvroSerializer(reg, writer)
    de = AvroDeserializer(reg, reader)
    one = de.deserialize(ser.serialize({"id": 1, "tags": []}, "t"))
    one["more"].append(2)
    two = de.deserialize(ser.serialize({"id": 2, "tags": ["b"]}, "t"))
    assert two == {"id": 2, "tags": ["b"], "note": "n/a", "more": [1]}
    assert list(two) == ["id", "tags", "note", "more"]


def test_a_named_type_used_twice_reads_into_the_reader_schema() -> None:
    reg = registry.connect(f"memory://cache-{uuid.uuid4()}")
    point = {"type": "record", "name": "Point", "fields": [{"name": "x", "type": "double"}]}
    writer = {"type": "record", "name": f"Shape{uuid.uuid4().hex}", "fields": [
        {"name": "point", "type": point},
        {"name": "points", "type": {"type": "array", "items": "Point"}}]}
    reader = {**writer, "fields": [*writer["fields"],
                                   {"name": "label", "type": "string", "default": ""}]}
    value = {"point": {"x": 1.0}, "points": [{"x": 2.0}, {"x": 3.0}]}
    data = AvroSerializer(reg, writer).serialize(value, "t")
    assert AvroDeserializer(reg, reader).deserialize(data) == {**value, "label": ""}


_PRECISIONS = st.sampled_from([(1, 0), (5, 2), (12, 2), (28, 10), (38, 9), (40, 30)])


@settings(max_examples=300, deadline=None)
@given(_PRECISIONS, st.integers(min_value=-(10**41), max_value=10**41), st.integers(-3, 3))
def test_the_decimal_fast_path_writes_what_the_checked_path_writes(
    params: tuple[int, int], unscaled: int, shift: int
) -> None:
    precision, scale = params
    node = {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}
    checked = WRITERS["bytes-decimal"]
    fast = _bytes_decimal_to_avro(checked, node)
    value = decimal.Decimal(unscaled).scaleb(-(scale + shift))
    try:
        expected: Any = checked(value, node)
    except ValueError as exc:
        expected = str(exc)
    try:
        got: Any = fast(value, node)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize("text", ["0", "-0.00", "NaN", "-Infinity", "1E+3", "0E-30", "-1E-99"])
def test_the_decimal_fast_path_on_special_values(text: str) -> None:
    node = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
    checked = WRITERS["bytes-decimal"]
    fast = _bytes_decimal_to_avro(checked, node)
    value = decimal.Decimal(text)
    outcomes = []
    for convert in (checked, fast):
        try:
            outcomes.append(convert(value, node))
        except ValueError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]
