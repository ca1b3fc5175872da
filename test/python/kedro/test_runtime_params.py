"""Runtime params under real Kedro (0.19 and 1.x): what the generated DAG hands to `kedro run
--params` is read back by Kedro's own parser as exactly the run's values, for hostile strings
too (or the DAG refuses the value); and the Spark run scripts pass `--params-json` into the
session as Kedro's runtime params (runtime_params in 1.x, extra_params in 0.19).
"""

from __future__ import annotations

import ast
import json
import math
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import (
    REPO,
    TEMPLATE_VARIABLES,
    TEMPLATES,
    render_py_template,
    set_kedro_init_version,
    subprocess_env,
)
from kedro.framework.cli.utils import _split_params

CLI = REPO / "dist" / "cli.js"
EXAMPLE = REPO / "examples" / "spaceflights_spark"
PROBE = REPO / "test" / "fixtures" / "params_probe"
CASES = 3000


@pytest.fixture(scope="module")
def dag_functions(tmp_path_factory) -> dict:
    """The kak_* functions and constants of a generated DAG, run without Airflow."""
    tmp = tmp_path_factory.mktemp("dag")
    config = tmp / "airflow-k8s.yaml"
    config.write_text(
        "run_config:\n  image: img\n  env: prod\n  params:\n    label: x\n    limit: 1\n"
        "    ratio: 0.5\n    flag: true\n    a.b: 1\n    day: '{{ ds }}'\n"
    )
    node = shutil.which("node")
    assert node and CLI.exists(), "Node.js and the built CLI (npm run build) are needed"
    done = subprocess.run(
        [
            *(node, str(CLI), "compile"),
            *("--manifest", str(REPO / "test/fixtures/compile/nospark.manifest.json")),
            *("--config", str(config), "--out", str(tmp / "out")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (dag_file,) = (tmp / "out" / "dags").glob("*.py")
    tree = ast.parse(dag_file.read_text())
    keep = [
        n
        for n in tree.body
        if (isinstance(n, ast.FunctionDef) and n.name.startswith("kak_"))
        or (isinstance(n, ast.Assign) and n.targets[0].id.startswith("KAK_"))
    ]
    scope: dict = {"json": json, "math": math, "re": re}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(dag_file), "exec"), scope)
    assert {"kak_kedro_params", "kak_params_json", "KAK_PARAM_TYPES"} <= set(scope)
    return scope


def kedro_reads(text: str) -> dict:
    """What `kedro run --params TEXT` gives the session (kedro/framework/cli/utils.py)."""
    ctx = click.Context(click.Command("run"))
    return _split_params(ctx, click.Option(["--params"]), text)


PIECES = [
    *("'", '"', "''", "\\", " ", "  ", "=", ":", ": ", "#", " #", "-", "- ", "?", "!", "&"),
    *("*", "|", ">", "%", "@", "`", "[", "]", "{", "}", "{{", "}}", "$", "$(HOME)", "$$"),
    *("${x}", "1", "0x1F", "1e3", "1.5", "true", "False", "null", "~", "yes", "no", "nan"),
    *(".inf", "é", "Ω", "🚀", "\u00a0", "\ufeff", ",", "\n", "\t", "\x85", "\u2028", "a", "b"),
]


def hostile_strings(count: int):
    rng = random.Random(20251201)
    yield from ("", " ", "1", "true", "null", "'", "${a}", "a,b", "[1, 2]", "{a: 1}", "- x")
    for _ in range(count):
        yield "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))


def unescape_kubelet(text: str) -> str:
    return text.replace("$$", "$")


def test_kedro_reads_back_every_carriable_string(dag_functions):
    kedro_params = dag_functions["kak_kedro_params"]
    carriable = dag_functions["KAK_CARRIABLE"]
    base = {"label": "x", "limit": 1, "ratio": 0.5, "flag": True, "a.b": 1, "day": None}
    read, refused = 0, 0
    for value in hostile_strings(CASES):
        params = {**base, "label": value}
        if carriable.match(value) is None:
            with pytest.raises(ValueError, match="label"):
                kedro_params(params, {"day": "2025-01-01"})
            refused += 1
            continue
        text = unescape_kubelet(kedro_params(params, {"day": "2025-01-01"}))
        got = kedro_reads(text)
        assert got["label"] == value and type(got["label"]) is str, (value, text, got)
        read += 1
    assert read > CASES / 2 and refused > 10, (read, refused)


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ({"limit": 0, "ratio": 1e-07, "flag": False}, {"limit": 0, "ratio": 1e-07, "flag": False}),
        ({"limit": -5, "ratio": 3, "flag": True}, {"limit": -5, "ratio": 3.0, "flag": True}),
        ({"limit": 10**18, "ratio": 1e300}, {"limit": 10**18, "ratio": 1e300}),
        ({"ratio": -0.0}, {"ratio": -0.0}),
    ],
)
def test_numbers_and_booleans_keep_their_types(dag_functions, values, want):
    base = {"label": "x", "limit": 1, "ratio": 0.5, "flag": True, "a.b": 1, "day": "d"}
    text = dag_functions["kak_kedro_params"]({**base, **values}, {})
    got = kedro_reads(unescape_kubelet(text))
    for key, value in want.items():
        assert got[key] == value and type(got[key]) is type(value), (key, text, got)
    assert got["a"] == {"b": 1}  # a dotted name nests, as in the JSON the Spark scripts get
    assert json.loads(dag_functions["kak_params_json"]({**base, **values}, {}, False))["a"] == {
        "b": 1
    }


