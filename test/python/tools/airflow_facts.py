"""Ask the installed Airflow and providers the facts a DAG generator depends on; print JSON.

Usage (with the python of a virtualenv that has Airflow and the providers installed):

    python test/python/tools/airflow_facts.py [--json OUT]

Every fact comes from the installed classes (signatures, template_fields, what a constructor
accepts or rejects), never from documentation. docs/airflow-compat.md is written from the output
of this script under each pinned Airflow line; run it again after changing a lock.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dagcheck import _Converter, isolate_airflow

DAG_PARAMS = (
    "dag_id",
    "schedule",
    "start_date",
    "catchup",
    "tags",
    "description",
    "default_args",
    "doc_md",
    "max_active_runs",
    "dagrun_timeout",
    "params",
)
TASK_PARAMS = ("task_id", "doc_md", "trigger_rule", "retries", "retry_delay", "params")
POD_PARAMS = (
    "name",
    "namespace",
    "image",
    "cmds",
    "arguments",
    "env_vars",
    "secrets",
    "service_account_name",
    "image_pull_policy",
    "image_pull_secrets",
    "container_resources",
    "node_selector",
    "tolerations",
    "on_finish_action",
    "kubernetes_conn_id",
    "in_cluster",
    "config_file",
    "get_logs",
    "labels",
    "annotations",
    "startup_timeout_seconds",
)
GCP_PARAMS = ("project_id", "region", "gcp_conn_id", "impersonation_chain", "deferrable")
OPERATORS = {
    "KubernetesPodOperator": (
        "airflow.providers.cncf.kubernetes.operators.pod",
        POD_PARAMS,
    ),
    "GKEStartPodOperator": (
        "airflow.providers.google.cloud.operators.kubernetes_engine",
        (
            "project_id",
            "location",
            "cluster_name",
            "use_internal_ip",
            "use_dns_endpoint",
            "gcp_conn_id",
            "impersonation_chain",
            "deferrable",
            *POD_PARAMS,
        ),
    ),
    "DataprocCreateClusterOperator": (
        "airflow.providers.google.cloud.operators.dataproc",
        (
            "cluster_name",
            "cluster_config",
            "labels",
            "use_if_exists",
            "delete_on_error",
            *GCP_PARAMS,
        ),
    ),
    "DataprocSubmitJobOperator": (
        "airflow.providers.google.cloud.operators.dataproc",
        ("job", "request_id", "wait_timeout", *GCP_PARAMS),
    ),
    "DataprocDeleteClusterOperator": (
        "airflow.providers.google.cloud.operators.dataproc",
        ("cluster_name", *GCP_PARAMS),
    ),
    "DataprocCreateBatchOperator": (
        "airflow.providers.google.cloud.operators.dataproc",
        ("batch", "batch_id", "batch_id_prefix", "request_id", *GCP_PARAMS),
    ),
}
EMPTY_OPERATOR_PATHS = (
    "airflow.operators.empty",
    "airflow.providers.standard.operators.empty",
)


def _distribution_versions() -> dict[str, str | None]:
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in (
        "apache-airflow",
        "apache-airflow-core",
        "apache-airflow-task-sdk",
        "apache-airflow-providers-google",
        "apache-airflow-providers-cncf-kubernetes",
        "apache-airflow-providers-standard",
        "apache-airflow-providers-common-compat",
        "kubernetes",
        "pendulum",
        "google-cloud-dataproc",
    ):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _param_info(cls: type, wanted: tuple[str, ...]) -> dict[str, Any]:
    """For each wanted constructor argument: the class in the MRO that declares it, whether it
    is required, its default and annotation; None when nothing in the MRO accepts it."""
    info: dict[str, Any] = {}
    for name in wanted:
        info[name] = None
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            try:
                params = inspect.signature(init).parameters
            except (TypeError, ValueError):
                continue
            if name in params:
                param = params[name]
                required = param.default is inspect.Parameter.empty
                info[name] = {
                    "declaredBy": f"{klass.__module__}.{klass.__qualname__}",
                    "required": required,
                    "default": None if required else repr(param.default),
                    "annotation": (
                        None
                        if param.annotation is inspect.Parameter.empty
                        else str(param.annotation)
                    ),
                }
                break
    return info


def _try(func: Any) -> dict[str, Any]:
    """Run func, returning its value or the exception it raised (type and first line)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = func()
        except Exception as exc:
            return {
                "ok": False,
                "error": f"{type(exc).__module__}.{type(exc).__name__}",
                "message": str(exc).splitlines()[0] if str(exc) else "",
                "warnings": sorted({str(w.message).splitlines()[0] for w in caught}),
            }
    return {
        "ok": True,
        "value": value,
        "warnings": sorted({str(w.message).splitlines()[0] for w in caught}),
    }


