"""Contract: registering, ids shared across subjects, versions, lookups and reads by id."""

from __future__ import annotations

import json

import pytest

from avroframe.registry.errors import SchemaNotFoundError, SubjectNotFoundError
from avroframe.registry.protocol import SERDE_METHODS, SchemaRegistryClient
from avroframe.registry.types import AVRO, RegisteredSchema, Schema
from tests.contract.contract_schemas import (
    avro,
    expect_error,
    field,
    ours,
    record,
    same_json,
    user_v1,
    user_v2,
)

apicurio_differs = pytest.mark.apicurio_differs


def reordered_user_v1(ns: str) -> Schema:
    """``user_v1`` with its attributes in another order and indented."""
    schema = {
        "fields": [{"type": "long", "name": "id"}, {"type": "string", "name": "name"}],
        "namespace": ns,
        "name": "User",
        "type": "record",
    }
    return Schema(json.dumps(schema, indent=4))


def test_register_returns_a_positive_id_and_version_one(registry, subjects, ns) -> None:
    """The first registration under a subject is version 1 with a positive id."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    assert isinstance(schema_id, int) and schema_id >= 1
    got = registry.get_version(subject, 1)
    assert isinstance(got, RegisteredSchema)
    assert (got.schema_id, got.subject, got.version) == (schema_id, subject, 1)
    assert same_json(got.schema, user_v1(ns))
    assert got.schema.schema_type == AVRO


def test_backend_is_a_full_client(registry) -> None:
    """Every backend implements the whole SchemaRegistryClient protocol."""
    public = [name for name in vars(SchemaRegistryClient) if not name.startswith("_")]
    public += [name for name in SERDE_METHODS if name not in public]
    assert len(public) > len(SERDE_METHODS)
    missing = [name for name in public if not callable(getattr(registry, name, None))]
    assert missing == []


def test_same_schema_under_two_subjects_gets_one_id(registry, subjects, ns) -> None:
    """Schema ids are global: the same schema under another subject keeps its id."""
    first, second = subjects("a"), subjects("b")
    schema_id = registry.register_schema(first, user_v1(ns))
    assert registry.register_schema(second, user_v1(ns)) == schema_id
    assert registry.get_version(second, 1).schema_id == schema_id
    assert sorted(registry.get_subjects_by_schema_id(schema_id)) == sorted([first, second])
    assert sorted(registry.get_schema_versions(schema_id)) == sorted([(first, 1), (second, 1)])


def test_reregistering_returns_the_id_without_a_new_version(registry, subjects, ns) -> None:
    """Registering a schema the subject already holds returns its id and adds no version."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    assert registry.register_schema(subject, user_v1(ns)) == schema_id
    assert registry.get_versions(subject) == [1]


def test_reformatted_schema_is_the_same_in_its_subject(registry, subjects, ns) -> None:
    """Spacing and the order of standard attributes do not make a new version."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    assert registry.register_schema(subject, reordered_user_v1(ns)) == schema_id
    assert registry.lookup_schema(subject, reordered_user_v1(ns)).schema_id == schema_id
    assert registry.get_versions(subject) == [1]


@apicurio_differs("Apicurio gives a reordered schema a new id under another subject")
def test_reformatted_schema_keeps_its_id_in_another_subject(registry, subjects, ns) -> None:
    """Ids follow the canonical form: a reformatted schema elsewhere gets the same id."""
    schema_id = registry.register_schema(subjects("value"), user_v1(ns))
    assert registry.register_schema(subjects("other"), reordered_user_v1(ns)) == schema_id


def test_distinct_schemas_get_distinct_ids_and_versions_count_up(registry, subjects, ns) -> None:
    """A new schema under a subject gets a new id and the next version number."""
    subject = subjects("value")
    first = registry.register_schema(subject, user_v1(ns))
    second = registry.register_schema(subject, user_v2(ns))
    assert first != second
    assert registry.get_versions(subject) == [1, 2]
    latest = registry.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (second, 2)
    for alias in ("latest", -1):
        assert registry.get_version(subject, alias).version == 2


def test_get_schema_by_id_and_unknown_id(registry, subjects, ns) -> None:
    """An id returns its schema; an id never registered is 40403."""
    schema_id = registry.register_schema(subjects("value"), user_v1(ns))
    got = registry.get_schema(schema_id)
    assert same_json(got, user_v1(ns))
    assert got.references == ()
    expect_error(40403, 404, registry.get_schema, 2_000_000_000)


def test_get_schema_with_another_subject_still_finds_the_id(registry, subjects, ns) -> None:
    """The optional subject of get_schema does not hide an id registered elsewhere."""
    schema_id = registry.register_schema(subjects("value"), user_v1(ns))
    assert same_json(registry.get_schema(schema_id, subjects("unrelated")), user_v1(ns))


@apicurio_differs("Apicurio's ccompat v7 API has no GUIDs (a later Confluent addition)")
def test_get_schema_by_guid(registry, subjects, ns) -> None:
    """A registered schema has a GUID that finds it again; an unknown GUID is 40403."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    guid = registry.get_version(subject, 1).guid
    assert guid
    assert same_json(registry.get_schema_by_guid(guid), user_v1(ns))
    expect_error(40403, 404, registry.get_schema_by_guid, "00000000-0000-4000-8000-000000000000")


