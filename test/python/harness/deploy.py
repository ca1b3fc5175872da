"""Builds one deployment of the example project the way a user's CI would, into a temp folder:
a clean checkout of the project (git's files only), the manifest exported in the deployment env
`cloud` by the image's Kedro, `kedro-airflow-k8s compile` with the backend's run config, every
artifact "uploaded" to the bucket folder, the raw data seeded there, and the DAG put in the
Airflow DAG folder. The image tasks run from is that checkout, plus the runner script.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from standins import LOCAL_MASTER, SPARK_TUNING, Deployment

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "spaceflights_spark"
EXPORTER = REPO / "python" / "kedro_airflow_k8s_export.py"
CLI = REPO / "dist" / "cli.js"
PACKAGE = "spaceflights_spark"
# conf/cloud/globals.yml: data_root defaults to gs://example-project-kedro-data/spaceflights
DATA_PREFIX = "example-project-kedro-data/spaceflights"
IMAGE = "europe-west1-docker.pkg.dev/example-project/kedro/spaceflights-spark:0.1.0"
QUIET = {"DO_NOT_TRACK": "1", "KEDRO_DISABLE_TELEMETRY": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class Built:
    dep: Deployment
    dag_id: str
    task_ids: dict[str, str]
    plan: dict
    data_root: Path


def clean_checkout(dest: Path) -> Path:
    """The example as `git clone` gives it: tracked files only (no data outputs, no conf/local
    contents), exactly what an image build or the archive starts from."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--", "examples/spaceflights_spark"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    files = [f for f in listed.split("\0") if f]
    assert files, "the example is not tracked by git: the harness needs a git checkout"
    for rel in files:
        target = dest / Path(rel).relative_to("examples/spaceflights_spark")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, target)
    return dest


