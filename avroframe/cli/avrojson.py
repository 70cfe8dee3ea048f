"""Avro's JSON encoding, as Apache Avro for Java's ``JsonEncoder`` writes and ``JsonDecoder`` reads.

This is what Confluent's console consumer prints and its console producer accepts: no logical
type conversions (a date is its int, a decimal its two's-complement bytes), ``bytes`` and
``fixed`` as strings of code points 0-255, a union value other than null wrapped as
``{"<branch>": value}`` (full name for named types, else the type name), NaN and infinities as
the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``. Output is laid out exactly as Java writes
it: compact, ``Double.toString`` numbers (a float widened to double, as ``JsonEncoder`` does),
control characters escaped as ``\\u001F``.

Decoding for this encoding goes through :class:`PlainRegistry`, which hands the deserializer each
writer schema with logical types removed and every union branch wrapped in a one-field record
(``b<index>``). The wrapper adds no bytes to the binary form, so the deserializer reads the same
frames and tells which branch was written, as Java does (an ``int`` 5 and a ``long`` 5 differ).
"""

from __future__ import annotations

import decimal
import json
import math
import re
from collections.abc import Callable
from typing import Any

from avroframe.registry.protocol import SerdeRegistry
from avroframe.registry.types import RegisteredSchema, Schema
from avroframe.serde.lookup import schema_by_guid, schema_by_id
from avroframe.serde.schema import ParsedSchema

_PRIMITIVES = frozenset(("null", "boolean", "int", "long", "float", "double", "bytes", "string"))
_BRANCH_RECORD = "avroframe_cli_branch_"
_ESCAPE = re.compile(r"\\\\|\\u00[0-9a-f]{2}")
_FLOAT_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class AvroJsonError(ValueError):
    """A JSON value that does not fit the schema in Avro's JSON encoding (``path`` names where)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


# ------------------------------------------------------------------------------------- decoding


def plain_schema(parsed: Any) -> Any:
    """fastavro's parsed schema without logical types and with union branches wrapped."""
    counter = [0]

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            wrapped: list[Any] = []
            for index, branch in enumerate(node):
                if branch == "null":
                    wrapped.append("null")
                    continue
                counter[0] += 1
                wrapped.append({"type": "record", "name": f"{_BRANCH_RECORD}{counter[0]}",
                                "fields": [{"name": f"b{index}", "type": walk(branch)}]})
            return wrapped
        if not isinstance(node, dict):
            return node
        out = {k: v for k, v in node.items() if not k.startswith("__") and k != "logicalType"}
        kind = out.get("type")
        if kind in ("record", "error"):
            out["fields"] = [dict(f, type=walk(f["type"])) for f in out["fields"]]
        elif kind == "array":
            out["items"] = walk(out["items"])
        elif kind == "map":
            out["values"] = walk(out["values"])
        elif isinstance(kind, (dict, list)):
            return walk(kind)
        return out

    return walk(parsed)


class PlainRegistry:
    """A registry view whose schemas read into Avro's JSON data model (see the module doc).

    Only schema lookups by id go through the view; everything else is the wrapped registry's.
    """

    def __init__(self, registry: SerdeRegistry) -> None:
        self._registry = registry
        self.originals: dict[int | str, ParsedSchema] = {}

    def get_schema(self, schema_id: int, subject_name: str | None = None) -> Schema:
        """The writer schema of ``schema_id``, rewritten for Avro's JSON data model."""
        parsed = schema_by_id(self._registry, schema_id)
        self.originals[schema_id] = parsed
        return Schema(json.dumps(plain_schema(parsed.parsed)))

    def get_schema_by_guid(self, guid: str) -> Schema:
        """The writer schema of ``guid``, rewritten for Avro's JSON data model."""
        parsed = schema_by_guid(self._registry, guid)
        self.originals[guid] = parsed
        return Schema(json.dumps(plain_schema(parsed.parsed)))

    def register_schema(self, *args: Any, **kwargs: Any) -> int:
        """Delegated."""
        return self._registry.register_schema(*args, **kwargs)

    def lookup_schema(self, *args: Any, **kwargs: Any) -> RegisteredSchema:
        """Delegated."""
        return self._registry.lookup_schema(*args, **kwargs)

    def get_latest_version(self, subject_name: str) -> RegisteredSchema:
        """Delegated."""
        return self._registry.get_latest_version(subject_name)

    def get_version(self, *args: Any, **kwargs: Any) -> RegisteredSchema:
        """Delegated."""
        return self._registry.get_version(*args, **kwargs)


