//! Table-driven tests of the tagger over a small lexicon written here, and a
//! property test over arbitrary input.

use proptest::prelude::*;
use std::sync::LazyLock;
use ticai_lexicon::{Lexicon, SourceFile};
use ticai_model::{Document, Field, Reason, TaggedDocument};
use ticai_tag::Tagger;

const THEMES: &str = r#"
[[theme]]
id = "supernode"
name_zh = "超节点"
name_en = "Supernode"
aliases = ["超節點", "SuperPod"]
description = "d"

[[theme]]
id = "wanka-cluster"
name_zh = "万卡集群"
name_en = "10k cluster"
aliases = ["萬卡集群"]
description = "d"

[[theme]]
id = "optical-interconnect"
name_zh = "光模块/CPO"
name_en = "Optics"
aliases = ["光模組"]
description = "d"

[[theme]]
id = "asic"
name_zh = "ASIC/定制芯片"
name_en = "ASIC"
description = "d"

[[theme]]
id = "ai"
name_zh = "人工智能"
name_en = "AI"
aliases = ["AI"]
description = "d"

[[theme]]
id = "robotics"
name_zh = "机器人"
name_en = "Robotics"
exclude = ["扫地机器人"]
description = "d"

[[theme]]
id = "ai-server"
name_zh = "AI服务器"
name_en = "AI servers"
aliases = ["伺服器", "服务器"]
patterns = ['GB\d00', 'HBM\d[A-Z]?']
description = "d"
"#;

const CURATED: &str = "name\tname_en\texchange\tcode\taliases\tflags\tnote
英伟达\tNVIDIA\tUS\tNVDA\tNVIDIA|輝達\t\t
华为\tHuawei\t\t\tHuawei|華為\t\t
博通\tBroadcom\tUS\tAVGO\t\t\t
腾讯\tTencent\tHK\t00700\t腾讯控股\t\t
中际旭创\tInnolight\tSZ\t300308\t旭创\t\t
寒武纪\tCambricon\tSH\t688256\t\t\t
太阳能\t\tSZ\t000591\t\tstrict\t
";

const LISTINGS: &str = "code\texchange\tname\tindustry\tlist_date
000402\tSZ\t金融街\t全国地产\t19960626
600519\tSH\t贵州茅台\t白酒\t20010827
000001\tSZ\t平安银行\t银行\t19910403
300308\tSZ\t中际旭创\t通信设备\t20120410
688256\tSH\t寒武纪\t半导体\t20200720
000591\tSZ\t太阳能\t新型电力\t19960202
";

/// The tagger of THEMES and LISTINGS with these curated companies.
fn tagger_of(curated: &str) -> Tagger {
    let lex = Lexicon::from_files(&[
        SourceFile {
            path: "themes/t.toml".into(),
            text: THEMES.into(),
        },
        SourceFile {
            path: "companies/curated.tsv".into(),
            text: curated.into(),
        },
        SourceFile {
            path: "companies/listings.tsv".into(),
            text: LISTINGS.into(),
        },
    ]);
    assert!(lex.issues.is_empty(), "{:?}", lex.issues);
    Tagger::new(&lex).unwrap()
}

static TAGGER: LazyLock<Tagger> = LazyLock::new(|| tagger_of(CURATED));

fn tag(text: &str) -> TaggedDocument {
    TAGGER.tag(&Document {
        id: "t".into(),
        text: text.into(),
        ..Default::default()
    })
}

/// Every mention as (entity, original text of the span, reason), in order.
fn mentions(text: &str) -> Vec<(String, String, Reason)> {
    let out = tag(text);
    let mut rows: Vec<(usize, String, String, Reason)> = Vec::new();
    for t in &out.themes {
        for e in &t.evidence {
            rows.push((e.start, t.id.clone(), e.text.clone(), e.reason));
        }
    }
    for c in &out.companies {
        for e in &c.evidence {
            rows.push((e.start, c.name.clone(), e.text.clone(), e.reason));
        }
    }
    rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    rows.into_iter().map(|(_, a, b, c)| (a, b, c)).collect()
}

use Reason::{Alias, Code, Name, Pattern};

