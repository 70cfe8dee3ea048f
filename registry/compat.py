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

Schemas are JSON-decoded and standalone (references already inlined). Names resolve as Java 1.12
resolves them: namespaces inherited from the enclosing named type, dotted names, a fallback to the
null namespace, and forward references. Malformed schemas, and schemas nested deeper than
200 levels, raise :class:`~registry.errors.InvalidSchemaError`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from .errors import InvalidSchemaError
from .types import COMPATIBILITY_LEVELS, CompatibilityResult

__all__ = ["can_read", "check_compatibility"]

_PRIMITIVES: Final = frozenset(
    ("null", "boolean", "int", "long", "float", "double", "bytes", "string")
)
_MAX_DEPTH: Final = 200
"""Nesting bound for schemas, so hostile input fails cleanly instead of exhausting the stack."""
_MAX_SCHEMA_IN_MESSAGE: Final = 10 * 1024

# Incompatibility kinds, named as Java's SchemaIncompatibilityType names them.
_NAME_MISMATCH: Final = "NAME_MISMATCH"
_FIXED_SIZE_MISMATCH: Final = "FIXED_SIZE_MISMATCH"
_MISSING_ENUM_SYMBOLS: Final = "MISSING_ENUM_SYMBOLS"
_READER_FIELD_MISSING_DEFAULT_VALUE: Final = "READER_FIELD_MISSING_DEFAULT_VALUE"
_TYPE_MISMATCH: Final = "TYPE_MISMATCH"
_MISSING_UNION_BRANCH: Final = "MISSING_UNION_BRANCH"


class _Field:
    __slots__ = ("aliases", "has_default", "name", "node", "pos")

    def __init__(
        self, name: str, aliases: tuple[str, ...], has_default: bool, node: _Node, pos: int
    ) -> None:
        self.name = name
        self.aliases = aliases
        self.has_default = has_default
        self.node = node
        self.pos = pos


class _Node:
    """One schema node. Named types are one shared node; every other occurrence is its own."""

    __slots__ = (
        "aliases",
        "branches",
        "child",
        "enum_default",
        "field_index",
        "fields",
        "fullname",
        "kind",
        "name",
        "ref",
        "size",
        "symbols",
    )

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = ""
        self.fullname = ""
        self.aliases: frozenset[str] = frozenset()
        self.fields: list[_Field] = []
        self.field_index: dict[str, _Field] = {}
        self.symbols: tuple[str, ...] = ()
        self.enum_default: str | None = None
        self.size = 0
        self.child: _Node | None = None  # array items or map values
        self.branches: list[_Node] = []
        self.ref: tuple[str, str] = ("", "")  # kind "ref": (full name, name as written)


def _invalid(message: str) -> InvalidSchemaError:
    return InvalidSchemaError(f"invalid Avro schema: {message}")


def _split_name(name: str, space: str | None) -> tuple[str, str | None, str]:
    """Return (name, namespace, full name) the way Java's ``Schema.Name`` builds them."""
    if "." in name:
        space, _, name = name.rpartition(".")
    if not space:
        space = None
    return name, space, (f"{space}.{name}" if space else name)


