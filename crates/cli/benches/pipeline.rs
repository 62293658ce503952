//! Throughput of the text pipeline on real flash news.
//!
//! `cargo bench -p ticai --bench pipeline` (or `just bench`). Reads
//! `../shared/corpus/flash/eastmoney.jsonl` (set `TICAI_BENCH_FILE` to use
//! another JSONL file) and prints MB/s of input text for each stage, best
//! and median of several runs. Every timed loop checks its result, so a
//! stage that silently does nothing cannot look fast.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use ticai::cmd::tag::tag_batch;
use ticai::input::{FieldMap, Reader, json_document};
use ticai_model::Document;
use ticai_tag::Tagger;

const RUNS: usize = 5;

fn main() {
    let path = std::env::var_os("TICAI_BENCH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpus/flash/eastmoney.jsonl")
        });
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "benchmark input {} is missing ({e}): it needs ../shared beside the repository",
            path.display()
        )
    });
    let fields = FieldMap::default();
    let docs: Vec<Document> = raw
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            json_document("bench", i + 1, l, &fields).expect("benchmark input is valid JSONL")
        })
        .collect();
    let bytes: usize = docs
        .iter()
        .map(|d| d.text.len() + d.title.as_deref().map_or(0, str::len))
        .sum();
    println!(
        "input: {} ({} documents, {:.1} MB of text)",
        path.display(),
        docs.len(),
        bytes as f64 / 1e6
    );

    let t = Instant::now();
    let lexicon = ticai::lexicons::builtin();
    let tagger = Tagger::new(&lexicon).expect("the built-in lexicon compiles");
    println!(
        "setup: lexicon + tagger build {:.0} ms ({} patterns, {} companies, {} themes)",
        t.elapsed().as_secs_f64() * 1e3,
        tagger.pattern_count(),
        lexicon.companies.len(),
        lexicon.themes.len()
    );
    // warm up lazily initialised state
    for d in docs.iter().take(200) {
        black_box(tagger.tag(d));
    }

    let texts = || {
        docs.iter()
            .flat_map(|d| std::iter::once(d.text.as_str()).chain(d.title.as_deref()))
    };
    println!(
        "\n{:<44} {:>10} {:>10}",
        "stage (1 thread unless noted)", "best MB/s", "median"
    );
    report("normalize (t2s + width + offset map)", bytes, || {
        let mut chars = 0;
        for t in texts() {
            chars += black_box(tagger.normalizer().normalize(t)).text.len();
        }
        assert!(chars > bytes / 2, "normalization lost the text");
    });
    let normalized: Vec<String> = texts()
        .map(|t| tagger.normalizer().normalize_term(t))
        .collect();
    report("segment (jieba, full text)", bytes, || {
        let mut tokens = 0;
        for t in &normalized {
            tokens += black_box(tagger.segmenter().cut(t)).len();
        }
        assert!(tokens > bytes / 10, "segmentation produced too few tokens");
    });
    report(
        "tag = whole pipeline (normalize+match+seg+codes)",
        bytes,
        || {
            let mut mentions = 0;
            for d in &docs {
                let out = black_box(tagger.tag(d));
                mentions += out.themes.iter().map(|t| t.mentions).sum::<usize>()
                    + out.companies.iter().map(|c| c.mentions).sum::<usize>();
            }
            assert!(
                mentions > docs.len(),
                "tagging found almost nothing: {mentions}"
            );
        },
    );
    report("whole pipeline + JSON output", bytes, || {
        let mut out = Vec::with_capacity(bytes * 2);
        for d in &docs {
            ticai::output::write_json_line(&mut out, &tagger.tag(d)).expect("writing to memory");
        }
        assert!(out.len() > bytes, "output is implausibly small");
        black_box(out);
    });
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    report(&format!("whole pipeline, {jobs} threads"), bytes, || {
        let out = tag_batch(&tagger, &docs, jobs);
        assert_eq!(out.len(), docs.len());
        black_box(out);
    });

    // the index analyzer (full segmentation, alias folding, sub-words)
    let tagger_arc = std::sync::Arc::new(Tagger::new(&lexicon).expect("tagger"));
    let analyzer = ticai_index::analyzer::ZhTokenizer::new(
        tagger_arc.clone(),
        ticai_index::canonical_company_names(&lexicon, &tagger_arc),
    )
    .for_index();
    report("index analyzer (tokens for title + body)", bytes, || {
        let mut n = 0;
        for t in texts() {
            n += black_box(analyzer.tokens(t)).len();
        }
        assert!(n > bytes / 10, "too few tokens: {n}");
    });
    let query_analyzer = ticai_index::analyzer::ZhTokenizer::new(
        tagger_arc.clone(),
        ticai_index::canonical_company_names(&lexicon, &tagger_arc),
    );
    report("query analyzer (no sub-words)", bytes, || {
        let mut n = 0;
        for t in texts() {
            n += black_box(query_analyzer.tokens(t)).len();
        }
        assert!(n > bytes / 10, "too few tokens: {n}");
    });

    traditional(&tagger, &docs);

    reading(&path, &docs, bytes);

    // extraction, in MB of HTML, over the saved news pages
    let gne = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/html/gne");
    let mut pages = Vec::new();
    collect_html(&gne, &mut pages);
    assert!(!pages.is_empty(), "no pages under {}", gne.display());
    let html_bytes: usize = pages.iter().map(Vec::len).sum();
    println!(
        "\nextraction input: {} pages, {:.1} MB of HTML",
        pages.len(),
        html_bytes as f64 / 1e6
    );
    let options = ticai_extract::Options::default();
    report(
        "extract (decode + readability + cleanup + metadata)",
        html_bytes,
        || {
            let ok = pages
                .iter()
                .filter(|p| {
                    black_box(ticai_extract::extract_html(p, &options))
                        .failure
                        .is_none()
                })
                .count();
            assert!(ok * 10 >= pages.len() * 9, "only {ok} pages extracted");
        },
    );
}

