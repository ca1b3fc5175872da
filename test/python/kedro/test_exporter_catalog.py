"""Catalog facts: dataset factories resolved by Kedro, subclasses, and no credentials, ever."""

from __future__ import annotations

import json

import pytest
from conftest import run_export, write_project

MARKER = "CREDENTIALS-MARKER-5f1c0d"
CONFIG_MARKER = "CONFIG-VALUE-MARKER-93ab2e"

DATASETS_PY = '''
from kedro_datasets.spark import SparkDataset


class LazySparkDataset(SparkDataset):
    """A user's own Spark dataset class."""
'''

NODES_PY = """
def step(*args):
    return args[0] if args else None
"""

REGISTRY_PY = """
from kedro.pipeline import Pipeline, node

from catalog_project.nodes import step


def register_pipelines():
    p = Pipeline(
        [
            node(step, ["raw_csv", "params:x"], "raw.events_spark", name="load"),
            node(step, "raw.events_spark", "clean.events_spark", name="clean"),
            node(step, ["clean.events_spark", "lookup"], "scored", name="score"),
            node(step, "scored", "db_table", name="publish"),
            node(step, "scored", "lazy_out", name="lazy"),
            node(step, "lazy_out", "scratch", name="scratch"),
            node(step, "scratch", "unmatched.thing", name="tail"),
        ]
    )
    return {"__default__": p}
"""

CATALOG = f"""
# patterns, most specific first as Kedro sorts them
"{{layer}}.{{name}}_spark":
  type: spark.SparkDataset
  filepath: data/{{layer}}/{{name}}
  file_format: parquet
  credentials: spark_creds

"{{name}}_csv":
  type: pandas.CSVDataset
  filepath: data/{{name}}.csv
  load_args:
    comment: "{CONFIG_MARKER}"

lookup:
  type: pandas.ParquetDataset
  filepath: data/lookup.parquet
  credentials: storage_creds

db_table:
  type: spark.SparkJDBCDataset
  url: jdbc:postgresql://db.invalid:5432/analytics
  table: scores
  credentials: db_creds

lazy_out:
  type: catalog_project.datasets.LazySparkDataset
  filepath: data/lazy

scratch:
  type: MemoryDataset

_anchor: &defaults
  type: pandas.CSVDataset
"""

CREDENTIALS = f"""
spark_creds:
  token: {MARKER}
storage_creds:
  key: {MARKER}
db_creds:
  user: {MARKER}
  password: {MARKER}
"""

BASES = [
    "kedro.io.core.AbstractVersionedDataset",
    "kedro.io.core.AbstractDataset",
    "abc.ABC",
    "typing.Generic",
]
SPARK = "kedro_datasets.spark.spark_dataset.SparkDataset"


@pytest.fixture(scope="module")
def catalog_project(tmp_path_factory):
    root = write_project(
        tmp_path_factory.mktemp("catalog") / "catalog_project",
        "catalog_project",
        {"nodes.py": NODES_PY, "datasets.py": DATASETS_PY, "pipeline_registry.py": REGISTRY_PY},
        catalog=CATALOG,
    )
    (root / "conf" / "local" / "credentials.yml").write_text(CREDENTIALS)
    (root / "conf" / "base" / "credentials.yml").write_text(CREDENTIALS)
    return root


@pytest.fixture(scope="module")
def export(catalog_project):
    proc = run_export(catalog_project)
    assert proc.returncode == 0, proc.stderr
    return proc


def without_locations(datasets: dict) -> dict[str, dict]:
    """The entries' type facts, and their locations aside."""
    locations = {name: entry.pop("location", None) for name, entry in datasets.items()}
    return locations


def test_dataset_factories_are_resolved_by_kedro(export):
    datasets = json.loads(export.stdout)["datasets"]
    locations = without_locations(datasets)
    spark = {"type": "spark.SparkDataset", "classes": [SPARK, *BASES]}
    # the pattern's placeholders are filled in the path too, by Kedro's resolver
    assert locations["raw.events_spark"]["path"] == "data/raw/events"
    assert locations["clean.events_spark"]["path"] == "data/clean/events"
    assert datasets["raw.events_spark"] == spark
    assert datasets["clean.events_spark"] == spark
    assert datasets["raw_csv"] == {
        "type": "pandas.CSVDataset",
        "classes": ["kedro_datasets.pandas.csv_dataset.CSVDataset", *BASES],
    }


