//! Emerging new words: character n-grams found without a dictionary
//! (cohesion and branching entropy), ranked by their rise against a
//! baseline window.

use crate::stats::branching_entropy;
use crate::text::{Shortest, sentence_around};
use aho_corasick::AhoCorasick;
use chrono::{Days, NaiveDate};
use serde::{Serialize, Serializer};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// A dated document of the corpus for [`discover`].
#[derive(Debug, Clone)]
pub struct DatedDoc<'a> {
    /// The day it was published.
    pub day: NaiveDate,
    /// The normalized text.
    pub text: &'a str,
    /// Names of the companies tagged in it.
    pub companies: Vec<String>,
}

/// Parameters of [`discover`].
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoverOptions {
    /// The first day of the recent window.
    pub since: NaiveDate,
    /// The last day of the recent window (inclusive).
    pub until: NaiveDate,
    /// The baseline window: this many days before `since` (90).
    pub baseline_days: u32,
    /// The shortest candidate, in units (2; a unit is a CJK character or a
    /// run of ASCII letters and digits). Values below 2 count as 2.
    pub min_len: usize,
    /// The longest candidate, in units (6).
    pub max_len: usize,
    /// The least occurrences in the recent window (5).
    pub min_count: usize,
    /// The least cohesion, in nats: the minimum over split points of
    /// `ln(p(w) / (p(l) p(r)))` (3.0, about 20 times more often together
    /// than chance).
    pub min_cohesion: f64,
    /// The least left and right branching entropy, in nats (1.0: about
    /// three equally likely neighbours on each side).
    pub min_entropy: f64,
    /// A candidate is dropped when a longer candidate contains it and its
    /// count is at most this times the longer one's (1.1).
    pub containment_ratio: f64,
    /// The prior α, in occurrences per million units, added to both rates
    /// of the rise (1.0).
    pub prior_per_million: f64,
    /// The least rise (smoothed rate ratio) kept (2.0).
    pub min_rise: f64,
    /// How many terms to return at most (50).
    pub top: usize,
    /// Companies listed per term (5).
    pub companies: usize,
    /// Example sentences per term (2).
    pub examples: usize,
    /// The longest example, in characters, before it is cut (80).
    pub example_chars: usize,
}

impl DiscoverOptions {
    /// The defaults for the recent window `since..=until`.
    pub fn new(since: NaiveDate, until: NaiveDate) -> DiscoverOptions {
        DiscoverOptions {
            since,
            until,
            baseline_days: 90,
            min_len: 2,
            max_len: 6,
            min_count: 5,
            min_cohesion: 3.0,
            min_entropy: 1.0,
            containment_ratio: 1.1,
            prior_per_million: 1.0,
            min_rise: 2.0,
            top: 50,
            companies: 5,
            examples: 2,
            example_chars: 80,
        }
    }
}

/// An emerging term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Emerging {
    /// The term.
    pub term: String,
    /// Occurrences in the recent window.
    pub recent: usize,
    /// Occurrences in the baseline window.
    pub baseline: usize,
    /// The smoothed rate ratio `(r + α) / (b + α)` (rates per million units).
    pub rise: f64,
    /// The ranking score, `recent * ln(rise)`.
    pub score: f64,
    /// Cohesion in the recent window (nats).
    pub cohesion: f64,
    /// Left branching entropy in the recent window (nats).
    pub left_entropy: f64,
    /// Right branching entropy in the recent window (nats).
    pub right_entropy: f64,
    /// Occurrences on each day of the recent window, zeros included.
    #[serde(serialize_with = "days_as_text")]
    pub per_day: Vec<(NaiveDate, usize)>,
    /// The companies of the recent documents holding it, by documents,
    /// most first (then by name).
    pub companies: Vec<(String, usize)>,
    /// The shortest distinct recent sentences holding it.
    pub examples: Vec<String>,
}

