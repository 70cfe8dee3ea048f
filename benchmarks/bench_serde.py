"""Serde cost per record, as ratios to raw fastavro measured in the same run, and what a schema
costs to set up and to keep.

Per record, five shapes (small, wide, nested, unions, logical), three operations (encode, decode,
decode into a reader schema that adds a field with a default):
(a) the floor: fastavro ``schemaless_writer`` / ``schemaless_reader`` on a pre-parsed schema, plus
    the 5-byte header: plain fastavro, with its stock logical-type tables (avroframe never changes
    them; it converts the types it handles itself per compiled schema);
(b) this toolkit's ``AvroSerializer`` / ``AvroDeserializer``, validation on (the default) and off;
(c) confluent-kafka's ``AvroSerializer`` / ``AvroDeserializer`` on its mock registry.
Every (row, operation) is timed once per repetition, rows interleaved, 21 repetitions; the
figure is the median. Then: constructing a serializer for a schema already seen, the first
encode on a ``memory://`` registry, and memory per cached schema id (tracemalloc).

Run: ``python benchmarks/bench_serde.py`` (``--quick`` for a short run; ``--chart PATH`` for the
PNG, ``benchmarks/ratios.png`` by default, needs matplotlib: ``pip install -e .[bench]``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import gc
import io
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fastavro

from avroframe import registry, serde

Op = Callable[[], Any]

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
SMALL_VALUE = {"id": 123456789, "name": "alice", "score": 98.5, "active": True, "count": 42}

_WIDE_FIELDS: list[dict[str, Any]] = (
    [{"name": f"i{n}", "type": "int"} for n in range(6)]
    + [{"name": f"s{n}", "type": "string"} for n in range(6)]
    + [{"name": f"d{n}", "type": "double"} for n in range(4)]
    + [
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": "long"}},
        {"name": "opt", "type": ["null", "string"], "default": None},
        {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal",
                                    "precision": 12, "scale": 2}},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B", "C"]}},
        {"name": "point", "type": {"type": "record", "name": "Point", "fields": [
            {"name": "x", "type": "double"}, {"name": "y", "type": "double"}]}},
        {"name": "points", "type": {"type": "array", "items": "Point"}},
        {"name": "flag", "type": "boolean"},
        {"name": "raw", "type": "bytes"},
        {"name": "big", "type": "long"},
        {"name": "ratio", "type": "float"},
    ]
)
WIDE = {"type": "record", "name": "Wide", "namespace": "bench", "fields": _WIDE_FIELDS}
WIDE_VALUE: dict[str, Any] = {
    **{f"i{n}": n * 1000 for n in range(6)},
    **{f"s{n}": f"value-{n}" for n in range(6)},
    **{f"d{n}": n * 1.5 for n in range(4)},
    "tags": ["a", "b", "c"],
    "attrs": {"x": 1, "y": 2},
    "opt": "present",
    "created": dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC),
    "day": dt.date(2024, 5, 1),
    "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "amount": decimal.Decimal("1234.50"),
    "kind": "B",
    "point": {"x": 1.0, "y": 2.0},
    "points": [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.0}],
    "flag": False,
    "raw": b"\x00\x01\x02",
    "big": 2**40,
    "ratio": 0.5,
}

NESTED = {
    "type": "record",
    "name": "Order",
    "namespace": "bench",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "lines", "type": {"type": "array", "items": {
            "type": "record", "name": "Line", "fields": [
                {"name": "sku", "type": "string"},
                {"name": "qty", "type": "int"},
                {"name": "price", "type": "double"},
            ]}}},
        {"name": "labels", "type": {"type": "map", "values": "string"}},
    ],
}
NESTED_VALUE: dict[str, Any] = {
    "id": 7,
    "lines": [{"sku": f"sku-{n}", "qty": n, "price": n * 2.5} for n in range(10)],
    "labels": {f"k{n}": f"v{n}" for n in range(5)},
}

UNIONS = {
    "type": "record",
    "name": "Unions",
    "namespace": "bench",
    "fields": [{"name": f"u{n}", "type": ["null", "string", "long"]} for n in range(10)],
}
UNIONS_VALUE: dict[str, Any] = {
    f"u{n}": (None, f"text-{n}", n * 1000)[n % 3] for n in range(10)
}

LOGICAL = {
    "type": "record",
    "name": "Logical",
    "namespace": "bench",
    "fields": [
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal",
                                    "precision": 12, "scale": 2}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
    ],
}
LOGICAL_VALUE: dict[str, Any] = {
    "amount": decimal.Decimal("1234.50"),
    "at": dt.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=dt.UTC),
    "day": dt.date(2024, 5, 1),
    "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
}

SHAPES: list[tuple[str, dict[str, Any], Any]] = [
    ("small", SMALL, SMALL_VALUE),
    ("wide", WIDE, WIDE_VALUE),
    ("nested", NESTED, NESTED_VALUE),
    ("unions", UNIONS, UNIONS_VALUE),
    ("logical", LOGICAL, LOGICAL_VALUE),
]
OPS = ("encode", "decode", "decode, reader schema")
HEADER = b"\x00\x00\x00\x00\x01"


def evolved(schema: dict[str, Any]) -> dict[str, Any]:
    """The reader schema: the writer's plus one field with a default (a usual evolution)."""
    return {**schema, "fields": [*schema["fields"],
                                 {"name": "added", "type": "string", "default": ""}]}


