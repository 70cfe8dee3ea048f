"""Importing and using avroframe leaves fastavro as every other library in the process sees it.

Run in a fresh interpreter: fastavro's logical-type tables (in every module that holds one, the
compiled and the pure-Python ones) and plain fastavro's output are recorded before avroframe is
imported, then every logical type goes through AvroSerializer / AvroDeserializer, and both are
compared with what they were.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

CHILD = r'''
import datetime as dt, decimal, importlib, io, json, uuid
import fastavro

TABLES = {}
for module, name in [
    ("fastavro.read", "LOGICAL_READERS"), ("fastavro.write", "LOGICAL_WRITERS"),
    ("fastavro.logical_readers", "LOGICAL_READERS"),
    ("fastavro.logical_writers", "LOGICAL_WRITERS"),
    ("fastavro._read", "LOGICAL_READERS"), ("fastavro._write", "LOGICAL_WRITERS"),
    ("fastavro._read_py", "LOGICAL_READERS"), ("fastavro._write_py", "LOGICAL_WRITERS"),
    ("fastavro._logical_readers", "LOGICAL_READERS"),
    ("fastavro._logical_writers", "LOGICAL_WRITERS"),
    ("fastavro._logical_readers_py", "LOGICAL_READERS"),
    ("fastavro._logical_writers_py", "LOGICAL_WRITERS"),
    ("fastavro._validation", "LOGICAL_WRITERS"), ("fastavro._validation_py", "LOGICAL_WRITERS"),
]:
    try:
        table = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        continue
    TABLES[f"{module}.{name}"] = table


def snapshot():
    return {where: dict(table) for where, table in TABLES.items()}


def plain_fastavro():
    """What plain fastavro writes and reads for types whose handling avroframe changes."""
    out = {}
    def write(schema, value):
        buffer = io.BytesIO()
        try:
            fastavro.schemaless_writer(buffer, fastavro.parse_schema(schema), value)
        except Exception as exc:
            return f"{type(exc).__name__}"
        return buffer.getvalue().hex()
    def read(schema, body):
        try:
            return repr(fastavro.schemaless_reader(io.BytesIO(body), fastavro.parse_schema(schema)))
        except Exception as exc:
            return f"{type(exc).__name__}"
    moment = dt.datetime(2024, 1, 1, 12, 30, tzinfo=dt.timezone.utc)
    out["datetime as date"] = write({"type": "int", "logicalType": "date"}, moment)
    out["iso text as date"] = write({"type": "int", "logicalType": "date"}, "2024-01-01")
    out["decimal"] = write({"type": "bytes", "logicalType": "decimal", "precision": 5,
                            "scale": 2}, decimal.Decimal("-1.28"))
    fixed_dec = {"type": "fixed", "name": "X", "size": 4, "logicalType": "decimal",
                 "precision": 6, "scale": 2}
    out["fixed decimal"] = write(fixed_dec, decimal.Decimal("-1.28"))
    out["time-millis read"] = read({"type": "int", "logicalType": "time-millis"}, b"\x01")
    out["time-micros read"] = read({"type": "long", "logicalType": "time-micros"}, b"\x01")
    nanos = {"type": "long", "logicalType": "timestamp-nanos"}
    out["nanos write"] = write(nanos, moment)
    out["nanos read"] = read(nanos, b"\x02")
    fixed_uuid = {"type": "fixed", "name": "U", "size": 16, "logicalType": "uuid"}
    out["uuid write"] = write(fixed_uuid, uuid.UUID(int=1))
    out["uuid read"] = read(fixed_uuid, bytes(16))
    duration = {"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}
    out["duration read"] = read(duration, bytes(12))
    return out


tables_before, plain_before = snapshot(), plain_fastavro()

from avroframe import registry
from avroframe.serde import AvroDeserializer, AvroSerializer, Duration, parse
from avroframe.serde.codec import Reader

moment = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone.utc)
fields = [
    ("date", {"type": "int", "logicalType": "date"}, dt.date(2024, 5, 6)),
    ("tmillis", {"type": "int", "logicalType": "time-millis"}, dt.time(1, 2, 3, 4000)),
    ("tmicros", {"type": "long", "logicalType": "time-micros"}, dt.time(1, 2, 3, 4)),
    ("tsmillis", {"type": "long", "logicalType": "timestamp-millis"},
     moment.replace(microsecond=123000)),
    ("tsmicros", {"type": "long", "logicalType": "timestamp-micros"}, moment),
    ("ltsmillis", {"type": "long", "logicalType": "local-timestamp-millis"},
     moment.replace(tzinfo=None, microsecond=123000)),
    ("ltsmicros", {"type": "long", "logicalType": "local-timestamp-micros"},
     moment.replace(tzinfo=None)),
    ("tsnanos", {"type": "long", "logicalType": "timestamp-nanos"}, moment),
    ("ltsnanos", {"type": "long", "logicalType": "local-timestamp-nanos"},
     moment.replace(tzinfo=None)),
    ("dec", {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
     decimal.Decimal("-1.28")),
    ("fdec", {"type": "fixed", "name": "FD", "size": 8, "logicalType": "decimal",
              "precision": 9, "scale": 2}, decimal.Decimal("-1.28")),
    ("suuid", {"type": "string", "logicalType": "uuid"}, uuid.UUID(int=7)),
    ("fuuid", {"type": "fixed", "name": "FU", "size": 16, "logicalType": "uuid"},
     uuid.UUID(int=9)),
    ("duration", {"type": "fixed", "name": "DU", "size": 12, "logicalType": "duration"},
     Duration(1, 2, 3)),
]
record = {"type": "record", "name": "AllLogical", "fields": [
    *({"name": name, "type": schema} for name, schema, _ in fields),
    *({"name": f"{name}_opt", "type": ["null", schema if isinstance(schema, dict)
       and "name" not in schema else schema["name"]]} for name, schema, _ in fields),
]}
value = {name: v for name, _, v in fields} | {f"{name}_opt": v for name, _, v in fields}
expected = dict(value)
expected["tsnanos"] = expected["tsnanos_opt"] = 1714979289123456000
expected["ltsnanos"] = expected["ltsnanos_opt"] = 1714979289123456000
expected["suuid"] = expected["suuid_opt"] = uuid.UUID(int=7)

reg = registry.connect("memory://no-global-state")
frame = AvroSerializer(reg, record).serialize(value, "all")
decoded = AvroDeserializer(reg).deserialize(frame)
assert decoded == expected, (decoded, expected)
evolved = json.loads(json.dumps(record))
evolved["fields"].append({"name": "added", "type": "int", "default": 1})
resolved = Reader(parse(record), parse(evolved)).read(frame, 5)
assert resolved == expected | {"added": 1}, resolved

print(json.dumps({
    "tables_same": snapshot() == tables_before,
    "tables_changed": sorted(
        where for where, table in snapshot().items() if table != tables_before[where]),
    "tables_seen": sorted(TABLES),
    "plain_before": plain_before,
    "plain_after": plain_fastavro(),
}))
'''


def run_child() -> dict[str, object]:
    """Run the scenario in a fresh interpreter and return its findings."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    findings: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return findings


def test_fastavro_tables_and_plain_fastavro_are_unchanged_by_avroframe() -> None:
    """Every logical type encoded and decoded; fastavro's tables and output stay as they were."""
    findings = run_child()
    seen = findings["tables_seen"]
    assert isinstance(seen, list)
    assert "fastavro.read.LOGICAL_READERS" in seen and "fastavro.write.LOGICAL_WRITERS" in seen
    assert findings["tables_changed"] == []
    assert findings["tables_same"] is True
    before, after = findings["plain_before"], findings["plain_after"]
    assert after == before
    assert isinstance(before, dict)
    # What plain fastavro does, for the record (avroframe differs on each, in its own schemas).
    assert before["datetime as date"] == "96b402"
    assert before["uuid write"] == "TypeError"
    assert before["nanos read"] == "1"