fn days_as_text<S: Serializer>(days: &[(NaiveDate, usize)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(
        days.iter()
            .map(|(d, n)| (d.format("%Y-%m-%d").to_string(), *n)),
    )
}

/// Whether `c` is a CJK ideograph (the non-ASCII part of
/// [`ticai_text::is_block_char`]).
fn is_cjk(c: char) -> bool {
    !c.is_ascii() && ticai_text::is_block_char(c)
}

/// The runs of `text`: maximal sequences of units, each unit a CJK
/// character or a maximal run of ASCII letters and digits (so HBM4 and
/// GB300 are one unit each). Everything else (punctuation, spaces, `%`,
/// `.`) separates runs. Unit ranges are bytes of `text`.
fn runs(text: &str) -> Vec<Vec<Range<usize>>> {
    let mut out = Vec::new();
    let mut run: Vec<Range<usize>> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if is_cjk(c) {
            run.push(i..end);
        } else if c.is_ascii_alphanumeric() {
            match run.last_mut() {
                Some(last)
                    if last.end == i && text[last.clone()].starts_with(|c: char| c.is_ascii()) =>
                {
                    last.end = end;
                }
                _ => run.push(i..end),
            }
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// The number of units of `text`.
fn unit_count(text: &str) -> usize {
    runs(text).iter().map(Vec::len).sum()
}

/// The text of units `i..i + n` of `run`.
fn gram<'a>(text: &'a str, run: &[Range<usize>], i: usize, n: usize) -> &'a str {
    &text[run[i].start..run[i + n - 1].end]
}

/// The segmented recent window: each document's text with its runs.
struct Recent<'a> {
    docs: Vec<(&'a str, Vec<Vec<Range<usize>>>)>,
    units: usize,
}

impl<'a> Recent<'a> {
    fn new(docs: &[&DatedDoc<'a>]) -> Recent<'a> {
        let docs: Vec<_> = docs.iter().map(|d| (d.text, runs(d.text))).collect();
        let units = docs.iter().flat_map(|(_, r)| r).map(Vec::len).sum();
        Recent { docs, units }
    }

    /// Every occurrence of units `i..i + n` for the lengths `n` in `lens`,
    /// with the run and position.
    fn each_gram(
        &self,
        lens: Range<usize>,
        mut f: impl FnMut(&'a str, &[Range<usize>], usize, usize),
    ) {
        for (text, runs) in &self.docs {
            for run in runs {
                for i in 0..run.len() {
                    for n in lens.clone() {
                        if i + n > run.len() {
                            break;
                        }
                        f(text, run, i, n);
                    }
                }
            }
        }
    }

    /// The counts of the n-grams of units, level by level (apriori): an
    /// n-gram is counted only when its (n-1)-prefix and suffix reached
    /// `min_count`; each level keeps only the n-grams that did.
    fn count_levels(&self, max_len: usize, min_count: usize) -> Vec<HashMap<&'a str, usize>> {
        let mut levels: Vec<HashMap<&'a str, usize>> = Vec::new();
        for n in 1..=max_len {
            let mut counts: HashMap<&'a str, usize> = HashMap::new();
            let prev = levels.last();
            self.each_gram(n..n + 1, |text, run, i, n| {
                if let Some(prev) = prev {
                    let frequent = |j| prev.contains_key(gram(text, run, j, n - 1));
                    if !frequent(i) || !frequent(i + 1) {
                        return;
                    }
                }
                *counts.entry(gram(text, run, i, n)).or_default() += 1;
            });
            counts.retain(|_, c| *c >= min_count);
            if counts.is_empty() {
                break;
            }
            levels.push(counts);
        }
        levels
    }
}

/// A candidate found in the recent window.
#[derive(Debug, Clone)]
struct Candidate<'a> {
    term: &'a str,
    count: usize,
    cohesion: f64,
    left_entropy: f64,
    right_entropy: f64,
}

/// The least over split points of `ln(c(w) N / (c(l) c(r)))`, the
/// character-level PMI of the two parts (`None` when a part is uncounted).
fn cohesion(
    term: &str,
    count: usize,
    levels: &[HashMap<&str, usize>],
    units: usize,
) -> Option<f64> {
    let parts = runs(term).into_iter().next()?;
    let n = parts.len();
    let mut least = f64::INFINITY;
    for k in 1..n {
        let l = &term[..parts[k].start];
        let r = &term[parts[k].start..];
        let cl = *levels.get(k - 1)?.get(l)?;
        let cr = *levels.get(n - k - 1)?.get(r)?;
        least = least.min((count as f64 * units as f64 / (cl as f64 * cr as f64)).ln());
    }
    Some(least)
}

/// Whether a unit is only digits (numbers change from item to item: a
/// candidate may not begin or end with one).
fn is_number(unit: &str) -> bool {
    unit.bytes().all(|b| b.is_ascii_digit())
}

fn numeric_edge(term: &str) -> bool {
    let units = runs(term).into_iter().next().unwrap_or_default();
    let text = |r: Option<&Range<usize>>| r.map_or("", |r| &term[r.clone()]);
    is_number(text(units.first())) || is_number(text(units.last()))
}

/// The cohesive n-grams of `min_len..=max_len` units reaching `min_count`.
fn cohesive<'a>(recent: &Recent<'a>, opts: &DiscoverOptions) -> Vec<Candidate<'a>> {
    let levels = recent.count_levels(opts.max_len, opts.min_count.max(1));
    let mut out = Vec::new();
    for level in levels.iter().skip(opts.min_len.max(2) - 1) {
        for (&term, &count) in level {
            if numeric_edge(term) {
                continue;
            }
            let Some(c) = cohesion(term, count, &levels, recent.units) else {
                continue;
            };
            if c >= opts.min_cohesion {
                out.push(Candidate {
                    term,
                    count,
                    cohesion: c,
                    left_entropy: 0.0,
                    right_entropy: 0.0,
                });
            }
        }
    }
    out
}

