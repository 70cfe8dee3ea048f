"""Decode limits, and the guard that enforces them before fastavro reads hostile bytes.

fastavro reads an array's items one by one for as many as the block count claims: items that
take zero bytes (null, an empty record) let 10 bytes claim 2**62 items and loop forever; a frame
of small map entries or array items becomes a hundred times its size in Python objects; and a
recursive schema nested a few thousand deep overflows the C stack. So a body that could break a
limit is first walked by a small skipper that counts collection items and nesting depth and
checks lengths, failing fast with :class:`DecodeLimitError`. Which bodies need the walk is
decided once per schema: never for schemas without collections or recursion, only for bodies
longer than ``max_items`` bytes when every item takes at least a byte (so the usual frame is read
by fastavro alone), and always for recursive schemas and arrays of zero-byte items.

Depth counts records, arrays and maps, the outermost included; unions add no level (the
serializer's checks count the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import DecodeError, DecodeLimitError
from .schematypes import RECORDS, children, deref, kind, max_nesting


@dataclass(frozen=True)
class DecodeLimits:
    """Bounds on what one frame may make the decoder do; raise them for unusual data."""

    max_frame_bytes: int = 64 * 1024 * 1024
    """Largest frame accepted (Kafka's default message limit is 1 MiB)."""
    max_items: int = 1_000_000
    """Most collection items (array items plus map entries, of any type, all collections
    together) in one frame."""
    max_depth: int = 512
    """Deepest nesting of records, arrays and maps (unions do not count) in one frame;
    fastavro's C reader overflows the stack a few thousand levels down."""

    def __post_init__(self) -> None:
        for name in ("max_frame_bytes", "max_items", "max_depth"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, not {value!r}")


def _zero_bytes_possible(node: Any, named: dict[str, Any], seen: frozenset[str]) -> bool:
    node = deref(node, named)
    node_kind = kind(node)
    if node_kind == "null":
        return True
    if node_kind == "fixed":
        return int(node["size"]) == 0
    if node_kind in RECORDS:
        if node["name"] in seen:
            return False
        inner = seen | {node["name"]}
        return all(_zero_bytes_possible(f["type"], named, inner) for f in node["fields"])
    return False


def _collections(node: Any, named: dict[str, Any], seen: set[str]) -> tuple[bool, bool]:
    """(has an array or map, has an array whose items can take zero bytes)."""
    node = deref(node, named)
    node_kind = kind(node)
    if node_kind in RECORDS:
        if node["name"] in seen:
            return False, False
        seen.add(node["name"])
    found = node_kind in ("array", "map")
    zero = node_kind == "array" and _zero_bytes_possible(node["items"], named, frozenset())
    for child in children(node):
        child_found, child_zero = _collections(child, named, seen)
        found, zero = found or child_found, zero or child_zero
    return found, zero


def needs_guard(parsed: Any, named: dict[str, Any]) -> bool:
    """True when fastavro alone could loop or overflow on a short hostile body for this schema
    (recursion, or arrays of zero-byte items): every body is then walked first."""
    return max_nesting(parsed, named) is None or _collections(parsed, named, set())[1]


class Guard:
    """The pre-read check of one writer schema's bodies against the decode limits."""

    __slots__ = ("_limits", "_named", "_parsed", "safe_body_bytes")

    def __init__(
        self, parsed: Any, named: dict[str, Any], limits: DecodeLimits, safe_body_bytes: int
    ) -> None:
        self._parsed = parsed
        self._named = named
        self._limits = limits
        self.safe_body_bytes = safe_body_bytes
        """Bodies of at most this many bytes cannot break a limit and are not walked
        (-1: every body is walked)."""

    def __call__(self, data: bytes, offset: int) -> None:
        """Raise :class:`DecodeError` if the body at ``offset`` breaks a limit or is malformed."""
        if len(data) - offset <= self.safe_body_bytes:
            return
        try:
            _Skipper(data, self._named, self._limits).skip(self._parsed, offset, 0)
        except RecursionError:
            # max_depth raised beyond what this thread's stack allows: still a typed failure.
            raise DecodeLimitError(
                f"nesting too deep for this thread's stack (max_depth={self._limits.max_depth})"
            ) from None


def compile_guard(parsed: Any, named: dict[str, Any], limits: DecodeLimits) -> Guard | None:
    """The pre-read check for a writer schema, or None when fastavro is safe on its own."""
    nesting = max_nesting(parsed, named)
    found, zero = _collections(parsed, named, set())
    if nesting is None or nesting > limits.max_depth or zero:
        return Guard(parsed, named, limits, -1)
    if found:
        # Every item takes at least one byte of its own, so a body no longer than max_items
        # bytes cannot hold more than max_items items.
        return Guard(parsed, named, limits, limits.max_items)
    return None


class _Skipper:
    __slots__ = ("data", "end", "items", "limits", "named")

    def __init__(self, data: bytes, named: dict[str, Any], limits: DecodeLimits) -> None:
        self.data = data
        self.end = len(data)
        self.named = named
        self.limits = limits
        self.items = 0

    def fail(self, message: str, pos: int) -> DecodeError:
        return DecodeError(message, offset=pos)

    def long(self, pos: int) -> tuple[int, int]:
        data, result, shift = self.data, 0, 0
        start = pos
        while True:
            if pos >= self.end:
                raise self.fail("truncated: a varint runs past the end of the frame", start)
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return (result >> 1) ^ -(result & 1), pos
            shift += 7
            if shift > 63:
                raise self.fail("invalid varint: longer than 10 bytes", start)

    def take(self, pos: int, size: int) -> int:
        if size < 0:
            raise self.fail(f"negative length {size}", pos)
        if pos + size > self.end:
            raise self.fail(
                f"truncated: {size} bytes claimed but only {self.end - pos} remain", pos
            )
        return pos + size

    def skip(self, node: Any, pos: int, depth: int) -> int:
        """Skip one value of ``node`` at ``pos``, inside ``depth`` enclosing containers.

        One Python frame per level of nesting (unions and blocks are loops, not calls), so
        max_depth levels fit in the interpreter's default recursion limit.
        """
        node = deref(node, self.named)
        while isinstance(node, list):  # a union is no level of its own
            index, after = self.long(pos)
            if not 0 <= index < len(node):
                raise self.fail(f"union branch {index} out of range 0..{len(node) - 1}", pos)
            node, pos = deref(node[index], self.named), after
        node_kind = kind(node)
        if node_kind == "null":
            return pos
        if node_kind == "boolean":
            return self.take(pos, 1)
        if node_kind in ("int", "long"):
            return self.long(pos)[1]
        if node_kind == "float":
            return self.take(pos, 4)
        if node_kind == "double":
            return self.take(pos, 8)
        if node_kind in ("bytes", "string"):
            size, after = self.long(pos)
            return self.take(after, size)
        if node_kind == "fixed":
            return self.take(pos, int(node["size"]))
        if node_kind == "enum":
            index, after = self.long(pos)
            if not 0 <= index < len(node["symbols"]):
                raise self.fail(f"enum index {index} out of range for {node['name']}", pos)
            return after
        if node_kind in RECORDS:
            depth = self.deeper(depth, pos)
            for field in node["fields"]:
                pos = self.skip(field["type"], pos, depth)
            return pos
        if node_kind not in ("array", "map"):
            raise self.fail(f"unknown type {node_kind!r}", pos)
        depth = self.deeper(depth, pos)
        is_map = node_kind == "map"
        inner = node["values"] if is_map else node["items"]
        while True:  # the blocks: a count (negative: then a byte size), the items; 0 ends
            start = pos
            count, pos = self.long(pos)
            if count == 0:
                return pos
            if count < 0:
                count = -count
                size, pos = self.long(pos)
                if size < 0:
                    raise self.fail(f"negative block size {size}", start)
            self.items += count
            if self.items > self.limits.max_items:
                raise DecodeLimitError(
                    f"{self.items} collection items exceed max_items={self.limits.max_items}",
                    offset=start,
                )
            for _ in range(count):
                if is_map:
                    key_size, pos = self.long(pos)
                    pos = self.take(pos, key_size)
                pos = self.skip(inner, pos, depth)

    def deeper(self, depth: int, pos: int) -> int:
        """One more level of nesting (a record, array or map), within max_depth."""
        if depth >= self.limits.max_depth:
            raise DecodeLimitError(
                f"nesting deeper than max_depth={self.limits.max_depth}", offset=pos
            )
        return depth + 1
