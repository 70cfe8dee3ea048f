"""avroframe's core: Confluent wire-format Avro serialization, independent of any Kafka client.

>>> from avroframe import registry, serde
>>> reg = registry.connect("memory://doctest")
>>> ser = serde.AvroSerializer(reg, '{"type": "record", "name": "Point", '
...     '"fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}]}')
>>> data = ser.serialize({"x": 1, "y": 2}, "points")
>>> data.hex()
'00000000010204'
>>> serde.AvroDeserializer(reg).deserialize(data)
{'x': 1, 'y': 2}
"""

from __future__ import annotations

import logging

from .codec import Reader, Writer
from .context import SerializationContext
from .deserializer import AvroDeserializer
from .errors import (
    ConfigError,
    DecodeError,
    DecodeLimitError,
    DeserializationFailure,
    EncodeError,
    FrameError,
    RegistryUnavailableError,
    SchemaError,
    SerdeError,
    UnknownSchemaError,
)
from .frame import Frame, SchemaRef, pack, unpack
from .limits import DecodeLimits
from .logical import Duration, EpochNanos
from .schema import ParsedSchema, parse
from .serializer import AvroSerializer
from .subject import record_name_strategy, topic_name_strategy, topic_record_name_strategy

# A library logs to its own logger and leaves output to the application.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AvroDeserializer",
    "AvroSerializer",
    "ConfigError",
    "DecodeError",
    "DecodeLimitError",
    "DecodeLimits",
    "DeserializationFailure",
    "Duration",
    "EncodeError",
    "EpochNanos",
    "Frame",
    "FrameError",
    "ParsedSchema",
    "Reader",
    "RegistryUnavailableError",
    "SchemaError",
    "SchemaRef",
    "SerdeError",
    "SerializationContext",
    "UnknownSchemaError",
    "Writer",
    "pack",
    "parse",
    "record_name_strategy",
    "topic_name_strategy",
    "topic_record_name_strategy",
    "unpack",
]
