//! Taiwan and Hong Kong text: vocabulary converted to mainland usage for
//! tags and search, offsets into the original text, the cross-strait table
//! checked, and the pairs of `tests/crossstrait/pairs.jsonl` (written for
//! this project) held at 95%.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs ticai in the repository root, feeding `stdin`.
fn ticai(args: &[&str], stdin: Option<&str>) -> Output {
    common::ticai_stdin(&root(), args, stdin)
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "ticai failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn chars(s: &str, start: u64, end: u64) -> String {
    s.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

#[test]
fn the_pairs_meet_the_95_percent_bar() {
    let out = ticai(
        &[
            "eval",
            "crossstrait",
            "tests/crossstrait/pairs.jsonl",
            "--json",
            "--min-found",
            "0.95",
            "--min-same",
            "0.95",
        ],
        None,
    );
    let report: Value = serde_json::from_str(&ok(&out)).unwrap();
    let n = |k: &str| report[k].as_u64().unwrap();
    assert!(n("pairs") >= 40, "{report}");
    assert!(n("queries") >= 80, "{report}");
    assert!(n("found") * 100 >= n("queries") * 95, "{report}");
    assert!(n("same_tags") * 100 >= n("pairs") * 95, "{report}");
    // the misses are listed, one per query not found
    assert_eq!(
        report["missed_queries"].as_array().unwrap().len() as u64,
        n("queries") - n("found")
    );
    // a bar the set cannot meet fails the command
    let out = ticai(
        &[
            "eval",
            "crossstrait",
            "tests/crossstrait/pairs.jsonl",
            "--min-found",
            "1.5",
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--min-found"));
}

#[test]
fn taiwan_words_tag_as_mainland_words_with_spans_in_the_original() {
    let trad = "輝達新一代AI伺服器採用液冷散熱，記憶體與光收發模組需求同步成長。";
    let cn = "英伟达新一代AI服务器采用液冷散热，内存与光模块需求同步增长。";
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "tw", "text": trad}),
        serde_json::json!({"id": "cn", "text": cn})
    );
    let docs = json_lines(&ok(&ticai(
        &["tag", "--format", "jsonl", "-"],
        Some(&input),
    )));
    let tags = |d: &Value| {
        let mut t: Vec<String> = d["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        t.sort();
        let mut c: Vec<String> = d["companies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        c.sort();
        (t, c)
    };
    assert_eq!(tags(&docs[0]), tags(&docs[1]));
    let (themes, companies) = tags(&docs[0]);
    for id in ["ai-server", "liquid-cooling", "optical-interconnect"] {
        assert!(themes.contains(&id.to_string()), "{themes:?}");
    }
    assert_eq!(companies, vec!["英伟达".to_string()]);
    // every evidence span slices the original (Taiwan) text exactly
    let mut seen = Vec::new();
    for kind in ["themes", "companies"] {
        for hit in docs[0][kind].as_array().unwrap() {
            for e in hit["evidence"].as_array().unwrap() {
                let (s, t) = (e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap());
                assert_eq!(chars(trad, s, t), e["text"].as_str().unwrap(), "{e}");
                seen.push(e["text"].as_str().unwrap().to_string());
            }
        }
    }
    for word in ["伺服器", "光收發模組", "輝達"] {
        assert!(seen.iter().any(|s| s.contains(word)), "{word}: {seen:?}");
    }
}

#[test]
fn taiwan_aliases_still_match_mainland_text_that_writes_them() {
    // 光模組 and 記憶體 are aliases written in Taiwan script: Taiwan text
    // converts them to 光模块 and 内存, mainland text may write 光模组
    let line =
        serde_json::json!({"id": "m", "text": "公司光模组订单饱满，内存需求强劲。"}).to_string();
    let docs = json_lines(&ok(&ticai(&["tag", "--format", "jsonl", "-"], Some(&line))));
    let themes: Vec<&str> = docs[0]["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(themes.contains(&"optical-interconnect"), "{themes:?}");
    assert!(themes.contains(&"memory-chips"), "{themes:?}");
}

#[test]
fn mainland_words_that_opencc_would_rewrite_are_kept() {
    let out = ok(&ticai(
        &["segment", "-"],
        Some("公司核心業務穩健，核心客戶包括雲端大廠，屬於市場公認的核心資產。\n"),
    ))
    .replace(' ', "");
    assert!(out.contains("核心业务"), "{out}");
    assert!(out.contains("核心客户"), "{out}");
    assert!(out.contains("核心资产"), "{out}");
    assert!(!out.contains("内核"), "{out}");
}

/// `ticai ingest` of `records` (written as JSON Lines) into the data dir `data`.
fn ingest(data: &str, records: &[Value]) {
    let file = Path::new(data).join("docs.jsonl");
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&file, lines).unwrap();
    ok(&ticai(
        &["ingest", "--data-dir", data, file.to_str().unwrap()],
        None,
    ));
}

/// `ticai search --format json` over the data dir `data`.
fn search_json(data: &str, q: &str) -> Value {
    serde_json::from_str(&ok(&ticai(
        &["search", "--data-dir", data, "--format", "json", q],
        None,
    )))
    .unwrap()
}

#[test]
fn search_crosses_the_strait_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    ingest(
        data,
        &[
            serde_json::json!({"id": "tw-1", "text": "廣達表示，AI伺服器出貨將倍增，資料中心客戶的拉貨動能強勁。"}),
            serde_json::json!({"id": "cn-1", "text": "浪潮信息表示，晶圆代工产能紧张，芯片交期拉长。"}),
            serde_json::json!({"id": "cn-2", "text": "公司光模组出货量大增，政策支持力度加大。"}),
        ],
    );
    let search = |q: &str| search_json(data, q);
    let ids = common::result_ids;
    // mainland queries find the Taiwan document, highlighted in its own words
    for q in ["服务器", "数据中心", "服务器 AND 数据中心"] {
        let v = search(q);
        assert_eq!(ids(&v), vec!["tw-1"], "{q}");
    }
    let snippet = search("服务器")["results"][0]["snippet"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(snippet.contains("<b>伺服器</b>"), "{snippet}");
    // Taiwan queries find the mainland document (晶片 needs no traditional
    // character, 伺服器 neither)
    assert_eq!(ids(&search("晶片")), vec!["cn-1"]);
    assert_eq!(ids(&search("伺服器")), vec!["tw-1"]);
    assert_eq!(ids(&search("晶圓")), vec!["cn-1"]);
    // the explanation shows both readings
    let explain = ok(&ticai(
        &["search", "--data-dir", data, "--explain", "伺服器"],
        None,
    ));
    assert!(explain.contains("伺服器 OR 服务器"), "{explain}");
    // a query in Taiwan script also reads as its characters alone: mainland
    // text that writes 光模组 is found
    assert_eq!(ids(&search("光模組")), vec!["cn-2"]);
    // OpenCC's Taiwan phrases are not used to widen shared-character
    // queries: 支援 is a mainland word too, and does not become 支持
    let explain = ok(&ticai(
        &["search", "--data-dir", data, "--explain", "支援"],
        None,
    ));
    assert!(!explain.contains("支持"), "{explain}");
    assert!(ids(&search("支援")).is_empty());
}

#[test]
fn short_rows_and_variants_leave_other_words_alone() {
    let out = ok(&ticai(
        &["segment", "-"],
        Some("外資今年增持台積電，全年增幅擴大，本季增速放緩，營收年增三成，為什麼臺積電股價抬升？\n"),
    ))
    .replace(' ', "");
    for kept in ["今年增持", "全年增幅", "本季增速", "为什么", "抬升"] {
        assert!(out.contains(kept), "{kept}: {out}");
    }
    assert!(out.contains("营收同比增长三成"), "{out}");
    assert!(!out.contains('幺') && !out.contains('擡'), "{out}");
}

#[test]
fn region_flag_and_field() {
    // no traditional character: mainland text unless the region says Taiwan
    let line = serde_json::json!({"id": "a", "text": "公司的伺服器与晶片业务"}).to_string();
    let tag = |args: &[&str], input: &str| json_lines(&ok(&ticai(args, Some(input))));
    let detected = tag(&["tag", "--format", "jsonl", "-"], &line);
    let taiwan = tag(&["tag", "--format", "jsonl", "--region", "tw", "-"], &line);
    let themes = |d: &Value| -> Vec<String> {
        d["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!themes(&detected[0]).contains(&"gpu".to_string()));
    let tw = themes(&taiwan[0]);
    assert!(tw.contains(&"ai-server".to_string()), "{tw:?}");
    // a record's own region wins over the flag; a bad one is refused by line
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "b", "text": "公司的伺服器业务", "region": "tw"}),
        serde_json::json!({"id": "c", "text": "x", "region": "mars"})
    );
    let out = ticai(&["tag", "--format", "jsonl", "-"], Some(&lines));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-:2:") && err.contains("\"region\""), "{err}");
    let docs = json_lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(docs.len(), 1);
    let out = ticai(&["tag", "--region", "mars", "-"], Some(&line));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--region"));
}