/// The neighbours of one candidate on one side.
#[derive(Debug, Default)]
struct Side<'a> {
    units: HashMap<&'a str, usize>,
    edges: usize,
}

impl<'a> Side<'a> {
    fn add(&mut self, unit: Option<&'a str>) {
        match unit {
            Some(u) => *self.units.entry(u).or_default() += 1,
            None => self.edges += 1,
        }
    }

    fn entropy(&self) -> f64 {
        branching_entropy(self.units.values().copied(), self.edges)
    }
}

/// Fills the left and right branching entropy of `cands`: the entropy of
/// the unit before (after) each occurrence, where a run edge (text edge,
/// punctuation, space) counts as a neighbour distinct from every other.
fn fill_entropy(recent: &Recent, cands: &mut [Candidate], opts: &DiscoverOptions) {
    let index: HashMap<&str, usize> = cands.iter().enumerate().map(|(i, c)| (c.term, i)).collect();
    let mut sides: Vec<(Side, Side)> = cands.iter().map(|_| Default::default()).collect();
    recent.each_gram(opts.min_len.max(2)..opts.max_len + 1, |text, run, i, n| {
        if let Some(&c) = index.get(gram(text, run, i, n)) {
            let unit = |j: usize| run.get(j).map(|r| &text[r.clone()]);
            sides[c].0.add(i.checked_sub(1).and_then(unit));
            sides[c].1.add(unit(i + n));
        }
    });
    for (c, (l, r)) in cands.iter_mut().zip(sides) {
        c.left_entropy = l.entropy();
        c.right_entropy = r.entropy();
    }
}

/// Drops the candidates contained in a longer one (as whole units) whose
/// count is at least theirs over `ratio`.
fn drop_contained<'a>(cands: Vec<Candidate<'a>>, ratio: f64) -> Vec<Candidate<'a>> {
    let count: HashMap<&str, usize> = cands.iter().map(|c| (c.term, c.count)).collect();
    let mut dropped: HashSet<&str> = HashSet::new();
    for c in &cands {
        let Some(units) = runs(c.term).into_iter().next() else {
            continue;
        };
        for i in 0..units.len() {
            for n in 1..=units.len() - i {
                if n == units.len() {
                    continue;
                }
                let part = gram(c.term, &units, i, n);
                if count
                    .get(part)
                    .is_some_and(|&p| p as f64 <= ratio * c.count as f64)
                {
                    dropped.insert(part);
                }
            }
        }
    }
    cands
        .into_iter()
        .filter(|c| !dropped.contains(c.term))
        .collect()
}

