"""Unit tests of avroframe.registry.http.HttpRegistry against the fake registry on 127.0.0.1."""

from __future__ import annotations

import base64
import inspect
import json
import logging
import ssl
import subprocess
import threading
import time
import traceback
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from avroframe.registry import errors
from avroframe.registry._redact import MASK, Redactor, redact_text, redact_url
from avroframe.registry.http import ACCEPT, MEDIA_TYPE, HttpRegistry, default_retry
from avroframe.registry.protocol import SchemaRegistryClient, SerdeRegistry, is_serde_registry
from avroframe.registry.types import CompatibilityResult, RegisteredSchema, Schema, SchemaReference
from tests.support.fake_registry import FakeRegistry, Reply, dead_url, serve

pytestmark = pytest.mark.timeout(60)

RECORD = '{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}'
SECRET_PASSWORD = "hunter2-Pa55word"
SECRET_TOKEN = "tok-3f9a8b7c6d5e4f"


@pytest.fixture
def server() -> Iterator[FakeRegistry]:
    yield from serve()


@pytest.fixture
def client(server: FakeRegistry) -> Iterator[HttpRegistry]:
    with HttpRegistry(server.url, max_retries=0, timeout=(5, 10)) as c:
        yield c


def chain_text(exc: BaseException) -> str:
    """Everything an exception and its causes show: str, repr, attributes, traceback."""
    parts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.extend([str(current), repr(current), repr(getattr(current, "__dict__", {}))])
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def registered(
    schema_id: int = 1, version: int = 1, subject: str = "s", schema: str = RECORD
) -> dict[str, Any]:
    return {"subject": subject, "version": version, "id": schema_id, "schema": schema}


# --------------------------------------------------------------------------- protocol


def test_implements_the_protocols(client: HttpRegistry) -> None:
    """HttpRegistry is a SchemaRegistryClient (and so a SerdeRegistry) at runtime and in mypy."""
    typed: SchemaRegistryClient = client
    serde: SerdeRegistry = client
    assert is_serde_registry(typed) and is_serde_registry(serde)
    assert not is_serde_registry("http://registry:8081")


@pytest.mark.parametrize(
    "name",
    [n for n, v in vars(SchemaRegistryClient).items() if callable(v) and not n.startswith("_")]
    + [n for n, v in vars(SerdeRegistry).items() if callable(v) and not n.startswith("_")],
)
def test_signatures_match_the_protocol(name: str) -> None:
    """Every protocol method has exactly the protocol's parameters, kinds and defaults."""
    proto = getattr(SchemaRegistryClient, name)
    mine = getattr(HttpRegistry, name)
    want = [(p.name, p.kind, p.default) for p in inspect.signature(proto).parameters.values()]
    got = [(p.name, p.kind, p.default) for p in inspect.signature(mine).parameters.values()]
    assert got == want


# --------------------------------------------------------------------------- requests on the wire


def test_register_sends_the_confluent_request(server: FakeRegistry, client: HttpRegistry) -> None:
    """register_schema POSTs {schema} to /subjects/{quoted}/versions with the media type."""
    server.on("POST", "/subjects/team%2Fusers-value/versions", Reply(200, {"id": 42}))
    assert client.register_schema("team/users-value", Schema(RECORD)) == 42
    seen = server.last()
    assert seen.json() == {"schema": RECORD}
    assert seen.query == {}
    assert seen.headers["content-type"] == MEDIA_TYPE
    assert seen.headers["accept"] == ACCEPT
    assert seen.headers["accept"].startswith(MEDIA_TYPE)
    assert "authorization" not in seen.headers


def test_register_normalize_references_type_and_explicit_id(
    server: FakeRegistry, client: HttpRegistry
) -> None:
    """normalize=true, schemaType for non-Avro, references and an explicit id go on the wire."""
    server.on("POST", "/subjects/s/versions", Reply(200, {"id": 7}))
    schema = Schema(
        '{"type":"object"}', "JSON", (SchemaReference("com.acme.Other", "other-value", 3),)
    )
    assert client.register_schema("s", schema, normalize_schemas=True, schema_id=7) == 7
    seen = server.last()
    assert seen.query == {"normalize": ["true"]}
    assert seen.json() == {
        "schema": '{"type":"object"}',
        "schemaType": "JSON",
        "references": [{"name": "com.acme.Other", "subject": "other-value", "version": 3}],
        "id": 7,
    }


def test_register_with_an_ignored_id_is_refused(server: FakeRegistry, client: HttpRegistry) -> None:
    """A registry that answers another id than the one asked for raises SchemaIdMismatchError."""
    server.on("POST", "/subjects/s/versions", Reply(200, {"id": 8}))
    with pytest.raises(errors.SchemaIdMismatchError) as info:
        client.register_schema("s", Schema(RECORD), schema_id=7)
    assert info.value.schema_id == 7 and info.value.subject == "s"
    assert client.register_schema("s", Schema(RECORD)) == 8


def test_register_non_ascii_schema_round_trips(server: FakeRegistry, client: HttpRegistry) -> None:
    """A schema with non-ASCII text is sent as valid JSON and survives the round trip."""
    text = '{"type":"enum","name":"Größe","symbols":["A"],"doc":"é ✓"}'
    server.on("POST", "/subjects/s/versions", Reply(200, {"id": 3}))
    client.register_schema("s", Schema(text))
    assert server.last().json() == {"schema": text}


def test_lookup_sends_flags_and_parses_the_registration(
    server: FakeRegistry, client: HttpRegistry
) -> None:
    """lookup_schema POSTs to /subjects/{s} with normalize/deleted and returns RegisteredSchema."""
    server.on(
        "POST",
        "/subjects/s",
        Reply(
            200,
            {
                "subject": "s",
                "id": 5,
                "version": 2,
                "schema": RECORD,
                "references": [{"name": "a.B", "subject": "b", "version": 1}],
                "guid": "0b8e7e0e-1111-2222-3333-444455556666",
            },
        ),
    )
    got = client.lookup_schema("s", Schema(RECORD), normalize_schemas=True, deleted=True)
    assert got == RegisteredSchema(
        schema_id=5,
        schema=Schema(RECORD, "AVRO", (SchemaReference("a.B", "b", 1),)),
        subject="s",
        version=2,
        guid="0b8e7e0e-1111-2222-3333-444455556666",
    )
    assert server.last().query == {"normalize": ["true"], "deleted": ["true"]}
    assert server.last().json() == {"schema": RECORD}


def test_get_schema_by_id(server: FakeRegistry, client: HttpRegistry) -> None:
    """get_schema GETs /schemas/ids/{id} (with ?subject=) and defaults a missing type to AVRO."""
    server.on("GET", "/schemas/ids/9", Reply(200, {"schema": RECORD}))
    assert client.get_schema(9, subject_name="s") == Schema(RECORD, "AVRO")
    assert server.last().query == {"subject": ["s"]}


