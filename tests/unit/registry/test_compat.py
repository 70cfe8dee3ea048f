"""Unit tests for registry.compat: Java Avro 1.12 SchemaCompatibility rules and Confluent levels."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from avroframe.registry.compat import can_read, check_compatibility
from avroframe.registry.errors import InvalidSchemaError, RegistryError
from avroframe.registry.types import COMPATIBILITY_LEVELS, CompatibilityResult

Schema = Any


def record(name: str, *fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Build a record schema."""
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def field(name: str, type_: Schema, **extra: Any) -> dict[str, Any]:
    """Build a record field."""
    return {"name": name, "type": type_, **extra}


def kinds(messages: list[str] | tuple[str, ...]) -> list[str]:
    """The incompatibility kinds the messages start with."""
    return [m.split(" ", 1)[0] for m in messages]


def locations(messages: list[str] | tuple[str, ...]) -> list[str]:
    """The JSON-pointer locations the messages name."""
    return [m.split("'", 2)[1] for m in messages]


USER_V1 = record("User", field("id", "long"), field("name", "string"), namespace="com.example")
USER_WITH_DEFAULT = record(
    "User",
    field("id", "long"),
    field("name", "string"),
    field("email", ["null", "string"], default=None),
    namespace="com.example",
)
USER_WITHOUT_DEFAULT = record(
    "User",
    field("id", "long"),
    field("name", "string"),
    field("email", "string"),
    namespace="com.example",
)
USER_NO_NAME = record("User", field("id", "long"), namespace="com.example")


# --- levels ---------------------------------------------------------------------------------


def test_backward_accepts_added_field_with_default() -> None:
    """BACKWARD: the new schema may add a field that has a default."""
    assert check_compatibility(USER_WITH_DEFAULT, [USER_V1], "BACKWARD") == CompatibilityResult(
        True
    )


def test_backward_refuses_added_field_without_default() -> None:
    """BACKWARD: a new field without default cannot be filled from old data."""
    result = check_compatibility(USER_WITHOUT_DEFAULT, [USER_V1], "BACKWARD")
    assert not result
    assert result.messages[0] == (
        "READER_FIELD_MISSING_DEFAULT_VALUE at '/fields/2': field 'email' in the new schema has "
        "no default value and is missing from the old schema"
    )
    assert result.messages[-1].startswith('old schema: {"type":"record","name":"User"')
    assert len(result.messages) == 2


def test_backward_accepts_removed_field() -> None:
    """BACKWARD: the new schema may drop a field; the reader skips it."""
    assert check_compatibility(USER_NO_NAME, [USER_V1], "BACKWARD")


def test_forward_accepts_added_field_without_default() -> None:
    """FORWARD: old readers ignore a new field, even without default."""
    assert check_compatibility(USER_WITHOUT_DEFAULT, [USER_V1], "FORWARD")


def test_forward_refuses_removed_field_without_default() -> None:
    """FORWARD: old readers need the removed field, which has no default."""
    result = check_compatibility(USER_NO_NAME, [USER_V1], "FORWARD")
    assert not result
    assert result.messages[0] == (
        "READER_FIELD_MISSING_DEFAULT_VALUE at '/fields/1': field 'name' in the old schema has "
        "no default value and is missing from the new schema"
    )


def test_full_accepts_optional_field_added() -> None:
    """FULL: an added field with a default reads both ways."""
    assert check_compatibility(USER_WITH_DEFAULT, [USER_V1], "FULL")


def test_full_refuses_what_backward_refuses() -> None:
    """FULL: a field added without default breaks the backward half."""
    result = check_compatibility(USER_WITHOUT_DEFAULT, [USER_V1], "FULL")
    assert kinds(result.messages[:-1]) == ["READER_FIELD_MISSING_DEFAULT_VALUE"]


def test_full_refuses_what_forward_refuses() -> None:
    """FULL: a removed field without default breaks the forward half."""
    result = check_compatibility(USER_NO_NAME, [USER_V1], "FULL")
    assert kinds(result.messages[:-1]) == ["READER_FIELD_MISSING_DEFAULT_VALUE"]
    assert "in the old schema" in result.messages[0]


