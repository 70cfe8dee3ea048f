"""Our logical types (:mod:`.logical`) applied around fastavro, compiled once per schema.

fastavro keeps its logical-type conversions in process-wide tables, which we never change. So
each compiled schema gets its own copy for fastavro, in which the logical types we convert
ourselves are plain underlying types, and a transform compiled here converts values on exactly
the paths that hold them: before the write and after the read. A schema without such types is
handed to fastavro as it is, with no transform.

Unions need care both ways. Writing, the branch is picked as fastavro picks it (the first that
the value, converted for that branch, fits) and named in fastavro's ``(branch, value)``
notation, because a converted value could fit another branch too. Reading, a decoded value must
tell which branch it came from: by its Python type, else by name (a *tagged* read, fastavro's
``return_named_type``); a converted branch that decodes to the same Python type as another
unnamed branch (``time-millis`` beside ``long``) is read through a one-field record, which adds
no bytes to the encoding.
"""

from __future__ import annotations

import copy
import datetime as _dt
import decimal
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from fastavro.read import LOGICAL_READERS
from fastavro.validation import _validate

from .logical import READERS, WRITERS, logical_key, minimal_twos_complement

Transform = Callable[[Any], Any]

_NAMED = frozenset({"record", "error", "enum", "fixed"})
_WRAPPER = "avroframe.internal.Branch"
_VALUE_TYPES: dict[str, type] = {
    "null": type(None), "boolean": bool, "int": int, "long": int, "float": float,
    "double": float, "string": str, "bytes": bytes, "fixed": bytes, "enum": str, "array": list,
    "map": dict, "record": dict, "error": dict,
}
_STOCK_VALUE_TYPES: dict[str, type] = {
    "int-date": _dt.date, "int-time-millis": _dt.time, "long-time-micros": _dt.time,
    "long-timestamp-millis": _dt.datetime, "long-timestamp-micros": _dt.datetime,
    "long-local-timestamp-millis": _dt.datetime, "long-local-timestamp-micros": _dt.datetime,
    "bytes-decimal": decimal.Decimal, "fixed-decimal": decimal.Decimal, "string-uuid": uuid.UUID,
}
"""The Python type each of fastavro's own logical types decodes to."""


class WritePlan(NamedTuple):
    """What a writer hands fastavro: the schema, and the transform each value goes through."""

    schema: Any
    prepare: Transform | None


class ReadPlan(NamedTuple):
    """What a reader asks of fastavro (schema, tagged read) and the transform after the read."""

    schema: Any
    finish: Transform | None
    tagged: bool


def compile_write(parsed: Any, named: dict[str, Any]) -> WritePlan:
    """The plan for writing values of fastavro-parsed ``parsed`` (named types in ``named``)."""
    marks = _Marks(named, lambda node: isinstance(node, dict) and logical_key(node) in WRITERS)
    if not marks.holds(parsed):
        return WritePlan(parsed, None)
    plain, plain_named, copies = _plain_copy(parsed, named, WRITERS)
    return WritePlan(plain, _WriteCompiler(named, plain_named, copies, marks).compile(parsed))


def compile_read(parsed: Any, named: dict[str, Any], *, tagged: bool = False) -> ReadPlan:
    """The plan for reading bodies written with ``parsed``.

    With ``tagged`` (a resolution after this read needs fastavro's tagged values), named union
    branches stay ``(name, value)``; otherwise the plan reads tagged only where it must, and
    returns plain values.
    """
    if not tagged:
        try:
            return _read_plan(parsed, named, tagged=False, keep_tags=False)
        except _Ambiguous:
            pass
    return _read_plan(parsed, named, tagged=True, keep_tags=tagged)


class _Ambiguous(Exception):
    """Two branches of a union decode to one Python type and need a tagged read."""


def _read_plan(parsed: Any, named: dict[str, Any], *, tagged: bool, keep_tags: bool) -> ReadPlan:
    untag = tagged and not keep_tags

    def needs(node: Any) -> bool:
        if isinstance(node, list):
            return untag and any(_is_named(branch, named) for branch in node)
        return isinstance(node, dict) and logical_key(node) in READERS

    marks = _Marks(named, needs)
    if not marks.holds(parsed):
        return ReadPlan(parsed, None, tagged and keep_tags)
    plain, plain_named, copies = _plain_copy(parsed, named, READERS)
    wrappers = _wrap_colliding_branches(parsed, named, copies, marks)
    compiler = _ReadCompiler(named, plain_named, copies, marks, wrappers, tagged, keep_tags)
    return ReadPlan(plain, compiler.compile(parsed), tagged)


