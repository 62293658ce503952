//! `discover` on synthetic corpora: 60 days of filler sentences built from
//! ordinary words, a made-up term (量子织网) from day 45 on, a made-up
//! term at a steady rate (蓝海互联) and a new term the caller already
//! knows (智算平台).

use chrono::{Days, NaiveDate};
use ticai_discover::{DatedDoc, DiscoverOptions, Emerging, discover};

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
    "市场",
    "发布",
];

const COMPANIES: &[&str] = &["东方精工", "北方华创", "南方传媒", "西部证券", "中原银行"];

const NEW: &str = "量子织网";
const STEADY: &str = "蓝海互联";
const KNOWN: &str = "智算平台";
const NEW_FROM: u64 = 45;
const DAYS: u64 = 60;

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
}

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1)
        .and_then(|d| d.checked_add_days(Days::new(n)))
        .unwrap_or_default()
}

/// A sentence of 3 to 6 filler words with `extra` inserted somewhere,
/// ended by `。` or `，`.
fn sentence(rng: &mut Lcg, extra: Option<&str>) -> String {
    let mut words: Vec<&str> = (0..3 + rng.below(4))
        .map(|_| FILLER[rng.below(FILLER.len())])
        .collect();
    if let Some(w) = extra {
        words.insert(rng.below(words.len() + 1), w);
    }
    let mut s = words.concat();
    s.push(if rng.below(4) == 0 { '，' } else { '。' });
    s
}

/// A generated document.
struct Doc {
    day: NaiveDate,
    text: String,
    companies: Vec<String>,
}

/// Per day: 30 filler documents of 1 to 3 sentences, 3 holding 蓝海互联,
/// and from day 45 on, 1 + day % 3 documents holding 量子织网 (all tagged
/// 星河电子) and 4 holding 智算平台.
fn corpus(seed: u64) -> Vec<Doc> {
    let mut rng = Lcg(seed);
    let mut docs = Vec::new();
    for d in 0..DAYS {
        let mut push = |rng: &mut Lcg, extra: Option<&str>, companies: Vec<String>| {
            let n = 1 + rng.below(3);
            let at = rng.below(n);
            let text: String = (0..n)
                .map(|i| sentence(rng, extra.filter(|_| i == at)))
                .collect();
            docs.push(Doc {
                day: day(d),
                text,
                companies,
            });
        };
        for _ in 0..30 {
            let c = vec![COMPANIES[rng.below(COMPANIES.len())].to_string()];
            push(&mut rng, None, c);
        }
        for _ in 0..3 {
            push(&mut rng, Some(STEADY), vec![]);
        }
        if d >= NEW_FROM {
            for _ in 0..new_per_day(d) {
                let c = vec!["星河电子".to_string(), COMPANIES[rng.below(2)].to_string()];
                push(&mut rng, Some(NEW), c);
            }
            for _ in 0..4 {
                push(&mut rng, Some(KNOWN), vec![]);
            }
        }
    }
    docs
}

fn new_per_day(d: u64) -> usize {
    if d >= NEW_FROM {
        3 + (d % 3) as usize
    } else {
        0
    }
}

fn dated(docs: &[Doc]) -> Vec<DatedDoc<'_>> {
    docs.iter()
        .map(|d| DatedDoc {
            day: d.day,
            text: &d.text,
            companies: d.companies.clone(),
        })
        .collect()
}

fn known(w: &str) -> bool {
    w == KNOWN || FILLER.contains(&w)
}

fn run(docs: &[Doc], since: u64) -> Vec<Emerging> {
    discover(
        &dated(docs),
        &known,
        &DiscoverOptions::new(day(since), day(DAYS - 1)),
    )
}

