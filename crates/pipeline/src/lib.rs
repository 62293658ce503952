//! The pipeline over a data directory, shared by the `ticai` command line,
//! the daily job (`ticai run`) and the web server: open a data directory
//! ([`Store`]), fetch ([`ticai_fetch::run`]), extract, tag and index
//! ([`Store::ingest`], [`Store::ingest_fetched`], [`Store::retag`]), the
//! daily run with exports, alerts and its report ([`run::run`]), the run
//! lock ([`lock`]), the check of a data directory ([`doctor`]).

pub mod backfill;
pub mod curate;
pub mod doctor;
pub mod eval_themes;
pub mod lexicons;
pub mod lock;
pub mod regional;
pub mod reindex;
pub mod run;

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use ticai_index::{TicaiIndex, canonical_company_names};
use ticai_lexicon::Lexicon;
use ticai_model::{Document, TaggedDocument};
use ticai_tag::Tagger;

/// The data directory: `--data-dir`, else `TICAI_HOME`, else the user's
/// data directory (`$XDG_DATA_HOME/ticai` or `~/.local/share/ticai`).
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = flag {
        return Ok(d.to_path_buf());
    }
    if let Some(d) = std::env::var_os("TICAI_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(d).join("ticai"));
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".local/share/ticai")),
        None => bail!("no data directory: pass --data-dir DIR or set TICAI_HOME"),
    }
}

/// The tagger, lexicon and index of a data directory.
pub struct Store {
    pub lexicon: Lexicon,
    pub tagger: Arc<Tagger>,
    pub index: TicaiIndex,
    pub dir: PathBuf,
    /// The state database, opened by the first ingest and kept open so that
    /// its page cache stays warm across batches.
    state: Mutex<Option<ticai_fetch::State>>,
}

impl Store {
    pub fn open(data: &Path, lexicon_dir: Option<&Path>) -> Result<Store> {
        // no reindex swaps the index while it is opened (see `reindex`)
        let _guard = reindex::open_guard(data)?;
        Store::open_index(data, lexicon_dir, &data.join("index"))
    }

    /// The store of `data` with its index in `index_dir` (a rebuild's).
    fn open_index(data: &Path, lexicon_dir: Option<&Path>, index_dir: &Path) -> Result<Store> {
        let lexicon = lexicons::load_valid(lexicon_dir)?;
        let tagger = Arc::new(Tagger::new(&lexicon)?);
        let canonical = canonical_company_names(&lexicon, &tagger);
        let index = TicaiIndex::open_or_create(index_dir, tagger.clone(), canonical)?;
        Ok(Store {
            lexicon,
            tagger,
            index,
            dir: data.to_path_buf(),
            state: Mutex::new(None),
        })
    }

    /// Opens the store of a data directory that must already hold an index.
    pub fn open_existing(data: &Path, lexicon_dir: Option<&Path>) -> Result<Store> {
        if !data.join("index/meta.json").exists() && !reindex::pending(data) {
            bail!(
                "no index in {}: run `ticai ingest PATH...` (or `ticai demo`) first",
                data.display()
            );
        }
        Store::open(data, lexicon_dir)
    }

    /// Tags and upserts documents (and empties `docs`). Each document gets a
    /// near-duplicate cluster (MinHash, kept in the data dir's state
    /// database), so that stories can be counted, not copies.
    pub fn ingest(
        &self,
        docs: &mut Vec<Document>,
        writer: &mut ticai_index::Writer<'_>,
        jobs: usize,
    ) -> Result<usize> {
        if docs.is_empty() {
            return Ok(0);
        }
        let work = par_map(docs, jobs, |d| {
            (
                self.index.analyze(d, INDEX_EVIDENCE),
                ticai_fetch::minhash::signature(&d.text),
            )
        });
        let keys: Vec<(&str, &[u64])> = docs
            .iter()
            .zip(&work)
            .map(|(d, (_, sig))| (d.id.as_str(), sig.as_slice()))
            .collect();
        let clusters = self.with_state(|state| {
            state
                .cluster_documents(&keys, ticai_fetch::NEAR_DUPLICATE)
                .map_err(|e| anyhow::anyhow!(e))
        })?;
        for ((d, (a, _)), c) in docs.iter().zip(work).zip(&clusters) {
            writer.upsert_analysis(d, a, &self.lexicon.version, Some(c))?;
        }
        let n = docs.len();
        docs.clear();
        Ok(n)
    }

