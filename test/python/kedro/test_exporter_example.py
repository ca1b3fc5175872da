"""The exporter on the example project: every field, and the facts Spark detection relies on."""

from __future__ import annotations

import json

import yaml
from conftest import EXAMPLE, KEDRO_MAJOR, KEDRO_VERSION, copy_example, export_manifest, run_export

SPARK_DATASET = [
    "kedro_datasets.spark.spark_dataset.SparkDataset",
    "kedro.io.core.AbstractVersionedDataset",
    "kedro.io.core.AbstractDataset",
    "abc.ABC",
    "typing.Generic",
]
CSV_DATASET = ["kedro_datasets.pandas.csv_dataset.CSVDataset", *SPARK_DATASET[1:]]
PARQUET_DATASET = ["kedro_datasets.pandas.parquet_dataset.ParquetDataset", *SPARK_DATASET[1:]]
MEMORY_DATASET = [
    "kedro.io.memory_dataset.MemoryDataset",
    "kedro.io.core.AbstractDataset",
    "abc.ABC",
    "typing.Generic",
]
PANDAS_DF = "pandas.core.frame.DataFrame"
SPARK_DF = "pyspark.sql.dataframe.DataFrame"
PKG = "spaceflights_spark.pipelines"


def by_name(manifest: dict) -> dict[str, dict]:
    return {node["name"]: node for node in manifest["nodes"]}


def test_top_level_fields(example_manifest):
    assert list(example_manifest) == [
        "schemaVersion",
        "project",
        "pipeline",
        "env",
        "nodes",
        "datasets",
        "warnings",
        "runConfig",
    ]
    assert example_manifest["schemaVersion"] == 1
    assert example_manifest["project"] == {
        "name": "spaceflights-spark",
        "package": "spaceflights_spark",
        "kedroVersion": KEDRO_VERSION,
    }
    assert example_manifest["pipeline"] == "__default__"
    # no --env and no KEDRO_ENV: the catalog is Kedro's default env's, and no env is recorded,
    # so that a deployment never inherits the developer-local `local`
    assert example_manifest["env"] is None
    assert example_manifest["warnings"] == []
    # conf/local has no airflow-k8s file: base's run config, as Kedro's loader reads it
    base = yaml.safe_load((EXAMPLE / "conf" / "base" / "airflow-k8s.yaml").read_text())
    assert example_manifest["runConfig"] == base["run_config"]


def test_nodes_are_in_topological_order_with_exact_names(example_manifest):
    names = [node["name"] for node in example_manifest["nodes"]]
    assert sorted(names) == sorted(
        [
            "preprocess_companies_node",
            "preprocess_shuttles_node",
            "check_shuttles_node",
            "clean_reviews_node",
            "shuttles_to_spark_node",
            "build_features_node",
            "price_bands_node",
            "score_shuttles_node",
            "engine_stats_node",
            "reporting.rank_shuttles_node",
            "reporting.top_shuttles_report_node",
            "reporting.price_band_report_node",
        ]
    )
    # every producer comes before its consumers (transcoded names are one dataset)
    position = {name: i for i, name in enumerate(names)}
    producer = {}
    for node in example_manifest["nodes"]:
        for output in node["outputs"]:
            producer[output.split("@")[0]] = node["name"]
    for node in example_manifest["nodes"]:
        for dataset in node["inputs"]:
            source = producer.get(dataset.split("@")[0])
            if source is not None:
                assert position[source] < position[node["name"]], (source, node["name"])


def test_node_fields(example_manifest):
    nodes = by_name(example_manifest)
    assert nodes["preprocess_companies_node"] == {
        "name": "preprocess_companies_node",
        "func": f"{PKG}.data_processing.nodes.preprocess_companies",
        "namespace": None,
        "inputs": ["companies", "params:preprocessing"],
        "outputs": ["preprocessed_companies"],
        "tags": [],
        "inputTypes": [PANDAS_DF, "builtins.dict", "builtins.str"],
        "outputTypes": [PANDAS_DF],
    }
    assert nodes["build_features_node"] == {
        "name": "build_features_node",
        "func": f"{PKG}.spark_features.nodes.build_features",
        "namespace": None,
        "inputs": ["shuttle_companies", "reviews_clean_sdf"],
        "outputs": ["model_input@spark", "shuttle_features_sdf"],
        "tags": ["features"],
        "inputTypes": [SPARK_DF],
        "outputTypes": ["builtins.tuple", SPARK_DF],
    }
    assert nodes["reporting.rank_shuttles_node"] == {
        "name": "reporting.rank_shuttles_node",
        "func": f"{PKG}.reporting.nodes.rank_shuttles",
        "namespace": "reporting",
        "inputs": ["shuttle_scores", "engine_stats", "params:reporting.top_n"],
        "outputs": ["reporting.ranked"],
        "tags": [],
        "inputTypes": [PANDAS_DF, "builtins.int"],
        "outputTypes": [PANDAS_DF],
    }


