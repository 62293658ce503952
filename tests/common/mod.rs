//! Helpers shared by the end-to-end tests that start an HTTP server on
//! 127.0.0.1 (`tests/fetch.rs`, `tests/crash.rs`): the server loop, the
//! response writer, running the `ticai` binary, scratch directories.
#![allow(dead_code)] // each test crate uses its own subset

use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

/// Requests per route (the path without its query).
pub type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// One request, as a handler sees it.
pub struct Request {
    /// The path without its query string.
    pub route: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// How many times this route was requested, this one included.
    pub n: usize,
    /// The server's base URL (`http://127.0.0.1:PORT`).
    pub base: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

pub type Handler = fn(&mut TcpStream, &Request);

pub fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn read_request(stream: &TcpStream, base: &str, hits: &Hits) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/");
    let route = path.split('?').next().unwrap_or("/").to_string();
    let n = {
        let mut h = hits.lock().unwrap();
        let c = h.entry(route.clone()).or_default();
        *c += 1;
        *c
    };
    Some(Request {
        route,
        headers,
        n,
        base: base.to_string(),
    })
}

/// Starts a server on 127.0.0.1 (a thread per connection); returns its base
/// URL and the per-route hit counts.
pub fn serve(handler: Handler) -> (String, Hits) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits: Hits = Arc::default();
    let (b, h) = (base.clone(), hits.clone());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let (b, h) = (b.clone(), h.clone());
            std::thread::spawn(move || {
                if let Some(req) = read_request(&stream, &b, &h) {
                    handler(&mut stream, &req);
                }
            });
        }
    });
    (base, hits)
}

/// Runs `ticai` in `dir` with extra environment variables (the user's
/// lexicon, home and crash-hook variables are removed first).
pub fn ticai_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(dir, args);
    cmd.stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ticai"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("TICAI_LEXICON")
        .env_remove("TICAI_HOME")
        .env_remove("TICAI_ABORT_AFTER_WRITES");
    cmd
}

/// Runs `ticai` in `dir`, feeding `stdin` (none: an empty standard input).
pub fn ticai_stdin(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let Some(input) = stdin else {
        return ticai(dir, args);
    };
    let mut child = command(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ticai binary runs");
    // a command that refuses its arguments exits before reading: the pipe
    // is then closed, and what it printed is what the test looks at
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

pub fn ticai(dir: &Path, args: &[&str]) -> Output {
    ticai_env(dir, args, &[])
}

/// Runs `ticai` in `dir` with its standard output closed before it writes
/// (`ticai ... | head` when head has exited).
pub fn ticai_closed_stdout(dir: &Path, args: &[&str]) -> Output {
    let mut child = command(dir, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ticai binary runs");
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `ticai fetch --format json` into `dir/data` succeeds; its summary.
pub fn fetch_summary(dir: &Path) -> Value {
    let out = ticai(dir, &["fetch", "--data-dir", "data", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `ticai ingest --fetched` succeeds and leaves `total` documents.
pub fn ingest_fetched(dir: &Path, total: usize) {
    let out = ticai(dir, &["ingest", "--fetched", "--data-dir", "data"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("the index holds {total} documents")),
        "{stdout}"
    );
}

/// The summary of the source named `name`.
pub fn source<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
}

/// The ids of a `ticai search --format json` answer, sorted.
/// `ticai search --format json --limit 20 QUERY` over the index in
/// `dir/data`, which must succeed.
pub fn search(dir: &Path, query: &str) -> Value {
    let out = ticai(
        dir,
        &[
            "search",
            "--data-dir",
            "data",
            "--format",
            "json",
            "--limit",
            "20",
            query,
        ],
    );
    assert!(
        out.status.success(),
        "{query}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn result_ids(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON Lines a command printed (`tag`, `extract`), one value each.
pub fn docs(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The theme ids of one `ticai tag` record.
pub fn theme_ids(d: &Value) -> Vec<String> {
    d["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}
