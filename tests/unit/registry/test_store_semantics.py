"""Server semantics of the embedded registries that the shared contract suite cannot check.

Confluent's behaviour in corners the Apicurio server used by the contract suite does not follow
(or that would disturb a shared server): read-only and import modes, id reuse, normalization.
"""

from __future__ import annotations

import json
import pickle
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avroframe.registry._store import EmbeddedRegistry
from avroframe.registry.errors import (
    IncompatibleSchemaError,
    InvalidSchemaError,
    InvalidSubjectError,
    InvalidVersionError,
    OperationNotPermittedError,
    RegistryError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    UnprocessableError,
)
from avroframe.registry.memory import MemoryRegistry
from avroframe.registry.sqlite import SqliteRegistry
from avroframe.registry.types import Schema, SchemaReference


@pytest.fixture(params=["memory", "sqlite"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmbeddedRegistry]:
    """A fresh embedded registry of each kind."""
    client: EmbeddedRegistry
    if request.param == "memory":
        client = MemoryRegistry(f"semantics-{uuid.uuid4().hex}")
    else:
        client = SqliteRegistry(tmp_path / "registry.db")
    yield client
    client.close()


def schema(value: Any, refs: tuple[SchemaReference, ...] = ()) -> Schema:
    """A Schema from decoded JSON."""
    return Schema(json.dumps(value), "AVRO", refs)


def rec(name: str, *fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A record schema."""
    return {"type": "record", "name": name, "fields": list(fields), **extra}


A = {"name": "a", "type": "int"}
B_DEFAULT = {"name": "b", "type": "string", "default": ""}


def test_stored_text_is_javas_compact_form(registry: EmbeddedRegistry) -> None:
    """The registry stores the schema as Java's Schema.toString writes it."""
    text = json.dumps(
        {"fields": [{"type": "int", "name": "a"}], "name": "com.acme.R", "type": "record"},
        indent=2,
    )
    schema_id = registry.register_schema("s", Schema(text))
    assert registry.get_schema(schema_id).schema_str == (
        '{"type":"record","name":"R","namespace":"com.acme","fields":[{"name":"a","type":"int"}]}'
    )


def test_readonly_still_answers_a_registered_schema(registry: EmbeddedRegistry) -> None:
    """As on Confluent, registering an existing schema in READONLY mode returns its id."""
    schema_id = registry.register_schema("s", schema(rec("R", A)))
    registry.set_mode("READONLY", "s")
    assert registry.register_schema("s", schema(rec("R", A))) == schema_id
    with pytest.raises(OperationNotPermittedError):
        registry.register_schema("s", schema(rec("R", A, B_DEFAULT)))


def test_readonly_refuses_deletes_and_config_changes(registry: EmbeddedRegistry) -> None:
    """READONLY refuses deleting versions and subjects and changing the level (42205)."""
    registry.register_schema("s", schema(rec("R", A)))
    registry.set_mode("READONLY", "s")
    for call, args in [
        (registry.delete_version, ("s", 1)),
        (registry.delete_subject, ("s",)),
        (registry.set_compatibility, ("s", "FULL")),
    ]:
        with pytest.raises(OperationNotPermittedError) as caught:
            call(*args)
        assert caught.value.error_code == 42205
    registry.set_mode("READWRITE", "s")
    assert registry.delete_version("s", 1) == 1


def test_global_readonly_applies_to_every_subject(registry: EmbeddedRegistry) -> None:
    """A global READONLY mode refuses registrations in subjects without a mode of their own."""
    registry.set_mode("READONLY")
    with pytest.raises(OperationNotPermittedError):
        registry.register_schema("s", schema(rec("R", A)))
    registry.set_mode("READWRITE", "s")
    assert registry.register_schema("s", schema(rec("R", A))) == 1
    assert registry.delete_mode() == "READONLY"
    assert registry.get_mode() == "READWRITE"


def test_import_mode_refuses_registration_without_an_id(registry: EmbeddedRegistry) -> None:
    """In IMPORT mode a registration must name its id (42205 otherwise)."""
    registry.set_mode("IMPORT", "s")
    with pytest.raises(OperationNotPermittedError):
        registry.register_schema("s", schema(rec("R", A)))


def test_global_import_mode(registry: EmbeddedRegistry) -> None:
    """A global IMPORT mode on an empty registry allows explicit ids everywhere."""
    assert registry.set_mode("IMPORT") == "IMPORT"
    assert registry.register_schema("a", schema(rec("R", A)), schema_id=100) == 100
    assert registry.register_schema("b", schema(rec("S", A)), schema_id=7) == 7
    registry.set_mode("READWRITE")
    assert registry.register_schema("c", schema(rec("T", A))) == 101


def test_global_import_mode_needs_an_empty_registry(registry: EmbeddedRegistry) -> None:
    """Entering a global IMPORT mode with live subjects is refused unless forced."""
    registry.register_schema("a", schema(rec("R", A)))
    with pytest.raises(OperationNotPermittedError):
        registry.set_mode("IMPORT")
    assert registry.set_mode("IMPORT", force=True) == "IMPORT"


def test_import_skips_compatibility(registry: EmbeddedRegistry) -> None:
    """Imported versions are not checked for compatibility."""
    registry.set_mode("IMPORT", "s")
    registry.register_schema("s", schema(rec("R", A)), schema_id=10)
    registry.register_schema("s", schema(rec("R", {"name": "z", "type": "long"})), schema_id=11)
    assert registry.get_versions("s") == [1, 2]


def test_entering_import_drops_soft_deleted_versions(registry: EmbeddedRegistry) -> None:
    """Entering IMPORT deletes the subject's soft-deleted versions for good, as Confluent does."""
    registry.register_schema("s", schema(rec("R", A)))
    registry.delete_subject("s")
    registry.set_mode("IMPORT", "s")
    with pytest.raises(SubjectNotFoundError):
        registry.get_versions("s", deleted=True)
    assert registry.register_schema("s", schema(rec("R", A)), schema_id=55) == 55


def test_import_may_reuse_an_id_deleted_for_good(registry: EmbeddedRegistry) -> None:
    """An id whose versions were all deleted for good may be imported with another schema."""
    old = registry.register_schema("old", schema(rec("Old", A)))
    registry.delete_subject("old")
    registry.delete_subject("old", permanent=True)
    registry.set_mode("IMPORT", "new")
    assert registry.register_schema("new", schema(rec("New", A)), schema_id=old) == old
    assert json.loads(registry.get_schema(old).schema_str)["name"] == "New"


def test_same_schema_may_be_imported_under_two_ids(registry: EmbeddedRegistry) -> None:
    """Importing an existing schema under a new id keeps both ids (Confluent allows it)."""
    first = registry.register_schema("a", schema(rec("R", A)))
    registry.set_mode("IMPORT", "b")
    assert registry.register_schema("b", schema(rec("R", A)), schema_id=900) == 900
    assert registry.get_schema(900) == registry.get_schema(first)


def test_invalid_explicit_id(registry: EmbeddedRegistry) -> None:
    """An explicit id outside 0..2^31-1 is refused with a typed error."""
    registry.set_mode("IMPORT", "s")
    for bad in (-5, 2**31, "7", True):
        with pytest.raises(UnprocessableError):
            registry.register_schema("s", schema(rec("R", A)), schema_id=bad)  # type: ignore[arg-type]


def test_id_comes_back_after_a_permanent_delete(registry: EmbeddedRegistry) -> None:
    """A schema deleted for good and registered again gets its old id back."""
    first = registry.register_schema("s", schema(rec("R", A)))
    registry.register_schema("t", schema(rec("Other", A)))
    registry.delete_subject("s")
    registry.delete_subject("s", permanent=True)
    with pytest.raises(SchemaNotFoundError):
        registry.get_schema(first)
    assert registry.register_schema("s", schema(rec("R", A))) == first


def test_ids_are_never_reused_for_new_schemas(registry: EmbeddedRegistry) -> None:
    """After the newest id is deleted for good, the next new schema still gets a fresh id."""
    registry.register_schema("s", schema(rec("R", A)))
    second = registry.register_schema("t", schema(rec("T", A)))
    registry.delete_subject("t")
    registry.delete_subject("t", permanent=True)
    assert registry.register_schema("u", schema(rec("U", A))) == second + 1


def test_reregistering_after_soft_delete_drops_the_old_version(registry: EmbeddedRegistry) -> None:
    """A soft-deleted earlier version of the same schema gives way to the new version."""
    schema_id = registry.register_schema("s", schema(rec("R", A)))
    registry.delete_version("s", 1)
    assert registry.register_schema("s", schema(rec("R", A))) == schema_id
    assert registry.get_versions("s", deleted=True) == [2]


def test_permanent_delete_forgets_subject_settings(registry: EmbeddedRegistry) -> None:
    """Deleting a subject for good also removes its own level and mode."""
    registry.register_schema("s", schema(rec("R", A)))
    registry.set_compatibility("s", "FULL")
    registry.set_mode("READWRITE", "s")
    registry.delete_subject("s")
    registry.delete_subject("s", permanent=True)
    with pytest.raises(RegistryError) as caught:
        registry.get_compatibility("s")
    assert caught.value.error_code == 40408
    with pytest.raises(RegistryError) as caught:
        registry.get_mode("s")
    assert caught.value.error_code == 40409


def test_custom_property_order_matters_for_ids_but_not_lookups(registry: EmbeddedRegistry) -> None:
    """As on Confluent: reordered properties are the same schema within a subject (lookup),
    a new id elsewhere, and one id again when registered with normalize."""
    first = {"type": "string", "x-a": 1, "x-b": {"k": 1, "j": 2}}
    second = {"type": "string", "x-b": {"j": 2, "k": 1}, "x-a": 1}
    schema_id = registry.register_schema("s", schema(first))
    assert registry.register_schema("s", schema(second)) == schema_id
    assert registry.lookup_schema("s", schema(second)).schema_id == schema_id
    assert registry.get_versions("s") == [1]
    assert registry.register_schema("t", schema(second)) != schema_id
    normalized = registry.register_schema("u", schema(first), normalize_schemas=True)
    assert registry.register_schema("v", schema(second), normalize_schemas=True) == normalized


def test_normalized_schema_is_stored_normalized(registry: EmbeddedRegistry) -> None:
    """With normalize the stored text has sorted properties and aliases."""
    value = rec("R", A, aliases=["Z", "B"], **{"x-z": 1, "x-a": 2})
    schema_id = registry.register_schema("s", schema(value), normalize_schemas=True)
    stored = json.loads(registry.get_schema(schema_id).schema_str)
    assert list(stored) == ["type", "name", "fields", "x-a", "x-z", "aliases"]
    assert stored["aliases"] == ["B", "Z"]


def test_lookup_of_a_schema_with_its_references_inlined(registry: EmbeddedRegistry) -> None:
    """A schema sent with its references written inline finds the version registered with them."""
    inner = rec("Inner", A, namespace="x")
    registry.register_schema("inner", schema(inner))
    ref = (SchemaReference("x.Inner", "inner", 1),)
    outer_id = registry.register_schema(
        "outer", schema(rec("Outer", {"name": "i", "type": "x.Inner"}), ref)
    )
    inlined = rec("Outer", {"name": "i", "type": inner})
    found = registry.lookup_schema("outer", schema(inlined))
    assert (found.schema_id, found.version) == (outer_id, 1)
    assert registry.register_schema("outer", schema(inlined)) == outer_id


def test_reference_to_latest_is_stored_with_its_number(registry: EmbeddedRegistry) -> None:
    """A reference to version -1 resolves to the latest version, stored by number."""
    registry.register_schema("inner", schema(rec("Inner", A, namespace="x")))
    registry.register_schema("inner", schema(rec("Inner", A, B_DEFAULT, namespace="x")))
    ref = (SchemaReference("x.Inner", "inner", -1),)
    outer = registry.register_schema(
        "outer", schema(rec("Outer", {"name": "i", "type": "x.Inner"}), ref)
    )
    assert registry.get_schema(outer).references == (SchemaReference("x.Inner", "inner", 2),)
    assert registry.get_referenced_by("inner", 2) == [outer]
    assert registry.get_referenced_by("inner", 1) == []


def test_nested_references_resolve(registry: EmbeddedRegistry) -> None:
    """A referenced schema's own references are resolved too (a chain and a diamond)."""
    registry.register_schema("base", schema({"type": "enum", "name": "n.Base", "symbols": ["A"]}))
    base = SchemaReference("n.Base", "base", 1)
    registry.register_schema(
        "left", schema(rec("n.Left", {"name": "b", "type": "n.Base"}), (base,))
    )
    registry.register_schema(
        "right", schema(rec("n.Right", {"name": "b", "type": "n.Base"}), (base,))
    )
    top = rec("n.Top", {"name": "l", "type": "n.Left"}, {"name": "r", "type": "n.Right"})
    refs = (SchemaReference("n.Left", "left", 1), SchemaReference("n.Right", "right", 1))
    top_id = registry.register_schema("top", schema(top, refs))
    assert registry.get_schema(top_id).references == refs
    evolved = rec(
        "n.Top",
        {"name": "l", "type": "n.Left"},
        {"name": "r", "type": "n.Right"},
        {"name": "extra", "type": "n.Base", "default": "A"},
    )
    assert registry.test_compatibility("top", schema(evolved, refs)).is_compatible


def test_only_avro_is_supported(registry: EmbeddedRegistry) -> None:
    """JSON and Protobuf schemas are refused with 42201; the registry lists AVRO only."""
    assert registry.get_schema_types() == ["AVRO"]
    for kind in ("JSON", "PROTOBUF"):
        with pytest.raises(InvalidSchemaError):
            registry.register_schema("s", Schema('{"type": "object"}', kind))


def test_bad_arguments_are_typed_errors(registry: EmbeddedRegistry) -> None:
    """Wrong argument types raise registry errors, never TypeError or sqlite errors."""
    registry.register_schema("s", schema(rec("R", A)))
    with pytest.raises(InvalidVersionError):
        registry.get_version("s", True)  # type: ignore[arg-type]
    with pytest.raises(InvalidVersionError):
        registry.get_version("s", 1.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidVersionError):
        registry.get_version("s", 2**40)
    with pytest.raises(SchemaNotFoundError):
        registry.get_schema("1")  # type: ignore[arg-type]
    with pytest.raises(SchemaNotFoundError):
        registry.get_schema(2**70)
    with pytest.raises(InvalidSchemaError):
        registry.register_schema("s", '{"type": "int"}')  # type: ignore[arg-type]
    with pytest.raises(InvalidSubjectError):
        registry.register_schema(None, schema("int"))  # type: ignore[arg-type]
    for bad in ("", "__GLOBAL", "a\nb"):
        with pytest.raises(InvalidSubjectError):
            registry.register_schema(bad, schema("int"))
    with pytest.raises(InvalidSubjectError):
        registry.get_versions(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidSchemaError):
        registry.register_schema("s", Schema("[" * 5000 + "]" * 5000))
    for version in (0, -2, 2**70):
        with pytest.raises(InvalidSchemaError):
            registry.register_schema("s", schema("int", (SchemaReference("x", "s", version),)))
    with pytest.raises(InvalidSchemaError):
        registry.register_schema("s", schema("int", ("not a reference",)))  # type: ignore[arg-type]


def test_verbose_test_of_an_invalid_schema(registry: EmbeddedRegistry) -> None:
    """Verbose tests report an invalid schema as incompatible, with the reason."""
    registry.register_schema("s", schema(rec("R", A)))
    result = registry.test_compatibility("s", Schema("{"), verbose=True)
    assert not result.is_compatible
    assert result.messages and "JSON" in result.messages[0]


def test_incompatible_error_holds_the_messages(registry: EmbeddedRegistry) -> None:
    """The 409 error names the subject and the level and lists the reasons."""
    registry.register_schema("s", schema(rec("R", A)))
    with pytest.raises(IncompatibleSchemaError) as caught:
        registry.register_schema("s", schema(rec("R", A, {"name": "b", "type": "string"})))
    error = caught.value
    assert (error.http_status_code, error.error_code, error.subject) == (409, 40901, "s")
    assert "BACKWARD" in str(error) and "'b'" in str(error)
    assert "old schema:" not in str(error) and '"type"' not in str(error)  # no schema dump
    verbose = registry.test_compatibility("s", schema(rec("R", A, {"name": "c", "type": "int"})),
                                          verbose=True)
    assert verbose.messages[-1].startswith("old schema:")  # the verbose answer keeps it


def test_errors_survive_pickling(registry: EmbeddedRegistry) -> None:
    """Errors raised by the store pickle with their codes (for multiprocessing users)."""
    with pytest.raises(SubjectNotFoundError) as caught:
        registry.get_versions("missing")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.error_code, copy.http_status_code, copy.subject) == (40401, 404, "missing")


def test_subject_listing_filters(registry: EmbeddedRegistry) -> None:
    """Prefix, deleted and deleted_only filters combine as on the server."""
    for subject in ("a-1", "a-2", "b-1"):
        registry.register_schema(subject, schema(rec("R", A)))
    registry.delete_subject("a-2")
    assert registry.get_subjects() == ["a-1", "b-1"]
    assert registry.get_subjects("a-") == ["a-1"]
    assert registry.get_subjects("a-", deleted=True) == ["a-1", "a-2"]
    assert registry.get_subjects(deleted_only=True) == ["a-2"]
    assert registry.get_subjects("b", deleted_only=True) == []


def test_latest_ignores_deleted_flag(registry: EmbeddedRegistry) -> None:
    """ "latest" is the newest live version even with deleted=True, as on the server."""
    registry.register_schema("s", schema(rec("R", A)))
    registry.register_schema("s", schema(rec("R", A, B_DEFAULT)))
    registry.delete_version("s", 2)
    assert registry.get_version("s", "latest", deleted=True).version == 1
    assert registry.get_version("s", 2, deleted=True).version == 2


def _database_steps(registry: EmbeddedRegistry, call: Callable[[], object]) -> int:
    """How many sqlite virtual-machine instructions ``call`` runs on the registry's database."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    connection = registry._conn
    connection.set_progress_handler(count, 1)
    try:
        call()
    finally:
        connection.set_progress_handler(None, 1)
    return steps


def _version(name: str, k: int) -> Schema:
    """Version ``k`` of a record: one optional field of its own, so any two are fully
    compatible."""
    return schema(rec(name, {"name": f"v{k}", "type": ["null", "long"], "default": None}))


@pytest.mark.parametrize("level", ["NONE", "BACKWARD", "FULL"])
def test_registration_work_does_not_grow_with_history(
    registry: EmbeddedRegistry, level: str
) -> None:
    """At non-transitive levels registering a new schema, or one already registered, finds what
    it needs through indexes and reads only the latest version: the database work is the same
    with 3 versions as with 60."""
    histories = {"short": 3, "long": 60}
    for subject, count in histories.items():
        registry.set_compatibility(subject, "NONE")
        for k in range(count):
            registry.register_schema(subject, _version(subject.title(), k))
        registry.set_compatibility(subject, level)
        registry.register_schema(subject, _version(subject.title(), 1000))  # warm caches

    def new(subject: str) -> Callable[[], object]:
        return lambda: registry.register_schema(subject, _version(subject.title(), 2000))

    def again(subject: str) -> Callable[[], object]:
        return lambda: registry.register_schema(subject, _version(subject.title(), 0))

    assert _database_steps(registry, new("short")) == _database_steps(registry, new("long"))
    assert _database_steps(registry, again("short")) == _database_steps(registry, again("long"))
    assert registry.get_versions("long")[-1] == 62


garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
    st.builds(Schema, st.text(max_size=40)),
    st.builds(
        Schema,
        st.just('"string"'),
        st.sampled_from(["AVRO", "JSON", ""]),
        st.lists(
            st.builds(SchemaReference, st.text(max_size=5), st.text(max_size=5), st.integers()),
            max_size=2,
        ),
    ),
)
METHODS = {
    "register_schema": 2,
    "lookup_schema": 2,
    "get_schema": 1,
    "get_schema_by_guid": 1,
    "get_latest_version": 1,
    "get_version": 2,
    "get_subjects": 1,
    "get_versions": 1,
    "get_subjects_by_schema_id": 1,
    "get_schema_versions": 1,
    "get_referenced_by": 2,
    "delete_subject": 1,
    "delete_version": 2,
    "test_compatibility": 3,
    "get_compatibility": 1,
    "set_compatibility": 2,
    "delete_compatibility": 1,
    "get_mode": 1,
    "set_mode": 2,
    "delete_mode": 1,
}


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(METHODS)), st.lists(garbage, min_size=3, max_size=3))
def test_garbage_arguments_raise_registry_errors_only(method: str, args: list[Any]) -> None:
    """Any argument values give a result or a RegistryError; nothing else escapes."""
    client = MemoryRegistry("semantics-garbage")
    try:
        getattr(client, method)(*args[: METHODS[method]])
    except RegistryError:
        pass
