//! `ticai fetch` against a real HTTP server that the test starts on
//! 127.0.0.1, serving our own fixture feed and pages, with faults: robots.txt
//! disallow, 500 then 200, 429 with Retry-After, a response slower than the
//! timeout, a 50 MB body (declared and streamed), a redirect loop, a 404, a
//! connection cut mid-body, a GBK page, a malformed feed, 304 on re-fetch.

mod common;

use common::{
    Request, fetch_summary, ingest_fetched, respond, scratch, search, serve, source, ticai,
};
use serde_json::Value;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const STORY: &str = "中科曙光发布新一代超节点产品，单个系统可扩展至一万张国产AI加速卡，标志着国内万卡集群从规划走向交付。业内人士认为，在出口管制持续收紧的背景下，国内云厂商加快去英伟达化，训练与推理任务正逐步迁移到国产算力平台。";

fn page(title: &str, body: &str) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><div class=\"nav\">首页 &gt; 科技</div><article><h1>{title}</h1><p>2026-11-18 09:30 来源：样例网</p><p>{body}</p></article><div><h3>相关推荐</h3><p>白酒板块回暖</p></div></body></html>"
    )
}

fn feed(base: &str) -> String {
    let items: String = [
        "/a/1.html", "/a/1.html?utm_source=feed&amp;spm=x", "/a/copy.html", "/a/gbk.html", "/private/secret.html", "/a/flaky.html",
        "/a/limited.html", "/a/slow.html", "/a/big.html", "/a/big-stream.html", "/a/loop.html", "/a/missing.html", "/a/reset.html",
    ]
    .iter()
    .map(|p| format!("<item><title>t</title><link>{base}{p}</link><pubDate>Wed, 18 Nov 2026 09:30:00 +0800</pubDate></item>"))
    .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>样例</title><link>{base}/</link>{items}</channel></rss>"
    )
}

