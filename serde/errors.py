"""The serde's exceptions: one base class, :class:`SerdeError`, and a subclass per kind of failure.

None of them derives from ``TypeError`` (kafka-python 3.x retries a serializer that raises
``TypeError`` with another call signature) and none carries a secret in its message.
"""

from __future__ import annotations

from avroframe.registry import errors as _registry_errors


class SerdeError(Exception):
    """Base class of every error the serde raises."""

    index: int | None = None
    """In a batch (``serialize_many``, ``deserialize_many``): the position of the value or frame
    that failed, also named in the message as ``[index]``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(SerdeError, ValueError):
    """An option or argument is invalid; raised when the object is built."""


class FrameError(SerdeError):
    """The bytes are not a valid wire-format frame (empty, too short, or an unknown magic byte)."""


class SchemaError(SerdeError):
    """A schema cannot be parsed or its references cannot be resolved."""


class UnknownSchemaError(SerdeError):
    """The registry does not know the schema id, GUID or subject the frame or option names."""

    def __init__(
        self, message: str, *, schema_id: int | None = None, guid: str | None = None
    ) -> None:
        super().__init__(message)
        self.schema_id = schema_id
        self.guid = guid


class RegistryUnavailableError(SerdeError, _registry_errors.RegistryUnavailableError):
    """The registry could not be reached, failed, throttled or timed out: try again later.

    The retryable family: it is also an :class:`avroframe.registry.RegistryUnavailableError`,
    so one ``except`` catches unavailability whether it surfaced in the serde or in a registry
    call; the registry's own error is in ``__cause__``. Never a schema error, never a poison
    record: consumers do not apply their error policy to it.
    """

    def __str__(self) -> str:
        return self.message


class EncodeError(SerdeError):
    """A value does not match the writer schema; ``path`` names where (``$.items[3].price``)."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "$",
        python_type: str | None = None,
        avro_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.python_type = python_type
        self.avro_type = avro_type


class DecodeError(SerdeError):
    """A frame's body cannot be decoded with its writer schema."""

    def __init__(
        self, message: str, *, schema_id: int | str | None = None, offset: int | None = None
    ) -> None:
        super().__init__(message)
        self.schema_id = schema_id
        self.offset = offset


class DecodeLimitError(DecodeError):
    """Decoding stopped because the input exceeds a decode limit (size, items or depth)."""


class DeserializationFailure(SerdeError):
    """A consumed record could not be decoded; names the topic, partition and offset."""

    def __init__(
        self,
        message: str,
        *,
        topic: str | None,
        partition: int | None,
        offset: int | None,
        is_key: bool,
    ) -> None:
        super().__init__(message)
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.is_key = is_key
