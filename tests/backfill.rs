//! The Rust side of the Spark backfill (deploy/spark/): `ticai tag
//! --backfill` (what the job reads from ticai), `ticai ingest --tagged`
//! (its tagged output loaded back into a data dir) and `ticai trends` of a
//! company the tagger names from its code only. The job itself runs in
//! `.ci/spark-test` (real Spark, local mode).

mod common;

use common::{scratch, ticai, ticai_stdin};
use serde_json::{Value, json};
use std::path::Path;

const STORY: &str = "多家厂商表示，液冷服务器订单在三季度明显放量，超节点方案带动浸没式液冷需求，中科曙光称其液冷产品出货量同比翻倍。";
const OTHER: &str = "HBM3E供给偏紧，DDR5合约价继续上涨，存储模组报价同步上调。";

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn lexicon_version(dir: &Path) -> String {
    let out = ticai_stdin(
        dir,
        &["tag", "--backfill", "-"],
        Some("{\"id\":\"v\",\"text\":\"x\"}\n"),
    );
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap();
    rec["lexicon_version"].as_str().unwrap().to_string()
}

#[test]
fn tag_backfill_adds_what_the_job_needs_and_nothing_else_changes() {
    let dir = scratch("backfill-tag");
    let input = [
        json!({"id": "a", "url": "https://example.test/a", "source": "样例", "text": STORY,
               "published_at": "2026-07-01 09:30"}),
        json!({"id": "b", "text": "短", "published_at": 1783133400}),
        json!({"id": "c", "text": OTHER, "published_at": "07/03/2026", "region": "tw"}),
    ]
    .iter()
    .map(|v| v.to_string() + "\n")
    .collect::<String>();
    // lines that are no document, between documents
    let input = input.replacen('\n', "\n{not json\n", 1)
        + "{\"id\": \"d\", \"text\": \"x\", \"region\": \"jp\"}\n";
    let plain = ticai_stdin(&dir, &["tag", "-"], Some(&input));
    let full = ticai_stdin(&dir, &["tag", "--backfill", "-"], Some(&input));
    assert_eq!(full.status.code(), Some(1), "{:?}", text(&full)); // c's date
    let (plain, _) = text(&plain);
    let (full, _) = text(&full);
    let keys = [
        "url",
        "source",
        "text",
        "region",
        "published_rfc3339",
        "lexicon_version",
        "minhash",
        "lsh_bands",
    ];
    // every input line is answered in its place: a record, or its error
    let answers: Vec<Value> = full
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 5, "{full}");
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("-:2: invalid JSON"),
        "{}",
        answers[1]
    );
    assert!(
        answers[4]["error"]
            .as_str()
            .unwrap()
            .contains("unknown region \"jp\""),
        "{}",
        answers[4]
    );
    let full: String = full
        .lines()
        .filter(|l| !l.starts_with("{\"error\""))
        .map(|l| l.to_string() + "\n")
        .collect();
    for (p, f) in plain.lines().zip(full.lines()) {
        let p: Value = serde_json::from_str(p).unwrap();
        let mut f: Value = serde_json::from_str(f).unwrap();
        let obj = f.as_object_mut().unwrap();
        for k in keys {
            assert!(obj.remove(k).is_some(), "{k} missing");
        }
        // the tag record itself is exactly what `ticai tag` prints
        assert_eq!(Value::Object(obj.clone()), p);
    }
    let recs: Vec<Value> = full
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["url"], "https://example.test/a");
    assert_eq!(recs[0]["source"], "样例");
    assert_eq!(recs[0]["text"], STORY);
    assert_eq!(recs[0]["region"], Value::Null);
    assert_eq!(recs[2]["region"], "tw");
    assert_eq!(recs[0]["published_rfc3339"], "2026-07-01T09:30:00+08:00");
    assert_eq!(recs[0]["minhash"].as_array().unwrap().len(), 128);
    assert!(
        recs[0]["minhash"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.as_u64().unwrap() <= u32::MAX as u64)
    );
    assert_eq!(recs[0]["lsh_bands"].as_array().unwrap().len(), 8);
    assert!(
        recs[0]["lsh_bands"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_i64)
    );
    // epoch seconds become the instant; a text without 3-grams has no bands
    assert_eq!(recs[1]["published_rfc3339"], "2026-07-04T10:50:00+08:00");
    assert_eq!(recs[1]["lsh_bands"], json!([]));
    // a date ticai cannot read: no instant
    assert_eq!(recs[2]["published_rfc3339"], Value::Null);
    assert_eq!(recs[0]["lexicon_version"].as_str().unwrap().len(), 12);
    // the same text gives the same signature (the job clusters on it)
    let again = ticai_stdin(
        &dir,
        &["tag", "--backfill", "-"],
        Some(&(input.lines().next().unwrap().to_string() + "\n")),
    );
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["minhash"], recs[0]["minhash"]);

    let table = ticai_stdin(
        &dir,
        &["tag", "--backfill", "--format", "table", "-"],
        Some(&input),
    );
    let (_, err) = text(&table);
    assert_eq!(table.status.code(), Some(2));
    assert!(
        err.contains("--backfill") && err.contains("--format jsonl"),
        "{err}"
    );
}

