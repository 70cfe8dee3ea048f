"""Avro schema compatibility as Java Avro's ``SchemaCompatibility`` (1.12) decides it.

The embedded registries enforce compatibility levels with this module, so it follows the Java
rules exactly, quirks included: named types match on their unqualified names or on a reader
alias equal to the writer's full name; logical types are ignored; a missing writer symbol
is fine when the reader enum declares a default; a reader union accepts a writer type when any
branch reads it. Results are memoised per (reader node, writer node) pair, which also stops the
walk on recursive types: a pair met again while it is still being checked counts as compatible,
as in Java.

Levels are applied as Confluent Schema Registry applies them: ``BACKWARD`` checks that the
candidate reads the latest existing schema, ``FORWARD`` that the latest reads the candidate,
``FULL`` both, and the ``*_TRANSITIVE`` levels check every existing schema, newest first,
stopping at the first one that fails.

Schemas are parsed schemas (:class:`~avroframe.registry.avro.AvroSchema`) or JSON-decoded
standalone ones (references already inlined), which :mod:`avroframe.registry.avro` parses with
Java 1.12's rules. Malformed schemas, and schemas nested deeper than 200 levels, raise
:class:`~avroframe.registry.errors.InvalidSchemaError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from .avro import (
    NO_DEFAULT,
    PRIMITIVES,
    Array,
    AvroSchema,
    Enum,
    Fixed,
    Map,
    Node,
    Record,
    Union,
    parse,
)
from .types import COMPATIBILITY_LEVELS, CompatibilityResult

__all__ = ["can_read", "check_compatibility"]

_MAX_SCHEMA_IN_MESSAGE: Final = 10 * 1024

# Incompatibility kinds, named as Java's SchemaIncompatibilityType names them.
_NAME_MISMATCH: Final = "NAME_MISMATCH"
_FIXED_SIZE_MISMATCH: Final = "FIXED_SIZE_MISMATCH"
_MISSING_ENUM_SYMBOLS: Final = "MISSING_ENUM_SYMBOLS"
_READER_FIELD_MISSING_DEFAULT_VALUE: Final = "READER_FIELD_MISSING_DEFAULT_VALUE"
_TYPE_MISMATCH: Final = "TYPE_MISMATCH"
_MISSING_UNION_BRANCH: Final = "MISSING_UNION_BRANCH"


def _java_aliases(node: Record | Enum | Fixed) -> frozenset[str]:
    """Aliases of a named type as Java's ``getAliases()`` reports them (full names).

    Java writes an alias in the null namespace of a namespaced type as ".name", which then
    never equals a writer's full name; that behaviour is kept.
    """
    return frozenset(
        f"{space}.{name}" if space else (f".{name}" if node.namespace else name)
        for name, space in node.aliases
    )


_JAVA_TYPE: Final = {
    "null": "NULL",
    "boolean": "BOOLEAN",
    "int": "INT",
    "long": "LONG",
    "float": "FLOAT",
    "double": "DOUBLE",
    "bytes": "BYTES",
    "string": "STRING",
    "record": "RECORD",
    "enum": "ENUM",
    "array": "ARRAY",
    "map": "MAP",
    "union": "UNION",
    "fixed": "FIXED",
}

_PROMOTIONS: Final = {
    "long": frozenset(("int",)),
    "float": frozenset(("int", "long")),
    "double": frozenset(("int", "long", "float")),
    "bytes": frozenset(("string",)),
    "string": frozenset(("bytes",)),
}
"""Reader type -> writer types it reads although they differ."""

_Issue = tuple[str, str, str]
"""(incompatibility kind, JSON-pointer location, Java's detail message)."""
_Result = tuple[_Issue, ...]
_COMPATIBLE: Final[_Result] = ()


class _AmbiguousFieldError(Exception):
    """Java throws when a reader field matches several writer fields by name and aliases."""


class _Checker:
    """One reader/writer check: the memo lives as long as the check, as in Java."""

    __slots__ = ("memo",)

    def __init__(self) -> None:
        # None marks a pair whose check is in progress.
        self.memo: dict[tuple[int, int], _Result | None] = {}

    def check(self, token: str, reader: Node, writer: Node, loc: list[str]) -> _Result:
        loc.append(token)
        key = (id(reader), id(writer))
        memo = self.memo
        if key in memo:
            done = memo[key]
            loc.pop()
            return _COMPATIBLE if done is None else done
        memo[key] = None
        result = self.calculate(reader, writer, loc)
        memo[key] = result
        loc.pop()
        return result

    def calculate(self, reader: Node, writer: Node, loc: list[str]) -> _Result:
        rk, wk = reader.kind, writer.kind
        if rk == wk:
            if rk in PRIMITIVES:
                return _COMPATIBLE
            if isinstance(reader, Array) and isinstance(writer, Array):
                return self.check("items", reader.items, writer.items, loc)
            if isinstance(reader, Map) and isinstance(writer, Map):
                return self.check("values", reader.values, writer.values, loc)
            if isinstance(reader, Fixed) and isinstance(writer, Fixed):
                return _check_names(reader, writer, loc) + _check_size(reader, writer, loc)
            if isinstance(reader, Enum) and isinstance(writer, Enum):
                return _check_names(reader, writer, loc) + _check_symbols(reader, writer, loc)
            if isinstance(reader, Record) and isinstance(writer, Record):
                return _check_names(reader, writer, loc) + self.check_fields(reader, writer, loc)
            # Both unions: every writer branch must be readable by the reader union.
            assert isinstance(writer, Union)
            result = _COMPATIBLE
            for index, branch in enumerate(writer.branches):
                loc.append(str(index))
                if self.check("", reader, branch, []):
                    detail = f"reader union lacking writer type: {_JAVA_TYPE[branch.kind]}"
                    result += ((_MISSING_UNION_BRANCH, _pointer(loc), detail),)
                loc.pop()
            return result
        if isinstance(writer, Union):
            result = _COMPATIBLE
            for index, branch in enumerate(writer.branches):
                result += self.check(str(index), reader, branch, loc)
            return result
        if isinstance(reader, Union):
            for branch in reader.branches:
                if not self.check("", branch, writer, []):
                    return _COMPATIBLE
            detail = f"reader union lacking writer type: {_JAVA_TYPE[wk]}"
            return ((_MISSING_UNION_BRANCH, _pointer(loc), detail),)
        if wk in _PROMOTIONS.get(rk, ()):
            return _COMPATIBLE
        detail = f"reader type: {_JAVA_TYPE[rk]} not compatible with writer type: {_JAVA_TYPE[wk]}"
        return ((_TYPE_MISMATCH, _pointer(loc), detail),)

    def check_fields(self, reader: Record, writer: Record, loc: list[str]) -> _Result:
        result = _COMPATIBLE
        loc.append("fields")
        index = writer.field_index
        for field in reader.fields:
            loc.append(str(field.position))
            matches = [index[name] for name in (field.name, *field.aliases) if name in index]
            if len(matches) > 1:
                raise _AmbiguousFieldError(
                    f"reader field {field.name!r} of {reader.fullname!r} matches several fields "
                    f"of the writer record {writer.fullname!r}"
                )
            if matches:
                result += self.check("type", field.type, matches[0].type, loc)
            elif field.default is NO_DEFAULT:
                if isinstance(field.type, Enum) and field.type.default is not None:
                    # Java compares the enum with the writer *record* here, which reports a
                    # TYPE_MISMATCH; kept as is so results match the Java registry.
                    result += self.check("type", field.type, writer, loc)
                else:
                    result += ((_READER_FIELD_MISSING_DEFAULT_VALUE, _pointer(loc), field.name),)
            loc.pop()
        loc.pop()
        return result


def _pointer(loc: list[str]) -> str:
    # The first token is the root's empty token, which a JSON pointer leaves out.
    return "/" + "/".join(loc[1:])


def _issue(kind: str, loc: list[str], token: str, detail: str) -> _Result:
    """One incompatibility at ``token`` below the current location."""
    loc.append(token)
    issue = (kind, _pointer(loc), detail)
    loc.pop()
    return (issue,)


_NamedNode = Record | Enum | Fixed


def _check_names(reader: _NamedNode, writer: _NamedNode, loc: list[str]) -> _Result:
    if reader.name == writer.name or writer.fullname in _java_aliases(reader):
        return _COMPATIBLE
    return _issue(_NAME_MISMATCH, loc, "name", f"expected: {writer.fullname}")


def _check_size(reader: Fixed, writer: Fixed, loc: list[str]) -> _Result:
    if reader.size == writer.size:
        return _COMPATIBLE
    detail = f"expected: {writer.size}, found: {reader.size}"
    return _issue(_FIXED_SIZE_MISMATCH, loc, "size", detail)


def _check_symbols(reader: Enum, writer: Enum, loc: list[str]) -> _Result:
    missing = set(writer.symbols).difference(reader.symbols)
    if not missing or (reader.default is not None and reader.default in reader.symbols):
        return _COMPATIBLE
    return _issue(_MISSING_ENUM_SYMBOLS, loc, "symbols", "[" + ", ".join(sorted(missing)) + "]")


_DESCRIPTIONS: Final = {
    _NAME_MISMATCH: "the name in the {r} schema differs from the name in the {w} schema",
    _FIXED_SIZE_MISMATCH: "the fixed size in the {r} schema differs from the {w} schema",
    _MISSING_ENUM_SYMBOLS: (
        "the enum in the {r} schema lacks symbols {d} of the {w} schema and has no default symbol"
    ),
    _READER_FIELD_MISSING_DEFAULT_VALUE: (
        "field '{d}' in the {r} schema has no default value and is missing from the {w} schema"
    ),
    _TYPE_MISMATCH: "the type in the {r} schema cannot read the type in the {w} schema",
    _MISSING_UNION_BRANCH: "the union in the {r} schema has no branch for a {w} schema type",
}
_DETAIL_IN_TEXT: Final = frozenset((_MISSING_ENUM_SYMBOLS, _READER_FIELD_MISSING_DEFAULT_VALUE))


def _render(issue: _Issue, reader_role: str, writer_role: str) -> str:
    kind, location, detail = issue
    text = _DESCRIPTIONS[kind].format(r=reader_role, w=writer_role, d=detail)
    suffix = "" if kind in _DETAIL_IN_TEXT else f" ({detail})"
    return f"{kind} at '{location}': {text}{suffix}"


def _read_check(reader: Node, writer: Node, reader_role: str, writer_role: str) -> list[str]:
    try:
        issues = _Checker().check("", reader, writer, [])
    except _AmbiguousFieldError as exc:
        return [f"compatibility check failed: {exc}"]
    except RecursionError:
        return ["compatibility check failed: the schemas nest too deeply to compare"]
    return [_render(issue, reader_role, writer_role) for issue in issues]


def _parse(schema: object) -> Node:
    if isinstance(schema, AvroSchema):
        return schema.root
    return parse(schema).root


def can_read(reader: object, writer: object) -> list[str]:
    """Say whether ``reader`` can decode data written with ``writer``.

    Both are JSON-decoded Avro schemas or parsed ones
    (:class:`~avroframe.registry.avro.AvroSchema`). Returns an empty list when it can, else one
    message per incompatibility (Java's kind name, a JSON-pointer location into the reader schema
    and the detail). Raises :class:`~avroframe.registry.errors.InvalidSchemaError` for a malformed
    schema.
    """
    return _read_check(_parse(reader), _parse(writer), "reader", "writer")


def _old_schema_message(schema: object) -> str:
    if isinstance(schema, AvroSchema):
        text = schema.text(standalone=True)
    else:
        text = json.dumps(schema, separators=(",", ":"), ensure_ascii=False)
    if len(text) > _MAX_SCHEMA_IN_MESSAGE:
        text = text[:_MAX_SCHEMA_IN_MESSAGE] + "..."
    return f"old schema: {text}"


def check_compatibility(
    candidate: object, existing: Sequence[object], level: str
) -> CompatibilityResult:
    """Check ``candidate`` against the subject's live versions ``existing`` (oldest first).

    Schemas are JSON-decoded or parsed, as for :func:`can_read`. ``level`` is one of
    :data:`~avroframe.registry.types.COMPATIBILITY_LEVELS` (any letter case); an unknown
    level raises :class:`ValueError`. Non-transitive levels compare with the latest version only;
    transitive ones with every version, newest first, reporting the first that fails, followed by
    a message holding that old schema. Raises
    :class:`~avroframe.registry.errors.InvalidSchemaError` for a malformed schema.
    """
    name = level.upper() if isinstance(level, str) else ""
    if name not in COMPATIBILITY_LEVELS:
        raise ValueError(f"unknown compatibility level {level!r}")
    if name == "NONE" or not existing:
        return CompatibilityResult(True)
    new = _parse(candidate)
    olds = list(reversed(existing)) if name.endswith("_TRANSITIVE") else [existing[-1]]
    base = name.removesuffix("_TRANSITIVE")
    for old_schema in olds:
        old = _parse(old_schema)
        messages: list[str] = []
        if base in ("FORWARD", "FULL"):
            messages += _read_check(old, new, "old", "new")
        if base in ("BACKWARD", "FULL"):
            messages += _read_check(new, old, "new", "old")
        if messages:
            messages.append(_old_schema_message(old_schema))
            return CompatibilityResult(False, tuple(messages))
    return CompatibilityResult(True)
