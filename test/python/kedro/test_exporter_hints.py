"""Type hints: postponed annotations, generics, wrappers, and hints that cannot be resolved."""

from __future__ import annotations

import importlib.util
import json
import sys
import typing
from typing import Annotated, Any, Optional, Union

import pandas as pd
import pytest
from conftest import EXPORTER, PREFIX, run_export, write_project
from pyspark.sql import DataFrame

SPARK_DF = "pyspark.sql.dataframe.DataFrame"
PANDAS_DF = "pandas.core.frame.DataFrame"

HINTED_NODES = """
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Annotated, Any, Optional, Union

import pandas as pd
from pyspark.sql import DataFrame

if TYPE_CHECKING:
    from not_installed_anywhere import Mystery


def optional_spark(df: Optional[DataFrame], limit: int | None = None) -> dict[str, list[DataFrame]]:
    return {}


def pair(frame: pd.DataFrame) -> tuple[DataFrame, DataFrame]:
    return frame, frame


def annotated(a: Annotated[DataFrame, "meta"], b: Union[pd.DataFrame, None]) -> Any:
    return a


def unresolvable(a: Mystery, b: pd.DataFrame) -> pyspark.sql.dataframe.DataFrame:
    return b


def no_hints(a, b):
    return a


def _logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@_logged
def decorated(frame: DataFrame) -> pd.DataFrame:
    return frame


def scaled(frame: pd.DataFrame, factor: float) -> DataFrame:
    return frame


class Scorer:
    def __call__(self, frame: DataFrame) -> pd.Series:
        return frame
"""

HINTED_REGISTRY = """
import functools

from kedro.pipeline import Pipeline, node

from hinted_project import nodes as n


def register_pipelines():
    p = Pipeline(
        [
            node(n.optional_spark, ["a", "params:limit"], "b", name="optional_spark"),
            node(n.pair, "b", ["c", "d"], name="pair"),
            node(n.annotated, ["c", "d"], "e", name="annotated"),
            node(n.unresolvable, ["e", "f"], "g", name="unresolvable"),
            node(n.no_hints, ["g", "parameters"], "h", name="no_hints"),
            node(n.decorated, "h", "i", name="decorated"),
            node(functools.partial(n.scaled, factor=2.0), "i", "j", name="partial"),
            node(n.Scorer(), "j", "k", name="scorer"),
        ]
    )
    return {"__default__": p}
"""


@pytest.fixture(scope="module")
def hinted_manifest(tmp_path_factory):
    project = write_project(
        tmp_path_factory.mktemp("hints") / "hinted",
        "hinted_project",
        {"nodes.py": HINTED_NODES, "pipeline_registry.py": HINTED_REGISTRY},
    )
    proc = run_export(project)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def types_of(manifest: dict) -> dict[str, tuple[list[str], list[str]]]:
    return {n["name"]: (n["inputTypes"], n["outputTypes"]) for n in manifest["nodes"]}


def test_generics_and_postponed_hints_are_resolved(hinted_manifest):
    manifest, _ = hinted_manifest
    types = types_of(manifest)
    assert types["optional_spark"] == (
        [SPARK_DF, "builtins.int"],
        ["builtins.dict", "builtins.str", "builtins.list", SPARK_DF],
    )
    assert types["pair"] == ([PANDAS_DF], ["builtins.tuple", SPARK_DF])
    assert types["annotated"] == ([SPARK_DF, PANDAS_DF], [])  # Annotated, Union, None, Any
    assert types["no_hints"] == ([], [])


def test_wrappers_are_unwrapped(hinted_manifest):
    manifest, _ = hinted_manifest
    types = types_of(manifest)
    funcs = {n["name"]: n["func"] for n in manifest["nodes"]}
    assert types["decorated"] == ([SPARK_DF], [PANDAS_DF])
    assert funcs["decorated"] == "hinted_project.nodes.decorated"
    assert types["partial"] == ([PANDAS_DF, "builtins.float"], [SPARK_DF])
    assert funcs["partial"] == "hinted_project.nodes.scaled"
    assert types["scorer"] == ([SPARK_DF], ["pandas.core.series.Series"])
    assert funcs["scorer"] == "hinted_project.nodes.Scorer"


def test_unresolvable_hint_is_a_warning_not_a_crash(hinted_manifest):
    manifest, stderr = hinted_manifest
    types = types_of(manifest)
    # the resolvable parameter keeps its type; the dotted return hint is kept as text
    assert types["unresolvable"] == ([PANDAS_DF], [SPARK_DF])
    warnings = manifest["warnings"]
    assert len(warnings) == 2, warnings
    assert all(w.startswith("node 'unresolvable': ") for w in warnings)
    assert "'Mystery'" in warnings[0] and "parameter 'a'" in warnings[0]
    assert "NameError" in warnings[0] and warnings[0].endswith("ignoring it")
    assert "the return value" in warnings[1]
    assert warnings[1].endswith("using the hint text as a class name")
    for warning in warnings:
        assert f"{PREFIX}warning: {warning}" in stderr.splitlines()
    assert "Traceback" not in stderr
    assert manifest["nodes"][0]["inputs"] == ["a", "params:limit"]
    assert next(n for n in manifest["nodes"] if n["name"] == "no_hints")["inputs"] == [
        "g",
        "parameters",
    ]


def _load_exporter():
    spec = importlib.util.spec_from_file_location("kedro_airflow_k8s_export", EXPORTER)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("kedro_airflow_k8s_export", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (DataFrame, [SPARK_DF]),
        (Optional[DataFrame], [SPARK_DF]),
        (DataFrame | None, [SPARK_DF]),
        (Union[pd.DataFrame, DataFrame, None], [PANDAS_DF, SPARK_DF]),
        (tuple[DataFrame, ...], ["builtins.tuple", SPARK_DF]),
        (dict[str, DataFrame], ["builtins.dict", "builtins.str", SPARK_DF]),
        (
            list[Optional[dict[str, DataFrame]]],
            ["builtins.list", "builtins.dict", "builtins.str", SPARK_DF],
        ),
        (Annotated[Optional[DataFrame], "x"], [SPARK_DF]),
        (
            typing.Callable[[DataFrame], pd.DataFrame],
            ["collections.abc.Callable", SPARK_DF, PANDAS_DF],
        ),
        (typing.Literal["a", "b"], []),
        (Any, []),
        (None, []),
        (type(None), []),
    ],
)
def test_collect_classes(hint, expected):
    exporter = _load_exporter()
    out: list[str] = []
    exporter._collect_classes(hint, out)
    assert out == expected


def test_export_module_uses_only_stdlib_and_kedro():
    import ast

    tree = ast.parse(EXPORTER.read_text())
    top = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            top |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top.add(node.module.split(".")[0])
    assert top - set(sys.stdlib_module_names) == {"kedro"}
