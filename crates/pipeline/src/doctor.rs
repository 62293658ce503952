//! `ticai doctor`: checks a data directory without changing it and says
//! what to do about each problem: the index opens and carries the current
//! fields, the state database passes SQLite's integrity check, every body
//! the state refers to is in the archive, the documents are tagged with
//! the current lexicon, the run lock, the last run.

use crate::lock::{self, LockState};
use serde::Serialize;
use std::path::Path;

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Worth knowing; nothing is broken.
    Warning,
    /// Something to repair (`ticai doctor` exits 1).
    Problem,
}

/// One check: what was looked at, what was found, what to do.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    /// What to do about it (warnings and problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn warning(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Warning,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn problem(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Problem,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Every check of a data directory.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub data_dir: String,
    pub checks: Vec<Check>,
}

impl Report {
    /// No check found a problem (warnings allowed).
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Problem)
    }
}

/// Options of a check.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Decode every archived body and compare it with its hash (reads the
    /// whole archive).
    pub deep: bool,
}

const SHOWN: usize = 5;

fn listed<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let mut s: Vec<String> = items.iter().take(SHOWN).map(show).collect();
    if items.len() > SHOWN {
        s.push(format!("… and {} more", items.len() - SHOWN));
    }
    s.join("; ")
}

/// Checks `data` with the lexicon of `lexicon_dir` (or the built-in one).
pub fn doctor(data: &Path, lexicon_dir: Option<&Path>, opts: &Options) -> Report {
    let mut checks = Vec::new();
    let report = |checks| Report {
        data_dir: data.display().to_string(),
        checks,
    };
    if !data.is_dir() {
        checks.push(Check::problem(
            "data dir",
            format!("{} is not a directory", data.display()),
            "pass the data directory with --data-dir (or TICAI_HOME), or create one with `ticai run` / `ticai ingest`",
        ));
        return report(checks);
    }
    checks.push(match tempfile::tempfile_in(data) {
        Ok(_) => Check::ok("data dir", format!("{} is writable", data.display())),
        Err(e) => Check::problem(
            "data dir",
            format!("{} is not writable: {e}", data.display()),
            "give the user that runs `ticai run` write access to it (systemd: ReadWritePaths=)",
        ),
    });
    let lexicon = match crate::lexicons::load_valid(lexicon_dir) {
        Ok(l) => {
            checks.push(Check::ok(
                "lexicon",
                format!(
                    "version {} ({} themes, {} companies)",
                    l.version,
                    l.themes.len(),
                    l.companies.len()
                ),
            ));
            Some(l)
        }
        Err(e) => {
            checks.push(Check::problem(
                "lexicon",
                format!("{e:#}"),
                "fix the lexicon files (`ticai lexicon check` lists every error)",
            ));
            None
        }
    };
    checks.extend(index_checks(data, lexicon_dir, lexicon.as_ref()));
    checks.extend(state_checks(data, opts));
    checks.push(lock_check(data));
    checks.push(last_run_check(data));
    report(checks)
}

fn index_checks(
    data: &Path,
    lexicon_dir: Option<&Path>,
    lexicon: Option<&ticai_lexicon::Lexicon>,
) -> Vec<Check> {
    if crate::reindex::pending(data) {
        return vec![Check::problem(
            "index",
            "a reindex stopped between moving the old index aside and the new one in",
            "run `ticai reindex` (or any index command): it finishes or undoes the move",
        )];
    }
    if !data.join("index/meta.json").exists() {
        return vec![Check::warning(
            "index",
            "no index yet",
            "`ticai run` or `ticai ingest PATH...` creates it",
        )];
    }
    let Some(lexicon) = lexicon else {
        return vec![Check::warning(
            "index",
            "not opened: the lexicon does not load",
            "fix the lexicon first",
        )];
    };
    let store = match crate::Store::open(data, lexicon_dir) {
        Ok(s) => s,
        Err(e) => {
            let hint = match e.downcast_ref::<ticai_index::IndexError>() {
                Some(ticai_index::IndexError::Schema(..)) => {
                    "run `ticai reindex`: it rebuilds the index from its stored articles"
                }
                _ => {
                    "move index/ aside and rebuild it: `ticai ingest --fetched` re-reads the archive (files ingested by path must be ingested again)"
                }
            };
            return vec![Check::problem("index", format!("{e:#}"), hint)];
        }
    };
    let stats = match store.index.stats() {
        Ok(s) => s,
        Err(e) => {
            return vec![Check::problem(
                "index",
                format!("opens, but cannot be read: {e}"),
                "move index/ aside and rebuild it with `ticai ingest --fetched` (and the files you ingested)",
            )];
        }
    };
    let mut out = vec![Check::ok(
        "index",
        format!(
            "{} documents in {} segments, {:.1} MB",
            stats.documents,
            stats.segments,
            stats.index_bytes as f64 / 1e6
        ),
    )];
    let stale: Vec<&(String, u64)> = stats
        .lexicon_versions
        .iter()
        .filter(|(v, _)| *v != lexicon.version)
        .collect();
    let stale_docs: u64 = stale.iter().map(|(_, n)| n).sum();
    out.push(if stale.is_empty() {
        Check::ok(
            "tags",
            format!(
                "every document is tagged with lexicon {}",
                lexicon.version
            ),
        )
    } else {
        Check::problem(
            "tags",
            format!(
                "{stale_docs} of {} documents are tagged with another lexicon ({}), not {}: series mix two lexicons",
                stats.documents,
                listed(&stale, |(v, n)| format!("{v}: {n}")),
                lexicon.version
            ),
            "run `ticai retag` (re-tags only those documents)",
        )
    });
    out
}

