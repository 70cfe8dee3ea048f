"""Encode/decode cost per record, as ratios to raw fastavro measured in the same run.

(a) floor: fastavro ``schemaless_writer`` / ``schemaless_reader`` on a pre-parsed schema, plus
    the 5-byte header (plain fastavro with its own logical-type conversions: avroframe never
    changes fastavro's tables, it converts the types it handles itself per compiled schema);
(b) this toolkit's AvroSerializer / AvroDeserializer (validation on, and off);
(c) confluent-kafka's AvroSerializer / AvroDeserializer on its mock registry.
Run: ``python benchmarks/bench_serde.py`` (add ``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import io
import platform
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


def per_call(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Best-of-``repeat`` seconds per call (the minimum is the least noisy estimate)."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def floor_pair(schema: dict[str, Any], value: Any) -> tuple[Callable[[], Any], Callable[[], Any]]:
    parsed = fastavro.parse_schema(schema)
    header = b"\x00\x00\x00\x00\x01"

    def encode() -> bytes:
        buffer = io.BytesIO()
        buffer.write(header)
        fastavro.schemaless_writer(buffer, parsed, value)
        return buffer.getvalue()

    data = encode()

    def decode() -> Any:
        stream = io.BytesIO(data)
        stream.seek(5)
        return fastavro.schemaless_reader(stream, parsed)

    return encode, decode


def ours(schema: dict[str, Any], value: Any, validate: bool) -> tuple[Callable[[], Any], ...]:
    reg = registry.connect(f"memory://bench-{uuid.uuid4()}")
    ser = serde.AvroSerializer(reg, schema, validate=validate)
    de = serde.AvroDeserializer(reg)
    data = ser.serialize(value, "bench")
    assert de.deserialize(data) is not None
    return (lambda: ser.serialize(value, "bench")), (lambda: de.deserialize(data))


def confluent(schema: dict[str, Any], value: Any) -> tuple[Callable[[], Any], ...] | None:
    try:
        import json

        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext
    except ImportError as exc:  # confluent-kafka[avro,schemaregistry] not installed
        print(f"  (c) skipped: {exc}")
        return None
    client = SchemaRegistryClient.new_client({"url": f"mock://{uuid.uuid4()}"})
    ser = AvroSerializer(client, json.dumps(schema))
    de = AvroDeserializer(client)
    ctx = SerializationContext("bench", MessageField.VALUE)
    data = ser(value, ctx)
    return (lambda: ser(value, ctx)), (lambda: de(data, ctx))


def construction_cost(repeat: int) -> float:
    reg = registry.connect(f"memory://bench-{uuid.uuid4()}")
    text = __import__("json").dumps(SMALL)

    def build() -> None:
        serde.AvroSerializer(reg, text)
        serde.AvroDeserializer(reg)

    return per_call(build, 200, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    number, repeat = (2000, 3) if args.quick else (20000, 7)
    import confluent_kafka

    print(f"python {platform.python_version()} fastavro {fastavro.__version__} "
          f"confluent-kafka {confluent_kafka.version()[0]} on {platform.machine()}")
    print(f"best of {repeat} x {number} calls; ratios are to (a) in this same run\n")
    for label, schema, value in (("small (5 fields)", SMALL, SMALL_VALUE),
                                 ("wide (30 fields)", WIDE, WIDE_VALUE)):
        floor_enc, floor_dec = floor_pair(schema, value)
        rows: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
            ("(a) fastavro + header", floor_enc, floor_dec),
            ("(b) avroframe", *ours(schema, value, validate=True)),
            ("(b) avroframe, validate=False", *ours(schema, value, validate=False)),
        ]
        theirs = confluent(schema, value)
        if theirs is not None:
            rows.append(("(c) confluent-kafka (mock registry)", *theirs))
        # Interleave the measurements so drift on a noisy machine hits every row alike.
        results = {name: [float("inf"), float("inf")] for name, _, _ in rows}
        for _ in range(repeat):
            for name, enc, dec in rows:
                results[name][0] = min(results[name][0], per_call(enc, number, 1))
                results[name][1] = min(results[name][1], per_call(dec, number, 1))
        base_enc, base_dec = results[rows[0][0]]
        print(label)
        print(f"  {'':38} {'encode us':>10} {'ratio':>6} {'decode us':>10} {'ratio':>6}")
        for name, (enc_t, dec_t) in results.items():
            print(f"  {name:38} {enc_t * 1e6:10.2f} {enc_t / base_enc:6.2f} "
                  f"{dec_t * 1e6:10.2f} {dec_t / base_dec:6.2f}")
        print()
    print(f"construct AvroSerializer + AvroDeserializer: {construction_cost(repeat) * 1e6:.1f} us")


if __name__ == "__main__":
    main()
