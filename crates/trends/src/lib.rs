//! ticai's answer to "what is rising": theme and company time series over
//! the index, in calendar buckets of a time zone, with denominators,
//! near-duplicate stories and theme rollup; co-occurrence with lift;
//! rising-theme alerts; the per-document mentions table; CSV, JSON and
//! Parquet writers; SVG charts.
//!
//! Counting reads fast fields only (`published_at`, `tag_stats`,
//! `cluster_hash`) in one pass over the documents a filter selects, so a
//! year of daily series for every theme costs one scan of the index.

pub mod alerts;
pub mod calendar;
pub mod chart;
pub mod cooccur;
pub mod documents;
pub mod mentions;
pub mod params;
pub mod resolve;
pub mod series;
pub mod table;

pub use calendar::{Calendar, Interval, parse_day, parse_tz};
pub use resolve::{resolve_company, resolve_theme};
pub use series::{SeriesMap, SeriesSpec};

use chrono::NaiveDate;
use serde::Serialize;
use tantivy::Searcher;
use ticai_index::{SearchRequest, TagKind, TicaiIndex};
use ticai_lexicon::Lexicon;

#[derive(Debug, thiserror::Error)]
pub enum TrendsError {
    /// The user asked for something that cannot be answered as asked.
    #[error("{0}")]
    Request(String),
    #[error("index: {0}")]
    Index(String),
    #[error("{path}: {message}")]
    Output { path: String, message: String },
}

