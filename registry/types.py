"""Value types exchanged with a schema registry, named as in Confluent's clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

AVRO: Final = "AVRO"

COMPATIBILITY_LEVELS: Final = (
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)
"""Every compatibility level the Confluent API defines; ``BACKWARD`` is the server default."""

DEFAULT_COMPATIBILITY: Final = "BACKWARD"

MODES: Final = ("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT")
"""Every registry mode; ``IMPORT`` allows registering a schema under an explicit id."""

DEFAULT_MODE: Final = "READWRITE"


@dataclass(frozen=True)
class SchemaReference:
    """A named type that a schema uses and that is registered under another subject."""

    name: str
    subject: str
    version: int


@dataclass(frozen=True)
class Schema:
    """A schema as the registry stores it: its text, type and references."""

    schema_str: str
    schema_type: str = AVRO
    references: tuple[SchemaReference, ...] = field(default=())

    def __post_init__(self) -> None:
        # Accept any iterable of references but store a tuple, so the value stays hashable.
        if not isinstance(self.references, tuple):
            object.__setattr__(self, "references", tuple(self.references))


@dataclass(frozen=True)
class RegisteredSchema:
    """A schema as registered under one subject: its id, subject and version."""

    schema_id: int
    schema: Schema
    subject: str
    version: int
    guid: str | None = None


@dataclass(frozen=True)
class CompatibilityResult:
    """The answer to a compatibility test, with the reasons when the schema is refused."""

    is_compatible: bool
    messages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.is_compatible
