//! Candidate aliases for a theme: the words and n-grams that co-occur with
//! its mentions far more than chance.

use crate::stats::{llr, pmi};
use crate::text::{Shortest, sentences};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::Range;
use ticai_text::{Segmenter, is_block_char};

/// Function words and boilerplate of financial news that are never
/// suggested alone and never begin or end a suggested n-gram. Kept short on
/// purpose: the log-likelihood test already rejects what is merely common;
/// this only keeps glue words out of n-gram edges.
pub const STOPWORDS: &[&str] = &[
    "的", "了", "是", "在", "和", "与", "及", "等", "将", "对", "为", "也", "有", "这", "该", "其",
    "中", "上", "下", "年", "月", "日", "个", "并", "从", "被", "到", "以", "由", "于", "或", "而",
    "但", "就", "都", "已", "还", "亿元", "万元", "公司", "表示", "目前", "进行", "相关", "以及",
    "通过", "其中", "此外", "同时", "已经", "我们", "可以", "一个", "方面",
];

/// A document of the corpus for [`suggest`]: its (normalized) text and
/// the byte ranges in it of the theme's mentions, as the caller's tagger
/// found them.
#[derive(Debug, Clone)]
pub struct SuggestDoc<'a> {
    /// The normalized text.
    pub text: &'a str,
    /// Byte ranges in `text` of the theme's mentions.
    pub theme_spans: Vec<Range<usize>>,
}

/// Parameters of [`suggest`].
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestOptions {
    /// The least number of theme sentences a candidate must appear in (3).
    pub min_count: usize,
    /// The least G² (log-likelihood ratio) kept: 10.83 is the 0.1% level
    /// of the χ² distribution with one degree of freedom.
    pub min_llr: f64,
    /// How many suggestions to return at most (20).
    pub top: usize,
    /// The longest candidate, in jieba tokens joined (3; 1 gives words only).
    pub max_ngram: usize,
    /// The least share of an n-gram (see [`suggest`]): its sentences over
    /// those of the rarer of its two parts, at every split point (0.3).
    pub min_share: f64,
    /// Example sentences per suggestion (2).
    pub examples: usize,
    /// The longest example, in characters, before it is cut around the
    /// candidate (80).
    pub example_chars: usize,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            min_count: 3,
            min_llr: 10.83,
            top: 20,
            max_ngram: 3,
            min_share: 0.3,
            examples: 2,
            example_chars: 80,
        }
    }
}

/// A candidate alias of the theme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The word or n-gram (tokens joined without a space).
    pub term: String,
    /// Theme sentences that contain it.
    pub with_theme: usize,
    /// Sentences of the corpus that contain it.
    pub total: usize,
    /// Dunning's G² of the table theme sentence x contains the term.
    pub llr: f64,
    /// Pointwise mutual information, in bits, of the term and the theme
    /// over sentences.
    pub pmi: f64,
    /// The shortest distinct theme sentences holding it (cut to
    /// [`SuggestOptions::example_chars`] around it).
    pub examples: Vec<String>,
}

/// The counts of one candidate.
#[derive(Debug, Default)]
struct Tally {
    with_theme: usize,
    total: usize,
    examples: Shortest,
    /// The token boundaries inside the term at its first occurrence.
    cuts: Vec<usize>,
}

