"""The Spark backend of the linkage engine: a local Spark session and Spark SQL for the model.

The engine (homeward.linkage.engine) is one model with two backends. Records are always
prepared by DuckDB (plain SQL over Arrow, the same tables, keys and hashes either way);
with the Spark backend the prepared tables are handed to Spark as DataFrames (via Arrow)
and Splink trains and predicts on Spark. This module supplies the pieces that differ:

- `session()`: one local Spark session per process (local[*], modest driver memory, no UI,
  bound to 127.0.0.1, Splink's similarity UDF jar on the class path), created on first use
  and reused by every model in the process;
- `to_spark_sql()`: the comparison levels and blocking rules are written in DuckDB SQL;
  sqlglot (which Splink depends on) transpiles them, and the few functions that do not
  transpile to what Spark has are rewritten here (to the UDFs Splink's jar registers);
- `spark_settings()`: a DuckDB settings dict with every SQL condition in Spark SQL.

Settings: HOMEWARD_SPARK_MASTER (default local[*]), HOMEWARD_SPARK_DRIVER_MEMORY (default
2g), HOMEWARD_SPARK_SHUFFLE_PARTITIONS (default 4 per core, at least 8).

On a cluster (HOMEWARD_SPARK_MASTER a spark:// URL) the linkage process is the driver and
the work runs on executors, so:

- HOMEWARD_SPARK_CHECKPOINT_DIR is required: Splink writes its intermediate tables there
  as parquet, executors write them and the driver and other executors read them back, so it
  must be storage every node sees at the same path (NFS, or an hdfs:// / s3a:// URL the
  executors can reach). In local mode it defaults to a temporary directory. The session
  writes under a directory of its own there and deletes it when it stops (at exit too):
  it holds the prepared records, children's names and dates of birth;
- HOMEWARD_SPARK_EXECUTOR_MEMORY (default 2g) and HOMEWARD_SPARK_EXECUTOR_CORES (default:
  all a worker offers) size the executors;
- HOMEWARD_SPARK_DRIVER_HOST (default 127.0.0.1 when the master is on 127.0.0.1 or
  localhost, otherwise Spark's own choice) is the address executors connect back to;
- Splink's UDF jar goes to the executors through spark.jars (the driver serves it);
  executors need Java 17 and nothing else of Homeward's.

benchmarks/spark_cluster.py starts a standalone master and two workers on this machine,
which `homeward bench linkage --backend spark --cluster local-standalone` runs on.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
import threading
from typing import Any

import sqlglot
from sqlglot import exp

# List-valued columns of the prepared records (DuckDB len() on them is Spark size()).
ARRAY_COLUMNS: frozenset[str] = frozenset({"siblings"})

_lock = threading.Lock()
_session: Any = None
_work_dir: str | None = None


def available() -> bool:
    """Whether pyspark is installed (the `spark` extra) and a Java runtime is on the path."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    java_home = os.environ.get("JAVA_HOME")
    return bool((java_home and os.path.exists(os.path.join(java_home, "bin", "java"))) or shutil.which("java"))


