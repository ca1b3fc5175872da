"""Runtime params in generated DAGs, under real Airflow (2.11 and 3.x): the DAG declares one typed
Param per run_config param, Airflow's own validation refuses values Kedro could not carry, and
the templated fields (pod arguments, Dataproc job args, Serverless batch args, the Spark-on-
Kubernetes runner arguments) render to the run's values, from the defaults and from a
dag_run.conf override. Needs the built CLI (`npm run build`) and Node.js.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / "dist" / "cli.js"
EXAMPLE = ROOT / "examples" / "spaceflights_spark"
LOGICAL_DATE = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)

PARAMS = {
    "label": "it's = $(HOME) #1: é",
    "limit": 10,
    "ratio": {"default": 2, "type": "number", "description": "a float param"},
    "flag": True,
    "run_date": "{{ ds }}",
    "model.depth": 3,
}


def compile_dag(tmp: Path, backend: str, params=PARAMS) -> Path:
    doc = yaml.safe_load((EXAMPLE / "conf" / "base" / "airflow-k8s.yaml").read_text())
    config = doc["run_config"]
    config["params"] = params
    spark = config["spark"]
    if backend == "serverless":
        spark["type"] = "dataproc-serverless"
        spark["cluster_config"] = {
            "runtime_config": {"container_image": "img"},
            "pyspark_batch": {"args": ["--user-arg"]},
        }
    elif backend == "k8s":
        spark["type"] = "k8s"
        spark["cluster_config"] = {"image": "img"}
    file = tmp / "airflow-k8s.yaml"
    file.write_text(yaml.safe_dump(doc))
    node = shutil.which("node")
    assert node and CLI.exists(), "Node.js and the built CLI (npm run build) are needed"
    out = tmp / "out"
    done = subprocess.run(
        [
            *(node, str(CLI), "compile", "--manifest", str(EXAMPLE / "manifest.json")),
            *("--config", str(file), "--project", str(EXAMPLE), "--out", str(out), "--json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out / "dags"


def load(folder: Path):
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag
    import inspect

    quiet = {"include_examples": False}  # Airflow 2 (Airflow 3 takes it from the config)
    if "include_examples" not in inspect.signature(DagBag.__init__).parameters:
        quiet = {}
    bag = DagBag(dag_folder=str(folder), **quiet)
    assert bag.import_errors == {}, bag.import_errors
    (dag,) = bag.dags.values()
    return dag


def resolved(dag, conf: dict) -> dict:
    """The run's params as Airflow builds them when it creates a run: the DAG's params with
    dag_run.conf merged in, validated against each Param's schema (create_dagrun: a deep copy
    and update in 2.11, deep_merge in 3.x; the same for these flat keys)."""
    params = copy.deepcopy(dag.params)
    params.update(conf)
    return dict(params.validate())


def render(dag, task, value, params: dict):
    ds = LOGICAL_DATE.strftime("%Y-%m-%d")
    context = {"params": params, "ds": ds, "run_id": "manual__x", "dag": dag, "task": task}
    context["ti"] = type("TI", (), {"try_number": 1})()
    return task.render_template(value, context, dag.get_template_env(), set())


def unescape_kubelet(text: str) -> str:
    """The kubelet's expansion of container arguments, for text with no $(VAR) it defines."""
    return re.sub(r"\$\$", "$", text)


DEFAULTS = {
    "label": "it's = $(HOME) #1: é",
    "limit": 10,
    "ratio": 2.0,
    "flag": True,
    "run_date": "2025-06-01",
    "model": {"depth": 3},
}
OVERRIDE = {"label": "1", "limit": 7, "ratio": 3, "flag": False, "run_date": "2024-12-31"}
OVERRIDDEN = {**DEFAULTS, **OVERRIDE, "ratio": 3.0, "model": {"depth": 3}}


def kedro_text(values: dict) -> str:
    """What `kedro run --params` must receive for these values (written out by hand)."""
    return (
        f"flag={'true' if values['flag'] else 'false'},"
        f"label='{values['label'].replace(chr(39), chr(39) * 2)}',"
        f"limit={values['limit']},model.depth={values['model']['depth']},"
        f"ratio={values['ratio']!r},run_date='{values['run_date']}'"
    ).replace("$", "$$")


