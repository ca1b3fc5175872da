#!/usr/bin/env python3
"""Export the facts of one Kedro pipeline as "manifest v1" JSON.

Run it with the Python interpreter that runs the Kedro project (it imports the project):

    python kedro_airflow_k8s_export.py --project DIR [--env E] [--pipeline P] [--out FILE]
    python kedro_airflow_k8s_export.py --project DIR [--env E] (--pipeline A,B | --all) --out DIR

Several pipelines (a comma-separated list, or --all) give one manifest per pipeline, each
the same v1 manifest as a single export, written as DIR/<pipeline key>.json (see
pipeline_key).

The manifest lists the pipeline's nodes in Kedro's topological order with their inputs,
outputs, tags and the classes named in their type hints, and for each dataset the pipeline
uses that has a catalog entry (explicit or from a dataset factory pattern), the configured
type and the class with its bases, and, as `runConfig`, the `run_config` mapping of the
project's `airflow-k8s*` files as its own config loader resolves them for the env (base, then
the env). It only reports facts; kedro-airflow-k8s decides what runs on Spark. Datasets are
never instantiated, credentials are never read and the project's hooks are not run (no
KedroSession is made), so no Spark session or service is started.

Only the standard library and Kedro's public API are used, so that the file can be copied
next to any project. Works with Kedro 0.19.x and 1.x. Bad input ends the run with one line
on stderr and exit code 2; no manifest is written then.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import hashlib
import inspect
import json
import logging
import os
import re
import sys
import tempfile
import types
import typing
import warnings as pywarnings
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
DEFAULT_PIPELINE = "__default__"
EXIT_BAD_INPUT = 2
_PROG = "kedro-airflow-k8s export"
_DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
_CREDENTIALS_KEY = "credentials"
# Union[X, Y] and X | Y (types.UnionType, Python 3.10+) name no class of their own
_UNION_ORIGINS = tuple(o for o in (typing.Union, getattr(types, "UnionType", None)) if o)


class ExportError(Exception):
    """Bad input: reported as one line on stderr, exit code 2."""


def _one_line(text: str) -> str:
    """Collapses a (possibly multi-line) message into one line."""
    return " ".join(str(text).split())


def _describe(exc: BaseException) -> str:
    message = _one_line(str(exc))
    if isinstance(exc, KeyError) and exc.args:
        message = _one_line(str(exc.args[0]))
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class _Stage(contextlib.AbstractContextManager):
    """Turns any exception raised during one step of the export into an ExportError."""

    def __init__(self, doing: str):
        self.doing = doing

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, ExportError):
            return False
        if not isinstance(exc, Exception):
            return False  # KeyboardInterrupt, SystemExit: let them through
        raise ExportError(f"{_describe(exc)} while {self.doing}") from exc


# --------------------------------------------------------------------------------------------
# Type hints
# --------------------------------------------------------------------------------------------


def _qualified_name(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or "builtins"
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name is None:
        name = type(obj).__qualname__
    return f"{module}.{name}"


def _underlying_function(func: Any) -> Any:
    """The plain function behind partials, decorators (functools.wraps) and bound methods."""
    seen = set()
    while id(func) not in seen:
        seen.add(id(func))
        if isinstance(func, functools.partial):
            func = func.func
            continue
        try:
            unwrapped = inspect.unwrap(func)
        except ValueError:  # a __wrapped__ cycle
            unwrapped = func
        if unwrapped is not func:
            func = unwrapped
            continue
        if inspect.ismethod(func):
            func = func.__func__
            continue
    return func


def _function_name(func: Any) -> str:
    target = _underlying_function(func)
    if inspect.isfunction(target) or inspect.isbuiltin(target) or inspect.isclass(target):
        return _qualified_name(target)
    # a callable object: name its class
    return _qualified_name(type(target))


def _annotated_callable(func: Any) -> Any:
    """The object whose annotations describe the node function's parameters."""
    target = _underlying_function(func)
    if inspect.isfunction(target) or inspect.isclass(target):
        return target
    if callable(target):  # a callable object: its class's __call__ holds the annotations
        return _underlying_function(type(target).__call__)
    return target


