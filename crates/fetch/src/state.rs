//! Crawl state in SQLite (WAL, one transaction per stored page) and the raw
//! responses in a content-addressed zstd archive. An archive file is written
//! (to a temporary name, synced, renamed) before the row that refers to it,
//! so a process killed at any point leaves no row pointing at a missing or
//! half-written file.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct State {
    db: Connection,
    archive: PathBuf,
}

/// What is known about a URL from earlier runs.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub stored: bool,
}

/// The row of a fetched article.
#[derive(Clone, Debug)]
pub struct ArticleRecord<'a> {
    pub url: &'a str,
    pub source: &'a str,
    pub status: u16,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub content_type: Option<&'a str>,
    /// The archive key (sha256 of the body).
    pub hash: &'a str,
    pub cluster_id: &'a str,
    pub body_selector: Option<&'a str>,
}

/// A stored page, for ingestion.
#[derive(Clone, Debug)]
pub struct StoredPage {
    pub url: String,
    pub body_selector: Option<String>,
    pub source: String,
    pub content_type: Option<String>,
    pub fetched_at: String,
    pub cluster_id: String,
    /// The body's key in the archive ([`State::read_archive`]).
    pub hash: String,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

pub type DbResult<T> = Result<T, String>;

/// `?1,?2,...,?n` for an `IN (...)` list.
fn marks(n: usize) -> String {
    tuples(n, 1)
}

/// `(?1,?2),(?3,?4),...`: `rows` tuples of `width` parameters (for `width`
/// 1, without parentheses). Formatted once per shape: batches reuse the
/// same few shapes, and prepared statements are cached by their text.
fn tuples(rows: usize, width: usize) -> String {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static MEMO: OnceLock<Mutex<HashMap<(usize, usize), String>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    memo.entry((rows, width))
        .or_insert_with(|| {
            (0..rows)
                .map(|r| {
                    let cols: Vec<String> =
                        (1..=width).map(|c| format!("?{}", r * width + c)).collect();
                    if width == 1 {
                        cols.concat()
                    } else {
                        format!("({})", cols.join(","))
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .clone()
}

/// Whether the database has a table of this name.
fn table_exists(db: &Connection, name: &str) -> rusqlite::Result<bool> {
    db.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        params![name],
        |r| r.get(0),
    )
}

/// Where the archive under `archive` keeps the body with this sha256.
/// A page's extraction as fetch made it, kept beside the archived body
/// ([`State::write_extraction`]) with what it was made with: ingest reuses
/// it only when the extractor's version and the options are its own.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredExtraction {
    /// [`ticai_extract::EXTRACTOR_VERSION`] of the extractor that made it.
    pub extractor: String,
    pub url: String,
    pub content_type: Option<String>,
    pub body_selector: Option<String>,
    /// `YYYY-MM-DD`.
    pub reference_date: Option<String>,
    pub articles: Vec<ticai_extract::Article>,
    pub failure: Option<String>,
}

impl StoredExtraction {
    pub fn new(options: &ticai_extract::Options, ex: &ticai_extract::Extraction) -> Self {
        StoredExtraction {
            extractor: ticai_extract::EXTRACTOR_VERSION.to_string(),
            url: options.url.clone().unwrap_or_default(),
            content_type: options.content_type.clone(),
            body_selector: options.body_selector.clone(),
            reference_date: options.reference_date.map(|d| d.to_string()),
            articles: ex.articles.clone(),
            failure: ex.failure.clone(),
        }
    }

    /// Whether extracting with `options` now would make exactly this.
    pub fn made_with(&self, options: &ticai_extract::Options) -> bool {
        self.extractor == ticai_extract::EXTRACTOR_VERSION
            && Some(&self.url) == options.url.as_ref()
            && self.content_type == options.content_type
            && self.body_selector == options.body_selector
            && self.reference_date == options.reference_date.map(|d| d.to_string())
    }
}

fn archive_file(archive: &Path, hash: &str) -> PathBuf {
    archive.join(&hash[..2]).join(format!("{hash}.zst"))
}

fn db_err(e: rusqlite::Error) -> String {
    format!("state database: {e}")
}

/// What `ticai doctor` finds in a state database (opened read-only).
#[derive(Debug, Default)]
pub struct StateCheck {
    /// `PRAGMA integrity_check`'s messages (empty when it says "ok").
    pub integrity: Vec<String>,
    /// Pages whose body is stored.
    pub archived_pages: u64,
    /// (url, archive file) of stored bodies whose file is missing.
    pub missing: Vec<(String, PathBuf)>,
    /// (url, archive file, what is wrong) of bodies that do not decode or
    /// whose content no longer has its hash (with `deep`).
    pub corrupt: Vec<(String, PathBuf, String)>,
    /// Documents with a near-duplicate cluster.
    pub clustered_documents: u64,
}

/// Checks the state database of a data directory without writing to it:
/// its integrity, and that every stored body's archive file exists (and,
/// with `deep`, decodes to content with the recorded hash).
pub fn check(data_dir: &Path, deep: bool) -> DbResult<StateCheck> {
    use rusqlite::OpenFlags;
    let path = data_dir.join("state.sqlite");
    let db = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let named = |e: rusqlite::Error| format!("{}: {e}", path.display());
    let mut out = StateCheck::default();
    let mut stmt = db.prepare("PRAGMA integrity_check(20)").map_err(named)?;
    let messages = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(named)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(named)?;
    out.integrity = messages.into_iter().filter(|m| m != "ok").collect();
    let has = |table: &str| table_exists(&db, table).map_err(named);
    if has("pages")? {
        let archive = data_dir.join("archive");
        let mut stmt = db
            .prepare(
                "SELECT url, content_hash FROM pages WHERE content_hash IS NOT NULL ORDER BY url",
            )
            .map_err(named)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(named)?;
        for row in rows {
            let (url, hash) = row.map_err(named)?;
            out.archived_pages += 1;
            if hash.len() < 3 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.corrupt.push((
                    url,
                    archive.clone(),
                    format!("content hash {hash:?} is not a sha256"),
                ));
                continue;
            }
            let file = archive_file(&archive, &hash);
            if !file.is_file() {
                out.missing.push((url, file));
            } else if deep {
                let problem = match std::fs::read(&file) {
                    Err(e) => Some(e.to_string()),
                    Ok(bytes) => match zstd::decode_all(bytes.as_slice()) {
                        Err(e) => Some(format!("does not decode: {e}")),
                        Ok(body) if format!("{:x}", Sha256::digest(&body)) != hash => {
                            Some("content does not match its hash".to_string())
                        }
                        Ok(_) => None,
                    },
                };
                if let Some(p) = problem {
                    out.corrupt.push((url, file, p));
                }
            }
        }
    }
    if has("doc_clusters")? {
        out.clustered_documents = db
            .query_row("SELECT count(*) FROM doc_clusters", [], |r| r.get(0))
            .map_err(named)?;
    }
    Ok(out)
}

impl State {
    pub fn open(data_dir: &Path) -> DbResult<State> {
        std::fs::create_dir_all(data_dir.join("archive"))
            .map_err(|e| format!("{}: {e}", data_dir.display()))?;
        let db = Connection::open(data_dir.join("state.sqlite")).map_err(db_err)?;
        db.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             PRAGMA cache_size=-262144; -- 256 MB of page cache: ingest clustering looks up bands at random
             CREATE TABLE IF NOT EXISTS pages (
                 url TEXT PRIMARY KEY,         -- canonical URL
                 source TEXT NOT NULL,
                 kind TEXT NOT NULL,           -- feed | article
                 first_seen TEXT NOT NULL,
                 last_fetched TEXT,
                 status INTEGER,
                 etag TEXT,
                 last_modified TEXT,
                 content_type TEXT,
                 content_hash TEXT,            -- sha256 of the body = archive key
                 cluster_id TEXT,
                 error TEXT,
                 body_selector TEXT            -- the source's, for extraction at ingest
             );
             CREATE TABLE IF NOT EXISTS attempts (
                 id INTEGER PRIMARY KEY,
                 url TEXT NOT NULL,
                 at TEXT NOT NULL,
                 status INTEGER,
                 error TEXT
             );
             CREATE TABLE IF NOT EXISTS signatures (url TEXT PRIMARY KEY, sig BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, url TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS bands_key ON bands(band);
             CREATE INDEX IF NOT EXISTS pages_hash ON pages(content_hash);
             -- near-duplicate clusters of documents ingested from files
             -- (sig: 128 MinHash values, 32 bits each; the first DOC_BANDS
             -- LSH bands of each document in doc_lsh, keyed by its rowid)
             CREATE TABLE IF NOT EXISTS doc_clusters (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, sig BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS doc_lsh (band INTEGER NOT NULL, doc INTEGER NOT NULL,
                 PRIMARY KEY (band, doc)) WITHOUT ROWID;
             -- stored pages committed to an index (its id: index/ticai-index.id),
             -- with the body hash they were indexed from
             CREATE TABLE IF NOT EXISTS indexed (url TEXT PRIMARY KEY, hash TEXT NOT NULL, index_id TEXT NOT NULL);",
        )
        .map_err(db_err)?;
        let mut state = State {
            db,
            archive: data_dir.join("archive"),
        };
        state.migrate_doc_bands()?;
        Ok(state)
    }

    /// Data directories made before `doc_lsh` kept 32 bands per document
    /// under its text id (`doc_bands`): rebuild the bands from the stored
    /// signatures, once, and drop the old table.
    fn migrate_doc_bands(&mut self) -> DbResult<()> {
        if !table_exists(&self.db, "doc_bands").map_err(db_err)? {
            return Ok(());
        }
        let tx = self.db.transaction().map_err(db_err)?;
        {
            let mut rows = tx
                .prepare("SELECT rowid, sig FROM doc_clusters")
                .map_err(db_err)?;
            let mut insert = tx
                .prepare("INSERT OR IGNORE INTO doc_lsh (band, doc) VALUES (?1, ?2)")
                .map_err(db_err)?;
            let sigs = rows
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
                .map_err(db_err)?;
            for row in sigs {
                let (doc, sig) = row.map_err(db_err)?;
                let sig = crate::minhash::decode(&sig);
                if sig.iter().all(|&h| h == u32::MAX) {
                    continue;
                }
                for band in crate::minhash::doc_bands(&sig) {
                    insert.execute(params![band as i64, doc]).map_err(db_err)?;
                }
            }
        }
        tx.execute("DROP TABLE doc_bands", []).map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    pub fn known(&self, url: &str) -> DbResult<Known> {
        self.db
            .query_row(
                "SELECT etag, last_modified, content_hash IS NOT NULL FROM pages WHERE url = ?1",
                params![url],
                |r| {
                    Ok(Known {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                        stored: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(db_err)
            .map(Option::unwrap_or_default)
    }

    pub fn record_attempt(
        &self,
        url: &str,
        status: Option<u16>,
        error: Option<&str>,
    ) -> DbResult<()> {
        self.db
            .execute(
                "INSERT INTO attempts (url, at, status, error) VALUES (?1, ?2, ?3, ?4)",
                params![url, now(), status, error],
            )
            .map_err(db_err)?;
        crate::crashpoint::wrote("state: attempt");
        Ok(())
    }

    /// Records a listing (feed, sitemap, list page) and its validators,
    /// exactly as given: `None` clears them, so that the next run reads the
    /// listing in full. Call it only once every item the listing gave is
    /// stored or recorded as failed (see the crate's commit order).
    pub fn record_feed(&self, mark: &crate::FeedMark) -> DbResult<()> {
        self.db
            .execute(
                "INSERT INTO pages (url, source, kind, first_seen, last_fetched, status, etag, last_modified)
                 VALUES (?1, ?2, 'feed', ?3, ?3, ?4, ?5, ?6)
                 ON CONFLICT(url) DO UPDATE SET last_fetched = ?3, status = ?4,
                    etag = ?5, last_modified = ?6, error = NULL",
                params![mark.url, mark.source, now(), mark.status, mark.etag, mark.last_modified],
            )
            .map_err(db_err)?;
        crate::crashpoint::wrote("state: listing");
        Ok(())
    }

    pub fn record_failure(
        &self,
        url: &str,
        source: &str,
        status: Option<u16>,
        error: &str,
    ) -> DbResult<()> {
        self.db
            .execute(
                "INSERT INTO pages (url, source, kind, first_seen, last_fetched, status, error)
                 VALUES (?1, ?2, 'article', ?3, ?3, ?4, ?5)
                 ON CONFLICT(url) DO UPDATE SET last_fetched = ?3, status = ?4, error = ?5",
                params![url, source, now(), status, error],
            )
            .map_err(db_err)?;
        crate::crashpoint::wrote("state: failure");
        Ok(())
    }

    fn archive_path(&self, hash: &str) -> PathBuf {
        archive_file(&self.archive, hash)
    }

    /// Writes a body into the archive (idempotent) and returns its hash.
    pub fn archive(&self, body: &[u8]) -> DbResult<String> {
        let hash = format!("{:x}", Sha256::digest(body));
        let path = self.archive_path(&hash);
        if path.exists() {
            return Ok(hash);
        }
        let dir = path.parent().expect("archive paths have a parent");
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let tmp = dir.join(format!(".{hash}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let compressed = zstd::encode_all(body, 3)?;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&compressed)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| format!("archive {}: {e}", path.display()))?;
        crate::crashpoint::wrote("archive file");
        Ok(hash)
    }

    pub fn read_archive(&self, hash: &str) -> DbResult<Vec<u8>> {
        let path = self.archive_path(hash);
        let bytes = std::fs::read(&path).map_err(|e| format!("archive {}: {e}", path.display()))?;
        zstd::decode_all(bytes.as_slice()).map_err(|e| format!("archive {}: {e}", path.display()))
    }

    fn extraction_path(&self, hash: &str, url: &str) -> PathBuf {
        let key = format!("{:x}", Sha256::digest(url.as_bytes()));
        self.archive
            .join(&hash[..2])
            .join(format!("{hash}.{}.extracted.zst", &key[..16]))
    }

    /// Keeps the extraction of an archived body fetched from `url` beside
    /// the body (compressed JSON, written atomically), for ingest to read
    /// instead of extracting the page again.
    pub fn write_extraction(&self, hash: &str, stored: &StoredExtraction) -> DbResult<()> {
        let path = self.extraction_path(hash, &stored.url);
        let dir = path.parent().expect("archive paths have a parent");
        let tmp = dir.join(format!(".{hash}.{}.x.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let json = serde_json::to_vec(stored).map_err(std::io::Error::other)?;
            let compressed = zstd::encode_all(json.as_slice(), 3)?;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&compressed)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| format!("archive {}: {e}", path.display()))
    }

    /// The stored extraction of the body `hash` fetched from `url`, if
    /// there is one that reads (it is a cache: a missing or damaged file
    /// means extracting again).
    pub fn read_extraction(&self, hash: &str, url: &str) -> Option<StoredExtraction> {
        let bytes = std::fs::read(self.extraction_path(hash, url)).ok()?;
        let json = zstd::decode_all(bytes.as_slice()).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// The cluster of a body already stored under another URL, if any.
    pub fn cluster_of_hash(&self, hash: &str) -> DbResult<Option<String>> {
        self.db
            .query_row("SELECT cluster_id FROM pages WHERE content_hash = ?1 AND cluster_id IS NOT NULL LIMIT 1", params![hash], |r| r.get(0))
            .optional()
            .map_err(db_err)
    }

    /// Near-duplicate lookup: the cluster of the most similar stored page
    /// sharing an LSH band, when similar enough.
    pub fn cluster_of_signature(&self, sig: &[u64], threshold: f64) -> DbResult<Option<String>> {
        let mut stmt = self
            .db
            .prepare_cached(
                "SELECT DISTINCT s.url, s.sig, p.cluster_id FROM bands b JOIN signatures s ON s.url = b.url
                 JOIN pages p ON p.url = b.url WHERE b.band = ?1",
            )
            .map_err(db_err)?;
        let mut best: Option<(f64, String)> = None;
        for band in crate::minhash::bands(sig) {
            let rows = stmt
                .query_map(params![band as i64], |r| {
                    Ok((r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<String>>(2)?))
                })
                .map_err(db_err)?;
            for row in rows {
                let (other, cluster) = row.map_err(db_err)?;
                let sim = crate::minhash::similarity(sig, &crate::minhash::from_bytes(&other));
                if let Some(c) = cluster
                    && sim >= threshold
                    && best.as_ref().is_none_or(|(s, _)| sim > *s)
                {
                    best = Some((sim, c));
                }
            }
        }
        Ok(best.map(|(_, c)| c))
    }

    /// Stores a fetched article: one transaction for the row, its signature
    /// and bands, after the body is safely in the archive.
    pub fn store_article(&mut self, a: &ArticleRecord<'_>, sig: &[u64]) -> DbResult<()> {
        let url = a.url;
        let tx = self.db.transaction().map_err(db_err)?;
        let t = now();
        tx.execute(
            "INSERT INTO pages (url, source, kind, first_seen, last_fetched, status, etag, last_modified, content_type, content_hash, cluster_id, body_selector)
             VALUES (?1, ?2, 'article', ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(url) DO UPDATE SET last_fetched = ?3, status = ?4, etag = ?5, last_modified = ?6,
                content_type = ?7, content_hash = ?8, cluster_id = ?9, body_selector = ?10, error = NULL",
            params![url, a.source, t, a.status, a.etag, a.last_modified, a.content_type, a.hash, a.cluster_id, a.body_selector],
        )
        .map_err(db_err)?;
        tx.execute(
            "INSERT OR REPLACE INTO signatures (url, sig) VALUES (?1, ?2)",
            params![url, crate::minhash::to_bytes(sig)],
        )
        .map_err(db_err)?;
        tx.execute("DELETE FROM bands WHERE url = ?1", params![url])
            .map_err(db_err)?;
        for b in crate::minhash::bands(sig) {
            tx.execute(
                "INSERT INTO bands (band, url) VALUES (?1, ?2)",
                params![b as i64, url],
            )
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;
        crate::crashpoint::wrote("state: article");
        Ok(())
    }

    /// Every stored article, for `ticai ingest --fetched`.
    /// Stored articles not yet in the index `index_id` with their current
    /// body (every stored article with `None`), in URL order. Bodies are
    /// read one at a time with [`State::read_archive`].
    pub fn pages_to_index(&self, index_id: Option<&str>) -> DbResult<Vec<StoredPage>> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT p.url, p.source, p.content_type, p.last_fetched, p.cluster_id, p.content_hash, p.body_selector
                 FROM pages p LEFT JOIN indexed i ON i.url = p.url
                 WHERE p.kind = 'article' AND p.content_hash IS NOT NULL
                   AND (?1 IS NULL OR i.url IS NULL OR i.hash != p.content_hash OR i.index_id != ?1)
                 ORDER BY p.url",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![index_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (url, source, content_type, fetched_at, cluster, hash, body_selector) =
                row.map_err(db_err)?;
            out.push(StoredPage {
                body_selector,
                cluster_id: cluster.unwrap_or_else(|| hash[..16].to_string()),
                hash,
                url,
                source,
                content_type,
                fetched_at,
            });
        }
        Ok(out)
    }

    /// Records that these (url, body hash) pages are committed to the index
    /// `index_id`, so that later runs skip them. Written only after the
    /// index commit: a kill in between makes the next run upsert them again
    /// (upserts by id are idempotent).
    pub fn mark_indexed(&mut self, pages: &[(String, String)], index_id: &str) -> DbResult<()> {
        if pages.is_empty() {
            return Ok(());
        }
        let tx = self.db.transaction().map_err(db_err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO indexed (url, hash, index_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT(url) DO UPDATE SET hash = excluded.hash, index_id = excluded.index_id",
                )
                .map_err(db_err)?;
            for (url, hash) in pages {
                stmt.execute(params![url, hash, index_id]).map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        crate::crashpoint::wrote("state: indexed pages");
        Ok(())
    }

    /// Near-duplicate clusters for documents ingested from files: a
    /// document already seen keeps its cluster (re-ingesting is idempotent);
    /// a new one joins the most similar earlier document (fetched, ingested
    /// before, or earlier in `docs`) at or above `threshold`, else starts a
    /// cluster of its own. `docs` are (id, signature) pairs; one transaction
    /// for the batch.
    ///
    /// The batch is resolved with a few set queries (known ids, then every
    /// band key of the batch at once) rather than queries per document, and
    /// its band rows are inserted in key order: per new document that is one
    /// row and [`crate::minhash::DOC_BANDS`] integer band rows.
    pub fn cluster_documents(
        &mut self,
        docs: &[(&str, &[u64])],
        threshold: f64,
    ) -> DbResult<Vec<String>> {
        use crate::minhash::{Sig32, decode, similarity32, truncate};
        use std::collections::hash_map::Entry;
        use std::collections::{HashMap, HashSet};
        const CHUNK: usize = 900; // bound parameters per statement
        let tx = self.db.transaction().map_err(db_err)?;
        let mut out: Vec<Option<String>> = vec![None; docs.len()];
        {
            // 1. documents already clustered keep their cluster
            let mut known: HashMap<String, String> = HashMap::new();
            for chunk in docs.chunks(CHUNK) {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT id, cluster FROM doc_clusters WHERE id IN ({})",
                        marks(chunk.len())
                    ))
                    .map_err(db_err)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(chunk.iter().map(|d| d.0)), |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                    })
                    .map_err(db_err)?;
                for row in rows {
                    let (id, cluster) = row.map_err(db_err)?;
                    known.insert(id, cluster);
                }
            }
            // 2. the new documents' short signatures and band keys
            struct New {
                at: usize,
                sig: Sig32,
                bands: Vec<u64>,
            }
            let mut fresh: Vec<New> = Vec::new();
            let mut first_of: HashMap<&str, usize> = HashMap::new();
            for (at, (id, sig)) in docs.iter().enumerate() {
                if let Some(c) = known.get(*id) {
                    out[at] = Some(c.clone());
                } else if first_of.contains_key(id) {
                    // the same id twice in a batch: resolved below, as the first
                } else {
                    first_of.insert(id, at);
                    let short = truncate(sig);
                    let bands = crate::minhash::doc_band_keys(sig);
                    fresh.push(New {
                        at,
                        sig: short,
                        bands,
                    });
                }
            }
            // 3. every stored document sharing a band with the batch
            let keys: Vec<i64> = fresh
                .iter()
                .flat_map(|n| n.bands.iter().map(|&b| b as i64))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let mut stored_in: HashMap<i64, Vec<i64>> = HashMap::new();
            for chunk in keys.chunks(CHUNK) {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT band, doc FROM doc_lsh WHERE band IN ({})",
                        marks(chunk.len())
                    ))
                    .map_err(db_err)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(chunk), |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                    })
                    .map_err(db_err)?;
                for row in rows {
                    let (band, doc) = row.map_err(db_err)?;
                    stored_in.entry(band).or_default().push(doc);
                }
            }
            let mut stored_sig = tx
                .prepare_cached("SELECT sig, cluster FROM doc_clusters WHERE rowid = ?1")
                .map_err(db_err)?;
            let mut sigs: HashMap<i64, (Sig32, String)> = HashMap::new();
            let mut pages_in_bands = tx
                .prepare_cached(&format!(
                    "SELECT s.sig, p.cluster_id FROM signatures s JOIN pages p ON p.url = s.url
                     WHERE p.cluster_id IS NOT NULL AND s.url IN
                     (SELECT url FROM bands WHERE band IN ({}))",
                    marks(crate::minhash::BANDS)
                ))
                .map_err(db_err)?;
            let any_pages: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM bands)", [], |r| r.get(0))
                .map_err(db_err)?;
            let first_doc: i64 = tx
                .query_row(
                    "SELECT coalesce(max(rowid), 0) + 1 FROM doc_clusters",
                    [],
                    |r| r.get(0),
                )
                .map_err(db_err)?;
            // 4. each new document, in order, against stored documents, pages
            // and the batch's earlier documents
            let mut batch_in: HashMap<u64, Vec<usize>> = HashMap::new();
            let mut band_rows: Vec<(i64, i64)> = Vec::new();
            for (k, n) in fresh.iter().enumerate() {
                let (id, full) = docs[n.at];
                let mut best: Option<(f64, String)> = None;
                let mut consider = |sim: f64, cluster: &str| {
                    if sim >= threshold && best.as_ref().is_none_or(|(s, _)| sim > *s) {
                        best = Some((sim, cluster.to_string()));
                    }
                };
                if !n.bands.is_empty() {
                    let mut stored: Vec<i64> = n
                        .bands
                        .iter()
                        .filter_map(|b| stored_in.get(&(*b as i64)))
                        .flatten()
                        .copied()
                        .collect();
                    stored.sort_unstable();
                    stored.dedup();
                    for doc in stored {
                        let (sig, cluster) = match sigs.entry(doc) {
                            Entry::Occupied(e) => e.into_mut(),
                            Entry::Vacant(e) => {
                                let (sig, cluster) = stored_sig
                                    .query_row(params![doc], |r| {
                                        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
                                    })
                                    .map_err(db_err)?;
                                e.insert((decode(&sig), cluster))
                            }
                        };
                        consider(similarity32(&n.sig, sig), cluster);
                    }
                    let mut earlier: Vec<usize> = n
                        .bands
                        .iter()
                        .filter_map(|b| batch_in.get(b))
                        .flatten()
                        .copied()
                        .collect();
                    earlier.sort_unstable();
                    earlier.dedup();
                    for j in earlier {
                        let cluster = out[fresh[j].at].as_deref().expect("assigned earlier");
                        consider(similarity32(&n.sig, &fresh[j].sig), cluster);
                    }
                    if any_pages {
                        let keys: Vec<i64> = crate::minhash::bands(full)
                            .iter()
                            .map(|&b| b as i64)
                            .collect();
                        let rows = pages_in_bands
                            .query_map(rusqlite::params_from_iter(&keys), |r| {
                                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
                            })
                            .map_err(db_err)?;
                        for row in rows {
                            let (other, cluster) = row.map_err(db_err)?;
                            consider(similarity32(&n.sig, &decode(&other)), &cluster);
                        }
                    }
                }
                let cluster = match best {
                    Some((_, c)) => c,
                    None => format!("{:x}", Sha256::digest(id.as_bytes()))[..16].to_string(),
                };
                let doc = first_doc + k as i64;
                for &band in &n.bands {
                    band_rows.push((band as i64, doc));
                    batch_in.entry(band).or_default().push(k);
                }
                out[n.at] = Some(cluster);
            }
            // 5. the rows, many per statement; band rows in key order
            // (b-tree inserts that stay local)
            // fresh[k] is the row first_doc + k
            for (c, chunk) in fresh.chunks(CHUNK / 4).enumerate() {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "INSERT INTO doc_clusters (rowid, id, cluster, sig) VALUES {}",
                        tuples(chunk.len(), 4)
                    ))
                    .map_err(db_err)?;
                let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(chunk.len() * 4);
                for (i, n) in chunk.iter().enumerate() {
                    values.push((first_doc + (c * (CHUNK / 4) + i) as i64).into());
                    values.push(docs[n.at].0.to_string().into());
                    values.push(out[n.at].clone().expect("assigned above").into());
                    values.push(crate::minhash::encode32(&n.sig).into());
                }
                stmt.execute(rusqlite::params_from_iter(values))
                    .map_err(db_err)?;
            }
            band_rows.sort_unstable();
            band_rows.dedup();
            for chunk in band_rows.chunks(CHUNK / 2) {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "INSERT OR IGNORE INTO doc_lsh (band, doc) VALUES {}",
                        tuples(chunk.len(), 2)
                    ))
                    .map_err(db_err)?;
                stmt.execute(rusqlite::params_from_iter(
                    chunk.iter().flat_map(|(b, d)| [*b, *d]),
                ))
                .map_err(db_err)?;
            }
            // a repeated id takes the cluster of its first occurrence
            for (at, (id, _)) in docs.iter().enumerate() {
                if out[at].is_none() {
                    out[at] = out[first_of[id]].clone();
                }
            }
        }
        tx.commit().map_err(db_err)?;
        crate::crashpoint::wrote("state: document clusters");
        Ok(out
            .into_iter()
            .map(|c| c.expect("every document assigned"))
            .collect())
    }

    /// Records documents whose clusters were assigned elsewhere (the Spark
    /// backfill, by the rule of [`State::cluster_documents`]): (id, text
    /// signature, cluster). A new id is stored with its cluster, signature
    /// and band keys, so that documents ingested later join its cluster; an
    /// id the state knows keeps its stored cluster, as in
    /// `cluster_documents` (a story already counted is not split). Returns
    /// each document's cluster. One transaction.
    pub fn record_clusters(&mut self, docs: &[(&str, &[u64], &str)]) -> DbResult<Vec<String>> {
        use crate::minhash::{doc_band_keys, encode32, truncate};
        let tx = self.db.transaction().map_err(db_err)?;
        let mut out = Vec::with_capacity(docs.len());
        {
            let mut known = tx
                .prepare_cached("SELECT cluster FROM doc_clusters WHERE id = ?1")
                .map_err(db_err)?;
            let mut insert = tx
                .prepare_cached("INSERT INTO doc_clusters (id, cluster, sig) VALUES (?1, ?2, ?3)")
                .map_err(db_err)?;
            let mut band_rows: Vec<(i64, i64)> = Vec::new();
            for (id, sig, cluster) in docs {
                let stored: Option<String> = known
                    .query_row(params![id], |r| r.get(0))
                    .optional()
                    .map_err(db_err)?;
                if let Some(stored) = stored {
                    out.push(stored);
                    continue;
                }
                insert
                    .execute(params![id, cluster, encode32(&truncate(sig))])
                    .map_err(db_err)?;
                let doc = tx.last_insert_rowid();
                band_rows.extend(doc_band_keys(sig).into_iter().map(|b| (b as i64, doc)));
                out.push(cluster.to_string());
            }
            // band rows in key order (b-tree inserts that stay local)
            band_rows.sort_unstable();
            let mut band = tx
                .prepare_cached("INSERT OR IGNORE INTO doc_lsh (band, doc) VALUES (?1, ?2)")
                .map_err(db_err)?;
            for (b, doc) in band_rows {
                band.execute(params![b, doc]).map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        crate::crashpoint::wrote("state: document clusters");
        Ok(out)
    }

    /// Attempts recorded for a URL (tests and diagnostics).
    pub fn attempts(&self, url: &str) -> DbResult<Vec<(Option<u16>, Option<String>)>> {
        let mut stmt = self
            .db
            .prepare("SELECT status, error FROM attempts WHERE url = ?1 ORDER BY id")
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![url], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db_err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::signature;

    const STORY: &str = "中科曙光发布新一代超节点产品，单个系统可扩展至一万张国产AI加速卡，标志着国内万卡集群从规划走向交付。业内人士认为，在出口管制持续收紧的背景下，国内云厂商加快去英伟达化。";
    const OTHER: &str = "液冷产业链订单饱满，温控龙头扩产，冷板式液冷方案的交付周期已延长至三个月以上，浸没式液冷渗透率有望提升。";

    fn cluster(state: &mut State, docs: &[(&str, &str)]) -> Vec<String> {
        let sigs: Vec<Vec<u64>> = docs.iter().map(|(_, t)| signature(t)).collect();
        let keys: Vec<(&str, &[u64])> = docs
            .iter()
            .zip(&sigs)
            .map(|((id, _), s)| (*id, s.as_slice()))
            .collect();
        state
            .cluster_documents(&keys, crate::NEAR_DUPLICATE)
            .unwrap()
    }

    #[test]
    fn copies_share_a_cluster_within_and_across_batches_and_ids_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::open(dir.path()).unwrap();
        let repost = format!("来源：样例网 {STORY} 责任编辑：张三");
        let first = cluster(
            &mut state,
            &[
                ("a", STORY),
                ("b", OTHER),
                ("c", &repost),
                ("a", STORY),
                ("short", "ab"),
            ],
        );
        assert_eq!(
            first[0], first[2],
            "a copy later in the batch joins the story"
        );
        assert_eq!(first[0], first[3], "a repeated id keeps its cluster");
        assert_ne!(first[0], first[1]);
        assert_ne!(first[4], first[0]);
        let copy = format!("{STORY}（完）");
        let second = cluster(&mut state, &[("d", &copy), ("b", "any text: b is known")]);
        assert_eq!(
            second[0], first[0],
            "a copy in a later batch joins the story"
        );
        assert_eq!(
            second[1], first[1],
            "a known id keeps its cluster whatever its text"
        );
        drop(state);
        let mut state = State::open(dir.path()).unwrap();
        assert_eq!(cluster(&mut state, &[("c", &repost)])[0], first[0]);
    }

    #[test]
    fn data_dirs_with_the_old_band_table_are_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let sig = signature(STORY);
        {
            // the layout before doc_lsh: 64-bit signatures, 32 text-keyed bands
            let db = Connection::open(dir.path().join("state.sqlite")).unwrap();
            db.execute_batch(
                "CREATE TABLE doc_clusters (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, sig BLOB NOT NULL);
                 CREATE TABLE doc_bands (band INTEGER NOT NULL, id TEXT NOT NULL,
                     PRIMARY KEY (band, id)) WITHOUT ROWID;",
            )
            .unwrap();
            db.execute(
                "INSERT INTO doc_clusters (id, cluster, sig) VALUES ('old', 'old-cluster', ?1)",
                params![crate::minhash::to_bytes(&sig)],
            )
            .unwrap();
            for b in crate::minhash::bands(&sig) {
                db.execute(
                    "INSERT INTO doc_bands (band, id) VALUES (?1, 'old')",
                    params![b as i64],
                )
                .unwrap();
            }
        }
        let mut state = State::open(dir.path()).unwrap();
        let tables: i64 = state
            .db
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'doc_bands'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "the old table is dropped");
        let rows: i64 = state
            .db
            .query_row("SELECT count(*) FROM doc_lsh", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows as usize, crate::minhash::DOC_BANDS);
        let copy = format!("{STORY}（完）");
        assert_eq!(cluster(&mut state, &[("new", &copy)]), ["old-cluster"]);
    }
}
