"""Schema text in the form Java's ``Schema.toString`` writes: what Java's clients register.

Registries that compare schema texts exactly (Apicurio's Confluent API does) give a schema sent
with other whitespace or key order a different id than the one a Java producer got; sending
this form gives the same id everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._avro import parse_avro
from .errors import InvalidSchemaError

__all__ = ["java_schema_text"]


def java_schema_text(text: str, referenced: Sequence[str] = ()) -> str | None:
    """``text`` as Java writes it, given the texts it references (dependencies first).

    Returns None when ``text`` is not a schema Java could parse.
    """
    try:
        return parse_avro(text, referenced, strict=False).text
    except InvalidSchemaError:
        return None
