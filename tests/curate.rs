//! `ticai discover` and `ticai lexicon suggest` end to end, on synthetic
//! corpora the tests write: a made-up term that appears from a given day on
//! must rank first, and a made-up word that goes with a theme's mentions
//! must be its first suggested alias; from files and from a data dir.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{scratch, ticai};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)))
}

/// Everyday market news, the same mix every day.
const FILLERS: [&str; 8] = [
    "银行板块午后走强，{c}涨{n}%。",
    "券商板块震荡，{c}成交额{n}亿元。",
    "{c}发布公告称，拟回购不超过{n}万股。",
    "沪指收涨{n}%，两市成交额超万亿元。",
    "{c}披露经营数据，营收同比增长{n}%。",
    "外资连续{n}日净买入{c}。",
    "{c}获机构调研，关注海外订单进展。",
    "创业板指跌{n}%，{c}领跌。",
];
const COMPANIES: [&str; 5] = ["贵州茅台", "中国平安", "招商银行", "宁德时代", "比亚迪"];

fn filler(day: usize, i: usize) -> String {
    FILLERS[(day + i) % FILLERS.len()]
        .replace("{c}", COMPANIES[(day * 3 + i) % COMPANIES.len()])
        .replace("{n}", &((day * 7 + i * 3) % 9 + 1).to_string())
}

/// A JSON Lines corpus of 30 days from 2026-03-01: 12 fillers a day, and
/// from 2026-03-24 on four items a day on 霜脉织网, a made-up term, named
/// with 中际旭创.
const NEWS: [&str; 4] = [
    "中际旭创布局霜脉织网，首批样品送测。",
    "霜脉织网概念走强，多股涨停。",
    "机构认为霜脉织网有望成为新的增长点。",
    "中际旭创称霜脉织网订单饱满。",
];

fn discover_corpus(dir: &Path) -> PathBuf {
    let mut lines = Vec::new();
    for day in 0..30 {
        let date = format!("2026-03-{:02}T10:00:00+08:00", day + 1);
        for i in 0..12 {
            lines.push(
                json!({"id": format!("f{day}-{i}"), "text": filler(day, i), "published_at": date}),
            );
        }
        if day >= 23 {
            for (i, t) in NEWS.iter().enumerate() {
                lines.push(json!({"id": format!("n{day}-{i}"), "text": t, "published_at": date}));
            }
        }
    }
    let path = dir.join("news.jsonl");
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
    path
}

#[test]
fn discover_ranks_a_new_term_first() {
    let dir = scratch("discover_ranks");
    let file = discover_corpus(&dir);
    let f = file.to_str().unwrap();
    let r = json_of(&ticai(&dir, &["discover", f, "--json"]));
    // the default window: the last 7 days of the corpus
    assert_eq!(r["since"], "2026-03-24");
    assert_eq!(r["until"], "2026-03-30");
    assert_eq!(r["recent_texts"], 7 * 16);
    assert_eq!(r["baseline_texts"], 23 * 12);
    let first = &r["terms"][0];
    assert_eq!(first["term"], "霜脉织网", "{r:#}");
    assert_eq!(first["recent"], 28);
    assert_eq!(first["baseline"], 0);
    assert_eq!(first["per_day"].as_array().unwrap().len(), 7);
    assert_eq!(first["per_day"][0], json!(["2026-03-24", 4]));
    assert_eq!(first["companies"][0][0], "中际旭创");
    assert_eq!(first["examples"].as_array().unwrap().len(), 2);
    // only words of the new items rise (no filler word), and no lexicon
    // term (中际旭创, 涨停) is new
    for t in r["terms"].as_array().unwrap() {
        let term = t["term"].as_str().unwrap();
        assert!(NEWS.iter().any(|n| n.contains(term)), "{term} in {r:#}");
        assert!(!["中际旭创", "涨停"].contains(&term), "{term}");
    }

    // a window before the term: nothing rises
    let r = json_of(&ticai(
        &dir,
        &[
            "discover",
            f,
            "--since",
            "2026-03-10",
            "--until",
            "2026-03-16",
            "--json",
        ],
    ));
    assert_eq!(r["terms"], json!([]), "{r:#}");

    // the table names the term
    let out = ticai(&dir, &["discover", f]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.lines().nth(2).unwrap().starts_with("霜脉织网"),
        "{table}"
    );
}

