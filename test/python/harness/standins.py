"""Local stand-ins for the operators a generated DAG uses, for the isolated-deployment harness.

Each stand-in replaces one operator's ``execute`` and does what the real operator would do with
its *rendered* fields, and nothing more, on this machine:

- ``KubernetesPodOperator``: runs ``cmds + arguments`` with the pod's env (the kubelet's
  ``$(VAR)`` expansion and downward-API fields included) in a fresh sandbox holding only the
  image: the project as a clean checkout gives it, plus the runner script baked in. A
  ``spark-submit`` with a ``k8s://`` master runs with ``--master local[2]``; in cluster mode it
  exits 0 whatever the driver did, as Spark 3.x does on Kubernetes (SPARK-26365).
- ``DataprocCreateClusterOperator``: a fresh cluster folder with its own virtualenv, where the
  init actions run for real with bash (the archive and scripts come from the bucket through a
  ``gcloud`` stand-in); an existing cluster of that name is reused, as Dataproc does.
- ``DataprocSubmitJobOperator``: ``spark-submit --master local[2]`` of the job's main file on
  that cluster; ``DataprocDeleteClusterOperator`` removes the folder.
- ``DataprocCreateBatchOperator``: the main file in a fresh image sandbox with no init script;
  a batch id that already exists is re-attached (its old result returned), as Dataproc does.

Nothing is shared between tasks but the bucket folder (``gs://b/x`` is ``<bucket root>/b/x``).
Processes get a minimal environment: the image's or cluster's PATH, Java, and the variables the
operator sets, plus the harness's one mapping of the data root onto the bucket folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Local Spark settings for tiny data in a short-lived JVM (results do not depend on them): two
# shuffle partitions, no UI, and a driver JVM that JIT-compiles with C1 only and collects with
# one GC thread, which saves most of the JIT's CPU on a run of a few seconds (HotSpot's
# -XX:TieredStopAtLevel and -XX:+UseSerialGC; local mode runs the executors in that JVM).
SPARK_TUNING = (
    "spark.sql.shuffle.partitions=2",
    "spark.ui.enabled=false",
    "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
)
LOCAL_MASTER = "local[2]"
TASK_TIMEOUT = 600


class TaskFailed(Exception):
    """What the real operator raises when its pod, job or batch fails."""


@dataclass
class Deployment:
    """Where the harness keeps the bucket, the image and the fake Dataproc service's state."""

    work: Path
    bucket_root: Path
    image_venv: Path
    image_source: Path
    package: str
    data_env: dict[str, str]
    clusters: dict[str, Path] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, Any] = field(default_factory=dict)
    _serial: int = 0

    def sandbox(self, kind: str, name: str) -> Path:
        self._serial += 1
        path = self.work / "sandboxes" / f"{self._serial:03d}-{kind}-{_safe(name)}"
        path.mkdir(parents=True)
        return path

    def gcs_path(self, uri: str) -> Path:
        match = re.fullmatch(r"gs://([^/]+)/(.+)", uri)
        if not match:
            raise TaskFailed(f"not a gs:// object URI: {uri!r}")
        return self.bucket_root / match.group(1) / match.group(2)

    def fetch(self, uri: str, dest: Path) -> Path:
        source = self.gcs_path(uri)
        if not source.is_file():
            raise TaskFailed(f"{uri}: no such object in the bucket")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return dest

    def install_image(self, root: Path) -> Path:
        """The image's file system under root: the project at /opt/<package>."""
        home = root / "opt" / self.package
        shutil.copytree(self.image_source, home)
        return home

    def base_env(self, home: Path, path_dirs: list[Path]) -> dict[str, str]:
        env = {
            "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DO_NOT_TRACK": "1",
            "KEDRO_DISABLE_TELEMETRY": "1",
            "SPARK_LOCAL_IP": "127.0.0.1",
        }
        if os.environ.get("JAVA_HOME"):
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        env.update(self.data_env)
        return env

    def run(self, what: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> int:
        """Runs one process of a task; its output goes to a log file named in self.log."""
        log_file = self.work / "logs" / f"{len(self.log):03d}-{_safe(what)}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with log_file.open("w") as out:
            proc = subprocess.run(
                cmd,
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=TASK_TIMEOUT,
                check=False,
            )
        self.log.append({"what": what, "cmd": cmd, "cwd": str(cwd), "code": proc.returncode})
        self.log[-1].update(log=str(log_file), seconds=round(time.monotonic() - started, 1))
        return proc.returncode

    def tail(self) -> str:
        last = self.log[-1]
        text = Path(last["log"]).read_text(errors="replace")
        return f"{last['what']} exited {last['code']}; last lines of {last['log']}:\n{text[-3000:]}"

    def events(self, what_prefix: str) -> list[dict[str, Any]]:
        return [e for e in self.log if e["what"].startswith(what_prefix)]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:60]


