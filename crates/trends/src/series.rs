//! Theme and company time series, counted from fast fields in one pass over
//! the documents a filter selects (no stored-document reads).

use crate::calendar::Calendar;
use crate::{Result, TrendsError};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Query;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};
use ticai_index::{TagKind, TagStat};
use ticai_lexicon::Lexicon;

/// One series: a theme or a company.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SeriesSpec {
    pub kind: TagKind,
    /// Theme id, or the company's canonical name.
    pub key: String,
    /// Theme Chinese name, or company name.
    pub name: String,
    /// Company code (empty for themes).
    pub code: String,
}

/// Which tags count for which series: a theme's own id and, with rollup,
/// every descendant's.
#[derive(Clone, Debug, Default)]
pub struct SeriesMap {
    by_tag: HashMap<(TagKind, String), Vec<u32>>,
}

impl SeriesMap {
    pub fn new(series: &[SeriesSpec], lexicon: &Lexicon, rollup: bool) -> SeriesMap {
        let mut by_tag: HashMap<(TagKind, String), Vec<u32>> = HashMap::new();
        let wanted: HashMap<&str, u32> = series
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == TagKind::Theme)
            .map(|(i, s)| (s.key.as_str(), i as u32))
            .collect();
        for (i, s) in series.iter().enumerate() {
            if s.kind == TagKind::Company {
                by_tag
                    .entry((TagKind::Company, s.key.clone()))
                    .or_default()
                    .push(i as u32);
            }
        }
        // every theme of the lexicon (and any requested id) with its ancestors
        let mut ids: Vec<&str> = lexicon.themes.iter().map(|t| t.id.as_str()).collect();
        ids.extend(wanted.keys().copied());
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let mut targets = Vec::new();
            let mut at = Some(id);
            let mut seen = HashSet::new();
            while let Some(cur) = at {
                if !seen.insert(cur) {
                    break; // a parent cycle: `lexicon check` reports it
                }
                if let Some(&i) = wanted.get(cur) {
                    targets.push(i);
                }
                if !rollup {
                    break;
                }
                at = lexicon.theme(cur).and_then(|t| t.parent.as_deref());
            }
            if !targets.is_empty() {
                by_tag.insert((TagKind::Theme, id.to_string()), targets);
            }
        }
        SeriesMap { by_tag }
    }

    fn targets(&self, stat: &TagStat) -> Option<&[u32]> {
        self.by_tag
            .get(&(stat.kind, stat.key.clone()))
            .map(Vec::as_slice)
    }
}

/// Counts per bucket and series.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub buckets: usize,
    pub series: usize,
    /// Indexed `bucket * series + s`.
    pub articles: Vec<u64>,
    pub mentions: Vec<u64>,
    pub title_articles: Vec<u64>,
    /// (cell, cluster hash) pairs, one per counted document; sorted and
    /// deduplicated when a segment is harvested and when fruits merge, so
    /// that each pair is a distinct story. (A vector sorted once costs a
    /// fraction of hashing every pair into a set, and half its memory.)
    pub stories: Vec<(u32, u64)>,
    /// Documents per bucket (the denominator).
    pub total: Vec<u64>,
    /// Documents the filter selected that have no publication date.
    pub undated: u64,
    /// Dated documents outside the calendar (never counted in a bucket).
    pub outside: u64,
}

impl Counts {
    fn new(buckets: usize, series: usize) -> Counts {
        Counts {
            buckets,
            series,
            articles: vec![0; buckets * series],
            mentions: vec![0; buckets * series],
            title_articles: vec![0; buckets * series],
            stories: Vec::new(),
            total: vec![0; buckets],
            undated: 0,
            outside: 0,
        }
    }

    fn merge(&mut self, other: Counts) {
        for (a, b) in self.articles.iter_mut().zip(other.articles) {
            *a += b;
        }
        for (a, b) in self.mentions.iter_mut().zip(other.mentions) {
            *a += b;
        }
        for (a, b) in self.title_articles.iter_mut().zip(other.title_articles) {
            *a += b;
        }
        for (a, b) in self.total.iter_mut().zip(other.total) {
            *a += b;
        }
        // the caller deduplicates once all fruits are in
        self.stories.extend(other.stories);
        self.undated += other.undated;
        self.outside += other.outside;
    }