def _collect_classes(hint: Any, out: list[str]) -> None:
    """Appends the qualified name of every class appearing in a resolved hint."""
    if hint is None or hint is type(None) or hint is typing.Any:
        return
    if isinstance(hint, (list, tuple)):  # Callable[[A, B], C] carries a list of arguments
        for item in hint:
            _collect_classes(item, out)
        return
    if isinstance(hint, typing.TypeVar):
        bound = getattr(hint, "__bound__", None)
        for item in (bound, *getattr(hint, "__constraints__", ())):
            _collect_classes(item, out)
        return
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        _collect_classes(args[0] if args else None, out)
        return
    if origin is not None:
        if isinstance(origin, type) and origin not in _UNION_ORIGINS:  # list[...], dict[...]
            _add_name(_qualified_name(origin), out)
        for arg in args:  # Union, Optional, X | Y, and the arguments of any generic
            if arg is Ellipsis:
                continue
            _collect_classes(arg, out)
        return
    if isinstance(hint, type):
        _add_name(_qualified_name(hint), out)
    # anything else (Literal values, strings left unresolved, NewType, ...) names no class


def _add_name(name: str, out: list[str]) -> None:
    if name not in out:
        out.append(name)


def _resolve_one(annotation: Any, globalns: dict[str, Any], include_extras: bool) -> Any:
    """Resolves a single annotation through typing.get_type_hints, in the function's globals."""
    holder = types.SimpleNamespace(__annotations__={"value": annotation})
    return typing.get_type_hints(holder, globalns=globalns, include_extras=include_extras)["value"]


def node_types(node_name: str, func: Any, warnings: list[str]) -> tuple[list[str], list[str]]:
    """(inputTypes, outputTypes) for a node function. Never raises."""
    constructed = None  # a class used as the node function: its instances are the output
    try:
        target = _annotated_callable(func)
        if inspect.isclass(target):
            constructed, target = target, target.__init__
        raw = dict(getattr(target, "__annotations__", None) or {})
        if constructed is not None:
            raw.pop("return", None)
    except Exception as exc:
        warnings.append(f"node '{node_name}': cannot read annotations: {_describe(exc)}")
        return [], []

    hints = _resolve_hints(node_name, func, target, raw, warnings)
    inputs: list[str] = []
    outputs: list[str] = [] if constructed is None else [_qualified_name(constructed)]
    for key in raw:  # declaration order; the return annotation comes last
        if key not in hints:
            continue
        out = outputs if key == "return" else inputs
        try:
            if isinstance(hints[key], str):
                _add_name(hints[key], out)
            else:
                _collect_classes(hints[key], out)
        except Exception as exc:
            warnings.append(
                f"node '{node_name}': cannot inspect the type hint of '{key}': {_describe(exc)}"
            )
    return inputs, outputs


def _resolve_hints(
    node_name: str, func: Any, target: Any, raw: dict[str, Any], warnings: list[str]
) -> dict[str, Any]:
    """Resolved hints by name; hints that cannot be resolved become a warning each."""
    if not raw:
        return {}
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        pass
    # Resolve the annotations one by one so that one bad hint does not hide the others.
    globalns = getattr(target, "__globals__", None) or {}
    hints: dict[str, Any] = {}
    for key, annotation in raw.items():
        try:
            hints[key] = _resolve_one(annotation, globalns, include_extras=True)
            continue
        except Exception as exc:
            problem = _describe(exc)
        dotted = isinstance(annotation, str) and bool(_DOTTED_NAME.match(annotation.strip()))
        if dotted:
            hints[key] = annotation.strip()
        where = "the return value" if key == "return" else f"parameter '{key}'"
        warnings.append(
            f"node '{node_name}': cannot resolve the type hint {annotation!r} of {where} of "
            f"{_function_name(func)} ({problem}); "
            + ("using the hint text as a class name" if dotted else "ignoring it")
        )
    return hints


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


