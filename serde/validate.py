"""Value checks compiled once per writer schema, run before every write.

fastavro's writer silently accepts values Java refuses (an int beyond 32 bits, a bool for an
int, a str for bytes, ``1e300`` for a ``float``, a key the record does not have), and
``fastavro.validation.validate()`` per message costs several times the encode itself. So a schema
is compiled once into generated Python predicates (fast, returning True/False): union branches
are inlined into one expression, records are read with one ``len`` and one lookup per field.
Only when a value fails does the slower walk of :mod:`.explain` find the field path and the
reason for the :class:`EncodeError`.

What is checked beyond the Python types: int and long ranges, float values that Java's cast
would turn into an infinity (NaN and infinities themselves pass, as in Java), ints too large for
a double, decimals that would need rounding or more digits than their precision (or are not
finite), nanosecond timestamps outside a long, record keys that are not fields (unless ignored),
and nesting deeper than ``max_depth`` records, arrays and maps (unions add no level), counted as
the deserializer counts it. A string that is not valid UTF-8 (a lone surrogate) is left out:
fastavro's writer raises on it, and the explanation then names its path.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .limits import DecodeLimits
from .logical import Duration, decimal_to_unscaled
from .schematypes import RECORDS, deref, kind, logical_type, max_nesting, type_name

Check = Callable[[Any], bool]

MAX_DEPTH = DecodeLimits().max_depth
"""Deepest nesting the serializer writes by default: what the deserializer reads by default."""

_F32 = float(2**128 - 2**103)
"""Finite doubles at or beyond this magnitude round to infinity as a 32-bit float."""
_F32_INT = 2**128 - 2**103 - 2**74
"""Ints at or beyond this round (to a double, then to 32 bits) to infinity."""
_F64_INT = 2**1024 - 2**970
"""Ints at or beyond this do not convert to a double."""
_INFINITIES = (float("inf"), float("-inf"))
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1

_INT = "(type({v}) is int or is_int({v})) and -2147483648 <= {v} <= 2147483647"
_LONG = "(type({v}) is int or is_int({v})) and -9223372036854775808 <= {v} <= 9223372036854775807"
_BYTES = "(type({v}) is bytes or isinstance({v}, (bytes, bytearray)))"
_STRING = "(type({v}) is str or isinstance({v}, str))"
_UTF8_STRING = (
    "(type({v}) is str and ({v}.isascii() or is_utf8({v}))"
    " or isinstance({v}, str) and is_utf8({v}))"
)
"""A string fastavro can write: the writer raises on a lone surrogate, so only explanations
(after that failure) check it, and the per-message checks leave it out."""

_PRIMITIVE_CHECKS = {
    "null": "{v} is None",
    "boolean": "({v} is True or {v} is False)",
    "int": _INT,
    "long": _LONG,
    "float": (
        f"(type({{v}}) is float and -{_F32!r} < {{v}} < {_F32!r}"
        " or type({v}) is int and -_F32_INT < {v} < _F32_INT or _isfloat32({v}))"
    ),
    "double": (
        "(type({v}) is float or type({v}) is int and -_F64_INT < {v} < _F64_INT"
        " or _isdouble({v}))"
    ),
    "string": _STRING,
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
    ("long", "timestamp-nanos"): (
        "(_nanos_utc({v}) if isinstance({v}, _datetime) else " + _LONG + ")"
    ),
    ("long", "local-timestamp-millis"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("long", "local-timestamp-micros"): "(isinstance({v}, _datetime) or " + _LONG + ")",
    ("long", "local-timestamp-nanos"): (
        "(_nanos_local({v}) if isinstance({v}, _datetime) else " + _LONG + ")"
    ),
    ("string", "uuid"): "(isinstance({v}, _UUID) or _is_uuid_text({v}))",
}


def is_int(value: Any) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _isfloat32(value: Any) -> bool:
    """A float or int (not bool) whose 32-bit float is finite, or a NaN or infinity itself."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        number = float(value)
    except OverflowError:
        return False
    return -_F32 < number < _F32 or number != number or number in _INFINITIES