/// A copy of the repository's themes and companies in `lex`, with an empty
/// vocabulary directory.
fn copy_lexicon(lex: &Path) {
    let src = root().join("lexicons");
    for sub in ["themes", "companies"] {
        std::fs::create_dir_all(lex.join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, lex.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir_all(lex.join("vocabulary")).unwrap();
}

#[test]
fn retag_brings_documents_to_a_new_cross_strait_table() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path().join("lexicon");
    copy_lexicon(&lex);
    let table = lex.join("vocabulary/cross_strait.tsv");
    std::fs::write(
        &table,
        "from\tto\twhere\tnote\n雲端運算\t云计算\ttw\tcloud\n",
    )
    .unwrap();
    let (l, data) = (lex.to_str().unwrap(), dir.path().join("data"));
    let data = data.to_str().unwrap();
    let file = dir.path().join("tw.jsonl");
    std::fs::write(
        &file,
        format!(
            "{}\n",
            serde_json::json!({"id": "tw-2", "text": "雲端運算大廠加碼採購光收發模組，法人看好出貨動能。"})
        ),
    )
    .unwrap();
    ok(&ticai(
        &[
            "--lexicon",
            l,
            "ingest",
            "--data-dir",
            data,
            file.to_str().unwrap(),
        ],
        None,
    ));
    let hits = |q: &str| -> u64 {
        let v: Value = serde_json::from_str(&ok(&ticai(
            &[
                "--lexicon",
                l,
                "search",
                "--data-dir",
                data,
                "--format",
                "json",
                q,
            ],
            None,
        )))
        .unwrap();
        v["total"].as_u64().unwrap()
    };
    assert_eq!(hits("云计算"), 1);
    assert_eq!(hits("光模块"), 0);
    // the table learns 光收發模組: the index is behind until retag
    std::fs::write(
        &table,
        "from\tto\twhere\tnote\n雲端運算\t云计算\ttw\tcloud\n光收發模組\t光模块\ttw\toptics\n",
    )
    .unwrap();
    let stats = ok(&ticai(
        &[
            "--lexicon",
            l,
            "stats",
            "--data-dir",
            data,
            "--format",
            "json",
        ],
        None,
    ));
    let stats: Value = serde_json::from_str(&stats).unwrap();
    assert_ne!(
        stats["lexicon_version"], stats["indexed_lexicon_versions"][0]["version"],
        "{stats}"
    );
    ok(&ticai(&["--lexicon", l, "retag", "--data-dir", data], None));
    assert_eq!(hits("光模块"), 1);
    assert_eq!(hits("云计算"), 1);
}

#[test]
fn lexicon_check_reports_bad_cross_strait_rows() {
    let dir = tempfile::tempdir().unwrap();
    let lex = dir.path();
    copy_lexicon(lex);
    std::fs::write(
        lex.join("vocabulary/cross_strait.tsv"),
        "from\tto\twhere\tnote\n\
         雲端運算\t云计算\ttw\tfine\n\
         記憶體\t記憶體\ttw\tnot simplified\n\
         半導體\t半导体\ttw\tcharacters only\n\
         筆電\t笔电\ttw\tchain\n\
         筆电\t笔记本电脑\ttw\tduplicate once converted\n\
         網通\t网络通信\tmars\tbad region\n",
    )
    .unwrap();
    let out = ticai(
        &["lexicon", "check", "--lexicon", lex.to_str().unwrap()],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for (line, what) in [
        (3, "not simplified"),
        (4, "changes nothing"),
        (5, "chain or cycle"),
        (6, "simplified character 电"),
        (7, "`where`"),
    ] {
        let tag = format!("cross_strait.tsv:{line}:");
        assert!(
            text.lines().any(|l| l.contains(&tag) && l.contains(what)),
            "line {line} {what}: {text}"
        );
    }
    assert!(!text.contains("cross_strait.tsv:2:"), "{text}");
}

/// Ingest indexes a document with the region it is tagged with: a record
/// that says `"region": "tw"` but has no traditional character (detection
/// alone reads it as mainland text) is found by the mainland word.
#[test]
fn an_ingested_documents_region_applies_to_its_index_terms() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    ingest(
        data,
        &[
            serde_json::json!({"id": "given", "text": "公司的伺服器业务增长", "region": "tw"}),
            serde_json::json!({"id": "detected", "text": "公司的伺服器业务增长了"}),
        ],
    );
    let ids = |q: &str| common::result_ids(&search_json(data, q));
    let snippet = |q: &str| search_json(data, q)["results"][0]["snippet"].clone();
    // the region is stored with the document: a retag and a rebuild read
    // it as ingest did, and the snippet is cut in it too
    for again in [None, Some(&["retag", "--all"][..]), Some(&["reindex"][..])] {
        if let Some(args) = again {
            let mut args = args.to_vec();
            args.extend(["--data-dir", data]);
            ok(&ticai(&args, None));
        }
        assert_eq!(ids("服务器"), vec!["given"], "after {again:?}");
        assert_eq!(
            snippet("服务器"),
            "公司的<b>伺服器</b>业务增长",
            "after {again:?}"
        );
        // the query 伺服器 also reads as 服务器: both
        assert_eq!(ids("伺服器"), vec!["detected", "given"], "after {again:?}");
    }
}

/// The one pass of ingest (one normalization and cut per field, read by
/// the tagger and the index) tags traditional text as the tagger alone
/// does: every pair's Taiwan/Hong Kong side with its region given and
/// detected, and its mainland side, each with a title, evidence included.
#[test]
fn one_pass_tags_equal_the_tagger_alone_on_traditional_text() {
    let lexicon = ticai_pipeline::lexicons::builtin();
    let tagger = ticai_tag::Tagger::new(&lexicon).unwrap();
    let pairs = ticai_pipeline::regional::read_pairs(&root().join("tests/crossstrait/pairs.jsonl"))
        .unwrap();
    let mut n = 0;
    for p in &pairs {
        for (text, region) in [(&p.trad, Some(p.region)), (&p.trad, None), (&p.cn, None)] {
            let doc = ticai_model::Document {
                id: format!("{}-{n}", p.id),
                title: Some(text.chars().take(16).collect()),
                text: text.clone(),
                region,
                ..Default::default()
            };
            let a = tagger.analyze(&doc.text, doc.region);
            let t = doc.title.as_deref().map(|t| tagger.analyze(t, doc.region));
            let one_pass = tagger.tag_analyzed(&doc, None, &a, t.as_ref());
            assert_eq!(tagger.tag(&doc), one_pass, "{}", doc.id);
            assert!(!one_pass.themes.is_empty(), "{}: no theme", doc.id);
            n += 1;
        }
    }
    assert_eq!(n, 3 * pairs.len());
    assert!(pairs.len() >= 60);
}
