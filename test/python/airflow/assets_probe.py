"""Load a DAG folder with real Airflow and print, as JSON, each DAG's Asset (Dataset) schedule
and each task's outlets and inlets, read from the loaded objects. Used by test_assets.py.

    python test/python/airflow/assets_probe.py DAG_FOLDER AIRFLOW_HOME OUT_JSON

(to a file: Airflow 3 logs to stdout.)
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path


def main(folder: str, home: str, out: str) -> None:
    for key in list(os.environ):
        if key.startswith(("AIRFLOW__", "AIRFLOW_CONN_")):
            del os.environ[key]
    os.environ.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": folder,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": f"{home}/logs",
            # The first file pays the providers' imports; a CI machine under load is slow.
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "300",
            # 2.11 only warns about a URI that is not AIP-60 compliant; make it an error here.
            "AIRFLOW__CORE__STRICT_DATASET_URI_VALIDATION": "True",
        }
    )
    import airflow

    try:  # DagBag moved in Airflow 3.1
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:
        from airflow.models.dagbag import DagBag

    kwargs = {"dag_folder": folder}
    if "include_examples" in inspect.signature(DagBag).parameters:
        kwargs["include_examples"] = False
    bag = DagBag(**kwargs)
    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        timetable = dag.timetable
        # AssetTriggeredTimetable.asset_condition (3.x),
        # DatasetTriggeredTimetable.dataset_condition (2.x)
        condition = getattr(timetable, "asset_condition", None) or getattr(
            timetable, "dataset_condition", None
        )
        schedule = None
        if condition is not None:
            schedule = {
                "kind": type(condition).__name__,
                "uris": [obj.uri for obj in condition.objects],
                "names": [getattr(obj, "name", obj.uri) for obj in condition.objects],
            }
        dags[dag_id] = {
            "timetable": type(timetable).__name__,
            "schedule": schedule,
            "tasks": {
                task.task_id: {
                    "outlets": [
                        [type(o).__name__, o.uri, getattr(o, "name", o.uri)] for o in task.outlets
                    ],
                    "inlets": [[type(i).__name__, i.uri] for i in task.inlets],
                }
                for task in dag.tasks
            },
        }
    report = {
        "airflowVersion": airflow.__version__,
        "importErrors": {k: v[-2000:] for k, v in bag.import_errors.items()},
        "dags": dags,
    }
    Path(out).write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