def _without_credentials(value: Any) -> Any:
    """A deep copy of a catalog config with every `credentials` key removed."""
    if isinstance(value, dict):
        return {
            key: _without_credentials(item)
            for key, item in value.items()
            if key != _CREDENTIALS_KEY
        }
    if isinstance(value, list):
        return [_without_credentials(item) for item in value]
    return copy.deepcopy(value)


class CatalogTypes:
    """Looks up dataset entries the way Kedro's catalog resolves them, without instantiating."""

    def __init__(self, catalog_config: dict[str, Any]):
        from kedro.io import CatalogConfigResolver

        config = {
            name: _without_credentials(entry)
            for name, entry in (catalog_config or {}).items()
            if isinstance(entry, dict)
        }
        kwargs: dict[str, Any] = {}
        parameters = inspect.signature(CatalogConfigResolver.__init__).parameters
        if "default_runtime_patterns" in parameters:
            # Kedro >= 1.0 falls back to a catch-all MemoryDataset pattern and warns when
            # none is given; state it so the warning stays away. It is never used below.
            kwargs["default_runtime_patterns"] = {"{default}": {"type": "kedro.io.MemoryDataset"}}
        self._resolver = CatalogConfigResolver(config=config, **kwargs)

    def _user_pattern(self, name: str) -> str | None:
        resolver = self._resolver
        if hasattr(resolver, "match_dataset_pattern"):  # Kedro 1.x
            return resolver.match_dataset_pattern(name) or resolver.match_user_catch_all_pattern(
                name
            )
        return resolver.match_pattern(name)  # Kedro 0.19 (no runtime patterns were added)

    def entry(self, name: str) -> dict[str, Any] | None:
        """The resolved config of a dataset, or None when the catalog has no entry for it."""
        if name in self._resolver.config:
            return self._resolver.config[name]
        if self._user_pattern(name) is None:
            return None
        return self._resolver.resolve_pattern(name)


def dataset_facts(name: str, entry: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    from kedro.io.core import parse_dataset_definition

    configured = entry.get("type")
    type_name = configured if isinstance(configured, str) else _qualified_name(configured)
    classes: list[str] = []
    try:
        class_obj, _ = parse_dataset_definition(copy.deepcopy(entry))
        classes = [_qualified_name(cls) for cls in inspect.getmro(class_obj) if cls is not object]
    except Exception as exc:
        warnings.append(
            f"dataset '{name}': cannot import its class {type_name!r}: {_describe(exc)}"
        )
    facts: dict[str, Any] = {"type": type_name, "classes": classes}
    location = dataset_location(entry)
    if location is not None:
        facts["location"] = location
    return facts


# Keys that name where a dataset's data lives, in the order Kedro's datasets use them:
# `filepath` (file datasets), `path` (a few, e.g. partitioned ones), `table` (tables).
_LOCATION_KEYS = ("filepath", "path", "table")


def dataset_location(entry: dict[str, Any]) -> dict[str, Any] | None:
    """Where a dataset's data lives, as fsspec would read its path; None when it names none.

    `local` is true for fsspec's `file` protocol or none (a bare path), the way Kedro's
    datasets open their paths (kedro.io.core.get_protocol_and_path). A `table` is a name in a
    database or metastore, not a path, so it is never local. Only the configured text is read:
    nothing is opened, and credentials never are.
    """
    for key in _LOCATION_KEYS:
        value = entry.get(key)
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str) or value == "":
            continue
        value = _without_userinfo(value)
        if key == "table":
            return {"key": key, "path": value, "protocol": None, "local": False, "relative": False}
        protocol, bare = _split_protocol(value)
        local = protocol in (None, "file", "local")
        absolute = bare.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", bare) is not None
        return {
            "key": key,
            "path": value,
            "protocol": protocol or "file",
            "local": local,
            "relative": local and not absolute,
        }
    return None


def _split_protocol(path: str) -> tuple[str | None, str]:
    """fsspec's rule (fsspec.core.split_protocol, which Kedro's datasets open paths with):
    `proto://rest` names a protocol unless `proto` is one letter (a Windows drive)."""
    protocol, sep, rest = path.partition("://")
    if sep and len(protocol) > 1:
        return protocol, rest
    return None, path