def floor_ops(schema: dict[str, Any], value: Any) -> tuple[tuple[Op, Op, Op], Op]:
    """The floor's three operations (decoding into the reader schema is floored by the plain
    decode: the bytes are the same), and fastavro's own resolution for reference."""
    parsed = fastavro.parse_schema(schema)
    reader = fastavro.parse_schema(evolved(schema))

    def encode() -> bytes:
        buffer = io.BytesIO()
        buffer.write(HEADER)
        fastavro.schemaless_writer(buffer, parsed, value)
        return buffer.getvalue()

    data = encode()

    def decode() -> Any:
        stream = io.BytesIO(data)
        stream.seek(5)
        return fastavro.schemaless_reader(stream, parsed)

    def decode_reader() -> Any:
        stream = io.BytesIO(data)
        stream.seek(5)
        return fastavro.schemaless_reader(stream, parsed, reader)

    return (encode, decode, decode), decode_reader


def our_ops(schema: dict[str, Any], value: Any, validate: bool) -> tuple[Op, Op, Op]:
    reg = registry.connect(f"memory://bench-{uuid.uuid4()}")
    ser = serde.AvroSerializer(reg, schema, validate=validate)
    de = serde.AvroDeserializer(reg)
    de_reader = serde.AvroDeserializer(reg, evolved(schema))
    data = ser.serialize(value, "bench")
    assert data is not None and de_reader.deserialize(data) == {**de.deserialize(data), "added": ""}
    return (lambda: ser.serialize(value, "bench")), (lambda: de.deserialize(data)), (
        lambda: de_reader.deserialize(data))


def confluent_ops(schema: dict[str, Any], value: Any) -> tuple[Op, Op, Op] | None:
    try:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext
    except ImportError as exc:  # confluent-kafka[avro,schemaregistry] not installed
        print(f"  (c) skipped: {exc}")
        return None
    client = SchemaRegistryClient.new_client({"url": f"mock://{uuid.uuid4()}"})
    ser = AvroSerializer(client, json.dumps(schema))
    de = AvroDeserializer(client)
    de_reader = AvroDeserializer(client, json.dumps(evolved(schema)))
    ctx = SerializationContext("bench", MessageField.VALUE)
    data = ser(value, ctx)
    return (lambda: ser(value, ctx)), (lambda: de(data, ctx)), (lambda: de_reader(data, ctx))


