//! Tests and evaluations over `../shared` (real articles written by others,
//! never copied into this repository). A separate, named step:
//!
//!     cargo test -p ticai --test shared -- --nocapture
//!
//! It fails loudly when `../shared` is missing: CI always has it.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::LazyLock;
use ticai_model::{Document, TaggedDocument};
use ticai_tag::Tagger;

mod common;

fn shared() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        p.join("seeds").is_dir(),
        "../shared is missing (looked in {}): these tests need the shared data beside the repository",
        p.display()
    );
    p
}

static TAGGER: LazyLock<Tagger> =
    LazyLock::new(|| Tagger::new(&ticai::lexicons::builtin()).unwrap());

fn seed(prefix: &str) -> (String, String) {
    let dir = shared().join("seeds");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed {prefix}* in {}", dir.display()));
    (
        path.display().to_string(),
        std::fs::read_to_string(&path).unwrap(),
    )
}

fn tag_text(id: &str, text: &str) -> TaggedDocument {
    TAGGER.tag(&ticai::input::text_document(id, text).unwrap())
}

/// A seed as `ticai tag` reads it: extracted, split when it is a digest.
fn tag_seed(id: &str, text: &str) -> Vec<TaggedDocument> {
    let ex = ticai_extract::extract_text(text.as_bytes(), &ticai_extract::Options::default());
    assert!(ex.failure.is_none(), "{id}: {:?}", ex.failure);
    ticai::input::documents(id, ex.articles)
        .iter()
        .map(|d| TAGGER.tag(d))
        .collect()
}

/// Themes and companies over all documents of a page.
fn union(docs: &[TaggedDocument]) -> TaggedDocument {
    let mut all = docs[0].clone();
    for d in &docs[1..] {
        all.themes.extend(d.themes.iter().cloned());
        all.companies.extend(d.companies.iter().cloned());
    }
    all
}

fn theme_ids(d: &TaggedDocument) -> BTreeSet<String> {
    d.themes.iter().map(|t| t.id.clone()).collect()
}

fn companies(d: &TaggedDocument) -> BTreeSet<(String, Option<String>)> {
    d.companies
        .iter()
        .map(|c| (c.name.clone(), c.code.clone()))
        .collect()
}

fn ticai(args: &[&str]) -> Output {
    common::ticai(Path::new("."), args)
}

#[test]
fn seed_003_traditional_equals_its_simplified_form() {
    let (id, text) = seed("003_");
    let traditional = tag_text(&id, &text);
    let simplified_text = TAGGER.normalizer().normalize_term(&text);
    assert_ne!(simplified_text, text, "the seed is in traditional script");
    let simplified = tag_text(&id, &simplified_text);
    assert_eq!(theme_ids(&traditional), theme_ids(&simplified));
    assert_eq!(companies(&traditional), companies(&simplified));
    for (a, b) in traditional.themes.iter().zip(&simplified.themes) {
        assert_eq!((a.mentions, &a.id), (b.mentions, &b.id));
    }
    // and something real was found
    for t in ["ai-compute", "data-center", "ai-applications"] {
        assert!(
            theme_ids(&traditional).contains(t),
            "{t}: {:?}",
            theme_ids(&traditional)
        );
    }
    let names: BTreeSet<String> = traditional
        .companies
        .iter()
        .map(|c| c.name.clone())
        .collect();
    for c in ["字节跳动", "腾讯", "苹果"] {
        assert!(names.contains(c), "{c}: {names:?}");
    }
    // spans are in the original, traditional text
    let chars: Vec<char> = text.chars().collect();
    let bytedance = traditional
        .companies
        .iter()
        .find(|c| c.name == "字节跳动")
        .unwrap();
    let e = &bytedance.evidence[0];
    assert_eq!(chars[e.start..e.end].iter().collect::<String>(), "字節跳動");
}

