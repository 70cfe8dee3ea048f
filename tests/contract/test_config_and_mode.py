"""Contract: compatibility levels and modes, per subject and global, and what they allow."""

from __future__ import annotations

import random

import pytest

from avroframe.registry.types import COMPATIBILITY_LEVELS, MODES
from tests.contract.contract_schemas import expect_error, same_json, user_v1, user_v2

apicurio_differs = pytest.mark.apicurio_differs


def test_subject_level_set_get_delete(registry, subjects, ns) -> None:
    """A subject's own level is set, read back and deleted (delete returns it)."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    assert registry.get_compatibility(subject, default_to_global=True) == (
        registry.get_compatibility()
    )
    assert registry.set_compatibility(subject, "FULL") == "FULL"
    assert registry.get_compatibility(subject) == "FULL"
    assert registry.get_compatibility(subject, default_to_global=True) == "FULL"
    assert registry.delete_compatibility(subject) == "FULL"
    assert registry.get_compatibility(subject, default_to_global=True) == (
        registry.get_compatibility()
    )


@apicurio_differs("Apicurio returns the global level (or 40401) for a subject without its own")
def test_subject_without_a_level_is_40408(registry, subjects, ns) -> None:
    """A subject without a level of its own answers 40408 unless default_to_global."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    expect_error(40408, 404, registry.get_compatibility, subject)
    expect_error(40408, 404, registry.get_compatibility, subjects("empty"))
    registry.set_compatibility(subject, "FULL")
    registry.delete_compatibility(subject)
    expect_error(40408, 404, registry.get_compatibility, subject)


def test_every_level_can_be_set(registry, subjects) -> None:
    """All seven levels are accepted."""
    subject = subjects("value")
    for level in COMPATIBILITY_LEVELS:
        assert registry.set_compatibility(subject, level) == level
        assert registry.get_compatibility(subject) == level


@apicurio_differs("Apicurio accepts compatibility levels in upper case only")
def test_levels_ignore_letter_case(registry, subjects) -> None:
    """A level in lower case is accepted and stored in upper case."""
    subject = subjects("value")
    assert registry.set_compatibility(subject, "full_transitive") == "FULL_TRANSITIVE"
    assert registry.get_compatibility(subject) == "FULL_TRANSITIVE"


def test_invalid_level_is_42203(registry, subjects) -> None:
    """An unknown compatibility level is refused with 42203."""
    expect_error(42203, 422, registry.set_compatibility, subjects("value"), "SIDEWAYS")
    expect_error(42203, 422, registry.set_compatibility, None, "SIDEWAYS")


def test_deleting_the_level_of_an_unknown_subject_is_40401(registry, subjects) -> None:
    """Deleting a level a subject does not have is 40401, as Confluent answers."""
    expect_error(40401, 404, registry.delete_compatibility, subjects("value"))


def test_subject_level_overrides_global(registry, subjects, ns) -> None:
    """A subject's own level decides its registrations, whatever the global level."""
    subject = subjects("value")
    registry.set_compatibility(subject, "NONE")
    registry.register_schema(subject, user_v1(ns))
    registry.register_schema(subject, user_v2(ns))
    registry.set_compatibility(subject, "FORWARD")
    assert registry.test_compatibility(subject, user_v1(ns)).is_compatible


def test_global_level_set_and_restore(registry) -> None:
    """The global level can be read, changed and reset; the test restores it."""
    saved = registry.get_compatibility()
    assert saved in COMPATIBILITY_LEVELS
    try:
        assert registry.set_compatibility(None, "FULL_TRANSITIVE") == "FULL_TRANSITIVE"
        assert registry.get_compatibility() == "FULL_TRANSITIVE"
        assert registry.delete_compatibility() == "FULL_TRANSITIVE"
        assert registry.get_compatibility() in COMPATIBILITY_LEVELS
    finally:
        registry.set_compatibility(None, saved)
    assert registry.get_compatibility() == saved


@apicurio_differs("Apicurio reports the global mode for a subject without a mode of its own")
def test_subject_mode_lifecycle(registry, subjects) -> None:
    """A subject has no mode until set (40409); delete returns it and removes it."""
    subject = subjects("value")
    expect_error(40409, 404, registry.get_mode, subject)
    assert registry.get_mode(subject, default_to_global=True) == registry.get_mode()
    assert registry.set_mode("READONLY", subject) == "READONLY"
    assert registry.get_mode(subject) == "READONLY"
    assert registry.delete_mode(subject) == "READONLY"
    expect_error(40409, 404, registry.get_mode, subject)
    expect_error(40401, 404, registry.delete_mode, subject)


