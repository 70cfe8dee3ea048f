"""Contract: each compatibility level refuses and accepts, at registration and in tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from avroframe.registry.errors import IncompatibleSchemaError
from avroframe.registry.types import COMPATIBILITY_LEVELS, CompatibilityResult, Schema
from tests.contract.contract_schemas import avro, expect_error, field, record, user_v1

apicurio_differs = pytest.mark.apicurio_differs

Fields = tuple[dict[str, Any], ...]

A: Fields = (field("a", "int"),)
A_STRING: Fields = (field("a", "string"),)
AB: Fields = (*A, field("b", "string"))
AB_DEFAULT: Fields = (*A, field("b", "string", default="x"))
AB_DEFAULT_C_DEFAULT: Fields = (*AB_DEFAULT, field("c", "long", default=0))
ABC: Fields = (*AB, field("c", "long"))


def rec(ns: str, fields: Fields) -> Schema:
    """A version of the record ``Evolving``."""
    return avro(record(ns, "Evolving", *fields))


@dataclass(frozen=True)
class Case:
    """Existing versions, then one schema the level accepts and one it refuses (if any)."""

    history: tuple[Fields, ...]
    accepted: Fields
    refused: Fields | None


CASES = {
    # Anything goes: even changing a field's type.
    "NONE": Case((A,), A_STRING, None),
    # New readers read old data: a new field needs a default.
    "BACKWARD": Case((A,), AB_DEFAULT, AB),
    # ... against every version: "b" without default reads v2 but not v1.
    "BACKWARD_TRANSITIVE": Case((A, AB_DEFAULT), AB_DEFAULT_C_DEFAULT, AB),
    # Old readers read new data: a field old readers need may not go.
    "FORWARD": Case((AB,), ABC, A),
    # ... for every version: v2 has a default for "b", v1 has none.
    "FORWARD_TRANSITIVE": Case((AB, AB_DEFAULT), ABC, A),
    # Both ways with the latest.
    "FULL": Case((A,), AB_DEFAULT, AB),
    # Both ways with every version: "b" without default is fully compatible with v2 only.
    "FULL_TRANSITIVE": Case((A, AB_DEFAULT), AB_DEFAULT_C_DEFAULT, AB),
}


def setup_history(registry, subject: str, ns: str, level: str, case: Case) -> None:
    """Register the case's history under ``subject`` with NONE, then switch to ``level``."""
    registry.set_compatibility(subject, "NONE")
    for fields in case.history:
        registry.register_schema(subject, rec(ns, fields))
    registry.set_compatibility(subject, level)


def expect_incompatible(call, *args) -> IncompatibleSchemaError:
    """Assert an IncompatibleSchemaError with HTTP 409 and error code 40901 (or 409)."""
    with pytest.raises(IncompatibleSchemaError) as caught:
        call(*args)
    assert caught.value.http_status_code == 409
    assert caught.value.error_code in (40901, 409)
    return caught.value


def test_cases_cover_every_level() -> None:
    """The table has one case per compatibility level."""
    assert sorted(CASES) == sorted(COMPATIBILITY_LEVELS)


@pytest.mark.parametrize("level", COMPATIBILITY_LEVELS)
def test_level_at_registration(registry, subjects, ns, level: str) -> None:
    """Registration refuses what the level forbids (409) and accepts what it allows."""
    case = CASES[level]
    subject = subjects(level.lower())
    setup_history(registry, subject, ns, level, case)
    if case.refused is not None:
        expect_incompatible(registry.register_schema, subject, rec(ns, case.refused))
        assert registry.get_versions(subject) == list(range(1, len(case.history) + 1))
    schema_id = registry.register_schema(subject, rec(ns, case.accepted))
    latest = registry.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (schema_id, len(case.history) + 1)


@pytest.mark.parametrize("level", COMPATIBILITY_LEVELS)
def test_level_in_test_compatibility(registry, subjects, ns, level: str) -> None:
    """test_compatibility gives the same verdicts as registration, and registers nothing."""
    case = CASES[level]
    subject = subjects(level.lower())
    setup_history(registry, subject, ns, level, case)
    accepted = registry.test_compatibility(subject, rec(ns, case.accepted), version=None)
    assert isinstance(accepted, CompatibilityResult)
    assert accepted.is_compatible
    if case.refused is not None:
        refused = registry.test_compatibility(subject, rec(ns, case.refused), version=None)
        assert not refused.is_compatible
        assert not registry.test_compatibility(subject, rec(ns, case.refused), version=None)
    assert registry.get_versions(subject) == list(range(1, len(case.history) + 1))


