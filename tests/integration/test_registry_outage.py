"""The serde through the HTTP client keeps working on cached schemas when the real registry
server becomes unreachable (a loopback proxy in front of it is shut down mid-test)."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from urllib3.util.retry import Retry

from avroframe import registry
from avroframe.serde import AvroDeserializer, AvroSerializer, RegistryUnavailableError

pytestmark = pytest.mark.registry_server


class _Pipe(socketserver.BaseRequestHandler):
    """Forward one client connection to the upstream server, both ways, until either closes."""

    upstream: tuple[str, int]

    def handle(self) -> None:
        with socket.create_connection(self.upstream, timeout=10) as remote:
            self.server.open.update((remote, self.request))  # type: ignore[attr-defined]
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


class _Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.open: set[socket.socket] = set()

    def cut(self) -> None:
        """Stop listening and cut every open connection: the registry is now unreachable."""
        self.shutdown()
        self.server_close()
        for sock in list(self.open):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@pytest.fixture
def proxied_url(registry_url: str) -> Iterator[tuple[str, _Proxy]]:
    """A registry URL that goes through a loopback proxy the test can shut down."""
    from urllib.parse import urlsplit

    parts = urlsplit(registry_url)
    handler = type("Pipe", (_Pipe,), {"upstream": (parts.hostname, parts.port)})
    proxy = _Proxy(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}{parts.path}"
    yield url, proxy
    proxy.cut()


def _record(name: str) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "outage",
            "fields": [{"name": "n", "type": "long"}]}


def test_cached_schemas_survive_a_registry_outage(proxied_url: tuple[str, _Proxy]) -> None:
    """After warm-up, serialize and deserialize need no registry; new schemas fail typed."""
    url, proxy = proxied_url
    client = registry.connect(url, timeout=(1.0, 2.0),
                              retry=Retry(total=1, backoff_factor=0.01, allowed_methods=None))
    topic = f"outage-{uuid.uuid4().hex}"
    ser = AvroSerializer(client, _record(f"R{uuid.uuid4().hex}"))
    de = AvroDeserializer(client)
    first = ser.serialize({"n": 0}, topic)
    assert de.deserialize(first) == {"n": 0}

    proxy.cut()  # from here on, the registry is unreachable (connection refused)

    for n in range(1, 200):
        assert de.deserialize(ser.serialize({"n": n}, topic)) == {"n": n}

    fresh = AvroSerializer(client, json.dumps(_record(f"New{uuid.uuid4().hex}")))
    with pytest.raises(RegistryUnavailableError) as info:
        fresh.serialize({"n": 1}, topic)
    assert isinstance(info.value.__cause__, registry.RegistryUnavailableError)
    unknown = b"\x00" + (2**31 - 7).to_bytes(4, "big") + b"\x02"
    with pytest.raises(RegistryUnavailableError):
        de.deserialize(unknown)
