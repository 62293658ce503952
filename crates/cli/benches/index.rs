//! Index benchmark: ingest the shared flash news and articles, replicated
//! with perturbation up to `TICAI_BENCH_DOCS` documents (default 1,000,000),
//! into a fresh on-disk index; report ingest MB/s, index size, peak RSS and
//! p50/p99 latency of term, phrase, filtered and NOT queries; then trends: a
//! one-year daily series of 50 themes, the same under a `--query`, and the
//! `export mentions` throughput.
//!
//! `cargo bench -p ticai --bench index` (or `just bench-index`); set
//! `TICAI_BENCH_DOCS=100000` for a quick run. The index is built under
//! `target/bench-index` and removed at the end, unless `TICAI_BENCH_KEEP=1`:
//! then it is kept, and a later run with the same `TICAI_BENCH_DOCS` and
//! `TICAI_BENCH_KEEP=1` measures queries and trends on it without ingesting
//! again. Peak RSS is printed per phase (the kernel's high-water mark is
//! reset between phases).

use std::path::PathBuf;
use std::time::{Duration, Instant};
use ticai::cmd::store::{OutFormat, SearchArgs, SortArg, Store, request};

mod corpus;
use corpus::{load, perturb};

fn shared() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(
        p.is_dir(),
        "benchmark input {} is missing: it needs ../shared beside the repository",
        p.display()
    );
    p
}

