"""The sqlite file backend: persistence, several processes, closing.

Threads registering at once: tests/contract/test_concurrency.py, on every backend.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from avroframe.registry.errors import RegistryError, RegistryUnavailableError
from avroframe.registry.sqlite import SqliteRegistry
from avroframe.registry.types import Schema

REPO = Path(__file__).resolve().parents[3]


def record(name: str, *fields: str) -> Schema:
    """A record with the given string fields (all optional, so every evolution is compatible)."""
    return Schema(
        json.dumps(
            {
                "type": "record",
                "name": name,
                "fields": [{"name": f, "type": "string", "default": ""} for f in fields],
            }
        )
    )


def test_schemas_persist_across_reopen(tmp_path: Path) -> None:
    """What one client registers, a client opened later on the same file reads back."""
    path = tmp_path / "registry.db"
    with SqliteRegistry(path) as first:
        schema_id = first.register_schema("orders-value", record("Order", "a"))
        first.set_compatibility("orders-value", "FULL")
        first.delete_version("orders-value", 1)
    with SqliteRegistry(path) as second:
        stored = second.get_schema(schema_id)
        assert json.loads(stored.schema_str) == json.loads(record("Order", "a").schema_str)
        assert second.get_versions("orders-value", deleted=True) == [1]
        assert second.get_compatibility("orders-value") == "FULL"
        again = second.register_schema("orders-value", record("Order", "a"))
        assert again == schema_id
        assert second.get_versions("orders-value") == [2]


def test_database_uses_wal(tmp_path: Path) -> None:
    """The file is in WAL mode, so readers do not block the writer."""
    path = tmp_path / "registry.db"
    SqliteRegistry(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_clients_on_one_file_see_each_other(tmp_path: Path) -> None:
    """Two clients of the same file share ids and versions immediately."""
    path = tmp_path / "registry.db"
    with SqliteRegistry(path) as one, SqliteRegistry(path) as two:
        first = one.register_schema("s", record("R", "a"))
        assert two.register_schema("t", record("R", "a")) == first
        second = two.register_schema("s", record("R", "a", "b"))
        assert one.get_latest_version("s").schema_id == second
        assert one.get_versions("s") == [1, 2]


_WORKER = textwrap.dedent(
    """
    import json, sys
    from avroframe.registry.sqlite import SqliteRegistry
    from avroframe.registry.types import Schema

    path, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    def record(name, *fields):
        return Schema(json.dumps({"type": "record", "name": name, "fields": [
            {"name": f, "type": "string", "default": ""} for f in fields]}))

    results = []
    with SqliteRegistry(path) as registry:
        for i in range(count):
            # Everyone registers the shared schemas; each worker also has its own.
            shared = record("Shared", *[f"f{j}" for j in range(i + 1)])
            own = record(f"Own{worker}", *[f"f{j}" for j in range(i + 1)])
            for kind, subject, schema in [
                ("shared", "shared-value", shared),
                ("own", f"own{worker}", own),
                ("shared", f"mine{worker}", shared),
            ]:
                results.append([kind, i, subject, registry.register_schema(subject, schema)])
    print(json.dumps(results))
    """
)


def test_processes_registering_concurrently_agree_on_ids(tmp_path: Path) -> None:
    """Processes starting on a new file and registering at once agree on every id, and each
    subject gets dense versions."""
    path = tmp_path / "registry.db"
    workers, count = 4, 15
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(path), str(w), str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for w in range(workers)
    ]
    outputs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            outputs.append(json.loads(out))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    ids: dict[tuple[str, int, str], int] = {}
    for results in outputs:
        for kind, i, subject, schema_id in results:
            key = (kind, i, "" if kind == "shared" else subject)
            assert ids.setdefault(key, schema_id) == schema_id, key
    # Distinct schemas have distinct ids.
    assert len(set(ids.values())) == len(ids) == count + workers * count
    with SqliteRegistry(path) as registry:
        assert registry.get_versions("shared-value") == list(range(1, count + 1))
        for w in range(workers):
            assert registry.get_versions(f"own{w}") == list(range(1, count + 1))
            assert registry.get_versions(f"mine{w}") == list(range(1, count + 1))
        assert sorted(ids.values()) == list(range(1, len(ids) + 1))


def test_closed_client_refuses_calls(tmp_path: Path) -> None:
    """After close every call raises RegistryUnavailableError; closing twice is fine."""
    registry = SqliteRegistry(tmp_path / "registry.db")
    registry.close()
    registry.close()
    with pytest.raises(RegistryUnavailableError):
        registry.get_subjects()
    with pytest.raises(RegistryUnavailableError):
        registry.get_schema_types()


def test_repr_shows_backend_and_path(tmp_path: Path) -> None:
    """The repr names the backend and the file."""
    path = tmp_path / "registry.db"
    with SqliteRegistry(path) as registry:
        assert repr(registry) == f"SqliteRegistry({str(path)!r})"


def test_unusable_path_is_a_registry_error(tmp_path: Path) -> None:
    """A path that cannot hold a database raises a RegistryError, not sqlite3's errors."""
    with pytest.raises(RegistryError):
        SqliteRegistry(tmp_path / "missing-dir" / "registry.db")
    with pytest.raises(RegistryError):
        SqliteRegistry("")


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    """A file that is not sqlite raises a RegistryError."""
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(RegistryError):
        SqliteRegistry(path)
