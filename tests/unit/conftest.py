"""Fixtures for unit tests: a fresh embedded registry per test, and one behind a call counter."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from avroframe import registry


@pytest.fixture
def memory_registry() -> Any:
    """A fresh ``memory://`` registry, isolated from every other test."""
    return registry.connect(f"memory://unit-{uuid.uuid4()}")


@pytest.fixture
def counting(memory_registry: Any, counting_registry: Any) -> Any:
    """The test's memory registry behind a call counter (``.calls``, ``.total``, ``.log``)."""
    return counting_registry(memory_registry)
