"""The pipeline a user would otherwise write in Python, for `just bench` to
measure ticai against (issue 12): OpenCC t2s, jieba with the lexicon's words
(HMM off), pyahocorasick over the same terms, a match kept when its ends sit
on jieba token boundaries, counts per theme and company written as JSON
lines; with --index DIR the segmented text also goes into a tantivy-py index
(whitespace-tokenized, one commit at the end).

    python bench/python_pipeline.py FILE.jsonl [--lexicon lexicons] [--index DIR]

Prints one JSON object: documents, MB of text (UTF-8 bytes of the `text`
fields), seconds and MB/s of the tagging (and indexing) loop; reading the
file and building the lexicon are not timed, as in ticai's bench.
"""

import argparse
import csv
import glob
import json
import os
import sys
import time
import tomllib

import ahocorasick
import jieba
import opencc


def lexicon_terms(lexicon_dir, cc):
    """(normalized term, entity) pairs: themes' names and aliases, companies'
    names and aliases (curated) and names (listings)."""
    terms = []
    for path in sorted(glob.glob(os.path.join(lexicon_dir, "themes", "*.toml"))):
        with open(path, "rb") as f:
            for theme in tomllib.load(f).get("theme", []):
                for t in [theme["name_zh"], theme.get("name_en", "")] + theme.get("aliases", []):
                    if t:
                        terms.append((t, "theme:" + theme["id"]))
    for name in ["curated.tsv", "listings.tsv"]:
        path = os.path.join(lexicon_dir, "companies", name)
        with open(path, encoding="utf-8") as f:
            rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
            for row in rows:
                company = "company:" + row["name"]
                terms.append((row["name"], company))
                for a in (row.get("aliases") or "").split("|"):
                    if a:
                        terms.append((a, company))
    return [(cc.convert(t).lower(), e) for t, e in terms if len(t) >= 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--lexicon", default="lexicons")
    ap.add_argument("--index")
    ap.add_argument("--out", default=os.devnull)
    args = ap.parse_args()

    cc = opencc.OpenCC("t2s")
    jieba.setLogLevel(60)
    terms = lexicon_terms(args.lexicon, cc)
    for t, _ in terms:
        jieba.add_word(t, freq=max(jieba.suggest_freq(t), 1000))
    jieba.initialize()
    automaton = ahocorasick.Automaton()
    by_term = {}
    for t, e in terms:
        by_term.setdefault(t, set()).add(e)
    for t, es in by_term.items():
        automaton.add_word(t, (t, sorted(es)))
    automaton.make_automaton()

    docs = []
    with open(args.file, encoding="utf-8") as f:
        for line in f:
            v = json.loads(line)
            text = v.get("text") or v.get("content")
            if text:
                docs.append((str(v.get("id", len(docs))), v.get("title") or "", text))
    mb = sum(len(t.encode("utf-8")) for _, _, t in docs) / 1e6

    writer = None
    if args.index:
        import tantivy

        b = tantivy.SchemaBuilder()
        b.add_text_field("id", stored=True, tokenizer_name="raw")
        b.add_text_field("body", stored=True, tokenizer_name="whitespace")
        b.add_text_field("themes", tokenizer_name="raw")
        os.makedirs(args.index, exist_ok=True)
        index = tantivy.Index(b.build(), path=args.index)
        writer = index.writer()

    started = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as out:
        for doc_id, title, text in docs:
            norm = cc.convert(text)
            lower = norm.lower()
            words = jieba.lcut(norm, HMM=False)
            bounds = set()
            at = 0
            bounds.add(0)
            for w in words:
                at += len(w)
                bounds.add(at)
            counts = {}
            for end, (t, entities) in automaton.iter(lower):
                start = end + 1 - len(t)
                if start in bounds and end + 1 in bounds:
                    for e in entities:
                        counts[e] = counts.get(e, 0) + 1
            out.write(json.dumps({"id": doc_id, "title": title, "tags": counts}, ensure_ascii=False))
            out.write("\n")
            if writer is not None:
                writer.add_document(
                    tantivy.Document(
                        id=doc_id,
                        body=" ".join(words),
                        themes=[e for e in counts if e.startswith("theme:")],
                    )
                )
        if writer is not None:
            writer.commit()
            writer.wait_merging_threads()
    secs = time.perf_counter() - started
    json.dump(
        {"documents": len(docs), "mb": round(mb, 2), "seconds": round(secs, 2), "mb_per_s": round(mb / secs, 3)},
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
