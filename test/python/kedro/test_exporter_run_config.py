"""The layered run config: the exporter reads `airflow-k8s*` through the project's own Kedro
config loader, base then the chosen env, and writes the resolved `run_config` as `runConfig`.

Every expectation below is what real Kedro (1.x or 0.19, whichever runs the test) makes of the
files: by default the env's top-level keys replace the base's whole (OmegaConfigLoader's
destructive merge), with `merge_strategy: soft` they merge deeply (OmegaConf.unsafe_merge).
"""

from __future__ import annotations

from pathlib import Path

from conftest import PREFIX, copy_example, export_manifest, run_export, write_project

BASE = """\
run_config:
  image: ${globals:registry}/spaceflights:base
  namespace: composer-user-workloads
  env: prod
  spark:
    type: dataproc
    region: europe-west1
    cluster_config:
      master_config: {machine_type_uri: n2-standard-4}
      worker_config: {num_instances: 2, machine_type_uri: n2-standard-4}
"""

PROD = """\
run_config:
  image: ${globals:registry}/spaceflights:prod
  env: prod
  spark:
    type: dataproc
    cluster_config:
      worker_config: {num_instances: 8}
"""


def layered_project(tmp_path: Path, settings_extra: str = "") -> Path:
    """The example with a base run config, a `prod` env overriding it, and a global."""
    project = copy_example(tmp_path / "spaceflights_spark")
    conf = project / "conf"
    (conf / "base" / "airflow-k8s.yaml").write_text(BASE)
    with (conf / "base" / "globals.yml").open("a") as handle:
        handle.write("registry: europe-west1-docker.pkg.dev/example-project/kedro\n")
    (conf / "prod").mkdir()
    (conf / "prod" / "airflow-k8s.yml").write_text(PROD)
    if settings_extra:
        settings = project / "src" / "spaceflights_spark" / "settings.py"
        settings.write_text(settings.read_text() + settings_extra)
    return project


def test_env_file_replaces_the_base_run_config_as_kedro_merges(tmp_path):
    project = layered_project(tmp_path)
    manifest = export_manifest(project, "--env", "prod")
    # Destructive merge: `run_config`, the file's top-level key, comes whole from prod.
    assert manifest["runConfig"] == {
        "image": "europe-west1-docker.pkg.dev/example-project/kedro/spaceflights:prod",
        "env": "prod",
        "spark": {
            "type": "dataproc",
            "cluster_config": {"worker_config": {"num_instances": 8}},
        },
    }
    # Base alone (the env has no run config file): base's, with its global resolved.
    base_only = export_manifest(project, "--env", "cloud")["runConfig"]
    registry = "europe-west1-docker.pkg.dev/example-project/kedro"
    assert base_only["image"] == f"{registry}/spaceflights:base"
    assert base_only["namespace"] == "composer-user-workloads"
    assert base_only["spark"]["cluster_config"]["master_config"] == {
        "machine_type_uri": "n2-standard-4"
    }


def test_the_projects_merge_strategy_applies(tmp_path):
    project = layered_project(
        tmp_path, '\nCONFIG_LOADER_ARGS["merge_strategy"] = {"airflow-k8s": "soft"}\n'
    )
    run_config = export_manifest(project, "--env", "prod")["runConfig"]
    assert run_config["image"].endswith("/spaceflights:prod")
    assert run_config["namespace"] == "composer-user-workloads"  # kept from base
    assert run_config["spark"]["region"] == "europe-west1"
    assert run_config["spark"]["cluster_config"] == {
        "master_config": {"machine_type_uri": "n2-standard-4"},
        "worker_config": {"num_instances": 8, "machine_type_uri": "n2-standard-4"},
    }


def test_folder_form_and_no_run_config(tmp_path):
    project = copy_example(tmp_path / "spaceflights_spark")
    (project / "conf" / "base" / "airflow-k8s.yaml").unlink()
    assert "runConfig" not in export_manifest(project, "--env", "cloud")
    folder = project / "conf" / "cloud" / "airflow-k8s"
    folder.mkdir()
    (folder / "deploy.yml").write_text("run_config:\n  image: img:1\n  env: cloud\n")
    assert export_manifest(project, "--env", "cloud")["runConfig"] == {
        "image": "img:1",
        "env": "cloud",
    }


REGISTRY = """
from kedro.pipeline import Pipeline, node


def step(a):
    return a


def register_pipelines():
    return {"__default__": Pipeline([node(step, "a", "b", name="step")])}
"""


def small_project(tmp_path: Path) -> Path:
    """A one-node project (no pandas, no Spark to import: a quick export) with a prod env."""
    project = write_project(tmp_path / "small", "small_project", {"pipeline_registry.py": REGISTRY})
    (project / "conf" / "base" / "globals.yml").write_text("registry: r.example/kedro\n")
    (project / "conf" / "base" / "airflow-k8s.yaml").write_text(BASE)
    (project / "conf" / "prod").mkdir()
    return project


def bad_export(project: Path, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    proc = run_export(project, "--out", str(out / "manifest.json"), *args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == "" and list(out.iterdir()) == []
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{PREFIX}{project.resolve()}: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_run_configs_that_kedro_rejects(tmp_path):
    project = small_project(tmp_path)
    prod = project / "conf" / "prod" / "airflow-k8s.yml"

    prod.write_text("run_config:\n  image: [unclosed\n")
    line = bad_export(project, tmp_path, "--env", "prod")
    assert "airflow-k8s.yml" in line and "env 'prod'" in line, line

    prod.write_text("run_config:\n  image: ${globals:no_such_global}\n")
    line = bad_export(project, tmp_path, "--env", "prod")
    assert "no_such_global" in line and "reading the run config" in line, line

    # Two files of one env with the same top-level key: Kedro refuses to pick one.
    prod.write_text(PROD)
    (project / "conf" / "prod" / "airflow-k8s-extra.yml").write_text("run_config: {}\n")
    line = bad_export(project, tmp_path, "--env", "prod")
    assert "Duplicate keys" in line and "run_config" in line, line


def test_bad_run_config_shapes_envs_and_credentials(tmp_path):
    project = small_project(tmp_path)
    (project / "conf" / "base" / "airflow-k8s.yaml").write_text("image: no-run-config-key\n")
    line = bad_export(project, tmp_path, "--env", "prod")
    assert "expected a top-level run_config key" in line, line

    (project / "conf" / "prod" / "airflow-k8s.yml").write_text("run_config: [a, b]\n")
    line = bad_export(project, tmp_path, "--env", "prod")
    assert "run_config: expected a mapping" in line, line

    line = bad_export(project, tmp_path, "--env", "staging")
    assert "unknown env 'staging'" in line, line

    folder = project / "conf" / "prod" / "airflow-k8s"
    folder.mkdir()
    (folder / "credentials.yml").write_text("run_config: {image: secret}\n")
    line = bad_export(project, tmp_path, "--env", "prod")
    assert "credentials file, which is never read" in line and "credentials.yml" in line, line