fn state_checks(data: &Path, opts: &Options) -> Vec<Check> {
    let path = data.join("state.sqlite");
    if !path.exists() {
        return vec![Check::ok(
            "state",
            "no state database (nothing fetched or clustered yet)",
        )];
    }
    let found = match ticai_fetch::state::check(data, opts.deep) {
        Ok(f) => f,
        Err(e) => {
            return vec![Check::problem(
                "state",
                format!("cannot read {}: {e}", path.display()),
                "restore state.sqlite from its last backup (see the README's backup section); without one, move it aside: the next run fetches every listed page again",
            )];
        }
    };
    let mut out = vec![if found.integrity.is_empty() {
        Check::ok(
            "state",
            format!(
                "{} passes the integrity check ({} archived pages, {} clustered documents)",
                path.display(),
                found.archived_pages,
                found.clustered_documents
            ),
        )
    } else {
        Check::problem(
            "state",
            format!(
                "{} fails the integrity check: {}",
                path.display(),
                listed(&found.integrity, String::clone)
            ),
            "stop the daily job, then restore state.sqlite from its last backup, or rebuild it with `sqlite3 state.sqlite .recover | sqlite3 recovered.sqlite`",
        )
    }];
    let mut archive = Vec::new();
    if !found.missing.is_empty() {
        archive.push(Check::problem(
            "archive",
            format!(
                "{} of {} archived bodies are missing: {}",
                found.missing.len(),
                found.archived_pages,
                listed(&found.missing, |(url, file)| format!(
                    "{url} ({})",
                    file.display()
                ))
            ),
            "restore archive/ from its backup; otherwise those pages cannot be re-ingested until they are fetched again",
        ));
    }
    if !found.corrupt.is_empty() {
        archive.push(Check::problem(
            "archive",
            format!(
                "{} archived bodies are damaged: {}",
                found.corrupt.len(),
                listed(&found.corrupt, |(url, file, why)| format!(
                    "{url} ({}): {why}",
                    file.display()
                ))
            ),
            "restore those files from the archive's backup",
        ));
    }
    if archive.is_empty() {
        archive.push(Check::ok(
            "archive",
            format!(
                "all {} archived bodies are present{}",
                found.archived_pages,
                if opts.deep {
                    " and matches its hash"
                } else {
                    " (--deep also decodes and hashes them)"
                }
            ),
        ));
    }
    out.extend(archive);
    out
}

fn lock_check(data: &Path) -> Check {
    match lock::state(data) {
        LockState::Free => Check::ok("lock", "free: no run in progress"),
        LockState::Held { holder } => Check::ok(
            "lock",
            format!(
                "held by a running `ticai run`: pid {} since {}",
                holder.pid, holder.started
            ),
        ),
        LockState::Stale { holder } => Check::warning(
            "lock",
            format!(
                "left by a run that is gone (pid {}, started {})",
                holder.pid, holder.started
            ),
            "nothing to do: the next `ticai run` takes it over and finishes that run's work",
        ),
        LockState::Unreadable { message } => Check::problem(
            "lock",
            format!(
                "{} cannot be read: {message}",
                data.join(lock::LOCK_FILE).display()
            ),
            format!(
                "if no `ticai run` is running (check `ps`), remove {}",
                data.join(lock::LOCK_FILE).display()
            ),
        ),
    }
}

fn last_run_check(data: &Path) -> Check {
    match crate::run::list_runs(data, 1) {
        Err(e) => Check::warning(
            "last run",
            format!("{e:#}"),
            "move the unreadable report out of runs/",
        ),
        Ok(runs) => match runs.last() {
            None => Check::ok("last run", "no run reports yet"),
            Some((path, v)) => {
                let code = v["exit_code"].as_u64().unwrap_or(u64::MAX);
                let when = v["started_at"].as_str().unwrap_or("?");
                if code == 0 {
                    Check::ok("last run", format!("started {when}, exit 0"))
                } else {
                    Check::warning(
                        "last run",
                        format!("started {when}, exit {code}"),
                        format!("read {} (its sources list every failure)", path.display()),
                    )
                }
            }
        },
    }
}