#[test]
fn the_new_term_ranks_first_with_its_days_and_companies() {
    let docs = corpus(11);
    let found = run(&docs, NEW_FROM);
    let terms: Vec<&str> = found.iter().map(|e| e.term.as_str()).collect();
    assert_eq!(terms.first(), Some(&NEW), "{terms:?}");
    let e = &found[0];
    assert_eq!(e.baseline, 0);
    let expected: Vec<(NaiveDate, usize)> =
        (NEW_FROM..DAYS).map(|d| (day(d), new_per_day(d))).collect();
    assert_eq!(e.per_day, expected);
    assert_eq!(e.recent, expected.iter().map(|(_, n)| n).sum::<usize>());
    assert!(e.rise > 10.0 && e.score > 0.0, "{e:?}");
    assert_eq!(e.companies[0], ("星河电子".to_string(), e.recent));
    for (name, _) in &e.companies {
        assert!(
            name == "星河电子" || COMPANIES[..2].contains(&name.as_str()),
            "{name}"
        );
    }
    assert_eq!(e.examples.len(), 2);
    assert_ne!(e.examples[0], e.examples[1]);
    assert!(e.examples.iter().all(|x| x.contains(NEW)));
}

#[test]
fn a_window_opening_before_the_term_shows_zero_days() {
    let docs = corpus(12);
    let found = run(&docs, 40);
    let e = found.first().filter(|e| e.term == NEW);
    let Some(e) = e else { panic!("{found:?}") };
    assert_eq!(e.baseline, 0);
    let expected: Vec<(NaiveDate, usize)> = (40..DAYS).map(|d| (day(d), new_per_day(d))).collect();
    assert_eq!(e.per_day, expected);
}

#[test]
fn steady_known_and_fragment_terms_stay_out() {
    for seed in [1, 2, 3] {
        let docs = corpus(seed);
        let found = run(&docs, NEW_FROM);
        let terms: Vec<&str> = found.iter().map(|e| e.term.as_str()).collect();
        assert_eq!(terms.first(), Some(&NEW), "{terms:?}");
        // steady: absent, or low with no real rise
        if let Some(i) = terms.iter().position(|t| *t == STEADY) {
            assert!(i > 5 && found[i].rise < 2.0, "{:?}", found[i]);
        }
        for t in &terms {
            assert!(!known(t), "{t}");
            // no fragment of the new or the known term
            assert!(*t == NEW || !t.contains('织'), "{terms:?}");
            assert!(!t.contains("智算") && !t.contains("算平"), "{terms:?}");
        }
    }
}

#[test]
fn results_are_ranked_and_consistent() {
    let docs = corpus(5);
    let opts = DiscoverOptions::new(day(NEW_FROM), day(DAYS - 1));
    let found = discover(&dated(&docs), &|_| false, &opts);
    assert!(!found.is_empty() && found.len() <= opts.top);
    for pair in found.windows(2) {
        assert!(pair[0].score >= pair[1].score, "{pair:?}");
    }
    for e in &found {
        assert_eq!(
            e.per_day.iter().map(|(_, n)| n).sum::<usize>(),
            e.recent,
            "{e:?}"
        );
        assert!(
            e.recent >= opts.min_count && e.rise >= opts.min_rise,
            "{e:?}"
        );
        assert!(e.cohesion >= opts.min_cohesion, "{e:?}");
        assert!(
            e.left_entropy.min(e.right_entropy) >= opts.min_entropy,
            "{e:?}"
        );
        assert!(e.companies.len() <= opts.companies && e.examples.len() <= opts.examples);
    }
}

#[test]
fn empty_inputs_give_nothing() {
    let opts = DiscoverOptions::new(day(0), day(10));
    assert!(discover(&[], &|_| false, &opts).is_empty());
    let docs = corpus(3);
    // a window after the corpus, and a window ending before it starts
    let later = DiscoverOptions::new(day(100), day(110));
    assert!(discover(&dated(&docs), &|_| false, &later).is_empty());
    let reversed = DiscoverOptions::new(day(10), day(5));
    assert!(discover(&dated(&docs), &|_| false, &reversed).is_empty());
}
