//! The per-document mentions table: one row per (document, tag), plus one
//! `kind = document` row per document (the denominator), so that every
//! series `ticai trends` prints can be recomputed from it alone.

use crate::calendar::{self, Calendar};
use crate::table::{Cell, ColType, Table};
use crate::{Result, TrendsError};
use serde_json::Value;
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
        let tags: Value = serde_json::from_str(&s(f.tags)).unwrap_or(Value::Null);
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
        let str_of = |v: &Value, k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let num = |v: &Value| v.get("mentions").and_then(Value::as_u64).unwrap_or(0);
        let title = |v: &Value| v.get("in_title").and_then(Value::as_bool).unwrap_or(false);
        for t in tags["themes"].as_array().into_iter().flatten() {
            emit(
                "theme",
                &str_of(t, "id"),
                &str_of(t, "name"),
                "",
                num(t),
                title(t),
            )?;
        }
        for c in tags["companies"].as_array().into_iter().flatten() {
            let name = str_of(c, "name");
            emit(
                "company",
                &name,
                &name,
                &str_of(c, "code"),
                num(c),
                title(c),
            )?;
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
