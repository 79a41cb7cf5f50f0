"""The Spark backend on a real (standalone) cluster: a master and two workers started here.

The same small list is linked on a local Spark session and on the cluster, and the pairs
compared with the tolerances of tests/linkage/test_spark.py (Spark against Spark could be
closer, but the sampling for u is by partition and the cluster partitions differently).
Then no JVM of the cluster may be left: not the daemons, not the executors.
"""

import os

import pytest

from homeward.benchmarks.linkage_persons import _tree
from homeward.benchmarks.spark_cluster import local_standalone
from homeward.linkage import engine
from homeward.linkage import spark as spark_backend
from homeward.linkage.persons import generate_person_pairs
from tests.linkage.test_spark import THRESHOLD, _assert_nearly_same
from tests.support import require


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_cluster_without_a_shared_checkpoint_directory_is_refused(monkeypatch):
    require(spark_backend.available(), "pyspark (the spark extra) and a Java runtime")
    spark_backend.stop()
    monkeypatch.setenv("HOMEWARD_SPARK_MASTER", "spark://127.0.0.1:7077")
    monkeypatch.delenv("HOMEWARD_SPARK_CHECKPOINT_DIR", raising=False)
    with pytest.raises(RuntimeError, match="HOMEWARD_SPARK_CHECKPOINT_DIR"):
        spark_backend.session()


@pytest.mark.slow  # three JVMs started and a Spark application on them: minutes
def test_linkage_on_a_standalone_cluster_matches_a_local_session(monkeypatch):
    require(spark_backend.available(), "pyspark (the spark extra) and a Java runtime")
    records, _ = generate_person_pairs(n_records=2_000, seed=3)

    spark_backend.stop()
    monkeypatch.delenv("HOMEWARD_SPARK_MASTER", raising=False)
    monkeypatch.delenv("HOMEWARD_SPARK_CHECKPOINT_DIR", raising=False)
    local_model = engine.train(records=records, backend="spark")
    assert spark_backend.session().sparkContext.master.startswith("local")
    on_local = engine.predict(model=local_model, threshold=THRESHOLD)
    spark_backend.stop()

    executors: set[int] = set()
    try:
        with local_standalone(say=lambda line: None) as cluster:
            daemons = cluster.pids()
            assert cluster.alive_workers() == 2
            monkeypatch.setenv("HOMEWARD_SPARK_MASTER", cluster.master_url)
            monkeypatch.setenv("HOMEWARD_SPARK_CHECKPOINT_DIR", cluster.shared_dir)
            cluster_model = engine.train(records=records, backend="spark")
            context = spark_backend.session().sparkContext
            assert context.master == cluster.master_url
            # The driver and one executor per worker: the work ran on the workers.
            assert context._jsc.sc().getExecutorMemoryStatus().size() == 3
            # Splink's checkpoints went to the shared directory.
            assert spark_backend.checkpoint_dir().startswith(cluster.shared_dir)
            on_cluster = engine.predict(model=cluster_model, threshold=THRESHOLD)
            executors = {pid for worker in daemons[1:] for pid in _tree(worker)} - set(daemons)
            assert len(executors) >= 2  # each worker launched an executor JVM
            spark_backend.stop()
    finally:
        spark_backend.stop()

    both, _ = _assert_nearly_same(on_local, on_cluster)
    assert both > 500
    left = [pid for pid in (*daemons, *executors) if _alive(pid)]
    assert not left, f"Spark JVMs left running: {left}"
    assert not os.path.exists(cluster.shared_dir)
