"""registry._avro and registry.avro: the schema text the embedded registries store, as Java
Avro 1.12 writes it, and what Java refuses.

The expected texts were produced by Java Avro 1.12's ``Schema.toString`` (referenced types
passed as known schemas, as Confluent's server does) on the same input.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avroframe.registry import avro
from avroframe.registry._avro import parse_avro
from avroframe.registry.errors import InvalidSchemaError

JAVA_TEXTS = [
    # Attribute order and a dotted name: Java writes type, name, namespace, fields.
    (
        [],
        '{"fields":[{"type":"int","name":"a"}],"name":"com.acme.R","type":"record"}',
        '{"type":"record","name":"R","namespace":"com.acme","fields":[{"name":"a","type":"int"}]}',
    ),
    # The null namespace inside a namespace is written as "".
    (
        [],
        '{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":{"type":"record",'
        '"name":"S","namespace":"","fields":[]}},{"name":"y","type":"S"}]}',
        '{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":{"type":"record",'
        '"name":"S","namespace":"","fields":[]}},{"name":"y","type":"S"}]}',
    ),
    # A type named like a type keyword is always written with its namespace.
    (
        [],
        '{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":{"type":"enum",'
        '"name":"record","symbols":["A"]}},{"name":"y","type":"record"}]}',
        '{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":{"type":"enum",'
        '"name":"record","symbols":["A"]}},{"name":"y","type":"a.record"}]}',
    ),
    # A float default given as a string becomes a number.
    (
        [],
        '{"type":"record","name":"R","fields":[{"name":"x","type":"float","default":"1.5"}]}',
        '{"type":"record","name":"R","fields":[{"name":"x","type":"float","default":1.5}]}',
    ),
    # Field attribute order, order in lower case, duplicate aliases dropped, props kept in order.
    (
        [],
        '{"type":"record","name":"R","fields":[{"order":"IGNORE","name":"x","type":"int","aliases":'
        '["b","a","b"],"doc":"d","x-p":1,"default":3}],"aliases":["a.Old","New"],"doc":"rd",'
        '"x-q":{"b":1,"a":2}}',
        '{"type":"record","name":"R","doc":"rd","fields":[{"name":"x","type":"int","doc":"d",'
        '"default":3,"order":"ignore","aliases":["b","a"],"x-p":1}],"x-q":{"b":1,"a":2},'
        '"aliases":["a.Old","New"]}',
    ),
    (
        [],
        '{"type":"error","name":"E","namespace":"n","fields":[]}',
        '{"type":"error","name":"E","namespace":"n","fields":[]}',
    ),
    (
        [],
        '{"type":"enum","name":"E","doc":"","symbols":["A","B"],"default":"B","x":1}',
        '{"type":"enum","name":"E","doc":"","symbols":["A","B"],"default":"B","x":1}',
    ),
    # A forward reference: the first occurrence defines the type.
    (
        [],
        '{"type":"record","name":"R","fields":[{"name":"a","type":"S"},{"name":"b","type":'
        '{"type":"record","name":"S","fields":[]}}]}',
        '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"S",'
        '"fields":[]}},{"name":"b","type":"S"}]}',
    ),
    # Referenced types are written by name, short in their own namespace.
    (
        [
            '{"type":"record","name":"Address","namespace":"shared","fields":[{"name":"s",'
            '"type":"string"}]}'
        ],
        '{"type":"record","name":"Main","namespace":"shared","fields":[{"name":"a","type":"Address"},'
        '{"name":"b","type":"shared.Address"}]}',
        '{"type":"record","name":"Main","namespace":"shared","fields":[{"name":"a","type":"Address"},'
        '{"name":"b","type":"Address"}]}',
    ),
    # Only the referenced top-level names are known: a type nested in a reference is inlined.
    (
        [
            '{"type":"record","name":"Address","namespace":"shared","fields":[{"name":"z","type":'
            '{"type":"enum","name":"Zone","symbols":["A"]}}]}'
        ],
        '{"type":"record","name":"Main","fields":[{"name":"a","type":"shared.Address"},{"name":"z",'
        '"type":"shared.Zone"}]}',
        '{"type":"record","name":"Main","fields":[{"name":"a","type":"shared.Address"},{"name":"z",'
        '"type":{"type":"enum","name":"Zone","namespace":"shared","symbols":["A"]}}]}',
    ),
    (
        [],
        '{"type":"map","values":{"type":"array","items":["null",{"type":"string","logicalType":'
        '"uuid"}]},"x":1}',
        '{"type":"map","values":{"type":"array","items":["null",{"type":"string","logicalType":'
        '"uuid"}]},"x":1}',
    ),
    ([], '"string"', '"string"'),
    ([], '{"type": "string"}', '"string"'),
    # A type object naming a defined type refers to it; its other attributes are dropped.
    (
        [],
        '{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":'
        '{"type":"R","x":1,"doc":"d"}}]}',
        '{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"R"}]}',
    ),
    # An enum or fixed defined again (other doc, default or aliases) is written by name.
    (
        [],
        '{"type":"record","name":"R","fields":[{"name":"e1","type":{"type":"enum","name":"E",'
        '"symbols":["A","B"]}},{"name":"e2","type":{"type":"enum","name":"E","symbols":["A","B"],'
        '"doc":"again","default":"A"}},{"name":"f1","type":{"type":"fixed","name":"F","size":4}},'
        '{"name":"f2","type":{"type":"fixed","name":"F","size":4,"aliases":["G"]}}]}',
        '{"type":"record","name":"R","fields":[{"name":"e1","type":{"type":"enum","name":"E",'
        '"symbols":["A","B"]}},{"name":"e2","type":"E"},{"name":"f1","type":{"type":"fixed",'
        '"name":"F","size":4}},{"name":"f2","type":"F"}]}',
    ),
]


@pytest.mark.parametrize(("refs", "text", "java"), JAVA_TEXTS)
def test_text_is_what_java_writes(refs: list[str], text: str, java: str) -> None:
    """The stored text equals Java's Schema.toString with the references as known types."""
    assert parse_avro(text, refs).text == java


