"""``avroframe consume`` against Debian's ``kcat -C -e`` on the same topic, in one run.

Writes N small Avro records (5 fields) to a new topic with ``avroframe produce``, then times, in
alternation (best of R rounds each):

* ``kcat -C -e -o beginning -q``: the topic's raw bytes to stdout, the floor of reading it;
* ``avroframe consume --exit-at-end --from-beginning --value-only``: decoded values as JSON lines;
* ``avroframe consume --exit-at-end --from-beginning``: the full envelope per message.

Every run's output is counted (N lines each). Needs the broker and registry of the test suite
(``scripts/kafka.sh``, ``scripts/registry.sh``) and ``kcat`` (``apt-get install kcat``).

    python benchmarks/bench_console.py [--count 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BOOTSTRAP = os.environ.get("AVROFRAME_BOOTSTRAP", "127.0.0.1:19092")
REGISTRY = os.environ.get("AVROFRAME_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7")
SCHEMA = {
    "type": "record", "name": "Reading", "namespace": "bench",
    "fields": [{"name": "id", "type": "long"}, {"name": "sensor", "type": "string"},
               {"name": "value", "type": "double"}, {"name": "ok", "type": "boolean"},
               {"name": "seq", "type": "int"}],
}
AVROFRAME = [sys.executable, "-m", "avroframe"]
TIMEOUT_S = 600


def _timed(argv: list[str], expected: int | None) -> float:
    """Seconds to run ``argv`` to completion, its stdout counted (``expected`` lines, if given;
    kcat's raw bytes hold newlines of their own, so its output is only read)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = 0
    assert proc.stdout is not None
    for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        lines += chunk.count(b"\n")
    _, err = proc.communicate(timeout=TIMEOUT_S)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or (expected is not None and lines != expected):
        raise SystemExit(f"{argv[:4]}: exit {proc.returncode}, {lines} lines: {err[-500:]!r}")
    return elapsed


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--count", type=int, default=100_000, help="messages in the topic")
    options.add_argument("--rounds", type=int, default=3, help="timed runs of each command")
    args = options.parse_args()
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat is None:
        raise SystemExit("kcat is required: apt-get install kcat")
    topic = f"af-bench-console-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        schema = Path(tmp) / "reading.avsc"
        schema.write_text(json.dumps(SCHEMA))
        data = Path(tmp) / "readings.jsonl"
        with data.open("w") as out:
            for i in range(args.count):
                out.write(json.dumps({"id": i, "sensor": f"s-{i % 50}", "value": i / 7,
                                      "ok": i % 3 == 0, "seq": i % 1000}) + "\n")
        start = time.perf_counter()
        subprocess.run([*AVROFRAME, "produce", topic, "--bootstrap", BOOTSTRAP, "--registry",
                        REGISTRY, "--schema", str(schema), str(data)], check=True,
                       timeout=TIMEOUT_S, stdout=subprocess.DEVNULL)
        produced = time.perf_counter() - start
    runs = {
        "kcat -C -e (raw bytes, the floor)": [kcat, "-C", "-b", BOOTSTRAP, "-t", topic,
                                              "-o", "beginning", "-e", "-q"],
        "avroframe consume --value-only": [*AVROFRAME, "consume", topic, "--bootstrap",
                                           BOOTSTRAP, "--registry", REGISTRY,
                                           "--from-beginning", "--exit-at-end", "--value-only"],
        "avroframe consume (envelope)": [*AVROFRAME, "consume", topic, "--bootstrap", BOOTSTRAP,
                                         "--registry", REGISTRY, "--from-beginning",
                                         "--exit-at-end"],
    }
    # The fixed cost of each command (start-up, connecting, the first fetch): the same command
    # stopped after one message. The steady rate is the rest of the messages over the rest of
    # the time.
    first = {
        "kcat -C -e (raw bytes, the floor)": [*runs["kcat -C -e (raw bytes, the floor)"][:-2],
                                              "-c", "1", "-q"],
        "avroframe consume --value-only": [*runs["avroframe consume --value-only"],
                                           "--max-messages", "1"],
        "avroframe consume (envelope)": [*runs["avroframe consume (envelope)"],
                                         "--max-messages", "1"],
    }
    best = {name: float("inf") for name in runs}
    fixed = {name: float("inf") for name in runs}
    for _ in range(args.rounds):
        for name, argv in runs.items():
            expected = None if argv[0] == kcat else args.count
            best[name] = min(best[name], _timed(argv, expected))
            fixed[name] = min(fixed[name], _timed(first[name], None))
    floor = best["kcat -C -e (raw bytes, the floor)"]
    print(f"{args.count:,} messages of 5 fields, best of {args.rounds}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"  avroframe produce (from a JSON lines file): {produced:6.2f} s "
          f"{args.count / produced:>10,.0f} msg/s")
    print(f"  {'command':36} {'total s':>8} {'msg/s':>9} {'ratio':>6} {'fixed s':>8} "
          f"{'steady msg/s':>13}")
    for name, seconds in best.items():
        steady = (args.count - 1) / max(seconds - fixed[name], 1e-9)
        print(f"  {name:36} {seconds:8.2f} {args.count / seconds:9,.0f} "
              f"{seconds / floor:6.2f} {fixed[name]:8.2f} {steady:13,.0f}")


if __name__ == "__main__":
    main()
