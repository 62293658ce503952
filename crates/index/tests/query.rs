//! The query language on a real on-disk index of fixture documents: a table
//! of hand-written queries with their answers, and a property test that
//! checks random boolean expressions against set algebra over the results
//! of their single clauses.

use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use ticai_index::{IndexError, SearchRequest, TicaiIndex, canonical_company_names};
use ticai_lexicon::{Lexicon, SourceFile};
use ticai_model::Document;
use ticai_tag::Tagger;

const THEMES: &str = r#"
[[theme]]
id = "supernode"
name_zh = "超节点"
name_en = "Supernode"
description = "d"

[[theme]]
id = "liquid-cooling"
name_zh = "液冷"
name_en = "Liquid cooling"
description = "d"

[[theme]]
id = "copper-interconnect"
name_zh = "铜缆高速连接"
name_en = "Copper"
aliases = ["铜缆"]
description = "d"
"#;

const COMPANIES: &str = "name\tname_en\texchange\tcode\taliases\tflags\tnote\n\
英伟达\tNVIDIA\tUS\tNVDA\tNVIDIA|輝達\t\t\n\
中际旭创\tInnolight\tSZ\t300308\t\t\t\n";

/// (id, title, body, source, published)
type Fixed = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const DOCS: [Fixed; 10] = [
    (
        "d01",
        Some("英伟达发布新平台"),
        "英伟达新平台采用液冷服务器，机柜内铜缆连接。",
        "A",
        Some("2026-07-02T10:00:00+08:00"),
    ),
    (
        "d02",
        Some("液冷渗透率提升"),
        "冷板式液冷是主流路线，数据中心加速建设。",
        "B",
        Some("2026-07-15T09:00:00+08:00"),
    ),
    (
        "d03",
        Some("輝達供應鏈"),
        "輝達新品量產，供應鏈滿載。",
        "A",
        // still July in China (15:30 UTC)
        Some("2026-07-31T23:30:00+08:00"),
    ),
    (
        "d04",
        Some("铜缆高速连接"),
        "铜缆方案在超节点内部互联中占优。",
        "B",
        // August in China, July in UTC
        Some("2026-08-01T00:30:00+08:00"),
    ),
    (
        "d05",
        Some("超节点万卡集群交付"),
        "中科曙光发布超节点万卡集群产品。",
        "A",
        Some("2026-06-30T12:00:00+08:00"),
    ),
    (
        "d06",
        Some("中际旭创业绩"),
        "英伟达需求带动800G光模块，中际旭创(300308)受益。",
        "C",
        Some("2026-07-03T08:00:00+08:00"),
    ),
    (
        "d07",
        Some("市场综述"),
        "今日市场震荡，资金流向消费板块。",
        "C",
        Some("2026-07-20T15:00:00+08:00"),
    ),
    (
        "d08",
        Some("液冷与铜缆"),
        "英伟达超节点同时使用液冷和铜缆。",
        "A",
        Some("2026-09-01T10:00:00+08:00"),
    ),
    ("d09", None, "光模块需求持续旺盛。", "B", None),
    (
        "d10",
        Some("A-share"),
        "NVIDIA的液冷服务器订单增长。",
        "D",
        Some("2026-07-10T10:00:00+08:00"),
    ),
];