/// Candidate aliases for a theme: the words and n-grams that co-occur with
/// the theme's mentions far more than chance and are not yet terms of any
/// theme, for a curator to review.
///
/// The unit is the sentence (split after `。！？!?；;` and line breaks); a
/// sentence is a *theme sentence* when a theme span overlaps it. Each
/// sentence is cut by `segmenter`; the candidates are its tokens and the
/// runs of 2 to [`SuggestOptions::max_ngram`] adjacent tokens inside one
/// block of [`is_block_char`] characters (never across punctuation or
/// spaces), each counted once per sentence. A candidate is dropped when it
/// overlaps a theme span of its sentence, when `is_known` says it or one
/// of its tokens is already a term (the unknown tokens around a known one
/// are candidates by themselves), when it is a single CJK character, a single ASCII
/// character or only digits and symbols, when it is in [`STOPWORDS`], and,
/// for an n-gram, when its first or last token is a stopword or only digits
/// and symbols, or when it is not a unit: at some split point into two
/// runs of tokens, it holds less than [`SuggestOptions::min_share`] of the
/// sentences of the rarer part (two words side by side by chance, or a
/// word glued to a piece of another that jieba cut apart).
///
/// Each candidate is scored by Dunning's log-likelihood ratio G² on the
/// 2x2 table (theme sentence or not, contains the candidate or not); only
/// positive association (more theme sentences than expected) with at least
/// [`SuggestOptions::min_count`] theme sentences and G² at least
/// [`SuggestOptions::min_llr`] is kept. PMI is reported beside it.
///
/// Overlapping n-grams do not crowd the list: going down the ranking, a
/// candidate is dropped when it contains a higher-ranked kept one (the
/// whole scores no better than its part) or is contained in a kept one
/// with the same number of theme sentences (the part adds no sentence the
/// whole lacks). The ranking is G² descending, then theme sentences
/// descending, then longer terms first (so that a part that only ever
/// occurs inside a whole yields to it), then the term.
///
/// # Examples
///
/// ```
/// use ticai_discover::{SuggestDoc, SuggestOptions, suggest};
/// let seg = ticai_text::Segmenter::new(["液冷", "冷板式"]);
/// let texts = [
///     "液冷方案采用冷板式设计。",
///     "冷板式液冷渗透率提升。",
///     "液冷服务器用冷板式散热。",
///     "市场情绪回暖。",
///     "银行板块走强。",
///     "券商板块午后拉升。",
/// ];
/// let docs: Vec<SuggestDoc> = texts
///     .iter()
///     .map(|t| SuggestDoc {
///         text: t,
///         theme_spans: t.match_indices("液冷").map(|(i, m)| i..i + m.len()).collect(),
///     })
///     .collect();
/// let opts = SuggestOptions { min_llr: 3.0, ..SuggestOptions::default() };
/// let found = suggest(&docs, &seg, &|w| w == "液冷", &opts);
/// assert_eq!(found[0].term, "冷板式");
/// assert_eq!(found[0].with_theme, 3);
/// ```
pub fn suggest(
    docs: &[SuggestDoc],
    segmenter: &Segmenter,
    is_known: &dyn Fn(&str) -> bool,
    opts: &SuggestOptions,
) -> Vec<Suggestion> {
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    let mut parts: HashMap<&str, usize> = HashMap::new();
    let (mut sentences_n, mut theme_n) = (0usize, 0usize);
    for doc in docs {
        for sentence in sentences(doc.text) {
            let theme = overlaps_any(&sentence, &doc.theme_spans);
            sentences_n += 1;
            theme_n += usize::from(theme);
            let grams = sentence_grams(doc, sentence.clone(), segmenter, is_known, opts);
            for part in grams.parts {
                *parts.entry(part).or_default() += 1;
            }
            for c in grams.candidates {
                let tally = match tallies.entry(c.term.to_string()) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => e.insert(Tally {
                        examples: Shortest::new(opts.examples),
                        cuts: c.cuts,
                        ..Tally::default()
                    }),
                };
                tally.total += 1;
                if theme {
                    tally.with_theme += 1;
                    tally
                        .examples
                        .offer(doc.text, sentence.clone(), c.hit, opts.example_chars);
                }
            }
        }
    }
    let mut scored: Vec<Suggestion> = tallies
        .into_iter()
        .filter(|(term, t)| part_share(term, t, &parts) >= opts.min_share)
        .filter_map(|(term, t)| score(term, t, theme_n, sentences_n, opts))
        .collect();
    scored.sort_by(rank);
    prune_overlaps(scored, opts.top)
}

/// Whether `r` overlaps one of `spans`.
fn overlaps_any(r: &Range<usize>, spans: &[Range<usize>]) -> bool {
    spans.iter().any(|s| s.start < r.end && r.start < s.end)
}

/// A candidate occurrence in a sentence.
struct Gram<'t> {
    term: &'t str,
    /// Its byte range in the text.
    hit: Range<usize>,
    /// The token boundaries inside it, relative to its start.
    cuts: Vec<usize>,
}

/// The distinct grams of one sentence.
struct SentenceGrams<'t> {
    /// The candidates, with their first occurrence.
    candidates: Vec<Gram<'t>>,
    /// Every run of 1 to `max_ngram - 1` usable tokens (the parts whose
    /// counts [`part_share`] needs), filtered or not.
    parts: Vec<&'t str>,
}

