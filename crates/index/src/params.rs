//! A search as a user writes it, on the command line (`ticai search`) or
//! in an HTTP query string (`/api/search`): strings, resolved against the
//! lexicon into a [`SearchRequest`] by one function, so both give the same
//! answers and the same errors.

use crate::{IndexError, Result, SearchRequest, Sort};
use tantivy::DateTime;
use ticai_lexicon::Lexicon;

/// The parameters of a search before they are checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchParams {
    pub query: String,
    /// Theme ids (all of them).
    pub themes: Vec<String>,
    /// Company names, aliases or codes (all of them).
    pub companies: Vec<String>,
    /// Sources (any of them).
    pub sources: Vec<String>,
    /// `2026-11-01` or an RFC 3339 time.
    pub since: Option<String>,
    /// As `since`; a date includes that whole day.
    pub until: Option<String>,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
}

impl std::str::FromStr for Sort {
    type Err = IndexError;
    fn from_str(s: &str) -> Result<Sort> {
        match s.trim() {
            "relevance" | "" => Ok(Sort::Relevance),
            "date" => Ok(Sort::Date),
            other => Err(IndexError::Parameter {
                name: "sort",
                message: format!("--sort {other:?}: expected relevance or date"),
            }),
        }
    }
}

/// A publication-time bound: a date (`end_of_day`: its last second) or an
/// RFC 3339 time.
pub fn date_bound(name: &'static str, value: &str, end_of_day: bool) -> Result<DateTime> {
    let d = ticai_extract::parse_date(value, None).ok_or_else(|| IndexError::Parameter {
        name,
        message: format!("--{name} {value:?}: not a date (use 2026-11-01 or an RFC 3339 time)"),
    })?;
    let date_only = !value.contains([':', 'T']);
    let secs = d.timestamp() + if end_of_day && date_only { 86_399 } else { 0 };
    Ok(DateTime::from_timestamp_secs(secs))
}

impl SearchParams {
    /// Checks the parameters against the lexicon (theme ids must exist:
    /// the error names the closest ones) and parses the dates. The query
    /// itself is parsed when the request runs (its errors carry a column).
    pub fn request(&self, lexicon: &Lexicon) -> Result<SearchRequest> {
        for t in &self.themes {
            if lexicon.theme(t).is_none() {
                let close =
                    crate::query::close_matches(t, lexicon.themes.iter().map(|x| x.id.as_str()));
                let close = if close.is_empty() {
                    String::new()
                } else {
                    format!("; close: {}", close.join(", "))
                };
                return Err(IndexError::Parameter {
                    name: "theme",
                    message: format!(
                        "--theme {t:?}: no such theme id{close} (see `ticai lexicon themes`)"
                    ),
                });
            }
        }
        Ok(SearchRequest {
            query: self.query.clone(),
            themes: self.themes.clone(),
            companies: self.companies.clone(),
            sources: self.sources.clone(),
            since: self
                .since
                .as_deref()
                .map(|v| date_bound("since", v, false))
                .transpose()?,
            until: self
                .until
                .as_deref()
                .map(|v| date_bound("until", v, true))
                .transpose()?,
            sort: self.sort,
            limit: self.limit,
            offset: self.offset,
        })
    }
}
