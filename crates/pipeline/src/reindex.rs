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
//!
//! The two renames happen under an exclusive lock on `index.lock` in the
//! data dir, and every [`Store::open`] checks for a stopped swap and opens
//! the index under a shared one ([`open_guard`]): no command ever finds the
//! index missing halfway through a swap (and creates an empty one there).

use crate::{INDEX_ID_FILE, Store, commit};
use anyhow::{Context, Result, bail};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use ticai_fetch::crashpoint;
use ticai_index::OldIndex;
use ticai_model::Region;

/// Where the rebuild is written, beside `index/`.
pub const REBUILD_DIR: &str = "index.rebuild";
/// Where the old index waits between the two renames.
pub const PREVIOUS_DIR: &str = "index.previous";
/// The file a complete rebuild holds until it is in place.
const MARKER: &str = "REBUILT";
/// The lock of the swap, in the data dir.
pub const SWAP_LOCK: &str = "index.lock";

/// The swap lock of `data` (created if needed), held exclusively or
/// shared until the file is dropped (or unlocked).
fn swap_lock(data: &Path, exclusive: bool) -> Result<File> {
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    let path = data.join(SWAP_LOCK);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let locked = if exclusive {
        file.lock()
    } else {
        file.lock_shared()
    };
    locked.with_context(|| format!("cannot lock {}", path.display()))?;
    Ok(file)
}

/// Finishes a stopped swap if there is one, then holds the swap lock
/// shared until dropped: what [`Store::open`] opens the index under.
pub fn open_guard(data: &Path) -> Result<File> {
    if needs_recovery(data) {
        let _exclusive = swap_lock(data, true)?;
        recover_locked(data)?;
    }
    let lock = swap_lock(data, false)?;
    if pending(data) {
        // the swap lock is held by whoever renames: cannot happen
        bail!(
            "{}: the index is set aside by a reindex; run `ticai reindex` to finish it",
            data.display()
        );
    }
    Ok(lock)
}

fn needs_recovery(data: &Path) -> bool {
    let (index, _, previous) = paths(data);
    pending(data)
        || index.join(MARKER).exists()
        || previous.exists() && index.join("meta.json").exists()
}

/// What [`reindex`] did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Reindexed {
    pub documents: u64,
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
/// the module); does nothing otherwise. The caller holds the swap lock
/// exclusively.
fn recover_locked(data: &Path) -> Result<()> {
    let (index, rebuild, previous) = paths(data);
    if pending(data) {
        // a reindex still running holds the old index's writer lock
        let _lock = OldIndex::open(&previous)?;
        let from = if rebuild.join(MARKER).exists() {
            &rebuild
        } else {
            &previous
        };
        rename(from, &index)?;
    }
    if index.join(MARKER).exists() || previous.exists() && index.join("meta.json").exists() {
        // the rebuilt index is in place (its marker) or the old one is
        // back: what is left beside it goes
        remove_dir(&previous)?;
        remove_if_present(&index.join(MARKER))?;
    }
    Ok(())
}

/// Rebuilds the index of `data` from its stored articles with the lexicon
/// of `lexicon_dir`, in today's schema (see the module). `regions` gives
/// the region of documents without a stored one by their source (the
/// config's `[[source]] region`, as the daily job ingested them).
pub fn reindex(
    data: &Path,
    lexicon_dir: Option<&Path>,
    jobs: usize,
    regions: &HashMap<String, Region>,
) -> Result<Reindexed> {
    drop(open_guard(data)?);
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
        remove_dir(&rebuild)?;
    }
    let store = Store::open_index(data, lexicon_dir, &rebuild)?;
    let mut writer = store.index.writer()?;
    let mut documents = 0u64;
    old.visit_articles(crate::BATCH, |mut batch| -> Result<()> {
        for a in &mut batch {
            if a.document.region.is_none() {
                a.document.region = a
                    .document
                    .source
                    .as_ref()
                    .and_then(|s| regions.get(s))
                    .copied();
            }
        }
        store.upsert_stored(&mut writer, &batch, jobs)?;
        documents += batch.len() as u64;
        Ok(())
    })?;
    commit(&mut writer)?;
    writer.wait_merges()?;
    let rebuilt = store.index.num_docs()?;
    if rebuilt != old.num_docs() || rebuilt != documents {
        bail!(
            "the rebuild in {} holds {rebuilt} documents, the index {} ({documents} read): the index is left as it was",
            rebuild.display(),
            old.num_docs()
        );
    }
    let lexicon_version = store.lexicon.version.clone();
    drop(store);
    let id = index.join(INDEX_ID_FILE);
    if id.exists() {
        let bytes = std::fs::read(&id).with_context(|| format!("cannot read {}", id.display()))?;
        write_synced(&rebuild.join(INDEX_ID_FILE), &bytes)?;
    }
    write_synced(&rebuild.join(MARKER), b"complete\n")?;
    sync_dir(&rebuild)?;
    crashpoint::wrote("reindex complete");
    let lock = swap_lock(data, true)?;
    rename(&index, &previous)?;
    crashpoint::wrote("old index set aside");
    rename(&rebuild, &index)?;
    crashpoint::wrote("rebuilt index in place");
    let added_fields = old.missing_fields().to_vec();
    drop(old);
    recover_locked(data)?;
    drop(lock);
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

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

fn remove_dir(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
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
