"""The avroframe command: argument parsing and dispatch to the commands' modules."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from avroframe.registry import RegistryError
from avroframe.serde.errors import SerdeError
from avroframe.serde.subject import STRATEGIES

from .codec import JSON_ENCODINGS
from .common import DEFAULT_REGISTRY, REGISTRY_ENV, CliError, one_line

DESCRIPTION = (
    "Avro in Confluent's wire format: encode, decode and inspect frames; register and list "
    "schemas; consume and produce Kafka topics; check schema compatibility."
)
USAGE_STATUS = 2


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (and exit status 2), pointing at --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_STATUS, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], Any]:
    """A command imported when it runs, so a command never pays for another's imports."""

    def run(args: argparse.Namespace) -> Any:
        from importlib import import_module

        return getattr(import_module(f"avroframe.cli.{module}"), name)(args)

    return run


def _common(registry: bool = True, quiet: bool = False) -> _Parser:
    parent = _Parser(add_help=False)
    if registry:
        # SUPPRESS: given after the subcommand it wins; not given, the global one stays.
        parent.add_argument(
            "--registry", metavar="URL", default=argparse.SUPPRESS,
            help=f"registry URL (default: ${REGISTRY_ENV}, else {DEFAULT_REGISTRY})",
        )
    if quiet:
        parent.add_argument("--quiet", "-q", action="store_true",
                            help="no progress display (shown only when stderr is a terminal)")
    return parent


def _json_encoding(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--json-encoding", choices=JSON_ENCODINGS, default="plain",
        help=f"{what}: plain JSON (default; logical types as text, unions as plain values) or "
             "Avro's JSON encoding (as Confluent's console tools: unions as {\"type\": value}, "
             "logical types as their underlying values)",
    )


def _kafka(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bootstrap", metavar="HOST:PORT",
                        help="Kafka bootstrap servers (default: $AVROFRAME_BOOTSTRAP, "
                             "else localhost:9092)")
    parser.add_argument("--config", metavar="KEY=VALUE", action="append",
                        help="a librdkafka setting, e.g. security.protocol=SSL (repeatable)")


