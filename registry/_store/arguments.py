"""Checks of the embedded registry's arguments, with the error codes the server answers."""

from __future__ import annotations

import unicodedata
from typing import Final

from ..errors import (
    InvalidSchemaError,
    InvalidSubjectError,
    InvalidVersionError,
    RegistryError,
    UnprocessableError,
)
from ..types import AVRO, Schema, SchemaReference

__all__ = [
    "MAX_VERSION",
    "choice",
    "explicit_id",
    "is_schema_id",
    "new_subject",
    "reference",
    "schema_id_or_none",
    "schema_type",
    "subject",
    "subject_prefix",
    "version",
]

MAX_VERSION: Final = 2**31 - 1
_MAX_ID: Final = 2**31 - 1
_RESERVED_SUBJECTS: Final = frozenset(("__GLOBAL", "__EMPTY"))


def new_subject(value: object) -> str:
    """A subject to write to; the server refuses (42208) empty names, control characters and
    its reserved names."""
    if (
        not isinstance(value, str)
        or not value
        or value in _RESERVED_SUBJECTS
        or any(unicodedata.category(c) == "Cc" for c in value)
    ):
        raise InvalidSubjectError(
            f"invalid subject name {value!r}", subject=value if isinstance(value, str) else None
        )
    return value


def subject(value: object) -> str:
    """A subject named in a read: anything that is not a string is refused (42208)."""
    if not isinstance(value, str):
        raise InvalidSubjectError(f"invalid subject name {value!r}")
    return value


def subject_prefix(value: object) -> str:
    """A prefix subjects are listed by; None is every subject."""
    if value is not None and not isinstance(value, str):
        raise InvalidSubjectError(f"invalid subject prefix {value!r}")
    return value or ""


def version(value: object) -> int:
    """A version number, or -1 for ``"latest"``; anything else is refused (42202)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() == "latest":
            number = -1
        elif text.lstrip("-").isdigit():
            number = int(text)
    if number is None or not (number == -1 or 1 <= number <= MAX_VERSION):
        raise InvalidVersionError(
            f'the version {value!r} is not valid: use 1 to 2^31-1 or "latest"',
            version=value if isinstance(value, (int, str)) else None,
        )
    return number


def choice(
    value: object, choices: tuple[str, ...], what: str, plural: str, error: type[RegistryError]
) -> str:
    """One of ``choices`` in any letter case, upper-cased; else ``error``."""
    name = value.upper() if isinstance(value, str) else ""
    if name not in choices:
        raise error(f"invalid {what} {value!r}; valid {plural}: {', '.join(choices)}")
    return name


def is_schema_id(value: object) -> bool:
    """Whether ``value`` can be a schema id (0 to 2^31-1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_ID


def schema_id_or_none(value: object) -> int | None:
    """``value`` as an error may carry it: an integer, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def explicit_id(value: object) -> int | None:
    """The id a registration asks for: None or -1 (none), else 0 to 2^31-1 (42200)."""
    if value is not None and not (is_schema_id(value) or schema_id_or_none(value) == -1):
        raise UnprocessableError(f"invalid schema id {value!r}: use 0 to 2^31-1")
    return value if isinstance(value, int) and value >= 0 else None


def schema_type(schema: object) -> str:
    """The type of a schema argument: Avro only (42201 otherwise, or for a non-Schema)."""
    if not isinstance(schema, Schema):
        raise InvalidSchemaError(f"expected a registry.types.Schema, got {type(schema).__name__}")
    kind = schema.schema_type or AVRO
    if kind != AVRO:
        raise InvalidSchemaError(
            f"unsupported schema type {kind!r}; this registry supports {AVRO} only"
        )
    return kind


def reference(ref: object) -> SchemaReference:
    """A well-formed reference: name, subject and an integer version (42201 otherwise)."""
    if not (
        isinstance(ref, SchemaReference)
        and isinstance(ref.name, str)
        and isinstance(ref.subject, str)
        and isinstance(ref.version, int)
        and not isinstance(ref.version, bool)
    ):
        raise InvalidSchemaError(f"invalid schema reference {ref!r}")
    return ref