def timed(fn: Op, number: int) -> float:
    """Seconds per call over ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def calibrate(fn: Op, seconds: float) -> int:
    """How many calls take about ``seconds``."""
    per = timed(fn, 50)
    return max(50, int(seconds / per))


ROWS = ("(a) fastavro + header", "(b) avroframe", "(b) avroframe, validate=False",
        "(c) confluent-kafka", "(a') fastavro's own resolution")


def per_record(repeat: int, sample: float) -> dict[str, dict[str, list[float | None]]]:
    """shape -> row -> [encode, decode, decode with reader] medians in seconds per call."""
    results: dict[str, dict[str, list[float | None]]] = {}
    for label, schema, value in SHAPES:
        floor, floor_resolving = floor_ops(schema, value)
        rows: dict[str, tuple[Op | None, ...]] = {
            ROWS[0]: floor,
            ROWS[1]: our_ops(schema, value, validate=True),
        }
        enc_off = our_ops(schema, value, validate=False)[0]
        rows[ROWS[2]] = (enc_off, None, None)  # decoding does not validate
        theirs = confluent_ops(schema, value)
        if theirs is not None:
            rows[ROWS[3]] = theirs
        rows[ROWS[4]] = (None, None, floor_resolving)
        numbers = [calibrate(op, sample) for op in rows[ROWS[0]]]
        samples: dict[str, list[list[float]]] = {name: [[], [], []] for name in rows}
        for _ in range(repeat):  # interleaved: drift on a noisy machine hits every row alike
            for name, ops in rows.items():
                for index, op in enumerate(ops):
                    if op is not None:
                        samples[name][index].append(timed(op, numbers[index]))
        results[label] = {
            name: [statistics.median(s) if s else None for s in per_op]
            for name, per_op in samples.items()
        }
    return results


def print_ratios(results: dict[str, dict[str, list[float | None]]]) -> None:
    for label, rows in results.items():
        base = rows[ROWS[0]]
        print(label)
        print(f"  {'':32}" + "".join(f"{op:>24}" for op in OPS))
        print(f"  {'':32}" + "".join(f"{'us':>14}{'ratio':>10}" for _ in OPS))
        for name, figures in rows.items():
            cells = []
            for figure, floor in zip(figures, base, strict=True):
                if figure is None or floor is None:
                    cells.append(f"{'-':>14}{'-':>10}")
                else:
                    cells.append(f"{figure * 1e6:14.2f}{figure / floor:10.2f}")
            print(f"  {name:32}" + "".join(cells))
        print()


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def setup_costs(repeat: int) -> None:
    """Construction for a seen schema, from cold, and the first encode on ``memory://``."""
    text = json.dumps(SMALL)
    reg = registry.connect(f"memory://bench-{uuid.uuid4()}")
    serde.AvroSerializer(reg, text)  # the schema is now seen
    serde.AvroDeserializer(reg, text)

    def many(fn: Op, number: int = 200) -> float:
        return median_us([timed(fn, number) for _ in range(repeat)])

    seen_ser = many(lambda: serde.AvroSerializer(reg, text))
    seen_ser_off = many(lambda: serde.AvroSerializer(reg, text, validate=False))
    seen_de = many(lambda: serde.AvroDeserializer(reg))
    seen_de_reader = many(lambda: serde.AvroDeserializer(reg, text))

    counter = iter(range(10**9))

    def cold_text() -> str:
        return json.dumps({**SMALL, "name": f"Cold{next(counter)}"})

    cold = []
    for _ in range(repeat * 20):
        fresh = cold_text()
        start = time.perf_counter()
        serde.AvroSerializer(reg, fresh)
        cold.append(time.perf_counter() - start)

    first = []
    for _ in range(repeat * 20):
        fresh_reg = registry.connect(f"memory://bench-{uuid.uuid4()}")
        ser = serde.AvroSerializer(fresh_reg, text)
        start = time.perf_counter()
        ser.serialize(SMALL_VALUE, "first")
        first.append(time.perf_counter() - start)
    again = []  # a restarted producer: the subject already holds the schema
    shared = registry.connect(f"memory://bench-{uuid.uuid4()}")
    serde.AvroSerializer(shared, text).serialize(SMALL_VALUE, "first")
    for _ in range(repeat * 20):
        ser = serde.AvroSerializer(shared, text)
        start = time.perf_counter()
        ser.serialize(SMALL_VALUE, "first")
        again.append(time.perf_counter() - start)
    first_de = []
    for _ in range(repeat * 20):
        fresh_reg = registry.connect(f"memory://bench-{uuid.uuid4()}")
        data = serde.AvroSerializer(fresh_reg, text).serialize(SMALL_VALUE, "first")
        de = serde.AvroDeserializer(fresh_reg)
        start = time.perf_counter()
        de.deserialize(data)
        first_de.append(time.perf_counter() - start)

    print("setup, small shape (median)")
    print(f"  AvroSerializer(registry, schema), schema seen:            {seen_ser:8.1f} us")
    print(f"  AvroSerializer(..., validate=False), schema seen:         {seen_ser_off:8.1f} us")
    print(f"  AvroSerializer(registry, schema), a new schema:           {median_us(cold):8.1f} us")
    print(f"  AvroDeserializer(registry):                               {seen_de:8.1f} us")
    print(f"  AvroDeserializer(registry, reader_schema), schema seen:   {seen_de_reader:8.1f} us")
    print(f"  first serialize on a new memory:// registry (registers):  {median_us(first):8.1f} us")
    print(f"  first serialize, schema already registered there:         "
          f"{median_us(again):8.1f} us")
    print(f"  first deserialize on memory:// (fetches the schema):      "
          f"{median_us(first_de):8.1f} us")
    try:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroSerializer
    except ImportError:
        return
    client = SchemaRegistryClient.new_client({"url": f"mock://{uuid.uuid4()}"})
    print(f"  (c) confluent-kafka AvroSerializer(client, schema):       "
          f"{many(lambda: AvroSerializer(client, text)):8.1f} us")
    print()