#[test]
fn discover_refuses_what_it_cannot_read() {
    let dir = scratch("discover_refuses");
    let file = discover_corpus(&dir);
    let f = file.to_str().unwrap();
    for (args, want) in [
        (
            vec!["--since", "2026-03-31", "--until", "2026-03-01"],
            "is after --until",
        ),
        (
            vec!["--since", "2026/03/01"],
            "--since \"2026/03/01\": not a date",
        ),
        (
            vec!["--until", "2026-02-30"],
            "--until \"2026-02-30\": not a date",
        ),
        (vec!["--baseline-days", "0"], "--baseline-days"),
        (vec!["--min-rise", "0.5"], "--min-rise 0.5"),
    ] {
        let mut all = vec!["discover", f];
        all.extend(args);
        let out = ticai(&dir, &all);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{all:?}: {}", stderr(&out));
    }
    // undated documents cannot be placed in a window
    let undated = dir.join("undated.jsonl");
    std::fs::write(&undated, "{\"id\":\"a\",\"text\":\"液冷方案发布。\"}\n").unwrap();
    let out = ticai(&dir, &["discover", undated.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("has a date"), "{}", stderr(&out));
}

/// 40 items on liquid cooling whose sentences also name 霜脉导流 (a made-up
/// word), and 160 fillers.
fn suggest_corpus(dir: &Path) -> PathBuf {
    let mut lines = Vec::new();
    for i in 0..40 {
        let c = COMPANIES[i % COMPANIES.len()];
        let t = match i % 4 {
            0 => format!("{c}液冷产品采用霜脉导流技术，订单增长。"),
            1 => format!("霜脉导流让液冷机柜散热效率提升{}成。", i % 9 + 1),
            2 => format!("{c}表示，液冷方案中的霜脉导流已量产。"),
            _ => format!("液冷渗透率提升，霜脉导流需求旺盛，{c}受益。"),
        };
        lines.push(json!({"id": format!("l{i}"), "text": t}));
    }
    for i in 0..160 {
        lines.push(json!({"id": format!("f{i}"), "text": filler(i / 8, i)}));
    }
    let path = dir.join("cooling.jsonl");
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
    path
}

fn check_suggestions(r: &Value) {
    assert_eq!(r["theme"], "liquid-cooling");
    assert_eq!(r["texts"], 200);
    assert_eq!(r["theme_texts"], 40);
    let first = &r["suggestions"][0];
    assert_eq!(first["term"], "霜脉导流", "{r:#}");
    assert_eq!(first["with_theme"], 40);
    assert_eq!(first["total"], 40);
    assert_eq!(first["examples"].as_array().unwrap().len(), 2);
    for s in r["suggestions"].as_array().unwrap() {
        let term = s["term"].as_str().unwrap();
        // lexicon terms and the fillers' words are not suggested
        assert!(
            !["液冷", "液冷机柜", "液冷方案", "板块", "公告"].contains(&term),
            "{term}"
        );
        assert!(s["pmi"].as_f64().unwrap() >= 2.0, "{s}");
    }
}

#[test]
fn suggest_finds_the_word_that_goes_with_a_theme() {
    let dir = scratch("suggest_finds");
    let file = suggest_corpus(&dir);
    let f = file.to_str().unwrap();
    check_suggestions(&json_of(&ticai(
        &dir,
        &["lexicon", "suggest", "liquid-cooling", f, "--json"],
    )));

    // the same from the articles stored in a data dir
    let data = dir.join("data");
    let d = data.to_str().unwrap();
    let out = ticai(&dir, &["--data-dir", d, "ingest", f]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_suggestions(&json_of(&ticai(
        &dir,
        &[
            "--data-dir",
            d,
            "lexicon",
            "suggest",
            "liquid-cooling",
            "--json",
        ],
    )));

    // an unknown theme is refused with the ids it may have meant
    let out = ticai(&dir, &["lexicon", "suggest", "liquid", f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown theme \"liquid\"; did you mean liquid-cooling"),
        "{}",
        stderr(&out)
    );
    // a data dir without an index is refused, not created
    let empty = dir.join("empty");
    let out = ticai(
        &dir,
        &[
            "--data-dir",
            empty.to_str().unwrap(),
            "lexicon",
            "suggest",
            "liquid-cooling",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no index in"), "{}", stderr(&out));
}
