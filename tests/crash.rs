//! Crash consistency of `fetch`, `ingest --fetched`, `retag` and `reindex`: each is
//! stopped right after its 1st, 2nd, 3rd, ... durable write (archive file,
//! SQLite transaction, tantivy commit) through the test-only hook
//! `TICAI_ABORT_AFTER_WRITES=N` (the process aborts, as abruptly as a
//! SIGKILL), then run once normally; the archive, the crawl state and the
//! index must then equal those of one clean run: the same archive files, the
//! same rows (URLs, validators, hashes, clusters, errors), the same document
//! ids with the same tags.
//!
//! The fixture server on 127.0.0.1 has an RSS feed with validators (ETag and
//! Last-Modified, 304 when unchanged), a sitemap index of two sitemaps and a
//! two-page list, an exact copy of one article and one missing article.
//!
//! Also here: an index written by an earlier ticai (a schema without the
//! `region` field) is refused with the way out, and `ticai reindex` moves
//! it to today's schema with every document kept.

mod common;

use common::{Request, respond, scratch, serve, ticai, ticai_env};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::Path;

/// Article texts of the fixture (our own), one per article URL.
const TEXTS: [&str; 14] = [
    "液冷服务器订单饱满，冷板式液冷方案成为数据中心改造的主流路线，多家厂商宣布扩产计划。",
    "本季度800G光模块出货量环比增长三成，1.6T产品开始小批量交付，头部厂商订单已排至明年。",
    "推理需求快速增长，算力租赁价格企稳回升，长期合约占比提升，供需格局继续改善。",
    "国产AI芯片厂商发布新一代训练卡，在出口管制背景下国内云厂商加快导入验证。",
    "新一代超节点产品单系统可扩展至一万张加速卡，万卡集群从规划走向交付。",
    "存储芯片价格连续三个季度上涨，HBM产能紧张，先进封装环节迎来一轮扩产潮。",
    "铜缆高速连接方案在机柜内部互联中加速渗透，连接器厂商的业绩预告大幅增长。",
    "高多层PCB需求旺盛，AI服务器主板带动覆铜板价格上调，龙头厂商产能利用率接近满载。",
    "服务器电源的功率密度持续提升，钛金级电源模块出货放量，毛利率同比改善。",
    "以太网组网推动交换机市场增长，51.2T交换芯片方案进入商用阶段。",
    "东数西算工程新一批枢纽节点开工，西部数据中心的上架率稳步提升。",
    "大模型推理成本快速下降，AI应用的调用量月度环比翻倍，商业化路径逐渐清晰。",
    "硅光技术路线获得更多厂商采用，CPO样品开始送测，预计明年小批量出货。",
    "端侧AI手机出货量提升，多模态模型在终端侧的部署明显加速。",
];

fn page(i: usize) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>样例新闻{i}</title></head><body><div class=\"nav\">首页 &gt; 科技</div><article><h1>样例新闻{i}</h1><p>2026-11-18 09:30 来源：样例网</p><p>{}</p></article></body></html>",
        TEXTS[i]
    )
}

