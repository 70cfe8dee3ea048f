"""``memory://NAME``: an in-process registry with the real server's semantics.

Every :class:`MemoryRegistry` created with the same name in one process shares one in-memory
sqlite database, so a producer and a consumer built separately see the same schemas and ids; a
different name is a different, empty registry. The database lives as long as the process (closing
a client does not drop it); :func:`drop` forgets one explicitly.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Final

from ._redact import redact_url
from ._store import EmbeddedRegistry, create_tables
from .errors import RegistryError

__all__ = ["MemoryRegistry", "drop"]

_SCHEME: Final = "memory://"


class _Shared:
    """One named in-memory database and the lock that serializes its use."""

    __slots__ = ("connection", "lock")

    def __init__(self) -> None:
        self.connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.lock = threading.RLock()
        create_tables(self.connection)


_DATABASES: dict[str, _Shared] = {}
_DATABASES_LOCK = threading.Lock()


def _shared(name: str) -> _Shared:
    with _DATABASES_LOCK:
        shared = _DATABASES.get(name)
        if shared is None:
            shared = _DATABASES[name] = _Shared()
        return shared


def drop(name: str) -> None:
    """Forget the database called ``name``; clients still open on it keep working on the old one."""
    with _DATABASES_LOCK:
        _DATABASES.pop(name, None)


class MemoryRegistry(EmbeddedRegistry):
    """A registry held in this process's memory, shared by every client using the same name."""

    def __init__(self, name: str = "default") -> None:
        if isinstance(name, str) and name.startswith(_SCHEME):
            name = name[len(_SCHEME) :]
        if not isinstance(name, str) or not name:
            raise RegistryError("a memory registry needs a non-empty name")
        self.name = name
        shared = _shared(name)
        super().__init__(shared.connection, shared.lock)

    def __repr__(self) -> str:
        return f"MemoryRegistry({redact_url(_SCHEME + self.name)})"
