"""The Kafka client of the console commands (confluent-kafka) and its configuration."""

from __future__ import annotations

import argparse
import os
from types import ModuleType
from typing import Any

from .common import CliError

BOOTSTRAP_ENV = "AVROFRAME_BOOTSTRAP"
DEFAULT_BOOTSTRAP = "localhost:9092"
MISSING_CLIENT = (
    "the Kafka commands need confluent-kafka: pip install 'avroframe[cli]'"
)


def client_module() -> ModuleType:
    """``confluent_kafka``, or a one-line error naming the extra to install."""
    try:
        import confluent_kafka
    except ImportError:
        raise CliError(MISSING_CLIENT) from None
    return confluent_kafka


def config(args: argparse.Namespace, **settings: Any) -> dict[str, Any]:
    """librdkafka settings: bootstrap servers, ``settings``, then each ``--config KEY=VALUE``."""
    conf: dict[str, Any] = {
        "bootstrap.servers": args.bootstrap or os.environ.get(BOOTSTRAP_ENV) or DEFAULT_BOOTSTRAP,
        "socket.timeout.ms": 10000,
    }
    conf.update(settings)
    for item in args.config or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--config {item!r}: expected KEY=VALUE")
        conf[key.strip()] = value
    return conf


def kafka_error_text(error: Any) -> str:
    """A librdkafka error as one line: its name and reason."""
    try:
        return f"{error.name()}: {error.str()}"
    except AttributeError:
        return str(error)
