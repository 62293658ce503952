//! Neither `suggest` nor `discover` panics on arbitrary text, spans and
//! options.

use chrono::NaiveDate;
use proptest::prelude::*;
use std::sync::LazyLock;
use ticai_discover::{DatedDoc, DiscoverOptions, SuggestDoc, SuggestOptions, discover, suggest};
use ticai_text::Segmenter;

static SEG: LazyLock<Segmenter> = LazyLock::new(|| Segmenter::new(["液冷"]));

const TEXT: &str = "\\PC{0,40}|[液冷板式量子织网市场HBM4GB300a1 ，。！？;\n]{0,60}";

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(739_000 + n as i32).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn suggest_never_panics(
        texts in proptest::collection::vec(TEXT, 0..12),
        spans in proptest::collection::vec((0usize..80, 0usize..20), 0..4),
        max_ngram in 0usize..5,
        min_count in 0usize..3,
    ) {
        let docs: Vec<SuggestDoc> = texts
            .iter()
            .map(|t| SuggestDoc { text: t, theme_spans: spans.iter().map(|&(s, l)| s..s + l).collect() })
            .collect();
        let opts = SuggestOptions { max_ngram, min_count, min_llr: 0.0, example_chars: 5, ..SuggestOptions::default() };
        let found = suggest(&docs, &SEG, &|w| w == "市场", &opts);
        for s in found {
            prop_assert!(s.with_theme <= s.total && s.examples.len() <= 2);
        }
    }

    #[test]
    fn discover_never_panics(
        docs in proptest::collection::vec((0u32..10, TEXT), 0..20),
        since in 0u32..12,
        len in 0u32..8,
        min_len in 0usize..4,
        max_len in 0usize..7,
        min_count in 0usize..3,
    ) {
        let docs: Vec<DatedDoc> = docs
            .iter()
            .map(|(d, t)| DatedDoc { day: day(*d), text: t, companies: vec!["甲".into(), "甲".into()] })
            .collect();
        let opts = DiscoverOptions {
            min_len,
            max_len,
            min_count,
            min_cohesion: f64::NEG_INFINITY,
            min_entropy: 0.0,
            min_rise: 0.0,
            example_chars: 4,
            baseline_days: 3,
            ..DiscoverOptions::new(day(since), day(since + len))
        };
        for e in discover(&docs, &|w| w == "市场", &opts) {
            prop_assert_eq!(e.per_day.len(), len as usize + 1);
            prop_assert_eq!(e.per_day.iter().map(|(_, n)| n).sum::<usize>(), e.recent);
            prop_assert!(e.companies.len() <= 1);
        }
    }
}
