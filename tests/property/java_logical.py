"""fastavro with avroframe's logical types, as an oracle for the property tests.

avroframe never changes fastavro's global tables; these tests compare it with fastavro doing the
same conversions per message, so the tables hold ours for the length of one oracle call only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastavro.read import LOGICAL_READERS
from fastavro.write import LOGICAL_WRITERS

from avroframe.serde.logical import READERS, WRITERS


@contextmanager
def java_logical_types() -> Iterator[None]:
    """fastavro converts logical types as avroframe does inside the block, as before after it."""
    saved = [(table, dict(table)) for table in (LOGICAL_READERS, LOGICAL_WRITERS)]
    LOGICAL_READERS.update(READERS)
    LOGICAL_WRITERS.update(WRITERS)
    try:
        yield
    finally:
        for table, before in saved:
            table.clear()
            table.update(before)
