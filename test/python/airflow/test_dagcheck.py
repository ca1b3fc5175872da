"""Runs test/python/tools/dagcheck.py on the fixture DAGs under the Airflow of this Python.

scripts/test-python-airflow.sh runs this file once with the Airflow 2 virtualenv and once with
the Airflow 3 one. Nothing here is skipped: without Airflow every test fails.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DAGCHECK = ROOT / "test" / "python" / "tools" / "dagcheck.py"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Dataproc cluster names: lowercase letter first, then letters, digits, hyphens; at most 51
# characters; no trailing hyphen. Batch ids: 4-63 characters of [a-z0-9-].
CLUSTER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,49}[a-z0-9]$")
BATCH_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$")


def airflow_major() -> int:
    import airflow  # no importorskip: a missing Airflow must fail the run

    return int(airflow.__version__.split(".")[0])


def run_dagcheck(*args: str) -> tuple[int, dict, str]:
    proc = subprocess.run(
        [sys.executable, str(DAGCHECK), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError as exc:
        raise AssertionError(f"stdout is not JSON: {proc.stdout[:2000]}") from exc
    return proc.returncode, report, proc.stderr


@pytest.fixture(scope="module")
def folder_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("dagcheck") / "report.json"
    code, report, stderr = run_dagcheck(str(FIXTURES), "--render", "--json", str(out))
    assert report, f"dagcheck printed no report; stderr:\n{stderr[-4000:]}"
    assert json.loads(out.read_text(encoding="utf-8")) == report
    report["_exitCode"] = code
    return report


def test_airflow_is_installed_and_matches_report(folder_report: dict) -> None:
    import airflow

    assert airflow_major() in (2, 3)
    assert folder_report["airflowVersion"] == airflow.__version__


def test_bad_kwarg_is_the_only_import_error(folder_report: dict) -> None:
    assert folder_report["_exitCode"] == 1
    errors = folder_report["importErrors"]
    assert list(errors) == ["bad_kwarg_dag.py"]
    message = errors["bad_kwarg_dag.py"]
    assert "not_a_real_kwarg" in message
    # Airflow 2 raises AirflowException for an unknown operator argument, Airflow 3 TypeError.
    expected = "AirflowException" if airflow_major() == 2 else "TypeError"
    assert f"{expected}: Invalid arguments were passed to KubernetesPodOperator" in message
    assert "fixture_bad_kwarg" not in folder_report["dags"]


def test_every_good_fixture_is_a_dag(folder_report: dict) -> None:
    assert sorted(folder_report["dags"]) == [
        "fixture_dataproc_batch",
        "fixture_dataproc_cluster",
        "fixture_gke_pod",
        "fixture_pod",
    ]
    assert set(folder_report["fileStats"]) == {p.name for p in FIXTURES.glob("*.py")}
    assert folder_report["parseSeconds"] > 0
    assert folder_report["importSeconds"] > 0


def test_single_good_file_exits_zero() -> None:
    code, report, stderr = run_dagcheck(str(FIXTURES / "pod_dag.py"))
    assert code == 0, stderr[-4000:]
    assert report["importErrors"] == {}
    assert list(report["dags"]) == ["fixture_pod"]
    assert "rendered" not in report["dags"]["fixture_pod"]["tasks"]["start"]


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    code, report, stderr = run_dagcheck(str(tmp_path / "nope"))
    assert code == 2
    assert report == {}
    assert "no such file" in stderr


def test_pod_dag_level_fields(folder_report: dict) -> None:
    dag = folder_report["dags"]["fixture_pod"]
    assert dag["fileloc"] == "pod_dag.py"
    assert dag["schedule"] == "0 3 * * *"
    assert dag["catchup"] is False
    assert dag["startDate"] == "2024-01-01T00:00:00+00:00"
    assert dag["tags"] == ["fixture", "kedro"]
    assert dag["description"] == "pod fixture"
    assert dag["docMd"] == "Pod fixture DAG."
    assert dag["maxActiveRuns"] == 1
    assert dag["dagrunTimeout"] == 7200.0
    assert dag["defaultArgs"] == {"retries": 2}
    # Airflow 3 turned cron schedules into trigger timetables (no data interval).
    timetable = dag["timetable"].rsplit(".", 1)[1]
    if airflow_major() == 2:
        assert timetable == "CronDataIntervalTimetable"
    else:
        assert timetable == "CronTriggerTimetable"


def test_pod_tasks(folder_report: dict) -> None:
    tasks = folder_report["dags"]["fixture_pod"]["tasks"]
    assert sorted(tasks) == ["clean-data_v1.2", "start"]
    start, pod = tasks["start"], tasks["clean-data_v1.2"]
    if airflow_major() == 2:
        assert start["operator"] == "airflow.operators.empty.EmptyOperator"
    else:
        assert start["operator"] == "airflow.providers.standard.operators.empty.EmptyOperator"
    assert start["downstream"] == ["clean-data_v1.2"]
    assert pod["operator"] == (
        "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator"
    )
    assert pod["upstream"] == ["start"]
    assert pod["downstream"] == []
    assert pod["triggerRule"] == "all_success"
    assert pod["docMd"] == "Runs node `clean`."
    attrs = pod["attrs"]
    assert attrs["name"] == "clean-data"
    assert attrs["namespace"] == "composer-user-workloads"
    assert attrs["cmds"] == ["kedro"]
    assert attrs["arguments"] == ["run", "--nodes", "clean", "--env", "{{ params.env }}"]
    assert attrs["env_vars"] == {"KEDRO_ENV": "prod", "RUN_ID": "{{ run_id }}"}
    assert attrs["secrets"] == [
        {
            "deploy_type": "env",
            "deploy_target": "DB_PASSWORD",
            "secret": "db-secret",
            "key": "password",
            "items": [],
        },
        {
            "deploy_type": "volume",
            "deploy_target": "/var/secrets/google",
            "secret": "gcp-key",
            "key": None,
            "items": [],
        },
    ]
    assert attrs["service_account_name"] == "kedro-runner"
    assert attrs["image_pull_policy"] == "IfNotPresent"
    assert attrs["image_pull_secrets"] == [{"name": "regcred"}]
    assert attrs["container_resources"] == {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"cpu": "1", "memory": "2Gi"},
    }
    assert attrs["node_selector"] == {"pool": "kedro"}
    assert attrs["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "kedro", "effect": "NoSchedule"}
    ]
    assert attrs["on_finish_action"] == "delete_pod"
    assert attrs["get_logs"] is True
    assert attrs["labels"] == {"app": "kedro"}
    assert attrs["retries"] == 2  # from default_args
    assert "env_vars" in pod["templateFields"]
    assert "arguments" in pod["templateFields"]


def test_pod_templates_render(folder_report: dict) -> None:
    rendered = folder_report["dags"]["fixture_pod"]["tasks"]["clean-data_v1.2"]["rendered"]
    assert rendered["arguments"] == ["run", "--nodes", "clean", "--env", "prod"]
    assert rendered["env_vars"] == {
        "KEDRO_ENV": "prod",
        "RUN_ID": "scheduled__2024-01-02T03:04:05+00:00",
    }


def test_render_uses_given_run_id() -> None:
    code, report, stderr = run_dagcheck(
        str(FIXTURES / "pod_dag.py"),
        "--render",
        "--run-id",
        "manual__x",
        "--logical-date",
        "2025-06-07T08:09:10+00:00",
    )
    assert code == 0, stderr[-4000:]
    rendered = report["dags"]["fixture_pod"]["tasks"]["clean-data_v1.2"]["rendered"]
    assert rendered["env_vars"]["RUN_ID"] == "manual__x"


def test_render_without_logical_date_fails_on_ds() -> None:
    # Airflow 3 runs triggered without a logical date have no ds/ts in their context, and DAG
    # templates use StrictUndefined: names built from ds break, names built from run_id do not.
    code, report, stderr = run_dagcheck(
        str(FIXTURES / "dataproc_batch_dag.py"),
        "--render",
        "--run-id",
        "manual__2025-06-07T08:09:10.123456+00:00_AbCdEf12",
        "--logical-date",
        "none",
    )
    assert code == 0, stderr[-4000:]
    rendered = report["dags"]["fixture_dataproc_batch"]["tasks"]["spark-group-1"]["rendered"]
    assert "UndefinedError" in rendered["batch_id"]["error"]
    assert "ds_nodash" in rendered["batch_id"]["error"]
    assert rendered["region"] == "europe-west1"


def test_dataproc_cluster_chain(folder_report: dict) -> None:
    dag = folder_report["dags"]["fixture_dataproc_cluster"]
    assert dag["schedule"] is None
    assert dag["timetable"].endswith(".NullTimetable")
    tasks = dag["tasks"]
    prefix = "airflow.providers.google.cloud.operators.dataproc."
    create, submit, delete = (
        tasks["create-cluster"],
        tasks["spark-group-1"],
        tasks["delete-cluster"],
    )
    assert create["operator"] == prefix + "DataprocCreateClusterOperator"
    assert submit["operator"] == prefix + "DataprocSubmitJobOperator"
    assert delete["operator"] == prefix + "DataprocDeleteClusterOperator"
    assert create["upstream"] == []
    assert submit["upstream"] == ["create-cluster"]
    assert delete["upstream"] == ["spark-group-1"]
    assert create["triggerRule"] == "all_success"
    assert delete["triggerRule"] == "all_done"
    assert create["attrs"]["cluster_config"]["initialization_actions"] == [
        {"executable_file": "gs://bucket/init/init.sh"}
    ]
    for task in (create, delete):
        assert "cluster_name" in task["templateFields"]
        assert task["attrs"]["region"] == "europe-west1"
        assert task["attrs"]["project_id"] == "my-project"
    assert "job" in submit["templateFields"]
    # One rendered cluster name everywhere, and a valid Dataproc name.
    names = {
        create["rendered"]["cluster_name"],
        delete["rendered"]["cluster_name"],
        submit["rendered"]["job"]["placement"]["cluster_name"],
    }
    assert names == {"kedro-20240102-1"}
    assert CLUSTER_NAME.match(names.pop())
    assert submit["rendered"]["job"]["pyspark_job"]["args"] == [
        "--run-id",
        "scheduled__2024-01-02T03:04:05+00:00",
    ]


def test_dataproc_batch(folder_report: dict) -> None:
    dag = folder_report["dags"]["fixture_dataproc_batch"]
    assert dag["schedule"] == "@daily"
    task = dag["tasks"]["spark-group-1"]
    assert task["operator"] == (
        "airflow.providers.google.cloud.operators.dataproc.DataprocCreateBatchOperator"
    )
    assert {"batch", "batch_id"} <= set(task["templateFields"])
    assert task["attrs"]["batch"]["runtime_config"] == {
        "container_image": "europe-docker.pkg.dev/p/r/spark:1.0"
    }
    assert task["attrs"]["batch_id"] == "kedro-g1-{{ ds_nodash }}"
    assert task["rendered"]["batch_id"] == "kedro-g1-20240102"
    assert BATCH_ID.match(task["rendered"]["batch_id"])


def test_gke_start_pod(folder_report: dict) -> None:
    dag = folder_report["dags"]["fixture_gke_pod"]
    # The fixture leaves catchup unset: the default flipped from True (2.x) to False (3.x).
    assert dag["catchup"] is (airflow_major() == 2)
    task = dag["tasks"]["spark-submit-group-1"]
    assert task["operator"] == (
        "airflow.providers.google.cloud.operators.kubernetes_engine.GKEStartPodOperator"
    )
    attrs = task["attrs"]
    assert attrs["project_id"] == "my-project"
    assert attrs["location"] == "europe-west1"
    assert attrs["cluster_name"] == "spark-cluster"
    assert attrs["use_internal_ip"] is True
    assert attrs["namespace"] == "spark"
    assert attrs["service_account_name"] == "spark-submitter"
    assert attrs["cmds"] == ["/opt/spark/bin/spark-submit"]
    assert attrs["env_vars"] == {"KEDRO_ENV": "prod"}
    assert attrs["on_finish_action"] == "delete_pod"