def test_full_lists_forward_problems_before_backward_ones() -> None:
    """FULL reports old-reads-new problems first, then new-reads-old, as Confluent does."""
    old = record("R", field("a", "int"), field("b", "int"))
    new = record("R", field("a", "int"), field("c", "int"))
    result = check_compatibility(new, [old], "FULL")
    assert result.messages[0].startswith("READER_FIELD_MISSING_DEFAULT_VALUE at '/fields/1'")
    assert "field 'b' in the old schema" in result.messages[0]
    assert "field 'c' in the new schema" in result.messages[1]
    assert result.messages[2].startswith("old schema: ")


def test_none_accepts_anything() -> None:
    """NONE never refuses, whatever the schemas."""
    assert check_compatibility("string", [USER_V1], "NONE")


def test_empty_history_is_compatible() -> None:
    """The first version of a subject is compatible at every level."""
    for level in COMPATIBILITY_LEVELS:
        assert check_compatibility(USER_V1, [], level)


def test_unknown_level_raises_value_error() -> None:
    """A level outside the seven known ones is a ValueError."""
    with pytest.raises(ValueError, match="SIDEWAYS"):
        check_compatibility(USER_V1, [USER_V1], "SIDEWAYS")


def test_level_letter_case_is_ignored() -> None:
    """Levels are matched without regard to letter case."""
    assert not check_compatibility(USER_WITHOUT_DEFAULT, [USER_V1], "backward")


def test_identical_schema_is_compatible_at_every_level() -> None:
    """A schema is compatible with itself at every level."""
    for level in COMPATIBILITY_LEVELS:
        assert check_compatibility(USER_V1, [USER_V1, USER_V1], level)


# --- transitive levels -----------------------------------------------------------------------

V1 = record("Event", field("a", "int"))
V2 = record("Event", field("a", "int"), field("b", "int", default=0))
V3 = record("Event", field("a", "int"), field("b", "int"))


def test_backward_checks_only_the_latest_version() -> None:
    """BACKWARD compares with the latest version only: v3 reads v2 data."""
    assert check_compatibility(V3, [V1, V2], "BACKWARD")


def test_backward_transitive_checks_every_version() -> None:
    """BACKWARD_TRANSITIVE also needs v3 to read v1 data, which lacks 'b'."""
    result = check_compatibility(V3, [V1, V2], "BACKWARD_TRANSITIVE")
    assert not result
    assert kinds(result.messages[:-1]) == ["READER_FIELD_MISSING_DEFAULT_VALUE"]
    assert (
        result.messages[-1] == 'old schema: {"type":"record","name":"Event","fields":'
        '[{"name":"a","type":"int"}]}'
    )


def test_forward_transitive_checks_every_version() -> None:
    """FORWARD passes against the latest but FORWARD_TRANSITIVE fails against v1."""
    old1 = record("Event", field("a", "int"), field("b", "int"))
    old2 = record("Event", field("a", "int"), field("b", "int", default=0))
    candidate = record("Event", field("a", "int"))
    assert check_compatibility(candidate, [old1, old2], "FORWARD")
    assert not check_compatibility(candidate, [old1, old2], "FORWARD_TRANSITIVE")
    assert check_compatibility(candidate, [old1, old2], "FULL")
    assert not check_compatibility(candidate, [old1, old2], "FULL_TRANSITIVE")


def test_transitive_reports_newest_failing_version_first() -> None:
    """Transitive checks go newest first and stop at the first failing version."""
    old1 = record("Event", field("x", "int"))
    old2 = record("Event", field("y", "int"))
    result = check_compatibility(V3, [old1, old2], "BACKWARD_TRANSITIVE")
    assert '"y"' in result.messages[-1]
    assert sum(m.startswith("old schema") for m in result.messages) == 1


# --- primitive promotions --------------------------------------------------------------------

PROMOTIONS = [
    ("int", "long"),
    ("int", "float"),
    ("int", "double"),
    ("long", "float"),
    ("long", "double"),
    ("float", "double"),
    ("string", "bytes"),
    ("bytes", "string"),
]


