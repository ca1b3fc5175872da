"""The scripts shipped to clusters: templates/scripts/dataproc_main.py.hbs and k8s_runner.py.

These run the scripts with plain Python on pandas-only nodes (fast); the end-to-end test runs
them under spark-submit on the Spark groups.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import py_compile
import random
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    KEDRO_MAJOR,
    TEMPLATE_VARIABLES,
    TEMPLATES,
    VENV_BIN,
    copy_example,
    render_py_template,
    subprocess_env,
)
from kedro.framework.session import KedroSession
from kedro.runner import ThreadRunner

DATAPROC_TEMPLATE = TEMPLATES / "dataproc_main.py.hbs"
K8S_RUNNER = TEMPLATES / "k8s_runner.py"

SAMPLE = {
    "group": "pyspark_a_node",
    "nodes": ["a_node", "reporting.b-node", "f([a;params:b]) -> [c]", 'quote\'s "node" \\ é'],
    "env": None,
    "pipeline": "__default__",
    "package": "spaceflights_spark",
    "projectHome": "/opt/spaceflights_spark",
    "packaged": None,
}


def render(tmp_path: Path, **values) -> Path:
    script = tmp_path / "main.py"
    script.write_text(render_py_template(DATAPROC_TEMPLATE, {**SAMPLE, **values}))
    return script


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_template_uses_only_the_py_helper_with_known_variables():
    text = DATAPROC_TEMPLATE.read_text()
    slots = re.findall(r"\{\{.*?\}\}\}?", text)
    assert slots, "the template has no variables"
    for slot in slots:
        match = re.fullmatch(r"\{\{\{py ([A-Za-z]+)\}\}\}", slot)
        assert match, f"only {{{{{{py X}}}}}} is allowed, found {slot}"
        assert match.group(1) in TEMPLATE_VARIABLES
    assert {re.search(r"py (\w+)", s).group(1) for s in slots} == set(TEMPLATE_VARIABLES)
    # nothing else that looks like Handlebars
    assert "{{" not in re.sub(r"\{\{\{py [A-Za-z]+\}\}\}", "", text)


@pytest.mark.parametrize(
    ("env", "nodes"),
    [(None, SAMPLE["nodes"]), ("prod", [f"a_rather_long_node_name_{i}" for i in range(12)])],
)
def test_rendered_script_compiles_lints_and_holds_the_values(tmp_path, env, nodes):
    script = render(tmp_path, env=env, nodes=nodes)
    py_compile.compile(str(script), cfile=str(tmp_path / "main.pyc"), doraise=True)
    lint = subprocess.run(
        [str(VENV_BIN / "ruff"), "check", "--no-cache", str(script)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],  # the repository's ruff.toml
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    constants = {}
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    assert constants["GROUP"] == SAMPLE["group"]
    assert constants["NODES"] == nodes
    assert constants["ENV"] == env
    assert constants["PIPELINE"] == "__default__"
    assert constants["PACKAGE"] == "spaceflights_spark"
    assert constants["DEFAULT_PROJECT_HOME"] == "/opt/spaceflights_spark"


def test_k8s_runner_compiles_and_lints(tmp_path):
    py_compile.compile(str(K8S_RUNNER), cfile=str(tmp_path / "runner.pyc"), doraise=True)
    lint = subprocess.run(
        [str(VENV_BIN / "ruff"), "check", "--no-cache", str(K8S_RUNNER)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_run_arguments_match_this_kedro(tmp_path):
    parameters = inspect.signature(KedroSession.run).parameters
    main = load_module(render(tmp_path), "dataproc_main_rendered")
    runner = load_module(K8S_RUNNER, "k8s_runner_module")
    thread_runner = ThreadRunner()
    from_main = main.run_arguments(KedroSession, thread_runner)
    from_runner = runner.run_arguments(KedroSession, ["x"], thread_runner, "__default__")
    if "pipeline_names" in parameters:
        assert KEDRO_MAJOR >= 1
        assert from_main["pipeline_names"] == ["__default__"] and "pipeline_name" not in from_main
        assert from_runner["pipeline_names"] == ["__default__"]
    else:
        assert from_main["pipeline_name"] == "__default__" and "pipeline_names" not in from_main
        assert from_runner["pipeline_name"] == "__default__"
    assert from_main["node_names"] == SAMPLE["nodes"]
    assert from_main["runner"] is thread_runner
    assert set(from_main) <= set(parameters)
    assert set(from_runner) <= set(parameters)


def test_k8s_runner_arguments():
    runner = load_module(K8S_RUNNER, "k8s_runner_args")
    args = runner.parse_args(["run", "--env", "prod", "--node", "a,b", "--runner=ThreadRunner"])
    assert (args.command, args.env, args.nodes, args.runner) == (
        "run",
        "prod",
        ["a", "b"],
        "ThreadRunner",
    )
    assert args.pipeline == "__default__"
    args = runner.parse_args(["run", "--nodes", "a, b", "--node", "c", "--pipeline", "p"])
    assert args.nodes == ["a", "b", "c"] and args.env is None and args.pipeline == "p"
    # Kedro 0.18-style default names keep their commas inside brackets
    assert runner.split_node_names("f([a,b]) -> [c],g") == ["f([a,b]) -> [c]", "g"]
    assert runner.split_node_names("f([a;b]) -> [c;d],x.y") == ["f([a;b]) -> [c;d]", "x.y"]
    assert type(runner.load_runner("ThreadRunner")).__name__ == "ThreadRunner"
    assert type(runner.load_runner("kedro.runner.SequentialRunner")).__name__ == (
        "SequentialRunner"
    )
    for bad in (["run"], ["run", "--node", " ,"], ["go", "--node", "a"], []):
        with pytest.raises(SystemExit) as exc:
            runner.parse_args(bad)
        assert exc.value.code == 2


def test_k8s_runner_splits_node_names_as_kedro_does():
    """The runner reads `--node` with Kedro's own rule, on strings made to break it."""
    from kedro.framework.cli.utils import split_node_names as kedro_split

    runner = load_module(K8S_RUNNER, "k8s_runner_split")
    rng = random.Random(12)
    cases = ["x],y", "a,,b", "a]b,[c,d]", " ,", ",", "]a[,b", "f([a,b]) -> [c],g", ""]
    cases += ["".join(rng.choice("[], ab") for _ in range(rng.randrange(12))) for _ in range(3000)]
    for text in cases:
        assert runner.split_node_names(text) == kedro_split(None, None, text), repr(text)


