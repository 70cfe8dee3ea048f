"""Contract: threads registering at once, through one client and through several, agree.

Every backend must give a schema one id whichever thread registers it first and under whichever
subject, distinct schemas distinct ids, and each subject versions 1..n without gaps or
duplicates. The sqlite backend's multi-process case is in tests/unit/registry/test_store_sqlite.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from avroframe.registry.protocol import SchemaRegistryClient
from avroframe.registry.types import Schema
from tests.contract.contract_schemas import avro, field, record

WORKERS = 6
COUNT = 8


def shared_schema(ns: str, i: int) -> Schema:
    """Version ``i`` of the schema every worker registers: ``i`` optional fields added."""
    extra = [field(f"f{j}", ["null", "string"], default=None) for j in range(i)]
    return avro(record(ns, "Shared", field("id", "long"), *extra))


def own_schema(ns: str, worker: int, i: int) -> Schema:
    """Version ``i`` of a schema only ``worker`` registers."""
    extra = [field(f"g{j}", ["null", "long"], default=None) for j in range(i)]
    return avro(record(ns, f"Own{worker}", field("id", "long"), *extra))


def test_threads_registering_at_once_agree_on_ids_and_versions(
    backend: str,
    registry: SchemaRegistryClient,
    open_client: Callable[[], SchemaRegistryClient],
    subjects: Callable[[str], str],
    ns: str,
) -> None:
    """Threads register the same schemas under one subject and under their own, and their own
    schemas; half share the test's client, half have a client each."""
    shared = subjects("shared")
    mine = [subjects(f"mine{w}") for w in range(WORKERS)]
    own = [subjects(f"own{w}") for w in range(WORKERS)]
    clients = [registry if w % 2 == 0 else open_client() for w in range(WORKERS)]
    results: list[tuple[str, int, str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS, timeout=60)
    lock = threading.Lock()

    def work(worker: int) -> None:
        client = clients[worker]
        try:
            start.wait()
            for i in range(COUNT):
                shared_id = client.register_schema(shared, shared_schema(ns, i))
                mine_id = client.register_schema(mine[worker], shared_schema(ns, i))
                own_id = client.register_schema(own[worker], own_schema(ns, worker, i))
                done = [
                    ("shared", shared, shared_id),
                    ("shared", mine[worker], mine_id),
                    (f"own{worker}", own[worker], own_id),
                ]
                with lock:
                    results.extend((kind, i, subject, got) for kind, subject, got in done)
        except BaseException as exc:  # handed to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    ids: dict[tuple[str, int], set[int]] = {}
    for kind, i, _, schema_id in results:
        ids.setdefault((kind, i), set()).add(schema_id)
    # One id per schema, whichever thread, client and subject registered it ...
    assert all(len(found) == 1 for found in ids.values()), ids
    # ... and distinct schemas have distinct ids.
    unique = {key: next(iter(found)) for key, found in ids.items()}
    assert len(set(unique.values())) == len(unique) == COUNT * (1 + WORKERS)
    if backend != "http":  # a new embedded registry: ids from 1, none skipped
        assert sorted(unique.values()) == list(range(1, len(unique) + 1))

    expected = list(range(1, COUNT + 1))
    assert registry.get_versions(shared) == expected
    for w in range(WORKERS):
        assert registry.get_versions(mine[w]) == expected
        assert registry.get_versions(own[w]) == expected
    for i in range(COUNT):
        assert registry.get_version(shared, i + 1).schema_id == unique[("shared", i)]
        assert registry.get_version(own[1], i + 1).schema_id == unique[("own1", i)]
