//! ticai's search index: tantivy on disk, one document per tagged article.
//!
//! ```text
//! id, url, source          raw strings (id is the upsert key)
//! title, body              Chinese analyzer (see [`analyzer`]), positions, stored
//! published_at             date, indexed + fast; `published` keeps the RFC 3339 text
//! month                    i64 fast (yyyymm, China time), for calendar buckets
//! themes, companies,       raw strings, multi-valued, fast: filters and aggregations
//! company_codes            (`300308` and `300308.SZ`)
//! tags                     stored JSON: themes and companies with mention counts
//! tag_stats                raw strings, multi-valued, fast: one per tag, with its
//!                          mention count and title flag (see [`TagStat`]): trends
//! cluster_id               raw string, stored + fast; `cluster_hash` u64 fast (stories)
//! lexicon_version, script, ingested_at
//! region                   raw string, stored: the region a document was
//!                          given (`tw`, `hk`, `cn`; absent when detected),
//!                          so retag, snippets and the article view read it
//!                          as ingest did
//! ```
//!
//! An index written before a field was added opens only for
//! [`OldIndex`], which `ticai reindex` rebuilds it from.

pub mod analyzer;
mod snippet;

pub use snippet::{escape_html, unescape_html};
mod compile;
pub mod params;
pub mod query;

pub use params::SearchParams;

pub use compile::{ExplainNode, Explanation, TITLE_BOOST};

use analyzer::{ANALYZER, ZhTokenizer};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::aggregation::AggregationCollector;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::Directory as _;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value as _,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DateTime, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};
use ticai_lexicon::Lexicon;
use ticai_model::{Document, TaggedDocument};
use ticai_tag::Tagger;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("index at {path}: {source}")]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "index at {0} was written by an earlier ticai (it has no field {1:?}): run `ticai reindex` to rebuild it from its stored articles (nothing is fetched again)"
    )]
    Schema(PathBuf, String),
    #[error(transparent)]
    Query(#[from] query::QueryError),
    #[error("{0}")]
    Request(String),
    /// A parameter of a request (a flag, a query-string field) is invalid.
    #[error("{message}")]
    Parameter { name: &'static str, message: String },
}

pub type Result<T> = std::result::Result<T, IndexError>;

/// The index's fields.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub id: Field,
    pub url: Field,
    pub source: Field,
    pub title: Field,
    pub body: Field,
    pub published_at: Field,
    pub published: Field,
    pub month: Field,
    pub themes: Field,
    pub companies: Field,
    pub company_codes: Field,
    pub tags: Field,
    pub lexicon_version: Field,
    pub cluster_id: Field,
    pub cluster_hash: Field,
    pub tag_stats: Field,
    pub script: Field,
    pub ingested_at: Field,
    pub region: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        url: b.add_text_field("url", STRING | STORED),
        source: b.add_text_field("source", STRING | STORED | FAST),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text),
        published_at: b.add_date_field("published_at", INDEXED | FAST),
        published: b.add_text_field("published", STORED),
        month: b.add_i64_field("month", INDEXED | FAST),
        themes: b.add_text_field("themes", STRING | FAST),
        companies: b.add_text_field("companies", STRING | FAST),
        company_codes: b.add_text_field("company_codes", STRING),
        tags: b.add_text_field("tags", STORED),
        lexicon_version: b.add_text_field("lexicon_version", STRING | STORED | FAST),
        cluster_id: b.add_text_field("cluster_id", STRING | STORED | FAST),
        cluster_hash: b.add_u64_field("cluster_hash", FAST),
        tag_stats: b.add_text_field("tag_stats", STRING | FAST),
        script: b.add_text_field("script", STRING | STORED),
        ingested_at: b.add_date_field("ingested_at", STORED),
        region: b.add_text_field("region", STRING | STORED),
    };
    (b.build(), fields)
}

/// How search results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest first; documents without a date last.
    Date,
}

