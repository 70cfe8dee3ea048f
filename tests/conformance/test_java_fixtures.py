"""Cross-language conformance: Java-produced Confluent frames against the Python serde.

The fixtures in ``conformance/fixtures`` are written by Apache Avro for Java (see
``conformance/README.md``). For every case this module checks that

* the public Python deserializer decodes Java's frame to the expected value (resolving to the
  reader schema when the case has one, or failing with a ``SerdeError`` where Java fails);
* the public Python serializer encodes the expected value to Java's bytes exactly (blocked Java
  encodings excepted: those Python bytes must still decode to the same value);
* Java (``FixtureChecker``) decodes every Python-produced frame to the expected value.

Values in the manifest follow the JSON convention stated in its header; this module turns them into
the Python types the serde uses (``Decimal``, ``date``, ``EpochNanos``, ``UUID``, ...).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from avroframe import registry, serde
from avroframe.registry.types import Schema
from avroframe.serde import AvroDeserializer, AvroSerializer, SerdeError

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "conformance" / "fixtures"
RUN_JAVA = REPO / "conformance" / "run-java.sh"
JAVA_TIMEOUT_S = 600
TOPIC = "conformance"

MANIFEST: dict[str, Any] = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["cases"]
CASE_IDS = [case["name"] for case in CASES]

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "error", "enum", "fixed"})
BEYOND_PYTHON_RANGE = "beyond_python_range"


# --------------------------------------------------------------------------- schema navigation


class Names:
    """Named types of one schema, resolved with Avro's namespace rules (as Java resolves them)."""

    def __init__(self, schema: Any) -> None:
        self.types: dict[str, tuple[dict[str, Any], str | None]] = {}
        self._collect(schema, None)

    @staticmethod
    def full_name(name: str, namespace: str | None) -> str:
        """The full name of ``name`` declared or referenced in ``namespace``."""
        if "." in name or not namespace:
            return name
        return f"{namespace}.{name}"

    def _collect(self, schema: Any, ns: str | None) -> None:
        if isinstance(schema, list):
            for branch in schema:
                self._collect(branch, ns)
            return
        if not isinstance(schema, dict):
            return
        kind = schema["type"]
        if kind in NAMED:
            declared = schema.get("namespace", ns)
            full = self.full_name(schema["name"], declared or None)
            own_ns = full.rpartition(".")[0] or None
            self.types[full] = (schema, own_ns)
            for field in schema.get("fields", ()):
                self._collect(field["type"], own_ns)
        elif kind == "array":
            self._collect(schema["items"], ns)
        elif kind == "map":
            self._collect(schema["values"], ns)
        elif isinstance(kind, (dict, list)):
            self._collect(kind, ns)

    def resolve(self, schema: Any, ns: str | None) -> tuple[Any, str | None]:
        """Follows a name reference; returns the schema node and the namespace inside it."""
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return schema, ns
            full = self.full_name(schema, ns)
            if full in self.types:
                return self.types[full]
            return self.types[schema]  # a short name may also denote the null namespace
        if isinstance(schema, dict):
            kind = schema["type"]
            if kind in NAMED:
                declared = schema.get("namespace", ns)
                return self.types[self.full_name(schema["name"], declared or None)]
            if isinstance(kind, (dict, list)) or (
                isinstance(kind, str) and kind not in PRIMITIVES and kind not in ("array", "map")
            ):
                return self.resolve(kind, ns)
        return schema, ns

    def branch_name(self, branch: Any, ns: str | None) -> str:
        """A union member's name as in Avro's JSON encoding."""
        node, own_ns = self.resolve(branch, ns)
        if isinstance(node, str):
            return node
        if node["type"] in NAMED:
            return self.full_name(node["name"].rpartition(".")[2], own_ns)
        return str(node["type"])


def _kind(node: Any) -> tuple[str, str | None]:
    if isinstance(node, str):
        return node, None
    return str(node["type"]), node.get("logicalType")


# --------------------------------------------------------------------------- JSON -> Python


