"""Runs deploy/spark/ticai_backfill.py in local mode and checks it against ticai.

    python deploy/spark/check_backfill.py --ticai target/debug/ticai --input FILE.jsonl \\
        [--field text=content ...] [--expect-rejects FILE.json] [--fail-once] [--work DIR]

Checks, failing with a message on the first difference:
  (a) every tagged document's `tag_json` equals the record `ticai tag` prints
      for it when run directly on the input, document by document;
  (b) the mentions table equals `ticai export mentions` of an index made by
      `ticai ingest` of the same input file, row by row (so the clusters too);
  (c) the Spark SQL series (deploy/spark/series.sql) equal `ticai trends` of
      that index for every theme and every company, by day, week and month, with
      and without rollup, row by row;
  (e) `ticai ingest --tagged` of the job's documents/ gives that mentions
      table again, every document keeping its tags and cluster;
  (d) with --expect-rejects, the rejects are exactly the expected (input
      row, reason prefix) pairs, and every non-blank input line is a document
      or a reject.
With --parquet the job reads the input converted to Parquet (the same rows, in
order). With --fail-once, the first attempt of every tagging task fails, and Spark's
retry must give the same output. Prints the time of the job and of `ticai tag`
alone.
"""

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ticai_backfill  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402


def fail(msg):
    print("check_backfill: FAILED: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def ticai(binary, *args, data=None):
    cmd = [binary, *args] + (["--data-dir", data] if data else [])
    run = subprocess.run(cmd, capture_output=True)
    if run.returncode not in (0, 1):
        fail("%s exited %d: %s" % (" ".join(cmd[:4]), run.returncode, run.stderr.decode()[-2000:]))
    return run.stdout.decode("utf-8")


def session(master):
    return (SparkSession.builder.master(master).appName("ticai-backfill-check")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate())


def trends_rows(text):
    out = {}
    for r in csv.DictReader(io.StringIO(text)):
        out[(r["bucket"], r["kind"], r["key"])] = (
            r["name"], r["code"], int(r["articles"]), int(r["stories"]), int(r["mentions"]),
            int(r["title_articles"]), int(r["total_articles"]), float(r["share"]))
    return out


def spark_series(rows):
    return {(r.bucket, r.kind, r.key): (r.name, r.code, r.articles, r.stories, r.mentions,
                                        r.title_articles, r.total_articles, r.share)
            for r in rows}


def compare(what, ours, theirs):
    if ours == theirs:
        return
    only_ours = sorted(set(ours) - set(theirs))[:5]
    only_theirs = sorted(set(theirs) - set(ours))[:5]
    differ = [(k, ours[k], theirs[k]) for k in sorted(set(ours) & set(theirs)) if ours[k] != theirs[k]][:5]
    fail("%s differ: %d vs %d rows; only Spark: %s; only ticai: %s; different: %s"
         % (what, len(ours), len(theirs), only_ours, only_theirs, differ))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ticai", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--field", action="append", default=[])
    p.add_argument("--expect-rejects", default=None)
    p.add_argument("--fail-once", action="store_true")
    p.add_argument("--work", default=None)
    p.add_argument("--parquet", action="store_true",
                   help="give the job the input as Parquet (converted here, rows in order)")
    p.add_argument("--skip-series", action="store_true", help="check (a), (b), (d) and (e) only")
    args = p.parse_args()
    binary = os.path.abspath(args.ticai)
    work = args.work or tempfile.mkdtemp(prefix="ticai-spark-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = os.path.join(work, "out")
    job = ["--input", args.input, "--out", out, "--ticai", binary]
    for f in args.field:
        job += ["--field", f]

    os.environ["PYSPARK_PYTHON"] = sys.executable
    if args.fail_once:
        marks = os.path.join(work, "fail-once")
        os.makedirs(marks)
        os.environ["TICAI_BACKFILL_FAIL_ONCE"] = marks
    # local[2, 3]: two cores, a task is tried up to three times
    # the job's functions are pickled by reference to its module here
    spark = session("local[2,3]")
    spark.sparkContext.addPyFile(ticai_backfill.__file__)
    if args.parquet:
        converted = os.path.join(work, "input.parquet")
        spark.read.json(args.input).coalesce(1).write.parquet(converted)
        job[1] = converted
        job += ["--input-format", "parquet"]
    started = time.time()
    ticai_backfill.main(job)
    job_s = time.time() - started
    os.environ.pop("TICAI_BACKFILL_FAIL_ONCE", None)
    if args.fail_once and not os.listdir(os.path.join(work, "fail-once")):
        fail("--fail-once: no task failed, so no retry was tested")

    fields = [x for f in args.field for x in ("--field", f)]
    started = time.time()
    direct_out = ticai(binary, "tag", "--jobs", "2", *fields, args.input)
    tag_s = time.time() - started
    direct = {}
    for line in direct_out.splitlines():
        rec = json.loads(line)
        direct[rec["id"]] = rec  # a repeated id: the last row is the document (ingest upserts)
    # a record without an id: ticai names it by its line, the job rejects it
    direct = {i: r for i, r in direct.items() if not i.startswith(args.input + ":")}

    spark = session("local[2]")
    docs = spark.read.parquet(os.path.join(out, "documents")).orderBy("input_row").collect()
    rejects = spark.read.parquet(os.path.join(out, "rejects")).orderBy("input_row").collect()
    print("check_backfill: %d documents, %d rejects; Spark job %.1f s, ticai tag alone %.1f s"
          % (len(docs), len(rejects), job_s, tag_s), flush=True)

    # (a) the tagged documents
    if not docs:
        fail("no documents")
    if sorted(d.id for d in docs) != sorted(direct):
        fail("documents %s, ticai tag %s" % (sorted(d.id for d in docs)[:5], sorted(direct)[:5]))
    for d in docs:
        if json.loads(d.tag_json) != direct[d.id]:
            fail("%s: tag_json differs from ticai tag:\n%s\n%s" % (d.id, d.tag_json, json.dumps(direct[d.id], ensure_ascii=False)))
        if not d.lexicon_version:
            fail("%s: no lexicon_version" % d.id)

    # (d) the rejects
    lines = sum(1 for line in open(args.input, encoding="utf-8") if line.strip())
    undated = [r for r in rejects if r.reason.startswith("no publication date")]
    if len(docs) + len(rejects) - len(undated) != lines:
        fail("%d documents + %d rejects (%d undated, kept) for %d input lines"
             % (len(docs), len(rejects), len(undated), lines))
    if args.expect_rejects:
        with open(args.expect_rejects, encoding="utf-8") as f:
            expected = [(e["input_row"], e["reason"]) for e in json.load(f)]
        got = [(r.input_row, r.reason) for r in rejects]
        if len(got) != len(expected) or any(
                g[0] != e[0] or not g[1].startswith(e[1]) for g, e in zip(got, expected)):
            fail("rejects %s, expected %s" % (got, expected))
    elif rejects:
        fail("unexpected rejects: %s" % [(r.input_row, r.reason) for r in rejects[:5]])

    # an index of the same input, ingested in input order; only the records
    # without an id (which ticai would name by their line) are left out
    data = os.path.join(work, "data")
    no_id = {r.input_row for r in rejects if r.reason.startswith("no id")}
    same_input = args.input
    if no_id:
        same_input = os.path.join(work, "input-with-ids.jsonl")
        with open(args.input, encoding="utf-8") as src, open(same_input, "w", encoding="utf-8") as f:
            f.writelines(line for i, line in enumerate(src) if i not in no_id)
    ticai(binary, "ingest", same_input, *fields, data=data)

    # (b) the mentions
    def norm(r):
        return tuple(str(x) for x in (
            r["doc_id"], r["url"], r["published_at"], r["bucket_day"] or "", r["source"],
            r["cluster_id"], r["kind"], r["key"], r["name"], r["code"], int(r["mentions"]),
            str(r["in_title"]).lower(), r["lexicon_version"]))

    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    mentions = spark.read.parquet(os.path.join(out, "mentions"))
    ours = sorted(norm({**r.asDict(), "bucket_day": None if r.bucket_day == "__HIVE_DEFAULT_PARTITION__" else r.bucket_day})
                  for r in mentions.collect())
    theirs = sorted(norm(r) for r in csv.DictReader(io.StringIO(
        ticai(binary, "export", "mentions", "--format", "csv", "--out", "-", data=data))))
    if ours != theirs:
        diff = sorted(set(ours) ^ set(theirs))[:6]
        fail("mentions differ: %d vs %d rows, e.g. %s" % (len(ours), len(theirs), diff))
    print("check_backfill: mentions equal, %d rows" % len(ours), flush=True)

    # (e) the tagged documents loaded back: same mentions, tags kept, no re-tagging
    loaded = os.path.join(work, "loaded")
    said = ticai(binary, "ingest", "--tagged", os.path.join(out, "documents"), data=loaded)
    if "(%d kept their tags;" % len(docs) not in said:
        fail("ingest --tagged did not keep every document's tags: %s" % said.strip())
    back = sorted(norm(r) for r in csv.DictReader(io.StringIO(
        ticai(binary, "export", "mentions", "--format", "csv", "--out", "-", data=loaded))))
    if back != theirs:
        diff = sorted(set(back) ^ set(theirs))[:6]
        fail("mentions after ingest --tagged differ: %d vs %d rows, e.g. %s" % (len(back), len(theirs), diff))
    print("check_backfill: ingest --tagged of documents/ gives the same mentions (%s)" % said.strip(), flush=True)

    # (c) the series
    if args.skip_series:
        spark.stop()
        print("check_backfill: ok (series not checked)", flush=True)
        return
    mentions.createOrReplaceTempView("mentions")
    ticai_backfill.theme_tables(spark, binary, None)
    themes = [r.id for r in spark.table("theme_names").collect()]
    since, until = spark.sql("SELECT min(bucket_day), max(bucket_day) FROM mentions "
                             "WHERE kind = 'document' AND bucket_day <> '__HIVE_DEFAULT_PARTITION__'").first()
    for interval in ("day", "week", "month"):
        for rollup in (True, False):
            job_args = ticai_backfill.parse_args(
                job + ["--interval", interval] + ([] if rollup else ["--no-rollup"]))
            rows = spark.sql(ticai_backfill.series_sql(job_args, since, until)).collect()
            ours = spark_series(rows)
            companies = sorted({k for (_, kind, k) in ours if kind == "company"})
            cmd = ["trends", "--format", "csv", "--out", "-", "--interval", interval,
                   "--since", since, "--until", until]
            cmd += [x for t in themes for x in ("--theme", t)]
            cmd += [x for c in companies for x in ("--company", c)]
            if not rollup:
                cmd.append("--no-rollup")
            theirs = trends_rows(ticai(binary, *cmd, data=data))
            compare("series (%s%s)" % (interval, "" if rollup else ", no rollup"), ours, theirs)
            if interval == "day" and rollup:
                saved = spark.read.parquet(os.path.join(out, "series")).collect()
                compare("series/ of the job", spark_series(saved), theirs)
            print("check_backfill: series by %s%s equal: %d rows (%d themes, %d companies)"
                  % (interval, "" if rollup else " without rollup", len(ours), len(themes), len(companies)),
                  flush=True)
    spark.stop()
    print("check_backfill: ok", flush=True)


if __name__ == "__main__":
    main()