def _without_userinfo(path: str) -> str:
    """`proto://user:secret@host/x` -> `proto://host/x`: a path is a fact, a password is not.
    A name with no `:` before the `@` (abfs's `container@account`) is part of the path."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@:]*:[^/@]*@", r"\1", path)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _is_parameter(name: str) -> bool:
    return name == "parameters" or name.startswith("params:")


def _check_env_folder(config_loader: Any, run_env: str | None) -> None:
    """A clear message for an env without a folder (Kedro says "configuration path ...")."""
    conf_source = getattr(config_loader, "conf_source", None)
    if not run_env or not isinstance(conf_source, (str, os.PathLike)):
        return
    conf_dir = Path(conf_source)
    if conf_dir.is_dir() and not (conf_dir / run_env).is_dir():
        raise ExportError(f"unknown env '{run_env}' (no folder {conf_dir / run_env})")


# --------------------------------------------------------------------------------------------
# Run config
# --------------------------------------------------------------------------------------------

# The config key and file patterns of the run config: the seed plugin's `airflow-k8s*`, plus the
# folder form that Kedro's own keys have (`catalog*/**`). A project may map the key itself in
# CONFIG_LOADER_ARGS["config_patterns"], and choose its merge with merge_strategy (Kedro's
# OmegaConfigLoader: "destructive", the default, or "soft").
RUN_CONFIG_KEY = "airflow-k8s"
RUN_CONFIG_PATTERNS = ["airflow-k8s*", "airflow-k8s*/**"]
_CONFIG_SUFFIXES = (".yml", ".yaml", ".json")


def _credentials_files(conf_dir: Path, envs: list[str], patterns: list[str]) -> list[Path]:
    """Files the patterns match that Kedro would treat as credentials (`credentials*`,
    `credentials*/**`, `**/credentials*`: a path part that starts with `credentials`)."""
    found: set[Path] = set()
    for env in envs:
        root = conf_dir / env
        if not root.is_dir():
            continue
        for pattern in patterns:
            for match in root.glob(pattern):
                # pathlib's trailing `**` yields folders (before Python 3.13); fsspec's, which
                # Kedro globs with, yields what is inside them
                for path in [match, *match.rglob("*")] if match.is_dir() else [match]:
                    parts = path.relative_to(root).parts
                    if (
                        path.is_file()
                        and path.suffix in _CONFIG_SUFFIXES
                        and any(part.startswith(_CREDENTIALS_KEY) for part in parts)
                    ):
                        found.add(path)
    return sorted(found)


def _json_ready(value: Any, where: str) -> Any:
    """The resolved config as JSON values; anything else is named (a custom resolver's object)."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return value
    raise ExportError(f"{where}: expected a YAML/JSON value, got {type(value).__name__} {value!r}")


def load_run_config(config_loader: Any, run_env: str | None) -> dict[str, Any] | None:
    """The `run_config` mapping the project's own config loader resolves for the env, or None
    when no file matches `airflow-k8s*`.

    Kedro's loader reads base, then the run env, and merges them (by default the env's
    top-level keys, such as `run_config`, replace the base's whole: OmegaConfigLoader's
    `_destructive_merge`), with the project's resolvers and `${globals:...}`. No session is made.
    """
    from kedro.config import MissingConfigException

    patterns = getattr(config_loader, "config_patterns", None)
    if not isinstance(patterns, dict):
        raise ExportError(
            f"the config loader {_qualified_name(type(config_loader))} has no config_patterns "
            f"mapping to add '{RUN_CONFIG_KEY}' to (OmegaConfigLoader has one)"
        )
    # Kedro's own plugins add their keys the same way (kedro-airflow: config_patterns.update).
    patterns.setdefault(RUN_CONFIG_KEY, list(RUN_CONFIG_PATTERNS))
    conf_source = getattr(config_loader, "conf_source", None)
    if isinstance(conf_source, (str, os.PathLike)) and Path(conf_source).is_dir():
        base_env = getattr(config_loader, "base_env", None) or "base"
        envs = [base_env] + ([run_env] if run_env and run_env != base_env else [])
        secrets = _credentials_files(Path(conf_source), envs, list(patterns[RUN_CONFIG_KEY]))
        if secrets:
            raise ExportError(
                f"run config: {secrets[0]} matches '{RUN_CONFIG_KEY}' but is a credentials "
                "file, which is never read; rename it or move it out of the airflow-k8s* files"
            )
    globs = ", ".join(patterns[RUN_CONFIG_KEY])
    with _Stage(f"reading the run config ({globs}) of env '{run_env}'"):
        try:
            loaded = config_loader[RUN_CONFIG_KEY]
        except MissingConfigException:
            # The env folder exists (checked before): no file matches, so no run config.
            return None
    where = f"run config ({RUN_CONFIG_KEY}*, env '{run_env}')"
    if not isinstance(loaded, dict) or "run_config" not in loaded:
        raise ExportError(f"{where}: expected a top-level run_config key")
    run_config = loaded["run_config"]
    if not isinstance(run_config, dict):
        raise ExportError(f"{where}: run_config: expected a mapping, got {run_config!r}")
    return _json_ready(run_config, "run_config")


def _bootstrap(project: Path) -> Any:
    """Kedro's bootstrap_project on `project`, with every failure as one ExportError: not a
    folder, not a Kedro project, Kedro not importable by this Python, an import error."""
    if not project.is_dir():
        raise ExportError("not a directory")
    if not (project / "pyproject.toml").is_file():
        raise ExportError("not a Kedro project (no pyproject.toml)")
    with _Stage("importing Kedro"):
        try:
            from kedro.framework.startup import bootstrap_project
        except ImportError as exc:
            raise ExportError(
                f"Kedro is not importable by {sys.executable} ({_describe(exc)}); "
                "run the exporter with the Python that runs the project"
            ) from exc
    with _Stage("reading the project metadata"):
        try:
            return bootstrap_project(project)
        except RuntimeError as exc:  # no [tool.kedro] section, missing keys, ...
            raise ExportError(f"not a Kedro project ({_one_line(str(exc))})") from exc
        except ImportError as exc:
            raise ExportError(f"{_describe(exc)} while importing the project") from exc


def build_manifest(project: Path, env: str | None, pipeline_name: str) -> dict[str, Any]:
    """Imports the project through Kedro and collects the manifest. Raises ExportError."""
    metadata = _bootstrap(project)
    import kedro  # importable: _bootstrap checked it

    warnings: list[str] = []
    with _Stage("importing the project"):
        # The config loader is built the way KedroSession.load_context builds it, but no
        # session or context is made: those run the project's hooks, and hooks often start
        # Spark (Kedro's PySpark starter does so in after_context_created) or reach out to
        # services. The export only reads config and imports code.
        from kedro.framework.project import pipelines, settings, validate_settings

        validate_settings()  # dynaconf would otherwise hide an import error in settings.py
        config_loader = settings.CONFIG_LOADER_CLASS(
            conf_source=str(project / settings.CONF_SOURCE),
            env=env,
            **settings.CONFIG_LOADER_ARGS,
        )
    # The env the catalog is resolved in: the one asked for, else Kedro's default run env.
    # The manifest records only a chosen env (null otherwise): a deployment must not inherit
    # Kedro's developer-local default `local`, which no image or archive ships.
    run_env = (
        getattr(config_loader, "env", None)
        or getattr(config_loader, "default_run_env", None)
        or env
    )

    with _Stage("importing the project's pipelines"):
        known = sorted(pipelines.keys())
    if pipeline_name not in known:
        raise ExportError(
            f"unknown pipeline '{pipeline_name}' (the project has: {', '.join(known)})"
        )
    with _Stage(f"building the pipeline '{pipeline_name}'"):
        pipeline = pipelines[pipeline_name]

    _check_env_folder(config_loader, run_env)
    with _Stage(f"reading the catalog config of env '{run_env}'"):
        catalog_config = config_loader["catalog"]
    with _Stage("resolving the catalog"):
        catalog = CatalogTypes(catalog_config)
    run_config = load_run_config(config_loader, run_env)

    nodes = []
    dataset_names: set[str] = set()
    for node in pipeline.nodes:
        input_types, output_types = node_types(node.name, node.func, warnings)
        nodes.append(
            {
                "name": node.name,
                "func": _function_name(node.func),
                "namespace": node.namespace or None,
                "inputs": list(node.inputs),
                "outputs": list(node.outputs),
                "tags": sorted(node.tags),
                "inputTypes": input_types,
                "outputTypes": output_types,
            }
        )
        dataset_names.update(n for n in (*node.inputs, *node.outputs) if not _is_parameter(n))

    datasets: dict[str, Any] = {}
    for name in sorted(dataset_names):
        with _Stage(f"resolving the catalog entry of dataset '{name}'"):
            entry = catalog.entry(name)
        if entry is not None:
            datasets[name] = dataset_facts(name, entry, warnings)

    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": {
            "name": metadata.project_name,
            "package": metadata.package_name,
            "kedroVersion": kedro.__version__,
        },
        "pipeline": pipeline_name,
        "env": env,
        "nodes": nodes,
        "datasets": datasets,
        "warnings": warnings,
        **({} if run_config is None else {"runConfig": run_config}),
    }