#[test]
fn table() {
    // (text, expected mentions: entity, original span text, reason)
    type Row<'a> = (&'a str, &'a [(&'a str, &'a str, Reason)]);
    let rows: &[Row] = &[
        // patterns: versioned names, with the boundaries of any term
        (
            "GB300机柜与ＨＢＭ３Ｅ出货，HBM4量产",
            &[
                ("ai-server", "GB300", Pattern),
                ("ai-server", "ＨＢＭ３Ｅ", Pattern),
                ("ai-server", "HBM4", Pattern),
            ],
        ),
        ("GB3000与XGB200与HBM", &[]),
        (
            "GB200服务器",
            &[
                ("ai-server", "GB200", Pattern),
                ("ai-server", "服务器", Alias),
            ],
        ),
        (
            "超节点迈入万卡集群时代",
            &[
                ("supernode", "超节点", Name),
                ("wanka-cluster", "万卡集群", Name),
            ],
        ),
        // traditional script and full width, reported in the original form
        (
            "國產超節點與萬卡集群",
            &[
                ("supernode", "超節點", Name),
                ("wanka-cluster", "萬卡集群", Name),
            ],
        ),
        (
            // Taiwan text: OpenCC's Taiwan phrases make 輝達 英伟达 (the name)
            // and 伺服器 服务器; the evidence is the original words
            "輝達發布新伺服器",
            &[("英伟达", "輝達", Name), ("ai-server", "伺服器", Alias)],
        ),
        (
            "ＣＰＯ概念走强",
            &[("optical-interconnect", "ＣＰＯ", Name)],
        ),
        // segmentation boundaries: 华为 inside 中华为了 is no mention
        ("中华为了复兴", &[]),
        ("华为发布新品", &[("华为", "华为", Name)]),
        ("金融街控股发布公告", &[("金融街", "金融街", Name)]),
        // Latin terms: case-insensitive, on word boundaries
        ("BASIC语言不是ASIC芯片", &[("asic", "ASIC", Name)]),
        ("cpo与CPOS无关", &[("optical-interconnect", "cpo", Name)]),
        ("OpenAI发布新模型", &[]),
        ("AI芯片需求旺盛", &[("ai", "AI", Alias)]),
        ("superpod上市", &[("supernode", "superpod", Alias)]),
        // exclude contexts
        ("扫地机器人销量增长", &[]),
        ("工业机器人与扫地机器人", &[("robotics", "机器人", Name)]),
        // stock codes
        ("寒武纪(688256)大涨", &[("寒武纪", "寒武纪(688256)", Name)]),
        (
            "中际旭创（３００３０８．ＳＺ）涨停",
            &[("中际旭创", "中际旭创（３００３０８．ＳＺ）", Name)],
        ),
        ("旭创(300308)走强", &[("中际旭创", "旭创(300308)", Alias)]),
        ("资金流入sz300308", &[("中际旭创", "sz300308", Code)]),
        (
            "买入SH600519与600519.SH",
            &[
                ("贵州茅台", "SH600519", Code),
                ("贵州茅台", "600519.SH", Code),
            ],
        ),
        (
            "腾讯控股(00700.HK)回购",
            &[("腾讯", "腾讯控股(00700.HK)", Alias)],
        ),
        ("英伟达(NVDA.O)收涨", &[("英伟达", "英伟达(NVDA.O)", Name)]),
        // an unknown name followed by a valid code is still a company
        (
            "成分股合合信息(688615)上涨",
            &[("合合信息", "合合信息(688615)", Code)],
        ),
        ("新公司(920999)", &[("新公司", "新公司(920999)", Code)]),
        // a Hong Kong name is longer, and a listed name inside it is not
        // that company (中国黄金 in 中国黄金国际(02099.HK))
        (
            "港股贵州茅台国际(02888.HK)上涨，贵州茅台(600519)平",
            &[
                ("贵州茅台国际", "贵州茅台国际(02888.HK)", Code),
                ("贵州茅台", "贵州茅台(600519)", Name),
            ],
        ),
        // function and market words before the name are not the name
        (
            "融资由新公司(920999)领投",
            &[("新公司", "新公司(920999)", Code)],
        ),
        (
            "港股包括茅台国际(02888.HK)",
            &[("茅台国际", "茅台国际(02888.HK)", Code)],
        ),
        // a kind of company is not a name
        ("股份有限公司(920999)", &[]),
        // not stock codes: an index, a fund, a wrong exchange prefix
        ("上证指数(000001)收涨", &[]),
        ("科创AIETF(588790)", &[]),
        ("sh300308", &[]),
        // strict names: a common word alone is no company
        ("太阳能发电装机增长", &[]),
        ("太阳能(000591)公告", &[("太阳能", "太阳能(000591)", Name)]),
        ("太阳能：拟投资建设光伏电站", &[("太阳能", "太阳能", Name)]),
        // strict names in an enumeration of companies, transitively
        (
            "中际旭创、太阳能、寒武纪涨停",
            &[
                ("中际旭创", "中际旭创", Name),
                ("太阳能", "太阳能", Name),
                ("寒武纪", "寒武纪", Name),
            ],
        ),
        (
            "涨幅居前：太阳能、太阳能、贵州茅台等",
            &[
                ("太阳能", "太阳能", Name),
                ("太阳能", "太阳能", Name),
                ("贵州茅台", "贵州茅台", Name),
            ],
        ),
        // not a whole item, or no company beside it
        ("贵州茅台、太阳能发电", &[("贵州茅台", "贵州茅台", Name)]),
        ("风电、太阳能、核电", &[]),
        ("", &[]),
    ];
    for (text, want) in rows {
        let got = mentions(text);
        let want: Vec<(String, String, Reason)> = want
            .iter()
            .map(|(e, t, r)| (e.to_string(), t.to_string(), *r))
            .collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn unknown_company_carries_code_and_exchange() {
    let out = tag("成分股合合信息(688615)上涨4.27%");
    let c = &out.companies[0];
    assert_eq!(
        (c.name.as_str(), c.code.as_deref()),
        ("合合信息", Some("688615"))
    );
    assert_eq!(c.exchange.map(|e| e.as_str()), Some("SH"));
}

#[test]
fn counts_offsets_and_sentences() {
    let text = "第一句没有。英伟达发布新品！市场认为英伟达(NVDA.US)领先。";
    let out = tag(text);
    let c = &out.companies[0];
    assert_eq!(c.name, "英伟达");
    assert_eq!((c.code.as_deref(), c.mentions), (Some("NVDA"), 2));
    let e = &c.evidence[0];
    assert_eq!((e.start, e.end), (6, 9));
    assert_eq!(e.sentence, "英伟达发布新品！");
    assert_eq!(e.field, Field::Text);
    let e = &c.evidence[1];
    assert_eq!(e.text, "英伟达(NVDA.US)");
    assert_eq!(e.sentence, "市场认为英伟达(NVDA.US)领先。");
}

#[test]
fn title_mentions() {
    // a separate title field is tagged too, and marked
    let doc = Document {
        id: "d".into(),
        title: Some("超节点新品发布".into()),
        text: "正文提到万卡集群。".into(),
        ..Default::default()
    };
    let out = TAGGER.tag(&doc);
    let sn = out.themes.iter().find(|t| t.id == "supernode").unwrap();
    assert!(sn.in_title);
    assert_eq!(sn.evidence[0].field, Field::Title);
    assert_eq!((sn.evidence[0].start, sn.evidence[0].end), (0, 3));
    let wk = out.themes.iter().find(|t| t.id == "wanka-cluster").unwrap();
    assert!(!wk.in_title);
    // a title that is the first line of the text: evidence stays in the text
    let doc = Document {
        id: "d".into(),
        title: Some("超节点新品".into()),
        text: "超节点新品\n正文也说超节点。".into(),
        title_span: Some((0, 5)),
        ..Default::default()
    };
    let out = TAGGER.tag(&doc);
    assert_eq!(out.themes[0].mentions, 2);
    assert!(out.themes[0].in_title);
    assert!(
        out.themes[0]
            .evidence
            .iter()
            .all(|e| e.field == Field::Text)
    );
}

#[test]
fn long_sentences_are_windowed() {
    let filler = "市场情绪回暖".repeat(60);
    let text = format!("{filler}超节点{filler}");
    let e = &tag(&text).themes[0].evidence[0];
    assert!(
        e.sentence.chars().count() <= 162,
        "{}",
        e.sentence.chars().count()
    );
    assert!(e.sentence.starts_with('…') && e.sentence.ends_with('…'));
    assert!(e.sentence.contains("超节点"));
}

fn normalized_lower(s: &str) -> String {
    TAGGER.normalizer().normalize_term(s).to_lowercase()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Tagging never panics, and every span is the exact original substring,
    /// starts with its term (names and aliases) or holds its code.
    #[test]
    fn spans_map_back_to_the_original(
        parts in prop::collection::vec(
            prop_oneof![
                Just("超节点".to_string()), Just("超節點".to_string()), Just("輝達".to_string()),
                Just("华为".to_string()), Just("中华".to_string()), Just("ＣＰＯ".to_string()),
                Just("cpo".to_string()), Just("(688256)".to_string()), Just("sz300308".to_string()),
                Just("寒武纪".to_string()), Just("\u{200b}".to_string()), Just("。".to_string()),
                Just("（３００３０８）".to_string()), Just("AI".to_string()), Just("太阳能".to_string()),
                Just("GB200".to_string()), Just("ｈｂｍ3".to_string()), Just("E".to_string()),
                "\\PC{0,6}",
                "[\u{4e00}-\u{4e2f}a-zA-Z0-9 ，。()]{0,8}",
            ],
            0..14,
        )
    ) {
        let text: String = parts.concat();
        let out = tag(&text);
        let chars: Vec<char> = text.chars().collect();
        let all = out.themes.iter().flat_map(|t| &t.evidence).chain(out.companies.iter().flat_map(|c| &c.evidence));
        for e in all {
            prop_assert!(e.start < e.end && e.end <= chars.len());
            let orig: String = chars[e.start..e.end].iter().collect();
            prop_assert_eq!(&e.text, &orig);
            let norm = normalized_lower(&orig);
            match e.reason {
                Reason::Name | Reason::Alias => prop_assert!(norm.starts_with(&normalized_lower(&e.term)), "{:?} vs {:?}", norm, e.term),
                Reason::Code => {
                    let code = e.term.split('.').next().unwrap().to_lowercase();
                    prop_assert!(norm.contains(&code), "{:?} lacks {:?}", norm, code);
                }
                Reason::Pattern => prop_assert!(
                    ticai_lexicon::Pattern::new(&e.term).unwrap().whole.is_match(&norm),
                    "{:?} does not match {:?}", norm, e.term
                ),
                // the span of a mention of the company named by the term
                Reason::Company => prop_assert!(
                    out.companies.iter().any(|c| c.name == e.term
                        && c.evidence.iter().any(|ce| (ce.start, ce.end) == (e.start, e.end))),
                    "{:?} implied without its company", e
                ),
            }
            prop_assert!(e.sentence.contains(orig.trim()) || e.sentence.contains('…'));
        }
    }
}

/// A long report made of varied paragraphs: names, aliases, codes (known,
/// and unknown names with codes), exclusion phrases, traditional script,
/// a paragraph without sentence ends.
fn long_report(paragraphs: usize) -> String {
    let kinds = [
        "华为发布超节点新品，万卡集群进入交付期，中际旭创(300308)光模块订单饱满。",
        "扫地机器人销量平稳，机器人板块分化；合合信息(688615)与寒武纪（688256）披露进展。",
        "輝達新一代伺服器出貨，超節點與光模組需求強勁，博通定制ASIC放量。",
        "公司核心业务为AI服务器与人工智能平台 未使用句号的长段落 贵州茅台600519 金融街控股 腾讯控股00700 继续讨论光模块产能与良率 ",
        "平安银行（000001）与太阳能公告：子公司获得证书。英伟达(NVDA.O)发布财报。",
    ];
    let mut s = String::new();
    for i in 0..paragraphs {
        s.push_str(kinds[i % kinds.len()]);
        s.push_str(&format!("第{i}段。\n"));
    }
    s
}

#[test]
fn work_grows_linearly_with_the_length_of_a_document() {
    let doc = |n: usize| Document {
        id: "report".into(),
        text: long_report(n),
        ..Default::default()
    };
    let (small, large) = (doc(2_000), doc(4_000));
    let (w1, w2) = (TAGGER.work(&small), TAGGER.work(&large));
    assert!(w1.blocks > 1_000 && w1.probes > 1_000, "{w1:?}");
    // twice the text: at most twice the work (and a little for the
    // paragraph numbers, one digit longer)
    for (name, a, b) in [
        ("blocks", w1.blocks, w2.blocks),
        ("segmented bytes", w1.segmented_bytes, w2.segmented_bytes),
        ("probes", w1.probes, w2.probes),
        ("sentence chars", w1.sentence_chars, w2.sentence_chars),
    ] {
        assert!(b * 100 <= a * 205, "{name}: {a} -> {b} for twice the text");
    }
    // and exactly twice the mentions
    let count = |d: &Document| {
        let t = TAGGER.tag(d);
        t.themes.iter().map(|x| x.mentions).sum::<usize>()
            + t.companies.iter().map(|x| x.mentions).sum::<usize>()
    };
    assert_eq!(count(&large), 2 * count(&small));
}

#[test]
fn max_evidence_keeps_the_first_spans_and_exact_counts() {
    let doc = Document {
        id: "report".into(),
        text: long_report(50),
        ..Default::default()
    };
    let all = TAGGER.tag(&doc);
    let cut = TAGGER.tag_with(&doc, Some(3));
    assert_eq!(all.themes.len(), cut.themes.len());
    for (a, c) in all.themes.iter().zip(&cut.themes) {
        assert_eq!((a.id.as_str(), a.mentions), (c.id.as_str(), c.mentions));
        assert_eq!(a.evidence_total, None);
        assert_eq!(c.evidence, a.evidence[..a.mentions.min(3)]);
        let want = (a.mentions > 3).then_some(a.mentions);
        assert_eq!(c.evidence_total, want, "{}", a.id);
    }
    for (a, c) in all.companies.iter().zip(&cut.companies) {
        assert_eq!((a.name.as_str(), a.mentions), (c.name.as_str(), c.mentions));
        assert_eq!(c.evidence, a.evidence[..a.mentions.min(3)]);
    }
    // no evidence at all, for the index
    let none = TAGGER.tag_with(&doc, Some(0));
    assert!(
        none.themes
            .iter()
            .all(|t| t.evidence.is_empty() && t.evidence_total == Some(t.mentions))
    );
    // a document within the limit is unchanged, field for field
    let short = Document {
        id: "s".into(),
        text: "华为发布超节点。".into(),
        ..Default::default()
    };
    assert_eq!(TAGGER.tag_with(&short, Some(3)), TAGGER.tag(&short));
}

/// The tagger of a lexicon whose curated companies name the themes they
/// are pure plays of.
fn implied_tagger(implied: bool) -> Tagger {
    let curated = "name\tname_en\texchange\tcode\taliases\tflags\tthemes\tnote
中际旭创\tInnolight\tSZ\t300308\t旭创\t\toptical-interconnect\t
寒武纪\tCambricon\tSH\t688256\t\t\tasic|ai\t
太阳能\t\tSZ\t000591\t\tstrict\tai\t
英伟达\tNVIDIA\tUS\tNVDA\t\t\t\t
";
    let mut tagger = tagger_of(curated);
    tagger.set_implied(implied);
    tagger
}

#[test]
fn pure_play_companies_imply_their_themes() {
    let tagger = implied_tagger(true);
    // (id, mentions, evidence as (term, text, reason, start, end), in_title)
    type Ev = (String, String, Reason, usize, usize);
    let themes = |title: Option<&str>, text: &str| -> Vec<(String, usize, Vec<Ev>, bool)> {
        let out = tagger.tag(&Document {
            id: "d".into(),
            title: title.map(str::to_string),
            text: text.into(),
            ..Default::default()
        });
        out.themes
            .iter()
            .map(|t| {
                let ev = t
                    .evidence
                    .iter()
                    .map(|e| (e.term.clone(), e.text.clone(), e.reason, e.start, e.end))
                    .collect();
                (t.id.clone(), t.mentions, ev, t.in_title)
            })
            .collect()
    };
    // the company's span, its code included, with the company's name as term
    assert_eq!(
        themes(None, "中际旭创(300308)拟扩产"),
        [(
            "optical-interconnect".to_string(),
            1,
            vec![(
                "中际旭创".to_string(),
                "中际旭创(300308)".to_string(),
                Reason::Company,
                0,
                12
            )],
            false
        )]
    );
    // an alias, a bare code, and the theme's own word: one mention each
    let t = themes(Some("旭创扩产"), "光模块订单饱满。300308.SZ收涨");
    assert_eq!(t.len(), 1, "{t:?}");
    let (id, mentions, ev, in_title) = &t[0];
    assert_eq!(
        (id.as_str(), *mentions, *in_title),
        ("optical-interconnect", 3, true)
    );
    let reasons: Vec<(&str, Reason)> = ev.iter().map(|e| (e.1.as_str(), e.2)).collect();
    assert!(reasons.contains(&("光模块", Reason::Name)), "{reasons:?}");
    assert!(
        reasons.contains(&("300308.SZ", Reason::Company)),
        "{reasons:?}"
    );
    assert!(reasons.contains(&("旭创", Reason::Company)), "{reasons:?}");
    // several themes from one company, sorted like every theme list
    let ids: Vec<String> = themes(None, "寒武纪发布新品")
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(ids, ["ai", "asic"]);
    // a strict name that does not count as the company implies nothing
    assert!(themes(None, "太阳能发电量增长").is_empty());
    let ids: Vec<String> = themes(None, "太阳能(000591)公告")
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(ids, ["ai"]);
    // a company without themes implies none
    assert!(themes(None, "英伟达财报").is_empty());
    // in a list of more than MAX_SUBJECT_COMPANIES companies (a market
    // wrap), a company implies its themes only when the title names it
    assert_eq!(ticai_tag::MAX_SUBJECT_COMPANIES, 3);
    let wrap = "涨幅居前：中际旭创、寒武纪、英伟达、太阳能(000591)。";
    assert!(themes(None, wrap).is_empty(), "{:?}", themes(None, wrap));
    let ids: Vec<String> = themes(Some("寒武纪领涨"), wrap)
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(ids, ["ai", "asic"]);
    let three = "涨幅居前：中际旭创、寒武纪、英伟达。";
    let ids: Vec<String> = themes(None, three).into_iter().map(|t| t.0).collect();
    assert_eq!(ids, ["ai", "asic", "optical-interconnect"]);
    // off: the companies are still found, the themes are not implied
    let off = implied_tagger(false).tag(&Document {
        id: "d".into(),
        text: "中际旭创(300308)拟扩产".into(),
        ..Default::default()
    });
    assert!(off.themes.is_empty(), "{:?}", off.themes);
    assert_eq!(off.companies.len(), 1);
}

#[test]
fn is_term_knows_terms_names_and_pattern_matches() {
    for w in [
        "超节点",
        "superpod",
        "中际旭创",
        "旭创",
        "贵州茅台",
        "GB300",
        "hbm4e",
    ] {
        assert!(TAGGER.is_term(w), "{w}");
    }
    // a term's piece or extension, a pattern's prefix or overlong match
    for w in [
        "",
        "超节",
        "超节点板块",
        "GB",
        "GB3000",
        "HBM",
        "XGB200",
        "茅台酒",
    ] {
        assert!(!TAGGER.is_term(w), "{w}");
    }
}

#[test]
fn mentions_point_into_the_normalized_text() {
    use ticai_tag::Named;
    // full-width, traditional and Taiwan usage (輝達 is 英伟达): the ranges
    // are the normalized text's
    let a = TAGGER.analyze("輝達推出ＧＢ３００超節點，中际旭创(300308)跟进", None);
    let got: Vec<(Named, &str, Reason)> = TAGGER
        .mentions(&a)
        .iter()
        .map(|m| (m.named, &a.norm.text[m.span.clone()], m.reason))
        .collect();
    assert_eq!(
        got,
        [
            (Named::Company("英伟达"), "英伟达", Reason::Name),
            (Named::Theme("ai-server"), "GB300", Reason::Pattern),
            (Named::Theme("supernode"), "超节点", Reason::Name),
            (Named::Company("中际旭创"), "中际旭创(300308)", Reason::Name),
        ]
    );
}
