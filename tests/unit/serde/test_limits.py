"""Tests of the decode limits against hostile input: fail fast, never hang or crash."""

from __future__ import annotations

import threading

import pytest

from avroframe.serde import DecodeError, DecodeLimitError, DecodeLimits, Reader, parse
from avroframe.serde.limits import needs_guard
from avroframe.serde.validate import compile_check

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


# --- depth counted one way, items of every type (issue 9, items 12 and 13) --------------------

def varint(number: int) -> bytes:
    """Avro's zigzag varint."""
    zigzag, out = (number << 1) ^ (number >> 63), bytearray()
    while zigzag > 0x7F:
        out.append(zigzag & 0x7F | 0x80)
        zigzag >>= 7
    out.append(zigzag)
    return bytes(out)


def linked_chain(records: int) -> bytes:
    """A LINKED body of exactly ``records`` nested records."""
    return b"\x02" * (records - 1) + b"\x00"


@pytest.mark.parametrize("limit", [5, 6])
def test_max_depth_is_exact_and_unions_add_no_level(limit: int) -> None:
    """max_depth records decode, one more does not, for odd and even limits alike (each level
    is a union and a record: counting both refused half as deep)."""
    reader = Reader(parse(LINKED), limits=DecodeLimits(max_depth=limit))
    assert reader.read(linked_chain(limit), 0) is not None
    with pytest.raises(DecodeLimitError, match=f"max_depth={limit}"):
        reader.read(linked_chain(limit + 1), 0)


def test_arrays_and_maps_are_levels_too() -> None:
    """{"kids": [{"kids": []}]} is four levels: record, array, record, (empty) array."""
    tree = {"type": "record", "name": "T",
            "fields": [{"name": "kids", "type": {"type": "array", "items": "T"}}]}
    body = b"\x02" + b"\x00" + b"\x00"  # one kid with no kids, then the end of the outer array
    assert Reader(parse(tree), limits=DecodeLimits(max_depth=4)).read(body, 0) == {
        "kids": [{"kids": []}]}
    with pytest.raises(DecodeLimitError):
        Reader(parse(tree), limits=DecodeLimits(max_depth=3)).read(body, 0)
    tree_parsed = parse(tree)
    check = compile_check(tree_parsed.parsed, tree_parsed.named, max_depth=4)
    assert check({"kids": [{"kids": []}]}) and not check({"kids": [{"kids": [{"kids": []}]}]})


def test_a_deep_schema_without_recursion_is_held_to_max_depth() -> None:
    """Three records nested in the schema itself exceed max_depth=2 in every frame."""
    inner = {"type": "record", "name": "C", "fields": [{"name": "n", "type": "int"}]}
    middle = {"type": "record", "name": "B", "fields": [{"name": "c", "type": inner}]}
    outer = {"type": "record", "name": "A", "fields": [{"name": "b", "type": middle}]}
    assert Reader(parse(outer), limits=DecodeLimits(max_depth=3)).read(b"\x02", 0)
    with pytest.raises(DecodeLimitError, match="max_depth=2"):
        Reader(parse(outer), limits=DecodeLimits(max_depth=2)).read(b"\x02", 0)


def map_of_ints(entries: int) -> bytes:
    return varint(entries) + b"".join(
        varint(len(k)) + k + varint(n) for n, k in enumerate(f"k{n}".encode() for n in
                                                               range(entries))) + b"\x00"


def test_map_entries_of_any_type_count_against_max_items() -> None:
    """A map<int> frame was decoded whole whatever its entry count (only zero-byte items were
    counted): 3 M entries took 580 MB."""
    reader = Reader(parse({"type": "map", "values": "int"}), limits=DecodeLimits(max_items=10))
    assert len(reader.read(map_of_ints(10), 0)) == 10
    with pytest.raises(DecodeLimitError, match="max_items=10"):
        reader.read(map_of_ints(11), 0)
    framed = b"\x00\x00\x00\x00\x01" + map_of_ints(11)
    with pytest.raises(DecodeLimitError):
        reader.read_prefixed(framed)  # the per-message entry point takes the guarded path


@pytest.mark.parametrize("items", ["int", "null"])
def test_items_spread_over_several_blocks_add_up(items: str) -> None:
    """max_items bounds the frame, not a block: 3 + 2 items pass at 5, 3 + 3 do not, in plain
    and in sized (negative count) blocks."""
    item = b"\x02" if items == "int" else b""
    reader = Reader(parse({"type": "array", "items": items}), limits=DecodeLimits(max_items=5))

    def blocks(*counts: int, sized: bool = False) -> bytes:
        out = b""
        for count in counts:
            if sized:
                out += varint(-count) + varint(count * len(item))
            else:
                out += varint(count)
            out += item * count
        return out + b"\x00" + b"\x00" * 8  # padding: longer than max_items bytes

    for sized in (False, True):
        assert len(reader.read(blocks(3, 2, sized=sized), 0)) == 5
        with pytest.raises(DecodeLimitError, match="6 collection items exceed max_items=5"):
            reader.read(blocks(3, 3, sized=sized), 0)


def test_nested_collections_share_one_budget() -> None:
    """Items of inner and outer collections are counted together: 2 outer + 2 + 2 inner."""
    schema = {"type": "array", "items": {"type": "array", "items": "long"}}
    body = b"\x04" + (b"\x04\x02\x02\x00") * 2 + b"\x00"  # [[1, 1], [1, 1]]
    assert Reader(parse(schema), limits=DecodeLimits(max_items=6)).read(body, 0) == [[1, 1]] * 2
    with pytest.raises(DecodeLimitError):
        Reader(parse(schema), limits=DecodeLimits(max_items=5)).read(body, 0)


def test_short_frames_are_left_to_fastavro_alone() -> None:
    """Every item takes a byte, so bodies up to max_items bytes are not walked first; schemas
    without collections or recursion get no guard at all."""
    from avroframe.serde.limits import compile_guard

    limits = DecodeLimits(max_items=100)
    collections = parse({"type": "map", "values": "int"})
    guard = compile_guard(collections.parsed, collections.named, limits)
    assert guard is not None and guard.safe_body_bytes == 100
    linked = parse(LINKED)
    linked_guard = compile_guard(linked.parsed, linked.named, limits)
    assert linked_guard is not None and linked_guard.safe_body_bytes == -1
    plain = parse({"type": "record", "name": "P", "fields": [{"name": "a", "type": "int"}]})
    assert compile_guard(plain.parsed, plain.named, limits) is None
