"""A parsed schema: its root node, the names it was parsed with, and its texts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ._writer import Writer, dumps
from .model import Named, Node


class Redefinition(NamedTuple):
    """A named type defined again (``node``) after its first definition (``first``)."""

    node: Named
    first: Named
    identical: bool
    """The two definitions are the same JSON."""


@dataclass(frozen=True, eq=False)
class AvroSchema:
    """One parsed schema (from :meth:`SchemaParser.parse` or :func:`parse`)."""

    root: Node
    """The schema's node; references by name point at the named type they mean."""
    referenced_names: tuple[str, ...]
    """Full names of the referenced schemas' top-level types, which the text writes by name."""
    definitions: tuple[Named, ...]
    """The named types this schema defines (not its references'), in order, repeats included."""
    redefinitions: tuple[Redefinition, ...]
    """The named types this schema defines again."""
    fallbacks: Mapping[str, str]
    """Unqualified references that Java resolves in the null namespace, by the full name written
    in their namespace: ``{"com.acme.Plain": "Plain"}``."""
    _texts: dict[tuple[bool, bool], str] = field(default_factory=dict, init=False, repr=False)

    def __repr__(self) -> str:
        text = self.text()
        return f"AvroSchema({text[:200] + '...' if len(text) > 200 else text})"

    @property
    def type(self) -> str:
        """The Avro type of the root: a primitive name, "record", "enum", "array", ..."""
        return self.root.kind

    @property
    def name(self) -> str | None:
        """Full name of the root when it is a named type, else None."""
        return self.root.fullname if isinstance(self.root, Named) else None

    def text(self, *, normalize: bool = False, standalone: bool = False) -> str:
        """Compact JSON as Java's ``Schema.toString`` writes it.

        Referenced types are written by name unless ``standalone``, which defines them at their
        first use. ``normalize`` writes Confluent's normalized form (properties, aliases and JSON
        object keys sorted; ``error`` as ``record``); two schemas Java holds equal apart from
        those orders have the same normalized text.
        """
        key = (normalize, standalone)
        text = self._texts.get(key)
        if text is None:
            known = () if standalone else self.referenced_names
            text = dumps(Writer(known, normalized=normalize).write(self.root, None))
            self._texts[key] = text
        return text

    def to_json(self, *, standalone: bool = True) -> Any:
        """The JSON value of :meth:`text` (standalone by default)."""
        return json.loads(self.text(standalone=standalone))
