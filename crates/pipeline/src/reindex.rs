//! Rebuilding a data directory's index from its own stored articles
//! (`ticai reindex`): how an index written by an earlier ticai (a schema
//! without a field added since, such as `region`) moves to today's schema,
//! without fetching anything again.
//!
//! The rebuild is written beside the index, in `index.rebuild/`, while the
//! old index's writer lock is held (no other process adds documents that
//! the rebuild would miss). Then, each step durable before the next:
//!
//! 1. `index.rebuild/` is committed and gets the old index's identity file
//!    (the fetch state names the index its pages are in: it is the same
//!    documents) and a `REBUILT` marker;
//! 2. `index/` is renamed to `index.previous/`;
//! 3. `index.rebuild/` is renamed to `index/`;
//! 4. the marker and `index.previous/` are removed.
//!
//! A process stopped anywhere leaves either the old index in place (before
//! 2: a later reindex starts over) or both directories beside each other
//! (after 2), which [`recover`] (run by every command that opens the
//! index) resolves: without `index/`, a complete rebuild is moved in,
//! otherwise the old index is moved back. Nothing committed is lost.

use crate::{INDEX_ID_FILE, Store, commit, par_map};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use ticai_fetch::crashpoint;
use ticai_index::OldIndex;

/// Where the rebuild is written, beside `index/`.
pub const REBUILD_DIR: &str = "index.rebuild";
/// Where the old index waits between the two renames.
pub const PREVIOUS_DIR: &str = "index.previous";
/// The file a complete rebuild holds until it is in place.
const MARKER: &str = "REBUILT";

/// What [`reindex`] did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Reindexed {
    pub documents: usize,
    /// Fields of today's schema the old index did not have.
    pub added_fields: Vec<String>,
    pub lexicon_version: String,
}

fn paths(data: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        data.join("index"),
        data.join(REBUILD_DIR),
        data.join(PREVIOUS_DIR),
    )
}

/// Whether a reindex stopped between its two renames (see the module).
pub fn pending(data: &Path) -> bool {
    let (index, _, previous) = paths(data);
    !index.join("meta.json").exists() && previous.join("meta.json").exists()
}

/// Finishes or undoes a reindex that was stopped between its renames (see
/// the module); does nothing otherwise.
pub fn recover(data: &Path) -> Result<()> {
    let (index, rebuild, previous) = paths(data);
    if pending(data) {
        // a reindex still running holds the old index's lock
        let _lock = OldIndex::open(&previous)?;
        let from = if rebuild.join(MARKER).exists() {
            &rebuild
        } else {
            &previous
        };
        rename(from, &index)?;
    }
    if index.join(MARKER).exists() {
        if previous.exists() {
            std::fs::remove_dir_all(&previous)
                .with_context(|| format!("cannot remove {}", previous.display()))?;
        }
        remove_file(&index.join(MARKER))?;
    }
    Ok(())
}

/// Rebuilds the index of `data` from its stored articles with the lexicon
/// of `lexicon_dir`, in today's schema (see the module).
pub fn reindex(data: &Path, lexicon_dir: Option<&Path>, jobs: usize) -> Result<Reindexed> {
    recover(data)?;
    let (index, rebuild, previous) = paths(data);
    if !index.join("meta.json").exists() {
        bail!(
            "no index in {}: nothing to reindex (`ticai ingest PATH...` creates one)",
            data.display()
        );
    }
    let old = OldIndex::open(&index)?;
    if rebuild.exists() {
        // a reindex stopped before its renames: start over
        std::fs::remove_dir_all(&rebuild)
            .with_context(|| format!("cannot remove {}", rebuild.display()))?;
    }
    let store = Store::open_index(data, lexicon_dir, &rebuild)?;
    let mut writer = store.index.writer()?;
    let mut documents = 0;
    old.visit_articles(crate::BATCH, |batch| -> Result<()> {
        let analyses = par_map(&batch, jobs, |a| {
            store.index.analyze(&a.document, crate::INDEX_EVIDENCE)
        });
        for (a, analysis) in batch.iter().zip(analyses) {
            writer.upsert_analysis(
                &a.document,
                analysis,
                // the documents are tagged with this lexicon now
                &store.lexicon.version,
                a.cluster_id.as_deref(),
            )?;
        }
        documents += batch.len();
        Ok(())
    })?;
    commit(&mut writer)?;
    writer.wait_merges()?;
    let lexicon_version = store.lexicon.version.clone();
    drop(store);
    let id = index.join(INDEX_ID_FILE);
    if id.exists() {
        std::fs::copy(&id, rebuild.join(INDEX_ID_FILE))
            .with_context(|| format!("cannot copy {}", id.display()))?;
    }
    write_synced(&rebuild.join(MARKER), b"complete\n")?;
    sync_dir(&rebuild)?;
    crashpoint::wrote("reindex complete");
    rename(&index, &previous)?;
    crashpoint::wrote("old index set aside");
    rename(&rebuild, &index)?;
    crashpoint::wrote("rebuilt index in place");
    let added_fields = old.missing_fields().to_vec();
    drop(old);
    recover(data)?;
    Ok(Reindexed {
        documents,
        added_fields,
        lexicon_version,
    })
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to)
        .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))?;
    match to.parent() {
        Some(parent) => sync_dir(parent),
        None => Ok(()),
    }
}

fn remove_file(path: &Path) -> Result<()> {
    std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}