@pytest.mark.parametrize(("writer", "reader"), PROMOTIONS)
def test_promotion_is_readable(writer: str, reader: str) -> None:
    """The reader reads a writer type it promotes from."""
    assert can_read(reader, writer) == []
    old = record("P", field("v", writer))
    new = record("P", field("v", reader))
    assert check_compatibility(new, [old], "BACKWARD")


@pytest.mark.parametrize(
    ("writer", "reader"), [p for p in PROMOTIONS if p[0] not in ("string", "bytes")]
)
def test_demotion_is_refused(writer: str, reader: str) -> None:
    """Numeric promotions do not work the other way round."""
    messages = can_read(writer, reader)
    assert messages == [
        (
            "TYPE_MISMATCH at '/': the type in the reader schema cannot read the type in the "
            f"writer schema (reader type: {writer.upper()} not compatible with writer type: "
            f"{reader.upper()})"
        )
    ]
    old = record("P", field("v", writer))
    new = record("P", field("v", reader))
    result = check_compatibility(new, [old], "FORWARD")
    assert locations(result.messages[:-1]) == ["/fields/0/type"]


def test_string_bytes_is_full_compatible() -> None:
    """string and bytes read each other, so the change passes FULL."""
    old = record("P", field("v", "string"))
    new = record("P", field("v", "bytes"))
    assert check_compatibility(new, [old], "FULL_TRANSITIVE")


@pytest.mark.parametrize(
    ("reader", "writer"),
    [("int", "string"), ("boolean", "int"), ("string", "int"), ("null", "string"), ("int", "null")],
)
def test_unrelated_primitives_mismatch(reader: str, writer: str) -> None:
    """Primitives without a promotion do not read each other."""
    assert kinds(can_read(reader, writer)) == ["TYPE_MISMATCH"]


def test_complex_types_mismatch() -> None:
    """Different complex types are a TYPE_MISMATCH naming Java's type names."""
    array = {"type": "array", "items": "int"}
    map_ = {"type": "map", "values": "int"}
    assert can_read(array, map_)[0].endswith(
        "(reader type: ARRAY not compatible with writer type: MAP)"
    )
    enum = {"type": "enum", "name": "E", "symbols": ["A"]}
    assert can_read(record("E", field("a", "int")), enum)[0].endswith(
        "(reader type: RECORD not compatible with writer type: ENUM)"
    )


def test_object_form_of_primitive_with_logical_type() -> None:
    """{"type": "long", "logicalType": ...} is a long; logical types are ignored."""
    ts = {"type": "long", "logicalType": "timestamp-millis"}
    assert can_read(ts, "long") == []
    assert can_read("long", ts) == []
    assert can_read(ts, "int") == []


def test_decimal_precision_and_scale_are_ignored() -> None:
    """Java's check ignores logical types, so decimal precision and scale may change."""
    old = {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}
    new = {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 0}
    assert check_compatibility(record("D", field("d", new)), [record("D", field("d", old))], "FULL")


# --- enums ----------------------------------------------------------------------------------

COLOR = {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}
COLOR_MORE = {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "DARK", "BLUE"]}
COLOR_DEFAULT = {**COLOR, "default": "RED"}


def test_enum_reader_with_more_symbols_reads() -> None:
    """A reader enum with extra symbols reads the writer's symbols."""
    assert can_read(COLOR_MORE, COLOR) == []


def test_enum_missing_symbols_without_default_is_refused() -> None:
    """Writer symbols unknown to a reader without default: MISSING_ENUM_SYMBOLS, sorted."""
    assert can_read(COLOR, COLOR_MORE) == [
        (
            "MISSING_ENUM_SYMBOLS at '/symbols': the enum in the reader schema lacks symbols "
            "[BLUE, DARK] of the writer schema and has no default symbol"
        )
    ]


def test_enum_missing_symbols_with_reader_default_is_accepted() -> None:
    """A reader enum default absorbs unknown writer symbols."""
    assert can_read(COLOR_DEFAULT, COLOR_MORE) == []


