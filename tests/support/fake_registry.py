"""One fake schema registry for every test: a real HTTP server on 127.0.0.1 answering from a
script, plus the other loopback misbehaviours tests need (a server that never answers, a dead
port). A proxy in front of a real server that can be taken down is in :mod:`.tcp_proxy`.

``FakeRegistry.on(method, path, *replies)`` scripts a route: each request takes the next reply
and the last one repeats; a reply may also be a callable of the request. A :class:`Reply` can
answer normally, wait for an event, drop the connection, dribble its head or body a byte at a
time, stream a body of any size without holding it, or redirect. Every request is recorded
(:class:`Seen`), in the server's ``seen`` list and, when given, in a ``journal`` shared by several
servers (to check the order in which a client tried them).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"

__all__ = [
    "FakeRegistry",
    "Reply",
    "Seen",
    "SilentServer",
    "dead_url",
    "serve",
    "wait_until",
]


@dataclass
class Seen:
    """One request the fake registry received."""

    server: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        """The request body as JSON."""
        return json.loads(self.body)


@dataclass
class Reply:
    """A scripted answer.

    ``body`` is sent as JSON (``raw`` as bytes); ``wait`` delays the answer until the event is
    set; ``drop`` closes the connection without answering; ``dribble`` sends the body one byte
    every ``dribble`` seconds (``dribble_head`` does that with the status line and headers);
    ``stream`` sends that many filler bytes in chunks (``declare_length=False`` omits the
    Content-Length and ends the body by closing the connection).
    """

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    wait: threading.Event | None = None
    drop: bool = False
    dribble: float | None = None
    dribble_head: float | None = None
    stream: int | None = None
    declare_length: bool = True

    def encode(self) -> bytes:
        """The body's bytes."""
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body).encode()


Route = Reply | Callable[[Seen], Reply]


class FakeRegistry:
    """A real HTTP(S) server on 127.0.0.1 that records requests and answers from a script."""

    def __init__(
        self,
        tls: ssl.SSLContext | None = None,
        *,
        name: str = "registry",
        journal: list[Seen] | None = None,
    ) -> None:
        self.name = name
        self.seen: list[Seen] = []
        self.journal = journal
        self.routes: dict[tuple[str, str], list[Route]] = {}
        self.connections: list[socket.socket] = []
        self.bytes_sent = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(
                self.server.socket, server_side=True, do_handshake_on_connect=False
            )
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.closed = False

    # ------------------------------------------------------------------ scripting

    def on(self, method: str, path: str, *replies: Route) -> None:
        """Answer ``method path`` with ``replies`` in turn (the last one repeats)."""
        if not replies:
            raise ValueError("give at least one reply")
        with self.lock:
            self.routes[(method, path)] = list(replies)

    script = on  # the fault tests read better as "script a sequence of steps"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.server.server_address[1])

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched ``method`` and ``path`` (``None`` matches any)."""
        with self.lock:
            return sum(
                1
                for s in self.seen
                if (method is None or s.method == method) and (path is None or s.path == path)
            )

    def last(self) -> Seen:
        """The last request received."""
        with self.lock:
            return self.seen[-1]

    def close(self) -> None:
        """Stop listening and cut every open (keep-alive) connection, like a crashed server."""
        if self.closed:
            return
        self.closed = True
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    # ------------------------------------------------------------------ the handler

    def _next(self, seen: Seen) -> Reply:
        with self.lock:
            self.seen.append(seen)
            if self.journal is not None:
                self.journal.append(seen)
            script = self.routes.get((seen.method, seen.path))
            if script is None:
                route: Route = Reply(404, {"error_code": 40400, "message": "no such route"})
            else:
                route = script.pop(0) if len(script) > 1 else script[0]
        return route(seen) if callable(route) else route

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with outer.lock:
                    outer.connections.append(self.connection)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, data: bytes, pause: float | None) -> None:
                if pause is None:
                    self.wfile.write(data)
                    outer.bytes_sent += len(data)
                    return
                for i in range(len(data)):
                    if outer.stopping.wait(pause):
                        return
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    outer.bytes_sent += 1

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                reply = outer._next(
                    Seen(
                        server=outer.name,
                        method=self.command,
                        path=parts.path,
                        query=parse_qs(parts.query, keep_blank_values=True),
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                    )
                )
                if reply.wait is not None:
                    reply.wait.wait(10)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = reply.encode()
                size = reply.stream if reply.stream is not None else len(payload)
                headers = {"Content-Type": MEDIA_TYPE, **reply.headers}
                if reply.declare_length:
                    headers["Content-Length"] = str(size)
                else:
                    headers["Connection"] = "close"
                    self.close_connection = True
                head = f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
                try:
                    self._send(head.encode("latin-1"), reply.dribble_head)
                    if reply.stream is not None:
                        chunk = b" " * 65536
                        left = reply.stream
                        while left > 0 and not outer.stopping.is_set():
                            self._send(chunk[: min(left, len(chunk))], None)
                            left -= len(chunk)
                    else:
                        self._send(payload, reply.dribble)
                except OSError:
                    self.close_connection = True  # the client went away: fine

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return Handler


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers (until closed)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.accepted = 0
        self.connections: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            self.connections.append(conn)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        """Stop accepting and close every connection."""
        self.stop.set()
        self.thread.join(5)
        for conn in self.connections:
            conn.close()
        self.sock.close()


def dead_url() -> str:
    """A loopback URL on which nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def wait_until(predicate: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass; return its last value."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def serve(*args: Any, **kwargs: Any) -> Iterator[FakeRegistry]:
    """A fixture body: a started :class:`FakeRegistry`, closed afterwards."""
    server = FakeRegistry(*args, **kwargs)
    try:
        yield server
    finally:
        server.close()
