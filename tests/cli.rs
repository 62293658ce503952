//! End-to-end tests of the `ticai` binary on the repository's own fixtures
//! (`corpus/sample/`, `lexicons/`) and files the tests write. No network,
//! no ../shared: this is what a fresh clone runs.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::result_ids;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs ticai in the repository root with `args`, feeding `stdin`.
fn ticai(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ticai"));
    cmd.current_dir(root())
        .args(args)
        .env_remove("TICAI_LEXICON");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the ticai binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_string())
        .collect()
}

/// A scratch directory under the target dir, fresh for each test.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn tags_the_sample_corpus() {
    let out = ticai(&["tag", "corpus/sample"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = json_lines(&out);
    assert_eq!(
        docs.len(),
        5 + 6,
        "five files (one a PDF note) and six flash items"
    );
    let by_id = |id: &str| {
        docs.iter()
            .find(|d| d["id"].as_str().unwrap().ends_with(id))
            .unwrap()
    };

    let d = by_id("2026-11-18-supernode.txt");
    let themes = ids(&d["themes"], "id");
    for t in [
        "supernode",
        "wanka-cluster",
        "de-nvidia",
        "export-controls",
        "domestic-ai-chips",
        "liquid-cooling",
    ] {
        assert!(
            themes.contains(&t.to_string()),
            "{t} missing from {themes:?}"
        );
    }
    let supernode = d["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "supernode")
        .unwrap();
    assert_eq!(supernode["name"], "超节点");
    assert_eq!(supernode["in_title"], true);
    let companies = d["companies"].as_array().unwrap();
    let sugon = companies.iter().find(|c| c["name"] == "中科曙光").unwrap();
    assert_eq!(
        (sugon["code"].as_str(), sugon["exchange"].as_str()),
        (Some("603019"), Some("SH"))
    );
    assert_eq!(sugon["evidence"][0]["text"], "中科曙光（603019）");
    assert_eq!(sugon["evidence"][0]["reason"], "name");
    assert!(ids(&d["companies"], "name").contains(&"寒武纪".to_string()));

    // HTML: script and style are not text; the full-width code links
    let d = by_id("2026-11-19-optics.html");
    assert_eq!(d["title"], "光模块龙头获大额订单，CPO进入量产前夜");
    assert_eq!(d["published_at"], "2026-11-19T14:05:00+08:00");
    let names = ids(&d["companies"], "name");
    assert!(
        names.contains(&"中际旭创".to_string()) && !names.contains(&"字节跳动".to_string()),
        "{names:?}"
    );

    // traditional script: same entities as simplified, original spans
    let d = by_id("2026-11-20-taiwan-ai-server.txt");
    let nv = d["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "英伟达")
        .unwrap();
    assert_eq!(nv["evidence"][0]["text"], "輝達");
    assert_eq!(nv["in_title"], true);
    assert!(ids(&d["themes"], "id").contains(&"ai-server".to_string()));
    assert!(ids(&d["themes"], "id").contains(&"memory-chips".to_string()));

    // GBK file decoded
    let d = by_id("2026-11-21-market-wrap-gbk.txt");
    assert!(ids(&d["themes"], "id").contains(&"copper-interconnect".to_string()));
    assert!(ids(&d["companies"], "name").contains(&"沃尔核材".to_string()));

    // JSONL: id and datetime fields mapped
    let d = by_id("flash-001");
    assert_eq!(d["published_at"], "2026-11-20T09:35:00+08:00");
    assert_eq!(d["themes"][0]["id"], "compute-leasing");
}

#[test]
fn evidence_offsets_point_into_the_extracted_text() {
    // offsets are into the document's text as `ticai extract` prints it,
    // and into the title for title evidence
    let file = "corpus/sample/2026-11-20-taiwan-ai-server.txt";
    let ex = json_lines(&ticai(&["extract", file], None));
    let text: Vec<char> = ex[0]["text"].as_str().unwrap().chars().collect();
    let title: Vec<char> = ex[0]["title"].as_str().unwrap().chars().collect();
    let d = &json_lines(&ticai(&["tag", file], None))[0];
    let mut n = 0;
    for list in [&d["themes"], &d["companies"]] {
        for hit in list.as_array().unwrap() {
            for e in hit["evidence"].as_array().unwrap() {
                let src = if e["field"] == "title" { &title } else { &text };
                let (s, t) = (
                    e["start"].as_u64().unwrap() as usize,
                    e["end"].as_u64().unwrap() as usize,
                );
                let orig: String = src[s..t].iter().collect();
                assert_eq!(orig, e["text"].as_str().unwrap());
                assert!(e["sentence"].as_str().unwrap().contains(&orig));
                n += 1;
            }
        }
    }
    assert!(n >= 10, "only {n} evidence rows");
    // without extraction, offsets are into the file itself
    let raw: Vec<char> = std::fs::read_to_string(root().join(file))
        .unwrap()
        .chars()
        .collect();
    let d = &json_lines(&ticai(&["tag", "--no-extract", file], None))[0];
    for hit in d["companies"].as_array().unwrap() {
        for e in hit["evidence"].as_array().unwrap() {
            let (s, t) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                raw[s..t].iter().collect::<String>(),
                e["text"].as_str().unwrap()
            );
        }
    }
}

#[test]
fn reads_stdin_and_formats_a_table() {
    let out = ticai(
        &["tag", "--format", "table"],
        Some("华为与寒武纪(688256)推进超节点。"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("supernode 超节点 ×1"), "{s}");
    assert!(s.contains("寒武纪 688256.SH ×1"), "{s}");
    assert!(s.contains("华为 ×1"), "{s}");
    // JSON on stdin is read as JSON Lines
    let out = ticai(
        &["tag"],
        Some("{\"id\":\"a\",\"content\":\"液冷\"}\n{\"id\":\"b\",\"body\":\"铜缆\"}\n"),
    );
    let docs = json_lines(&out);
    assert_eq!(
        (docs[0]["id"].as_str(), docs[1]["id"].as_str()),
        (Some("a"), Some("b"))
    );
    assert_eq!(docs[1]["themes"][0]["id"], "copper-interconnect");
}

#[test]
fn bad_input_names_file_and_line_and_keeps_going() {
    let dir = scratch("bad_input");
    let f = dir.join("mixed.jsonl");
    std::fs::write(&f, "{\"id\":\"ok1\",\"text\":\"超节点\"}\n{not json\n{\"id\":\"nofield\",\"msg\":\"x\"}\n\n{\"id\":\"ok2\",\"text\":\"液冷\"}\n").unwrap();
    let missing = dir.join("missing.txt");
    let out = ticai(
        &["tag", f.to_str().unwrap(), missing.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "partial failure exits 1");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:2: invalid JSON", f.display())),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}:3: no text field (tried text, content, body, 正文",
            f.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}: cannot read", missing.display())),
        "{err}"
    );
    let docs = json_lines(&out);
    assert_eq!(ids(&Value::Array(docs), "id"), ["ok1", "ok2"]);
}

#[test]
fn field_overrides() {
    let dir = scratch("fields");
    let f = dir.join("a.jsonl");
    std::fs::write(
        &f,
        "{\"key\":\"k1\",\"msg\":\"算力租赁\",\"text\":\"液冷\",\"when\":\"2026-11-20\"}\n",
    )
    .unwrap();
    let out = ticai(
        &[
            "tag",
            "--field",
            "text=msg",
            "--field",
            "id=key",
            "--field",
            "published_at=when",
            f.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let d = &json_lines(&out)[0];
    assert_eq!(
        (d["id"].as_str(), d["published_at"].as_str()),
        (Some("k1"), Some("2026-11-20"))
    );
    assert_eq!(ids(&d["themes"], "id"), ["compute-leasing"]);
    let out = ticai(&["tag", "--field", "colour=x", f.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown key \"colour\""));
}

#[test]
fn lexicon_check_passes_on_the_repository_lexicon() {
    let out = ticai(&["lexicon", "check", "--format", "json"], None);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["errors"], 0);
    assert!(report["themes"].as_u64().unwrap() >= 80);
    assert!(report["curated_companies"].as_u64().unwrap() >= 300);
    // the built-in lexicon is the repository's
    let out2 = ticai(
        &[
            "--lexicon",
            "lexicons",
            "lexicon",
            "check",
            "--format",
            "json",
        ],
        None,
    );
    let report2: Value = serde_json::from_str(stdout(&out2).trim()).unwrap();
    assert_eq!(report["version"], report2["version"]);
}

#[test]
fn contract_theme_ids_and_names() {
    let out = ticai(&["lexicon", "themes", "--format", "json"], None);
    let themes = json_lines(&out);
    let name_of = |id: &str| {
        themes
            .iter()
            .find(|t| t["id"] == id)
            .map(|t| t["name_zh"].as_str().unwrap().to_string())
    };
    let contract = [
        ("de-nvidia", "去英伟达化"),
        ("supernode", "超节点"),
        ("wanka-cluster", "万卡集群"),
        ("compute-leasing", "算力租赁"),
        ("compute-scheduling", "算力调度"),
        ("optical-interconnect", "光模块/CPO"),
        ("copper-interconnect", "铜缆高速连接"),
        ("pcb", "PCB"),
        ("liquid-cooling", "液冷"),
        ("memory-chips", "存储芯片/HBM"),
        ("asic", "ASIC/定制芯片"),
        ("domestic-ai-chips", "国产AI芯片"),
        ("export-controls", "出口管制"),
        ("ai-inference", "AI推理/Token"),
        ("data-center", "数据中心/IDC"),
        ("ai-corpus", "AI语料/数据要素"),
        ("llm", "大模型"),
        ("ai-applications", "AI应用"),
        ("ai-server", "AI服务器"),
        ("cloud-computing", "云计算"),
        ("server-power", "服务器电源"),
        ("low-altitude", "低空经济"),
        ("robotics", "机器人"),
    ];
    for (id, name) in contract {
        assert_eq!(name_of(id).as_deref(), Some(name), "theme {id}");
    }
    for t in &themes {
        for key in ["name_en", "description"] {
            assert!(
                !t[key].as_str().unwrap().is_empty(),
                "{} has no {key}",
                t["id"]
            );
        }
    }
}

#[test]
fn lexicon_check_reports_file_and_line() {
    let dir = scratch("broken_lexicon");
    std::fs::create_dir_all(dir.join("themes")).unwrap();
    std::fs::create_dir_all(dir.join("companies")).unwrap();
    std::fs::write(
        dir.join("themes/a.toml"),
        "[[theme]]\nid = \"a\"\nname_zh = \"超节点\"\nname_en = \"A\"\nparent = \"nowhere\"\ndescription = \"d\"\n\n[[theme]]\nid = \"b\"\nname_zh = \"超節點\"\nname_en = \"B\"\naliases = [\"\"]\ndescription = \"d\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("companies/curated.tsv"),
        "name\tname_en\texchange\tcode\taliases\tflags\tnote\n华为\t\t\t\t\t\t\n华为\t\t\t\t\t\t\n某公司\t\tSH\t300308\t\t\t\n",
    )
    .unwrap();
    let out = ticai(
        &["--lexicon", dir.to_str().unwrap(), "lexicon", "check"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    let a = format!("{}/themes/a.toml", dir.display());
    let c = format!("{}/companies/curated.tsv", dir.display());
    for want in [
        format!("{a}:1: error: theme \"a\": unknown parent \"nowhere\""),
        format!("{a}:12: error: theme \"b\": empty term"),
        format!("{a}:10: error: theme \"b\": term \"超節點\" is also used by theme \"a\" at {a}:3"),
        format!("{c}:3: error: duplicate company \"华为\" (first defined at {c}:2)"),
        format!("{c}:4: error: code 300308 belongs to SZ, not SH"),
    ] {
        assert!(s.contains(&want), "missing {want:?} in\n{s}");
    }
    // tagging refuses a lexicon with errors
    let out = ticai(&["--lexicon", dir.to_str().unwrap(), "tag"], Some("超节点"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the lexicon has"), "{}", stderr(&out));
}

/// A scratch lexicon directory: one theme (液冷) and one curated company
/// row (tab-separated, without its line break).
fn lexicon_dir(name: &str, curated_row: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("themes")).unwrap();
    std::fs::create_dir_all(dir.join("companies")).unwrap();
    std::fs::write(
        dir.join("themes/t.toml"),
        "[[theme]]\nid = \"t\"\nname_zh = \"液冷\"\nname_en = \"T\"\ndescription = \"d\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("companies/curated.tsv"),
        format!("name\tname_en\texchange\tcode\taliases\tflags\tnote\n{curated_row}\n"),
    )
    .unwrap();
    dir
}

#[test]
fn import_listings_then_tag_by_code_and_name() {
    let dir = lexicon_dir("import", "旭创\tInnolight\tSZ\t300308\tInnolight\t\t");
    let csv = dir.join("stock_basic.csv");
    std::fs::write(
        &csv,
        "ts_code,symbol,name,area,industry,cnspell,market,list_date,act_name,act_ent_type\n\
         300308.SZ,300308,中际旭创,山东,通信设备,ZJXC,创业板,20120410,无,民营企业\n\
         000002.SZ,000002,万科Ａ,深圳,全国地产,WKA,主板,19910129,无,其他\n\
         688795.SH,688795,摩尔线程-U,北京,半导体,MEXC,科创板,20251205,无,民营企业\n\
         920576.BJ,920576,北证样例,北京,软件服务,BZYL,北交所,20240101,无,民营企业\n\
         123456.SZ,123456,坏代码,,,,,,,\n",
    )
    .unwrap();
    let out = ticai(
        &[
            "--lexicon",
            dir.to_str().unwrap(),
            "lexicon",
            "import-listings",
            csv.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad row is reported: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(&format!(
            "{}:6: error: \"123456\" is not a valid SZ stock code",
            csv.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("imported 4 listings"),
        "{}",
        stdout(&out)
    );
    let tsv = std::fs::read_to_string(dir.join("companies/listings.tsv")).unwrap();
    assert!(tsv.contains("000002\tSZ\t万科A\t"), "{tsv}");
    assert!(tsv.contains("688795\tSH\t摩尔线程\t"), "{tsv}");

    let text = "中际旭创与旭创是一家；万科、摩尔线程(688795)、bj920576与北证样例；Innolight。";
    let out = ticai(&["--lexicon", dir.to_str().unwrap(), "tag"], Some(text));
    assert!(out.status.success(), "{}", stderr(&out));
    let d = &json_lines(&out)[0];
    let companies = d["companies"].as_array().unwrap();
    let find = |n: &str| {
        companies
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("{n} in {companies:?}"))
    };
    // curated aliases merged into the listing, whose 简称 is canonical
    assert_eq!(find("中际旭创")["mentions"], 3);
    assert_eq!(find("中际旭创")["code"], "300308");
    assert_eq!(find("万科A")["mentions"], 1);
    assert_eq!(find("摩尔线程")["exchange"], "SH");
    assert_eq!(find("北证样例")["mentions"], 2);
}

#[test]
fn segment_keeps_lexicon_words_whole() {
    let out = ticai(&["segment"], Some("国产万卡集群与超节点推动去英伟达化"));
    let s = stdout(&out);
    for w in ["万卡集群", "超节点", "去英伟达化"] {
        assert!(
            s.split_whitespace().any(|t| t == w),
            "{w} not a token in {s}"
        );
    }
}

#[test]
fn pure_play_companies_imply_themes_unless_turned_off() {
    let line = r#"{"id":"m1","title":"江波龙拟扩产企业级SSD","text":"江波龙(301308)公告称拟投资建设新产线。"}"#;
    let themes_of = |args: &[&str]| -> Vec<(String, Vec<(String, String)>)> {
        let out = ticai(args, Some(line));
        assert!(out.status.success(), "{}", stderr(&out));
        let doc = &json_lines(&out)[0];
        doc["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let ev = t["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let reason = e["reason"].as_str().unwrap().to_string();
                        (reason, e["text"].as_str().unwrap().to_string())
                    })
                    .collect();
                (t["id"].as_str().unwrap().to_string(), ev)
            })
            .collect()
    };
    let on = themes_of(&["tag", "--format", "jsonl", "-"]);
    let memory = on
        .iter()
        .find(|t| t.0 == "memory-chips")
        .unwrap_or_else(|| panic!("{on:?}"));
    // the title names the company; the body names it with its code; the
    // title's 企业级SSD is a memory term of its own
    assert!(
        memory.1.contains(&("company".into(), "江波龙".into())),
        "{memory:?}"
    );
    assert!(
        memory
            .1
            .contains(&("company".into(), "江波龙(301308)".into())),
        "{memory:?}"
    );
    assert!(
        memory.1.contains(&("alias".into(), "企业级SSD".into())),
        "{memory:?}"
    );
    let off = themes_of(&["tag", "--format", "jsonl", "--no-implied", "-"]);
    let memory = off.iter().find(|t| t.0 == "memory-chips").unwrap();
    assert!(memory.1.iter().all(|(r, _)| r != "company"), "{memory:?}");
    // without the alias, nothing is left of the theme
    let bare = r#"{"id":"m2","text":"江波龙(301308)公告称拟投资建设新产线。"}"#;
    let out = ticai(&["tag", "--no-implied", "-"], Some(bare));
    assert!(json_lines(&out)[0]["themes"].as_array().unwrap().is_empty());
    let out = ticai(&["tag", "-"], Some(bare));
    let ids = ids(&json_lines(&out)[0]["themes"], "id");
    assert_eq!(ids, ["memory-chips"]);
}

#[test]
fn broken_pipe_is_not_an_error() {
    let out = common::ticai_closed_stdout(&root(), &["tag", "--format", "table", "corpus/sample"]);
    assert!(
        out.status.success() || stderr(&out).is_empty(),
        "{}",
        stderr(&out)
    );
}

#[test]
fn extract_fixture_pages() {
    let out = ticai(
        &["extract", "--format", "json", "tests/fixtures/extract"],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the empty page fails: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 page(s) failed extraction"),
        "{}",
        stderr(&out)
    );
    let recs = json_lines(&out);
    let get = |id: &str| {
        recs.iter()
            .find(|r| r["id"].as_str().unwrap().ends_with(id))
            .unwrap_or_else(|| panic!("no record {id}"))
    };
    // (id, encoding, title, published_at, source, text contains)
    let rows = [
        (
            "gbk-wrong-meta.html",
            "gb18030",
            "液冷产业链订单饱满，温控龙头扩产",
            "2026-11-20T10:15:00+08:00",
            "样例证券报",
            "浸没式液冷",
        ),
        (
            "big5.html",
            "Big5",
            "輝達新平台量產，伺服器供應鏈滿載",
            "2026-11-19T08:45:00+08:00",
            "樣例新聞",
            "高頻寬記憶體",
        ),
        (
            "utf8-declared-gb2312.html",
            "UTF-8",
            "光模块出货量创新高",
            "2026-11-18T16:20:00+08:00",
            "样例科技网",
            "1.6T产品",
        ),
        (
            "jsonld.html",
            "UTF-8",
            "算力租赁价格企稳回升",
            "2026-11-21T09:00:00+08:00",
            "样例日报",
            "长期合约占比提升",
        ),
        (
            "recommend-tail.txt",
            "UTF-8",
            "一图看懂AI算力产业链",
            "2026-11-19T07:30:00+08:00",
            "样例号",
            "液冷散热",
        ),
        (
            "digest.html#1",
            "UTF-8",
            "超节点迈入规模部署阶段",
            "2026-11-18T18:11:00+08:00",
            "样例研究",
            "万卡级别",
        ),
        (
            "digest.html#2",
            "UTF-8",
            "铜缆高速连接需求测算",
            "2026-11-17T09:05:00+08:00",
            "样例证券",
            "柜内互连",
        ),
        (
            "digest.html#3",
            "UTF-8",
            "存储芯片价格跟踪",
            "2026-11-16T20:30:00+08:00",
            "样例电子",
            "HBM供给",
        ),
    ];
    for (id, enc, title, date, source, contains) in rows {
        let r = get(id);
        assert_eq!(r["status"], "ok", "{id}");
        assert_eq!(r["reason"], Value::Null, "{id}");
        assert_eq!(r["encoding"], enc, "{id}");
        assert_eq!(r["title"], title, "{id}");
        assert_eq!(r["published_at"], date, "{id}");
        assert_eq!(r["source"], source, "{id}");
        let text = r["text"].as_str().unwrap();
        assert!(text.contains(contains), "{id}: {text}");
        // no boilerplate reaches the text; paragraphs are separated by blank lines
        for noise in [
            "相关推荐",
            "相關推薦",
            "分享至",
            "责任编辑",
            "首页",
            "网友评论",
            "白酒",
            "黄金",
            "导弹",
            "特别声明",
            "免责声明",
        ] {
            assert!(!text.contains(noise), "{id}: {noise} in {text}");
        }
        assert!(!text.contains("\n\n\n"), "{id}");
    }
    assert_eq!(get("jsonld.html")["author"], "样例记者");
    assert_eq!(
        get("jsonld.html")["url"],
        "https://example.invalid/news/compute-leasing"
    );
    assert!(
        get("gbk-wrong-meta.html")["text"]
            .as_str()
            .unwrap()
            .contains("\n\n")
    );
    assert_eq!(get("big5.html")["script"], "zh-Hant");
    let empty = get("empty.html");
    assert_eq!(
        (empty["status"].as_str(), empty["reason"].as_str()),
        (Some("failed"), Some("no main text found"))
    );
    assert_eq!(recs.len(), 9);
}

#[test]
fn tag_uses_the_extractor() {
    // the sidebar of the sample HTML page no longer yields themes, and a
    // digest page gives one document per note
    let out = ticai(
        &[
            "tag",
            "corpus/sample/2026-11-19-optics.html",
            "tests/fixtures/extract/digest.html",
        ],
        None,
    );
    let docs = json_lines(&out);
    let optics = &docs[0];
    let themes = ids(&optics["themes"], "id");
    assert!(themes.contains(&"optical-interconnect".to_string()));
    assert!(
        !themes.contains(&"liquor".to_string()) && !themes.contains(&"real-estate".to_string()),
        "{themes:?}"
    );
    let digest_ids: Vec<String> = docs[1..]
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        digest_ids,
        [
            "tests/fixtures/extract/digest.html#1",
            "tests/fixtures/extract/digest.html#2",
            "tests/fixtures/extract/digest.html#3"
        ]
    );
    assert_eq!(docs[2]["themes"][0]["id"], "copper-interconnect");
    assert_eq!(docs[2]["published_at"], "2026-11-17T09:05:00+08:00");
    // --no-extract reads the whole page, sidebar included
    let out = ticai(
        &[
            "tag",
            "--no-extract",
            "corpus/sample/2026-11-19-optics.html",
        ],
        None,
    );
    let themes = ids(&json_lines(&out)[0]["themes"], "id");
    assert!(themes.contains(&"liquor".to_string()), "{themes:?}");
}

/// Runs ticai with a data dir.
fn ticai_in(data: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--data-dir", data.to_str().unwrap()];
    all.extend_from_slice(args);
    ticai(&all, None)
}

fn search_json(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["search", "--format", "json"];
    all.extend_from_slice(args);
    let out = ticai_in(data, &all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

const INDEX_DOCS: &str = r#"{"id":"a","title":"国产超节点万卡集群交付","content":"中科曙光发布超节点万卡集群产品，国产算力加速落地。","datetime":"2026-11-18T09:30:00+08:00","source":"样例A"}
{"id":"b","title":"超节点与万卡分别推进","content":"超节点方案已经发布，而另一家公司的万卡规划仍在推进。","datetime":"2026-11-19T10:00:00+08:00","source":"样例B"}
{"id":"c","title":"輝達新品","content":"輝達新一代平台量產，伺服器供應鏈滿載。","datetime":"2026-11-20T11:00:00+08:00","source":"样例A"}
{"id":"d","title":"英伟达光模块需求","content":"英伟达新平台带动800G光模块需求，中际旭创(300308)受益。","datetime":"2026-11-21T12:00:00+08:00","source":"样例B"}
{"id":"e","title":"液冷渗透率提升","content":"冷板式液冷仍是主流路线，英维克中标多个项目。","datetime":"2026-10-01T08:00:00+08:00","source":"样例A"}
"#;

#[test]
fn ingest_search_and_stats_on_a_real_index() {
    let dir = scratch("index");
    let data = dir.join("data");
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, INDEX_DOCS).unwrap();
    // ingesting twice changes nothing
    for _ in 0..2 {
        let out = ticai_in(&data, &["ingest", f.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("the index holds 5 documents"),
            "{}",
            stdout(&out)
        );
    }
    let out = ticai_in(&data, &["stats", "--format", "json"]);
    let stats: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(stats["documents"], 5);
    assert_eq!(stats["first_published"], "2026-10-01T08:00:00+08:00");
    assert_eq!(stats["last_published"], "2026-11-21T12:00:00+08:00");
    assert_eq!(stats["sources"].as_array().unwrap().len(), 2);
    assert!(stats["index_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        stats["indexed_lexicon_versions"][0]["version"],
        stats["lexicon_version"]
    );

    // a phrase across segment boundaries: 超节点万卡集群 is 超节点 + 万卡集群
    assert_eq!(result_ids(&search_json(&data, &["\"超节点 万卡\""])), ["a"]);
    // the same words apart match without quotes
    assert_eq!(
        result_ids(&search_json(&data, &["超节点 万卡"])),
        ["a", "b"]
    );
    // traditional script and aliases: 輝達 finds 英伟达 and the reverse
    assert_eq!(result_ids(&search_json(&data, &["輝達"])), ["c", "d"]);
    assert_eq!(result_ids(&search_json(&data, &["英伟达"])), ["c", "d"]);
    assert_eq!(result_ids(&search_json(&data, &["NVIDIA"])), ["c", "d"]);
    assert_eq!(result_ids(&search_json(&data, &["伺服器"])), ["c"]);
    // boolean operators and field prefixes
    assert_eq!(result_ids(&search_json(&data, &["英伟达 -光模块"])), ["c"]);
    assert_eq!(
        result_ids(&search_json(&data, &["液冷 OR 光模块"])),
        ["d", "e"]
    );
    assert_eq!(result_ids(&search_json(&data, &["title:液冷"])), ["e"]);
    // filters combine
    assert_eq!(
        result_ids(&search_json(&data, &["--theme", "supernode"])),
        ["a", "b"]
    );
    assert_eq!(
        result_ids(&search_json(
            &data,
            &[
                "--theme",
                "supernode",
                "--theme",
                "wanka-cluster",
                "--source",
                "样例A"
            ]
        )),
        ["a"]
    );
    assert_eq!(
        result_ids(&search_json(&data, &["--company", "300308"])),
        ["d"]
    );
    assert_eq!(
        result_ids(&search_json(
            &data,
            &["--company", "輝達", "--since", "2026-11-21"]
        )),
        ["d"]
    );
    assert_eq!(
        result_ids(&search_json(
            &data,
            &["--company", "NVDA", "--until", "2026-11-20"]
        )),
        ["c"]
    );
    assert_eq!(
        result_ids(&search_json(
            &data,
            &["--since", "2026-11-19", "--until", "2026-11-20"]
        )),
        ["b", "c"]
    );
    // sorting by date, newest first, and the result fields
    let v = search_json(&data, &["--sort", "date", "--limit", "2"]);
    assert_eq!(v["total"], 5);
    let first = &v["results"][0];
    assert_eq!(
        (first["id"].as_str(), first["published_at"].as_str()),
        (Some("d"), Some("2026-11-21T12:00:00+08:00"))
    );
    assert_eq!(first["source"], "样例B");
    assert!(
        first["companies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "中际旭创")
    );
    // snippets highlight the match, in the original script
    let v = search_json(&data, &["英伟达"]);
    let c = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "c")
        .unwrap();
    assert!(
        c["snippet"].as_str().unwrap().contains("<b>輝達</b>"),
        "{}",
        c["snippet"]
    );
    assert!(v["results"][0]["score"].as_f64().unwrap() > 0.0);
    assert!(v["results"][0]["themes"].is_array());

    // a malformed query is an error that shows the query, not a panic
    let out = ticai_in(&data, &["search", "title:(超节点"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid query \"title:(超节点\""),
        "{}",
        stderr(&out)
    );
    let out = ticai_in(&data, &["search", "x", "--theme", "no-such-theme"]);
    assert!(
        stderr(&out).contains("no such theme id"),
        "{}",
        stderr(&out)
    );
    let out = ticai_in(&data, &["search", "x", "--since", "yesterday-ish"]);
    assert!(
        stderr(&out).contains("--since \"yesterday-ish\": not a date"),
        "{}",
        stderr(&out)
    );
    // the table format
    let out = ticai_in(&data, &["search", "液冷"]);
    let s = stdout(&out);
    assert!(
        s.contains("1 result(s) for \"液冷\"") && s.contains("【液冷】"),
        "{s}"
    );
}

#[test]
fn search_query_language_explain_and_errors() {
    let dir = scratch("query_language");
    let data = dir.join("data");
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, INDEX_DOCS).unwrap();
    let out = ticai_in(&data, &["ingest", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // the rows of issue 16, on the fixture: 英伟达 is in c and d, 光模块 in d
    for q in [
        "英伟达 -光模块",
        "英伟达 NOT 光模块",
        "英伟达 AND NOT 光模块",
        "英伟达 AND (NOT 光模块)",
        "英伟达 && !光模块",
        "(英伟达 OR 液冷) AND NOT 光模块 AND NOT 液冷",
    ] {
        assert_eq!(result_ids(&search_json(&data, &[q])), ["c"], "{q}");
    }
    assert_eq!(
        result_ids(&search_json(&data, &["NOT 光模块"])),
        ["a", "b", "c", "e"]
    );
    assert_eq!(
        result_ids(&search_json(&data, &["-光模块"])),
        ["a", "b", "c", "e"]
    );
    assert_eq!(
        result_ids(&search_json(&data, &["--theme", "supernode", "NOT 国产"])),
        ["b"]
    );
    assert_eq!(
        result_ids(&search_json(&data, &["theme:supernode"])),
        ["a", "b"]
    );
    assert_eq!(
        result_ids(&search_json(&data, &["themes:supernode OR company:300308"])),
        ["a", "b", "d"]
    );
    assert_eq!(
        result_ids(&search_json(&data, &["published:2026-10"])),
        ["e"]
    );
    assert_eq!(
        result_ids(&search_json(
            &data,
            &["published:[2026-11-19 TO 2026-11-20] source:样例A"]
        )),
        ["c"]
    );

    // --explain: the tree, the analyzed terms, the counts
    let out = ticai_in(&data, &["search", "--explain", "輝達 AND NOT 光模块需求"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("parsed: (輝達 AND NOT 光模块需求)"), "{s}");
    assert!(
        s.contains("        2    term 英伟达 in title^2, body  (written 輝達)"),
        "{s}"
    );
    assert!(
        s.contains("        1      phrase \"光模块 需求\" in title^2, body  (written 光模块需求)"),
        "{s}"
    );
    assert!(s.contains("        1  total"), "{s}");
    let v = search_json(
        &data,
        &["--explain", "輝達 -光模块需求", "--theme", "supernode"],
    );
    assert_eq!(v["tree"]["kind"], "and");
    assert_eq!(v["tree"]["children"][0]["analyzed"], "英伟达");
    assert_eq!(v["tree"]["children"][0]["matches"], 2);
    assert_eq!(v["tree"]["children"][1]["kind"], "not");
    assert_eq!(v["tree"]["children"][1]["matches"], 4);
    assert_eq!(v["filters"][0]["kind"], "theme");
    assert_eq!(v["filters"][0]["matches"], 2);
    assert_eq!(
        (v["total"].as_u64(), v["documents"].as_u64()),
        (Some(0), Some(5))
    );

    // errors name the column; exit code 2
    for (q, want) in [
        (
            "英伟达 AND 液冷)",
            "invalid query \"英伟达 AND 液冷)\" at column 11: ')' without '('",
        ),
        (
            "theme:supernod",
            "unknown theme id \"supernod\"; close: supernode",
        ),
        (
            "a foo:bar",
            "at column 3: unknown field \"foo\"; the fields are title, body",
        ),
        ("英伟达 AND", "at column 5: AND needs a clause after it"),
        ("published:2026-13", "is not a date"),
        ("--bogus", "unknown option \"--bogus\""),
    ] {
        let out = ticai_in(&data, &["search", q]);
        assert_eq!(out.status.code(), Some(2), "{q}");
        assert!(stderr(&out).contains(want), "{q}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
}

#[test]
fn search_without_an_index_says_so() {
    let dir = scratch("no_index");
    let out = ticai_in(&dir, &["search", "超节点"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no index in"), "{}", stderr(&out));
}

#[test]
fn retag_after_a_lexicon_change() {
    let dir = scratch("retag");
    let data = dir.join("data");
    let lex = dir.join("lexicon");
    std::fs::create_dir_all(lex.join("themes")).unwrap();
    std::fs::create_dir_all(lex.join("companies")).unwrap();
    let theme = |id: &str, name: &str| {
        format!(
            "[[theme]]\nid = \"{id}\"\nname_zh = \"{name}\"\nname_en = \"{id}\"\ndescription = \"d\"\n"
        )
    };
    std::fs::write(lex.join("themes/t.toml"), theme("liquid-cooling", "液冷")).unwrap();
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, INDEX_DOCS).unwrap();
    let l = lex.to_str().unwrap();
    assert!(
        ticai_in(&data, &["--lexicon", l, "ingest", f.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(
        result_ids(&search_json(
            &data,
            &["--lexicon", l, "--theme", "liquid-cooling"]
        )),
        ["e"]
    );
    // a new theme appears in the lexicon: retag finds it without re-reading the files
    std::fs::write(
        lex.join("themes/t.toml"),
        theme("liquid-cooling", "液冷") + "\n" + &theme("supernode", "超节点"),
    )
    .unwrap();
    let out = ticai_in(&data, &["--lexicon", l, "retag"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("re-tagged 5 of 5 documents"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        result_ids(&search_json(
            &data,
            &["--lexicon", l, "--theme", "supernode"]
        )),
        ["a", "b"]
    );
    let stats: Value = serde_json::from_str(
        stdout(&ticai_in(
            &data,
            &["--lexicon", l, "stats", "--format", "json"],
        ))
        .trim(),
    )
    .unwrap();
    assert_eq!(stats["documents"], 5);
    assert_eq!(
        stats["indexed_lexicon_versions"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        stats["indexed_lexicon_versions"][0]["version"],
        stats["lexicon_version"]
    );
    // nothing is stale any more
    let out = ticai_in(&data, &["--lexicon", l, "retag"]);
    assert!(
        stdout(&out).contains("re-tagged 0 of 5 documents"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn demo_builds_and_searches_a_fresh_index() {
    let dir = scratch("demo");
    let data = dir.join("data");
    let out = ticai_in(&data, &["demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("tagged and indexed 11 documents"), "{s}");
    assert!(s.contains("【超节点】"), "{s}");
    assert!(s.contains("top themes (documents):"), "{s}");
    // the trend: one sparkline per top theme over the sample's four days
    assert!(s.contains("$ ticai trends --top 5"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.trim_start().starts_with("ai-compute") && l.contains("1 1 3 1")),
        "{s}"
    );
    assert!(
        s.contains("SK海力士 (1)") || s.contains("英伟达 (3)"),
        "{s}"
    );
    // the demo refuses to overwrite an index
    let out = ticai_in(&data, &["demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already holds an index"));
}

/// Hostile titles and texts (our own): markup, attributes with both quotes,
/// text that is already escaped.
const HOSTILE_DOCS: [(&str, &str, &str); 3] = [
    (
        "h1",
        "<script>alert(1)</script>液冷测试",
        "<img src=x onerror=alert(2)>液冷服务器与超节点。",
    ),
    (
        "h2",
        "\"双引号\" & 'single' 光模块快讯",
        "已经转义的 &amp; 与 &lt;b&gt; 原样保留；<a href=\"x\" onclick='alert(3)'>链接</a> 光模块出货量创新高。",
    ),
    (
        "h3",
        "<b>假</b>白酒板块回暖",
        "</b><script>document.write('x')</script>算力租赁价格企稳回升。",
    ),
];

/// The text an HTML snippet shows (tags `<b>`/`</b>` dropped, the five
/// entities decoded in one pass).
fn snippet_text(snippet: &str) -> String {
    let s = snippet.replace("<b>", "").replace("</b>", "");
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let (c, n) = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&#x27;", '\''),
        ]
        .iter()
        .find(|(e, _)| rest.starts_with(e))
        .map(|(e, c)| (*c, e.len()))
        .unwrap_or_else(|| panic!("a bare & in the snippet {snippet:?}"));
        out.push(c);
        rest = &rest[n..];
    }
    out + rest
}

#[test]
fn snippets_are_html_safe_whatever_matched() {
    let dir = scratch("snippets");
    let data = dir.join("data");
    let f = dir.join("hostile.jsonl");
    let lines: Vec<String> = HOSTILE_DOCS
        .iter()
        .map(|(id, title, text)| {
            serde_json::json!({"id": id, "title": title, "content": text, "source": "样例"})
                .to_string()
        })
        .collect();
    std::fs::write(&f, lines.join("\n")).unwrap();
    let out = ticai_in(&data, &["ingest", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // (what matched, search arguments, ids expected, whether terms are highlighted)
    let table: [(&str, &[&str], &[&str], bool); 8] = [
        ("body", &["超节点"], &["h1"], true),
        ("body", &["光模块出货量"], &["h2"], true),
        ("body", &["算力租赁"], &["h3"], true),
        ("title only", &["title:液冷测试"], &["h1"], false),
        ("title only", &["title:白酒"], &["h3"], false),
        ("phrase", &["\"液冷服务器\""], &["h1"], true),
        ("no text query", &[""], &["h1", "h2", "h3"], false),
        (
            "filter only",
            &["--source", "样例"],
            &["h1", "h2", "h3"],
            false,
        ),
    ];
    for (what, args, ids, highlighted) in table {
        let res = search_json(&data, args);
        assert_eq!(result_ids(&res), *ids, "{what} {args:?}: {res}");
        for hit in res["results"].as_array().unwrap() {
            let snippet = hit["snippet"].as_str().unwrap();
            let markup_free = snippet.replace("<b>", "").replace("</b>", "");
            assert!(
                !markup_free.contains(['<', '>', '"', '\'']),
                "{what} {args:?}: raw markup in the snippet {snippet:?}"
            );
            assert_eq!(
                snippet.contains("<b>"),
                highlighted,
                "{what} {args:?}: {snippet:?}"
            );
            let text = HOSTILE_DOCS.iter().find(|d| d.0 == hit["id"]).unwrap().2;
            let shown = snippet_text(snippet);
            assert!(
                !shown.is_empty() && text.contains(shown.trim()),
                "{what} {args:?}: unescaped {shown:?} is not the text {text:?}"
            );
            // title is plain text, as stored: a page escapes it itself
            let title = HOSTILE_DOCS.iter().find(|d| d.0 == hit["id"]).unwrap().1;
            assert_eq!(hit["title"], title);
        }
    }
    // the terminal shows the text itself, already-escaped text included
    let out = ticai_in(&data, &["search", "title:液冷测试"]);
    assert!(
        stdout(&out).contains("<img src=x onerror=alert(2)>液冷服务器与超节点。"),
        "{}",
        stdout(&out)
    );
    let out = ticai_in(&data, &["search", "光模块出货量"]);
    assert!(
        stdout(&out).contains("已经转义的 &amp; 与 &lt;b&gt; 原样保留；<a href=\"x\" onclick='alert(3)'>链接</a> 【光模块"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn max_evidence_cuts_spans_not_counts() {
    let text = "超节点发布。".repeat(30);
    let line = serde_json::json!({"id": "long", "text": text}).to_string();
    let out = ticai(&["tag", "--max-evidence", "2", "-"], Some(&line));
    assert!(out.status.success(), "{}", stderr(&out));
    let d = &json_lines(&out)[0];
    let t = &d["themes"][0];
    assert_eq!(
        (t["id"].as_str(), t["mentions"].as_u64()),
        (Some("supernode"), Some(30))
    );
    assert_eq!(t["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(t["evidence_total"], 30);
    // without the flag: every span, and no evidence_total (the contract)
    let out = ticai(&["tag", "-"], Some(&line));
    let t = &json_lines(&out)[0]["themes"][0];
    assert_eq!(t["evidence"].as_array().unwrap().len(), 30);
    assert!(t.get("evidence_total").is_none());
}

/// `ticai eval themes` over a corpus and labels written here: the counts
/// per theme, the floors' exit code, and labels it cannot use refused with
/// the line or the item named.
#[test]
fn eval_themes_scores_labels_against_the_corpus() {
    let dir = scratch("eval-themes");
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(corpus.join("flash")).unwrap();
    std::fs::create_dir_all(corpus.join("articles")).unwrap();
    std::fs::write(
        corpus.join("flash/ths.jsonl"),
        concat!(
            "{\"id\": \"1\", \"title\": \"液冷\", \"content\": \"液冷服务器订单大增，超节点方案落地。\"}\n",
            "{\"id\": \"2\", \"title\": \"存储\", \"content\": \"存储芯片价格继续上涨，HBM供不应求。\"}\n",
            "{\"id\": \"3\", \"title\": \"天气\", \"content\": \"今日多地降雨，气温回落。\"}\n",
        ),
    )
    .unwrap();
    std::fs::write(
        corpus.join("articles/articles.jsonl"),
        "{\"link\": \"https://example.com/a\", \"title\": \"光模块\", \"text\": \"800G光模块出货创新高。\"}\n",
    )
    .unwrap();
    let labels = dir.join("labels.jsonl");
    let label = |source: &str, id: &str, themes: &str| {
        format!(
            "{{\"source\": \"{source}\", \"id\": \"{id}\", \"split\": \"dev\", \"stratum\": \"hit\", \"themes\": [{themes}]}}\n"
        )
    };
    std::fs::write(
        &labels,
        [
            // supernode is tagged but not labelled: a false hit
            label(
                "ths",
                "1",
                "\"liquid-cooling\", \"ai-server\", \"ai-compute\"",
            ),
            label("ths", "2", "\"memory-chips\", \"semiconductor\""),
            // labelled, not found by any word: a miss
            label("ths", "3", "\"low-altitude\""),
            label(
                "articles",
                "https://example.com/a",
                "\"optical-interconnect\", \"ai-compute\"",
            ),
        ]
        .concat(),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "themes",
            "--labels",
            labels.to_str().unwrap(),
            "--corpus",
            corpus.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        ticai(&args, None)
    };
    let out = run(&["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["items"], 4);
    let theme = |t: &str| {
        let c = &r["themes"][t];
        (
            c["true_hits"].as_u64().unwrap_or(0),
            c["false_hits"].as_u64().unwrap_or(0),
            c["misses"].as_u64().unwrap_or(0),
        )
    };
    assert_eq!(theme("liquid-cooling"), (1, 0, 0));
    assert_eq!(theme("memory-chips"), (1, 0, 0));
    assert_eq!(theme("optical-interconnect"), (1, 0, 0));
    assert_eq!(theme("low-altitude"), (0, 0, 1));
    assert_eq!(theme("supernode").1, 1, "{}", r["themes"]);
    // ai-compute, the parent of the tagged themes, counts as tagged
    assert_eq!(theme("ai-compute").0, 2, "{}", r["themes"]);
    assert!(
        r["misses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "3")
    );
    // the table names every core theme and the micro average
    let out = run(&[]);
    let table = stdout(&out);
    assert!(
        table.contains("core (micro)") && table.contains("low-altitude"),
        "{table}"
    );
    // floors: the recall here is below 0.99
    let out = run(&["--min-recall", "0.99"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("recall"), "{}", stderr(&out));
    assert_eq!(run(&["--min-recall", "1.5"]).status.code(), Some(2));
    assert_eq!(run(&["--split", "train"]).status.code(), Some(2));
    // an item that is not in the corpus, a theme that is not in the lexicon
    std::fs::write(&labels, label("ths", "9", "")).unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ths 9"), "{}", stderr(&out));
    std::fs::write(&labels, label("ths", "1", "\"liquid\"")).unwrap();
    let out = run(&[]);
    assert!(
        stderr(&out).contains("labels.jsonl:1") && stderr(&out).contains("\"liquid\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn import_listings_completes_names_cut_after_a_display_prefix() {
    let dir = lexicon_dir("import_prefixed", "公牛集团\tBull\tSH\t603195\t\t\t");
    let csv = dir.join("stock_basic.csv");
    std::fs::write(
        &csv,
        "ts_code,symbol,name\n\
         600367.SH,600367,XD红星发\n\
         603195.SH,603195,XD公牛集\n\
         601566.SH,601566,XD九牧王\n\
         920021.BJ,920021,XD流金科\n\
         688795.SH,688795,N摩尔-U\n\
         000100.SZ,000100,TCL科技\n",
    )
    .unwrap();
    let names = dir.join("names.csv");
    std::fs::write(
        &names,
        "code,name\n600367,红星发展\n601566,九牧王\n688795,摩尔线程\n201872,不是股票\n",
    )
    .unwrap();
    let lexicon = dir.to_str().unwrap();
    let out = ticai(
        &[
            "--lexicon",
            lexicon,
            "lexicon",
            "import-listings",
            csv.to_str().unwrap(),
            "--names",
            names.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("5 names after a display prefix: 3 completed, 1 left as they are"),
        "{}",
        stdout(&out)
    );
    // the one no fuller name completes is named; the --names row that is
    // no A-share listing is reported, not fatal
    assert!(
        stderr(&out).contains(
            "920021 XD流金科: the display prefix XD is dropped and 流金科 may be cut short"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 row(s) not used"),
        "{}",
        stderr(&out)
    );
    let tsv = std::fs::read_to_string(dir.join("companies/listings.tsv")).unwrap();
    for row in [
        "600367\tSH\t红星发展\t",
        "603195\tSH\t公牛集团\t",
        "601566\tSH\t九牧王\t",
        "920021\tBJ\t流金科\t",
        "688795\tSH\t摩尔线程\t",
        "000100\tSZ\tTCL科技\t",
    ] {
        assert!(tsv.contains(row), "{row} in {tsv}");
    }
    // the completed name is what text writes
    let out = ticai(
        &["--lexicon", lexicon, "tag"],
        Some("红星发展公告：拟投资碳酸锶项目。"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let d = &json_lines(&out)[0];
    assert_eq!(d["companies"][0]["name"], "红星发展", "{d}");
    assert_eq!(d["companies"][0]["code"], "600367", "{d}");
}
