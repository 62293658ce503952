"""ticai against the Python pipeline, in one run (issue 12): the same JSONL
file tagged by `ticai tag --format jsonl` (default jobs) and by
bench/python_pipeline.py, then ingested by `ticai ingest` into a fresh data
dir and by the Python pipeline into tantivy-py. Each side runs `--runs`
times, alternating; the best and median MB/s of text are printed with the
ratio of the best rates. ticai's figures are wall time of the whole command
(start-up, reading, lexicon build included), the Python pipeline's are its
timed loop only, so the ratios lean towards Python.

    python bench/compare.py --ticai target/release/ticai FILE.jsonl [--runs 3]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def text_mb(path):
    total = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                v = json.loads(line)
                t = v.get("text") or v.get("content") or ""
                total += len(t.encode("utf-8"))
    return total / 1e6


def timed(cmd, **kw):
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - started


def python_run(path, lexicon, index=None):
    cmd = [sys.executable, os.path.join(HERE, "python_pipeline.py"), path, "--lexicon", lexicon]
    if index:
        cmd += ["--index", index]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["seconds"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--ticai", required=True)
    ap.add_argument("--lexicon", default=os.path.join(HERE, "..", "lexicons"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    mb = text_mb(args.file)
    rows = {"tag": ([], []), "ingest": ([], [])}
    scratch = tempfile.mkdtemp(prefix="ticai-compare-")
    env = dict(os.environ)
    env.pop("TICAI_HOME", None)
    try:
        for _ in range(args.runs):
            rows["tag"][0].append(timed([args.ticai, "tag", "--format", "jsonl", args.file], env=env))
            rows["tag"][1].append(python_run(args.file, args.lexicon))
            data = os.path.join(scratch, "data")
            shutil.rmtree(data, ignore_errors=True)
            rows["ingest"][0].append(timed([args.ticai, "--data-dir", data, "ingest", args.file], env=env))
            pyindex = os.path.join(scratch, "pyindex")
            shutil.rmtree(pyindex, ignore_errors=True)
            rows["ingest"][1].append(python_run(args.file, args.lexicon, pyindex))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"input: {args.file} ({mb:.1f} MB of text), {args.runs} runs each, MB/s best / median")
    print(f"{'stage':<8} {'ticai':>16} {'Python':>16} {'ratio (best)':>13}")
    for stage, (ours, theirs) in rows.items():
        best = lambda xs: mb / min(xs)
        median = lambda xs: mb / statistics.median(xs)
        print(
            f"{stage:<8} {best(ours):>7.1f} / {median(ours):>6.1f} "
            f"{best(theirs):>7.2f} / {median(theirs):>6.2f} {best(ours) / best(theirs):>12.1f}x"
        )


if __name__ == "__main__":
    main()