/// Whether the match `m` of `text` starts and ends on unit boundaries
/// (not inside a run of ASCII letters and digits).
fn on_units(text: &str, m: Range<usize>) -> bool {
    let alnum_before = |at: usize| {
        text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    };
    let alnum_after = |at: usize| {
        text[at..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    };
    let inside = |at: usize| alnum_before(at) && alnum_after(at);
    !inside(m.start) && !inside(m.end)
}

/// An Aho-Corasick automaton over `terms` (overlapping matches).
fn automaton<'t>(terms: impl IntoIterator<Item = &'t str>) -> Option<AhoCorasick> {
    AhoCorasick::new(terms).ok()
}

/// Occurrences of each term in `docs`.
fn occurrences(ac: &AhoCorasick, n: usize, docs: &[&DatedDoc]) -> Vec<usize> {
    let mut counts = vec![0; n];
    for d in docs {
        for m in ac.find_overlapping_iter(d.text) {
            if on_units(d.text, m.range()) {
                counts[m.pattern().as_usize()] += 1;
            }
        }
    }
    counts
}

/// The days `since..=until`.
fn days(since: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
    since.iter_days().take_while(|d| *d <= until).collect()
}

/// Emerging terms that are in no lexicon: new words found without a
/// dictionary over the recent window, ranked by how much their frequency
/// rose against the baseline window.
///
/// This is the classic method of Chinese new-word discovery (Matrix67,
/// "互联网时代的社会语言学：基于SNS的文本数据挖掘", 2012, after Sproat and
/// Shih 1990 for cohesion and Harris' successor variety for the
/// branching): a string is a word when its parts stick together
/// (*cohesion*, the least PMI over its split points) and it combines
/// freely with what surrounds it (*free degree*, the branching entropy of
/// its left and right neighbours).
///
/// 1. The recent window is `since..=until`, the baseline the
///    `baseline_days` days before `since`. Texts are cut into runs of
///    units (a CJK character, or a run of ASCII letters and digits such as
///    HBM4 or GB300); anything else separates runs.
/// 2. N-grams of units are counted over the recent window level by level
///    (apriori: an n-gram is counted only when its prefix and suffix of
///    n-1 units reached `min_count`), up to `max_len`.
/// 3. A candidate has `min_len..=max_len` units, at least `min_count`
///    occurrences, no number at either end, cohesion
///    `min over splits ln(p(w) / (p(l) p(r)))` (probabilities: counts over
///    the window's units) of at least `min_cohesion`, and left and right
///    branching entropy (nats; a run edge counts as a neighbour distinct
///    from every other) of at least `min_entropy`.
/// 4. A candidate inside a longer one whose count is nearly its own
///    (`count <= containment_ratio * count(longer)`) is dropped (超节 for
///    超节点); then the `is_known` ones (lexicon terms, jieba words: the
///    caller decides). Containment comes first, so a fragment of a known
///    word is dropped too.
/// 5. With `r` and `b` the rates per million units in the recent and
///    baseline windows and α = `prior_per_million`, the rise is
///    `(r + α) / (b + α)` and the score `recent * ln(rise)`, the term's
///    contribution to the KL divergence of the recent from the baseline
///    distribution: it needs both a real rise and a real volume. Terms
///    with a rise below `min_rise` are dropped; the rest are ranked by
///    score (then recent count, then term). Rates per unit of text, not
///    per day, make weekends and a baseline shorter than `baseline_days`
///    harmless; with no baseline text `b` is 0.
///
/// Each term carries its counts per day of the recent window, the
/// companies of the recent documents holding it (by documents) and the
/// shortest distinct recent sentences holding it.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ticai_discover::{DatedDoc, DiscoverOptions, discover};
/// let day = |d| NaiveDate::from_ymd_opt(2025, 1, d).unwrap_or_default();
/// let fillers = ["银行板块走强。", "券商午后拉升。", "市场情绪回暖。", "指数小幅收涨。"];
/// let news = ["甲方布局量子织网。", "量子织网概念走强。", "乙方发布量子织网方案。", "关注量子织网，", "丙方切入量子织网领域。"];
/// let mut texts: Vec<(NaiveDate, String)> = Vec::new();
/// for d in 1..=20 {
///     for f in fillers.iter().cycle().take(16) {
///         texts.push((day(d), f.to_string()));
///     }
///     if d > 15 {
///         for n in news {
///             texts.push((day(d), n.to_string()));
///         }
///     }
/// }
/// let docs: Vec<DatedDoc> = texts
///     .iter()
///     .map(|(d, t)| DatedDoc { day: *d, text: t, companies: vec!["星河电子".into()] })
///     .collect();
/// let found = discover(&docs, &|_| false, &DiscoverOptions::new(day(16), day(20)));
/// assert_eq!(found[0].term, "量子织网");
/// assert_eq!(found[0].baseline, 0);
/// assert_eq!(found[0].recent, 25);
/// ```
pub fn discover(
    docs: &[DatedDoc],
    is_known: &dyn Fn(&str) -> bool,
    opts: &DiscoverOptions,
) -> Vec<Emerging> {
    let base_start = opts
        .since
        .checked_sub_days(Days::new(opts.baseline_days.into()))
        .unwrap_or(NaiveDate::MIN);
    let recent_docs: Vec<&DatedDoc> = docs
        .iter()
        .filter(|d| d.day >= opts.since && d.day <= opts.until)
        .collect();
    let base_docs: Vec<&DatedDoc> = docs
        .iter()
        .filter(|d| d.day >= base_start && d.day < opts.since)
        .collect();
    let recent = Recent::new(&recent_docs);
    if recent.units == 0 || opts.max_len < opts.min_len.max(2) {
        return Vec::new();
    }
    let mut cands = cohesive(&recent, opts);
    fill_entropy(&recent, &mut cands, opts);
    cands.retain(|c| c.left_entropy.min(c.right_entropy) >= opts.min_entropy);
    let cands: Vec<Candidate> = drop_contained(cands, opts.containment_ratio)
        .into_iter()
        .filter(|c| !is_known(c.term))
        .collect();
    let ranked = rank(cands, &recent_docs, &base_docs, recent.units, opts);
    describe(ranked, &recent_docs, opts)
}

