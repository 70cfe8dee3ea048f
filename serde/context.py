"""The context handed to ``to_dict`` / ``from_dict`` hooks (as Confluent's clients do)."""

from __future__ import annotations

from typing import Any, NamedTuple


class SerializationContext(NamedTuple):
    """Where a value is going or came from: topic, key or value, and the record's headers."""

    topic: str | None
    is_key: bool = False
    headers: Any = None

    @property
    def field(self) -> str:
        """``"key"`` or ``"value"``, as Confluent's ``MessageField`` names them."""
        return "key" if self.is_key else "value"