#[test]
fn seed_004_themes_and_companies() {
    let (id, text) = seed("004_");
    let docs = tag_seed(&id, &text);
    // a digest of five notes, each its own document
    assert_eq!(docs.len(), 5);
    assert!(
        docs.iter()
            .enumerate()
            .all(|(i, d)| d.id == format!("{id}#{}", i + 1))
    );
    assert_eq!(
        docs[0].published_at.as_deref(),
        Some("2025-12-19T18:11:00+08:00")
    );
    let d = union(&docs);
    let themes = theme_ids(&d);
    for t in [
        "de-nvidia",
        "supernode",
        "wanka-cluster",
        "asic",
        "export-controls",
    ] {
        assert!(themes.contains(t), "{t} missing: {themes:?}");
    }
    let names: BTreeSet<String> = d.companies.iter().map(|c| c.name.clone()).collect();
    for c in ["中科曙光", "华为", "英伟达", "博通"] {
        assert!(names.contains(c), "{c} missing: {names:?}");
    }
    let sugon = d.companies.iter().find(|c| c.name == "中科曙光").unwrap();
    assert_eq!(sugon.code.as_deref(), Some("603019"));
}

#[test]
fn seed_001_companies_with_codes() {
    let (id, text) = seed("001_");
    let docs = tag_seed(&id, &text);
    assert!(docs.len() >= 2, "001 is a digest page");
    let d = union(&docs);
    let found = companies(&d);
    for (name, code) in [
        ("合合信息", "688615"),
        ("寒武纪", "688256"),
        ("福昕软件", "688095"),
        ("天准科技", "688003"),
        ("复旦微电", "688385"),
        ("星环科技", "688031"),
    ] {
        assert!(
            found.contains(&(name.to_string(), Some(code.to_string()))),
            "{name} {code} missing: {found:?}"
        );
    }
    let hh = d.companies.iter().find(|c| c.name == "合合信息").unwrap();
    assert!(hh.evidence.iter().any(|e| e.text == "合合信息(688615)"));
    // the ETF code next to it is not a company
    assert!(
        !d.companies
            .iter()
            .any(|c| c.code.as_deref() == Some("588790"))
    );
}

#[test]
fn seed_002_market_wrap() {
    let (id, text) = seed("002_");
    let d = union(&tag_seed(&id, &text));
    let themes = theme_ids(&d);
    for t in ["compute-leasing", "copper-interconnect", "low-altitude"] {
        assert!(themes.contains(t), "{t} missing: {themes:?}");
    }
    let names: BTreeSet<String> = d.companies.iter().map(|c| c.name.clone()).collect();
    // renamed or flagged names resolve through curated aliases
    for c in [
        "*ST艾艾",
        "克来机电",
        "万丰奥威",
        "*ST立航",
        "永悦科技",
        "英伟达",
    ] {
        assert!(names.contains(c), "{c} missing: {names:?}");
    }
}

#[test]
fn seed_000_noise_tail_is_cut() {
    let (id, text) = seed("000_");
    let raw = tag_text(&id, &text);
    let docs = tag_seed(&id, &text);
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!(
        d.title.as_deref(),
        Some("大国基石!一图看懂AI算力核心概念与主题ETF!")
    );
    let themes = theme_ids(d);
    for t in [
        "ai-compute",
        "copper-interconnect",
        "optical-interconnect",
        "wanka-cluster",
        "liquid-cooling",
    ] {
        assert!(themes.contains(t), "{t} missing: {themes:?}");
    }
    // the 热点推荐 tail (gold, missiles ...) is tagged in the raw file only
    for t in ["gold", "military"] {
        assert!(theme_ids(&raw).contains(t), "the raw file should show {t}");
        assert!(!themes.contains(t), "{t} from the noise tail: {themes:?}");
    }
}

#[test]
fn extraction_quality_on_saved_pages_and_feed_items() {
    let seg = ticai_text::Segmenter::new(std::iter::empty());
    let pages =
        ticai::eval_extract::evaluate_pages(&shared().join("corpus/html/gne"), &seg).unwrap();
    println!("saved pages: {}", serde_json::to_string(&pages).unwrap());
    assert_eq!(pages.pages, 71);
    assert!(pages.failed == 0, "{pages:?}");
    assert!(
        pages.with_noise <= 3,
        "noise markers left in {} pages",
        pages.with_noise
    );
    assert!(
        pages.with_date >= 60,
        "dates found on {} pages",
        pages.with_date
    );
    assert!(pages.gne_compared == 20 && pages.gne_f1 >= 0.9, "{pages:?}");
    let items = ticai::eval_extract::evaluate_articles(
        &shared().join("corpus/articles/articles.jsonl"),
        &seg,
    )
    .unwrap();
    println!("feed items: {}", serde_json::to_string(&items).unwrap());
    assert!(items.items > 2500);
    assert!(items.f1 >= 0.95, "{items:?}");
}

