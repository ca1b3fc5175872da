"""Assets (Airflow 3) and Datasets (2.11) of generated DAGs, read from the DAG objects a real
DagBag loaded: each task's outlets are its nodes' persisted outputs, its inlets what a peer
pipeline writes and it reads, and `run_config.schedule` becomes the DAG's asset condition.
One DagBag load per Airflow line for every case (two compiles: a folder of two pipelines on
Dataproc with an all-of schedule, one pipeline with --peers on Spark on Kubernetes with any-of).
Needs the built CLI (`npm run build`) and Node.js."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_generated_dags import node

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / "dist" / "cli.js"
PROBE = Path(__file__).with_name("assets_probe.py")
PIPELINES = ROOT / "test" / "fixtures" / "pipelines"
EXAMPLE = ROOT / "examples" / "spaceflights_spark"
DATA = "gs://example-project-kedro-data/spaceflights"
RAW = [f"{DATA}/01_raw/companies.csv", f"{DATA}/01_raw/shuttles.csv"]
PREPROCESSED = [
    f"{DATA}/02_intermediate/preprocessed_companies.parquet",
    f"{DATA}/02_intermediate/preprocessed_shuttles.parquet",
]

K8S_CONFIG = """\
run_config:
  image: registry.example.com/kedro/spaceflights:1
  env: cloud
  run_name: features-by-asset
  cron_expression: null
  schedule:
    assets: [{0}, {1}]
    when: any
  spark:
    type: k8s
"""


def manifest(name: str) -> dict:
    return json.loads((PIPELINES / f"{name}.json").read_text())


def uri_of(entry: dict) -> str | None:
    """The model: a gs:// location is its Asset URI, trailing slashes dropped."""
    location = entry.get("location") or {}
    path = location.get("path") or ""
    return path.rstrip("/") if path.startswith("gs://") else None


def expected_assets(own: dict, peers: list[dict], groups: list[dict]) -> dict[str, dict]:
    def uris(m: dict) -> dict[str, str]:
        out = {}
        for name, entry in sorted(m["datasets"].items()):
            if uri_of(entry) is not None:
                out.setdefault(name.split("@")[0], uri_of(entry))
        return out

    own_uris = uris(own)
    nodes = {n["name"]: n for n in own["nodes"]}
    written = {
        own_uris[o.split("@")[0]]
        for n in own["nodes"]
        for o in n["outputs"]
        if o.split("@")[0] in own_uris
    }
    from_peers = set()
    for peer in peers:
        peer_uris = uris(peer)
        for n in peer["nodes"]:
            for o in n["outputs"]:
                if o.split("@")[0] in peer_uris:
                    from_peers.add(peer_uris[o.split("@")[0]])
    from_peers -= written
    result = {}
    for group in groups:
        outlets, inlets = set(), set()
        for name in group["nodes"]:
            for o in nodes[name]["outputs"]:
                if o.split("@")[0] in own_uris:
                    outlets.add(own_uris[o.split("@")[0]])
            for i in nodes[name]["inputs"]:
                uri = own_uris.get(i.split("@")[0])
                if uri in from_peers:
                    inlets.add(uri)
        result[group["name"]] = {"outlets": sorted(outlets), "inlets": sorted(inlets)}
    return result


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    out = tmp_path_factory.mktemp("assets")
    example = (EXAMPLE / "conf" / "base" / "airflow-k8s.yaml").read_text()
    assert 'cron_expression: "@daily"' in example
    dataproc = out / "dataproc.yaml"
    dataproc.write_text(
        example.replace(
            'cron_expression: "@daily"',
            f"cron_expression: null\n  schedule:\n    assets: [{RAW[0]}, {RAW[1]}]",
        )
    )
    k8s = out / "k8s.yaml"
    k8s.write_text(K8S_CONFIG.format(*PREPROCESSED))
    trees = out / "trees"
    features, processing = PIPELINES / "spark_features.json", PIPELINES / "data_processing.json"
    folder = json.loads(
        node(
            *("compile", "--manifest", str(PIPELINES), "--config", str(dataproc)),
            *("--project", str(EXAMPLE), "--out", str(trees / "folder"), "--json"),
        )
    )
    single = json.loads(
        node(
            *("compile", "--manifest", str(features), "--config", str(k8s)),
            *("--peers", str(processing), "--out", str(trees / "single"), "--json"),
        )
    )
    plans = {
        path.stem: json.loads(
            node("plan", "--manifest", str(path), "--config", str(dataproc), "--json")
        )
        for path in (processing, features)
    }
    report = out / "probe.json"
    done = subprocess.run(
        [sys.executable, str(PROBE), str(trees), str(out / "home"), str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert report.exists(), done.stderr[-3000:]
    return {
        "report": json.loads(report.read_text()),
        "folder": {s["dagId"]: s for s in folder},
        "single": single,
        "plans": plans,
    }


def test_every_dag_imports(loaded):
    report = loaded["report"]
    assert report["importErrors"] == {}
    assert sorted(report["dags"]) == sorted([*loaded["folder"], loaded["single"]["dagId"]])


def test_outlets_and_inlets_are_the_planned_ones(loaded):
    report = loaded["report"]
    airflow3 = report["airflowVersion"].startswith("3.")
    cases = [
        (summary, pipeline)
        for summary in loaded["folder"].values()
        for pipeline in [summary["dagId"].split("__")[-1]]
    ] + [(loaded["single"], "spark_features")]
    checked = 0
    for summary, pipeline in cases:
        other = "data_processing" if pipeline == "spark_features" else "spark_features"
        plan = loaded["plans"][pipeline]
        want = expected_assets(manifest(pipeline), [manifest(other)], plan["groups"])
        tasks = report["dags"][summary["dagId"]]["tasks"]
        for group, task_id in summary["taskIds"].items():
            task = tasks[task_id]
            where = (pipeline, group)
            assert sorted(o[1] for o in task["outlets"]) == want[group]["outlets"], where
            assert sorted(i[1] for i in task["inlets"]) == want[group]["inlets"], where
            # Airflow 3 names an Asset after the URI it was given: the normal form, so equal.
            for kind, uri, name in task["outlets"]:
                assert kind == ("Asset" if airflow3 else "Dataset")
                assert name == uri
            checked += 1
        # The cluster's own tasks write no data.
        for task_id in ("create_spark_cluster", "delete_spark_cluster"):
            if task_id in tasks:
                assert tasks[task_id] == {"outlets": [], "inlets": []}
    assert checked >= 4
    # spark_features reads both preprocessed tables data_processing writes.
    features = loaded["folder"]["spaceflights-spark__spark_features"]
    inlets = {
        i[1] for task in report["dags"][features["dagId"]]["tasks"].values() for i in task["inlets"]
    }
    assert inlets == set(PREPROCESSED)


def test_asset_schedules(loaded):
    report = loaded["report"]
    airflow3 = report["airflowVersion"].startswith("3.")
    for dag_id in loaded["folder"]:
        dag = report["dags"][dag_id]
        assert dag["timetable"] == (
            "AssetTriggeredTimetable" if airflow3 else "DatasetTriggeredTimetable"
        )
        assert dag["schedule"]["kind"] == ("AssetAll" if airflow3 else "DatasetAll")
        assert dag["schedule"]["uris"] == RAW
    single = report["dags"][loaded["single"]["dagId"]]
    assert single["schedule"]["kind"] == ("AssetAny" if airflow3 else "DatasetAny")
    assert single["schedule"]["uris"] == PREPROCESSED
