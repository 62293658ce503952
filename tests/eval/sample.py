#!/usr/bin/env python3
"""Stratified sample and label check for the theme-tagging dev set.

Reproduces the selection of items in ``themes.labels.jsonl`` from the shared
corpus plus one run of the tagger, and validates the labels file.
Standard library only; every random choice is seeded.

Tagger run (done once, from any directory; the binary was a copy of the
``ticai`` binary at commit 21f5313 of branch eval-labels, using the lexicon
compiled into it):

    /tmp/ticai-label tag --format jsonl /work/shared/corpus/flash/eastmoney.jsonl > /tmp/em.tags.jsonl
    /tmp/ticai-label tag --format jsonl /work/shared/corpus/flash/ths.jsonl       > /tmp/ths.tags.jsonl
    /tmp/ticai-label tag --format jsonl /work/shared/corpus/articles/articles.jsonl > /tmp/articles.tags.jsonl

Usage:

    # print the selection (source, id, stratum, split) as JSON lines
    python3 sample.py select /tmp/em.tags.jsonl /tmp/ths.tags.jsonl /tmp/articles.tags.jsonl > /tmp/selection.jsonl

    # write the texts of the selection to a scratch file for labelling: no tagger
    # output and no stratum in it, items shuffled within each source
    python3 sample.py texts /tmp/selection.jsonl > /tmp/label_texts.txt

    # validate themes.labels.jsonl (theme ids, document ids, fields, order) and
    # print counts; with tag files, also checks that the labelled items are
    # exactly the selection
    python3 sample.py --check [/tmp/em.tags.jsonl /tmp/ths.tags.jsonl /tmp/articles.tags.jsonl]

Selection rule:

* An item is eligible when its body (``content`` for flash, ``text`` for
  articles), stripped, has at least 30 characters.
* Stratum ``hit``: the tagger reports at least one of the 23 CORE themes for
  the item; ``nohit``: it reports none of them (it may report other themes).
* Per source, QUOTA[source] items are drawn from each stratum, uniformly at
  random (``random.Random(f"{SEED}:{source}:{stratum}").sample`` over the
  eligible ids in file order): 84+84 eastmoney, 73+73 ths, 53+53 articles =
  420 items, 50% hit, 40% / 35% / 25% by source.
* Split: within each source x stratum cell the drawn items are shuffled
  (``random.Random(f"{SEED}:split:{source}:{stratum}")``) and the first
  ceil(n/2) go to ``dev``, the rest to ``test``.
"""

import glob
import json
import os
import random
import sys
import tomllib

SEED = 20260519
MIN_CHARS = 30

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
LABELS = os.path.join(HERE, "themes.labels.jsonl")
THEMES_DIR = os.path.join(REPO, "lexicons", "themes")

SOURCES = {
    "eastmoney": "/work/shared/corpus/flash/eastmoney.jsonl",
    "ths": "/work/shared/corpus/flash/ths.jsonl",
    "articles": "/work/shared/corpus/articles/articles.jsonl",
}
ORDER = ["eastmoney", "ths", "articles"]
QUOTA = {"eastmoney": 84, "ths": 73, "articles": 53}  # per stratum

CORE = [
    "de-nvidia", "supernode", "wanka-cluster", "compute-leasing",
    "compute-scheduling", "optical-interconnect", "copper-interconnect", "pcb",
    "liquid-cooling", "memory-chips", "asic", "domestic-ai-chips",
    "export-controls", "ai-inference", "data-center", "ai-corpus", "llm",
    "ai-applications", "ai-server", "cloud-computing", "server-power",
    "low-altitude", "robotics",
]


def doc_id(source, doc):
    return doc["link"] if source == "articles" else str(doc["id"])


def body(source, doc):
    return (doc.get("text") if source == "articles" else doc.get("content")) or ""


