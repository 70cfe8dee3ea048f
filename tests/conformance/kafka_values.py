"""The schemas and values sent through Kafka by test_kafka_interop.py (data only).

Values follow the conformance manifest's JSON convention (conformance/README.md).
"""

from __future__ import annotations

from typing import Any

# Schemas are written in the key order of Java's Schema.toString(): the registry then stores
# Python's text and Java's as the same content, under the same id (see test_frames_identical).
ADDRESS: dict[str, Any] = {
    "type": "record",
    "name": "Address",
    "fields": [
        {"name": "street", "type": "string"},
        {"name": "city", "type": "string"},
        {"name": "zip", "type": ["null", "string"], "default": None},
    ],
}
ORDER: dict[str, Any] = {
    "type": "record",
    "name": "Order",
    "namespace": "kint.shop",
    "fields": [
        {"name": "id", "type": "long"},
        {
            "name": "customer",
            "type": {
                "type": "record",
                "name": "Customer",
                "fields": [
                    {"name": "name", "type": "string"},
                    {"name": "address", "type": ADDRESS},
                ],
            },
        },
        {
            "name": "status",
            "type": {
                "type": "enum",
                "name": "Status",
                "symbols": ["NEW", "PAID", "SHIPPED", "CANCELLED"],
            },
        },
        {
            "name": "lines",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Line",
                    "fields": [
                        {"name": "sku", "type": "string"},
                        {"name": "quantity", "type": "int"},
                        {
                            "name": "unit_price",
                            "type": {
                                "type": "bytes",
                                "logicalType": "decimal",
                                "precision": 9,
                                "scale": 2,
                            },
                        },
                    ],
                },
            },
        },
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attributes", "type": {"type": "map", "values": "string"}},
        {"name": "counters", "type": {"type": "map", "values": "long"}},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "discount", "type": ["null", "int", "double", "string"], "default": None},
        {"name": "ship_to", "type": ["null", "Address"], "default": None},
        {
            "name": "total",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2},
        },
        {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {
            "name": "updated",
            "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}],
            "default": None,
        },
        {"name": "order_id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "payload", "type": "bytes"},
    ],
}


def _address(street: str, city: str, zip_code: str | None) -> dict[str, Any]:
    return {
        "street": street,
        "city": city,
        "zip": None if zip_code is None else {"string": zip_code},
    }


ORDER_VALUES: list[dict[str, Any]] = [
    {
        "id": 1001,
        "customer": {
            "name": "Ada Lovelace",
            "address": _address("12 St James's Sq", "London", None),
        },
        "status": "PAID",
        "lines": [
            {"sku": "A-1", "quantity": 2, "unit_price": "19.99"},
            {"sku": "B-22", "quantity": 1, "unit_price": "0.05"},
        ],
        "tags": ["priority", "gift"],
        "attributes": {"channel": "web", "coupon": ""},
        "counters": {"views": 17, "clicks": 3},
        "note": {"string": "leave at the door"},
        "discount": {"int": 10},
        "ship_to": {"kint.shop.Address": _address("1 Main St", "Springfield", "49007")},
        "total": "40.03",
        "created": "2024-02-29T12:34:56.789Z",
        "updated": {"long": "2024-03-01T08:00:00.123456Z"},
        "order_id": "123e4567-e89b-12d3-a456-426614174000",
        "payload": "00ff10",
    },
    {
        "id": -1,
        "customer": {"name": "", "address": _address("", "", "")},
        "status": "NEW",
        "lines": [],
        "tags": [],
        "attributes": {},
        "counters": {},
        "note": None,
        "discount": None,
        "ship_to": None,
        "total": "-0.01",
        "created": "1969-12-31T23:59:59.999Z",
        "updated": None,
        "order_id": "00000000-0000-0000-0000-000000000000",
        "payload": "",
    },
    {
        "id": 9223372036854775807,
        "customer": {
            "name": "Zoë Ångström 山田 😀",
            "address": _address("Straße 5", "Zürich", "8001"),
        },
        "status": "SHIPPED",
        "lines": [
            {"sku": "Ü-9", "quantity": 2147483647, "unit_price": "9999999.99"},
            {"sku": "neg", "quantity": -2147483648, "unit_price": "-1.28"},
            {"sku": "zero", "quantity": 0, "unit_price": "0.00"},
        ],
        "tags": ["ñ", "😀", "a" * 300],
        "attributes": {"κλειδί": "τιμή", "": "empty key"},
        "counters": {"min": -9223372036854775808, "max": 9223372036854775807, "big": 2**53 + 1},
        "note": {"string": "line1\nline2\ttab \u0000 nul"},
        "discount": {"double": 2.5},
        "ship_to": {"kint.shop.Address": _address("Rue de l'Église", "Genève", None)},
        "total": "9999999999.99",
        "created": "2038-01-19T03:14:08.000Z",
        "updated": {"long": "1970-01-01T00:00:00.000001Z"},
        "order_id": "ffffffff-ffff-4fff-bfff-ffffffffffff",
        "payload": "80" * 64,
    },
    {
        "id": 0,
        "customer": {"name": "Bob", "address": _address("Elm", "Oslo", "0150")},
        "status": "CANCELLED",
        "lines": [
            {"sku": f"S-{n}", "quantity": n, "unit_price": f"{n}.{n:02d}"} for n in range(40)
        ],
        "tags": ["x"] * 5,
        "attributes": {f"k{n}": f"v{n}" for n in range(30)},
        "counters": {"n": -128},
        "note": {"string": "refund requested"},
        "discount": {"string": "SUMMER24"},
        "ship_to": None,
        "total": "-9999999999.99",
        "created": "2001-09-09T01:46:40.000Z",
        "updated": {"long": "2024-12-31T23:59:59.999999Z"},
        "order_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "payload": "deadbeef",
    },
]

