"""End to end: export -> plan (TypeScript CLI) -> run the plan like Airflow -> same data.

In temporary copies of the example project:
  1. export the manifest with the exporter;
  2. ask the TypeScript CLI for the plan (`node dist/components/cli/main.js plan --json`) and
     for the run scripts (`... compile --out DIR`: DIR/artifacts/<group>-<hash>.py);
  3. execute the groups in plan order as Airflow would: a default group with
     `kedro run --env E --nodes a,b` (a pod), a Spark group under `spark-submit --master
     local[2]`, once through its rendered Dataproc main file and once, in a second copy,
     through k8s_runner.py (the Spark-on-Kubernetes contract);
  4. compare every persisted output with a plain `kedro run` of the whole pipeline.
The TypeScript side must be built first (`npm ci` runs the build); without it this test fails.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
from conftest import (
    REPO,
    TEMPLATES,
    VENV_BIN,
    copy_example,
    run_export,
    subprocess_env,
)

CLI = REPO / "dist" / "components" / "cli" / "main.js"
SPARK_CONF = {"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false"}
EXPECTED_OUTPUTS = {
    "02_intermediate/preprocessed_companies.parquet",
    "02_intermediate/preprocessed_shuttles.parquet",
    "03_primary/reviews_clean",
    "03_primary/shuttle_features",
    "04_feature/engine_stats.csv",
    "04_feature/price_bands.csv",
    "05_model_input/model_input",
    "07_model_output/shuttle_scores.parquet",
    "08_reporting/price_bands.csv",
    "08_reporting/top_shuttles.csv",
}


def spark_env(project: Path) -> dict[str, str]:
    conf = " ".join(f"--conf {key}={value}" for key, value in SPARK_CONF.items())
    return subprocess_env(
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        # for Spark started inside `kedro run` (no spark-submit): same settings, 2 cores
        PYSPARK_SUBMIT_ARGS=f"--master local[2] {conf} pyspark-shell",
        PROJECT_HOME=str(project),
    )


def run(cmd: list[str], project: Path, what: str) -> None:
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=project,
        env=spark_env(project),
    )
    assert proc.returncode == 0, (
        f"{what} failed ({proc.returncode}): {' '.join(cmd)}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-6000:]}"
    )


def spark_submit(script: Path, *args: str) -> list[str]:
    conf = [part for key, value in SPARK_CONF.items() for part in ("--conf", f"{key}={value}")]
    return [str(VENV_BIN / "spark-submit"), "--master", "local[2]", *conf, str(script), *args]


def get_plan(manifest_path: Path, config: Path) -> dict:
    node = shutil.which("node")
    assert node, "node is not on PATH"
    assert CLI.is_file(), f"{CLI} is missing: run `npm ci` (it builds dist/) first"
    proc = subprocess.run(
        [
            node,
            str(CLI),
            "plan",
            "--manifest",
            str(manifest_path),
            "--config",
            str(config),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def check_plan(plan: dict, manifest: dict) -> None:
    groups = plan["groups"]
    seen: list[str] = []
    placed: list[str] = []
    for group in groups:
        assert group["kind"] in ("spark", "default")
        assert set(group["upstream"]) <= set(seen), f"{group['name']} before its upstream"
        seen.append(group["name"])
        placed.extend(group["nodes"])
    assert sorted(placed) == sorted(n["name"] for n in manifest["nodes"])
    assert any(group["kind"] == "spark" for group in groups)


def compile_run_scripts(manifest_path: Path, config: Path, plan: dict, manifest: dict, out: Path):
    """The Dataproc main file of each Spark group, from `compile` (artifacts/<group>-<hash>.py)."""
    proc = subprocess.run(
        [
            shutil.which("node"),
            str(CLI),
            "compile",
            "--manifest",
            str(manifest_path),
            "--config",
            str(config),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    artifacts = sorted((out / "artifacts").iterdir())
    scripts = {}
    for group in plan["groups"]:
        if group["kind"] != "spark":
            continue
        pattern = re.compile(rf"{re.escape(group['name'])}(-[0-9a-f]+)?\.py")
        found = [path for path in artifacts if pattern.fullmatch(path.name)]
        assert len(found) == 1, (group["name"], [p.name for p in artifacts])
        script = found[0]
        # the compiled script carries this group's values, as the template's contract says
        constants = script_constants(script)
        assert constants["GROUP"] == group["name"]
        assert constants["NODES"] == group["nodes"]
        assert constants["ENV"] == manifest["env"]
        assert constants["PIPELINE"] == manifest["pipeline"]
        assert constants["PACKAGE"] == manifest["project"]["package"]
        lint = subprocess.run(
            [str(VENV_BIN / "ruff"), "check", "--no-cache", str(script)],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
        )
        assert lint.returncode == 0, lint.stdout
        scripts[group["name"]] = script
    return scripts


def script_constants(script: Path) -> dict:
    constants = {}
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return constants


def execute_plan(plan: dict, manifest: dict, project: Path, spark_via: str, scripts: dict) -> None:
    env = manifest["env"]
    for group in plan["groups"]:
        nodes = group["nodes"]
        if group["kind"] == "default":
            cmd = [str(VENV_BIN / "kedro"), "run", "--env", env, "--nodes", ",".join(nodes)]
        elif spark_via == "dataproc":
            cmd = spark_submit(scripts[group["name"]])
        else:
            cmd = spark_submit(
                TEMPLATES / "k8s_runner.py",
                "run",
                "--env",
                env,
                "--node",
                ",".join(nodes),
                "--runner=ThreadRunner",
                "--pipeline",
                manifest["pipeline"],
            )
        run(cmd, project, f"group {group['name']} ({group['kind']}, {spark_via})")


def persisted_outputs(project: Path) -> dict[str, pd.DataFrame]:
    """Every dataset the pipeline wrote under data/ (not the raw inputs), rows sorted."""
    frames = {}
    for layer in sorted((project / "data").iterdir()):
        if layer.name == "01_raw" or not layer.is_dir():
            continue
        for entry in sorted(layer.iterdir()):
            if entry.name.startswith((".", "_")):
                continue
            if entry.suffix == ".csv":
                frame = pd.read_csv(entry)
            else:  # a parquet file, or a folder of parquet parts written by Spark
                frame = pd.read_parquet(entry)
            frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
            frames[f"{layer.name}/{entry.name}"] = frame
    return frames


def assert_same_outputs(actual: Path, expected: dict[str, pd.DataFrame], label: str) -> None:
    frames = persisted_outputs(actual)
    assert set(frames) == set(expected), label
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(
            frames[name], frame, check_exact=False, rtol=1e-9, obj=f"{label}: {name}"
        )


def test_plan_runs_like_airflow_and_matches_a_plain_kedro_run(tmp_path):
    # the reference: the whole pipeline in one plain `kedro run`
    reference = copy_example(tmp_path / "reference" / "spaceflights_spark")
    run([str(VENV_BIN / "kedro"), "run"], reference, "plain kedro run")
    expected = persisted_outputs(reference)
    assert set(expected) == EXPECTED_OUTPUTS
    assert all(len(frame) > 0 for frame in expected.values())

    # export and plan (the plan is the same for both copies below)
    dataproc_copy = copy_example(tmp_path / "dataproc" / "spaceflights_spark")
    manifest_path = tmp_path / "manifest.json"
    proc = run_export(dataproc_copy, "--out", str(manifest_path))
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(manifest_path.read_text())
    config = dataproc_copy / "conf" / "base" / "airflow-k8s.yaml"
    plan = get_plan(manifest_path, config)
    check_plan(plan, manifest)
    scripts = compile_run_scripts(manifest_path, config, plan, manifest, tmp_path / "compiled")

    # Spark groups through their Dataproc main files
    execute_plan(plan, manifest, dataproc_copy, "dataproc", scripts)
    assert_same_outputs(dataproc_copy, expected, "dataproc main files")

    # Spark groups through the Spark-on-Kubernetes runner
    k8s_copy = copy_example(tmp_path / "k8s" / "spaceflights_spark")
    execute_plan(plan, manifest, k8s_copy, "k8s_runner", scripts)
    assert_same_outputs(k8s_copy, expected, "k8s_runner.py")