def test_detection_facts_for_each_rule(example_manifest):
    nodes = by_name(example_manifest)
    datasets = {
        name: {k: v for k, v in entry.items() if k != "location"}
        for name, entry in example_manifest["datasets"].items()
    }

    # rule 1: the tag, and nothing else says Spark
    tagged = nodes["engine_stats_node"]
    assert tagged["tags"] == ["features", "kedro-airflow-k8s.group.pyspark"]
    assert tagged["inputTypes"] == [] and tagged["outputTypes"] == []
    assert tagged["inputs"] == ["preprocessed_shuttles", "reviews@pandas"]
    assert all(SPARK_DATASET[0] not in datasets[d]["classes"] for d in tagged["inputs"])

    # rule 2: only the (postponed, string) return hint says Spark
    hinted = nodes["shuttles_to_spark_node"]
    assert hinted["inputTypes"] == [PANDAS_DF]
    assert hinted["outputTypes"] == [SPARK_DF]
    assert [datasets[d]["type"] for d in hinted["inputs"]] == ["pandas.ParquetDataset"] * 2
    assert datasets[hinted["outputs"][0]]["type"] == "MemoryDataset"

    # rule 3: only the catalog says Spark (no hints, no tag)
    untyped = nodes["clean_reviews_node"]
    assert untyped["inputTypes"] == [] and untyped["outputTypes"] == [] and untyped["tags"] == []
    assert datasets["reviews@spark"] == {"type": "spark.SparkDataset", "classes": SPARK_DATASET}
    # ... through a dataset factory pattern for its output
    assert datasets["reviews_clean_sdf"] == {"type": "spark.SparkDataset", "classes": SPARK_DATASET}

    # rule 4: a pandas node between two Spark nodes
    between = nodes["price_bands_node"]
    assert between["inputTypes"] == [PANDAS_DF, "builtins.dict", "builtins.str"]
    assert between["outputTypes"] == [PANDAS_DF]
    assert between["inputs"] == ["model_input@pandas", "params:price_bands"]
    assert "model_input@spark" in nodes["build_features_node"]["outputs"]
    assert "price_bands" in nodes["score_shuttles_node"]["inputs"]
    assert SPARK_DF in nodes["score_shuttles_node"]["inputTypes"]


