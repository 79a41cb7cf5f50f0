"""The Spark backend pointed at a standalone cluster needs storage every executor shares.

The cluster itself (a master and two workers started here, the same model on it, every JVM stopped
after) is shown by `homeward bench linkage --cluster local-standalone`, which prints its F1 beside
DuckDB's: as a test it took 185 s on an idle machine and many minutes beside the suite's Spark tests,
so it is not in the suite (issue 10's time).
"""

import pytest

from homeward.linkage import spark as spark_backend
from tests.support import require


def test_a_cluster_without_a_shared_checkpoint_directory_is_refused(monkeypatch):
    require(spark_backend.available(), "pyspark (the spark extra) and a Java runtime")
    spark_backend.stop()
    monkeypatch.setenv("HOMEWARD_SPARK_MASTER", "spark://127.0.0.1:7077")
    monkeypatch.delenv("HOMEWARD_SPARK_CHECKPOINT_DIR", raising=False)
    with pytest.raises(RuntimeError, match="HOMEWARD_SPARK_CHECKPOINT_DIR"):
        spark_backend.session()
