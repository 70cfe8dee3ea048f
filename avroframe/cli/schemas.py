"""``register``, ``subjects`` and ``versions``: the registry's subjects from the command line."""

from __future__ import annotations

import argparse
import json

from avroframe.registry.types import Schema

from .common import read_text, registry


def cmd_register(args: argparse.Namespace) -> None:
    """Register a schema under a subject; prints its id and version."""
    reg = registry(args)
    schema = Schema(read_text(args.schema).strip())
    schema_id = reg.register_schema(args.subject, schema)
    version = reg.lookup_schema(args.subject, schema).version
    print(json.dumps({"subject": args.subject, "id": schema_id, "version": version}))


def cmd_subjects(args: argparse.Namespace) -> None:
    """List subjects (optionally by prefix)."""
    for subject in registry(args).get_subjects(args.prefix):
        print(subject)


def cmd_versions(args: argparse.Namespace) -> None:
    """List a subject's versions with their ids and schemas."""
    reg = registry(args)
    for version in reg.get_versions(args.subject):
        got = reg.get_version(args.subject, version)
        print(
            json.dumps({"version": version, "id": got.schema_id, "schema": got.schema.schema_str})
        )
