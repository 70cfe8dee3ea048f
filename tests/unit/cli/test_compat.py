"""``avroframe compat`` on schema files, with the contract suite's cases for every level."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from avroframe.cli import main
from avroframe.registry.types import COMPATIBILITY_LEVELS, Schema
from tests.contract.contract_schemas import avro, field, record

NS = "cli.compat"
Fields = tuple[dict[str, Any], ...]

# The cases of tests/contract/test_compatibility.py (that module registers its own markers, so
# it is not imported here): history, one schema the level accepts and one it refuses.
A: Fields = (field("a", "int"),)
A_STRING: Fields = (field("a", "string"),)
AB: Fields = (*A, field("b", "string"))
AB_DEFAULT: Fields = (*A, field("b", "string", default="x"))
AB_DEFAULT_C_DEFAULT: Fields = (*AB_DEFAULT, field("c", "long", default=0))
ABC: Fields = (*AB, field("c", "long"))


@dataclass(frozen=True)
class Case:
    history: tuple[Fields, ...]
    accepted: Fields
    refused: Fields | None


CASES = {
    "NONE": Case((A,), A_STRING, None),
    "BACKWARD": Case((A,), AB_DEFAULT, AB),
    "BACKWARD_TRANSITIVE": Case((A, AB_DEFAULT), AB_DEFAULT_C_DEFAULT, AB),
    "FORWARD": Case((AB,), ABC, A),
    "FORWARD_TRANSITIVE": Case((AB, AB_DEFAULT), ABC, A),
    "FULL": Case((A,), AB_DEFAULT, AB),
    "FULL_TRANSITIVE": Case((A, AB_DEFAULT), AB_DEFAULT_C_DEFAULT, AB),
}


def rec(ns: str, fields: Fields) -> Schema:
    """A version of the record ``Evolving``."""
    return avro(record(ns, "Evolving", *fields))


def _file(tmp_path: Path, name: str, fields: Fields) -> str:
    path = tmp_path / f"{name}.avsc"
    path.write_text(rec(NS, fields).schema_str)
    return str(path)


def _previous(tmp_path: Path, history: tuple[Fields, ...]) -> list[str]:
    """--previous options, newest first."""
    argv: list[str] = []
    for number, fields in reversed(list(enumerate(history, 1))):
        argv += ["--previous", _file(tmp_path, f"v{number}", fields)]
    return argv


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["compat", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("level", COMPATIBILITY_LEVELS)
def test_contract_cases_on_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], level: str
) -> None:
    """Each level accepts (exit 0) and refuses (exit 3) what the registry does."""
    case = CASES[level]
    previous = _previous(tmp_path, case.history)
    code, out, err = run(capsys, "--level", level.lower(), *previous,
                         _file(tmp_path, "accepted", case.accepted))
    assert (code, err) == (0, ""), out
    assert out.startswith(f"compatible ({level}")
    if case.refused is None:
        return
    code, out, err = run(capsys, "--level", level, *previous,
                         _file(tmp_path, "refused", case.refused))
    assert code == 3, out + err
    header, *reasons = out.splitlines()
    assert header.startswith("incompatible with ") and header.endswith(f"({level}):")
    assert reasons and all(r.startswith("  ") and " at '" in r for r in reasons)
    assert not any(r.strip().startswith("old schema") for r in reasons)


def test_transitive_levels_name_the_version_that_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """BACKWARD_TRANSITIVE refuses AB because of v1 (A), not the latest (AB with a default)."""
    case = CASES["BACKWARD_TRANSITIVE"]
    previous = _previous(tmp_path, case.history)
    new = _file(tmp_path, "new", case.refused or ())
    code, out, _ = run(capsys, "--level", "BACKWARD", *previous, new)
    assert code == 0, out
    code, out, _ = run(capsys, "--level", "BACKWARD_TRANSITIVE", "--format", "json",
                       *previous, new)
    assert code == 3
    answer = json.loads(out)
    assert answer["compatible"] is False and answer["level"] == "BACKWARD_TRANSITIVE"
    assert answer["checked"] == [previous[1], previous[3]]
    (failure,) = answer["failures"]
    assert failure["against"] == previous[3]
    assert failure["reasons"] == [
        "READER_FIELD_MISSING_DEFAULT_VALUE at '/fields/1': field 'b' in the new schema has no "
        "default value and is missing from the old schema"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not a JSON schema"), ('{"type": "record", "name": "R"}', "invalid schema")],
)
def test_an_unreadable_or_invalid_schema_is_undecided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    """Exit status 1 (could not decide), one line."""
    new = tmp_path / "new.avsc"
    new.write_text(content)
    old = _file(tmp_path, "old", CASES["BACKWARD"].history[0])
    code, out, err = run(capsys, "--previous", old, str(new))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err


def test_a_missing_file_is_undecided(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A previous version that cannot be read: exit status 1."""
    new = _file(tmp_path, "new", CASES["BACKWARD"].accepted)
    code, _, err = run(capsys, "--previous", str(tmp_path / "gone.avsc"), new)
    assert code == 1 and "gone.avsc" in err


def test_previous_or_subject_is_required(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither --previous nor --subject: one line, exit status 1."""
    code, _, err = run(capsys, _file(tmp_path, "new", CASES["BACKWARD"].accepted))
    assert code == 1 and "--previous" in err and "--subject" in err


def test_subject_on_an_embedded_registry_uses_its_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--subject compares with the registry's versions at the subject's level."""
    reg = f"sqlite:///{tmp_path}/r.db"
    case = CASES["FORWARD"]
    for number, fields in enumerate(case.history, 1):
        assert main(["register", "--registry", reg, "--subject", "s", "--schema",
                     _file(tmp_path, f"h{number}", fields)]) == 0
    from avroframe import registry

    client = registry.connect(reg)
    client.set_compatibility("s", "FORWARD")
    client.close()
    capsys.readouterr()
    code, out, _ = run(capsys, "--registry", reg, "--subject", "s",
                       _file(tmp_path, "refused", case.refused or ()))
    assert code == 3 and "incompatible with s version 1 (FORWARD):" in out
    code, out, _ = run(capsys, "--registry", reg, "--subject", "s", "--level", "NONE",
                       _file(tmp_path, "refused", case.refused or ()))
    assert code == 0
