# Recipes mirror what CI runs (.ci/run). The README's commands use cargo alone.

default: ci

# the demo: index the bundled sample corpus and search it
demo:
    cargo run --release -- demo

# the tags of each sample document
tag-sample:
    cargo run --release -- tag --format table corpus/sample

fmt:
    cargo fmt --all

lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# the README's test command
test:
    cargo test --workspace

# tests and evaluations over ../shared (fails when ../shared is missing)
shared:
    cargo test -p ticai --test shared -- --nocapture

# company recall against publisher tags
eval:
    cargo run --release -- eval companies ../shared/corpus/flash/eastmoney.jsonl ../shared/corpus/flash/ths.jsonl

# theme precision and recall against the hand labels of tests/eval (items of ../shared)
eval-themes:
    cargo run --release -- eval themes --show 20

# extraction quality over the shared pages and feed items
eval-extract:
    cargo run --release -- eval extract --pages ../shared/corpus/html/gne --articles ../shared/corpus/articles/articles.jsonl

# throughput figures (MB/s per stage; long documents against flash news)
bench:
    cargo bench -p ticai --bench pipeline
    cargo bench -p ticai --bench long
    cargo bench -p ticai-extract --bench pdf
    just bench-python

# `ticai tag` and `ticai ingest` against the Python pipeline (OpenCC + jieba + pyahocorasick,
# tantivy-py) on the shared flash corpus, alternating; the venv is made under target/ from
# bench/requirements.txt
bench-python:
    test -x target/bench-venv/bin/python || python3 -m venv target/bench-venv
    target/bench-venv/bin/pip install -q -r bench/requirements.txt
    cargo build --release -p ticai
    target/bench-venv/bin/python bench/compare.py --ticai target/release/ticai ../shared/corpus/flash/eastmoney.jsonl

# ingest and query latency at 1M documents (TICAI_BENCH_DOCS to change)
bench-index:
    cargo bench -p ticai --bench index

# the page in headless Chromium (installs chromium, chromium-driver and fonts-noto-cjk when missing);
# screenshots in target/browser/
browser:
    .ci/install-browser
    TICAI_REQUIRE_BROWSER=1 cargo test -p ticai --test browser -- --ignored --exact the_page_in_chromium

# serve the index of the data dir (TICAI_HOME or --data-dir) on 127.0.0.1:8080
serve:
    cargo run --release -- serve

# 2,000 search + trends requests at concurrency 8 on loopback (TICAI_BENCH_DOCS to change the index size)
bench-serve:
    cargo bench -p ticai --bench serve

# the Spark backfill job in local mode, checked against ticai (installs pyspark into
# target/spark-venv from deploy/spark/requirements.txt; needs Java 17 and ../shared)
spark-test:
    .ci/spark-test

lexicon-check:
    cargo run -- lexicon check

# re-import the A-share security master
import-listings:
    cargo run -- --lexicon lexicons lexicon import-listings ../shared/reference/a_share_stock_list/stock_basic.csv

ci: lint test browser lexicon-check shared spark-test