/// A search: a query in the query language plus filters; the one filter
/// model of the CLI and any API (every filter is ANDed with the query).
#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    /// The query language ([`query`]): words, "phrases", AND/OR/NOT, `&&`,
    /// `||`, `!`, `+`, `-`, parentheses, field prefixes (title:, body:,
    /// source:, theme:, company:, published:, id:); empty = every document.
    pub query: String,
    /// Theme ids; a document must have all of them.
    pub themes: Vec<String>,
    /// Company names, aliases or codes; a document must name all of them.
    pub companies: Vec<String>,
    /// Sources; a document must come from one of them (empty: any).
    pub sources: Vec<String>,
    /// Inclusive bounds on the publication time.
    pub since: Option<DateTime>,
    pub until: Option<DateTime>,
    pub sort: Sort,
    pub limit: usize,
    /// Results to skip (paging: `offset` + `limit`).
    pub offset: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    pub id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub source: Option<String>,
    /// Relevance score (null when sorted by date).
    pub score: Option<f32>,
    pub themes: Value,
    pub companies: Value,
    /// A passage of the body as HTML: the text escaped, the matched terms in
    /// `<b>` tags; the body's opening, escaped, when no body term matched.
    pub snippet: String,
    /// Copies of one story (syndication, reposts) share a cluster id.
    pub cluster_id: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub results: Vec<Hit>,
}

/// What `ticai stats` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub documents: u64,
    pub segments: usize,
    pub sources: Vec<(String, u64)>,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    pub lexicon_versions: Vec<(String, u64)>,
    pub index_bytes: u64,
}

/// A document analyzed for the index ([`TicaiIndex::analyze`]).
#[derive(Clone, Debug)]
pub struct Analysis {
    pub tagged: TaggedDocument,
    body_tokens: analyzer::TokenList,
    title_tokens: Option<analyzer::TokenList>,
}

impl Analysis {
    /// The index tokens of the body and of the title, as tantivy's.
    pub fn tokens(
        &self,
    ) -> (
        Vec<tantivy::tokenizer::Token>,
        Option<Vec<tantivy::tokenizer::Token>>,
    ) {
        (
            self.body_tokens.to_tokens(),
            self.title_tokens
                .as_ref()
                .map(analyzer::TokenList::to_tokens),
        )
    }
}

/// A stored article, as `retag` reads it back.
#[derive(Clone, Debug)]
pub struct StoredArticle {
    pub document: Document,
    pub cluster_id: Option<String>,
    pub lexicon_version: Option<String>,
}

pub struct TicaiIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    stored: StoredFields,
    /// The query-time analyzer (whole words only).
    tokenizer: ZhTokenizer,
    path: PathBuf,
}

fn tantivy_err(path: &Path) -> impl Fn(tantivy::TantivyError) -> IndexError + '_ {
    move |source| IndexError::Tantivy {
        path: path.to_path_buf(),
        source,
    }
}

/// Company alias -> canonical name (normalized, lower-cased) for the
/// analyzer: every alias of every company whose name is not a common word.
pub fn canonical_company_names(lexicon: &Lexicon, tagger: &Tagger) -> HashMap<String, String> {
    let n = tagger.normalizer();
    let mut map = HashMap::new();
    for c in lexicon.companies.iter().filter(|c| !c.strict) {
        let canon = n.normalize_term(&c.name).to_lowercase();
        for (a, _) in &c.aliases {
            // an alias in Taiwan script, as converted (輝達 -> 英伟达) and as
            // its characters alone (辉达), like the tagger's terms
            let chars = n
                .normalize_in(a, Some(ticai_text::Region::Cn))
                .text
                .to_lowercase();
            for key in [n.normalize_term(a).to_lowercase(), chars] {
                if key != canon {
                    map.entry(key).or_insert_with(|| canon.clone());
                }
            }
        }
    }
    map
}

