"""Backfill on Apache Spark: tag, cluster and count articles with the ticai binary.

    spark-submit --master yarn --files target/release/ticai,deploy/spark/series.sql \\
        --archives lexicons.tar.gz#lexicons \\
        deploy/spark/ticai_backfill.py --input s3://bucket/articles/ --out s3://bucket/ticai/ \\
        [--input-format jsonl|parquet] [--lexicon lexicons] [--field text=content ...] \\
        [--driver-ticai PATH --driver-lexicon DIR] \\
        [--tz Asia/Shanghai] [--interval day|week|month] [--since D] [--until D]

Writes under --out:
  documents/   the tagged documents (Parquet, partitioned by `day`): id, url,
               title, text, published_at, source, region as ticai read them,
               `cluster_id`, `lexicon_version`, theme ids, company names, tag
               counts and `tag_json`, the record `ticai tag` prints;
  mentions/    the mentions table of `ticai export mentions` (Parquet,
               partitioned by `bucket_day`), same columns;
  series/      the `ticai trends` rows of every theme and of every company seen,
               computed by deploy/spark/series.sql from mentions/ (Parquet);
  rejects/     input rows that are no document, with the reason (Parquet), and
               the documents without a date ticai reads (tagged, in no bucket).

Each partition's raw records are piped through one `ticai tag --backfill
--format jsonl -` process (stdin and stdout): ticai reads them with its own
field mapping (`--field` is passed on) and answers every line, with a tag
record or an `{"error": ...}` record, so the rows ticai cannot read become
rejects with its reason. A partition whose process fails, or whose output does
not answer its input line for line, raises, and Spark retries the task
(spark.task.maxFailures). A repeated id is one document, the last row with it
(`ticai ingest` upserts); its cluster is that of its first row.

Near-duplicate clusters come from the MinHash signatures and LSH band keys
ticai prints, by the rule `ticai ingest` applies in input order: a document
joins the cluster of the most similar earlier document sharing a band
(estimated Jaccard >= 0.8; the earliest on ties), else starts its own cluster,
named by the first 16 hex digits of the SHA-256 of its id. So the documents,
mentions and series equal those of `ticai ingest` of the same input into an
empty data dir, which deploy/spark/check_backfill.py verifies.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

from pyspark import SparkFiles, StorageLevel
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

KEYS = ("id", "url", "title", "text", "published_at", "time", "source")
# what `ticai tag --backfill` adds to the record `ticai tag` prints
BACKFILL_KEYS = ("url", "source", "text", "region", "published_rfc3339", "lexicon_version",
                 "minhash", "lsh_bands")
NEAR_DUPLICATE = 0.8
# the id ticai gives a record without one: its line, which means nothing here
LINE_ID = re.compile(r"^-:\d+$")
LOCATION = re.compile(r"^-:\d+: ")

TAG = T.StructType(
    [
        T.StructField("key", T.StringType()),
        T.StructField("name", T.StringType()),
        T.StructField("code", T.StringType()),
        T.StructField("mentions", T.LongType()),
        T.StructField("in_title", T.BooleanType()),
    ]
)
# one answered input row: a document, or a reject (reason and raw record)
ANSWER = T.StructType(
    [
        T.StructField("input_row", T.LongType(), False),
        T.StructField("reason", T.StringType()),
        T.StructField("record", T.StringType()),
        T.StructField("id", T.StringType()),
        T.StructField("url", T.StringType()),
        T.StructField("title", T.StringType()),
        T.StructField("text", T.StringType()),
        T.StructField("published_at", T.StringType()),
        T.StructField("source", T.StringType()),
        T.StructField("region", T.StringType()),
        T.StructField("published_rfc3339", T.StringType()),
        T.StructField("lexicon_version", T.StringType()),
        T.StructField("themes", T.ArrayType(T.StringType())),
        T.StructField("companies", T.ArrayType(T.StringType())),
        T.StructField("theme_tags", T.ArrayType(TAG)),
        T.StructField("company_tags", T.ArrayType(TAG)),
        T.StructField("tag_json", T.StringType()),
        T.StructField("minhash", T.ArrayType(T.LongType())),
        T.StructField("lsh_bands", T.ArrayType(T.LongType())),
        T.StructField("date_unread", T.BooleanType()),
    ]
)
DOCUMENT_COLUMNS = [f.name for f in ANSWER.fields if f.name not in ("reason", "record")]


def parse_args(argv):
    p = argparse.ArgumentParser(description="ticai backfill on Spark")
    p.add_argument("--input", required=True, help="JSON Lines or Parquet articles")
    p.add_argument("--input-format", choices=("jsonl", "parquet"), default=None)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--ticai", default=None,
                   help="the ticai binary on the executors (default: the one shipped with "
                        "--files, else ticai on PATH)")
    p.add_argument("--lexicon", default=None,
                   help="lexicon directory on every executor (default: the binary's own lexicon)")
    p.add_argument("--driver-ticai", default=None,
                   help="the ticai binary on the driver (default: --ticai)")
    p.add_argument("--driver-lexicon", default=None,
                   help="the lexicon directory on the driver (default: --lexicon); its version "
                        "must be the executors'")
    p.add_argument("--field", action="append", default=[], metavar="KEY=NAME",
                   help="passed to ticai tag: the input field of KEY (%s), e.g. text=content"
                        % ", ".join(KEYS))
    p.add_argument("--tz", default="Asia/Shanghai", help="time zone of the day buckets")
    p.add_argument("--interval", choices=("day", "week", "month"), default="day")
    p.add_argument("--since", default=None, help="first day of the series (default: the first publication day)")
    p.add_argument("--until", default=None, help="last day of the series (default: the last publication day)")
    p.add_argument("--no-rollup", action="store_true", help="a theme's series counts its own tag only")
    p.add_argument("--ticai-jobs", type=int, default=1, help="threads of each ticai process (spark.task.cpus)")
    p.add_argument("--partitions", type=int, default=None, help="tag in this many partitions")
    args = p.parse_args(argv)
    if args.input_format is None:
        args.input_format = "parquet" if args.input.rstrip("/").endswith(".parquet") else "jsonl"
    return args


def shipped(name):
    """A file shipped with --files, where this process sees it, or None."""
    try:
        path = SparkFiles.get(name)
        return path if os.path.exists(path) else None
    except Exception:  # no SparkContext files
        return None


def lexicon_args(lexicon):
    return ["--lexicon", lexicon] if lexicon else []


def field_args(fields):
    return [x for f in fields for x in ("--field", f)]


def tag_partition(ticai, lexicon, fields, jobs):
    """Pipes one partition of (input_row, raw record) through `ticai tag --backfill`."""

    def run(rows):
        rows = list(rows)
        if not rows:
            return
        binary = ticai or shipped("ticai") or "ticai"
        cmd = [binary, "tag", "--backfill", "--format", "jsonl", "--input-format", "jsonl",
               "--jobs", str(jobs)] + lexicon_args(lexicon) + field_args(fields) + ["-"]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        errors = []

        def feed():
            try:
                for _, raw in rows:
                    proc.stdin.write(raw.encode("utf-8", "replace") + b"\n")
            except (BrokenPipeError, OSError) as e:
                errors.append("writing to ticai: %s" % e)
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        def drain():
            errors.extend(proc.stderr.read().decode("utf-8", "replace").splitlines())

        threads = [threading.Thread(target=feed), threading.Thread(target=drain)]
        for t in threads:
            t.start()
        try:
            out = [json.loads(line) for line in proc.stdout]
            status = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for t in threads:
                t.join()
        # exit 1: some records had problems, each answered by an error record
        if status not in (0, 1) or len(out) != len(rows):
            raise RuntimeError(
                "ticai tag exited %d with %d answers for %d records: %s"
                % (status, len(out), len(rows), " | ".join(errors[-5:])))
        fail_once = os.environ.get("TICAI_BACKFILL_FAIL_ONCE")
        if fail_once:  # for the retry test: each partition's first attempt fails, after ticai ran
            from pyspark import TaskContext
            marker = os.path.join(fail_once, "partition-%d" % TaskContext.get().partitionId())
            if not os.path.exists(marker):
                open(marker, "w").close()
                raise RuntimeError("TICAI_BACKFILL_FAIL_ONCE: first attempt of this partition")
        for (input_row, raw), rec in zip(rows, out):
            yield answer(input_row, raw, rec)

    return run


def reject(input_row, raw, reason, id_=None):
    return (input_row, reason, raw[:2000], id_) + (None,) * (len(ANSWER.fields) - 4)


def answer(input_row, raw, rec):
    if "error" in rec:
        return reject(input_row, raw, LOCATION.sub("", rec["error"]))
    if LINE_ID.match(rec["id"]):
        return reject(input_row, raw, "no id: ticai would name the document by its line")
    tag = {k: v for k, v in rec.items() if k not in BACKFILL_KEYS}
    themes = [(t["id"], t["name"], None, t["mentions"], t["in_title"]) for t in rec["themes"]]
    companies = [(c["name"], c["name"], c.get("code"), c["mentions"], c["in_title"])
                 for c in rec["companies"]]
    return (
        input_row, None, None, rec["id"], rec["url"], rec["title"], rec["text"],
        rec["published_at"], rec["source"], rec["region"],
        rec["published_rfc3339"], rec["lexicon_version"],
        [t[0] for t in themes], [c[0] for c in companies], themes, companies,
        json.dumps(tag, ensure_ascii=False, separators=(",", ":")),
        rec["minhash"], rec["lsh_bands"],
        rec["published_rfc3339"] is None,
    )


def read_input(spark, args):
    """(input_row, raw JSON record) in input order, blank lines left out."""
    if args.input_format == "jsonl":
        lines = spark.sparkContext.textFile(args.input).zipWithIndex()
        return lines.filter(lambda li: li[0].strip()).map(lambda li: (li[1], li[0]))
    df = spark.read.parquet(args.input)
    for c, dtype in df.dtypes:
        if dtype == "timestamp":  # an instant: written with its zone (UTC here)
            df = df.withColumn(c, F.date_format(c, "yyyy-MM-dd'T'HH:mm:ssXXX"))
        elif dtype == "timestamp_ntz":  # a wall-clock time: ticai reads it in its --tz
            df = df.withColumn(c, F.date_format(c, "yyyy-MM-dd HH:mm:ss"))
        elif dtype == "date":
            df = df.withColumn(c, F.date_format(c, "yyyy-MM-dd"))
    return df.rdd.zipWithIndex().map(
        lambda ri: (ri[1], json.dumps(ri[0].asDict(recursive=True), ensure_ascii=False, default=str)))


def clusters(spark, docs):
    """id -> cluster_id, as `ticai ingest` assigns them in input order."""
    bands = docs.select("input_row", F.explode("lsh_bands").alias("band"))
    pairs = (
        bands.alias("a").join(bands.alias("b"), "band")
        .where(F.col("a.input_row") < F.col("b.input_row"))
        .select(F.col("a.input_row").alias("parent"), F.col("b.input_row").alias("child"))
        .distinct()
    )
    sigs = docs.select("input_row", "minhash")
    scored = (
        pairs.join(sigs.withColumnRenamed("input_row", "parent").withColumnRenamed("minhash", "p"), "parent")
        .join(sigs.withColumnRenamed("input_row", "child").withColumnRenamed("minhash", "c"), "child")
        .withColumn("same", F.expr("aggregate(zip_with(p, c, (x, y) -> IF(x = y, 1, 0)), 0, (n, x) -> n + x)"))
        .withColumn("sim", F.col("same").cast("double") / F.size("c").cast("double"))
        .where(F.col("sim") >= F.lit(NEAR_DUPLICATE))
    )
    best = Window.partitionBy("child").orderBy(F.col("sim").desc(), F.col("parent").asc())
    links = (
        scored.withColumn("rank", F.row_number().over(best)).where("rank = 1")
        .select(F.col("child"), F.col("parent").alias("up"))
        .checkpoint()
    )
    # pointer jumping: every parent is an earlier document, so the links are
    # a forest; each round halves the distance to the roots
    while True:
        up = links.select(F.col("child").alias("up"), F.col("up").alias("next"))
        jumped = links.join(up, "up", "left").select(
            "child", F.coalesce("next", "up").alias("up"), F.col("next").isNotNull().alias("moved"))
        jumped = jumped.checkpoint()
        if jumped.where("moved").limit(1).count() == 0:
            break
        links = jumped.select("child", "up")
    named = docs.select(F.col("input_row").alias("child"), "id") \
        .join(links, "child", "left").withColumn("root", F.coalesce("up", "child"))
    ids = docs.select(F.col("input_row").alias("root"), F.col("id").alias("root_id"))
    return named.join(ids, "root").select(
        "id", F.substring(F.sha2(F.col("root_id"), 256), 1, 16).alias("cluster_id"))


def theme_tables(spark, ticai, lexicon):
    """theme_names(id, name) and theme_family(theme, ancestor, own), ancestors
    including the theme itself, from `ticai lexicon themes --format json`."""
    cmd = [ticai, "lexicon", "themes", "--format", "json"] + lexicon_args(lexicon)
    listed = subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8")
    themes = [json.loads(line) for line in listed.splitlines() if line.strip()]
    parent = {t["id"]: t.get("parent") for t in themes}
    names = [(t["id"], t["name_zh"]) for t in themes]
    family = []
    for tid in parent:
        at, seen = tid, set()
        while at is not None and at not in seen:
            seen.add(at)
            family.append((tid, at, at == tid))
            at = parent.get(at)
    spark.createDataFrame(names, "id string, name string").createOrReplaceTempView("theme_names")
    spark.createDataFrame(family, "theme string, ancestor string, own boolean") \
        .createOrReplaceTempView("theme_family")


def driver_probe(ticai, lexicon, fields):
    """The driver's lexicon version; refuses --field values ticai refuses."""
    run = subprocess.run([ticai, "tag", "--backfill"] + lexicon_args(lexicon) + field_args(fields)
                         + ["-"], input=b"\n", capture_output=True)
    if run.returncode == 2:  # 1: the empty input is no document, as expected
        raise SystemExit("ticai_backfill: ticai refuses the arguments: %s"
                         % run.stderr.decode("utf-8", "replace").strip())
    run = subprocess.run([ticai, "tag", "--backfill"] + lexicon_args(lexicon) + ["-"],
                         input=b'{"id": "probe", "text": "probe"}\n', capture_output=True, check=True)
    return json.loads(run.stdout)["lexicon_version"]


