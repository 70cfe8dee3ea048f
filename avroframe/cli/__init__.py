"""The ``avroframe`` command line: a front end over the serde and the registry clients.

It lives outside the transport-agnostic core because it builds registry clients from URLs and,
for the Kafka commands, uses a Kafka client. ``main(argv)`` runs it and returns the exit status.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