# ------------------------------------------------------------------------------------- writing


def java_double(value: float) -> str:
    """``value`` as Java's ``Double.toString`` writes it (NaN and infinities as JSON strings)."""
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    digits, exponent = _shortest_digits(repr(value))
    if len(digits) == 1:
        # Java writes at least two digits, choosing the two-digit decimal nearest the value.
        two, two_exponent = _shortest_digits(f"{value:.1e}")
        if len(two) == 2:
            digits, exponent = two, two_exponent
    point = exponent + 1  # digits before the decimal point
    if 1e-3 <= value < 1e7:
        if point <= 0:
            text = "0." + "0" * -point + digits
        elif point >= len(digits):
            text = digits + "0" * (point - len(digits)) + ".0"
        else:
            text = digits[:point] + "." + digits[point:]
    else:
        text = f"{digits[0]}.{digits[1:] or '0'}E{exponent}"
    return sign + text


def _shortest_digits(text: str) -> tuple[str, int]:
    """(significant digits without trailing zeros, decimal exponent of the first digit)."""
    _sign, digit_tuple, exp = decimal.Decimal(text).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exp, int)
    return digits, exp + len(digit_tuple) - 1


def java_string(text: str) -> str:
    """A JSON string as Jackson writes it: UTF-8 as is, except control characters and characters
    beyond the BMP, escaped as ``\\u001F`` and surrogate pairs ``\\uD83D\\uDE00``."""
    text = json.dumps(text, ensure_ascii=False)
    if _ASTRAL.search(text):
        text = _ASTRAL.sub(_surrogates, text)
    return _ESCAPE.sub(_upper, text)


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _surrogates(match: re.Match[str]) -> str:
    code = ord(match.group(0)) - 0x10000
    return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"


def _upper(match: re.Match[str]) -> str:
    return match.group(0).upper().replace("\\U", "\\u")


class _BranchNames:
    """Union branch names as Java writes them, from the schema's own JSON.

    fastavro's parsed form names a type declared with ``"namespace": ""`` inside a namespaced
    type as if it inherited that namespace; Java keeps it in the null namespace.
    """

    def __init__(self, schema: ParsedSchema) -> None:
        self._declared: set[str] = set()
        self._collect(schema.json, None)

    def _collect(self, node: Any, space: str | None) -> None:
        if isinstance(node, list):
            for branch in node:
                self._collect(branch, space)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind in ("record", "error", "enum", "fixed") and isinstance(node.get("name"), str):
            name = node["name"]
            if "." not in name:
                space = node.get("namespace", space) or None
                name = f"{space}.{name}" if space else name
            self._declared.add(name)
            space = name.rpartition(".")[0] or None
            for field in node.get("fields", ()):
                self._collect(field.get("type"), space)
        elif kind == "array":
            self._collect(node.get("items"), space)
        elif kind == "map":
            self._collect(node.get("values"), space)
        elif isinstance(kind, (dict, list)):
            self._collect(kind, space)

    def __call__(self, node: Any) -> str:
        if isinstance(node, dict):
            kind = node["type"]
            if isinstance(kind, (dict, list)):
                return self(kind)
            if kind not in ("record", "error", "enum", "fixed"):
                return str(kind)
            node = node["name"]
        name = str(node)
        if name not in _PRIMITIVES and name not in self._declared:
            short = name.rpartition(".")[2]
            if short in self._declared:
                return short
        return name


