"""Why a value fails its schema: the field path and the reason for an :class:`EncodeError`.

Runs only after a compiled check (:mod:`.validate`) refused a value, or after the writer failed on
a value the checks passed (a string that is not UTF-8). The value is walked with the schema, depth
first, with a stack instead of recursion so a value nested ``max_depth`` deep is explained too;
whether a leaf or a union fits is decided by the same compiled checks.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Callable, Mapping
from typing import Any

from .errors import EncodeError
from .schematypes import RECORDS, deref, kind, logical_type, type_name
from .validate import (
    MAX_DEPTH,
    compile_predicate,
    decimal_problem,
    depth_checked,
    is_int,
    is_utf8,
    missing_ok,
)


def explain(
    parsed: Any,
    named: Mapping[str, Any],
    value: Any,
    *,
    ignore_unknown_fields: bool = False,
    max_depth: int = MAX_DEPTH,
) -> EncodeError:
    """Describe where ``value`` fails the check compiled with the same options."""
    found = mismatch(
        parsed, named, value, ignore_unknown_fields=ignore_unknown_fields, max_depth=max_depth
    )
    if found is None:
        return EncodeError("$: value does not match the schema", python_type=type(value).__name__)
    return found


def mismatch(
    parsed: Any,
    named: Mapping[str, Any],
    value: Any,
    *,
    ignore_unknown_fields: bool = False,
    max_depth: int = MAX_DEPTH,
) -> EncodeError | None:
    """The first place where ``value`` does not match ``parsed``, as an error naming its path,
    or None. Also finds what the per-message check leaves to the writer's own failure (a
    string that is not valid UTF-8), so a writer error can be given its path."""
    explainer = _Explainer(
        named, strict=not ignore_unknown_fields, max_depth=max_depth,
        depth=depth_checked(parsed, named, max_depth),
    )
    found = explainer.find(parsed, value, "$", 1)
    if found is None:
        return None
    path, message, python_type, avro_type = found
    return EncodeError(
        f"{_clip_path(path)}: {message}", path=path, python_type=python_type, avro_type=avro_type
    )


Found = tuple[str, str, str, str]
"""(path, message, Python type, Avro type) of the first mismatch."""


class _Explainer:
    """Walks a failing value with the schema; leaves are judged by the compiled checks."""

    def __init__(
        self, named: Mapping[str, Any], *, strict: bool, max_depth: int, depth: bool
    ) -> None:
        self.named = named
        self.strict = strict
        self.max_depth = max_depth
        self.depth = depth
        self.memo: dict[int, Callable[..., bool]] = {}

    def accepts(self, node: Any, value: Any, level: int) -> bool:
        check = self.memo.get(id(node))
        if check is None:
            check = self.memo[id(node)] = compile_predicate(
                node, self.named, strict=self.strict, depth=self.depth,
                max_depth=self.max_depth, utf8=True,
            )
        try:
            return check(value, level) if self.depth else check(value)
        except Exception:  # a user's Mapping or sequence failing inside the check
            return False

    def find(self, node: Any, value: Any, path: str, level: int) -> Found | None:
        """The first mismatch in ``value``, depth first; a loop over a stack, not recursion,
        so a value nested max_depth deep is explained within the default recursion limit."""
        stack: list[tuple[Any, Any, str, int]] = [(node, value, path, level)]
        while stack:
            node, value, path, level = stack.pop()
            node = deref(node, self.named)
            if isinstance(node, list):
                if self.accepts(node, value, level):
                    continue
                node, value, failure = self.branch(node, value, path)
                if failure is not None:
                    return failure
            node_kind = kind(node)
            if node_kind in RECORDS or node_kind in ("array", "map"):
                failure, inner = self.container(node, value, path, level)
                if failure is not None:
                    return failure
                stack.extend(reversed(inner))
            elif not self.accepts(node, value, level):
                return path, self.leaf_message(node, value), type(value).__name__, _avro_name(node)
        return None

    def branch(self, union: list[Any], value: Any, path: str) -> tuple[Any, Any, Found | None]:
        """(branch, value) to explain a union's failure in, or (.., .., the failure itself)."""
        branches = [deref(b, self.named) for b in union]
        names = {type_name(b): b for b in reversed(branches)}
        avro = "union [" + ", ".join(type_name(b) for b in branches) + "]"
        python_type = type(value).__name__
        if isinstance(value, tuple) or (isinstance(value, dict) and "-type" in value):
            # fastavro's notations that name the branch: (name, value) and {"-type": name, ...}
            if isinstance(value, dict):
                tag, value = value["-type"], {k: v for k, v in value.items() if k != "-type"}
            elif len(value) == 2:
                tag, value = value
            else:
                message = f"a tuple in {avro} must be (branch name, value), not {len(value)} items"
                return None, None, (path, message, python_type, avro)
            if not isinstance(tag, str) or tag not in names:
                message = f"{avro} has no branch named {_short(tag)}"
                return None, None, (path, message, python_type, avro)
            return names[tag], value, None
        plausible = _plausible_branch(branches, value)
        if plausible is not None:
            return plausible, value, None
        message = f"no branch of {avro} accepts Python {python_type} {_short(value)}"
        return None, None, (path, message, python_type, avro)

    def container(
        self, node: dict[str, Any], value: Any, path: str, level: int
    ) -> tuple[Found | None, list[tuple[Any, Any, str, int]]]:
        """A mismatch of the record, array or map itself, else what to look at inside it."""
        node_kind = kind(node)
        avro = _avro_name(node)
        python_type = type(value).__name__
        fits = (
            isinstance(value, (list, tuple)) if node_kind == "array" else isinstance(value, Mapping)
        )
        if not fits:
            message = f"Avro {avro} cannot hold Python {python_type} {_short(value)}"
            return (path, message, python_type, avro), []
        if self.depth and level > self.max_depth:
            message = f"nested deeper than max_depth={self.max_depth} (records, arrays and maps)"
            return (path, message, python_type, avro), []
        if node_kind == "array":
            items = node["items"]
            return None, [(items, item, f"{path}[{i}]", level + 1) for i, item in enumerate(value)]
        if node_kind == "map":
            inner = []
            for key, item in value.items():
                if not isinstance(key, str) or not is_utf8(key):
                    reason = "not valid UTF-8" if isinstance(key, str) else type(key).__name__
                    message = f"map key {_short(key)} is {reason}, not str"
                    return (path, message, type(key).__name__, "map"), []
                inner.append((node["values"], item, f"{path}[{key!r}]", level + 1))
            return None, inner
        fields = {f["name"]: f for f in node["fields"]}
        if self.strict:
            for key in value:
                if key not in fields:
                    message = (f"record {avro} has no field {key!r} (unknown keys are refused "
                               "unless ignore_unknown_fields=True)")
                    return (f"{path}.{key}", message, type(value[key]).__name__, avro), []
        inner = []
        for name, field in fields.items():
            if name in value:
                inner.append((field["type"], value[name], f"{path}.{name}", level + 1))
            elif not missing_ok(field, self.named):
                field_type = _avro_name(deref(field["type"], self.named))
                return (f"{path}.{name}", "required field is missing", "missing", field_type), []
        return None, inner

    def leaf_message(self, node: Any, value: Any) -> str:
        node_kind = kind(node)
        logical = logical_type(node)
        python_type = type(value).__name__
        if logical == "decimal" and node_kind in ("bytes", "fixed"):
            size = int(node["size"]) if node_kind == "fixed" else None
            problem = decimal_problem(
                value, int(node.get("scale", 0)), int(node["precision"]), size
            )
            if problem is not None and isinstance(value, decimal.Decimal):
                return problem
        if node_kind in ("int", "long") and is_int(value):
            bits = 32 if node_kind == "int" else 64
            return f"{value} does not fit in a {bits}-bit Avro {node_kind}"
        if node_kind == "float" and (is_int(value) or isinstance(value, float)):
            return f"{_short(value)} is beyond the range of a 32-bit Avro float"
        if node_kind == "double" and is_int(value):
            return f"{_short(value)} is too large for an Avro double"
        if node_kind == "long" and isinstance(value, _dt.datetime) and logical:
            return f"{value} is outside the {logical} range of a 64-bit long"
        if isinstance(value, str) and not is_utf8(value):
            return f"string {_short(value)} is not valid UTF-8 (a lone surrogate)"
        if node_kind == "enum" and isinstance(value, str):
            return f"{value!r} is not a symbol of enum {node['name']}"
        if node_kind == "fixed" and isinstance(value, (bytes, bytearray)):
            return f"{len(value)} bytes given for fixed {node['name']} of size {node['size']}"
        return f"Avro {_avro_name(node)} cannot hold Python {python_type} {_short(value)}"


