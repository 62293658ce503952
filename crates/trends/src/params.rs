//! The parameters of `ticai trends`, `cooccur` and `alerts` as a user
//! writes them (command-line flags, HTTP query strings), checked and
//! resolved into requests by one set of functions shared by the CLI and the
//! server.

use crate::alerts::AlertRequest;
use crate::cooccur::{Pair, PairKind};
use crate::{
    Calendar, Interval, Result, SeriesSpec, TrendRequest, TrendsError, calendar_for, parse_day,
    parse_tz,
};
use serde_json::{Map, Value};
use ticai_index::{SearchRequest, TicaiIndex};
use ticai_lexicon::Lexicon;
use ticai_tag::Tagger;

/// The documents counted: a full-text query and sources.
#[derive(Clone, Debug, Default)]
pub struct FilterParams {
    pub query: Option<String>,
    pub sources: Vec<String>,
}

impl FilterParams {
    pub fn request(&self) -> SearchRequest {
        SearchRequest {
            query: self.query.clone().unwrap_or_default(),
            sources: self.sources.clone(),
            ..Default::default()
        }
    }
}

/// The period and the documents counted.
#[derive(Clone, Debug)]
pub struct WindowParams {
    /// `YYYY-MM-DD` in `tz`; default: the first publication day.
    pub since: Option<String>,
    /// Included; default: the last publication day.
    pub until: Option<String>,
    pub tz: String,
    pub filter: FilterParams,
}

impl Default for WindowParams {
    fn default() -> Self {
        WindowParams {
            since: None,
            until: None,
            tz: DEFAULT_TZ.into(),
            filter: FilterParams::default(),
        }
    }
}

/// The calendar's default time zone.
pub const DEFAULT_TZ: &str = "Asia/Shanghai";

impl WindowParams {
    pub fn calendar(&self, index: &TicaiIndex, interval: Interval) -> Result<Calendar> {
        calendar_for(
            index,
            interval,
            &self.tz,
            self.since.as_deref(),
            self.until.as_deref(),
        )
    }
}

/// Which series: themes, companies, or the top themes.
#[derive(Clone, Debug, Default)]
pub struct SeriesParams {
    /// Theme ids or names.
    pub themes: Vec<String>,
    /// Company names, aliases or codes.
    pub companies: Vec<String>,
    /// Without themes or companies: the N themes with most articles.
    pub top: Option<usize>,
    pub interval: Interval,
    pub no_rollup: bool,
    pub window: WindowParams,
}

impl SeriesParams {
    pub fn request(
        &self,
        index: &TicaiIndex,
        lexicon: &Lexicon,
        tagger: &Tagger,
        default_top: usize,
    ) -> Result<TrendRequest> {
        let mut series: Vec<SeriesSpec> = Vec::new();
        for t in &self.themes {
            series.push(crate::resolve_theme(lexicon, t)?);
        }
        for c in &self.companies {
            // a company of no lexicon entry is found as the documents name it
            series.push(match crate::resolve_company(lexicon, tagger, c) {
                Ok(s) => s,
                Err(e) => crate::resolve::tagged_company(index, c)?.ok_or(e)?,
            });
        }
        series.dedup();
        if !series.is_empty() && self.top.is_some() {
            return Err(TrendsError::Request(
                "--top picks themes by itself: give it without --theme/--company".into(),
            ));
        }
        if self.top == Some(0) {
            return Err(TrendsError::Request("--top 0: give at least 1".into()));
        }
        Ok(TrendRequest {
            top: if series.is_empty() {
                Some(self.top.unwrap_or(default_top))
            } else {
                None
            },
            series,
            calendar: self.window.calendar(index, self.interval)?,
            filter: self.window.filter.request(),
            rollup: !self.no_rollup,
        })
    }
}

/// `ticai cooccur`'s parameters.
#[derive(Clone, Debug)]
pub struct CooccurParams {
    pub window: WindowParams,
    pub kind: PairKind,
    pub min_articles: u64,
    /// At most this many pairs; 0 = all.
    pub limit: usize,
}

impl Default for CooccurParams {
    fn default() -> Self {
        CooccurParams {
            window: WindowParams::default(),
            kind: PairKind::ThemeCompany,
            min_articles: 3,
            limit: 0,
        }
    }
}

impl CooccurParams {
    /// The pairs, and the header of their JSON table (since, until, kind).
    pub fn run(
        &self,
        index: &TicaiIndex,
        lexicon: &Lexicon,
    ) -> Result<(Vec<Pair>, Map<String, Value>)> {
        let calendar = self.window.calendar(index, Interval::Day)?;
        let mut pairs = crate::cooccur::cooccur(
            index,
            lexicon,
            &self.window.filter.request(),
            &calendar,
            self.kind,
            self.min_articles,
        )?;
        if self.limit > 0 {
            pairs.truncate(self.limit);
        }
        let mut header = Map::new();
        header.insert("since".into(), calendar.since.to_string().into());
        header.insert("until".into(), calendar.until.to_string().into());
        header.insert(
            "kind".into(),
            serde_json::to_value(self.kind).map_err(|e| TrendsError::Request(e.to_string()))?,
        );
        Ok((pairs, header))
    }
}

/// `ticai alerts`' parameters.
#[derive(Clone, Debug)]
pub struct AlertParams {
    pub interval: Interval,
    /// Trailing buckets the latest one is compared with.
    pub window: usize,
    /// A day in the latest bucket; default: the last publication day.
    pub until: Option<String>,
    pub tz: String,
    pub filter: FilterParams,
    pub min_articles: u64,
    pub min_score: f64,
    pub evidence: usize,
    pub no_rollup: bool,
}

impl Default for AlertParams {
    fn default() -> Self {
        AlertParams {
            interval: Interval::Day,
            window: 28,
            until: None,
            tz: DEFAULT_TZ.into(),
            filter: FilterParams::default(),
            min_articles: 3,
            min_score: 3.0,
            evidence: 3,
            no_rollup: false,
        }
    }
}

impl AlertParams {
    /// Checks what can be checked without an index.
    pub fn check(&self) -> Result<()> {
        if self.window == 0 {
            return Err(TrendsError::Request(
                "--window 0: compare with at least one earlier bucket".into(),
            ));
        }
        if !self.min_score.is_finite() || self.min_score < 0.0 {
            return Err(TrendsError::Request(format!(
                "--min-score {}: give a number >= 0",
                self.min_score
            )));
        }
        Ok(())
    }

    /// The request: the latest bucket holding `until` and `window` buckets
    /// before it.
    pub fn request(&self, index: &TicaiIndex) -> Result<AlertRequest> {
        self.check()?;
        let tz = parse_tz(&self.tz)?;
        let until = match &self.until {
            Some(u) => parse_day("--until", u)?,
            None => calendar_for(index, self.interval, &self.tz, None, None)?.until,
        };
        let mut since = self.interval.start_of(until);
        for _ in 0..self.window {
            since = self.interval.start_of(since - chrono::Days::new(1));
        }
        Ok(AlertRequest {
            calendar: Calendar::new(self.interval, tz, since, until)?,
            window: self.window,
            filter: self.filter.request(),
            min_articles: self.min_articles,
            min_score: self.min_score,
            evidence: self.evidence,
            rollup: !self.no_rollup,
        })
    }
}