fn handle(stream: &mut TcpStream, req: &Request) {
    let (base, n) = (&req.base, req.n);
    let html = || vec![("Content-Type", "text/html; charset=utf-8".to_string())];
    match req.route.as_str() {
        "/robots.txt" => respond(stream, "200 OK", &[("Content-Type", "text/plain".into())], b"User-agent: *\nDisallow: /private/\n"),
        "/feed.xml" => {
            if req.header("if-none-match") == Some("\"v1\"") {
                respond(stream, "304 Not Modified", &[], b"");
            } else {
                respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into()), ("ETag", "\"v1\"".into())], feed(base).as_bytes());
            }
        }
        "/list/1.html" => {
            let body = "<html><body><ul class=\"news\"><li><a href=\"/l/a.html\">A</a></li></ul><a href=\"/other.html\">广告</a><a class=\"next\" href=\"/list/2.html\">下一页</a></body></html>";
            respond(stream, "200 OK", &html(), body.as_bytes());
        }
        "/list/2.html" => {
            let body = "<html><body><ul class=\"news\"><li><a href=\"l/../../l/b.html\">B</a></li></ul></body></html>";
            respond(stream, "200 OK", &html(), body.as_bytes());
        }
        r if r.starts_with("/l/") => {
            let noise = "白酒板块午后回暖，高端白酒领涨，房地产板块同步走强，市场情绪明显修复。".repeat(6);
            let body = format!("<html><body><div class=\"sidebar\"><p>{noise}</p></div><div class=\"content\"><p>{r}：液冷服务器订单饱满，冷板式液冷仍是主流路线。</p></div></body></html>");
            respond(stream, "200 OK", &html(), body.as_bytes());
        }
        "/many.xml" if req.header("if-none-match") == Some("\"m1\"") => respond(stream, "304 Not Modified", &[], b""),
        "/many.xml" => {
            let items: String = (1..=15).map(|i| format!("<item><title>t{i}</title><link>{base}/many/{i}.html</link></item>")).collect();
            let body = format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>m</title>{items}</channel></rss>");
            respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into()), ("ETag", "\"m1\"".into())], body.as_bytes());
        }
        r if r.starts_with("/many/") => {
            std::thread::sleep(Duration::from_millis(150));
            let i = r.trim_start_matches("/many/").trim_end_matches(".html");
            let body = page(&format!("第{i}篇样例新闻"), &format!("第{i}篇：{}", "算力租赁与液冷需求持续增长，".repeat(i.len() * 3 + i.parse::<usize>().unwrap_or(0))));
            respond(stream, "200 OK", &[("Content-Type", "text/html; charset=utf-8".into())], body.as_bytes());
        }
        "/bad.xml" => respond(stream, "200 OK", &[("Content-Type", "application/rss+xml".into())], b"<rss><channel><item><link>oops</channel>"),
        "/a/1.html" => respond(stream, "200 OK", &html(), page("超节点进入万卡时代", STORY).as_bytes()),
        "/a/copy.html" => respond(stream, "200 OK", &html(), page("转载：超节点进入万卡时代", &format!("（本文转载自样例网）{STORY}")).as_bytes()),
        "/a/gbk.html" => {
            let text = page("液冷订单饱满", "液冷产业链订单持续饱满，冷板式液冷方案的交付周期已延长至三个月以上，浸没式液冷渗透率有望提升。").replace("utf-8", "gbk");
            let (body, _, _) = encoding_rs::GBK.encode(&text);
            respond(stream, "200 OK", &[("Content-Type", "text/html; charset=gbk".into())], &body);
        }
        "/a/flaky.html" if n == 1 => respond(stream, "500 Internal Server Error", &[], b"oops"),
        "/a/flaky.html" => respond(stream, "200 OK", &html(), page("光模块出货量创新高", "本季度800G光模块出货量环比增长超过三成，1.6T产品开始小批量交付，头部厂商的订单已排至明年二季度。").as_bytes()),
        "/a/limited.html" if n == 1 => respond(stream, "429 Too Many Requests", &[("Retry-After", "1".into())], b""),
        "/a/limited.html" => respond(stream, "200 OK", &html(), page("算力租赁价格企稳", "推理需求快速增长，带动算力租赁价格企稳回升，长期合约占比提升，供需格局继续改善。").as_bytes()),
        "/a/slow.html" => {
            std::thread::sleep(Duration::from_millis(2500));
            respond(stream, "200 OK", &html(), page("慢", STORY).as_bytes());
        }
        "/a/big.html" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 52428800\r\n\r\n");
        }
        "/a/big-stream.html" => {
            // no Content-Length: the limit must hold while streaming
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n");
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..800 {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
        "/a/loop.html" => respond(stream, "302 Found", &[("Location", format!("{base}/a/loop.html"))], b""),
        "/a/reset.html" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html><body>cut");
        }
        _ => respond(stream, "404 Not Found", &[], b"not found"),
    }
}

