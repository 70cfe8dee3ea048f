"""Tests of the avroframe command line on the persistent embedded registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from avroframe.cli import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_encode_then_decode_round_trips_the_examples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped example records encode to frames and decode back to the same JSON."""
    reg = f"sqlite:///{tmp_path}/r.db"
    frames = tmp_path / "frames.hex"
    code, _, err = run(capsys, "--registry", reg, "encode", "--schema",
                       str(EXAMPLES / "user.avsc"), "--topic", "users", "-o", str(frames),
                       str(EXAMPLES / "users.jsonl"))
    assert code == 0, err
    lines = frames.read_text().splitlines()
    assert len(lines) == 3 and all(line.startswith("0000000001") for line in lines)
    code, out, err = run(capsys, "--registry", reg, "decode", str(frames))
    assert code == 0, err
    expected = [json.loads(line) for line in (EXAMPLES / "users.jsonl").read_text().splitlines()]
    assert [json.loads(line) for line in out.splitlines()] == expected


def test_a_second_process_decodes_with_the_same_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sqlite registry persists: a later run decodes what an earlier one encoded."""
    import subprocess
    import sys

    reg = f"sqlite:///{tmp_path}/r.db"
    encoded = subprocess.run(
        [sys.executable, "-m", "avroframe", "--registry", reg, "encode", "--schema",
         str(EXAMPLES / "user.avsc"), "--topic", "users", "--format", "base64",
         str(EXAMPLES / "users.jsonl")],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    code, out, _ = run(capsys, "--registry", reg, "decode", "--format", "base64",
                       _write(tmp_path / "b64", encoded))
    assert code == 0 and json.loads(out.splitlines()[2])["name"] == "Zoë"


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_inspect_names_id_subject_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """inspect shows the format, id, where it is registered, body length and value."""
    reg = f"sqlite:///{tmp_path}/r.db"
    run(capsys, "--registry", reg, "encode", "--schema", str(EXAMPLES / "user.avsc"), "--topic",
        "users", "-o", str(tmp_path / "f"), str(EXAMPLES / "users.jsonl"))
    code, out, _ = run(capsys, "--registry", reg, "inspect", str(tmp_path / "f"))
    info = json.loads(out.splitlines()[0])
    assert code == 0
    assert info["format"] == "id" and info["schema_id"] == 1
    assert info["registered_as"] == [{"subject": "users-value", "version": 1}]
    assert info["value"]["name"] == "Ada" and info["body_bytes"] > 0


def test_register_subjects_and_versions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """register prints the id; subjects and versions list what is there."""
    reg = f"sqlite:///{tmp_path}/r.db"
    code, out, _ = run(capsys, "--registry", reg, "register", "--subject", "s", "--schema",
                       str(EXAMPLES / "user.avsc"))
    assert code == 0 and json.loads(out) == {"subject": "s", "id": 1, "version": 1}
    assert run(capsys, "--registry", reg, "subjects")[1] == "s\n"
    versions = run(capsys, "--registry", reg, "versions", "s")[1]
    assert json.loads(versions)["id"] == 1


def test_errors_print_one_line_exit_non_zero_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad line fails the whole run with one message and no partial output file."""
    reg = f"sqlite:///{tmp_path}/r.db"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "name": "ok", "signup_date": 1, "balance": "1.00"}\n'
                   '{"id": "not a long", "name": "x", "signup_date": 1, "balance": "1.00"}\n')
    out_file = tmp_path / "out.hex"
    code, out, err = run(capsys, "--registry", reg, "encode", "--schema",
                         str(EXAMPLES / "user.avsc"), "--topic", "t", "-o", str(out_file),
                         str(bad))
    assert code == 1 and not out_file.exists() and out == ""
    assert err.count("\n") == 1 and "bad.jsonl:2" in err
    code, _, err = run(capsys, "--registry", reg, "decode", _write(tmp_path / "x", "zz\n"))
    assert code == 1 and "not hex" in err
    code, _, err = run(capsys, "--registry", reg, "decode", _write(tmp_path / "y", "0700\n"))
    assert code == 1 and "FrameError" in err


def test_unwritable_output_and_deep_input_fail_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing output directory, an output that is a directory, and JSON nested too deep
    each give one error line, exit 1 and leave no stray files."""
    reg = f"sqlite:///{tmp_path}/r.db"
    schema = str(EXAMPLES / "user.avsc")
    for target in (tmp_path / "missing" / "out.hex", tmp_path):
        code, _, err = run(capsys, "--registry", reg, "encode", "--schema", schema, "--topic",
                           "t", "-o", str(target), str(EXAMPLES / "users.jsonl"))
        assert code == 1 and err.count("\n") == 1 and "cannot write" in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = run(capsys, "--registry", reg, "encode", "--schema", schema, "--topic", "t",
                       str(deep))
    assert code == 1 and err.count("\n") == 1


def test_register_reads_the_schema_once_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``register --schema -`` takes the schema from standard input."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO((EXAMPLES / "user.avsc").read_text()))
    code, out, err = run(capsys, "--registry", f"sqlite:///{tmp_path}/r.db", "register",
                         "--subject", "s", "--schema", "-")
    assert code == 0, err
    assert json.loads(out) == {"subject": "s", "id": 1, "version": 1}


def test_the_readme_pipe_on_a_fresh_registry_file(tmp_path: Path) -> None:
    """encode | decode start together on a new registry file (both switch it to WAL at once):
    the README's first command, repeated, never fails with 'database is locked'."""
    import subprocess
    import sys

    expected = [json.loads(line) for line in (EXAMPLES / "users.jsonl").read_text().splitlines()]
    for attempt in range(8):
        reg = f"sqlite:///{tmp_path}/fresh{attempt}.db"
        cli = f"{sys.executable} -m avroframe --registry {reg}"
        result = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {cli} encode --schema {EXAMPLES / 'user.avsc'} "
                           f"--topic users {EXAMPLES / 'users.jsonl'} | {cli} decode"],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr
        assert [json.loads(line) for line in result.stdout.splitlines()] == expected
