"""Thin adapters that plug avroframe's serde into the Python Kafka clients.

Import the submodule for your client; importing ``adapters`` alone imports no client:

* :mod:`adapters.kafka_python` (kafka-python 2.x and 3.x): ``AvroSerializer`` /
  ``AvroDeserializer`` for ``KafkaProducer(value_serializer=...)`` and
  ``KafkaConsumer(value_deserializer=...)``, plus ``AvroProducer`` and ``AvroConsumer``
  (decoding with an error policy: ``on_error="raise" | "skip" | callable``).
* :mod:`adapters.confluent_kafka` (confluent-kafka 2.x): ``AvroSerializer`` /
  ``AvroDeserializer`` for ``SerializingProducer`` / ``DeserializingConsumer``, plus
  ``AvroProducer`` and ``AvroConsumer``, drop-in replacements for the deprecated
  ``confluent_kafka.avro`` classes (``schema.registry.*`` keys in the same config dict work).
* :mod:`adapters.aiokafka` (aiokafka 0.11+): ``AvroSerializer`` / ``AvroDeserializer`` bound to a
  topic for ``AIOKafkaProducer`` / ``AIOKafkaConsumer``, plus asyncio ``AvroProducer``
  (``await send(...)``) and ``AvroConsumer`` (``async for``, ``getmany``) with the error policy.
* :mod:`adapters.confluent_kafka_aio` (``confluent_kafka.aio``; tested with confluent-kafka 2.16):
  serializers for ``AsyncSerializingProducer`` / ``AsyncDeserializingConsumer``, plus asyncio
  ``AvroProducer`` and ``AvroConsumer`` over ``AIOProducer`` / ``AIOConsumer``.

The asyncio adapters never call the registry on the event loop: first registrations, lookups
and fetches of unknown schema ids run in a worker thread, one call shared by concurrent first
messages; ``await producer.warm_up(topic)`` resolves them at start-up. Once cached, a message is
encoded or decoded inline.

The adapters translate between a client's calling conventions and :mod:`serde`; the encoding,
the schema-id caches and the poison-message policy live in :mod:`serde`.
"""

from __future__ import annotations

import logging

# A library logs to its own logger and leaves output to the application.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__: list[str] = []
