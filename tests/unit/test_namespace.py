"""One import namespace: the wheel installs ``avroframe`` and nothing else at the top level, and
foreign top-level ``serde``, ``registry`` and ``adapters`` packages (PyPI's pyserde, AdapterHub's
adapters, ...) live beside it without either side breaking."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--disable-pip-version-check", "-w", str(out), str(REPO)],
        check=True, timeout=300, capture_output=True,
    )
    (built,) = out.glob("avroframe-*.whl")
    return built


def test_the_wheel_has_one_top_level_import_name(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(
        (".dist-info", ".data"))}
    assert tops == {"avroframe"}
    for package in ("avroframe", "avroframe/serde", "avroframe/registry", "avroframe/adapters",
                    "avroframe/cli"):
        assert f"{package}/__init__.py" in names
    for typed in ("avroframe", "avroframe/serde", "avroframe/registry", "avroframe/adapters"):
        assert f"{typed}/py.typed" in names
    assert "avroframe/serde/codec.py" in names and "avroframe/registry/http.py" in names


def test_foreign_serde_registry_and_adapters_packages_coexist(tmp_path: Path) -> None:
    """Foreign packages named serde, registry and adapters come first on the path: both work."""
    for name in ("serde", "registry", "adapters"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"FOREIGN = {name!r}\n")
    code = (
        "import serde, registry, adapters\n"
        "import avroframe, avroframe.adapters.kafka_python, avroframe.cli\n"
        "from avroframe.serde import frame\n"
        "assert (serde.FOREIGN, registry.FOREIGN, adapters.FOREIGN) == "
        "('serde', 'registry', 'adapters')\n"
        "reg = avroframe.connect('memory://coexist')\n"
        "data = avroframe.AvroSerializer(reg, '\"long\"').serialize(7, 't')\n"
        "assert frame.unpack(data).body == b'\\x0e'\n"
        "assert avroframe.AvroDeserializer(reg).deserialize(data) == 7\n"
        "import sys\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('serde', 'registry', "
        "'adapters') and m.count('.')))\n"
    )
    # The foreign folder is the working directory and first on the path; the repository is not.
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"  # nothing of ours was imported under a bare name


def test_python_dash_m_avroframe_runs_the_command_line(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "avroframe", "--help"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "encode" in out.stdout and "decode" in out.stdout


def test_no_module_imports_a_bare_layer_name() -> None:
    """Every import of our own layers goes through the avroframe namespace (or is relative)."""
    import ast

    offenders = []
    for folder in ("serde", "registry", "adapters", "avroframe/cli", "tests", "benchmarks"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                offenders += [
                    f"{path.relative_to(REPO)}: {name}" for name in names
                    if name.split(".")[0] in ("serde", "registry", "adapters")
                ]
    assert offenders == []
