"""Tests of the wire-format frame: prefixes, GUIDs, headers and malformed input."""

from __future__ import annotations

import uuid

import pytest

from avroframe.serde import FrameError, frame


def test_classic_prefix_is_magic_zero_and_big_endian_id() -> None:
    """The classic frame is 0x00, the id in 4 big-endian bytes, then the body."""
    assert frame.pack(258, b"body") == b"\x00\x00\x00\x01\x02body"


@pytest.mark.parametrize("schema_id", [0, 1, 255, 65536, 2**31 - 2, 2**31 - 1])
def test_ids_round_trip_exactly(schema_id: int) -> None:
    """Every id up to 2**31-1 survives pack and unpack."""
    unpacked = frame.unpack(frame.pack(schema_id, b"x"))
    assert unpacked.ref.schema_id == schema_id
    assert unpacked.body == b"x"
    assert unpacked.body_offset == 5


@pytest.mark.parametrize("bad", [-1, 2**31, 2**40, True, "1"])
def test_out_of_range_ids_are_refused(bad: object) -> None:
    """Ids outside 0..2**31-1 (or not ints) cannot be packed."""
    with pytest.raises(FrameError):
        frame.schema_id_prefix(bad)  # type: ignore[arg-type]


def test_five_byte_frame_has_empty_body() -> None:
    """A frame of exactly 5 bytes (a record with no fields) is valid."""
    unpacked = frame.unpack(b"\x00\x00\x00\x00\x07")
    assert unpacked.ref.schema_id == 7 and unpacked.body == b""


def test_guid_prefix() -> None:
    """Magic 0x01 is followed by a 16-byte GUID in uuid.bytes order."""
    guid = uuid.uuid4()
    unpacked = frame.unpack(frame.guid_prefix(guid) + b"rest")
    assert unpacked.ref.guid == guid and unpacked.ref.schema_id is None
    assert unpacked.body == b"rest"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00", "shorter than the 5-byte"),
        (b"\x00\x00\x00\x01", "shorter than the 5-byte"),
        (b"\x01" + b"\x00" * 10, "shorter than the 17-byte"),
        (b"\x02\x00\x00\x00\x01", "unknown magic byte 0x02"),
        (b"\xff", "unknown magic byte 0xff"),
    ],
)
def test_malformed_frames_raise_frame_error(data: bytes, message: str) -> None:
    """Bad frames raise FrameError saying what is wrong."""
    with pytest.raises(FrameError, match=message):
        frame.unpack(data)


def test_header_wins_over_prefix_and_body_is_unprefixed() -> None:
    """A schema-id header names the schema; the payload is then the bare body."""
    guid = uuid.uuid4()
    headers = [("__value_schema_id", frame.guid_prefix(guid))]
    unpacked = frame.unpack(b"\x02", headers)
    assert unpacked.ref.guid == guid
    assert unpacked.body == b"\x02" and unpacked.source == "header"


def test_key_header_is_separate_from_value_header() -> None:
    """The key looks at __key_schema_id only."""
    guid = uuid.uuid4()
    headers = {"__value_schema_id": frame.guid_prefix(guid)}
    assert frame.unpack(b"\x00\x00\x00\x00\x03", headers, is_key=True).ref.schema_id == 3
    assert frame.unpack(b"\x02", headers).ref.guid == guid


def test_repeated_header_takes_the_last_as_java_does() -> None:
    """When a header repeats, the last value wins (Java's rule)."""
    first, last = uuid.uuid4(), uuid.uuid4()
    headers = [
        ("__value_schema_id", frame.guid_prefix(first)),
        ("__value_schema_id", frame.guid_prefix(last)),
    ]
    assert frame.unpack(b"", headers).ref.guid == last


def test_malformed_header_raises_frame_error() -> None:
    """A schema-id header that is neither a GUID nor an id is a FrameError."""
    with pytest.raises(FrameError, match="__value_schema_id"):
        frame.unpack(b"\x02", [("__value_schema_id", b"\x01abc")])


def test_add_header_needs_a_mutable_container() -> None:
    """Header mode needs a list or dict to write into."""
    headers: list[tuple[str, bytes]] = []
    frame.add_header(headers, "h", b"v")
    assert headers == [("h", b"v")]
    with pytest.raises(FrameError, match="mutable headers"):
        frame.add_header(None, "h", b"v")


def test_add_header_replaces_an_earlier_value() -> None:
    """A headers list reused across sends keeps one schema-id header."""
    headers: list[tuple[str, bytes]] = [("other", b"1"), ("h", b"old")]
    frame.add_header(headers, "h", b"new")
    assert headers == [("other", b"1"), ("h", b"new")]


def test_malformed_headers_are_frame_errors() -> None:
    """Headers that are not pairs are skipped; a non-bytes schema-id header is a FrameError."""
    assert frame.find_header([None, ("a", b"1")], "a") == b"1"  # type: ignore[list-item]
    with pytest.raises(FrameError, match="int"):
        frame.unpack(b"\x00\x00\x00\x00\x01", [("__value_schema_id", 5)])
    with pytest.raises(FrameError):
        frame.find_header(5, "a")  # type: ignore[arg-type]