def test_resolved_text_inlines_references() -> None:
    """The standalone form defines the referenced type at its first use (as Java's toString)."""
    parsed = parse_avro(JAVA_TEXTS[8][1], JAVA_TEXTS[8][0])
    assert parsed.resolved == (
        '{"type":"record","name":"Main","namespace":"shared","fields":[{"name":"a","type":'
        '{"type":"record","name":"Address","fields":[{"name":"s","type":"string"}]}},'
        '{"name":"b","type":"Address"}]}'
    )
    assert parsed.resolved_json["fields"][0]["type"]["name"] == "Address"


REFUSED = [
    "",
    "   ",
    "not json",
    "NaN",
    "{}",
    '[["int"]]',
    '["int", "int"]',
    '["int", {"type": "int", "logicalType": "date"}]',
    '{"type": "record", "name": "R"}',
    '{"type": "record", "fields": []}',
    '{"type": "record", "name": "1R", "fields": []}',
    '{"type": "record", "name": "R", "namespace": "1bad", "fields": []}',
    '{"type": "record", "name": "R", "fields": [], "aliases": ["bad-alias"]}',
    '{"type": "record", "name": "int", "fields": []}',
    '{"type": "record", "name": "R", "fields": [{"name": "a-b", "type": "int"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "a", '
    '"type": "int"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "order": "up"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": "x"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": null}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": 1.0}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": '
    "2147483648}]}",
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "float", "default": "x"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "array", "items": '
    '"int"}, "default": [1, "x"]}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "record", "name": '
    '"S", "fields": [{"name": "q", "type": "int"}]}, "default": {}}]}',
    '{"type": "enum", "name": "E", "symbols": ["A", "A"]}',
    '{"type": "enum", "name": "E", "symbols": ["1A"]}',
    '{"type": "enum", "name": "E", "symbols": ["A"], "default": "B"}',
    '{"type": "enum", "name": "E"}',
    '{"type": "fixed", "name": "F"}',
    '{"type": "fixed", "name": "F", "size": -1}',
    '{"type": "fixed", "name": "F", "size": "4"}',
    '{"type": "array"}',
    '{"type": "map"}',
    '{"type": {"type": "int"}}',
    '{"type": ["null", "string"]}',
    '{"type": "array", "items": {"type": ["null", "string"]}}',
    '{"type": "Nope"}',
    # Defined again with other properties, or a record again with other fields: Java refuses.
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "enum", "name": "E",'
    ' "symbols": ["A"]}}, {"name": "b", "type": {"type": "enum", "name": "E", "symbols": ["A"], '
    '"x": 1}}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "record", "name": '
    '"R", "fields": [{"name": "z", "type": "int"}]}}]}',
    "42",
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "enum", "name": "R",'
    ' "symbols": ["A"]}}]}',
]


