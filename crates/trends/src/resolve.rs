//! From what a user types (`--theme supernode`, `--company 中际旭创`,
//! `--company 300308.SZ`) to a series, or an error that lists the closest
//! known ones.

use crate::documents::StoredTags;
use crate::series::SeriesSpec;
use crate::{Result, TrendsError};
use tantivy::TantivyDocument;
use tantivy::collector::TopDocs;
use ticai_index::{SearchRequest, TagKind, TicaiIndex};
use ticai_lexicon::{Company, Lexicon};
use ticai_tag::Tagger;

use ticai_index::query::edit_distance as distance;

/// The `n` candidates closest to `wanted` (substring matches first).
fn closest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = (&'a str, String)>,
    n: usize,
) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, String)> = candidates
        .map(|(key, shown)| {
            let k = key.to_lowercase();
            let d = if k.contains(&w) || w.contains(&k) {
                0
            } else {
                distance(&w, &k)
            };
            (d, shown)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, s)| s).collect()
}

/// A theme by id (or by its Chinese or English name).
pub fn resolve_theme(lexicon: &Lexicon, wanted: &str) -> Result<SeriesSpec> {
    let w = wanted.trim();
    let found = lexicon.theme(w).or_else(|| {
        lexicon
            .themes
            .iter()
            .find(|t| t.name_zh == w || t.name_en.eq_ignore_ascii_case(w))
    });
    match found {
        Some(t) => Ok(SeriesSpec {
            kind: TagKind::Theme,
            key: t.id.clone(),
            name: t.name_zh.clone(),
            code: String::new(),
        }),
        None => {
            let near = closest(
                w,
                lexicon.themes.iter().flat_map(|t| {
                    let shown = format!("{} ({})", t.id, t.name_zh);
                    [
                        (t.id.as_str(), shown.clone()),
                        (t.name_zh.as_str(), shown.clone()),
                        (t.name_en.as_str(), shown),
                    ]
                }),
                5,
            );
            Err(TrendsError::Request(format!(
                "--theme {w:?}: no such theme id; closest: {} (see `ticai lexicon themes`)",
                near.join(", ")
            )))
        }
    }
}

fn spec(c: &Company) -> SeriesSpec {
    SeriesSpec {
        kind: TagKind::Company,
        key: c.name.clone(),
        name: c.name.clone(),
        code: c.code.clone().unwrap_or_default(),
    }
}

/// A company by canonical name, alias (any script) or code (`300308`,
/// `300308.SZ`, `sz300308`, `NVDA`).
pub fn resolve_company(lexicon: &Lexicon, tagger: &Tagger, wanted: &str) -> Result<SeriesSpec> {
    let w = wanted.trim();
    let upper = w.to_ascii_uppercase();
    let code = upper
        .split_once('.')
        .map_or(upper.as_str(), |(c, _)| c)
        .trim_start_matches("SH")
        .trim_start_matches("SZ")
        .trim_start_matches("BJ");
    if !code.is_empty()
        && let Some(c) = lexicon
            .companies
            .iter()
            .find(|c| c.code.as_deref() == Some(code) || c.code.as_deref() == Some(upper.as_str()))
    {
        return Ok(spec(c));
    }
    let n = tagger.normalizer();
    let key = n.normalize_term(w).to_lowercase();
    let by_name = lexicon
        .companies
        .iter()
        .find(|c| n.normalize_term(&c.name).to_lowercase() == key)
        .or_else(|| {
            lexicon.companies.iter().find(|c| {
                c.aliases
                    .iter()
                    .any(|(a, _)| n.normalize_term(a).to_lowercase() == key)
            })
        });
    match by_name {
        Some(c) => Ok(spec(c)),
        None => {
            let near = closest(
                &key,
                lexicon
                    .companies
                    .iter()
                    .filter(|c| {
                        c.source == ticai_lexicon::CompanySource::Curated
                            || c.name.chars().count() <= 6
                    })
                    .map(|c| {
                        let shown = match &c.code {
                            Some(code) => format!("{} ({code})", c.name),
                            None => c.name.clone(),
                        };
                        (c.name.as_str(), shown)
                    }),
                5,
            );
            Err(TrendsError::Request(format!(
                "--company {w:?}: no such company in the lexicon; closest: {}",
                near.join(", ")
            )))
        }
    }
}

/// A company the lexicon does not hold that the tagger named from its code
/// (`*ST万方(000638.SZ)` is tagged `ST万方`, code 000638), by the name or code
/// the index's documents carry: `None` when no document has it.
pub fn tagged_company(index: &TicaiIndex, wanted: &str) -> Result<Option<SeriesSpec>> {
    let w = wanted.trim();
    let req = SearchRequest {
        companies: vec![w.to_string()],
        ..Default::default()
    };
    let query = index.filter_query(&req)?;
    let searcher = index.searcher()?;
    let err = |e: tantivy::TantivyError| TrendsError::Index(e.to_string());
    let top = searcher
        .search(&*query, &TopDocs::with_limit(1).order_by_score())
        .map_err(err)?;
    let Some((_, addr)) = top.first() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(*addr).map_err(err)?;
    let (lower, upper) = (w.to_lowercase(), w.to_uppercase());
    let found = StoredTags::of(index, &doc).companies.into_iter().find(|c| {
        c.name.to_lowercase() == lower
            || c.code.as_deref().is_some_and(|code| {
                code == upper
                    || c.exchange
                        .as_deref()
                        .is_some_and(|ex| format!("{code}.{ex}") == upper)
            })
    });
    let Some(found) = found else {
        return Ok(None);
    };
    // the series counts the name; two unlisted companies may carry it with
    // different codes: the smallest is shown, as deploy/spark/series.sql does
    let mut code: Option<String> = None;
    let same_name = SearchRequest {
        companies: vec![found.name.clone()],
        ..Default::default()
    };
    crate::mentions::for_each_document(index, &same_name, None, |doc| -> Result<()> {
        for c in StoredTags::of(index, doc).companies {
            if c.name == found.name
                && let Some(k) = c.code
                && code.as_ref().is_none_or(|have| k < *have)
            {
                code = Some(k);
            }
        }
        Ok(())
    })?;
    Ok(Some(SeriesSpec {
        kind: TagKind::Company,
        key: found.name.clone(),
        name: found.name,
        code: code.unwrap_or_default(),
    }))
}