class AvroJsonWriter:
    """Writes values of one schema in Avro's JSON encoding.

    ``wrapped`` says the values were read through :class:`PlainRegistry` (union values carry
    their branch index); otherwise the branch is chosen from the Python type, first fit.
    """

    def __init__(self, schema: ParsedSchema, *, wrapped: bool) -> None:
        self._named = schema.named
        self._parsed = schema.parsed
        self._wrapped = wrapped
        self._branch_name = _BranchNames(schema)

    def dumps(self, value: Any) -> str:
        """One line of Avro JSON for ``value``."""
        return self._write(self._parsed, value)

    def _write(self, node: Any, value: Any) -> str:
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return _primitive(node, value)
            node = self._named[node]
        if isinstance(node, list):
            if value is None:
                return "null"
            index, inner = self._branch(node, value)
            branch = node[index]
            name = self._branch_name(branch)
            return "{" + java_string(name) + ":" + self._write(branch, inner) + "}"
        kind = node["type"]
        if kind in ("record", "error"):
            return "{" + ",".join(
                java_string(f["name"]) + ":" + self._write(f["type"], value[f["name"]])
                for f in node["fields"]
            ) + "}"
        if kind == "array":
            items = node["items"]
            return "[" + ",".join(self._write(items, item) for item in value) + "]"
        if kind == "map":
            values = node["values"]
            return "{" + ",".join(
                java_string(k) + ":" + self._write(values, v) for k, v in value.items()
            ) + "}"
        if kind == "enum":
            return java_string(value)
        if kind == "fixed":
            return java_string(bytes(value).decode("latin-1"))
        if isinstance(kind, (dict, list)) or kind not in _PRIMITIVES:
            return self._write(kind, value)
        return _primitive(kind, value)

    def _branch(self, union: list[Any], value: Any) -> tuple[int, Any]:
        if self._wrapped:
            ((key, inner),) = value.items()
            return int(key[1:]), inner
        for index, branch in enumerate(union):
            if branch != "null" and _fits(self._resolve(branch), value, self._named):
                return index, value
        raise AvroJsonError("$", f"{type(value).__name__} value matches no union branch")

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, str) and node in self._named:
            node = self._named[node]
        return node


