"""Avro's JSON encoding of the CLI (``--json-encoding avro``) against Apache Avro for Java 1.12.

For every fixture case of the conformance suite (Java-written frames, ``conformance/fixtures``):

* what the CLI prints for the frame equals what Java's ``JsonEncoder`` writes for the value
  Java's ``GenericDatumReader`` reads from it, text for text (maps, which Java reads into
  unordered hash maps, compare as JSON);
* the CLI reads Java's JSON text back into a value the serializer writes as Java's frame body;
* Java's ``JsonDecoder`` reads the CLI's JSON text into the same binary the serde writes.

Java runs through ``conformance/run-java.sh AvroJsonWitness`` (see ``conformance/README.md``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from avroframe import registry
from avroframe.cli.avrojson import AvroJsonReader
from avroframe.cli.codec import FrameDecoder, load_json
from avroframe.registry.types import Schema
from avroframe.serde import AvroSerializer
from avroframe.serde.schema import parse

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "conformance" / "fixtures"
RUN_JAVA = REPO / "conformance" / "run-java.sh"
JAVA_TIMEOUT_S = 600

MANIFEST: dict[str, Any] = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["cases"]
CASE_IDS = [case["name"] for case in CASES]


def _java(*args: str, stdin: str | None = None) -> dict[str, dict[str, str]]:
    assert shutil.which("java") and shutil.which("mvn"), "java and mvn are required"
    result = subprocess.run(
        ["bash", str(RUN_JAVA), "AvroJsonWitness", *args], input=stdin, capture_output=True,
        text=True, encoding="utf-8", timeout=JAVA_TIMEOUT_S, check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    answers = [json.loads(line) for line in result.stdout.split("\n") if line.strip()]
    return {answer["name"]: answer for answer in answers}


@pytest.fixture(scope="module")
def java_json() -> dict[str, dict[str, str]]:
    """Java's JsonEncoder text for every fixture frame."""
    return _java("encode", str(FIXTURES))


@pytest.fixture(scope="module")
def reg() -> Iterator[Any]:
    """An embedded registry holding every writer schema under the id Java wrote in its frames."""
    client = registry.connect(f"memory://avro-json-{uuid.uuid4().hex}")
    client.set_mode("IMPORT")
    seen: set[int] = set()
    for case in CASES:
        if case["schema_id"] not in seen:
            seen.add(case["schema_id"])
            client.register_schema(f"c-{case['schema_id']}", Schema(case["writer_schema"]),
                                   schema_id=case["schema_id"])
    client.set_mode("READWRITE")
    yield client
    client.close()


def _frame(case: dict[str, Any]) -> bytes:
    return (FIXTURES / case["file"]).read_bytes()


def _has_map(case: dict[str, Any]) -> bool:
    return '"map"' in case["writer_schema"]


# Java's JsonEncoder writes nothing at all for a record without fields (not even "{}"), which is
# not JSON; the CLI writes {}. Java's JsonDecoder reads {} back for it.
JAVA_WRITES_NO_JSON = {"record_no_fields"}


def _non_finite(text: str) -> bool:
    """Java writes NaN and infinities as JSON strings, which its own JsonDecoder refuses."""
    return any(word in text for word in ('"NaN"', '"Infinity"', '"-Infinity"'))


def _ours(reg: Any, case: dict[str, Any]) -> str:
    return FrameDecoder(reg, "avro").decode(_frame(case))


def _python_body(reg: Any, case: dict[str, Any], text: str) -> bytes:
    value = AvroJsonReader(parse(case["writer_schema"])).convert(load_json(text, "avro"))
    serializer = AvroSerializer(reg, case["writer_schema"], use_schema_id=case["schema_id"])
    frame = serializer.serialize(value, "avro-json")
    assert frame is not None
    return frame[5:]


def _same_body(reg: Any, case: dict[str, Any], ours: bytes, java_hex: str | None) -> bool:
    """Equal bodies; for maps (Java writes its hash maps in their own order) equal values."""
    assert java_hex is not None
    if not _has_map(case):
        return ours.hex() == java_hex
    prefix = _frame(case)[:5]
    decode = FrameDecoder(reg, "avro").decode
    return bool(json.loads(decode(prefix + ours))
                == json.loads(decode(prefix + bytes.fromhex(java_hex))))


@pytest.fixture(scope="module")
def java_reread(java_json: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Java's JsonDecoder on Java's own text, written back as binary."""
    requests = [
        json.dumps({"name": c["name"], "schema": c["writer_schema"],
                    "json": java_json[c["name"]]["json"] or "{}"})
        for c in CASES
    ]
    return _java("decode", stdin="\n".join(requests) + "\n")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cli_writes_what_java_writes(
    reg: Any, java_json: dict[str, dict[str, str]], case: dict[str, Any]
) -> None:
    """The CLI's Avro JSON for a Java frame is Java's JsonEncoder text."""
    java = java_json[case["name"]]
    assert "json" in java, java
    ours = _ours(reg, case)
    if case["name"] in JAVA_WRITES_NO_JSON:
        assert (java["json"], ours) == ("", "{}")
    elif _has_map(case):
        assert json.loads(ours) == json.loads(java["json"])
    else:
        assert ours == java["json"]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cli_reads_what_java_writes(
    reg: Any, java_json: dict[str, dict[str, str]], java_reread: dict[str, dict[str, str]],
    case: dict[str, Any],
) -> None:
    """Java's JSON text, read by the CLI and serialized, is what Java's JsonDecoder reads."""
    text = java_json[case["name"]]["json"] or "{}"
    body = _python_body(reg, case, text)
    reread = java_reread[case["name"]]
    if _non_finite(text):  # the CLI reads them; Java cannot read its own text back
        assert "Expected" in reread["error"]
        assert body == _frame(case)[5:]
    else:
        assert _same_body(reg, case, body, reread.get("hex"))


def test_java_reads_what_the_cli_writes(reg: Any) -> None:
    """Java's JsonDecoder reads every CLI text into the binary the serde writes for it."""
    ours = {case["name"]: _ours(reg, case) for case in CASES}
    requests = [
        json.dumps({"name": case["name"], "schema": case["writer_schema"],
                    "json": ours[case["name"]]})
        for case in CASES
    ]
    answers = _java("decode", stdin="\n".join(requests) + "\n")
    assert len(answers) == len(CASES)
    wrong = [
        f"{case['name']}: {answers[case['name']]}"
        for case in CASES
        if not _non_finite(ours[case["name"]])
        and not _same_body(reg, case, _python_body(reg, case, ours[case["name"]]),
                           answers[case["name"]].get("hex"))
    ]
    assert not wrong, "\n".join(wrong)
    refused = [name for name, text in ours.items() if _non_finite(text)]
    assert len(refused) == 6 and all("Expected" in answers[name]["error"] for name in refused)