# --------------------------------------------------------------------------------------------
# Several pipelines
# --------------------------------------------------------------------------------------------

MAX_PIPELINE_KEY = 120
_KEY_CHAR = re.compile(r"[a-z0-9_]")


def pipeline_key(name: str) -> str:
    """A pipeline name as a file name part, injective even on case-insensitive file systems.

    `[a-z0-9_]` stays, any other character becomes `.<hex code point>.`, the empty name is
    `.`; a key longer than MAX_PIPELINE_KEY is cut and ends in `-` plus 16 hex digits of
    SHA-256 of the name (no uncut key holds a `-`). The same rule as pipelineKey in
    components/rendering/names.ts, which names the DAG ids.
    """
    if name == "":
        return "."
    key = "".join(ch if _KEY_CHAR.fullmatch(ch) else f".{ord(ch):x}." for ch in name)
    if len(key) <= MAX_PIPELINE_KEY:
        return key
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{key[: MAX_PIPELINE_KEY - 17]}-{digest}"


def registered_pipelines(project: Path) -> list[str]:
    """The project's registered pipeline names, sorted. Raises ExportError."""
    _bootstrap(project)
    with _Stage("importing the project's pipelines"):
        from kedro.framework.project import pipelines

        return sorted(pipelines.keys())


def select_pipelines(spec: str | None, all_pipelines: bool, known: list[str]) -> list[str]:
    """The pipelines `--pipeline A,B` or `--all` names, sorted. Raises ExportError.

    A value that is itself a registered name (commas and all) names that one pipeline.
    """
    if all_pipelines:
        return list(known)
    assert spec is not None
    if spec in known:
        return [spec]
    names = spec.split(",")
    if any(name == "" for name in names):
        raise ExportError(f"--pipeline {spec!r}: an empty pipeline name in the list")
    unknown = sorted({name for name in names if name not in known})
    if unknown:
        listed = ", ".join(f"'{name}'" for name in unknown)
        what = "pipeline" if len(unknown) == 1 else "pipelines"
        raise ExportError(f"unknown {what} {listed} (the project has: {', '.join(known)})")
    return sorted(set(names))


