"""Several pipelines: `manifest --all` (the TypeScript CLI running the exporter) writes one v1
manifest per registered pipeline of the example, each the same as a single export of that
pipeline, and `compile --manifest DIR` writes one DAG per pipeline under distinct ids. A
pipeline that does not exist is one line naming it and the pipelines that do, exit 2, and
nothing is written."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from conftest import EXPORTER, PREFIX, REPO, copy_example, export_manifest, run_export
from test_cli_manifest import cli

EXAMPLE_CONFIG = REPO / "examples" / "spaceflights_spark" / "conf" / "base" / "airflow-k8s.yaml"
PIPELINES = ["__default__", "data_processing", "reporting", "spark_features"]


def test_all_pipelines_export_and_compile_to_one_dag_each(tmp_path: Path):
    project = copy_example(tmp_path / "project")
    folder = tmp_path / "manifests"
    args = ("--project", str(project), "--python", sys.executable, "--env", "cloud")
    done = cli("manifest", *args, "--all", "--out", str(folder))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == [f"{p}.json" for p in PIPELINES]
    manifests = {p: json.loads((folder / f"{p}.json").read_text()) for p in PIPELINES}
    assert {p: m["pipeline"] for p, m in manifests.items()} == {p: p for p in PIPELINES}
    assert manifests["reporting"] == export_manifest(
        project, "--env", "cloud", "--pipeline", "reporting"
    )
    assert {n["name"] for n in manifests["reporting"]["nodes"]} < {
        n["name"] for n in manifests["__default__"]["nodes"]
    }

    out = tmp_path / "tree"
    compiled = cli(
        "compile", "--manifest", str(folder), "--config", str(EXAMPLE_CONFIG),
        "--project", str(project), "--out", str(out), "--json",
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stderr
    summaries = json.loads(compiled.stdout)
    assert [s["dagId"] for s in summaries] == [
        "spaceflights-spark",
        "spaceflights-spark__data_processing",
        "spaceflights-spark__reporting",
        "spaceflights-spark__spark_features",
    ]
    assert sorted(p.name for p in (out / "dags").iterdir()) == sorted(
        f"{s['dagId']}.py" for s in summaries
    )
    for summary in summaries:
        assert f'dag_id="{summary["dagId"]}"' in Path(summary["dag"]).read_text()

    # `--all --check DIR`: up to date now; stale, naming the manifest and the change, once a
    # node of one pipeline is renamed; DIR is never written.
    check = cli("manifest", *args, "--all", "--check", str(folder))
    assert (check.returncode, check.stdout) == (
        0,
        f"{folder}: up to date (4 manifests equal a fresh export)\n",
    ), check.stderr
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    module = project / "src" / "spaceflights_spark" / "pipelines" / "reporting" / "pipeline.py"
    text = module.read_text()
    node_name = next(n["name"] for n in manifests["reporting"]["nodes"])
    short = node_name.rsplit(".", 1)[-1]  # the name in the module, without the namespace
    assert f'"{short}"' in text
    module.write_text(text.replace(f'"{short}"', '"renamed_node"'))
    stale = cli("manifest", *args, "--all", "--check", str(folder))
    assert stale.returncode == 1, stale.stderr
    lines = stale.stdout.splitlines()
    assert lines[0].startswith(f"{folder}: stale"), stale.stdout
    assert "  reporting.json: stale" in lines and "  data_processing.json: stale" not in lines
    renamed = node_name[: -len(short)] + "renamed_node"
    assert f"    nodes: 1 added ({renamed}), 1 removed ({node_name})" in lines, stale.stdout
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    module.write_text(text)

    # A second export of fewer pipelines leaves exactly those in the folder.
    again = run_export(project, "--env", "cloud", "--pipeline", "reporting,data_processing",
                       "--out", str(folder))  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["data_processing.json", "reporting.json"]


def test_a_pipeline_that_does_not_exist_writes_nothing(tmp_path: Path):
    project = copy_example(tmp_path / "project")
    folder = tmp_path / "manifests"
    done = run_export(project, "--pipeline", "reporting,nope", "--out", str(folder))
    assert done.returncode == 2
    assert done.stderr == (
        f"{PREFIX}{project.resolve()}: unknown pipeline 'nope' (the project has: "
        f"{', '.join(PIPELINES)})\n"
    )
    assert not folder.exists()
    several = run_export(project, "--all")
    assert several.returncode == 2
    assert several.stdout == ""
    assert several.stderr.endswith(
        "several pipelines need --out DIR (one DIR/<pipeline>.json each)\n"
    )


def _exporter():
    spec = importlib.util.spec_from_file_location("kak_export", EXPORTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_selection_rules():
    exporter = _exporter()
    known = ["__default__", "a", "a,b", "b"]
    select = exporter.select_pipelines
    assert select(None, True, known) == known
    assert select("a,b", False, known) == ["a,b"]  # a registered name, commas and all
    assert select("b,a,b", False, known) == ["a", "b"]
    for spec, message in (
        ("a,,b", "--pipeline 'a,,b': an empty pipeline name in the list"),
        ("x,y,a", "unknown pipelines 'x', 'y' (the project has: __default__, a, a,b, b)"),
    ):
        with pytest.raises(exporter.ExportError) as caught:
            select(spec, False, known)
        assert str(caught.value) == message
    key = exporter.pipeline_key
    assert [key("data_processing"), key("Data Processing"), key(""), key("__default__")] == [
        "data_processing",
        ".44.ata.20..50.rocessing",
        ".",
        "__default__",
    ]
    long = key("B" * 100)
    assert len(long) == exporter.MAX_PIPELINE_KEY and long[-17] == "-"
