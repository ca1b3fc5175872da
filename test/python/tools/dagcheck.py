"""Load a folder of Airflow DAG files the way the scheduler would, and report what it found.

Usage (with the python of a virtualenv that has Airflow 2.x or 3.x installed):

    python test/python/tools/dagcheck.py DAG_FOLDER_OR_FILE [--json OUT] [--render]
                                   [--run-id RUN_ID] [--logical-date ISO|none]
                                   [--timeout SECONDS] [--keep-home]

Airflow is pointed at a throw-away AIRFLOW_HOME (sqlite, no examples) before it is imported, so
nothing on the machine is read or written and no database migration is needed: a DagBag only
imports the files, it never touches the metadata database.

The report is JSON, written to stdout (Airflow's own logging goes to stderr) and to OUT if given:

    {"airflowVersion": "3.3.2", "dagFolder": "/abs/folder",
     "importErrors": {"rel/file.py": "traceback"}, "warnings": {"rel/file.py": ["..."]},
     "importSeconds": 2.1, "parseSeconds": 0.4,
     "fileStats": {"rel/file.py": {"seconds": 0.3, "dags": 1, "tasks": 4}},
     "dags": {"dag_id": {"fileloc": "rel/file.py", "schedule": "0 3 * * *" | null,
                         "timetable": "module.Class", "catchup": false,
                         "startDate": "2024-01-01T00:00:00+00:00", "tags": [...],
                         "description": ..., "docMd": ..., "maxActiveRuns": 1,
                         "dagrunTimeout": seconds | null, "defaultArgs": {...},
                         "tasks": {"task_id": {"operator": "module.Class",
                                               "upstream": [...], "downstream": [...],
                                               "triggerRule": "all_success",
                                              "isSetup": false, "isTeardown": false,
                                               "taskGroup": group_id | null,
                                               "docMd": str | null,
                                               "templateFields": [...],
                                               "attrs": {...},
                                               "rendered": {...}}},
                         "taskGroups": {"group_id": {"parent": group_id | null,
                                                     "tooltip": str, "prefixGroupId": bool,
                                                     "children": [...]}}}}}

File paths are relative to DAG_FOLDER (to the file's folder when a single file is given).
`attrs` holds every template field of the operator plus a short list of other fields we
generate (pod, Dataproc and GKE options, retries, ...), as plain JSON: Kubernetes client models
in their API (camelCase) form, `env_vars` as a name -> value mapping, datetimes as ISO strings,
timedeltas as seconds, anything unknown as its repr. With --render, `rendered` holds every
template field rendered by Jinja against a made-up run context (see --run-id, --logical-date).

Exit status: 0 when every file imported, 1 when any file has an import error, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import enum
import inspect
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# Operator fields reported besides the operator's own template_fields (when the operator has them).
EXTRA_ATTRS = (
    # KubernetesPodOperator / GKEStartPodOperator
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
    "affinity",
    "volumes",
    "volume_mounts",
    "labels",
    "annotations",
    "on_finish_action",
    "kubernetes_conn_id",
    "in_cluster",
    "config_file",
    "cluster_context",
    "get_logs",
    "startup_timeout_seconds",
    # Dataproc / GKE
    "project_id",
    "region",
    "location",
    "cluster_name",
    "cluster_config",
    "job",
    "batch",
    "batch_id",
    "use_internal_ip",
    "use_dns_endpoint",
    "gcp_conn_id",
    "impersonation_chain",
    "deferrable",
    # every task
    "owner",
    "retries",
    "retry_delay",
    "execution_timeout",
    "pool",
    "priority_weight",
    "queue",
)

MAX_DEPTH = 30


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dagcheck.py", description="Import Airflow DAG files and report what they define."
    )
    parser.add_argument("dag_folder", help="folder of DAG files (or one DAG file)")
    parser.add_argument("--json", dest="json_out", help="also write the report to this file")
    parser.add_argument(
        "--render",
        action="store_true",
        help="render every template field against a made-up run context",
    )
    parser.add_argument(
        "--run-id",
        default="scheduled__2024-01-02T03:04:05+00:00",
        help="run_id used by --render (default: a scheduled run id)",
    )
    parser.add_argument(
        "--logical-date",
        default="2024-01-02T03:04:05+00:00",
        help="logical date used by --render (ISO 8601 with offset), or 'none' for a run "
        "without one (Airflow 3 manual runs): ds, ts and the like are then undefined",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=300,
        help=(
            "dagbag_import_timeout in seconds (default 300; Airflow's and Composer's is 30). "
            "Generous on purpose: these checks are about what a DAG defines, and a loaded CI "
            "machine can take over 30 s for the first import of the providers; import time is "
            "measured by bench/airflow_parse.py instead"
        ),
    )
    parser.add_argument(
        "--keep-home", action="store_true", help="do not delete the temporary AIRFLOW_HOME"
    )
    return parser.parse_args(argv)


def isolate_airflow(home: str, dags_folder: str, timeout: int) -> None:
    """Point every Airflow setting that could read or write the machine at a private home."""
    env = {
        "AIRFLOW_HOME": home,
        "AIRFLOW__CORE__DAGS_FOLDER": dags_folder,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": str(timeout),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(Path(home, "plugins")),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(Path(home, "logs")),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__SCHEDULER__CHILD_PROCESS_LOG_DIRECTORY": str(Path(home, "logs", "scheduler")),
    }
    for key in list(os.environ):
        if key.startswith(("AIRFLOW__", "AIRFLOW_CONN_")):
            del os.environ[key]
    os.environ.update(env)


# ---------------------------------------------------------------------------------------------
# JSON conversion


class _Converter:
    """Turns operator field values into plain JSON data."""

    def __init__(self) -> None:
        self._api_client: Any = None

    def _k8s_sanitize(self, value: Any) -> Any:
        if self._api_client is None:
            from kubernetes.client import ApiClient

            self._api_client = ApiClient()
        return self._api_client.sanitize_for_serialization(value)

    def __call__(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return repr(value)
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value if value == value and abs(value) != float("inf") else repr(value)
        if isinstance(value, enum.Enum):
            return self(value.value, depth + 1)
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, dt.timedelta):
            return value.total_seconds()
        if isinstance(value, dict):
            return {str(k): self(v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self(v, depth + 1) for v in value]
        if isinstance(value, (set, frozenset)):
            return sorted((self(v, depth + 1) for v in value), key=repr)
        cls = type(value)
        if cls.__module__.startswith("kubernetes.client") and hasattr(value, "openapi_types"):
            return self._k8s_sanitize(value)
        if cls.__name__ == "Secret" and cls.__module__.endswith("cncf.kubernetes.secret"):
            return {
                "deploy_type": value.deploy_type,
                "deploy_target": value.deploy_target,
                "secret": value.secret,
                "key": value.key,
                "items": self(value.items, depth + 1),
            }
        if hasattr(value, "_pb") and hasattr(cls, "to_dict"):  # proto-plus message
            try:
                return self(cls.to_dict(value), depth + 1)
            except Exception:
                pass
        if hasattr(value, "DESCRIPTOR") and hasattr(value, "ListFields"):  # protobuf message
            try:
                from google.protobuf.json_format import MessageToDict

                return self(MessageToDict(value, preserving_proto_field_name=True), depth + 1)
            except Exception:
                pass
        return repr(value)


def _env_vars(value: Any, convert: _Converter) -> Any:
    """KubernetesPodOperator keeps env vars as a list of V1EnvVar: report them as name -> value."""
    if not isinstance(value, list) or not all(
        hasattr(v, "name") and hasattr(v, "value") for v in value
    ):
        return convert(value)
    out: dict[str, Any] = {}
    for var in value:
        value_from = getattr(var, "value_from", None)
        out[var.name] = {"valueFrom": convert(value_from)} if value_from is not None else var.value
    return out


# ---------------------------------------------------------------------------------------------
# DAG and task description


def _class_path(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _relative(path: str | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(path).resolve().relative_to(base))
    except ValueError:
        return str(path)


def _schedule(dag: Any) -> Any:
    """The schedule as the DAG file gave it: a cron or preset string, None, or a description.

    Airflow 3 keeps it in ``dag.schedule``; Airflow 2 in ``dag.schedule_interval``.
    """
    for attr in ("schedule", "schedule_interval"):
        try:
            raw = getattr(dag, attr)
        except AttributeError:
            continue
        if raw is None or isinstance(raw, str):
            return raw
        if isinstance(raw, dt.timedelta):
            return {"timedelta": raw.total_seconds()}
        if type(raw).__name__ != "ArgNotSet":
            return {"object": _class_path(raw)}
    return None


def _trigger_rule(task: Any) -> str:
    rule = task.trigger_rule
    return rule.value if isinstance(rule, enum.Enum) else str(rule)


def _task_attrs(task: Any, convert: _Converter) -> dict[str, Any]:
    names = list(dict.fromkeys([*task.template_fields, *EXTRA_ATTRS]))
    attrs: dict[str, Any] = {}
    for name in names:
        if not hasattr(task, name):
            continue
        try:
            value = getattr(task, name)
        except Exception as exc:
            attrs[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        if callable(value) and not isinstance(value, (str, bytes)):
            continue
        attrs[name] = _env_vars(value, convert) if name == "env_vars" else convert(value)
    return attrs


def _render_context(dag: Any, task: Any, run_id: str, logical_date: dt.datetime | None) -> dict:
    """A made-up context with the variables DAG templates commonly use.

    With no logical date (an Airflow 3 run triggered without one) the keys derived from it
    (ds, ts, logical_date, data_interval_*, ...) are left out, as Airflow 3 leaves them out;
    DAGs render with StrictUndefined, so a template using one of them fails.
    """
    try:
        from airflow import macros
    except ImportError:  # pragma: no cover - every supported version has airflow.macros
        macros = None
    interval_end = logical_date + dt.timedelta(days=1) if logical_date else None
    dag_run = SimpleNamespace(
        run_id=run_id,
        dag_id=dag.dag_id,
        logical_date=logical_date,
        execution_date=logical_date,
        data_interval_start=logical_date,
        data_interval_end=interval_end,
        conf={},
        run_type=run_id.split("__", 1)[0],
    )
    ti = SimpleNamespace(
        run_id=run_id,
        dag_id=dag.dag_id,
        task_id=task.task_id,
        try_number=1,
        map_index=-1,
    )
    params = {}
    for source in (getattr(dag, "params", None), getattr(task, "params", None)):
        if source:
            for key in source:
                params[key] = source[key]
    context: dict[str, Any] = {
        "dag": dag,
        "task": task,
        "run_id": run_id,
        "dag_run": dag_run,
        "ti": ti,
        "task_instance": ti,
        "params": params,
        "macros": macros,
        "conf": None,
        "var": {"value": {}, "json": {}},
    }
    if logical_date is not None:
        ds = logical_date.strftime("%Y-%m-%d")
        context.update(
            {
                "logical_date": logical_date,
                "execution_date": logical_date,
                "data_interval_start": logical_date,
                "data_interval_end": interval_end,
                "ds": ds,
                "ds_nodash": ds.replace("-", ""),
                "ts": logical_date.isoformat(),
                "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
                "ts_nodash_with_tz": logical_date.isoformat().replace("-", "").replace(":", ""),
            }
        )
    return context


def _render(task: Any, dag: Any, args: argparse.Namespace, convert: _Converter) -> dict:
    logical_date = None
    if args.logical_date.lower() != "none":
        logical_date = dt.datetime.fromisoformat(args.logical_date)
        if logical_date.tzinfo is None:
            logical_date = logical_date.replace(tzinfo=dt.timezone.utc)
    context = _render_context(dag, task, args.run_id, logical_date)
    jinja_env = dag.get_template_env()
    rendered: dict[str, Any] = {}
    for name in task.template_fields:
        if not hasattr(task, name):
            continue
        try:
            value = task.render_template(getattr(task, name), context, jinja_env, set())
        except Exception as exc:
            rendered[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        rendered[name] = _env_vars(value, convert) if name == "env_vars" else convert(value)
    return rendered


def _describe_dag(dag: Any, base: Path, args: argparse.Namespace, convert: _Converter) -> dict:
    tasks = {}
    for task in sorted(dag.tasks, key=lambda t: t.task_id):
        entry = {
            "operator": _class_path(task),
            "upstream": sorted(task.upstream_task_ids),
            "downstream": sorted(task.downstream_task_ids),
            "triggerRule": _trigger_rule(task),
            "isSetup": bool(getattr(task, "is_setup", False)),
            "isTeardown": bool(getattr(task, "is_teardown", False)),
            # The root TaskGroup has no id: a task at the DAG's top level reports null.
            "taskGroup": task.task_group.group_id if task.task_group is not None else None,
            "docMd": task.doc_md,
            "templateFields": list(task.template_fields),
            "attrs": _task_attrs(task, convert),
        }
        if args.render:
            entry["rendered"] = _render(task, dag, args, convert)
        tasks[task.task_id] = entry
    start_date = dag.start_date or (dag.default_args or {}).get("start_date")
    timeout = dag.dagrun_timeout
    return {
        "fileloc": _relative(dag.fileloc, base),
        "schedule": _schedule(dag),
        "timetable": _class_path(dag.timetable) if getattr(dag, "timetable", None) else None,
        "catchup": bool(dag.catchup),
        "startDate": start_date.isoformat() if start_date else None,
        "tags": sorted(dag.tags or []),
        "description": dag.description,
        "docMd": dag.doc_md,
        "maxActiveRuns": dag.max_active_runs,
        "dagrunTimeout": timeout.total_seconds() if timeout is not None else None,
        "defaultArgs": convert(dict(dag.default_args or {})),
        "tasks": tasks,
        "taskGroups": _task_groups(dag),
    }


def _task_groups(dag: Any) -> dict[str, dict]:
    """Every TaskGroup but the root, as the loaded DAG holds it (same API on 2.x and 3.x)."""
    groups = {}
    for group_id, group in sorted(dag.task_group_dict.items()):
        parent = group.parent_group
        groups[group_id] = {
            "parent": parent.group_id if parent is not None else None,
            "tooltip": group.tooltip,
            "prefixGroupId": bool(group.prefix_group_id),
            "children": sorted(group.children),
        }
    return groups


def _file_stats(bag: Any, base: Path, target: Path) -> dict[str, dict[str, Any]]:
    """Per-file parse time as the DagBag measured it (the first file to import a provider pays
    for that import, so compare files parsed in separate processes)."""
    stats = {}
    for stat in getattr(bag, "dagbag_stats", None) or []:
        name = str(stat.file)
        if target.is_file():
            path = target
        elif Path(name).is_absolute() and Path(name).exists():
            path = Path(name)
        else:
            path = base / name.lstrip("/")
        stats[_relative(str(path), base)] = {
            "seconds": round(stat.duration.total_seconds(), 4),
            "dags": stat.dag_num,
            "tasks": stat.task_num,
        }
    return dict(sorted(stats.items()))


def _dagbag_class() -> Any:
    try:  # Airflow 3
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag
    return DagBag


def check(args: argparse.Namespace, home: str) -> dict:
    target = Path(args.dag_folder).resolve()
    base = target if target.is_dir() else target.parent
    isolate_airflow(home, str(base), args.timeout)

    started = time.perf_counter()
    import airflow

    dagbag_cls = _dagbag_class()
    imported = time.perf_counter()

    kwargs: dict[str, Any] = {"dag_folder": str(target)}
    # Airflow 3.x dropped include_examples from DagBag (examples are never in a DAG folder).
    if "include_examples" in inspect.signature(dagbag_cls).parameters:
        kwargs["include_examples"] = False
    bag = dagbag_cls(**kwargs)
    parsed = time.perf_counter()

    convert = _Converter()
    return {
        "airflowVersion": airflow.__version__,
        "dagFolder": str(base),
        "importErrors": {
            _relative(path, base): message for path, message in sorted(bag.import_errors.items())
        },
        "warnings": {
            _relative(path, base): list(found)
            for path, found in sorted(getattr(bag, "captured_warnings", {}).items())
        },
        "importSeconds": round(imported - started, 4),
        "parseSeconds": round(parsed - imported, 4),
        "fileStats": _file_stats(bag, base, target),
        "dags": {
            dag_id: _describe_dag(bag.dags[dag_id], base, args, convert)
            for dag_id in sorted(bag.dags)
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if not Path(args.dag_folder).exists():
        print(f"dagcheck: no such file or folder: {args.dag_folder}", file=sys.stderr)
        return 2

    # Keep stdout for the report alone: whatever Airflow or a DAG file prints goes to stderr.
    sys.stdout.flush()
    report_fd = os.dup(1)
    os.dup2(2, 1)
    home = tempfile.mkdtemp(prefix="dagcheck-home-")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            report = check(args, home)
    finally:
        sys.stdout.flush()
        if not args.keep_home:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"dagcheck: AIRFLOW_HOME kept at {home}", file=sys.stderr)

    text = json.dumps(report, indent=2, sort_keys=False)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    with os.fdopen(report_fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    return 1 if report["importErrors"] else 0


if __name__ == "__main__":
    sys.exit(main())
