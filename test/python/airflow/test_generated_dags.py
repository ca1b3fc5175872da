"""Every DAG that `kedro-airflow-k8s compile` generates imports in real Airflow, and the loaded
DAG objects (operator classes, upstream sets, trigger rules, rendered template fields) match
the plan. Runs under both pinned Airflow lines (scripts/test-python-airflow.sh); needs the
built CLI (`npm run build`) and Node.js."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / "dist" / "cli.js"
DAGCHECK = ROOT / "test" / "python" / "tools" / "dagcheck.py"
FIXTURES = ROOT / "test" / "fixtures" / "compile"
EXAMPLE = ROOT / "examples" / "spaceflights_spark"
HOSTILE = FIXTURES / "hostile.manifest.json"

SPARK_OPERATOR = {
    "dataproc": "airflow.providers.google.cloud.operators.dataproc.DataprocSubmitJobOperator",
    "serverless": "airflow.providers.google.cloud.operators.dataproc.DataprocCreateBatchOperator",
    "k8s": "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator",
    "k8s-conn": "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator",
    "k8s-gke": "airflow.providers.google.cloud.operators.kubernetes_engine.GKEStartPodOperator",
    "custom": "EmptyOperator",
}
POD = "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator"

PROJECT = FIXTURES / "project"
CASES = {
    "example": (
        EXAMPLE / "manifest.json",
        EXAMPLE / "conf/base/airflow-k8s.yaml",
        "dataproc",
        EXAMPLE,
    ),
    "nospark": (
        FIXTURES / "nospark.manifest.json",
        FIXTURES / "dataproc.yaml",
        "dataproc",
        PROJECT,
    ),
    **{
        f"hostile-{kind}": (HOSTILE, FIXTURES / f"{kind}.yaml", kind, PROJECT)
        for kind in SPARK_OPERATOR
    },
}


def node(*args: str) -> str:
    node_bin = shutil.which("node")
    assert node_bin, "Node.js is required to run the kedro-airflow-k8s CLI"
    assert CLI.exists(), f"{CLI} is missing: run `npm run build` first"
    done = subprocess.run([node_bin, str(CLI), *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def load(folder: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(DAGCHECK), str(folder), "--render", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.exists(), done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(params=sorted(CASES), scope="module")
def generated(request, tmp_path_factory):
    manifest, config, kind, project = CASES[request.param]
    out = tmp_path_factory.mktemp(request.param)
    summary = json.loads(
        node(
            "compile",
            "--manifest",
            str(manifest),
            "--config",
            str(config),
            "--project",
            str(project),
            "--out",
            str(out / "tree"),
            "--json",
        )
    )
    plan = json.loads(node("plan", "--manifest", str(manifest), "--config", str(config), "--json"))
    loaded = load(out / "tree" / "dags", out / "dagcheck.json")
    return {"kind": kind, "summary": summary, "plan": plan, "loaded": loaded}


def cluster_created_after(plan: dict) -> list[str]:
    """The nearest common ancestors of the Spark jobs that have no Spark job upstream."""
    groups = {g["name"]: g for g in plan["groups"]}

    def ancestors(name: str) -> set[str]:
        found, todo = set(), list(groups[name]["upstream"])
        while todo:
            up = todo.pop()
            if up not in found:
                found.add(up)
                todo.extend(groups[up]["upstream"])
        return found

    above = {name: ancestors(name) for name in groups}
    earliest = [
        name
        for name, g in groups.items()
        if g["kind"] == "spark" and not any(groups[a]["kind"] == "spark" for a in above[name])
    ]
    common = set.intersection(*(above[e] for e in earliest))
    return sorted(c for c in common if not any(c in above[d] for d in common))


def test_imports_without_errors(generated):
    loaded = generated["loaded"]
    assert loaded["importErrors"] == {}
    assert list(loaded["dags"]) == [generated["summary"]["dagId"]]


def test_tasks_and_edges_match_the_plan(generated):
    kind, plan, summary = generated["kind"], generated["plan"], generated["summary"]
    dag = next(iter(generated["loaded"]["dags"].values()))
    tasks = dag["tasks"]
    ids = summary["taskIds"]
    spark = [g for g in plan["groups"] if g["kind"] == "spark"]
    spark_ids = {ids[g["name"]] for g in spark}
    has_cluster = bool(spark) and kind in ("dataproc", "custom")

    expected = {ids[g["name"]] for g in plan["groups"]}
    if spark and kind == "custom":  # a factory's delete task may run on all_done
        expected.add("spark_jobs_succeeded")
    if has_cluster:
        expected |= {"create_spark_cluster", "delete_spark_cluster"}
    assert set(tasks) == expected

    for group in plan["groups"]:
        task = tasks[ids[group["name"]]]
        upstream = {ids[u] for u in group["upstream"]}
        if group["kind"] == "spark" and has_cluster:
            upstream.add("create_spark_cluster")
        assert set(task["upstream"]) == upstream, group["name"]
        operator = POD if group["kind"] == "default" else SPARK_OPERATOR[kind]
        assert task["operator"].endswith(operator), (group["name"], task["operator"])
        # doc_md names every Kedro node of the group (a custom factory writes its own).
        if group["kind"] == "default" or kind != "custom":
            for name in group["nodes"]:
                assert name.replace("`", "'") in task["docMd"]

    if spark and kind == "custom":
        assert set(tasks["spark_jobs_succeeded"]["upstream"]) == spark_ids
        assert tasks["spark_jobs_succeeded"]["triggerRule"] == "all_success"
    if has_cluster and kind == "custom":
        assert tasks["create_spark_cluster"]["upstream"] == []
    if has_cluster and kind == "dataproc":
        # Just in time: after the nearest tasks that every earliest Spark job waits for.
        expected_after = {ids[name] for name in cluster_created_after(plan)}
        assert set(tasks["create_spark_cluster"]["upstream"]) == expected_after
    if has_cluster and kind == "dataproc":
        # Airflow's setup and teardown: the cluster goes whatever the jobs did, and clearing
        # a job clears them too; the run's state comes from the jobs.
        create, delete = tasks["create_spark_cluster"], tasks["delete_spark_cluster"]
        assert create["isSetup"] and not create["isTeardown"]
        assert delete["isTeardown"] and not delete["isSetup"]
        assert set(delete["upstream"]) == spark_ids | {"create_spark_cluster"}
        assert delete["triggerRule"] == "all_done_setup_success"
    for task_id, task in tasks.items():
        if task_id not in ("create_spark_cluster", "delete_spark_cluster") or kind != "dataproc":
            assert not task["isSetup"] and not task["isTeardown"], task_id


def test_commands_reach_the_task_exactly(generated):
    """Rendered with Jinja as Airflow does: names arrive as they are in the plan."""
    kind, plan, summary = generated["kind"], generated["plan"], generated["summary"]
    dag = next(iter(generated["loaded"]["dags"].values()))
    for group in plan["groups"]:
        rendered = dag["tasks"][summary["taskIds"][group["name"]]]["rendered"]
        nodes = ",".join(group["nodes"])
        if group["kind"] == "default":
            args = rendered["arguments"]
            assert args[0] == "run"
            assert args[args.index("--nodes") + 1] == nodes
            assert args[args.index("--pipeline") + 1] == plan["pipeline"]
        elif kind.startswith("k8s"):
            args = rendered["arguments"]
            assert f"--node={nodes}" in args
            assert args[-1] == "--runner=ThreadRunner"
            # client mode: spark-submit exits with the driver's code (SPARK-26365)
            assert args[args.index("--deploy-mode") + 1] == "client"
            assert "spark.driver.host=$(KAK_POD_IP)" in args
            env = rendered["env_vars"]
            assert "status.podIP" in json.dumps(env["KAK_POD_IP"]["valueFrom"]), env
            assert args[args.index("--master") + 1].startswith("k8s://")


def test_names_are_valid_and_unique_per_run(generated):
    kind, summary = generated["kind"], generated["summary"]
    dag = next(iter(generated["loaded"]["dags"].values()))
    uris = {a["uri"] for a in summary["artifacts"]}
    for task_id in dag["tasks"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]{1,250}", task_id)
    if kind == "dataproc" and "create_spark_cluster" in dag["tasks"]:
        name = dag["tasks"]["create_spark_cluster"]["rendered"]["cluster_name"]
        assert re.fullmatch(r"[a-z][a-z0-9-]{0,50}", name) and not name.endswith("-")
        assert dag["tasks"]["delete_spark_cluster"]["rendered"]["cluster_name"] == name
        created = dag["tasks"]["create_spark_cluster"]["rendered"]
        assert created["cluster_config"]["initialization_actions"][-1]["executable_file"] in uris
        for task in dag["tasks"].values():
            if task["operator"].endswith("DataprocSubmitJobOperator"):
                job = task["rendered"]["job"]
                assert job["placement"]["cluster_name"] == name
                assert job["pyspark_job"]["main_python_file_uri"] in uris
    if kind == "serverless":
        for task in dag["tasks"].values():
            if task["operator"].endswith("DataprocCreateBatchOperator"):
                batch_id = task["rendered"]["batch_id"]
                assert re.fullmatch(r"[a-z][a-z0-9-]{2,61}[a-z0-9]", batch_id), batch_id
                assert task["rendered"]["batch"]["pyspark_batch"]["main_python_file_uri"] in uris
                assert task["rendered"]["batch"]["runtime_config"]["container_image"]


def test_dataproc_payloads_are_valid_api_messages(generated):
    """The rendered cluster_config and batch go through the real Dataproc client's messages
    (proto-plus refuses an unknown field or a wrong type, as the API call would)."""
    from google.cloud import dataproc_v1

    dag = next(iter(generated["loaded"]["dags"].values()))
    for task in dag["tasks"].values():
        rendered = task["rendered"]
        if task["operator"].endswith("DataprocCreateClusterOperator"):
            config = dataproc_v1.ClusterConfig(rendered["cluster_config"])
            # Our default safety net (no fixture gives a lifecycle_config of its own).
            assert config.lifecycle_config.idle_delete_ttl.total_seconds() == 7200
        if task["operator"].endswith("DataprocCreateBatchOperator"):
            dataproc_v1.Batch(rendered["batch"])
        if task["operator"].endswith("DataprocSubmitJobOperator"):
            dataproc_v1.Job(rendered["job"])


def test_cluster_names_differ_between_runs(tmp_path):
    """Two runs of one DAG get two clusters: Dataproc reuses a cluster of the same name."""
    out = tmp_path / "tree"
    node(
        "compile",
        "--manifest",
        str(HOSTILE),
        "--config",
        str(FIXTURES / "dataproc.yaml"),
        "--project",
        str(FIXTURES / "project"),
        "--out",
        str(out),
    )
    names = set()
    for run_id in ("scheduled__2025-01-01T00:00:00+00:00", "manual__2025-01-01T00:00:00+00:00"):
        report = tmp_path / f"{len(names)}.json"
        subprocess.run(
            [
                sys.executable,
                str(DAGCHECK),
                str(out / "dags"),
                "--render",
                "--run-id",
                run_id,
                "--json",
                str(report),
            ],
            capture_output=True,
            check=False,
        )
        dag = next(iter(json.loads(report.read_text())["dags"].values()))
        names.add(dag["tasks"]["create_spark_cluster"]["rendered"]["cluster_name"])
    assert len(names) == 2


def test_several_pipelines_compile_to_dags_that_import_side_by_side(tmp_path):
    """Two pipelines of the example (manifests exported by `manifest --all` under Kedro 1.x)
    compiled from one folder: two DAG files that load together in one DagBag, each with its
    own dag_id, and a cluster name of its own for the same run."""
    out = tmp_path / "tree"
    summaries = json.loads(
        node(
            "compile",
            "--manifest",
            str(ROOT / "test" / "fixtures" / "pipelines"),
            "--config",
            str(EXAMPLE / "conf/base/airflow-k8s.yaml"),
            "--project",
            str(EXAMPLE),
            "--out",
            str(out),
            "--json",
        )
    )
    ids = [s["dagId"] for s in summaries]
    assert ids == ["spaceflights-spark__data_processing", "spaceflights-spark__spark_features"]
    assert len(list((out / "dags").iterdir())) == 2
    loaded = load(out / "dags", tmp_path / "dagcheck.json")
    assert loaded["importErrors"] == {}
    assert sorted(loaded["dags"]) == ids
    clusters = {
        dag_id: task["rendered"]["cluster_name"]
        for dag_id, dag in loaded["dags"].items()
        for task_id, task in dag["tasks"].items()
        if task_id == "create_spark_cluster"
    }
    assert list(clusters) == ["spaceflights-spark__spark_features"]
    assert re.fullmatch(r"spaceflights-[0-9a-f]{10}", clusters[ids[1]])


def expected_profile(nodes: list[str], tags: dict[str, list[str]], profiles: dict) -> dict | None:
    """The run config's resources profile of a task's nodes, by the documented rule: a
    resources:<name> (or resources.<name>) tag, the first by name that is configured, else
    __default__."""
    named = sorted(
        {
            tag.split(":", 1)[1] if tag.startswith("resources:") else tag.split(".", 1)[1]
            for node in nodes
            for tag in tags[node]
            if tag.startswith(("resources:", "resources."))
        }
    )
    for name in named:
        if name in profiles:
            return profiles[name]
    return profiles.get("__default__")


def test_each_pod_gets_its_own_resources_profile(generated, request):
    """compile renders a pod's settings once per resources profile and shares the text: in the
    loaded DAG, every pod still has exactly its own profile's requests, limits and selector."""
    manifest_file, config_file, _, _ = CASES[request.node.callspec.params["generated"]]
    tags = {n["name"]: n.get("tags", []) for n in json.loads(manifest_file.read_text())["nodes"]}
    profiles = yaml.safe_load(config_file.read_text())["run_config"].get("resources", {})
    plan, summary = generated["plan"], generated["summary"]
    dag = next(iter(generated["loaded"]["dags"].values()))
    seen = set()
    for group in plan["groups"]:
        if group["kind"] != "default":  # the DAG's own pods: the ones that share settings
            continue
        task = dag["tasks"][summary["taskIds"][group["name"]]]
        assert task["operator"] == POD
        profile = expected_profile(group["nodes"], tags, profiles) or {}
        seen.add(json.dumps(profile, sort_keys=True))

        def quantities(key: str, profile: dict = profile) -> dict:
            return {k: str(v) for k, v in (profile.get(key) or {}).items()}

        resources = task["attrs"]["container_resources"]
        if quantities("requests") or quantities("limits"):
            assert resources == {
                "requests": quantities("requests"),
                "limits": quantities("limits"),
            }, group["name"]
        else:
            assert resources in (None, {}), group["name"]
        selector = profile.get("node_selectors") or {}
        assert (task["attrs"]["node_selector"] or {}) == selector, group["name"]
    # Nothing to tell apart without pods; the hostile manifests hold two profiles' pods.
    if request.node.callspec.params["generated"].startswith("hostile"):
        assert len(seen) == 2