def build_manifests(project: Path, env: str | None, names: list[str]) -> dict[str, str]:
    """The manifest text of every pipeline by file name; all built before any is written."""
    files: dict[str, str] = {}
    for name in names:
        files[f"{pipeline_key(name)}.json"] = render(build_manifest(project, env, name))
    return files


def _stale_manifests(folder: Path, project_name: str, keep: set[str]) -> list[Path]:
    """Manifests of this project in folder from an earlier export that this one does not write."""
    stale = []
    for path in sorted(folder.glob("*.json")):
        if path.name in keep:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            isinstance(data, dict)
            and data.get("schemaVersion") == SCHEMA_VERSION
            and isinstance(data.get("project"), dict)
            and data["project"].get("name") == project_name
        ):
            stale.append(path)
    return stale


def write_manifest_folder(folder: Path, files: dict[str, str]) -> None:
    """Writes each manifest atomically, then removes this project's manifests that are gone,
    so that the folder holds exactly the pipelines of this export (other files stay)."""
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"--out {folder}: expected a folder for several pipelines, found a file")
    folder.mkdir(parents=True, exist_ok=True)
    project_name = json.loads(next(iter(files.values())))["project"]["name"] if files else None
    for name in sorted(files):
        write_atomically(folder / name, files[name])
    if project_name is not None:
        for path in _stale_manifests(folder, project_name, set(files)):
            path.unlink()


