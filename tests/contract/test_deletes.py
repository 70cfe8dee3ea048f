"""Contract: soft deletes, permanent deletes after them, and what reads see in between."""

from __future__ import annotations

import pytest

from tests.contract.contract_schemas import (
    expect_error,
    not_soft_deleted_status,
    ours,
    same_json,
    user_v1,
    user_v2,
)

apicurio_differs = pytest.mark.apicurio_differs


def test_soft_deleted_version_is_hidden_unless_asked_for(registry, subjects, ns) -> None:
    """After a soft delete a version is gone from reads, but deleted=True still shows it."""
    subject = subjects("value")
    first = registry.register_schema(subject, user_v1(ns))
    registry.register_schema(subject, user_v2(ns))
    assert registry.delete_version(subject, 1) == 1
    expect_error(40402, 404, registry.get_version, subject, 1)
    kept = registry.get_version(subject, 1, deleted=True)
    assert (kept.schema_id, kept.version) == (first, 1)
    assert registry.get_versions(subject) == [2]
    assert registry.get_versions(subject, deleted=True) == [1, 2]
    # The id stays readable: data written with it must still decode.
    assert same_json(registry.get_schema(first), user_v1(ns))
    assert registry.get_subjects_by_schema_id(first) == []
    assert registry.get_subjects_by_schema_id(first, deleted=True) == [subject]
    assert registry.get_schema_versions(first, deleted=True) == [(subject, 1)]


def test_lookup_of_a_soft_deleted_version(registry, subjects, ns) -> None:
    """A lookup skips soft-deleted versions unless deleted=True."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    registry.register_schema(subject, user_v2(ns))
    registry.delete_version(subject, 1)
    expect_error(40403, 404, registry.lookup_schema, subject, user_v1(ns))
    found = registry.lookup_schema(subject, user_v1(ns), deleted=True)
    assert (found.schema_id, found.version) == (schema_id, 1)


def test_deleting_latest_deletes_the_newest_live_version(registry, subjects, ns) -> None:
    """delete_version with "latest" deletes the newest live version and returns its number."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    registry.register_schema(subject, user_v2(ns))
    assert registry.delete_version(subject, "latest") == 2
    assert registry.get_latest_version(subject).version == 1


def test_version_delete_rules(registry, subjects, ns, backend) -> None:
    """Soft twice is 40406; permanent without soft is 40407; permanent after soft works."""
    subject = subjects("value")
    status = not_soft_deleted_status(backend)
    registry.register_schema(subject, user_v1(ns))
    registry.register_schema(subject, user_v2(ns))
    expect_error(40407, status, registry.delete_version, subject, 2, permanent=True)
    registry.delete_version(subject, 2)
    expect_error(40406, status, registry.delete_version, subject, 2)
    assert registry.delete_version(subject, 2, permanent=True) == 2
    expect_error(40402, 404, registry.get_version, subject, 2, deleted=True)
    assert registry.get_versions(subject, deleted=True) == [1]


def test_version_delete_not_found(registry, subjects, ns) -> None:
    """Deleting in a missing subject is 40401, a missing version 40402."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    expect_error(40401, 404, registry.delete_version, subjects("missing"), 1)
    expect_error(40402, 404, registry.delete_version, subject, 9)


@apicurio_differs("Apicurio answers a malformed version with 40402, not 42202")
def test_version_delete_of_a_malformed_version_is_42202(registry, subjects, ns) -> None:
    """Deleting a version that is not a number or "latest" is refused with 42202."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    expect_error(42202, 422, registry.delete_version, subject, "first")


def test_subject_soft_delete(registry, subjects, ns) -> None:
    """A soft-deleted subject disappears from listings unless deleted (or deleted_only)."""
    subject, other = subjects("gone"), subjects("kept")
    registry.register_schema(subject, user_v1(ns))
    registry.register_schema(subject, user_v2(ns))
    registry.register_schema(other, user_v1(ns))
    assert registry.delete_subject(subject) == [1, 2]
    assert ours(registry.get_subjects(), subjects.prefix) == [other]
    assert ours(registry.get_subjects(deleted=True), subjects.prefix) == sorted([subject, other])
    assert ours(registry.get_subjects(deleted_only=True), subjects.prefix) == [subject]
    expect_error(40401, 404, registry.get_versions, subject)
    assert registry.get_versions(subject, deleted=True) == [1, 2]
    expect_error(40401, 404, registry.get_latest_version, subject)


@apicurio_differs("Apicurio answers 40403 for a lookup in a soft-deleted subject")
def test_lookup_in_a_soft_deleted_subject_is_40401(registry, subjects, ns) -> None:
    """A soft-deleted subject is not found by a lookup."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    registry.delete_subject(subject)
    expect_error(40401, 404, registry.lookup_schema, subject, user_v1(ns))


@apicurio_differs("Apicurio hides the versions of a soft-deleted subject even with deleted=true")
def test_version_of_a_soft_deleted_subject_with_deleted(registry, subjects, ns) -> None:
    """get_version(deleted=True) still reads the versions of a soft-deleted subject."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    registry.register_schema(subject, user_v2(ns))
    registry.delete_subject(subject)
    assert registry.get_version(subject, 2, deleted=True).version == 2


def test_subject_delete_rules(registry, subjects, ns, backend) -> None:
    """Soft twice is 40404, permanent without soft 40405, a missing subject 40401."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    expect_error(
        40405, not_soft_deleted_status(backend), registry.delete_subject, subject, permanent=True
    )
    registry.delete_subject(subject)
    expect_error(40404, 404, registry.delete_subject, subject)
    assert registry.delete_subject(subject, permanent=True) == [1]
    expect_error(40401, 404, registry.get_versions, subject, deleted=True)
    expect_error(40401, 404, registry.delete_subject, subject)
    expect_error(40401, 404, registry.delete_subject, subjects("never"))


def test_permanent_delete_of_the_only_use_forgets_the_id(registry, subjects, ns, backend) -> None:
    """Once every version using an id is deleted for good, the id is 40403."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    registry.delete_subject(subject)
    registry.delete_subject(subject, permanent=True)
    if backend == "http":
        # The HTTP client keeps id -> schema for good (a live id never changes); ask the server.
        registry.clear_caches()
    expect_error(40403, 404, registry.get_schema, schema_id)


def test_reregistering_after_a_soft_delete_adds_a_version(registry, subjects, ns) -> None:
    """A soft-deleted schema registered again gets the same id under a new version."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    registry.delete_subject(subject)
    assert registry.register_schema(subject, user_v1(ns)) == schema_id
    latest = registry.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (schema_id, 2)


def test_versions_restart_after_a_permanent_delete(registry, subjects, ns) -> None:
    """After a subject is deleted for good, registering starts again at version 1."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    registry.delete_subject(subject)
    registry.delete_subject(subject, permanent=True)
    registry.register_schema(subject, user_v2(ns))
    assert registry.get_versions(subject) == [1]