def test_lookup_finds_the_registration_without_registering(registry, subjects, ns) -> None:
    """lookup_schema returns id, subject and version; it never registers anything."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    found = registry.lookup_schema(subject, user_v1(ns))
    assert (found.schema_id, found.subject, found.version) == (schema_id, subject, 1)
    assert same_json(found.schema, user_v1(ns))
    expect_error(40403, 404, registry.lookup_schema, subject, user_v2(ns))
    assert registry.get_versions(subject) == [1]


def test_lookup_in_a_missing_subject_is_40401(registry, subjects, ns) -> None:
    """Looking up under a subject that does not exist is 40401, not 40403."""
    registry.register_schema(subjects("value"), user_v1(ns))
    expect_error(40401, 404, registry.lookup_schema, subjects("missing"), user_v1(ns))


def test_get_version_not_found(registry, subjects, ns) -> None:
    """A missing subject is 40401, a missing version 40402."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    expect_error(40401, 404, registry.get_version, subjects("missing"), 1)
    expect_error(40401, 404, registry.get_latest_version, subjects("missing"))
    expect_error(40402, 404, registry.get_version, subject, 7)


@apicurio_differs("Apicurio answers a malformed version with 40402 (or 40401), not 42202")
def test_malformed_version_is_42202(registry, subjects, ns) -> None:
    """A version that is not a positive number or "latest" is refused with 42202."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    for bad in ("abc", 0, -2, "1.5"):
        expect_error(42202, 422, registry.get_version, subject, bad)


def test_get_versions_of_a_missing_subject_is_40401(registry, subjects) -> None:
    """Listing the versions of an unknown subject is 40401."""
    expect_error(40401, 404, registry.get_versions, subjects("missing"))


def test_subjects_listing(registry, subjects, ns) -> None:
    """get_subjects lists the registered subjects."""
    first, second = subjects("alpha"), subjects("beta")
    registry.register_schema(first, user_v1(ns))
    registry.register_schema(second, user_v1(ns))
    assert ours(registry.get_subjects(), subjects.prefix) == sorted([first, second])


@apicurio_differs("Apicurio ignores subjectPrefix and lists every subject")
def test_subjects_listing_by_prefix(registry, subjects, ns) -> None:
    """get_subjects filters by prefix on the server."""
    first, second = subjects("alpha"), subjects("beta")
    registry.register_schema(first, user_v1(ns))
    registry.register_schema(second, user_v1(ns))
    assert registry.get_subjects(subject_prefix=subjects.prefix) == sorted([first, second])
    assert registry.get_subjects(subject_prefix=subjects.prefix + "al") == [first]


def test_ids_of_an_unknown_schema_are_40403(registry) -> None:
    """Subjects and versions of an id never registered are 40403."""
    expect_error(40403, 404, registry.get_subjects_by_schema_id, 2_000_000_001)
    expect_error(40403, 404, registry.get_schema_versions, 2_000_000_001)


def test_schema_types_include_avro(registry) -> None:
    """The registry says it supports Avro."""
    assert AVRO in registry.get_schema_types()


def test_primitive_schema_registers(registry, subjects) -> None:
    """A bare primitive is a valid schema."""
    subject = subjects("key")
    schema_id = registry.register_schema(subject, avro("string"))
    assert json.loads(registry.get_schema(schema_id).schema_str) == "string"


def test_invalid_schemas_are_42201(registry, subjects, ns) -> None:
    """Text that is not an Avro schema is refused with 42201 and registers nothing."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    bad_schemas = [
        "not json",
        json.dumps({"type": "record", "name": "R"}),
        json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}),
        json.dumps(record(ns, "R", field("a", "int", default="not an int"))),
        json.dumps({"type": "enum", "name": "E", "symbols": ["A", "A"]}),
    ]
    for text in bad_schemas:
        expect_error(42201, 422, registry.register_schema, subject, Schema(text))
    assert registry.get_versions(subject) == [1]


@apicurio_differs("Apicurio answers a lookup of an invalid schema with 40403")
def test_lookup_of_an_invalid_schema_is_42201(registry, subjects, ns) -> None:
    """A lookup with text that is not a schema is refused with 42201."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    expect_error(42201, 422, registry.lookup_schema, subject, Schema("not json"))


def test_unknown_schema_type_is_42201(registry, subjects, ns) -> None:
    """A schema type the registry does not know is refused with 42201."""
    schema = Schema(user_v1(ns).schema_str, "XML")
    expect_error(42201, 422, registry.register_schema, subjects("xml"), schema)


@apicurio_differs("Apicurio accepts subject names with control characters")
def test_registering_under_an_invalid_subject_is_42208(registry, subjects, ns) -> None:
    """A subject name with control characters is refused with 42208."""
    expect_error(42208, 422, registry.register_schema, subjects("bad\x01name"), user_v1(ns))


def test_not_found_errors_are_typed(registry, subjects) -> None:
    """Not-found errors are SubjectNotFoundError and SchemaNotFoundError."""
    with pytest.raises(SubjectNotFoundError):
        registry.get_versions(subjects("missing"))
    with pytest.raises(SchemaNotFoundError):
        registry.get_schema(2_000_000_002)
