"""Backfill on Apache Spark: tag, cluster and count articles with the ticai binary.

    spark-submit --master yarn --files target/release/ticai \\
        deploy/spark/ticai_backfill.py --input s3://bucket/articles/ --out s3://bucket/ticai/ \\
        [--input-format jsonl|parquet] [--lexicon DIR] [--field text=content ...] \\
        [--tz Asia/Shanghai] [--interval day|week|month] [--since D] [--until D]

Writes under --out:
  documents/   the tagged documents (Parquet, partitioned by `day`): the input
               fields, `cluster_id`, `lexicon_version`, theme ids, company names
               and `tag_json`, the record `ticai tag` prints for the document;
  mentions/    the mentions table of `ticai export mentions` (Parquet,
               partitioned by `bucket_day`), same columns;
  series/      the `ticai trends` rows of every theme and of every company seen,
               computed by deploy/spark/series.sql from mentions/ (Parquet);
  rejects/     input rows that were not tagged, and rows whose date ticai could
               not read (tagged, undated), with the reason (Parquet).

Each partition is piped through one `ticai tag --backfill --format jsonl -`
process (stdin and stdout). A partition whose process fails, or whose output
does not answer its input line for line, raises, and Spark retries the task
(spark.task.maxFailures). Near-duplicate clusters are computed from the MinHash
signatures and LSH band keys ticai prints, by the rule `ticai ingest` applies
in input order: a document joins the cluster of the most similar earlier
document sharing a band (estimated Jaccard >= 0.8; the earliest on ties), else
starts its own cluster, named by the first 16 hex digits of the SHA-256 of its
id. So the documents, mentions and series equal those of `ticai ingest` of the
same rows in the same order, which deploy/spark/check_backfill.py verifies.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

from pyspark import SparkFiles
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

KEYS = ("id", "url", "title", "text", "published_at", "source", "region")
# what `ticai tag --backfill` adds to the record `ticai tag` prints
BACKFILL_KEYS = ("url", "source", "published_rfc3339", "lexicon_version", "minhash", "lsh_bands")
NEAR_DUPLICATE = 0.8

TAG = T.StructType(
    [
        T.StructField("key", T.StringType()),
        T.StructField("name", T.StringType()),
        T.StructField("code", T.StringType()),
        T.StructField("mentions", T.LongType()),
        T.StructField("in_title", T.BooleanType()),
    ]
)
TAGGED = T.StructType(
    [
        T.StructField("input_row", T.LongType(), False),
        T.StructField("id", T.StringType(), False),
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
REJECT = T.StructType(
    [
        T.StructField("input_row", T.LongType()),
        T.StructField("id", T.StringType()),
        T.StructField("reason", T.StringType()),
        T.StructField("record", T.StringType()),
    ]
)


def parse_args(argv):
    p = argparse.ArgumentParser(description="ticai backfill on Spark")
    p.add_argument("--input", required=True, help="JSON Lines or Parquet articles")
    p.add_argument("--input-format", choices=("jsonl", "parquet"), default=None)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--ticai", default=None,
                   help="the ticai binary (default: the one shipped with --files, else ticai on PATH)")
    p.add_argument("--lexicon", default=None,
                   help="lexicon directory on every executor (default: the binary's own lexicon)")
    p.add_argument("--field", action="append", default=[], metavar="KEY=NAME",
                   help="input field of KEY (%s), e.g. text=content" % ", ".join(KEYS))
    p.add_argument("--tz", default="Asia/Shanghai", help="time zone of the day buckets")
    p.add_argument("--interval", choices=("day", "week", "month"), default="day")
    p.add_argument("--since", default=None, help="first day of the series (default: the first publication day)")
    p.add_argument("--until", default=None, help="last day of the series (default: the last publication day)")
    p.add_argument("--no-rollup", action="store_true", help="a theme's series counts its own tag only")
    p.add_argument("--ticai-jobs", type=int, default=1, help="threads of each ticai process (spark.task.cpus)")
    p.add_argument("--partitions", type=int, default=None, help="tag in this many partitions")
    args = p.parse_args(argv)
    fields = {}
    for f in args.field:
        key, sep, name = f.partition("=")
        if not sep or key not in KEYS or not name:
            p.error("--field %r: expected KEY=NAME with KEY one of %s" % (f, ", ".join(KEYS)))
        fields[key] = name
    args.fields = {k: fields.get(k, k) for k in KEYS}
    if args.input_format is None:
        args.input_format = "parquet" if args.input.rstrip("/").endswith(".parquet") else "jsonl"
    return args


def ticai_path(explicit):
    if explicit:
        return explicit
    try:
        shipped = SparkFiles.get("ticai")
        if os.path.exists(shipped):
            return shipped
    except Exception:  # no SparkContext files: not shipped
        pass
    return "ticai"


def check_record(ord_, rec, fields):
    """(document dict, None) or (None, reject row) for one input record."""
    raw = None
    if isinstance(rec, str):
        raw = rec
        if not rec.strip():
            return None, None  # a blank line, as ticai skips them
        try:
            rec = json.loads(rec)
        except ValueError as e:
            return None, (ord_, None, "not JSON: %s" % e, raw[:2000])
        if not isinstance(rec, dict):
            return None, (ord_, None, "not a JSON object", raw[:2000])

    def shown():
        return raw[:2000] if raw is not None else json.dumps(rec, ensure_ascii=False, default=str)[:2000]

    doc = {}
    for key in KEYS:
        v = rec.get(fields[key])
        if v is None:
            continue
        if key == "published_at" and isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(int(v)) if float(v).is_integer() else str(v)  # epoch seconds or milliseconds
        if key == "id" and isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str):
            given = rec.get(fields["id"])
            return None, (ord_, given if isinstance(given, str) else None,
                          "%s (%s) is not a string" % (key, fields[key]), shown())
        doc[key] = v
    if not doc.get("id", "").strip():
        doc["id"] = doc.get("url", "")
    if not doc["id"].strip():
        return None, (ord_, None, "no id (%s) and no url" % fields["id"], shown())
    if not doc.get("text", "").strip():
        return None, (ord_, doc["id"], "no text (%s)" % fields["text"], shown())
    return doc, None


def tag_partition(ticai, lexicon, jobs):
    """Pipes one partition of (input_row, doc) through `ticai tag --backfill`."""

    def run(rows):
        rows = list(rows)
        if not rows:
            return
        fail_once = os.environ.get("TICAI_BACKFILL_FAIL_ONCE")
        if fail_once:  # for the retry test: each partition's first attempt fails
            from pyspark import TaskContext
            marker = os.path.join(fail_once, "partition-%d" % TaskContext.get().partitionId())
            if not os.path.exists(marker):
                open(marker, "w").close()
                raise RuntimeError("TICAI_BACKFILL_FAIL_ONCE: first attempt of this partition")
        cmd = [ticai, "tag", "--backfill", "--format", "jsonl", "--input-format", "jsonl",
               "--jobs", str(jobs)]
        if lexicon:
            cmd += ["--lexicon", lexicon]
        cmd.append("-")
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        errors = []

        def feed():
            try:
                for _, doc in rows:
                    line = json.dumps(doc, ensure_ascii=False) + "\n"
                    proc.stdin.write(line.encode("utf-8"))
            except BrokenPipeError:
                pass  # ticai stopped: its exit status says why
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass

        def drain():
            errors.extend(proc.stderr.read().decode("utf-8", "replace").splitlines())

        threads = [threading.Thread(target=feed), threading.Thread(target=drain)]
        for t in threads:
            t.start()
        out = [json.loads(line) for line in proc.stdout]
        for t in threads:
            t.join()
        status = proc.wait()
        # exit 1: some inputs had problems (dates it could not read), all tagged
        if status not in (0, 1) or len(out) != len(rows):
            raise RuntimeError(
                "ticai tag exited %d with %d of %d records: %s"
                % (status, len(out), len(rows), " | ".join(errors[-5:])))
        for (input_row, doc), rec in zip(rows, out):
            if rec.get("id") != doc["id"]:
                raise RuntimeError("ticai tag answered %r for %r" % (rec.get("id"), doc["id"]))
            tag = {k: v for k, v in rec.items() if k not in BACKFILL_KEYS}
            themes = [(t["id"], t["name"], None, t["mentions"], t["in_title"]) for t in rec["themes"]]
            companies = [(c["name"], c["name"], c.get("code"), c["mentions"], c["in_title"])
                         for c in rec["companies"]]
            yield (
                input_row, doc["id"], doc.get("url"), doc.get("title"), doc["text"],
                doc.get("published_at"), doc.get("source"), doc.get("region"),
                rec["published_rfc3339"], rec["lexicon_version"],
                [t[0] for t in themes], [c[0] for c in companies], themes, companies,
                json.dumps(tag, ensure_ascii=False, separators=(",", ":")),
                rec["minhash"], rec["lsh_bands"],
                bool(doc.get("published_at", "").strip()) and rec["published_rfc3339"] is None,
            )

    return run


def read_input(spark, args):
    """(records, rejects) RDDs keyed by input row, in input order."""
    if args.input_format == "jsonl":
        lines = spark.sparkContext.textFile(args.input).zipWithIndex()
        checked = lines.map(lambda li: (li[1],) + check_record(li[1], li[0], args.fields))
    else:
        df = spark.read.parquet(args.input)
        for c, dtype in df.dtypes:
            if dtype.startswith("timestamp"):  # an instant: keep its zone (UTC)
                df = df.withColumn(c, F.date_format(c, "yyyy-MM-dd'T'HH:mm:ssXXX"))
        rows = df.rdd.zipWithIndex()
        checked = rows.map(lambda ri: (ri[1],) + check_record(ri[1], ri[0].asDict(), args.fields))
    checked = checked.cache()
    docs = checked.filter(lambda c: c[1] is not None).map(lambda c: (c[0], c[1]))
    rejects = checked.filter(lambda c: c[2] is not None).map(lambda c: c[2])
    return docs, rejects


def clusters(docs):
    """input_row -> cluster_id, as `ticai ingest` assigns them in input order."""
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
        .localCheckpoint()
    )
    # pointer jumping: every parent is an earlier document, so the links are
    # a forest; each round halves the distance to the roots
    while True:
        up = links.select(F.col("child").alias("up"), F.col("up").alias("next"))
        jumped = links.join(up, "up", "left").select(
            "child", F.coalesce("next", "up").alias("up"), F.col("next").isNotNull().alias("moved"))
        jumped = jumped.localCheckpoint()
        if jumped.where("moved").limit(1).count() == 0:
            break
        links = jumped.select("child", "up")
    roots = docs.select(F.col("input_row").alias("child"), F.col("id"))
    named = roots.join(links, "child", "left").withColumn("root", F.coalesce("up", "child"))
    ids = docs.select(F.col("input_row").alias("root"), F.col("id").alias("root_id"))
    return named.join(ids, "root").select(
        F.col("child").alias("input_row"),
        F.substring(F.sha2(F.col("root_id"), 256), 1, 16).alias("cluster_id"))


def theme_tables(spark, ticai, lexicon):
    """theme_names(id, name) and theme_family(theme, ancestor), ancestors
    including the theme itself, from `ticai lexicon themes --format json`."""
    cmd = [ticai, "lexicon", "themes", "--format", "json"]
    if lexicon:
        cmd += ["--lexicon", lexicon]
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


def series_sql(args, since, until):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "series.sql")
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


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = (SparkSession.builder.appName("ticai-backfill")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    ticai = ticai_path(args.ticai)
    clock = Clock()
    docs_in, rejects = read_input(spark, args)
    if args.partitions:
        docs_in = docs_in.repartition(args.partitions)
    tagged_rdd = docs_in.mapPartitions(tag_partition(ticai, args.lexicon, args.ticai_jobs))
    tagged = spark.createDataFrame(tagged_rdd, TAGGED)
    # a repeated id: the first occurrence is the document, the others rejects
    first = Window.partitionBy("id").orderBy("input_row")
    tagged = tagged.withColumn("nth", F.row_number().over(first)) \
        .withColumn("first_row", F.min("input_row").over(first)).localCheckpoint()
    repeated = tagged.where("nth > 1").select(
        "input_row", "id", F.format_string("repeats the id of input row %d", "first_row").alias("reason"),
        F.lit(None).cast("string").alias("record"))
    undated = tagged.where("nth = 1 AND date_unread").select(
        "input_row", "id",
        F.format_string("published_at is not a date ticai reads: %s; tagged, undated",
                        "published_at").alias("reason"),
        F.lit(None).cast("string").alias("record"))
    tagged = tagged.where("nth = 1").drop("nth", "first_row")
    clock.lap("tag")

    with_clusters = tagged.join(clusters(tagged), "input_row")
    day = F.date_format(F.from_utc_timestamp(F.to_timestamp("published_rfc3339"), args.tz), "yyyy-MM-dd")
    documents = with_clusters.withColumn("day", day).drop("minhash", "lsh_bands", "date_unread") \
        .localCheckpoint()
    documents.write.mode("overwrite").partitionBy("day").parquet(os.path.join(args.out, "documents"))
    clock.lap("cluster_and_documents")

    base = documents.select(
        F.col("id").alias("doc_id"), F.coalesce("url", F.lit("")).alias("url"),
        F.coalesce("published_rfc3339", F.lit("")).alias("published_at"),
        F.col("day").alias("bucket_day"), F.coalesce("source", F.lit("")).alias("source"),
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
    theme_tables(spark, ticai, args.lexicon)
    bounds = spark.sql("SELECT min(bucket_day), max(bucket_day) FROM mentions "
                       "WHERE kind = 'document' AND bucket_day IS NOT NULL").first()
    since = args.since or bounds[0]
    until = args.until or bounds[1]
    if since is not None and until is not None:
        series = spark.sql(series_sql(args, since, until))
        series.write.mode("overwrite").parquet(os.path.join(args.out, "series"))
    clock.lap("series")

    checked_rejects = spark.createDataFrame(rejects, REJECT)
    checked_rejects.unionByName(repeated).unionByName(undated) \
        .write.mode("overwrite").parquet(os.path.join(args.out, "rejects"))
    counts = {
        "documents": spark.read.parquet(os.path.join(args.out, "documents")).count(),
        "rejects": spark.read.parquet(os.path.join(args.out, "rejects")).count(),
        "since": since,
        "until": until,
        "seconds": clock.laps,
    }
    print(json.dumps(counts), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