def test_get_schema_by_guid(server: FakeRegistry, client: HttpRegistry) -> None:
    """get_schema_by_guid GETs /schemas/guids/{guid}."""
    server.on("GET", "/schemas/guids/abc-1", Reply(200, {"schema": "{}", "schemaType": "JSON"}))
    assert client.get_schema_by_guid("abc-1") == Schema("{}", "JSON")
    assert client.get_schema_by_guid("abc-1") == Schema("{}", "JSON")
    assert server.count() == 1


def test_get_version_latest_and_minus_one(server: FakeRegistry, client: HttpRegistry) -> None:
    """Versions are fetched from /subjects/{s}/versions/{v}; "latest" and -1 mean the newest."""
    server.on("GET", "/subjects/s/versions/3", Reply(200, registered(10, 3)))
    server.on("GET", "/subjects/s/versions/latest", Reply(200, registered(11, 4)))
    assert client.get_version("s", 3).schema_id == 10
    assert client.get_version("s", "latest").version == 4
    assert client.get_version("s", -1).version == 4
    assert client.get_latest_version("s").schema_id == 11
    assert server.count("GET", "/subjects/s/versions/latest") == 1
    assert client.get_version("s", 3, deleted=True).schema_id == 10
    assert server.last().query == {"deleted": ["true"]}


def test_listing_endpoints(server: FakeRegistry, client: HttpRegistry) -> None:
    """Subjects, versions, subjects/versions by id, references and types use the server's names."""
    server.on("GET", "/subjects", Reply(200, ["a-value", "a-key"]))
    server.on("GET", "/subjects/a-value/versions", Reply(200, [1, 2]))
    server.on("GET", "/schemas/ids/4/subjects", Reply(200, ["a-value"]))
    server.on("GET", "/schemas/ids/4/versions", Reply(200, [{"subject": "a-value", "version": 2}]))
    server.on("GET", "/subjects/a-value/versions/2/referencedby", Reply(200, [8, 9]))
    server.on("GET", "/schemas/types", Reply(200, ["AVRO", "JSON", "PROTOBUF"]))

    assert client.get_subjects("a-", deleted=True, deleted_only=True) == ["a-value", "a-key"]
    assert server.last().query == {
        "subjectPrefix": ["a-"],
        "deleted": ["true"],
        "deletedOnly": ["true"],
    }
    assert client.get_subjects() == ["a-value", "a-key"]
    assert server.last().query == {}
    assert client.get_versions("a-value", deleted=True) == [1, 2]
    assert server.last().query == {"deleted": ["true"]}
    assert client.get_subjects_by_schema_id(4, deleted=True) == ["a-value"]
    assert server.last().query == {"deleted": ["true"]}
    assert client.get_schema_versions(4) == [("a-value", 2)]
    assert client.get_referenced_by("a-value", 2) == [8, 9]
    assert client.get_schema_types() == ["AVRO", "JSON", "PROTOBUF"]


def test_deletes(server: FakeRegistry, client: HttpRegistry) -> None:
    """Deletes use DELETE with ?permanent=true only for hard deletes and return the versions."""
    server.on("DELETE", "/subjects/s", Reply(200, [1, 2]))
    server.on("DELETE", "/subjects/s/versions/2", Reply(200, 2))
    assert client.delete_subject("s") == [1, 2]
    assert server.last().query == {}
    assert client.delete_subject("s", permanent=True) == [1, 2]
    assert server.last().query == {"permanent": ["true"]}
    assert client.delete_version("s", 2, permanent=True) == 2
    assert server.last().query == {"permanent": ["true"]}


def test_compatibility_checks(server: FakeRegistry, client: HttpRegistry) -> None:
    """test_compatibility POSTs to one version or to all versions, with ?verbose=true."""
    server.on(
        "POST",
        "/compatibility/subjects/s/versions/latest",
        Reply(200, {"is_compatible": False, "messages": ["READER_FIELD_MISSING_DEFAULT_VALUE"]}),
    )
    server.on("POST", "/compatibility/subjects/s/versions", Reply(200, {"is_compatible": True}))
    result = client.test_compatibility("s", Schema(RECORD), verbose=True)
    assert result == CompatibilityResult(False, ("READER_FIELD_MISSING_DEFAULT_VALUE",))
    assert not result
    assert server.last().query == {"verbose": ["true"]}
    assert server.last().json() == {"schema": RECORD}
    assert client.test_compatibility("s", Schema(RECORD), None)
    assert server.last().path == "/compatibility/subjects/s/versions"


def test_config_endpoints(server: FakeRegistry, client: HttpRegistry) -> None:
    """Compatibility levels: GET/PUT/DELETE /config and /config/{s}, ?defaultToGlobal=true."""
    server.on("GET", "/config", Reply(200, {"compatibilityLevel": "BACKWARD"}))
    server.on("GET", "/config/s", Reply(200, {"compatibilityLevel": "FULL"}))
    server.on("PUT", "/config/s", Reply(200, {"compatibility": "FULL"}))
    server.on("PUT", "/config", Reply(200, {"compatibility": "NONE"}))
    server.on("DELETE", "/config/s", Reply(200, {"compatibilityLevel": "FULL"}))
    server.on("DELETE", "/config", Reply(200, {"compatibilityLevel": "NONE"}))
    assert client.get_compatibility() == "BACKWARD"
    assert server.last().query == {}
    assert client.get_compatibility("s", default_to_global=True) == "FULL"
    assert server.last().query == {"defaultToGlobal": ["true"]}
    assert client.set_compatibility("s", "FULL") == "FULL"
    assert server.last().json() == {"compatibility": "FULL"}
    assert server.last().headers["content-type"] == MEDIA_TYPE
    assert client.set_compatibility(level="NONE") == "NONE"
    assert client.delete_compatibility("s") == "FULL"
    assert client.delete_compatibility() == "NONE"


def test_mode_endpoints(server: FakeRegistry, client: HttpRegistry) -> None:
    """Modes: GET/PUT/DELETE /mode and /mode/{s}, ?force=true and ?defaultToGlobal=true."""
    server.on("GET", "/mode", Reply(200, {"mode": "READWRITE"}))
    server.on("GET", "/mode/s", Reply(200, {"mode": "READONLY"}))
    server.on("PUT", "/mode/s", Reply(200, {"mode": "IMPORT"}))
    server.on("PUT", "/mode", Reply(200, {"mode": "READONLY"}))
    server.on("DELETE", "/mode/s", Reply(200, {"mode": "IMPORT"}))
    assert client.get_mode() == "READWRITE"
    assert client.get_mode("s", default_to_global=True) == "READONLY"
    assert server.last().query == {"defaultToGlobal": ["true"]}
    assert client.set_mode("IMPORT", "s", force=True) == "IMPORT"
    assert server.last().query == {"force": ["true"]}
    assert server.last().json() == {"mode": "IMPORT"}
    assert client.set_mode("READONLY") == "READONLY"
    assert server.last().query == {}
    assert client.delete_mode("s") == "IMPORT"


