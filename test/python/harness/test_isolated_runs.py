"""What is deployed runs in isolation: every task of the example's DAG in its own sandbox, built
only from what was deployed, driven by real Airflow, with the faults users meet.

For each Spark backend the DAG's outputs must equal one plain `kedro run --env cloud`; then the
failure paths: a Spark node that raises (the run fails, the cluster is still deleted, the tasks
downstream never run, and a Clear of the failed task re-runs it once the fault is gone), a
failing pod, a Serverless batch that fails once and is retried, a Spark-on-Kubernetes driver that
fails. See deploy.py for how a deployment is built and standins.py for what each task does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import driver
import pytest
import standins
from deploy import Built, build, build_pipelines, outputs, plain_kedro_run

BACKENDS = ("dataproc", "dataproc-serverless", "k8s")
CLUSTER_TASKS = ("create_spark_cluster", "delete_spark_cluster")


@pytest.fixture(scope="session")
def reference(tmp_path_factory, image_venv) -> dict:
    expected = plain_kedro_run(tmp_path_factory.mktemp("reference"), image_venv)
    assert len(expected) == 10 and all(rows for _, rows in expected.values())
    return expected


_dates = iter(
    dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=i) for i in range(99)
)


@contextlib.contextmanager
def running(built: Built, dags_folder, *, retries: int = 0):
    """Loads the deployed DAG, puts the stand-ins in, and yields a function that starts a run
    (dag.test()); whatever the block does to that run (a Clear) happens with them in too."""
    dag = driver.load_dag(dags_folder, built.dag_id)
    driver.set_retries(dag, retries)
    saved = standins.install(built.dep)
    try:
        yield lambda: driver.test_run(dag, next(_dates))
    finally:
        standins.uninstall(saved)


def deploy_and_run(tmp_path, backend, image_venv, dags_folder, *, fault=None, retries=0):
    built = build(tmp_path, backend, image_venv, dags_folder, fault)
    if fault is not None:
        (built.data_root / f"FAULT_{fault[1]}").write_text("raise\n")
    with running(built, dags_folder, retries=retries) as start:
        run = start()
    return built, run


def spark_task_ids(built: Built) -> list[str]:
    return [built.task_ids[g["name"]] for g in built.plan["groups"] if g["kind"] == "spark"]


def downstream_of(built: Built, group_names: set[str]) -> set[str]:
    """Task ids of every group that (transitively) waits for one of the given groups."""
    found: set[str] = set()
    for group in built.plan["groups"]:  # topological order
        if set(group["upstream"]) & (group_names | found):
            found.add(group["name"])
    return {built.task_ids[name] for name in found}


@pytest.mark.parametrize("backend", BACKENDS)
def test_isolated_run_matches_a_plain_kedro_run(
    backend, tmp_path, image_venv, dags_folder, reference
):
    built, run = deploy_and_run(tmp_path, backend, image_venv, dags_folder)
    tasks = run.tasks()
    assert run.state() == "success", (tasks, standins.dump(built.dep))
    assert {t["state"] for t in tasks.values()} == {"success"}, tasks
    assert outputs(image_venv, built.data_root) == reference

    dep = built.dep
    # every task ran in a sandbox of its own
    cwds = [e["cwd"] for e in dep.log if "cwd" in e and not e["what"].startswith("init:")]
    assert len(cwds) == len(set(cwds)) == len(built.plan["groups"])
    if backend == "dataproc":
        whats = [e["what"] for e in dep.log]
        created = next(i for i, w in enumerate(whats) if w.startswith("cluster-created:"))
        deleted = next(i for i, w in enumerate(whats) if w.startswith("cluster-deleted:"))
        jobs = [i for i, w in enumerate(whats) if w.startswith("job:")]
        assert jobs and created < min(jobs) and max(jobs) < deleted
        assert dep.clusters == {}  # deleted
        assert len(dep.events("init:")) == 1  # the init script ran, and installed the project


def test_spark_node_failure_deletes_the_cluster_and_a_clear_recovers(
    tmp_path, image_venv, dags_folder, reference
):
    fault = ("pipelines/spark_features/nodes.py", "score_shuttles")
    built = build(tmp_path, "dataproc", image_venv, dags_folder, fault)
    (built.data_root / "FAULT_score_shuttles").write_text("raise\n")
    with running(built, dags_folder) as start:
        run = start()
        tasks = run.tasks()
        spark = spark_task_ids(built)
        assert run.state() == "failed", tasks
        assert [tasks[t]["state"] for t in spark] == ["failed"]
        assert tasks["delete_spark_cluster"]["state"] == "success"
        assert built.dep.clusters == {}, "the cluster must be deleted when a job fails"
        later = downstream_of(
            built, {g["name"] for g in built.plan["groups"] if g["kind"] == "spark"}
        )
        assert later and {tasks[t]["state"] for t in later} == {"upstream_failed"}
        assert not [e for e in built.dep.log if e["what"].split(":")[-1] in later]

        # The fault is gone; the user clears the failed job (with its downstream).
        (built.data_root / "FAULT_score_shuttles").unlink()
        driver.clear_and_resume(run, spark[0])
    tasks = run.tasks()
    assert run.state() == "success", (tasks, standins.dump(built.dep))
    assert len(built.dep.events("cluster-created:")) == 2  # Airflow re-ran the setup task
    assert built.dep.clusters == {}
    assert outputs(image_venv, built.data_root) == reference


def test_failing_pod_fails_the_run_and_the_cluster_still_goes(tmp_path, image_venv, dags_folder):
    fault = ("pipelines/data_processing/nodes.py", "preprocess_companies")
    built, run = deploy_and_run(tmp_path, "dataproc", image_venv, dags_folder, fault=fault)
    tasks = run.tasks()
    pod = built.task_ids["preprocess_companies_node"]
    assert run.state() == "failed"
    assert tasks[pod]["state"] == "failed"
    assert {tasks[t]["state"] for t in spark_task_ids(built)} == {"upstream_failed"}
    assert built.dep.clusters == {}


def test_serverless_batch_failing_once_is_retried_under_a_new_batch_id(
    tmp_path, image_venv, dags_folder, reference
):
    fault = ("pipelines/spark_features/nodes.py", "score_shuttles")
    built = build(tmp_path, "dataproc-serverless", image_venv, dags_folder, fault)
    marker = built.data_root / "FAULT_score_shuttles"

    def transient(task_id: str, try_number: int) -> None:
        # the batch's first try meets the fault, the retry does not
        if task_id in spark_task_ids(built):
            if try_number == 1:
                marker.write_text("raise\n")
            elif marker.exists():
                marker.unlink()

    built.dep.faults["before_try"] = transient
    with running(built, dags_folder, retries=1) as start:
        run = start()
    tasks = run.tasks()
    (spark,) = spark_task_ids(built)
    assert run.state() == "success", (tasks, standins.dump(built.dep))
    assert tasks[spark]["try"] == 2
    batches = [e for e in built.dep.log if e["what"].startswith(f"batch:{spark}:")]
    assert [b["code"] != 0 for b in batches] == [True, False]
    assert len({b["what"] for b in batches}) == 2, "each try needs its own batch id"
    assert not built.dep.events("batch-reattached:")
    assert outputs(image_venv, built.data_root) == reference


def test_spark_on_kubernetes_driver_failure_fails_the_task(tmp_path, image_venv, dags_folder):
    fault = ("pipelines/spark_features/nodes.py", "score_shuttles")
    built, run = deploy_and_run(tmp_path, "k8s", image_venv, dags_folder, fault=fault)
    tasks = run.tasks()
    (spark,) = spark_task_ids(built)
    assert tasks[spark]["state"] == "failed", (tasks, standins.dump(built.dep))
    assert run.state() == "failed"
    (submit,) = [e for e in built.dep.log if e["what"] == f"pod:{spark}"]
    assert submit["code"] != 0 and "reported" not in submit


def test_two_pipelines_side_by_side_in_one_bucket(tmp_path, image_venv, dags_folder, reference):
    """data_processing and spark_features (which reads what data_processing wrote) as two DAGs
    from one export, on one bucket and one DAG folder: both DAGs load from the folder, each run
    uses only its own run scripts and batch ids, and together they write what a plain
    `kedro run` writes for their nodes (the reporting outputs are nobody's here)."""
    pipelines = ["data_processing", "spark_features"]
    built = build_pipelines(tmp_path, "dataproc-serverless", image_venv, dags_folder, pipelines)
    assert sorted(p.name for p in dags_folder.iterdir()) == [
        "spaceflights-spark__data_processing.py",
        "spaceflights-spark__spark_features.py",
    ]
    assert len({b.dag_id for b in built.values()}) == 2
    events: dict[str, set[tuple[str, str]]] = {}
    inlets: set[str] = set()
    for name in pipelines:
        with running(built[name], dags_folder) as start:
            run = start()
        assert run.state() == "success", (run.tasks(), standins.dump(built[name].dep))
        # Every task recorded an Asset (Dataset) event for each of its outlets, and only those.
        outlets = {(t.task_id, o.uri) for t in run.dag.tasks for o in t.outlets}
        events[name] = run.asset_events()
        assert outlets and events[name] == outlets
        inlets |= {i.uri for t in run.dag.tasks for i in t.inlets}
    # spark_features' inlets are data the other DAG's run really announced.
    assert inlets and inlets <= {uri for _, uri in events["data_processing"]}
    dep = built["spark_features"].dep
    batches = [e["what"] for e in dep.log if e["what"].startswith("batch:")]
    assert batches and len(set(batches)) == len(batches)
    written = outputs(image_venv, built["spark_features"].data_root)
    missing = set(reference) - set(written)
    assert missing and all(k.startswith("08_reporting/") for k in missing), missing
    assert {k: reference[k] for k in written} == written


@pytest.mark.parametrize(
    "backend", ("dataproc", "dataproc-serverless"), ids=("dataproc", "serverless")
)
def test_packaged_project_equals_a_plain_kedro_run(
    backend, tmp_path, image_venv, dags_folder, reference
):
    """run_config.packaging: kedro-package: `kedro package` builds the wheel and the conf
    tarball, and only those carry the project to the cluster (the init script pip-installs the
    wheel, the run script opens the session with the unpacked conf as conf_source) or to the
    batch (the wheel on python_file_uris, the conf tarball on file_uris)."""
    built = build(tmp_path, backend, image_venv, dags_folder, packaging="kedro-package")
    with running(built, dags_folder) as start:
        run = start()
    tasks = run.tasks()
    assert run.state() == "success", (tasks, standins.dump(built.dep))
    assert outputs(image_venv, built.data_root) == reference

    uploaded = sorted(
        str(p.relative_to(built.dep.bucket_root))
        for p in built.dep.bucket_root.rglob("*")
        if p.is_file() and "example-project-kedro-artifacts" in p.parts
    )
    assert [u for u in uploaded if u.endswith(".whl")], uploaded
    assert [u for u in uploaded if "/conf-spaceflights_spark-" in u], uploaded
    # no archive of the project folder was built: the wheel is the code
    assert not [u for u in uploaded if "/spaceflights_spark-" in u and u.endswith(".tar.gz")]
    spark_logs = [e for e in built.dep.log if e["what"].startswith(("job:", "batch:"))]
    assert spark_logs
    for entry in spark_logs:
        text = Path(entry["log"]).read_text()
        assert "packaged project: conf_source" in text, text[-2000:]
    if backend == "dataproc":
        (init,) = built.dep.events("init:")
        text = Path(init["log"]).read_text()
        assert "Successfully installed spaceflights-spark-0.1.0" in text, text[-2000:]
    else:
        (batch_entry,) = spark_logs
        assert "--py-files" in batch_entry["cmd"] and "--files" in batch_entry["cmd"]
