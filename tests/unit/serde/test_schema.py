"""Tests of serde.schema: schemas parsed with Java's rules by the registry's Avro model."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avroframe.registry.types import RegisteredSchema, Schema, SchemaReference
from avroframe.serde import (
    AvroDeserializer,
    AvroSerializer,
    SchemaError,
    frame,
    parse,
    record_name_strategy,
)

# Java 1.12 refuses each of these with "No type: ..." (a type object needs a type name).
NESTED_TYPE_OBJECTS = [
    '{"type": {"type": "string"}}',
    '{"type": ["null", "string"]}',
    '{"type": "array", "items": {"type": ["null", "string"]}}',
    '{"type": "map", "values": {"type": {"type": "int"}}}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": {"type": "long"}}}'
    "]}",
    '["null", {"type": ["int", "string"]}]',
]


@pytest.mark.parametrize("text", NESTED_TYPE_OBJECTS)
def test_nested_type_objects_are_refused_as_java_refuses_them(text: str) -> None:
    """A type object whose "type" is not a name is a SchemaError naming it, not a TypeError."""
    with pytest.raises(SchemaError) as caught:
        parse(text)
    message = str(caught.value)
    assert "needs a string 'type'" in message
    assert "\n" not in message


@pytest.mark.parametrize("text", NESTED_TYPE_OBJECTS)
def test_serializer_refuses_nested_type_objects(memory_registry: Any, text: str) -> None:
    """The serializer reports the schema, and registers nothing."""
    with pytest.raises(SchemaError):
        AvroSerializer(memory_registry, text).serialize("x", "topic")
    assert memory_registry.get_subjects() == []


class _OneSchemaRegistry:
    """A registry that knows one schema, as a misbehaving server might answer it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def get_schema(self, schema_id: int) -> Schema:
        return Schema(self.text)

    def get_version(self, subject: str, version: int) -> RegisteredSchema:
        raise AssertionError("no references here")


@pytest.mark.parametrize("text", NESTED_TYPE_OBJECTS)
def test_nested_type_objects_in_a_registry_answer_are_schema_errors(text: str) -> None:
    """A writer schema from the registry with a nested type object fails as a SchemaError."""
    deserializer = AvroDeserializer(_OneSchemaRegistry(text))
    with pytest.raises(SchemaError):
        deserializer.deserialize(frame.pack(7, b"\x00"), "topic")


def test_unqualified_name_falls_back_to_the_null_namespace() -> None:
    """Java finds "Plain" in the null namespace from inside com.acme; so does the codec."""
    schema = {
        "type": "record",
        "name": "Outer",
        "namespace": "com.acme",
        "fields": [
            {
                "name": "p",
                "type": {"type": "record", "name": "Plain", "namespace": "", "fields": [
                    {"name": "v", "type": "int"}]},
            },
            {"name": "q", "type": "Plain"},
        ],
    }
    parsed = parse(schema)
    assert parsed.model.fallbacks == {"com.acme.Plain": "Plain"}
    assert parsed.named["com.acme.Plain"] is parsed.named["Plain"]
    assert parsed.text == json.dumps(schema, separators=(",", ":"))


def test_fallback_reaches_a_type_from_a_reference(memory_registry: Any) -> None:
    """The null-namespace fallback also finds a type defined by a referenced schema."""
    plain = {"type": "record", "name": "Plain", "fields": [{"name": "v", "type": "int"}]}
    memory_registry.register_schema("plain", Schema(json.dumps(plain)))
    outer = {
        "type": "record",
        "name": "Outer",
        "namespace": "com.acme",
        "fields": [{"name": "q", "type": "Plain"}],
    }
    schema = Schema(json.dumps(outer), references=(SchemaReference("Plain", "plain", 1),))
    serializer = AvroSerializer(memory_registry, schema)
    data = serializer.serialize({"q": {"v": 3}}, "t")
    assert data.endswith(b"\x06")
    assert AvroDeserializer(memory_registry).deserialize(data, "t") == {"q": {"v": 3}}


def test_top_level_reference_takes_the_referenced_name(memory_registry: Any) -> None:
    """A schema that is just the name of a referenced record has that record's name (as Java)."""
    address = {
        "type": "record",
        "name": "Address",
        "namespace": "com.acme",
        "fields": [{"name": "city", "type": "string"}],
    }
    memory_registry.register_schema("address", Schema(json.dumps(address)))
    reference = SchemaReference("com.acme.Address", "address", 1)
    schema = Schema('"com.acme.Address"', references=(reference,))
    serializer = AvroSerializer(memory_registry, schema, subject_name_strategy=record_name_strategy)
    serializer.serialize({"city": "x"}, "t")
    assert "com.acme.Address" in memory_registry.get_subjects()


def test_reference_errors_name_the_reference() -> None:
    """An invalid referenced schema is reported with the reference's name, subject and version."""

    class Registry(_OneSchemaRegistry):
        def get_version(self, subject: str, version: int) -> RegisteredSchema:
            return RegisteredSchema(1, Schema('["int", "int"]'), subject, version)

    schema = Schema('"int"', references=(SchemaReference("Dup", "dup", 1),))
    with pytest.raises(SchemaError, match=r"duplicate type 'int'.*'Dup'.*'dup' version 1"):
        parse(schema, lambda ref: Registry("").get_version(ref.subject, ref.version).schema)


def test_text_is_what_java_writes() -> None:
    """The text to register is Java's Schema.toString form, whatever the input's layout."""
    text = '{"fields": [{"type": "int", "name": "a"}], "name": "com.acme.R", "type": "record"}'
    assert parse(text).text == (
        '{"type":"record","name":"R","namespace":"com.acme","fields":[{"name":"a","type":"int"}]}'
    )
    assert parse('{"type": "string"}').text == '"string"'


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(
        st.sampled_from(["type", "name", "namespace", "fields", "items", "values", "symbols"]),
        children,
        max_size=4,
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json_values, st.sampled_from(["record", "array", "map", "string", "R"]))
def test_any_json_parses_or_is_a_schema_error(value: object, kind: str) -> None:
    """Whatever JSON a user or a registry sends, parsing gives a schema or a SchemaError."""
    if isinstance(value, dict) and "type" not in value:
        value = {**value, "type": kind}
    try:
        parse(json.dumps(value))
    except SchemaError:
        pass
