"""A registry kept in a sqlite file, with the real server's semantics.

Several processes may use the same file at once: the database runs in WAL mode, waits for locks
(``busy_timeout``) instead of failing, and allocates ids and versions inside ``BEGIN IMMEDIATE``
transactions, so one process can register while others read, and every process sees the same ids.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Final

from ._redact import redact_text
from ._store import EmbeddedRegistry, create_tables
from .errors import RegistryError, RegistryServerError

__all__ = ["SqliteRegistry"]

DEFAULT_BUSY_TIMEOUT: Final = 30.0
"""Seconds a call waits for another process's write transaction before it fails."""


def _while_busy(step: Callable[[], object], timeout: float) -> None:
    """Run ``step``, retrying while another process holds the lock, for up to ``timeout`` s.

    Switching a new file to WAL (and creating its tables) while another process does the same
    can fail at once with "database is locked": sqlite does not wait there as it does elsewhere.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if ("locked" not in text and "busy" not in text) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


class SqliteRegistry(EmbeddedRegistry):
    """A registry stored in the sqlite database file at ``path`` (created when missing)."""

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> None:
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise RegistryError("a sqlite registry needs a file path")
        if busy_timeout <= 0:
            raise RegistryError("busy_timeout must be positive")
        self.path = os.fspath(path)
        try:
            connection = sqlite3.connect(
                self.path,
                timeout=busy_timeout,
                check_same_thread=False,
                isolation_level=None,
            )
        except sqlite3.Error as exc:
            raise RegistryServerError(
                f"cannot open registry database {redact_text(self.path)}: {exc}",
                http_status_code=500,
                error_code=50001,
            ) from exc
        try:
            _while_busy(lambda: connection.execute("PRAGMA journal_mode=WAL"), busy_timeout)
            _while_busy(lambda: create_tables(connection), busy_timeout)
        except sqlite3.Error as exc:
            connection.close()
            raise RegistryServerError(
                f"cannot use registry database {redact_text(self.path)}: {exc}",
                http_status_code=500,
                error_code=50001,
            ) from exc
        super().__init__(connection, threading.RLock())

    def _release(self) -> None:
        self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteRegistry({redact_text(self.path)!r})"
