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

use std::time::{Duration, Instant};
use ticai::cmd::store::{OutFormat, SearchArgs, SortArg, Store, request};

mod corpus;
use corpus::{bench_dir, build, keep, kept, peak_rss_mb};

/// Resets the kernel's peak-RSS mark, so that the next [`peak_rss_mb`]
/// is the peak of what ran since.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let target: usize = std::env::var("TICAI_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = bench_dir();
    let keep = keep();
    if keep && let Some(store) = kept(&dir, target) {
        measure(&store, &dir);
        return;
    }
    let store = build(&dir, target);
    measure(&store, &dir);
    if keep {
        println!("kept the index in {} (TICAI_BENCH_KEEP=1)", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Queries, trends and the export over the built index.
fn measure(store: &Store, dir: &std::path::Path) {
    println!("segments: {}", store.index.stats().expect("stats").segments);
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