class _Marks:
    """Which schema nodes hold something a transform must handle (``test`` true for a node)."""

    def __init__(self, named: dict[str, Any], test: Callable[[Any], bool]) -> None:
        self.named = named
        self.test = test
        self.cache: dict[int, bool] = {}
        refs: dict[str, set[str]] = {}
        holding: set[str] = set()
        for name, node in named.items():
            refs[name] = set()
            if self._scan(node, refs[name], top=True):
                holding.add(name)
        changed = True
        while changed:  # a named type holds what the named types it refers to hold
            changed = False
            for name, targets in refs.items():
                if name not in holding and targets & holding:
                    holding.add(name)
                    changed = True
        self.holding = holding

    def _scan(self, node: Any, refs: set[str], top: bool = False) -> bool:
        if isinstance(node, str):
            if node in self.named:
                refs.add(node)
            return False
        if isinstance(node, list):
            found = self.test(node)
            for branch in node:
                found = self._scan(branch, refs) or found
            return found
        if not isinstance(node, dict):
            return False
        kind = node.get("type")
        if not top and kind in _NAMED and "name" in node:
            refs.add(node["name"])
            return False
        found = self.test(node)
        if isinstance(kind, (dict, list)):
            found = self._scan(kind, refs) or found
        elif kind in ("record", "error"):
            for field in node["fields"]:
                found = self._scan(field["type"], refs) or found
        elif kind == "array":
            found = self._scan(node["items"], refs) or found
        elif kind == "map":
            found = self._scan(node["values"], refs) or found
        return found

    def holds(self, node: Any) -> bool:
        """True when ``node`` (or a type it refers to) holds a node the test marks."""
        key = id(node)
        if key not in self.cache:
            refs: set[str] = set()
            self.cache[key] = self._scan(node, refs) or bool(refs & self.holding)
        return self.cache[key]


def _nodes(*roots: Any) -> Iterator[Any]:
    """Every schema node (a dict, or a union's list) under ``roots``, once each."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, (dict, list)):
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, list):
            stack.extend(node)
            continue
        kind = node.get("type")
        if isinstance(kind, (dict, list)):
            stack.append(kind)
        elif kind in ("record", "error"):
            stack.extend(field["type"] for field in node["fields"])
        elif kind == "array":
            stack.append(node["items"])
        elif kind == "map":
            stack.append(node["values"])


def _plain_copy(
    parsed: Any, named: dict[str, Any], ours: Mapping[str, Any]
) -> tuple[Any, dict[str, Any], dict[int, Any]]:
    """A copy of the schema with our logical types removed, and original id -> copy."""
    copies: dict[int, Any] = {}
    plain, plain_named = copy.deepcopy((parsed, named), copies)
    for node in _nodes(plain, *plain_named.values()):
        if isinstance(node, dict) and logical_key(node) in ours:
            del node["logicalType"]
    return plain, plain_named, copies


def _resolve(node: Any, named: dict[str, Any]) -> Any:
    while isinstance(node, str) and node in named:
        node = named[node]
    while isinstance(node, dict) and isinstance(node.get("type"), (dict, list)):
        node = node["type"]
    if isinstance(node, dict) and set(node) == {"type"} and isinstance(node["type"], str):
        return _resolve(node["type"], named)  # {"type": "null"} is "null"
    return node


def _is_named(node: Any, named: dict[str, Any]) -> bool:
    node = _resolve(node, named)
    return isinstance(node, dict) and node.get("type") in _NAMED


def _value_type(node: Any, named: dict[str, Any]) -> type:
    """The Python type fastavro decodes ``node`` to (tables as fastavro ships them)."""
    node = _resolve(node, named)
    if isinstance(node, list):
        return object
    kind = node.get("type") if isinstance(node, dict) else node
    key = logical_key(node)
    if key is not None and key in LOGICAL_READERS:
        return _STOCK_VALUE_TYPES.get(key, object)  # object: unknown, so told apart by name
    return _VALUE_TYPES.get(str(kind), object)


def _wrap_colliding_branches(
    parsed: Any, named: dict[str, Any], copies: dict[int, Any], marks: _Marks
) -> set[int]:
    """Wrap each unnamed union branch we convert that decodes to the same Python type as another
    branch in a one-field record (in the copy for fastavro); returns the wrappers' ids."""
    wrappers: set[int] = set()
    unions = [node for node in _nodes(parsed, *named.values()) if isinstance(node, list)]
    taken = set(named)
    for union in unions:
        plain_union = copies[id(union)]
        types = [_value_type(branch, named) for branch in plain_union]
        for index, branch in enumerate(union):
            if _is_named(branch, named) or not marks.holds(branch):
                continue
            if types.count(types[index]) > 1 or types[index] is object:
                name = _WRAPPER
                while name in taken:
                    name = f"{_WRAPPER}{len(taken)}"
                taken.add(name)
                wrapper = {"type": "record", "name": name,
                           "fields": [{"name": "v", "type": plain_union[index]}]}
                plain_union[index] = wrapper
                wrappers.add(id(wrapper))
    return wrappers


