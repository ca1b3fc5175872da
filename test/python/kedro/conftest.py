"""Shared helpers for the tests that run real Kedro (and Spark) in this interpreter's venv.

scripts/test-python-kedro.sh runs these tests once under .venvs/kedro1 (Kedro 1.x) and once
under .venvs/kedro019 (Kedro 0.19.x). Kedro and PySpark are imported here without
importorskip: when either is missing, collection fails and so does the run. Every test works
in temporary copies of the example project; the repository is never written to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kedro
import pyspark  # noqa: F401  (fail, never skip, when PySpark is missing)
import pytest

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "spaceflights_spark"
EXPORTER = REPO / "python" / "kedro_airflow_k8s_export.py"
TEMPLATES = REPO / "templates" / "scripts"
VENV_BIN = Path(sys.executable).parent
KEDRO_VERSION = kedro.__version__
KEDRO_MAJOR = int(KEDRO_VERSION.split(".")[0])
PREFIX = "kedro-airflow-k8s export: "

# No telemetry (kedro-telemetry is a dependency of Kedro and would try the network), no
# inherited Kedro env, Spark bound to the loopback interface.
QUIET_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ next to the repository's scripts
    "DO_NOT_TRACK": "1",
    "KEDRO_DISABLE_TELEMETRY": "1",
    "SPARK_LOCAL_IP": "127.0.0.1",
}
for _key, _value in QUIET_ENV.items():
    os.environ[_key] = _value
os.environ.pop("KEDRO_ENV", None)
sys.dont_write_bytecode = True


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env.pop("KEDRO_ENV", None)
    env.update(extra)
    return env


def set_kedro_init_version(project: Path, version: str = KEDRO_VERSION) -> None:
    """Kedro refuses a project made for another major (1.x) or major.minor (0.19) version."""
    pyproject = project / "pyproject.toml"
    lines = pyproject.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("kedro_init_version"):
            lines[i] = f'kedro_init_version = "{version}"\n'
    pyproject.write_text("".join(lines))


def _example_ignore(folder: str, names: list[str]) -> set[str]:
    ignored = {n for n in names if n in {"__pycache__", ".pytest_cache", "logs"}}
    if Path(folder) == EXAMPLE / "data":
        ignored |= {n for n in names if n != "01_raw"}  # outputs of earlier local runs
    return ignored


def copy_example(dest: Path) -> Path:
    """A runnable copy of the example project for the Kedro line under test."""
    shutil.copytree(EXAMPLE, dest, ignore=_example_ignore)
    set_kedro_init_version(dest)
    return dest


def run_export(
    project: Path, *args: str, python: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python or sys.executable, str(EXPORTER), "--project", str(project), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env or subprocess_env(),
    )


def export_manifest(project: Path, *args: str) -> dict:
    proc = run_export(project, *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def write_project(root: Path, package: str, files: dict[str, str], catalog: str = "") -> Path:
    """A minimal Kedro project: pyproject, settings, conf/base and the given package files."""
    (root / "conf" / "base").mkdir(parents=True)
    (root / "conf" / "local").mkdir()
    (root / "conf" / "base" / "catalog.yml").write_text(catalog or "{}\n")
    (root / "conf" / "base" / "parameters.yml").write_text("{}\n")
    (root / "pyproject.toml").write_text(
        "[tool.kedro]\n"
        f'package_name = "{package}"\n'
        f'project_name = "{package.replace("_", "-")}"\n'
        f'kedro_init_version = "{KEDRO_VERSION}"\n'
    )
    pkg = root / "src" / package
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text("")
    for name, text in files.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="session")
def example_manifest(tmp_path_factory) -> dict:
    """The manifest of a fresh copy of the example, exported once per test session."""
    project = copy_example(tmp_path_factory.mktemp("example") / "spaceflights_spark")
    return export_manifest(project)


TEMPLATE_VARIABLES = ("group", "nodes", "env", "pipeline", "package", "projectHome", "packaged")
_PY_SLOT = re.compile(r"\{\{\{py ([A-Za-z]+)\}\}\}")


def render_py_template(template: Path, values: dict) -> str:
    """Stand-in for the TypeScript renderer: {{{py X}}} becomes the Python literal of X."""
    missing = set(TEMPLATE_VARIABLES) - set(values)
    assert not missing, f"values missing: {missing}"

    def literal(match: re.Match) -> str:
        return repr(values[match.group(1)])

    return _PY_SLOT.sub(literal, template.read_text())
