"""avroframe: Confluent wire-format Avro for Kafka in Python, byte-for-byte with Java.

The names most programs need are here; the layers live in their own packages:

* :mod:`avroframe.serde`: the transport-agnostic core (frame, cached schema lookup, codec);
* :mod:`avroframe.registry`: schema registry clients (HTTP, ``memory://``, ``sqlite://``);
* :mod:`avroframe.adapters`: thin adapters for kafka-python and confluent-kafka.

>>> import avroframe
>>> reg = avroframe.connect("memory://facade-doctest")
>>> ser = avroframe.AvroSerializer(reg, '"string"')
>>> ser.serialize("hi", "greetings").hex()
'0000000001046869'
>>> avroframe.AvroDeserializer(reg).deserialize(ser.serialize("hi", "greetings"))
'hi'
"""

from __future__ import annotations

from avroframe.registry import RegistryError, connect
from avroframe.serde import (
    AvroDeserializer,
    AvroSerializer,
    ConfigError,
    DecodeError,
    DeserializationFailure,
    EncodeError,
    FrameError,
    RegistryUnavailableError,
    SchemaError,
    SerdeError,
    UnknownSchemaError,
)

__all__ = [
    "AvroDeserializer",
    "AvroSerializer",
    "ConfigError",
    "DecodeError",
    "DeserializationFailure",
    "EncodeError",
    "FrameError",
    "RegistryError",
    "RegistryUnavailableError",
    "SchemaError",
    "SerdeError",
    "UnknownSchemaError",
    "connect",
]