def test_base_url_path_prefix(server: FakeRegistry) -> None:
    """A base URL with a path prefix (Apicurio's /apis/ccompat/v7) prefixes every request."""
    server.on("GET", "/apis/ccompat/v7/subjects", Reply(200, []))
    with HttpRegistry(server.url + "/apis/ccompat/v7/", max_retries=0) as c:
        assert c.get_subjects() == []
    assert server.last().path == "/apis/ccompat/v7/subjects"


def test_subjects_are_quoted_whole(server: FakeRegistry, client: HttpRegistry) -> None:
    """Subjects with '/', '?', '#', spaces and non-ASCII are one quoted path segment."""
    server.on("GET", "/subjects/a%2Fb%3Fc%23d%20%C3%A9/versions", Reply(200, [1]))
    assert client.get_versions("a/b?c#d é") == [1]


# --------------------------------------------------------------------------- caching


def test_repeated_calls_make_no_request(server: FakeRegistry, client: HttpRegistry) -> None:
    """After the first call, register, lookup, get_schema and get_version answer from the cache."""
    server.on("POST", "/subjects/s/versions", Reply(200, {"id": 1}))
    server.on("POST", "/subjects/s", Reply(200, registered(1, 1)))
    server.on("GET", "/schemas/ids/2", Reply(200, {"schema": RECORD}))
    server.on("GET", "/subjects/s/versions/1", Reply(200, registered(1, 1)))
    for _ in range(5):
        assert client.register_schema("s", Schema(RECORD)) == 1
        assert client.lookup_schema("s", Schema(RECORD)).version == 1
        assert client.get_schema(2) == Schema(RECORD)
        assert client.get_version("s", 1).schema_id == 1
    assert server.count() == 4
    # The schema registered under id 1 is known without asking.
    assert client.get_schema(1) == Schema(RECORD)
    assert server.count() == 4


def test_schema_by_id_is_cached_per_id_not_per_subject(
    server: FakeRegistry, client: HttpRegistry
) -> None:
    """The same id asked for under several subjects costs one request."""
    server.on("GET", "/schemas/ids/3", Reply(200, {"schema": RECORD}))
    for subject in ("a", "b", "c", None):
        client.get_schema(3, subject)
    assert server.count() == 1


def test_lookup_seeds_register(server: FakeRegistry, client: HttpRegistry) -> None:
    """A successful lookup makes the matching register call free."""
    server.on("POST", "/subjects/s", Reply(200, registered(6, 2)))
    client.lookup_schema("s", Schema(RECORD))
    assert client.register_schema("s", Schema(RECORD)) == 6
    assert server.count() == 1


def test_normalize_is_part_of_the_cache_key(server: FakeRegistry, client: HttpRegistry) -> None:
    """register with and without normalize are different questions to the server."""
    server.on("POST", "/subjects/s/versions", Reply(200, {"id": 1}))
    client.register_schema("s", Schema(RECORD))
    client.register_schema("s", Schema(RECORD), normalize_schemas=True)
    assert server.count() == 2


def test_latest_version_expires_after_ttl(server: FakeRegistry) -> None:
    """The latest version is cached for cache_latest_ttl_sec, then fetched again."""
    server.on("GET", "/subjects/s/versions/latest", Reply(200, registered(1, 1)))
    with HttpRegistry(server.url, max_retries=0, cache_latest_ttl_sec=0.2) as c:
        c.get_latest_version("s")
        c.get_latest_version("s")
        assert server.count() == 1
        time.sleep(0.3)
        c.get_latest_version("s")
        assert server.count() == 2


def test_latest_cache_can_be_disabled(server: FakeRegistry) -> None:
    """cache_latest_ttl_sec=0 fetches the latest version every time."""
    server.on("GET", "/subjects/s/versions/latest", Reply(200, registered(1, 1)))
    with HttpRegistry(server.url, max_retries=0, cache_latest_ttl_sec=0) as c:
        c.get_latest_version("s")
        c.get_latest_version("s")
    assert server.count() == 2


def test_deletes_invalidate_the_subject(server: FakeRegistry, client: HttpRegistry) -> None:
    """delete_subject / delete_version forget ids, lookups and versions of that subject only."""
    server.on("POST", "/subjects/s/versions", Reply(200, {"id": 1}))
    server.on("POST", "/subjects/t/versions", Reply(200, {"id": 2}))
    server.on("GET", "/subjects/s/versions/latest", Reply(200, registered(1, 1)))
    server.on("GET", "/subjects/s/versions/1", Reply(200, registered(1, 1)))
    server.on("DELETE", "/subjects/s", Reply(200, [1]))
    server.on("DELETE", "/subjects/s/versions/1", Reply(200, 1))
    server.on("GET", "/schemas/ids/1", Reply(200, {"schema": RECORD}))

    def warm() -> None:
        client.register_schema("s", Schema(RECORD))
        client.register_schema("t", Schema(RECORD))
        client.get_latest_version("s")
        client.get_version("s", 1)

    warm()
    before = server.count()
    warm()
    assert server.count() == before

    client.delete_subject("s")
    warm()
    # The delete, then register and latest again (latest also brings version 1 back).
    assert server.count() == before + 1 + 2

    client.delete_version("s", 1)
    count = server.count()
    warm()
    assert server.count() == count + 2
    client.get_schema(1)  # ids never change meaning: still cached
    assert server.count("GET", "/schemas/ids/1") == 0


def test_errors_are_not_cached(server: FakeRegistry, client: HttpRegistry) -> None:
    """A failed lookup is asked again next time."""
    server.on("POST", "/subjects/s", Reply(404, {"error_code": 40403, "message": "not found"}))
    for _ in range(2):
        with pytest.raises(errors.SchemaNotFoundError):
            client.lookup_schema("s", Schema(RECORD))
    assert server.count() == 2


def test_concurrent_misses_make_one_request(server: FakeRegistry, client: HttpRegistry) -> None:
    """Threads that miss the same id together share one request (single flight)."""
    release = threading.Event()
    server.on("GET", "/schemas/ids/5", Reply(200, {"schema": RECORD}, wait=release))
    results: list[Schema] = []
    lock = threading.Lock()

    def fetch() -> None:
        schema = client.get_schema(5)
        with lock:
            results.append(schema)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while server.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # let the other threads reach the cache while the first request waits
    release.set()
    for t in threads:
        t.join(10)
    assert results == [Schema(RECORD)] * 8
    assert server.count() == 1


