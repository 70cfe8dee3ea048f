"""Top-level pytest fixtures: a real Kafka broker and a real Confluent-API schema registry.

Both servers are started on demand by the repo scripts (``scripts/kafka.sh``,
``scripts/registry.sh``), whose ``start`` is idempotent and leaves the server running for the
next session. Set ``AVROFRAME_BOOTSTRAP`` / ``AVROFRAME_REGISTRY_URL`` to use servers that are
already running elsewhere instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"

KAFKA_BOOTSTRAP = "127.0.0.1:19092"
REGISTRY_URL = "http://127.0.0.1:18081/apis/ccompat/v7"

# A cold start downloads ~200 MB from Maven Central before the server boots; bound it anyway.
START_TIMEOUT_S = 900

MARKERS = (
    "kafka: needs the real Kafka broker (kafka_bootstrap fixture, scripts/kafka.sh)",
    "registry_server: needs the real schema registry server (registry_url fixture, "
    "scripts/registry.sh)",
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers of tests that use the real servers."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def _start(script: str) -> None:
    """Run ``scripts/<script> start``; fail the session (never skip) if the server won't start."""
    env = dict(os.environ)
    # The scripts' health checks import confluent-kafka or kafka-python: use this interpreter.
    env.setdefault("PYTHON", sys.executable)
    cmd = ["bash", str(SCRIPTS / script), "start"]
    try:
        proc = subprocess.run(
            cmd,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"scripts/{script} start took over {START_TIMEOUT_S}s", pytrace=False)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr)[-4000:]
        pytest.fail(f"scripts/{script} start failed ({proc.returncode}):\n{output}", pytrace=False)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """Bootstrap servers of a running Kafka broker ("host:port")."""
    configured = os.environ.get("AVROFRAME_BOOTSTRAP")
    if configured:
        return configured
    _start("kafka.sh")
    return KAFKA_BOOTSTRAP


@pytest.fixture(scope="session")
def registry_url() -> str:
    """Base URL of a running registry's Confluent Schema Registry API (no trailing slash)."""
    configured = os.environ.get("AVROFRAME_REGISTRY_URL")
    if configured:
        return configured.rstrip("/")
    _start("registry.sh")
    return REGISTRY_URL


class CountingRegistry:
    """A registry proxy that records every call (method name, arguments) before delegating."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.log: list[tuple[str, tuple[Any, ...]]] = []

    @property
    def calls(self) -> Counter[str]:
        """Calls made so far, by method name."""
        return Counter(name for name, _ in self.log)

    @property
    def total(self) -> int:
        """How many calls were made."""
        return len(self.log)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.log.append((name, args))
            return attr(*args, **kwargs)

        return counted


@pytest.fixture
def counting_registry() -> type[CountingRegistry]:
    """The call-counting proxy class: ``counting_registry(inner)`` wraps a registry client."""
    return CountingRegistry