class _Holder:
    """A record transform still being compiled (a recursive type refers to it)."""

    __slots__ = ("fn",)

    def __init__(self) -> None:
        self.fn: Transform | None = None


class _Compiler:
    """Transforms per node, for the nodes ``marks`` says hold something to convert."""

    ours: Mapping[str, Any] = {}
    """Our conversions for this direction, by ``<avro type>-<logical type>``."""

    def __init__(
        self, named: dict[str, Any], plain_named: dict[str, Any], copies: dict[int, Any],
        marks: _Marks,
    ) -> None:
        self.named = named
        self.plain_named = plain_named
        self.copies = copies
        self.marks = marks
        self.records: dict[str, _Holder] = {}

    def compile(self, node: Any) -> Transform | None:
        if not self.marks.holds(node):
            return None
        if isinstance(node, str):
            return self.compile(self.named[node])
        if isinstance(node, list):
            return self.union(node)
        kind = node["type"]
        if isinstance(kind, (dict, list)):
            return self.compile(kind)
        key = logical_key(node)
        if key is not None and key in self.ours:
            return self.leaf(self.ours[key], node)
        if kind in ("record", "error"):
            pending = self.records.get(node["name"])
            if pending is not None:  # recursion: the transform is being compiled further up
                return lambda value: pending.fn(value) if pending.fn is not None else value
            holder = self.records[node["name"]] = _Holder()
            leaves: list[tuple[str, Any, Any]] = []
            steps: list[tuple[str, Transform]] = []
            for field in node["fields"]:
                leaf = self.leaf_of(field["type"])
                if leaf is not None:  # called directly: one Python call less per value
                    leaves.append((field["name"], *leaf))
                elif (fn := self.compile(field["type"])) is not None:
                    steps.append((field["name"], fn))
            holder.fn = self.record(tuple(leaves), tuple(steps))
            return holder.fn
        if kind == "array":
            return self.array(self.compile(node["items"]))
        if kind == "map":
            return self.map(self.compile(node["values"]))
        return None

    def leaf_of(self, node: Any) -> tuple[Any, Any] | None:
        """(conversion, node) when ``node`` is itself one of the logical types we convert."""
        while isinstance(node, str) and node in self.named:
            node = self.named[node]
        key = logical_key(node)
        return (self.ours[key], node) if key is not None and key in self.ours else None

    def leaf(self, convert: Any, node: Any) -> Transform:
        raise NotImplementedError

    def record(
        self, leaves: tuple[tuple[str, Any, Any], ...], steps: tuple[tuple[str, Transform], ...]
    ) -> Transform:
        raise NotImplementedError

    def array(self, inner: Transform | None) -> Transform | None:
        raise NotImplementedError

    def map(self, inner: Transform | None) -> Transform | None:
        raise NotImplementedError

    def union(self, node: list[Any]) -> Transform | None:
        raise NotImplementedError


def _branch_name(plain: Any) -> str:
    """The name fastavro's ``(name, value)`` union notation gives a branch."""
    if isinstance(plain, dict):
        kind = plain["type"]
        return str(plain["name"]) if kind in _NAMED else str(kind)
    return str(plain)