fn handle(stream: &mut TcpStream, req: &Request) {
    let base = &req.base;
    let html = [("Content-Type", "text/html; charset=utf-8".to_string())];
    let xml = |etag: &str| {
        vec![
            ("Content-Type", "application/xml".to_string()),
            ("ETag", format!("\"{etag}\"")),
            ("Last-Modified", "Wed, 18 Nov 2026 01:00:00 GMT".to_string()),
        ]
    };
    // the listings' ETags are "fe", "si", "li", "fl": the first two letters of their paths
    let unchanged =
        |etag: &str| req.header("if-none-match") == Some(format!("\"{etag}\"").as_str());
    let article = |r: &str, prefix: &str, offset: usize| -> Option<usize> {
        let n: usize = r
            .strip_prefix(prefix)?
            .strip_suffix(".html")?
            .parse()
            .ok()?;
        (1..=5).contains(&n).then_some(offset + n - 1)
    };
    let r = req.route.as_str();
    match r {
        "/robots.txt" => respond(
            stream,
            "200 OK",
            &[("Content-Type", "text/plain".into())],
            b"User-agent: *\nAllow: /\n",
        ),
        "/feed.xml" | "/sitemap.xml" | "/list/1.html" | "/flaky-index.xml" | "/flaky-list/1.html" if unchanged(&r[1..3]) => {
            respond(stream, "304 Not Modified", &[], b"")
        }
        "/feed.xml" => {
            let items: String = [
                "/n/1.html",
                "/n/2.html",
                "/n/3.html",
                "/n/4.html",
                "/n/5.html",
                "/n/copy.html",
                "/n/missing.html",
            ]
            .iter()
            .map(|p| format!("<item><title>t</title><link>{base}{p}</link></item>"))
            .collect();
            let body = format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>样例</title>{items}</channel></rss>"
            );
            respond(stream, "200 OK", &xml("fe"), body.as_bytes());
        }
        "/sitemap.xml" => {
            let body = format!(
                "<?xml version=\"1.0\"?><sitemapindex><sitemap><loc>{base}/sm/a.xml</loc></sitemap><sitemap><loc>{base}/sm/b.xml</loc></sitemap></sitemapindex>"
            );
            respond(stream, "200 OK", &xml("si"), body.as_bytes());
        }
        "/sm/a.xml" | "/sm/b.xml" => {
            let ns: &[usize] = if r == "/sm/a.xml" {
                &[1, 2, 3]
            } else {
                &[4, 5]
            };
            let urls: String = ns
                .iter()
                .map(|n| format!("<url><loc>{base}/s/{n}.html</loc></url>"))
                .collect();
            respond(
                stream,
                "200 OK",
                &[("Content-Type", "application/xml".into())],
                format!("<urlset>{urls}</urlset>").as_bytes(),
            );
        }
        "/list/1.html" => {
            let body = "<html><body><ul class=\"news\"><li><a href=\"/l/1.html\">1</a></li><li><a href=\"/l/2.html\">2</a></li></ul><a class=\"next\" href=\"/list/2.html\">下一页</a></body></html>";
            let mut headers = xml("li");
            headers[0].1 = "text/html; charset=utf-8".into();
            respond(stream, "200 OK", &headers, body.as_bytes());
        }
        "/list/2.html" => {
            let body = "<html><body><ul class=\"news\"><li><a href=\"/l/3.html\">3</a></li><li><a href=\"/l/4.html\">4</a></li></ul></body></html>";
            respond(stream, "200 OK", &html, body.as_bytes());
        }
        // an index whose second sitemap, and a list whose second page, fail once
        "/flaky-index.xml" => {
            let body = format!("<?xml version=\"1.0\"?><sitemapindex><sitemap><loc>{base}/sm/a.xml</loc></sitemap><sitemap><loc>{base}/sm/flaky.xml</loc></sitemap></sitemapindex>");
            respond(stream, "200 OK", &xml("fl"), body.as_bytes());
        }
        "/sm/flaky.xml" if req.n == 1 => respond(stream, "500 Internal Server Error", &[], b"oops"),
        "/sm/flaky.xml" => respond(stream, "200 OK", &[("Content-Type", "application/xml".into())], format!("<urlset><url><loc>{base}/s/4.html</loc></url></urlset>").as_bytes()),
        "/flaky-list/1.html" => {
            let body = "<html><body><ul class=\"news\"><li><a href=\"/l/1.html\">1</a></li></ul><a class=\"next\" href=\"/flaky-list/2.html\">下一页</a></body></html>";
            let mut headers = xml("fl");
            headers[0].1 = "text/html; charset=utf-8".into();
            respond(stream, "200 OK", &headers, body.as_bytes());
        }
        "/flaky-list/2.html" if req.n == 1 => respond(stream, "500 Internal Server Error", &[], b"oops"),
        "/flaky-list/2.html" => respond(stream, "200 OK", &html, b"<html><body><ul class=\"news\"><li><a href=\"/l/3.html\">3</a></li></ul></body></html>"),
        "/n/copy.html" => respond(stream, "200 OK", &html, page(0).as_bytes()),
        _ => match article(r, "/n/", 0)
            .or_else(|| article(r, "/s/", 5))
            .or_else(|| article(r, "/l/", 10))
            .filter(|&i| i < TEXTS.len())
        {
            Some(i) => respond(stream, "200 OK", &html, page(i).as_bytes()),
            None => respond(stream, "404 Not Found", &[], b"not found"),
        },
    }
}