class _Parser:
    """Turns one JSON-decoded schema into linked nodes with every name resolved."""

    def __init__(self) -> None:
        self.named: dict[str, _Node] = {}
        self.definitions: dict[str, object] = {}
        self.nodes: list[_Node] = []
        self.open_records: set[str] = set()

    def parse_schema(self, schema: object) -> _Node:
        root = self.parse(schema, None, 0)
        for node in self.nodes:
            if node.child is not None:
                node.child = self.resolve(node.child)
            if node.branches:
                node.branches = [self.resolve(b) for b in node.branches]
            for field in node.fields:
                field.node = self.resolve(field.node)
        return self.resolve(root)

    def resolve(self, node: _Node) -> _Node:
        if node.kind != "ref":
            return node
        full, written = node.ref
        target = self.named.get(full) or self.named.get(written)
        if target is None:
            raise _invalid(f"undefined name {written!r}")
        return target

    def new(self, kind: str) -> _Node:
        node = _Node(kind)
        self.nodes.append(node)
        return node

    def find(self, name: str, space: str | None) -> _Node:
        if name in _PRIMITIVES:
            return self.new(name)
        if not name:
            raise _invalid("empty type name")
        # Resolved once the whole schema is read: Avro 1.12 allows forward references.
        node = _Node("ref")
        node.ref = (f"{space}.{name}" if space and "." not in name else name, name)
        return node

    def parse(self, schema: object, space: str | None, depth: int) -> _Node:
        if depth > _MAX_DEPTH:
            raise _invalid(f"nested deeper than {_MAX_DEPTH} levels")
        if isinstance(schema, str):
            return self.find(schema, space)
        if isinstance(schema, list):
            union = self.new("union")
            union.branches = [self.parse(branch, space, depth + 1) for branch in schema]
            return union
        if not isinstance(schema, dict):
            raise _invalid(f"a schema must be a string, object or array, not {_kind(schema)}")
        kind = schema.get("type")
        if isinstance(kind, (dict, list)):
            return self.parse(kind, space, depth + 1)
        if not isinstance(kind, str):
            raise _invalid("an object schema needs a string 'type'")
        if kind in _PRIMITIVES:
            return self.new(kind)
        if kind in ("record", "error"):
            return self.parse_record(schema, space, depth)
        if kind == "enum":
            return self.parse_enum(schema, space)
        if kind == "fixed":
            return self.parse_fixed(schema, space)
        if kind in ("array", "map"):
            key = "items" if kind == "array" else "values"
            if key not in schema:
                raise _invalid(f"{kind} has no {key!r}")
            node = self.new(kind)
            node.child = self.parse(schema[key], space, depth + 1)
            return node
        return self.find(kind, space)

    def define(
        self, schema: dict[str, Any], kind: str, space: str | None
    ) -> tuple[_Node, _Node | None]:
        """Create a named node; also return the node already defined under its full name, if any.

        Only a first definition is registered, so references by name mean it, as in Java.
        """
        raw_name = schema.get("name")
        if not isinstance(raw_name, str) or not raw_name:
            raise _invalid(f"{kind} has no name")
        raw_space = schema.get("namespace")
        name, space, full = _split_name(
            raw_name, raw_space if isinstance(raw_space, str) else space
        )
        node = self.new(kind)
        node.name, node.fullname = name, full
        node.aliases = _type_aliases(schema.get("aliases"), space)
        known = self.named.get(full)
        if known is None:
            self.named[full] = node
            self.definitions[full] = schema
        return node, known

    def check_redefinition(self, schema: dict[str, Any], node: _Node, known: _Node) -> None:
        """Refuse a second definition of a name unless Java's parser (or JSON equality) allows it.

        Java accepts an enum with the same symbols, a fixed with the same size, and any record
        redefined inside that same record (it compares them before either has fields). The
        second definition keeps its own content where it is written; references by name mean
        the first. Identical JSON is accepted too, since inlined references may repeat a type.
        """
        if known.kind == node.kind and (
            self.definitions[known.fullname] == schema
            or (node.kind == "record" and known.fullname in self.open_records)
            or (node.kind == "enum" and node.symbols == known.symbols)
            or (node.kind == "fixed" and node.size == known.size)
        ):
            return
        raise _invalid(f"{known.fullname!r} is defined twice, differently")

    def parse_record(self, schema: dict[str, Any], space: str | None, depth: int) -> _Node:
        node, known = self.define(schema, "record", space)
        if known is not None:
            self.check_redefinition(schema, node, known)
        else:
            self.open_records.add(node.fullname)
        raw_fields = schema.get("fields")
        if not isinstance(raw_fields, list):
            raise _invalid(f"record {node.fullname!r} has no 'fields' array")
        inner_space = node.fullname.rpartition(".")[0] or None
        for pos, raw in enumerate(raw_fields):
            if not isinstance(raw, dict):
                raise _invalid(f"field {pos} of {node.fullname!r} is not an object")
            name = raw.get("name")
            if not isinstance(name, str) or not name:
                raise _invalid(f"field {pos} of {node.fullname!r} has no name")
            if name in node.field_index:
                raise _invalid(f"field {name!r} appears twice in {node.fullname!r}")
            if "type" not in raw:
                raise _invalid(f"field {name!r} of {node.fullname!r} has no type")
            field = _Field(
                name,
                tuple(dict.fromkeys(_string_list(raw.get("aliases"), "field aliases"))),
                "default" in raw,
                self.parse(raw["type"], inner_space, depth + 1),
                pos,
            )
            node.fields.append(field)
            node.field_index[name] = field
        if known is None:
            self.open_records.discard(node.fullname)
        return node

    def parse_enum(self, schema: dict[str, Any], space: str | None) -> _Node:
        node, known = self.define(schema, "enum", space)
        symbols = schema.get("symbols")
        if not isinstance(symbols, list):
            raise _invalid(f"enum {node.fullname!r} has no 'symbols' array")
        node.symbols = _string_list(symbols, "enum symbols")
        default = schema.get("default")
        node.enum_default = default if isinstance(default, str) else None
        if known is not None:
            self.check_redefinition(schema, node, known)
        return node

    def parse_fixed(self, schema: dict[str, Any], space: str | None) -> _Node:
        node, known = self.define(schema, "fixed", space)
        size = schema.get("size")
        if not isinstance(size, int) or isinstance(size, bool):
            raise _invalid(f"fixed {node.fullname!r} has no integer 'size'")
        node.size = size
        if known is not None:
            self.check_redefinition(schema, node, known)
        return node