class _WriteCompiler(_Compiler):
    """Before the write: our conversions applied to copies, the caller's values left as given."""

    ours = WRITERS

    def leaf_of(self, node: Any) -> tuple[Any, Any] | None:
        found = super().leaf_of(node)
        if found is not None and logical_key(found[1]) == "bytes-decimal":
            return _bytes_decimal_to_avro(*found), found[1]
        return found

    def leaf(self, convert: Any, node: Any) -> Transform:
        if logical_key(node) == "bytes-decimal":
            fast = _bytes_decimal_to_avro(convert, node)
            return lambda value: fast(value, node)

        def to_avro(value: Any) -> Any:
            return convert(value, node)

        return to_avro

    def record(
        self, leaves: tuple[tuple[str, Any, Any], ...], steps: tuple[tuple[str, Transform], ...]
    ) -> Transform:
        def record_to_avro(value: Any) -> Any:
            if type(value) is dict:
                out = value.copy()
            elif isinstance(value, Mapping):
                out = dict(value)
            else:
                return value  # fastavro reports the mismatch
            for name, convert, node in leaves:
                if name in out:
                    out[name] = convert(out[name], node)
            for name, fn in steps:
                if name in out:
                    out[name] = fn(out[name])
            return out

        return record_to_avro

    def array(self, inner: Transform | None) -> Transform | None:
        if inner is None:
            return None
        fn = inner
        return lambda value: [fn(v) for v in value] if isinstance(value, (list, tuple)) else value

    def map(self, inner: Transform | None) -> Transform | None:
        if inner is None:
            return None
        fn = inner

        def map_to_avro(value: Any) -> Any:
            if not isinstance(value, Mapping):
                return value
            return {k: fn(v) for k, v in value.items()}

        return map_to_avro

    def union(self, node: list[Any]) -> Transform | None:
        plain_union = self.copies[id(node)]
        fns = [self.compile(branch) for branch in node]
        names = [_branch_name(branch) for branch in plain_union]
        by_name: dict[str, Transform | None] = {}
        for name, fn in zip(names, fns, strict=True):
            by_name.setdefault(name, fn)  # fastavro takes the first branch of that name

        def tagged(value: tuple[Any, ...]) -> Any:
            if len(value) != 2 or not isinstance(value[0], str):
                return value  # fastavro reports the mismatch
            fn = by_name.get(value[0])
            return value if fn is None else (value[0], fn(value[1]))

        nulls = [i for i, branch in enumerate(plain_union) if _resolve(branch, {}) == "null"]
        if len(node) == 2 and len(nulls) == 1:
            fn = fns[1 - nulls[0]]
            assert fn is not None

            def optional_to_avro(value: Any) -> Any:
                if value is None:
                    return None
                if isinstance(value, tuple):
                    return tagged(value)
                return fn(value)

            return optional_to_avro
        pick = self.picker(plain_union, fns, names)

        def union_to_avro(value: Any) -> Any:
            if isinstance(value, tuple):
                return tagged(value)
            return pick(value)

        return union_to_avro

    def picker(
        self, plain_union: list[Any], fns: list[Transform | None], names: list[str]
    ) -> Transform:
        """Pick the branch as fastavro's writer does, testing each branch on the value as
        converted for it, and name the branch so the converted value cannot go elsewhere."""
        plain_named = self.plain_named
        unique = {name for name in names if names.count(name) == 1}
        branches = []
        for plain, fn, name in zip(plain_union, fns, names, strict=True):
            target = _resolve(plain, plain_named)
            kind = target.get("type") if isinstance(target, dict) else target
            fields = (
                frozenset(f["name"] for f in target["fields"])
                if kind in ("record", "error") else None
            )
            branches.append((plain, fn, name, kind, fields))
        options: dict[str, Any] = {}

        def pick(value: Any) -> Any:
            best: tuple[str, Any] | None = None
            most = -1
            float_seen = False
            for plain, fn, name, kind, fields in branches:
                if float_seen:  # fastavro prefers a later double to a float
                    if kind == "double":
                        best = (name, value)
                        break
                    continue
                candidate = value if fn is None else fn(value)
                if not _validate(candidate, plain, plain_named, "", False, options):
                    continue
                if fields is not None:
                    count = len(fields.intersection(candidate))
                    if count > most:
                        best, most = (name, candidate), count
                    continue
                best = (name, candidate)
                if kind != "float":
                    break
                float_seen = True
            if best is None:
                return value  # fastavro reports that no branch fits
            return best if best[0] in unique else best[1]

        return pick


