"""``encode``, ``decode`` and ``inspect``: frames in files, as hex or base64 lines or raw bytes."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any

from avroframe.registry import RegistryError
from avroframe.serde import frame
from avroframe.serde.deserializer import AvroDeserializer
from avroframe.serde.errors import SerdeError
from avroframe.serde.serializer import AvroSerializer
from avroframe.serde.subject import STRATEGIES

from .codec import FrameDecoder, ValueParser, load_json
from .common import CliError, emit, lines, read_bytes, read_text, registry, write_atomically
from .jsonvalue import decode_blob, encode_blob, to_json
from .progress import Progress


def subject_strategy(args: argparse.Namespace) -> Any:
    """The subject-name strategy named by ``--strategy``, or a fixed ``--subject``."""
    if getattr(args, "subject", None):
        subject = args.subject
        return lambda topic, is_key, name: subject
    return STRATEGIES[args.strategy]


def cmd_encode(args: argparse.Namespace) -> None:
    """JSON lines to frames."""
    ser = AvroSerializer(registry(args), read_text(args.schema),
                         subject_name_strategy=subject_strategy(args), id_format="id")
    schema = ser.schema
    assert schema is not None
    parser = ValueParser(schema, args.json_encoding)
    frames: list[bytes] = []
    with Progress("encode", unit="rec", quiet=args.quiet) as progress:
        for path, number, line in lines(args.inputs):
            try:
                value = parser.convert(load_json(line, args.json_encoding))
                data = ser.serialize(value, args.topic, args.key)
            except (ValueError, SerdeError) as exc:
                raise CliError(f"{path}:{number}: {type(exc).__name__}: {exc}") from exc
            frames.append(data or b"")
            progress.update(1)
    if args.format == "raw":
        if len(frames) != 1:
            raise CliError(f"--format raw writes one frame; the input holds {len(frames)} records"
                           " (use hex or base64 for several)")
        if args.output in (None, "-"):
            import sys

            sys.stdout.buffer.write(frames[0])
        else:
            write_atomically(args.output, frames[0])
        return
    emit([encode_blob(data, args.format) for data in frames], args.output)


def _frames(args: argparse.Namespace) -> Iterator[tuple[str, bytes]]:
    if args.format == "raw":
        for path in args.inputs or ["-"]:
            yield ("stdin" if path == "-" else path), read_bytes(path)
        return
    for path, number, line in lines(args.inputs):
        try:
            yield f"{path}:{number}", decode_blob(line, args.format)
        except ValueError as exc:
            raise CliError(f"{path}:{number}: {exc}") from exc


def cmd_decode(args: argparse.Namespace) -> None:
    """Frames to JSON lines."""
    reader = read_text(args.reader_schema) if args.reader_schema else None
    decoder = FrameDecoder(registry(args), args.json_encoding, reader, is_key=args.key)
    out = []
    with Progress("decode", unit="rec", quiet=args.quiet) as progress:
        for where, data in _frames(args):
            try:
                out.append(decoder.decode(data, None))
            except SerdeError as exc:
                raise CliError(f"{where}: {type(exc).__name__}: {exc}") from exc
            progress.update(1)
    emit(out, args.output)


def cmd_inspect(args: argparse.Namespace) -> None:
    """Describe frames: id format, schema id, where it is registered, body size, value."""
    reg = registry(args)
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
    emit(out, args.output)