def test_cache_capacity_bounds_the_caches(server: FakeRegistry) -> None:
    """With cache_capacity=2, a third id evicts the least recently used one."""
    for i in (1, 2, 3):
        server.on("GET", f"/schemas/ids/{i}", Reply(200, {"schema": RECORD}))
    with HttpRegistry(server.url, max_retries=0, cache_capacity=2) as c:
        for i in (1, 2, 3, 3, 2, 1):
            c.get_schema(i)
    assert server.count("GET", "/schemas/ids/1") == 2
    assert server.count("GET", "/schemas/ids/2") == 1
    assert server.count("GET", "/schemas/ids/3") == 1


# --------------------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, 40401, errors.SubjectNotFoundError),
        (404, 40402, errors.VersionNotFoundError),
        (404, 40403, errors.SchemaNotFoundError),
        (404, 40404, errors.SubjectSoftDeletedError),
        (404, 40405, errors.SubjectNotSoftDeletedError),
        (404, 40406, errors.VersionSoftDeletedError),
        (404, 40407, errors.VersionNotSoftDeletedError),
        (404, 40408, errors.CompatibilityNotConfiguredError),
        (404, 40409, errors.ModeNotConfiguredError),
        (409, 409, errors.IncompatibleSchemaError),
        (409, 40901, errors.IncompatibleSchemaError),
        (422, 42201, errors.InvalidSchemaError),
        (422, 42202, errors.InvalidVersionError),
        (422, 42203, errors.InvalidCompatibilityLevelError),
        (422, 42204, errors.InvalidModeError),
        (422, 42205, errors.OperationNotPermittedError),
        (422, 42206, errors.ReferenceExistsError),
        (422, 42207, errors.SchemaIdMismatchError),
        (422, 42208, errors.InvalidSubjectError),
        (500, 50001, errors.RegistryServerError),
        (500, 50002, errors.RegistryServerError),
        (401, 40101, errors.RegistryError),
    ],
)
def test_error_bodies_map_to_error_classes(
    server: FakeRegistry, client: HttpRegistry, status: int, code: int, expected: type[Exception]
) -> None:
    """{"error_code", "message"} becomes the most specific RegistryError, with context."""
    server.on(
        "GET", "/subjects/s/versions/2", Reply(status, {"error_code": code, "message": "nope"})
    )
    with pytest.raises(errors.RegistryError) as info:
        client.get_version("s", 2)
    err = info.value
    assert type(err) is expected
    assert err.http_status_code == status
    assert err.error_code == code
    assert err.error_message == "nope"
    assert err.subject == "s"
    assert err.version == 2


def test_schema_id_is_in_the_error_context(server: FakeRegistry, client: HttpRegistry) -> None:
    """A missing id raises SchemaNotFoundError carrying schema_id."""
    server.on("GET", "/schemas/ids/77", Reply(404, {"error_code": 40403, "message": "gone"}))
    with pytest.raises(errors.SchemaNotFoundError) as info:
        client.get_schema(77)
    assert info.value.schema_id == 77


def test_non_json_error_body(server: FakeRegistry, client: HttpRegistry) -> None:
    """An HTML error page (e.g. from a proxy) maps by status and names the call."""
    server.on("GET", "/subjects", Reply(502, raw=b"<html><body>Bad gateway</body></html>"))
    with pytest.raises(errors.RegistryServerError) as info:
        client.get_subjects()
    assert info.value.http_status_code == 502
    assert info.value.error_code == 502
    assert "listing subjects" in str(info.value)
    assert "Bad gateway" in str(info.value)


def test_empty_404_body(server: FakeRegistry, client: HttpRegistry) -> None:
    """A 404 without a body is a NotFoundError."""
    server.on("GET", "/subjects/s/versions", Reply(404, raw=b""))
    with pytest.raises(errors.NotFoundError) as info:
        client.get_versions("s")
    assert info.value.http_status_code == 404


@pytest.mark.parametrize("raw", [b"surely not json", b"\xff\xfe", b"[" * 100_000])
def test_non_json_success_body(server: FakeRegistry, client: HttpRegistry, raw: bytes) -> None:
    """A 200 whose body is not JSON (or absurdly nested) is a RegistryServerError."""
    server.on("GET", "/schemas/types", Reply(200, raw=raw))
    with pytest.raises(errors.RegistryServerError, match="not JSON"):
        client.get_schema_types()


def test_absurd_error_body(server: FakeRegistry, client: HttpRegistry) -> None:
    """A deeply nested error body still maps by status."""
    server.on("GET", "/subjects", Reply(422, raw=b"[" * 100_000))
    with pytest.raises(errors.UnprocessableError):
        client.get_subjects()


@pytest.mark.parametrize(
    "body",
    [
        {"schema": 5},
        {"nothing": True},
        ["a", 1],
        {"schema": RECORD, "references": "nope"},
        {"schema": RECORD, "schemaType": 3},
    ],
)
def test_malformed_success_bodies(server: FakeRegistry, client: HttpRegistry, body: Any) -> None:
    """JSON of the wrong shape is a RegistryServerError."""
    server.on("GET", "/schemas/ids/1", Reply(200, body))
    with pytest.raises(errors.RegistryServerError, match="malformed"):
        client.get_schema(1)


def test_connection_refused_is_unavailable() -> None:
    """A refused connection raises RegistryUnavailableError with the cause and the URL."""
    url = dead_url()
    with (
        HttpRegistry(url, max_retries=0) as c,
        pytest.raises(errors.RegistryUnavailableError) as info,
    ):
        c.get_subjects()
    assert not isinstance(info.value, errors.RegistryTimeoutError)
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert url in str(info.value)
    assert "listing subjects" in str(info.value)