    /// Runs `f` on the state database, opened by the first call.
    fn with_state<R>(&self, f: impl FnOnce(&mut ticai_fetch::State) -> Result<R>) -> Result<R> {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(ticai_fetch::State::open(&self.dir).map_err(|e| anyhow::anyhow!(e))?);
        }
        f(guard.as_mut().expect("opened above"))
    }

    /// As [`Store::ingest`], with the cluster of each document given (the
    /// fetcher's, for fetched pages).
    pub fn ingest_clustered(
        &self,
        docs: &mut Vec<Document>,
        clusters: &[String],
        writer: &mut ticai_index::Writer<'_>,
        jobs: usize,
    ) -> Result<usize> {
        let analyses = par_map(docs, jobs, |d| self.index.analyze(d, INDEX_EVIDENCE));
        for (i, (d, a)) in docs.iter().zip(analyses).enumerate() {
            writer.upsert_analysis(
                d,
                a,
                &self.lexicon.version,
                clusters.get(i).map(String::as_str),
            )?;
        }
        let n = docs.len();
        docs.clear();
        Ok(n)
    }

    /// The identity of this data dir's index (`index/ticai-index.id`,
    /// created with the index): the state records which pages are in which
    /// index, so a rebuilt index gets every page again.
    pub fn index_id(&self) -> Result<String> {
        let path = self.dir.join("index").join(INDEX_ID_FILE);
        match std::fs::read_to_string(&path) {
            Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_string()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!("{}: {e}", path.display()),
        }
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        let id = format!("{:016x}", h.finish());
        let tmp = path.with_extension("id.tmp");
        std::fs::write(&tmp, format!("{id}\n"))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(id)
    }

    /// Ingests the articles the fetcher stored that this index does not
    /// hold yet with their current body (every one with `all`), committing
    /// every `commit_every` documents and at the end; returns (documents,
    /// pages that failed extraction).
    ///
    /// After each commit the state records the committed pages, so the next
    /// run reads only new and changed pages; a run killed between a commit
    /// and that record upserts those pages again (by id: idempotent).
    /// `progress` gets (pages read, pages to read); `regions` names the
    /// region of sources that configure one.
    pub fn ingest_fetched(
        &self,
        writer: &mut ticai_index::Writer<'_>,
        jobs: usize,
        commit_every: usize,
        all: bool,
        regions: &std::collections::HashMap<String, ticai_model::Region>,
        progress: &dyn Fn(usize, usize),
    ) -> Result<(usize, usize)> {
        let index_id = self.index_id()?;
        let mut state = ticai_fetch::State::open(&self.dir).map_err(|e| anyhow::anyhow!(e))?;
        let pages = state
            .pages_to_index((!all).then_some(index_id.as_str()))
            .map_err(|e| anyhow::anyhow!(e))?;
        let batch = BATCH.min(commit_every.max(1));
        let (mut docs, mut clusters, mut failed, mut n) = (Vec::new(), Vec::new(), 0, 0);
        // (url, hash) of the pages read since the last commit
        let (mut pending, mut since_commit) = (Vec::new(), 0);
        let total = pages.len();
        for (done, p) in pages.into_iter().enumerate() {
            if done % 64 == 0 {
                progress(done, total);
            }
            let options = ticai_extract::Options {
                url: Some(p.url.clone()),
                content_type: p.content_type.clone(),
                body_selector: p.body_selector.clone(),
                reference_date: chrono::DateTime::parse_from_rfc3339(&p.fetched_at)
                    .ok()
                    .map(|d| d.date_naive()),
            };
            // fetch kept its extraction: reused when this extractor, with
            // these options, would make the same
            let ex = match state.read_extraction(&p.hash, &p.url) {
                Some(stored) if stored.made_with(&options) => ticai_extract::Extraction {
                    encoding: "",
                    articles: stored.articles,
                    failure: stored.failure,
                },
                _ => {
                    let body = state
                        .read_archive(&p.hash)
                        .map_err(|e| anyhow::anyhow!(e))?;
                    ticai_extract::extract_page(&body, &options)
                }
            };
            if let Some(reason) = ex.failure {
                // reported once: the same body fails the same way next time
                // (`ingest --fetched --all` retries every page)
                eprintln!("ticai: {}: extraction failed: {reason}", p.url);
                failed += 1;
                pending.push((p.url, p.hash));
                continue;
            }
            for mut d in documents(&p.url, ex.articles) {
                d.url = Some(p.url.clone());
                d.source = Some(p.source.clone());
                d.region = regions.get(&p.source).copied();
                docs.push(d);
                clusters.push(p.cluster_id.clone());
            }
            pending.push((p.url, p.hash));
            if docs.len() >= batch {
                let k = self.ingest_clustered(&mut docs, &clusters, writer, jobs)?;
                clusters.clear();
                n += k;
                since_commit += k;
                if since_commit >= commit_every {
                    commit(writer)?;
                    state
                        .mark_indexed(&std::mem::take(&mut pending), &index_id)
                        .map_err(|e| anyhow::anyhow!(e))?;
                    since_commit = 0;
                }
            }
        }
        n += self.ingest_clustered(&mut docs, &clusters, writer, jobs)?;
        progress(total, total);
        if !pending.is_empty() {
            commit(writer)?;
            state
                .mark_indexed(&pending, &index_id)
                .map_err(|e| anyhow::anyhow!(e))?;
        }
        Ok((n, failed))
    }
}