def _dag_facts(convert: _Converter) -> dict[str, Any]:
    import pendulum
    from airflow import DAG

    start = pendulum.datetime(2024, 1, 1, tz="UTC")

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("start_date", start)
        return DAG(dag_id=kwargs.pop("dag_id", "facts_dag"), **kwargs)

    def schedule_of(schedule: Any) -> Any:
        def run() -> Any:
            dag = make(schedule=schedule)
            timetable = type(dag.timetable)
            return {
                "timetable": f"{timetable.__module__}.{timetable.__qualname__}",
                "catchupDefault": dag.catchup,
            }

        return _try(run)

    def naive_start() -> Any:
        import datetime as dt

        dag = make(schedule=None, start_date=dt.datetime(2024, 1, 1))
        return {"startDate": dag.start_date.isoformat(), "tz": str(dag.start_date.tzinfo)}

    def pendulum_start() -> Any:
        dag = make(schedule="0 3 * * *", start_date=start)
        return {"startDate": dag.start_date.isoformat(), "tz": str(dag.start_date.tzinfo)}

    def id_probe(candidate: str) -> Any:
        return _try(lambda: make(dag_id=candidate, schedule=None).dag_id == candidate)

    def schedule_interval_kwarg() -> Any:
        return make(schedule_interval="@daily").dag_id

    def unknown_dag_kwarg() -> Any:
        return make(schedule=None, not_a_dag_kwarg=1).dag_id

    from dagcheck import _class_path

    return {
        "class": _class_path(make(schedule=None)),
        "params": _param_info(DAG, DAG_PARAMS),
        "schedule": {
            "None": schedule_of(None),
            "cron '0 3 * * *'": schedule_of("0 3 * * *"),
            "'@daily'": schedule_of("@daily"),
            "timedelta(hours=1)": schedule_of(pendulum.duration(hours=1)),
        },
        "scheduleIntervalKwarg": _try(schedule_interval_kwarg),
        "unknownKwarg": _try(unknown_dag_kwarg),
        "pendulumUtcStartDate": _try(pendulum_start),
        "naiveStartDate": _try(naive_start),
        "dagIdProbes": {c: id_probe(c) for c in _ID_CANDIDATES},
    }


_ID_CANDIDATES = (
    "kedro_pipeline-1.v2",
    "with space",
    "colon:x",
    "slash/x",
    "brackets[x]",
    "semicolon;x",
    "plus+x",
    "unicode_é",
    "",
    "a" * 250,
    "a" * 251,
)


def _empty_operator_facts() -> dict[str, Any]:
    out = {}
    for module in EMPTY_OPERATOR_PATHS:

        def load(module: str = module) -> Any:
            cls = importlib.import_module(module).EmptyOperator
            return f"{cls.__module__}.{cls.__qualname__}"

        out[module] = _try(load)
    return out


