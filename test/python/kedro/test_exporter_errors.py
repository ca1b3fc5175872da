"""Bad input: exit code 2, one line on stderr naming the project and the cause, no manifest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    EXPORTER,
    KEDRO_MAJOR,
    PREFIX,
    copy_example,
    run_export,
    set_kedro_init_version,
    subprocess_env,
    write_project,
)

REGISTRY_IMPORTING_NODES = """
from kedro.pipeline import Pipeline, node

from broken_project.nodes import step


def register_pipelines():
    return {"__default__": Pipeline([node(step, "a", "b", name="step")])}
"""


def assert_bad_input(proc, project: Path, *fragments: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith(f"{PREFIX}{project.resolve()}: "), line
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in line, line
    return line


def export_to_file(project: Path, tmp_path: Path, *args: str, python: str | None = None):
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    proc = run_export(project, "--out", str(out_dir / "manifest.json"), *args, python=python)
    assert list(out_dir.iterdir()) == [], "nothing may be written on bad input"
    return proc


def test_missing_directory(tmp_path):
    project = tmp_path / "nowhere"
    assert_bad_input(export_to_file(project, tmp_path), project, "not a directory")


def test_not_a_kedro_project_without_pyproject(tmp_path):
    project = tmp_path / "plain"
    project.mkdir()
    assert_bad_input(export_to_file(project, tmp_path), project, "not a Kedro project")


def test_not_a_kedro_project_without_tool_kedro(tmp_path):
    project = tmp_path / "other"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert_bad_input(
        export_to_file(project, tmp_path), project, "not a Kedro project", "[tool.kedro]"
    )


def test_kedro_not_importable(tmp_path):
    project = copy_example(tmp_path / "example")
    # -S: no site-packages, so this interpreter has no Kedro
    python_without_kedro = str(Path(sys.executable))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.run(
        [
            python_without_kedro,
            "-S",
            str(EXPORTER),
            "--project",
            str(project),
            "--out",
            str(out_dir / "m.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
    )
    assert list(out_dir.iterdir()) == []
    assert_bad_input(proc, project, "Kedro is not importable", "No module named 'kedro'")


def test_unknown_pipeline(tmp_path):
    project = copy_example(tmp_path / "example")
    proc = export_to_file(project, tmp_path, "--pipeline", "nope")
    assert_bad_input(
        proc,
        project,
        "unknown pipeline 'nope'",
        "__default__, data_processing, reporting, spark_features",
    )


def test_unknown_env(tmp_path):
    project = copy_example(tmp_path / "example")
    proc = export_to_file(project, tmp_path, "--env", "staging")
    assert_bad_input(proc, project, "unknown env 'staging'")


def test_project_import_failure(tmp_path):
    project = write_project(
        tmp_path / "broken",
        "broken_project",
        {
            "nodes.py": "import no_such_module_9d2\n\n\ndef step(a):\n    return a\n",
            "pipeline_registry.py": REGISTRY_IMPORTING_NODES,
        },
    )
    proc = export_to_file(project, tmp_path)
    assert_bad_input(
        proc,
        project,
        "ModuleNotFoundError: No module named 'no_such_module_9d2'",
        "while importing the project",
    )


def test_settings_import_failure(tmp_path):
    project = write_project(
        tmp_path / "broken_settings",
        "broken_project",
        {
            "pipeline_registry.py": REGISTRY_IMPORTING_NODES,
            "nodes.py": "def step(a):\n  return a\n",
        },
    )
    (project / "src" / "broken_project" / "settings.py").write_text("import missing_settings_dep\n")
    proc = export_to_file(project, tmp_path)
    assert_bad_input(proc, project, "No module named 'missing_settings_dep'")


def test_project_made_for_another_kedro_line(tmp_path):
    project = copy_example(tmp_path / "example")
    other = "0.19.15" if KEDRO_MAJOR >= 1 else "1.7.0"
    set_kedro_init_version(project, other)
    proc = export_to_file(project, tmp_path)
    assert_bad_input(proc, project, f"Your Kedro project version {other} does not match")


@pytest.mark.parametrize("args", [[], ["--project"], ["--project", ".", "--bogus"]])
def test_usage_errors_exit_2(args):
    proc = subprocess.run(
        [sys.executable, str(EXPORTER), *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
