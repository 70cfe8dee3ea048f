"""The README's Python examples run as written (Kafka ones against the test broker)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_examples() -> None:
    """The README shows code for the frame, serde, registries and both adapters."""
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", [i for i, b in enumerate(BLOCKS) if "9092" not in b])
def test_readme_example_runs(index: int) -> None:
    """Each example without a broker runs and its assertions hold."""
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), {})


@pytest.mark.kafka
@pytest.mark.parametrize("index", [i for i, b in enumerate(BLOCKS) if "9092" in b])
def test_readme_kafka_example_runs(index: int, kafka_bootstrap: str) -> None:
    """Each Kafka example runs against the real broker, with only the address changed."""
    code = BLOCKS[index].replace("localhost:9092", kafka_bootstrap)
    exec(compile(code, f"README.md[python block {index}]", "exec"), {})
