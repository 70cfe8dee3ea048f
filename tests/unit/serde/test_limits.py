"""Tests of the decode limits against hostile input: fail fast, never hang or crash."""

from __future__ import annotations

import threading

import pytest

from avroframe.serde import DecodeError, DecodeLimitError, DecodeLimits, Reader, parse
from avroframe.serde.limits import needs_guard

LINKED = {"type": "record", "name": "Node",
          "fields": [{"name": "next", "type": ["null", "Node"]}]}


def test_ten_bytes_claiming_2_to_the_62_null_items_fail_fast() -> None:
    """An array of zero-byte items cannot claim more items than max_items."""
    reader = Reader(parse({"type": "array", "items": "null"}), schema_id=9)
    hostile = b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f"  # zigzag 2**62
    with pytest.raises(DecodeLimitError, match="max_items") as info:
        reader.read(hostile, 0)
    assert info.value.schema_id == 9


def test_empty_record_items_are_bounded_too() -> None:
    """Empty records take zero bytes, so their arrays are guarded."""
    schema = {"type": "array", "items": {"type": "record", "name": "E", "fields": []}}
    reader = Reader(parse(schema), limits=DecodeLimits(max_items=10))
    assert reader.read(b"\x14\x00", 0) == [{}] * 10
    with pytest.raises(DecodeLimitError):
        reader.read(b"\x16\x00", 0)


def test_negative_block_counts_are_read_and_bounded() -> None:
    """Blocked encodings (negative count + byte size) are accepted within the limit."""
    reader = Reader(parse({"type": "array", "items": "null"}))
    assert reader.read(b"\x03\x00\x00", 0) == [None, None]  # count -2, size 0
    with pytest.raises(DecodeLimitError):
        Reader(parse({"type": "array", "items": "null"}),
               limits=DecodeLimits(max_items=1)).read(b"\x03\x00\x00", 0)


def test_deep_recursion_fails_with_a_typed_error_not_a_crash() -> None:
    """100,000 nested records (fastavro's C reader would overflow the stack) fail cleanly."""
    reader = Reader(parse(LINKED))
    with pytest.raises(DecodeLimitError, match="max_depth"):
        reader.read(b"\x02" * 100_000 + b"\x00", 0)


def test_deep_recursion_in_a_thread_is_safe() -> None:
    """Threads have their own (possibly smaller) stacks; the guard protects them too."""
    reader = Reader(parse(LINKED))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reader.read(b"\x02" * 50_000 + b"\x00", 0)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert len(errors) == 1 and isinstance(errors[0], DecodeLimitError)


def test_recursion_within_the_limit_decodes() -> None:
    """Legitimate nesting below max_depth decodes normally."""
    value = Reader(parse(LINKED)).read(b"\x02\x02\x00", 0)
    assert value == {"next": {"next": {"next": None}}}


def test_frame_size_limit() -> None:
    """Frames larger than max_frame_bytes are refused before decoding."""
    reader = Reader(parse('"string"'), limits=DecodeLimits(max_frame_bytes=16))
    with pytest.raises(DecodeLimitError, match="max_frame_bytes"):
        reader.read(b"\x00" * 17, 0)


def test_hostile_lengths_in_guarded_schemas() -> None:
    """A huge string length in a guarded schema is refused without allocating."""
    schema = {"type": "record", "name": "N", "fields": [
        {"name": "s", "type": "string"}, {"name": "next", "type": ["null", "N"]}]}
    with pytest.raises(DecodeError, match="claimed"):
        Reader(parse(schema)).read(b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 0)


def test_hostile_lengths_in_plain_schemas_fail_fast() -> None:
    """fastavro alone already fails fast on huge lengths: no guard needed there."""
    reader = Reader(parse({"type": "array", "items": "string"}))
    with pytest.raises(DecodeError):
        reader.read(b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 0)


def test_guard_only_where_needed() -> None:
    """Plain schemas pay nothing; recursive or zero-byte-item schemas are guarded."""
    plain = parse({"type": "record", "name": "P", "fields": [
        {"name": "xs", "type": {"type": "array", "items": "int"}}]})
    assert not needs_guard(plain.parsed, plain.named)
    linked = parse(LINKED)
    assert needs_guard(linked.parsed, linked.named)
    nulls = parse({"type": "array", "items": "null"})
    assert needs_guard(nulls.parsed, nulls.named)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_limits_must_be_positive_ints(bad: object) -> None:
    """DecodeLimits validates its values at construction."""
    with pytest.raises(ValueError):
        DecodeLimits(max_items=bad)  # type: ignore[arg-type]


def test_nesting_through_maps_and_arrays_counts_every_level() -> None:
    """A recursive type nested through map<array<...>> fails with a typed error, even with
    the Python stack already deep and on_error-style callers catching only SerdeError."""
    schema = {"type": "record", "name": "Node", "fields": [
        {"name": "kids", "type": {"type": "map", "values": {"type": "array", "items": "Node"}}}]}
    level = b"\x02\x02k\x02"  # one map entry "k" holding a one-item array
    hostile = level * 2000 + b"\x00" + b"\x00\x00" * 2000
    reader = Reader(parse(schema))

    def nested(depth: int) -> None:
        if depth:
            nested(depth - 1)
        else:
            reader.read(hostile, 0)

    with pytest.raises(DecodeLimitError):
        nested(600)


def test_raising_max_depth_beyond_the_stack_is_still_a_typed_error() -> None:
    """max_depth far above what the stack allows fails as DecodeLimitError, not RecursionError."""
    reader = Reader(parse(LINKED), limits=DecodeLimits(max_depth=100_000))
    with pytest.raises(DecodeLimitError):
        reader.read(b"\x02" * 50_000 + b"\x00", 0)
