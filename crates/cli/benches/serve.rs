//! Load on `ticai serve`: 2,000 requests (search and trends, half each)
//! from 8 concurrent clients on loopback against an index of the shared
//! flash news and articles replicated with perturbation up to
//! `TICAI_BENCH_DOCS` documents (default 1,000,000). Every answer must be a
//! 200 with the expected JSON; p50/p99 per kind are printed.
//!
//! `cargo bench -p ticai --bench serve` (or `just bench-serve`);
//! `TICAI_BENCH_DOCS=100000` for a quick run. The index is built under
//! `target/bench-index` (the index bench's corpus and place) and removed
//! at the end, unless `TICAI_BENCH_KEEP=1`: then an index kept there by
//! either bench with the same `TICAI_BENCH_DOCS` is reused, and kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod corpus;
use corpus::{bench_dir, build, keep, kept};

const REQUESTS: usize = 2_000;
const CONCURRENCY: usize = 8;

fn pct(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[i].as_secs_f64() * 1e3
}

fn main() {
    let target: usize = std::env::var("TICAI_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = bench_dir();
    let keep = keep();
    let store = match keep.then(|| kept(&dir, target)).flatten() {
        Some(store) => store,
        None => build(&dir, target),
    };
    let docs = store.index.num_docs().expect("count");
    let segments = store.index.stats().expect("stats").segments;
    println!("{docs} documents in {segments} segments");
    let store = Arc::new(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let options = ticai_server::Options::default();
        tokio::spawn(async move { ticai_server::serve(listener, store, &options).await });
        let searches = [
            "q=%E6%B6%B2%E5%86%B7",                                   // 液冷
            "q=%E8%8B%B1%E4%BC%9F%E8%BE%BE&sort=date",                // 英伟达, by date
            "q=%22%E5%85%89%E6%A8%A1%E5%9D%97%22&theme=optical-interconnect",          // "光模块" + theme
            "q=%E6%B6%B2%E5%86%B7+NOT+%E8%8B%B1%E4%BC%9F%E8%BE%BE",  // 液冷 NOT 英伟达
            "theme=supernode&limit=50&offset=50",
        ];
        let trends = [
            "top=10&interval=week",
            "theme=liquid-cooling&theme=supernode&interval=day",
            "theme=optical-interconnect&interval=month&q=%E8%AE%A2%E5%8D%95", // 订单
        ];
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        // warm up: one of each
        for q in searches {
            client.get(format!("{base}/api/search?{q}")).send().await.unwrap();
        }
        for q in trends {
            client.get(format!("{base}/api/trends?{q}")).send().await.unwrap();
        }
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CONCURRENCY {
            let (client, base, next) = (client.clone(), base.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let (mut s, mut t) = (Vec::new(), Vec::new());
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= REQUESTS {
                        break;
                    }
                    let (url, search) = if i % 2 == 0 {
                        (format!("{base}/api/search?{}", searches[(i / 2) % searches.len()]), true)
                    } else {
                        (format!("{base}/api/trends?{}", trends[(i / 2) % trends.len()]), false)
                    };
                    let t0 = Instant::now();
                    let r = client.get(&url).send().await.expect("request");
                    let status = r.status();
                    let body = r.bytes().await.expect("body");
                    let took = t0.elapsed();
                    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
                    let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                    if search {
                        assert!(v["total"].is_u64() && v["results"].is_array(), "{url}");
                        s.push(took);
                    } else {
                        assert!(!v["series"].as_array().expect("rows").is_empty(), "{url}");
                        t.push(took);
                    }
                }
                (s, t)
            }));
        }
        let (mut s, mut t) = (Vec::new(), Vec::new());
        for task in tasks {
            let (a, b) = task.await.unwrap();
            s.extend(a);
            t.extend(b);
        }
        let wall = started.elapsed().as_secs_f64();
        assert_eq!(s.len() + t.len(), REQUESTS);
        println!(
            "\n{REQUESTS} requests, concurrency {CONCURRENCY}, {docs} documents: {:.1} s, {:.0} requests/s, no errors",
            wall,
            REQUESTS as f64 / wall
        );
        println!("{:<8} {:>6} {:>9} {:>9}", "kind", "n", "p50 ms", "p99 ms");
        let n = s.len();
        println!("{:<8} {:>6} {:>9.1} {:>9.1}", "search", n, pct(&mut s, 0.5), pct(&mut s, 0.99));
        let n = t.len();
        println!("{:<8} {:>6} {:>9.1} {:>9.1}", "trends", n, pct(&mut t, 0.5), pct(&mut t, 0.99));
    });
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