def test_invalid_arguments_fail_fast(client: HttpRegistry) -> None:
    """Bad subjects and ids are refused before any request."""
    with pytest.raises(errors.InvalidSubjectError):
        client.get_versions("")
    with pytest.raises(TypeError):
        client.get_schema("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.register_schema("s", RECORD)  # type: ignore[arg-type]


def test_closed_client_refuses_calls(server: FakeRegistry) -> None:
    """After close() every call raises RegistryUnavailableError."""
    c = HttpRegistry(server.url)
    c.close()
    c.close()
    with pytest.raises(errors.RegistryUnavailableError, match="closed"):
        c.get_subjects()
    assert server.count() == 0


# --------------------------------------------------------------------------- authentication


def basic_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_from_url_user_info(server: FakeRegistry) -> None:
    """URL user info (percent-decoded) becomes a Basic header and leaves the URL."""
    server.on("GET", "/subjects", Reply(200, []))
    url = server.url.replace("http://", "http://alice:p%40ss%3Aword@")
    with HttpRegistry(url, max_retries=0) as c:
        c.get_subjects()
        assert "p%40ss" not in repr(c) and "alice" not in repr(c)
    assert server.last().headers["authorization"] == basic_header("alice", "p@ss:word")


@pytest.mark.parametrize(
    "option",
    [
        {"basic_auth": ("bob", "sécret:1")},
        {"basic_auth": "bob:sécret:1"},
        {"basic_auth_user_info": "bob:sécret:1"},
    ],
)
def test_basic_auth_options(server: FakeRegistry, option: dict[str, Any]) -> None:
    """basic_auth as a pair or 'user:password' (UTF-8, colons in the password kept)."""
    server.on("GET", "/subjects", Reply(200, []))
    with HttpRegistry(server.url, max_retries=0, **option) as c:
        c.get_subjects()
    expected = "Basic " + base64.b64encode("bob:sécret:1".encode()).decode()
    assert server.last().headers["authorization"] == expected


def test_static_bearer_token_and_cloud_headers(server: FakeRegistry) -> None:
    """A static bearer token, plus target-sr-cluster and identity pool headers."""
    server.on("GET", "/subjects", Reply(200, []))
    with HttpRegistry(
        server.url,
        bearer_token=SECRET_TOKEN,
        bearer_auth_logical_cluster="lsrc-123",
        bearer_auth_identity_pool_id="pool-1",
        max_retries=0,
    ) as c:
        c.get_subjects()
        assert SECRET_TOKEN not in repr(c)
    headers = server.last().headers
    assert headers["authorization"] == f"Bearer {SECRET_TOKEN}"
    assert headers["target-sr-cluster"] == "lsrc-123"
    assert headers["confluent-identity-pool-id"] == "pool-1"


def test_bearer_token_callable_is_called_per_request(server: FakeRegistry) -> None:
    """A callable token provider is asked on every request, so tokens can refresh."""
    server.on("GET", "/subjects", Reply(200, []))
    tokens = iter(["tok-one", "tok-two", "tok-three"])
    with HttpRegistry(server.url, bearer_token=lambda: next(tokens), max_retries=0) as c:
        for _ in range(3):
            c.get_subjects()
    assert [s.headers["authorization"] for s in server.seen] == [
        "Bearer tok-one",
        "Bearer tok-two",
        "Bearer tok-three",
    ]


def test_failing_token_provider_is_a_registry_error(server: FakeRegistry) -> None:
    """A token provider that raises gives RegistryUnavailableError and sends nothing."""

    def provider() -> str:
        raise RuntimeError(f"idp said no to {SECRET_PASSWORD}")

    with HttpRegistry(server.url, bearer_token=provider, max_retries=0) as c:
        with pytest.raises(errors.RegistryUnavailableError) as info:
            c.get_subjects()
        assert SECRET_PASSWORD not in str(info.value)
        with pytest.raises(errors.RegistryUnavailableError):
            HttpRegistry(server.url, bearer_token=lambda: "two\nlines").get_subjects()
    assert server.count() == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "http://u:p@127.0.0.1:1", "basic_auth": ("u", "p")},
        {"url": "http://127.0.0.1:1", "basic_auth": ("u", "p"), "bearer_token": "t"},
        {"url": "http://u:p@127.0.0.1:1", "bearer_token": "t"},
        {"url": "http://127.0.0.1:1", "basic_auth": "no-colon"},
        {"url": "http://127.0.0.1:1", "basic_auth": "a:b", "basic_auth_user_info": "a:b"},
        {"url": "ftp://127.0.0.1:1"},
        {"url": "http://127.0.0.1:1?x=1"},
        {"url": "http://127.0.0.1:notaport"},
        {"url": ""},
        {"url": "http://127.0.0.1:1", "timeout": 0},
        {"url": "http://127.0.0.1:1", "timeout": (1, float("inf"))},
        {"url": "http://127.0.0.1:1", "cache_capacity": 0},
        {"url": "http://127.0.0.1:1", "cache_latest_ttl_sec": -1},
        {"url": "http://127.0.0.1:1", "max_retries": -1},
        {"url": "http://127.0.0.1:1", "max_retries": 1, "retry": Retry(total=1)},
        {"url": "http://127.0.0.1:1", "ca_location": "/nonexistent/ca.pem"},
        {"url": "http://127.0.0.1:1", "key_location": "/nonexistent/key.pem"},
        {"url": "http://127.0.0.1:1", "verify": False, "ca_location": __file__},
    ],
)
def test_invalid_options_are_rejected(kwargs: dict[str, Any]) -> None:
    """Contradictory or invalid options raise ValueError at construction."""
    url = kwargs.pop("url")
    with pytest.raises(ValueError):
        HttpRegistry(url, **kwargs)


# --------------------------------------------------------------------------- secrets


def test_repr_hides_every_secret(server: FakeRegistry) -> None:
    """repr shows URLs, auth kind, timeout and retry policy but no credentials."""
    url = server.url.replace("http://", f"http://admin:{SECRET_PASSWORD}@")
    c = HttpRegistry(url, proxy=f"http://proxyuser:{SECRET_TOKEN}@127.0.0.1:3128")
    text = repr(c)
    assert SECRET_PASSWORD not in text and SECRET_TOKEN not in text and "admin" not in text
    assert "auth='basic'" in text and "timeout=(10.0, 30.0)" in text
    assert server.url in text
    c.close()


def test_connection_error_hides_credentials(caplog: pytest.LogCaptureFixture) -> None:
    """Errors (and their causes, tracebacks and logs) from a dead URL hold no credentials."""
    caplog.set_level(logging.DEBUG, logger="avroframe.registry.http")
    url = dead_url().replace("http://", f"http://admin:{SECRET_PASSWORD}@")
    encoded = base64.b64encode(f"admin:{SECRET_PASSWORD}".encode()).decode()
    with (
        HttpRegistry(url, max_retries=1, retries_wait_ms=1) as c,
        pytest.raises(errors.RegistryUnavailableError) as info,
    ):
        c.register_schema("s", Schema(RECORD))
    text = chain_text(info.value)
    assert "Connection refused" in text or "NewConnectionError" in text
    for secret in (SECRET_PASSWORD, encoded, "admin:"):
        assert secret not in text
        assert secret not in caplog.text


def test_bearer_token_never_leaks_from_errors(caplog: pytest.LogCaptureFixture) -> None:
    """A bearer token is in no exception, cause, traceback or log line."""
    caplog.set_level(logging.DEBUG, logger="avroframe.registry.http")
    with HttpRegistry(dead_url(), bearer_token=SECRET_TOKEN, max_retries=0) as c:
        with pytest.raises(errors.RegistryUnavailableError) as info:
            c.get_schema(1)
    assert SECRET_TOKEN not in chain_text(info.value)
    assert SECRET_TOKEN not in caplog.text


