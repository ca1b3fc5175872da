"""Checks the facts docs/airflow-compat.md states, against the Airflow installed in this Python.

Runs test/python/tools/airflow_facts.py (which asks the installed classes) and asserts the facts the
DAG generator relies on, for whichever Airflow line this virtualenv holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FACTS = ROOT / "test" / "python" / "tools" / "airflow_facts.py"


@pytest.fixture(scope="module")
def facts() -> dict:
    proc = subprocess.run(
        [sys.executable, str(FACTS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def major(facts: dict) -> int:
    return int(facts["airflowVersion"].split(".")[0])


def test_pinned_lines(facts: dict, major: int) -> None:
    versions = facts["versions"]
    assert major in (2, 3)
    assert versions["apache-airflow-providers-google"].startswith("22.")
    assert versions["apache-airflow-providers-cncf-kubernetes"].startswith("10.")


def test_ids_accept_only_word_characters_dots_and_dashes(facts: dict) -> None:
    for probes in (facts["dag"]["dagIdProbes"], facts["task"]["taskIdProbes"]):
        accepted = {candidate for candidate, result in probes.items() if result["ok"]}
        assert accepted == {"kedro_pipeline-1.v2", "unicode_é", "a" * 250}


def test_unknown_kwargs_fail(facts: dict, major: int) -> None:
    operator_error = "airflow.exceptions.AirflowException" if major == 2 else "builtins.TypeError"
    assert facts["task"]["unknownKwarg"]["error"] == operator_error
    assert facts["pod"]["unknownKwarg"]["error"] == operator_error
    assert facts["dag"]["unknownKwarg"]["error"] == "builtins.TypeError"


def test_schedule_and_catchup(facts: dict, major: int) -> None:
    schedule = facts["dag"]["schedule"]
    cron = schedule["cron '0 3 * * *'"]["value"]
    assert schedule["None"]["value"]["timetable"].endswith(".NullTimetable")
    if major == 2:
        assert cron["timetable"].endswith(".CronDataIntervalTimetable")
        assert cron["catchupDefault"] is True
        assert facts["dag"]["scheduleIntervalKwarg"]["ok"] is True
    else:
        assert cron["timetable"].endswith(".CronTriggerTimetable")
        assert cron["catchupDefault"] is False
        assert facts["dag"]["scheduleIntervalKwarg"]["ok"] is False
    start = facts["dag"]["pendulumUtcStartDate"]
    assert start["ok"] and start["warnings"] == []
    assert start["value"]["startDate"] == "2024-01-01T00:00:00+00:00"


def test_empty_operator_paths(facts: dict, major: int) -> None:
    paths = facts["emptyOperator"]
    assert paths["airflow.operators.empty"]["ok"] is True
    if major == 2:
        assert paths["airflow.providers.standard.operators.empty"]["ok"] is False
        assert paths["airflow.operators.empty"]["warnings"] == []
    else:
        assert paths["airflow.providers.standard.operators.empty"]["ok"] is True
        assert paths["airflow.operators.empty"]["warnings"]  # deprecated alias


def test_templated_fields(facts: dict) -> None:
    ops = facts["operators"]
    assert {"cluster_name", "cluster_config", "region", "project_id"} <= set(
        ops["DataprocCreateClusterOperator"]["templateFields"]
    )
    assert {"job", "region", "project_id"} <= set(
        ops["DataprocSubmitJobOperator"]["templateFields"]
    )
    assert {"cluster_name", "region", "project_id"} <= set(
        ops["DataprocDeleteClusterOperator"]["templateFields"]
    )
    assert {"batch", "batch_id", "region", "project_id"} <= set(
        ops["DataprocCreateBatchOperator"]["templateFields"]
    )
    pod_fields = {"image", "name", "namespace", "cmds", "arguments", "env_vars"}
    assert pod_fields <= set(ops["KubernetesPodOperator"]["templateFields"])
    assert pod_fields | {"cluster_name", "location", "project_id"} <= set(
        ops["GKEStartPodOperator"]["templateFields"]
    )


def test_required_params(facts: dict) -> None:
    ops = facts["operators"]
    assert set(ops["DataprocCreateClusterOperator"]["requiredParams"]) == {"cluster_name", "region"}
    assert set(ops["DataprocSubmitJobOperator"]["requiredParams"]) == {"job", "region"}
    assert set(ops["DataprocDeleteClusterOperator"]["requiredParams"]) == {"cluster_name", "region"}
    assert set(ops["DataprocCreateBatchOperator"]["requiredParams"]) == {"batch", "region"}
    assert set(ops["GKEStartPodOperator"]["requiredParams"]) == {"location", "cluster_name"}
    assert ops["KubernetesPodOperator"]["requiredParams"] == []
    for op in ops.values():
        assert None not in op["params"].values(), op["import"]


def test_pod_arguments_as_dicts_or_models_build_the_same_pod(facts: dict) -> None:
    pod = facts["pod"]
    assert pod["dictStyle"]["ok"], pod["dictStyle"]
    assert pod["modelStyle"]["ok"], pod["modelStyle"]
    dict_spec = pod["dictStyle"]["value"]["spec"]
    model_spec = pod["modelStyle"]["value"]["spec"]
    for key in ("tolerations", "imagePullSecrets", "nodeSelector"):
        assert dict_spec[key] == model_spec[key]
    assert dict_spec["containers"][0]["resources"] == model_spec["containers"][0]["resources"]
    env = model_spec["containers"][0]["env"]
    secret_ref = {"secretKeyRef": {"key": "password", "name": "db-secret"}}
    assert {"name": "DB_PASSWORD", "valueFrom": secret_ref} in env
    signature = "(self, deploy_type, deploy_target, secret, key=None, items=None)"
    assert pod["secretSignature"] == signature


def test_pod_name_is_checked_only_at_execute(facts: dict) -> None:
    pod = facts["pod"]
    assert pod["nameWithSpace"]["ok"] is True  # the constructor accepts it
    at_execute = pod["nameAtExecute"]
    assert at_execute["Clean_Data.v2"]["value"] == "clean-data-v2"
    assert at_execute["clean data"]["ok"] is False
    assert at_execute["a" * 221]["ok"] is False


def test_dagbag_refuses_what_a_generator_could_get_wrong(facts: dict, major: int) -> None:
    probes = facts["dagbagProbes"]
    for name in (
        "bad_trigger_rule",
        "tag_101_chars",
        "cycle",
        "duplicate_task_id",
        "bad_on_finish_action",
    ):
        assert probes[name]["ok"] is False, name
    assert "Cycle detected" in probes["cycle"]["error"]
    # Only Airflow 2 insists on a start_date for a scheduled DAG.
    assert probes["cron_without_start_date"]["ok"] is (major == 3)
    # An invalid pod name is not caught at import time on either line.
    assert probes["pod_name_with_space"]["ok"] is True


def test_task_groups(facts: dict, major: int) -> None:
    groups = facts["taskGroup"]
    sdk, old = groups["imports"]["airflow.sdk"], groups["imports"]["airflow.utils.task_group"]
    if major == 2:
        assert sdk["ok"] is False and old["ok"] is True and old["warnings"] == []
        assert groups["params"]["group_display_name"] is None
        # 2.11 checks the key only when the group prefixes its children.
        assert groups["dotInGroupId"]["ok"] is True
    else:
        assert sdk["ok"] is True and old["warnings"] != []
        assert groups["params"]["group_display_name"] is not None
        assert groups["dotInGroupId"]["error"] == "builtins.ValueError"
    assert groups["params"]["prefix_group_id"]["default"] == "True"
    assert groups["prefixed"]["value"]["taskId"] == "outer.inner.t.x"
    assert groups["unprefixed"]["value"] == {
        "taskId": "t.x",
        "innerGroupId": "inner",
        "taskGroupOfTask": "inner",
        "tooltip": "a.b",
    }
    assert groups["groupIdIsTaskId"]["error"].endswith(".DuplicateTaskIdFound")
