"""`kedro-airflow-k8s manifest` (the TypeScript CLI) runs the exporter under the interpreter it
is given and writes the same manifest as the exporter itself; its errors keep exit code 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import KEDRO_VERSION, REPO, copy_example, export_manifest, subprocess_env

CLI = REPO / "dist" / "cli.js"


def cli(*args: str) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "node is not on PATH"
    assert CLI.is_file(), f"{CLI} is missing: run `npm ci` (it builds dist/) first"
    return subprocess.run(
        [node, str(CLI), *args], capture_output=True, text=True, env=subprocess_env(), check=False
    )


def test_manifest_command_writes_the_exporters_manifest(tmp_path: Path):
    project = copy_example(tmp_path / "project")
    out = tmp_path / "manifest.json"
    args = ("--project", str(project), "--python", sys.executable, "--env", "cloud")
    done = cli("manifest", *args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = json.loads(out.read_text())
    assert written == export_manifest(project, "--env", "cloud")
    assert written["project"]["kedroVersion"] == KEDRO_VERSION
    # The manifest plans: the CLI reads what the CLI wrote.
    plan = cli("plan", "--manifest", str(out), "--json")
    assert plan.returncode == 0, plan.stderr
    assert any(g["kind"] == "spark" for g in json.loads(plan.stdout)["groups"])


def test_plan_refuses_local_paths_that_cross_tasks(tmp_path: Path):
    """In the default env every dataset is under data/: each one that a task hands to another
    is named, since deployed tasks share no disk."""
    project = copy_example(tmp_path / "project")
    out = tmp_path / "manifest.json"
    done = cli("manifest", "--project", str(project), "--python", sys.executable, "--out", str(out))
    assert done.returncode == 0, done.stderr
    plan = cli("plan", "--manifest", str(out))
    assert plan.returncode == 2 and plan.stdout == ""
    lines = plan.stderr.strip().splitlines()
    named = sorted(line.split("datasets.")[1].split(".location")[0] for line in lines)
    assert named == [
        "engine_stats",
        "preprocessed_companies",
        "preprocessed_shuttles",
        "price_bands",
        "shuttle_scores",
    ]
    assert all("share no disk" in line for line in lines)


def test_manifest_command_reports_a_bad_project_in_one_line(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "manifest.json"
    empty = str(tmp_path / "empty")
    done = cli("manifest", "--project", empty, "--python", sys.executable, "--out", str(out))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists()


def test_manifest_command_names_a_missing_interpreter(tmp_path: Path):
    done = cli("manifest", "--project", str(tmp_path), "--python", str(tmp_path / "no-python"))
    assert done.returncode == 2
    assert "--python: expected a Python interpreter that can be run (ENOENT)" in done.stderr


def test_manifest_check_on_a_fresh_and_on_a_modified_project(tmp_path: Path):
    """`manifest --check FILE`, the CI guard: 0 while FILE equals a fresh export; 1 with what
    changed once the code, the catalog and the run config move on; FILE is never written."""
    project = copy_example(tmp_path / "project")
    committed = tmp_path / "manifest.json"
    args = ("--project", str(project), "--python", sys.executable, "--env", "cloud")
    assert cli("manifest", *args, "--out", str(committed)).returncode == 0
    before = committed.read_bytes()

    fresh = cli("manifest", *args, "--check", str(committed))
    assert (fresh.returncode, fresh.stderr) == (0, ""), fresh.stderr
    assert fresh.stdout == f"{committed}: up to date (equal to a fresh export)\n"

    package = project / "src" / "spaceflights_spark"
    pipeline = package / "pipelines" / "data_processing" / "pipeline.py"
    pipeline.write_text(pipeline.read_text().replace('"check_shuttles_node"', '"check_v2_node"'))
    catalog = project / "conf" / "base" / "catalog.yml"
    text = catalog.read_text()
    assert "type: pandas.CSVDataset" in text
    catalog.write_text(text.replace("type: pandas.CSVDataset", "type: pandas.ExcelDataset", 1))
    prod = project / "conf" / "cloud" / "airflow-k8s.yml"  # the env's file replaces base's
    prod.write_text("run_config:\n  image: img:2\n  env: cloud\n")

    stale = cli("manifest", *args, "--check", str(committed))
    assert stale.returncode == 1, stale.stderr
    lines = stale.stdout.splitlines()
    assert lines[0].startswith(f"{committed}: stale"), stale.stdout
    assert "  nodes: 1 added (check_v2_node), 1 removed (check_shuttles_node)" in lines
    changed = [line for line in lines if line.startswith("  datasets: 1 changed (")]
    assert len(changed) == 1 and "type" in changed[0], stale.stdout
    # Kedro's destructive merge: the env's run_config replaces base's whole, so every key of
    # base's but `env` (the same) changed or went; listed alphabetically, five at most.
    keys = sorted(set(json.loads(before)["runConfig"]) - {"env"})
    shown = ", ".join(keys[:5])
    assert f"  runConfig: {len(keys)} keys changed ({shown}, and {len(keys) - 5} more)" in lines
    assert committed.read_bytes() == before

    # Bad input: exit 2, and the check is never "stale" by mistake.
    assert cli("manifest", *args, "--check", str(tmp_path / "none.json")).returncode == 2
    wrong_env = cli("manifest", *args[:-1], "staging", "--check", str(committed))
    assert wrong_env.returncode == 2 and "unknown env 'staging'" in wrong_env.stderr
    both = cli("manifest", *args, "--check", str(committed), "--out", str(committed))
    assert both.returncode == 2 and committed.read_bytes() == before