def series_sql(args, since, until):
    path = shipped("series.sql") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "series.sql")
    with open(path, encoding="utf-8") as f:
        sql = f.read()
    for name, value in (("interval", args.interval), ("since", since), ("until", until),
                        ("rollup", "false" if args.no_rollup else "true")):
        sql = sql.replace("${%s}" % name, value)
    return sql


class Clock:
    """Wall seconds per phase, for the summary line."""

    def __init__(self):
        self.at = time.time()
        self.laps = {}

    def lap(self, name):
        now = time.time()
        self.laps[name] = round(now - self.at, 1)
        self.at = now


def remove(spark, path):
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(p, True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = (SparkSession.builder.appName("ticai-backfill")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    checkpoints = os.path.join(args.out, "_checkpoints")
    spark.sparkContext.setCheckpointDir(checkpoints)
    driver_ticai = args.driver_ticai or args.ticai or shipped("ticai") or "ticai"
    driver_lexicon = args.driver_lexicon or args.lexicon
    driver_version = driver_probe(driver_ticai, driver_lexicon, args.field)
    clock = Clock()

    raw = read_input(spark, args)
    if args.partitions:
        raw = raw.repartition(args.partitions)
    answered = spark.createDataFrame(
        raw.mapPartitions(tag_partition(args.ticai, args.lexicon, args.field, args.ticai_jobs)), ANSWER)
    # kept on disk as well: a lost executor recomputes its partitions from the input
    answered = answered.persist(StorageLevel.MEMORY_AND_DISK)
    answered.count()
    clock.lap("tag")
    versions = [r[0] for r in answered.where("reason IS NULL").select("lexicon_version").distinct().collect()]
    if any(v != driver_version for v in versions):
        raise SystemExit("ticai_backfill: the executors tagged with lexicon %s, the driver's is %s "
                         "(its theme hierarchy makes the series): give --driver-ticai/--driver-lexicon"
                         % (", ".join(versions), driver_version))

    tagged = answered.where("reason IS NULL").select(*DOCUMENT_COLUMNS)
    # a repeated id is one document: the last row (ingest upserts), clustered
    # where its first row is (ingest keeps the cluster of an id it knows)
    by_id = Window.partitionBy("id")
    tagged = tagged.withColumn("first_row", F.min("input_row").over(by_id)) \
        .withColumn("last_row", F.max("input_row").over(by_id))
    replaced = tagged.where("input_row < last_row").select(
        "input_row", F.format_string("replaced by input row %d, the last with this id (ingest upserts)",
                                     "last_row").alias("reason"),
        F.lit(None).cast("string").alias("record"), "id")
    undated = tagged.where("input_row = last_row AND date_unread").select(
        "input_row", F.lit("no publication date ticai reads (none, or not a date): tagged, "
                           "in no bucket").alias("reason"),
        F.lit(None).cast("string").alias("record"), "id")
    cluster_of = clusters(spark, tagged.where("input_row = first_row"))
    documents = tagged.where("input_row = last_row").drop("first_row", "last_row") \
        .join(cluster_of, "id")
    day = F.date_format(F.from_utc_timestamp(F.to_timestamp("published_rfc3339"), args.tz), "yyyy-MM-dd")
    documents = documents.withColumn("day", day).drop("minhash", "lsh_bands", "date_unread")
    documents_dir = os.path.join(args.out, "documents")
    documents.write.mode("overwrite").partitionBy("day").parquet(documents_dir)
    clock.lap("cluster_and_documents")

    documents = spark.read.parquet(documents_dir)
    base = documents.select(
        F.col("id").alias("doc_id"), F.coalesce("url", F.lit("")).alias("url"),
        F.coalesce("published_rfc3339", F.lit("")).alias("published_at"),
        F.col("day").cast("string").alias("bucket_day"), F.coalesce("source", F.lit("")).alias("source"),
        "cluster_id", "lexicon_version", "theme_tags", "company_tags")
    doc_rows = base.select(
        "doc_id", "url", "published_at", "bucket_day", "source", "cluster_id",
        F.lit("document").alias("kind"), F.lit("").alias("key"), F.lit("").alias("name"),
        F.lit("").alias("code"), F.lit(0).cast("long").alias("mentions"),
        F.lit(False).alias("in_title"), "lexicon_version")

    def tag_rows(column, kind):
        return base.select("*", F.explode(column).alias("t")).select(
            "doc_id", "url", "published_at", "bucket_day", "source", "cluster_id",
            F.lit(kind).alias("kind"), F.col("t.key").alias("key"), F.col("t.name").alias("name"),
            F.coalesce("t.code", F.lit("")).alias("code"), F.col("t.mentions").alias("mentions"),
            F.col("t.in_title").alias("in_title"), "lexicon_version")

    mentions = doc_rows.unionByName(tag_rows("theme_tags", "theme")) \
        .unionByName(tag_rows("company_tags", "company"))
    mentions_dir = os.path.join(args.out, "mentions")
    mentions.write.mode("overwrite").partitionBy("bucket_day").parquet(mentions_dir)
    clock.lap("mentions")

    # bucket_day stays a string, as in `ticai export mentions`
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    spark.read.parquet(mentions_dir).createOrReplaceTempView("mentions")
    theme_tables(spark, driver_ticai, driver_lexicon)
    bounds = spark.sql("SELECT min(bucket_day), max(bucket_day) FROM mentions "
                       "WHERE kind = 'document' AND bucket_day IS NOT NULL").first()
    since = args.since or bounds[0]
    until = args.until or bounds[1]
    series_dir = os.path.join(args.out, "series")
    if since is not None and until is not None:
        spark.sql(series_sql(args, since, until)).write.mode("overwrite").parquet(series_dir)
    else:
        remove(spark, series_dir)  # no dated document: no series, none of an earlier run
    clock.lap("series")

    rejects = answered.where("reason IS NOT NULL").select("input_row", "reason", "record", "id")
    rejects.unionByName(replaced).unionByName(undated) \
        .write.mode("overwrite").parquet(os.path.join(args.out, "rejects"))
    counts = {
        "documents": spark.read.parquet(documents_dir).count(),
        "rejects": spark.read.parquet(os.path.join(args.out, "rejects")).count(),
        "lexicon_version": driver_version,
        "since": since,
        "until": until,
        "seconds": clock.laps,
    }
    answered.unpersist()
    remove(spark, checkpoints)
    print(json.dumps(counts), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