@apicurio_differs("Apicurio's verbose compatibility answer has no messages")
def test_verbose_test_compatibility_says_why(registry, subjects, ns) -> None:
    """verbose=True explains a refusal; an accepted schema has nothing to explain."""
    case = CASES["FULL_TRANSITIVE"]
    subject = subjects("value")
    setup_history(registry, subject, ns, "FULL_TRANSITIVE", case)
    refused = registry.test_compatibility(subject, rec(ns, case.refused), None, verbose=True)
    assert not refused.is_compatible
    assert refused.messages and all(isinstance(m, str) and m for m in refused.messages)
    accepted = registry.test_compatibility(subject, rec(ns, case.accepted), None, verbose=True)
    assert accepted.is_compatible


def test_transitive_refusal_passes_against_the_latest_only(registry, subjects, ns) -> None:
    """Against the latest version alone, the transitive case's refused schema is compatible."""
    case = CASES["BACKWARD_TRANSITIVE"]
    assert case.refused is not None
    subject = subjects("value")
    setup_history(registry, subject, ns, "BACKWARD", case)
    assert registry.test_compatibility(subject, rec(ns, case.refused), "latest")
    assert not registry.test_compatibility(subject, rec(ns, case.refused), 1)
    registry.register_schema(subject, rec(ns, case.refused))


def test_test_compatibility_against_one_version(registry, subjects, ns) -> None:
    """A version number tests against that version; a missing one is 40402."""
    subject = subjects("value")
    registry.register_schema(subject, rec(ns, A))
    assert registry.test_compatibility(subject, rec(ns, AB_DEFAULT), 1)
    assert not registry.test_compatibility(subject, rec(ns, AB), 1)
    expect_error(40402, 404, registry.test_compatibility, subject, rec(ns, A), 5)


@apicurio_differs("Apicurio answers a malformed version with 40402, not 42202")
def test_test_compatibility_with_a_malformed_version_is_42202(registry, subjects, ns) -> None:
    """A malformed version is refused with 42202."""
    subject = subjects("value")
    registry.register_schema(subject, rec(ns, A))
    expect_error(42202, 422, registry.test_compatibility, subject, rec(ns, A), "nope")


def test_test_compatibility_with_no_latest_version(registry, subjects, ns) -> None:
    """Against "latest" of a subject that has none, any schema is compatible."""
    assert registry.test_compatibility(subjects("empty"), rec(ns, A))


@apicurio_differs("Apicurio answers 40401 when testing against all versions of a new subject")
def test_test_compatibility_with_nothing_registered(registry, subjects, ns) -> None:
    """Against all versions of a subject that has none, any schema is compatible."""
    assert registry.test_compatibility(subjects("empty"), rec(ns, A), version=None)


@apicurio_differs("Apicurio refuses an invalid schema (42201) even when verbose")
def test_verbose_test_of_an_invalid_schema_is_incompatible(registry, subjects, ns) -> None:
    """verbose=True reports an invalid schema as incompatible, with the reason."""
    subject = subjects("value")
    registry.register_schema(subject, rec(ns, A))
    result = registry.test_compatibility(subject, Schema("not a schema"), verbose=True)
    assert not result.is_compatible and result.messages


def test_test_compatibility_of_an_invalid_schema_is_42201(registry, subjects, ns) -> None:
    """Without verbose, testing an invalid schema is refused with 42201."""
    subject = subjects("value")
    registry.register_schema(subject, rec(ns, A))
    expect_error(42201, 422, registry.test_compatibility, subject, Schema("not a schema"))


def test_incompatible_registration_says_why(registry, subjects, ns) -> None:
    """The 409 error carries a reason in its message."""
    subject = subjects("value")
    registry.set_compatibility(subject, "BACKWARD")
    registry.register_schema(subject, rec(ns, A))
    error = expect_incompatible(registry.register_schema, subject, rec(ns, AB))
    assert error.error_message


def test_soft_deleted_versions_are_not_compared(registry, subjects, ns) -> None:
    """Compatibility is checked against live versions only."""
    subject = subjects("value")
    registry.set_compatibility(subject, "BACKWARD")
    registry.register_schema(subject, rec(ns, A))
    registry.delete_version(subject, 1)
    registry.register_schema(subject, rec(ns, A_STRING))
    assert registry.get_versions(subject) == [2]


def test_global_level_applies_without_a_subject_level(registry, subjects, ns, backend) -> None:
    """Without a subject level the global one applies; a fresh registry's is BACKWARD."""
    subject = subjects("value")
    registry.register_schema(subject, user_v1(ns))
    global_level = registry.get_compatibility()
    assert registry.get_compatibility(subject, default_to_global=True) == global_level
    if backend != "http":
        assert global_level == "BACKWARD"
    if global_level == "BACKWARD":
        incompatible = avro(record(ns, "User", field("other", "int")))
        expect_incompatible(registry.register_schema, subject, incompatible)
