"""Value checks compiled once per writer schema, run before every write.

fastavro's writer silently accepts values Java rejects (an int beyond 32 bits, a bool for an int,
a str for bytes), and ``fastavro.validation.validate()`` per message costs several times the
encode itself. So a schema is compiled once into generated Python predicates (fast, returning
True/False); only when a value fails does the slower :func:`explain` walk find the field path
and the reason for the :class:`EncodeError`.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .errors import EncodeError
from .logical import Duration

Check = Callable[[Any], bool]

_INT = "(type({v}) is int or _isint({v})) and -2147483648 <= {v} <= 2147483647"
_LONG = "(type({v}) is int or _isint({v})) and -9223372036854775808 <= {v} <= 9223372036854775807"
_BYTES = "(type({v}) is bytes or isinstance({v}, (bytes, bytearray)))"

_PRIMITIVE_CHECKS = {
    "null": "{v} is None",
    "boolean": "({v} is True or {v} is False)",
    "int": _INT,
    "long": _LONG,
    "float": "(type({v}) is float or type({v}) is int or _isnumber({v}))",
    "double": "(type({v}) is float or type({v}) is int or _isnumber({v}))",
    "string": "(type({v}) is str or isinstance({v}, str))",
    "bytes": _BYTES,
}

_LOGICAL_CHECKS = {
    ("int", "date"): "(type({v}) is _date or " + _INT + ")",
    # Any int, as Java writes it (a time of day outside one day then fails to *decode*, as
    # it does in Java with logical-type conversions).
    ("int", "time-millis"): "(isinstance({v}, _time) or " + _INT + ")",
    ("long", "time-micros"): "(isinstance({v}, _time) or " + _LONG + ")",
    ("long", "timestamp-millis"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("long", "timestamp-micros"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("long", "timestamp-nanos"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("long", "local-timestamp-millis"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("long", "local-timestamp-micros"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("long", "local-timestamp-nanos"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("bytes", "decimal"): "(isinstance({v}, _Decimal) or " + _BYTES + ")",
    ("string", "uuid"): "(isinstance({v}, _UUID) or _is_uuid_text({v}))",
}


def _isint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _isnumber(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_uuid_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_duration(value: Any) -> bool:
    if isinstance(value, (bytes, bytearray)):
        return len(value) == 12
    if isinstance(value, Duration):
        value = tuple(value)
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and all(_isint(part) and 0 <= part < 2**32 for part in value)
    )


_GLOBALS: dict[str, Any] = {
    "_isint": _isint,
    "_isnumber": _isnumber,
    "_is_duration": _is_duration,
    "_is_uuid_text": _is_uuid_text,
    "_date": _dt.date,
    "_time": _dt.time,
    "_datetime": _dt.datetime,
    "_Decimal": decimal.Decimal,
    "_UUID": uuid.UUID,
    "_Mapping": Mapping,
}


def _type_name(node: Any) -> str:
    if isinstance(node, list):
        return "union"
    if isinstance(node, dict):
        kind = node["type"]
        if kind in ("record", "error", "enum", "fixed"):
            return str(node["name"])
        return str(kind) if isinstance(kind, str) else _type_name(kind)
    return str(node)


def _missing_ok(field: dict[str, Any], named: dict[str, Any]) -> bool:
    if "default" in field:
        return True
    node = field["type"]
    node = named.get(node, node) if isinstance(node, str) else node
    return (
        node == "null"
        or (isinstance(node, list) and "null" in node)
        or (isinstance(node, dict) and node.get("type") == "null")
    )


class _Compiler:
    """Generates one Python module of predicates for a schema and its named types."""

    def __init__(self, named: dict[str, Any]) -> None:
        self.named = named
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.functions: dict[int, str] = {}
        self.named_functions: dict[str, str] = {}

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def expr(self, node: Any, var: str) -> str:
        """A Python expression that is true when ``var`` is a valid value for ``node``."""
        if isinstance(node, str):
            if node in _PRIMITIVE_CHECKS:
                return _PRIMITIVE_CHECKS[node].format(v=var)
            return f"{self.named_function(node)}({var})"
        if isinstance(node, list):
            return f"{self.function(node)}({var})"
        kind = node["type"]
        if not isinstance(kind, str):
            return self.expr(kind, var)
        logical = node.get("logicalType")
        if logical is not None:
            template = _LOGICAL_CHECKS.get((kind, logical))
            if template is not None:
                return template.format(v=var)
        if kind in _PRIMITIVE_CHECKS:
            return _PRIMITIVE_CHECKS[kind].format(v=var)
        if kind in ("record", "error", "enum", "fixed"):
            self.named.setdefault(node["name"], node)
            return f"{self.named_function(node['name'])}({var})"
        return f"{self.function(node)}({var})"

    def named_function(self, name: str) -> str:
        if name not in self.named_functions:
            self.named_functions[name] = f"_n{len(self.named_functions)}"
            self.emit(self.named_functions[name], self.named[name])
        return self.named_functions[name]

    def function(self, node: Any) -> str:
        key = id(node)
        if key not in self.functions:
            self.functions[key] = f"_f{len(self.functions)}"
            self.emit(self.functions[key], node)
        return self.functions[key]

    def emit(self, fname: str, node: Any) -> None:
        body: list[str] = []
        if isinstance(node, list):
            body.extend(self.union_body(node))
        else:
            kind = node["type"]
            logical = node.get("logicalType")
            if kind == "fixed":
                size = int(node["size"])
                plain = (
                    f"(type(v) is bytes or isinstance(v, (bytes, bytearray))) and len(v) == {size}"
                )
                if logical == "decimal":
                    plain = f"isinstance(v, _Decimal) or ({plain})"
                elif logical == "uuid" and size == 16:
                    plain = f"isinstance(v, _UUID) or ({plain})"
                elif logical == "duration" and size == 12:
                    plain = "_is_duration(v)"
                body.append(f"return {plain}")
            elif kind == "enum":
                symbols = self.constant(frozenset(node["symbols"]))
                body.append(f"return (type(v) is str or isinstance(v, str)) and v in {symbols}")
            elif kind == "array":
                body += [
                    "if not isinstance(v, (list, tuple)): return False",
                    "for x in v:",
                    f"    if not ({self.expr(node['items'], 'x')}): return False",
                    "return True",
                ]
            elif kind == "map":
                body += [
                    "if not isinstance(v, _Mapping): return False",
                    "for k, x in v.items():",
                    "    if not (type(k) is str or isinstance(k, str)): return False",
                    f"    if not ({self.expr(node['values'], 'x')}): return False",
                    "return True",
                ]
            elif kind in ("record", "error"):
                # Required fields are read with v[...] (cheaper than .get) inside one try block.
                body.append("if type(v) is not dict and not isinstance(v, _Mapping): return False")
                body.append("try:")
                body.append("    pass")
                for field in node["fields"]:
                    name = self.constant(field["name"])
                    check = self.expr(field["type"], "x")
                    if _missing_ok(field, self.named):
                        body.append(f"    x = v.get({name}, _MISSING)")
                        body.append(f"    if x is not _MISSING and not ({check}): return False")
                    else:
                        body.append(f"    x = v[{name}]")
                        body.append(f"    if not ({check}): return False")
                body.append("except KeyError:")
                body.append("    return False")
                body.append("return True")
            else:  # pragma: no cover - fastavro rejects unknown types at parse time
                body.append("return False")
        self.lines.append(f"def {fname}(v):")
        self.lines.extend("    " + line for line in body)

    def union_body(self, branches: list[Any]) -> list[str]:
        names = {}
        for index, branch in enumerate(branches):
            names[_branch_name(branch, self.named)] = index
        table = self.constant(names)
        lines = [
            "if type(v) is tuple and len(v) == 2 and type(v[0]) is str:",
            f"    i = {table}.get(v[0])",
            "    if i is None: return False",
            "    x = v[1]",
        ]
        for index, branch in enumerate(branches):
            lines.append(f"    if i == {index}: return {self.expr(branch, 'x')}")
        lines.append("    return False")
        lines.append(
            f"if type(v) is dict and '-type' in v: return {table}.get(v['-type']) is not None"
        )
        lines.append("return " + " or ".join(f"({self.expr(b, 'v')})" for b in branches))
        return lines


def _branch_name(branch: Any, named: dict[str, Any]) -> str:
    if isinstance(branch, dict):
        if branch["type"] in ("record", "error", "enum", "fixed"):
            return str(branch["name"])
        return str(branch["type"]) if isinstance(branch["type"], str) else "union"
    return str(branch)


_MISSING = object()


def compile_check(parsed: Any, named: Mapping[str, Any]) -> Check:
    """Compile a predicate for fastavro-parsed ``parsed`` (full names) and its named types."""
    compiler = _Compiler(dict(named))
    entry = compiler.expr(parsed, "v")
    compiler.lines.append(f"def check(v):\n    return {entry}")
    namespace: dict[str, Any] = dict(_GLOBALS)
    namespace.update(compiler.constants)
    namespace["_MISSING"] = _MISSING
    exec(compile("\n".join(compiler.lines), "<serde.validate>", "exec"), namespace)
    check: Check = namespace["check"]
    return check


def explain(parsed: Any, named: Mapping[str, Any], value: Any) -> EncodeError:
    """Find the first place where ``value`` does not match ``parsed`` and describe it."""
    found = _explain(parsed, dict(named), value, "$", {})
    if found is None:
        return EncodeError("value does not match the schema", python_type=type(value).__name__)
    path, message, python_type, avro_type = found
    return EncodeError(
        f"{path}: {message}", path=path, python_type=python_type, avro_type=avro_type
    )


def _explain(
    node: Any, named: dict[str, Any], value: Any, path: str, memo: dict[str, Check]
) -> tuple[str, str, str, str] | None:
    if isinstance(node, str) and node in named:
        node = named[node]
    kind = _type_name(node)
    ok = _is_valid(node, named, value, memo)
    if ok:
        return None
    python_type = type(value).__name__
    if isinstance(node, list):
        branch = _plausible_branch(node, named, value)
        if branch is not None:
            return _explain(branch, named, value, path, memo)
    if (
        isinstance(node, dict)
        and node["type"] in ("record", "error")
        and isinstance(value, Mapping)
    ):
        for field in node["fields"]:
            name = field["name"]
            if name not in value:
                if not _missing_ok(field, named):
                    return (
                        f"{path}.{name}",
                        "required field is missing",
                        "missing",
                        _type_name(field["type"]),
                    )
                continue
            inner = _explain(field["type"], named, value[name], f"{path}.{name}", memo)
            if inner is not None:
                return inner
    elif isinstance(node, dict) and node["type"] == "array" and isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            inner = _explain(node["items"], named, item, f"{path}[{index}]", memo)
            if inner is not None:
                return inner
    elif isinstance(node, dict) and node["type"] == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return (
                    f"{path}",
                    f"map key {key!r} is {type(key).__name__}, not str",
                    type(key).__name__,
                    "map",
                )
            inner = _explain(node["values"], named, item, f"{path}[{key!r}]", memo)
            if inner is not None:
                return inner
    avro = (
        kind
        if not isinstance(node, dict) or "logicalType" not in node
        else (f"{kind} ({node['logicalType']})")
    )
    if isinstance(node, list):
        avro = "union [" + ", ".join(_type_name(b) for b in node) + "]"
        return (
            path,
            f"no branch of {avro} accepts Python {python_type} {_short(value)}",
            python_type,
            avro,
        )
    if kind in ("int", "long") and _isint(value):
        bits = 32 if kind == "int" else 64
        return path, f"{value} does not fit in a {bits}-bit Avro {kind}", python_type, avro
    if isinstance(node, dict) and node["type"] == "enum" and isinstance(value, str):
        return path, f"{value!r} is not a symbol of enum {kind}", python_type, avro
    if isinstance(node, dict) and node["type"] == "fixed" and isinstance(value, (bytes, bytearray)):
        return (
            path,
            f"{len(value)} bytes given for fixed {kind} of size {node['size']}",
            python_type,
            avro,
        )
    return path, f"Avro {avro} cannot hold Python {python_type} {_short(value)}", python_type, avro


def _plausible_branch(branches: list[Any], named: dict[str, Any], value: Any) -> Any:
    """The one union branch of the value's container kind, to explain a failure inside it."""
    wanted = (
        ("record", "error", "map")
        if isinstance(value, Mapping)
        else ("array",)
        if isinstance(value, list)
        else ()
    )
    found = [
        b
        for b in (named.get(b, b) if isinstance(b, str) else b for b in branches)
        if isinstance(b, dict) and b.get("type") in wanted
    ]
    return found[0] if len(found) == 1 else None


def _is_valid(node: Any, named: dict[str, Any], value: Any, memo: dict[str, Check]) -> bool:
    key = repr(node) if not isinstance(node, str) else node
    check = memo.get(key)
    if check is None:
        check = memo[key] = compile_check(node, named)
    return check(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
