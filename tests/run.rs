//! `ticai run`, the daily job, against a server on 127.0.0.1: two runs
//! (the second adds nothing; a failing page gives exit 1 both times), new
//! articles and runs killed at every durable write then run again (equal to
//! one clean run: index, archive, exports), the lock (a concurrent run exits
//! 3 naming the holder; a stale lock is taken over), `ticai runs`.

mod common;

use common::{Request, respond, scratch, serve, ticai_env};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};

const TEXTS: [&str; 6] = [
    "英伟达发布新一代GPU，液冷服务器需求大增，多家厂商扩产液冷板和冷却液分配单元。",
    "光模块龙头中际旭创三季度营收增长，800G光模块出货量创新高，1.6T产品开始量产。",
    "铜缆高速连接方案在机柜内部互联中加速渗透，连接器厂商的业绩预告大幅增长。",
    "高多层PCB需求旺盛，AI服务器主板带动覆铜板价格上调，龙头厂商产能利用率接近满载。",
    "服务器电源的功率密度持续提升，钛金级电源模块出货放量，毛利率同比改善。",
    "硅光技术路线获得更多厂商采用，CPO样品开始送测，预计明年小批量出货。",
];

/// The day every run exports (`TICAI_RUN_DAY`) and the pages' date.
const DAY: &str = "2026-11-18";

/// Released by the lock test: until then `/gate.html` does not answer.
static GATE_OPEN: AtomicBool = AtomicBool::new(false);

fn page(i: usize) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>样例新闻{i}</title></head><body><article><h1>样例新闻{i}</h1><p>{DAY} 09:30 来源：样例网</p><p>{}</p></article></body></html>",
        TEXTS[i]
    )
}

