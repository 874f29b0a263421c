"""A PySpark job (local[2]) decides MTSamples with mapInArrow calling
decide_arrow, and its records equal the CLI's records for the same rows."""

import json
import os
import sys

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import necessity
from conftest import run_cli


@pytest.fixture(scope="module")
def spark():
    # The executors' Python is this one, where the wheel is installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("necessity-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


def comparable(record):
    """A record without what only the container decides: a CSV row's byte
    size and format (Spark hands over the text, not the row), and the
    message of an `empty` record, which names the CSV row."""
    record = json.loads(json.dumps(record))
    record["source"].pop("bytes")
    record["source"].pop("format")
    if record["error"]:
        record["error"].pop("message")
    return record


def test_spark_map_in_arrow_gives_the_clis_records(spark, cli, mtsamples):
    notes = (
        spark.read.option("header", True)
        .option("multiLine", True)
        .option("escape", '"')
        .csv(str(mtsamples))
        # The CLI's id for a CSV row: file name, '#', the id column.
        .select(
            F.concat(F.lit(mtsamples.name + "#"), F.col("note_id")).alias("id"),
            F.coalesce(F.col("transcription"), F.lit("")).alias("text"),
        )
        .repartition(4)
    )

    def decide_partitions(batches):
        """Runs on the executors, one engine per task. Defined here so that
        Spark ships the function itself, not a reference to this test module."""
        import necessity

        engine = necessity.Engine(threads=1)
        for batch in batches:
            yield engine.decide_arrow(batch, text_column="text", id_column="id")

    decided = notes.mapInArrow(decide_partitions, necessity.SPARK_SCHEMA)
    rows = decided.select("id", "determination", "record").collect()
    expected = {record["id"]: record for record in run_cli(cli, mtsamples)}
    assert len(rows) == len(expected) == 4999
    found = {row["id"]: json.loads(row["record"]) for row in rows}
    assert found.keys() == expected.keys()
    differing = [id for id in expected if comparable(found[id]) != comparable(expected[id])]
    assert differing == [], f"{len(differing)} records differ, first {differing[:5]}"
    for row in rows:
        assert row["determination"] == expected[row["id"]]["determination"]
    decided_ok = [r for r in expected.values() if r["status"] == "ok"]
    assert len(decided_ok) > 4900
    assert all(found[r["id"]]["source"]["sha256"] == r["source"]["sha256"] for r in decided_ok)