def run_script(args: list[str], project: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=project.parent,
        env=subprocess_env(PROJECT_HOME=str(project), **env),
    )


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_example(tmp_path / "spaceflights_spark")


def test_k8s_runner_runs_nodes(project):
    proc = run_script(
        [str(K8S_RUNNER), "run", "--env", "local", "--node", "preprocess_companies_node"],
        project,
    )
    assert proc.returncode == 0, proc.stderr
    out = pd.read_parquet(project / "data/02_intermediate/preprocessed_companies.parquet")
    assert len(out) == 10 and out["company_id"].is_monotonic_increasing
    assert "kedro-airflow-k8s runner: finished" in proc.stderr


def test_k8s_runner_uses_the_working_directory_without_project_home(project):
    proc = subprocess.run(
        [sys.executable, str(K8S_RUNNER), "run", "--node", "preprocess_companies_node"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=project,
        env=subprocess_env(),
    )
    assert proc.returncode == 0, proc.stderr


def test_k8s_runner_fails_on_node_failure(project):
    companies = project / "data/01_raw/companies.csv"
    companies.write_text(companies.read_text().replace("100%", "a lot%", 1))
    proc = run_script(
        [str(K8S_RUNNER), "run", "--node", "preprocess_companies_node", "--runner=ThreadRunner"],
        project,
    )
    assert proc.returncode == 1
    assert "could not convert string to float" in proc.stderr
    assert "kedro-airflow-k8s runner: failed: ValueError" in proc.stderr
    assert not (project / "data/02_intermediate/preprocessed_companies.parquet").exists()


def test_k8s_runner_fails_on_unknown_node(project):
    proc = run_script([str(K8S_RUNNER), "run", "--node", "no_such_node"], project)
    assert proc.returncode == 1
    assert "no_such_node" in proc.stderr


def test_dataproc_main_runs_its_group(project, tmp_path):
    script = render(
        tmp_path,
        nodes=["preprocess_shuttles_node", "check_shuttles_node"],
        env="local",
        projectHome=str(project),
    )
    # PROJECT_HOME unset: the default project home from the template is used
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env=subprocess_env(),
    )
    assert proc.returncode == 0, proc.stderr
    assert "Spark group 'pyspark_a_node' finished" in proc.stderr
    shuttles = pd.read_parquet(project / "data/02_intermediate/preprocessed_shuttles.parquet")
    assert len(shuttles) == 12