def test_secrets_echoed_by_the_server_are_masked(server: FakeRegistry) -> None:
    """A server message that repeats a credential is masked before it reaches the error."""
    server.on(
        "GET",
        "/subjects",
        Reply(
            401,
            {
                "error_code": 40101,
                "message": f"bad login admin:{SECRET_PASSWORD} via http://admin:x@h/",
            },
        ),
    )
    with (
        HttpRegistry(server.url, basic_auth=("admin", SECRET_PASSWORD), max_retries=0) as c,
        pytest.raises(errors.RegistryError) as info,
    ):
        c.get_subjects()
    assert info.value.http_status_code == 401
    assert SECRET_PASSWORD not in chain_text(info.value)
    assert "http://***:***@h/" in str(info.value)


def test_logs_name_redacted_urls(server: FakeRegistry, caplog: pytest.LogCaptureFixture) -> None:
    """Debug logs of successful calls show the URL without user info."""
    caplog.set_level(logging.DEBUG, logger="avroframe.registry.http")
    server.on("GET", "/subjects", Reply(200, []))
    url = server.url.replace("http://", f"http://admin:{SECRET_PASSWORD}@")
    with HttpRegistry(url, max_retries=0) as c:
        c.get_subjects()
    assert "GET " + server.url + "/subjects -> HTTP 200" in caplog.text
    assert SECRET_PASSWORD not in caplog.text


def test_redaction_helpers() -> None:
    """redact_url / redact_text mask user info, secret parameters, credentials and known secrets."""
    assert (
        redact_url("https://u:p@h:1/x?token=abc&n=1")
        == f"https://{MASK}:{MASK}@h:1/x?token={MASK}&n=1"
    )
    assert redact_url("http://onlyuser@h/") == f"http://{MASK}@h/"
    assert redact_url("http://h/a") == "http://h/a"
    text = redact_text(
        "GET http://a:b@c@h/p Authorization: Bearer xyz.123 password=pw1 {'api_key': 'k9'} "
        + SECRET_TOKEN,
        [SECRET_TOKEN],
    )
    for leaked in ("a:b@c", "xyz.123", "pw1", "k9", SECRET_TOKEN):
        assert leaked not in text
    assert "http://***:***@h/p" in text
    assert Redactor(["p%w"]).text("x p%25w y p%w") == f"x {MASK} y {MASK}"
    assert "zebra-42" not in repr(Redactor(["zebra-42"]))


# --------------------------------------------------------------------------- options


def test_default_timeouts_and_retry(server: FakeRegistry) -> None:
    """Timeouts (10 s, 30 s) and 3 retries with jittered backoff are on by default."""
    c = HttpRegistry(server.url)
    assert "timeout=(10.0, 30.0)" in repr(c)
    assert "Retry(total=3, backoff_factor=0.5, backoff_max=20)" in repr(c)
    retry = default_retry()
    assert retry.allowed_methods is None
    assert set(retry.status_forcelist) == {408, 429, 500, 502, 503, 504}
    assert retry.respect_retry_after_header and not retry.raise_on_status
    assert retry.backoff_max == 20 and retry.retry_after_max == 20
    assert retry.backoff_jitter == 1.0
    c.close()


def test_single_timeout_number_applies_to_both(server: FakeRegistry) -> None:
    """timeout=5 means 5 s to connect and 5 s to read."""
    with HttpRegistry(server.url, timeout=5) as c:
        assert "timeout=(5.0, 5.0)" in repr(c)


def test_from_url_reads_options_from_the_query(server: FakeRegistry) -> None:
    """from_url accepts keyword and dotted option names in the query and as keywords."""
    server.on("GET", "/apis/ccompat/v7/subjects", Reply(200, ["x"]))
    c = HttpRegistry.from_url(
        server.url
        + "/apis/ccompat/v7?timeout=3,4&cache.capacity=5&max.retries=0"
        + "&cache_latest_ttl_sec=7",
        retries_wait_ms=10,
    )
    text = repr(c)
    assert "timeout=(3.0, 4.0)" in text
    assert "cache_capacity=5" in text
    assert "cache_latest_ttl_sec=7.0" in text
    assert "Retry(total=0, backoff_factor=0.005" in text
    assert c.get_subjects() == ["x"]
    c.close()


def test_from_url_several_urls_and_bad_options() -> None:
    """Comma-separated URLs keep their order; unknown or doubled options are refused."""
    c = HttpRegistry.from_url("http://127.0.0.1:1/p, http://127.0.0.1:2/p?timeout=2")
    assert c.urls == ["http://127.0.0.1:1/p", "http://127.0.0.1:2/p"]
    assert "timeout=(2.0, 2.0)" in repr(c)
    with pytest.raises(ValueError, match="unknown schema registry option 'colour'"):
        HttpRegistry.from_url("http://127.0.0.1:1?colour=red")
    with pytest.raises(ValueError, match="twice"):
        HttpRegistry.from_url("http://127.0.0.1:1?timeout=2", timeout=3)
    with pytest.raises(ValueError, match="not a int"):
        HttpRegistry.from_url("http://127.0.0.1:1?max.retries=many")


def test_from_confluent_maps_dotted_keys(server: FakeRegistry) -> None:
    """from_confluent takes Confluent's keys, with or without the schema.registry. prefix."""
    server.on("GET", "/subjects", Reply(200, []))
    c = HttpRegistry.from_confluent(
        {
            "url": server.url,
            "basic.auth.credentials.source": "USER_INFO",
            "basic.auth.user.info": f"key:{SECRET_PASSWORD}",
            "schema.registry.timeout": 7,
            "cache.capacity": 10,
            "cache.latest.ttl.sec": 60,
            "max.retries": 0,
            "retries.wait.ms": 50,
            "retries.max.wait.ms": 500,
        }
    )
    text = repr(c)
    assert SECRET_PASSWORD not in text
    assert "timeout=(7.0, 7.0)" in text and "cache_capacity=10" in text
    assert "Retry(total=0, backoff_factor=0.025, backoff_max=0.5)" in text
    c.get_subjects()
    assert server.last().headers["authorization"] == basic_header("key", SECRET_PASSWORD)
    c.close()
    bearer = HttpRegistry.from_confluent(
        {
            "url": server.url,
            "bearer.auth.credentials.source": "STATIC_TOKEN",
            "bearer.auth.token": SECRET_TOKEN,
            "bearer.auth.logical.cluster": "lsrc-1",
            "max.retries": "0",
        }
    )
    bearer.get_subjects()
    assert server.last().headers["authorization"] == f"Bearer {SECRET_TOKEN}"
    assert server.last().headers["target-sr-cluster"] == "lsrc-1"
    bearer.close()