# Evolution: Account v1 is written; v2 reads it (reordered fields, int -> long and
# int -> double promotions in a field, an array and a map, a renamed field by alias, an enum
# symbol added, a field removed, fields added with defaults including a record default).
ACCOUNT_V1: dict[str, Any] = {
    "type": "record",
    "name": "Account",
    "namespace": "kint.crm",
    "fields": [
        {"name": "id", "type": "int"},
        {"name": "name", "type": "string"},
        {
            "name": "level",
            "type": {"type": "enum", "name": "Level", "symbols": ["BRONZE", "SILVER"]},
        },
        {"name": "legacy_code", "type": "string"},
        {"name": "scores", "type": {"type": "map", "values": "int"}},
        {"name": "history", "type": {"type": "array", "items": "int"}},
        {
            "name": "balance",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2},
        },
        {"name": "opened", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "contact", "type": ["null", "string"], "default": None},
    ],
}
ACCOUNT_V2: dict[str, Any] = {
    "type": "record",
    "name": "Account",
    "namespace": "kint.crm",
    "fields": [
        {"name": "full_name", "type": "string", "aliases": ["name"]},
        {"name": "id", "type": "long"},
        {
            "name": "level",
            "type": {
                "type": "enum",
                "name": "Level",
                "symbols": ["BRONZE", "SILVER", "GOLD"],
                "default": "BRONZE",
            },
        },
        {"name": "scores", "type": {"type": "map", "values": "double"}},
        {"name": "history", "type": {"type": "array", "items": "long"}},
        {
            "name": "balance",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2},
        },
        {"name": "opened", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "contact", "type": ["null", "string"], "default": None},
        {"name": "email", "type": ["null", "string"], "default": None},
        {"name": "region", "type": "string", "default": "eu-west"},
        {
            "name": "prefs",
            "type": {
                "type": "record",
                "name": "Prefs",
                "fields": [
                    {"name": "lang", "type": "string"},
                    {"name": "newsletter", "type": "boolean", "default": True},
                ],
            },
            "default": {"lang": "en"},
        },
    ],
}
ACCOUNT_VALUES: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Grace Hopper",
        "level": "SILVER",
        "legacy_code": "GH-1906",
        "scores": {"q1": 7, "q2": -3},
        "history": [1, 2, 3],
        "balance": "1234.50",
        "opened": "1992-01-01T00:00:00.000Z",
        "contact": {"string": "+1 555 0100"},
    },
    {
        "id": -2147483648,
        "name": "",
        "level": "BRONZE",
        "legacy_code": "",
        "scores": {},
        "history": [],
        "balance": "-0.01",
        "opened": "1960-06-15T12:00:00.001Z",
        "contact": None,
    },
    {
        "id": 2147483647,
        "name": "Ολυμπία 😀",
        "level": "SILVER",
        "legacy_code": "x" * 500,
        "scores": {"max": 2147483647, "min": -2147483648},
        "history": [2147483647, -2147483648, 0],
        "balance": "99999999.99",
        "opened": "2099-12-31T23:59:59.999Z",
        "contact": {"string": "ολυμπία@example.org"},
    },
]
ACCOUNT_READ_VALUES: list[dict[str, Any]] = [
    {
        "full_name": value["name"],
        "id": value["id"],
        "level": value["level"],
        "scores": {k: float(v) for k, v in value["scores"].items()},
        "history": value["history"],
        "balance": value["balance"],
        "opened": value["opened"],
        "contact": value["contact"],
        "email": None,
        "region": "eu-west",
        "prefs": {"lang": "en", "newsletter": True},
    }
    for value in ACCOUNT_VALUES
]