def test_json_and_kedro_text_carry_the_same_values(dag_functions):
    params = {"label": "it's $HOME", "limit": 2, "ratio": 2, "flag": False, "a.b": 3, "day": None}
    macros = {"day": "2025-01-31"}
    from_text = kedro_reads(unescape_kubelet(dag_functions["kak_kedro_params"](params, macros)))
    pod_json = dag_functions["kak_params_json"](params, macros, True)
    assert "$$HOME" in pod_json  # the kubelet would expand $(...) in container arguments
    assert json.loads(unescape_kubelet(pod_json)) == from_text
    assert json.loads(dag_functions["kak_params_json"](params, macros, False)) == from_text
    assert from_text["day"] == "2025-01-31"


def test_non_finite_numbers_and_wrong_types_are_refused(dag_functions):
    base = {"label": "x", "limit": 1, "ratio": 0.5, "flag": True, "a.b": 1, "day": "d"}
    for bad in ({"ratio": math.inf}, {"ratio": math.nan}, {"limit": True}, {"flag": 1}):
        with pytest.raises(ValueError, match="is not a"):
            dag_functions["kak_kedro_params"]({**base, **bad}, {})


# ---- the Spark run scripts, run with plain Python on the probe project (no Spark needed)


@pytest.fixture
def probe(tmp_path) -> Path:
    project = tmp_path / "params_probe"
    shutil.copytree(PROBE, project)
    set_kedro_init_version(project)
    return project


def run(args: list[str], project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=project.parent,
        env=subprocess_env(PROJECT_HOME=str(project), PROBE_DATA_ROOT=str(project / "out")),
    )


PARAMS = {"label": "1", "limit": 7, "ratio": 3.0, "flag": False, "run_date": "d", "model": {}}


def test_dataproc_run_script_passes_params_json_to_the_session(probe):
    script = probe.parent / "main.py"
    values = {
        **dict.fromkeys(TEMPLATE_VARIABLES),  # any variable not set below: None (its default)
        "group": "pyspark_record_in_spark",
        "nodes": ["record_in_spark"],
        "env": "probe",
        "pipeline": "__default__",
        "package": "params_probe",
        "projectHome": str(probe),
    }
    script.write_text(render_py_template(TEMPLATES / "dataproc_main.py.hbs", values))
    # A Serverless batch may carry the user's own arguments before ours.
    proc = run([str(script), "--user-arg", "--params-json", json.dumps(PARAMS)], probe)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads((probe / "out" / "spark_seen.json").read_text())
    assert seen["values"] == PARAMS
    assert seen["types"]["label"] == "str" and seen["types"]["ratio"] == "float"
    assert "runtime params: flag, label, limit, model, ratio, run_date" in proc.stderr


def test_k8s_runner_passes_params_json_to_the_session(probe):
    args = ["run", "--env", "probe", "--node", "record_in_pod", "--params-json"]
    proc = run([str(TEMPLATES / "k8s_runner.py"), *args, json.dumps(PARAMS)], probe)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads((probe / "out" / "pod_seen.json").read_text())
    assert seen["values"] == PARAMS


def test_k8s_runner_refuses_params_json_that_is_no_object(probe):
    for bad in ("[1]", "{oops"):
        args = ["run", "--node", "record_in_pod", "--params-json", bad]
        proc = run([str(TEMPLATES / "k8s_runner.py"), *args], probe)
        assert proc.returncode == 2 and "--params-json" in proc.stderr, proc.stderr
