"""The nodes of a parsed Avro schema.

A parsed schema is a graph: every reference by name points at the named type it means (so a
recursive type is a cycle), and every other occurrence of a type is its own node. Nodes are
plain data; parsing, writing and checking live in the other modules of this package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, TypeAlias

__all__ = [
    "NO_DEFAULT",
    "PRIMITIVES",
    "Array",
    "Enum",
    "Field",
    "Fixed",
    "Map",
    "Named",
    "Node",
    "Primitive",
    "Record",
    "Union",
]

PRIMITIVES: Final = frozenset(
    ("null", "boolean", "int", "long", "float", "double", "bytes", "string")
)
"""The primitive type names; no named type may be called one of them."""

Props: TypeAlias = tuple[tuple[str, Any], ...]
"""Custom properties (``logicalType`` among them), in the order they were written."""


class _NoDefault:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Final = _NoDefault()
"""The :attr:`Field.default` of a field that has none (``None`` is the JSON null default)."""


@dataclass(eq=False)
class Primitive:
    """``null``, ``boolean``, ``int``, ``long``, ``float``, ``double``, ``bytes`` or ``string``."""

    kind: str
    props: Props = ()


@dataclass(eq=False)
class Array:
    """An array of ``items``."""

    items: Node
    props: Props = ()
    kind: ClassVar[str] = "array"


@dataclass(eq=False)
class Map:
    """A map from strings to ``values``."""

    values: Node
    props: Props = ()
    kind: ClassVar[str] = "map"


@dataclass(eq=False)
class Union:
    """A union of ``branches`` (never directly another union, no two of one type or name)."""

    branches: list[Node]
    kind: ClassVar[str] = "union"


@dataclass(eq=False)
class Named:
    """What records, enums and fixed types share: a name in a namespace, a doc, aliases."""

    name: str
    namespace: str | None
    doc: str | None = None
    props: Props = ()
    aliases: tuple[tuple[str, str | None], ...] = ()
    """Each alias as (name, namespace); an alias written without a dot has the type's namespace."""

    @property
    def fullname(self) -> str:
        """``namespace.name``, or the bare name in the null namespace."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@dataclass(eq=False)
class Field:
    """A record field."""

    name: str
    type: Node
    position: int
    doc: str | None = None
    default: Any = NO_DEFAULT
    order: str = "ascending"
    aliases: tuple[str, ...] = ()
    props: Props = ()


@dataclass(eq=False)
class Record(Named):
    """A record (``is_error`` for the protocol type ``error``, which is a record too)."""

    fields: list[Field] = field(default_factory=list)
    field_index: dict[str, Field] = field(default_factory=dict, repr=False)
    is_error: bool = False
    kind: ClassVar[str] = "record"


@dataclass(eq=False)
class Enum(Named):
    """An enum; ``default`` is the symbol a reader uses for a symbol it does not know."""

    symbols: tuple[str, ...] = ()
    default: str | None = None
    kind: ClassVar[str] = "enum"


@dataclass(eq=False)
class Fixed(Named):
    """A fixed-size byte string."""

    size: int = 0
    kind: ClassVar[str] = "fixed"


Node: TypeAlias = Primitive | Array | Map | Union | Record | Enum | Fixed
"""Any schema node. ``node.kind`` is its Avro type: a primitive name, "array", "map", "union",
"record", "enum" or "fixed"."""