def _files(parser: argparse.ArgumentParser, formats: Sequence[str], what: str) -> None:
    parser.add_argument("--format", choices=formats, default="hex",
                        help=f"{what}: hex or base64 lines, or raw bytes (one frame per file)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="file to write, replaced only when every input succeeded "
                             "(default: stdout)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``avroframe`` command."""
    parser = _Parser(prog="avroframe", description=DESCRIPTION, parents=[_common()])
    parser.set_defaults(registry=None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)

    enc = sub.add_parser("encode", help="JSON lines -> frames (one per line)",
                         parents=[_common(quiet=True)])
    enc.add_argument("--schema", required=True, metavar="FILE", help="writer schema (.avsc)")
    enc.add_argument("--topic", required=True, help="topic the frames are for (names the subject)")
    enc.add_argument("--key", action="store_true", help="encode keys (subject <topic>-key)")
    enc.add_argument("--subject", help="register under this subject instead of a strategy")
    enc.add_argument("--strategy", choices=sorted(STRATEGIES), default="topic",
                     help="subject-name strategy (default: topic)")
    _json_encoding(enc, "input")
    _files(enc, ("hex", "base64", "raw"), "output")
    enc.add_argument("inputs", nargs="*", metavar="FILE", help="JSON lines files (default: stdin)")
    enc.set_defaults(func=_lazy("files", "cmd_encode"))

    dec = sub.add_parser("decode", help="frames -> JSON lines", parents=[_common(quiet=True)])
    dec.add_argument("--reader-schema", metavar="FILE", help="decode into this schema (evolution)")
    dec.add_argument("--key", action="store_true", help="the frames are keys")
    _json_encoding(dec, "output")
    _files(dec, ("hex", "base64", "raw"), "input")
    dec.add_argument("inputs", nargs="*", metavar="FILE", help="frame files (default: stdin)")
    dec.set_defaults(func=_lazy("files", "cmd_decode"))

    ins = sub.add_parser("inspect", help="describe frames: format, id, subjects, value",
                         parents=[_common()])
    _files(ins, ("hex", "base64", "raw"), "input")
    ins.add_argument("inputs", nargs="*", metavar="FILE", help="frame files (default: stdin)")
    ins.set_defaults(func=_lazy("files", "cmd_inspect"))

    reg = sub.add_parser("register", help="register a schema under a subject",
                         parents=[_common()])
    reg.add_argument("--subject", required=True, help="subject to register under")
    reg.add_argument("--schema", required=True, metavar="FILE", help="schema file (.avsc)")
    reg.set_defaults(func=_lazy("schemas", "cmd_register"))

    subs = sub.add_parser("subjects", help="list subjects", parents=[_common()])
    subs.add_argument("--prefix", help="only subjects starting with this")
    subs.set_defaults(func=_lazy("schemas", "cmd_subjects"))

    ver = sub.add_parser("versions", help="list a subject's versions", parents=[_common()])
    ver.add_argument("subject", help="the subject")
    ver.set_defaults(func=_lazy("schemas", "cmd_versions"))

    con = sub.add_parser("consume", help="print Avro messages of topics as JSON lines",
                         parents=[_common(quiet=True)])
    con.add_argument("topics", nargs="+", metavar="TOPIC", help="topics to read")
    _kafka(con)
    start = con.add_mutually_exclusive_group()
    start.add_argument("--from-beginning", action="store_true",
                       help="start at the beginning (same as --offset beginning)")
    start.add_argument("--offset", metavar="WHERE",
                       help="beginning, end (default), an offset N, or @TIMESTAMP_MS; with "
                            "--group, N and @TIMESTAMP_MS override committed offsets and "
                            "beginning/end apply where none is committed")
    con.add_argument("--partition", type=int, metavar="N", help="read only this partition")
    con.add_argument("--group", help="consumer group; offsets of printed messages are "
                                     "committed (without it: nothing is committed)")
    con.add_argument("--max-messages", type=int, metavar="N", help="stop after N messages")
    con.add_argument("--exit-at-end", action="store_true",
                     help="stop when every partition is read to its end")
    con.add_argument("--reader-schema", metavar="FILE", help="read values into this schema")
    con.add_argument("--key-reader-schema", metavar="FILE", help="read Avro keys into this schema")
    con.add_argument("--on-error", choices=("raise", "skip", "report"), default="raise",
                     help="a message that does not decode: stop with an error (default), skip "
                          "it, or report it as a JSON line on stderr and go on")
    con.add_argument("--value-only", action="store_true",
                     help="print values only (default: an envelope with topic, partition, "
                          "offset, timestamp, key, value, schema ids and headers)")
    _json_encoding(con, "output")
    con.set_defaults(func=_lazy("consume", "cmd_consume"))

    pro = sub.add_parser("produce", help="send JSON lines to a topic as Avro messages",
                         parents=[_common(quiet=True)])
    pro.add_argument("topic", metavar="TOPIC", help="topic to write")
    pro.add_argument("inputs", nargs="*", metavar="FILE", help="JSON lines files (default: stdin)")
    _kafka(pro)
    pro.add_argument("--schema", required=True, metavar="FILE", help="value schema (.avsc)")
    pro.add_argument("--key-schema", metavar="FILE",
                     help='key schema; each line is then {"key": ..., "value": ...}')
    pro.add_argument("--header", metavar="NAME=VALUE", action="append",
                     help="a header added to every message (repeatable)")
    pro.add_argument("--subject", help="register under this subject instead of a strategy")
    pro.add_argument("--strategy", choices=sorted(STRATEGIES), default="topic",
                     help="subject-name strategy (default: topic)")
    pro.add_argument("--id-format", choices=("id", "guid", "header"), default="id",
                     help="how frames name the schema: 4-byte id (default), GUID prefix, or "
                          "GUID header")
    pro.add_argument("--on-error", choices=("raise", "skip"), default="raise",
                     help="a line that does not fit the schema: stop before sending anything "
                          "after it (default), or skip it with a note on stderr")
    _json_encoding(pro, "input")
    pro.set_defaults(func=_lazy("produce", "cmd_produce"))

    com = sub.add_parser("compat", help="check a schema change (exit 0 compatible, "
                                        "3 incompatible, 1 undecided)",
                         parents=[_common(quiet=True)])
    com.add_argument("schema", metavar="NEW", help="the new schema (.avsc)")
    com.add_argument("--previous", metavar="FILE", action="append",
                     help="a previous version, newest first (repeatable)")
    com.add_argument("--subject", help="compare with the versions this subject holds")
    com.add_argument("--level", type=str.upper, metavar="LEVEL",
                     help="BACKWARD (default with --previous), FORWARD, FULL, their _TRANSITIVE "
                          "forms or NONE; with --subject: the subject's level unless given")
    com.add_argument("--format", choices=("text", "json"), default="text",
                     help="text (reasons one per line) or one JSON object")
    com.set_defaults(func=_lazy("compat", "cmd_compat"))
    return parser


def _error(exc: BaseException) -> None:
    """The one line an error gets, whatever line breaks its text holds."""
    print(f"avroframe: error: {one_line(exc)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse stops filling a positional list at the first option: `produce TOPIC --schema S
    # FILE` leaves FILE over. Operands given after options join their list.
    target = "inputs" if hasattr(args, "inputs") else "topics" if hasattr(args, "topics") else ""
    if extra and target and not any(item.startswith("-") and item != "-" for item in extra):
        setattr(args, target, [*getattr(args, target), *extra])
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        status = args.func(args)
    except CliError as exc:
        _error(exc)
        return exc.status
    except (SerdeError, RegistryError, ValueError) as exc:
        _error(exc)
        return 1
    except RecursionError:
        print("avroframe: error: the input nests too deeply", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`avroframe decode ... | head`): stop quietly, and keep Python
        # from reporting the pipe again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"avroframe: error: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return status if isinstance(status, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
