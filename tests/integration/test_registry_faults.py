"""Fault tests of the HTTP registry client: retries, Retry-After, throttling, hangs, deadlines,
failover order, outages.

Every server here listens on 127.0.0.1 and every test is bounded by pytest-timeout; backoff is
kept small through an injected urllib3 Retry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from avroframe import serde
from avroframe.registry import errors
from avroframe.registry.http import HttpRegistry, default_retry
from avroframe.registry.types import RegisteredSchema, Schema
from avroframe.serde.lookup import registry_call
from tests.support.fake_registry import FakeRegistry, Reply, Seen, SilentServer, dead_url, serve

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


@pytest.fixture
def server() -> Iterator[FakeRegistry]:
    yield from serve()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    srv = SilentServer()
    yield srv
    srv.close()


def ok_schema() -> Reply:
    return Reply(200, {"schema": RECORD})


# --------------------------------------------------------------------------- retries


def test_5xx_then_recovery(server: FakeRegistry) -> None:
    """500, 503 and 502 answers are retried until the registry recovers."""
    server.script(
        "GET", "/schemas/ids/1", Reply(500, {"error_code": 50001, "message": "store"}),
        Reply(503), Reply(502), ok_schema(),
    )  # fmt: skip
    with HttpRegistry(server.url, retry=fast_retry(3)) as client:
        assert client.get_schema(1) == Schema(RECORD)
    assert server.count() == 4


def test_post_is_retried_too(server: FakeRegistry) -> None:
    """register_schema (POST) is retried on 503, resending the same body."""
    server.script("POST", "/subjects/s/versions", Reply(503), Reply(408), Reply(200, {"id": 3}))
    with HttpRegistry(server.url, retry=fast_retry(3)) as client:
        assert client.register_schema("s", Schema(RECORD)) == 3
    bodies = [seen.body for seen in server.seen]
    assert len(bodies) == 3 and len(set(bodies)) == 1


def test_retries_exhausted_raise_the_last_answer(server: FakeRegistry) -> None:
    """When retries run out, the last 5xx answer becomes a RegistryServerError."""
    server.script(
        "GET", "/subjects", Reply(503, {"error_code": 50003, "message": "forwarding failed"})
    )
    with HttpRegistry(server.url, retry=fast_retry(2)) as client:
        with pytest.raises(errors.RegistryServerError) as info:
            client.get_subjects()
    assert info.value.http_status_code == 503
    assert info.value.error_code == 50003
    assert server.count() == 3


def test_client_errors_are_not_retried(server: FakeRegistry) -> None:
    """A 404 or 422 is an answer, not a fault: exactly one request."""
    server.script("GET", "/subjects/s/versions", Reply(404, {"error_code": 40401, "message": "x"}))
    with HttpRegistry(server.url, retry=fast_retry(3)) as client:
        with pytest.raises(errors.SubjectNotFoundError):
            client.get_versions("s")
    assert server.count() == 1


def test_429_retry_after_is_honoured(server: FakeRegistry) -> None:
    """A 429 with Retry-After: 1 is retried after the server's delay, then succeeds."""
    RecordingRetry.honoured.clear()
    server.script("GET", "/schemas/ids/2", Reply(429, headers={"Retry-After": "1"}), ok_schema())
    retry = RecordingRetry(
        total=2, allowed_methods=None, status_forcelist=(429,), raise_on_status=False
    )
    with HttpRegistry(server.url, retry=retry) as client:
        assert client.get_schema(2) == Schema(RECORD)
    assert RecordingRetry.honoured == [1.0]
    assert server.count() == 2


def test_retry_after_is_capped_by_the_default_policy(server: FakeRegistry) -> None:
    """The default policy caps Retry-After at retries_max_wait_ms (an hour becomes 1 s)."""
    server.script("GET", "/schemas/ids/3", Reply(429, headers={"Retry-After": "3600"}), ok_schema())
    retry = default_retry(max_retries=1, retries_wait_ms=10, retries_max_wait_ms=1000)
    assert retry.retry_after_max == 1
    with HttpRegistry(server.url, retry=retry) as client:
        assert client.get_schema(3) == Schema(RECORD)
    assert server.count() == 2