/// One row of the job's documents/ output, as JSON Lines.
fn tagged_row(dir: &Path, id: &str, body: &str, day: &str, cluster: &str, version: &str) -> Value {
    let input =
        json!({"id": id, "text": body, "published_at": format!("{day} 09:30"), "source": "样例"});
    let out = ticai_stdin(dir, &["tag", "-"], Some(&(input.to_string() + "\n")));
    let tag_json = String::from_utf8(out.stdout).unwrap().trim().to_string();
    json!({"input_row": 0, "id": id, "url": null, "title": null, "text": body,
           "published_at": format!("{day} 09:30"), "source": "样例", "region": null,
           "lexicon_version": version, "tag_json": tag_json, "cluster_id": cluster})
}

fn mentions(dir: &Path, data: &str) -> Vec<Vec<String>> {
    let out = ticai(
        dir,
        &[
            "export",
            "mentions",
            "--format",
            "csv",
            "--out",
            "-",
            "--data-dir",
            data,
        ],
    );
    let (o, e) = text(&out);
    assert!(out.status.success(), "{e}");
    let mut rows: Vec<Vec<String>> = o
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    rows.sort();
    rows
}

#[test]
fn ingest_tagged_keeps_tags_and_clusters_of_this_lexicon_and_retags_the_others() {
    let dir = scratch("backfill-ingest");
    let version = lexicon_version(&dir);
    let mut kept = tagged_row(
        &dir,
        "k1",
        STORY,
        "2026-07-01",
        "cluster-from-spark",
        &version,
    );
    // a theme the text does not carry: kept as given, so not tagged again
    let mut tag: Value = serde_json::from_str(kept["tag_json"].as_str().unwrap()).unwrap();
    tag["themes"].as_array_mut().unwrap().push(json!({
        "id": "hbm", "name": "HBM", "name_en": "HBM", "mentions": 3, "in_title": false,
        "evidence": [{"term": "HBM", "start": 0, "end": 1, "sentence": "多", "reason": "name",
                      "text": "多", "field": "text"}]}));
    kept["tag_json"] = Value::String(tag.to_string());
    let old = tagged_row(
        &dir,
        "o1",
        OTHER,
        "2026-07-02",
        "other-cluster",
        "000000000000",
    );
    let mut old_tag: Value = serde_json::from_str(old["tag_json"].as_str().unwrap()).unwrap();
    old_tag["themes"] = json!([{"id": "supernode", "name": "超节点", "name_en": "Supernode",
                                 "mentions": 9, "in_title": false, "evidence": []}]);
    let mut old = old;
    old["tag_json"] = Value::String(old_tag.to_string());
    let bad = json!({"id": "x1", "text": "无标签"}); // no tag_json: not a tagged row
    let other_doc = json!({"id": "x2", "text": "文本", "tag_json": tagged_row(&dir, "x3", "文本", "2026-07-01", "c", &version)["tag_json"],
                           "lexicon_version": version, "cluster_id": "c"});
    std::fs::create_dir_all(dir.join("documents/day=2026-07-01")).unwrap();
    std::fs::write(dir.join("documents/_SUCCESS"), "").unwrap();
    let lines = [kept, old, bad, other_doc]
        .iter()
        .map(|v| v.to_string() + "\n")
        .collect::<String>();
    std::fs::write(dir.join("documents/day=2026-07-01/part-0.json"), lines).unwrap();

    let out = ticai(
        &dir,
        &["ingest", "--tagged", "documents", "--data-dir", "data"],
    );
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{o}{e}");
    assert!(o.contains("ingested 2 tagged documents (1 kept their tags, 1 tagged again (lexicon 000000000000, not "), "{o}");
    assert!(
        e.contains("documents/day=2026-07-01/part-0.json:3: no tag_json"),
        "{e}"
    );
    assert!(
        e.contains("part-0.json:4: tag_json is the record of \"x3\", not of \"x2\""),
        "{e}"
    );

    let rows = mentions(&dir, "data");
    let keyed: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| (r[0].clone(), r[5].clone(), r[6].clone(), r[7].clone()))
        .collect();
    // k1: its cluster and its tags as given, the added theme with its mentions
    assert!(keyed.contains(&(
        "k1".into(),
        "cluster-from-spark".into(),
        "theme".into(),
        "hbm".into()
    )));
    let hbm = rows.iter().find(|r| r[0] == "k1" && r[7] == "hbm").unwrap();
    assert_eq!(hbm[10], "3");
    assert!(keyed.contains(&(
        "k1".into(),
        "cluster-from-spark".into(),
        "theme".into(),
        "liquid-cooling".into()
    )));
    // o1: tagged again with this lexicon (memory chips, not the stale supernode)
    assert!(keyed.contains(&(
        "o1".into(),
        "other-cluster".into(),
        "theme".into(),
        "memory-chips".into()
    )));
    assert!(
        !keyed.iter().any(|k| k.0 == "o1" && k.3 == "supernode"),
        "{keyed:?}"
    );
    assert!(
        rows.iter().all(|r| r[12] == version),
        "stored lexicon version"
    );

    // the clusters are in the state: a near-duplicate ingested later joins k1's
    let dup =
        json!({"id": "k2", "text": format!("{STORY}（转载）"), "published_at": "2026-07-01 11:00"});
    std::fs::write(dir.join("later.jsonl"), dup.to_string() + "\n").unwrap();
    let out = ticai(&dir, &["ingest", "later.jsonl", "--data-dir", "data"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let rows = mentions(&dir, "data");
    let k2 = rows.iter().find(|r| r[0] == "k2").unwrap();
    assert_eq!(k2[5], "cluster-from-spark");

    // loading again is idempotent: same rows, k2 untouched
    let out = ticai(
        &dir,
        &["ingest", "--tagged", "documents", "--data-dir", "data"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(mentions(&dir, "data"), rows);

    // a document the data dir holds keeps its cluster (k2 joined it): a
    // backfill that clustered it elsewhere does not split the story
    let part = dir.join("documents/day=2026-07-01/part-0.json");
    let lines = std::fs::read_to_string(&part).unwrap();
    std::fs::write(&part, lines.replace("cluster-from-spark", "a-new-cluster")).unwrap();
    let out = ticai(
        &dir,
        &["ingest", "--tagged", "documents", "--data-dir", "data"],
    );
    let (o, _) = text(&out);
    assert!(
        o.contains(
            "every cluster kept but 1 of documents this data dir held already, which keep theirs"
        ),
        "{o}"
    );
    assert_eq!(mentions(&dir, "data"), rows);
}

#[test]
fn ingest_tagged_refuses_what_is_not_the_jobs_output() {
    let dir = scratch("backfill-refuse");
    // a Parquet file of other columns (the mentions export)
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/sample");
    let out = ticai(
        &dir,
        &["ingest", sample.to_str().unwrap(), "--data-dir", "data"],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    let out = ticai(
        &dir,
        &[
            "export",
            "mentions",
            "--out",
            "m.parquet",
            "--data-dir",
            "data",
        ],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    let out = ticai(
        &dir,
        &["ingest", "--tagged", "m.parquet", "--data-dir", "other"],
    );
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{o}{e}");
    assert!(
        e.contains("m.parquet: no column \"id\": not the documents/ output of the Spark backfill"),
        "{e}"
    );
    assert!(o.contains("ingested 0 tagged documents"), "{o}");
    let out = ticai(
        &dir,
        &["ingest", "--tagged", "missing-dir", "--data-dir", "other"],
    );
    let (_, e) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(e.contains("missing-dir: no such file"), "{e}");
    let out = ticai(&dir, &["ingest", "--tagged", "-", "--data-dir", "other"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("not standard input"));
}

#[test]
fn trends_of_a_company_named_only_by_its_code() {
    // `*ST某某(000638.SZ)`: a company of no lexicon entry, tagged from its code
    let dir = scratch("backfill-code-company");
    let docs = [
        json!({"id": "n1", "text": "*ST万方(000638.SZ)公告称，公司收到终止上市决定。", "published_at": "2026-07-01 09:30"}),
        json!({"id": "n2", "text": "*ST万方(000638.SZ)股票将被摘牌。", "published_at": "2026-07-02 09:30"}),
    ]
    .iter()
    .map(|v| v.to_string() + "\n")
    .collect::<String>();
    std::fs::write(dir.join("n.jsonl"), docs).unwrap();
    let out = ticai(&dir, &["ingest", "n.jsonl", "--data-dir", "data"]);
    assert!(out.status.success(), "{:?}", text(&out));
    for wanted in ["ST万方", "st万方", "000638", "000638.SZ"] {
        let out = ticai(
            &dir,
            &[
                "trends",
                "--company",
                wanted,
                "--format",
                "csv",
                "--data-dir",
                "data",
            ],
        );
        let (o, e) = text(&out);
        assert!(out.status.success(), "{wanted}: {e}");
        let rows: Vec<&str> = o.lines().skip(1).collect();
        assert_eq!(
            rows,
            [
                "2026-07-01,company,ST万方,ST万方,000638,1,1,1,0,1,1",
                "2026-07-02,company,ST万方,ST万方,000638,1,1,1,0,1,1"
            ],
            "{wanted}"
        );
    }
    // a name no lexicon entry and no document has is still refused
    let out = ticai(
        &dir,
        &["trends", "--company", "ST不存在", "--data-dir", "data"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("no such company"));
}
