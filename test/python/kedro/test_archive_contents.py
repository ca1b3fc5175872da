"""The project archive, judged by real Kedro.

A Kedro project with the names the archive once got wrong (code in `data/` and `build/`
packages, credentials as JSON, in a `credentials/` folder and nested, dotenv files, a nested
virtualenv, a .gitignore that would drop code) is archived by the compiled TypeScript
(`dist/components/resources/archive.js`, built by `npm ci`) and unpacked with `tarfile`. Then:
Kedro's own OmegaConfigLoader finds the credentials in the source project and none in the
unpacked one, while the rest of the configuration is all there; and every module of the package
imports from the unpacked `src/`, as on a Dataproc cluster.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import REPO, subprocess_env, write_project
from kedro.config import MissingConfigException, OmegaConfigLoader

ARCHIVE_JS = REPO / "dist" / "components" / "resources" / "archive.js"
PACKAGE = "archive_probe"
MARKER = "MARKER-ARCHIVE-SECRET"

CODE = {
    "data/__init__.py": "ROLE = 'data'\n",
    "data/loaders.py": "def load():\n    return 'loaded'\n",
    "build/__init__.py": "",
    "build/x.py": "from archive_probe.data.loaders import load\n\nVALUE = load()\n",
    "pipelines/__init__.py": "",
    "pipelines/build/__init__.py": "",
    "pipelines/build/nodes.py": "from archive_probe.build.x import VALUE\n",
    "logs.py": "LEVEL = 'INFO'\n",
    "credentials.py": "# code named like a secret, outside conf/: shipped\nNAME = 'creds'\n",
}
# Kedro loads every one of these as credentials (top-level key per file, all distinct).
CREDENTIALS = {
    "conf/base/credentials.yml": f"base_db:\n  password: {MARKER}-1\n",
    "conf/base/nested/credentials_extra.yaml": f"nested_api:\n  token: {MARKER}-2\n",
    "conf/prod/credentials.json": json.dumps({"prod_json": {"key": f"{MARKER}-3"}}),
    "conf/prod/credentials/db.yml": f"prod_db:\n  password: {MARKER}-4\n",
}
OTHER_SECRETS = {
    "conf/local/credentials.yml": f"local_cred: {MARKER}-5\n",
    "conf/local/x.yml": f"local_only: {MARKER}-6\n",
    ".env": f"API_KEY={MARKER}-7\n",
    ".env.prod": f"API_KEY={MARKER}-8\n",
    "src/.env.local": f"API_KEY={MARKER}-9\n",
}
CONFIG = {
    "conf/base/nested/parameters_extra.yml": "nested_param: 1\n",
    "conf/prod/parameters.yml": "prod_param: 2\n",
}
NOT_CODE = {
    "data/01_raw/x.csv": "a,b\n1,2\n",
    "tools/venv2/pyvenv.cfg": "home = /usr/bin\n",
    "tools/venv2/lib/python3.11/site-packages/stray.py": "",
    "tools/helper.py": "",
    # What git would leave out here; the archive does not read it.
    ".gitignore": f"src/{PACKAGE}/data/\nsrc/{PACKAGE}/build/\nbuild/\nconf/\n",
}
SHIPPED = sorted(
    [
        ".gitignore",
        "conf/base/catalog.yml",
        "conf/base/nested/parameters_extra.yml",
        "conf/base/parameters.yml",
        "conf/prod/parameters.yml",
        "pyproject.toml",
        "tools/helper.py",
        f"src/{PACKAGE}/__init__.py",
        f"src/{PACKAGE}/settings.py",
        *(f"src/{PACKAGE}/{name}" for name in CODE),
    ]
)


def module_name(file: str) -> str:
    """`data/__init__.py` is `archive_probe.data`; `build/x.py` is `archive_probe.build.x`."""
    dotted = file.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return f"{PACKAGE}.{dotted}"


MODULES = sorted([PACKAGE, f"{PACKAGE}.settings", *(module_name(f) for f in CODE)])


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> tuple[Path, Path]:
    """(the source project, the archive of it unpacked) for this module's tests."""
    base = tmp_path_factory.mktemp("archive")
    source = write_project(base / "source", PACKAGE, CODE)
    for rel, text in {**CREDENTIALS, **OTHER_SECRETS, **CONFIG, **NOT_CODE}.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(text)

    node = shutil.which("node")
    assert node, "node is not on PATH"
    assert ARCHIVE_JS.is_file(), f"{ARCHIVE_JS} is missing: run `npm ci` (it builds dist/) first"
    archive = base / "project.tar.gz"
    build = (
        "const [, js, project, out] = process.argv; const a = require(js);"
        "require('fs').writeFileSync(out, a.buildArchive(a.projectEntries(project)));"
    )
    done = subprocess.run(
        [node, "-e", build, str(ARCHIVE_JS), str(source), str(archive)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    unpacked = base / "unpacked"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(unpacked, filter="data")
    return source, unpacked


def kedro_config(conf: Path, env: str, key: str) -> dict:
    """What Kedro's OmegaConfigLoader loads for `key` in `env` (merged over base)."""
    assert (conf / env).is_dir(), f"{conf / env} is missing: Kedro would find nothing at all"
    loader = OmegaConfigLoader(str(conf), env=env, base_env="base", default_run_env="base")
    try:
        return loader[key]
    except MissingConfigException:
        # Raised when no file in base or the env matches the key's patterns.
        return {}


@pytest.mark.parametrize(
    ("env", "credential_keys", "parameter_keys"),
    [
        ("base", {"base_db", "nested_api"}, {"nested_param"}),
        ("prod", {"base_db", "nested_api", "prod_json", "prod_db"}, {"nested_param", "prod_param"}),
    ],
)
def test_kedro_finds_credentials_in_the_project_and_none_in_its_archive(
    projects, env: str, credential_keys: set[str], parameter_keys: set[str]
):
    source, unpacked = projects
    # The source project's credentials are all real to Kedro, so the check below can fail.
    assert set(kedro_config(source / "conf", env, "credentials")) == credential_keys
    assert kedro_config(unpacked / "conf", env, "credentials") == {}
    # The rest of the configuration made it: Kedro reads the same parameters from both.
    assert set(kedro_config(source / "conf", env, "parameters")) == parameter_keys
    assert kedro_config(unpacked / "conf", env, "parameters") == kedro_config(
        source / "conf", env, "parameters"
    )


def test_the_archive_holds_exactly_the_code_and_config(projects):
    _, unpacked = projects
    files = sorted(p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file())
    assert files == SHIPPED


def test_no_secret_is_anywhere_in_the_unpacked_archive(projects):
    _, unpacked = projects
    files = [p for p in unpacked.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert MARKER.encode() not in path.read_bytes(), path


def walk_modules(src: Path, cwd: Path) -> dict[str, str]:
    """Imports every module of the package found under `src` in a fresh interpreter."""
    program = "\n".join(
        [
            "import importlib, json, pkgutil, sys",
            f"import {PACKAGE} as pkg",
            "def fail(name):",
            "    raise ImportError(name)",
            f"found = pkgutil.walk_packages(pkg.__path__, '{PACKAGE}.', onerror=fail)",
            f"names = ['{PACKAGE}', *(m.name for m in found)]",
            "print(json.dumps({n: importlib.import_module(n).__file__ for n in names}))",
        ]
    )
    cwd.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=subprocess_env(PYTHONPATH=str(src)),
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_module_of_the_package_imports_from_the_archive(projects, tmp_path: Path):
    source, unpacked = projects
    from_source = walk_modules(source / "src", tmp_path / "cwd")
    from_archive = walk_modules(unpacked / "src", tmp_path / "cwd")
    assert sorted(from_source) == MODULES
    assert sorted(from_archive) == MODULES
    for name, file in from_archive.items():
        assert Path(file).resolve().is_relative_to((unpacked / "src").resolve()), name
    for shipped in ("data", "data.loaders", "build", "build.x", "pipelines.build.nodes"):
        assert f"{PACKAGE}.{shipped}" in from_archive
