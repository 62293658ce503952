//! End-to-end tests of `ticai trends`, `export mentions`, `export documents` (and the
//! Quickwit and OpenSearch configurations it feeds), `cooccur`,
//! `alerts` and `chart` on real indexes built from fixtures written here,
//! with known dates (Asia/Shanghai calendar, UTC and +08:00 timestamps).

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn ticai_in(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ticai"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("TICAI_LEXICON")
        .stdin(Stdio::null())
        .output()
        .expect("the ticai binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = ticai_in(data, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Eight documents with known dates. In Beijing time: a1 on Sunday
/// 2026-07-05 23:00; a2 on Monday 07-06 07:30 (Sunday 23:30 UTC); a3, a4
/// and a5 on 07-07 (a4 and a5 are one story, syndicated); a6 on 07-09 with
/// no theme; nothing on 07-08; a7 on 2026-08-01 00:30 (July 31st in UTC);
/// a8 without a date.
const DOCS: &str = r#"{"id":"a1","title":"超节点新品发布","text":"华为发布新一代超节点，采用液冷散热方案。","published_at":"2026-07-05T15:00:00Z","source":"A"}
{"id":"a2","title":"订单饱满","text":"液冷服务器订单饱满，英伟达供应链受益。","published_at":"2026-07-05T23:30:00Z","source":"B"}
{"id":"a3","title":"产业观察","text":"人形机器人量产在即，工业机器人需求回暖。","published_at":"2026-07-07T10:00:00+08:00","source":"A"}
{"id":"a4","title":"转载一","text":"超节点与万卡集群建设提速，英伟达与国产厂商竞相布局，多家公司在本周披露了相关订单和交付计划。","published_at":"2026-07-07T11:00:00+08:00","source":"C"}
{"id":"a5","title":"转载二","text":"超节点与万卡集群建设提速，英伟达与国产厂商竞相布局，多家公司在本周披露了相关订单和交付计划。","published_at":"2026-07-07T12:00:00+08:00","source":"D"}
{"id":"a6","title":"天气","text":"今日全国大部地区天气晴好，气温回升。","published_at":"2026-07-09T09:00:00+08:00","source":"A"}
{"id":"a7","title":"渗透率","text":"液冷渗透率继续提升。","published_at":"2026-08-01T00:30:00+08:00","source":"B"}
{"id":"a8","title":"无日期","text":"超节点的讨论仍在继续。","source":"A"}
"#;

fn fixture_index(name: &str) -> PathBuf {
    let dir = scratch(name);
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, DOCS).unwrap();
    let data = dir.join("data");
    ok(&data, &["ingest", f.to_str().unwrap()]);
    data
}

fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// (bucket, key) -> row.
fn by_cell(
    rows: &[HashMap<String, String>],
) -> BTreeMap<(String, String), HashMap<String, String>> {
    rows.iter()
        .map(|r| ((r["bucket"].clone(), r["key"].clone()), r.clone()))
        .collect()
}

fn n(row: &HashMap<String, String>, col: &str) -> u64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col}: {:?}", row[col]))
}

#[test]
fn the_fixture_is_tagged_as_the_counts_assume() {
    let dir = scratch("trends-tags");
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, DOCS).unwrap();
    let out = ok(&dir, &["tag", f.to_str().unwrap()]);
    let themes: HashMap<String, Vec<String>> = out
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let ids = v["themes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string())
                .collect();
            (v["id"].as_str().unwrap().to_string(), ids)
        })
        .collect();
    let has = |d: &str, t: &str| themes[d].iter().any(|x| x == t);
    assert!(
        has("a1", "supernode") && has("a1", "liquid-cooling"),
        "{themes:?}"
    );
    assert!(
        has("a2", "liquid-cooling") && !has("a2", "supernode"),
        "{themes:?}"
    );
    assert!(
        has("a3", "humanoid-robots") && has("a3", "robotics"),
        "{themes:?}"
    );
    assert!(
        has("a4", "supernode") && has("a5", "supernode"),
        "{themes:?}"
    );
    assert!(themes["a6"].is_empty(), "{themes:?}");
}