def test_enum_symbol_added_backward_and_forward() -> None:
    """Adding a symbol passes BACKWARD, fails FORWARD unless the old enum has a default."""
    old = record("R", field("c", COLOR))
    new = record("R", field("c", COLOR_MORE))
    assert check_compatibility(new, [old], "BACKWARD")
    result = check_compatibility(new, [old], "FORWARD")
    assert locations(result.messages[:-1]) == ["/fields/0/type/symbols"]
    assert check_compatibility(new, [record("R", field("c", COLOR_DEFAULT))], "FORWARD")


def test_enum_name_change_is_refused() -> None:
    """Enums are named types: the name must match or be a reader alias."""
    renamed = {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN"]}
    assert can_read(renamed, COLOR) == [
        (
            "NAME_MISMATCH at '/name': the name in the reader schema differs from the name in the "
            "writer schema (expected: Color)"
        )
    ]
    assert can_read({**renamed, "aliases": ["Color"]}, COLOR) == []


def test_missing_enum_field_with_enum_default_reports_type_mismatch() -> None:
    """Java compares a missing enum field that has only an enum default with the writer record."""
    old = record("R", field("a", "int"))
    new = record("R", field("a", "int"), field("c", COLOR_DEFAULT))
    assert can_read(new, old) == [
        (
            "TYPE_MISMATCH at '/fields/1/type': the type in the reader schema cannot read the type "
            "in the writer schema (reader type: ENUM not compatible with writer type: RECORD)"
        )
    ]
    with_field_default = record("R", field("a", "int"), field("c", COLOR_DEFAULT, default="RED"))
    assert can_read(with_field_default, old) == []


# --- names, namespaces and aliases ---------------------------------------------------------


def test_record_rename_needs_reader_alias() -> None:
    """A renamed record reads the old one only through an alias of the old full name."""
    old = record("Old", field("a", "int"), namespace="com.example")
    new = record("New", field("a", "int"), namespace="com.example")
    assert can_read(new, old) == [
        (
            "NAME_MISMATCH at '/name': the name in the reader schema differs from the name in the "
            "writer schema (expected: com.example.Old)"
        )
    ]
    assert can_read({**new, "aliases": ["Old"]}, old) == []
    assert can_read({**new, "aliases": ["com.example.Old"]}, old) == []


def test_unqualified_alias_is_relative_to_the_reader_namespace() -> None:
    """An alias without dots takes the reader type's namespace, so it misses other namespaces."""
    old = record("Old", field("a", "int"), namespace="org.other")
    new = record("New", field("a", "int"), namespace="com.example", aliases=["Old"])
    assert kinds(can_read(new, old)) == ["NAME_MISMATCH"]
    assert can_read({**new, "aliases": ["org.other.Old"]}, old) == []


def test_writer_aliases_do_not_count() -> None:
    """Only reader aliases are applied, as in Java."""
    old = record("Old", field("a", "int"), aliases=["New"])
    new = record("New", field("a", "int"))
    assert kinds(can_read(new, old)) == ["NAME_MISMATCH"]


def test_null_namespace_alias_of_namespaced_reader_never_matches() -> None:
    """Java reports such an alias as ".Old", which never equals a writer full name."""
    old = record("Old", field("a", "int"))
    new = record("New", field("a", "int"), namespace="com.example", aliases=[".Old"])
    assert kinds(can_read(new, old)) == ["NAME_MISMATCH"]


def test_same_short_name_in_other_namespace_matches() -> None:
    """Java compares unqualified names, so a namespace change alone is compatible."""
    old = record("User", field("a", "int"), namespace="com.old")
    new = record("User", field("a", "int"), namespace="com.new")
    assert check_compatibility(new, [old], "FULL")


def test_field_alias_finds_renamed_writer_field() -> None:
    """A reader field finds its writer field through its aliases."""
    old = record("R", field("mail", "string"))
    new = record("R", field("email", "string", aliases=["mail"]))
    assert can_read(new, old) == []
    without_alias = record("R", field("email", "string"))
    assert kinds(can_read(without_alias, old)) == ["READER_FIELD_MISSING_DEFAULT_VALUE"]


def test_field_alias_type_is_checked() -> None:
    """The aliased writer field's type must be readable too."""
    old = record("R", field("mail", "int"))
    new = record("R", field("email", "string", aliases=["mail"]))
    assert locations(can_read(new, old)) == ["/fields/0/type"]


def test_repeated_field_alias_counts_once() -> None:
    """Field aliases are a set in Java, so a repeated alias is not ambiguous."""
    old = record("R", field("mail", "string"))
    new = record("R", field("email", "string", aliases=["mail", "mail"]))
    assert can_read(new, old) == []


def test_field_matching_two_writer_fields_fails_the_check() -> None:
    """Java throws when a reader field matches several writer fields; it counts as refused."""
    old = record("R", field("a", "int"), field("b", "int"))
    new = record("R", field("a", "int", aliases=["b"]))
    messages = can_read(new, old)
    assert len(messages) == 1
    assert messages[0].startswith("compatibility check failed: reader field 'a'")
    assert not check_compatibility(new, [old], "BACKWARD")


def test_nested_type_inherits_namespace_and_short_reference_resolves() -> None:
    """A nested type takes the enclosing namespace; short and full references find it."""

    def schema(inner_type: str) -> dict[str, Any]:
        inner = record("Address", field("city", inner_type))
        return record(
            "Person",
            field("home", inner),
            field("work", "Address"),
            field("other", ["null", "com.example.Address"], default=None),
            namespace="com.example",
        )

    assert can_read(schema("string"), schema("string")) == []
    messages = can_read(schema("int"), schema("string"))
    # One Address pair, checked once: Java repeats its result where the type is used again,
    # and the union then lacks a branch for the writer's Address.
    assert kinds(messages) == ["TYPE_MISMATCH", "TYPE_MISMATCH", "MISSING_UNION_BRANCH"]
    assert locations(messages) == ["/fields/0/type/fields/0/type"] * 2 + ["/fields/2/type/1"]
    assert messages[2].endswith("(reader union lacking writer type: RECORD)")


def test_dotted_name_overrides_namespace_attribute() -> None:
    """A dotted name carries its own namespace, which nested types then inherit."""
    schema = {
        "type": "record",
        "name": "a.b.Outer",
        "namespace": "ignored",
        "fields": [
            field("x", record("Inner", field("v", "int"))),
            field("y", "a.b.Inner"),
        ],
    }
    assert can_read(schema, schema) == []
    with pytest.raises(InvalidSchemaError):
        can_read({**schema, "fields": [*schema["fields"], field("z", "ignored.Inner")]}, schema)


def test_empty_namespace_means_null_namespace() -> None:
    """An empty "namespace" puts a nested type in the null namespace."""
    schema = record(
        "Outer",
        field("x", record("Inner", field("v", "int"), namespace="")),
        field("y", "Inner"),
        namespace="com.example",
    )
    assert can_read(schema, schema) == []


def test_unqualified_reference_falls_back_to_null_namespace() -> None:
    """An unqualified name not found in the current namespace is looked up without one."""
    inner = record("Inner", field("v", "int"))
    schema = [inner, record("Outer", field("i", "Inner"), namespace="com.example")]
    assert can_read(schema, schema) == []


def test_forward_reference_resolves() -> None:
    """A name used before its definition resolves (Avro 1.12 parses forward references)."""
    schema = record(
        "R", field("later", ["null", "Thing"], default=None), field("thing", record("Thing"))
    )
    assert can_read(schema, schema) == []


def test_error_type_is_a_record() -> None:
    """The protocol "error" type is a record for compatibility."""
    err = {"type": "error", "name": "Oops", "fields": [field("msg", "string")]}
    assert can_read(record("Oops", field("msg", "string")), err) == []


# --- recursion --------------------------------------------------------------------------------

LINKED = record("Node", field("value", "int"), field("next", ["null", "Node"], default=None))
LINKED_LONG = record("Node", field("value", "long"), field("next", ["null", "Node"], default=None))


def test_recursive_schema_with_itself() -> None:
    """A recursive type is compatible with itself and the walk ends."""
    assert check_compatibility(LINKED, [LINKED], "FULL_TRANSITIVE")


def test_recursive_schema_promotion() -> None:
    """A promotion inside a recursive type passes one way and fails the other."""
    assert can_read(LINKED_LONG, LINKED) == []
    assert locations(can_read(LINKED, LINKED_LONG)) == ["/fields/0/type"]


def test_mutually_recursive_schemas() -> None:
    """Mutual recursion through arrays and maps ends and checks inner fields."""

    def tree(leaf: str) -> dict[str, Any]:
        return record(
            "Tree",
            field("label", leaf),
            field(
                "forest",
                record(
                    "Forest",
                    field("trees", {"type": "array", "items": "Tree"}),
                    field("index", {"type": "map", "values": "Forest"}),
                ),
            ),
        )

    assert can_read(tree("long"), tree("int")) == []
    assert kinds(can_read(tree("int"), tree("long"))) == ["TYPE_MISMATCH"]


def test_recursive_field_added_without_default_is_refused() -> None:
    """A field added without default inside a recursive type is found once."""
    new = record(
        "Node",
        field("value", "int"),
        field("next", ["null", "Node"], default=None),
        field("tag", "string"),
    )
    assert locations(can_read(new, LINKED)) == ["/fields/2"]


# --- unions -----------------------------------------------------------------------------------


def test_union_widening_is_backward_compatible() -> None:
    """A reader union with an extra branch reads every old branch."""
    old = record("R", field("v", ["null", "string"]))
    new = record("R", field("v", ["null", "string", "int"]))
    assert check_compatibility(new, [old], "BACKWARD")


def test_union_narrowing_is_refused_with_branch_location() -> None:
    """A writer branch that the reader union lacks: MISSING_UNION_BRANCH at its index."""
    old = record("R", field("v", ["null", "string", "int"]))
    new = record("R", field("v", ["null", "string"]))
    assert can_read(new, old) == [
        (
            "MISSING_UNION_BRANCH at '/fields/0/type/2': the union in the reader schema has no "
            "branch for a writer schema type (reader union lacking writer type: INT)"
        )
    ]
    result = check_compatibility(new, [old], "FORWARD")
    assert result.is_compatible


def test_union_narrowing_fails_full() -> None:
    """Narrowing a union breaks FULL through its backward half."""
    old = record("R", field("v", ["null", "string", "int"]))
    new = record("R", field("v", ["null", "string"]))
    result = check_compatibility(new, [old], "FULL")
    assert kinds(result.messages[:-1]) == ["MISSING_UNION_BRANCH"]


def test_reader_union_reads_writer_through_promotion() -> None:
    """A reader union accepts a writer type that any branch promotes from."""
    assert can_read(["null", "double"], "int") == []
    assert can_read(["null", "string"], "int") == [
        (
            "MISSING_UNION_BRANCH at '/': the union in the reader schema has no branch for a "
            "writer schema type (reader union lacking writer type: INT)"
        )
    ]


def test_writer_union_needs_every_branch_readable() -> None:
    """A non-union reader must read every branch of a writer union; each miss is listed."""
    messages = can_read("string", ["null", "string", "int"])
    assert kinds(messages) == ["TYPE_MISMATCH", "TYPE_MISMATCH"]
    assert locations(messages) == ["/0", "/2"]
    assert can_read("long", ["int", "long"]) == []


def test_optional_to_required_and_back() -> None:
    """Making a field required fails BACKWARD; making it optional passes BACKWARD only."""
    optional = record("R", field("v", ["null", "string"], default=None))
    required = record("R", field("v", "string"))
    assert not check_compatibility(required, [optional], "BACKWARD")
    assert check_compatibility(optional, [required], "BACKWARD")
    assert not check_compatibility(optional, [required], "FORWARD")


def test_union_branch_record_matched_by_name() -> None:
    """Records inside unions are checked field by field against the writer's record."""
    old = ["null", record("A", field("x", "int"))]
    new = ["null", record("A", field("x", "int"), field("y", "int"))]
    assert locations(can_read(new, old)) == ["/1"]
    assert can_read(["null", record("A", field("x", "long"))], old) == []


# --- nested containers and fixed ------------------------------------------------------------


def test_nested_record_in_array_reports_deep_location() -> None:
    """Problems inside array items carry the items path."""
    old = record("O", field("items", {"type": "array", "items": record("I", field("a", "int"))}))
    new = record(
        "O",
        field(
            "items", {"type": "array", "items": record("I", field("a", "int"), field("b", "int"))}
        ),
    )
    assert locations(can_read(new, old)) == ["/fields/0/type/items/fields/1"]
    assert can_read(old, new) == []


def test_nested_record_in_map_reports_deep_location() -> None:
    """Problems inside map values carry the values path."""
    old = record("O", field("m", {"type": "map", "values": record("I", field("a", "long"))}))
    new = record("O", field("m", {"type": "map", "values": record("I", field("a", "int"))}))
    assert locations(can_read(new, old)) == ["/fields/0/type/values/fields/0/type"]
    assert can_read(old, new) == []


def test_array_items_promotion() -> None:
    """Array items follow the primitive promotion rules."""
    assert can_read({"type": "array", "items": "long"}, {"type": "array", "items": "int"}) == []
    assert locations(
        can_read({"type": "array", "items": "int"}, {"type": "array", "items": "long"})
    ) == ["/items"]


def test_fixed_size_change_is_refused() -> None:
    """Fixed types must keep their size."""
    old = {"type": "fixed", "name": "Hash", "size": 16}
    new = {"type": "fixed", "name": "Hash", "size": 8}
    assert can_read(new, old) == [
        (
            "FIXED_SIZE_MISMATCH at '/size': the fixed size in the reader schema differs from the "
            "writer schema (expected: 16, found: 8)"
        )
    ]
    result = check_compatibility(
        record("R", field("h", new)), [record("R", field("h", old))], "FULL"
    )
    assert locations(result.messages[:-1]) == ["/fields/0/type/size", "/fields/0/type/size"]


def test_fixed_name_change_is_refused() -> None:
    """Fixed types are named: a rename needs an alias."""
    old = {"type": "fixed", "name": "Hash", "size": 16}
    new = {"type": "fixed", "name": "Digest", "size": 16}
    assert kinds(can_read(new, old)) == ["NAME_MISMATCH"]
    assert can_read({**new, "aliases": ["Hash"]}, old) == []


def test_name_and_field_problems_are_all_listed() -> None:
    """Every incompatibility is reported, in Java's order: name first, then fields."""
    old = record("A", field("x", "string"))
    new = record("B", field("x", "int"), field("y", "int"))
    assert kinds(can_read(new, old)) == [
        "NAME_MISMATCH",
        "TYPE_MISMATCH",
        "READER_FIELD_MISSING_DEFAULT_VALUE",
    ]


def test_shared_named_type_reports_each_use() -> None:
    """A named type used twice is checked once; Java then reports its result at each use."""
    inner_old = record("In", field("v", "string"))
    old = record("O", field("a", inner_old), field("b", "In"))
    new = record("O", field("a", record("In", field("v", "int"))), field("b", "In"))
    messages = can_read(new, old)
    assert locations(messages) == ["/fields/0/type/fields/0/type"] * 2


# --- input handling ---------------------------------------------------------------------------


def test_identical_redefinition_is_accepted() -> None:
    """An inlined reference may repeat a definition verbatim (diamond references)."""
    inner = record("Shared", field("v", "int"))
    schema = record("R", field("a", inner), field("b", copy.deepcopy(inner)))
    assert can_read(schema, schema) == []


def test_equal_enum_and_fixed_redefinitions_are_accepted() -> None:
    """Java's parser accepts an enum with the same symbols or a fixed with the same size again."""
    enum = {"type": "enum", "name": "E", "symbols": ["A", "B"]}
    fixed = {"type": "fixed", "name": "F", "size": 4}
    schema = record(
        "R",
        field("e1", enum),
        field("e2", {**enum, "doc": "again"}),
        field("f1", fixed),
        field("f2", {**fixed, "aliases": ["G"]}),
    )
    assert can_read(schema, schema) == []


def test_record_redefined_inside_itself_keeps_its_own_fields() -> None:
    """Java accepts a record redefined inside itself; a reference by name means the outer one."""
    inner = record("Node", field("z", record("Z", field("v", "int"))))
    writer = record("Node", field("a", "int"), field("c", inner), field("d", "Z"))
    reader = record("Node", field("a", "int"), field("c", "Node"), field("d", record("Z")))
    assert can_read(reader, writer) == [
        f"READER_FIELD_MISSING_DEFAULT_VALUE at '/fields/1/type/fields/{i}': field '{name}' in "
        "the reader schema has no default value and is missing from the writer schema"
        for i, name in enumerate("acd")
    ]
    assert locations(can_read(writer, reader)) == [
        "/fields/1/type/fields/0",
        "/fields/2/type/fields/0",
    ]


def test_redefined_enum_keeps_its_own_default() -> None:
    """A repeated enum definition keeps its default where written; a name reference does not."""
    plain = {"type": "enum", "name": "E", "symbols": ["A", "B"]}
    reader = record(
        "R", field("e1", plain), field("e2", {**plain, "default": "A"}), field("e3", "E")
    )
    writer = record(
        "R", field("e1", {**plain, "symbols": ["A", "B", "C"]}), field("e2", "E"), field("e3", "E")
    )
    assert locations(can_read(reader, writer)) == ["/fields/0/type/symbols"] * 2


@pytest.mark.parametrize(
    "schema",
    [
        "Missing",
        {"type": "record", "name": "R"},
        {"type": "record", "fields": []},
        {"type": "enum", "name": "E"},
        {"type": "fixed", "name": "F"},
        {"type": "fixed", "name": "F", "size": True},
        {"type": "array"},
        {"type": "map"},
        {"no": "type"},
        42,
        None,
        record("R", field("a", "int"), field("a", "long")),
        record("R", {"name": "a"}),
        record("R", field("a", record("Dup", field("x", "int"))), field("b", record("Dup"))),
        {"type": "enum", "name": "E", "symbols": ["A", 1]},
        {"type": "enum", "name": "E", "symbols": ["A"], "aliases": "B"},
    ],
)
def test_malformed_schema_raises_invalid_schema(schema: object) -> None:
    """Malformed schemas raise InvalidSchemaError, a RegistryError."""
    with pytest.raises(InvalidSchemaError):
        can_read(schema, "int")
    with pytest.raises(RegistryError):
        check_compatibility("int", [schema], "BACKWARD")


def test_deep_nesting_is_refused_cleanly() -> None:
    """A deeply nested schema fails with InvalidSchemaError, not RecursionError."""
    deep: object = "int"
    for _ in range(5000):
        deep = {"type": "array", "items": deep}
    with pytest.raises(InvalidSchemaError, match="deeper"):
        can_read(deep, deep)


def test_self_containing_python_object_is_refused_cleanly() -> None:
    """A cyclic Python object (not JSON) fails cleanly instead of looping."""
    loop: dict[str, Any] = {"type": "array"}
    loop["items"] = loop
    with pytest.raises(InvalidSchemaError):
        can_read(loop, "int")


def test_moderately_deep_schema_is_checked() -> None:
    """Schemas well inside the nesting bound are checked normally."""
    deep_old: object = "int"
    deep_new: object = "long"
    for i in range(150):
        deep_old = record(f"R{i}", field("f", deep_old))
        deep_new = record(f"R{i}", field("f", deep_new))
    assert can_read(deep_new, deep_old) == []
    messages = can_read(deep_old, deep_new)
    assert locations(messages) == ["/" + "/".join(["fields", "0", "type"] * 150)]


def test_inputs_are_not_modified() -> None:
    """The check does not change the schemas it is given."""
    before = copy.deepcopy(USER_WITH_DEFAULT)
    check_compatibility(USER_WITH_DEFAULT, [USER_V1], "FULL_TRANSITIVE")
    assert before == USER_WITH_DEFAULT


def test_thirty_field_record_checks() -> None:
    """A 30-field record with unions and promotions checks clean both ways where expected."""
    old = record(
        "Big", *[field(f"f{i}", ["null", "string"] if i % 3 else "int") for i in range(30)]
    )
    new = record(
        "Big",
        *[field(f"f{i}", ["null", "string"] if i % 3 else "long") for i in range(30)],
        field("extra", "int", default=0),
    )
    assert check_compatibility(new, [old], "BACKWARD")
    result = check_compatibility(new, [old], "FULL")
    assert kinds(result.messages[:-1]) == ["TYPE_MISMATCH"] * 10