def test_garbage_retry_after_is_a_typed_error(server: FakeRegistry) -> None:
    """A Retry-After that is neither seconds nor a date gives a RegistryError, not a crash."""
    server.script("GET", "/subjects", Reply(429, headers={"Retry-After": "soon-ish"}))
    with HttpRegistry(server.url, retry=fast_retry(1)) as client:
        with pytest.raises(errors.RegistryError):
            client.get_subjects()


def test_dropped_connection_is_retried(server: FakeRegistry) -> None:
    """A connection closed without an answer is retried, for GET and POST alike."""
    server.script("GET", "/schemas/ids/4", Reply(drop=True), ok_schema())
    server.script("POST", "/subjects/s", Reply(drop=True), Reply(200, {
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


def test_dead_first_url_fails_over_to_the_second(server: FakeRegistry) -> None:
    """With the first URL refusing connections, calls go to the second one."""
    server.script("GET", "/subjects", Reply(200, ["a"]))
    with HttpRegistry([dead_url(), server.url], retry=fast_retry(1)) as client:
        assert client.get_subjects() == ["a"]
        assert client.get_subjects() == ["a"]
    assert server.count() == 2


@pytest.mark.timeout(30)
def test_failover_remembers_the_url_that_answered(
    silent: SilentServer, server: FakeRegistry
) -> None:
    """After a timeout on the first URL, later calls start with the URL that answered."""
    server.script("GET", "/subjects", Reply(200, ["b"]))
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


def test_failover_on_an_unavailable_status(server: FakeRegistry) -> None:
    """A URL that keeps answering 503 after its retries hands over to the next URL."""
    broken = FakeRegistry()
    try:
        broken.script("GET", "/schemas/types", Reply(503))
        server.script("GET", "/schemas/types", Reply(200, ["AVRO"]))
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


def test_cached_calls_survive_an_outage(server: FakeRegistry) -> None:
    """Once cached, ids, schemas and versions are served while the registry is down."""
    registered = {"subject": "s", "id": 5, "version": 2, "schema": RECORD}
    server.script("POST", "/subjects/s/versions", Reply(200, {"id": 5}))
    server.script("POST", "/subjects/s", Reply(200, registered))
    server.script("GET", "/schemas/ids/5", ok_schema())
    server.script("GET", "/subjects/s/versions/latest", Reply(200, registered))
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


# --------------------------------------------------------------------------- failover order


@pytest.fixture
def trio() -> Iterator[tuple[list[Seen], FakeRegistry, FakeRegistry, FakeRegistry]]:
    """Three fake registries, a, b and c, that record into one shared journal."""
    journal: list[Seen] = []
    servers = [FakeRegistry(name=name, journal=journal) for name in "abc"]
    yield journal, servers[0], servers[1], servers[2]
    for srv in servers:
        srv.close()


def tried(journal: list[Seen]) -> str:
    """The servers a client asked, in order ("aabbc")."""
    return "".join(seen.server for seen in journal)


def test_failover_order_and_stickiness(
    trio: tuple[list[Seen], FakeRegistry, FakeRegistry, FakeRegistry],
) -> None:
    """With a, b answering 503 and c 200, URLs are tried in order, each after its retries; later
    calls start with the URL that answered, and wrap around to a when c fails in turn."""
    journal, a, b, c = trio
    a.script("GET", "/subjects", Reply(503))
    b.script("GET", "/subjects", Reply(503))
    c.script("GET", "/subjects", Reply(200, ["c"]))
    with HttpRegistry([a.url, b.url, c.url], retry=fast_retry(1)) as client:
        assert client.get_subjects() == ["c"]
        assert tried(journal) == "aabbc"
        journal.clear()
        assert client.get_subjects() == ["c"]
        assert client.get_subjects() == ["c"]
        assert tried(journal) == "cc"

        journal.clear()
        c.script("GET", "/subjects", Reply(503))
        a.script("GET", "/subjects", Reply(200, ["a"]))
        assert client.get_subjects() == ["a"]
        assert tried(journal) == "cca"
        journal.clear()
        assert client.get_subjects() == ["a"]
        assert tried(journal) == "a"


def test_every_url_answering_503_is_a_server_error(
    trio: tuple[list[Seen], FakeRegistry, FakeRegistry, FakeRegistry],
) -> None:
    """When every URL keeps answering 503, each is tried with its retries and the last answer is
    the error (a RegistryServerError, which the serde reports as unavailable)."""
    journal, a, b, c = trio
    for srv in (a, b, c):
        srv.script("GET", "/subjects", Reply(503, {"error_code": 50003, "message": "down"}))
    with HttpRegistry([a.url, b.url, c.url], retry=fast_retry(1)) as client:
        with pytest.raises(errors.RegistryServerError) as info:
            client.get_subjects()
    assert info.value.http_status_code == 503
    assert tried(journal) == "aabbcc"


# --------------------------------------------------------------------------- throttling


def test_429_retry_after_delays_the_retry_on_the_wire(server: FakeRegistry) -> None:
    """With the default policy the first retry is immediate, but a 429's Retry-After: 1 makes
    the client wait at least that long before asking again (seen by the server)."""
    server.script("GET", "/schemas/ids/7", Reply(429, headers={"Retry-After": "1"}), ok_schema())
    with HttpRegistry(
        server.url, max_retries=1, retries_wait_ms=1, retries_max_wait_ms=5000
    ) as client:
        assert client.get_schema(7) == Schema(RECORD)
    first, second = server.seen
    assert second.at - first.at >= 1.0  # a lower bound: sleeping never ends early


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, errors.RegistryThrottledError), (408, errors.RegistryTimeoutError)],
)
def test_throttling_and_timeouts_after_retries_are_unavailability(
    server: FakeRegistry, status: int, expected: type[errors.RegistryError]
) -> None:
    """A 429 or 408 that outlasts the retries is "unavailable, try later", whatever its body."""
    server.script("GET", "/subjects", Reply(status, {"error_code": 40401, "message": "slow down"}))
    with HttpRegistry(server.url, retry=fast_retry(2)) as client:
        with pytest.raises(errors.RegistryUnavailableError) as info:
            client.get_subjects()
    assert type(info.value) is expected
    assert info.value.http_status_code == status
    assert server.count() == 3


