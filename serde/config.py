"""Confluent-style configuration dicts, translated into the serializers' keyword options.

Users of confluent-kafka's ``AvroSerializer(client, schema, conf={...})`` can keep their dotted
keys: ``AvroSerializer.from_confluent(registry, schema, conf)``. Unknown keys are refused, so a
typo fails at start-up instead of being ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import ConfigError
from .subject import STRATEGIES


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ConfigError(f"{key} must be true or false, not {value!r}")


def _positive_number(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, not {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{key} must be positive, not {value!r}")
    return number


def _schema_id(key: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be an integer schema id, not {value!r}") from None


def _strategy(key: str, value: Any) -> Any:
    if callable(value):
        return value
    if isinstance(value, str) and value in STRATEGIES:
        return STRATEGIES[value]
    raise ConfigError(f"{key} must be callable or one of {sorted(STRATEGIES)}, not {value!r}")


_SERIALIZER_KEYS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "auto.register.schemas": ("auto_register_schemas", _bool),
    "normalize.schemas": ("normalize_schemas", _bool),
    "use.latest.version": ("use_latest_version", _bool),
    "use.schema.id": ("use_schema_id", _schema_id),
    "latest.cache.ttl.secs": ("latest_cache_ttl", _positive_number),
    "subject.name.strategy": ("subject_name_strategy", _strategy),
}


def serializer_options(conf: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword options of :class:`~serde.AvroSerializer` for a Confluent serializer ``conf``."""
    options: dict[str, Any] = {}
    for key, value in conf.items():
        if key not in _SERIALIZER_KEYS:
            raise ConfigError(
                f"unknown serializer option {key!r}; known: {', '.join(sorted(_SERIALIZER_KEYS))}"
            )
        name, convert = _SERIALIZER_KEYS[key]
        options[name] = convert(key, value)
    return options