def test_classes_include_bases_of_user_subclasses(export):
    datasets = json.loads(export.stdout)["datasets"]
    without_locations(datasets)
    assert datasets["lazy_out"] == {
        "type": "catalog_project.datasets.LazySparkDataset",
        "classes": ["catalog_project.datasets.LazySparkDataset", SPARK, *BASES],
    }
    assert datasets["db_table"]["type"] == "spark.SparkJDBCDataset"
    assert datasets["db_table"]["classes"][0] == (
        "kedro_datasets.spark.spark_jdbc_dataset.SparkJDBCDataset"
    )
    assert datasets["scratch"] == {
        "type": "MemoryDataset",
        "classes": [
            "kedro.io.memory_dataset.MemoryDataset",
            "kedro.io.core.AbstractDataset",
            "abc.ABC",
            "typing.Generic",
        ],
    }


def test_only_catalog_entries_are_listed(export):
    manifest = json.loads(export.stdout)
    assert sorted(manifest["datasets"]) == [
        "clean.events_spark",
        "db_table",
        "lazy_out",
        "lookup",
        "raw.events_spark",
        "raw_csv",
        "scratch",
    ]
    assert "scored" not in manifest["datasets"]  # no entry, no pattern: in memory
    assert "unmatched.thing" not in manifest["datasets"]
    assert "_anchor" not in manifest["datasets"]
    assert "params:x" not in manifest["datasets"]
    assert manifest["warnings"] == []


def test_no_credentials_and_no_config_values_in_the_manifest(export):
    assert MARKER not in export.stdout
    assert MARKER not in export.stderr
    assert CONFIG_MARKER not in export.stdout
    for forbidden in ("spark_creds", "storage_creds", "db_creds", "db.invalid"):
        assert forbidden not in export.stdout
    # beyond the type facts, only where the data lives (the path as configured)
    for entry in json.loads(export.stdout)["datasets"].values():
        assert set(entry) <= {"classes", "type", "location"}
        if "location" in entry:
            assert set(entry["location"]) == {"key", "path", "protocol", "local", "relative"}


def test_credentials_files_are_never_read(catalog_project, tmp_path):
    # A credentials file that cannot be parsed breaks anything that reads it: the export
    # still works, so it never did.
    for env in ("base", "local"):
        (catalog_project / "conf" / env / "credentials.yml").write_text(
            "spark_creds: [unclosed\n  : : :\n"
        )
    try:
        proc = run_export(catalog_project)
        assert proc.returncode == 0, proc.stderr
    finally:
        for env in ("base", "local"):
            (catalog_project / "conf" / env / "credentials.yml").write_text(CREDENTIALS)


def test_run_env_entries_replace_base_entries(catalog_project):
    prod = catalog_project / "conf" / "prod"
    prod.mkdir(exist_ok=True)
    (prod / "catalog.yml").write_text(
        "lookup:\n  type: spark.SparkDataset\n  filepath: data/lookup\n  file_format: parquet\n"
        "scored:\n  type: pandas.ParquetDataset\n  filepath: data/scored.parquet\n"
    )
    proc = run_export(catalog_project, "--env", "prod")
    assert proc.returncode == 0, proc.stderr
    datasets = json.loads(proc.stdout)["datasets"]
    assert datasets["lookup"]["type"] == "spark.SparkDataset"
    assert datasets["scored"]["type"] == "pandas.ParquetDataset"


def test_missing_dataset_class_is_a_warning(tmp_path):
    root = write_project(
        tmp_path / "broken_type",
        "catalog_project",
        {"nodes.py": NODES_PY, "datasets.py": DATASETS_PY, "pipeline_registry.py": REGISTRY_PY},
        catalog="lookup:\n  type: nowhere.NoSuchDataset\n",
    )
    proc = run_export(root)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(proc.stdout)
    assert manifest["datasets"]["lookup"] == {"type": "nowhere.NoSuchDataset", "classes": []}
    assert len(manifest["warnings"]) == 1
    assert manifest["warnings"][0].startswith("dataset 'lookup': cannot import its class")


HOOKS_SETTINGS = """
from kedro.framework.hooks import hook_impl


class StartsSparkHooks:
    @hook_impl
    def after_context_created(self, context):
        raise RuntimeError("HOOK-RAN: a hook would start Spark here")

    @hook_impl
    def after_catalog_created(self, catalog):
        raise RuntimeError("HOOK-RAN: catalog hook")


HOOKS = (StartsSparkHooks(),)
"""


def test_project_hooks_are_not_run(tmp_path):
    root = write_project(
        tmp_path / "hooked",
        "catalog_project",
        {"nodes.py": NODES_PY, "datasets.py": DATASETS_PY, "pipeline_registry.py": REGISTRY_PY},
        catalog=CATALOG,
    )
    (root / "src" / "catalog_project" / "settings.py").write_text(HOOKS_SETTINGS)
    proc = run_export(root)
    assert proc.returncode == 0, proc.stderr
    assert "HOOK-RAN" not in proc.stderr
    assert "raw.events_spark" in json.loads(proc.stdout)["datasets"]
