"""Fixtures for unit tests: a fresh embedded registry per test, and a call-counting proxy."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest

import registry


class CountingRegistry:
    """Wraps a registry and counts every call made through it, by method name."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted


@pytest.fixture
def memory_registry() -> Any:
    """A fresh ``memory://`` registry, isolated from every other test."""
    return registry.connect(f"memory://unit-{uuid.uuid4()}")


@pytest.fixture
def counting(memory_registry: Any) -> CountingRegistry:
    """The test's memory registry behind a call counter."""
    return CountingRegistry(memory_registry)