impl From<ticai_index::IndexError> for TrendsError {
    fn from(e: ticai_index::IndexError) -> Self {
        match e {
            ticai_index::IndexError::Query { .. }
            | ticai_index::IndexError::Request(_)
            | ticai_index::IndexError::Parameter { .. } => TrendsError::Request(e.to_string()),
            e => TrendsError::Index(e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, TrendsError>;

/// What to count, over which documents.
#[derive(Clone, Debug)]
pub struct TrendRequest {
    /// The series; empty with `top` = the `top` themes with most articles.
    pub series: Vec<SeriesSpec>,
    pub top: Option<usize>,
    pub calendar: Calendar,
    /// Query and filters (sources, themes, companies) restricting both the
    /// series and the denominator; its dates are ignored (the calendar's).
    pub filter: SearchRequest,
    /// Count a theme's descendants in its series (once per article).
    pub rollup: bool,
}

/// One row of the long format.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The bucket's first day, `YYYY-MM-DD`, in the request's time zone.
    pub bucket: String,
    pub kind: TagKind,
    pub key: String,
    pub name: String,
    pub code: String,
    pub articles: u64,
    pub stories: u64,
    pub mentions: u64,
    pub title_articles: u64,
    pub total_articles: u64,
    pub share: f64,
}

/// The answer of [`trends`].
#[derive(Clone, Debug, Serialize)]
pub struct Trends {
    pub interval: Interval,
    pub since: String,
    pub until: String,
    pub tz: String,
    pub series: Vec<SeriesSpec>,
    /// Bucket-major: every bucket, then every series within it.
    pub rows: Vec<Row>,
    /// Documents the filter selected that have no publication date (not in
    /// any bucket).
    pub undated: u64,
    /// Per bucket, the denominator.
    pub totals: Vec<u64>,
}

impl Trends {
    pub fn buckets(&self) -> usize {
        self.totals.len()
    }

    /// The row of bucket `b`, series `s`.
    pub fn row(&self, b: usize, s: usize) -> &Row {
        &self.rows[b * self.series.len() + s]
    }
}

/// The first and last publication day in the index, in `tz`.
pub fn published_span(
    index: &TicaiIndex,
    tz: chrono_tz::Tz,
) -> Result<Option<(NaiveDate, NaiveDate)>> {
    Ok(index
        .published_bounds()?
        .and_then(|(lo, hi)| calendar::day_of(tz, lo).zip(calendar::day_of(tz, hi))))
}

pub(crate) fn filter_query(
    index: &TicaiIndex,
    filter: &SearchRequest,
    calendar: Option<&Calendar>,
) -> Result<Box<dyn tantivy::query::Query>> {
    let mut f = filter.clone();
    f.since = None;
    f.until = None;
    if let Some(c) = calendar {
        let (from, to) = c.range_utc();
        f.since = Some(tantivy::DateTime::from_timestamp_secs(from));
        f.until = Some(tantivy::DateTime::from_timestamp_secs(to - 1));
    }
    Ok(index.filter_query(&f)?)
}

/// Documents the filter (without dates) selects that have no date.
pub fn undated(index: &TicaiIndex, filter: &SearchRequest) -> Result<u64> {
    use tantivy::query::{BooleanQuery, ExistsQuery, Occur};
    let searcher = index.searcher()?;
    let q = BooleanQuery::new(vec![
        (Occur::Must, filter_query(index, filter, None)?),
        (
            Occur::MustNot,
            Box::new(ExistsQuery::new("published_at".into(), false)),
        ),
    ]);
    let n = searcher
        .search(&q, &tantivy::collector::Count)
        .map_err(|e| TrendsError::Index(e.to_string()))?;
    Ok(n as u64)
}

/// Every theme of the lexicon as a series.
pub fn all_themes(lexicon: &Lexicon) -> Vec<SeriesSpec> {
    lexicon
        .themes
        .iter()
        .map(|t| SeriesSpec {
            kind: TagKind::Theme,
            key: t.id.clone(),
            name: t.name_zh.clone(),
            code: String::new(),
        })
        .collect()
}

/// Counts the series of a request.
pub fn trends(index: &TicaiIndex, lexicon: &Lexicon, req: &TrendRequest) -> Result<Trends> {
    let searcher: Searcher = index.searcher()?;
    let mut series = if req.series.is_empty() {
        all_themes(lexicon)
    } else {
        req.series.clone()
    };
    let map = SeriesMap::new(&series, lexicon, req.rollup);
    let query = filter_query(index, &req.filter, Some(&req.calendar))?;
    let mut counts = series::count(&searcher, &*query, &req.calendar, &map, series.len())?;
    counts.undated = undated(index, &req.filter)?;
    let mut keep: Vec<usize> = (0..series.len()).collect();
    if req.series.is_empty()
        && let Some(n) = req.top
    {
        let totals = counts.series_totals();
        keep.sort_by(|&a, &b| {
            totals[b]
                .cmp(&totals[a])
                .then_with(|| series[a].key.cmp(&series[b].key))
        });
        keep.truncate(n);
        keep.retain(|&s| totals[s] > 0);
    }
    let stories = counts.story_counts();
    let n = series.len();
    let mut rows = Vec::with_capacity(req.calendar.len() * keep.len());
    for b in 0..req.calendar.len() {
        let total = counts.total[b];
        let bucket = req.calendar.start(b).format("%Y-%m-%d").to_string();
        for &s in &keep {
            let cell = b * n + s;
            let spec = &series[s];
            let articles = counts.articles[cell];
            rows.push(Row {
                bucket: bucket.clone(),
                kind: spec.kind,
                key: spec.key.clone(),
                name: spec.name.clone(),
                code: spec.code.clone(),
                articles,
                stories: stories[cell],
                mentions: counts.mentions[cell],
                title_articles: counts.title_articles[cell],
                total_articles: total,
                share: if total == 0 {
                    0.0
                } else {
                    articles as f64 / total as f64
                },
            });
        }
    }
    let kept: Vec<SeriesSpec> = keep.iter().map(|&s| series[s].clone()).collect();
    series = kept;
    Ok(Trends {
        interval: req.calendar.interval,
        since: req.calendar.since.to_string(),
        until: req.calendar.until.to_string(),
        tz: req.calendar.tz.name().to_string(),
        series,
        rows,
        undated: counts.undated,
        totals: counts.total,
    })
}

pub use chart::Measure;
pub use table::{Format, Out};

/// The calendar a user asked for: `since`/`until` as `YYYY-MM-DD` in
/// `tz`, each defaulting to the first/last publication day in the index.
pub fn calendar_for(
    index: &TicaiIndex,
    interval: Interval,
    tz: &str,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<Calendar> {
    let tz = parse_tz(tz)?;
    let since = since.map(|v| parse_day("--since", v)).transpose()?;
    let until = until.map(|v| parse_day("--until", v)).transpose()?;
    let (since, until) = match (since, until) {
        (Some(s), Some(u)) => (s, u),
        (s, u) => {
            if index.num_docs()? == 0 {
                return Err(TrendsError::Request(
                    "the index is empty: run `ticai ingest PATH...` (or `ticai demo`) first".into(),
                ));
            }
            let Some((lo, hi)) = published_span(index, tz)? else {
                return Err(TrendsError::Request(
                    "no document in the index has a publication date: pass --since and --until"
                        .into(),
                ));
            };
            (s.unwrap_or(lo), u.unwrap_or(hi))
        }
    };
    Calendar::new(interval, tz, since, until)
}

fn header(t: &Trends) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("interval".into(), t.interval.as_str().into());
    m.insert("since".into(), t.since.clone().into());
    m.insert("until".into(), t.until.clone().into());
    m.insert("tz".into(), t.tz.clone().into());
    m
}

/// The long format's columns, in order.
pub const ROW_COLUMNS: [&str; 11] = [
    "bucket",
    "kind",
    "key",
    "name",
    "code",
    "articles",
    "stories",
    "mentions",
    "title_articles",
    "total_articles",
    "share",
];

/// Writes trends in the long format, or wide (one row per bucket, one
/// column per series holding `wide`'s measure).
pub fn write_trends(t: &Trends, format: Format, wide: Option<Measure>, out: Out) -> Result<()> {
    use table::{Cell, ColType, Table};
    match wide {
        None => {
            let types = [
                ColType::Str,
                ColType::Str,
                ColType::Str,
                ColType::Str,
                ColType::Str,
                ColType::U64,
                ColType::U64,
                ColType::U64,
                ColType::U64,
                ColType::U64,
                ColType::F64,
            ];
            let cols = ROW_COLUMNS
                .iter()
                .zip(types)
                .map(|(n, t)| (n.to_string(), t))
                .collect();
            let mut table = Table::new(format, cols, out, header(t), "series")?;
            for r in &t.rows {
                table.row(&[
                    Cell::Str(&r.bucket),
                    Cell::Str(r.kind.as_str()),
                    Cell::Str(&r.key),
                    Cell::Str(&r.name),
                    Cell::Str(&r.code),
                    Cell::U64(r.articles),
                    Cell::U64(r.stories),
                    Cell::U64(r.mentions),
                    Cell::U64(r.title_articles),
                    Cell::U64(r.total_articles),
                    Cell::F64(r.share),
                ])?;
            }
            table.finish()
        }
        Some(m) => {
            let vt = if m == Measure::Share {
                ColType::F64
            } else {
                ColType::U64
            };
            let mut cols = vec![
                ("bucket".to_string(), ColType::Str),
                ("total_articles".to_string(), ColType::U64),
            ];
            cols.extend(t.series.iter().map(|s| (s.key.clone(), vt)));
            let mut h = header(t);
            h.insert("value".into(), m.name().into());
            let mut table = Table::new(format, cols, out, h, "rows")?;
            let ns = t.series.len();
            for b in 0..t.buckets() {
                let first = &t.rows[b * ns];
                let mut cells = vec![Cell::Str(&first.bucket), Cell::U64(first.total_articles)];
                for s in 0..ns {
                    let v = m.of(t.row(b, s));
                    cells.push(if vt == ColType::F64 {
                        Cell::F64(v)
                    } else {
                        Cell::U64(v as u64)
                    });
                }
                table.row(&cells)?;
            }
            table.finish()
        }
    }
}

/// Writes co-occurring pairs.
pub fn write_pairs(
    pairs: &[cooccur::Pair],
    header: serde_json::Map<String, serde_json::Value>,
    format: Format,
    out: Out,
) -> Result<()> {
    use table::{Cell, ColType, Table};
    let cols = [
        ("a_kind", ColType::Str),
        ("a_key", ColType::Str),
        ("a_name", ColType::Str),
        ("b_kind", ColType::Str),
        ("b_key", ColType::Str),
        ("b_name", ColType::Str),
        ("b_code", ColType::Str),
        ("articles", ColType::U64),
        ("a_articles", ColType::U64),
        ("b_articles", ColType::U64),
        ("total_articles", ColType::U64),
        ("lift", ColType::F64),
    ]
    .iter()
    .map(|(n, t)| (n.to_string(), *t))
    .collect();
    let mut table = Table::new(format, cols, out, header, "pairs")?;
    for p in pairs {
        table.row(&[
            Cell::Str(p.a_kind.as_str()),
            Cell::Str(&p.a_key),
            Cell::Str(&p.a_name),
            Cell::Str(p.b_kind.as_str()),
            Cell::Str(&p.b_key),
            Cell::Str(&p.b_name),
            Cell::Str(&p.b_code),
            Cell::U64(p.articles),
            Cell::U64(p.a_articles),
            Cell::U64(p.b_articles),
            Cell::U64(p.total_articles),
            Cell::F64(p.lift),
        ])?;
    }
    table.finish()
}

/// A text sparkline of values (▁..█), scaled to the largest.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().fold(0.0f64, f64::max);
    values
        .iter()
        .map(|&v| {
            if max <= 0.0 || v <= 0.0 {
                ' '
            } else {
                BARS[(((v / max) * 7.0).round() as usize).min(7)]
            }
        })
        .collect()
}
