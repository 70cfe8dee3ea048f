"""Tests that the public API is complete, sorted, documented and typed."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest


@pytest.mark.parametrize("package", ["avroframe", "avroframe.serde", "avroframe.registry"])
def test_all_is_sorted_and_complete(package: str) -> None:
    """__all__ is sorted (constants, classes, functions), every name exists, nothing is missing."""
    module = importlib.import_module(package)
    exported = module.__all__

    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert exported == sorted(exported, key=isort_style)
    for name in exported:
        assert hasattr(module, name), name
    public_classes = {
        name for name, value in vars(module).items()
        if inspect.isclass(value) and not name.startswith("_")
        and value.__module__.startswith(package + ".")
    }
    assert public_classes <= set(exported)


@pytest.mark.parametrize("package", ["avroframe", "avroframe.serde", "avroframe.registry"])
def test_every_exported_name_has_a_docstring(package: str) -> None:
    """Each public class and function documents itself."""
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{package}.{name} has no docstring"


@pytest.mark.parametrize(
    "package", ["avroframe", "avroframe.serde", "avroframe.registry", "avroframe.adapters"]
)
def test_packages_ship_py_typed(package: str) -> None:
    """PEP 561: the packages say they are typed."""
    module = importlib.import_module(package)
    assert (Path(module.__file__).parent / "py.typed").exists()  # type: ignore[arg-type]


def test_importing_the_core_imports_no_kafka_client_or_http_library() -> None:
    """serde stays transport-agnostic: checked in a fresh interpreter."""
    import subprocess
    import sys

    code = (
        "import sys, avroframe, avroframe.serde, avroframe.adapters; "
        "bad = [m for m in ('kafka', 'confluent_kafka', 'requests') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == "[]"
