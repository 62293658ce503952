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
    pub body: Vec<u8>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

pub type DbResult<T> = Result<T, String>;

fn db_err(e: rusqlite::Error) -> String {
    format!("state database: {e}")
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
             CREATE TABLE IF NOT EXISTS doc_clusters (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, sig BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS doc_bands (band INTEGER NOT NULL, id TEXT NOT NULL,
                 PRIMARY KEY (band, id)) WITHOUT ROWID;",
        )
        .map_err(db_err)?;
        Ok(State {
            db,
            archive: data_dir.join("archive"),
        })
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
        self.archive.join(&hash[..2]).join(format!("{hash}.zst"))
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
    pub fn stored_pages(&self) -> DbResult<Vec<StoredPage>> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT url, source, content_type, last_fetched, cluster_id, content_hash, body_selector FROM pages
                 WHERE kind = 'article' AND content_hash IS NOT NULL ORDER BY url",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| {
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
                body: self.read_archive(&hash)?,
                cluster_id: cluster.unwrap_or_else(|| hash[..16].to_string()),
                url,
                source,
                content_type,
                fetched_at,
            });
        }
        Ok(out)
    }

    /// Near-duplicate clusters for documents ingested from files: a
    /// document already seen keeps its cluster (re-ingesting is idempotent);
    /// a new one joins the most similar earlier document (fetched or
    /// ingested) at or above `threshold`, else starts a cluster of its own.
    /// `docs` are (id, signature) pairs; one transaction for the batch.
    pub fn cluster_documents(
        &mut self,
        docs: &[(&str, &[u64])],
        threshold: f64,
    ) -> DbResult<Vec<String>> {
        let tx = self.db.transaction().map_err(db_err)?;
        let mut out = Vec::with_capacity(docs.len());
        {
            let mut known = tx
                .prepare_cached("SELECT cluster FROM doc_clusters WHERE id = ?1")
                .map_err(db_err)?;
            // one query per document over all its bands (DISTINCT: a near
            // duplicate shares many bands but is compared once)
            let marks = (1..=crate::minhash::BANDS)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(",");
            let mut docs_in_bands = tx
                .prepare_cached(&format!(
                    "SELECT c.sig, c.cluster FROM doc_clusters c WHERE c.id IN
                     (SELECT DISTINCT id FROM doc_bands WHERE band IN ({marks}))"
                ))
                .map_err(db_err)?;
            let mut pages_in_bands = tx
                .prepare_cached(&format!(
                    "SELECT s.sig, p.cluster_id FROM signatures s JOIN pages p ON p.url = s.url
                     WHERE p.cluster_id IS NOT NULL AND s.url IN
                     (SELECT DISTINCT url FROM bands WHERE band IN ({marks}))"
                ))
                .map_err(db_err)?;
            let any_pages: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM bands)", [], |r| r.get(0))
                .map_err(db_err)?;
            let mut insert = tx
                .prepare_cached("INSERT INTO doc_clusters (id, cluster, sig) VALUES (?1, ?2, ?3)")
                .map_err(db_err)?;
            let mut insert_band = tx
                .prepare_cached("INSERT OR IGNORE INTO doc_bands (band, id) VALUES (?1, ?2)")
                .map_err(db_err)?;
            for (id, sig) in docs {
                if let Some(c) = known
                    .query_row(params![id], |r| r.get::<_, String>(0))
                    .optional()
                    .map_err(db_err)?
                {
                    out.push(c);
                    continue;
                }
                let empty = sig.iter().all(|&h| h == u64::MAX);
                let bands = crate::minhash::bands(sig);
                let mut best: Option<(f64, String)> = None;
                if !empty {
                    let keys: Vec<i64> = bands.iter().map(|&b| b as i64).collect();
                    let mut stmts = vec![&mut docs_in_bands];
                    if any_pages {
                        stmts.push(&mut pages_in_bands);
                    }
                    for stmt in stmts {
                        let rows = stmt
                            .query_map(rusqlite::params_from_iter(&keys), |r| {
                                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
                            })
                            .map_err(db_err)?;
                        for row in rows {
                            let (other, cluster) = row.map_err(db_err)?;
                            let sim = crate::minhash::similarity(
                                sig,
                                &crate::minhash::from_bytes(&other),
                            );
                            if sim >= threshold && best.as_ref().is_none_or(|(s, _)| sim > *s) {
                                best = Some((sim, cluster));
                            }
                        }
                    }
                }
                let cluster = match best {
                    Some((_, c)) => c,
                    None => format!("{:x}", Sha256::digest(id.as_bytes()))[..16].to_string(),
                };
                insert
                    .execute(params![id, cluster, crate::minhash::to_bytes(sig)])
                    .map_err(db_err)?;
                if !empty {
                    for band in bands {
                        insert_band
                            .execute(params![band as i64, id])
                            .map_err(db_err)?;
                    }
                }
                out.push(cluster);
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
