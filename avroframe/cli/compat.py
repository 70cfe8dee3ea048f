"""``avroframe compat``: a schema-compatibility gate for CI, with the registry's (Java's) rules.

Exit status: 0 compatible, 3 incompatible, 1 when it could not decide (unreadable file, invalid
schema, registry error). Reasons print one per line as Java words them
(``TYPE at 'LOCATION': message``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from avroframe.registry import COMPATIBILITY_LEVELS, RegistryError
from avroframe.registry.compat import can_read, check_compatibility
from avroframe.registry.errors import InvalidSchemaError, SubjectNotFoundError

from .common import CliError, read_text, registry

INCOMPATIBLE = 3
DEFAULT_LEVEL = "BACKWARD"


def _schema(path: str) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"{path}: not a JSON schema: {exc}") from None


def _previous_from_registry(args: argparse.Namespace) -> tuple[list[tuple[str, Any]], str]:
    """(label, schema) of the subject's versions, newest first, and the level to apply."""
    reg = registry(args)
    try:
        level = args.level or reg.get_compatibility(args.subject, default_to_global=True)
        try:
            versions = reg.get_versions(args.subject)
        except SubjectNotFoundError:
            versions = []
        previous = []
        for version in reversed(versions):
            got = reg.get_version(args.subject, version)
            if got.schema.references:
                raise CliError(f"{args.subject} version {version} has references;"
                               " compat checks standalone schemas only")
            previous.append((f"{args.subject} version {version}",
                             json.loads(got.schema.schema_str)))
    except RegistryError as exc:
        raise CliError(f"registry: {exc}") from None
    return previous, level


def _reasons(messages: tuple[str, ...]) -> list[str]:
    # The registry appends the whole old schema for its own error answers; a gate names the
    # version it compared with instead.
    return [m for m in messages if not m.startswith("old schema")]


def cmd_compat(args: argparse.Namespace) -> int:
    """Check NEW against the previous versions; returns the exit status."""
    if bool(args.subject) == bool(args.previous):
        raise CliError("give either --previous FILE (one or more) or --subject SUBJECT")
    new = _schema(args.schema)
    if args.subject:
        previous, level = _previous_from_registry(args)
    else:
        previous = [(path, _schema(path)) for path in args.previous]
        level = args.level or DEFAULT_LEVEL
    level = level.upper()
    if level not in COMPATIBILITY_LEVELS:
        raise CliError(f"unknown compatibility level {level!r}")
    base = level.removesuffix("_TRANSITIVE")
    against = previous if level.endswith("_TRANSITIVE") else previous[:1]
    failures: list[dict[str, Any]] = []
    try:
        can_read(new, new)  # validates the new schema, also when there is nothing to compare
        for label, old in against:
            result = check_compatibility(new, [old], base)
            if not result.is_compatible:
                failures.append({"against": label, "reasons": _reasons(result.messages)})
                break  # as the registry does: report the first version that fails
    except InvalidSchemaError as exc:
        raise CliError(f"invalid schema: {exc}") from None
    compatible = not failures
    if args.format == "json":
        print(json.dumps({"compatible": compatible, "level": level,
                          "checked": [label for label, _ in against], "failures": failures}))
    elif not compatible:
        for failure in failures:
            print(f"incompatible with {failure['against']} ({level}):", file=sys.stdout)
            for reason in failure["reasons"]:
                print(f"  {reason}")
    elif not args.quiet:
        print(f"compatible ({level}, checked against {len(against)} previous)")
    return 0 if compatible else INCOMPATIBLE