def _float(value: Any) -> float:
    if isinstance(value, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[value]
    return float(value)


def _instant(text: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC)


def _logical(value: Any, kind: str, logical: str | None, node: Any) -> Any:
    if logical == "decimal" and kind in ("bytes", "fixed"):
        return decimal.Decimal(value)
    if logical == "date" and kind == "int":
        return dt.date.fromisoformat(value)
    if logical in ("time-millis", "time-micros"):
        return dt.time.fromisoformat(value)
    if logical in ("timestamp-millis", "timestamp-micros"):
        return _instant(value)
    if logical in ("local-timestamp-millis", "local-timestamp-micros"):
        return dt.datetime.fromisoformat(value)
    if logical in ("timestamp-nanos", "local-timestamp-nanos"):
        return serde.EpochNanos(value)
    if logical == "uuid" and (kind == "string" or (kind == "fixed" and node.get("size") == 16)):
        return uuid.UUID(value)
    if logical == "duration" and kind == "fixed":
        return serde.Duration(*value)
    return _NOT_LOGICAL


_NOT_LOGICAL = object()


def to_python(
    value: Any, schema: Any, names: Names, ns: str | None, encode: bool, logical: bool = True
) -> Any:
    """Turns a manifest value into the Python value the serde returns (or accepts, if encode).

    For encoding, a union value whose union has several non-null branches is given as a
    ``(branch_name, value)`` tuple, so that the serializer writes the branch Java wrote. With
    ``logical=False`` logical types are ignored (the case gives underlying values).
    """
    node, ns = names.resolve(schema, ns)
    if isinstance(node, list):
        if value is None:
            return None
        ((branch_name, inner),) = value.items()
        for branch in node:
            if names.branch_name(branch, ns) == branch_name:
                converted = to_python(inner, branch, names, ns, encode, logical)
                non_null = [b for b in node if names.branch_name(b, ns) != "null"]
                if encode and len(non_null) > 1:
                    return (branch_name, converted)
                return converted
        raise KeyError(f"no branch {branch_name} in {node}")
    kind, logical_type = _kind(node)
    if logical_type is not None and logical and value is not None:
        converted = _logical(value, kind, logical_type, node)
        if converted is not _NOT_LOGICAL:
            return converted
    if kind in ("null", "boolean", "int", "long", "string"):
        return value
    if kind in ("float", "double"):
        return _float(value)
    if kind in ("bytes", "fixed"):
        return bytes.fromhex(value)
    if kind == "enum":
        return value
    if kind == "array":
        return [to_python(item, node["items"], names, ns, encode, logical) for item in value]
    if kind == "map":
        return {
            k: to_python(v, node["values"], names, ns, encode, logical) for k, v in value.items()
        }
    if kind in ("record", "error"):
        return {
            field["name"]: to_python(
                value[field["name"]], field["type"], names, ns, encode, logical
            )
            for field in node["fields"]
        }
    raise ValueError(f"unsupported schema node {node!r}")


def _toplevel_bytes(case: dict[str, Any]) -> bytes | None:
    """The raw body for a writer schema of type bytes (Confluent's raw top-level bytes), else None.

    Java's KafkaAvroSerializer writes any value whose writer schema has type bytes raw, and its
    deserializer returns the rest of the frame as a byte array, without logical-type conversion,
    even for a decimal on bytes. The serde mirrors that, so such values are plain bytes in Python.
    """
    schema = json.loads(case["writer_schema"])
    node = schema.get("type") if isinstance(schema, dict) else schema
    if node != "bytes":
        return None
    if isinstance(schema, dict) and schema.get("logicalType") == "decimal":
        unscaled = int(decimal.Decimal(case["value"]).scaleb(int(schema.get("scale", 0))))
        return unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True)
    return bytes.fromhex(case["value"])


def expected_value(case: dict[str, Any]) -> Any:
    """What the Python deserializer should return for the case's frame."""
    raw = _toplevel_bytes(case)
    if raw is not None:
        return raw
    logical = case.get("logical_values") != "underlying"
    if "reader_schema" in case:
        schema = json.loads(case["reader_schema"])
        return to_python(case["read_value"], schema, Names(schema), None, False, logical)
    schema = json.loads(case["writer_schema"])
    return to_python(case["value"], schema, Names(schema), None, False, logical)


def value_to_encode(case: dict[str, Any]) -> Any:
    """The value handed to the Python serializer for the case."""
    raw = _toplevel_bytes(case)
    if raw is not None:
        return raw
    logical = case.get("logical_values") != "underlying"
    schema = json.loads(case["writer_schema"])
    return to_python(case["value"], schema, Names(schema), None, True, logical)


# --------------------------------------------------------------------------- comparison