#[test]
fn daily_series_with_empty_buckets_rollup_and_stories() {
    let data = fixture_index("trends-daily");
    let out = ticai_in(
        &data,
        &[
            "trends",
            "--theme",
            "supernode",
            "--theme",
            "ai-compute",
            "--theme",
            "robotics",
            "--theme",
            "liquid-cooling",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // the undated document is reported, not bucketed
    assert!(
        stderr(&out).contains("1 matching document(s) have no publication date"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.starts_with(
        "bucket,kind,key,name,code,articles,stories,mentions,title_articles,total_articles,share\n"
    ));
    let rows = csv_rows(&text);
    assert_eq!(
        rows.len(),
        5 * 4,
        "every bucket of every series, empty ones too"
    );
    let cells = by_cell(&rows);
    let get = |d: &str, k: &str| &cells[&(d.to_string(), k.to_string())];
    let totals: Vec<u64> = [
        "2026-07-05",
        "2026-07-06",
        "2026-07-07",
        "2026-07-08",
        "2026-07-09",
    ]
    .iter()
    .map(|d| n(get(d, "supernode"), "total_articles"))
    .collect();
    assert_eq!(totals, [1, 1, 3, 0, 1]);
    // 23:30 UTC on Sunday is Monday in Beijing
    assert_eq!(n(get("2026-07-06", "liquid-cooling"), "articles"), 1);
    assert_eq!(n(get("2026-07-05", "liquid-cooling"), "articles"), 1);
    // two syndicated copies: two articles, one story
    let s = get("2026-07-07", "supernode");
    assert_eq!(
        (n(s, "articles"), n(s, "stories"), n(s, "mentions")),
        (2, 1, 2)
    );
    assert_eq!(s["share"], format!("{}", 2.0 / 3.0));
    assert_eq!(n(get("2026-07-05", "supernode"), "title_articles"), 1);
    // a parent counts an article once, whatever children it carries
    assert_eq!(n(get("2026-07-05", "ai-compute"), "articles"), 1);
    assert_eq!(n(get("2026-07-07", "ai-compute"), "articles"), 2);
    assert_eq!(n(get("2026-07-07", "robotics"), "articles"), 1);
    assert_eq!(get("2026-07-07", "robotics")["name"], "机器人");
    // the empty day has zeros and share 0
    let e = get("2026-07-08", "supernode");
    assert_eq!(
        (
            n(e, "articles"),
            n(e, "total_articles"),
            e["share"].as_str()
        ),
        (0, 0, "0")
    );
    for r in &rows {
        assert!(n(r, "stories") <= n(r, "articles"), "{r:?}");
        assert!(n(r, "articles") <= n(r, "total_articles"), "{r:?}");
    }

    // without rollup the parent counts only its own tag
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--theme",
            "ai-compute",
            "--no-rollup",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
        ],
    ));
    assert!(rows.iter().all(|r| n(r, "articles") == 0), "{rows:?}");
}

#[test]
fn weeks_and_months_are_calendar_buckets_in_beijing() {
    let data = fixture_index("trends-calendar");
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--theme",
            "liquid-cooling",
            "--interval",
            "week",
            "--since",
            "2026-06-29",
            "--until",
            "2026-07-12",
        ],
    ));
    let got: Vec<(String, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["bucket"].clone(),
                n(r, "articles"),
                n(r, "total_articles"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("2026-06-29".into(), 1, 1), ("2026-07-06".into(), 1, 5)],
        "a1 (Sunday night) in the first week, a2 (Monday morning in Beijing) in the second"
    );
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--theme",
            "liquid-cooling",
            "--interval",
            "month",
            "--since",
            "2026-07-01",
            "--until",
            "2026-08-31",
        ],
    ));
    let got: Vec<(String, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["bucket"].clone(),
                n(r, "articles"),
                n(r, "total_articles"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("2026-07-01".into(), 2, 6), ("2026-08-01".into(), 1, 1)]
    );
    // in UTC a7 is on July 31st
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--theme",
            "liquid-cooling",
            "--interval",
            "month",
            "--tz",
            "UTC",
            "--since",
            "2026-07-01",
            "--until",
            "2026-08-31",
        ],
    ));
    assert_eq!(n(&rows[0], "articles"), 3);
    assert_eq!(n(&rows[1], "articles"), 0);
}

