"""Consumed records, decoded with an error policy: the part of a consumer no client should redo.

An adapter turns its client's message into a :class:`RawRecord` and calls
:meth:`RecordDecoder.decode`. A record that cannot be decoded is handled by the policy:

* ``"raise"`` (default): raise :class:`DeserializationFailure` naming topic, partition, offset;
* ``"skip"``: log it (with topic, partition, offset) and return None;
* a callable ``(raw_record, error) -> None``: hand the raw record on (e.g. to a dead-letter
  producer) and return None. If the callable raises, that error propagates.

The policy is for records that can never decode. A registry that is unavailable (down,
throttling, timing out) says nothing about the record: :class:`RegistryUnavailableError` is
raised whatever the policy, naming the record, so that the adapter keeps its position there and
the next poll tries the same record again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Union

from .deserializer import AvroDeserializer
from .errors import ConfigError, DeserializationFailure, RegistryUnavailableError, SerdeError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as consumed: bytes, headers and where it came from."""

    topic: str | None
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None
    headers: Any = None
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class DecodedRecord:
    """A record whose key and value were decoded (each None if absent or a tombstone)."""

    topic: str | None
    partition: int | None
    offset: int | None
    key: Any
    value: Any
    headers: Any
    timestamp: int | None
    raw: RawRecord


OnError = Union[Literal["raise", "skip"], Callable[[RawRecord, DeserializationFailure], None]]


class RecordDecoder:
    """Decodes keys and values of consumed records, applying the error policy ``on_error``."""

    def __init__(
        self,
        key_deserializer: AvroDeserializer | None,
        value_deserializer: AvroDeserializer | None,
        *,
        on_error: OnError = "raise",
    ) -> None:
        if on_error not in ("raise", "skip") and not callable(on_error):
            raise ConfigError("on_error must be 'raise', 'skip' or a callable(record, error)")
        self._key = key_deserializer
        self._value = value_deserializer
        self._on_error = on_error

    def decode(self, record: RawRecord) -> DecodedRecord | None:
        """Decode ``record``; None when the policy skipped or diverted it."""
        field = "key"
        try:
            key = (
                self._key.deserialize(record.key, record.topic, True, record.headers)
                if self._key is not None
                else record.key
            )
            field = "value"
            value = (
                self._value.deserialize(record.value, record.topic, False, record.headers)
                if self._value is not None
                else record.value
            )
        except RegistryUnavailableError as exc:
            raise RegistryUnavailableError(
                f"cannot decode the {field} of {record.topic}[{record.partition}]@{record.offset} "
                f"now (the record is kept; try again): {exc}"
            ) from exc
        except SerdeError as exc:
            failure = DeserializationFailure(
                f"cannot decode the {field} of {record.topic}[{record.partition}]@{record.offset}: "
                f"{type(exc).__name__}: {exc}",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                is_key=field == "key",
            )
            failure.__cause__ = exc
            self._fail(record, failure)
            return None
        return DecodedRecord(
            record.topic,
            record.partition,
            record.offset,
            key,
            value,
            record.headers,
            record.timestamp,
            record,
        )

    def _fail(self, record: RawRecord, failure: DeserializationFailure) -> None:
        policy = self._on_error
        if policy == "raise":
            raise failure
        if policy == "skip":
            logger.warning("skipping undecodable record: %s", failure)
            return None
        policy(record, failure)  # type: ignore[operator]
        return None