def test_dataproc_main_fails_on_node_failure(project, tmp_path):
    (project / "data/01_raw/shuttles.csv").write_text("id,price\n1,not money\n")
    script = render(tmp_path, nodes=["preprocess_shuttles_node", "check_shuttles_node"])
    proc = run_script([str(script)], project)
    assert proc.returncode == 1
    assert "Spark group 'pyspark_a_node' failed" in proc.stderr
    assert "Traceback" in proc.stderr  # Kedro's error is shown


def test_dataproc_main_runs_a_packaged_project(project, tmp_path):
    """packaging kedro-package on Dataproc: PROJECT_HOME holds only the unpacked conf (and
    here the raw data, at its relative path); the package is importable as the installed wheel
    would make it (PYTHONPATH stands in for pip), with no pyproject.toml to bootstrap from."""
    home = tmp_path / "cluster-home"
    shutil.copytree(project / "conf", home / "conf", ignore=shutil.ignore_patterns("local"))
    shutil.copytree(project / "data" / "01_raw", home / "data" / "01_raw")
    script = render(
        tmp_path,
        nodes=["preprocess_shuttles_node", "check_shuttles_node"],
        env="cloud",
        projectHome=str(home),
        packaged={"conf_from": "project_home", "conf_archive": None},
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env=subprocess_env(
            PYTHONPATH=str(project / "src"), SPACEFLIGHTS_DATA_ROOT=str(home / "data")
        ),
    )
    assert proc.returncode == 0, proc.stderr
    assert f"packaged project: conf_source {home / 'conf'}" in proc.stderr
    assert not (home / "pyproject.toml").exists()
    shuttles = pd.read_parquet(home / "data/02_intermediate/preprocessed_shuttles.parquet")
    assert len(shuttles) == 12


def test_config_loader_reads_a_conf_tarball_without_folder_entries(project, tmp_path):
    """Serverless passes the repacked conf tarball as conf_source as it is: regular files
    only, no folder entries (components/resources/archive.ts). Kedro's loader finds its root."""
    from kedro.config import OmegaConfigLoader

    tarball = tmp_path / "conf-spaceflights_spark-0123456789ab.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        for path in sorted((project / "conf").rglob("*")):
            rel = path.relative_to(project)
            if path.is_file() and rel.parts[1] != "local":
                tar.add(path, arcname=str(rel), recursive=False)
    with tarfile.open(tarball) as tar:
        assert all(m.isfile() for m in tar.getmembers())
    loader = OmegaConfigLoader(
        conf_source=str(tarball),
        base_env="base",
        default_run_env="cloud",
        custom_resolvers={"oc.env": lambda key, default=None: default},
    )
    assert "companies" in loader["catalog"]
    assert str(loader["catalog"]["companies"]["filepath"]).startswith("gs://")
