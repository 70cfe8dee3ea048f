"""What every command shares: the one-line error, the registry, reading inputs, writing outputs."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from avroframe.registry import connect
from avroframe.registry.protocol import SchemaRegistryClient

DEFAULT_REGISTRY = "sqlite:///" + str(Path.home() / ".avroframe" / "registry.db")
REGISTRY_ENV = "AVROFRAME_REGISTRY_URL"


class CliError(Exception):
    """An input or runtime problem, reported as one line; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def one_line(text: object) -> str:
    """``text`` on one line (exception texts may hold line breaks)."""
    return " ".join(str(text).splitlines())


def registry_url(args: argparse.Namespace) -> str:
    """``--registry``, else ``$AVROFRAME_REGISTRY_URL``, else the embedded default."""
    return getattr(args, "registry", None) or os.environ.get(REGISTRY_ENV) or DEFAULT_REGISTRY


def registry(args: argparse.Namespace) -> SchemaRegistryClient:
    """The registry client the command line was pointed at."""
    url = registry_url(args)
    if url == DEFAULT_REGISTRY:
        Path(url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True)
    return connect(url)


def read_bytes(path: str) -> bytes:
    """The content of ``path`` (``-`` is stdin)."""
    try:
        if path != "-":
            return Path(path).read_bytes()
        stream = getattr(sys.stdin, "buffer", None)  # a replaced stdin may be text only
        return stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def read_text(path: str) -> str:
    """The UTF-8 text of ``path`` (``-`` is stdin); other encodings fail naming the file."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = "stdin" if path == "-" else path
        raise CliError(f"{where}: not UTF-8 text (invalid byte at offset {exc.start})") from None


def lines(paths: Sequence[str]) -> Iterator[tuple[str, int, str]]:
    """``(file, line number, line)`` for every non-blank line of the files (stdin by default).

    Lines are read as they come (``tail -f log | avroframe produce`` works); only ``\\n`` ends a
    line (str.splitlines would also split at U+2028 and other characters JSON strings may hold).
    """
    for path in paths or ["-"]:
        name = "stdin" if path == "-" else path
        for number, raw in enumerate(_binary_lines(path), 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CliError(
                    f"{name}:{number}: not UTF-8 text (invalid byte at column {exc.start + 1})"
                ) from None
            if line.strip():
                yield name, number, line.rstrip("\r\n")


def _binary_lines(path: str) -> Iterator[bytes]:
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a replaced, text-only stdin
            yield from (line.encode("utf-8") for line in sys.stdin)
            return
        yield from stream
        return
    try:
        handle = open(path, "rb")  # closed by the with below, also when the reader stops early
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        try:
            yield from handle
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def write_atomically(output: str, data: bytes) -> None:
    """Replace ``output`` with ``data`` all at once: readers never see a half-written file.

    A new file gets the mode the umask gives (the kernel applies it to ``0o666``); an existing
    file keeps its mode.
    """
    target = Path(output)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror}") from exc
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def emit(text_lines: Sequence[str], output: str | None, stdout: TextIO | None = None) -> None:
    """Write lines to ``output`` (atomically) or to stdout."""
    text = "".join(line + "\n" for line in text_lines)
    if output is None or output == "-":
        (stdout or sys.stdout).write(text)
        return
    write_atomically(output, text.encode("utf-8"))


class Interrupt:
    """While active, the first Ctrl-C (SIGINT) only sets ``requested``: the command finishes the
    work in hand (a batch, a flush) and stops cleanly. A second Ctrl-C interrupts at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> Interrupt:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        except ValueError:  # not the main thread: Ctrl-C keeps its usual effect
            pass
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