def difference(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Describes the first difference between two decoded values (None when equal).

    Strict about types (a ``date`` is not a ``datetime``, ``EpochNanos`` is required for nanos),
    NaN equals NaN, -0.0 differs from 0.0, and a Decimal must keep its exponent (scale).
    """
    if isinstance(expected, bool) or expected is None:
        return None if actual is expected else f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, float):
        if not isinstance(actual, float):
            return f"{path}: expected float {expected!r}, got {type(actual).__name__} {actual!r}"
        if math.isnan(expected) and math.isnan(actual):
            return None
        if expected == actual and math.copysign(1, expected) == math.copysign(1, actual):
            return None
        return f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected a dict, got {type(actual).__name__} {actual!r}"
        if set(expected) != set(actual):
            return f"{path}: keys {sorted(expected)} expected, got {sorted(actual)}"
        for key, item in expected.items():
            found = difference(item, actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{path}: expected list of {len(expected)}, got {actual!r}"
        for index, (item, got) in enumerate(zip(expected, actual, strict=True)):
            found = difference(item, got, f"{path}[{index}]")
            if found:
                return found
        return None
    if type(actual) is not type(expected):
        return (
            f"{path}: expected {type(expected).__name__} {expected!r}, "
            f"got {type(actual).__name__} {actual!r}"
        )
    if isinstance(expected, decimal.Decimal):
        if expected.as_tuple() != actual.as_tuple():
            return f"{path}: expected Decimal {expected}, got Decimal {actual}"
        return None
    if isinstance(expected, dt.datetime) and (expected.tzinfo is None) != (actual.tzinfo is None):
        return f"{path}: expected {expected!r}, got {actual!r} (time zone awareness differs)"
    if expected != actual:
        return f"{path}: expected {expected!r}, got {actual!r}"
    return None


# --------------------------------------------------------------------------- fixtures


def _frame(case: dict[str, Any]) -> bytes:
    path: Path = FIXTURES / str(case["file"])
    return path.read_bytes()


@pytest.fixture(scope="module")
def reg() -> Iterator[Any]:
    """An embedded registry holding every writer schema under the id Java wrote in its frames."""
    client = registry.connect(f"memory://conformance-{uuid.uuid4().hex}")
    client.set_mode("IMPORT")
    seen: dict[int, str] = {}
    for case in CASES:
        schema_id = case["schema_id"]
        if schema_id in seen:
            assert seen[schema_id] == case["writer_schema"], "manifest reuses an id"
            continue
        seen[schema_id] = case["writer_schema"]
        client.register_schema(
            f"conformance-{schema_id}", Schema(case["writer_schema"]), schema_id=schema_id
        )
    client.set_mode("READWRITE")
    yield client
    client.close()


def _deserializer(reg: Any, case: dict[str, Any]) -> AvroDeserializer:
    if "reader_schema" in case:
        return AvroDeserializer(reg, reader_schema=case["reader_schema"])
    return AvroDeserializer(reg)


def _serialize(reg: Any, case: dict[str, Any]) -> bytes:
    serializer = AvroSerializer(reg, case["writer_schema"], use_schema_id=case["schema_id"])
    frame = serializer.serialize(value_to_encode(case), TOPIC)
    assert isinstance(frame, bytes)
    return frame


def _check_decoded(reg: Any, case: dict[str, Any], frame: bytes) -> None:
    deserializer = _deserializer(reg, case)
    if "read_error" in case or case["group"] == BEYOND_PYTHON_RANGE:
        # Java fails to resolve these too, or (beyond_python_range) Java reads a plain number
        # that Python's datetime types cannot hold: the serde must raise its typed error.
        try:
            decoded = deserializer.deserialize(frame)
        except SerdeError:
            return
        pytest.fail(f"{case['name']}: expected a SerdeError, got {decoded!r}")
    decoded = deserializer.deserialize(frame)
    found = difference(expected_value(case), decoded)
    assert found is None, f"{case['name']}: {found}"


# --------------------------------------------------------------------------- tests


def _logical_types(schema: Any, found: set[tuple[str, str]]) -> None:
    if isinstance(schema, list):
        for item in schema:
            _logical_types(item, found)
    elif isinstance(schema, dict):
        if "logicalType" in schema:
            found.add((str(schema["type"]), schema["logicalType"]))
        for value in schema.values():
            if isinstance(value, (dict, list)):
                _logical_types(value, found)


def test_manifest_coverage() -> None:
    """The Java fixtures cover what the conformance suite promises."""
    assert MANIFEST["format"] == "avroframe-conformance-fixtures"
    assert len(CASES) >= 120
    assert len(set(CASE_IDS)) == len(CASE_IDS)
    evolution = [c for c in CASES if "reader_schema" in c and "read_error" not in c]
    assert len(evolution) >= 25
    groups = {c["group"] for c in CASES}
    for group in (
        "primitive",
        "record",
        "namespace",
        "enum",
        "fixed",
        "array",
        "map",
        "union",
        "recursive",
        "logical",
        "id",
        "default",
        "evolution",
        "read_error",
    ):
        assert group in groups
    logical: set[tuple[str, str]] = set()
    for case in CASES:
        _logical_types(json.loads(case["writer_schema"]), logical)
    assert logical >= {
        ("bytes", "decimal"),
        ("fixed", "decimal"),
        ("int", "date"),
        ("int", "time-millis"),
        ("long", "time-micros"),
        ("long", "timestamp-millis"),
        ("long", "timestamp-micros"),
        ("long", "timestamp-nanos"),
        ("long", "local-timestamp-millis"),
        ("long", "local-timestamp-micros"),
        ("long", "local-timestamp-nanos"),
        ("string", "uuid"),
        ("fixed", "uuid"),
        ("fixed", "duration"),
    }
    blocked = [c for c in CASES if not c["python_bytes_match"]]
    assert blocked and all(c["encoding"] != "direct" for c in blocked)
    assert any(c["frame_length"] == 5 for c in CASES)
    assert any(c["schema_id"] == 2**31 - 1 for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_python_decodes_java_frame(reg: Any, case: dict[str, Any]) -> None:
    """Python's deserializer reads Java's frame to the expected value (or fails like Java)."""
    _check_decoded(reg, case, _frame(case))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_python_encodes_like_java(reg: Any, case: dict[str, Any]) -> None:
    """Python's serializer writes Java's bytes; blocked Java encodings must at least round-trip."""
    frame = _serialize(reg, case)
    if case["python_bytes_match"]:
        java = _frame(case)
        assert frame == java, f"{case['name']}: Python wrote {frame.hex()}, Java wrote {java.hex()}"
    _check_decoded(reg, case, frame)


def test_byte_identical_count(reg: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Counts the cases where Python and Java write the very same frame, and prints the count."""
    identical: list[str] = []
    different: list[str] = []
    failed: list[str] = []
    for case in CASES:
        try:
            frame = _serialize(reg, case)
        except SerdeError as exc:
            failed.append(f"{case['name']} ({type(exc).__name__}: {exc})")
            continue
        (identical if frame == _frame(case) else different).append(case["name"])
    expected_identical = sum(1 for c in CASES if c["python_bytes_match"])
    with capsys.disabled():
        print(
            f"\nconformance: {len(identical)} of {len(CASES)} Python encodings are byte-identical "
            f"to Java's ({expected_identical} expected; {len(different)} differ, "
            f"{len(failed)} failed to encode)"
        )
        for name in different:
            print(f"conformance:   differs: {name}")
        for name in failed:
            print(f"conformance:   failed: {name}")
    must_match = {c["name"] for c in CASES if c["python_bytes_match"]}
    assert not failed
    assert must_match <= set(identical)


def test_committed_fixtures_are_java_output() -> None:
    """Regenerating the fixtures with Apache Avro for Java reproduces the committed files."""
    assert _java_available(), "java and mvn are required for the conformance suite"
    result = subprocess.run(
        ["bash", str(REPO / "conformance" / "regenerate.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=JAVA_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _java_available() -> bool:
    return shutil.which("java") is not None and shutil.which("mvn") is not None


def test_java_decodes_python_frames(reg: Any, tmp_path: Path) -> None:
    """Java's FixtureChecker decodes every Python-produced frame to the expected value."""
    assert _java_available(), "java and mvn are required for the conformance suite"
    out = tmp_path / "python-fixtures"
    out.mkdir()
    manifest = {key: value for key, value in MANIFEST.items() if key != "cases"}
    manifest["producer"] = f"avroframe Python serde (fastavro-based), {serde.__name__}"
    produced: list[dict[str, Any]] = []
    not_encoded: list[str] = []
    for case in CASES:
        try:
            frame = _serialize(reg, case)
        except SerdeError as exc:
            not_encoded.append(f"{case['name']}: {exc}")
            continue
        entry = dict(case)
        entry["file"] = f"{case['name']}.bin"
        entry["frame_length"] = len(frame)
        entry["encoding"] = "python"
        (out / entry["file"]).write_bytes(frame)
        produced.append(entry)
    manifest["cases"] = produced
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    result = subprocess.run(
        ["bash", str(RUN_JAVA), "FixtureChecker", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=JAVA_TIMEOUT_S,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"Java FixtureChecker failed:\n{output}"
    assert f"{len(produced)} passed, 0 failed" in output, output
    assert not not_encoded, f"Python could not encode: {not_encoded}"