@pytest.mark.parametrize("status", [429, 408])
def test_serde_reports_throttling_as_unavailable(server: FakeRegistry, status: int) -> None:
    """Through the serializer, a registry that keeps answering 429/408 is the serde's retryable
    RegistryUnavailableError, never SchemaError."""
    server.script("POST", "/subjects/t-value/versions", Reply(status))
    with HttpRegistry(server.url, retry=fast_retry(1)) as client:
        serializer = serde.AvroSerializer(client, RECORD)
        with pytest.raises(serde.RegistryUnavailableError) as info:
            serializer.serialize({"n": 1}, "t")
    assert not isinstance(info.value, serde.SchemaError)
    assert isinstance(info.value.__cause__, errors.RegistryUnavailableError)


@pytest.mark.parametrize("status", [429, 408])
def test_serde_maps_any_try_later_status_to_unavailable(status: int) -> None:
    """A plain RegistryError with status 429/408 (from any backend or wrapper) is unavailability
    for the serde; other refusals stay SchemaError."""
    with pytest.raises(serde.RegistryUnavailableError):
        with registry_call("registering"):
            raise errors.RegistryError("slow down", http_status_code=status)
    with pytest.raises(serde.SchemaError):
        with registry_call("registering"):
            raise errors.RegistryError("forbidden", http_status_code=403)


# --------------------------------------------------------------------------- deadlines

PADDED = b" " * 400 + json.dumps({"schema": RECORD}).encode()  # 40 s at 0.1 s a byte