@pytest.mark.parametrize("text", REFUSED)
def test_invalid_schemas_are_refused(text: str) -> None:
    """What Java refuses for a new schema raises InvalidSchemaError (42201)."""
    with pytest.raises(InvalidSchemaError) as caught:
        parse_avro(text)
    assert caught.value.error_code == 42201


ACCEPTED = [
    "[]",
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": ["int", "string"], '
    '"default": "s"}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "double", "default": 1}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "long", "default": '
    "9223372036854775807}]}",
    '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "record", "name": '
    '"S", "fields": [{"name": "q", "type": "int", "default": 3}]}, "default": {}}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "x", "type": {"type": "bytes", '
    '"logicalType": "decimal", "precision": 2, "scale": 4}}]}',
    '{"type": "record", "name": "R", "fields": [{"name": "next", "type": ["null", "R"]}]}',
    '{"type": "record", "name": "R", "doc": 5, "fields": [{"name": "a", "type": "int", '
    '"doc": ["x"]}]}',
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_valid_schemas_are_accepted(text: str) -> None:
    """Corners Java accepts are accepted (union defaults of any branch, invalid logical types)."""
    parse_avro(text)


def test_lenient_parse_allows_unicode_names_and_bad_defaults() -> None:
    """Lookups parse like Confluent parses stored schemas: Unicode names, unchecked defaults."""
    text = json.dumps(
        {"type": "record", "name": "Ünï", "fields": [{"name": "a", "type": "int", "default": "x"}]}
    )
    with pytest.raises(InvalidSchemaError):
        parse_avro(text)
    assert json.loads(parse_avro(text, strict=False).text)["name"] == "Ünï"


def test_normalized_text_sorts_properties_aliases_and_values() -> None:
    """normalize sorts custom properties, aliases and JSON object keys; error becomes record."""
    text = json.dumps(
        {
            "type": "error",
            "name": "R",
            "doc": "",
            "fields": [{"name": "a", "type": "int", "aliases": ["z", "b"], "x": {"b": 1, "a": 2}}],
            "x-z": 1,
            "x-a": {"d": 1, "c": 2},
            "aliases": ["Z", "B"],
        }
    )
    assert parse_avro(text, normalize=True).text == (
        '{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b","z"],'
        '"x":{"a":2,"b":1}}],"x-a":{"c":2,"d":1},"x-z":1,"aliases":["B","Z"]}'
    )


def test_normalized_logical_type_properties_come_first() -> None:
    """normalize keeps logicalType, precision and scale ahead of other properties."""
    text = '{"type": "bytes", "z": 1, "scale": 2, "precision": 4, "logicalType": "decimal"}'
    assert parse_avro(text, normalize=True).text == (
        '{"type":"bytes","logicalType":"decimal","precision":4,"scale":2,"z":1}'
    )


def test_equivalence_ignores_orders_java_ignores() -> None:
    """The equivalence text is the same for schemas that differ in property or alias order."""
    first = parse_avro(
        '{"type": "enum", "name": "E", "symbols": ["A"], "p": 1, "q": {"x": 1, '
        '"y": 2}, "aliases": ["X", "Y"]}'
    )
    second = parse_avro(
        '{"q": {"y": 2, "x": 1}, "aliases": ["Y", "X"], "p": 1, "type": "enum", '
        '"symbols": ["A"], "name": "E"}'
    )
    assert first.text != second.text
    assert first.equivalence == second.equivalence
    assert parse_avro('{"type": "enum", "name": "E", "symbols": ["B", "A"]}').equivalence != (
        first.equivalence
    )


def test_doc_changes_the_schema() -> None:
    """Docs are part of a schema's identity (Confluent compares them)."""
    plain = parse_avro('{"type": "fixed", "name": "F", "size": 1}')
    documented = parse_avro('{"type": "fixed", "name": "F", "size": 1, "doc": "d"}')
    assert plain.equivalence != documented.equivalence


def test_redefining_a_referenced_type_differently_is_refused() -> None:
    """A schema may not redefine a type its references define, unless identically."""
    ref = '{"type": "fixed", "name": "F", "size": 2}'
    parse_avro('{"type": "array", "items": {"type": "fixed", "name": "F", "size": 2}}', [ref])
    with pytest.raises(InvalidSchemaError):
        parse_avro('{"type": "array", "items": {"type": "fixed", "name": "F", "size": 3}}', [ref])


def test_a_registration_parses_its_schema_once() -> None:
    """The lookup parse and the validating parse of one registration share one parsed schema."""
    text = '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}'
    lookup = parse_avro(text, strict=False)
    registration = parse_avro(text, strict=True, normalize=True)
    assert registration.schema is lookup.schema
    assert registration.text == lookup.text


def test_the_model_resolves_names_as_java() -> None:
    """Forward references, inherited namespaces and the null-namespace fallback, in the model."""
    schema = avro.parse(
        {
            "type": "record",
            "name": "Outer",
            "namespace": "com.acme",
            "fields": [
                {"name": "later", "type": ["null", "Inner"]},
                {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": []}},
                {"name": "plain", "type": "Plain"},
            ],
        },
        references=[{"type": "fixed", "name": "Plain", "size": 2}],
    )
    outer = schema.root
    assert isinstance(outer, avro.Record) and schema.name == "com.acme.Outer"
    later, inner, plain = (f.type for f in outer.fields)
    assert isinstance(later, avro.Union) and later.branches[1] is inner
    assert isinstance(inner, avro.Record) and inner.fullname == "com.acme.Inner"
    assert isinstance(plain, avro.Fixed) and plain.fullname == "Plain"
    assert schema.fallbacks == {"com.acme.Plain": "Plain"}
    assert schema.referenced_names == ("Plain",)
    assert json.loads(schema.text())["fields"][2]["type"] == "Plain"
    assert json.loads(schema.text(standalone=True))["fields"][2]["type"]["size"] == 2


def test_a_refused_schema_leaves_the_parser_as_it_was() -> None:
    """Names from a schema the parser refused are not known to the next schema."""
    parser = avro.SchemaParser()
    with pytest.raises(InvalidSchemaError, match="undefined name: 'Nope'"):
        parser.parse({"type": "record", "name": "A", "fields": [{"name": "x", "type": "Nope"}]})
    assert dict(parser.named) == {}
    assert parser.parse({"type": "enum", "name": "A", "symbols": ["X"]}).name == "A"


def test_deep_nesting_is_refused_cleanly() -> None:
    """Nesting far beyond any real schema raises InvalidSchemaError, not RecursionError."""
    deep = '{"type": "array", "items": ' * 300 + '"int"' + "}" * 300
    with pytest.raises(InvalidSchemaError):
        parse_avro(deep)
    with pytest.raises(InvalidSchemaError):
        parse_avro("[" * 100_000 + "]" * 100_000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "name",
                    "namespace",
                    "fields",
                    "items",
                    "values",
                    "symbols",
                    "size",
                    "default",
                    "aliases",
                    "doc",
                    "order",
                    "logicalType",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)
type_names = st.sampled_from(
    ["record", "enum", "fixed", "array", "map", "int", "string", "null", "error", "R", "a.R"]
)


@settings(max_examples=300, deadline=None)
@given(json_values, type_names)
def test_garbage_never_crashes(value: object, kind: str) -> None:
    """Any JSON value parses or raises InvalidSchemaError; nothing else escapes."""
    if isinstance(value, dict) and "type" not in value:
        value = {**value, "type": kind}
    for strict in (True, False):
        try:
            parse_avro(json.dumps(value), strict=strict)
        except InvalidSchemaError:
            pass
