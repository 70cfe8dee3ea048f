"""Fixtures of the registry contract suite: one fresh registry per test, for every backend.

``memory`` gets a registry name of its own, ``sqlite`` a file in the test's temporary directory,
and ``http`` a client of the shared Apicurio server (``registry_url``, from tests/conftest.py).
The server is shared, so tests isolate themselves with unique subject names (``subjects``) and
never assume an empty registry; the subjects a test creates are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from avroframe import registry as registry_package
from avroframe.registry.errors import RegistryError
from avroframe.registry.memory import MemoryRegistry
from avroframe.registry.protocol import SchemaRegistryClient
from avroframe.registry.sqlite import SqliteRegistry

BACKENDS = ("memory", "sqlite", "http")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test."""
    return str(request.param)


@pytest.fixture
def open_client(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[Callable[[], SchemaRegistryClient]]:
    """Opens another client of the one registry this test uses (closed after the test).

    ``memory`` clients share a registry name, ``sqlite`` ones a file (each its own
    connection), ``http`` ones the server.
    """
    clients: list[SchemaRegistryClient] = []
    name = f"contract-{uuid.uuid4().hex}"
    url = request.getfixturevalue("registry_url") if backend == "http" else ""

    def open_one() -> SchemaRegistryClient:
        client: SchemaRegistryClient
        if backend == "memory":
            client = MemoryRegistry(name)
        elif backend == "sqlite":
            client = SqliteRegistry(tmp_path / "registry.db")
        else:
            # No cached "latest": the suite reads back right after each change.
            client = registry_package.connect(url, cache_latest_ttl_sec=0)
        clients.append(client)
        return client

    yield open_one
    for client in clients:
        client.close()


@pytest.fixture
def registry(open_client: Callable[[], SchemaRegistryClient]) -> SchemaRegistryClient:
    """A registry client of the backend under test, isolated from every other test."""
    return open_client()


class Subjects:
    """Makes subject names unique to one test, and deletes those subjects afterwards."""

    def __init__(self, registry: SchemaRegistryClient) -> None:
        self._registry = registry
        self._prefix = f"ct-{uuid.uuid4().hex[:12]}-"
        self.created: list[str] = []

    @property
    def prefix(self) -> str:
        """The prefix every subject of this test starts with."""
        return self._prefix

    def __call__(self, label: str = "value") -> str:
        name = self._prefix + label
        self.created.append(name)
        return name

    def cleanup(self) -> None:
        """Delete this test's subjects (newest first, so referrers go before what they use)."""
        for subject in reversed(self.created):
            for permanent in (False, True):
                try:
                    self._registry.delete_subject(subject, permanent=permanent)
                except RegistryError:
                    pass
            for delete in (self._registry.delete_mode, self._registry.delete_compatibility):
                try:
                    delete(subject)
                except RegistryError:
                    pass


@pytest.fixture
def subjects(registry: SchemaRegistryClient) -> Iterator[Subjects]:
    """``subjects("label")`` returns a subject name no other test uses."""
    made = Subjects(registry)
    yield made
    made.cleanup()


@pytest.fixture
def ns() -> str:
    """An Avro namespace of this test's own, so that its schemas (and ids) are its own too.

    Ids are global: on a shared server another test registering the same schema would share
    its id and show up in "subjects of this id".
    """
    return f"ct_{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _apicurio_differs(request: pytest.FixtureRequest) -> None:
    """Apply ``@pytest.mark.apicurio_differs(reason)`` as a strict xfail on the http backend."""
    marker = request.node.get_closest_marker("apicurio_differs")
    if marker is None or "backend" not in request.fixturenames:
        return
    if request.getfixturevalue("backend") == "http":
        request.applymarker(pytest.mark.xfail(strict=True, reason=str(marker.args[0])))


def pytest_configure(config: pytest.Config) -> None:
    """Register the suite's marker."""
    config.addinivalue_line(
        "markers",
        "apicurio_differs(reason): Confluent's behaviour that Apicurio (http backend) does not"
        " follow; a strict xfail on the http backend only",
    )