@pytest.mark.timeout(20)
def test_dribbled_body_fails_within_the_attempt_deadline(server: FakeRegistry) -> None:
    """A body sent one byte every 0.1 s (40 s in all) keeps resetting the 2 s read timeout, but
    not the attempt deadline (connect + read = 3 s): RegistryTimeoutError naming it."""
    server.script("GET", "/schemas/ids/1", Reply(200, raw=PADDED, dribble=0.1))
    with HttpRegistry(server.url, timeout=(1, 2), retry=fast_retry(0)) as client:
        with pytest.raises(errors.RegistryTimeoutError) as info:
            client.get_schema(1)
    assert "attempt deadline 3s" in str(info.value)
    assert server.count() == 1


@pytest.mark.timeout(30)
def test_dribbled_headers_fail_within_the_attempt_deadline(server: FakeRegistry) -> None:
    """Headers sent one byte every 0.1 s are cut at the attempt deadline too: RegistryTimeoutError,
    never the half-received answer."""
    slow = Reply(200, {"schema": RECORD}, headers={"X-Pad": "p" * 400}, dribble_head=0.1)
    server.script("GET", "/schemas/ids/1", slow)
    with HttpRegistry(server.url, timeout=(1, 2), retry=fast_retry(1)) as client:
        with pytest.raises(errors.RegistryTimeoutError) as info:
            client.get_schema(1)
    assert "attempt deadline 3s" in str(info.value)


@pytest.mark.timeout(20)
def test_a_dribbling_url_fails_over_at_its_deadline(server: FakeRegistry) -> None:
    """The attempt deadline hands a dribbling registry's call to the next URL."""
    slow = FakeRegistry()
    try:
        slow.script("GET", "/schemas/ids/1", Reply(200, raw=PADDED, dribble=0.1))
        server.script("GET", "/schemas/ids/1", ok_schema())
        with HttpRegistry([slow.url, server.url], timeout=(1, 2), retry=fast_retry(0)) as client:
            assert client.get_schema(1) == Schema(RECORD)
        assert slow.count() == 1 and server.count() == 1
    finally:
        slow.close()


@pytest.mark.timeout(20)
def test_call_deadline_bounds_retries(silent: SilentServer) -> None:
    """call_deadline bounds a call with all its retries: a silent server with 5 s timeouts and
    3 retries fails at the 1 s call deadline."""
    with HttpRegistry(silent.url, timeout=(5, 5), retry=fast_retry(3), call_deadline=1) as client:
        with pytest.raises(errors.RegistryTimeoutError) as info:
            client.get_schema(1)
    assert "deadline of 1s" in str(info.value)
    assert silent.url in str(info.value)


def test_deadlines_are_options(server: FakeRegistry) -> None:
    """Deadlines default to values derived from the timeouts and retries, can be set by keyword
    or URL query, and must be positive and finite."""
    with HttpRegistry(server.url, timeout=(1, 2), max_retries=0) as client:
        assert "deadlines=(attempt=3s, call=4s)" in repr(client)  # one attempt, 1 s of slack
    with HttpRegistry(server.url, timeout=(1, 2), max_retries=2, retries_max_wait_ms=1000) as c:
        assert "deadlines=(attempt=3s, call=12s)" in repr(c)  # 3 attempts, 2 waits of 1 s, slack
    with HttpRegistry.from_url(server.url + "?attempt.deadline=4&call_deadline=9") as client:
        assert "deadlines=(attempt=4s, call=9s)" in repr(client)
    for bad in (0, -1, float("inf")):
        with pytest.raises(ValueError):
            HttpRegistry(server.url, call_deadline=bad)
        with pytest.raises(ValueError):
            HttpRegistry(server.url, attempt_deadline=bad)


@pytest.mark.timeout(20)
def test_an_injected_session_is_bounded_too(server: FakeRegistry) -> None:
    """With a session of the caller's own (its adapters untouched), a dribbled body is still cut
    at the attempt deadline."""
    server.script("GET", "/schemas/ids/1", Reply(200, raw=PADDED, dribble=0.1))
    session = requests.Session()
    try:
        with HttpRegistry(server.url, timeout=(1, 2), session=session) as client:
            with pytest.raises(errors.RegistryTimeoutError, match="attempt deadline 3s"):
                client.get_schema(1)
    finally:
        session.close()