@pytest.mark.parametrize(
    ("conf", "match"),
    [
        ({"url": "http://127.0.0.1:1", "auto.register.schemas": True}, "auto.register.schemas"),
        ({"url": "http://127.0.0.1:1", "ssl.key.password": "x"}, "ssl.key.password"),
        ({"basic.auth.user.info": "a:b"}, "needs 'url'"),
        (
            {"url": "http://127.0.0.1:1", "basic.auth.credentials.source": "SASL_INHERIT"},
            "SASL_INHERIT",
        ),
        (
            {"url": "http://127.0.0.1:1", "bearer.auth.credentials.source": "OAUTHBEARER"},
            "callable",
        ),
        ({"url": "http://127.0.0.1:1", "bearer.auth.credentials.source": "STATIC_TOKEN"}, "token"),
    ],
)
def test_from_confluent_rejects_unknown_and_unsupported(conf: dict[str, Any], match: str) -> None:
    """Unknown keys and unsupported credential sources are named in a ValueError."""
    with pytest.raises(ValueError, match=match):
        HttpRegistry.from_confluent(conf)


def test_from_confluent_ssl_ca_false_disables_verification() -> None:
    """ssl.ca.location=False turns certificate verification off, as in Confluent's client."""
    c = HttpRegistry.from_confluent({"url": "https://127.0.0.1:1", "ssl.ca.location": False})
    assert "verify=False" in repr(c)


def test_injected_session_and_retry_are_used(server: FakeRegistry) -> None:
    """An injected session is used as is (and not closed); an injected Retry is mounted on it."""
    server.on("GET", "/subjects", Reply(200, []))
    session = requests.Session()
    session.headers["X-Trace"] = "abc"
    retry = Retry(total=0)
    with HttpRegistry(server.url, session=session, retry=retry) as c:
        c.get_subjects()
    assert server.last().headers["x-trace"] == "abc"
    adapter = session.get_adapter(server.url + "/subjects")
    assert isinstance(adapter, HTTPAdapter)
    assert adapter.max_retries is retry
    session.get(server.url + "/subjects", timeout=5).close()  # still open
    session.close()


def test_injected_session_gets_retry_only_when_asked(server: FakeRegistry) -> None:
    """Without retry options an injected session keeps its adapters; with them it gets ours."""
    plain = requests.Session()
    untouched = plain.get_adapter(server.url)
    HttpRegistry(server.url, session=plain).close()
    assert plain.get_adapter(server.url + "/x") is untouched
    tuned = requests.Session()
    HttpRegistry(server.url, session=tuned, max_retries=1).close()
    adapter = tuned.get_adapter(server.url + "/x")
    assert isinstance(adapter, HTTPAdapter)
    assert adapter.max_retries.total == 1
    plain.close()
    tuned.close()


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""
    d = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    run(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=avroframe test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    for name, usage, san in (
        ("server", "serverAuth", "IP:127.0.0.1"),
        ("client", "clientAuth", ""),
    ):
        ext = d / f"{name}.ext"
        ext.write_text(
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            f"extendedKeyUsage={usage}\n"
            "authorityKeyIdentifier=keyid\n" + (f"subjectAltName={san}\n" if san else "")
        )
        run(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}",
        )  # fmt: skip
        run(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
        )  # fmt: skip
    return {p.stem + p.suffix: p for p in d.iterdir()}


@pytest.fixture
def tls_server(pki: dict[str, Path]) -> Iterator[FakeRegistry]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["server.pem"], pki["server.key"])
    ctx.load_verify_locations(pki["ca.pem"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv = FakeRegistry(tls=ctx)
    srv.on("GET", "/subjects", Reply(200, ["tls"]))
    yield srv
    srv.close()


def test_mtls_with_ca_bundle(tls_server: FakeRegistry, pki: dict[str, Path]) -> None:
    """ca_location verifies the server; certificate_location + key_location authenticate us."""
    url = tls_server.url.replace("http://", "https://")
    with HttpRegistry(
        url,
        ca_location=str(pki["ca.pem"]),
        certificate_location=str(pki["client.pem"]),
        key_location=str(pki["client.key"]),
        max_retries=0,
        timeout=(5, 5),
    ) as c:
        assert c.get_subjects() == ["tls"]
        assert "mtls=True" in repr(c) and "verify='ca bundle'" in repr(c)


def test_tls_without_trusted_ca_fails(tls_server: FakeRegistry, pki: dict[str, Path]) -> None:
    """Verification is on by default: an unknown CA is a RegistryUnavailableError."""
    url = tls_server.url.replace("http://", "https://")
    with (
        HttpRegistry(
            url,
            certificate_location=str(pki["client.pem"]),
            key_location=str(pki["client.key"]),
            max_retries=0,
            timeout=(5, 5),
        ) as c,
        pytest.raises(errors.RegistryUnavailableError) as info,
    ):
        c.get_subjects()
    assert isinstance(info.value.__cause__, requests.exceptions.SSLError)


def test_tls_without_client_certificate_fails(
    tls_server: FakeRegistry, pki: dict[str, Path]
) -> None:
    """A server that requires a client certificate refuses us without one."""
    url = tls_server.url.replace("http://", "https://")
    with (
        HttpRegistry(url, ca_location=str(pki["ca.pem"]), max_retries=0, timeout=(5, 5)) as c,
        pytest.raises(errors.RegistryUnavailableError),
    ):
        c.get_subjects()


def test_refreshed_bearer_tokens_never_leak_from_errors(server: FakeRegistry) -> None:
    """A token from a callable, echoed by the server in an error, is masked like a static one."""
    server.on("GET", "/subjects", Reply(401, {"error_code": 40101,
                                             "message": "JWT fresh-token-123 has expired"}))
    with HttpRegistry(server.url, bearer_token=lambda: "fresh-token-123", max_retries=0) as c:
        with pytest.raises(errors.RegistryError) as info:
            c.get_subjects()
    assert "fresh-token-123" not in str(info.value)
    assert "fresh-token-123" not in repr(info.value)


# --------------------------------------------------------------------------- every form of a secret


@pytest.mark.parametrize("as_json", [True, False])
@pytest.mark.parametrize("password", ["s3cretpw", 's3cret "pw"/&'])
def test_every_form_of_a_basic_credential_is_masked(
    server: FakeRegistry, caplog: pytest.LogCaptureFixture, as_json: bool, password: str
) -> None:
    """A 401 that echoes the Authorization header (base64 of user:password, padded or not),
    or the password raw, URL-quoted or JSON-escaped, shows none of them anywhere: message,
    repr, log, causes, traceback. (base64 of user:s3cretpw is dXNlcjpzM2NyZXRwdw==.)"""
    caplog.set_level(logging.DEBUG, logger="avroframe.registry")
    encoded = base64.b64encode(f"user:{password}".encode()).decode()
    forms = [encoded, encoded.rstrip("="), password, quote(password, safe=""),
             json.dumps(password)[1:-1]]  # fmt: skip
    echo = "denied: Authorization: Basic " + encoded + " | " + " | ".join(forms)
    reply = Reply(401, {"message": echo}) if as_json else Reply(401, raw=echo.encode())
    server.on("GET", "/subjects", reply)
    with HttpRegistry(server.url, basic_auth=("user", password), max_retries=0) as c:
        with pytest.raises(errors.RegistryError) as info:
            c.get_subjects()
        shown = chain_text(info.value) + repr(c) + caplog.text
    assert "denied" in str(info.value)
    for form in forms:
        assert form not in shown


def test_bearer_header_values_are_masked(server: FakeRegistry) -> None:
    """A server that echoes 'Authorization: Bearer <token>' (or the bare token) shows neither."""
    server.on("GET", "/subjects", Reply(403, raw=f"token {SECRET_TOKEN} refused".encode()))
    with HttpRegistry(server.url, bearer_token=SECRET_TOKEN, max_retries=0) as c:
        with pytest.raises(errors.RegistryError) as info:
            c.get_subjects()
    assert SECRET_TOKEN not in chain_text(info.value)
    assert "refused" in str(info.value)


# --------------------------------------------------------------------------- size of answers


def test_an_answer_over_the_size_cap_is_not_read(server: FakeRegistry) -> None:
    """A 50 MB answer (declared or not) stops at max_response_bytes with a typed error, and the
    client's memory stays far below the answer's size."""
    huge = 50 * 1024 * 1024
    server.on("GET", "/schemas/types", Reply(200, stream=huge))
    server.on("GET", "/subjects", Reply(200, stream=huge, declare_length=False))
    with HttpRegistry(server.url, max_retries=0) as c:
        with pytest.raises(errors.ResponseTooLargeError, match="max_response_bytes"):
            c.get_schema_types()
        tracemalloc.start()
        try:
            with pytest.raises(errors.ResponseTooLargeError, match=str(4 * 1024 * 1024)):
                c.get_subjects()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
    assert isinstance(errors.ResponseTooLargeError("x"), errors.RegistryServerError)


def test_size_cap_is_configurable(server: FakeRegistry) -> None:
    """max_response_bytes sets the cap (keyword or URL query); error answers are cut short, not
    refused, so they still map by status."""
    server.on("GET", "/subjects", Reply(200, ["x" * 2000]))
    server.on("GET", "/subjects/s/versions", Reply(404, stream=10 * 1024 * 1024,
                                                   declare_length=False))  # fmt: skip
    with HttpRegistry(server.url, max_retries=0, max_response_bytes=1000) as c:
        with pytest.raises(errors.ResponseTooLargeError):
            c.get_subjects()
        with pytest.raises(errors.NotFoundError):
            c.get_versions("s")
    with HttpRegistry.from_url(server.url + "?max.response.bytes=5000&max.retries=0") as c:
        assert c.get_subjects() == ["x" * 2000]
        assert "max_response_bytes=5000" in repr(c)
    with pytest.raises(ValueError):
        HttpRegistry(server.url, max_response_bytes=0)


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 303])
def test_method_changing_redirects_are_refused(server: FakeRegistry, status: int) -> None:
    """A 301/302/303 would turn a registration POST into a GET: refused, Location named."""
    server.on("POST", "/subjects/s/versions", Reply(status, headers={"Location": "/elsewhere"}))
    server.on("GET", "/elsewhere", Reply(200, {"id": 99}))
    with HttpRegistry(server.url, max_retries=0) as c:
        with pytest.raises(errors.RegistryRedirectError) as info:
            c.register_schema("s", Schema(RECORD))
    assert "'/elsewhere'" in str(info.value) and f"HTTP {status}" in str(info.value)
    assert info.value.http_status_code == status
    assert server.count("GET", "/elsewhere") == 0


