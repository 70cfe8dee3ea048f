"""Thin adapters that plug avroframe's serde into the two Python Kafka clients.

Import the submodule for your client; importing ``adapters`` alone imports neither client:

* :mod:`adapters.kafka_python` (kafka-python 2.x and 3.x): ``AvroSerializer`` /
  ``AvroDeserializer`` for ``KafkaProducer(value_serializer=...)`` and
  ``KafkaConsumer(value_deserializer=...)``, plus ``AvroProducer`` and ``AvroConsumer``
  (decoding with an error policy: ``on_error="raise" | "skip" | callable``).
* :mod:`adapters.confluent_kafka` (confluent-kafka 2.x): ``AvroSerializer`` /
  ``AvroDeserializer`` for ``SerializingProducer`` / ``DeserializingConsumer``, plus
  ``AvroProducer`` and ``AvroConsumer``, drop-in replacements for the deprecated
  ``confluent_kafka.avro`` classes (``schema.registry.*`` keys in the same config dict work).

The adapters translate between a client's calling conventions and :mod:`serde`; the encoding,
the schema-id caches and the poison-message policy live in :mod:`serde`.
"""

from __future__ import annotations

import logging

# A library logs to its own logger and leaves output to the application.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__: list[str] = []