def test_subject_mode_set_and_delete(registry, subjects) -> None:
    """A subject mode is set, read back and deleted (delete returns it)."""
    subject = subjects("value")
    assert registry.get_mode(subject, default_to_global=True) == registry.get_mode()
    assert registry.set_mode("READONLY", subject) == "READONLY"
    assert registry.get_mode(subject) == "READONLY"
    assert registry.delete_mode(subject) == "READONLY"
    assert registry.get_mode(subject, default_to_global=True) == registry.get_mode()


def test_global_mode_is_a_known_mode(registry, backend) -> None:
    """The global mode is one of the four modes (READWRITE on a fresh registry)."""
    mode = registry.get_mode()
    assert mode in MODES
    if backend != "http":
        assert mode == "READWRITE"


def test_global_mode_set_and_restore(registry) -> None:
    """The global mode can be set to its current value (other modes are tested per subject,
    since a global READONLY or IMPORT would disturb other users of a shared server)."""
    saved = registry.get_mode()
    assert registry.set_mode(saved) == saved
    assert registry.get_mode() == saved


@apicurio_differs("Apicurio answers an unknown mode with 42201")
def test_invalid_mode_is_42204(registry, subjects) -> None:
    """An unknown mode is refused with 42204."""
    expect_error(42204, 422, registry.set_mode, "SIDEWAYS", subjects("value"))


@apicurio_differs("Apicurio stores subject modes but does not enforce them")
def test_readonly_refuses_writes_but_serves_reads(registry, subjects, ns) -> None:
    """READONLY refuses new registrations (42205); reads and lookups still work."""
    subject = subjects("value")
    schema_id = registry.register_schema(subject, user_v1(ns))
    registry.set_mode("READONLY", subject)
    expect_error(42205, 422, registry.register_schema, subject, user_v2(ns))
    assert registry.lookup_schema(subject, user_v1(ns)).schema_id == schema_id
    assert same_json(registry.get_latest_version(subject).schema, user_v1(ns))
    registry.delete_mode(subject)
    registry.register_schema(subject, user_v2(ns))


@apicurio_differs("Apicurio does not know the READONLY_OVERRIDE mode")
def test_readonly_override_refuses_writes(registry, subjects, ns) -> None:
    """READONLY_OVERRIDE refuses registrations too."""
    subject = subjects("value")
    registry.set_mode("READONLY_OVERRIDE", subject)
    expect_error(42205, 422, registry.register_schema, subject, user_v1(ns))


def _unused_id() -> int:
    """An id far above what a test server hands out, so imports do not collide."""
    return random.randint(1_000_000, 1_900_000_000)


@apicurio_differs("Apicurio ignores explicit ids (its ccompat API assigns its own)")
def test_import_mode_registers_under_an_explicit_id(registry, subjects, ns) -> None:
    """IMPORT mode registers a schema under the id given, which then reads back."""
    subject = subjects("imported")
    registry.set_mode("IMPORT", subject)
    wanted = _unused_id()
    assert registry.register_schema(subject, user_v1(ns), schema_id=wanted) == wanted
    assert same_json(registry.get_schema(wanted), user_v1(ns))
    got = registry.get_version(subject, 1)
    assert (got.schema_id, got.version) == (wanted, 1)
    registry.set_mode("READWRITE", subject)
    assert registry.register_schema(subject, user_v2(ns)) != wanted


@apicurio_differs("Apicurio ignores explicit ids instead of refusing them outside IMPORT")
def test_explicit_id_needs_import_mode(registry, subjects, ns) -> None:
    """Registering under an explicit id outside IMPORT mode is refused with 42205."""
    expect_error(
        42205, 422, registry.register_schema, subjects("value"), user_v1(ns), schema_id=_unused_id()
    )


@apicurio_differs("Apicurio lets a subject with versions enter IMPORT mode")
def test_import_mode_needs_an_empty_subject(registry, subjects, ns) -> None:
    """Entering IMPORT with live versions is refused (42205) unless forced."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    expect_error(42205, 422, registry.set_mode, "IMPORT", subject)
    assert registry.set_mode("IMPORT", subject, force=True) == "IMPORT"
    assert registry.get_mode(subject) == "IMPORT"


def test_import_refuses_an_id_taken_by_another_schema(registry, subjects, ns) -> None:
    """An explicit id that already holds a different schema is refused with 42207."""
    taken = registry.register_schema(subjects("owner"), user_v1(ns))
    subject = subjects("imported")
    registry.set_mode("IMPORT", subject)
    expect_error(42207, 422, registry.register_schema, subject, user_v2(ns), schema_id=taken)


def test_import_accepts_the_same_schema_under_its_own_id(registry, subjects, ns) -> None:
    """Importing a schema under the id it already has adds it to the subject."""
    taken = registry.register_schema(subjects("owner"), user_v1(ns))
    subject = subjects("imported")
    registry.set_mode("IMPORT", subject)
    assert registry.register_schema(subject, user_v1(ns), schema_id=taken) == taken
    assert registry.get_version(subject, 1).schema_id == taken
