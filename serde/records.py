"""Consumed records, decoded with an error policy: the part of a consumer no client should redo.

An adapter turns its client's message into a :class:`RawRecord` and calls
:meth:`RecordDecoder.decode`, or hands a batch over as a :class:`RawBatch` (columns, with the
raw record of one built only when it fails) to :meth:`RecordDecoder.decode_many`, which reads
keys and values of one schema id together and applies the policy to each record in order. A
record that cannot be decoded is handled by the policy:

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

from .batch import decode
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


@dataclass(frozen=True, slots=True)
class RawBatch:
    """Consumed records as columns, for :meth:`RecordDecoder.decode_many`: the keys, values,
    topics and headers of every record, and ``record(i)`` to build the :class:`RawRecord` of
    record ``i`` (only for a record that fails)."""

    keys: Sequence[bytes | None]
    values: Sequence[bytes | None]
    topics: Sequence[str | None]
    headers: Sequence[Any] | None
    """None when no record has headers."""
    record: Callable[[int], RawRecord]

    @classmethod
    def of(cls, records: Sequence[RawRecord]) -> RawBatch:
        """The columns of these records."""
        headers = [record.headers for record in records]
        return cls(
            [record.key for record in records],
            [record.value for record in records],
            [record.topic for record in records],
            headers if any(headers) else None,
            records.__getitem__,
        )


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """What :meth:`RecordDecoder.decode_many` did with a batch."""

    keys: list[Any]
    """The decoded key of each record (for records that failed or were not reached: None)."""
    values: list[Any]
    """The decoded value of each record (likewise)."""
    handled: int
    """How many records, from the first, were decoded or handled by the policy: their
    offsets may be stored."""
    dropped: frozenset[int]
    """The records (indexes below ``handled``) the policy skipped or diverted."""
    error: Exception | None
    """What stopped the batch at record ``handled``: raise it once the records before it are
    delivered (or at once if there are none), and keep the position at that record."""


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
            raise _unavailable(record, field, exc) from exc
        except SerdeError as exc:
            self._fail(record, _failure(record, field, exc))
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

    def decode_many(self, batch: RawBatch | Sequence[RawRecord]) -> DecodedBatch:
        """Decode a batch of records, as :meth:`decode` one after the other would, with fewer
        calls per record (keys, then values, of one schema id are read together).

        The policy applies to each record that cannot be decoded, in order. Decoding stops at
        the first record whose failure is raised (policy ``"raise"``, a callback that raises, a
        registry outage): the result says how many records came before it and holds the
        error; the adapter returns those and keeps its position at that record.
        """
        if not isinstance(batch, RawBatch):
            batch = RawBatch.of(batch)
        count = len(batch.values)
        if self._key is not None:
            keys, key_errors = decode(self._key, batch.keys, True, batch.topics, batch.headers)
        else:
            keys, key_errors = list(batch.keys), {}
        if self._value is not None:
            values, value_errors = decode(
                self._value, batch.values, False, batch.topics, batch.headers
            )
        else:
            values, value_errors = list(batch.values), {}
        if not key_errors and not value_errors:
            return DecodedBatch(keys, values, count, frozenset(), None)
        dropped: set[int] = set()
        for index in sorted(key_errors.keys() | value_errors.keys()):
            field = "key" if index in key_errors else "value"
            exc = key_errors[index] if field == "key" else value_errors[index]
            record = batch.record(index)
            if isinstance(exc, RegistryUnavailableError):
                unavailable = _unavailable(record, field, exc)
                unavailable.__cause__ = exc
                return DecodedBatch(keys, values, index, frozenset(dropped), unavailable)
            try:
                self._fail(record, _failure(record, field, exc))
            except Exception as error:  # "raise", or the callback's own error
                return DecodedBatch(keys, values, index, frozenset(dropped), error)
            dropped.add(index)
        return DecodedBatch(keys, values, count, frozenset(dropped), None)

    def _fail(self, record: RawRecord, failure: DeserializationFailure) -> None:
        policy = self._on_error
        if policy == "raise":
            raise failure
        if policy == "skip":
            logger.warning("skipping undecodable record: %s", failure)
            return None
        policy(record, failure)  # type: ignore[operator]
        return None


def _unavailable(record: RawRecord, field: str, exc: SerdeError) -> RegistryUnavailableError:
    return RegistryUnavailableError(
        f"cannot decode the {field} of {record.topic}[{record.partition}]@{record.offset} "
        f"now (the record is kept; try again): {exc}"
    )


def _failure(record: RawRecord, field: str, exc: SerdeError) -> DeserializationFailure:
    failure = DeserializationFailure(
        f"cannot decode the {field} of {record.topic}[{record.partition}]@{record.offset}: "
        f"{type(exc).__name__}: {exc}",
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        is_key=field == "key",
    )
    failure.__cause__ = exc
    return failure
