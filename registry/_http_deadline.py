"""Deadlines for HTTP registry calls: one per attempt (one HTTP exchange) and one per call.

A socket read timeout restarts on every byte, so a server that dribbles its answer keeps a
plain ``requests`` call blocked for as long as it likes. Here a call runs in a worker thread
while the calling thread keeps watch: when an attempt outlives its deadline, the watcher shuts
the attempt's socket down (the blocked read fails at once and urllib3 retries or the client
fails over); when the call outlives its deadline, the caller stops waiting, raises, and the
worker is refused any further attempt.

Attempts are seen through :class:`DeadlineAdapter`, whose connections report each request they
send. With a session the client did not build (and so without this adapter), an attempt is
watched from the moment its headers arrive; the call deadline holds either way.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ProtocolError

T = TypeVar("T")

_local = threading.local()


@dataclass(frozen=True)
class Deadlines:
    """Seconds allowed for one attempt (connect, send, headers and body) and for a whole call."""

    attempt: float
    call: float


class CallAbandoned(ProtocolError):
    """Raised inside the worker when the caller has stopped waiting: no new attempt starts."""


class Watch:
    """What the watcher knows about a running call: its deadlines and the current attempt."""

    def __init__(self, deadlines: Deadlines) -> None:
        self.deadlines = deadlines
        self.call_ends = time.monotonic() + deadlines.call
        self._cond = threading.Condition()
        self._conn: HTTPConnection | None = None
        self._attempt_ends: float | None = None
        self._done = False
        self.abandoned = False
        self.cut = False  # the current attempt was cut at its deadline
        self.ever_cut = False  # some attempt of this call was

    def begin_attempt(self, conn: HTTPConnection) -> None:
        """Note that ``conn`` starts an exchange now (called in the worker)."""
        with self._cond:
            if self.abandoned:
                raise CallAbandoned("the registry call ran out of time; no new attempt")
            self._conn = conn
            self.cut = False
            self._attempt_ends = min(time.monotonic() + self.deadlines.attempt, self.call_ends)
            self._cond.notify_all()

    def watch_connection(self, conn: HTTPConnection | None) -> None:
        """Watch ``conn`` from now on unless an attempt on it is already watched."""
        if conn is not None and conn is not self._conn:
            self.begin_attempt(conn)

    def connected(self, conn: HTTPConnection) -> None:
        """Cut a connection that finished connecting after its attempt was already cut."""
        with self._cond:
            cut = conn is self._conn and (self.abandoned or self.cut)
        if cut:
            _shut(conn)

    def take_cut(self) -> bool:
        """Tell whether an attempt was cut at its deadline since the last question."""
        with self._cond:
            cut, self.ever_cut = self.ever_cut, False
            return cut

    def end_attempt(self) -> None:
        """The exchange is complete (its body has been read): stop watching it."""
        with self._cond:
            self._conn = None
            self._attempt_ends = None

    def finish(self) -> None:
        """The call is over (called in the worker, whatever the outcome)."""
        with self._cond:
            self._done = True
            self._conn = None
            self._cond.notify_all()

    def wait(self) -> bool:
        """Keep watch until the call finishes (True) or its deadline passes (False)."""
        with self._cond:
            while not self._done:
                now = time.monotonic()
                if now >= self.call_ends:
                    self.abandoned = True
                    self._cut_locked()
                    return False
                if self._attempt_ends is not None and now >= self._attempt_ends:
                    self.cut = self.ever_cut = True
                    self._cut_locked()
                    self._attempt_ends = None
                wake = self.call_ends if self._attempt_ends is None else self._attempt_ends
                self._cond.wait(max(0.0, wake - now))
            return True

    def _cut_locked(self) -> None:
        if self._conn is not None:
            _shut(self._conn)


def _shut(conn: HTTPConnection) -> None:
    sock = conn.sock
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def current_watch() -> Watch | None:
    """The watch of the call running in this thread, if any."""
    watch: Watch | None = getattr(_local, "watch", None)
    return watch


@dataclass
class _Outcome(Generic[T]):
    value: T | None = None
    error: BaseException | None = None


def run_watched(deadlines: Deadlines, work: Callable[[Watch], T]) -> tuple[T | None, Watch]:
    """Run ``work`` in a worker thread under ``deadlines``.

    Returns ``(value, watch)``; ``value`` is ``None`` and ``watch.abandoned`` is true when the
    call deadline passed first. An exception of ``work`` is raised here.
    """
    watch = Watch(deadlines)
    outcome: _Outcome[T] = _Outcome()

    def worker() -> None:
        _local.watch = watch
        try:
            outcome.value = work(watch)
        except BaseException as exc:  # handed to the calling thread
            outcome.error = exc
        finally:
            _local.watch = None
            watch.finish()

    thread = threading.Thread(target=worker, name="avroframe-registry-call", daemon=True)
    thread.start()
    if not watch.wait():
        return None, watch
    thread.join()
    if outcome.error is not None:
        error = outcome.error
        outcome.error = None
        raise error
    return outcome.value, watch


# ---------------------------------------------------------------------- the adapter's hooks


class _WatchedMixin:
    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = current_watch()
        if watch is not None:
            watch.begin_attempt(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        watch = current_watch()
        if watch is not None:
            watch.connected(self)  # type: ignore[arg-type]


class _WatchedHTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An :class:`HTTPAdapter` whose connections report each attempt to the running call."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Build the pool manager with connections that report their attempts."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """Build a proxy manager with connections that report their attempts."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