def session() -> Any:
    """The process's local Spark session (created on first call, then reused)."""
    global _session, _work_dir
    with _lock:
        if _session is not None and _session.sparkContext._jsc is not None:
            return _session
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - the message is the point
            raise RuntimeError("the Spark linkage backend needs pyspark: pip install 'homeward[spark]'") from exc
        from splink.backends.spark import similarity_jar_location

        master = os.environ.get("HOMEWARD_SPARK_MASTER", "local[*]")
        local = master.startswith("local")
        checkpoints = os.environ.get("HOMEWARD_SPARK_CHECKPOINT_DIR")
        if not local and not checkpoints:
            raise RuntimeError(
                f"HOMEWARD_SPARK_MASTER is {master}: set HOMEWARD_SPARK_CHECKPOINT_DIR to a directory "
                "every executor and the driver see at the same path (Splink's intermediate tables)"
            )
        driver_host = os.environ.get("HOMEWARD_SPARK_DRIVER_HOST") or (
            "127.0.0.1" if local or _on_loopback(master) else None
        )
        if driver_host == "127.0.0.1":
            # No network: the driver binds to loopback and nothing is fetched (the jar
            # is Splink's own file; no spark.jars.packages).
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        _work_dir = tempfile.mkdtemp(prefix="hw-spark-")
        atexit.register(shutil.rmtree, _work_dir, True)
        cores = os.cpu_count() or 2
        partitions = os.environ.get("HOMEWARD_SPARK_SHUFFLE_PARTITIONS") or str(max(8, 4 * cores))
        builder = (
            SparkSession.builder.master(master)
            .appName("homeward-linkage")
            .config("spark.driver.memory", os.environ.get("HOMEWARD_SPARK_DRIVER_MEMORY", "2g"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.log.level", "ERROR")
            # Shipped to the executors by the driver (a cluster's executors have no Splink).
            .config("spark.jars", similarity_jar_location())
            .config("spark.sql.warehouse.dir", os.path.join(_work_dir, "warehouse"))
            # A local run has a few cores: Spark's default of 200 shuffle partitions
            # would spend more time scheduling tiny tasks than comparing records.
            .config("spark.sql.shuffle.partitions", partitions)
            .config("spark.default.parallelism", partitions)
            .config("spark.sql.session.timeZone", "UTC")
        )
        if local:
            # Executors' scratch space is the worker's own (SPARK_LOCAL_DIRS) on a cluster.
            builder = builder.config("spark.local.dir", os.path.join(_work_dir, "local"))
        else:
            builder = builder.config("spark.executor.memory", os.environ.get("HOMEWARD_SPARK_EXECUTOR_MEMORY", "2g"))
            if os.environ.get("HOMEWARD_SPARK_EXECUTOR_CORES"):
                builder = builder.config("spark.executor.cores", os.environ["HOMEWARD_SPARK_EXECUTOR_CORES"])
        if driver_host:
            builder = builder.config("spark.driver.host", driver_host)
            if driver_host == "127.0.0.1":
                builder = builder.config("spark.driver.bindAddress", "127.0.0.1")
        _session = builder.getOrCreate()
        # Splink breaks lineage by writing intermediate tables as parquet here.
        _session.sparkContext.setCheckpointDir(checkpoints or os.path.join(_work_dir, "checkpoints"))
        # Registered after the session's JVM (pyspark's own exit handler), so run before it is gone.
        atexit.register(stop)
        return _session


def _on_loopback(master: str) -> bool:
    """Whether a spark:// master URL names this machine's loopback address."""
    hosts = master.removeprefix("spark://").split(",")
    return all(h.rsplit(":", 1)[0] in ("127.0.0.1", "localhost") for h in hosts)


def _checkpoint_uri() -> str | None:
    """This session's directory under the checkpoint directory, as Spark names it (file:, hdfs:, ...)."""
    if _session is None:
        return None
    found = _session.sparkContext._jsc.sc().getCheckpointDir()
    return str(found.get()).rstrip("/") if found.isDefined() else None


def checkpoint_dir() -> str | None:
    """Where Splink writes its intermediate parquet tables (None before `session()`).

    Spark puts a directory of its own under the one given to setCheckpointDir: this session's,
    which holds everything it wrote there (the published records too).
    """
    path = _checkpoint_uri()
    return path[len("file:") :] if path and path.startswith("file:") else path


def stop() -> None:
    """Stop the session (the next `session()` starts a new one), first deleting what it wrote to
    the checkpoint directory: the prepared records (names, dates of birth, postcodes) and Splink's
    tables of them, which on a cluster sit on storage other machines share. Called at exit too."""
    global _session
    with _lock:
        if _session is None or _session.sparkContext._jsc is None:
            _session = None
            return
        written = _checkpoint_uri()
        try:
            if written:
                _delete(written)
        finally:
            _session.stop()
            _session = None


def _delete(uri: str) -> None:
    """Delete a directory tree where Spark keeps it (a local path, NFS, hdfs://, s3a://), through the
    session's Hadoop file system: the driver's own file functions see only its local disks."""
    jvm = _session.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    path.getFileSystem(_session.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


def new_db_api() -> Any:
    """A Splink SparkAPI on the shared session (Splink registers its UDFs from the jar)."""
    from splink import SparkAPI

    return SparkAPI(
        spark_session=session(),
        num_partitions_on_repartition=max(2, int(session().conf.get("spark.sql.shuffle.partitions")) // 2),
    )


def _rewrite(node: exp.Expression) -> exp.Expression:
    """DuckDB functions that sqlglot does not map onto what Spark (with Splink's jar) has."""
    if isinstance(node, exp.JarowinklerSimilarity):
        # DuckDB jaro_winkler_similarity -> the jar's jaro_winkler (commons-text).
        return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
    if isinstance(node, exp.ArrayOverlaps):
        # sqlglot writes list_has_any as `a && b`, which Spark SQL does not parse.
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    if isinstance(node, exp.Split):
        delimiter = node.expression
        if (
            isinstance(delimiter, exp.Literal)
            and delimiter.is_string
            and all(ch.isalnum() or ch in " -_|,;" for ch in delimiter.this)
        ):
            # DuckDB splits on a string, Spark on a regex; a delimiter with no regex
            # metacharacter means the same to both (sqlglot would wrap it in \Q...\E).
            return exp.Anonymous(this="split", expressions=[node.this, delimiter])
    if isinstance(node, exp.Length) and _is_array(node.this):
        # DuckDB len() counts a list's elements too; Spark's length() is for strings.
        return exp.ArraySize(this=node.this)
    return node


def _is_array(node: exp.Expression) -> bool:
    if isinstance(node, (exp.ArrayFilter, exp.Array, exp.Split)):
        return True
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("split", "filter"):
        return True
    if isinstance(node, exp.Column):
        name = node.name
        for suffix in ("_l", "_r"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        return name in ARRAY_COLUMNS
    return False


def to_spark_sql(sql: str) -> str:
    """One SQL condition (comparison level or blocking rule) from DuckDB to Spark SQL."""
    if sql.strip().upper() == "ELSE":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    # transform() does not descend into a node it has just replaced, so repeat until
    # nothing changes (nested rewrites: a split inside list_has_any).
    out = tree.sql(dialect="spark")
    for _ in range(10):
        tree = tree.transform(_rewrite)
        again = tree.sql(dialect="spark")
        if again == out:
            break
        out = again
    return out


def spark_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of the engine's (DuckDB) settings with every SQL condition in Spark SQL.

    Comparison levels, their labels, m/u starting values and term-frequency columns are
    untouched: only the SQL text changes dialect.
    """
    out = copy.deepcopy(settings)
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = to_spark_sql(level["sql_condition"])
    out["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": to_spark_sql(rule["blocking_rule"]), "sql_dialect": "spark"}
        for rule in out["blocking_rules_to_generate_predictions"]
    ]
    out["sql_dialect"] = "spark"
    return out


def publish(*, con: Any, tables: list[str]) -> None:
    """Hand prepared DuckDB tables to Spark as temp views of the same names (via Arrow).

    Preparation stays in DuckDB: it is one linear pass of DuckDB-specific SQL (accents,
    lambdas over lists, the 64-bit blocking-key hashes) that takes seconds at a million
    records, and keeping it there means both backends compare exactly the same prepared
    values and blocking keys. What Spark is for, the pairwise work (blocking, scoring,
    EM, term frequencies), then runs on Spark.

    Each table is written once as parquet beside Splink's own intermediate tables (the
    checkpoint directory, storage every executor shares) and read from there. A DataFrame made
    from Arrow is a relation held in the driver, whose rows Spark's optimiser copied again for
    every query over it: on a standalone cluster at 100,000 records the 2 GB driver ran out of
    heap while blocking.
    """
    spark = session()
    base = _checkpoint_uri()
    for name in tables:
        path = f"{base}/published/{name}"
        frame = spark.createDataFrame(con.table(name).to_arrow_table())
        frame.write.mode("overwrite").parquet(path)
        spark.read.schema(frame.schema).parquet(path).createOrReplaceTempView(name)  # no job to read the schema


def pairs_with_record_ids(*, scored: Any, prepared: list[str], threshold: float) -> Any:
    """Spark predictions as the engine's output table: id_l, id_r, match_probability,
    match_weight, best first (the same columns, types and order as the DuckDB path)."""
    import pyarrow as pa

    spark = session()
    left, right = prepared[0], prepared[-1]
    if len(prepared) == 1:  # dedupe: put the smaller record id on the left
        ids = "least(l.record_id, r.record_id) AS id_l, greatest(l.record_id, r.record_id) AS id_r"
    else:
        ids = "l.record_id AS id_l, r.record_id AS id_r"
    # The join runs in Spark: only the pairs at or above the threshold reach the driver.
    frame = spark.sql(
        f"""
        SELECT {ids},
               CAST(s.match_probability AS DOUBLE) AS match_probability,
               CAST(s.match_weight AS DOUBLE) AS match_weight
        FROM {scored.physical_name} s
        JOIN {left} l ON l.unique_id = s.unique_id_l
        JOIN {right} r ON r.unique_id = s.unique_id_r
        WHERE s.match_probability >= {float(threshold)!r}
        ORDER BY match_probability DESC, id_l, id_r
        """
    )
    table = frame.toArrow()
    scored.drop_table_from_database_and_remove_from_cache()
    written = _checkpoint_uri()
    if written:
        _delete(f"{written}/{scored.physical_name}")
    schema = pa.schema(
        [
            ("id_l", pa.string()),
            ("id_r", pa.string()),
            ("match_probability", pa.float64()),
            ("match_weight", pa.float64()),
        ]
    )
    return table.select(schema.names).cast(schema)


def score_pair(*, model: Any, left: tuple[str, str], right: tuple[str, str]) -> dict:
    """Score one (table, record id) x (table, record id) pair with the model on Spark."""
    from pyspark.sql.functions import col

    spark = session()
    frames = []
    for table, record_id in (left, right):
        one = spark.table(table).where(col("record_id") == record_id)
        frames.append(model.db_api.register(one))
    scored = model.linker.inference.score_pair(frames[0], frames[1])
    rows = scored.as_record_list()
    if not rows:
        raise KeyError(f"could not score pair {left[1]!r}, {right[1]!r}")
    return rows[0]