/// The file in the index directory that names the index (see
/// [`Store::index_id`]).
pub const INDEX_ID_FILE: &str = "ticai-index.id";

/// Evidence spans an article view shows per tag unless asked otherwise
/// (`ticai serve --max-evidence`): a long report names a theme thousands
/// of times, and the page pages through the rest.
pub const ARTICLE_EVIDENCE: usize = 50;

/// Which evidence spans of each tag an article view carries: spans
/// `offset .. offset + limit` in text order (`limit` `None`: all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvidenceWindow {
    pub offset: usize,
    pub limit: Option<usize>,
}

impl EvidenceWindow {
    /// Every span.
    pub const ALL: EvidenceWindow = EvidenceWindow {
        offset: 0,
        limit: None,
    };

    /// Keeps the window's spans of a tag's `evidence` (the first `offset +
    /// limit` of them, as the tagger built them) and sets `total` to the
    /// count of all spans when some are left out.
    fn apply(&self, evidence: &mut Vec<ticai_model::Evidence>, total: &mut Option<usize>) {
        let all = total.unwrap_or(evidence.len());
        evidence.drain(..self.offset.min(evidence.len()));
        *total = (all > evidence.len()).then_some(all);
    }
}

/// A stored article with its tags recomputed by the current lexicon, so
/// that its evidence spans (`start`, `end`: character offsets into the
/// `text` or `title` returned, as `field` says) are there to highlight:
/// each tag's spans `evidence_offset ..` (at most the window's limit), with
/// `evidence_total` when some are left out; `mentions` counts them all.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ArticleView {
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published_at: Option<String>,
    /// Absent when the caller asked for the spans only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The index of each tag's first span below, among all its spans.
    pub evidence_offset: usize,
    /// The most spans per tag asked for (`null`: all).
    pub evidence_limit: Option<usize>,
    pub cluster_id: Option<String>,
    /// Documents of the article's cluster (itself included).
    pub copies: usize,
    /// The lexicon version the index was tagged with, and the one the tags
    /// below come from.
    pub indexed_lexicon_version: Option<String>,
    pub lexicon_version: String,
    pub themes: Vec<ticai_model::ThemeHit>,
    pub companies: Vec<ticai_model::CompanyHit>,
}

impl Store {
    /// The article with this id, tagged, with the evidence spans of
    /// `window` (the text left out unless `with_text`). Only the spans up
    /// to the window's end are built.
    pub fn article(
        &self,
        id: &str,
        window: EvidenceWindow,
        with_text: bool,
    ) -> Result<Option<ArticleView>> {
        let Some(a) = self.index.article(id)? else {
            return Ok(None);
        };
        let built = window.limit.map(|l| window.offset.saturating_add(l));
        let mut tagged = self.tagger.tag_with(&a.document, built);
        for t in &mut tagged.themes {
            window.apply(&mut t.evidence, &mut t.evidence_total);
        }
        for c in &mut tagged.companies {
            window.apply(&mut c.evidence, &mut c.evidence_total);
        }
        let copies = match &a.cluster_id {
            Some(c) => self
                .index
                .cluster_sizes(&[c.as_str()])?
                .get(c)
                .copied()
                .unwrap_or(1),
            None => 1,
        };
        let d = a.document;
        Ok(Some(ArticleView {
            id: d.id,
            title: d.title,
            url: d.url,
            source: d.source,
            published_at: d.published_at,
            text: with_text.then_some(d.text),
            evidence_offset: window.offset,
            evidence_limit: window.limit,
            cluster_id: a.cluster_id,
            copies,
            indexed_lexicon_version: a.lexicon_version,
            lexicon_version: self.lexicon.version.clone(),
            themes: tagged.themes,
            companies: tagged.companies,
        }))
    }