#[test]
fn a_query_restricts_series_and_denominator() {
    let data = fixture_index("trends-query");
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--theme",
            "liquid-cooling",
            "--theme",
            "supernode",
            "--query",
            "英伟达",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
        ],
    ));
    let cells = by_cell(&rows);
    let get = |d: &str, k: &str| &cells[&(d.to_string(), k.to_string())];
    assert_eq!(n(get("2026-07-05", "supernode"), "total_articles"), 0);
    assert_eq!(n(get("2026-07-06", "liquid-cooling"), "total_articles"), 1);
    assert_eq!(get("2026-07-06", "liquid-cooling")["share"], "1");
    assert_eq!(n(get("2026-07-07", "supernode"), "articles"), 2);
    assert_eq!(n(get("2026-07-07", "supernode"), "total_articles"), 2);
    // sources restrict the same way
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--theme",
            "supernode",
            "--source",
            "C",
            "--since",
            "2026-07-07",
            "--until",
            "2026-07-07",
        ],
    ));
    assert_eq!(
        (n(&rows[0], "articles"), n(&rows[0], "total_articles")),
        (1, 1)
    );
}

#[test]
fn companies_top_and_wide() {
    let data = fixture_index("trends-wide");
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--company",
            "NVDA",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
        ],
    ));
    assert_eq!(rows[0]["kind"], "company");
    assert_eq!(rows[0]["key"], "英伟达");
    let total: u64 = rows.iter().map(|r| n(r, "articles")).sum();
    assert_eq!(total, 3);
    // --top without selectors: the themes with most articles
    let rows = csv_rows(&ok(
        &data,
        &[
            "trends",
            "--top",
            "2",
            "--interval",
            "month",
            "--since",
            "2026-07-01",
            "--until",
            "2026-07-31",
        ],
    ));
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str()).collect();
    assert_eq!(keys, ["ai-compute", "supernode"], "{rows:?}");
    // wide: one row per bucket, a column per series
    let text = ok(
        &data,
        &[
            "trends",
            "--theme",
            "supernode",
            "--theme",
            "liquid-cooling",
            "--wide",
            "--value",
            "articles",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
        ],
    );
    assert!(
        text.starts_with("bucket,total_articles,supernode,liquid-cooling\n"),
        "{text}"
    );
    assert!(text.contains("\n2026-07-07,3,2,0\n"), "{text}");
    assert_eq!(text.lines().count(), 6);
}