#[test]
fn all_seeds_tag_from_the_cli() {
    let dir = shared().join("seeds");
    let out = ticai(&["tag", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 000, 002, 003 whole; 001 split into its 2 notes, 004 into its 5
    assert_eq!(docs.len(), 10);
    for d in &docs {
        assert!(
            !d["themes"].as_array().unwrap().is_empty(),
            "{} has no theme",
            d["id"]
        );
    }
}

/// Company recall against the publishers' stock tags on 65,015 flash items.
#[test]
fn company_recall_on_flash_news() {
    let flash = shared().join("corpus/flash");
    let files = [flash.join("eastmoney.jsonl"), flash.join("ths.jsonl")];
    let args: Vec<&str> = ["eval", "companies", "--json"]
        .into_iter()
        .chain(files.iter().map(|f| f.to_str().unwrap()))
        .collect();
    let out = ticai(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = &report["total"];
    println!("company recall: {total}");
    assert_eq!(total["documents"], 65015);
    assert!(total["mentioned"].as_u64().unwrap() > 15000, "{total}");
    let recall = total["recall_mentioned"].as_f64().unwrap();
    assert!(
        recall >= 0.95,
        "recall on mentioned references {recall} < 0.95"
    );
    for f in report["files"].as_array().unwrap() {
        assert!(f["recall_mentioned"].as_f64().unwrap() >= 0.95, "{f}");
    }
}

/// Tagging real documents never panics and every span is the original text.
#[test]
fn articles_spans_are_exact() {
    let path = shared().join("corpus/articles/articles.jsonl");
    let raw = std::fs::read_to_string(&path).unwrap();
    let fields = ticai::input::FieldMap::default();
    let mut evidence = 0;
    for (i, line) in raw.lines().enumerate().step_by(5) {
        let doc: Document = ticai::input::json_document("articles", i + 1, line, &fields).unwrap();
        let out = TAGGER.tag(&doc);
        let chars: Vec<char> = doc.text.chars().collect();
        let title: Vec<char> = doc.title.as_deref().unwrap_or("").chars().collect();
        for e in out
            .themes
            .iter()
            .flat_map(|t| &t.evidence)
            .chain(out.companies.iter().flat_map(|c| &c.evidence))
        {
            let src = match e.field {
                ticai_model::Field::Text => &chars,
                ticai_model::Field::Title => &title,
            };
            assert_eq!(
                src[e.start..e.end].iter().collect::<String>(),
                e.text,
                "{}",
                doc.id
            );
            evidence += 1;
        }
    }
    assert!(evidence > 10_000, "only {evidence} evidence rows");
}

/// The table of issue 16 on the shared articles: every spelling of
/// "英伟达 without 液冷" gives the same answer, and NOT-only queries are the
/// complement (relations, not numbers: the articles may grow).
#[test]
fn query_language_on_the_shared_articles() {
    let articles = shared().join("corpus/articles/articles.jsonl");
    let data = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shared_query_language");
    let _ = std::fs::remove_dir_all(&data);
    let d = data.to_str().unwrap();
    let out = ticai(&["--data-dir", d, "ingest", articles.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |args: &[&str]| -> u64 {
        let mut all = vec![
            "--data-dir",
            d,
            "search",
            "--format",
            "json",
            "--limit",
            "1",
        ];
        all.extend_from_slice(args);
        let out = ticai(&all);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["total"].as_u64().unwrap()
    };
    let total = count(&[]);
    let nvidia = count(&["英伟达"]);
    let cooling = count(&["液冷"]);
    let both = count(&["英伟达 液冷"]);
    let copper = count(&["铜缆"]);
    println!("{total} documents; 英伟达 {nvidia}, 液冷 {cooling}, both {both}, 铜缆 {copper}");
    assert!(nvidia > 0 && cooling > 0 && both > 0 && both < nvidia);
    let without = nvidia - both;
    for q in [
        "英伟达 -液冷",
        "英伟达 NOT 液冷",
        "英伟达 AND NOT 液冷",
        "英伟达 AND (NOT 液冷)",
        "英伟达 && !液冷",
        "+英伟达 -液冷",
    ] {
        assert_eq!(count(&[q]), without, "{q}");
    }
    // (英伟达 OR 铜缆) AND NOT 液冷 = |英伟达 ∪ 铜缆| - |(英伟达 ∪ 铜缆) ∩ 液冷|
    let either = count(&["英伟达 OR 铜缆"]);
    assert_eq!(
        either,
        nvidia + copper - count(&["英伟达 铜缆"]),
        "inclusion-exclusion"
    );
    let either_cooling = count(&["(英伟达 OR 铜缆) 液冷"]);
    assert_eq!(
        count(&["(英伟达 OR 铜缆) AND NOT 液冷"]),
        either - either_cooling
    );
    assert!(either - either_cooling >= without);
    for q in ["NOT 液冷", "-液冷", "!液冷"] {
        assert_eq!(count(&[q]), total - cooling, "{q}");
    }
    // `--theme supernode 'NOT 液冷'`: the theme minus its documents with 液冷
    let supernode = count(&["--theme", "supernode"]);
    assert_eq!(count(&["theme:supernode"]), supernode);
    assert_eq!(count(&["themes:supernode"]), supernode);
    assert_eq!(
        count(&["--theme", "supernode", "NOT 液冷"]),
        supernode - count(&["--theme", "supernode", "液冷"])
    );
    assert_eq!(
        count(&["theme:supernode NOT 液冷"]),
        count(&["--theme", "supernode", "NOT 液冷"])
    );
    // OR is the union, NOT NOT the identity
    assert_eq!(count(&["英伟达 OR 液冷"]), nvidia + cooling - both);
    assert_eq!(count(&["NOT NOT 英伟达"]), nvidia);
    assert_eq!(
        count(&["NOT (英伟达 OR 液冷)"]),
        total - (nvidia + cooling - both)
    );
    // the explain tree counts what search counts
    let out = ticai(&[
        "--data-dir",
        d,
        "search",
        "--explain",
        "--format",
        "json",
        "英伟达 AND NOT 液冷",
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"].as_u64(), Some(without));
    assert_eq!(v["tree"]["children"][0]["matches"].as_u64(), Some(nvidia));
    assert_eq!(
        v["tree"]["children"][1]["matches"].as_u64(),
        Some(total - cooling)
    );
    let _ = std::fs::remove_dir_all(&data);
}

/// OpenCC's own test cases through ticai's normalizer: the counts measured
/// when the cross-strait conversion landed (t2s 28/55 and tw2sp 20/53, as
/// the OpenCC crate alone) must not drop.
#[test]
fn opencc_testcases_hold_their_counts() {
    let file = shared().join("reference/opencc_testcases/testcases.json");
    let out = ticai(&["eval", "opencc", file.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen = 0;
    for c in report["configs"].as_array().unwrap() {
        let (name, passed) = (c["config"].as_str().unwrap(), c["passed"].as_u64().unwrap());
        println!(
            "opencc {name}: ticai {passed}/{}, OpenCC crate {}/{}",
            c["cases"], c["opencc_passed"], c["cases"]
        );
        let floor = match name {
            "t2s" => 28,
            "tw2s" => 21,
            "hk2s" => 12,
            "tw2sp" => 20,
            other => panic!("unexpected configuration {other}"),
        };
        assert!(passed >= floor, "{name}: {passed} < {floor}");
        seen += 1;
    }
    assert_eq!(seen, 4);
}

/// Simplified documents are normalized exactly as before the cross-strait
/// conversion (characters only: the vocabulary stage never runs on them),
/// and documents detected as Taiwan or Hong Kong text are listed.
#[test]
fn simplified_documents_are_normalized_as_before() {
    let n = TAGGER.normalizer();
    let mut by_region = std::collections::BTreeMap::new();
    for file in [
        "corpus/flash/eastmoney.jsonl",
        "corpus/flash/ths.jsonl",
        "corpus/articles/articles.jsonl",
    ] {
        let text = std::fs::read_to_string(shared().join(file)).unwrap();
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let Some(body) = v["text"].as_str().or(v["content"].as_str()) else {
                continue;
            };
            let region = n.region_of(body);
            *by_region.entry((file, region.as_str())).or_insert(0usize) += 1;
            if region == ticai_model::Region::Cn {
                let auto = n.normalize(body);
                let chars_only = n.normalize_in(body, Some(ticai_model::Region::Cn));
                assert_eq!(
                    auto.text,
                    chars_only.text,
                    "{file}: {}",
                    &body[..body.len().min(60)]
                );
            }
        }
    }
    println!("documents by detected region: {by_region:?}");
    let cn: usize = by_region
        .iter()
        .filter(|((_, r), _)| *r == "cn")
        .map(|(_, n)| n)
        .sum();
    assert!(cn > 60_000, "{by_region:?}");
}

/// Ingest's one pass (normalize and cut each text once, the tagger reading
/// the full segmentation's boundaries) tags every document of
/// `../shared/corpus/` exactly as the tagger alone does (jieba run only on
/// the blocks around candidates), evidence spans included.
#[test]
fn one_pass_tags_equal_the_tagger_alone() {
    let mut n = 0usize;
    for file in [
        "corpus/flash/eastmoney.jsonl",
        "corpus/flash/ths.jsonl",
        "corpus/articles/articles.jsonl",
    ] {
        let text = std::fs::read_to_string(shared().join(file)).unwrap();
        for (i, line) in text.lines().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            let Some(body) = v["text"].as_str().or(v["content"].as_str()) else {
                continue;
            };
            let doc = Document {
                id: format!("{file}:{}", i + 1),
                title: v["title"].as_str().map(str::to_string),
                text: body.to_string(),
                ..Default::default()
            };
            let alone = TAGGER.tag(&doc);
            let a = TAGGER.analyze(&doc.text, doc.region);
            let t = doc.title.as_deref().map(|t| TAGGER.analyze(t, doc.region));
            let one_pass = TAGGER.tag_analyzed(&doc, None, &a, t.as_ref());
            assert_eq!(alone, one_pass, "{}", doc.id);
            n += 1;
        }
    }
    println!("one pass = tagger alone on {n} documents");
    assert!(n > 60_000, "{n}");
}

/// `ticai eval themes` over the hand labels of tests/eval (items of the
/// shared corpus): every labelled item is found, and core precision and
/// recall stay above the floor of the lexicon they were measured with
/// (README "Theme precision and recall").
#[test]
fn eval_themes_over_the_labelled_items() {
    let labels = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/eval/themes.labels.jsonl");
    let corpus = shared().join("corpus");
    let args = [
        "eval",
        "themes",
        "--labels",
        labels.to_str().unwrap(),
        "--corpus",
        corpus.to_str().unwrap(),
    ];
    let out = ticai(&[&args[..], &["--json"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["items"].as_u64().unwrap() >= 420, "{}", r["items"]);
    let core = &r["core"];
    let (tp, fp, miss) = (
        core["true_hits"].as_f64().unwrap(),
        core["false_hits"].as_f64().unwrap(),
        core["misses"].as_f64().unwrap(),
    );
    let (p, rec) = (tp / (tp + fp), tp / (tp + miss));
    println!(
        "eval themes: core precision {p:.3}, recall {rec:.3} ({tp} hits, {fp} false, {miss} missed)"
    );
    // measured 0.733 / 0.825 with company-implied themes (0.739 / 0.792 without)
    assert!(
        p >= 0.67 && rec >= 0.80,
        "core precision {p:.3}, recall {rec:.3}"
    );

    // the table into a closed pipe (`ticai eval themes | head`) ends quietly
    let out = common::ticai_closed_stdout(Path::new("."), &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("panicked"), "{err}");
}
