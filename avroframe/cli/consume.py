"""``avroframe consume``: Avro messages of live topics as JSON lines on stdout.

Offsets are committed only with ``--group``, and only for messages already written to stdout
(stored after each written batch, committed every 5 s and synchronously on the way out), so
Ctrl-C and resuming with the same group neither lose nor repeat messages. Ctrl-C finishes the
batch in hand and stops; a second Ctrl-C stops at once.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

from avroframe.serde.errors import RegistryUnavailableError, SerdeError

from .codec import FrameDecoder, schema_id_of
from .common import CliError, Interrupt, one_line, read_text, registry
from .kafka import client_module, config, kafka_error_text
from .progress import Progress

BATCH = 1000
POLL_S = 0.5
_dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode


def parse_offset(text: str) -> tuple[str, int]:
    """``beginning``, ``end``, ``N`` (absolute) or ``@MS`` (timestamp) as (kind, number)."""
    if text in ("beginning", "end"):
        return text, 0
    kind = "timestamp" if text.startswith("@") else "absolute"
    try:
        number = int(text.removeprefix("@"))
    except ValueError:
        raise CliError(f"--offset {text!r}: expected beginning, end, N or @timestamp-ms") from None
    if number < 0:
        raise CliError(f"--offset {text!r}: an offset is not negative")
    return kind, number


def _text(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # Avro's convention: code points 0-255


def cmd_consume(args: argparse.Namespace) -> int:
    """Print the messages of the topics; returns the exit status."""
    ck = client_module()
    kind, number = parse_offset("beginning" if args.from_beginning else args.offset or "end")
    reg = registry(args)
    value_reader = read_text(args.reader_schema) if args.reader_schema else None
    key_reader = read_text(args.key_reader_schema) if args.key_reader_schema else None
    values = FrameDecoder(reg, args.json_encoding, value_reader)
    keys = FrameDecoder(reg, args.json_encoding, key_reader, is_key=True)
    group = args.group
    consumer = ck.Consumer(config(
        args,
        **{
            "group.id": group or f"avroframe-console-{uuid.uuid4().hex}",
            # With a group, librdkafka commits the *stored* offsets (those of printed messages)
            # every 5 s and on close; we also commit them synchronously on the way out.
            "enable.auto.commit": bool(group),
            "enable.auto.offset.store": False,
            "enable.partition.eof": bool(args.exit_at_end),
            "auto.offset.reset": "earliest" if kind == "beginning" else "latest",
        },
    ))
    try:
        status = _run(ck, consumer, args, kind, number, keys, values)
    finally:
        try:
            if group:  # on every way out: what was printed stays consumed
                _commit_stored(ck, consumer)
        finally:
            consumer.close()
    return status


def _start(ck: Any, kind: str, number: int) -> Callable[[Any], int]:
    if kind == "beginning":
        return lambda tp: int(ck.OFFSET_BEGINNING)
    if kind == "end":
        return lambda tp: int(ck.OFFSET_END)
    return lambda tp: number


def _assign(ck: Any, consumer: Any, args: argparse.Namespace, kind: str, number: int) -> None:
    """Without a group: assign the partitions (all, or ``--partition``) at the start offset."""
    partitions = []
    for topic in args.topics:
        meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            reason = "no such topic"
            if meta is not None and meta.error is not None:
                reason = kafka_error_text(meta.error)
            raise CliError(f"topic {topic}: {reason}")
        ids = sorted(meta.partitions)
        if args.partition is not None:
            if args.partition not in meta.partitions:
                raise CliError(f"topic {topic} has no partition {args.partition}")
            ids = [args.partition]
        partitions += [ck.TopicPartition(topic, p) for p in ids]
    if kind == "timestamp":
        for tp in partitions:
            tp.offset = number
        partitions = consumer.offsets_for_times(partitions, timeout=10)
    else:
        start = _start(ck, kind, number)
        for tp in partitions:
            tp.offset = start(tp)
    consumer.assign(partitions)


def _subscribe(ck: Any, consumer: Any, args: argparse.Namespace, kind: str, number: int) -> None:
    explicit = args.offset is not None and kind in ("absolute", "timestamp")

    def on_assign(c: Any, partitions: list[Any]) -> None:
        if args.partition is not None:
            partitions = [tp for tp in partitions if tp.partition == args.partition]
        if explicit:
            for tp in partitions:
                tp.offset = number
            if kind == "timestamp":
                partitions = c.offsets_for_times(partitions, timeout=10)
        c.assign(partitions)

    consumer.subscribe(list(args.topics), on_assign=on_assign)


def _run(ck: Any, consumer: Any, args: argparse.Namespace, kind: str, number: int,
         keys: FrameDecoder, values: FrameDecoder) -> int:
    if args.group:
        _subscribe(ck, consumer, args, kind, number)
    else:
        _assign(ck, consumer, args, kind, number)
    out = sys.stdout
    limit = args.max_messages
    printed = 0
    at_end: set[tuple[str, int]] = set()
    status = 0
    write_line = _envelope if not args.value_only else None
    decode_value, decode_key, decode_values = values.decode, keys.decode, values.decode_many
    track_end = bool(args.exit_at_end)
    eof = ck.KafkaError._PARTITION_EOF
    with Interrupt() as stop, Progress("consume", quiet=args.quiet) as progress:
        while not stop.requested and (limit is None or printed < limit):
            batch = consumer.consume(BATCH if limit is None else min(BATCH, limit - printed),
                                     POLL_S)
            chunk: list[str] = []
            done: list[Any] = []  # messages handled (printed or skipped), to store offsets of
            failure: str | None = None
            lines = _values_at_once(batch, decode_values)
            for index, msg in enumerate(batch):
                error = msg.error()
                if error is not None:
                    if error.code() == eof:
                        at_end.add((msg.topic(), msg.partition()))
                        continue
                    if error.fatal() or not error.retriable():
                        failure = f"kafka: {kafka_error_text(error)}"
                        break
                    continue
                if track_end:
                    at_end.discard((msg.topic(), msg.partition()))
                try:
                    headers = msg.headers()
                    line = lines[index] if lines is not None else decode_value(msg.value(), headers)
                    if write_line is not None:
                        key = msg.key()
                        line = write_line(msg, decode_key(key, headers) if _is_frame(key)
                                          else _dumps(_text(key)), line, headers)
                except RegistryUnavailableError as exc:
                    failure = one_line(f"{_where(msg)}: registry unavailable: {exc}")
                    break
                except SerdeError as exc:
                    reason = one_line(f"{type(exc).__name__}: {exc}")
                    if args.on_error == "raise":
                        failure = f"{_where(msg)}: {reason}"
                        break
                    if args.on_error == "report":
                        print(_dumps({"topic": msg.topic(), "partition": msg.partition(),
                                      "offset": msg.offset(), "error": reason}),
                              file=sys.stderr, flush=True)
                    done.append(msg)
                    continue
                chunk.append(line)
                done.append(msg)
            if chunk:
                out.write("\n".join(chunk) + "\n")
                out.flush()
                printed += len(chunk)
                progress.update(len(chunk))
            if args.group and done:
                consumer.store_offsets(offsets=_next_offsets(ck, done))
            if failure is not None:
                print(f"avroframe: error: {failure}", file=sys.stderr)
                status = 1
                break
            if args.exit_at_end and _all_at_end(consumer, at_end):
                break
    return status


def _values_at_once(batch: list[Any], decode_many: Any) -> list[str] | None:
    """The value lines of a batch decoded at once, or None: then each message is decoded alone
    (headers, client errors such as partition EOF, or any frame that fails, which the loop then
    reports with its own offset and policy)."""
    if decode_many is None or not batch:
        return None
    try:
        if any(msg.error() is not None or msg.headers() for msg in batch):
            return None
        return list(decode_many([msg.value() for msg in batch]))
    except SerdeError:
        return None


def _commit_stored(ck: Any, consumer: Any) -> None:
    try:
        consumer.commit(asynchronous=False)
    except ck.KafkaException as exc:
        if exc.args[0].code() != ck.KafkaError._NO_OFFSET:
            raise CliError(f"commit failed: {kafka_error_text(exc.args[0])}") from None


def _is_frame(data: bytes | None) -> bool:
    return data is not None and len(data) >= 5 and data[0] in (0, 1)


def _where(msg: Any) -> str:
    return f"{msg.topic()}[{msg.partition()}]@{msg.offset()}"


def _next_offsets(ck: Any, msgs: list[Any]) -> list[Any]:
    last: dict[tuple[str, int], int] = {}
    for msg in msgs:
        last[(msg.topic(), msg.partition())] = msg.offset()
    return [ck.TopicPartition(t, p, o + 1) for (t, p), o in last.items()]


def _all_at_end(consumer: Any, at_end: set[tuple[str, int]]) -> bool:
    assigned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
    return bool(assigned) and assigned <= at_end


def _envelope(msg: Any, key: str, value: str, headers: Any) -> str:
    """One envelope line; ``key`` and ``value`` are JSON text already."""
    ts_type, ts = msg.timestamp()
    data = msg.value()
    if data is None:
        value_id = "null"
    elif not headers and len(data) >= 5 and data[0] == 0:  # the common case, inline
        value_id = str(int.from_bytes(data[1:5], "big"))
    else:
        value_id = _dumps(schema_id_of(data, headers))
    raw_key = msg.key()
    key_id = _dumps(schema_id_of(raw_key, headers, is_key=True)) if _is_frame(raw_key) else "null"
    head = _dumps([[name, _text(v)] for name, v in headers]) if headers else "[]"
    topic = _topic_json(msg.topic())
    return (
        f'{{"topic":{topic},"partition":{msg.partition()},"offset":{msg.offset()},'
        f'"timestamp":{"null" if ts_type == 0 else ts},"key":{key},"value":{value},'
        f'"key_schema_id":{key_id},"value_schema_id":{value_id},"headers":{head}}}'
    )


@functools.lru_cache(maxsize=256)
def _topic_json(topic: str) -> str:
    return _dumps(topic)