def test_datasets(example_manifest):
    datasets = example_manifest["datasets"]
    assert list(datasets) == sorted(datasets)
    locations = {name: entry.pop("location", None) for name, entry in datasets.items()}
    assert datasets == {
        "companies": {"type": "pandas.CSVDataset", "classes": CSV_DATASET},
        "engine_stats": {"type": "pandas.CSVDataset", "classes": CSV_DATASET},
        "model_input@pandas": {"type": "pandas.ParquetDataset", "classes": PARQUET_DATASET},
        "model_input@spark": {"type": "spark.SparkDataset", "classes": SPARK_DATASET},
        "preprocessed_companies": {"type": "pandas.ParquetDataset", "classes": PARQUET_DATASET},
        "preprocessed_shuttles": {"type": "pandas.ParquetDataset", "classes": PARQUET_DATASET},
        "price_bands": {"type": "pandas.CSVDataset", "classes": CSV_DATASET},
        "reporting.price_bands_table": {"type": "pandas.CSVDataset", "classes": CSV_DATASET},
        "reporting.top_shuttles_table": {"type": "pandas.CSVDataset", "classes": CSV_DATASET},
        "reviews@pandas": {"type": "pandas.CSVDataset", "classes": CSV_DATASET},
        "reviews@spark": {"type": "spark.SparkDataset", "classes": SPARK_DATASET},
        "reviews_clean_sdf": {"type": "spark.SparkDataset", "classes": SPARK_DATASET},
        "shuttle_companies": {"type": "MemoryDataset", "classes": MEMORY_DATASET},
        "shuttle_features_sdf": {"type": "spark.SparkDataset", "classes": SPARK_DATASET},
        "shuttle_scores": {"type": "pandas.ParquetDataset", "classes": PARQUET_DATASET},
        "shuttles": {"type": "pandas.CSVDataset", "classes": CSV_DATASET},
    }
    # every file dataset lives under data/ in the default env: local, relative to the project
    assert locations.pop("shuttle_companies") is None  # a MemoryDataset names no path
    for name, location in locations.items():
        assert location["key"] == "filepath" and location["protocol"] == "file", name
        assert location["local"] is True and location["relative"] is True, name
        assert location["path"].startswith("data/0"), (name, location)
    assert locations["reporting.top_shuttles_table"]["path"] == "data/08_reporting/top_shuttles.csv"
    # in memory, not in the catalog: absent; parameters are never datasets
    assert "shuttles_clean" not in datasets
    assert "reporting.ranked" not in datasets
    assert not [name for name in datasets if name.startswith("params:") or name == "parameters"]


def test_committed_manifest_matches_a_fresh_export(tmp_path):
    """examples/spaceflights_spark/manifest.json is the kedro1 export of the example in its
    deployment env `cloud`, byte for byte. Under Kedro 0.19 everything but
    project.kedroVersion must match."""
    project = copy_example(tmp_path / "spaceflights_spark")
    out = tmp_path / "manifest.json"
    proc = run_export(project, "--env", "cloud", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    committed = (EXAMPLE / "manifest.json").read_bytes()
    fresh = out.read_bytes()
    if KEDRO_MAJOR >= 1:
        assert fresh == committed, "re-export examples/spaceflights_spark/manifest.json"
    else:
        fresh_doc, committed_doc = json.loads(fresh), json.loads(committed)
        assert fresh_doc["project"].pop("kedroVersion") == KEDRO_VERSION
        committed_doc["project"].pop("kedroVersion")
        assert fresh_doc == committed_doc


def test_export_is_deterministic_and_formatted(tmp_path):
    project = copy_example(tmp_path / "spaceflights_spark")
    first = run_export(project)
    second = run_export(project, "--out", str(tmp_path / "m.json"))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == (tmp_path / "m.json").read_text()
    text = first.stdout
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert json.dumps(json.loads(text), indent=2) + "\n" == text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_env_and_pipeline_selection(tmp_path):
    project = copy_example(tmp_path / "spaceflights_spark")
    (project / "conf" / "prod").mkdir()
    (project / "conf" / "prod" / "catalog.yml").write_text(
        "engine_stats:\n  type: pandas.ParquetDataset\n  filepath: data/04_feature/e.parquet\n"
    )
    proc = run_export(project, "--env", "prod", "--pipeline", "spark_features")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(proc.stdout)
    assert manifest["env"] == "prod" and manifest["pipeline"] == "spark_features"
    assert len(manifest["nodes"]) == 6
    assert manifest["datasets"]["engine_stats"]["type"] == "pandas.ParquetDataset"
    assert "reporting.top_shuttles_table" not in manifest["datasets"]

    from conftest import subprocess_env

    proc = run_export(project, env=subprocess_env(KEDRO_ENV="prod"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["env"] == "prod"


def test_cloud_env_puts_every_dataset_on_the_bucket(tmp_path):
    """The deployment env: globals move the data root to GCS, so nothing local crosses tasks."""
    project = copy_example(tmp_path / "spaceflights_spark")
    manifest = export_manifest(project, "--env", "cloud")
    assert manifest["env"] == "cloud"
    locations = {
        name: entry["location"]
        for name, entry in manifest["datasets"].items()
        if "location" in entry
    }
    assert len(locations) == len(manifest["datasets"]) - 1  # all but the MemoryDataset
    for name, location in locations.items():
        assert location["protocol"] == "gs" and location["local"] is False, name
        assert location["path"].startswith("gs://example-project-kedro-data/spaceflights/0"), name
