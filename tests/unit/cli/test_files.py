"""The file commands' contract: output modes, option placement, formats, one-line errors, help."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from avroframe.cli import main
from avroframe.cli.main import build_parser

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def reg(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/r.db"


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def _encode(capsys: pytest.CaptureFixture[str], reg: str, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "encode", "--registry", reg, "--schema", str(EXAMPLES / "user.avsc"),
               "--topic", "users", *extra)


def test_a_new_output_file_gets_the_umask_mode(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str], umask_027: None
) -> None:
    """A new file is 0666 minus the umask (0640 here), not the temporary file's 0600."""
    out = tmp_path / "frames.hex"
    code, _, err = _encode(capsys, reg, "-o", str(out), str(EXAMPLES / "users.jsonl"))
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_an_overwritten_file_keeps_its_mode(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str], umask_027: None
) -> None:
    """Replacing an existing 0604 file keeps 0604, and leaves no temporary file behind."""
    out = tmp_path / "frames.hex"
    out.write_text("old\n")
    out.chmod(0o604)
    code, _, err = _encode(capsys, reg, "-o", str(out), str(EXAMPLES / "users.jsonl"))
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o604
    assert out.read_text().startswith("00000000")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".frames.hex")]


def test_registry_is_accepted_before_and_after_the_subcommand(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--registry works on either side of the subcommand; after it, it wins."""
    frames = tmp_path / "f.hex"
    code, _, err = run(capsys, "--registry", reg, "encode", "--schema",
                       str(EXAMPLES / "user.avsc"), "--topic", "users", "-o", str(frames),
                       str(EXAMPLES / "users.jsonl"))
    assert code == 0, err
    code, out, err = run(capsys, "--registry", "sqlite:///" + str(tmp_path / "other.db"),
                         "decode", "--registry", reg, str(frames))
    assert code == 0, err
    assert json.loads(out.splitlines()[0])["name"] == "Ada"


def test_environment_variable_names_the_registry(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """$AVROFRAME_REGISTRY_URL is used when no --registry is given."""
    monkeypatch.setenv("AVROFRAME_REGISTRY_URL", reg)
    code, _, err = run(capsys, "register", "--subject", "s", "--schema",
                       str(EXAMPLES / "user.avsc"))
    assert code == 0, err
    code, out, _ = run(capsys, "subjects", "--registry", reg)
    assert out.split() == ["s"]


def test_raw_encode_writes_one_frame_and_refuses_several(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format raw writes a single frame's bytes; several records fail in one line."""
    one = tmp_path / "one.jsonl"
    one.write_text((EXAMPLES / "users.jsonl").read_text().splitlines()[0] + "\n")
    out = tmp_path / "one.bin"
    code, _, err = _encode(capsys, reg, "--format", "raw", "-o", str(out), str(one))
    assert code == 0, err
    data = out.read_bytes()
    assert data[:5] == b"\x00\x00\x00\x00\x01"
    code, decoded, err = run(capsys, "decode", "--registry", reg, "--format", "raw", str(out))
    assert code == 0, err
    assert json.loads(decoded)["name"] == "Ada"
    code, _, err = _encode(capsys, reg, "--format", "raw", str(EXAMPLES / "users.jsonl"))
    assert code == 1
    assert err.count("\n") == 1 and "one frame; the input holds 3 records" in err


def test_non_utf8_input_names_the_file(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Latin-1 input fails naming the file and the offset."""
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"name": "Zo\xeb"}\n')
    code, _, err = _encode(capsys, reg, str(bad))
    assert code == 1
    assert err == f"avroframe: error: {bad}:1: not UTF-8 text (invalid byte at column 13)\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [("0000000001020", "not hex: odd number of digits (13)"),
     ("00000zz001", "not hex: character 6 is 'z'")],
)
def test_bad_hex_says_what_is_wrong(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    """Odd-length or non-hex lines get a clear message with file and line."""
    frames = tmp_path / "f.hex"
    frames.write_text(line + "\n")
    code, _, err = run(capsys, "decode", "--registry", reg, str(frames))
    assert code == 1
    assert err == f"avroframe: error: {frames}:1: {message}\n"


def test_a_usage_error_is_one_line_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Bad options: one line naming the problem and pointing at --help, exit status 2."""
    with pytest.raises(SystemExit) as exited:
        main(["decode", "--format", "octal"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("avroframe decode: error: argument --format: invalid choice")
    assert err.endswith("(see avroframe decode --help)\n")


def test_a_bad_value_names_line_and_field_path(
    tmp_path: Path, reg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JSON value that does not fit names its line number and field path."""
    bad = tmp_path / "bad.jsonl"
    lines = (EXAMPLES / "users.jsonl").read_text().splitlines()
    wrong = {"id": 9, "name": "x", "roles": ["OWNER"], "signup_date": "2024-01-01",
             "balance": "1.00"}
    bad.write_text(lines[0] + "\n" + json.dumps(wrong) + "\n")
    code, _, err = _encode(capsys, reg, str(bad))
    assert code == 1
    assert err.startswith(f"avroframe: error: {bad}:2: ")
    assert "$.roles[0]" in err


def _actions(parser: object) -> Iterator[tuple[str, object]]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from ((f"{name} {n}", a) for n, a in _actions(sub))
        else:
            yield (action.dest, action)


def test_every_option_has_help_and_no_markup() -> None:
    """Help texts exist for every option and argument, in plain text."""
    parser = build_parser()
    missing = [name for name, action in _actions(parser)
               if not getattr(action, "help", None)]
    assert not missing
    texts = [parser.format_help()] + [
        sub.format_help()
        for action in parser._actions if hasattr(action, "choices") and action.choices
        for sub in getattr(action, "choices", {}).values() if hasattr(sub, "format_help")
    ]
    assert len(texts) > 9
    assert not any("``" in text for text in texts)


def test_kafka_commands_name_the_extra_without_confluent_kafka(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without confluent-kafka, consume and produce say in one line which extra to install."""
    monkeypatch.setitem(sys.modules, "confluent_kafka", None)
    for argv in (["consume", "t"], ["produce", "t", "--schema", str(EXAMPLES / "user.avsc")]):
        code, _, err = run(capsys, *argv)
        assert code == 1
        assert err == ("avroframe: error: the Kafka commands need confluent-kafka: "
                       "pip install 'avroframe[cli]'\n")


class _Terminal:
    """A stderr that says it is a terminal and keeps what is written."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_shows_on_a_terminal_unless_quiet(
    tmp_path: Path, reg: str, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    """A progress line on a terminal stderr; none with --quiet (nor, above, on a pipe)."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = tmp_path / "f.hex"
    argv = ["encode", "--registry", reg, "--schema", str(EXAMPLES / "user.avsc"), "--topic",
            "users", "-o", str(out), str(EXAMPLES / "users.jsonl")]
    assert main(argv + (["--quiet"] if quiet else [])) == 0
    assert ("encode" in terminal.text and "rec" in terminal.text) is not quiet
    if quiet:
        assert terminal.text == ""