def _isdouble(value: Any) -> bool:
    if isinstance(value, float):
        return True
    return is_int(value) and -_F64_INT < value < _F64_INT


def is_utf8(value: str) -> bool:
    """Whether the string encodes to UTF-8 (no lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
        and all(is_int(part) and 0 <= part < 2**32 for part in value)
    )


def _decimal_ok(value: Any, scale: int, precision: int, size: int | None) -> bool:
    """The writer's rules: bytes as they are, a Decimal without rounding, within precision and
    (on fixed) within the size."""
    if isinstance(value, (bytes, bytearray)):
        return size is None or len(value) == size
    return decimal_problem(value, scale, precision, size) is None


def decimal_problem(value: Any, scale: int, precision: int, size: int | None) -> str | None:
    """Why the writer would refuse ``value`` for a decimal (on ``fixed(size)``), or None."""
    if not isinstance(value, decimal.Decimal):
        return f"Avro decimal cannot hold Python {type(value).__name__}"
    try:
        unscaled = decimal_to_unscaled(value, scale, precision)
        if size is not None:
            unscaled.to_bytes(size, "big", signed=True)
    except ValueError as exc:
        return str(exc)
    except OverflowError:
        return f"decimal {value} does not fit in fixed({size})"
    return None


_EPOCH_UTC = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_LOCAL = _dt.datetime(1970, 1, 1)
_ONE_US = _dt.timedelta(microseconds=1)


def _nanos_utc(value: _dt.datetime) -> bool:
    """Whether a datetime's nanoseconds since the epoch fit in a long (naive counts as UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)
    return _LONG_MIN <= (aware - _EPOCH_UTC) // _ONE_US * 1000 <= _LONG_MAX


def _nanos_local(value: _dt.datetime) -> bool:
    """Whether a datetime's wall-clock nanoseconds since the epoch fit in a long."""
    return _LONG_MIN <= (value.replace(tzinfo=None) - _EPOCH_LOCAL) // _ONE_US * 1000 <= _LONG_MAX


_GLOBALS: dict[str, Any] = {
    "is_int": is_int,
    "_isfloat32": _isfloat32,
    "_isdouble": _isdouble,
    "is_utf8": is_utf8,
    "_is_duration": _is_duration,
    "_is_uuid_text": _is_uuid_text,
    "_decimal_ok": _decimal_ok,
    "_nanos_utc": _nanos_utc,
    "_nanos_local": _nanos_local,
    "_F32_INT": _F32_INT,
    "_F64_INT": _F64_INT,
    "_date": _dt.date,
    "_time": _dt.time,
    "_datetime": _dt.datetime,
    "_Decimal": decimal.Decimal,
    "_UUID": uuid.UUID,
    "_Mapping": Mapping,
}


def missing_ok(field: dict[str, Any], named: Mapping[str, Any]) -> bool:
    """A field the value may leave out: it has a default, or null is one of its values."""
    if "default" in field:
        return True
    node = deref(field["type"], named)
    return kind(node) == "null" or (isinstance(node, list) and "null" in node)


def _fits_precision(size: int, precision: int) -> bool:
    """Whether every number of ``precision`` digits fits in ``size`` signed bytes."""
    largest: int = 10**precision - 1
    return largest.bit_length() + 1 <= 8 * size


