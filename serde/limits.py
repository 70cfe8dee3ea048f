"""Decode limits, and the guard that enforces them before fastavro reads hostile bytes.

fastavro reads an array's items one by one for as many as the block count claims: items that
take zero bytes (null, an empty record) let 10 bytes claim 2**62 items and loop forever, and a
recursive schema nested a few thousand deep overflows the C stack. So for writer schemas that
have such arrays or recursion (and only those), the body is first walked by a small skipper that
checks item counts, nesting depth and lengths, and fails fast with :class:`DecodeLimitError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import DecodeError, DecodeLimitError


@dataclass(frozen=True)
class DecodeLimits:
    """Bounds on what one frame may make the decoder do; raise them for unusual data."""

    max_frame_bytes: int = 64 * 1024 * 1024
    """Largest frame accepted (Kafka's default message limit is 1 MiB)."""
    max_items: int = 1_000_000
    """Most collection items of zero-byte types in one frame."""
    max_depth: int = 512
    """Deepest nesting (records, arrays, maps, unions) in a frame of a recursive schema;
    fastavro's C reader overflows the stack a few thousand levels down."""

    def __post_init__(self) -> None:
        for name in ("max_frame_bytes", "max_items", "max_depth"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, not {value!r}")


Guard = Callable[[bytes, int], None]


def _resolve(node: Any, named: dict[str, Any]) -> Any:
    return named.get(node, node) if isinstance(node, str) else node


def _zero_bytes_possible(node: Any, named: dict[str, Any], seen: frozenset[str]) -> bool:
    node = _resolve(node, named)
    if node == "null":
        return True
    if isinstance(node, dict):
        kind = node["type"]
        if kind == "null":
            return True
        if kind == "fixed":
            return int(node["size"]) == 0
        if kind in ("record", "error"):
            if node["name"] in seen:
                return False
            inner = seen | {node["name"]}
            return all(_zero_bytes_possible(f["type"], named, inner) for f in node["fields"])
    return False


def _hazards(node: Any, named: dict[str, Any], stack: tuple[str, ...]) -> bool:
    node = _resolve(node, named)
    if isinstance(node, list):
        return any(_hazards(branch, named, stack) for branch in node)
    if not isinstance(node, dict):
        return False
    kind = node["type"]
    if kind in ("record", "error"):
        if node["name"] in stack:
            return True  # recursion
        inner = (*stack, node["name"])
        return any(_hazards(f["type"], named, inner) for f in node["fields"])
    if kind == "array":
        return _zero_bytes_possible(node["items"], named, frozenset()) or _hazards(
            node["items"], named, stack
        )
    if kind == "map":
        return _hazards(node["values"], named, stack)
    return False


def needs_guard(parsed: Any, named: dict[str, Any]) -> bool:
    """True when fastavro alone could loop or overflow on hostile bytes for this schema."""
    return _hazards(parsed, named, ())


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
        node = _resolve(node, self.named)
        if isinstance(node, list):
            index, after = self.long(pos)
            if not 0 <= index < len(node):
                raise self.fail(f"union branch {index} out of range 0..{len(node) - 1}", pos)
            return self.skip(node[index], after, self.deeper(depth, pos))
        kind = node["type"] if isinstance(node, dict) else node
        if isinstance(kind, (dict, list)):
            return self.skip(kind, pos, depth)
        if kind == "null":
            return pos
        if kind == "boolean":
            return self.take(pos, 1)
        if kind in ("int", "long"):
            return self.long(pos)[1]
        if kind == "float":
            return self.take(pos, 4)
        if kind == "double":
            return self.take(pos, 8)
        if kind in ("bytes", "string"):
            size, after = self.long(pos)
            return self.take(after, size)
        if kind == "fixed":
            return self.take(pos, int(node["size"]))
        if kind == "enum":
            index, after = self.long(pos)
            if not 0 <= index < len(node["symbols"]):
                raise self.fail(f"enum index {index} out of range for {node['name']}", pos)
            return after
        if kind in ("array", "map"):
            return self.blocks(node, pos, self.deeper(depth, pos))
        if kind in ("record", "error"):
            depth = self.deeper(depth, pos)
            for field in node["fields"]:
                pos = self.skip(field["type"], pos, depth)
            return pos
        raise self.fail(f"unknown type {kind!r}", pos)

    def deeper(self, depth: int, pos: int) -> int:
        """One more level of nesting (record, array, map or union), within max_depth."""
        if depth >= self.limits.max_depth:
            raise DecodeLimitError(
                f"nesting deeper than max_depth={self.limits.max_depth}", offset=pos
            )
        return depth + 1

    def blocks(self, node: Any, pos: int, depth: int) -> int:
        inner = node["items"] if node["type"] == "array" else node["values"]
        while True:
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
                if node["type"] == "map":
                    key_size, pos = self.long(pos)
                    pos = self.take(pos, key_size)
                pos = self.skip(inner, pos, depth)


def compile_guard(parsed: Any, named: dict[str, Any], limits: DecodeLimits) -> Guard | None:
    """A pre-read check for hazardous schemas, or None when fastavro is safe on its own."""
    if not needs_guard(parsed, named):
        return None

    def guard(data: bytes, offset: int) -> None:
        try:
            _Skipper(data, named, limits).skip(parsed, offset, 0)
        except RecursionError:
            # max_depth raised beyond what this thread's stack allows: still a typed failure.
            raise DecodeLimitError(
                f"nesting too deep for this thread's stack (max_depth={limits.max_depth})"
            ) from None

    return guard