fn feed(base: &str, paths: &[&str]) -> String {
    let items: String = paths
        .iter()
        .map(|p| format!("<item><title>t</title><link>{base}{p}</link></item>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>样例</title>{items}</channel></rss>"
    )
}

fn handle(stream: &mut TcpStream, req: &Request) {
    let html = [("Content-Type", "text/html; charset=utf-8".to_string())];
    let xml = [("Content-Type", "application/xml".to_string())];
    let r = req.route.as_str();
    match r {
        "/robots.txt" => respond(stream, "200 OK", &[], b"User-agent: *\nAllow: /\n"),
        "/feed.xml" => {
            let body = feed(
                &req.base,
                &[
                    "/n/1.html",
                    "/n/2.html",
                    "/n/3.html",
                    "/n/slow.html",
                    "/n/missing.html",
                ],
            );
            respond(stream, "200 OK", &xml, body.as_bytes())
        }
        "/more.xml" => {
            let body = feed(&req.base, &["/n/5.html", "/n/6.html"]);
            respond(stream, "200 OK", &xml, body.as_bytes())
        }
        "/gated.xml" => {
            let body = feed(&req.base, &["/gate.html"]);
            respond(stream, "200 OK", &xml, body.as_bytes())
        }
        "/gate.html" => {
            while !GATE_OPEN.load(Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            respond(stream, "200 OK", &html, page(0).as_bytes())
        }
        "/n/slow.html" => {
            std::thread::sleep(std::time::Duration::from_millis(300));
            respond(stream, "200 OK", &html, page(3).as_bytes())
        }
        "/n/1.html" | "/n/2.html" | "/n/3.html" | "/n/5.html" | "/n/6.html" => {
            let i: usize = r[3..4].parse().unwrap();
            respond(stream, "200 OK", &html, page(i - 1).as_bytes())
        }
        _ => respond(stream, "404 Not Found", &[], b"not found"),
    }
}

fn config(base: &str, more: bool) -> String {
    let mut c = format!(
        "[fetch]\ndelay_ms = 0\nconcurrency = 3\nretries = 0\n\n\
         [run]\nwindow_days = 7\nthemes = [\"liquid-cooling\", \"optical-interconnect\"]\nkeep_runs = 5\n\n\
         [[source]]\nname = \"feed\"\ntype = \"rss\"\nurl = \"{base}/feed.xml\"\n"
    );
    if more {
        c.push_str(&format!(
            "\n[[source]]\nname = \"more\"\ntype = \"rss\"\nurl = \"{base}/more.xml\"\n"
        ));
    }
    c
}

const RUN: &[&str] = &["run", "--data-dir", "data", "--config", "ticai.toml"];

fn run(dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut e = vec![("TICAI_RUN_DAY", DAY)];
    e.extend_from_slice(env);
    ticai_env(dir, RUN, &e)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The newest run report.
fn last_report(dir: &Path) -> Value {
    let out = ticai_env(
        dir,
        &[
            "runs",
            "--data-dir",
            "data",
            "--last",
            "1",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].clone()
}

fn files(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            files(&e.path(), &format!("{name}/"), out);
        } else {
            out.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
}

/// Index documents (id, source, cluster, tags), archive files and exports.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    index: Vec<String>,
    archive: BTreeMap<String, Vec<u8>>,
    exports: BTreeMap<String, Vec<u8>>,
}

fn snapshot(dir: &Path) -> Snapshot {
    let out = ticai_env(
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
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut index: Vec<String> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {} {} themes={} companies={}",
                h["id"], h["source"], h["cluster_id"], h["themes"], h["companies"]
            )
        })
        .collect();
    index.sort();
    let (mut archive, mut exports) = (BTreeMap::new(), BTreeMap::new());
    files(&dir.join("data/archive"), "", &mut archive);
    files(&dir.join("data/exports"), "", &mut exports);
    Snapshot {
        index,
        archive,
        exports,
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

#[test]
fn two_runs_then_killed_runs_resume_to_one_clean_run() {
    let (base, _) = serve(handle);
    let dir = scratch("run_twice");
    std::fs::write(dir.join("ticai.toml"), config(&base, false)).unwrap();

    let first = run(&dir, &[]);
    let stdout = text(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{stdout}{}",
        text(&first.stderr)
    );
    assert!(stdout.contains("missing.html"), "{stdout}");
    let r1 = last_report(&dir);
    assert_eq!(r1["exit_code"], 1);
    assert_eq!(r1["documents"]["new"], 4, "{r1}");
    assert_eq!(r1["sources"][0]["new"], 4, "{r1}");
    assert_eq!(r1["sources"][0]["failed"], 1, "{r1}");
    assert!(
        r1["lexicon_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    for stage in ["fetch", "ingest", "exports", "alerts"] {
        assert!(r1["timings"][stage].is_number(), "{r1}");
    }
    for name in [
        format!("trends-{DAY}.csv"),
        format!("trends-{DAY}.parquet"),
        "trends-latest.csv".into(),
        "trends-latest.parquet".into(),
    ] {
        assert!(dir.join("data/exports").join(&name).is_file(), "{name}");
    }
    let csv = std::fs::read_to_string(dir.join("data/exports/trends-latest.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with(DAY) && l.contains("liquid-cooling")),
        "{csv}"
    );
    assert!(!dir.join("data/run.lock").exists());
    let before = snapshot(&dir);

    // the second run: nothing new, nothing rewritten, the same failing page
    let second = run(&dir, &[]);
    let stdout = text(&second.stdout);
    assert_eq!(second.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("index: nothing new"), "{stdout}");
    assert!(
        stdout.contains("exports: 0 of 4 file(s) rewritten"),
        "{stdout}"
    );
    let r2 = last_report(&dir);
    assert_eq!(r2["documents"]["new"], 0);
    assert_eq!(
        r2["documents"]["upserted"], 0,
        "stored pages are not re-read: {r2}"
    );
    assert_eq!(r2["sources"][0]["new"], 0);
    assert_eq!(before, snapshot(&dir));
    let runs = ticai_env(&dir, &["runs", "--data-dir", "data"], &[]);
    assert_eq!(
        text(&runs.stdout).lines().count(),
        3,
        "{}",
        text(&runs.stdout)
    );

    // new articles: one clean run ...
    std::fs::write(dir.join("ticai.toml"), config(&base, true)).unwrap();
    let clean_dir = scratch("run_clean");
    copy_dir(&dir, &clean_dir);
    let out = run(&clean_dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(last_report(&clean_dir)["documents"]["new"], 2);
    let clean = snapshot(&clean_dir);
    assert_ne!(clean, before);

    // ... equals a run killed after any durable write, then run again
    let mut k = 1;
    loop {
        let kdir = scratch("run_kill");
        copy_dir(&dir, &kdir);
        let n = k.to_string();
        let out = run(&kdir, &[("TICAI_ABORT_AFTER_WRITES", &n)]);
        let stderr = text(&out.stderr);
        if out.status.code() == Some(1) {
            assert!(!stderr.contains("aborting after"), "{stderr}");
            break;
        }
        assert_eq!(out.status.code(), None, "killed at {k}: {stderr}");
        assert!(
            kdir.join("data/run.lock").exists(),
            "the killed run leaves its lock"
        );
        let again = run(&kdir, &[]);
        assert_eq!(
            again.status.code(),
            Some(1),
            "after kill {k}: {}",
            text(&again.stderr)
        );
        assert_eq!(
            snapshot(&kdir),
            clean,
            "killed after write {k} ({stderr}), then run again"
        );
        k += 1;
        assert!(k < 200, "the run never completed");
    }
    assert!(k > 4, "only {} kill points", k - 1);
}

#[test]
fn a_second_run_exits_3_naming_the_holder_and_a_stale_lock_is_taken_over() {
    let (base, _) = serve(handle);
    let dir = scratch("run_lock");
    std::fs::write(
        dir.join("ticai.toml"),
        format!(
            "[fetch]\ndelay_ms = 0\nretries = 0\ntimeout_s = 120\n\n[[source]]\nname = \"gated\"\ntype = \"rss\"\nurl = \"{base}/gated.xml\"\n"
        ),
    )
    .unwrap();
    // the first run waits on the gated page, holding the lock
    let first = std::process::Command::new(env!("CARGO_BIN_EXE_ticai"))
        .current_dir(&dir)
        .args(RUN)
        .env("TICAI_RUN_DAY", DAY)
        .env_remove("TICAI_ABORT_AFTER_WRITES")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lock = dir.join("data/run.lock");
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.contains("started=")) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let second = run(&dir, &[]);
    GATE_OPEN.store(true, Ordering::SeqCst);
    let stderr = text(&second.stderr);
    assert_eq!(second.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    assert!(stderr.contains("started at 20"), "{stderr}");
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!lock.exists());

    // a lock left by a process that is gone is taken over
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(&lock, format!("pid={pid}\nstarted=2026-11-18T00:00:00Z\n")).unwrap();
    let third = run(&dir, &[]);
    assert_eq!(third.status.code(), Some(0), "{}", text(&third.stderr));
    assert_eq!(last_report(&dir)["took_over_lock_of"], pid);
    assert!(!lock.exists());

    // a lock held by a live process (this test) is not
    std::fs::write(
        &lock,
        format!("pid={}\nstarted=2026-11-18T00:00:00Z\n", std::process::id()),
    )
    .unwrap();
    let fourth = run(&dir, &[]);
    let stderr = text(&fourth.stderr);
    assert_eq!(fourth.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "pid {} started at 2026-11-18T00:00:00Z",
            std::process::id()
        )),
        "{stderr}"
    );
}

#[test]
fn a_bad_config_exits_2() {
    let dir = scratch("run_bad_config");
    std::fs::write(dir.join("ticai.toml"), "[run]\nwindow_days = 0\n[[source]]\nname = \"a\"\ntype = \"rss\"\nurl = \"http://127.0.0.1:9/\"\n").unwrap();
    let out = run(&dir, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("window_days"), "{stderr}");
    let out = ticai_env(
        &dir,
        &["run", "--data-dir", "data", "--config", "nope.toml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nope.toml"),
        "{}",
        text(&out.stderr)
    );
    // a log level that is not one is refused, naming the variable
    let out = run(&dir, &[("TICAI_LOG", "loud")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("TICAI_LOG"),
        "{}",
        text(&out.stderr)
    );
    // warn hides the stage lines that info shows
    std::fs::write(
        dir.join("ticai.toml"),
        "[[source]]\nname = \"a\"\ntype = \"rss\"\nurl = \"http://127.0.0.1:9/\"\n",
    )
    .unwrap();
    let info = run(&dir, &[]);
    assert!(
        text(&info.stderr).contains("ingest"),
        "{}",
        text(&info.stderr)
    );
    let warn = run(&dir, &[("TICAI_LOG", "warn")]);
    assert_eq!(warn.status.code(), info.status.code());
    assert!(
        !text(&warn.stderr).contains(" INFO "),
        "{}",
        text(&warn.stderr)
    );
}

/// `deploy/`: the systemd unit pair parses (every line a section, comment
/// or key=value), the service is hardened and may write only the data dir,
/// the timer starts it, and the crontab line runs `ticai run`.
/// `systemd-analyze verify` is run too when it is installed.
#[test]
fn the_deploy_files_are_well_formed_and_hardened() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let parse = |name: &str| -> BTreeMap<String, Vec<(String, String)>> {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut current = None;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = Some(s.to_string());
                sections.entry(s.to_string()).or_default();
                continue;
            }
            let (k, v) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{name}:{}: not key=value: {line}", i + 1));
            let section = current
                .clone()
                .unwrap_or_else(|| panic!("{name}:{}: outside a section", i + 1));
            sections
                .get_mut(&section)
                .unwrap()
                .push((k.trim().into(), v.trim().into()));
        }
        sections
    };
    let get =
        |s: &BTreeMap<String, Vec<(String, String)>>, sec: &str, key: &str| -> Option<String> {
            s.get(sec)?
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
    let service = parse("ticai.service");
    let exec = get(&service, "Service", "ExecStart").expect("ExecStart");
    assert!(
        exec.contains(" run ") && exec.contains("--data-dir"),
        "{exec}"
    );
    assert_eq!(get(&service, "Service", "Type").as_deref(), Some("oneshot"));
    assert_eq!(
        get(&service, "Service", "NoNewPrivileges").as_deref(),
        Some("yes")
    );
    assert_eq!(
        get(&service, "Service", "ProtectSystem").as_deref(),
        Some("strict")
    );
    let rw = get(&service, "Service", "ReadWritePaths").expect("ReadWritePaths");
    let data = exec
        .split("--data-dir ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(rw, data, "ReadWritePaths is the data dir");
    let timer = parse("ticai.timer");
    assert!(get(&timer, "Timer", "OnCalendar").is_some());
    assert_eq!(
        get(&timer, "Timer", "Unit").as_deref(),
        Some("ticai.service")
    );
    assert_eq!(
        get(&timer, "Install", "WantedBy").as_deref(),
        Some("timers.target")
    );
    let cron = std::fs::read_to_string(root.join("crontab")).unwrap();
    let lines: Vec<&str> = cron
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(lines.len(), 1, "{cron}");
    let fields: Vec<&str> = lines[0].split_whitespace().collect();
    assert!(
        fields.len() > 6 && fields[5..].join(" ").contains("ticai run"),
        "{cron}"
    );
    for f in &fields[..5] {
        assert!(
            f.chars().all(|c| c.is_ascii_digit() || "*/,-".contains(c)),
            "{f}"
        );
    }
    if let Ok(out) = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(root.join("ticai.service"))
        .arg(root.join("ticai.timer"))
        .output()
    {
        // verify also checks the binary and user exist; report, don't require
        eprintln!("systemd-analyze verify: {}", text(&out.stderr));
    }
}

/// `ticai doctor --format json`: (exit code, status of each check by name;
/// a name checked twice keeps its worst status).
fn doctor(dir: &Path, extra: &[&str]) -> (Option<i32>, BTreeMap<String, String>, String) {
    let mut args = vec!["doctor", "--data-dir", "data", "--format", "json"];
    args.extend_from_slice(extra);
    let out = ticai_env(dir, &args, &[]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    let mut statuses = BTreeMap::new();
    for c in v["checks"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap().to_string();
        let status = c["status"].as_str().unwrap().to_string();
        let rank = |s: &str| ["ok", "warning", "problem"].iter().position(|x| *x == s);
        let worse = statuses
            .get(&name)
            .is_none_or(|old: &String| rank(&status) > rank(old));
        if worse {
            statuses.insert(name, status);
        }
    }
    (out.status.code(), statuses, v.to_string())
}

#[test]
fn doctor_finds_each_problem_and_says_what_to_do() {
    let (base, _) = serve(handle);
    let dir = scratch("doctor");
    std::fs::write(dir.join("ticai.toml"), config(&base, false)).unwrap();
    assert_eq!(run(&dir, &[]).status.code(), Some(1));

    // healthy (the last run's failing page is a warning, not a problem)
    let (code, s, json) = doctor(&dir, &["--deep"]);
    assert_eq!(code, Some(0), "{json}");
    for name in [
        "data dir", "lexicon", "index", "tags", "state", "archive", "lock",
    ] {
        assert_eq!(s[name], "ok", "{name}: {json}");
    }
    assert_eq!(s["last run"], "warning", "{json}");
    assert!(json.contains("4 archived pages"), "{json}");
    let human = ticai_env(&dir, &["doctor", "--data-dir", "data"], &[]);
    assert!(
        text(&human.stdout).contains("all is well"),
        "{}",
        text(&human.stdout)
    );

    // a stale lock: a warning (the next run takes it over)
    std::fs::write(
        dir.join("data/run.lock"),
        "pid=4000000\nstarted=2026-11-18T00:00:00Z\n",
    )
    .unwrap();
    let (code, s, json) = doctor(&dir, &[]);
    assert_eq!((code, s["lock"].as_str()), (Some(0), "warning"), "{json}");
    assert!(json.contains("4000000"), "{json}");
    // a lock that names no holder: a problem, with the file to remove
    std::fs::write(dir.join("data/run.lock"), "garbage").unwrap();
    let (code, s, json) = doctor(&dir, &[]);
    assert_eq!((code, s["lock"].as_str()), (Some(1), "problem"), "{json}");
    assert!(json.contains("run.lock"), "{json}");
    std::fs::remove_file(dir.join("data/run.lock")).unwrap();

    // a damaged archive file (found with --deep), then a missing one
    let mut archived = BTreeMap::new();
    files(&dir.join("data/archive"), "", &mut archived);
    // a body, not the extraction fetch keeps beside it
    let (name, _) = archived
        .iter()
        .find(|(n, _)| !n.ends_with(".extracted.zst"))
        .unwrap();
    let file = dir.join("data/archive").join(name);
    let saved = std::fs::read(&file).unwrap();
    std::fs::write(&file, b"not zstd").unwrap();
    assert_eq!(
        doctor(&dir, &[]).0,
        Some(0),
        "without --deep only presence is checked"
    );
    let (code, s, json) = doctor(&dir, &["--deep"]);
    assert_eq!(
        (code, s["archive"].as_str()),
        (Some(1), "problem"),
        "{json}"
    );
    assert!(json.contains("does not decode"), "{json}");
    std::fs::remove_file(&file).unwrap();
    let (code, s, json) = doctor(&dir, &[]);
    assert_eq!(
        (code, s["archive"].as_str()),
        (Some(1), "problem"),
        "{json}"
    );
    assert!(
        json.contains("1 of 4 archived bodies are missing"),
        "{json}"
    );
    assert!(
        json.contains(&base),
        "the missing page's URL is named: {json}"
    );
    std::fs::write(&file, saved).unwrap();
    assert_eq!(doctor(&dir, &["--deep"]).0, Some(0));

    // documents tagged with another lexicon than the one in use
    let lex = dir.join("lexicon");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons"),
        &lex,
    );
    let theme = lex.join("themes/ai-compute.toml");
    let mut t = std::fs::read_to_string(&theme).unwrap();
    t.push_str("\n# a reviewed edit\n");
    std::fs::write(&theme, t).unwrap();
    let lexicon = ["--lexicon", lex.to_str().unwrap()];
    let (code, s, json) = doctor(&dir, &lexicon);
    assert_eq!((code, s["tags"].as_str()), (Some(1), "problem"), "{json}");
    assert!(json.contains("ticai retag"), "{json}");
    // the next run re-tags them, so the series never mix two lexicons
    let mut args = lexicon.to_vec();
    args.extend_from_slice(RUN);
    let out = ticai_env(&dir, &args, &[("TICAI_RUN_DAY", DAY)]);
    assert!(
        text(&out.stdout).contains("4 document(s) re-tagged"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(last_report(&dir)["documents"]["retagged"], 4);
    assert_eq!(doctor(&dir, &lexicon).0, Some(0));

    // an index moved aside: the state knows which index took the pages, so
    // ingest --fetched gives the new index every page
    std::fs::rename(dir.join("data/index"), dir.join("index.old")).unwrap();
    common::ingest_fetched(&dir, 4);

    // a state database that is not one
    std::fs::write(dir.join("data/state.sqlite"), vec![b'x'; 8192]).unwrap();
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("data/state.sqlite{ext}")));
    }
    let (code, s, json) = doctor(&dir, &[]);
    assert_eq!((code, s["state"].as_str()), (Some(1), "problem"), "{json}");
    assert!(json.contains("backup"), "{json}");
}