def load_docs(source):
    docs = {}
    with open(SOURCES[source], encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs.setdefault(doc_id(source, d), d)
    return docs


def load_tags(path):
    tags = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            tags[str(t["id"])] = {th["id"] for th in t.get("themes", [])}
    return tags


def select(tag_paths):
    core = set(CORE)
    out = []
    for source, path in zip(ORDER, tag_paths):
        docs = load_docs(source)
        tags = load_tags(path)
        missing = [i for i in docs if i not in tags]
        if missing:
            sys.exit(f"{path}: {len(missing)} {source} ids have no tag line (wrong file order?)")
        strata = {"hit": [], "nohit": []}
        for i, d in docs.items():  # file order
            if len(body(source, d).strip()) < MIN_CHARS:
                continue
            strata["hit" if tags[i] & core else "nohit"].append(i)
        for stratum in ("hit", "nohit"):
            picked = random.Random(f"{SEED}:{source}:{stratum}").sample(
                strata[stratum], QUOTA[source])
            order = picked[:]
            random.Random(f"{SEED}:split:{source}:{stratum}").shuffle(order)
            ndev = (len(order) + 1) // 2
            for k, i in enumerate(order):
                out.append({"source": source, "id": i, "stratum": stratum,
                            "split": "dev" if k < ndev else "test"})
    out.sort(key=lambda r: (ORDER.index(r["source"]), r["id"]))
    return out


def texts(selection_path, max_chars=2500):
    rows = [json.loads(l) for l in open(selection_path, encoding="utf-8")]
    for source in ORDER:
        docs = load_docs(source)
        mine = [r["id"] for r in rows if r["source"] == source]
        random.Random(f"{SEED}:texts:{source}").shuffle(mine)
        for i in mine:
            d = docs[i]
            b = body(source, d).strip()
            print(f"=== {source} | {i}")
            print(f"T: {d.get('title', '')}")
            print(b[:max_chars])
            if len(b) > max_chars:
                print(f"[... {len(b) - max_chars} more chars]")
            print()


def theme_ids():
    ids = set()
    for path in glob.glob(os.path.join(THEMES_DIR, "*.toml")):
        with open(path, "rb") as f:
            for t in tomllib.load(f).get("theme", []):
                ids.add(t["id"])
    return ids


def check(tag_paths):
    known = theme_ids()
    errors = []
    rows = []
    with open(LABELS, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                errors.append(f"line {n}: invalid JSON ({e})")
    docs = {s: load_docs(s) for s in ORDER}
    seen = set()
    fields = {"source", "id", "split", "stratum", "themes", "note"}
    for n, r in rows:
        extra = set(r) - fields
        if extra:
            errors.append(f"line {n}: unknown fields {sorted(extra)}")
        s = r.get("source")
        if s not in docs:
            errors.append(f"line {n}: bad source {s!r}")
            continue
        if r.get("id") not in docs[s]:
            errors.append(f"line {n}: id {r.get('id')!r} not in {SOURCES[s]}")
        if (s, r.get("id")) in seen:
            errors.append(f"line {n}: duplicate item")
        seen.add((s, r.get("id")))
        if r.get("split") not in ("dev", "test"):
            errors.append(f"line {n}: bad split {r.get('split')!r}")
        if r.get("stratum") not in ("hit", "nohit"):
            errors.append(f"line {n}: bad stratum {r.get('stratum')!r}")
        th = r.get("themes")
        if not isinstance(th, list) or len(set(th)) != len(th):
            errors.append(f"line {n}: themes must be a list without repeats")
        else:
            for t in th:
                if t not in known:
                    errors.append(f"line {n}: unknown theme id {t!r}")
        if not isinstance(r.get("note", ""), str):
            errors.append(f"line {n}: note must be a string")
    keys = [(ORDER.index(r["source"]), r["id"]) for _, r in rows if r.get("source") in docs]
    if keys != sorted(keys):
        errors.append("lines are not sorted by source then id")
    if len(rows) < 420:
        errors.append(f"only {len(rows)} lines (need >= 420)")
    if tag_paths:
        want = {(r["source"], r["id"]): r for r in select(tag_paths)}
        have = {(r["source"], r["id"]): r for _, r in rows}
        if set(want) != set(have):
            errors.append(f"labelled items differ from the selection: "
                          f"{len(set(want) - set(have))} missing, {len(set(have) - set(want))} extra")
        for k in set(want) & set(have):
            for f in ("stratum", "split"):
                if want[k][f] != have[k][f]:
                    errors.append(f"{k}: {f} {have[k][f]!r} != selection {want[k][f]!r}")
    for e in errors:
        print("ERROR", e)
    print_counts([r for _, r in rows])
    print("OK" if not errors else f"{len(errors)} errors")
    return not errors


def print_counts(rows):
    from collections import Counter
    cell = Counter((r["source"], r["stratum"], r["split"]) for r in rows)
    print(f"{len(rows)} items")
    print("source     stratum dev test")
    for s in ORDER:
        for st in ("hit", "nohit"):
            print(f"{s:10} {st:7} {cell[(s, st, 'dev')]:3} {cell[(s, st, 'test')]:4}")
    pos = Counter(t for r in rows for t in r.get("themes", []))
    by = {t: Counter(r["stratum"] for r in rows if t in r.get("themes", [])) for t in CORE}
    print("core theme            pos  hit nohit")
    for t in CORE:
        print(f"{t:21} {pos[t]:4} {by[t]['hit']:4} {by[t]['nohit']:5}")
    other = sorted(((c, t) for t, c in pos.items() if t not in CORE), reverse=True)
    print("other themes:", ", ".join(f"{t} {c}" for c, t in other))
    print("items with no theme:", sum(1 for r in rows if not r.get("themes")))


def main(argv):
    if argv and argv[0] == "--check":
        paths = argv[1:]
        if paths and len(paths) != 3:
            sys.exit("--check takes no tag files or all three (eastmoney ths articles)")
        sys.exit(0 if check(paths) else 1)
    if len(argv) == 4 and argv[0] == "select":
        for r in select(argv[1:]):
            print(json.dumps(r, ensure_ascii=False))
        return
    if len(argv) == 2 and argv[0] == "texts":
        texts(argv[1])
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
