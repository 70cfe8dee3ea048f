"""Subject name strategies: where a serializer registers or looks up its schema.

A strategy is any callable ``(topic, is_key, record_name) -> subject``; ``record_name`` is the
full name of the schema's top-level named type, or None for other schemas.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import ConfigError

SubjectNameStrategy = Callable[[str, bool, "str | None"], str]


def topic_name_strategy(topic: str, is_key: bool, record_name: str | None) -> str:
    """``<topic>-key`` or ``<topic>-value`` (the default everywhere)."""
    return f"{topic}-{'key' if is_key else 'value'}"


def record_name_strategy(topic: str, is_key: bool, record_name: str | None) -> str:
    """The record's full name, whatever the topic."""
    if record_name is None:
        raise ConfigError("record_name_strategy needs a schema whose top level is a named type")
    return record_name


def topic_record_name_strategy(topic: str, is_key: bool, record_name: str | None) -> str:
    """``<topic>-<record full name>``."""
    if record_name is None:
        raise ConfigError(
            "topic_record_name_strategy needs a schema whose top level is a named type"
        )
    return f"{topic}-{record_name}"


STRATEGIES: dict[str, SubjectNameStrategy] = {
    "topic": topic_name_strategy,
    "record": record_name_strategy,
    "topic_record": topic_record_name_strategy,
}
"""Strategies by short name, for the CLI and Confluent-style configuration."""