def test_redirect_to_another_origin_is_refused(server: FakeRegistry) -> None:
    """A 307 to another port is not followed (credentials would go to another server); the
    Location is named with its secrets masked."""
    other = FakeRegistry()
    try:
        target = other.url.replace("http://", f"http://u:{SECRET_PASSWORD}@") + "/subjects"
        server.on("GET", "/subjects", Reply(307, headers={"Location": target}))
        other.on("GET", "/subjects", Reply(200, ["other"]))
        with HttpRegistry(server.url, basic_auth=("admin", "pw-123"), max_retries=0) as c:
            with pytest.raises(errors.RegistryRedirectError) as info:
                c.get_subjects()
        assert other.count() == 0
        assert f"{other.port}/subjects" in str(info.value)
        assert SECRET_PASSWORD not in chain_text(info.value)
    finally:
        other.close()


def test_same_origin_307_and_308_are_followed(server: FakeRegistry) -> None:
    """A same-origin 307/308 keeps method, body and credentials, and is followed; a loop ends
    after 3 hops with a typed error."""
    server.on("POST", "/subjects/s/versions", Reply(307, headers={"Location": "/v2/s"}))
    server.on("POST", "/v2/s", Reply(308, headers={"Location": server.url + "/v3/s"}))
    server.on("POST", "/v3/s", Reply(200, {"id": 5}))
    server.on("GET", "/subjects", Reply(307, headers={"Location": "/subjects"}))
    with HttpRegistry(server.url, basic_auth=("admin", "pw-123"), max_retries=0) as c:
        assert c.register_schema("s", Schema(RECORD)) == 5
        final = server.last()
        assert (final.method, final.path) == ("POST", "/v3/s")
        assert final.json() == {"schema": RECORD}
        assert final.headers["authorization"] == basic_header("admin", "pw-123")
        with pytest.raises(errors.RegistryRedirectError, match="more than 3 redirects"):
            c.get_subjects()
    assert server.count("GET", "/subjects") == 4


# --------------------------------------------------------------------------- GUIDs


@pytest.mark.parametrize("guid", ["not-a-guid", 42, "0b8e7e0e111122223333444455556666x"])
def test_a_guid_that_is_not_a_uuid_is_malformed(server: FakeRegistry, guid: object) -> None:
    """A GUID in an answer must be a UUID: otherwise a RegistryServerError naming it."""
    server.on("POST", "/subjects/s", Reply(200, {**registered(5, 2), "guid": guid}))
    server.on("GET", "/schemas/ids/5", Reply(200, {"schema": RECORD, "guid": guid}))
    with HttpRegistry(server.url, max_retries=0) as c:
        with pytest.raises(errors.RegistryServerError, match="guid"):
            c.lookup_schema("s", Schema(RECORD))
        with pytest.raises(errors.RegistryServerError, match="not a UUID"):
            c.get_schema(5)


def test_guids_are_canonical(server: FakeRegistry, client: HttpRegistry) -> None:
    """A GUID in upper case is given back in the canonical lower-case form."""
    guid = "0B8E7E0E-1111-2222-3333-444455556666"
    server.on("POST", "/subjects/s", Reply(200, {**registered(5, 2), "guid": guid}))
    assert client.lookup_schema("s", Schema(RECORD)).guid == guid.lower()
