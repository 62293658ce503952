//! Lexicon curation over a corpus (`ticai lexicon suggest`, `ticai
//! discover`): the documents as the tagger normalizes and reads them, then
//! the statistics of `ticai-discover` over them.

use anyhow::{Result, bail};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;
use std::ops::Range;
use ticai_discover::{DatedDoc, DiscoverOptions, Emerging, SuggestDoc, SuggestOptions, Suggestion};
use ticai_model::{Document, Reason};
use ticai_tag::{Named, Tagger};

use crate::par_map;

/// One field of a document (its text, or a title that the text does not
/// contain), normalized, with what the tagger found in it.
#[derive(Debug, Clone)]
pub struct CorpusText<'t> {
    /// The normalized text.
    pub text: String,
    /// The local day of the document's `published_at`, when it has one.
    pub day: Option<NaiveDate>,
    /// Theme mentions by the theme's own terms and patterns (not those
    /// implied by a company): id and byte range in `text`.
    pub themes: Vec<(&'t str, Range<usize>)>,
    /// Canonical names of the companies named, each once.
    pub companies: Vec<&'t str>,
}

/// The texts of `docs` as `tagger` reads them (`jobs` threads). Days are
/// the local days of `published_at` in `tz`; a date that does not parse
/// as RFC 3339 leaves the day empty (the readers of ticai write RFC 3339).
pub fn corpus_texts<'t>(
    tagger: &'t Tagger,
    docs: &[Document],
    tz: Tz,
    jobs: usize,
) -> Vec<CorpusText<'t>> {
    par_map(docs, jobs, |doc| {
        let day = doc
            .published_at
            .as_deref()
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
            .and_then(|t| ticai_trends::calendar::day_of(tz, t.timestamp()));
        let mut fields = vec![doc.text.as_str()];
        if doc.title_span.is_none()
            && let Some(t) = doc.title.as_deref()
            && !doc.text.contains(t.trim())
        {
            fields.push(t);
        }
        fields
            .into_iter()
            .map(|field| {
                let analyzed = tagger.analyze(field, doc.region);
                let mut themes = Vec::new();
                let mut companies = Vec::new();
                for m in tagger.mentions(&analyzed) {
                    match m.named {
                        // a theme's own words, not a company's implication
                        Named::Theme(_) if m.reason == Reason::Company => {}
                        Named::Theme(id) => themes.push((id, m.span)),
                        Named::Company(name) => {
                            if !companies.contains(&name) {
                                companies.push(name);
                            }
                        }
                    }
                }
                CorpusText {
                    text: analyzed.norm.text,
                    day,
                    themes,
                    companies,
                }
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Candidate aliases of one theme over a corpus ([`suggest_aliases`]).
#[derive(Debug, Clone, Serialize)]
pub struct SuggestReport {
    pub theme: String,
    /// Texts read (a document's text, and its title when the text does not
    /// hold it).
    pub texts: usize,
    /// Texts with a mention of the theme.
    pub theme_texts: usize,
    pub suggestions: Vec<Suggestion>,
}

/// Candidate aliases for `theme`: words and n-grams of the corpus that
/// co-occur with its mentions far more than chance and are no term of the
/// lexicon ([`ticai_discover::suggest`], segmented by the tagger's jieba
/// with the lexicon's words). An unknown theme id is an error that lists
/// the closest ids.
///
/// Candidates whose PMI is below `min_pmi` bits are left out (2.0: four
/// times as frequent in theme sentences as overall): the log-likelihood
/// test alone also ranks the market's everyday words (涨超, 股价, 持续)
/// high next to a frequently traded theme.
pub fn suggest_aliases(
    tagger: &Tagger,
    texts: &[CorpusText<'_>],
    theme: &str,
    min_pmi: f64,
    opts: &SuggestOptions,
) -> Result<SuggestReport> {
    if !tagger.theme_ids().any(|id| id == theme) {
        let near: Vec<&str> = tagger
            .theme_ids()
            .filter(|id| id.contains(theme) || theme.contains(id) || shares_word(id, theme))
            .take(8)
            .collect();
        if near.is_empty() {
            bail!("unknown theme {theme:?} (`ticai lexicon themes` lists the ids)");
        }
        bail!(
            "unknown theme {theme:?}; did you mean {}? (`ticai lexicon themes` lists the ids)",
            near.join(", ")
        );
    }
    let docs: Vec<SuggestDoc> = texts
        .iter()
        .map(|t| SuggestDoc {
            text: &t.text,
            theme_spans: t
                .themes
                .iter()
                .filter(|(id, _)| *id == theme)
                .map(|(_, r)| r.clone())
                .collect(),
        })
        .collect();
    let theme_texts = docs.iter().filter(|d| !d.theme_spans.is_empty()).count();
    let all = SuggestOptions {
        top: usize::MAX,
        ..opts.clone()
    };
    let mut suggestions =
        ticai_discover::suggest(&docs, tagger.segmenter(), &|w| tagger.is_term(w), &all);
    suggestions.retain(|s| s.pmi >= min_pmi);
    suggestions.truncate(opts.top);
    Ok(SuggestReport {
        theme: theme.to_string(),
        texts: texts.len(),
        theme_texts,
        suggestions,
    })
}

/// Whether `term` mixes Chinese with a run of ASCII digits alone (8月19日),
/// as dates and amounts do; HBM4 or 5G芯片 keep letters with their digits.
fn is_dated(term: &str) -> bool {
    !term.is_ascii()
        && term
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_digit()))
}

/// Function characters that begin no new word: 与上年同期, 较上年同期,
/// 的净利润 are phrases around one (的 and 了 also end none).
const NO_START: &[char] = &['的', '了', '与', '及', '或', '较', '之'];
/// Function characters that end no new word: 万元到, 上年同期为.
const NO_END: &[char] = &[
    '的', '了', '与', '和', '及', '或', '较', '到', '至', '为', '在', '对', '将', '于', '从', '被',
    '等', '是',
];

/// Whether `term` begins or ends with a function character: a phrase that
/// glues a word to its neighbour, not a word.
fn glued(term: &str) -> bool {
    term.chars().next().is_some_and(|c| NO_START.contains(&c))
        || term.chars().last().is_some_and(|c| NO_END.contains(&c))
}

fn shares_word(a: &str, b: &str) -> bool {
    a.split('-')
        .any(|w| w.len() > 2 && b.split('-').any(|v| v == w))
}

/// Emerging terms of a corpus ([`discover_terms`]).
#[derive(Debug, Clone, Serialize)]
pub struct DiscoverReport {
    /// The recent window (both days included).
    pub since: NaiveDate,
    pub until: NaiveDate,
    /// The baseline window: the days before `since`.
    pub baseline_since: NaiveDate,
    /// Dated texts in the recent and the baseline window.
    pub recent_texts: usize,
    pub baseline_texts: usize,
    /// Texts without a readable date (not counted).
    pub undated_texts: usize,
    pub terms: Vec<Emerging>,
}

/// How many days the recent window spans when only its end is known.
pub const DEFAULT_RECENT_DAYS: u64 = 7;

/// The [`DiscoverOptions`] (defaults) of the recent window `since..=until`
/// over `texts`: by default the corpus's last day, and the
/// [`DEFAULT_RECENT_DAYS`] days up to it. Refused: a window that ends
/// before it begins, and a default when no text has a date.
pub fn discover_window(
    texts: &[CorpusText<'_>],
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<DiscoverOptions> {
    let until = match until {
        Some(d) => d,
        None => match texts.iter().filter_map(|t| t.day).max() {
            Some(last) => last,
            None => bail!(
                "none of the {} texts has a date (published_at) to place it in the recent or the baseline window",
                texts.len()
            ),
        },
    };
    let since = since.unwrap_or_else(|| {
        until
            .checked_sub_days(Days::new(DEFAULT_RECENT_DAYS - 1))
            .unwrap_or(until)
    });
    if since > until {
        bail!("--since {since} is after --until {until}");
    }
    Ok(DiscoverOptions::new(since, until))
}

/// Emerging terms that no lexicon has, by [`ticai_discover::discover`],
/// in the window `opts.since..=opts.until` ([`discover_window`]) against
/// the `opts.baseline_days` days before. Chinese with a bare number in it
/// (于8月19日, 截至8月, 拟每10股派) is a date or an amount, never a term,
/// and is left out, as is a phrase that begins or ends with a function
/// character (与上年同期, 万元到). A word of jieba's dictionary (同比,
/// 净利润, 国债) is no new word and is left out unless `dictionary_words`;
/// lexicon terms always are.
pub fn discover_terms(
    tagger: &Tagger,
    texts: &[CorpusText<'_>],
    dictionary_words: bool,
    mut opts: DiscoverOptions,
) -> DiscoverReport {
    let (since, until) = (opts.since, opts.until);
    let baseline_since = since
        .checked_sub_days(Days::new(opts.baseline_days.into()))
        .unwrap_or(NaiveDate::MIN);
    let docs: Vec<DatedDoc> = texts
        .iter()
        .filter_map(|t| {
            Some(DatedDoc {
                day: t.day?,
                text: &t.text,
                companies: t.companies.iter().map(|c| c.to_string()).collect(),
            })
        })
        .collect();
    let in_window =
        |a: NaiveDate, b: NaiveDate| docs.iter().filter(|d| d.day >= a && d.day <= b).count();
    let recent_texts = in_window(since, until);
    let baseline_texts = since
        .pred_opt()
        .map_or(0, |end| in_window(baseline_since, end));
    let seg = tagger.segmenter();
    let known = |w: &str| tagger.is_term(w) || (!dictionary_words && seg.has_word(w));
    let top = opts.top;
    opts.top = usize::MAX;
    let mut terms = ticai_discover::discover(&docs, &known, &opts);
    terms.retain(|t| !is_dated(&t.term) && !glued(&t.term));
    terms.truncate(top);
    DiscoverReport {
        since,
        until,
        baseline_since,
        recent_texts,
        baseline_texts,
        undated_texts: texts.len() - docs.len(),
        terms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_amounts_are_no_terms() {
        for t in ["于8月19日", "截至8月", "拟每10股派", "1.6T光模块"] {
            assert!(is_dated(t), "{t}");
        }
        for t in ["HBM4E", "5G芯片", "朱雀三号", "GB300", "量子织网"] {
            assert!(!is_dated(t), "{t}");
        }
    }

    #[test]
    fn phrases_around_function_characters_are_no_words() {
        for t in [
            "与上年同期",
            "的净利润",
            "万元到",
            "上年同期为",
            "较上年同期",
        ] {
            assert!(glued(t), "{t}");
        }
        for t in ["链博会", "比特币", "量子织网", "为"] {
            assert_eq!(glued(t), t == "为", "{t}");
        }
    }
}