fn peak_rss_mb() -> f64 {
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

/// Resets the kernel's peak-RSS mark, so that the next [`peak_rss_mb`]
/// is the peak of what ran since.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn dir_bytes(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let target: usize = std::env::var("TICAI_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let corpus = shared();
    let mut base = load(corpus.join("flash/eastmoney.jsonl"));
    base.extend(load(corpus.join("flash/ths.jsonl")));
    base.extend(load(corpus.join("articles/articles.jsonl")));
    println!(
        "base documents: {} (flash news and articles); target {target}",
        base.len()
    );

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-index");
    let keep = std::env::var("TICAI_BENCH_KEEP").is_ok_and(|v| v == "1");
    if keep && let Ok(store) = Store::open_existing(&dir, None) {
        let n = store.index.num_docs().expect("count") as usize;
        if n == target {
            println!(
                "reusing the kept index of {n} documents in {}",
                dir.display()
            );
            measure(&store, &dir);
            return;
        }
        println!("the kept index holds {n} documents, not {target}: building anew");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir, None).expect("index opens");
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
    drop(base);
    measure(&store, &dir);
    if keep {
        println!("kept the index in {} (TICAI_BENCH_KEEP=1)", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Queries, trends and the export over the built index.
fn measure(store: &Store, dir: &std::path::Path) {
    let segments = store
        .index
        .searcher()
        .expect("searcher")
        .segment_readers()
        .len();
    println!("segments: {segments}");
    reset_peak_rss();

    let q = |query: &str, themes: &[&str], since: Option<&str>| SearchArgs {
        query: query.into(),
        themes: themes.iter().map(|s| s.to_string()).collect(),
        companies: vec![],
        sources: vec![],
        since: since.map(str::to_string),
        until: None,
        sort: SortArg::Relevance,
        limit: 10,
        format: OutFormat::Json,
        explain: false,
    };
    let sets: [(&str, Vec<SearchArgs>); 4] = [
        (
            "term",
            [
                "英伟达",
                "光模块",
                "液冷",
                "寒武纪",
                "降息",
                "黄金",
                "机器人",
                "算力租赁",
            ]
            .iter()
            .map(|t| q(t, &[], None))
            .collect(),
        ),
        (
            "phrase",
            [
                "\"算力 租赁\"",
                "\"光模块 需求\"",
                "\"人形 机器人\"",
                "\"超节点 万卡\"",
                "\"美联储 降息\"",
                "\"存储 芯片\"",
            ]
            .iter()
            .map(|t| q(t, &[], None))
            .collect(),
        ),
        (
            "filtered",
            vec![
                q("英伟达", &["ai-compute"], Some("2026-06-01")),
                q("需求", &["optical-interconnect"], None),
                q("", &["liquid-cooling", "data-center"], Some("2026-01-01")),
                q("涨停", &["robotics"], Some("2026-07-01")),
            ],
        ),
        (
            "NOT",
            vec![
                q("英伟达 AND NOT 液冷", &[], None),
                q("光模块 -\"光模块 需求\"", &[], None),
                q("(机器人 OR 算力) && !降息", &[], None),
                q("NOT 黄金", &["ai-compute"], Some("2026-06-01")),
            ],
        ),
    ];
    println!(
        "\n{:<10} {:>8} {:>10} {:>10} {:>12}",
        "query", "runs", "p50 ms", "p99 ms", "mean hits"
    );
    for (name, queries) in &sets {
        let mut times: Vec<Duration> = Vec::new();
        let mut hits = 0usize;
        for round in 0..50 {
            for a in queries {
                let req = request(a, &store.lexicon).expect("valid request");
                let t = Instant::now();
                let res = store.index.search(&req).expect("search");
                times.push(t.elapsed());
                if round == 0 {
                    hits += res.total;
                }
            }
        }
        assert!(hits > 0, "{name} queries found nothing");
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3;
        println!(
            "{name:<10} {:>8} {:>10.2} {:>10.2} {:>12}",
            times.len(),
            pct(0.5),
            pct(0.99),
            hits / queries.len()
        );
    }
    println!("peak RSS of the queries: {:.0} MB", peak_rss_mb());
    trends_figures(store, dir);
}

/// Trends at scale: a year of daily buckets for 50 themes (best and worst of
/// 5 runs), with and without a full-text filter, and the mentions export.
fn trends_figures(store: &Store, dir: &std::path::Path) {
    use ticai_trends::{Interval, TrendRequest, all_themes, calendar_for};
    let tz = "Asia/Shanghai";
    let span = calendar_for(&store.index, Interval::Day, tz, None, None).expect("dated documents");
    let until = span.until;
    let since = until - chrono::Days::new(364);
    let calendar =
        ticai_trends::Calendar::new(Interval::Day, span.tz, since, until).expect("calendar");
    let series: Vec<_> = all_themes(&store.lexicon).into_iter().take(50).collect();
    println!(
        "\ntrends: {} daily buckets ({since} .. {until}) x {} themes, rollup on",
        calendar.len(),
        series.len()
    );
    reset_peak_rss();
    for query in ["", "英伟达"] {
        let req = TrendRequest {
            series: series.clone(),
            top: None,
            calendar: calendar.clone(),
            filter: ticai_index::SearchRequest {
                query: query.into(),
                ..Default::default()
            },
            rollup: true,
        };
        let mut times = Vec::new();
        let mut docs = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let res = ticai_trends::trends(&store.index, &store.lexicon, &req).expect("trends");
            times.push(t.elapsed().as_secs_f64());
            docs = res.totals.iter().sum::<u64>();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  query {:<8} {:>9} documents counted: best {:.3} s, worst {:.3} s",
            format!("{query:?}"),
            docs,
            times[0],
            times[times.len() - 1]
        );
    }
    println!("  peak RSS of trends: {:.0} MB", peak_rss_mb());
    reset_peak_rss();
    let out = dir.join("mentions.parquet");
    let t = Instant::now();
    let mut table = ticai_trends::table::Table::new(
        ticai_trends::Format::Parquet,
        ticai_trends::mentions::columns(),
        ticai_trends::Out::open(Some(&out)).expect("output"),
        Default::default(),
        "rows",
    )
    .expect("table");
    let tz = ticai_trends::parse_tz(tz).expect("tz");
    let (docs, rows) = ticai_trends::mentions::export(
        &store.index,
        &ticai_index::SearchRequest::default(),
        None,
        tz,
        &mut table,
    )
    .expect("export");
    table.finish().expect("finish");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  export mentions (parquet): {docs} documents, {rows} rows in {secs:.1} s: {:.0} documents/s, {:.0} MB file",
        docs as f64 / secs,
        std::fs::metadata(&out).map_or(0, |m| m.len()) as f64 / 1e6
    );
    println!("  peak RSS of the export: {:.0} MB", peak_rss_mb());
}