def _kind(value: object) -> str:
    return type(value).__name__


def _string_list(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(f"{what} must be an array of strings")
    return tuple(value)


def _type_aliases(value: object, space: str | None) -> frozenset[str]:
    """Aliases of a named type as Java's ``getAliases()`` reports them (full names)."""
    out = set()
    for alias in _string_list(value, "aliases"):
        name, alias_space, full = _split_name(alias, space)
        # Java writes an alias in the null namespace of a namespaced type as ".name",
        # which then never equals a writer's full name; keep that behaviour.
        out.add(f".{name}" if alias_space is None and space is not None else full)
    return frozenset(out)


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

    def check(self, token: str, reader: _Node, writer: _Node, loc: list[str]) -> _Result:
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

    def calculate(self, reader: _Node, writer: _Node, loc: list[str]) -> _Result:
        rk, wk = reader.kind, writer.kind
        if rk == wk:
            if rk in _PRIMITIVES:
                return _COMPATIBLE
            if rk == "array":
                assert reader.child is not None and writer.child is not None
                return self.check("items", reader.child, writer.child, loc)
            if rk == "map":
                assert reader.child is not None and writer.child is not None
                return self.check("values", reader.child, writer.child, loc)
            if rk == "fixed":
                return _check_names(reader, writer, loc) + _check_size(reader, writer, loc)
            if rk == "enum":
                return _check_names(reader, writer, loc) + _check_symbols(reader, writer, loc)
            if rk == "record":
                return _check_names(reader, writer, loc) + self.check_fields(reader, writer, loc)
            # Both unions: every writer branch must be readable by the reader union.
            result = _COMPATIBLE
            for index, branch in enumerate(writer.branches):
                loc.append(str(index))
                if self.check("", reader, branch, []):
                    detail = f"reader union lacking writer type: {_JAVA_TYPE[branch.kind]}"
                    result += ((_MISSING_UNION_BRANCH, _pointer(loc), detail),)
                loc.pop()
            return result
        if wk == "union":
            result = _COMPATIBLE
            for index, branch in enumerate(writer.branches):
                result += self.check(str(index), reader, branch, loc)
            return result
        if rk == "union":
            for branch in reader.branches:
                if not self.check("", branch, writer, []):
                    return _COMPATIBLE
            detail = f"reader union lacking writer type: {_JAVA_TYPE[wk]}"
            return ((_MISSING_UNION_BRANCH, _pointer(loc), detail),)
        if wk in _PROMOTIONS.get(rk, ()):
            return _COMPATIBLE
        detail = f"reader type: {_JAVA_TYPE[rk]} not compatible with writer type: {_JAVA_TYPE[wk]}"
        return ((_TYPE_MISMATCH, _pointer(loc), detail),)

    def check_fields(self, reader: _Node, writer: _Node, loc: list[str]) -> _Result:
        result = _COMPATIBLE
        loc.append("fields")
        index = writer.field_index
        for field in reader.fields:
            loc.append(str(field.pos))
            matches = [index[name] for name in (field.name, *field.aliases) if name in index]
            if len(matches) > 1:
                raise _AmbiguousFieldError(
                    f"reader field {field.name!r} of {reader.fullname!r} matches several fields "
                    f"of the writer record {writer.fullname!r}"
                )
            if matches:
                result += self.check("type", field.node, matches[0].node, loc)
            elif not field.has_default:
                if field.node.kind == "enum" and field.node.enum_default is not None:
                    # Java compares the enum with the writer *record* here, which reports a
                    # TYPE_MISMATCH; kept as is so results match the Java registry.
                    result += self.check("type", field.node, writer, loc)
                else:
                    result += ((_READER_FIELD_MISSING_DEFAULT_VALUE, _pointer(loc), field.name),)
            loc.pop()
        loc.pop()
        return result


def _pointer(loc: list[str]) -> str:
    # The first token is the root's empty token, which a JSON pointer leaves out.
    return "/" + "/".join(loc[1:])


def _check_names(reader: _Node, writer: _Node, loc: list[str]) -> _Result:
    if reader.name == writer.name or writer.fullname in reader.aliases:
        return _COMPATIBLE
    loc.append("name")
    issue = (_NAME_MISMATCH, _pointer(loc), f"expected: {writer.fullname}")
    loc.pop()
    return (issue,)


def _check_size(reader: _Node, writer: _Node, loc: list[str]) -> _Result:
    if reader.size == writer.size:
        return _COMPATIBLE
    loc.append("size")
    issue = (_FIXED_SIZE_MISMATCH, _pointer(loc), f"expected: {writer.size}, found: {reader.size}")
    loc.pop()
    return (issue,)


def _check_symbols(reader: _Node, writer: _Node, loc: list[str]) -> _Result:
    missing = set(writer.symbols).difference(reader.symbols)
    if not missing or (reader.enum_default is not None and reader.enum_default in reader.symbols):
        return _COMPATIBLE
    loc.append("symbols")
    issue = (_MISSING_ENUM_SYMBOLS, _pointer(loc), "[" + ", ".join(sorted(missing)) + "]")
    loc.pop()
    return (issue,)


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


def _read_check(reader: _Node, writer: _Node, reader_role: str, writer_role: str) -> list[str]:
    try:
        issues = _Checker().check("", reader, writer, [])
    except _AmbiguousFieldError as exc:
        return [f"compatibility check failed: {exc}"]
    except RecursionError:
        return ["compatibility check failed: the schemas nest too deeply to compare"]
    return [_render(issue, reader_role, writer_role) for issue in issues]


def _parse(schema: object) -> _Node:
    try:
        return _Parser().parse_schema(schema)
    except RecursionError:
        raise _invalid("nested too deeply") from None


def can_read(reader: object, writer: object) -> list[str]:
    """Say whether ``reader`` can decode data written with ``writer``.

    Both are JSON-decoded Avro schemas. Returns an empty list when it can, else one message per
    incompatibility (Java's kind name, a JSON-pointer location into the reader schema and the
    detail). Raises :class:`~registry.errors.InvalidSchemaError` for a malformed schema.
    """
    return _read_check(_parse(reader), _parse(writer), "reader", "writer")


def _old_schema_message(schema: object) -> str:
    text = json.dumps(schema, separators=(",", ":"), ensure_ascii=False)
    if len(text) > _MAX_SCHEMA_IN_MESSAGE:
        text = text[:_MAX_SCHEMA_IN_MESSAGE] + "..."
    return f"old schema: {text}"


def check_compatibility(
    candidate: object, existing: Sequence[object], level: str
) -> CompatibilityResult:
    """Check ``candidate`` against the subject's live versions ``existing`` (oldest first).

    ``level`` is one of :data:`~registry.types.COMPATIBILITY_LEVELS` (any letter case); an unknown
    level raises :class:`ValueError`. Non-transitive levels compare with the latest version only;
    transitive ones with every version, newest first, reporting the first that fails, followed by
    a message holding that old schema. Raises :class:`~registry.errors.InvalidSchemaError` for a
    malformed schema.
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
