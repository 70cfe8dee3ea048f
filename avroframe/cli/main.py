"""The ``avroframe`` command: encode, decode and inspect frames; register and list schemas.

The registry is the persistent embedded one (``sqlite:///~/.avroframe/registry.db``) unless
``--registry URL`` names another. Errors print one line and exit non-zero; output is written
only when every input succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from avroframe.registry import RegistryError, connect
from avroframe.registry.protocol import SchemaRegistryClient
from avroframe.registry.types import Schema
from avroframe.serde import frame
from avroframe.serde.deserializer import AvroDeserializer
from avroframe.serde.errors import SerdeError
from avroframe.serde.serializer import AvroSerializer
from avroframe.serde.subject import STRATEGIES

from .jsonvalue import decode_blob, encode_blob, from_json, to_json

DEFAULT_REGISTRY = "sqlite:///" + str(Path.home() / ".avroframe" / "registry.db")


class CliError(Exception):
    """A usage or input problem reported as one line."""


def _registry(args: argparse.Namespace) -> SchemaRegistryClient:
    url = args.registry or DEFAULT_REGISTRY
    if url.startswith("sqlite:///") and url == DEFAULT_REGISTRY:
        Path(url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True)
    return connect(url)


def _read_text(path: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def _lines(paths: Sequence[str]) -> Iterator[tuple[str, int, str]]:
    for path in paths or ["-"]:
        for number, line in enumerate(_read_text(path).splitlines(), 1):
            if line.strip():
                yield path, number, line


def _emit(lines: list[str], output: str | None) -> None:
    text = "".join(line + "\n" for line in lines)
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)  # all or nothing: readers never see a half-written file
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cmd_encode(args: argparse.Namespace) -> None:
    reg = _registry(args)
    strategy = STRATEGIES[args.strategy]
    if args.subject:
        subject = args.subject
        strategy = lambda topic, is_key, name: subject  # noqa: E731
    ser = AvroSerializer(reg, _read_text(args.schema), subject_name_strategy=strategy)
    schema = ser.schema
    assert schema is not None
    out = []
    for path, number, line in _lines(args.inputs):
        try:
            value = from_json(schema, json.loads(line))
            data = ser.serialize(value, args.topic, args.key)
        except (ValueError, SerdeError) as exc:
            raise CliError(f"{path}:{number}: {type(exc).__name__}: {exc}") from exc
        out.append(encode_blob(data or b"", args.format))
    _emit(out, args.output)


def _frames(args: argparse.Namespace) -> Iterator[tuple[str, bytes]]:
    if args.format == "raw":
        for path in args.inputs:
            try:
                yield path, Path(path).read_bytes()
            except OSError as exc:
                raise CliError(f"cannot read {path}: {exc.strerror}") from exc
        return
    for path, number, line in _lines(args.inputs):
        try:
            yield f"{path}:{number}", decode_blob(line, args.format)
        except ValueError as exc:
            raise CliError(f"{path}:{number}: not {args.format}: {exc}") from exc


def cmd_decode(args: argparse.Namespace) -> None:
    reg = _registry(args)
    reader = _read_text(args.reader_schema) if args.reader_schema else None
    de = AvroDeserializer(reg, reader)
    out = []
    for where, data in _frames(args):
        try:
            out.append(to_json(de.deserialize(data, is_key=args.key)))
        except SerdeError as exc:
            raise CliError(f"{where}: {type(exc).__name__}: {exc}") from exc
    _emit(out, args.output)


def cmd_inspect(args: argparse.Namespace) -> None:
    reg = _registry(args)
    out = []
    for where, data in _frames(args):
        try:
            unpacked = frame.unpack(data)
        except SerdeError as exc:
            raise CliError(f"{where}: {type(exc).__name__}: {exc}") from exc
        info: dict[str, Any] = {
            "input": where,
            "format": "id" if unpacked.ref.guid is None else "guid",
            "schema_id": unpacked.ref.schema_id,
            "guid": str(unpacked.ref.guid) if unpacked.ref.guid else None,
            "body_bytes": len(data) - unpacked.body_offset,
        }
        if unpacked.ref.schema_id is not None:
            try:
                info["registered_as"] = [
                    {"subject": s, "version": v}
                    for s, v in reg.get_schema_versions(unpacked.ref.schema_id)
                ]
            except RegistryError:
                info["registered_as"] = []
        try:
            info["value"] = json.loads(to_json(AvroDeserializer(reg).deserialize(data)))
        except SerdeError as exc:
            info["error"] = f"{type(exc).__name__}: {exc}"
        out.append(json.dumps(info, ensure_ascii=False))
    _emit(out, args.output)


def cmd_register(args: argparse.Namespace) -> None:
    reg = _registry(args)
    schema = Schema(_read_text(args.schema).strip())
    schema_id = reg.register_schema(args.subject, schema)
    version = reg.lookup_schema(args.subject, schema).version
    print(json.dumps({"subject": args.subject, "id": schema_id, "version": version}))


def cmd_subjects(args: argparse.Namespace) -> None:
    for subject in _registry(args).get_subjects(args.prefix):
        print(subject)


def cmd_versions(args: argparse.Namespace) -> None:
    reg = _registry(args)
    for version in reg.get_versions(args.subject):
        got = reg.get_version(args.subject, version)
        print(
            json.dumps({"version": version, "id": got.schema_id, "schema": got.schema.schema_str})
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``avroframe`` command."""
    parser = argparse.ArgumentParser(prog="avroframe", description=__doc__.splitlines()[0])
    parser.add_argument("--registry", help=f"registry URL (default {DEFAULT_REGISTRY})")
    sub = parser.add_subparsers(dest="command", required=True)

    enc = sub.add_parser("encode", help="JSON lines -> frames (one per line)")
    enc.add_argument("--schema", required=True, help="writer schema file (.avsc)")
    enc.add_argument("--topic", required=True)
    enc.add_argument("--key", action="store_true", help="encode keys (subject <topic>-key)")
    enc.add_argument("--subject", help="register under this subject instead of a strategy")
    enc.add_argument("--strategy", choices=sorted(STRATEGIES), default="topic")
    enc.add_argument("--format", choices=("hex", "base64"), default="hex")
    enc.add_argument("--output", "-o", help="file to write (default stdout)")
    enc.add_argument("inputs", nargs="*", help="JSON lines files (default stdin)")
    enc.set_defaults(func=cmd_encode)

    dec = sub.add_parser("decode", help="frames -> JSON lines")
    dec.add_argument("--reader-schema", help="reader schema file for schema evolution")
    dec.add_argument(
        "--format",
        choices=("hex", "base64", "raw"),
        default="hex",
        help="hex or base64 lines, or raw files (one frame each)",
    )
    dec.add_argument("--key", action="store_true")
    dec.add_argument("--output", "-o")
    dec.add_argument("inputs", nargs="*")
    dec.set_defaults(func=cmd_decode)

    ins = sub.add_parser("inspect", help="describe frames: format, id, subjects, value")
    ins.add_argument("--format", choices=("hex", "base64", "raw"), default="hex")
    ins.add_argument("--output", "-o")
    ins.add_argument("inputs", nargs="*")
    ins.set_defaults(func=cmd_inspect)

    reg = sub.add_parser("register", help="register a schema under a subject")
    reg.add_argument("--subject", required=True)
    reg.add_argument("--schema", required=True)
    reg.set_defaults(func=cmd_register)

    subs = sub.add_parser("subjects", help="list subjects")
    subs.add_argument("--prefix")
    subs.set_defaults(func=cmd_subjects)

    ver = sub.add_parser("versions", help="list a subject's versions")
    ver.add_argument("subject")
    ver.set_defaults(func=cmd_versions)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (CliError, SerdeError, RegistryError, ValueError) as exc:
        print(f"avroframe: error: {exc}", file=sys.stderr)
        return 1
    except RecursionError:
        print("avroframe: error: the input nests too deeply", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`avroframe decode ... | head`): stop quietly, and keep Python
        # from reporting the pipe again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"avroframe: error: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