def _task_id_facts() -> dict[str, Any]:
    import pendulum
    from airflow import DAG

    EmptyOperator = _empty_operator_class()

    def probe(candidate: str) -> Any:
        def run() -> Any:
            with DAG(
                dag_id="facts_task_ids",
                schedule=None,
                start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
            ):
                return EmptyOperator(task_id=candidate).task_id == candidate

        return _try(run)

    def unknown_kwarg() -> Any:
        return EmptyOperator(task_id="x", not_a_task_kwarg=1).task_id

    return {
        "params": _param_info(EmptyOperator, TASK_PARAMS),
        "taskIdProbes": {c: probe(c) for c in _ID_CANDIDATES},
        "unknownKwarg": _try(unknown_kwarg),
    }


TASK_GROUP_PATHS = ("airflow.sdk", "airflow.utils.task_group")


def _task_group_facts() -> dict[str, Any]:
    """Where TaskGroup lives, and what the generator's groups rely on: prefix_group_id=False
    keeps a task's id, a group id may hold no dot and may not be a task id."""
    import pendulum
    from airflow import DAG

    imports = {}
    for module in TASK_GROUP_PATHS:

        def load(module: str = module) -> Any:
            cls = importlib.import_module(module).TaskGroup
            return f"{cls.__module__}.{cls.__qualname__}"

        imports[module] = _try(load)
    TaskGroup = None
    for module in TASK_GROUP_PATHS:
        try:
            TaskGroup = importlib.import_module(module).TaskGroup
            break
        except ImportError:
            continue
    EmptyOperator = _empty_operator_class()

    def in_dag(body: Any) -> Any:
        def run() -> Any:
            with DAG(
                dag_id="facts_task_groups",
                schedule=None,
                start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
            ):
                return body()

        return _try(run)

    def ids(prefix: bool) -> Any:
        outer = TaskGroup("outer", prefix_group_id=prefix, tooltip="a.b")
        inner = TaskGroup("inner", prefix_group_id=prefix, parent_group=outer)
        task = EmptyOperator(task_id="t.x", task_group=inner)
        return {
            "taskId": task.task_id,
            "innerGroupId": inner.group_id,
            "taskGroupOfTask": task.task_group.group_id,
            "tooltip": outer.tooltip,
        }

    def clash_with_task_id() -> Any:
        EmptyOperator(task_id="same")
        return TaskGroup("same", prefix_group_id=False).group_id

    return {
        "imports": imports,
        "params": _param_info(
            TaskGroup,
            ("group_id", "prefix_group_id", "tooltip", "parent_group", "group_display_name"),
        ),
        "prefixed": in_dag(lambda: ids(True)),
        "unprefixed": in_dag(lambda: ids(False)),
        "dotInGroupId": in_dag(lambda: TaskGroup("a.b", prefix_group_id=False).group_id),
        "groupIdIsTaskId": in_dag(clash_with_task_id),
    }


def _empty_operator_class() -> Any:
    for module in reversed(EMPTY_OPERATOR_PATHS):
        try:
            return importlib.import_module(module).EmptyOperator
        except ImportError:
            continue
    raise ImportError("no EmptyOperator")


def _operator_facts() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (module, wanted) in OPERATORS.items():
        try:
            cls = getattr(importlib.import_module(module), name)
        except Exception as exc:
            out[name] = {"import": f"{module}.{name}", "error": f"{type(exc).__name__}: {exc}"}
            continue
        required = []
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or klass.__module__.startswith(("airflow.sdk", "airflow.models")):
                continue
            for pname, param in inspect.signature(init).parameters.items():
                if (
                    pname not in ("self", "args", "kwargs")
                    and param.default is inspect.Parameter.empty
                    and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
                    and pname not in required
                ):
                    required.append(pname)
        out[name] = {
            "import": f"{module}.{name}",
            "mro": [f"{k.__module__}.{k.__qualname__}" for k in cls.__mro__[:4]],
            "requiredParams": required,
            "params": _param_info(cls, wanted),
            "templateFields": sorted(cls.template_fields),
        }
    return out