def variant(n: int) -> dict[str, Any]:
    return {**SMALL, "name": f"Small{n}"}


def retained_per_schema(build: Callable[[int], Callable[[int], Any]], count: int) -> float:
    """Bytes retained per schema: ``build(count)`` prepares everything outside the measurement
    and returns ``load(n)``, which makes the measured object cache schema ``n``."""
    load = build(count)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for n in range(count):
        load(n)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return grown / count


def memory_per_schema(count: int) -> None:
    """Memory per cached schema id: a deserializer that has decoded one frame of each of
    ``count`` distinct schemas (another deserializer decoded them all first, so what the
    registry keeps per schema is there before measuring)."""

    def ours(count: int) -> Callable[[int], Any]:
        reg = registry.connect(f"memory://bench-{uuid.uuid4()}")
        frames = []
        for n in range(count):
            ser = serde.AvroSerializer(reg, variant(n))
            frames.append(ser.serialize(SMALL_VALUE, f"t{n}"))
        warm = serde.AvroDeserializer(reg)  # fills whatever the registry caches per schema
        for data in frames:
            warm.deserialize(data)
        de = serde.AvroDeserializer(reg)
        keep.append(de)
        return lambda n: de.deserialize(frames[n])

    def floor(count: int) -> Callable[[int], Any]:
        texts = [json.dumps(variant(n)) for n in range(count)]
        table: dict[int, Any] = {}
        keep.append(table)
        return lambda n: table.setdefault(n, fastavro.parse_schema(json.loads(texts[n])))

    def confluent(count: int) -> Callable[[int], Any]:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext

        client = SchemaRegistryClient.new_client({"url": f"mock://{uuid.uuid4()}"})
        ctx = SerializationContext("t", MessageField.VALUE)
        frames = []
        for n in range(count):
            ctx_n = SerializationContext(f"t{n}", MessageField.VALUE)
            frames.append(AvroSerializer(client, json.dumps(variant(n)))(SMALL_VALUE, ctx_n))
        de = AvroDeserializer(client)
        keep.append(de)
        return lambda n: de(frames[n], ctx)

    keep: list[Any] = []
    print(f"memory per cached schema id, small shape ({count} schemas, tracemalloc)")
    print(f"  (a) fastavro.parse_schema kept per id:   {retained_per_schema(floor, count):8.0f} B")
    print(f"  (b) avroframe AvroDeserializer:          {retained_per_schema(ours, count):8.0f} B")
    try:
        print(f"  (c) confluent-kafka AvroDeserializer:    "
              f"{retained_per_schema(confluent, count):8.0f} B")
    except ImportError:
        pass
    print()


