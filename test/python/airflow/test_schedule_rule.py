"""The run config's schedule rule (components/config/schedule.ts) against real croniter and
Airflow: every expression the rule accepts is a schedule Airflow's own timetable validates and
that fires, and every refusal the rule calls "never fires" is one croniter cannot schedule.

The corpus is random but seeded: well-formed five-field crons, the same with one field broken,
and hostile strings. One Node process judges the whole corpus.
"""

import json
import random
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from croniter import croniter

ROOT = Path(__file__).resolve().parents[3]
RULE = ROOT / "dist" / "components" / "config" / "schedule.js"

RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def item(rng: random.Random, index: int) -> str:
    low, high = RANGES[index]
    kind = rng.randrange(5) if rng.random() < 0.9 else 5
    a, b = sorted(rng.randint(low, high) for _ in range(2))
    if kind == 0:
        return "*"
    if kind == 1:
        return str(a)
    if kind == 2:
        return f"{a}-{b}"
    if kind == 3:
        return f"{rng.choice(['*', str(a)])}/{rng.randint(1, 40)}"
    if kind == 4 and index == 3:
        return rng.choice(MONTHS).upper() if rng.random() < 0.5 else rng.choice(MONTHS)
    if kind == 4 and index == 4:
        return rng.choice(DAYS)
    return rng.choice(["?", "L", "5#2", "mon#1", "x", "", "-3", "00", f"{high + 1}", "1-", "*/"])


def corpus() -> list[str]:
    rng = random.Random(20261201)
    cases = []
    for _ in range(1500):
        fields = [",".join(item(rng, i) for _ in range(rng.randint(1, 3))) for i in range(5)]
        if rng.random() < 0.1:
            fields = fields[: rng.randint(1, 4)] + fields * rng.randint(0, 1)
        cases.append(" ".join(fields))
    cases += ["@daily", "@hourly", "@weekly", "@monthly", "@quarterly", "@yearly", "@midnight"]
    cases += ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 1 *", "0 0 29 2 *", "@annually", ""]
    return cases


def judge(cases: list[str]) -> list[str | None]:
    node = shutil.which("node")
    assert node, "Node.js is required to run the schedule rule"
    assert RULE.exists(), f"{RULE} is missing: run `npm run build` first"
    script = (
        "const { scheduleProblem } = require(process.argv[1]);"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(cases.map(scheduleProblem)));"
    )
    done = subprocess.run(
        [node, "-e", script, str(RULE)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def airflow_timetable(schedule: str):
    """The timetable Airflow builds from `schedule=` (2.11 and 3.x), validated as at import."""
    try:
        from airflow.sdk.definitions.dag import _create_timetable
    except ImportError:  # Airflow 2.11
        from airflow.models.dag import create_timetable as _create_timetable
    timetable = _create_timetable(schedule, "UTC")
    timetable.validate()
    return timetable


@pytest.fixture(scope="module")
def verdicts() -> dict[str, str | None]:
    cases = corpus()
    return dict(zip(cases, judge(cases), strict=True))


def test_the_corpus_has_both_kinds(verdicts):
    accepted = sum(1 for v in verdicts.values() if v is None)
    assert 150 < accepted < len(verdicts) - 150, accepted


def test_whatever_the_rule_accepts_airflow_schedules(verdicts):
    start = datetime(2025, 1, 1)
    for schedule, problem in verdicts.items():
        if problem is not None:
            continue
        airflow_timetable(schedule)
        if not schedule.startswith("@"):
            croniter(schedule, start).get_next(datetime)


def test_never_fires_refusals_are_unschedulable(verdicts):
    never = [s for s, p in verdicts.items() if p is not None and "never fires" in p]
    assert "0 0 30 2 *" in never and "0 0 31 4,6,9,11 *" in never
    for schedule in never:
        croniter(schedule)  # the parser alone lets it through: that is why the rule exists
        with pytest.raises(Exception):  # noqa: B017 croniter's bad-date error differs by version
            croniter(schedule, datetime(2025, 1, 1)).get_next(datetime)
