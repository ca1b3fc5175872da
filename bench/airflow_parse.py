"""Parse-time benchmark of generated DAG files under a real Airflow DagBag.

Run with the python of an Airflow virtualenv (.venvs/airflow2 or .venvs/airflow3):

    python bench/airflow_parse.py shape DAG_FILE
        prints {"dagId", "schedule", "tasks": [...], "edges": [[up, down], ...]} of the file's DAG
    python bench/airflow_parse.py floor DAG_FILE OUT_FILE
        writes the floor DAG: the same dag_id, schedule, task ids and edges, EmptyOperator only
    python bench/airflow_parse.py parse DAG_FILE [--runs 7] [--warmup 1] [--cold]
        parses DAG_FILE with a fresh DagBag per run and prints the times (JSON, last line)

`parse` imports Airflow and the providers every generated DAG uses (google Dataproc,
cncf.kubernetes, the kubernetes client) before the first run, so the ~2 s of first provider
import is not charged to the file; with --cold it does not, and parses once, which is what the
scheduler's DAG processor pays for a file in a fresh process. Times are DagBag's own per-file
figure (`dagbag_stats[].duration`) and the wall time of the DagBag constructor.

Airflow gets a throw-away AIRFLOW_HOME (test/python/tools/dagcheck.py's isolation), so nothing
on the machine is read or written.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "test" / "python" / "tools"))

import dagcheck  # noqa: E402  (the repository's own Airflow isolation and DagBag lookup)

# What a generated DAG imports besides Airflow itself (see templates/dag.py.hbs).
PROVIDER_MODULES = (
    "pendulum",
    "airflow.providers.cncf.kubernetes.operators.pod",
    "airflow.providers.cncf.kubernetes.secret",
    "airflow.providers.google.cloud.operators.dataproc",
    "airflow.providers.google.cloud.operators.kubernetes_engine",
    "kubernetes.client.models",
)
EMPTY_MODULES = ("airflow.providers.standard.operators.empty", "airflow.operators.empty")


def _dagbag(dag_file: Path) -> Any:
    cls = dagcheck._dagbag_class()
    kwargs: dict[str, Any] = {"dag_folder": str(dag_file)}
    if "include_examples" in inspect.signature(cls).parameters:
        kwargs["include_examples"] = False
    return cls(**kwargs)


def _load_one(dag_file: Path) -> Any:
    bag = _dagbag(dag_file)
    if bag.import_errors:
        raise SystemExit(f"airflow_parse: {dag_file} does not import:\n{bag.import_errors}")
    if len(bag.dags) != 1:
        raise SystemExit(f"airflow_parse: expected one DAG in {dag_file}, got {sorted(bag.dags)}")
    return next(iter(bag.dags.values()))


def shape(dag_file: Path) -> dict[str, Any]:
    """Task ids in definition order and edges (upstream, downstream), sorted."""
    dag = _load_one(dag_file)
    edges = sorted((up, task.task_id) for task in dag.tasks for up in task.upstream_task_ids)
    return {
        "dagId": dag.dag_id,
        "schedule": dagcheck._schedule(dag),
        "tasks": [task.task_id for task in dag.tasks],
        "edges": [list(edge) for edge in edges],
    }


def floor_source(info: dict[str, Any]) -> str:
    """The floor DAG file: one EmptyOperator per task, one `a >> b` statement per edge."""
    names = {task_id: f"t{i}" for i, task_id in enumerate(info["tasks"])}
    schedule = info["schedule"] if isinstance(info["schedule"], str) else None
    lines = [
        '"""Floor DAG for the parse benchmark: the tasks and edges of a generated DAG, all',
        'EmptyOperator (written by bench/airflow_parse.py)."""',
        "",
        "from __future__ import annotations",
        "",
        "import pendulum",
        "from airflow import DAG",
        "",
        "try:",
        "    from airflow.providers.standard.operators.empty import EmptyOperator",
        "except ImportError:",
        "    from airflow.operators.empty import EmptyOperator",
        "",
        "with DAG(",
        f"    dag_id={json.dumps(info['dagId'])},",
        f"    schedule={json.dumps(schedule) if schedule is not None else 'None'},",
        '    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),',
        "    catchup=False,",
        "    max_active_runs=1,",
        ") as dag:",
    ]
    lines += [f"    {var} = EmptyOperator(task_id={json.dumps(tid)})" for tid, var in names.items()]
    lines += [f"    {names[up]} >> {names[down]}" for up, down in info["edges"]]
    return "\n".join(lines) + "\n"


def _preimport() -> float:
    started = time.perf_counter()
    for module in PROVIDER_MODULES:
        importlib.import_module(module)
    for module in EMPTY_MODULES:
        try:
            importlib.import_module(module)
            break
        except ImportError:
            continue
    return time.perf_counter() - started


def parse(dag_file: Path, runs: int, warmup: int, cold: bool) -> dict[str, Any]:
    started = time.perf_counter()
    import airflow

    dagcheck._dagbag_class()
    airflow_import = time.perf_counter() - started
    provider_import = 0.0 if cold else _preimport()
    if cold:
        runs, warmup = 1, 0
    stats: list[float] = []
    walls: list[float] = []
    tasks = 0
    for i in range(warmup + runs):
        begin = time.perf_counter()
        bag = _dagbag(dag_file)
        wall = time.perf_counter() - begin
        if bag.import_errors:
            raise SystemExit(f"airflow_parse: {dag_file} does not import:\n{bag.import_errors}")
        [stat] = bag.dagbag_stats
        tasks = stat.task_num
        if i >= warmup:
            stats.append(stat.duration.total_seconds())
            walls.append(wall)
    return {
        "airflowVersion": airflow.__version__,
        "file": str(dag_file),
        "bytes": dag_file.stat().st_size,
        "tasks": tasks,
        "cold": cold,
        "runs": runs,
        "warmup": warmup,
        "airflowImportSeconds": round(airflow_import, 4),
        "providerImportSeconds": round(provider_import, 4),
        "parseSeconds": stats,
        "wallSeconds": walls,
        "medianParseSeconds": statistics.median(stats),
        "medianWallSeconds": statistics.median(walls),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="airflow_parse.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_shape = sub.add_parser("shape")
    p_shape.add_argument("dag_file", type=Path)
    p_floor = sub.add_parser("floor")
    p_floor.add_argument("dag_file", type=Path)
    p_floor.add_argument("out_file", type=Path)
    p_parse = sub.add_parser("parse")
    p_parse.add_argument("dag_file", type=Path)
    p_parse.add_argument("--runs", type=int, default=7)
    p_parse.add_argument("--warmup", type=int, default=1)
    p_parse.add_argument("--cold", action="store_true")
    args = parser.parse_args(argv)

    dag_file = args.dag_file.resolve()
    home = tempfile.mkdtemp(prefix="airflow-parse-home-")
    try:
        dagcheck.isolate_airflow(home, str(dag_file.parent), 30)
        if args.command == "shape":
            result: dict[str, Any] = shape(dag_file)
        elif args.command == "floor":
            info = shape(dag_file)
            args.out_file.write_text(floor_source(info), encoding="utf-8")
            result = {"tasks": len(info["tasks"]), "edges": len(info["edges"])}
        else:
            result = parse(dag_file, args.runs, args.warmup, args.cold)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    sys.stdout.write("BENCH_RESULT " + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
