"""Contract: schemas that reference other subjects' named types."""

from __future__ import annotations

from typing import Any

import pytest

from avroframe.registry.types import Schema, SchemaReference
from tests.contract.contract_schemas import avro, expect_error, field, record, same_json

apicurio_differs = pytest.mark.apicurio_differs


def address(ns: str) -> dict[str, Any]:
    """The referenced record, in a namespace of its own (so references write its full name)."""
    return record(ns + ".shared", "Address", field("street", "string"), field("city", "string"))


def address_name(ns: str) -> str:
    """The full name of the referenced record."""
    return f"{ns}.shared.Address"


def customer(ns: str, *extra: dict[str, Any]) -> dict[str, Any]:
    """A record with a field of the referenced type."""
    return record(
        ns, "Customer", field("name", "string"), field("address", address_name(ns)), *extra
    )


def referencing(ns: str, address_subject: str, *extra: dict[str, Any]) -> Schema:
    """``customer`` with its reference to version 1 of ``address_subject``."""
    reference = SchemaReference(address_name(ns), address_subject, 1)
    return avro(customer(ns, *extra), [reference])


def register_pair(registry, subjects, ns: str) -> tuple[str, str, int, int]:
    """Register Address, then Customer referencing it; return subjects and ids."""
    address_subject, customer_subject = subjects("address"), subjects("customer")
    address_id = registry.register_schema(address_subject, avro(address(ns)))
    customer_id = registry.register_schema(customer_subject, referencing(ns, address_subject))
    return address_subject, customer_subject, address_id, customer_id


def test_schema_with_a_reference_reads_back_with_it(registry, subjects, ns) -> None:
    """The referencing schema is stored with its references, by id and by version."""
    address_subject, customer_subject, address_id, customer_id = register_pair(
        registry, subjects, ns
    )
    assert customer_id != address_id
    expected = (SchemaReference(address_name(ns), address_subject, 1),)
    by_id = registry.get_schema(customer_id)
    assert by_id.references == expected
    assert same_json(by_id, avro(customer(ns)))
    by_version = registry.get_latest_version(customer_subject)
    assert by_version.schema.references == expected
    assert by_version.schema_id == customer_id


def test_lookup_and_reregister_with_references(registry, subjects, ns) -> None:
    """The same schema with the same references is found and not registered twice."""
    address_subject, customer_subject, _, customer_id = register_pair(registry, subjects, ns)
    schema = referencing(ns, address_subject)
    assert registry.lookup_schema(customer_subject, schema).schema_id == customer_id
    assert registry.register_schema(customer_subject, schema) == customer_id
    assert registry.get_versions(customer_subject) == [1]


def test_referenced_by(registry, subjects, ns) -> None:
    """The referenced version lists the ids that reference it."""
    address_subject, customer_subject, _, customer_id = register_pair(registry, subjects, ns)
    assert registry.get_referenced_by(address_subject, 1) == [customer_id]
    assert registry.get_referenced_by(address_subject, "latest") == [customer_id]
    assert registry.get_referenced_by(customer_subject, 1) == []
    expect_error(40402, 404, registry.get_referenced_by, address_subject, 2)
    expect_error(40401, 404, registry.get_referenced_by, subjects("missing"), 1)


def test_a_referenced_version_cannot_be_deleted(registry, subjects, ns) -> None:
    """Deleting what a live schema references is refused with 42206."""
    address_subject, _, _, _ = register_pair(registry, subjects, ns)
    expect_error(42206, 422, registry.delete_version, address_subject, 1)
    expect_error(42206, 422, registry.delete_subject, address_subject)
    assert registry.get_versions(address_subject) == [1]


def test_references_released_by_deleting_the_referrer_for_good(registry, subjects, ns) -> None:
    """Once the referrer is deleted permanently, the referenced subject can be deleted."""
    address_subject, customer_subject, _, _ = register_pair(registry, subjects, ns)
    registry.delete_subject(customer_subject)
    registry.delete_subject(customer_subject, permanent=True)
    assert registry.delete_subject(address_subject) == [1]
    assert registry.delete_subject(address_subject, permanent=True) == [1]


@apicurio_differs("Apicurio keeps listing referrers that were deleted for good")
def test_referenced_by_forgets_referrers_deleted_for_good(registry, subjects, ns) -> None:
    """A referrer deleted permanently is no longer listed as referencing."""
    address_subject, customer_subject, _, _ = register_pair(registry, subjects, ns)
    registry.delete_subject(customer_subject)
    registry.delete_subject(customer_subject, permanent=True)
    assert registry.get_referenced_by(address_subject, 1) == []


@apicurio_differs("Apicurio counts soft-deleted referrers as live references")
def test_soft_deleted_referrer_releases_a_soft_delete(registry, subjects, ns) -> None:
    """A soft-deleted referrer no longer blocks a soft delete, but still blocks a hard one."""
    address_subject, customer_subject, _, _ = register_pair(registry, subjects, ns)
    registry.delete_subject(customer_subject)
    assert registry.get_referenced_by(address_subject, 1) == []
    assert registry.delete_subject(address_subject) == [1]
    expect_error(42206, 422, registry.delete_subject, address_subject, permanent=True)
    registry.delete_subject(customer_subject, permanent=True)
    assert registry.delete_subject(address_subject, permanent=True) == [1]


def test_reference_to_a_missing_subject_is_refused(registry, subjects, ns) -> None:
    """A reference to a subject version that does not exist is refused with 42201."""
    schema = referencing(ns, subjects("missing"))
    expect_error(42201, 422, registry.register_schema, subjects("customer"), schema)


def test_unresolved_named_type_without_reference_is_refused(registry, subjects, ns) -> None:
    """Using a named type without referencing it is an invalid schema (42201)."""
    expect_error(42201, 422, registry.register_schema, subjects("customer"), avro(customer(ns)))


def test_evolution_with_references_is_checked(registry, subjects, ns) -> None:
    """Registering an evolution resolves the references before checking compatibility."""
    address_subject, customer_subject, _, _ = register_pair(registry, subjects, ns)
    registry.set_compatibility(customer_subject, "BACKWARD")
    broken = referencing(ns, address_subject, field("vip", "boolean"))
    with pytest.raises(Exception) as caught:
        registry.register_schema(customer_subject, broken)
    assert getattr(caught.value, "http_status_code", None) == 409
    evolved = referencing(ns, address_subject, field("vip", "boolean", default=False))
    registry.register_schema(customer_subject, evolved)
    assert registry.get_versions(customer_subject) == [1, 2]


@apicurio_differs("Apicurio's compatibility endpoint does not resolve references (42201)")
def test_test_compatibility_resolves_references(registry, subjects, ns) -> None:
    """test_compatibility of a referencing schema resolves its references."""
    address_subject, customer_subject, _, _ = register_pair(registry, subjects, ns)
    registry.set_compatibility(customer_subject, "BACKWARD")
    evolved = referencing(ns, address_subject, field("vip", "boolean", default=False))
    assert registry.test_compatibility(customer_subject, evolved)
    broken = referencing(ns, address_subject, field("vip", "boolean"))
    assert not registry.test_compatibility(customer_subject, broken)
