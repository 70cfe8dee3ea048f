"""Property tests: compiled resolution agrees with fastavro's per-message resolution
(an independent implementation) wherever fastavro resolves as Java does."""

from __future__ import annotations

import copy
import io
import uuid
from typing import Any

from fastavro import schemaless_reader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avroframe import registry
from avroframe.serde import AvroSerializer, DecodeError, Reader, parse
from avroframe.serde.resolution import compile_resolution

from .avro_strategies import schemas, values
from .java_logical import java_logical_types

# Not int/long -> float: there fastavro keeps 64 bits where Java rounds to 32 (tested elsewhere).
PROMOTIONS = {"int": ["long", "double"], "long": ["double"],
              "float": ["double"], "string": ["bytes"], "bytes": ["string"]}


@st.composite
def evolved(draw: st.DrawFn, writer: dict[str, Any]) -> dict[str, Any]:
    """A reader schema Java can use for ``writer``: fields added, dropped, promoted, widened."""
    reader = copy.deepcopy(writer)
    fields = reader["fields"]
    for field in list(fields):
        action = draw(st.sampled_from(["keep", "keep", "drop", "promote", "nullable"]))
        if action == "drop":
            fields.remove(field)
        elif action == "promote" and isinstance(field["type"], str) and field["type"] in PROMOTIONS:
            field["type"] = draw(st.sampled_from(PROMOTIONS[field["type"]]))
        elif action == "nullable" and field["type"] != "null" and not isinstance(
            field["type"], list
        ):  # (["null", "null"] is no valid union)
            field["type"] = ["null", field["type"]]
    for n in range(draw(st.integers(0, 2))):
        fields.append(draw(st.sampled_from([
            # defaults fastavro returns right (not bytes, fixed or logical types: tested elsewhere)
            {"name": f"added{n}", "type": {"type": "array", "items": "int"}, "default": [1]},
            {"name": f"added{n}", "type": ["null", "string"], "default": None},
            {"name": f"added{n}", "type": {"type": "map", "values": "long"}, "default": {"k": 2}},
            {"name": f"added{n}", "type": "string", "default": "x"},
            {"name": f"added{n}", "type": "float", "default": 1.5},
        ])))
    return reader


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_compiled_resolution_matches_fastavro(data: st.DataObject) -> None:
    """Reading with the writer and transforming equals fastavro resolving per message."""
    writer_json = data.draw(schemas())
    reader_json = data.draw(evolved(writer_json))
    value = data.draw(values(writer_json))
    reg = registry.connect(f"memory://res-{uuid.uuid4()}")
    body = AvroSerializer(reg, writer_json).serialize(value, "t")
    assert body is not None
    writer, reader = parse(writer_json), parse(reader_json)
    compile_resolution(writer.parsed, reader.parsed, writer.named, reader.named)  # plain mode
    try:
        compiled = Reader(writer, reader).read(body, 5)
    except DecodeError:
        compiled = DecodeError
    stream = io.BytesIO(body)
    stream.seek(5)
    try:
        with java_logical_types():
            resolved = schemaless_reader(stream, writer.parsed, reader.parsed)
    except UnicodeDecodeError:  # bytes that are not UTF-8, read as a string
        resolved = DecodeError
    assert compiled == resolved