    /// What `ticai stats --format json` prints (and `/api/stats` answers),
    /// with the evidence spans an article view shows per tag.
    pub fn stats_report(
        &self,
        s: &ticai_index::Stats,
        article_evidence: usize,
    ) -> serde_json::Value {
        use serde_json::json;
        json!({
            "data_dir": self.dir.display().to_string(),
            "documents": s.documents,
            "segments": s.segments,
            "sources": s.sources.iter().map(|(k, n)| json!({"source": k, "documents": n})).collect::<Vec<_>>(),
            "first_published": s.first_published,
            "last_published": s.last_published,
            "lexicon_version": self.lexicon.version,
            "indexed_lexicon_versions": s.lexicon_versions.iter().map(|(k, n)| json!({"version": k, "documents": n})).collect::<Vec<_>>(),
            "index_bytes": s.index_bytes,
            // the index keeps counts and flags per tag, never spans: an
            // article's spans are recomputed from its stored text
            "evidence_spans_stored_per_tag": 0,
            "article_evidence_per_tag": article_evidence,
        })
    }
}

/// What [`Store::retag`] did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Retagged {
    pub retagged: usize,
    pub total: usize,
    pub version: String,
}

impl Store {
    /// Re-tags the stored documents tagged with another lexicon version (or
    /// all of them), committing every `commit_every` documents; a document's
    /// lexicon version is committed with its new tags, so a stopped retag
    /// resumes with the documents not committed yet.
    pub fn retag(&self, all: bool, jobs: usize, commit_every: usize) -> Result<Retagged> {
        let version = self.lexicon.version.clone();
        let mut writer = self.index.writer()?;
        let commit_every = commit_every.max(1);
        let (mut since_commit, mut total, mut retagged) = (0, 0, 0);
        self.index
            .visit_articles(BATCH.min(commit_every), |batch| -> Result<()> {
                total += batch.len();
                let stale: Vec<_> = batch
                    .into_iter()
                    .filter(|a| all || a.lexicon_version.as_deref() != Some(version.as_str()))
                    .collect();
                if stale.is_empty() {
                    return Ok(());
                }
                self.upsert_stored(&mut writer, &stale, jobs)?;
                retagged += stale.len();
                since_commit += stale.len();
                if since_commit >= commit_every {
                    commit(&mut writer)?;
                    since_commit = 0;
                }
                Ok(())
            })?;
        finish(writer)?;
        Ok(Retagged {
            retagged,
            total,
            version,
        })
    }

    /// Tags stored articles again and upserts them with this store's
    /// lexicon version, each keeping its cluster (retag, reindex).
    pub(crate) fn upsert_stored(
        &self,
        writer: &mut ticai_index::Writer<'_>,
        stored: &[ticai_index::StoredArticle],
        jobs: usize,
    ) -> Result<()> {
        let analyses = par_map(stored, jobs, |a| {
            self.index.analyze(&a.document, INDEX_EVIDENCE)
        });
        for (a, analysis) in stored.iter().zip(analyses) {
            writer.upsert_analysis(
                &a.document,
                analysis,
                &self.lexicon.version,
                a.cluster_id.as_deref(),
            )?;
        }
        Ok(())
    }
}

/// Commits the index writer (the one durable write of an index command).
pub fn commit(writer: &mut ticai_index::Writer<'_>) -> Result<()> {
    writer.commit()?;
    ticai_fetch::crashpoint::wrote("index commit");
    Ok(())
}

/// Commits the index writer and waits for the merges its commits started
/// (see [`ticai_index::Writer::wait_merges`]): how an index command ends.
pub fn finish(mut writer: ticai_index::Writer<'_>) -> Result<()> {
    commit(&mut writer)?;
    writer.wait_merges()?;
    Ok(())
}

/// Worker threads: `flag`, else every core.
pub fn jobs(flag: Option<usize>) -> usize {
    flag.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// Documents per tagging batch.
pub const BATCH: usize = 2048;

/// Tags documents on `jobs` threads, keeping their order.
pub fn tag_batch(tagger: &Tagger, docs: &[Document], jobs: usize) -> Vec<TaggedDocument> {
    par_map(docs, jobs, |d| tagger.tag(d))
}

/// The index keeps counts and flags, not evidence spans (an article's
/// spans are recomputed from its stored text when it is shown), so ingest
/// and retag build none.
pub(crate) const INDEX_EVIDENCE: Option<usize> = Some(0);

/// `f` over `items` on `jobs` threads, results in input order.
pub fn par_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if jobs <= 1 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(jobs);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    })
}

pub use ticai_extract::documents;