#[test]
fn fetch_with_faults_then_refetch_then_ingest() {
    let (base, hits) = serve(handle);
    let dir = scratch("fetch");
    std::fs::write(
        dir.join("ticai.toml"),
        format!(
            "[fetch]\ndelay_ms = 10\ntimeout_s = 1.0\nconnect_timeout_s = 1.0\nretries = 1\nmax_body_bytes = 1000000\nmax_retry_after_s = 2\n\n\
             [[source]]\nname = \"sample\"\ntype = \"rss\"\nurl = \"{base}/feed.xml\"\n\n\
             [[source]]\nname = \"broken\"\ntype = \"rss\"\nurl = \"{base}/bad.xml\"\n"
        ),
    )
    .unwrap();
    let summary = fetch_summary(&dir);
    let s = source(&summary, "sample");
    assert_eq!(s["listed"], 12, "{s}"); // 13 feed items, two of them the same URL
    assert_eq!(s["new"], 5, "{s}");
    assert_eq!(s["duplicates"], 1, "{s}");
    assert_eq!(s["failed"], 7, "{s}");
    let reason = |path: &str| {
        s["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["url"].as_str().unwrap().ends_with(path))
            .map(|e| e["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(
        reason("/private/secret.html").as_deref(),
        Some("disallowed by robots.txt")
    );
    assert!(reason("/a/slow.html").unwrap().contains("timed out"), "{s}");
    assert!(
        reason("/a/big.html")
            .unwrap()
            .contains("body larger than 1000000 bytes"),
        "{s}"
    );
    assert!(
        reason("/a/big-stream.html")
            .unwrap()
            .contains("body larger than 1000000 bytes"),
        "{s}"
    );
    assert!(
        reason("/a/loop.html")
            .unwrap()
            .contains("too many redirects"),
        "{s}"
    );
    assert_eq!(reason("/a/missing.html").as_deref(), Some("HTTP 404"));
    assert!(
        reason("/a/reset.html")
            .unwrap()
            .contains("gave up after 2 attempts"),
        "{s}"
    );
    let b = source(&summary, "broken");
    assert_eq!(b["listing_failed"], true);
    assert!(
        b["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("invalid feed"),
        "{b}"
    );
    {
        let h = hits.lock().unwrap();
        assert_eq!(
            h.get("/a/flaky.html"),
            Some(&2),
            "500 then 200: retried once"
        );
        assert_eq!(
            h.get("/a/limited.html"),
            Some(&2),
            "429 then 200: retried after Retry-After"
        );
        assert_eq!(h.get("/a/slow.html"), Some(&2), "a timeout is retried");
        assert_eq!(
            h.get("/a/big.html"),
            Some(&1),
            "a too-large body is not retried"
        );
        assert_eq!(
            h.get("/private/secret.html"),
            None,
            "robots.txt is honoured"
        );
        assert_eq!(
            h.get("/robots.txt"),
            Some(&1),
            "robots.txt is fetched once per host"
        );
    }

    // re-running: the feed answers 304, nothing is fetched or stored again
    let summary = fetch_summary(&dir);
    let s = source(&summary, "sample");
    assert_eq!(
        (
            s["not_modified"].as_u64(),
            s["new"].as_u64(),
            s["listed"].as_u64()
        ),
        (Some(1), Some(0), Some(0)),
        "{s}"
    );
    assert_eq!(
        hits.lock().unwrap().get("/a/1.html"),
        Some(&1),
        "stored articles are not fetched again"
    );

    // everything fetched goes into the index, once, with its cluster
    for _ in 0..2 {
        ingest_fetched(&dir, 5);
    }
    let out = ticai(
        &dir,
        &["search", "--data-dir", "data", "--format", "json", "超节点"],
    );
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(res["total"], 2);
    let clusters: Vec<&str> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cluster_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        clusters[0], clusters[1],
        "the syndicated copy shares the story's cluster"
    );
    assert!(
        res["results"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&base)
    );
    assert_eq!(res["results"][0]["source"], "sample");
    let out = ticai(
        &dir,
        &["search", "--data-dir", "data", "--format", "json", "液冷"],
    );
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(res["total"], 1, "the GBK page was decoded");
    assert!(
        !res["results"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("白酒")
    );
}

#[test]
fn bad_config_and_unreachable_sources() {
    let dir = scratch("fetch_config");
    std::fs::write(
        dir.join("ticai.toml"),
        "[[source]]\nname = \"x\"\ntype = \"rss\"\n",
    )
    .unwrap();
    let out = ticai(&dir, &["fetch", "--data-dir", "data"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ticai.toml:1: source \"x\": needs a url"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // nothing reachable: the run completes but says nothing could be fetched
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.join("ticai.toml"),
        format!("[fetch]\nretries = 0\nconnect_timeout_s = 0.5\n\n[[source]]\nname = \"down\"\ntype = \"rss\"\nurl = \"http://127.0.0.1:{port}/feed.xml\"\n"),
    )
    .unwrap();
    let out = ticai(&dir, &["fetch", "--data-dir", "data", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(source(&summary, "down")["listing_failed"], true);
    // --dry-run lists and stores nothing
    let (base, hits) = serve(handle);
    std::fs::write(dir.join("ticai.toml"), format!("[fetch]\ndelay_ms = 0\n\n[[source]]\nname = \"s\"\ntype = \"rss\"\nurl = \"{base}/feed.xml\"\ninclude = [\"/a/\"]\nmax_items = 3\n")).unwrap();
    let out = ticai(
        &dir,
        &[
            "fetch",
            "--data-dir",
            "dry",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(source(&summary, "s")["listed"], 3);
    assert_eq!(source(&summary, "s")["new"], 0);
    assert_eq!(hits.lock().unwrap().get("/a/1.html"), None);
}

#[test]
fn killed_mid_run_then_rerun_completes_without_duplicates() {
    let (base, hits) = serve(handle);
    let dir = scratch("fetch_kill");
    std::fs::write(
        dir.join("ticai.toml"),
        format!("[fetch]\ndelay_ms = 0\nconcurrency = 2\n\n[[source]]\nname = \"many\"\ntype = \"rss\"\nurl = \"{base}/many.xml\"\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ticai"))
        .current_dir(&dir)
        .args(["fetch", "--data-dir", "data", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // let it store a few articles, then SIGKILL it
    let started = std::time::Instant::now();
    while hits
        .lock()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("/many/"))
        .count()
        < 4
        && started.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let fetched_before: usize = hits
        .lock()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("/many/"))
        .map(|(_, n)| n)
        .sum();
    assert!(
        fetched_before < 15,
        "the run was killed before it finished ({fetched_before})"
    );
    // the second run completes the work; nothing is stored twice
    let summary = fetch_summary(&dir);
    let s = source(&summary, "many");
    assert_eq!(s["failed"], 0, "{s}");
    assert_eq!(
        s["new"].as_u64().unwrap() + s["skipped"].as_u64().unwrap(),
        15,
        "{s}"
    );
    ingest_fetched(&dir, 15);
    // every page was fetched at most twice (once per run at most), never stored twice
    for (k, n) in hits
        .lock()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("/many/"))
    {
        assert!(*n <= 2, "{k} fetched {n} times");
    }
}

/// The bundled sample corpus (a `dir` source of five files, one a PDF
/// note, and a JSONL).
fn sample_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/sample")
        .canonicalize()
        .unwrap()
}

#[test]
fn local_sources_go_through_the_archive() {
    let dir = scratch("fetch_local");
    let sample = sample_dir();
    std::fs::write(
        dir.join("ticai.toml"),
        format!(
            "[[source]]\nname = \"files\"\ntype = \"dir\"\npath = \"{}\"\n\n[[source]]\nname = \"flash\"\ntype = \"jsonl\"\npath = \"{}\"\n",
            sample.display(),
            sample.join("flash.jsonl").display()
        ),
    )
    .unwrap();
    let run = || fetch_summary(&dir);
    let first = run();
    assert_eq!(
        (
            source(&first, "files")["new"].as_u64(),
            source(&first, "flash")["new"].as_u64()
        ),
        (Some(5), Some(6)),
        "{first}"
    );
    let second = run();
    assert_eq!(
        (
            source(&second, "files")["skipped"].as_u64(),
            source(&second, "flash")["skipped"].as_u64()
        ),
        (Some(5), Some(6)),
        "{second}"
    );
    assert_eq!(source(&second, "flash")["new"], 0);
    ingest_fetched(&dir, 11);
    let out = ticai(
        &dir,
        &[
            "search",
            "--data-dir",
            "data",
            "--format",
            "json",
            "--theme",
            "compute-leasing",
        ],
    );
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        res["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"] == "flash"),
        "{res}"
    );
}

#[test]
fn list_pages_with_pagination_and_body_selector() {
    let (base, hits) = serve(handle);
    let dir = scratch("fetch_list");
    std::fs::write(
        dir.join("ticai.toml"),
        format!(
            "[fetch]\ndelay_ms = 0\n\n[[source]]\nname = \"list\"\ntype = \"list\"\nurl = \"{base}/list/1.html\"\n\
             link_selector = \"ul.news a\"\nnext_selector = \"a.next\"\nbody_selector = \"div.content\"\n"
        ),
    )
    .unwrap();
    let summary = fetch_summary(&dir);
    let s = source(&summary, "list");
    assert_eq!(
        (s["listed"].as_u64(), s["new"].as_u64()),
        (Some(2), Some(2)),
        "{s}"
    );
    assert_eq!(
        hits.lock().unwrap().get("/other.html"),
        None,
        "only links the selector picks"
    );
    ingest_fetched(&dir, 2);
    let search = |q: &str| -> Value {
        let out = ticai(
            &dir,
            &["search", "--data-dir", "data", "--format", "json", q],
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(search("液冷")["total"], 2);
    assert_eq!(
        search("白酒")["total"],
        0,
        "the body selector keeps the sidebar out"
    );
}

/// The extraction files fetch keeps beside the archived bodies.
fn extraction_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            extraction_files(&p, out);
        } else if p.to_string_lossy().ends_with(".extracted.zst") {
            out.push(p);
        }
    }
}

fn rewrite_extractions(files: &[std::path::PathBuf], edit: impl Fn(&mut Value)) {
    for f in files {
        let json = zstd::decode_all(std::fs::read(f).unwrap().as_slice()).unwrap();
        let mut v: Value = serde_json::from_slice(&json).unwrap();
        edit(&mut v);
        let bytes = zstd::encode_all(serde_json::to_vec(&v).unwrap().as_slice(), 3).unwrap();
        std::fs::write(f, bytes).unwrap();
    }
}

#[test]
fn ingest_reads_the_extraction_fetch_kept_until_the_extractor_changes() {
    let dir = scratch("fetch_extraction_kept");
    let sample = sample_dir();
    std::fs::write(
        dir.join("ticai.toml"),
        format!(
            "[[source]]\nname = \"files\"\ntype = \"dir\"\npath = \"{}\"\n",
            sample.display()
        ),
    )
    .unwrap();
    assert_eq!(source(&fetch_summary(&dir), "files")["new"], 5);
    let mut files = Vec::new();
    extraction_files(&dir.join("data/archive"), &mut files);
    assert_eq!(files.len(), 5, "{files:?}");
    // the kept extraction is what ingest indexes: mark it
    rewrite_extractions(&files, |v| {
        assert_eq!(v["extractor"], ticai_extract::EXTRACTOR_VERSION);
        assert!(
            v["failure"].is_null() && v["reference_date"].is_string(),
            "{v}"
        );
        let text = v["articles"][0]["text"].as_str().unwrap().to_string();
        v["articles"][0]["text"] = Value::String(format!("{text} ZXQVKEPT"));
    });
    let marked = |dir: &Path| search(dir, "ZXQVKEPT")["total"].as_u64().unwrap();
    ingest_fetched(&dir, 5);
    assert_eq!(marked(&dir), 5);
    // made by another extractor, or with another option, or missing, or
    // damaged: extracted again from the archived body (each time into a
    // new index, so that only this ingest's documents are searched)
    let reingest = |dir: &Path| {
        std::fs::remove_dir_all(dir.join("data/index")).unwrap();
        ingest_fetched(dir, 5);
    };
    let kept = files.clone();
    let saved: Vec<Vec<u8>> = kept.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let restore = || {
        for (f, b) in kept.iter().zip(&saved) {
            std::fs::write(f, b).unwrap();
        }
    };
    reingest(&dir);
    assert_eq!(marked(&dir), 5, "the marked extractions are reused");
    rewrite_extractions(&files, |v| v["extractor"] = "an-older-extractor".into());
    reingest(&dir);
    assert_eq!(marked(&dir), 0, "another extractor");
    restore();
    rewrite_extractions(&files, |v| v["body_selector"] = "div.other".into());
    reingest(&dir);
    assert_eq!(marked(&dir), 0, "another body selector");
    restore();
    rewrite_extractions(&files, |v| v["reference_date"] = "2001-01-01".into());
    reingest(&dir);
    assert_eq!(marked(&dir), 0, "another fetch day");
    for f in &files {
        std::fs::write(f, b"not zstd").unwrap();
    }
    reingest(&dir);
    assert_eq!(marked(&dir), 0, "damaged");
    for f in &files {
        std::fs::remove_file(f).unwrap();
    }
    reingest(&dir);
    assert_eq!(marked(&dir), 0, "missing");
    let all: Value = serde_json::from_slice(
        &ticai(
            &dir,
            &["search", "--data-dir", "data", "--format", "json", "超节点"],
        )
        .stdout,
    )
    .unwrap();
    assert!(all["total"].as_u64().unwrap() >= 1, "{all}");
}

/// Research notes as PDF from a web listing: one served as
/// `application/pdf`, one as `application/octet-stream` (known by its
/// `%PDF-` bytes); both extracted once, kept, ingested and searchable with
/// their cover's title.
fn handle_notes(stream: &mut TcpStream, req: &Request) {
    let note = || {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pdf/note-cid.pdf"))
            .unwrap()
    };
    match req.route.as_str() {
        "/robots.txt" => respond(
            stream,
            "200 OK",
            &[("Content-Type", "text/plain".into())],
            b"User-agent: *\n",
        ),
        "/notes.html" => {
            let body = "<html><body><ul class=\"notes\"><li><a href=\"/r/note.pdf\">研报</a></li><li><a href=\"/r/download?id=2\">下载</a></li></ul></body></html>";
            respond(
                stream,
                "200 OK",
                &[("Content-Type", "text/html; charset=utf-8".into())],
                body.as_bytes(),
            );
        }
        "/r/note.pdf" => respond(
            stream,
            "200 OK",
            &[("Content-Type", "application/pdf".into())],
            &note(),
        ),
        "/r/download" => {
            let mut other = note();
            // another note: a different byte in a comment line keeps it a new page
            other.extend_from_slice(b"\n% another copy\n");
            respond(
                stream,
                "200 OK",
                &[("Content-Type", "application/octet-stream".into())],
                &other,
            )
        }
        _ => respond(stream, "404 Not Found", &[], b""),
    }
}

#[test]
fn pdf_notes_are_fetched_extracted_once_and_ingested() {
    let (base, _hits) = serve(handle_notes);
    let dir = scratch("fetch_pdf");
    std::fs::write(
        dir.join("ticai.toml"),
        format!(
            "[fetch]\ndelay_ms = 0\n\n[[source]]\nname = \"notes\"\ntype = \"list\"\nurl = \"{base}/notes.html\"\nlink_selector = \"ul.notes a\"\n"
        ),
    )
    .unwrap();
    let summary = fetch_summary(&dir);
    assert_eq!(
        source(&summary, "notes")["new"].as_u64(),
        Some(2),
        "{summary}"
    );
    let mut files = Vec::new();
    extraction_files(&dir.join("data/archive"), &mut files);
    assert_eq!(files.len(), 2, "{files:?}");
    ingest_fetched(&dir, 2);
    let res = search(&dir, "光模块");
    let titles: Vec<&str> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles, ["光模块需求持续上修CPO与铜缆进入放量期"; 2],
        "{res}"
    );
}
