//! The documents of an index as a search tier takes them
//! (`ticai export documents`): one JSON object per document with every
//! stored field and the tags, as NDJSON (what Quickwit's ingest API and
//! `quickwit tool local-ingest` read) or as an Elasticsearch/OpenSearch
//! `_bulk` body (an action line before each document). The field names and
//! types are those of `deploy/quickwit/ticai.yaml` and
//! `deploy/opensearch/ticai.json`; a test holds the three together.

use crate::TrendsError;
use crate::calendar::Calendar;
use serde::{Deserialize, Serialize};
use std::io::Write;
use tantivy::TantivyDocument;
use tantivy::schema::Value as _;
use ticai_index::{SearchRequest, TicaiIndex};

/// The tags a document was indexed with: the index's stored `tags` JSON
/// (read by this export and by `export mentions`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StoredTags {
    pub themes: Vec<ThemeTag>,
    pub companies: Vec<CompanyTag>,
}

impl StoredTags {
    /// The tags a stored document carries.
    pub fn of(index: &ticai_index::TicaiIndex, doc: &tantivy::TantivyDocument) -> StoredTags {
        use tantivy::schema::Value as _;
        StoredTags::parse(
            doc.get_first(index.fields().tags)
                .and_then(|v| v.as_str())
                .unwrap_or_default(),
        )
    }

    /// The tags of the stored JSON; none when it does not read.
    pub fn parse(json: &str) -> StoredTags {
        serde_json::from_str(json).unwrap_or_default()
    }
}

/// A theme of an exported document, with its mention count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThemeTag {
    pub id: String,
    pub name: String,
    pub mentions: u64,
    pub in_title: bool,
}

/// A company of an exported document, with its mention count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyTag {
    pub name: String,
    pub code: Option<String>,
    pub exchange: Option<String>,
    pub mentions: u64,
    pub in_title: bool,
}

/// One exported document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedDocument {
    pub id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub text: String,
    /// RFC 3339, when the index read a date.
    pub published_at: Option<String>,
    /// The date as written, when the index could not read it.
    pub published_text: Option<String>,
    pub source: Option<String>,
    /// The region the document was given (`tw`, `hk`, `cn`).
    pub region: Option<String>,
    /// `zh-Hans`, `zh-Hant` or `other`.
    pub script: Option<String>,
    pub cluster_id: Option<String>,
    pub lexicon_version: Option<String>,
    /// RFC 3339 (UTC): the document's last write (ingest, retag, reindex).
    pub ingested_at: Option<String>,
    /// Theme ids.
    pub themes: Vec<String>,
    /// Company names as tagged.
    pub companies: Vec<String>,
    /// Codes, bare and with the exchange (`300308`, `300308.SZ`).
    pub company_codes: Vec<String>,
    pub theme_tags: Vec<ThemeTag>,
    pub company_tags: Vec<CompanyTag>,
    /// ticai's index terms of the title, space-separated (`--terms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_terms: Option<String>,
    /// ticai's index terms of the text, space-separated (`--terms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_terms: Option<String>,
}

/// How the documents are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentsFormat {
    /// One document per line.
    Ndjson,
    /// An `_bulk` body: `{"index": {"_index", "_id"}}` before each document.
    Bulk,
}

/// Calls `f` with each document `filter` selects (within `calendar`'s
/// days when given, every document otherwise), in index order, with
/// ticai's index terms when `terms`; returns how many.
pub fn for_each<E: From<TrendsError>>(
    index: &TicaiIndex,
    filter: &SearchRequest,
    calendar: Option<&Calendar>,
    terms: bool,
    mut f: impl FnMut(ExportedDocument) -> std::result::Result<(), E>,
) -> std::result::Result<u64, E> {
    let mut n = 0u64;
    crate::mentions::for_each_document(index, filter, calendar, |doc| {
        n += 1;
        f(exported(index, doc, terms))
    })?;
    Ok(n)
}

/// Writes one document: a line, after its action line in `Bulk`.
pub fn write(
    out: &mut impl Write,
    d: &ExportedDocument,
    format: DocumentsFormat,
    index_name: &str,
) -> std::io::Result<()> {
    if format == DocumentsFormat::Bulk {
        let action = serde_json::json!({"index": {"_index": index_name, "_id": d.id}});
        serde_json::to_writer(&mut *out, &action)?;
        out.write_all(b"\n")?;
    }
    serde_json::to_writer(&mut *out, d)?;
    out.write_all(b"\n")
}

fn exported(index: &TicaiIndex, doc: &TantivyDocument, terms: bool) -> ExportedDocument {
    let f = index.fields();
    let s = |field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let stored = index.stored_article(doc);
    let d = stored.document;
    let published = d.published_at.clone();
    // the index stores a date it read as RFC 3339, any other as written
    let readable = published
        .as_deref()
        .is_some_and(|p| chrono::DateTime::parse_from_rfc3339(p).is_ok());
    let ingested_at = doc
        .get_first(f.ingested_at)
        .and_then(|v| v.as_datetime())
        .and_then(|t| chrono::DateTime::from_timestamp(t.into_timestamp_secs(), 0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let StoredTags {
        themes: theme_tags,
        companies: company_tags,
    } = StoredTags::of(index, doc);
    let mut company_codes = Vec::new();
    for c in &company_tags {
        if let Some(code) = &c.code {
            company_codes.push(code.clone());
            if let Some(ex) = &c.exchange {
                company_codes.push(format!("{code}.{ex}"));
            }
        }
    }
    let (title_terms, text_terms) = if terms {
        let tokenizer = index.tokenizer().for_index();
        let join = |text: &str| {
            tokenizer
                .tokens_in(text, d.region)
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        (d.title.as_deref().map(join), Some(join(&d.text)))
    } else {
        (None, None)
    };
    ExportedDocument {
        themes: theme_tags.iter().map(|t| t.id.clone()).collect(),
        companies: company_tags.iter().map(|c| c.name.clone()).collect(),
        company_codes,
        theme_tags,
        company_tags,
        published_at: published.clone().filter(|_| readable),
        published_text: published.filter(|_| !readable),
        region: d.region.map(|r| r.as_str().to_string()),
        script: s(f.script),
        cluster_id: stored.cluster_id,
        lexicon_version: stored.lexicon_version,
        ingested_at,
        id: d.id,
        url: d.url,
        title: d.title,
        text: d.text,
        source: d.source,
        title_terms,
        text_terms,
    }
}
