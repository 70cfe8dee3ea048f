"""A one-line progress and rate display on stderr, only when stderr is a terminal.

It uses tqdm (in the ``cli`` extra) when it is installed; without it, or with ``--quiet``, or
when stderr is not a terminal, the display is a no-op that costs nothing per message.
"""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Counts work done; draws ``what: N unit [elapsed, rate]`` when shown."""

    def __init__(self, what: str, *, unit: str = "msg", quiet: bool = False) -> None:
        self._bar: Any = None
        if quiet or not _stderr_is_terminal():
            return
        try:
            from tqdm import tqdm  # type: ignore[import-untyped]
        except ImportError:
            return
        self._bar = tqdm(desc=what, unit=unit, unit_scale=True, file=sys.stderr, leave=False,
                         dynamic_ncols=True, mininterval=0.2)

    @property
    def shown(self) -> bool:
        """Whether a display is drawn."""
        return self._bar is not None

    def update(self, count: int) -> None:
        """Add ``count`` units of work."""
        if self._bar is not None and count:
            self._bar.update(count)

    def close(self) -> None:
        """Remove the display line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
