//! Co-occurrence: in how many articles two tags appear together, and the
//! lift of that count over what independence would give
//! (`articles * total / (a_articles * b_articles)`), so that a company
//! named everywhere (英伟达) does not top every theme's list.

use crate::calendar::Calendar;
use crate::series::tag_ord_table;
use crate::{Result, TrendsError};
use serde::Serialize;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};
use ticai_index::{SearchRequest, TagKind, TicaiIndex};
use ticai_lexicon::Lexicon;

/// Which pairs to count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairKind {
    #[default]
    ThemeCompany,
    ThemeTheme,
}

impl FromStr for PairKind {
    type Err = TrendsError;
    fn from_str(s: &str) -> Result<PairKind> {
        match s.trim() {
            "theme-company" => Ok(PairKind::ThemeCompany),
            "theme-theme" => Ok(PairKind::ThemeTheme),
            other => Err(TrendsError::Request(format!(
                "unknown --kind {other:?} (expected theme-company or theme-theme)"
            ))),
        }
    }
}

/// One pair.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pair {
    pub a_kind: TagKind,
    pub a_key: String,
    pub a_name: String,
    pub b_kind: TagKind,
    pub b_key: String,
    pub b_name: String,
    pub b_code: String,
    /// Articles with both.
    pub articles: u64,
    pub a_articles: u64,
    pub b_articles: u64,
    pub total_articles: u64,
    pub lift: f64,
}

/// A tag: (kind, key, code).
type Tag = (TagKind, String, String);

#[derive(Default)]
struct Fruit {
    total: u64,
    singles: HashMap<Tag, u64>,
    pairs: HashMap<(Tag, Tag), u64>,
}

struct Pairs {
    calendar: Arc<Calendar>,
    kind: PairKind,
}

struct PairsSegment {
    calendar: Arc<Calendar>,
    kind: PairKind,
    dates: Column<tantivy::DateTime>,
    tags: Option<StrColumn>,
    /// term ordinal -> local tag index
    ord_tag: Vec<Option<u32>>,
    local: Vec<Tag>,
    total: u64,
    singles: HashMap<u32, u64>,
    pairs: HashMap<(u32, u32), u64>,
    doc_tags: Vec<u32>,
}

impl Collector for Pairs {
    type Fruit = FruitBox;
    type Child = PairsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let ff = reader.fast_fields();
        let tags = ff.str("tag_stats")?;
        let mut local: Vec<Tag> = Vec::new();
        let mut index: HashMap<Tag, u32> = HashMap::new();
        let ord_tag = tag_ord_table(&tags, |stat| {
            let tag = (stat.kind, stat.key, stat.code);
            *index.entry(tag.clone()).or_insert_with(|| {
                local.push(tag);
                (local.len() - 1) as u32
            })
        })?;
        Ok(PairsSegment {
            calendar: self.calendar.clone(),
            kind: self.kind,
            dates: ff.date("published_at")?,
            tags,
            ord_tag,
            local,
            total: 0,
            singles: HashMap::new(),
            pairs: HashMap::new(),
            doc_tags: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FruitBox>) -> tantivy::Result<FruitBox> {
        let mut all = Fruit::default();
        for FruitBox(f) in fruits {
            all.total += f.total;
            for (k, v) in f.singles {
                *all.singles.entry(k).or_default() += v;
            }
            for (k, v) in f.pairs {
                *all.pairs.entry(k).or_default() += v;
            }
        }
        Ok(FruitBox(all))
    }
}

/// The collector's fruit (a newtype so that it is `'static + Send`).
pub struct FruitBox(Fruit);

impl SegmentCollector for PairsSegment {
    type Fruit = FruitBox;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(date) = self.dates.first(doc) else {
            return;
        };
        if self
            .calendar
            .bucket_of(date.into_timestamp_secs())
            .is_none()
        {
            return;
        }
        self.total += 1;
        let Some(tags) = &self.tags else { return };
        self.doc_tags.clear();
        self.doc_tags
            .extend(tags.term_ords(doc).filter_map(|o| self.ord_tag[o as usize]));
        self.doc_tags.sort_unstable();
        self.doc_tags.dedup();
        for &t in &self.doc_tags {
            *self.singles.entry(t).or_default() += 1;
        }
        let kind_of = |t: u32| self.local[t as usize].0;
        for (i, &a) in self.doc_tags.iter().enumerate() {
            if kind_of(a) != TagKind::Theme {
                continue;
            }
            for &b in &self.doc_tags[i + 1..] {
                let keep = match self.kind {
                    PairKind::ThemeCompany => kind_of(b) == TagKind::Company,
                    PairKind::ThemeTheme => kind_of(b) == TagKind::Theme,
                };
                if keep {
                    *self.pairs.entry((a, b)).or_default() += 1;
                }
            }
            if self.kind == PairKind::ThemeCompany {
                // companies sorted before a theme never pair above
                for &b in &self.doc_tags[..i] {
                    if kind_of(b) == TagKind::Company {
                        *self.pairs.entry((a, b)).or_default() += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> FruitBox {
        let tag = |i: u32| self.local[i as usize].clone();
        FruitBox(Fruit {
            total: self.total,
            singles: self.singles.iter().map(|(&t, &n)| (tag(t), n)).collect(),
            pairs: self
                .pairs
                .iter()
                .map(|(&(a, b), &n)| {
                    // theme-theme pairs in one order whatever the segment's
                    let (a, b) = (tag(a), tag(b));
                    if b.0 == TagKind::Theme && b < a {
                        ((b, a), n)
                    } else {
                        ((a, b), n)
                    }
                })
                .collect(),
        })
    }
}

/// Co-occurring pairs with at least `min_articles` articles, most articles
/// first (then highest lift).
pub fn cooccur(
    index: &TicaiIndex,
    lexicon: &Lexicon,
    filter: &SearchRequest,
    calendar: &Calendar,
    kind: PairKind,
    min_articles: u64,
) -> Result<Vec<Pair>> {
    let searcher = index.searcher()?;
    let query = crate::filter_query(index, filter, Some(calendar))?;
    let FruitBox(f) = searcher
        .search(
            &*query,
            &Pairs {
                calendar: Arc::new(calendar.clone()),
                kind,
            },
        )
        .map_err(|e| TrendsError::Index(e.to_string()))?;
    let theme_name = |id: &str| {
        lexicon
            .theme(id)
            .map_or_else(|| id.to_string(), |t| t.name_zh.clone())
    };
    let mut out: Vec<Pair> = f
        .pairs
        .iter()
        .filter(|(_, n)| **n >= min_articles.max(1))
        .map(|((a, b), &n)| {
            let (na, nb) = (f.singles[a], f.singles[b]);
            Pair {
                a_kind: a.0,
                a_key: a.1.clone(),
                a_name: theme_name(&a.1),
                b_kind: b.0,
                b_key: b.1.clone(),
                b_name: if b.0 == TagKind::Theme {
                    theme_name(&b.1)
                } else {
                    b.1.clone()
                },
                b_code: b.2.clone(),
                articles: n,
                a_articles: na,
                b_articles: nb,
                total_articles: f.total,
                lift: n as f64 * f.total as f64 / (na as f64 * nb as f64),
            }
        })
        .collect();
    out.sort_by(|x, y| {
        y.articles
            .cmp(&x.articles)
            .then(y.lift.total_cmp(&x.lift))
            .then_with(|| (&x.a_key, &x.b_key).cmp(&(&y.a_key, &y.b_key)))
    });
    Ok(out)
}
