"""Batch encode/decode cost per record, as ratios to the per-record floor loop in the same run.

Floor: for each of N records, raw fastavro ``schemaless_writer`` (``schemaless_reader``) on a
pre-parsed schema plus the 5-byte header, in a Python loop. Measured against it:
``AvroSerializer.serialize_many`` (validation on, the default) and
``AvroDeserializer.deserialize_many`` on the same N records, and one ``serialize`` /
``deserialize`` call per record. Interleaved rounds; each figure is the median over rounds of the
best of 3 timings.

Run: ``python benchmarks/bench_batch.py [--size 500] [--rounds 21]``.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import timeit
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fastavro

from avroframe import registry, serde

SMALL = {
    "type": "record",
    "name": "Small",
    "namespace": "bench",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "score", "type": "double"},
        {"name": "active", "type": "boolean"},
        {"name": "count", "type": "int"},
    ],
}
NESTED = {
    "type": "record",
    "name": "Nested",
    "namespace": "bench",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "items", "type": {"type": "array", "items": {
            "type": "record", "name": "Item", "fields": [
                {"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}},
        {"name": "attrs", "type": {"type": "map", "values": "string"}},
    ],
}


def small(i: int) -> dict[str, Any]:
    return {"id": 123456789 + i, "name": f"user-{i % 100}", "score": i * 0.5,
            "active": i % 2 == 0, "count": i % 1000}


def nested(i: int) -> dict[str, Any]:
    return {"id": i, "items": [{"sku": f"s{j}", "qty": j} for j in range(10)],
            "attrs": {"a": "1", "b": "2"}}


SHAPES: list[tuple[str, Any, Callable[[int], Any]]] = [
    ("small (5 fields)", SMALL, small),
    ("nested (array of 10 records, map)", NESTED, nested),
    ("key (long)", "long", lambda i: i * 7919),
]


def best(fn: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=3)) / number


def measure(schema: Any, make: Callable[[int], Any], size: int, rounds: int) -> dict[str, float]:
    """Median seconds per record of each way, over interleaved rounds."""
    values = [make(i) for i in range(size)]
    parsed = fastavro.parse_schema(schema)
    header = b"\x00\x00\x00\x00\x01"

    def floor_encode() -> list[bytes]:
        out = []
        for value in values:
            buffer = io.BytesIO()
            buffer.write(header)
            fastavro.schemaless_writer(buffer, parsed, value)
            out.append(buffer.getvalue())
        return out

    floor_frames = floor_encode()

    def floor_decode() -> list[Any]:
        out = []
        for data in floor_frames:
            stream = io.BytesIO(data)
            stream.seek(5)
            out.append(fastavro.schemaless_reader(stream, parsed))
        return out

    reg = registry.connect(f"memory://bench-batch-{uuid.uuid4()}")
    ser = serde.AvroSerializer(reg, schema)
    de = serde.AvroDeserializer(reg)
    frames = ser.serialize_many(values, "bench")
    assert de.deserialize_many(frames) == values == floor_decode()
    ways: dict[str, Callable[[], Any]] = {
        "floor encode": floor_encode,
        "serialize_many": lambda: ser.serialize_many(values, "bench"),
        "serialize per record": lambda: [ser.serialize(v, "bench") for v in values],
        "floor decode": floor_decode,
        "deserialize_many": lambda: de.deserialize_many(frames),
        "deserialize per record": lambda: [de.deserialize(f) for f in frames],
    }
    number = max(1, 10_000 // size)
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, fn in ways.items():
            times[name].append(best(fn, number) / size)
    reg.close()
    return {name: statistics.median(found) for name, found in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, fastavro {fastavro.__version__}; "
          f"batches of {args.size}, median of {args.rounds} rounds")
    print("| shape | encode: serialize_many | per record | decode: deserialize_many | "
          "per record | floor encode µs | floor decode µs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, schema, make in SHAPES:
        m = measure(schema, make, args.size, args.rounds)
        enc, dec = m["floor encode"], m["floor decode"]
        print(f"| {label} | {m['serialize_many'] / enc:.2f} | {m['serialize per record'] / enc:.2f}"
              f" | {m['deserialize_many'] / dec:.2f} | {m['deserialize per record'] / dec:.2f}"
              f" | {enc * 1e6:.2f} | {dec * 1e6:.2f} |")


if __name__ == "__main__":
    main()