def chart(results: dict[str, dict[str, list[float | None]]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import ticker
    except ImportError:
        print("chart skipped: matplotlib is not installed (pip install -e .[bench])")
        return
    shapes = list(results)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), sharey=True)
    colors = {ROWS[1]: "#1f77b4", ROWS[2]: "#8fbbd9", ROWS[3]: "#d62728"}
    targets = (1.10, 1.05, 1.15)
    top = 1.0
    for index, (ax, op) in enumerate(zip(axes, OPS, strict=True)):
        names = [name for name in colors if any(
            name in rows and rows[name][index] is not None for rows in results.values())]
        width = 0.8 / max(1, len(names))
        for k, name in enumerate(names):
            xs, ys = [], []
            for s, shape in enumerate(shapes):
                figure, floor = results[shape][name][index], results[shape][ROWS[0]][index]
                if figure is not None and floor is not None:
                    xs.append(s + (k - (len(names) - 1) / 2) * width)
                    ys.append(figure / floor)
            ax.bar(xs, ys, width, color=colors[name], label=name[4:])
            for x, y in zip(xs, ys, strict=True):
                ax.text(x, y * 1.01, f"{y:.2f}", ha="center", va="bottom", fontsize=5)
            top = max([top, *ys])
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.axhline(targets[index], color="gray", linewidth=0.8, linestyle="--")
        ax.set_title(f"{op} (target {targets[index]:.2f}x)", fontsize=9)
        ax.set_xticks(range(len(shapes)), shapes, fontsize=8)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(ticker.FixedLocator([1, 1.25, 1.5, 2, 3, 5, 8]))
        ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%gx"))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        ax.tick_params(axis="y", labelsize=8)
    axes[0].set_ylim(0.9, top * 1.15)  # shared by the three
    axes[0].set_ylabel("time / fastavro floor (log)", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=80)
    print(f"chart written: {path}")


def git_head() -> str:
    """The commit measured, with ``+changes`` when the tree differs from it."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "serde"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "(no git)"
    return (head + ("+changes" if dirty else "")) or "(no git)"


def versions() -> str:
    import confluent_kafka

    ck = confluent_kafka.version()
    ck_version = ck if isinstance(ck, str) else ck[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"python {platform.python_version()}, fastavro {fastavro.__version__}, "
            f"confluent-kafka {ck_version}, avroframe {git_head()}, {platform.machine()}, "
            f"{os.cpu_count()} cores, load average {load:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 repetitions of 5 ms samples")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--chart", type=Path, default=Path(__file__).with_name("ratios.png"))
    parser.add_argument("--no-chart", action="store_true")
    args = parser.parse_args()
    repeat, sample = (5, 0.005) if args.quick else (args.repeat, 0.02)
    print(versions())
    print(f"median of {repeat} interleaved samples of ~{sample * 1e3:.0f} ms per cell; "
          "ratios are to (a) in this same run\n")
    results = per_record(repeat, sample)
    print_ratios(results)
    setup_costs(repeat)
    memory_per_schema(200)
    if not args.no_chart:
        chart(results, args.chart)


if __name__ == "__main__":
    main()
