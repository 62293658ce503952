//! Rising themes: the latest bucket against a trailing window.
//!
//! The score is a Poisson tail. From the window the theme's *share* of all
//! articles is estimated (with half an article of pseudo-count, so a theme
//! never seen still has a small rate); the expected count in the latest
//! bucket is that share times the latest bucket's total (so a busy day is
//! not a rise), floored at [`MIN_EXPECTED`]. The score is
//! `-log10 P(X >= count)` for `X ~ Poisson(expected)`: 3 means a count this
//! high happens by chance once in a thousand buckets. Unlike a z-score it
//! stays meaningful when the baseline is zero or the counts are small, and
//! a minimum article count keeps a single article from alerting.

use crate::calendar::Calendar;
use crate::series::SeriesMap;
use crate::{Result, TrendsError, all_themes, filter_query};
use serde::Serialize;
use std::collections::HashSet;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Order, TantivyDocument, Term};
use ticai_index::{SearchRequest, TicaiIndex};
use ticai_lexicon::Lexicon;
use ticai_tag::Tagger;

/// The expected count is never taken below this.
pub const MIN_EXPECTED: f64 = 0.5;

#[derive(Clone, Debug)]
pub struct AlertRequest {
    /// `window` trailing buckets and the latest one, last.
    pub calendar: Calendar,
    pub window: usize,
    pub filter: SearchRequest,
    pub min_articles: u64,
    pub min_score: f64,
    /// Evidence articles per alert.
    pub evidence: usize,
    pub rollup: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct EvidenceArticle {
    pub id: String,
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    /// The sentence that matched (from the title or the text).
    pub sentence: Option<String>,
    /// The term that matched in it.
    pub term: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Alert {
    pub theme: String,
    pub name: String,
    /// Articles in the latest bucket.
    pub count: u64,
    /// Mean articles per bucket over the window.
    pub baseline: f64,
    /// The count expected from the window's share and the latest total.
    pub expected: f64,
    pub score: f64,
    pub share: f64,
    pub baseline_share: f64,
    pub evidence: Vec<EvidenceArticle>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Alerts {
    pub interval: String,
    /// The first day of the latest bucket.
    pub bucket: String,
    pub window: usize,
    /// All articles in the latest bucket and in the window.
    pub total: u64,
    pub window_total: u64,
    pub alerts: Vec<Alert>,
}

/// ln(n!) (exact below 32, Stirling's series above).
fn ln_factorial(n: u64) -> f64 {
    if n < 32 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x * x)
}

/// `-log10 P(X >= k)` for `X ~ Poisson(lambda)`; 0 when `k <= lambda`.
pub fn poisson_score(k: u64, lambda: f64) -> f64 {
    if k == 0 || (k as f64) <= lambda {
        return 0.0;
    }
    let ln_l = lambda.ln();
    let term = |i: u64| -lambda + i as f64 * ln_l - ln_factorial(i);
    // terms fall from i = k on (k > lambda): sum them in log space
    let first = term(k);
    let mut sum = 1.0f64;
    let mut i = k + 1;
    loop {
        let r = (term(i) - first).exp();
        sum += r;
        if r < 1e-17 * sum || i > k + 100_000 {
            break;
        }
        i += 1;
    }
    let ln_p = first + sum.ln();
    (-ln_p / std::f64::consts::LN_10).max(0.0)
}

/// Rising themes in the calendar's last bucket.
pub fn alerts(
    index: &TicaiIndex,
    lexicon: &Lexicon,
    tagger: &Tagger,
    req: &AlertRequest,
) -> Result<Alerts> {
    let cal = &req.calendar;
    if cal.len() < 2 {
        return Err(TrendsError::Request(
            "alerts need a window of at least one bucket before the latest".into(),
        ));
    }
    let series = all_themes(lexicon);
    let map = SeriesMap::new(&series, lexicon, req.rollup);
    let searcher = index.searcher()?;
    let query = filter_query(index, &req.filter, Some(cal))?;
    let counts = crate::series::count(&searcher, &*query, cal, &map, series.len())?;
    let last = cal.len() - 1;
    let n = series.len();
    let total = counts.total[last];
    let window_total: u64 = counts.total[..last].iter().sum();
    let mut out = Vec::new();
    for (s, spec) in series.iter().enumerate() {
        let count = counts.articles[last * n + s];
        if count < req.min_articles.max(1) {
            continue;
        }
        let before: u64 = (0..last).map(|b| counts.articles[b * n + s]).sum();
        let baseline_share = (before as f64 + 0.5) / (window_total as f64 + 1.0);
        let expected = (baseline_share * total as f64).max(MIN_EXPECTED);
        let score = poisson_score(count, expected);
        if score < req.min_score {
            continue;
        }
        out.push(Alert {
            theme: spec.key.clone(),
            name: spec.name.clone(),
            count,
            baseline: before as f64 / last as f64,
            expected,
            score,
            share: count as f64 / total.max(1) as f64,
            baseline_share: before as f64 / window_total.max(1) as f64,
            evidence: Vec::new(),
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.theme.cmp(&b.theme))
    });
    for a in &mut out {
        a.evidence = evidence(index, lexicon, tagger, req, &*query, &a.theme)?;
    }
    Ok(Alerts {
        interval: cal.interval.to_string(),
        bucket: cal.start(last).to_string(),
        window: req.window,
        total,
        window_total,
        alerts: out,
    })
}

/// The theme and its descendants (with rollup).
fn family(lexicon: &Lexicon, theme: &str, rollup: bool) -> HashSet<String> {
    let mut ids: HashSet<String> = HashSet::from([theme.to_string()]);
    if rollup {
        loop {
            let before = ids.len();
            for t in &lexicon.themes {
                if t.parent.as_ref().is_some_and(|p| ids.contains(p)) {
                    ids.insert(t.id.clone());
                }
            }
            if ids.len() == before {
                break;
            }
        }
    }
    ids
}

/// The newest articles of the latest bucket that carry the theme, with the
/// sentence that matched.
fn evidence(
    index: &TicaiIndex,
    lexicon: &Lexicon,
    tagger: &Tagger,
    req: &AlertRequest,
    filter: &dyn Query,
    theme: &str,
) -> Result<Vec<EvidenceArticle>> {
    let f = index.fields();
    let ids = family(lexicon, theme, req.rollup);
    let any: Vec<(Occur, Box<dyn Query>)> = ids
        .iter()
        .map(|id| -> (Occur, Box<dyn Query>) {
            (
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.themes, id),
                    IndexRecordOption::Basic,
                )),
            )
        })
        .collect();
    let last = req.calendar.len() - 1;
    let (from, to) = req.calendar.range_utc();
    let start = crate::calendar::midnight_utc(
        req.calendar.tz,
        req.calendar.start(last).max(req.calendar.since),
    );
    let range = tantivy::query::RangeQuery::new(
        std::ops::Bound::Included(Term::from_field_date(
            f.published_at,
            tantivy::DateTime::from_timestamp_secs(start.max(from)),
        )),
        std::ops::Bound::Excluded(Term::from_field_date(
            f.published_at,
            tantivy::DateTime::from_timestamp_secs(to),
        )),
    );
    let q = BooleanQuery::new(vec![
        (Occur::Must, filter.box_clone()),
        (Occur::Must, Box::new(BooleanQuery::new(any))),
        (Occur::Must, Box::new(range)),
    ]);
    let searcher = index.searcher()?;
    let err = |e: tantivy::TantivyError| TrendsError::Index(e.to_string());
    let top = searcher
        .search(
            &q,
            &TopDocs::with_limit(req.evidence.max(1))
                .order_by_fast_field::<tantivy::DateTime>("published_at", Order::Desc),
        )
        .map_err(err)?;
    let mut out = Vec::new();
    for (_, addr) in top.into_iter().take(req.evidence) {
        let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
        let d = index.stored_article(&doc).document;
        let tagged = tagger.tag(&d);
        let ev = tagged
            .themes
            .iter()
            .filter(|t| ids.contains(&t.id))
            .flat_map(|t| t.evidence.first())
            .next();
        out.push(EvidenceArticle {
            sentence: ev.map(|e| e.sentence.clone()),
            term: ev.map(|e| e.text.clone()),
            id: d.id,
            title: d.title,
            published_at: d.published_at,
            url: d.url,
            source: d.source,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factorials() {
        assert!((ln_factorial(10) - 3_628_800f64.ln()).abs() < 1e-9);
        let exact: f64 = (2..=40).map(|i| (i as f64).ln()).sum();
        assert!((ln_factorial(40) - exact).abs() < 1e-9);
    }

    #[test]
    fn poisson_tails() {
        // P(X >= 1 | 1) = 1 - e^-1
        let p = 1.0 - (-1.0f64).exp();
        assert!((poisson_score(2, 1.0) - -(1.0 - 2.0 * (-1.0f64).exp()).log10()).abs() < 1e-9);
        assert_eq!(poisson_score(1, 1.0), 0.0, "not above expectation: {p}");
        // P(X >= 10 | 2) = 4.649e-5
        assert!((poisson_score(10, 2.0) - -(4.6498e-5f64).log10()).abs() < 1e-3);
        // far tails stay finite and grow
        let s = poisson_score(500, 3.0);
        assert!(s.is_finite() && s > 500.0, "{s}");
        assert!(poisson_score(12, 2.0) > poisson_score(10, 2.0));
    }
}