def render(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=True) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Writes text to path through a temporary file in the same folder and os.replace."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="kedro_airflow_k8s_export.py",
        description="Write the kedro-airflow-k8s manifest (v1) of a Kedro pipeline as JSON.",
    )
    parser.add_argument("--project", required=True, help="the Kedro project folder")
    parser.add_argument(
        "--env",
        default=None,
        help="Kedro config env (default: KEDRO_ENV, else Kedro's default run env, 'local')",
    )
    parser.add_argument(
        "--pipeline",
        default=None,
        help=f"pipeline name (default {DEFAULT_PIPELINE}), or several as A,B (needs --out DIR)",
    )
    parser.add_argument(
        "--all", action="store_true", help="every registered pipeline (needs --out DIR)"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="manifest file to write (default: stdout); for several pipelines, a folder",
    )
    args = parser.parse_args(argv)
    if args.all and args.pipeline is not None:
        parser.error("give --pipeline or --all, not both")
    return args


def _several(args: argparse.Namespace) -> bool:
    """Whether the command line may name several pipelines (the folder layout)."""
    return bool(args.all) or (args.pipeline is not None and "," in args.pipeline)


def main_several(args: argparse.Namespace, project: Path, env: str | None) -> bool:
    """`--all` or `--pipeline A,B`: one manifest per pipeline into the folder --out. False
    when the value names one registered pipeline (commas and all): the single export runs."""
    known = registered_pipelines(project)
    names = select_pipelines(args.pipeline, args.all, known)
    if not args.all and names == [args.pipeline]:
        return False
    if not args.out:
        raise ExportError("several pipelines need --out DIR (one DIR/<pipeline>.json each)")
    if not names:
        raise ExportError("the project registers no pipeline")
    files = build_manifests(project, env, names)
    for name in names:
        for warning in json.loads(files[f"{pipeline_key(name)}.json"])["warnings"]:
            print(f"{_PROG}: warning: pipeline '{name}': {warning}", file=sys.stderr)
    with _Stage(f"writing the folder {args.out}"):
        write_manifest_folder(Path(args.out), files)
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    project = Path(args.project).expanduser().resolve()
    env = args.env or os.environ.get("KEDRO_ENV") or None

    # Kedro and the project may print or log to stdout (Kedro's rich handler writes there);
    # keep stdout for the manifest alone. Logged INFO chatter and Python warnings raised by
    # the libraries (deprecations and the like) are silenced: the export only inspects.
    # Logged warnings still show on stderr, and so do the export's own warnings.
    real_stdout = sys.stdout
    logging.disable(logging.INFO)
    try:
        with contextlib.redirect_stdout(sys.stderr), pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore")
            if _several(args) and main_several(args, project, env):
                return 0
            manifest = build_manifest(project, env, args.pipeline or DEFAULT_PIPELINE)
            text = render(manifest)
            for warning in manifest["warnings"]:
                print(f"{_PROG}: warning: {warning}", file=sys.stderr)
            if args.out:
                with _Stage(f"writing {args.out}"):
                    write_atomically(Path(args.out), text)
    except ExportError as exc:
        print(f"{_PROG}: {project}: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        logging.disable(logging.NOTSET)
    if not args.out:
        real_stdout.write(text)
        real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
