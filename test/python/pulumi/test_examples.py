"""Runs the Python example program (examples/pulumi-python) under Pulumi's own Python mocks.

The generated SDK is left aside: `pulumi_kedro_airflow_k8s` is stood in for by a module built
from the package schema that the component provider host infers (docs/pulumi-package.schema.json,
kept equal to it by test/package.test.ts). The stand-in accepts exactly the schema's
inputs under their Python names, refuses a missing required one, checks plain values' types,
and has exactly the schema's outputs, so the program is checked against the real interface.
"""

from __future__ import annotations

import json
import re
import runpy
import sys
import types
from importlib import metadata
from pathlib import Path

import pulumi
import pytest

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "docs" / "pulumi-package.schema.json").read_text())
TOKEN = "kedro-airflow-k8s:index:KedroAirflowDeployment"
EXAMPLE = ROOT / "examples" / "pulumi-python"
PLAIN_TYPES = {"string": str, "boolean": bool, "number": (int, float), "object": dict}


def python_name(name: str) -> str:
    """camelCase -> snake_case, as Pulumi's Python code generator names properties."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def stand_in_sdk(schema: dict, seen: list[dict]) -> types.ModuleType:
    spec = schema["resources"][TOKEN]
    inputs = spec["inputProperties"]
    by_python_name = {python_name(k): k for k in inputs}
    required = set(spec["requiredInputs"])
    outputs = spec["properties"]

    class KedroAirflowDeployment(pulumi.ComponentResource):
        def __init__(
            self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **kwargs
        ):
            unknown = sorted(set(kwargs) - set(by_python_name))
            if unknown:
                raise TypeError(f"unexpected keyword argument(s) {unknown}")
            props = {by_python_name[k]: v for k, v in kwargs.items() if v is not None}
            missing = sorted(required - set(props))
            if missing:
                raise TypeError(f"missing required argument(s) {missing}")
            for key, value in props.items():
                prop = inputs[key]
                if prop.get("plain") and "type" in prop:
                    assert isinstance(value, PLAIN_TYPES[prop["type"]]), (key, value)
            seen.append({"name": resource_name, "props": props})
            super().__init__(TOKEN, resource_name, props, opts, remote=True)
            for out in outputs:
                setattr(self, python_name(out), pulumi.Output.from_input(f"<{out}>"))

    module = types.ModuleType("pulumi_kedro_airflow_k8s")
    module.KedroAirflowDeployment = KedroAirflowDeployment
    return module


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@pytest.fixture()
def program(monkeypatch: pytest.MonkeyPatch):
    mocks = Mocks()
    seen: list[dict] = []
    pulumi.runtime.set_mocks(mocks, project="spaceflights-python", stack="dev", preview=False)
    pulumi.runtime.set_config("spaceflights-python:dagBucket", "europe-west1-composer-b-bucket")
    monkeypatch.setitem(sys.modules, "pulumi_kedro_airflow_k8s", stand_in_sdk(SCHEMA, seen))
    monkeypatch.chdir(EXAMPLE)
    return mocks, seen


@pulumi.runtime.test
def test_python_example_uses_the_schema(program):
    mocks, seen = program
    namespace = runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__")
    deployment = namespace["deployment"]

    def check(_urn):
        assert [s["name"] for s in seen] == ["spaceflights"]
        props = seen[0]["props"]
        registered = [r for r in mocks.resources if r.typ == TOKEN]
        assert [r.name for r in registered] == ["spaceflights"]
        assert registered[0].inputs == props
        assert props["dagBucket"] == "europe-west1-composer-b-bucket"
        assert props["groupAliases"] == {"pyspark_clean_reviews_node": ["pyspark_0"]}
        # Paths are relative to the program's folder, where the component runs.
        for key in ("manifest", "runConfig", "projectDir"):
            assert Path(props[key]).exists(), (key, props[key])
        assert Path(props["runConfig"]).name == "airflow-k8s.yaml"

    return deployment.urn.apply(check)


def test_stand_in_refuses_what_the_schema_does_not_have():
    sdk = stand_in_sdk(SCHEMA, [])
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['dag_bucket_name'\]"):
        sdk.KedroAirflowDeployment("x", manifest="m", run_config="c", dag_bucket_name="b")
    # runConfig is optional (the manifest's own is used without it); the manifest is not
    with pytest.raises(TypeError, match=r"missing required argument\(s\) \['manifest'\]"):
        sdk.KedroAirflowDeployment("x", run_config="c")


def test_requirements_admit_the_sdk_the_tests_run():
    """The example's requirements.txt admits the pinned Python SDK this test runs under."""
    (line,) = (EXAMPLE / "requirements.txt").read_text().split()
    low, high = re.fullmatch(r"pulumi>=([\d.]+),<([\d.]+)", line).groups()
    version = tuple(int(p) for p in metadata.version("pulumi").split("."))
    assert tuple(int(p) for p in low.split(".")) <= version < tuple(int(p) for p in high.split("."))