fn config(base: &str) -> String {
    format!(
        "[fetch]\ndelay_ms = 0\nconcurrency = 3\nretries = 0\n\n\
         [[source]]\nname = \"feed\"\ntype = \"rss\"\nurl = \"{base}/feed.xml\"\n\n\
         [[source]]\nname = \"sitemap\"\ntype = \"sitemap\"\nurl = \"{base}/sitemap.xml\"\n\n\
         [[source]]\nname = \"list\"\ntype = \"list\"\nurl = \"{base}/list/1.html\"\n\
         link_selector = \"ul.news a\"\nnext_selector = \"a.next\"\n"
    )
}

/// Everything of a data directory that a run must leave as one clean run
/// does: the archive's files (name and bytes), the crawl state's rows
/// (timestamps and the attempts log aside), the index's documents.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    archive: BTreeMap<String, Vec<u8>>,
    pages: Vec<String>,
    signatures: Vec<String>,
    index: Vec<String>,
}

fn archive_files(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            archive_files(&e.path(), &format!("{name}/"), out);
        } else {
            out.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
}

fn rows(db: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = db.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut out: Vec<String> = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.join(" | "))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    out.sort();
    out
}

/// The index as `search` and `stats` show it: every document's id, source,
/// cluster, tags (theme and company names with mention counts) and lexicon
/// version counts.
fn index_docs(dir: &Path) -> Vec<String> {
    if !dir.join("data/index/meta.json").exists() {
        return vec![];
    }
    let out = ticai(
        dir,
        &[
            "search",
            "--data-dir",
            "data",
            "--format",
            "json",
            "--limit",
            "1000",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut docs: Vec<String> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {} {} {} themes={} companies={}",
                h["id"], h["source"], h["cluster_id"], h["title"], h["themes"], h["companies"]
            )
        })
        .collect();
    docs.sort();
    let stats = ticai(dir, &["stats", "--data-dir", "data", "--format", "json"]);
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    docs.push(format!(
        "documents={} versions={}",
        stats["documents"], stats["indexed_lexicon_versions"]
    ));
    docs
}