def _avro_name(node: Any) -> str:
    name = type_name(node)
    logical = logical_type(node)
    return f"{name} ({logical})" if logical is not None else name


def _plausible_branch(branches: list[Any], value: Any) -> Any:
    """The one union branch of the value's container kind, to explain a failure inside it."""
    wanted: tuple[str, ...] = (
        ("record", "error", "map")
        if isinstance(value, Mapping)
        else ("array",)
        if isinstance(value, list)
        else ()
    )
    found = [b for b in branches if kind(b) in wanted]
    if len(found) == 1:
        return found[0]
    if not wanted:
        # A scalar: the one branch of its Python kind, if there is one (an out-of-range
        # number, a bad string or decimal), so the reason names the value's real problem.
        scalar = [b for b in branches if _scalar_kind(b, value)]
        return scalar[0] if len(scalar) == 1 else None
    return None


def _scalar_kind(node: Any, value: Any) -> bool:
    node_kind, logical = kind(node), logical_type(node)
    if isinstance(value, bool):
        return node_kind == "boolean"
    if isinstance(value, decimal.Decimal):
        return logical == "decimal"
    if isinstance(value, (int, float)):
        return node_kind in ("int", "long", "float", "double") and logical is None
    if isinstance(value, str):
        return node_kind in ("string", "enum")
    if isinstance(value, _dt.datetime):
        return logical is not None and "timestamp" in logical
    return False


def _clip_path(path: str, limit: int = 120) -> str:
    """A path short enough for a one-line message (the full one is the error's ``path``)."""
    return path if len(path) <= limit else "$..." + path[-(limit - 4):]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
