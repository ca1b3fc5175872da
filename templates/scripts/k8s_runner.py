"""Kedro runner for Spark on Kubernetes: the script spark-submit starts in the driver pod.

Bake it into the image that holds Spark and the Kedro project, and give it to spark-submit:

    spark-submit ... local:///opt/runner.py run --env E --node a,b --runner=ThreadRunner

Usage: runner.py run [--env E] --node NAMES [--node NAMES ...] [--runner R] [--pipeline P]
                     [--params-json JSON]

--node (or --nodes) takes comma-separated Kedro node names and may be repeated. --runner is
ThreadRunner (the default), SequentialRunner, ParallelRunner or the dotted path of a runner
class. --params-json is a JSON object of Kedro runtime params (the DAG renders it from its
params). The project is read from $PROJECT_HOME, else from the working directory. It runs the
nodes in one Kedro session and exits with 1 when a node fails, 2 on bad arguments.
Works with Kedro 0.19.x and 1.x.
"""

import argparse
import importlib
import inspect
import json
import os
import sys
import traceback
from pathlib import Path

PREFIX = "kedro-airflow-k8s runner"


def log(message):
    print(f"{PREFIX}: {message}", file=sys.stderr, flush=True)


def split_node_names(text):
    """Kedro's own `--nodes` rule (kedro.framework.cli.utils.split_node_names, 0.19 and 1.x).

    Commas outside square brackets split (generated names such as "f([a,b]) -> [c]" keep
    theirs), the bracket depth may go negative, names are stripped, and a comma that would end
    an empty name stays text. The DAG joins names with the same rule
    (components/rendering/kedro-args.ts); test/node-names.test.ts holds the two to each other
    and test/python/kedro/test_run_scripts.py this one to Kedro's.
    """
    names, current, depth = [], "", 0
    for char in text + ",":
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "," and depth == 0 and current:
            names.append(current.strip())
            current = ""
        else:
            current += char
    return names


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="runner.py", description="Run Kedro nodes.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the given nodes in one Kedro session")
    run.add_argument("--env", default=None, help="Kedro config env (default: Kedro's)")
    run.add_argument(
        "--node",
        "--nodes",
        dest="nodes",
        action="append",
        required=True,
        help="comma-separated node names; may be repeated",
    )
    run.add_argument("--runner", default="ThreadRunner", help="runner class (ThreadRunner)")
    run.add_argument("--pipeline", default="__default__", help="pipeline name (__default__)")
    run.add_argument("--params-json", default=None, help="Kedro runtime params, a JSON object")
    args = parser.parse_args(argv)
    try:
        args.params = json.loads(args.params_json) if args.params_json is not None else {}
    except ValueError as exc:
        parser.error(f"--params-json is not JSON: {exc}")
    if not isinstance(args.params, dict):
        parser.error("--params-json must be a JSON object")
    args.nodes = [name for text in args.nodes for name in split_node_names(text)]
    if not args.nodes or "" in args.nodes:
        parser.error("--node names no node (or an empty name)")
    return args


def load_runner(name):
    """ThreadRunner, SequentialRunner, ParallelRunner or a dotted path to a runner class."""
    module_name, _, class_name = name.rpartition(".")
    module = importlib.import_module(module_name or "kedro.runner")
    return getattr(module, class_name)()


def run_arguments(session_class, nodes, runner, pipeline):
    """Keyword arguments of KedroSession.run, for Kedro 0.19 and 1.x."""
    kwargs = {"node_names": nodes, "runner": runner}
    if "pipeline_names" in inspect.signature(session_class.run).parameters:
        kwargs["pipeline_names"] = [pipeline]  # Kedro >= 1.2 deprecates pipeline_name
    else:
        kwargs["pipeline_name"] = pipeline
    return kwargs


def session_params(session_class, params):
    """KedroSession.create's keyword for runtime params: Kedro 1.0 renamed extra_params to
    runtime_params (kedro/framework/session/session.py, create())."""
    if not params:
        return {}
    names = inspect.signature(session_class.create).parameters
    return {"runtime_params" if "runtime_params" in names else "extra_params": params}


def run(args):
    project_home = Path(os.environ.get("PROJECT_HOME") or Path.cwd()).resolve()
    log(f"running {', '.join(args.nodes)} of {project_home} (env {args.env or 'default'})")
    try:
        os.chdir(project_home)
        from kedro.framework.session import KedroSession
        from kedro.framework.startup import bootstrap_project

        runner = load_runner(args.runner)
        bootstrap_project(project_home)
        with KedroSession.create(
            project_path=project_home, env=args.env, **session_params(KedroSession, args.params)
        ) as session:
            session.run(**run_arguments(KedroSession, args.nodes, runner, args.pipeline))
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        log(f"failed: {type(exc).__name__}: {exc}")
        return 1
    finally:
        try:
            from pyspark.sql import SparkSession

            spark = SparkSession.getActiveSession()
            if spark is not None:
                spark.stop()
        except ImportError:
            pass
    log("finished")
    return 0


def main(argv=None):
    args = parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
