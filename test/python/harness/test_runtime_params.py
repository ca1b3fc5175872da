"""Runtime params reach every task: run_config.params become the DAG's Airflow params, and each
Kedro run of a deployed DAG receives the run's values, from the defaults and from a
`dag_run.conf` override, through real Airflow's rendering.

The project is test/fixtures/params_probe (two nodes, not the example, so the example's plan
and snapshots stay as they are): `record_in_pod` runs in a pod (`kedro run --params`),
`record_in_spark` in a Spark job (the run script's session runtime params); each writes the
values it got, with their Python types, to the bucket. One deployment, two runs, on Spark on
Kubernetes: its pods run both `kedro run` and the k8s runner, the cheapest Spark path. The
Dataproc run script's params are run for real in test/python/kedro/test_run_scripts.py, and the
job and batch arguments rendered by real Airflow in test/python/airflow/test_runtime_params.py.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import driver
import standins
import yaml
from deploy import export_in_image, for_kedro, kedro_version, node_cli
from standins import Deployment

REPO = Path(__file__).resolve().parents[3]
PROBE = REPO / "test" / "fixtures" / "params_probe"
PACKAGE = "params_probe"
IMAGE = "europe-west1-docker.pkg.dev/example-project/kedro/params-probe:0.1.0"
# Quotes, `=`, `$`, `#`, a YAML-looking start and non-ASCII: what a quoting slip would change.
LABEL = "it's a 'label' = $HOME #1: é"

PARAMS = {
    "label": LABEL,
    "limit": 10,
    "ratio": {"default": 2, "type": "number", "description": "a float param"},
    "flag": True,
    "run_date": "{{ ds }}",
    "model.depth": 3,
}
LOGICAL_DATE = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


def run_config(backend: str) -> dict:
    assert backend == "k8s", backend
    spark = {"type": "k8s", "cluster_config": {"image": IMAGE, "namespace": "spark-jobs"}}
    return {
        "run_config": {
            "image": IMAGE,
            "env": "probe",
            "run_name": "params-probe",
            "cron_expression": None,
            "params": PARAMS,
            "spark": spark,
        }
    }


def deploy(tmp: Path, backend: str, image_venv: Path, dags_folder: Path):
    source = tmp / "source" / PACKAGE
    shutil.copytree(PROBE, source)
    for_kedro(source, kedro_version(image_venv))
    manifest = tmp / "manifest.json"
    export_in_image(
        image_venv, source, tmp, "--env", "probe", "--out", str(manifest),
        env={"PROBE_DATA_ROOT": "unused"},
    )  # fmt: skip
    config = tmp / "airflow-k8s.yaml"
    config.write_text(yaml.safe_dump(run_config(backend), sort_keys=False))
    compiled = tmp / "compiled"
    summary = json.loads(
        node_cli(
            "compile",
            *("--manifest", str(manifest), "--config", str(config)),
            *("--project", str(source), "--out", str(compiled), "--json"),
        )
    )
    bucket = tmp / "bucket"
    for artifact in summary["artifacts"]:
        if artifact["uri"] is not None:
            target = bucket / artifact["uri"][len("gs://") :]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(artifact["file"], target)
    image = tmp / "image"
    shutil.copytree(source, image)
    runner = compiled / "artifacts" / "runner.py"
    if runner.exists():
        shutil.copyfile(runner, image / "runner.py")
    for old in dags_folder.iterdir():
        old.unlink()
    shutil.copyfile(summary["dag"], dags_folder / Path(summary["dag"]).name)
    data_root = bucket / "probe-data"
    dep = Deployment(
        work=tmp / "run",
        bucket_root=bucket,
        image_venv=image_venv,
        image_source=image,
        package=PACKAGE,
        data_env={"PROBE_DATA_ROOT": str(data_root)},
    )
    return dep, summary, data_root


def seen(data_root: Path) -> dict[str, dict]:
    return {
        task: json.loads((data_root / f"{task}_seen.json").read_text()) for task in ("pod", "spark")
    }


def test_params_reach_pods_and_spark_jobs_with_defaults_and_overrides(
    tmp_path, image_venv, dags_folder
):
    dep, summary, data_root = deploy(tmp_path, "k8s", image_venv, dags_folder)
    dag = driver.load_dag(dags_folder, summary["dagId"])
    # The trigger form's params: one per run_config param, typed; the macro has no fixed value.
    assert {name: dag.params.get_param(name).schema.get("type") for name in PARAMS} == {
        "label": "string",
        "limit": "integer",
        "ratio": "number",
        "flag": "boolean",
        "run_date": ["null", "string"],
        "model.depth": "integer",
    }
    saved = standins.install(dep)
    try:
        first = driver.test_run(dag, LOGICAL_DATE)
        assert first.state() == "success", (first.tasks(), standins.dump(dep))
        defaults = seen(data_root)
        for path in data_root.glob("*_seen.json"):
            path.unlink()
        override = {
            "label": "1",  # a string that looks like a number stays a string
            "limit": 7,
            "ratio": 3,  # an integer given for a number param arrives as a float
            "flag": False,
            "run_date": "2024-12-31",
            "model.depth": 0,
        }
        second = driver.test_run(dag, LOGICAL_DATE + dt.timedelta(days=1), conf=override)
        assert second.state() == "success", (second.tasks(), standins.dump(dep))
        overridden = seen(data_root)
    finally:
        standins.uninstall(saved)

    want_defaults = {
        "values": {
            "label": LABEL,
            "limit": 10,
            "ratio": 2.0,
            "flag": True,
            "run_date": "2025-06-01",  # {{ ds }} of the run, rendered by Airflow
            "model": {"depth": 3},
        },
        "types": {
            "label": "str",
            "limit": "int",
            "ratio": "float",
            "flag": "bool",
            "run_date": "str",
            "model": "dict",
        },
    }
    assert defaults == {"pod": want_defaults, "spark": want_defaults}
    want_override = {
        "values": {
            "label": "1",
            "limit": 7,
            "ratio": 3.0,
            "flag": False,
            "run_date": "2024-12-31",
            "model": {"depth": 0},
        },
        "types": want_defaults["types"],
    }
    assert overridden == {"pod": want_override, "spark": want_override}
    # The pod got the values through `kedro run --params`, the Spark job through its run script.
    pods = [e for e in dep.log if e["what"].startswith("pod:")]
    kedro_runs = [e["cmd"] for e in pods if e["cmd"][0].endswith("/kedro")]
    assert len(kedro_runs) == 2 and all("--params" in cmd for cmd in kedro_runs)
    spark_runs = [e["cmd"] for e in dep.log if "--params-json" in e.get("cmd", [])]
    assert len(spark_runs) == 2, standins.dump(dep)
