"""Task policies (run_config.policies, dagrun_timeout, the seed's startup_timeout) reach the
tasks of a DAG that real Airflow loads: every backend's DAG, compiled from one tagged manifest,
in one DagBag, checked from the loaded operators' attributes. The expected values come from a
small re-statement of the rule here (docs/policies.md), not from the TypeScript."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_generated_dags import FIXTURES, HOSTILE, PROJECT, load, node

POLICIES = {
    "__default__": {
        "retries": 1,
        "retry_delay": 120,
        "execution_timeout": 1800,
        "priority_weight": 2,
    },
    "heavy": {
        "retries": 3,
        "execution_timeout": 7200,
        "pool": "heavy_pool",
        "startup_timeout": 1200,
    },
    "fast": {"retries": 0, "retry_delay": 30, "execution_timeout": 300, "priority_weight": 9},
    "spark": {"priority_weight": 20, "retry_delay": 3600},
}
# The same as users write them: durations as strings, the default startup timeout in the seed key.
POLICIES_YAML = """  dagrun_timeout: 6h
  startup_timeout: 600
  policies:
    __default__: {retries: 1, retry_delay: 2m, execution_timeout: 30m, priority_weight: 2}
    heavy: {retries: 3, execution_timeout: 2h, pool: heavy_pool, startup_timeout: 20m}
    fast: {retries: 0, retry_delay: 30s, execution_timeout: 5m, priority_weight: 9}
    spark: {priority_weight: 20, retry_delay: 1h}
"""
DEFAULT_STARTUP = 600
TAGS = {
    'load "raw" $(rm -rf /) `id`': ["policies.heavy", "policies:fast"],
    "f([a;b]) -> [c]": ["policies.spark"],
    "sandwich ${HOME} \\ back\\slash": ["policies.heavy"],
    "report_yaml": ["policies.fast"],
}
KINDS = ("dataproc", "serverless", "k8s", "custom")
KEYS = ("retries", "retry_delay", "execution_timeout", "priority_weight", "startup_timeout")


def node_policy(name: str) -> dict:
    picked = [POLICIES[tag.split(".", 1)[-1].split(":", 1)[-1]] for tag in TAGS.get(name, [])]
    out = {}
    for key in (*KEYS, "pool"):
        values = [p[key] for p in picked if key in p]
        default = POLICIES["__default__"].get(
            key, DEFAULT_STARTUP if key == "startup_timeout" else None
        )
        out[key] = max(values) if values and key != "pool" else (values[0] if values else default)
    return out


def expected_task(nodes: list[str]) -> dict:
    policies = [node_policy(n) for n in nodes]
    out = {key: max(p[key] for p in policies) for key in KEYS if key != "execution_timeout"}
    out["execution_timeout"] = sum(p["execution_timeout"] for p in policies)
    pools = {p["pool"] for p in policies} - {None}
    assert len(pools) <= 1
    out["pool"] = pools.pop() if pools else "default_pool"
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("policies")
    manifest = json.loads(HOSTILE.read_text())
    for entry in manifest["nodes"]:
        entry["tags"] = [*(entry.get("tags") or []), *TAGS.get(entry["name"], [])]
    manifest_file = root / "m.json"
    manifest_file.write_text(json.dumps(manifest))
    dags = root / "dags"
    dags.mkdir()
    out = {}
    for kind in KINDS:
        text = (FIXTURES / f"{kind}.yaml").read_text()
        text = text.replace('run_name: "hostile dag {{ id }}"', f"run_name: policies-{kind}")
        text = text.replace("./factories/", f"{FIXTURES}/factories/")
        config = root / f"{kind}.yaml"
        config.write_text(text.replace("run_config:\n", "run_config:\n" + POLICIES_YAML, 1))
        summary = json.loads(
            node(
                "compile",
                "--manifest",
                str(manifest_file),
                "--config",
                str(config),
                "--project",
                str(PROJECT),
                "--out",
                str(root / kind),
                "--json",
            )
        )
        shutil.copy(summary["dag"], dags / Path(summary["dag"]).name)
        plan = json.loads(
            node("plan", "--manifest", str(manifest_file), "--config", str(config), "--json")
        )
        out[kind] = {"summary": summary, "plan": plan}
    report = load(dags, root / "dagcheck.json")
    assert report["importErrors"] == {}
    for kind in KINDS:
        out[kind]["dag"] = report["dags"][out[kind]["summary"]["dagId"]]
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_dag_defaults_and_timeout(loaded, kind):
    dag = loaded[kind]["dag"]
    assert dag["dagrunTimeout"] == 6 * 3600
    assert dag["defaultArgs"] == {
        "retries": 1,
        "retry_delay": 120.0,
        "execution_timeout": 1800.0,
        "priority_weight": 2,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_each_task_takes_the_strictest_of_its_nodes(loaded, kind):
    plan, dag, ids = loaded[kind]["plan"], loaded[kind]["dag"], loaded[kind]["summary"]["taskIds"]
    for group in plan["groups"]:
        attrs = dag["tasks"][ids[group["name"]]]["attrs"]
        want = expected_task(group["nodes"])
        assert attrs["retries"] == want["retries"], group["name"]
        assert attrs["retry_delay"] == want["retry_delay"], group["name"]
        assert attrs["execution_timeout"] == want["execution_timeout"], group["name"]
        assert attrs["pool"] == want["pool"], group["name"]
        assert attrs["priority_weight"] == want["priority_weight"], group["name"]
        is_pod = group["kind"] == "default" or kind == "k8s"
        assert attrs.get("startup_timeout_seconds") == (want["startup_timeout"] if is_pod else None)
    # The Spark group holds a heavy node, so its pool is heavy_pool on every backend.
    spark = next(g for g in plan["groups"] if g["kind"] == "spark")
    assert dag["tasks"][ids[spark["name"]]]["attrs"]["pool"] == "heavy_pool"


@pytest.mark.parametrize("kind", ["dataproc", "custom"])
def test_cluster_tasks_run_under_the_dag_defaults(loaded, kind):
    tasks = loaded[kind]["dag"]["tasks"]
    others = [
        t
        for t in ("create_spark_cluster", "delete_spark_cluster", "spark_jobs_succeeded")
        if t in tasks
    ]
    assert others
    for task_id in others:
        attrs = tasks[task_id]["attrs"]
        assert (attrs["retries"], attrs["retry_delay"], attrs["execution_timeout"]) == (
            1,
            120.0,
            1800.0,
        )
        assert (attrs["pool"], attrs["priority_weight"]) == ("default_pool", 2), task_id
