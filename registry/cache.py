"""A small thread-safe cache: bounded (LRU), optional time-to-live, and single-flight loads.

Used for facts fetched from a registry. Concurrent misses for the same key run the loader once;
the other callers wait for its result (or its exception).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Flight(Generic[V]):
    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: V | None = None
        self.error: BaseException | None = None


class Cache(Generic[K, V]):
    """A bounded LRU map with an optional TTL whose misses load once per key."""

    def __init__(
        self,
        maxsize: int = 1000,
        ttl: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        if ttl is not None and ttl <= 0:
            raise ValueError("ttl must be positive or None")
        self.maxsize = maxsize
        self.ttl = ttl
        self._clock = clock
        self._items: OrderedDict[K, tuple[V, float]] = OrderedDict()
        self._flights: dict[K, _Flight[V]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Cache(maxsize={self.maxsize}, ttl={self.ttl}, size={len(self._items)})"

    def get(self, key: K) -> V | None:
        """Return the cached value, or ``None`` when it is missing or expired."""
        with self._lock:
            return self._get_locked(key)

    def _get_locked(self, key: K) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        value, expires = entry
        if self.ttl is not None and self._clock() >= expires:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value``, evicting the least recently used entry when full."""
        with self._lock:
            self._put_locked(key, value)

    def _put_locked(self, key: K, value: V) -> None:
        expires = self._clock() + self.ttl if self.ttl is not None else 0.0
        self._items[key] = (value, expires)
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def get_or_load(self, key: K, loader: Callable[[], V]) -> V:
        """Return the cached value or load it; concurrent misses for ``key`` share one load."""
        with self._lock:
            value = self._get_locked(key)
            if value is not None:
                return value
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]
        try:
            value = loader()
        except BaseException as exc:
            flight.error = exc
            raise
        else:
            flight.value = value
            with self._lock:
                self._put_locked(key, value)
            return value
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()

    def invalidate(self, key: K) -> None:
        """Forget ``key``."""
        with self._lock:
            self._items.pop(key, None)

    def invalidate_where(self, predicate: Callable[[K], bool]) -> None:
        """Forget every key for which ``predicate`` is true."""
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                del self._items[key]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
