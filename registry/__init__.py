"""Schema registry clients: HTTP (Confluent REST API) and two embedded backends.

``connect(url)`` picks the backend from the URL:

* ``http://host:8081`` / ``https://...`` (several comma-separated for failover): a registry server;
* ``memory://NAME``: in this process, shared by every client that names the same NAME;
* ``sqlite:///path/to/registry.db``: a persistent file, safe with concurrent processes.

The embedded backends have the server's semantics (ids, versions, compatibility, modes, error
codes). This package does not import the serde.
"""

from __future__ import annotations

import logging
from typing import Any

from .errors import (
    IncompatibleSchemaError,
    InvalidSchemaError,
    NotFoundError,
    RegistryError,
    RegistryRedirectError,
    RegistryServerError,
    RegistryThrottledError,
    RegistryTimeoutError,
    RegistryUnavailableError,
    ResponseTooLargeError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    VersionNotFoundError,
)
from .protocol import SchemaRegistryClient, SerdeRegistry
from .types import (
    COMPATIBILITY_LEVELS,
    MODES,
    CompatibilityResult,
    RegisteredSchema,
    Schema,
    SchemaReference,
)

# A library logs to its own logger and leaves output to the application.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "COMPATIBILITY_LEVELS",
    "MODES",
    "CompatibilityResult",
    "IncompatibleSchemaError",
    "InvalidSchemaError",
    "NotFoundError",
    "RegisteredSchema",
    "RegistryError",
    "RegistryRedirectError",
    "RegistryServerError",
    "RegistryThrottledError",
    "RegistryTimeoutError",
    "RegistryUnavailableError",
    "ResponseTooLargeError",
    "Schema",
    "SchemaNotFoundError",
    "SchemaReference",
    "SchemaRegistryClient",
    "SerdeRegistry",
    "SubjectNotFoundError",
    "VersionNotFoundError",
    "connect",
]


def connect(url: str, **options: Any) -> SchemaRegistryClient:
    """Return a registry client for ``url`` (``http(s)://``, ``memory://NAME``, ``sqlite:///PATH``).

    ``options`` go to the backend (for HTTP: timeouts, retries, auth, TLS, cache settings).
    """
    if not isinstance(url, str) or not url:
        raise ValueError("a registry URL is required")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("http", "https"):
        from .http import HttpRegistry

        return HttpRegistry.from_url(url, **options)
    if scheme == "memory":
        from .memory import MemoryRegistry

        return MemoryRegistry(url[len("memory://") :], **options)
    if scheme == "sqlite":
        from .sqlite import SqliteRegistry

        path = url[len("sqlite://") :]
        if path.startswith("/") and path[1:2] == "/":
            path = path[1:]  # sqlite:////abs/path is accepted too
        return SqliteRegistry(path, **options)
    raise ValueError(
        f"unsupported registry URL scheme {scheme or url!r}: use http(s)://, memory:// or sqlite://"
    )
