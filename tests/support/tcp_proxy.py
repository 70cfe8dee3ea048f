"""A loopback TCP proxy in front of a real server that a test can take down and bring back.

Down, it refuses new connections (they are accepted and closed at once) and cuts the open ones:
to a client the server is unreachable, while the real server keeps running for other tests.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


class _Pipe(socketserver.BaseRequestHandler):
    """Forward one client connection to the upstream server, both ways, until either closes."""

    server: TcpProxy

    def handle(self) -> None:
        if self.server.down:
            return  # accepted and closed: the client sees a reset or an empty answer
        with socket.create_connection(self.server.upstream, timeout=10) as remote:
            self.server.track(remote, self.request)
            self.request.settimeout(10)
            done = threading.Event()

            def pump(src: socket.socket, dst: socket.socket) -> None:
                try:
                    while not done.is_set():
                        chunk = src.recv(65536)
                        if not chunk:
                            break
                        dst.sendall(chunk)
                except OSError:
                    pass
                finally:
                    done.set()

            back = threading.Thread(target=pump, args=(remote, self.request), daemon=True)
            back.start()
            pump(self.request, remote)
            back.join(timeout=10)


class TcpProxy(socketserver.ThreadingTCPServer):
    """Forwards 127.0.0.1:<port> to ``upstream``; :meth:`take_down` and :meth:`bring_back`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _Pipe)
        self.upstream = upstream
        self.down = False
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The port the proxy listens on."""
        return int(self.server_address[1])

    def track(self, *sockets: socket.socket) -> None:
        """Remember open sockets, so that :meth:`take_down` can cut them."""
        with self._lock:
            self._open.update(sockets)

    def take_down(self) -> None:
        """From now on the upstream is unreachable: refuse new connections, cut open ones."""
        self.down = True
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def bring_back(self) -> None:
        """Forward connections again."""
        self.down = False

    def close(self) -> None:
        """Stop the proxy for good."""
        self.take_down()
        self.shutdown()
        self.server_close()


@contextmanager
def proxied(url: str) -> Iterator[tuple[str, TcpProxy]]:
    """``url`` rewritten to go through a new :class:`TcpProxy` (closed on exit)."""
    parts = urlsplit(url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 80))
    try:
        yield urlunsplit(parts._replace(netloc=f"127.0.0.1:{proxy.port}")), proxy
    finally:
        proxy.close()