/// Reading the same documents as JSON Lines, zstd JSON Lines, CSV and
/// gzip CSV (files written to a temporary directory), in MB of text.
fn reading(jsonl: &std::path::Path, docs: &[Document], bytes: usize) {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("ticai-bench-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let raw = std::fs::read(jsonl).expect("benchmark input");
    let zst = dir.join("flash.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(raw.as_slice(), 3).expect("zstd")).expect("write");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "title", "content", "published_at"])
        .expect("csv");
    // a CSV row without text is reported, not read: leave those out
    let with_text = docs.iter().filter(|d| !d.text.trim().is_empty());
    let csv_docs = with_text.clone().count();
    for d in with_text {
        let row = [
            d.id.as_str(),
            d.title.as_deref().unwrap_or(""),
            d.text.as_str(),
            d.published_at.as_deref().unwrap_or(""),
        ];
        w.write_record(row).expect("csv");
    }
    let csv_bytes = w.into_inner().expect("csv");
    let csv = dir.join("flash.csv");
    std::fs::write(&csv, &csv_bytes).expect("write");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&csv_bytes).expect("gzip");
    let csv_gz = dir.join("flash.csv.gz");
    std::fs::write(&csv_gz, gz.finish().expect("gzip")).expect("write");
    println!("\nreading the same documents (MB of text/s; file sizes in MB)");
    let reader = Reader::default();
    for (name, path, want) in [
        ("read JSON Lines", jsonl.to_path_buf(), docs.len()),
        ("read JSON Lines, zstd", zst, docs.len()),
        ("read CSV", csv, csv_docs),
        ("read CSV, gzip", csv_gz, csv_docs),
    ] {
        let size = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1e6;
        report(&format!("{name} ({size:.1} MB)"), bytes, || {
            let mut n = 0usize;
            reader
                .read_all(
                    std::slice::from_ref(&path),
                    &mut |d| {
                        n += 1;
                        black_box(d);
                        Ok(())
                    },
                    &mut |e| panic!("{e}"),
                )
                .expect("reading");
            assert_eq!(n, want, "{name}: every document read");
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn collect_html(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_html(&p, out);
        } else if p.extension().is_some_and(|x| x == "html") {
            out.push(std::fs::read(&p).expect("readable page"));
        }
    }
}

/// The same items written as Taiwan writes them (OpenCC `s2twp`: Taiwan
/// characters and phrases), tagged: the cross-strait stage runs on every
/// one of them.
fn traditional(tagger: &Tagger, docs: &[Document]) {
    let s2twp = ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::S2twp)
        .expect("OpenCC s2twp");
    let taiwan: Vec<Document> = docs
        .iter()
        .map(|d| Document {
            text: s2twp.convert(&d.text),
            title: d.title.as_deref().map(|t| s2twp.convert(t)),
            ..d.clone()
        })
        .collect();
    let bytes: usize = taiwan
        .iter()
        .map(|d| d.text.len() + d.title.as_deref().map_or(0, str::len))
        .sum();
    let converted = taiwan
        .iter()
        .filter(|d| tagger.normalizer().region_of(&d.text) == ticai_model::Region::Tw)
        .count();
    println!(
        "
the same items in Taiwan script and phrasing (OpenCC s2twp): {:.1} MB, {converted} of {} read as Taiwan text",
        bytes as f64 / 1e6,
        taiwan.len()
    );
    report("normalize, Taiwan text (t2s + phrases)", bytes, || {
        let mut chars = 0;
        for d in &taiwan {
            chars += black_box(tagger.normalizer().normalize(&d.text)).text.len();
        }
        assert!(chars > bytes / 2, "normalization lost the text");
    });
    report("tag, Taiwan text", bytes, || {
        let mut mentions = 0;
        for d in &taiwan {
            let out = black_box(tagger.tag(d));
            mentions += out.themes.iter().map(|t| t.mentions).sum::<usize>();
        }
        assert!(
            mentions > taiwan.len() / 2,
            "tagging found almost nothing: {mentions}"
        );
    });
}

fn report(name: &str, bytes: usize, mut f: impl FnMut()) {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let mbps = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    println!(
        "{name:<44} {:>10.1} {:>10.1}",
        mbps(times[0]),
        mbps(times[RUNS / 2])
    );
}