def _write_fake_kubeconfig(home: str) -> None:
    """A kubeconfig naming an unreachable server: building a pod object loads the config but
    contacts nothing. The kubernetes client reads KUBECONFIG when it is imported, so this runs
    before Airflow is imported."""
    kubeconfig = Path(home) / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: fake, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: fake, user: {token: fake}}]\n"
        "contexts: [{name: fake, context: {cluster: fake, user: fake}}]\n"
        "current-context: fake\n",
        encoding="utf-8",
    )
    os.environ["KUBECONFIG"] = str(kubeconfig)


def _pod_facts(convert: _Converter) -> dict[str, Any]:
    """Build the pod a KubernetesPodOperator would submit, from dict-style and model-style
    arguments, without any cluster."""
    import pendulum
    from airflow import DAG
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from airflow.providers.cncf.kubernetes.secret import Secret
    from kubernetes.client import models as k8s

    def build(**kwargs: Any) -> Any:
        with DAG(
            dag_id="facts_pod",
            schedule=None,
            start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        ):
            op = KubernetesPodOperator(
                task_id="pod",
                namespace="ns",
                image="img",
                name=kwargs.pop("name", "pod"),
                **kwargs,
            )
        pod = convert(op.build_pod_request_obj())
        pod["metadata"]["name"] = pod["metadata"]["name"].rsplit("-", 1)[0] + "-<random>"
        pod["metadata"]["labels"].pop("airflow_version", None)
        return pod

    dict_style = {
        "env_vars": {"A": "1"},
        "tolerations": [
            {
                "key": "k",
                "operator": "Equal",
                "value": "v",
                "effect": "NoSchedule",
                "tolerationSeconds": 5,
            },
        ],
        "container_resources": {"requests": {"cpu": "1"}, "limits": {"memory": "1Gi"}},
        "image_pull_secrets": "regcred,other",
        "node_selector": {"pool": "p"},
    }
    model_style = {
        "env_vars": [k8s.V1EnvVar(name="A", value="1")],
        "tolerations": [
            k8s.V1Toleration(
                key="k", operator="Equal", value="v", effect="NoSchedule", toleration_seconds=5
            )
        ],
        "container_resources": k8s.V1ResourceRequirements(
            requests={"cpu": "1"}, limits={"memory": "1Gi"}
        ),
        "image_pull_secrets": [
            k8s.V1LocalObjectReference(name="regcred"),
            k8s.V1LocalObjectReference(name="other"),
        ],
        "node_selector": {"pool": "p"},
        "secrets": [
            Secret("env", "DB_PASSWORD", "db-secret", "password"),
            Secret("volume", "/var/secrets", "gcp-key"),
        ],
    }
    secret_sig = inspect.signature(Secret.__init__)
    return {
        "secretSignature": str(secret_sig),
        "dictStyle": _try(lambda: build(**dict_style)),
        "modelStyle": _try(lambda: build(**model_style)),
        "nameWithUnderscoreAndCaps": _try(lambda: build(name="Clean_Data.v2")["metadata"]["name"]),
        "nameWithSpace": _try(lambda: build(name="clean data")),
        "unknownKwarg": _try(lambda: build(not_a_pod_kwarg=1)),
        # execute() (not the constructor) validates and normalises the pod name:
        "nameAtExecute": {
            candidate: _try(lambda c=candidate: KubernetesPodOperator._set_name(c))
            for candidate in ("Clean_Data.v2", "clean data", "a" * 221)
        },
    }


def _config_facts() -> dict[str, Any]:
    from airflow.configuration import conf

    out = {}
    for section, key in (
        ("core", "dagbag_import_timeout"),
        ("scheduler", "catchup_by_default"),
        ("scheduler", "create_cron_data_intervals"),
        ("core", "dag_discovery_safe_mode"),
    ):
        try:
            out[f"{section}.{key}"] = conf.get(section, key)
        except Exception as exc:
            out[f"{section}.{key}"] = f"<{type(exc).__name__}>"
    return out