fn snapshot(dir: &Path) -> Snapshot {
    let data = dir.join("data");
    let mut archive = BTreeMap::new();
    archive_files(&data.join("archive"), "", &mut archive);
    let db = rusqlite::Connection::open_with_flags(
        data.join("state.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    Snapshot {
        archive,
        pages: rows(
            &db,
            // a listing's status is that of its last response (200, or 304 when
            // an earlier run had completed it), like its timestamps
            "SELECT url, source, kind, CASE kind WHEN 'feed' THEN NULL ELSE status END, etag, last_modified,
                    content_type, content_hash, cluster_id, error, body_selector FROM pages",
        ),
        signatures: rows(
            &db,
            "SELECT s.url, hex(s.sig), (SELECT group_concat(band) FROM bands b WHERE b.url = s.url) FROM signatures s",
        ),
        index: index_docs(dir),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = ticai(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// For k = 1, 2, ...: a copy of `start` (a directory with `data/` and the
/// config) gets `args` run with the hook set to abort after write k, then
/// `args` run normally; its snapshot must be `clean`. Stops at the first k the command completes without reaching;
/// returns how many kill points were tried.
fn kill_at_every_write(name: &str, start: &Path, args: &[&str], clean: &Snapshot) -> usize {
    let mut k = 1;
    loop {
        let dir = scratch(&format!("{name}_kill"));
        copy_dir(start, &dir);
        let n = k.to_string();
        let out = ticai_env(&dir, args, &[("TICAI_ABORT_AFTER_WRITES", &n)]);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.success() {
            assert!(!stderr.contains("aborting after"), "{stderr}");
            eprintln!(
                "{args:?}: {} kill points, each then run again: as one clean run",
                k - 1
            );
            return k - 1;
        }
        assert_eq!(
            out.status.code(),
            None,
            "{args:?} with the hook at {k}: not aborted but failed: {stderr}"
        );
        assert!(
            stderr.contains(&format!("aborting after durable write {k} ")),
            "{stderr}"
        );
        run_ok(&dir, args);
        let got = snapshot(&dir);
        assert!(
            got == *clean,
            "{args:?} killed after write {k} ({}), then run again: differs from one clean run\n\
             archive files: {} vs {} clean\npages:\n  {}\nclean pages:\n  {}\nindex:\n  {}\nclean index:\n  {}",
            stderr.trim(),
            got.archive.len(),
            clean.archive.len(),
            got.pages.join("\n  "),
            clean.pages.join("\n  "),
            got.index.join("\n  "),
            clean.index.join("\n  ")
        );
        k += 1;
        assert!(k < 500, "{args:?} never completed");
    }
}

const FETCH: &[&str] = &["fetch", "--data-dir", "data", "--format", "json"];
const INGEST: &[&str] = &[
    "ingest",
    "--fetched",
    "--data-dir",
    "data",
    "--commit-every",
    "1",
];

/// A directory with the config and one clean fetch in `data/`.
fn fetched(name: &str, base: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("ticai.toml"), config(base)).unwrap();
    run_ok(&dir, FETCH);
    dir
}

#[test]
fn fetch_killed_at_every_write_then_rerun_equals_one_clean_run() {
    let (base, _hits) = serve(handle);
    let clean_dir = fetched("crash_fetch_clean", &base);
    let clean = snapshot(&clean_dir);
    // the fixture is what it should be: 15 articles (one an exact copy), one
    // failure, three listings with their validators
    let articles = clean
        .pages
        .iter()
        .filter(|r| r.contains("\"article\""))
        .count();
    assert_eq!(articles, 16, "{:#?}", clean.pages);
    assert_eq!(
        clean
            .pages
            .iter()
            .filter(|r| r.contains("HTTP 404"))
            .count(),
        1
    );
    for etag in ["fe", "si", "li"] {
        assert!(
            clean
                .pages
                .iter()
                .any(|r| r.contains(&format!("\\\"{etag}\\\""))),
            "{etag}: {:#?}",
            clean.pages
        );
    }
    let extractions = clean
        .archive
        .keys()
        .filter(|k| k.ends_with(".extracted.zst"))
        .count();
    assert_eq!(
        clean.archive.len() - extractions,
        14,
        "the copy shares its original's file"
    );
    // and every fetched article URL has its extraction kept beside it
    assert_eq!(extractions, 15);

    let start = scratch("crash_fetch_start");
    std::fs::write(start.join("ticai.toml"), config(&base)).unwrap();
    let kills = kill_at_every_write("crash_fetch", &start, FETCH, &clean);
    assert!(kills >= 10, "only {kills} kill points");

    // a run after a complete one changes nothing: every listing answers 304
    run_ok(&clean_dir, FETCH);
    let again = snapshot(&clean_dir);
    assert_eq!(again.archive, clean.archive);
    assert_eq!(again.signatures, clean.signatures);
}

#[test]
fn ingest_fetched_killed_at_every_commit_then_rerun_equals_one_clean_run() {
    let (base, _hits) = serve(handle);
    let start = fetched("crash_ingest_start", &base);
    let clean_dir = scratch("crash_ingest_clean");
    copy_dir(&start, &clean_dir);
    run_ok(&clean_dir, INGEST);
    let clean = snapshot(&clean_dir);
    assert_eq!(clean.index.len(), 15 + 1, "{:#?}", clean.index);
    assert!(
        clean.index.iter().any(|d| d.contains("liquid-cooling")),
        "{:#?}",
        clean.index
    );
    let kills = kill_at_every_write("crash_ingest", &start, INGEST, &clean);
    assert!(kills >= 10, "only {kills} kill points");
}

#[test]
fn retag_killed_at_every_commit_then_rerun_equals_one_clean_run() {
    let (base, _hits) = serve(handle);
    let start = fetched("crash_retag_start", &base);
    // indexed with a one-theme lexicon, then re-tagged with the built-in one
    let lex = start.join("lexicon");
    std::fs::create_dir_all(lex.join("themes")).unwrap();
    std::fs::create_dir_all(lex.join("companies")).unwrap();
    std::fs::write(
        lex.join("themes/t.toml"),
        "[[theme]]\nid = \"liquid-cooling\"\nname_zh = \"液冷\"\nname_en = \"liquid cooling\"\ndescription = \"d\"\n",
    )
    .unwrap();
    run_ok(
        &start,
        &[
            "--lexicon",
            "lexicon",
            "ingest",
            "--fetched",
            "--data-dir",
            "data",
        ],
    );
    let before = snapshot(&start);
    let retag: &[&str] = &["retag", "--data-dir", "data", "--commit-every", "1"];
    let clean_dir = scratch("crash_retag_clean");
    copy_dir(&start, &clean_dir);
    run_ok(&clean_dir, retag);
    let clean = snapshot(&clean_dir);
    assert_ne!(before.index, clean.index, "the retag changes tags");
    assert!(
        clean
            .index
            .iter()
            .any(|d| d.contains("optical-interconnect")),
        "{:#?}",
        clean.index
    );
    let kills = kill_at_every_write("crash_retag", &start, retag, &clean);
    assert!(kills >= 10, "only {kills} kill points");
}

#[test]
fn reindex_killed_at_every_write_then_rerun_equals_one_clean_run() {
    let (base, _hits) = serve(handle);
    let start = fetched("crash_reindex_start", &base);
    run_ok(&start, INGEST);
    let before = snapshot(&start);
    let reindex: &[&str] = &["reindex", "--data-dir", "data"];
    let clean_dir = scratch("crash_reindex_clean");
    copy_dir(&start, &clean_dir);
    run_ok(&clean_dir, reindex);
    let clean = snapshot(&clean_dir);
    // the same documents, tags, clusters and fetch state
    assert_eq!(before, clean);
    assert!(clean.index.len() > 10, "{:#?}", clean.index);
    for leftover in ["index.rebuild", "index.previous"] {
        assert!(
            !clean_dir.join("data").join(leftover).exists(),
            "{leftover}"
        );
    }
    let kills = kill_at_every_write("crash_reindex", &start, reindex, &clean);
    assert_eq!(kills, 4, "commit, marker, and the two renames");
    // stopped between the renames, the next command of any kind finishes it
    let dir = scratch("crash_reindex_search");
    copy_dir(&start, &dir);
    let out = ticai_env(&dir, reindex, &[("TICAI_ABORT_AFTER_WRITES", "3")]);
    assert_eq!(out.status.code(), None);
    assert!(!dir.join("data/index").exists());
    let doctor = ticai(&dir, &["doctor", "--data-dir", "data"]);
    assert_eq!(doctor.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&doctor.stdout).contains("ticai reindex"),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    run_ok(&dir, &["search", "--data-dir", "data", "液冷"]);
    assert!(!dir.join("data/index.previous").exists());
    assert!(
        snapshot(&dir) == clean,
        "the search did not finish the reindex"
    );
}

/// Writes, with tantivy alone, an index as ticai wrote it before the
/// `region` field: the schema of that version, its stored fields filled as
/// ingest filled them (the postings do not matter to a rebuild, which reads
/// stored fields only, so a plain tokenizer stands in for ticai's).
fn write_index_without_region(dir: &Path, docs: &[(&str, &str, &str, &str)]) {
    use tantivy::schema::{FAST, INDEXED, STORED, STRING, Schema, TextFieldIndexing, TextOptions};
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_stored()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer("ticai_zh"));
    let id = b.add_text_field("id", STRING | STORED);
    b.add_text_field("url", STRING | STORED);
    let source = b.add_text_field("source", STRING | STORED | FAST);
    let title = b.add_text_field("title", text.clone());
    let body = b.add_text_field("body", text);
    b.add_date_field("published_at", INDEXED | FAST);
    let published = b.add_text_field("published", STORED);
    b.add_i64_field("month", INDEXED | FAST);
    b.add_text_field("themes", STRING | FAST);
    b.add_text_field("companies", STRING | FAST);
    b.add_text_field("company_codes", STRING);
    let tags = b.add_text_field("tags", STORED);
    let version = b.add_text_field("lexicon_version", STRING | STORED | FAST);
    let cluster = b.add_text_field("cluster_id", STRING | STORED | FAST);
    b.add_u64_field("cluster_hash", FAST);
    b.add_text_field("tag_stats", STRING | FAST);
    b.add_text_field("script", STRING | STORED);
    b.add_date_field("ingested_at", STORED);
    std::fs::create_dir_all(dir).unwrap();
    let index = tantivy::Index::create_in_dir(dir, b.build()).unwrap();
    index.tokenizers().register(
        "ticai_zh",
        tantivy::tokenizer::TextAnalyzer::from(tantivy::tokenizer::SimpleTokenizer::default()),
    );
    let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
    for (i, (doc_id, t, text, at)) in docs.iter().enumerate() {
        let mut d = tantivy::TantivyDocument::default();
        d.add_text(id, doc_id);
        d.add_text(source, "old-source");
        d.add_text(title, t);
        d.add_text(body, text);
        d.add_text(published, at);
        d.add_text(tags, r#"{"themes":[],"companies":[]}"#);
        d.add_text(version, "an-old-lexicon");
        d.add_text(cluster, format!("story-{}", i % 2));
        w.add_document(d).unwrap();
    }
    w.commit().unwrap();
}

#[test]
fn an_index_without_a_newer_field_is_refused_then_reindexed() {
    let dir = scratch("reindex_old_schema");
    write_index_without_region(
        &dir.join("data/index"),
        &[
            ("a", "液冷订单", TEXTS[0], "2026-11-02T09:30:00+08:00"),
            ("b", "光模块出货", TEXTS[1], "2026-11-03T10:00:00+08:00"),
            ("c", "光模块转载", TEXTS[1], "2026-11-03T11:00:00+08:00"),
            (
                "d",
                "台湾来稿",
                "公司的伺服器业务增长",
                "2026-11-04T11:00:00+08:00",
            ),
        ],
    );
    // the daily job's config gave the source a region
    std::fs::write(
        dir.join("ticai.toml"),
        "[[source]]\nname = \"old-source\"\ntype = \"jsonl\"\npath = \"old.jsonl\"\nregion = \"tw\"\n",
    )
    .unwrap();
    let search = ["search", "--data-dir", "data", "--format", "json", "光模块"];
    let refused = ticai(&dir, &search);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("\"region\"") && err.contains("ticai reindex"),
        "{err}"
    );
    let doctor = ticai(&dir, &["doctor", "--data-dir", "data"]);
    assert!(
        String::from_utf8_lossy(&doctor.stdout).contains("run `ticai reindex`"),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    // nothing was changed by the refusals
    assert!(dir.join("data/index/meta.json").exists());

    let bad = ticai(
        &dir,
        &["reindex", "--data-dir", "data", "--config", "missing.toml"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("missing.toml"));
    let out = ticai(
        &dir,
        &["reindex", "--data-dir", "data", "--config", "ticai.toml"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("reindexed 4 documents") && said.contains("fields added: region"),
        "{said}"
    );
    let found = ticai(&dir, &search);
    assert!(
        found.status.success(),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    let v: Value = serde_json::from_slice(&found.stdout).unwrap();
    let mut hits: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {} {} {} {}",
                h["id"], h["title"], h["published_at"], h["cluster_id"], h["themes"][0]["id"]
            )
        })
        .collect();
    hits.sort();
    assert_eq!(
        hits,
        [
            r#""b" "光模块出货" "2026-11-03T10:00:00+08:00" "story-1" "optical-interconnect""#,
            r#""c" "光模块转载" "2026-11-03T11:00:00+08:00" "story-0" "optical-interconnect""#,
        ]
    );
    let stats = ticai(&dir, &["stats", "--data-dir", "data", "--format", "json"]);
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["documents"], 4);
    // the source's region applies to its documents, and is stored now
    let tw = ticai(
        &dir,
        &["search", "--data-dir", "data", "--format", "json", "服务器"],
    );
    let tw: Value = serde_json::from_slice(&tw.stdout).unwrap();
    assert_eq!(tw["results"][0]["id"], "d", "{tw}");
    assert_eq!(tw["results"][0]["snippet"], "公司的<b>伺服器</b>业务增长");
    let exported = ticai(
        &dir,
        &["export", "documents", "--data-dir", "data", "--out", "-"],
    );
    let d: Value = String::from_utf8_lossy(&exported.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["id"] == "d")
        .unwrap();
    assert_eq!(d["region"], "tw");
    let versions = stats["indexed_lexicon_versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0]["version"], stats["lexicon_version"]);
    for leftover in ["index.rebuild", "index.previous"] {
        assert!(!dir.join("data").join(leftover).exists(), "{leftover}");
    }
}

#[test]
fn a_listing_read_in_part_keeps_no_validators() {
    let (base, hits) = serve(handle);
    let dir = scratch("crash_partial_listing");
    std::fs::write(
        dir.join("ticai.toml"),
        format!(
            "[fetch]\ndelay_ms = 0\nretries = 0\n\n\
             [[source]]\nname = \"index\"\ntype = \"sitemap\"\nurl = \"{base}/flaky-index.xml\"\n\n\
             [[source]]\nname = \"pages\"\ntype = \"list\"\nurl = \"{base}/flaky-list/1.html\"\n\
             link_selector = \"ul.news a\"\nnext_selector = \"a.next\"\n"
        ),
    )
    .unwrap();
    let listed = |summary: &Value, name: &str| {
        let s = common::source(summary, name);
        (
            s["listed"].as_u64().unwrap(),
            s["not_modified"].as_u64().unwrap(),
        )
    };
    // the first run reads the first sitemap and the first list page only
    let first = common::fetch_summary(&dir);
    assert_eq!(listed(&first, "index"), (3, 0), "{first}");
    assert_eq!(listed(&first, "pages"), (1, 0), "{first}");
    // so the next run may not be told "not modified": it reads them in full
    let second = common::fetch_summary(&dir);
    assert_eq!(listed(&second, "index"), (4, 0), "{second}");
    assert_eq!(listed(&second, "pages"), (2, 0), "{second}");
    let h = hits.lock().unwrap();
    assert_eq!(
        h.get("/s/4.html"),
        Some(&1),
        "the article the failed sitemap lists"
    );
    assert_eq!(
        h.get("/l/3.html"),
        Some(&1),
        "the article of the failed page"
    );
    drop(h);
    // complete now: the validators are kept and the next run is a 304
    let third = common::fetch_summary(&dir);
    assert_eq!(listed(&third, "index"), (0, 1), "{third}");
    assert_eq!(listed(&third, "pages"), (0, 1), "{third}");
}
