"""The embedded registries' cost of a registration as a subject's history grows.

A subject first gets N versions (same-size 42-field records, each pairwise FULL compatible with
the others, registered at level NONE); then its level is set and registering a new schema (and
registering an already registered one again) is timed. Medians over ``--repeat`` calls; every
timed registration adds a version, which counts towards the next N.

Run: ``python benchmarks/bench_registry.py`` (``--quick`` for a short run). ``--base DIR`` also
measures an older checkout whose packages import as bare ``registry`` (before ``avroframe``),
interleaved with this tree in the same process, e.g. ``--base /tmp/base``. ``--cpu`` times this
thread's CPU use instead of wall-clock time, for a machine busy with other work.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LEVELS = ("NONE", "BACKWARD", "FULL_TRANSITIVE")
BACKENDS = ("memory", "sqlite")
SIZES = (10, 50, 100, 200, 400)
QUICK_SIZES = (10, 100, 400)
CLOCK = time.perf_counter
"""Wall-clock time; ``--cpu`` switches to this thread's CPU time (steadier on a busy machine,
but blind to waits such as sqlite's fsync)."""

_FIXED: list[dict[str, Any]] = (
    [{"name": "id", "type": "long"}, {"name": "key", "type": "string"}]
    + [{"name": f"i{n}", "type": "int", "default": 0} for n in range(9)]
    + [{"name": f"s{n}", "type": "string", "default": ""} for n in range(9)]
    + [{"name": f"d{n}", "type": "double", "default": 0.0} for n in range(6)]
    + [{"name": f"b{n}", "type": "boolean", "default": False} for n in range(4)]
    + [{"name": f"o{n}", "type": ["null", "string"], "default": None} for n in range(6)]
    + [
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
        {"name": "attrs", "type": {"type": "map", "values": "long"}, "default": {}},
        {
            "name": "kind",
            "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B", "C"]},
            "default": "A",
        },
        {
            "name": "created",
            "type": {"type": "long", "logicalType": "timestamp-millis"},
            "default": 0,
        },
        {
            "name": "point",
            "type": {
                "type": "record",
                "name": "Point",
                "fields": [{"name": "x", "type": "double"}, {"name": "y", "type": "double"}],
            },
            "default": {"x": 0.0, "y": 0.0},
        },
    ]
)
assert len(_FIXED) == 41


def schema_text(k: int) -> str:
    """Version ``k``: the 41 shared fields and one optional field of its own (42 in all)."""
    own = {"name": f"v{k}", "type": ["null", "long"], "default": None}
    return json.dumps(
        {"type": "record", "name": "Wide", "namespace": "bench", "fields": [*_FIXED, own]}
    )


@dataclass
class Impl:
    """One implementation under test: its registry classes and Schema type."""

    label: str
    memory: Callable[[str], Any]
    sqlite: Callable[[str], Any]
    schema: Callable[[str], Any]


def load(label: str, package: str) -> Impl:
    """The registry classes of ``package`` (``avroframe.registry`` or an old bare ``registry``)."""
    memory = importlib.import_module(f"{package}.memory")
    sqlite = importlib.import_module(f"{package}.sqlite")
    types = importlib.import_module(f"{package}.types")
    return Impl(label, memory.MemoryRegistry, sqlite.SqliteRegistry, types.Schema)


@dataclass
class Subject:
    """A subject being grown in one registry, and how many versions it holds."""

    impl: Impl
    client: Any
    name: str = "bench-value"
    count: int = 0
    results: dict[int, tuple[float, float]] = field(default_factory=dict)

    def register(self, k: int) -> float:
        """Register schema ``k``; return the seconds it took (on ``CLOCK``)."""
        schema = self.impl.schema(schema_text(k))
        start = CLOCK()
        self.client.register_schema(self.name, schema)
        return CLOCK() - start

    def grow_to(self, n: int) -> None:
        """Add versions at level NONE until the subject holds ``n``."""
        self.client.set_compatibility(self.name, "NONE")
        while self.count < n:
            self.register(self.count)
            self.count += 1

    def measure(self, n: int, level: str, repeat: int) -> None:
        """Time ``repeat`` new registrations and ``repeat`` repeated ones at ``level``."""
        self.grow_to(n)
        self.client.set_compatibility(self.name, level)
        gc.collect()
        new = []
        for _ in range(repeat):
            new.append(self.register(self.count))
            self.count += 1
        again = [self.register(0) for _ in range(repeat)]
        self.results[n] = (statistics.median(new), statistics.median(again))


def open_client(impl: Impl, backend: str, folder: Path) -> Any:
    """A fresh, empty registry of ``backend``."""
    if backend == "memory":
        return impl.memory(f"bench-{uuid.uuid4().hex}")
    return impl.sqlite(str(folder / f"{impl.label}-{uuid.uuid4().hex}.db"))


def run(impls: list[Impl], sizes: tuple[int, ...], repeat: int) -> None:
    """Measure every backend, level and size, the implementations interleaved; print tables."""
    clock = "wall-clock" if CLOCK is time.perf_counter else "CPU"
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores,"
        f" load average {os.getloadavg()[0]:.1f}; median of {repeat} registrations per cell,"
        f" {clock} ms\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for backend in BACKENDS:
            for level in LEVELS:
                subjects = [Subject(impl, open_client(impl, backend, folder)) for impl in impls]
                for n in sizes:
                    for subject in subjects:
                        subject.measure(n, level, repeat)
                for subject in subjects:
                    subject.client.close()
                report(backend, level, subjects, sizes)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def report(backend: str, level: str, subjects: list[Subject], sizes: tuple[int, ...]) -> None:
    """One table: new and repeated registrations per N, and the ratio of the last N to the first."""
    print(f"{backend}, {level}")
    head = "".join(f"{'N=' + str(n):>9}" for n in sizes)
    ratio = f"N={sizes[-1]}/N={sizes[0]}"
    print(f"  {'':<30}{head}  {ratio:>12}")
    for subject in subjects:
        for index, what in enumerate(("new schema", "already registered")):
            cells = [subject.results[n][index] * 1000 for n in sizes]
            row = "".join(f"{c:9.2f}" for c in cells)
            label = f"{subject.impl.label}: {what}"
            print(f"  {label:<30}{row}  {cells[-1] / cells[0]:12.2f}")
    print()


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 10, 100, 400 and 3 repeats")
    parser.add_argument("--repeat", type=int, default=None, help="timed calls per cell (7)")
    parser.add_argument(
        "--base", type=Path, default=None, help="an older checkout importing bare 'registry'"
    )
    parser.add_argument("--cpu", action="store_true", help="time CPU use, not wall-clock time")
    args = parser.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.thread_time
    impls = []
    if args.base is not None:
        base = args.base.resolve()
        sys.path.insert(0, str(base))
        impls.append(load("before", "registry"))
        if not Path(sys.modules["registry"].__file__ or "").is_relative_to(base):
            parser.error(f"'registry' was not imported from {base}")
    impls.append(load("after" if args.base is not None else "avroframe", "avroframe.registry"))
    sizes = QUICK_SIZES if args.quick else SIZES
    repeat = args.repeat or (3 if args.quick else 7)
    run(impls, sizes, repeat)


if __name__ == "__main__":
    main()