def _dagbag_facts() -> dict[str, Any]:
    from dagcheck import _dagbag_class

    cls = _dagbag_class()
    return {
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "initParams": list(inspect.signature(cls).parameters),
    }


_PROBE_HEADER = """\
import pendulum
from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as Pod

START = pendulum.datetime(2024, 1, 1, tz="UTC")
"""
# DAG files that a generator could get wrong, and that the DagBag must refuse (or accept).
_PROBE_BODIES = {
    "bad_trigger_rule": """\
with DAG(dag_id="bad_trigger_rule", schedule=None, start_date=START):
    Pod(task_id="a", image="i", trigger_rule="bogus")
""",
    "cron_without_start_date": """\
with DAG(dag_id="cron_without_start_date", schedule="0 3 * * *"):
    Pod(task_id="a", image="i")
""",
    "tag_101_chars": """\
with DAG(dag_id="tag_101_chars", schedule=None, start_date=START, tags=["t" * 101]):
    Pod(task_id="a", image="i")
""",
    "cycle": """\
with DAG(dag_id="cycle", schedule=None, start_date=START):
    a = Pod(task_id="a", image="i")
    b = Pod(task_id="b", image="i")
    a >> b >> a
""",
    "duplicate_task_id": """\
with DAG(dag_id="duplicate_task_id", schedule=None, start_date=START):
    Pod(task_id="a", image="i")
    Pod(task_id="a", image="i")
""",
    "bad_on_finish_action": """\
with DAG(dag_id="bad_on_finish_action", schedule=None, start_date=START):
    Pod(task_id="a", image="i", on_finish_action="delete")
""",
    "pod_name_with_space": """\
with DAG(dag_id="pod_name_with_space", schedule=None, start_date=START):
    Pod(task_id="a", image="i", name="clean data")
""",
}


def _dagbag_probes(home: str) -> dict[str, Any]:
    """Import each probe file with a DagBag; report whether it became a DAG or the last line
    of its import error."""
    from dagcheck import _dagbag_class

    folder = Path(home, "probes")
    folder.mkdir()
    for name, body in _PROBE_BODIES.items():
        (folder / f"{name}_dag.py").write_text(_PROBE_HEADER + body, encoding="utf-8")
    cls = _dagbag_class()
    kwargs: dict[str, Any] = {"dag_folder": str(folder)}
    if "include_examples" in inspect.signature(cls).parameters:
        kwargs["include_examples"] = False
    bag = cls(**kwargs)
    out: dict[str, Any] = {}
    for name in _PROBE_BODIES:
        path = str(folder / f"{name}_dag.py")
        if name in bag.dags:
            out[name] = {"ok": True}
            continue
        message = bag.import_errors.get(path) or next(
            (m for p, m in bag.import_errors.items() if p.endswith(f"{name}_dag.py")), ""
        )
        lines = [line for line in message.strip().splitlines() if line.strip()]
        out[name] = {"ok": False, "error": lines[-1][:300] if lines else ""}
    return out


def collect(home: str) -> dict[str, Any]:
    isolate_airflow(home, str(Path(home, "dags")), 30)
    _write_fake_kubeconfig(home)
    import airflow

    convert = _Converter()
    facts = {
        "airflowVersion": airflow.__version__,
        "versions": _distribution_versions(),
        "config": _config_facts(),
        "dagbag": _dagbag_facts(),
        "dag": _dag_facts(convert),
        "emptyOperator": _empty_operator_facts(),
        "task": _task_id_facts(),
        "taskGroup": _task_group_facts(),
        "operators": _operator_facts(),
        "pod": _pod_facts(convert),
        "dagbagProbes": _dagbag_probes(home),
    }
    return convert(facts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="airflow_facts.py", description=__doc__.splitlines()[0])
    parser.add_argument("--json", dest="json_out", help="also write the facts to this file")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    home = tempfile.mkdtemp(prefix="airflow-facts-home-")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            facts = collect(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    text = json.dumps(facts, indent=2)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