def _bytes_decimal_to_avro(convert: Any, node: Any) -> Callable[[Any, Any], Any]:
    """``convert`` for ``node`` (same arguments): the usual decimal (exactly the schema's
    scale, within its precision) converted without the digit-by-digit checks; anything else
    through ``convert``, which checks and refuses."""
    scale = int(node.get("scale", 0))
    digits = int(node["precision"]) - scale
    quantum = decimal.Decimal(1).scaleb(-scale)
    unit = 10**scale

    def decimal_to_avro(value: Any, node: Any) -> Any:
        if type(value) is decimal.Decimal and value.same_quantum(quantum) and (
            value.adjusted() < digits
        ):
            # Finite, exponent -scale: the ratio's denominator divides 10**scale exactly.
            numerator, denominator = value.as_integer_ratio()
            return minimal_twos_complement(numerator * (unit // denominator))
        return convert(value, node)

    return decimal_to_avro


class _ReadCompiler(_Compiler):
    """After the read: our conversions applied in place to fastavro's fresh values."""

    ours = READERS

    def __init__(
        self, named: dict[str, Any], plain_named: dict[str, Any], copies: dict[int, Any],
        marks: _Marks, wrappers: set[int], tagged: bool, keep_tags: bool,
    ) -> None:
        super().__init__(named, plain_named, copies, marks)
        self.wrappers = wrappers
        self.tagged = tagged
        self.keep_tags = keep_tags

    def leaf(self, convert: Any, node: Any) -> Transform:
        def from_avro(value: Any) -> Any:
            return convert(value, node, node)

        return from_avro

    def record(
        self, leaves: tuple[tuple[str, Any, Any], ...], steps: tuple[tuple[str, Transform], ...]
    ) -> Transform:
        def record_from_avro(value: dict[str, Any]) -> dict[str, Any]:
            for name, convert, node in leaves:
                value[name] = convert(value[name], node, node)
            for name, fn in steps:
                value[name] = fn(value[name])
            return value

        return record_from_avro

    def array(self, inner: Transform | None) -> Transform | None:
        if inner is None:
            return None
        fn = inner
        return lambda values: [fn(v) for v in values]

    def map(self, inner: Transform | None) -> Transform | None:
        if inner is None:
            return None
        fn = inner
        return lambda values: {k: fn(v) for k, v in values.items()}

    def union(self, node: list[Any]) -> Transform | None:
        plain_union = self.copies[id(node)]
        by_type: dict[type, Transform | None] = {}
        by_name: dict[str, Transform] = {}
        changes = False
        for branch, plain in zip(node, plain_union, strict=True):
            fn = self.compile(branch)
            wrapped = id(plain) in self.wrappers
            if wrapped:
                assert fn is not None
                fn = _unwrap(fn)
            if self.tagged and (wrapped or _is_named(plain, self.plain_named)):
                name = str(_resolve(plain, self.plain_named)["name"])
                keep = self.keep_tags and not wrapped  # a wrapper is ours: never seen outside
                by_name[name] = _retag(fn) if keep else _untag(fn)
                changes = changes or not keep or fn is not None
                continue
            python_type = dict if wrapped else _value_type(plain, self.plain_named)
            if python_type in by_type and (fn is not None or by_type[python_type] is not None):
                raise _Ambiguous(f"two union branches decode to {python_type.__name__}")
            by_type[python_type] = fn
        table = {t: fn for t, fn in by_type.items() if fn is not None}
        if not table and not changes:
            return None

        def union_from_avro(value: Any) -> Any:
            if type(value) is tuple:  # (name, value) of a named branch, read tagged
                return by_name[value[0]](value)
            fn = table.get(type(value))
            return value if fn is None else fn(value)

        return union_from_avro


def _unwrap(fn: Transform) -> Transform:
    return lambda value: fn(value["v"])


def _untag(fn: Transform | None) -> Transform:
    if fn is None:
        return lambda value: value[1]
    inner = fn
    return lambda value: inner(value[1])


def _retag(fn: Transform | None) -> Transform:
    if fn is None:
        return lambda value: value
    inner = fn
    return lambda value: (value[0], inner(value[1]))
