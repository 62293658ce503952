//! The run lock: `run.lock` in the data dir, so that two daily runs never
//! overlap. The file names its holder (pid and start time); it is created
//! complete (written to a temporary file, then hard-linked into place, which
//! fails if a lock exists). A lock whose pid no longer runs (a killed run) is
//! stale and is taken over.

use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file's name in the data dir.
pub const LOCK_FILE: &str = "run.lock";

/// Who holds (or held) a lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub pid: u32,
    /// RFC 3339, UTC.
    pub started: String,
}

/// The state of a data dir's lock, for `ticai doctor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LockState {
    Free,
    Held {
        holder: Holder,
    },
    /// Left by a process that is gone; the next run takes it over.
    Stale {
        holder: Holder,
    },
    /// A lock file that names no holder.
    Unreadable {
        message: String,
    },
}

#[derive(Debug)]
pub enum LockError {
    /// Another run holds the lock.
    Held { holder: Holder, path: PathBuf },
    /// The lock could not be created (data dir not writable, ...).
    Io { path: PathBuf, message: String },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { holder, path } => write!(
                f,
                "another run holds the lock {}: pid {} started at {}",
                path.display(),
                holder.pid,
                holder.started
            ),
            LockError::Io { path, message } => {
                write!(f, "cannot create the lock {}: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for LockError {}

/// A held lock; dropping it removes the file (if it is still ours).
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    /// A stale lock this one replaced.
    pub took_over: Option<Holder>,
}

fn parse(text: &str) -> Option<Holder> {
    let mut pid = None;
    let mut started = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("pid=") {
            pid = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("started=") {
            started = Some(v.trim().to_string());
        }
    }
    Some(Holder {
        pid: pid?,
        started: started?,
    })
}

/// Whether a process runs (Linux: `/proc/PID`; without `/proc`, every pid
/// is taken to run, so a lock is never stolen by mistake).
pub fn pid_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

fn read_holder(path: &Path) -> std::io::Result<Option<Holder>> {
    Ok(parse(&std::fs::read_to_string(path)?))
}

/// The lock state of a data dir.
pub fn state(data: &Path) -> LockState {
    let path = data.join(LOCK_FILE);
    match read_holder(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => LockState::Free,
        Err(e) => LockState::Unreadable {
            message: e.to_string(),
        },
        Ok(None) => LockState::Unreadable {
            message: "names no pid and start time".into(),
        },
        Ok(Some(holder)) if pid_alive(holder.pid) => LockState::Held { holder },
        Ok(Some(holder)) => LockState::Stale { holder },
    }
}

/// Takes the lock of a data dir (creating the dir).
pub fn acquire(data: &Path) -> Result<RunLock, LockError> {
    let path = data.join(LOCK_FILE);
    let io = |e: std::io::Error| LockError::Io {
        path: path.clone(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(data).map_err(io)?;
    let me = Holder {
        pid: std::process::id(),
        started: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    };
    let tmp = data.join(format!(".{LOCK_FILE}.{}.tmp", me.pid));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        write!(f, "pid={}\nstarted={}\n", me.pid, me.started).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    let mut took_over = None;
    let result = loop {
        match std::fs::hard_link(&tmp, &path) {
            Ok(()) => break Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => break Err(io(e)),
        }
        match read_holder(&path) {
            Ok(Some(holder)) if pid_alive(holder.pid) && holder.pid != me.pid => {
                break Err(LockError::Held {
                    holder,
                    path: path.clone(),
                });
            }
            // stale (or ours from an earlier, killed process with the same
            // pid, or unreadable): move it aside and try again; when two
            // runs race for a stale lock, one rename wins, the other finds
            // the winner's live lock next time round
            Ok(holder) => {
                let aside = data.join(format!(".{LOCK_FILE}.stale.{}", me.pid));
                match std::fs::rename(&path, &aside) {
                    Ok(()) => {
                        let _ = std::fs::remove_file(&aside);
                        took_over = holder;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => break Err(io(e)),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => break Err(io(e)),
        }
    };
    let _ = std::fs::remove_file(&tmp);
    result?;
    if let Some(h) = &took_over {
        tracing::warn!(
            pid = h.pid,
            started = %h.started,
            "took over a stale lock left by a run that is gone"
        );
    }
    Ok(RunLock { path, took_over })
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Ok(Some(h)) = read_holder(&self.path)
            && h.pid == std::process::id()
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