def _fits(node: Any, value: Any, named: dict[str, Any]) -> bool:
    """Whether ``value`` (as the deserializer returns it) is of the type ``node``."""
    kind = node if isinstance(node, str) else node["type"]
    if isinstance(kind, (dict, list)):
        return _fits(kind, value, named)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("int", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("float", "double"):
        return isinstance(value, float)
    if kind in ("bytes", "fixed"):
        return isinstance(value, (bytes, bytearray)) and (
            kind == "bytes" or len(value) == node["size"]
        )
    if kind in ("string", "enum"):
        return isinstance(value, str) and (kind == "string" or value in node["symbols"])
    if kind in ("record", "error"):
        return isinstance(value, dict) and set(value) == {f["name"] for f in node["fields"]}
    if kind == "map":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return False


def _primitive(kind: str, value: Any) -> str:
    if kind == "string":
        return java_string(value)
    if kind in ("int", "long"):
        return int.__repr__(value)
    if kind == "double":
        return java_double(value)
    if kind == "float":
        return java_double(value + 0.0)  # widened, and -0.0f + 0d is 0.0 in Java too
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "bytes":
        return java_string(bytes(value).decode("latin-1"))
    return "null"


# ------------------------------------------------------------------------------------- reading


class AvroJsonReader:
    """Reads Avro's JSON encoding into the values the serializer writes byte for byte as Java.

    A union with several non-null branches gives ``(branch_name, value)``, the serde's explicit
    branch choice.
    """

    def __init__(self, schema: ParsedSchema) -> None:
        self._named = schema.named
        self._parsed = schema.parsed
        self._branch_name = _BranchNames(schema)

    def loads(self, text: str) -> Any:
        """Parse one JSON text and convert it (``AvroJsonError`` names the path on a mismatch)."""
        try:
            document = json.loads(text, parse_float=decimal.Decimal)
        except ValueError as exc:
            raise AvroJsonError("$", f"not JSON: {exc}") from None
        return self.convert(document)

    def convert(self, document: Any) -> Any:
        """Convert a JSON-decoded document (floats as ``Decimal``)."""
        return self._read(self._parsed, document, "$")

    def _read(self, node: Any, value: Any, path: str) -> Any:
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return _read_primitive(node, value, path)
            node = self._named[node]
        if isinstance(node, list):
            return self._read_union(node, value, path)
        kind = node["type"]
        if kind in ("record", "error"):
            _expect(isinstance(value, dict), path, f"a record {node['name']} (JSON object)", value)
            fields = {f["name"]: f for f in node["fields"]}
            unknown = sorted(set(value) - set(fields))
            if unknown:
                raise AvroJsonError(path, f"unknown field {unknown[0]!r} for {node['name']}")
            return {k: self._read(fields[k]["type"], v, f"{path}.{k}") for k, v in value.items()}
        if kind == "array":
            _expect(isinstance(value, list), path, "an array", value)
            return [self._read(node["items"], v, f"{path}[{i}]") for i, v in enumerate(value)]
        if kind == "map":
            _expect(isinstance(value, dict), path, "a map (JSON object)", value)
            return {k: self._read(node["values"], v, f"{path}.{k}") for k, v in value.items()}
        if kind == "enum":
            _expect(isinstance(value, str) and value in node["symbols"], path,
                    f"a symbol of {node['name']}", value)
            return value
        if kind == "fixed":
            data = _read_primitive("bytes", value, path)
            _expect(len(data) == node["size"], path, f"{node['size']} bytes", value)
            return data
        if isinstance(kind, (dict, list)) or kind not in _PRIMITIVES:
            return self._read(kind, value, path)
        return _read_primitive(kind, value, path)

    def _read_union(self, union: list[Any], value: Any, path: str) -> Any:
        if value is None and "null" in union:
            return None
        _expect(isinstance(value, dict) and len(value) == 1, path,
                'a union value {"<branch>": value} or null', value)
        ((name, inner),) = value.items()
        for branch in union:
            if branch != "null" and self._branch_name(branch) == name:
                converted = self._read(branch, inner, f"{path}<{name}>")
                if sum(1 for b in union if b != "null") > 1:
                    return (name, converted)
                return converted
        raise AvroJsonError(path, f"the union has no branch {name!r}")


def _expect(ok: bool, path: str, what: str, value: Any) -> None:
    if not ok:
        raise AvroJsonError(path, f"expected {what}, got {_describe(value)}")


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _read_primitive(kind: str, value: Any, path: str) -> Any:
    reader: Callable[[Any], Any] | None = _PRIMITIVE_READERS.get(kind)
    assert reader is not None
    try:
        return reader(value)
    except (TypeError, ValueError, OverflowError):
        raise AvroJsonError(path, f"expected {kind}, got {_describe(value)}") from None


def _read_int(kind: str) -> Callable[[Any], int]:
    low, high = _INT_RANGE[kind]

    def read(value: Any) -> int:
        if type(value) is not int or not low <= value <= high:
            raise ValueError
        return value

    return read


def _read_float(value: Any) -> float:
    if isinstance(value, str):
        if value not in _FLOAT_WORDS:
            raise ValueError(value)
        return _FLOAT_WORDS[value]
    if isinstance(value, bool) or not isinstance(value, (int, decimal.Decimal)):
        raise TypeError
    return float(value)


def _read_bytes(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError
    return value.encode("latin-1")  # code points above 255 raise: not Avro's bytes encoding


def _read_exact(kind: type) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError
        return value

    return read


def _read_null(value: Any) -> None:
    if value is not None:
        raise TypeError


_PRIMITIVE_READERS: dict[str, Callable[[Any], Any]] = {
    "null": _read_null,
    "boolean": _read_exact(bool),
    "int": _read_int("int"),
    "long": _read_int("long"),
    "float": _read_float,
    "double": _read_float,
    "bytes": _read_bytes,
    "string": _read_exact(str),
}