struct Fixture {
    /// Written with `upsert`: tantivy's threads analyze the text.
    index: TicaiIndex,
    /// The same documents written with `analyze` + `upsert_analysis`: the
    /// tagger's one normalization and segmentation feed the index.
    analyzed: TicaiIndex,
    _dir: PathBuf,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let lex = Lexicon::from_files(&[
        SourceFile {
            path: "themes/t.toml".into(),
            text: THEMES.into(),
        },
        SourceFile {
            path: "companies/curated.tsv".into(),
            text: COMPANIES.into(),
        },
    ]);
    assert!(lex.issues.is_empty(), "{:?}", lex.issues);
    let tagger = Arc::new(Tagger::new(&lex).unwrap());
    let canonical = canonical_company_names(&lex, &tagger);
    let dir = std::env::temp_dir().join(format!("ticai-index-query-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let index =
        TicaiIndex::open_or_create(&dir.join("a"), tagger.clone(), canonical.clone()).unwrap();
    let analyzed = TicaiIndex::open_or_create(&dir.join("b"), tagger.clone(), canonical).unwrap();
    {
        let mut w = index.writer().unwrap();
        let mut v = analyzed.writer().unwrap();
        for (id, title, body, source, published) in DOCS {
            let doc = Document {
                id: id.into(),
                title: title.map(str::to_string),
                published_at: published.map(str::to_string),
                url: None,
                source: Some(source.into()),
                text: body.into(),
                title_span: None,
                region: None,
            };
            let tagged = tagger.tag_with(&doc, Some(0));
            let analysis = analyzed.analyze(&doc, Some(0));
            assert_eq!(analysis.tagged, tagged, "{id}");
            // the tokens tantivy would have made itself
            let tokens = index.tokenizer().for_index();
            let (body_tokens, title_tokens) = analysis.tokens();
            assert_eq!(tokens.tokens(&doc.text), body_tokens, "{id}");
            assert_eq!(
                doc.title.as_deref().map(|t| tokens.tokens(t)),
                title_tokens,
                "{id}"
            );
            w.upsert(&doc, &tagged, "test", None).unwrap();
            v.upsert_analysis(&doc, analysis, "test", None).unwrap();
        }
        w.commit().unwrap();
        v.commit().unwrap();
        assert_eq!(analyzed.tokenizer().prepared().waiting(), 0);
        w.wait_merges().unwrap();
        v.wait_merges().unwrap();
    }
    Fixture {
        index,
        analyzed,
        _dir: dir,
    }
});

/// Ids of the results; the index written from the tagger's analysis must
/// answer exactly as the one tantivy analyzed (ids and snippets).
fn search(req: SearchRequest) -> Result<BTreeSet<String>, IndexError> {
    let req = SearchRequest { limit: 100, ..req };
    let res = FIXTURE.index.search(&req)?;
    let twin = FIXTURE.analyzed.search(&req)?;
    let rows = |r: &ticai_index::SearchResults| {
        r.results
            .iter()
            // not scores or order: tantivy's threads share the documents
            // out among segments as they come, and a document's BM25 score
            // moves with its segment (two runs of one index differ too);
            // the tokens are compared directly when the fixture is built
            .map(|h| (h.id.clone(), h.snippet.clone()))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(rows(&res), rows(&twin), "{}", req.query);
    assert_eq!(res.total, twin.total, "{}", req.query);
    let ids: BTreeSet<String> = res.results.into_iter().map(|h| h.id).collect();
    assert_eq!(res.total, ids.len());
    Ok(ids)
}

fn ids(query: &str) -> BTreeSet<String> {
    search(SearchRequest {
        query: query.into(),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn all() -> BTreeSet<String> {
    DOCS.iter().map(|d| d.0.to_string()).collect()
}

#[test]
fn table_of_queries() {
    let nvidia = ["d01", "d03", "d06", "d08", "d10"];
    let table: &[(&str, &[&str])] = &[
        ("英伟达", &nvidia),
        ("輝達", &nvidia),
        ("NVIDIA", &nvidia),
        ("液冷", &["d01", "d02", "d08", "d10"]),
        ("英伟达 液冷", &["d01", "d08", "d10"]),
        ("英伟达 AND 液冷", &["d01", "d08", "d10"]),
        ("英伟达 && 液冷", &["d01", "d08", "d10"]),
        // the rows of issue 16
        ("英伟达 -液冷", &["d03", "d06"]),
        ("英伟达 NOT 液冷", &["d03", "d06"]),
        ("英伟达 AND NOT 液冷", &["d03", "d06"]),
        ("英伟达 AND (NOT 液冷)", &["d03", "d06"]),
        ("(英伟达 OR 铜缆) AND NOT 液冷", &["d03", "d04", "d06"]),
        ("NOT 液冷", &["d03", "d04", "d05", "d06", "d07", "d09"]),
        ("-液冷", &["d03", "d04", "d05", "d06", "d07", "d09"]),
        ("英伟达 && !液冷", &["d03", "d06"]),
        ("theme:supernode", &["d04", "d05", "d08"]),
        ("themes:supernode", &["d04", "d05", "d08"]),
        ("theme:supernode NOT 液冷", &["d04", "d05"]),
        // more
        ("+英伟达 -液冷", &["d03", "d06"]),
        (
            "液冷 OR 光模块",
            &["d01", "d02", "d06", "d08", "d09", "d10"],
        ),
        (
            "液冷 || 光模块",
            &["d01", "d02", "d06", "d08", "d09", "d10"],
        ),
        // AND binds tighter than OR
        ("液冷 OR 光模块 铜缆", &["d01", "d02", "d08", "d10"]),
        ("(液冷 OR 光模块) 铜缆", &["d01", "d08"]),
        ("title:液冷", &["d02", "d08"]),
        ("body:液冷", &["d01", "d02", "d08", "d10"]),
        ("title:(液冷 OR 铜缆)", &["d02", "d04", "d08"]),
        ("\"超节点 万卡\"", &["d05"]),
        ("液冷服务器", &["d01", "d10"]),
        ("\"液冷 服务器\"", &["d01", "d10"]),
        ("source:A", &["d01", "d03", "d05", "d08"]),
        ("source:A AND NOT 英伟达", &["d05"]),
        ("company:300308", &["d06"]),
        ("companies:中际旭创", &["d06"]),
        ("company:輝達 -source:A", &["d06", "d10"]),
        (
            "published:2026-07",
            &["d01", "d02", "d03", "d06", "d07", "d10"],
        ),
        ("published:2026-07-03", &["d06"]),
        (
            "published:[2026-07-01 TO 2026-07-31]",
            &["d01", "d02", "d03", "d06", "d07", "d10"],
        ),
        ("published:{2026-07-02 TO 2026-07-15}", &["d06", "d10"]),
        ("published:>=2026-08-01", &["d04", "d08"]),
        ("published:<2026-07-01", &["d05"]),
        ("published:<=2026-07-02", &["d01", "d05"]),
        ("NOT published:[* TO *]", &["d09"]),
        (
            "英伟达 OR NOT 液冷",
            &[
                "d01", "d03", "d04", "d05", "d06", "d07", "d08", "d09", "d10",
            ],
        ),
        ("NOT (英伟达 OR 液冷)", &["d04", "d05", "d07", "d09"]),
        ("!英伟达 !液冷", &["d04", "d05", "d07", "d09"]),
        ("NOT NOT 液冷", &["d01", "d02", "d08", "d10"]),
        (
            "英伟达 AND (液冷 OR 光模块) AND NOT title:液冷",
            &["d01", "d06", "d10"],
        ),
        ("id:d07", &["d07"]),
        ("A-share", &["d10"]),
        ("英伟达 published:2026-07 -source:A", &["d06", "d10"]),
    ];
    assert!(table.len() >= 30);
    for (q, want) in table {
        assert_eq!(ids(q), set(want), "query {q:?}");
    }
    assert_eq!(ids(""), all());
    assert_eq!(ids("   "), all());
}

#[test]
fn flags_and_query_are_one_filter() {
    let req = |query: &str, themes: &[&str]| SearchRequest {
        query: query.into(),
        themes: themes.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    // `--theme supernode 'NOT 液冷'`
    assert_eq!(
        search(req("NOT 液冷", &["supernode"])).unwrap(),
        set(&["d04", "d05"])
    );
    assert_eq!(
        search(req("", &["supernode"])).unwrap(),
        ids("theme:supernode")
    );
    let e = search(req("", &["supernod"])).unwrap_err().to_string();
    assert!(e.contains("supernode"), "{e}");
}

#[test]
fn bad_queries_are_errors_with_a_column() {
    let err = |q: &str| match search(SearchRequest {
        query: q.into(),
        ..Default::default()
    }) {
        Err(IndexError::Query(e)) => e,
        other => panic!("{q}: {other:?}"),
    };
    let e = err("英伟达 AND 液冷)");
    assert_eq!((e.column, e.message.as_str()), (11, "')' without '('"));
    let e = err("英伟达 theme:supernod");
    assert_eq!(e.column, 5);
    assert!(
        e.message.contains("unknown theme id \"supernod\"") && e.message.contains("supernode"),
        "{e}"
    );
    let e = err("foo:bar");
    assert!(e.message.contains("title, body, source, theme"), "{e}");
    let e = err("英伟达 的");
    assert_eq!(e.column, 5);
    assert!(e.message.contains("no searchable word"), "{e}");
    let json = e.to_json();
    assert_eq!(json["detail"]["column"], 5);
    assert!(json["error"].as_str().unwrap().starts_with("invalid query"));
}

#[test]
fn explain_shows_analysis_and_counts() {
    let e = FIXTURE
        .index
        .explain(&SearchRequest {
            query: "輝達 AND NOT 液冷服务器".into(),
            themes: vec!["supernode".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(e.parsed, "(輝達 AND NOT 液冷服务器)");
    let tree = e.tree.unwrap();
    assert_eq!((tree.kind.as_str(), tree.matches), ("and", 3));
    let term = &tree.children[0];
    assert_eq!(
        (
            term.kind.as_str(),
            term.text.as_str(),
            term.analyzed.as_deref()
        ),
        ("term", "輝達", Some("英伟达"))
    );
    assert_eq!(term.matches, 5);
    assert_eq!(term.fields, ["title^2", "body"]);
    let not = &tree.children[1];
    assert_eq!((not.kind.as_str(), not.matches), ("not", 8));
    let phrase = &not.children[0];
    assert_eq!(
        (
            phrase.kind.as_str(),
            phrase.analyzed.as_deref(),
            phrase.matches
        ),
        ("phrase", Some("\"液冷 服务器\""), 2)
    );
    assert_eq!(e.filters.len(), 1);
    assert_eq!(
        (e.filters[0].kind.as_str(), e.filters[0].matches),
        ("theme", 3)
    );
    // 英伟达 without 液冷服务器: d03, d06, d08; of those only d08 is a supernode story
    assert_eq!((e.total, e.documents), (1, 10));
}

/// A random boolean expression over a handful of clauses.
#[derive(Clone, Debug)]
enum Expr {
    Leaf(&'static str),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

const LEAVES: [&str; 12] = [
    "英伟达",
    "液冷",
    "铜缆",
    "超节点",
    "光模块",
    "\"液冷 服务器\"",
    "\"超节点 万卡\"",
    "title:液冷",
    "source:A",
    "theme:supernode",
    "published:2026-07",
    "company:300308",
];

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop::sample::select(&LEAVES[..]).prop_map(Expr::Leaf);
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            prop::collection::vec(inner.clone(), 2..=3).prop_map(Expr::And),
            prop::collection::vec(inner, 2..=3).prop_map(Expr::Or),
        ]
    })
}

fn pick(rng: &mut u64, n: u64) -> u64 {
    *rng = rng
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*rng >> 33) % n
}

/// Renders with the fewest parentheses precedence allows (NOT > AND > OR),
/// sometimes more, and every spelling of the operators.
fn render(e: &Expr, rng: &mut u64, out: &mut String) {
    let extra = pick(rng, 5) == 0;
    if extra {
        out.push('(');
    }
    match e {
        Expr::Leaf(l) => out.push_str(l),
        Expr::Not(x) => {
            out.push_str(["NOT ", "!", "-", "! "][pick(rng, 4) as usize]);
            let wrap = matches!(**x, Expr::And(_) | Expr::Or(_));
            if wrap {
                out.push('(');
            }
            render(x, rng, out);
            if wrap {
                out.push(')');
            }
        }
        Expr::And(v) => {
            for (k, x) in v.iter().enumerate() {
                if k > 0 {
                    out.push_str([" AND ", " && ", " ", "  &&  "][pick(rng, 4) as usize]);
                }
                let wrap = matches!(x, Expr::Or(_));
                if wrap {
                    out.push('(');
                }
                render(x, rng, out);
                if wrap {
                    out.push(')');
                }
            }
        }
        Expr::Or(v) => {
            for (k, x) in v.iter().enumerate() {
                if k > 0 {
                    out.push_str([" OR ", " || "][pick(rng, 2) as usize]);
                }
                render(x, rng, out);
            }
        }
    }
    if extra {
        out.push(')');
    }
}

/// The oracle: set algebra over the results of single clauses.
fn eval(e: &Expr) -> BTreeSet<String> {
    match e {
        Expr::Leaf(l) => ids(l),
        Expr::Not(x) => all().difference(&eval(x)).cloned().collect(),
        Expr::And(v) => v
            .iter()
            .map(eval)
            .reduce(|a, b| a.intersection(&b).cloned().collect())
            .unwrap_or_else(all),
        Expr::Or(v) => v
            .iter()
            .map(eval)
            .reduce(|a, b| a.union(&b).cloned().collect())
            .unwrap_or_default(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_expressions_match_set_algebra(e in expr(), seed in any::<u64>()) {
        let mut q = String::new();
        let mut rng = seed;
        render(&e, &mut rng, &mut q);
        prop_assert_eq!(ids(&q), eval(&e), "query {:?} for {:?}", q, e);
        // the canonical form of the parsed tree means the same
        let canonical = ticai_index::query::parse(&q).unwrap().unwrap().to_string();
        prop_assert_eq!(ids(&canonical), ids(&q), "canonical {:?} of {:?}", canonical, q);
    }
}

#[test]
fn every_single_clause_matches_something() {
    // the property test is only as strong as its clauses are selective
    for l in LEAVES {
        let n = ids(l).len();
        assert!(n > 0 && n < DOCS.len(), "{l}: {n}");
    }
}

#[test]
fn pages_by_offset_join_into_the_whole_list() {
    use ticai_index::Sort;
    for sort in [Sort::Relevance, Sort::Date] {
        let req = |limit, offset| SearchRequest {
            query: "超节点 OR 液冷 OR 英伟达".into(),
            sort,
            limit,
            offset,
            ..Default::default()
        };
        let all = FIXTURE.index.search(&req(100, 0)).unwrap();
        assert!(all.results.len() >= 4, "{}", all.results.len());
        let mut paged = Vec::new();
        for page in 0.. {
            let res = FIXTURE.index.search(&req(3, page * 3)).unwrap();
            assert_eq!(res.total, all.total);
            if res.results.is_empty() {
                break;
            }
            paged.extend(res.results.into_iter().map(|h| h.id));
        }
        let whole: Vec<String> = all.results.into_iter().map(|h| h.id).collect();
        assert_eq!(paged, whole, "{sort:?}");
    }
}