    /// Distinct stories per cell.
    pub fn story_counts(&self) -> Vec<u64> {
        let mut v = vec![0; self.buckets * self.series];
        for (cell, _) in &self.stories {
            v[*cell as usize] += 1;
        }
        v
    }

    /// Articles per series over all buckets.
    pub fn series_totals(&self) -> Vec<u64> {
        let mut v = vec![0; self.series];
        for (i, n) in self.articles.iter().enumerate() {
            v[i % self.series.max(1)] += n;
        }
        v
    }
}

fn dedup(pairs: &mut Vec<(u32, u64)>) {
    pairs.sort_unstable();
    pairs.dedup();
}

/// The collector: a pass over fast fields.
pub struct SeriesCollector<'a> {
    pub calendar: Arc<Calendar>,
    pub map: &'a SeriesMap,
    pub series: usize,
}

/// Per segment: what each `tag_stats` term ordinal contributes.
pub struct SeriesSegment {
    calendar: Arc<Calendar>,
    dates: Column<tantivy::DateTime>,
    tags: Option<StrColumn>,
    clusters: Column<u64>,
    /// term ordinal -> (series, mentions, in title)
    contrib: Vec<Vec<(u32, u64, bool)>>,
    counts: Counts,
    touched: Vec<(u32, u64, bool)>,
}

pub(crate) fn tag_ord_table<T>(
    tags: &Option<StrColumn>,
    mut f: impl FnMut(TagStat) -> T,
) -> tantivy::Result<Vec<Option<T>>> {
    let Some(col) = tags else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(col.num_terms());
    let mut buf = String::new();
    for ord in 0..col.num_terms() as u64 {
        buf.clear();
        col.ord_to_str(ord, &mut buf)?;
        out.push(TagStat::decode(&buf).map(&mut f));
    }
    Ok(out)
}

impl<'a> Collector for SeriesCollector<'a> {
    type Fruit = Counts;
    type Child = SeriesSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let ff = reader.fast_fields();
        let tags = ff.str("tag_stats")?;
        let contrib = tag_ord_table(&tags, |stat| {
            self.map
                .targets(&stat)
                .map(|t| {
                    t.iter()
                        .map(|&s| (s, stat.mentions, stat.in_title))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
        Ok(SeriesSegment {
            calendar: self.calendar.clone(),
            dates: ff.date("published_at")?,
            tags,
            clusters: ff.u64("cluster_hash")?,
            contrib,
            counts: Counts::new(self.calendar.len(), self.series),
            touched: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut all = Counts::new(self.calendar.len(), self.series);
        for f in fruits {
            all.merge(f);
        }
        dedup(&mut all.stories);
        Ok(all)
    }
}

impl SegmentCollector for SeriesSegment {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(date) = self.dates.first(doc) else {
            self.counts.undated += 1;
            return;
        };
        let Some(b) = self.calendar.bucket_of(date.into_timestamp_secs()) else {
            self.counts.outside += 1;
            return;
        };
        self.counts.total[b] += 1;
        let Some(tags) = &self.tags else { return };
        self.touched.clear();
        for ord in tags.term_ords(doc) {
            for &(s, m, t) in &self.contrib[ord as usize] {
                // a document counts once per series, however many of the
                // series' themes (a parent and its children) it carries
                match self.touched.iter_mut().find(|x| x.0 == s) {
                    Some(x) => {
                        x.1 += m;
                        x.2 |= t;
                    }
                    None => self.touched.push((s, m, t)),
                }
            }
        }
        if self.touched.is_empty() {
            return;
        }
        let cluster = self.clusters.first(doc).unwrap_or(u64::from(doc));
        let n = self.counts.series;
        for &(s, m, t) in &self.touched {
            let cell = b * n + s as usize;
            self.counts.articles[cell] += 1;
            self.counts.mentions[cell] += m;
            self.counts.title_articles[cell] += u64::from(t);
            self.counts.stories.push((cell as u32, cluster));
        }
    }

    fn harvest(mut self) -> Counts {
        dedup(&mut self.counts.stories);
        self.counts
    }
}

/// Runs the series collector.
pub fn count(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    calendar: &Calendar,
    map: &SeriesMap,
    series: usize,
) -> Result<Counts> {
    searcher
        .search(
            query,
            &SeriesCollector {
                calendar: Arc::new(calendar.clone()),
                map,
                series,
            },
        )
        .map_err(|e| TrendsError::Index(e.to_string()))
}
