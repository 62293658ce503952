//! A test-only crash hook. With `TICAI_ABORT_AFTER_WRITES=N` in the
//! environment, the process aborts (`std::process::abort`, as abrupt as a
//! SIGKILL: no destructors, no flush) right after its N-th durable write: an
//! archive file renamed into place, a SQLite transaction committed, a tantivy
//! commit. The crash-consistency test (`tests/crash.rs`) uses it to stop
//! `fetch`, `ingest --fetched` and `retag` at every such point and check that
//! a normal run afterwards ends where one clean run ends.
//!
//! Not for production use. Unset (the normal case) it costs one relaxed
//! atomic load per write after the first.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that arms the hook.
pub const ENV: &str = "TICAI_ABORT_AFTER_WRITES";

static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
static WRITES: AtomicU64 = AtomicU64::new(0);

fn limit() -> Option<u64> {
    *LIMIT.get_or_init(|| {
        let v = std::env::var(ENV).ok()?;
        match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                eprintln!("ticai: {ENV}={v:?}: not a positive number of writes; ignored");
                None
            }
        }
    })
}

/// Marks one durable write (`what` says which, for the abort message); aborts
/// the process if it is the N-th and the hook is armed.
pub fn wrote(what: &str) {
    let Some(limit) = limit() else { return };
    let n = WRITES.fetch_add(1, Ordering::SeqCst) + 1;
    if n >= limit {
        eprintln!("ticai: {ENV}={limit}: aborting after durable write {n} ({what})");
        std::process::abort();
    }
}
