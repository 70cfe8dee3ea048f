"""Hypothesis strategies: random Avro schemas, and values valid for a given schema."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import uuid
from typing import Any

from hypothesis import strategies as st

_names = itertools.count()

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
LOGICAL = [
    {"type": "int", "logicalType": "date"},
    {"type": "int", "logicalType": "time-millis"},
    {"type": "long", "logicalType": "time-micros"},
    {"type": "long", "logicalType": "timestamp-millis"},
    {"type": "long", "logicalType": "timestamp-micros"},
    {"type": "long", "logicalType": "timestamp-nanos"},
    {"type": "long", "logicalType": "local-timestamp-millis"},
    {"type": "string", "logicalType": "uuid"},
    {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 3},
]


def _name(prefix: str) -> str:
    return f"{prefix}{next(_names)}"


@st.composite
def named_leaf(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["enum", "fixed", "fixed-uuid", "fixed-duration", "fixed-dec"]))
    if kind == "enum":
        symbols = draw(st.lists(st.from_regex(r"[A-Z][A-Z0-9_]{0,5}", fullmatch=True),
                                min_size=1, max_size=5, unique=True))
        return {"type": "enum", "name": _name("E"), "symbols": symbols}
    if kind == "fixed-uuid":
        return {"type": "fixed", "name": _name("U"), "size": 16, "logicalType": "uuid"}
    if kind == "fixed-duration":
        return {"type": "fixed", "name": _name("D"), "size": 12, "logicalType": "duration"}
    if kind == "fixed-dec":
        return {"type": "fixed", "name": _name("X"), "size": 8, "logicalType": "decimal",
                "precision": 12, "scale": 2}
    return {"type": "fixed", "name": _name("F"), "size": draw(st.integers(0, 8))}


def schemas() -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.sampled_from(PRIMITIVES), st.sampled_from(LOGICAL), named_leaf())

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(lambda t: {"type": "array", "items": t}, inner),
            st.builds(lambda t: {"type": "map", "values": t}, inner),
            st.lists(inner, min_size=0, max_size=4).map(
                lambda fs: {"type": "record", "name": _name("R"),
                            "fields": [{"name": f"f{i}", "type": t} for i, t in enumerate(fs)]}),
            st.builds(lambda t: ["null", t], inner.filter(_union_member)),
        )

    return st.recursive(leaves, extend, max_leaves=8).map(
        lambda s: s if isinstance(s, dict) and s.get("type") == "record"
        else {"type": "record", "name": _name("Top"), "fields": [{"name": "v", "type": s}]}
    )


def _union_member(schema: Any) -> bool:
    return schema != "null" and not isinstance(schema, list)


_F32 = st.floats(width=32, allow_nan=False)
_TZ = dt.UTC


def values(schema: Any) -> st.SearchStrategy[Any]:
    """Values valid for ``schema`` that decode back equal to themselves."""
    if isinstance(schema, list):
        return st.one_of(*[values(branch) for branch in schema])
    if isinstance(schema, str):
        return {
            "null": st.none(),
            "boolean": st.booleans(),
            "int": st.integers(-(2**31), 2**31 - 1),
            "long": st.integers(-(2**63), 2**63 - 1),
            "float": _F32,
            "double": st.floats(allow_nan=False),
            "bytes": st.binary(max_size=20),
            "string": st.text(max_size=20),
        }[schema]
    logical = schema.get("logicalType")
    kind = schema["type"]
    if logical == "date":
        return st.dates()
    if logical == "time-millis":
        return st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
    if logical == "time-micros":
        return st.times()
    if logical in ("timestamp-millis", "timestamp-micros"):
        moments = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1))
        if logical == "timestamp-millis":
            moments = moments.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
        return moments.map(lambda d: d.replace(tzinfo=_TZ))
    if logical == "local-timestamp-millis":
        return st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)
                            ).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
    if logical == "timestamp-nanos":
        return st.integers(-(2**63), 2**63 - 1)
    if logical == "uuid":
        return st.uuids()
    if logical == "decimal":
        scale = schema["scale"]
        digits = schema["precision"]
        return st.integers(-(10**digits) + 1, 10**digits - 1).map(
            lambda n: decimal.Decimal(n).scaleb(-scale))
    if logical == "duration":
        part = st.integers(0, 2**32 - 1)
        from avroframe.serde import Duration

        return st.builds(Duration, part, part, part)
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "fixed":
        return st.binary(min_size=schema["size"], max_size=schema["size"])
    if kind == "array":
        return st.lists(values(schema["items"]), max_size=4)
    if kind == "map":
        return st.dictionaries(st.text(max_size=5), values(schema["values"]), max_size=4)
    if kind == "record":
        return st.fixed_dictionaries({f["name"]: values(f["type"]) for f in schema["fields"]})
    raise AssertionError(schema)


__all__ = ["schemas", "uuid", "values"]
