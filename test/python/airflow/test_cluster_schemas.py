"""The cluster_config schemas (components/config/cluster-schemas.ts) name exactly the fields of
the google.cloud.dataproc_v1 messages they stand for, as the installed google-cloud-dataproc
defines them: no real field refused as unknown, no invented one accepted. Needs the built
package (`npm run build`) and Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from google.cloud import dataproc_v1

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "dist" / "components" / "config" / "cluster-schemas.js"


@pytest.fixture(scope="module")
def schemas() -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required to read the built schemas"
    assert SCHEMAS.exists(), f"{SCHEMAS} is missing: run `npm run build` first"
    script = f"process.stdout.write(JSON.stringify(require({json.dumps(str(SCHEMAS))})))"
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def fields(message) -> set[str]:
    return set(message.meta.fields)


def keys(schema: dict) -> set[str]:
    return set(schema["properties"])


@pytest.mark.parametrize(
    ("schema", "path", "message"),
    [
        ("dataprocClusterSchema", [], dataproc_v1.ClusterConfig),
        ("dataprocClusterSchema", ["lifecycle_config"], dataproc_v1.LifecycleConfig),
        (
            "dataprocClusterSchema",
            ["initialization_actions", "items"],
            dataproc_v1.NodeInitializationAction,
        ),
        ("serverlessBatchSchema", [], dataproc_v1.Batch),
        ("serverlessBatchSchema", ["pyspark_batch"], dataproc_v1.PySparkBatch),
        ("serverlessBatchSchema", ["runtime_config"], dataproc_v1.RuntimeConfig),
        ("serverlessBatchSchema", ["environment_config"], dataproc_v1.EnvironmentConfig),
    ],
)
def test_schema_lists_the_message_fields(schemas, schema, path, message):
    node = schemas[schema]
    for step in path:
        node = node["properties"][step] if step != "items" else node["items"]
    assert node["additionalProperties"] is False
    assert keys(node) == fields(message)


def test_an_accepted_cluster_config_is_a_cluster_config():
    """Every value shape the schema lets through for a listed field is one the message takes."""
    config = dataproc_v1.ClusterConfig(
        {
            "cluster_type": "STANDARD",
            "config_bucket": "b",
            "initialization_actions": [
                {"executable_file": "gs://b/i.sh", "execution_timeout": "600s"}
            ],
            "lifecycle_config": {
                "idle_delete_ttl": "3600s",
                "auto_delete_time": "2030-01-01T00:00:00Z",
            },
            "master_config": {"machine_type_uri": "n2-standard-4"},
        }
    )
    assert config.lifecycle_config.idle_delete_ttl.total_seconds() == 3600
    batch = dataproc_v1.Batch(
        {
            "pyspark_batch": {"args": ["a"], "python_file_uris": ["gs://b/x.zip"]},
            "runtime_config": {"container_image": "img", "properties": {"spark.x": "1"}},
            "labels": {"team": "data"},
        }
    )
    assert batch.runtime_config.properties["spark.x"] == "1"