impl TicaiIndex {
    /// Opens the index in `dir`, creating it if needed.
    pub fn open_or_create(
        dir: &Path,
        tagger: Arc<Tagger>,
        canonical: HashMap<String, String>,
    ) -> Result<TicaiIndex> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let (schema, fields) = schema();
        let err = tantivy_err(dir);
        let index = if dir.join("meta.json").exists() {
            let index = Index::open_in_dir(dir).map_err(&err)?;
            let have = index.schema();
            for (_, entry) in schema.fields() {
                if have.get_field(entry.name()).is_err() {
                    return Err(IndexError::Schema(
                        dir.to_path_buf(),
                        entry.name().to_string(),
                    ));
                }
            }
            index
        } else {
            Index::create_in_dir(dir, schema).map_err(&err)?
        };
        let tokenizer = ZhTokenizer::new(tagger, canonical);
        index.tokenizers().register(ANALYZER, tokenizer.for_index());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(&err)?;
        Ok(TicaiIndex {
            stored: StoredFields::of(&index.schema()),
            index,
            reader,
            fields,
            tokenizer,
            path: dir.to_path_buf(),
        })
    }

    pub fn fields(&self) -> Fields {
        self.fields
    }

    pub fn tokenizer(&self) -> &ZhTokenizer {
        &self.tokenizer
    }

    /// Everything ingest computes from a document's text, once: its tags
    /// (with at most `max_evidence` spans per tag) and the tokens of its
    /// body and title for the index, all from one normalization and one
    /// segmentation per field ([`Tagger::analyze`]). Runs on any thread;
    /// [`Writer::upsert_analysis`] hands the tokens to tantivy.
    pub fn analyze(&self, doc: &Document, max_evidence: Option<usize>) -> Analysis {
        self.analyze_with(doc, |body, title| {
            self.tokenizer
                .tagger()
                .tag_analyzed(doc, max_evidence, body, title)
        })
    }

    /// As [`TicaiIndex::analyze`], with the document's tags given (made by
    /// the same lexicon elsewhere: the Spark backfill): the text is
    /// normalized and segmented for the index only.
    pub fn analyze_tagged(&self, doc: &Document, tagged: TaggedDocument) -> Analysis {
        self.analyze_with(doc, |_, _| tagged)
    }

    fn analyze_with(
        &self,
        doc: &Document,
        tag: impl FnOnce(&ticai_tag::Analyzed, Option<&ticai_tag::Analyzed>) -> TaggedDocument,
    ) -> Analysis {
        let tagger = self.tokenizer.tagger();
        let index = self.tokenizer.for_index();
        let body = tagger.analyze(&doc.text, doc.region);
        let title = doc
            .title
            .as_deref()
            .map(|t| (t, tagger.analyze(t, doc.region)));
        let tagged = tag(&body, title.as_ref().map(|(_, a)| a));
        Analysis {
            body_tokens: index.tokens_analyzed(&doc.text, &body),
            title_tokens: title.map(|(t, a)| index.tokens_analyzed(t, &a)),
            tagged,
        }
    }

    /// A writer; only one may exist at a time across processes.
    pub fn writer(&self) -> Result<Writer<'_>> {
        let w = self.index.writer(200_000_000).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => IndexError::Request(format!(
                "index at {} is locked by another ticai process (ingest, retag or reindex); try again when it is done",
                self.path.display()
            )),
            e => tantivy_err(&self.path)(e),
        })?;
        Ok(Writer {
            writer: w,
            index: self,
        })
    }

    /// A searcher over the latest commit.
    pub fn searcher(&self) -> Result<tantivy::Searcher> {
        self.reader.reload().map_err(tantivy_err(&self.path))?;
        Ok(self.reader.searcher())
    }

    pub fn num_docs(&self) -> Result<u64> {
        Ok(self.searcher()?.num_docs())
    }

    /// Parses a query of the query language ([`query`]) into a tantivy
    /// query; errors name the column.
    pub fn parse_query(&self, q: &str) -> Result<Box<dyn Query>> {
        match query::parse(q)? {
            Some(node) => self.compile(q, &node),
            None => Ok(Box::new(AllQuery)),
        }
    }

    fn company_filter(&self, value: &str) -> Box<dyn Query> {
        let v = value.trim();
        let looks_like_code = v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            && v.chars().any(|c| c.is_ascii_digit())
            || (v.len() <= 5 && v.chars().all(|c| c.is_ascii_uppercase()));
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if looks_like_code {
            alternatives.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.company_codes, &v.to_uppercase()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let canon = self
            .tokenizer
            .canonical_company(v)
            .map(str::to_string)
            .unwrap_or_else(|| {
                self.tokenizer
                    .tokens(v)
                    .iter()
                    .map(|t| t.text.clone())
                    .collect::<String>()
            });
        for name in [canon, v.to_lowercase()] {
            alternatives.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.companies, &name),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Box::new(BooleanQuery::new(alternatives))
    }

    /// The documents a request selects (query and filters; sort and limit
    /// do not apply): what trends, exports and alerts count over.
    pub fn filter_query(&self, req: &SearchRequest) -> Result<Box<dyn Query>> {
        Ok(self.build_query(req)?.0)
    }

    /// The query and filters of a request as one tantivy query, and the
    /// query's positive text clauses (for snippets).
    fn build_query(&self, req: &SearchRequest) -> Result<(Box<dyn Query>, Box<dyn Query>)> {
        let (text, snippet): (Box<dyn Query>, Box<dyn Query>) = match query::parse(&req.query)? {
            Some(node) => (
                self.compile(&req.query, &node)?,
                self.snippet_query(&req.query, &node),
            ),
            None => (Box::new(AllQuery), Box::new(AllQuery)),
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
        for (_, _, q) in self.filter_clauses(req)? {
            must.push((Occur::Must, q));
        }
        Ok((Box::new(BooleanQuery::new(must)), snippet))
    }

    /// Runs a search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let searcher = self.searcher()?;
        let (query, text_query) = self.build_query(req)?;
        let err = tantivy_err(&self.path);
        let limit = req.limit.max(1);
        let (total, addrs): (usize, Vec<(Option<f32>, tantivy::DocAddress)>) = match req.sort {
            Sort::Relevance => {
                let (n, top) = searcher
                    .search(
                        &query,
                        &(
                            Count,
                            TopDocs::with_limit(limit)
                                .and_offset(req.offset)
                                .order_by_score(),
                        ),
                    )
                    .map_err(&err)?;
                (n, top.into_iter().map(|(s, a)| (Some(s), a)).collect())
            }
            Sort::Date => {
                let (n, top) = searcher
                    .search(
                        &query,
                        &(
                            Count,
                            TopDocs::with_limit(limit)
                                .and_offset(req.offset)
                                .order_by_fast_field::<DateTime>("published_at", Order::Desc),
                        ),
                    )
                    .map_err(&err)?;
                (n, top.into_iter().map(|(_, a)| (None, a)).collect())
            }
        };
        let snippets = Snippets::new(self, &searcher, &*text_query).map_err(&err)?;
        let mut results = Vec::with_capacity(addrs.len());
        for (score, addr) in addrs {
            let doc: TantivyDocument = searcher.doc(addr).map_err(&err)?;
            let s = |f: Field| {
                doc.get_first(f)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let tags: Value = s(self.fields.tags)
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null);
            // HTML-safe in both branches (see the `snippet` module)
            let body = s(self.fields.body).unwrap_or_default();
            let region = s(self.fields.region).and_then(|r| r.parse().ok());
            let mut snippet = snippets.snippet(body.trim(), region).to_html();
            if snippet.is_empty() {
                snippet = snippet::lead(&body, 120);
            }
            results.push(Hit {
                id: s(self.fields.id).unwrap_or_default(),
                url: s(self.fields.url),
                title: s(self.fields.title),
                published_at: s(self.fields.published),
                source: s(self.fields.source),
                score,
                themes: tags.get("themes").cloned().unwrap_or(json!([])),
                companies: tags.get("companies").cloned().unwrap_or(json!([])),
                snippet,
                cluster_id: s(self.fields.cluster_id),
            });
        }
        Ok(SearchResults { total, results })
    }

    /// Document counts per value of a raw fast field (themes, companies,
    /// source), most frequent first.
    pub fn top_terms(
        &self,
        field: &str,
        size: usize,
        req: Option<&SearchRequest>,
    ) -> Result<Vec<(String, u64)>> {
        let searcher = self.searcher()?;
        let aggs: Aggregations =
            serde_json::from_value(json!({ "t": { "terms": { "field": field, "size": size } } }))
                .map_err(|e| IndexError::Request(e.to_string()))?;
        let collector = AggregationCollector::from_aggs(aggs, Default::default());
        let query: Box<dyn Query> = match req {
            Some(r) => self.build_query(r)?.0,
            None => Box::new(AllQuery),
        };
        let res = searcher
            .search(&query, &collector)
            .map_err(tantivy_err(&self.path))?;
        let v = serde_json::to_value(res).map_err(|e| IndexError::Request(e.to_string()))?;
        Ok(v.pointer("/t/buckets")
            .and_then(Value::as_array)
            .map(|b| {
                b.iter()
                    .filter_map(|x| {
                        Some((
                            x.get("key")?.as_str()?.to_string(),
                            x.get("doc_count")?.as_u64()?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn published_extreme(&self, order: Order) -> Result<Option<String>> {
        let searcher = self.searcher()?;
        let top = searcher
            .search(
                &AllQuery,
                &TopDocs::with_limit(1).order_by_fast_field::<DateTime>("published_at", order),
            )
            .map_err(tantivy_err(&self.path))?;
        let Some((Some(_), addr)) = top.into_iter().next() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err(&self.path))?;
        Ok(doc
            .get_first(self.fields.published)
            .and_then(|v| v.as_str())
            .map(str::to_string))
    }

    /// The earliest and latest publication time in the index (UTC seconds),
    /// or `None` when no document has a date. From the column statistics,
    /// which may still count a replaced (deleted, not yet merged) copy.
    pub fn published_bounds(&self) -> Result<Option<(i64, i64)>> {
        let searcher = self.searcher()?;
        let mut bounds: Option<(i64, i64)> = None;
        for seg in searcher.segment_readers() {
            let col = seg
                .fast_fields()
                .date("published_at")
                .map_err(tantivy_err(&self.path))?;
            if col.values.num_vals() == 0 || seg.num_docs() == 0 {
                continue;
            }
            let (lo, hi) = (
                col.min_value().into_timestamp_secs(),
                col.max_value().into_timestamp_secs(),
            );
            bounds = Some(bounds.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
        Ok(bounds)
    }

    pub fn stats(&self) -> Result<Stats> {
        let searcher = self.searcher()?;
        let index_bytes = std::fs::read_dir(&self.path)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        Ok(Stats {
            documents: searcher.num_docs(),
            segments: searcher.segment_readers().len(),
            sources: self.top_terms("source", 50, None)?,
            first_published: self.published_extreme(Order::Asc)?,
            last_published: self.published_extreme(Order::Desc)?,
            lexicon_versions: self.top_terms("lexicon_version", 20, None)?,
            index_bytes,
        })
    }

    /// The stored article with this id (exact), or `None`.
    pub fn article(&self, id: &str) -> Result<Option<StoredArticle>> {
        let searcher = self.searcher()?;
        let err = tantivy_err(&self.path);
        let q = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .map_err(&err)?;
        let Some((_, addr)) = top.into_iter().next() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(addr).map_err(&err)?;
        Ok(Some(self.stored.read(&doc)))
    }

    /// The stored article of a document of this index.
    pub fn stored_article(&self, doc: &TantivyDocument) -> StoredArticle {
        self.stored.read(doc)
    }

    /// How many documents belong to each of these clusters (copies of one
    /// story).
    pub fn cluster_sizes(&self, clusters: &[&str]) -> Result<HashMap<String, usize>> {
        let searcher = self.searcher()?;
        let mut out = HashMap::new();
        for c in clusters {
            if out.contains_key(*c) {
                continue;
            }
            let q = TermQuery::new(
                Term::from_field_text(self.fields.cluster_id, c),
                IndexRecordOption::Basic,
            );
            let n = searcher
                .search(&q, &Count)
                .map_err(tantivy_err(&self.path))?;
            out.insert(c.to_string(), n);
        }
        Ok(out)
    }

    /// Every stored article, `batch` at a time, in index order (for
    /// re-tagging): only one batch is in memory at once.
    pub fn visit_articles<E: From<IndexError>>(
        &self,
        batch: usize,
        f: impl FnMut(Vec<StoredArticle>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let searcher = self.searcher()?;
        visit_stored(&searcher, &self.stored, &self.path, batch, f)
    }

    /// Every stored article.
    pub fn stored_articles(&self) -> Result<Vec<StoredArticle>> {
        let mut out = Vec::new();
        self.visit_articles(BATCH, |b| {
            out.extend(b);
            Ok::<_, IndexError>(())
        })?;
        Ok(out)
    }
}

/// Stored articles read per batch.
const BATCH: usize = 1024;

/// The stored fields of an index, looked up by name in its own schema, so
/// that an index written before a field existed reads too (the field
/// reads as absent).
#[derive(Clone, Copy, Debug)]
struct StoredFields {
    id: Option<Field>,
    url: Option<Field>,
    source: Option<Field>,
    title: Option<Field>,
    body: Option<Field>,
    published: Option<Field>,
    cluster_id: Option<Field>,
    lexicon_version: Option<Field>,
    region: Option<Field>,
}

impl StoredFields {
    fn of(schema: &Schema) -> StoredFields {
        let f = |name: &str| schema.get_field(name).ok();
        StoredFields {
            id: f("id"),
            url: f("url"),
            source: f("source"),
            title: f("title"),
            body: f("body"),
            published: f("published"),
            cluster_id: f("cluster_id"),
            lexicon_version: f("lexicon_version"),
            region: f("region"),
        }
    }

    fn read(&self, doc: &TantivyDocument) -> StoredArticle {
        let s = |f: Option<Field>| {
            doc.get_first(f?)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        StoredArticle {
            document: Document {
                id: s(self.id).unwrap_or_default(),
                title: s(self.title),
                published_at: s(self.published),
                url: s(self.url),
                source: s(self.source),
                text: s(self.body).unwrap_or_default(),
                title_span: None,
                // written only from a valid region
                region: s(self.region).and_then(|r| r.parse().ok()),
            },
            cluster_id: s(self.cluster_id),
            lexicon_version: s(self.lexicon_version),
        }
    }
}

fn visit_stored<E: From<IndexError>>(
    searcher: &tantivy::Searcher,
    fields: &StoredFields,
    path: &Path,
    batch: usize,
    mut f: impl FnMut(Vec<StoredArticle>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let batch = batch.max(1);
    let err = tantivy_err(path);
    let mut out = Vec::with_capacity(batch);
    for segment in searcher.segment_readers() {
        let store = segment
            .get_store_reader(64)
            .map_err(|source| IndexError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        for doc_id in segment.doc_ids_alive() {
            let doc: TantivyDocument = store.get(doc_id).map_err(&err)?;
            out.push(fields.read(&doc));
            if out.len() == batch {
                f(std::mem::replace(&mut out, Vec::with_capacity(batch)))?;
            }
        }
    }
    if !out.is_empty() {
        f(out)?;
    }
    Ok(())
}

/// An index as an earlier ticai may have written it (any schema), opened
/// to be rebuilt (`ticai reindex`): its stored articles are read by field
/// name, and its writer lock is held until this is dropped, so that no
/// other process adds documents that the rebuilt index would lack.
pub struct OldIndex {
    path: PathBuf,
    reader: IndexReader,
    stored: StoredFields,
    missing: Vec<String>,
    _lock: tantivy::directory::DirectoryLock,
}

impl OldIndex {
    pub fn open(dir: &Path) -> Result<OldIndex> {
        let err = tantivy_err(dir);
        let index = Index::open_in_dir(dir).map_err(&err)?;
        let lock = index
            .directory()
            .acquire_lock(&tantivy::directory::INDEX_WRITER_LOCK)
            .map_err(|e| match e {
                tantivy::directory::error::LockError::LockBusy => IndexError::Request(format!(
                    "index at {} is locked by another ticai process (ingest, retag or reindex); try again when it is done",
                    dir.display()
                )),
                tantivy::directory::error::LockError::IoError(source) => IndexError::Request(
                    format!("index at {}: cannot take its writer lock: {source}", dir.display()),
                ),
            })?;
        let have = index.schema();
        let missing = schema()
            .0
            .fields()
            .map(|(_, e)| e.name().to_string())
            .filter(|name| have.get_field(name).is_err())
            .collect();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(&err)?;
        Ok(OldIndex {
            path: dir.to_path_buf(),
            reader,
            stored: StoredFields::of(&have),
            missing,
            _lock: lock,
        })
    }

    /// The fields of today's schema that this index lacks.
    pub fn missing_fields(&self) -> &[String] {
        &self.missing
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// As [`TicaiIndex::visit_articles`].
    pub fn visit_articles<E: From<IndexError>>(
        &self,
        batch: usize,
        f: impl FnMut(Vec<StoredArticle>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        visit_stored(&self.reader.searcher(), &self.stored, &self.path, batch, f)
    }
}

/// Snippet generators of one search: the terms of its text query, cut by
/// the index analyzer, in the region a document was given (a generator
/// per region met) or detected.
struct Snippets {
    terms: std::collections::BTreeMap<String, f32>,
    analyzer: ZhTokenizer,
    body: Field,
    detected: SnippetGenerator,
    regional: std::cell::RefCell<HashMap<ticai_model::Region, SnippetGenerator>>,
}

const SNIPPET_CHARS: usize = 160;

impl Snippets {
    fn new(
        index: &TicaiIndex,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
    ) -> tantivy::Result<Snippets> {
        // as tantivy's SnippetGenerator::create weighs them
        let body = index.fields.body;
        let mut wanted = std::collections::BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == body {
                wanted.insert(term.clone());
            }
        });
        let mut terms = std::collections::BTreeMap::new();
        for term in wanted {
            let Some(text) = term.value().as_str().map(str::to_string) else {
                continue;
            };
            let df = searcher.doc_freq(&term)?;
            if df > 0 {
                terms.insert(text, 1.0 / (1.0 + df as f32));
            }
        }
        let analyzer = index.tokenizer.for_index();
        Ok(Snippets {
            detected: Self::generator(&terms, body, analyzer.clone()),
            terms,
            analyzer,
            body,
            regional: Default::default(),
        })
    }

    fn generator(
        terms: &std::collections::BTreeMap<String, f32>,
        body: Field,
        analyzer: ZhTokenizer,
    ) -> SnippetGenerator {
        SnippetGenerator::new(
            terms.clone(),
            tantivy::tokenizer::TextAnalyzer::from(analyzer),
            body,
            SNIPPET_CHARS,
        )
    }

    fn snippet(
        &self,
        text: &str,
        region: Option<ticai_model::Region>,
    ) -> tantivy::snippet::Snippet {
        let Some(region) = region else {
            return self.detected.snippet(text);
        };
        self.regional
            .borrow_mut()
            .entry(region)
            .or_insert_with(|| {
                Self::generator(&self.terms, self.body, self.analyzer.in_region(region))
            })
            .snippet(text)
    }
}

/// FNV-1a of a string: stable across runs and machines (cluster keys).
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether a [`TagStat`] is a theme or a company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TagKind {
    Theme,
    Company,
}

impl TagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TagKind::Theme => "theme",
            TagKind::Company => "company",
        }
    }
}

/// One tag of a document as the `tag_stats` fast field keeps it, so that
/// counts per bucket need no stored-document reads:
/// `kind \t key \t code \t mentions \t in_title`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagStat {
    pub kind: TagKind,
    /// Theme id, or the company's canonical name (as the lexicon writes it).
    pub key: String,
    /// Company code (empty for themes and companies without one).
    pub code: String,
    pub mentions: u64,
    pub in_title: bool,
}

impl TagStat {
    pub fn theme(t: &ticai_model::ThemeHit) -> TagStat {
        TagStat {
            kind: TagKind::Theme,
            key: t.id.clone(),
            code: String::new(),
            mentions: t.mentions as u64,
            in_title: t.in_title,
        }
    }

    pub fn company(c: &ticai_model::CompanyHit) -> TagStat {
        TagStat {
            kind: TagKind::Company,
            key: c.name.clone(),
            code: c.code.clone().unwrap_or_default(),
            mentions: c.mentions as u64,
            in_title: c.in_title,
        }
    }

    pub fn encode(&self) -> String {
        let kind = match self.kind {
            TagKind::Theme => 't',
            TagKind::Company => 'c',
        };
        let clean = |s: &str| s.replace(['\t', '\n'], " ");
        format!(
            "{kind}\t{}\t{}\t{}\t{}",
            clean(&self.key),
            clean(&self.code),
            self.mentions,
            u8::from(self.in_title)
        )
    }

    pub fn decode(s: &str) -> Option<TagStat> {
        let mut parts = s.split('\t');
        let kind = match parts.next()? {
            "t" => TagKind::Theme,
            "c" => TagKind::Company,
            _ => return None,
        };
        let key = parts.next()?.to_string();
        let code = parts.next()?.to_string();
        let mentions = parts.next()?.parse().ok()?;
        let in_title = parts.next()? == "1";
        Some(TagStat {
            kind,
            key,
            code,
            mentions,
            in_title,
        })
    }
}

/// Writes documents; nothing is visible (or durable) before [`Writer::commit`].
pub struct Writer<'a> {
    writer: IndexWriter,
    index: &'a TicaiIndex,
}

/// `yyyymm` of a time in China (+08:00).
fn month_of(d: &tantivy::DateTime) -> i64 {
    let secs = d.into_timestamp_secs() + 8 * 3600;
    let days = secs.div_euclid(86_400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    y * 100 + m
}

impl Writer<'_> {
    /// Adds a tagged document, replacing any document with the same id;
    /// tantivy's threads analyze its text for the index.
    pub fn upsert(
        &mut self,
        doc: &Document,
        tagged: &TaggedDocument,
        lexicon_version: &str,
        cluster_id: Option<&str>,
    ) -> Result<()> {
        self.add(doc, tagged, lexicon_version, cluster_id)
    }

    /// Adds a document analyzed by [`TicaiIndex::analyze`], replacing any
    /// document with the same id: the index takes the analysis's tokens
    /// instead of normalizing and segmenting the text again. The index is
    /// the same as [`Writer::upsert`] makes (the region of the document,
    /// given or detected, applies to its index terms too).
    pub fn upsert_analysis(
        &mut self,
        doc: &Document,
        analysis: Analysis,
        lexicon_version: &str,
        cluster_id: Option<&str>,
    ) -> Result<()> {
        let prepared = self.index.tokenizer.prepared();
        prepared.put(&doc.text, analysis.body_tokens);
        if let (Some(t), Some(tokens)) = (doc.title.as_deref(), analysis.title_tokens) {
            prepared.put(t, tokens);
        }
        self.add(doc, &analysis.tagged, lexicon_version, cluster_id)
    }

    fn add(
        &mut self,
        doc: &Document,
        tagged: &TaggedDocument,
        lexicon_version: &str,
        cluster_id: Option<&str>,
    ) -> Result<()> {
        let f = self.index.fields;
        self.writer
            .delete_term(Term::from_field_text(f.id, &doc.id));
        let mut d = TantivyDocument::default();
        d.add_text(f.id, &doc.id);
        if let Some(u) = &doc.url {
            d.add_text(f.url, u);
        }
        if let Some(s) = &doc.source {
            d.add_text(f.source, s);
        }
        if let Some(t) = &doc.title {
            d.add_text(f.title, t);
        }
        d.add_text(f.body, &doc.text);
        if let Some(p) = doc.published_at.as_deref() {
            match ticai_extract::parse_date(p, None) {
                Some(dt) => {
                    let ts = DateTime::from_timestamp_secs(dt.timestamp());
                    d.add_date(f.published_at, ts);
                    d.add_i64(f.month, month_of(&ts));
                    d.add_text(f.published, dt.to_rfc3339());
                }
                None => d.add_text(f.published, p),
            }
        }
        for t in &tagged.themes {
            d.add_text(f.themes, &t.id);
            d.add_text(f.tag_stats, TagStat::theme(t).encode());
        }
        for c in &tagged.companies {
            d.add_text(f.tag_stats, TagStat::company(c).encode());
            d.add_text(f.companies, c.name.to_lowercase());
            if let Some(code) = &c.code {
                d.add_text(f.company_codes, code);
                if let Some(ex) = c.exchange {
                    d.add_text(f.company_codes, format!("{code}.{ex}"));
                }
            }
        }
        let tags = json!({
            "themes": tagged.themes.iter().map(|t| json!({"id": t.id, "name": t.name, "mentions": t.mentions, "in_title": t.in_title})).collect::<Vec<_>>(),
            "companies": tagged.companies.iter().map(|c| json!({"name": c.name, "code": c.code, "exchange": c.exchange, "mentions": c.mentions, "in_title": c.in_title})).collect::<Vec<_>>(),
        });
        d.add_text(f.tags, tags.to_string());
        d.add_text(f.lexicon_version, lexicon_version);
        // every document belongs to a story: its own when no cluster is known
        let cluster = cluster_id.unwrap_or(&doc.id);
        d.add_text(f.cluster_id, cluster);
        d.add_u64(f.cluster_hash, stable_hash(cluster));
        let script = match ticai_extract::script_of(&doc.text) {
            ticai_extract::Script::Simplified => "zh-Hans",
            ticai_extract::Script::Traditional => "zh-Hant",
            ticai_extract::Script::Other => "other",
        };
        d.add_text(f.script, script);
        if let Some(r) = doc.region {
            d.add_text(f.region, r.as_str());
        }
        d.add_date(f.ingested_at, DateTime::from_timestamp_secs(now_secs()));
        self.writer
            .add_document(d)
            .map_err(tantivy_err(&self.index.path))?;
        Ok(())
    }

    /// Makes everything written so far durable and visible, atomically.
    pub fn commit(&mut self) -> Result<()> {
        let done = self.writer.commit().map_err(tantivy_err(&self.index.path));
        // every document added so far has been tokenized: nothing prepared
        // is still wanted (a failed add leaves its tokens behind)
        self.index.tokenizer.prepared().clear();
        done?;
        Ok(())
    }

    /// Waits for the segment merges that the commits started. A writer that
    /// is merely dropped cancels them, so an index written by many short
    /// runs (the daily job) would pile up small segments, and every query
    /// and trend pays per segment. Uncommitted documents are discarded:
    /// commit first. Stopping the process here loses nothing committed (a
    /// merge only becomes visible with its own atomic commit of the index
    /// metadata).
    pub fn wait_merges(self) -> Result<()> {
        self.writer
            .wait_merging_threads()
            .map_err(tantivy_err(&self.index.path))?;
        Ok(())
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_in_china_time() {
        let at = |s: &str| DateTime::from_timestamp_secs(chrono_free_parse(s));
        assert_eq!(month_of(&at("2026-11-30T16:30:00Z")), 202612); // 00:30 on Dec 1st in Beijing
        assert_eq!(month_of(&at("2026-11-30T15:30:00Z")), 202611);
        assert_eq!(month_of(&at("2000-02-29T00:00:00Z")), 200002);
    }

    #[test]
    fn tag_stats_round_trip() {
        let t = TagStat {
            kind: TagKind::Company,
            key: "中际旭创".into(),
            code: "300308".into(),
            mentions: 3,
            in_title: true,
        };
        assert_eq!(TagStat::decode(&t.encode()), Some(t));
        assert_eq!(TagStat::decode("x\ta"), None);
    }

    fn chrono_free_parse(s: &str) -> i64 {
        ticai_extract::parse_date(s, None).unwrap().timestamp()
    }
}