@pytest.fixture(scope="module", params=["dataproc", "serverless", "k8s"])
def dag(request, tmp_path_factory):
    return request.param, load(compile_dag(tmp_path_factory.mktemp(request.param), request.param))


def test_the_dag_declares_typed_params(dag):
    _, dag = dag
    params = dag.params
    assert sorted(params.keys()) == sorted(PARAMS)
    schema = {name: params.get_param(name).schema for name in PARAMS}
    assert {name: s["type"] for name, s in schema.items()} == {
        "label": "string",
        "limit": "integer",
        "ratio": "number",
        "flag": "boolean",
        "run_date": ["null", "string"],
        "model.depth": "integer",
    }
    assert params.get_param("ratio").description == "a float param"
    assert "{{ ds }}" in params.get_param("run_date").description
    assert resolved(dag, {})["run_date"] is None  # the macro is rendered per run, not stored


@pytest.mark.parametrize(
    ("conf", "accepted"),
    [
        ({"label": "a=b"}, True),
        ({"label": ""}, True),
        ({"label": "a,b"}, False),  # Kedro's --params splits on every comma
        ({"label": "${oc.env:HOME}"}, False),  # Kedro's loader would resolve it
        ({"label": "two\nlines"}, False),
        ({"label": "ends in a newline\n"}, False),  # Python's `$` would let it through
        ({"limit": "7"}, False),
        ({"limit": 1.5}, False),
        ({"flag": "false"}, False),
        ({"ratio": 1}, True),
        ({"run_date": None}, True),
    ],
)
def test_airflow_refuses_what_kedro_cannot_carry(dag, conf, accepted):
    _, dag = dag
    if accepted:
        resolved(dag, conf)
    else:
        with pytest.raises(Exception, match=r"(?i)valid|param"):
            resolved(dag, conf)


@pytest.mark.parametrize(("conf", "values"), [({}, DEFAULTS), (OVERRIDE, OVERRIDDEN)])
def test_every_task_renders_the_runs_values(dag, conf, values):
    backend, dag = dag
    params = resolved(dag, {**conf, "undeclared": "ignored"})
    seen = {"pods": 0, "spark": 0}
    for task in dag.tasks:
        kind = type(task).__name__
        if kind == "KubernetesPodOperator" and task.cmds == ["kedro"]:
            args = render(dag, task, task.arguments, params)
            assert args[args.index("--params") + 1] == kedro_text(values)
            seen["pods"] += 1
        elif kind == "KubernetesPodOperator":  # spark-submit with the k8s runner
            args = render(dag, task, task.arguments, params)
            text = args[args.index("--params-json") + 1]
            assert json.loads(unescape_kubelet(text)) == values
            seen["spark"] += 1
        elif kind == "DataprocSubmitJobOperator":
            job = render(dag, task, task.job, params)
            assert job["pyspark_job"]["args"][0] == "--params-json"
            assert json.loads(job["pyspark_job"]["args"][1]) == values
            seen["spark"] += 1
        elif kind == "DataprocCreateBatchOperator":
            batch = render(dag, task, task.batch, params)
            args = batch["pyspark_batch"]["args"]
            assert args[:2] == ["--user-arg", "--params-json"], args
            assert json.loads(args[2]) == values
            seen["spark"] += 1
    assert seen["pods"] == 3 and seen["spark"] == 1, (backend, seen)


def test_a_value_that_escaped_validation_fails_the_task_at_render_time(dag):
    _, dag = dag
    task = next(t for t in dag.tasks if type(t).__name__ == "KubernetesPodOperator")
    params = {**resolved(dag, {}), "label": "a,b"}  # as if validation had been turned off
    with pytest.raises(ValueError, match="label"):
        render(dag, task, task.arguments, params)


def test_a_dag_without_params_has_none(tmp_path):
    dag = load(compile_dag(tmp_path, "dataproc", params={}))
    assert "--params" not in next(t for t in dag.tasks if hasattr(t, "arguments")).arguments