def expand_k8s_vars(text: str, env: dict[str, str]) -> str:
    """The kubelet's rule for command and args: $(VAR) is the container's VAR when defined,
    $$ is a literal $, and a reference to an undefined variable stays as written."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", one, text)


def pod_env(operator: Any, pod_name: str) -> dict[str, str]:
    """The container env of a rendered pod operator: values, and downward-API fields."""
    fields = {"status.podIP": "127.0.0.1", "metadata.name": pod_name}
    env: dict[str, str] = {}
    raw = operator.env_vars or []
    items = raw.items() if isinstance(raw, dict) else [(v.name, v) for v in raw]
    for name, var in items:
        if isinstance(var, str):
            env[name] = var
        elif getattr(var, "value_from", None) is not None:
            env[name] = fields[var.value_from.field_ref.field_path]
        else:
            env[name] = var.value or ""
    return env


def spark_submit_locally(dep: Deployment, args: list[str], image_root: Path) -> tuple[list, bool]:
    """spark-submit's arguments as a local run: the k8s master becomes local[2], local:// paths
    point into the image. Returns the command and whether it was cluster mode."""
    out, cluster_mode, i = [], False, 0
    while i < len(args):
        arg = args[i]
        if arg == "--master":
            assert args[i + 1].startswith("k8s://"), args[i + 1]
            out += ["--master", LOCAL_MASTER]
            i += 2
            continue
        if arg == "--deploy-mode":
            cluster_mode = args[i + 1] == "cluster"
            out += ["--deploy-mode", "client"]  # local masters run the driver here
            i += 2
            continue
        if arg.startswith("local://"):
            arg = str(image_root / arg[len("local://") :].lstrip("/"))
        out.append(arg)
        i += 1
    tuning = [part for conf in SPARK_TUNING for part in ("--conf", conf)]
    return [str(dep.image_venv / "bin" / "spark-submit"), *tuning, *out], cluster_mode


def local_spark_submit(
    dep: Deployment,
    main: Path,
    conf: list[str] | None = None,
    extra: list[str] | None = None,
    args: list[str] | None = None,
) -> list[str]:
    """spark-submit of a PySpark main file in local mode, as Dataproc runs a job's main file
    (`extra` options go before the main file; a job's or batch's `args` follow it, as Dataproc
    passes them)."""
    confs = [part for c in (*SPARK_TUNING, *(conf or [])) for part in ("--conf", c)]
    return [
        str(dep.image_venv / "bin" / "spark-submit"),
        "--master",
        LOCAL_MASTER,
        *confs,
        *(extra or []),
        str(main),
        *(args or []),
    ]


def batch_files(dep: Deployment, pyspark: dict, dest: Path) -> list[str]:
    """A batch's python_file_uris and file_uris, fetched from the bucket, as spark-submit's
    --py-files (put on the driver's and executors' Python path) and --files (SparkFiles)."""
    out = []
    for key, flag in (("python_file_uris", "--py-files"), ("file_uris", "--files")):
        uris = pyspark.get(key) or []
        if uris:
            local = [str(dep.fetch(u, dest / key / u.rsplit("/", 1)[-1])) for u in uris]
            out += [flag, ",".join(local)]
    return out


# ---------------------------------------------------------------------------------------------
# The stand-ins, one per operator. `self` is the operator, its templated fields rendered.


def pod_execute(dep: Deployment):
    def execute(self, context, **_safeguard):  # Airflow 2 passes a <Class>__sentinel kwarg
        before_try(dep, self.task_id, context)
        root = dep.sandbox("pod", self.task_id)
        home = dep.install_image(root)
        env = dep.base_env(root / "root", [dep.image_venv / "bin"])
        env.update(pod_env(self, f"{self.task_id}-pod"))
        cmd = [expand_k8s_vars(part, env) for part in [*self.cmds, *self.arguments]]
        cluster_mode = False
        if cmd[0] == "spark-submit":
            cmd, cluster_mode = spark_submit_locally(dep, cmd[1:], root)
            env["PYSPARK_PYTHON"] = str(dep.image_venv / "bin" / "python")
        elif cmd[0] == "kedro":
            cmd[0] = str(dep.image_venv / "bin" / "kedro")
        code = dep.run(f"pod:{self.task_id}", cmd, home, env)
        if code != 0 and cluster_mode:
            # SPARK-26365: in cluster mode on Kubernetes, spark-submit reports success when the
            # driver pod fails, so the pod, and the task, end green.
            dep.log[-1]["reported"] = 0
            return None
        if code != 0:
            raise TaskFailed(f"pod {self.task_id} failed: {dep.tail()}")
        return None

    return execute


def create_cluster_execute(dep: Deployment):
    def execute(self, context, **_safeguard):  # Airflow 2 passes a <Class>__sentinel kwarg
        before_try(dep, self.task_id, context)
        name = self.cluster_name
        assert re.fullmatch(r"[a-z][a-z0-9-]{0,50}", name) and not name.endswith("-"), name
        if name in dep.clusters:  # Dataproc's create operator reuses a cluster of that name
            dep.log.append({"what": f"cluster-reused:{name}", "code": 0})
            return None
        root = dep.sandbox("cluster", name)
        venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TASK_TIMEOUT)
        # The cluster's Python comes with Spark and Kedro's dependencies, as a Dataproc image
        # comes with PySpark: the image venv's packages are visible, the project is not.
        site = next((venv / "lib").glob("python3*/site-packages"))
        image_site = next((dep.image_venv / "lib").glob("python3*/site-packages"))
        (site / "_image_packages.pth").write_text(f"{image_site}\n")
        fake_bin = root / "fake-bin"
        fake_bin.mkdir()
        gcloud = fake_bin / "gcloud"
        gcloud.write_text(GCLOUD_STAND_IN.format(bucket=dep.bucket_root))
        gcloud.chmod(0o755)
        env = dep.base_env(root / "root", [fake_bin, venv / "bin"])
        env["PROJECT_HOME"] = str(root / "opt" / dep.package)
        env["PYTHON"] = str(venv / "bin" / "python")
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        for action in self.cluster_config.get("initialization_actions", []):
            script = dep.fetch(action["executable_file"], root / "init" / "action.sh")
            code = dep.run(f"init:{name}", ["bash", str(script)], root, env)
            if code != 0:
                shutil.rmtree(root)
                raise TaskFailed(f"cluster {name}: init action failed: {dep.tail()}")
        dep.clusters[name] = root
        dep.log.append({"what": f"cluster-created:{name}", "code": 0})
        return None

    return execute


def submit_job_execute(dep: Deployment):
    def execute(self, context, **_safeguard):  # Airflow 2 passes a <Class>__sentinel kwarg
        before_try(dep, self.task_id, context)
        job = self.job
        name = job["placement"]["cluster_name"]
        root = dep.clusters.get(name)
        if root is None:
            raise TaskFailed(f"job {self.task_id}: cluster {name} does not exist")
        pyspark = job["pyspark_job"]
        work = root / "jobs" / f"{self.task_id}-{len(dep.log)}"
        main = dep.fetch(pyspark["main_python_file_uri"], work / "main.py")
        env = dep.base_env(root / "root", [root / "venv" / "bin"])
        env["PROJECT_HOME"] = str(root / "opt" / dep.package)
        env["PYSPARK_PYTHON"] = env["PYSPARK_DRIVER_PYTHON"] = str(root / "venv" / "bin" / "python")
        properties = [f"{k}={v}" for k, v in pyspark.get("properties", {}).items()]
        cmd = local_spark_submit(dep, main, properties, args=list(pyspark.get("args", [])))
        if dep.run(f"job:{self.task_id}", cmd, work, env) != 0:
            raise TaskFailed(f"Dataproc job {self.task_id} failed: {dep.tail()}")
        return None

    return execute


def delete_cluster_execute(dep: Deployment):
    def execute(self, context, **_safeguard):  # Airflow 2 passes a <Class>__sentinel kwarg
        name = self.cluster_name
        root = dep.clusters.pop(name, None)
        if root is not None:
            shutil.rmtree(root)
        dep.log.append({"what": f"cluster-deleted:{name}", "code": 0, "existed": root is not None})
        return None

    return execute


def batch_execute(dep: Deployment):
    def execute(self, context, **_safeguard):  # Airflow 2 passes a <Class>__sentinel kwarg
        before_try(dep, self.task_id, context)
        batch_id = self.batch_id
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{2,61}[a-z0-9]", batch_id), batch_id
        if batch_id in dep.batches:
            # Dataproc re-attaches to an existing batch id: nothing runs again.
            code = dep.batches[batch_id]
            dep.log.append({"what": f"batch-reattached:{batch_id}", "code": code})
            if code != 0:
                raise TaskFailed(f"batch {batch_id} (re-attached) had failed")
            return None
        root = dep.sandbox("batch", batch_id)
        home = dep.install_image(root)
        batch = self.batch
        assert batch["runtime_config"]["container_image"], "batches need a container image"
        main = dep.fetch(batch["pyspark_batch"]["main_python_file_uri"], root / "main.py")
        env = dep.base_env(root / "root", [dep.image_venv / "bin"])
        if not batch["pyspark_batch"].get("python_file_uris"):
            env["PROJECT_HOME"] = str(home)  # the image's project; else the batch brings it
        env["PYSPARK_PYTHON"] = str(dep.image_venv / "bin" / "python")
        extra = batch_files(dep, batch["pyspark_batch"], root / "files")
        cmd = local_spark_submit(
            dep, main, extra=extra, args=list(batch["pyspark_batch"].get("args", []))
        )
        code = dep.run(f"batch:{self.task_id}:{batch_id}", cmd, root, env)
        dep.batches[batch_id] = code
        if code != 0:
            raise TaskFailed(f"batch {batch_id} failed: {dep.tail()}")
        return None

    return execute


def before_try(dep: Deployment, task_id: str, context: Any) -> None:
    """Fault injection: a scenario may change the bucket or the project before a given try."""
    hook = dep.faults.get("before_try")
    if hook is not None:
        hook(task_id, int(context["ti"].try_number))


GCLOUD_STAND_IN = """#!/usr/bin/env bash
# gcloud stand-in: `gcloud storage cp gs://bucket/object DEST` copies from the bucket folder.
set -euo pipefail
[ "$1" = storage ] && [ "$2" = cp ] || {{ echo "gcloud stand-in: unsupported: $*" >&2; exit 2; }}
src="$3"; dest="$4"
case "$src" in gs://*) ;; *) echo "gcloud stand-in: not a gs:// URI: $src" >&2; exit 2;; esac
cp "{bucket}/${{src#gs://}}" "$dest"
"""


def install(dep: Deployment) -> list[tuple[type, str, Any]]:
    """Patches every operator class's execute; returns what to restore."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from airflow.providers.google.cloud.operators import dataproc

    patches = [
        (KubernetesPodOperator, pod_execute(dep)),
        (dataproc.DataprocCreateClusterOperator, create_cluster_execute(dep)),
        (dataproc.DataprocSubmitJobOperator, submit_job_execute(dep)),
        (dataproc.DataprocDeleteClusterOperator, delete_cluster_execute(dep)),
        (dataproc.DataprocCreateBatchOperator, batch_execute(dep)),
    ]
    saved = [(cls, "execute", cls.__dict__["execute"]) for cls, _ in patches]
    for cls, stand_in in patches:
        cls.execute = stand_in
    return saved


def uninstall(saved: list[tuple[type, str, Any]]) -> None:
    for cls, name, original in saved:
        setattr(cls, name, original)


def dump(dep: Deployment) -> str:
    return json.dumps(dep.log, indent=1, default=str)
