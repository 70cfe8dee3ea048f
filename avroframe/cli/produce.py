"""``avroframe produce``: JSON lines from files or stdin as Avro messages on a topic.

Each line is checked against the schema before it is sent: a bad line names its file, line
number and field path, and nothing after it is sent unless ``--on-error skip``. Every delivery
report is checked; the command ends with the number delivered and fails naming the failures.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from avroframe.serde.errors import RegistryUnavailableError, SerdeError
from avroframe.serde.serializer import AvroSerializer

from .codec import ValueParser, load_json
from .common import CliError, lines, one_line, read_text, registry
from .files import subject_strategy
from .kafka import client_module, config, kafka_error_text
from .progress import Progress

FLUSH_TIMEOUT_S = 60.0
_MAX_FAILURES_NAMED = 5


class _Deliveries:
    """Counts delivery reports; remembers the first failures."""

    def __init__(self) -> None:
        self.delivered = 0
        self.failed = 0
        self.failures: list[str] = []

    def __call__(self, error: Any, msg: Any) -> None:
        if error is None:
            self.delivered += 1
            return
        self.failed += 1
        if len(self.failures) < _MAX_FAILURES_NAMED:
            self.failures.append(f"{msg.topic()}: {kafka_error_text(error)}")


class _Refused:
    """Stands for a message the client refused before queueing it (no Message object)."""

    def __init__(self, topic: str) -> None:
        self._topic = topic

    def topic(self) -> str:
        """The topic it was for."""
        return self._topic


def parse_headers(items: list[str] | None) -> list[tuple[str, bytes]]:
    """``--header NAME=VALUE`` options as Kafka headers (UTF-8 values)."""
    headers = []
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CliError(f"--header {item!r}: expected NAME=VALUE")
        headers.append((name, value.encode("utf-8")))
    return headers


def cmd_produce(args: argparse.Namespace) -> int:
    """Send the lines; returns the exit status."""
    ck = client_module()
    reg = registry(args)
    strategy = subject_strategy(args)
    values = AvroSerializer(reg, read_text(args.schema), subject_name_strategy=strategy,
                            id_format=args.id_format)
    keys = (AvroSerializer(reg, read_text(args.key_schema), subject_name_strategy=strategy,
                           id_format=args.id_format) if args.key_schema else None)
    assert values.schema is not None
    value_parser = ValueParser(values.schema, args.json_encoding)
    key_parser = ValueParser(keys.schema, args.json_encoding) if keys and keys.schema else None
    fixed_headers = parse_headers(args.header)
    producer = ck.Producer(config(args, **{"enable.idempotence": True, "linger.ms": 5}))
    report = _Deliveries()
    status = 0
    skipped = 0
    interrupted = False
    with Progress("produce", quiet=args.quiet) as progress:
        try:
            for path, number, line in lines(args.inputs):
                try:
                    key, value = _encode(line, args, keys, values, key_parser, value_parser,
                                         headers := list(fixed_headers))
                except (ValueError, SerdeError) as exc:
                    message = one_line(f"{path}:{number}: {_reason(exc)}")
                    if args.on_error != "skip" or isinstance(exc, RegistryUnavailableError):
                        raise CliError(message) from None
                    print(f"avroframe: skipped {message}", file=sys.stderr)
                    skipped += 1
                    continue
                try:
                    _send(producer, args.topic, key, value, headers or None, report)
                except ck.KafkaException as exc:  # refused locally, e.g. a message too large
                    report(exc.args[0], _Refused(args.topic))
                    continue
                progress.update(1)
        except CliError as exc:
            print(f"avroframe: error: {exc}", file=sys.stderr)
            status = 1
        except KeyboardInterrupt:  # Ctrl-C, e.g. while waiting for a line: deliver what was sent
            interrupted = True
        finally:
            remaining = producer.flush(FLUSH_TIMEOUT_S)
    not_reported = max(remaining, 0)
    summary = f"avroframe: {report.delivered} delivered"
    if skipped:
        summary += f", {skipped} skipped"
    if report.failed or not_reported:
        summary += f", {report.failed + not_reported} not delivered"
        named = report.failures + ([f"{not_reported} without a delivery report after "
                                    f"{FLUSH_TIMEOUT_S:g}s"] if not_reported else [])
        summary += ": " + "; ".join(named)
        status = 1
    if interrupted:
        summary += "; interrupted"
        status = status or 130
    print(summary, file=sys.stderr)
    return status


def _send(producer: Any, topic: str, key: bytes | None, value: bytes | None, headers: Any,
          report: _Deliveries) -> None:
    while True:
        try:
            producer.produce(topic, value=value, key=key, headers=headers, on_delivery=report)
            break
        except BufferError:  # the local queue is full: let deliveries drain it
            producer.poll(0.5)
    producer.poll(0)


def _encode(line: str, args: argparse.Namespace, keys: AvroSerializer | None,
            values: AvroSerializer, key_parser: ValueParser | None, value_parser: ValueParser,
            headers: list[tuple[str, bytes]]) -> tuple[bytes | None, bytes | None]:
    try:
        document = load_json(line, args.json_encoding)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    key: bytes | None = None
    if keys is not None:
        if not isinstance(document, dict) or set(document) - {"key", "value"}:
            raise ValueError('with --key-schema each line is {"key": ..., "value": ...}')
        assert key_parser is not None
        key = keys.serialize(_at("key", key_parser, document.get("key")), args.topic, True,
                             headers)
        document = document.get("value")
    value = values.serialize(_at("value" if keys else "", value_parser, document), args.topic,
                             False, headers)
    return key, value


def _at(side: str, parser: ValueParser, document: Any) -> Any:
    try:
        return parser.convert(document)
    except SerdeError:
        raise
    except ValueError as exc:
        raise ValueError(f"{side}: {exc}" if side else str(exc)) from None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"