/// A candidate with its rise and score.
struct Ranked<'a> {
    cand: Candidate<'a>,
    recent: usize,
    baseline: usize,
    rise: f64,
    score: f64,
}

/// Rises and scores of `cands`, the best `top` with a rise of at least
/// `min_rise`, best first.
fn rank<'a>(
    cands: Vec<Candidate<'a>>,
    recent_docs: &[&DatedDoc],
    base_docs: &[&DatedDoc],
    recent_units: usize,
    opts: &DiscoverOptions,
) -> Vec<Ranked<'a>> {
    let Some(ac) = automaton(cands.iter().map(|c| c.term)) else {
        return Vec::new();
    };
    let recent = occurrences(&ac, cands.len(), recent_docs);
    let base = occurrences(&ac, cands.len(), base_docs);
    let base_units: usize = base_docs.iter().map(|d| unit_count(d.text)).sum();
    let per_million = |count: usize, units: usize| {
        if units == 0 {
            0.0
        } else {
            count as f64 * 1e6 / units as f64
        }
    };
    let alpha = opts.prior_per_million.max(f64::MIN_POSITIVE);
    let mut ranked: Vec<Ranked> = cands
        .into_iter()
        .enumerate()
        .map(|(i, cand)| {
            let rise = (per_million(recent[i], recent_units) + alpha)
                / (per_million(base[i], base_units) + alpha);
            Ranked {
                cand,
                recent: recent[i],
                baseline: base[i],
                rise,
                score: recent[i] as f64 * rise.ln(),
            }
        })
        .filter(|r| r.rise >= opts.min_rise)
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.recent.cmp(&a.recent))
            .then(a.cand.term.cmp(b.cand.term))
    });
    ranked.truncate(opts.top);
    ranked
}