@functools.cache
def kedro_version(image_venv: Path) -> str:
    # one image venv per session: asked once, not once per deployment
    return subprocess.run(
        [str(image_venv / "bin" / "python"), "-c", "import kedro; print(kedro.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def for_kedro(project: Path, version: str) -> None:
    """Kedro refuses a project made for another major (1.x) or major.minor (0.19) version."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    lines = [
        f'kedro_init_version = "{version}"' if line.startswith("kedro_init_version") else line
        for line in text.splitlines()
    ]
    pyproject.write_text("\n".join(lines) + "\n")


FAULT = """

# ---- fault injected by the deployment harness ----
import functools as _kak_functools
import os as _kak_os
from pathlib import Path as _KakPath

_kak_original_{func} = {func}


@_kak_functools.wraps(_kak_original_{func})
def {func}(*args, **kwargs):
    marker = _KakPath(_kak_os.environ["SPACEFLIGHTS_DATA_ROOT"]) / "FAULT_{func}"
    if marker.exists():
        raise RuntimeError("fault injected into {func} by the deployment harness")
    return _kak_original_{func}(*args, **kwargs)
"""


def inject_fault(project: Path, module: str, func: str) -> None:
    """Deploys a node that raises while the bucket holds FAULT_<func> (functools.wraps keeps
    the type hints, so the plan does not change)."""
    path = project / "src" / PACKAGE / module
    path.write_text(path.read_text() + FAULT.format(func=func))


def kedro_package(project: Path, image_venv: Path) -> None:
    """What a user's CI runs before deploying a packaged project: `kedro package`, with the
    project's own interpreter (its `python -m build` fetches setuptools like any build)."""
    proc = subprocess.run(
        [str(image_venv / "bin" / "kedro"), "package"],
        cwd=project,
        env={**os.environ, "PATH": f"{image_venv / 'bin'}:/usr/bin:/bin", **QUIET},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(list((project / "dist").glob("*.whl"))) == 1
    assert (project / "dist" / f"conf-{PACKAGE}.tar.gz").is_file()


def run_config(backend: str, packaging: str = "archive") -> dict:
    doc = yaml.safe_load((EXAMPLE / "conf" / "base" / "airflow-k8s.yaml").read_text())
    doc["run_config"]["packaging"] = packaging
    spark = doc["run_config"]["spark"]
    if backend == "dataproc-serverless":
        spark["type"] = backend
        spark["cluster_config"] = {"runtime_config": {"container_image": IMAGE}}
    elif backend == "k8s":
        spark["type"] = "k8s"
        spark["cluster_config"] = {"image": IMAGE, "namespace": "spark-jobs"}
    else:
        assert backend == "dataproc", backend
    return doc


def node_cli(*args: str) -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed for the kedro-airflow-k8s CLI"
    assert CLI.is_file(), f"{CLI} is missing: run `npm ci` (it builds dist/)"
    proc = subprocess.run(
        [node, str(CLI), *args], capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def seed_raw_data(project: Path, data_root: Path) -> None:
    """What a user uploads before the first run: the raw inputs, on the bucket."""
    shutil.copytree(project / "data" / "01_raw", data_root / "01_raw")


def export_in_image(
    image_venv: Path, source: Path, tmp: Path, *args: str, env: dict | None = None
) -> None:
    """The manifest export as a user's CI runs it: the image's Kedro, a bare environment."""
    export = subprocess.run(
        [str(image_venv / "bin" / "python"), str(EXPORTER), "--project", str(source), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp), **QUIET, **(env or {})},
    )
    assert export.returncode == 0, export.stderr


def build(
    tmp: Path,
    backend: str,
    image_venv: Path,
    dags_folder: Path,
    fault: tuple[str, str] | None = None,
    packaging: str = "archive",
) -> Built:
    source = clean_checkout(tmp / "source" / PACKAGE)
    for_kedro(source, kedro_version(image_venv))
    if fault is not None:
        inject_fault(source, *fault)
    if packaging == "kedro-package":
        kedro_package(source, image_venv)

    manifest = tmp / "manifest.json"
    export_in_image(image_venv, source, tmp, "--env", "cloud", "--out", str(manifest))
    config = tmp / "airflow-k8s.yaml"
    config.write_text(yaml.safe_dump(run_config(backend, packaging), sort_keys=False))
    compiled = tmp / "compiled"
    summary = json.loads(
        node_cli(
            "compile",
            *("--manifest", str(manifest), "--config", str(config)),
            *("--project", str(source), "--out", str(compiled), "--json"),
        )
    )
    plan = json.loads(
        node_cli("plan", "--manifest", str(manifest), "--config", str(config), "--json")
    )

    bucket = tmp / "bucket"
    for artifact in summary["artifacts"]:
        if artifact["uri"] is None:
            continue
        target = bucket / artifact["uri"][len("gs://") :]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifact["file"], target)
    data_root = bucket / DATA_PREFIX
    seed_raw_data(source, data_root)

    # The image: the checkout as the Dockerfile copies it, with the runner baked in.
    image = tmp / "image"
    shutil.copytree(source, image)
    runner = compiled / "artifacts" / "runner.py"
    if runner.exists():
        shutil.copyfile(runner, image / "runner.py")

    for old in dags_folder.iterdir():
        old.unlink()
    shutil.copyfile(summary["dag"], dags_folder / Path(summary["dag"]).name)
    dep = Deployment(
        work=tmp / "run",
        bucket_root=bucket,
        image_venv=image_venv,
        image_source=image,
        package=PACKAGE,
        data_env={"SPACEFLIGHTS_DATA_ROOT": str(data_root)},
    )
    return Built(dep, summary["dagId"], summary["taskIds"], plan, data_root)


def outputs(image_venv: Path, data_root: Path) -> dict:
    proc = subprocess.run(
        [
            str(image_venv / "bin" / "python"),
            str(Path(__file__).with_name("outputs.py")),
            str(data_root),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def plain_kedro_run(tmp: Path, image_venv: Path) -> dict:
    """The reference: one `kedro run --env cloud` of the whole pipeline in one process."""
    project = clean_checkout(tmp / PACKAGE)
    for_kedro(project, kedro_version(image_venv))
    data_root = tmp / "bucket" / DATA_PREFIX
    seed_raw_data(project, data_root)
    env = {
        "PATH": f"{image_venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp),
        "SPACEFLIGHTS_DATA_ROOT": str(data_root),
        "SPARK_LOCAL_IP": "127.0.0.1",
        # pyspark/java_gateway.py shlex-splits this (the JVM options have a space): quoted
        "PYSPARK_SUBMIT_ARGS": shlex.join(
            ["--master", LOCAL_MASTER, *(p for c in SPARK_TUNING for p in ("--conf", c))]
        )
        + " pyspark-shell",
        **QUIET,
    }
    proc = subprocess.run(
        [str(image_venv / "bin" / "kedro"), "run", "--env", "cloud"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return outputs(image_venv, data_root)


def build_pipelines(
    tmp: Path, backend: str, image_venv: Path, dags_folder: Path, pipelines: list[str]
) -> dict[str, Built]:
    """Several pipelines of the example deployed side by side, the way `manifest --pipeline
    A,B --out DIR` and `compile --manifest DIR` give them: every pipeline's artifacts uploaded
    to one bucket (an object that is there already must hold the same bytes: nothing of one
    pipeline overwrites the other's) and every DAG in the one DAG folder. One image, one
    bucket, one data root for all of them."""
    source = clean_checkout(tmp / "source" / PACKAGE)
    for_kedro(source, kedro_version(image_venv))
    manifests = tmp / "manifests"
    export_in_image(
        image_venv,
        source,
        tmp,
        "--env",
        "cloud",
        "--pipeline",
        ",".join(pipelines),
        "--out",
        str(manifests),
    )
    config = tmp / "airflow-k8s.yaml"
    config.write_text(yaml.safe_dump(run_config(backend), sort_keys=False))
    compiled = tmp / "compiled"
    summaries = json.loads(
        node_cli(
            "compile",
            *("--manifest", str(manifests), "--config", str(config)),
            *("--project", str(source), "--out", str(compiled), "--json"),
        )
    )
    plans = json.loads(
        node_cli("plan", "--manifest", str(manifests), "--config", str(config), "--json")
    )

    bucket = tmp / "bucket"
    for summary in summaries:
        for artifact in summary["artifacts"]:
            if artifact["uri"] is None:
                continue
            target = bucket / artifact["uri"][len("gs://") :]
            data = Path(artifact["file"]).read_bytes()
            if target.exists():
                assert target.read_bytes() == data, f"{target} would be overwritten"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    data_root = bucket / DATA_PREFIX
    seed_raw_data(source, data_root)
    image = tmp / "image"
    shutil.copytree(source, image)
    runner = compiled / "artifacts" / "runner.py"
    if runner.exists():
        shutil.copyfile(runner, image / "runner.py")

    for old in dags_folder.iterdir():
        old.unlink()
    for summary in summaries:
        target = dags_folder / Path(summary["dag"]).name
        assert not target.exists(), f"two pipelines write {target.name}"
        shutil.copyfile(summary["dag"], target)
    dep = Deployment(
        work=tmp / "run",
        bucket_root=bucket,
        image_venv=image_venv,
        image_source=image,
        package=PACKAGE,
        data_env={"SPACEFLIGHTS_DATA_ROOT": str(data_root)},
    )
    return {
        plan["pipeline"]: Built(dep, summary["dagId"], summary["taskIds"], plan, data_root)
        for plan, summary in zip(plans, summaries, strict=True)
    }
