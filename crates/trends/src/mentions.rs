//! The per-document mentions table: one row per (document, tag), plus one
//! `kind = document` row per document (the denominator), so that every
//! series `ticai trends` prints can be recomputed from it alone.

use crate::calendar::{self, Calendar};
use crate::table::{Cell, ColType, Table};
use crate::{Result, TrendsError};
use tantivy::collector::DocSetCollector;
use tantivy::schema::Value as _;
use tantivy::{DocAddress, TantivyDocument};
use ticai_index::{SearchRequest, TicaiIndex};

pub const COLUMNS: [(&str, ColType); 13] = [
    ("doc_id", ColType::Str),
    ("url", ColType::Str),
    ("published_at", ColType::Str),
    ("bucket_day", ColType::Str),
    ("source", ColType::Str),
    ("cluster_id", ColType::Str),
    ("kind", ColType::Str),
    ("key", ColType::Str),
    ("name", ColType::Str),
    ("code", ColType::Str),
    ("mentions", ColType::U64),
    ("in_title", ColType::Bool),
    ("lexicon_version", ColType::Str),
];

pub fn columns() -> Vec<(String, ColType)> {
    COLUMNS.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}

/// Writes the mentions of the documents `filter` selects (within
/// `calendar`'s days when given; undated documents only without one) in
/// index order; returns (documents, rows).
pub fn export(
    index: &TicaiIndex,
    filter: &SearchRequest,
    calendar: Option<&Calendar>,
    tz: chrono_tz::Tz,
    table: &mut Table,
) -> Result<(u64, u64)> {
    let f = index.fields();
    let (mut docs, mut rows) = (0u64, 0u64);
    for_each_document(index, filter, calendar, |doc| -> Result<()> {
        let s = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let published = s(f.published);
        let parsed = chrono::DateTime::parse_from_rfc3339(&published).ok();
        let (published_at, bucket_day) = match parsed {
            Some(t) => (
                published,
                calendar::day_of(tz, t.timestamp())
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
            // a date the index could not read is not a publication time
            None => (String::new(), String::new()),
        };
        let (id, url, source, cluster, version) = (
            s(f.id),
            s(f.url),
            s(f.source),
            s(f.cluster_id),
            s(f.lexicon_version),
        );
        let tags = crate::documents::StoredTags::of(index, doc);
        let mut emit =
            |kind: &str, key: &str, name: &str, code: &str, mentions: u64, in_title: bool| {
                rows += 1;
                table.row(&[
                    Cell::Str(&id),
                    Cell::Str(&url),
                    Cell::Str(&published_at),
                    Cell::Str(&bucket_day),
                    Cell::Str(&source),
                    Cell::Str(&cluster),
                    Cell::Str(kind),
                    Cell::Str(key),
                    Cell::Str(name),
                    Cell::Str(code),
                    Cell::U64(mentions),
                    Cell::Bool(in_title),
                    Cell::Str(&version),
                ])
            };
        emit("document", "", "", "", 0, false)?;
        for t in &tags.themes {
            emit("theme", &t.id, &t.name, "", t.mentions, t.in_title)?;
        }
        for c in &tags.companies {
            let code = c.code.as_deref().unwrap_or_default();
            emit("company", &c.name, &c.name, code, c.mentions, c.in_title)?;
        }
        docs += 1;
        Ok(())
    })?;
    Ok((docs, rows))
}

/// Calls `f` with each document `filter` selects (within `calendar`'s days
/// when given), in index order, reading each segment's store once.
pub(crate) fn for_each_document<E: From<TrendsError>>(
    index: &TicaiIndex,
    filter: &SearchRequest,
    calendar: Option<&Calendar>,
    mut f: impl FnMut(&TantivyDocument) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let searcher = index.searcher().map_err(TrendsError::from)?;
    let query = crate::filter_query(index, filter, calendar)?;
    let mut addrs: Vec<DocAddress> = searcher
        .search(&*query, &DocSetCollector)
        .map_err(|e| TrendsError::Index(e.to_string()))?
        .into_iter()
        .collect();
    addrs.sort_unstable();
    let mut store = None;
    let mut store_segment = u32::MAX;
    for addr in addrs {
        if addr.segment_ord != store_segment {
            store = Some(
                searcher
                    .segment_reader(addr.segment_ord)
                    .get_store_reader(16)
                    .map_err(|e| TrendsError::Index(e.to_string()))?,
            );
            store_segment = addr.segment_ord;
        }
        let doc: TantivyDocument = store
            .as_ref()
            .expect("opened above")
            .get(addr.doc_id)
            .map_err(|e| TrendsError::Index(e.to_string()))?;
        f(&doc)?;
    }
    Ok(())
}
