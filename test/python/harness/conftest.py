"""Set-up of the isolated-deployment harness: a private Airflow home with a migrated SQLite
database, and the "image" (a Kedro + PySpark virtualenv) that tasks run in.

scripts/test-python-harness.sh runs this suite under an Airflow venv (.venvs/airflow3 or
.venvs/airflow2) with KAK_IMAGE_VENV naming the image venv (.venvs/kedro1 or .venvs/kedro019).
Nothing here skips: a missing venv, CLI build or Java fails the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

# Airflow reads its configuration when first imported: set it up before anything imports it.
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="kak-harness-airflow-"))
(AIRFLOW_HOME / "dags").mkdir()
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(AIRFLOW_HOME / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
    }
)
_migrate = subprocess.run(
    [sys.executable, "-m", "airflow", "db", "migrate"],
    capture_output=True,
    text=True,
    check=False,
    timeout=600,
)
assert _migrate.returncode == 0, _migrate.stderr[-4000:]


@pytest.fixture(scope="session")
def image_venv() -> Path:
    value = os.environ.get("KAK_IMAGE_VENV")
    assert value, "KAK_IMAGE_VENV must name the Kedro + PySpark venv (see test-python-harness.sh)"
    venv = Path(value)
    for tool in ("python", "kedro", "spark-submit"):
        assert (venv / "bin" / tool).exists(), f"{venv}/bin/{tool} is missing"
    return venv


@pytest.fixture(scope="session")
def dags_folder() -> Path:
    return AIRFLOW_HOME / "dags"
