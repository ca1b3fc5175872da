"""Drives a generated DAG with real Airflow: ``dag.test()`` for a run, Airflow's own clear for a
user's "Clear" of a task, and the same scheduling loop as ``dag.test()`` to carry the cleared
run on. Task instances, trigger rules, retries, setup/teardown and template rendering are all
Airflow's; only each operator's ``execute`` is a stand-in (standins.py).

Works on Airflow 3.x and 2.11, whose ``dag.test()`` and internals differ: the version-specific
parts are the two small functions at the bottom.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import airflow
from airflow.utils.state import DagRunState, TaskInstanceState

AIRFLOW_MAJOR = int(airflow.__version__.split(".")[0])
FINISHED = {
    TaskInstanceState.SUCCESS,
    TaskInstanceState.FAILED,
    TaskInstanceState.SKIPPED,
    TaskInstanceState.UPSTREAM_FAILED,
    TaskInstanceState.REMOVED,
}


def load_dag(dags_folder: Path, dag_id: str):
    if AIRFLOW_MAJOR >= 3:
        from airflow.dag_processing.dagbag import DagBag
    else:
        from airflow.models.dagbag import DagBag
    bag = DagBag(dag_folder=str(dags_folder))  # examples are off (AIRFLOW__CORE__LOAD_EXAMPLES)
    assert bag.import_errors == {}, bag.import_errors
    return bag.dags[dag_id]


def set_retries(dag, retries: int) -> None:
    """What `default_args={"retries": N}` would give every task (retried at once)."""
    for task in dag.tasks:
        task.retries = retries
        task.retry_delay = dt.timedelta(seconds=0)


class Run:
    """One DAG run: its id, and the task states Airflow recorded."""

    def __init__(self, dag, run_id: str, logical_date: dt.datetime):
        self.dag = dag
        self.run_id = run_id
        self.logical_date = logical_date

    def state(self) -> str:
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session

        with create_session() as session:
            dr = session.query(DagRun).filter_by(dag_id=self.dag.dag_id, run_id=self.run_id).one()
            return str(dr.state)

    def tasks(self) -> dict[str, dict[str, Any]]:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            tis = (
                session.query(TaskInstance)
                .filter_by(dag_id=self.dag.dag_id, run_id=self.run_id)
                .all()
            )
            return {ti.task_id: {"state": str(ti.state), "try": ti.try_number} for ti in tis}

    def asset_events(self) -> set[tuple[str, str]]:
        """(task id, URI) of each Asset event (Dataset event on 2.x) the run's tasks recorded."""
        from airflow.utils.session import create_session

        if AIRFLOW_MAJOR >= 3:
            from airflow.models.asset import AssetEvent as Event
            from airflow.models.asset import AssetModel as Model

            key = Event.asset_id
        else:
            from airflow.models.dataset import DatasetEvent as Event
            from airflow.models.dataset import DatasetModel as Model

            key = Event.dataset_id
        with create_session() as session:
            rows = (
                session.query(Event.source_task_id, Model.uri)
                .join(Model, Model.id == key)
                .filter(Event.source_dag_id == self.dag.dag_id)
                .filter(Event.source_run_id == self.run_id)
                .all()
            )
        return {(task_id, uri) for task_id, uri in rows}


def test_run(dag, logical_date: dt.datetime, conf: dict | None = None) -> Run:
    """A whole DAG run through Airflow's dag.test()."""
    if AIRFLOW_MAJOR >= 3:
        dr = dag.test(logical_date=logical_date, run_after=logical_date, run_conf=conf)
    else:
        if any(task.outlets for task in dag.tasks):
            # 2.x's dag.test() registers no Datasets (3.x's does), so a task's outlet events
            # find no DatasetModel and are dropped; the DAG processor registers them first.
            dag.sync_to_db()
        dr = dag.test(execution_date=logical_date, run_conf=conf)
    return Run(dag, dr.run_id, logical_date)


def clear_and_resume(run: Run, task_id: str) -> None:
    """The UI's Clear of one task with its downstream (Airflow adds the setups and teardowns
    it needs), then the scheduler's work until the run ends again."""
    if AIRFLOW_MAJOR >= 3:
        _clear_and_resume_3(run, task_id)
    else:
        _clear_and_resume_2(run, task_id)


def _loop(dr, session, run_task) -> None:
    """dag.test()'s loop: schedule what is ready, run it in-process, until the run ends."""
    while dr.state == DagRunState.RUNNING:
        session.expire_all()
        schedulable, _ = dr.update_state(session=session)
        for ti in schedulable:
            if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                ti.try_number += 1
            ti.state = TaskInstanceState.SCHEDULED
        session.commit()
        tis = dr.get_task_instances(session=session)
        scheduled = [ti for ti in tis if ti.state == TaskInstanceState.SCHEDULED]
        if not scheduled and any(ti.state not in FINISHED for ti in tis):
            time.sleep(0.5)  # retries waiting, or the run is about to end
        for ti in scheduled:
            try:
                run_task(ti)
            except Exception:  # dag.test() logs and goes on; the state says what happened
                pass


def _clear_and_resume_3(run: Run, task_id: str) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.sdk.definitions.dag import _run_task
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.utils.session import create_session

    scheduler_dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(run.dag))
    subset = scheduler_dag.partial_subset(
        task_ids=[task_id], include_downstream=True, include_upstream=False
    )
    with create_session() as session:
        subset.clear(run_id=run.run_id, session=session)
    with create_session() as session:
        dr = session.query(DagRun).filter_by(dag_id=run.dag.dag_id, run_id=run.run_id).one()
        dr.dag = scheduler_dag
        dr.state = DagRunState.RUNNING
        session.commit()
        _loop(dr, session, lambda ti: _run_task(ti=ti, task=run.dag.task_dict[ti.task_id]))


def _clear_and_resume_2(run: Run, task_id: str) -> None:
    # Clearing touches task notes, whose user column points at the FAB provider's user table:
    # its models must be imported for SQLAlchemy to know that table (the webserver does this).
    import airflow.providers.fab.auth_manager.models  # noqa: F401
    from airflow.models.dag import _run_task
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    dag = run.dag
    subset = dag.partial_subset(
        task_ids_or_regex=[task_id], include_downstream=True, include_upstream=False
    )
    with create_session() as session:
        subset.clear(start_date=run.logical_date, end_date=run.logical_date, session=session)
    with create_session() as session:
        dr = session.query(DagRun).filter_by(dag_id=dag.dag_id, run_id=run.run_id).one()
        dr.dag = dag
        dr.state = DagRunState.RUNNING
        session.commit()

        def run_one(ti):
            ti.task = dag.task_dict[ti.task_id]
            _run_task(ti=ti, session=session)

        _loop(dr, session, run_one)