/// Per day counts, companies and examples of the ranked terms.
fn describe(
    ranked: Vec<Ranked>,
    recent_docs: &[&DatedDoc],
    opts: &DiscoverOptions,
) -> Vec<Emerging> {
    let Some(ac) = automaton(ranked.iter().map(|r| r.cand.term)) else {
        return Vec::new();
    };
    let days = days(opts.since, opts.until);
    let mut per_day = vec![vec![0usize; days.len()]; ranked.len()];
    let mut companies: Vec<HashMap<&str, usize>> = vec![HashMap::new(); ranked.len()];
    let mut examples = vec![Shortest::new(opts.examples); ranked.len()];
    for d in recent_docs {
        let day = days.binary_search(&d.day).ok();
        let mut seen = HashSet::new();
        for m in ac.find_overlapping_iter(d.text) {
            if !on_units(d.text, m.range()) {
                continue;
            }
            let t = m.pattern().as_usize();
            if let Some(day) = day {
                per_day[t][day] += 1;
            }
            examples[t].offer(
                d.text,
                sentence_around(d.text, m.start()),
                m.range(),
                opts.example_chars,
            );
            seen.insert(t);
        }
        let names: HashSet<&str> = d.companies.iter().map(String::as_str).collect();
        for t in seen {
            for name in &names {
                *companies[t].entry(name).or_default() += 1;
            }
        }
    }
    ranked
        .into_iter()
        .zip(per_day)
        .zip(companies)
        .zip(examples)
        .map(|(((r, counts), comps), ex)| Emerging {
            term: r.cand.term.to_string(),
            recent: r.recent,
            baseline: r.baseline,
            rise: r.rise,
            score: r.score,
            cohesion: r.cand.cohesion,
            left_entropy: r.cand.left_entropy,
            right_entropy: r.cand.right_entropy,
            per_day: days.iter().copied().zip(counts).collect(),
            companies: top_companies(comps, opts.companies),
            examples: ex.into_vec(),
        })
        .collect()
}

/// The `k` companies with most documents, then by name.
fn top_companies(counts: HashMap<&str, usize>, k: usize) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(k);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(text: &str) -> Vec<Vec<&str>> {
        runs(text)
            .into_iter()
            .map(|r| r.into_iter().map(|u| &text[u]).collect())
            .collect()
    }

    #[test]
    fn runs_are_cjk_characters_and_ascii_words() {
        assert_eq!(
            units("英伟达GB300与HBM4芯片，A股涨3.5%"),
            vec![
                vec!["英", "伟", "达", "GB300", "与", "HBM4", "芯", "片"],
                vec!["A", "股", "涨", "3"],
                vec!["5"]
            ]
        );
        assert!(units("，。 ").is_empty());
        assert_eq!(unit_count("GB300服务器"), 4);
    }

    #[test]
    fn matches_must_sit_on_unit_boundaries() {
        let t = "GB300服务器与B300";
        let at = |s: &str| t.rfind(s).unwrap_or(0);
        assert!(on_units(t, at("B300")..t.len()));
        assert!(!on_units(t, 1..5));
        assert!(on_units(t, 0..at("服务器") + "服务器".len()));
        assert!(numeric_edge("3月") && numeric_edge("增长20") && !numeric_edge("GB300芯片"));
    }

    #[test]
    fn cohesion_is_the_weakest_split() {
        let levels = vec![
            HashMap::from([("超", 10), ("节", 10), ("点", 100)]),
            HashMap::from([("超节", 10), ("节点", 10)]),
        ];
        // 超节点 seen 10 times over 1000 units: split 超|节点 gives
        // ln(10 * 1000 / (10 * 10)), split 超节|点 ln(10 * 1000 / (10 * 100))
        let c = cohesion("超节点", 10, &levels, 1000).unwrap_or(f64::NAN);
        assert!((c - 10f64.ln()).abs() < 1e-9, "{c}");
        assert_eq!(cohesion("超节点", 10, &levels[..1], 1000), None);
    }

    #[test]
    fn fragments_yield_to_the_longer_term() {
        let cand = |term, count| Candidate {
            term,
            count,
            cohesion: 5.0,
            left_entropy: 2.0,
            right_entropy: 2.0,
        };
        let kept = drop_contained(
            vec![cand("超节点", 20), cand("超节", 22), cand("节点", 80)],
            1.1,
        );
        let terms: Vec<&str> = kept.iter().map(|c| c.term).collect();
        assert_eq!(terms, ["超节点", "节点"]);
    }
}