/// The candidates and parts of one sentence: runs of usable tokens (inside
/// a block, not known), each distinct run once.
fn sentence_grams<'t>(
    doc: &SuggestDoc<'t>,
    sentence: Range<usize>,
    segmenter: &Segmenter,
    is_known: &dyn Fn(&str) -> bool,
    opts: &SuggestOptions,
) -> SentenceGrams<'t> {
    let text = doc.text;
    let tokens: Vec<Range<usize>> = segmenter
        .cut(&text[sentence.clone()])
        .into_iter()
        .map(|t| sentence.start + t.start..sentence.start + t.end)
        .collect();
    let usable: Vec<bool> = tokens
        .iter()
        .map(|t| {
            !t.is_empty()
                && text[t.clone()].chars().all(is_block_char)
                && !is_known(&text[t.clone()])
        })
        .collect();
    let max_n = opts.max_ngram.max(1);
    let mut out = SentenceGrams {
        candidates: Vec::new(),
        parts: Vec::new(),
    };
    for i in 0..tokens.len() {
        for n in 1..=max_n {
            let Some(run) = tokens.get(i..i + n) else {
                break;
            };
            if !usable[i..i + n].iter().all(|&u| u) {
                break;
            }
            let hit = run[0].start..run[n - 1].end;
            let term = &text[hit.clone()];
            if n < max_n && !out.parts.contains(&term) {
                out.parts.push(term);
            }
            let edges_ok = n == 1
                || (is_content(&text[run[0].clone()]) && is_content(&text[run[n - 1].clone()]));
            if !edges_ok
                || !is_content(term)
                || is_single_cjk(term)
                || overlaps_any(&hit, &doc.theme_spans)
                || out.candidates.iter().any(|c| c.term == term)
                || is_known(term)
            {
                continue;
            }
            let cuts = run[1..].iter().map(|t| t.start - hit.start).collect();
            out.candidates.push(Gram { term, hit, cuts });
        }
    }
    out
}

/// How much an n-gram is a unit: the least, over its split points into
/// two runs of tokens, of its sentence count over the sentence count of
/// the rarer part (1 for a single token). 板式市场 (板式 and 市场 side by
/// side by chance) holds a small share of the sentences of 板式; 冷板式
/// (cut 冷 / 板式) holds nearly all of them.
fn part_share(term: &str, t: &Tally, parts: &HashMap<&str, usize>) -> f64 {
    let part = |p: &str| parts.get(p).copied().unwrap_or(0).max(1);
    t.cuts
        .iter()
        .filter_map(|&k| Some((term.get(..k)?, term.get(k..)?)))
        .map(|(l, r)| t.total as f64 / part(l).min(part(r)) as f64)
        .fold(1.0, f64::min)
}

/// Neither a stopword nor only digits and symbols nor one ASCII character.
fn is_content(word: &str) -> bool {
    let mut chars = word.chars();
    let one_ascii = matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii());
    !one_ascii && !STOPWORDS.contains(&word) && word.chars().any(|c| c.is_alphabetic())
}

fn is_single_cjk(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_ascii())
}

/// The suggestion of a tally, if it is positively associated and
/// significant enough.
fn score(
    term: String,
    t: Tally,
    theme_n: usize,
    n: usize,
    opts: &SuggestOptions,
) -> Option<Suggestion> {
    let (a, total) = (t.with_theme as f64, t.total as f64);
    let (theme, n_f) = (theme_n as f64, n as f64);
    let expected = total * theme / n_f;
    if t.with_theme < opts.min_count.max(1) || a <= expected {
        return None;
    }
    let g2 = llr(a, total - a, theme - a, n_f - total - theme + a);
    if g2 < opts.min_llr {
        return None;
    }
    Some(Suggestion {
        term,
        with_theme: t.with_theme,
        total: t.total,
        llr: g2,
        pmi: pmi(a, total, theme, n_f),
        examples: t.examples.into_vec(),
    })
}

/// G² descending, theme sentences descending, longer first, then the term.
fn rank(a: &Suggestion, b: &Suggestion) -> Ordering {
    b.llr
        .total_cmp(&a.llr)
        .then(b.with_theme.cmp(&a.with_theme))
        .then(b.term.chars().count().cmp(&a.term.chars().count()))
        .then(a.term.cmp(&b.term))
}

/// Drops, going down the ranking, a candidate that contains a kept one or
/// is contained in a kept one with the same number of theme sentences,
/// until `top` are kept.
fn prune_overlaps(ranked: Vec<Suggestion>, top: usize) -> Vec<Suggestion> {
    let mut kept: Vec<Suggestion> = Vec::new();
    for s in ranked {
        if kept.len() >= top {
            break;
        }
        let crowded = kept.iter().any(|k| {
            s.term.contains(k.term.as_str())
                || (k.term.contains(s.term.as_str()) && k.with_theme == s.with_theme)
        });
        if !crowded {
            kept.push(s);
        }
    }
    kept
}
