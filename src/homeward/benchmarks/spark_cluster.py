"""A Spark standalone cluster on this machine: one master and two workers, for the benchmark.

    with local_standalone() as cluster:
        os.environ["HOMEWARD_SPARK_MASTER"] = cluster.master_url
        os.environ["HOMEWARD_SPARK_CHECKPOINT_DIR"] = cluster.shared_dir
        ...

The daemons are started from the pyspark package's own launcher (`bin/spark-class`, which
execs the JVM, so the process we start is the JVM): `deploy.master.Master` and two
`deploy.worker.Worker`, every one bound to 127.0.0.1, each worker offering 1 core and a
modest memory share (the machine is shared). Each daemon is started in a process group of
its own; a worker's executors are its children and inherit that group, so stopping means
SIGTERM to each group we started, then SIGKILL to whatever is left after a grace period.
Stopping happens on leaving the `with` block however it is left (an error, Ctrl-C, a
SIGTERM to this process), and an atexit hook covers a process that exits some other way.

The workers and the driver (the linkage process) see one file system, so a temporary
directory here plays the part of the shared storage a real cluster needs for Splink's
checkpoints (`shared_dir`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"


@dataclass
class Cluster:
    master_url: str
    master_ui: str
    shared_dir: str
    log_dir: str
    workers: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    def alive_workers(self) -> int:
        return _alive_workers(self.master_ui)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]


def spark_home() -> str:
    import pyspark

    return os.path.dirname(pyspark.__file__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _alive_workers(master_ui: str) -> int:
    try:
        with urllib.request.urlopen(f"{master_ui}/json/", timeout=2) as response:
            state = json.load(response)
    except OSError:
        return 0
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


def _start(cls: str, args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [os.path.join(spark_home(), "bin", "spark-class"), cls, *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # A group of its own: the worker's executors join it, so one signal reaches all.
            start_new_session=True,
        )


def _stop(processes: list[subprocess.Popen], grace: float = 15.0) -> None:
    # Workers first (their executors with them), then the master.
    for p in reversed(processes):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in reversed(processes):
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
    for p in processes:
        # The group may outlive its leader (an executor still shutting down).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=5)


@contextlib.contextmanager
def local_standalone(
    *,
    workers: int = 2,
    worker_cores: int = 1,
    worker_memory: str | None = None,
    start_timeout: float = 120.0,
    say=print,
) -> Iterator[Cluster]:
    """Start a master and `workers` workers on 127.0.0.1, wait until all are registered,
    yield the cluster, and stop every JVM on the way out."""
    worker_memory = worker_memory or os.environ.get("HOMEWARD_SPARK_WORKER_MEMORY", "3g")
    root = tempfile.mkdtemp(prefix="hw-spark-cluster-")
    log_dir = os.path.join(root, "logs")
    shared = os.path.join(root, "shared")
    os.makedirs(log_dir)
    os.makedirs(shared)
    env = {
        **os.environ,
        "SPARK_HOME": spark_home(),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOG_DIR": log_dir,
        # Executors run this interpreter should any Python run on them.
        "PYSPARK_PYTHON": sys.executable,
        # Daemons have small heaps: they only schedule; executors get their own.
        "SPARK_DAEMON_MEMORY": "512m",
    }
    port, ui_port = _free_port(), _free_port()
    cluster = Cluster(
        master_url=f"spark://{HOST}:{port}",
        master_ui=f"http://{HOST}:{ui_port}",
        shared_dir=shared,
        log_dir=log_dir,
        workers=workers,
    )
    processes = cluster.processes
    hook = lambda: _stop(processes)  # noqa: E731 - the atexit hook for a process that never leaves the block
    atexit.register(hook)
    # The daemons have sessions of their own, so a SIGTERM to this process (`timeout`, a
    # supervisor) would not reach them, and Python's default is to die without running
    # `finally`: turn it into SystemExit so the block below stops them.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started = time.perf_counter()
    try:
        processes.append(
            _start(
                "org.apache.spark.deploy.master.Master",
                ["--host", HOST, "--port", str(port), "--webui-port", str(ui_port)],
                env=env,
                log=Path(log_dir, "master.log"),
            )
        )
        for i in range(workers):
            work_dir = os.path.join(root, f"worker-{i + 1}")
            os.makedirs(work_dir)
            processes.append(
                _start(
                    "org.apache.spark.deploy.worker.Worker",
                    [
                        "--host",
                        HOST,
                        "--cores",
                        str(worker_cores),
                        "--memory",
                        worker_memory,
                        "--webui-port",
                        str(_free_port()),
                        "--work-dir",
                        work_dir,
                        cluster.master_url,
                    ],
                    env={**env, "SPARK_LOCAL_DIRS": os.path.join(work_dir, "tmp")},
                    log=Path(log_dir, f"worker-{i + 1}.log"),
                )
            )
        deadline = time.monotonic() + start_timeout
        while (alive := cluster.alive_workers()) < workers:
            dead = [p for p in processes if p.poll() is not None]
            if dead:
                raise RuntimeError(f"a Spark daemon exited while starting; logs in {log_dir}:\n{_tail(log_dir)}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{alive} of {workers} Spark workers registered in {start_timeout:.0f} s; logs in {log_dir}"
                )
            time.sleep(0.5)
        say(
            f"Spark standalone cluster: master {cluster.master_url}, {workers} workers x {worker_cores} core, "
            f"{worker_memory} each, registered in {time.perf_counter() - started:.1f} s"
        )
        yield cluster
    finally:
        _stop(processes)
        atexit.unregister(hook)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        left = [p.pid for p in processes if p.poll() is None]
        if left:  # pragma: no cover - _stop SIGKILLs; this would be a kernel-level oddity
            say(f"Spark daemons still running: {left}")
        shutil.rmtree(root, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _tail(log_dir: str, lines: int = 20) -> str:
    out = []
    for path in sorted(Path(log_dir).glob("*.log")):
        text = path.read_text(errors="replace").splitlines()[-lines:]
        out.append(f"--- {path.name}\n" + "\n".join(text))
    return "\n".join(out)
