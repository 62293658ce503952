//! What the server tests (`tests/serve.rs`, `tests/browser.rs`) share: the
//! fixture documents, a fixture index, and a `ticai serve` process on a free
//! port of 127.0.0.1 that is stopped when dropped.
#![allow(dead_code)] // each test crate uses its own subset

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::LazyLock;

/// Fixture documents, written for these tests. Ids look like what ingest
/// makes of file paths, digest pages and URLs: `/`, `#`, `?` and Chinese
/// characters. x1 and x2 are one story (syndicated copies); evil carries
/// HTML that must be shown as text.
pub const DOCS: &str = r#"{"id":"notes/2026-07/液冷#1","title":"超节点进入液冷时代","text":"华为发布新一代超节点，整机柜采用液冷散热方案。英伟达的GB200同样转向液冷。","published_at":"2026-07-05T10:00:00+08:00","source":"A"}
{"id":"notes/2026-07/液冷#2","title":"光模块订单","text":"中际旭创（300308）光模块订单饱满，CPO方案进入验证。","published_at":"2026-07-05T14:00:00+08:00","source":"B"}
{"id":"https://news.example.com/a/2026/07/06/nv.html?src=feed#top","title":"英伟达供应链","text":"英伟达供应链受益于万卡集群建设，液冷服务器出货量提升。","published_at":"2026-07-06T09:30:00+08:00","source":"C"}
{"id":"x1","title":"转载：万卡集群","text":"万卡集群与超节点建设同步提速，英伟达与国产厂商竞相布局，多家公司在本周披露了相关订单和交付计划，液冷配套需求随之增长。","published_at":"2026-07-07T09:00:00+08:00","source":"A"}
{"id":"x2","title":"转载：万卡集群（二）","text":"万卡集群与超节点建设同步提速，英伟达与国产厂商竞相布局，多家公司在本周披露了相关订单和交付计划，液冷配套需求随之增长。","published_at":"2026-07-07T11:00:00+08:00","source":"B"}
{"id":"研报/算力 租赁.txt","title":"算力租赁价格","text":"算力租赁价格企稳，超节点与液冷机柜的租金高于普通机柜。","published_at":"2026-07-07T15:00:00+08:00","source":"A"}
{"id":"evil#<b>","title":"<script>window.__xss=1</script>液冷<img src=x onerror=\"window.__xss=2\">","text":"超节点 <script>window.__xss=3</script> 液冷 <img src=x onerror=\"window.__xss=4\"> & 英伟达 <b>加粗</b>","published_at":"2026-07-07T16:00:00+08:00","source":"C"}
{"id":"weather","title":"天气","text":"今日全国大部地区天气晴好，气温回升。","published_at":"2026-07-08T09:00:00+08:00","source":"A"}
"#;

pub fn ticai_in(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ticai"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("TICAI_LEXICON")
        .env_remove("TICAI_HOME")
        .stdin(Stdio::null())
        .output()
        .expect("the ticai binary runs")
}

/// `ticai` succeeds; its stdout.
pub fn ok(data: &Path, args: &[&str]) -> String {
    let out = ticai_in(data, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The characters of a string (evidence offsets count characters).
pub fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

static FIXTURE: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = scratch(&format!("serve-fixture-{}", std::process::id()));
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, DOCS).unwrap();
    let data = dir.join("data");
    ok(&data, &["ingest", f.to_str().unwrap()]);
    data
});

/// The data dir of an index of [`DOCS`] (built once per test binary; the
/// servers only read it).
pub fn fixture_data() -> PathBuf {
    FIXTURE.clone()
}

/// A `ticai serve` process; killed when dropped.
pub struct Server {
    child: Child,
    pub base: url::Url,
    client: reqwest::blocking::Client,
}

impl Server {
    pub fn start(data: &Path) -> Server {
        Server::start_with(data, &[])
    }

    pub fn start_with(data: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ticai"))
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .env_remove("TICAI_LEXICON")
            .env_remove("TICAI_HOME")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("ticai serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let client = reqwest::blocking::Client::builder()
            .no_proxy()
            .build()
            .unwrap();
        Server {
            child,
            base: url::Url::parse(addr).unwrap(),
            client,
        }
    }

    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> url::Url {
        let mut u = self.base.join(path).unwrap();
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        u
    }

    pub fn response(&self, path: &str) -> reqwest::blocking::Response {
        self.client.get(self.url(path, &[])).send().unwrap()
    }

    /// Status and body.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, String) {
        let r = self.client.get(self.url(path, query)).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    /// Status and body of a path sent as written (no encoding here).
    pub fn get_raw(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!(
                "{}{}",
                self.base.as_str().trim_end_matches('/'),
                path
            ))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    /// Status and JSON body; every answer, errors too, is JSON.
    pub fn get_json(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let (status, body) = self.get(path, query);
        let v = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path} {query:?}: {status} not JSON ({e}): {body}"));
        (status, v)
    }

    /// `/api/documents/{id}` with the id percent-encoded as one segment.
    pub fn document_url(&self, id: &str) -> url::Url {
        let mut u = self.base.clone();
        u.path_segments_mut()
            .unwrap()
            .clear()
            .extend(["api", "documents", id]);
        u
    }

    pub fn get_document(&self, id: &str) -> (u16, Value) {
        let r = self.client.get(self.document_url(id)).send().unwrap();
        let status = r.status().as_u16();
        (status, serde_json::from_str(&r.text().unwrap()).unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
