"""Property tests: generated schemas and values round-trip through the public serde."""

from __future__ import annotations

import io
import json
import uuid

import fastavro
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avroframe import registry
from avroframe.serde import AvroDeserializer, AvroSerializer

from .avro_strategies import schemas, values
from .java_logical import java_logical_types

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.data())
def test_any_valid_value_round_trips(data: st.DataObject) -> None:
    """serialize then deserialize gives back the value, for random schemas and values."""
    schema = data.draw(schemas())
    value = data.draw(values(schema))
    reg = registry.connect(f"memory://prop-{uuid.uuid4()}")
    frame = AvroSerializer(reg, schema).serialize(value, "t")
    assert frame is not None and frame[0] == 0
    assert AvroDeserializer(reg).deserialize(frame) == value


@SETTINGS
@given(st.data())
def test_body_equals_fastavro_encoding_where_avro_fixes_the_bytes(data: st.DataObject) -> None:
    """Apart from decimals (shortest form), our body is the body fastavro writes."""
    schema = data.draw(schemas())
    text = json.dumps(schema)
    if "decimal" in text:
        return
    value = data.draw(values(schema))
    reg = registry.connect(f"memory://prop-{uuid.uuid4()}")
    frame = AvroSerializer(reg, schema).serialize(value, "t")
    buffer = io.BytesIO()
    with java_logical_types():
        fastavro.schemaless_writer(buffer, fastavro.parse_schema(schema), value)
    assert frame is not None and frame[5:] == buffer.getvalue()


