"""Console commands' arguments that fail before any connection: one line, exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from avroframe.cli import main
from avroframe.cli.consume import parse_offset

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("beginning", ("beginning", 0)), ("end", ("end", 0)), ("42", ("absolute", 42)),
     ("@1700000000000", ("timestamp", 1700000000000))],
)
def test_offsets_parse(text: str, parsed: tuple[str, int]) -> None:
    """beginning, end, N and @timestamp-ms."""
    assert parse_offset(text) == parsed


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["consume", "t", "--offset", "soon"],
      "--offset 'soon': expected beginning, end, N or @timestamp-ms"),
     (["consume", "t", "--offset=-3"], "--offset '-3': an offset is not negative"),
     (["produce", "t", "--schema", str(EXAMPLES / "user.avsc"), "--config", "linger.ms"],
      "--config 'linger.ms': expected KEY=VALUE"),
     (["produce", "t", "--schema", str(EXAMPLES / "user.avsc"), "--header", "novalue"],
      "--header 'novalue': expected NAME=VALUE")],
)
def test_bad_console_arguments_fail_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Checked before connecting to anything."""
    code = main([*argv, "--registry", f"sqlite:///{tmp_path}/r.db",
                 "--bootstrap", "127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"avroframe: error: {message}\n"


def test_operands_after_options_join_their_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`encode FILE1 --schema S --topic T FILE2`: both files are read (argparse alone drops
    FILE2), and an unknown option is still a usage error."""
    users = str(EXAMPLES / "users.jsonl")
    reg = f"sqlite:///{tmp_path}/r.db"
    code = main(["encode", users, "--registry", reg, "--schema", str(EXAMPLES / "user.avsc"),
                 "--topic", "users", users])
    out = capsys.readouterr().out
    assert code == 0 and len(out.splitlines()) == 6
    with pytest.raises(SystemExit) as exited:
        main(["encode", users, "--schema", "s", "--topic", "t", "--bogus"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


class _Message:
    """What the consume loop reads of a confluent-kafka message."""

    def __init__(self, value: bytes | None, headers: list[tuple[str, bytes]] | None = None,
                 error: object = None) -> None:
        self._value, self._headers, self._error = value, headers, error

    def value(self) -> bytes | None:
        return self._value

    def headers(self) -> list[tuple[str, bytes]] | None:
        return self._headers

    def error(self) -> object:
        return self._error


def test_a_batch_of_plain_frames_is_decoded_at_once_else_message_by_message() -> None:
    import uuid

    from avroframe import registry
    from avroframe.cli.codec import FrameDecoder
    from avroframe.cli.consume import _values_at_once
    from avroframe.serde import AvroSerializer

    reg = registry.connect(f"memory://cli-batch-{uuid.uuid4()}")
    point = '{"type": "record", "name": "P", "fields": [{"name": "x", "type": "int"}]}'
    ser = AvroSerializer(reg, point)
    frames = [ser.serialize({"x": n}, "t") for n in range(3)]
    decode_many = FrameDecoder(reg).decode_many
    batch = [_Message(frames[0]), _Message(None), _Message(frames[2])]
    assert _values_at_once(batch, decode_many) == ['{"x":0}', "null", '{"x":2}']
    # Anything the batch path does not take is left to the per-message loop (policy, offsets).
    assert _values_at_once([_Message(frames[0]), _Message(b"\x07bad")], decode_many) is None
    assert _values_at_once([_Message(frames[0], [("h", b"v")])], decode_many) is None
    assert _values_at_once([_Message(frames[0]), _Message(None, error="eof")], decode_many) is None
    assert _values_at_once(batch, None) is None
    assert FrameDecoder(reg, "avro").decode_many is None