#[test]
fn csv_json_and_parquet_hold_the_same_rows() {
    let data = fixture_index("trends-formats");
    let args = [
        "trends",
        "--theme",
        "supernode",
        "--company",
        "英伟达",
        "--since",
        "2026-07-05",
        "--until",
        "2026-07-09",
    ];
    let csv_text = ok(&data, &args);
    let csv = csv_rows(&csv_text);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json: Value = serde_json::from_str(&ok(&data, &json_args)).unwrap();
    assert_eq!(json["interval"], "day");
    assert_eq!(json["since"], "2026-07-05");
    assert_eq!(json["until"], "2026-07-09");
    let series = json["series"].as_array().unwrap();
    assert_eq!(series.len(), csv.len());
    for (j, c) in series.iter().zip(&csv) {
        for (k, v) in c {
            match &j[k] {
                Value::String(s) => assert_eq!(s, v, "{k}"),
                Value::Number(x) => assert_eq!(x.as_f64(), v.parse::<f64>().ok(), "{k}"),
                other => panic!("{k}: {other}"),
            }
        }
    }
    let pq = data.join("t.parquet");
    let mut pq_args = args.to_vec();
    pq_args.extend(["--format", "parquet", "--out", pq.to_str().unwrap()]);
    ok(&data, &pq_args);
    let file = std::fs::File::open(&pq).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = 0;
    for batch in reader {
        let batch = batch.unwrap();
        let col = |name: &str| batch.column_by_name(name).unwrap().clone();
        let bucket = col("bucket");
        let bucket = bucket
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        let articles = col("articles");
        let articles = articles
            .as_any()
            .downcast_ref::<arrow_array::UInt64Array>()
            .unwrap();
        let share = col("share");
        let share = share
            .as_any()
            .downcast_ref::<arrow_array::Float64Array>()
            .unwrap();
        for i in 0..batch.num_rows() {
            let c = &csv[rows];
            assert_eq!(bucket.value(i), c["bucket"]);
            assert_eq!(articles.value(i), n(c, "articles"));
            assert_eq!(Some(share.value(i)), c["share"].parse::<f64>().ok());
            rows += 1;
        }
    }
    assert_eq!(rows, csv.len());
    // parquet to a terminal is refused
    let out = ticai_in(
        &data,
        &["trends", "--theme", "supernode", "--format", "parquet"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--out"), "{}", stderr(&out));
}

#[test]
fn mentions_export_recomputes_the_series() {
    let data = fixture_index("trends-mentions");
    let out = data.join("mentions.csv");
    ok(
        &data,
        &[
            "export",
            "mentions",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let rows = csv_rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(
        rows[0].keys().count(),
        13,
        "doc_id, url, published_at, bucket_day, source, cluster_id, kind, key, name, code, mentions, in_title, lexicon_version"
    );
    let docs: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| r["kind"] == "document").collect();
    assert_eq!(
        docs.len(),
        8,
        "one document row per document, the undated one too"
    );
    let a7 = docs.iter().find(|r| r["doc_id"] == "a7").unwrap();
    assert_eq!(a7["bucket_day"], "2026-08-01");
    assert_eq!(a7["published_at"], "2026-08-01T00:30:00+08:00");
    let a4 = rows.iter().find(|r| r["doc_id"] == "a4").unwrap();
    let a5 = rows.iter().find(|r| r["doc_id"] == "a5").unwrap();
    assert_eq!(a4["cluster_id"], a5["cluster_id"], "one story");

    // recompute the daily no-rollup series from the table alone
    let days = [
        "2026-07-05",
        "2026-07-06",
        "2026-07-07",
        "2026-07-08",
        "2026-07-09",
    ];
    for key in ["supernode", "liquid-cooling", "humanoid-robots"] {
        let series = csv_rows(&ok(
            &data,
            &[
                "trends",
                "--theme",
                key,
                "--no-rollup",
                "--since",
                days[0],
                "--until",
                days[4],
            ],
        ));
        for (day, row) in days.iter().zip(&series) {
            let total = rows
                .iter()
                .filter(|r| r["kind"] == "document" && r["bucket_day"] == *day)
                .count() as u64;
            let tagged: Vec<_> = rows
                .iter()
                .filter(|r| r["key"] == key && r["bucket_day"] == *day)
                .collect();
            let mut clusters: Vec<&str> = tagged.iter().map(|r| r["cluster_id"].as_str()).collect();
            clusters.sort();
            clusters.dedup();
            assert_eq!(n(row, "total_articles"), total, "{key} {day}");
            assert_eq!(n(row, "articles"), tagged.len() as u64, "{key} {day}");
            assert_eq!(n(row, "stories"), clusters.len() as u64, "{key} {day}");
            assert_eq!(
                n(row, "mentions"),
                tagged.iter().map(|r| n(r, "mentions")).sum::<u64>(),
                "{key} {day}"
            );
            assert_eq!(
                n(row, "title_articles"),
                tagged.iter().filter(|r| r["in_title"] == "true").count() as u64,
                "{key} {day}"
            );
        }
    }
    // a date range, in JSON Lines
    let out = data.join("m.jsonl");
    ok(
        &data,
        &[
            "export",
            "mentions",
            "--format",
            "jsonl",
            "--since",
            "2026-07-07",
            "--until",
            "2026-07-07",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let ids: std::collections::BTreeSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["doc_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["a3", "a4", "a5"]);
}

#[test]
fn cooccurrence_with_lift() {
    let data = fixture_index("trends-cooccur");
    let v: Value = serde_json::from_str(&ok(
        &data,
        &[
            "cooccur",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
            "--min-articles",
            "1",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    let p = pairs
        .iter()
        .find(|p| p["a_key"] == "supernode" && p["b_key"] == "英伟达")
        .unwrap_or_else(|| panic!("{pairs:?}"));
    // supernode in a1 a4 a5, 英伟达 in a2 a4 a5, both in a4 a5, of 6 dated documents
    assert_eq!(p["articles"], 2);
    assert_eq!(p["a_articles"], 3);
    assert_eq!(p["b_articles"], 3);
    assert_eq!(p["total_articles"], 6);
    assert!((p["lift"].as_f64().unwrap() - 2.0 * 6.0 / 9.0).abs() < 1e-9);
    assert!(
        pairs
            .iter()
            .all(|p| p["articles"].as_u64().unwrap() >= 1 && p["b_kind"] == "company")
    );
    let text = ok(
        &data,
        &[
            "cooccur",
            "--kind",
            "theme-theme",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
            "--min-articles",
            "2",
        ],
    );
    let rows = csv_rows(&text);
    assert!(
        rows.iter().any(|r| {
            let mut k = [r["a_key"].as_str(), r["b_key"].as_str()];
            k.sort();
            k == ["supernode", "wanka-cluster"] && n(r, "articles") == 2
        }),
        "{text}"
    );
    assert!(rows.iter().all(|r| n(r, "articles") >= 2), "{text}");
}

/// 29 days: every day 20 untagged documents, two themes that fluctuate
/// between 1 and 4 articles a day, and on the last day one of them jumps
/// to 15.
fn spike_corpus() -> String {
    let mut lines = Vec::new();
    let mut seed: u64 = 42;
    let mut rand = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    for day in 1..=29u32 {
        let date = format!("2026-06-{day:02}T10:00:00+08:00");
        let mut id = 0;
        let mut push = |text: &str, lines: &mut Vec<String>| {
            id += 1;
            lines.push(format!(r#"{{"id":"d{day}-{id}","text":"{text}第{day}日第{id}篇，编号{day}{id}。","published_at":"{date}"}}"#));
        };
        for _ in 0..20 {
            push("今日大盘震荡整理，成交额维持高位", &mut lines);
        }
        let cooling = 1 + rand(4);
        let node = if day == 29 { 15 } else { 1 + rand(4) };
        for _ in 0..cooling {
            push("冷板式液冷方案获得更多数据中心采用", &mut lines);
        }
        for _ in 0..node {
            push("超节点产品陆续交付客户", &mut lines);
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn alerts_report_the_spike_and_not_the_noise() {
    let dir = scratch("trends-alerts");
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, spike_corpus()).unwrap();
    let data = dir.join("data");
    ok(&data, &["ingest", f.to_str().unwrap()]);
    let v: Value = serde_json::from_str(&ok(&data, &["alerts", "--format", "json"])).unwrap();
    assert_eq!(v["interval"], "day");
    assert_eq!(v["bucket"], "2026-06-29");
    assert_eq!(v["window"], 28);
    let alerts = v["alerts"].as_array().unwrap();
    let themes: Vec<&str> = alerts
        .iter()
        .map(|a| a["theme"].as_str().unwrap())
        .collect();
    assert!(themes.contains(&"supernode"), "{v}");
    assert!(!themes.contains(&"liquid-cooling"), "{v}");
    let a = alerts.iter().find(|a| a["theme"] == "supernode").unwrap();
    assert_eq!(a["count"], 15);
    assert!(a["score"].as_f64().unwrap() >= 3.0);
    assert!(a["baseline"].as_f64().unwrap() < 5.0);
    let ev = a["evidence"].as_array().unwrap();
    assert_eq!(ev.len(), 3);
    for e in ev {
        assert!(e["id"].as_str().unwrap().starts_with("d29-"), "{e}");
        assert!(e["sentence"].as_str().unwrap().contains("超节点"), "{e}");
    }
    // on an ordinary day nothing rises
    let v: Value = serde_json::from_str(&ok(
        &data,
        &["alerts", "--until", "2026-06-28", "--format", "json"],
    ))
    .unwrap();
    let themes: Vec<&str> = v["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["theme"].as_str().unwrap())
        .collect();
    assert!(
        !themes.contains(&"supernode") && !themes.contains(&"liquid-cooling"),
        "{v}"
    );
    // the table names the theme and quotes the evidence
    let t = ok(&data, &["alerts"]);
    assert!(t.contains("supernode 超节点: 15 articles"), "{t}");
    assert!(t.contains("「"), "{t}");
}

#[test]
fn charts_are_svg_with_chinese_legends() {
    let data = fixture_index("trends-chart");
    let svg = data.join("c.svg");
    let out = ticai_in(
        &data,
        &[
            "chart",
            "--theme",
            "supernode",
            "--theme",
            "liquid-cooling",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
            "--out",
            svg.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg"), "{}", &s[..100.min(s.len())]);
    assert!(
        s.contains("超节点 supernode") && s.contains("液冷 liquid-cooling"),
        "legend"
    );
    assert!(
        s.contains(">07-07<") || s.contains("07-07\n"),
        "date labels as MM-DD"
    );
    assert!(s.contains("2026 (day, Asia/Shanghai)"), "the year once");
    assert!(s.matches("<polyline").count() >= 2, "a line per series");
    let stacked = data.join("s.svg");
    ok(
        &data,
        &[
            "chart",
            "--top",
            "3",
            "--stacked",
            "--since",
            "2026-07-05",
            "--until",
            "2026-07-09",
            "--out",
            stacked.to_str().unwrap(),
        ],
    );
    let s = std::fs::read_to_string(&stacked).unwrap();
    assert!(s.matches("<polygon").count() >= 3, "an area per series");
}

#[test]
fn bad_input_is_refused_with_exit_code_2() {
    let data = fixture_index("trends-bad");
    let cases: [(&[&str], &str); 8] = [
        (&["trends", "--theme", "supernod"], "closest: supernode"),
        (&["trends", "--company", "不存在的公司"], "no such company"),
        (
            &[
                "trends",
                "--theme",
                "supernode",
                "--since",
                "2026-07-09",
                "--until",
                "2026-07-01",
            ],
            "is after",
        ),
        (
            &["trends", "--theme", "supernode", "--interval", "fortnight"],
            "fortnight",
        ),
        (
            &["trends", "--theme", "supernode", "--since", "2026-02-30"],
            "not a date",
        ),
        (
            &["trends", "--theme", "supernode", "--tz", "Asia/Beijing"],
            "unknown time zone",
        ),
        (&["trends", "--theme", "supernode", "--top", "3"], "--top"),
        (&["trends", "--query", "(英伟达"], "query"),
    ];
    for (args, want) in cases {
        let out = ticai_in(&data, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    // an empty index
    let dir = scratch("trends-empty");
    let f = dir.join("empty.jsonl");
    std::fs::write(&f, "").unwrap();
    let empty = dir.join("data");
    ok(&empty, &["ingest", f.to_str().unwrap()]);
    let out = ticai_in(&empty, &["trends"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the index is empty"),
        "{}",
        stderr(&out)
    );
    // no index at all
    let out = ticai_in(&dir.join("none"), &["trends"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no index"), "{}", stderr(&out));
}

#[test]
fn reingesting_keeps_clusters_and_counts() {
    let dir = scratch("trends-reingest");
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, DOCS).unwrap();
    let data = dir.join("data");
    let args = [
        "trends",
        "--theme",
        "supernode",
        "--since",
        "2026-07-05",
        "--until",
        "2026-07-09",
    ];
    ok(&data, &["ingest", f.to_str().unwrap()]);
    let first = ok(&data, &args);
    ok(&data, &["ingest", f.to_str().unwrap()]);
    assert_eq!(ok(&data, &args), first);
    let m1 = data.join("m1.csv");
    ok(
        &data,
        &[
            "export",
            "mentions",
            "--format",
            "csv",
            "--out",
            m1.to_str().unwrap(),
        ],
    );
    let clusters: BTreeMap<String, String> = csv_rows(&std::fs::read_to_string(&m1).unwrap())
        .into_iter()
        .map(|r| (r["doc_id"].clone(), r["cluster_id"].clone()))
        .collect();
    assert_eq!(clusters.len(), 8);
    assert_eq!(clusters["a4"], clusters["a5"]);
    assert_ne!(clusters["a1"], clusters["a4"]);
}

/// One exported document per line of `ticai export documents`.
fn exported(data: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["export", "documents", "--out", "-"];
    args.extend(extra);
    ok(data, &args)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The export without what a second ingest changes (the ingest time).
fn without_ingest_time(mut docs: Vec<Value>) -> Vec<Value> {
    for d in &mut docs {
        assert!(
            chrono::DateTime::parse_from_rfc3339(d["ingested_at"].as_str().unwrap()).is_ok(),
            "{d}"
        );
        d.as_object_mut().unwrap().remove("ingested_at");
    }
    docs.sort_by_key(|d| d["id"].as_str().unwrap().to_string());
    docs
}

#[test]
fn document_export_round_trips_every_stored_field() {
    let data = fixture_index("export_documents");
    // a Taiwan record with its region given, a URL and a company with a code
    let dir = data.parent().unwrap();
    let tw = dir.join("tw.jsonl");
    std::fs::write(
        &tw,
        r#"{"id":"t1","title":"伺服器出貨","text":"中際旭創的800G光模組與伺服器出貨增加。","published_at":"2026-07-06T09:00:00+08:00","source":"TW","region":"tw","url":"https://example.com/t1"}
"#,
    )
    .unwrap();
    ok(&data, &["ingest", tw.to_str().unwrap()]);
    let first = exported(&data, &[]);
    assert_eq!(first.len(), 9);
    let t1 = first.iter().find(|d| d["id"] == "t1").unwrap();
    assert_eq!(t1["region"], "tw");
    assert_eq!(t1["script"], "zh-Hant");
    assert_eq!(t1["url"], "https://example.com/t1");
    assert_eq!(t1["published_at"], "2026-07-06T09:00:00+08:00");
    assert!(
        t1["themes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "optical-interconnect"),
        "{t1}"
    );
    assert!(
        t1["company_codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "300308.SZ"),
        "{t1}"
    );
    assert_eq!(t1["company_tags"][0]["name"], "中际旭创");
    let a8 = first.iter().find(|d| d["id"] == "a8").unwrap();
    assert_eq!(a8["published_at"], Value::Null);
    // what search shows is what the export holds
    let search: Value = serde_json::from_str(&ok(
        &data,
        &["search", "--format", "json", "--limit", "100"],
    ))
    .unwrap();
    for hit in search["results"].as_array().unwrap() {
        let d = first.iter().find(|d| d["id"] == hit["id"]).unwrap();
        for (k, from) in [
            ("title", "title"),
            ("source", "source"),
            ("cluster_id", "cluster_id"),
            ("url", "url"),
            ("published_at", "published_at"),
        ] {
            assert_eq!(d[k], hit[from], "{k} of {}", hit["id"]);
        }
        let themes: Vec<&Value> = hit["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["id"])
            .collect();
        let exported_themes: Vec<&Value> = d["themes"].as_array().unwrap().iter().collect();
        assert_eq!(themes, exported_themes, "{}", hit["id"]);
    }
    // the export, ingested into another data dir, exports as the same
    let again_file = dir.join("exported.ndjson");
    std::fs::write(
        &again_file,
        first.iter().map(|d| format!("{d}\n")).collect::<String>(),
    )
    .unwrap();
    let other = dir.join("other");
    ok(&other, &["ingest", again_file.to_str().unwrap()]);
    assert_eq!(
        without_ingest_time(exported(&other, &[])),
        without_ingest_time(first.clone())
    );
    // a bulk body: an action line with the id before each document
    let bulk = ok(
        &data,
        &[
            "export",
            "documents",
            "--format",
            "bulk",
            "--index",
            "news",
            "--out",
            "-",
        ],
    );
    let lines: Vec<Value> = bulk
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2 * first.len());
    for pair in lines.chunks(2) {
        assert_eq!(pair[0]["index"]["_index"], "news");
        assert_eq!(pair[0]["index"]["_id"], pair[1]["id"]);
    }
    // --since/--until: the dated documents of those days only
    let july6 = exported(&data, &["--since", "2026-07-06", "--until", "2026-07-06"]);
    let mut ids: Vec<&str> = july6.iter().map(|d| d["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["a2", "t1"]);
}

/// Whether an exported JSON value fits a kind of declared field (a null is
/// a missing value, which every field takes).
fn fits(kind: &str, v: &Value) -> bool {
    let rfc3339 = |v: &Value| {
        v.as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
    };
    match kind {
        _ if v.is_null() => true,
        "string" => v.is_string(),
        "strings" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "date" => rfc3339(v),
        "objects" => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        "integer" => v.is_u64() || v.is_i64(),
        "bool" => v.is_boolean(),
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn search_tier_mappings_name_exactly_the_exported_fields() {
    let data = fixture_index("export_mappings");
    let docs = exported(&data, &["--terms"]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let exported_fields: std::collections::BTreeSet<String> = docs
        .iter()
        .flat_map(|d| d.as_object().unwrap().keys().cloned())
        .collect();

    // Quickwit: every field, its type compatible with every exported value
    let yaml = std::fs::read_to_string(root.join("deploy/quickwit/ticai.yaml")).unwrap();
    let config = &yaml_rust2::YamlLoader::load_from_str(&yaml).unwrap()[0];
    assert_eq!(config["doc_mapping"]["mode"].as_str(), Some("strict"));
    let mut quickwit = std::collections::BTreeSet::new();
    for m in config["doc_mapping"]["field_mappings"].as_vec().unwrap() {
        let name = m["name"].as_str().unwrap().to_string();
        let kind = match m["type"].as_str().unwrap() {
            "text" => "string",
            "array<text>" => "strings",
            "datetime" => {
                assert_eq!(m["input_formats"][0].as_str(), Some("rfc3339"), "{name}");
                "date"
            }
            "array<json>" => "objects",
            other => panic!("{name}: type {other} not expected"),
        };
        for d in &docs {
            assert!(
                fits(kind, &d[&name]),
                "quickwit {name} ({kind}) vs {}",
                d[&name]
            );
        }
        quickwit.insert(name);
    }
    assert_eq!(quickwit, exported_fields);
    for f in config["search_settings"]["default_search_fields"]
        .as_vec()
        .unwrap()
    {
        assert!(quickwit.contains(f.as_str().unwrap()));
    }

    // OpenSearch: the same, nested properties too
    let mapping: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("deploy/opensearch/ticai.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(mapping["mappings"]["dynamic"], "strict");
    let props = mapping["mappings"]["properties"].as_object().unwrap();
    let opensearch: std::collections::BTreeSet<String> = props.keys().cloned().collect();
    assert_eq!(opensearch, exported_fields);
    let kind_of = |p: &Value| match p["type"].as_str().unwrap() {
        // a keyword field takes one value or an array of them
        "keyword" | "text" => "string-or-strings",
        "date" => "date",
        "long" => "integer",
        "boolean" => "bool",
        "nested" => "objects",
        other => panic!("type {other} not expected"),
    };
    let check = |name: &str, p: &Value, v: &Value| match kind_of(p) {
        "string-or-strings" => assert!(fits("string", v) || fits("strings", v), "{name}: {v}"),
        kind => assert!(fits(kind, v), "{name} ({kind}): {v}"),
    };
    for d in &docs {
        for (name, p) in props {
            check(name, p, &d[name]);
            if p["type"] == "nested" {
                let inner = p["properties"].as_object().unwrap();
                for item in d[name].as_array().unwrap() {
                    let keys: std::collections::BTreeSet<&String> =
                        item.as_object().unwrap().keys().collect();
                    assert_eq!(keys, inner.keys().collect(), "{name}");
                    for (k, ip) in inner {
                        check(k, ip, &item[k]);
                    }
                }
            }
            if let Some(analyzer) = p["analyzer"].as_str() {
                assert!(
                    analyzer.starts_with("ik_")
                        || mapping["settings"]["analysis"]["analyzer"][analyzer].is_object(),
                    "{name}: analyzer {analyzer}"
                );
            }
        }
    }
    // the terms are ticai's index terms
    assert!(docs.iter().all(|d| d["text_terms"].is_string()));
    let a2 = docs.iter().find(|d| d["id"] == "a2").unwrap();
    assert!(
        a2["text_terms"]
            .as_str()
            .unwrap()
            .split(' ')
            .any(|t| t == "液冷"),
        "{a2}"
    );
}
