//! The corpus of the index and serve benches: the shared JSON Lines files
//! read as documents, perturbed copies to reach a target size, and the one
//! on-disk index both benches build, keep and reuse.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use ticai::cmd::store::Store;
use ticai::input::{FieldMap, json_document};
use ticai_model::Document;

/// Where both benches build the index (and keep it with
/// `TICAI_BENCH_KEEP=1`).
pub fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-index")
}

/// `TICAI_BENCH_KEEP=1`: keep the index, and reuse a kept one.
pub fn keep() -> bool {
    std::env::var("TICAI_BENCH_KEEP").is_ok_and(|v| v == "1")
}

/// The index an earlier run kept in `dir`, when it holds `target`
/// documents.
pub fn kept(dir: &Path, target: usize) -> Option<Store> {
    let store = Store::open_existing(dir, None).ok()?;
    let n = store.index.num_docs().expect("count") as usize;
    if n == target {
        println!(
            "reusing the kept index of {n} documents in {}",
            dir.display()
        );
        Some(store)
    } else {
        println!("the kept index holds {n} documents, not {target}: building anew");
        None
    }
}

/// The shared flash news and articles, as documents.
pub fn base() -> Vec<Document> {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(
        corpus.is_dir(),
        "benchmark input {} is missing: it needs ../shared beside the repository",
        corpus.display()
    );
    let mut base = load(corpus.join("flash/eastmoney.jsonl"));
    base.extend(load(corpus.join("flash/ths.jsonl")));
    base.extend(load(corpus.join("articles/articles.jsonl")));
    base
}

/// The kernel's peak RSS of this process, in MB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn dir_bytes(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Builds a fresh index of `target` documents in `dir`: the shared corpus,
/// then perturbed copies of it, ingested in batches of 4,096 with a commit
/// every 250,000 documents and the merges waited for at the end, as `ticai
/// ingest` does; prints ingest MB/s (the time spent making the copies
/// excluded), the merge wait, the index size and the peak RSS.
pub fn build(dir: &Path, target: usize) -> Store {
    let base = base();
    println!(
        "base documents: {} (flash news and articles); target {target}",
        base.len()
    );
    let _ = std::fs::remove_dir_all(dir);
    let store = Store::open(dir, None).expect("index opens");
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    // time spent making the perturbed copies, which is not ingest
    let mut copy_time = Duration::ZERO;
    let mut writer = store.index.writer().expect("writer");
    let (mut done, mut bytes, mut since_commit) = (0usize, 0usize, 0usize);
    let mut batch = Vec::with_capacity(4096);
    'outer: for k in 0.. {
        for d in &base {
            if done + batch.len() >= target {
                break 'outer;
            }
            let t = Instant::now();
            let d = if k == 0 { d.clone() } else { perturb(d, k) };
            copy_time += t.elapsed();
            bytes += d.text.len() + d.title.as_deref().map_or(0, str::len);
            batch.push(d);
            if batch.len() == 4096 {
                let n = store.ingest(&mut batch, &mut writer, jobs).expect("ingest");
                done += n;
                since_commit += n;
                if since_commit >= 250_000 {
                    writer.commit().expect("commit");
                    since_commit = 0;
                    println!(
                        "  {done} documents, {:.0} s, peak RSS {:.0} MB",
                        started.elapsed().as_secs_f64(),
                        peak_rss_mb()
                    );
                }
            }
        }
    }
    done += store.ingest(&mut batch, &mut writer, jobs).expect("ingest");
    writer.commit().expect("commit");
    let wall = started.elapsed();
    let merging = Instant::now();
    writer.wait_merges().expect("merges");
    let merge_secs = merging.elapsed().as_secs_f64();
    let secs = (wall - copy_time).as_secs_f64();
    println!(
        "wall time {:.1} s, of which {:.1} s making the perturbed copies (not counted)",
        wall.as_secs_f64(),
        copy_time.as_secs_f64()
    );
    let n = store.index.num_docs().expect("count");
    assert_eq!(n as usize, done, "every document is in the index");
    let mb = bytes as f64 / 1e6;
    println!(
        "\ningest: {done} documents, {mb:.0} MB of text in {secs:.0} s: {:.1} MB/s on {jobs} threads ({:.1} MB/s per core, tagging included)",
        mb / secs,
        mb / secs / jobs as f64
    );
    println!(
        "then {merge_secs:.1} s waiting for the merges the commits started (as `ticai ingest` does before it exits)"
    );
    println!(
        "index size on disk: {:.0} MB; peak RSS of ingest: {:.0} MB",
        dir_bytes(&dir.join("index")) as f64 / 1e6,
        peak_rss_mb()
    );
    store
}

pub fn load(path: PathBuf) -> Vec<Document> {
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fields = FieldMap::default();
    raw.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .filter_map(|(i, l)| json_document(&path.display().to_string(), i + 1, l, &fields).ok())
        .collect()
}

/// A copy of `d` that is not a duplicate: another id, digits rotated,
/// the date moved by `k` days.
pub fn perturb(d: &Document, k: usize) -> Document {
    let rot = |s: &str| -> String {
        s.chars()
            .map(|c| match c.to_digit(10) {
                Some(v) => char::from_digit((v + k as u32) % 10, 10).unwrap_or(c),
                None => c,
            })
            .collect()
    };
    let published_at = d
        .published_at
        .as_deref()
        .and_then(|p| ticai_extract::parse_date(p, None))
        .map(|t| (t - chrono::Days::new(k as u64)).to_rfc3339());
    Document {
        id: format!("{}#r{k}", d.id),
        title: d.title.as_deref().map(rot),
        text: rot(&d.text),
        published_at,
        ..d.clone()
    }
}
