"""Fault tests of registry.http.HttpRegistry: retries, Retry-After, hangs, failover, outages.

Every server here listens on 127.0.0.1 and every test is bounded by pytest-timeout; backoff is
kept small through an injected urllib3 Retry.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from avroframe.registry import errors
from avroframe.registry.http import HttpRegistry, default_retry
from avroframe.registry.types import RegisteredSchema, Schema

pytestmark = pytest.mark.timeout(60)

RECORD = '{"type":"record","name":"Fault","fields":[{"name":"n","type":"int"}]}'


def fast_retry(total: int = 3) -> Retry:
    """The production policy's shape, with millisecond backoff."""
    return Retry(
        total=total,
        allowed_methods=None,
        status_forcelist=(408, 429, 500, 502, 503, 504),
        backoff_factor=0.005,
        backoff_jitter=0.005,
        backoff_max=0.05,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class RecordingRetry(Retry):
    """A Retry that records every Retry-After it honours (shared by its copies)."""

    honoured: list[float] = []

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        value = self.get_retry_after(response)
        if value is not None:
            RecordingRetry.honoured.append(value)
        return super().sleep_for_retry(response)


# --------------------------------------------------------------------------- servers


@dataclass
class Step:
    """One scripted answer; ``drop`` closes the connection without answering."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class ScriptedServer:
    """An HTTP server on 127.0.0.1 answering each route from a list of steps (the last repeats)."""

    def __init__(self) -> None:
        self.scripts: dict[tuple[str, str], list[Step]] = {}
        self.seen: list[tuple[str, str, bytes]] = []
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with outer.lock:
                    outer.connections.append(self.connection)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                with outer.lock:
                    outer.seen.append((self.command, path, body))
                    script = outer.scripts.get((self.command, path))
                    if script is None:
                        step = Step(404, {"error_code": 40400, "message": "no route"})
                    else:
                        step = script.pop(0) if len(script) > 1 else script[0]
                if step.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = b"" if step.body is None else json.dumps(step.body).encode()
                self.send_response(step.status)
                for name, value in {
                    "Content-Type": "application/vnd.schemaregistry.v1+json",
                    **step.headers,
                }.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.closed = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, method: str, path: str, *steps: Step) -> None:
        with self.lock:
            self.scripts[(method, path)] = list(steps)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        with self.lock:
            return sum(
                1
                for m, p, _ in self.seen
                if (method is None or m == method) and (path is None or p == path)
            )

    def close(self) -> None:
        """Stop listening and cut every open (keep-alive) connection, like a crashed server."""
        if not self.closed:
            self.closed = True
            self.server.shutdown()
            self.server.server_close()
            with self.lock:
                for conn in self.connections:
                    try:
                        conn.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    conn.close()


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
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    yield srv
    srv.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    srv = SilentServer()
    yield srv
    srv.close()


def dead_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def ok_schema() -> Step:
    return Step(200, {"schema": RECORD})


# --------------------------------------------------------------------------- retries


def test_5xx_then_recovery(server: ScriptedServer) -> None:
    """500, 503 and 502 answers are retried until the registry recovers."""
    server.script(
        "GET", "/schemas/ids/1", Step(500, {"error_code": 50001, "message": "store"}),
        Step(503), Step(502), ok_schema(),
    )  # fmt: skip
    with HttpRegistry(server.url, retry=fast_retry(3)) as client:
        assert client.get_schema(1) == Schema(RECORD)
    assert server.count() == 4


def test_post_is_retried_too(server: ScriptedServer) -> None:
    """register_schema (POST) is retried on 503, resending the same body."""
    server.script("POST", "/subjects/s/versions", Step(503), Step(408), Step(200, {"id": 3}))
    with HttpRegistry(server.url, retry=fast_retry(3)) as client:
        assert client.register_schema("s", Schema(RECORD)) == 3
    bodies = [body for _, _, body in server.seen]
    assert len(bodies) == 3 and len(set(bodies)) == 1


def test_retries_exhausted_raise_the_last_answer(server: ScriptedServer) -> None:
    """When retries run out, the last 5xx answer becomes a RegistryServerError."""
    server.script(
        "GET", "/subjects", Step(503, {"error_code": 50003, "message": "forwarding failed"})
    )
    with HttpRegistry(server.url, retry=fast_retry(2)) as client:
        with pytest.raises(errors.RegistryServerError) as info:
            client.get_subjects()
    assert info.value.http_status_code == 503
    assert info.value.error_code == 50003
    assert server.count() == 3


def test_client_errors_are_not_retried(server: ScriptedServer) -> None:
    """A 404 or 422 is an answer, not a fault: exactly one request."""
    server.script("GET", "/subjects/s/versions", Step(404, {"error_code": 40401, "message": "x"}))
    with HttpRegistry(server.url, retry=fast_retry(3)) as client:
        with pytest.raises(errors.SubjectNotFoundError):
            client.get_versions("s")
    assert server.count() == 1


def test_429_retry_after_is_honoured(server: ScriptedServer) -> None:
    """A 429 with Retry-After: 1 is retried after the server's delay, then succeeds."""
    RecordingRetry.honoured.clear()
    server.script("GET", "/schemas/ids/2", Step(429, headers={"Retry-After": "1"}), ok_schema())
    retry = RecordingRetry(
        total=2, allowed_methods=None, status_forcelist=(429,), raise_on_status=False
    )
    with HttpRegistry(server.url, retry=retry) as client:
        assert client.get_schema(2) == Schema(RECORD)
    assert RecordingRetry.honoured == [1.0]
    assert server.count() == 2


def test_retry_after_is_capped_by_the_default_policy(server: ScriptedServer) -> None:
    """The default policy caps Retry-After at retries_max_wait_ms (an hour becomes 1 s)."""
    server.script("GET", "/schemas/ids/3", Step(429, headers={"Retry-After": "3600"}), ok_schema())
    retry = default_retry(max_retries=1, retries_wait_ms=10, retries_max_wait_ms=1000)
    assert retry.retry_after_max == 1
    with HttpRegistry(server.url, retry=retry) as client:
        assert client.get_schema(3) == Schema(RECORD)
    assert server.count() == 2


def test_garbage_retry_after_is_a_typed_error(server: ScriptedServer) -> None:
    """A Retry-After that is neither seconds nor a date gives a RegistryError, not a crash."""
    server.script("GET", "/subjects", Step(429, headers={"Retry-After": "soon-ish"}))
    with HttpRegistry(server.url, retry=fast_retry(1)) as client:
        with pytest.raises(errors.RegistryError):
            client.get_subjects()


def test_dropped_connection_is_retried(server: ScriptedServer) -> None:
    """A connection closed without an answer is retried, for GET and POST alike."""
    server.script("GET", "/schemas/ids/4", Step(drop=True), ok_schema())
    server.script("POST", "/subjects/s", Step(drop=True), Step(200, {
        "subject": "s", "id": 4, "version": 1, "schema": RECORD,
    }))  # fmt: skip
    with HttpRegistry(server.url, retry=fast_retry(2)) as client:
        assert client.get_schema(4) == Schema(RECORD)
        assert client.lookup_schema("s", Schema(RECORD)).schema_id == 4
    assert server.count() == 4


# --------------------------------------------------------------------------- hangs


@pytest.mark.timeout(30)
def test_server_that_never_answers_times_out(silent: SilentServer) -> None:
    """A registry that accepts but never answers fails with RegistryTimeoutError."""
    with HttpRegistry(silent.url, timeout=(2, 0.5), retry=fast_retry(1)) as client:
        with pytest.raises(errors.RegistryTimeoutError) as info:
            client.get_schema(1)
        with pytest.raises(errors.RegistryTimeoutError):
            client.register_schema("s", Schema(RECORD))
    assert info.value.__cause__ is not None
    assert "read=0.5s" in str(info.value)
    assert silent.url in str(info.value)
    assert silent.accepted >= 2


# --------------------------------------------------------------------------- failover


def test_dead_first_url_fails_over_to_the_second(server: ScriptedServer) -> None:
    """With the first URL refusing connections, calls go to the second one."""
    server.script("GET", "/subjects", Step(200, ["a"]))
    with HttpRegistry([dead_url(), server.url], retry=fast_retry(1)) as client:
        assert client.get_subjects() == ["a"]
        assert client.get_subjects() == ["a"]
    assert server.count() == 2


@pytest.mark.timeout(30)
def test_failover_remembers_the_url_that_answered(
    silent: SilentServer, server: ScriptedServer
) -> None:
    """After a timeout on the first URL, later calls start with the URL that answered."""
    server.script("GET", "/subjects", Step(200, ["b"]))
    with HttpRegistry(
        f"{silent.url},{server.url}", timeout=(2, 0.3), retry=fast_retry(0)
    ) as client:
        assert client.get_subjects() == ["b"]
        accepted = silent.accepted
        assert client.get_subjects() == ["b"]
        assert client.get_subjects() == ["b"]
    assert accepted == 1
    assert silent.accepted == accepted
    assert server.count() == 3


def test_failover_on_an_unavailable_status(server: ScriptedServer) -> None:
    """A URL that keeps answering 503 after its retries hands over to the next URL."""
    broken = ScriptedServer()
    try:
        broken.script("GET", "/schemas/types", Step(503))
        server.script("GET", "/schemas/types", Step(200, ["AVRO"]))
        with HttpRegistry([broken.url, server.url], retry=fast_retry(1)) as client:
            assert client.get_schema_types() == ["AVRO"]
        assert broken.count() == 2
    finally:
        broken.close()


def test_all_urls_dead_is_unavailable() -> None:
    """When no URL answers, RegistryUnavailableError names every URL tried."""
    first, second = dead_url(), dead_url()
    with HttpRegistry([first, second], retry=fast_retry(1)) as client:
        with pytest.raises(errors.RegistryUnavailableError) as info:
            client.get_subjects()
    assert not isinstance(info.value, errors.RegistryTimeoutError)
    assert first in str(info.value) and second in str(info.value)
    assert info.value.__cause__ is not None


# --------------------------------------------------------------------------- outages


def test_cached_calls_survive_an_outage(server: ScriptedServer) -> None:
    """Once cached, ids, schemas and versions are served while the registry is down."""
    registered = {"subject": "s", "id": 5, "version": 2, "schema": RECORD}
    server.script("POST", "/subjects/s/versions", Step(200, {"id": 5}))
    server.script("POST", "/subjects/s", Step(200, registered))
    server.script("GET", "/schemas/ids/5", ok_schema())
    server.script("GET", "/subjects/s/versions/latest", Step(200, registered))
    with HttpRegistry(server.url, retry=fast_retry(1), cache_latest_ttl_sec=300) as client:
        schema = Schema(RECORD)
        expected = RegisteredSchema(5, schema, "s", 2)
        assert client.register_schema("s", schema) == 5
        assert client.lookup_schema("s", schema) == expected
        assert client.get_schema(5) == schema
        assert client.get_latest_version("s") == expected
        requests_before = server.count()
        server.close()

        for _ in range(3):
            assert client.register_schema("s", schema) == 5
            assert client.lookup_schema("s", schema) == expected
            assert client.get_schema(5) == schema
            assert client.get_latest_version("s") == expected
            assert client.get_version("s", 2) == expected
        assert server.count() == requests_before

        with pytest.raises(errors.RegistryUnavailableError):
            client.get_schema(6)
