"""The avroframe command line: a front end over the serde and the registry clients.

It lives outside the transport-agnostic core because it builds registry clients from URLs and,
for the Kafka commands, uses a Kafka client (confluent-kafka, the ``cli`` extra).
``main(argv)`` runs it and returns the exit status. Modules by job: ``main`` (arguments and
dispatch), ``files`` (encode, decode, inspect), ``schemas`` (register, subjects, versions),
``consume``, ``produce``, ``compat``, ``codec``/``jsonvalue``/``avrojson`` (JSON forms),
``kafka`` (client and settings), ``progress``, ``common``.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