class _Compiler:
    """Generates one Python module of predicates for a schema and its named types.

    With ``depth`` on, every record, array and map function takes its nesting level ``d`` (the
    outermost is 1) and refuses a level beyond ``max_depth``; without it (a schema that cannot
    nest that deep) no level is passed at all.
    """

    def __init__(
        self, named: Mapping[str, Any], *, strict: bool, depth: bool, max_depth: int, utf8: bool
    ) -> None:
        self.named = dict(named)
        self.strict = strict
        self.utf8 = utf8
        self.depth = depth
        self.max_depth = max_depth
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.functions: dict[str, str] = {}
        self.named_functions: dict[str, str] = {}

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def literal(self, value: Any) -> str:
        """A constant in the code itself when it is a plain name (faster than a global)."""
        if isinstance(value, str) and value.isidentifier() and value.isascii():
            return repr(value)
        return self.constant(value)

    def string(self, var: str) -> str:
        return (_UTF8_STRING if self.utf8 else _STRING).format(v=var)

    def call(self, function: str, var: str, level: str) -> str:
        return f"{function}({var}, {level})" if self.depth else f"{function}({var})"

    def expr(self, node: Any, var: str, level: str) -> str:
        """A Python expression that is true when ``var`` is a valid value for ``node``, at
        nesting ``level`` (an expression) if it is a record, array or map."""
        node = deref(node, self.named)
        if isinstance(node, str):
            if node == "string":
                return self.string(var)
            template = _PRIMITIVE_CHECKS.get(node)
            return f"({template.format(v=var)})" if template else "False"
        if isinstance(node, list):
            return self.union(node, var, level)
        node_kind = kind(node)
        logical = logical_type(node)
        if logical is not None:
            template = _LOGICAL_CHECKS.get((node_kind, logical))
            if template is not None:
                return f"({template.format(v=var)})"
            if logical == "decimal" and node_kind in ("bytes", "fixed"):
                return self.decimal(node, var)
        if node_kind == "string":
            return self.string(var)
        if node_kind in _PRIMITIVE_CHECKS:
            return f"({_PRIMITIVE_CHECKS[node_kind].format(v=var)})"
        if node_kind == "enum":
            symbols = self.constant(frozenset(node["symbols"]))
            return f"((type({var}) is str or isinstance({var}, str)) and {var} in {symbols})"
        if node_kind == "fixed":
            return self.fixed(node, var)
        if node_kind in RECORDS:
            name = str(node["name"])
            self.named.setdefault(name, node)
            return self.call(self.named_function(name), var, level)
        if node_kind in ("array", "map"):
            return self.call(self.function(node), var, level)
        return "False"  # pragma: no cover - fastavro refuses unknown types when parsing

    def decimal(self, node: dict[str, Any], var: str) -> str:
        scale, precision = int(node.get("scale", 0)), int(node["precision"])
        size = int(node["size"]) if node["type"] == "fixed" else None
        slow = f"_decimal_ok({var}, {scale}, {precision}, {size})"
        if size is not None and not _fits_precision(size, precision):
            return f"({slow})"
        # The usual value has exactly the schema's scale: two cheap calls, no conversion.
        quantum = self.constant(decimal.Decimal(1).scaleb(-scale))
        return (
            f"(type({var}) is _Decimal and {var}.same_quantum({quantum})"
            f" and {var}.adjusted() < {precision - scale} or {slow})"
        )

    def fixed(self, node: dict[str, Any], var: str) -> str:
        size = int(node["size"])
        logical = logical_type(node)
        if logical == "duration" and size == 12:
            return f"_is_duration({var})"
        plain = f"{_BYTES.format(v=var)} and len({var}) == {size}"
        if logical == "uuid" and size == 16:
            return f"(isinstance({var}, _UUID) or {plain})"
        return f"({plain})"

    def union(self, branches: list[Any], var: str, level: str) -> str:
        """The branches inline, then a call for what they leave out: fastavro's
        ``(name, value)`` and ``{"-type": name}`` notations, and mappings that are no dict."""
        parts = []
        for branch in branches:
            node = deref(branch, self.named)
            check = self.expr(node, var, level)
            gate = self.gate(node, var)
            parts.append(f"({gate} and {check})" if gate else check)
        fallback = self.call(self.function(branches), var, level)
        return "(" + " or ".join([*parts, fallback]) + ")"

    def gate(self, node: Any, var: str) -> str | None:
        """What a value must be for a union branch to be tried inline, or None: anything."""
        node_kind = kind(node)
        if node_kind == "map" or (node_kind in RECORDS and not self.strict):
            # A dict with "-type" is a tagged value (a strict record refuses that key anyway).
            return f"type({var}) is dict and '-type' not in {var}"
        if node_kind == "array" or (node_kind == "fixed" and logical_type(node) == "duration"):
            # fastavro reads every tuple in a union as (branch name, value).
            return f"not isinstance({var}, tuple)"
        return None

    def named_function(self, name: str) -> str:
        if name not in self.named_functions:
            self.named_functions[name] = f"_n{len(self.named_functions)}"
            self.emit(self.named_functions[name], self.named[name])
        return self.named_functions[name]

    def function(self, node: Any) -> str:
        key = repr(node)  # one function for every copy of an anonymous array, map or union
        if key not in self.functions:
            self.functions[key] = f"_f{len(self.functions)}"
            self.emit(self.functions[key], node)
        return self.functions[key]

    def emit(self, fname: str, node: Any) -> None:
        body: list[str] = []
        inner = "d + 1" if self.depth else "0"
        if isinstance(node, list):
            body.extend(self.union_fallback(node))
        else:
            if self.depth:
                body.append(f"if d > {self.max_depth}: return False")
            node_kind = kind(node)
            if node_kind == "array":
                body += [
                    "if type(v) is not list and not isinstance(v, (list, tuple)): return False",
                    "for x in v:",
                    f"    if not {self.expr(node['items'], 'x', inner)}: return False",
                    "return True",
                ]
            elif node_kind == "map":
                body += [
                    "if type(v) is not dict and not isinstance(v, _Mapping): return False",
                    "for k, x in v.items():",
                    f"    if not {self.string('k')}: return False",
                    f"    if not {self.expr(node['values'], 'x', inner)}: return False",
                    "return True",
                ]
            else:
                body += self.record_body(node, inner)
        signature = "v, d=1" if self.depth else "v"
        self.lines.append(f"def {fname}({signature}):")
        self.lines.extend("    " + line for line in body)

    def record_body(self, node: dict[str, Any], level: str) -> list[str]:
        fields = node["fields"]
        optional = [f for f in fields if missing_ok(f, self.named)]
        required = [f for f in fields if not missing_ok(f, self.named)]
        body = ["if type(v) is not dict and not isinstance(v, _Mapping): return False"]

        def given(field: dict[str, Any]) -> list[str]:
            check = self.expr(field["type"], "x", level)
            return [f"x = v[{self.literal(field['name'])}]", f"if not {check}: return False"]

        def maybe(field: dict[str, Any], count: bool) -> list[str]:
            check = self.expr(field["type"], "x", level)
            lines = [
                f"x = v.get({self.literal(field['name'])}, _MISSING)",
                "if x is not _MISSING:",
                f"    if not {check}: return False",
            ]
            return [*lines, "    n -= 1"] if count else lines

        def guarded(lines: list[str]) -> list[str]:
            # Required fields are read with v[...] (cheaper than .get) inside one try block.
            return ["try:", *("    " + line for line in lines or ["pass"]),
                    "except KeyError:", "    return False"]

        if not self.strict:
            return [*body, *guarded([line for f in required for line in given(f)]
                                    + [line for f in optional for line in maybe(f, False)]),
                    "return True"]
        if not optional:
            # Every field must be given, so the key count alone rules out unknown keys.
            return [*body, f"if len(v) != {len(fields)}: return False",
                    *guarded([line for f in fields for line in given(f)]), "return True"]
        # Every field given (the usual case): read them all; a KeyError then means an unknown
        # key took a field's place. Otherwise count the optional fields given: the keys left
        # over must be exactly the required fields.
        return [
            *body,
            "n = len(v)",
            f"if n == {len(fields)}:",
            *("    " + line for line in guarded([line for f in fields for line in given(f)])),
            "    return True",
            *guarded([line for f in required for line in given(f)]
                     + [line for f in optional for line in maybe(f, True)]),
            f"return n == {len(required)}",
        ]

    def union_fallback(self, branches: list[Any]) -> list[str]:
        names: dict[str, int] = {}
        for index, branch in enumerate(branches):
            names.setdefault(type_name(deref(branch, self.named)), index)
        table = self.constant(names)
        level = "d" if self.depth else "0"

        def by_index(var: str) -> list[str]:
            return [f"if i == {index}: return {self.expr(branch, var, level)}"
                    for index, branch in enumerate(branches)]

        # Only what no inline check saw: each value is checked once (a nested failure must not
        # be checked again at every level above it).
        unseen = [
            f"(type(v) is not dict and {self.expr(branch, 'v', level)})"
            for branch in (deref(b, self.named) for b in branches)
            if (self.gate(branch, "v") or "").startswith("type(v) is dict")
        ]
        return [
            "if isinstance(v, tuple):",
            f"    i = {table}.get(v[0]) if len(v) == 2 and type(v[0]) is str else None",
            "    x = v[1] if i is not None else None",
            "elif isinstance(v, dict) and '-type' in v:",
            f"    i = {table}.get(v['-type'])",
            "    x = {k: y for k, y in v.items() if k != '-type'}",
            "else:",
            f"    return {' or '.join(unseen) or 'False'}",
            *by_index("x"),
            "return False",
        ]


