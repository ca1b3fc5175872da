"""Kedro namespaces become nested TaskGroups (run_config.task_groups), checked on the DAGs as
real Airflow loads them (test/python/tools/dagcheck.py), under both pinned lines: each task's group
is the deepest namespace its nodes share (worked out here from the manifest, not taken from the
generator), the groups nest as the namespaces do, and the task ids and edges are the same as
with the option off. Needs the built CLI (`npm run build`) and Node.js."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_generated_dags import node

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / "dist" / "cli.js"
DAGCHECK = ROOT / "test" / "python" / "tools" / "dagcheck.py"
FIXTURES = ROOT / "test" / "fixtures" / "compile"
MANIFEST = FIXTURES / "namespaces.manifest.json"
CLUSTER_TASKS = {"create_spark_cluster", "delete_spark_cluster", "spark_jobs_succeeded"}

# The group ids this fixture must get: dots become `__` (Airflow's group keys allow none), and
# `prep` is taken by a top-level node's task id, so its namespace's group is `prep_2`.
EXPECTED_GROUP_IDS = {
    "features": "features",
    "features.spark": "features__spark",
    "prep": "prep_2",
    "prep.clean": "prep__clean",
    "report-v2": "report-v2",
    "report-v2.charts": "report-v2__charts",
}


def compile_dag(config: Path, out: Path) -> dict:
    return json.loads(
        node(
            "compile",
            "--manifest",
            str(MANIFEST),
            "--config",
            str(config),
            "--project",
            str(FIXTURES / "project"),
            "--out",
            str(out),
            "--json",
        )
    )


def load_dags(folder: Path) -> dict:
    report = folder.parent / "dagcheck.json"
    # A generous import timeout: this checks groups, not import speed, on a busy machine.
    done = subprocess.run(
        [sys.executable, str(DAGCHECK), str(folder), "--json", str(report), "--timeout", "120"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert report.exists(), done.stderr[-3000:]
    loaded = json.loads(report.read_text())
    assert loaded["importErrors"] == {}
    return loaded["dags"]


def deepest_common(namespaces: list[str | None]) -> str | None:
    common: list[str] | None = None
    for ns in namespaces:
        if not ns:
            return None
        parts = ns.split(".")
        if common is None:
            common = parts
        else:
            k = 0
            while k < min(len(common), len(parts)) and common[k] == parts[k]:
                k += 1
            common = common[:k]
        if not common:
            return None
    return ".".join(common) if common else None


@pytest.fixture(params=["dataproc", "custom"], scope="module")
def loaded(request, tmp_path_factory):
    """The fixture compiled with the option on and off, both DAGs loaded by one DagBag."""
    kind = request.param
    out = tmp_path_factory.mktemp(f"groups-{kind}")
    config = FIXTURES / f"{kind}.yaml"
    plan = json.loads(node("plan", "--manifest", str(MANIFEST), "--config", str(config), "--json"))
    on = compile_dag(config, out / "on")
    # The same config with the option off, under another DAG id (run_config's keys are
    # indented by two spaces); beside it, what a relative operator_factory path needs.
    text = re.sub(r"(?m)^  run_name: .*$", "  run_name: groups_off", config.read_text())
    off_config = out / f"{kind}-off.yaml"
    off_config.write_text(text.rstrip("\n") + "\n  task_groups: false\n")
    shutil.copytree(FIXTURES / "factories", out / "factories")
    off = compile_dag(off_config, out / "off")
    shutil.copy(off["dag"], out / "on" / "dags")
    dags = load_dags(out / "on" / "dags")
    assert set(dags) == {on["dagId"], off["dagId"]}
    return {
        "kind": kind,
        "plan": plan,
        "on": {"summary": on, "dag": dags[on["dagId"]]},
        "off": {"summary": off, "dag": dags[off["dagId"]]},
    }


def test_each_task_is_in_the_group_of_its_nodes_deepest_shared_namespace(loaded):
    plan, dag, ids = loaded["plan"], loaded["on"]["dag"], loaded["on"]["summary"]["taskIds"]
    nodes = json.loads(MANIFEST.read_text())["nodes"]
    namespace_of = {n["name"]: n.get("namespace") for n in nodes}
    groups = dag["taskGroups"]
    assert {g["tooltip"]: gid for gid, g in groups.items()} == EXPECTED_GROUP_IDS
    spanning = 0
    for group in plan["groups"]:
        task = dag["tasks"][ids[group["name"]]]
        expected = deepest_common([namespace_of[n] for n in group["nodes"]])
        spanning += len({namespace_of[n] for n in group["nodes"]}) > 1
        if expected is None:
            assert task["taskGroup"] is None, group["name"]
            continue
        assert task["taskGroup"] == EXPECTED_GROUP_IDS[expected], group["name"]
        # The chain of parents, as loaded, spells the namespace from the inside out.
        chain, gid = [], task["taskGroup"]
        while gid is not None:
            chain.append(groups[gid]["tooltip"])
            assert ids[group["name"]] in groups[gid]["children"] or gid != task["taskGroup"]
            gid = groups[gid]["parent"]
        parts = expected.split(".")
        assert chain == [".".join(parts[: k + 1]) for k in reversed(range(len(parts)))]
    assert spanning == 1  # report-v2.charts.plot with report-v2.tables.render, in report-v2
    assert all(g["prefixGroupId"] is False for g in groups.values())
    for task_id in CLUSTER_TASKS & set(dag["tasks"]):
        assert dag["tasks"][task_id]["taskGroup"] is None, task_id


def test_task_ids_edges_and_setup_teardown_are_the_same_with_the_option_off(loaded):
    on, off = loaded["on"], loaded["off"]
    assert off["dag"]["taskGroups"] == {}
    assert on["summary"]["taskIds"] == off["summary"]["taskIds"]
    assert set(on["dag"]["tasks"]) == set(off["dag"]["tasks"])
    for task_id, task in off["dag"]["tasks"].items():
        assert task["taskGroup"] is None
        grouped = on["dag"]["tasks"][task_id]
        for key in ("upstream", "downstream", "triggerRule", "isSetup", "isTeardown", "operator"):
            assert grouped[key] == task[key], (task_id, key)
    if loaded["kind"] == "dataproc":
        assert on["dag"]["tasks"]["create_spark_cluster"]["isSetup"]
        assert on["dag"]["tasks"]["delete_spark_cluster"]["isTeardown"]
