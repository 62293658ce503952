//! `suggest` on a synthetic corpus: a theme term (液冷) with a made-up
//! co-term (冷板式) in most of its sentences, a word that is everywhere
//! (市场), a strongly associated word the caller already knows (服务器)
//! and many filler sentences built from ordinary words.

use std::sync::LazyLock;
use ticai_discover::{SuggestDoc, SuggestOptions, Suggestion, suggest};
use ticai_text::Segmenter;

static SEG: LazyLock<Segmenter> = LazyLock::new(|| Segmenter::new(["液冷", "服务器"]));

const FILLER: &[&str] = &[
    "银行",
    "券商",
    "指数",
    "板块",
    "资金",
    "业绩",
    "增长",
    "政策",
    "消费",
    "地产",
    "汽车",
    "能源",
    "医药",
    "投资者",
    "机构",
    "交易",
    "价格",
    "需求",
    "供应",
    "订单",
    "产能",
    "出口",
    "利润",
    "收入",
    "股价",
    "估值",
    "风险",
    "季度",
    "规划",
    "项目",
    "客户",
    "产品",
    "行业",
    "企业",
];

/// A tiny linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A sentence of 3 to 6 filler words, with `extra` words inserted at
/// random places, and 市场 in about half of them, joined by `，` now and
/// then.
fn sentence(rng: &mut Lcg, extra: &[&str]) -> String {
    let mut words: Vec<&str> = (0..3 + rng.below(4))
        .map(|_| FILLER[rng.below(FILLER.len())])
        .collect();
    if rng.chance(50) {
        words.insert(rng.below(words.len() + 1), "市场");
    }
    for w in extra {
        words.insert(rng.below(words.len() + 1), w);
    }
    let mut s = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 && rng.chance(20) {
            s.push('，');
        }
        s.push_str(w);
    }
    s.push('。');
    s
}

/// 400 documents of 3 sentences; one sentence in six is a theme sentence
/// (液冷 and 服务器, 冷板式 in 80% of them); 冷板式 appears in one other
/// sentence in 200.
fn corpus() -> Vec<String> {
    let mut rng = Lcg(7);
    (0..400)
        .map(|_| {
            (0..3)
                .map(|_| {
                    if rng.chance(17) {
                        let mut extra = vec!["液冷", "服务器"];
                        if rng.chance(80) {
                            extra.push("冷板式");
                        }
                        sentence(&mut rng, &extra)
                    } else if rng.chance(1) {
                        sentence(&mut rng, &["冷板式"])
                    } else {
                        sentence(&mut rng, &[])
                    }
                })
                .collect()
        })
        .collect()
}

fn docs(texts: &[String]) -> Vec<SuggestDoc<'_>> {
    texts
        .iter()
        .map(|t| SuggestDoc {
            text: t,
            theme_spans: t
                .match_indices("液冷")
                .map(|(i, m)| i..i + m.len())
                .collect(),
        })
        .collect()
}

fn known(w: &str) -> bool {
    w == "液冷" || w == "服务器"
}

fn run(texts: &[String], opts: &SuggestOptions) -> Vec<Suggestion> {
    suggest(&docs(texts), &SEG, &known, opts)
}

#[test]
fn the_co_term_ranks_first() {
    let texts = corpus();
    let found = run(&texts, &SuggestOptions::default());
    assert!(!found.is_empty());
    let terms: Vec<&str> = found.iter().map(|s| s.term.as_str()).collect();
    assert_eq!(found[0].term, "冷板式", "{terms:?}");
    let first = &found[0];
    assert!(
        first.with_theme > 100 && first.total > first.with_theme,
        "{first:?}"
    );
    assert!(first.pmi > 1.0 && first.llr > 100.0, "{first:?}");
}

#[test]
fn common_and_known_words_and_theme_spans_stay_out() {
    let texts = corpus();
    let found = run(
        &texts,
        &SuggestOptions {
            top: 1000,
            min_count: 1,
            min_llr: 0.0,
            ..SuggestOptions::default()
        },
    );
    for s in &found {
        assert!(!known(&s.term), "{s:?}");
        assert!(!s.term.contains("液冷") && s.term != "服务器", "{s:?}");
        assert!(s.term.chars().count() >= 2, "{s:?}");
    }
    // 市场 is as frequent in theme sentences as elsewhere: weakly
    // associated at most, far below the co-term, absent by default
    let market = found.iter().position(|s| s.term == "市场");
    assert!(
        market.is_none_or(|i| i > 10 && found[i].llr < 10.83),
        "{market:?}"
    );
    let top = run(&texts, &SuggestOptions::default());
    assert!(!top.iter().any(|s| s.term.contains("市场")), "{top:?}");
}

#[test]
fn suggestions_are_ranked_counted_and_illustrated() {
    let texts = corpus();
    let opts = SuggestOptions::default();
    let found = run(&texts, &opts);
    assert!(found.len() <= opts.top);
    for pair in found.windows(2) {
        assert!(pair[0].llr >= pair[1].llr, "{pair:?}");
    }
    for s in &found {
        assert!(
            s.with_theme >= opts.min_count && s.with_theme <= s.total,
            "{s:?}"
        );
        assert!(s.llr >= opts.min_llr, "{s:?}");
        assert_eq!(s.examples.len(), 2, "{s:?}");
        assert_ne!(s.examples[0], s.examples[1]);
        for e in &s.examples {
            assert!(e.contains(&s.term) && e.contains("液冷"), "{e}");
        }
    }
    // a part never outranks nor duplicates its whole
    for a in &found {
        for b in &found {
            assert!(
                a.term == b.term || !a.term.contains(&b.term),
                "{} / {}",
                a.term,
                b.term
            );
        }
    }
}

#[test]
fn an_empty_corpus_gives_nothing() {
    assert!(run(&[], &SuggestOptions::default()).is_empty());
    let texts = vec!["。。！".to_string(), String::new()];
    assert!(run(&texts, &SuggestOptions::default()).is_empty());
}