_MISSING = object()


def depth_checked(parsed: Any, named: Mapping[str, Any], max_depth: int) -> bool:
    """Whether a value of ``parsed`` can nest deeper than ``max_depth`` (levels are counted)."""
    nesting = max_nesting(parsed, named)
    return nesting is None or nesting > max_depth


def compile_predicate(
    node: Any,
    named: Mapping[str, Any],
    *,
    strict: bool,
    depth: bool,
    max_depth: int,
    utf8: bool = False,
) -> Callable[..., bool]:
    """The predicate for any node: ``strict`` refuses unknown record keys; with ``depth`` it
    takes the node's nesting level as a second argument (1 by default); ``utf8`` also checks
    strings (only explanations need that: the writer itself raises on them)."""
    compiler = _Compiler(named, strict=strict, depth=depth, max_depth=max_depth, utf8=utf8)
    entry = compiler.expr(node, "v", "d" if depth else "0")
    namespace: dict[str, Any] = dict(_GLOBALS)
    namespace["_MISSING"] = _MISSING
    if depth:
        compiler.lines.append(f"def check(v, d=1):\n    return {entry}")
    else:
        compiler.lines.append(f"def check(v):\n    return {entry}")
    namespace.update(compiler.constants)
    exec(compile("\n".join(compiler.lines), "<serde.validate>", "exec"), namespace)
    direct = entry.split("(", 1)[0]
    # A record at the top: hand out its function itself, one Python call less per message.
    if entry in (f"{direct}(v)", f"{direct}(v, d)") and direct.startswith("_n"):
        return namespace[direct]  # type: ignore[no-any-return]
    return namespace["check"]  # type: ignore[no-any-return]


def compile_check(
    parsed: Any,
    named: Mapping[str, Any],
    *,
    ignore_unknown_fields: bool = False,
    max_depth: int = MAX_DEPTH,
) -> Check:
    """Compile a predicate for fastavro-parsed ``parsed`` (full names) and its named types.

    Record keys that are not fields make a value invalid unless ``ignore_unknown_fields``;
    values nested deeper than ``max_depth`` records, arrays and maps are invalid.
    """
    depth = depth_checked(parsed, named, max_depth)
    return compile_predicate(parsed, named, strict=not ignore_unknown_fields, depth=depth,
                    max_depth=max_depth)
