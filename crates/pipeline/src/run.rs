//! The daily job: lock, fetch, ingest the fetched pages, exports, alerts,
//! run report. Every step is resumable: fetch commits its own progress,
//! ingest re-reads every stored page and upserts by id, exports are
//! rewritten whole and atomically (only when their content changed).

use crate::lock::{self, LockError, RunLock};
use crate::{Store, jobs};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use ticai_fetch::Config;
use ticai_index::SearchRequest;
use ticai_trends::{Calendar, Format, Interval, Out, TrendRequest};

/// Exit codes of `ticai run`.
pub const EXIT_OK: u8 = 0;
pub const EXIT_PARTIAL: u8 = 1;
pub const EXIT_CANNOT_START: u8 = 2;
pub const EXIT_LOCKED: u8 = 3;

/// How a run could not happen.
#[derive(Debug)]
pub enum RunError {
    /// Config error, data dir not writable, ...: exit 2.
    CannotStart(String),
    /// Another run holds the lock: exit 3.
    Locked(String),
    /// A step failed after the start: exit 2.
    Failed(anyhow::Error),
}

impl RunError {
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Locked(_) => EXIT_LOCKED,
            _ => EXIT_CANNOT_START,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::CannotStart(m) => write!(f, "the run could not start: {m}"),
            RunError::Locked(m) => write!(f, "{m}"),
            RunError::Failed(e) => write!(f, "the run failed: {e:#}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<ticai_index::IndexError> for RunError {
    fn from(e: ticai_index::IndexError) -> Self {
        RunError::Failed(e.into())
    }
}

impl From<anyhow::Error> for RunError {
    fn from(e: anyhow::Error) -> Self {
        RunError::Failed(e)
    }
}

/// What to run on.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub config: PathBuf,
    pub data: PathBuf,
    pub lexicon: Option<PathBuf>,
    pub jobs: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IngestReport {
    /// Documents upserted: those of pages new or changed since the index
    /// last took them (upserts by id).
    pub upserted: usize,
    /// Documents in the index before and after.
    pub before: u64,
    pub after: u64,
    /// after - before: documents new to the index.
    pub new: u64,
    pub extraction_failed: usize,
    /// Documents re-tagged because the lexicon changed since they were
    /// tagged (series never mix two lexicons).
    pub retagged: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportReport {
    pub path: String,
    /// False when the file already held exactly this content.
    pub written: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct RisingTheme {
    pub theme: String,
    pub name: String,
    pub count: u64,
    pub expected: f64,
    pub score: f64,
}

/// The run report, `runs/YYYY-MM-DDTHHMMSS.json` (`~002`, `~003` … for
/// further runs started in the same second).
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub started_at: String,
    pub finished_at: String,
    pub data_dir: String,
    pub config: String,
    pub day: String,
    pub sources: Vec<ticai_fetch::SourceSummary>,
    pub documents: IngestReport,
    pub exports: Vec<ExportReport>,
    pub rising: Vec<RisingTheme>,
    /// Seconds per stage (fetch, ingest, exports, alerts).
    pub timings: BTreeMap<String, f64>,
    pub lexicon_version: String,
    /// A stale lock taken over (pid of the killed run).
    pub took_over_lock_of: Option<u32>,
    pub exit_code: u8,
    /// Where the report was written.
    #[serde(skip)]
    pub report_path: PathBuf,
}

impl RunReport {
    /// A few lines for cron's mail.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let (listed, new, failed): (usize, usize, usize) =
            self.sources.iter().fold((0, 0, 0), |(l, n, f), x| {
                (l + x.listed, n + x.new, f + x.failed)
            });
        s.push_str(&format!(
            "ticai run {}: {} source(s), {listed} listed, {new} new, {failed} failed\n",
            self.started_at,
            self.sources.len()
        ));
        for src in self.sources.iter().filter(|x| x.failed > 0) {
            for e in src.errors.iter().take(5) {
                s.push_str(&format!("  {}: {}: {}\n", src.name, e.url, e.reason));
            }
        }
        let d = &self.documents;
        if d.new == 0 {
            s.push_str(&format!("index: nothing new ({} documents)\n", d.after));
        } else {
            s.push_str(&format!(
                "index: {} new document(s), {} in all\n",
                d.new, d.after
            ));
        }
        if d.retagged > 0 {
            s.push_str(&format!(
                "index: {} document(s) re-tagged with lexicon {}\n",
                d.retagged, self.lexicon_version
            ));
        }
        let written = self.exports.iter().filter(|e| e.written).count();
        s.push_str(&format!(
            "exports: {written} of {} file(s) rewritten\n",
            self.exports.len()
        ));
        if self.rising.is_empty() {
            s.push_str("rising themes: none\n");
        } else {
            let r: Vec<String> = self
                .rising
                .iter()
                .map(|r| format!("{} ({}, score {:.1})", r.theme, r.count, r.score))
                .collect();
            s.push_str(&format!("rising themes: {}\n", r.join(", ")));
        }
        s.push_str(&format!(
            "report: {} (exit {})\n",
            self.report_path.display(),
            self.exit_code
        ));
        s
    }
}

/// The day a run exports (today in `tz`); `TICAI_RUN_DAY=YYYY-MM-DD`
/// overrides it (for tests and re-runs of a past day).
fn run_day(tz: chrono_tz::Tz) -> Result<chrono::NaiveDate, RunError> {
    if let Ok(v) = std::env::var("TICAI_RUN_DAY") {
        return chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|e| {
            RunError::CannotStart(format!("TICAI_RUN_DAY={v:?}: not a YYYY-MM-DD day: {e}"))
        });
    }
    Ok(chrono::Utc::now().with_timezone(&tz).date_naive())
}

/// Writes `bytes` to `dest` atomically unless it already holds them.
fn write_if_changed(dest: &Path, bytes: &[u8]) -> anyhow::Result<bool> {
    if std::fs::read(dest).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let mut f = ticai_trends::table::AtomicFile::create(dest)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.commit()?;
    ticai_fetch::crashpoint::wrote("export");
    Ok(true)
}

fn exports(
    store: &Store,
    cfg: &ticai_fetch::RunSettings,
    dir: &Path,
    day: chrono::NaiveDate,
) -> anyhow::Result<Vec<ExportReport>> {
    std::fs::create_dir_all(dir)?;
    let interval: Interval = cfg.interval.parse()?;
    let tz = ticai_trends::parse_tz(&cfg.tz)?;
    let since = interval.start_of(day - chrono::Days::new(u64::from(cfg.window_days) - 1));
    let calendar = Calendar::new(interval, tz, since, day)?;
    let series = cfg
        .themes
        .iter()
        .map(|t| ticai_trends::resolve_theme(&store.lexicon, t))
        .collect::<Result<Vec<_>, _>>()?;
    let req = TrendRequest {
        top: series.is_empty().then_some(cfg.top),
        series,
        calendar,
        filter: SearchRequest::default(),
        rollup: true,
    };
    let t = ticai_trends::trends(&store.index, &store.lexicon, &req)?;
    let mut out = Vec::new();
    for (format, ext) in [(Format::Csv, "csv"), (Format::Parquet, "parquet")] {
        // staged in a hidden file, then compared with what is there
        let staging = dir.join(format!(".trends-staging.{ext}"));
        ticai_trends::write_trends(
            &t,
            format,
            None,
            Out::File(ticai_trends::table::AtomicFile::create(&staging)?),
        )?;
        let bytes = std::fs::read(&staging)?;
        std::fs::remove_file(&staging)?;
        for name in [
            format!("trends-{day}.{ext}"),
            format!("trends-latest.{ext}"),
        ] {
            let dest = dir.join(name);
            let written = write_if_changed(&dest, &bytes)?;
            out.push(ExportReport {
                path: dest.display().to_string(),
                written,
            });
        }
    }
    Ok(out)
}

fn rising(
    store: &Store,
    cfg: &ticai_fetch::RunSettings,
    day: chrono::NaiveDate,
) -> anyhow::Result<Vec<RisingTheme>> {
    let interval: Interval = cfg.interval.parse()?;
    let tz = ticai_trends::parse_tz(&cfg.tz)?;
    let window = 28usize;
    let mut since = interval.start_of(day);
    for _ in 0..window {
        since = interval.start_of(since - chrono::Days::new(1));
    }
    let req = ticai_trends::alerts::AlertRequest {
        calendar: Calendar::new(interval, tz, since, day)?,
        window,
        filter: SearchRequest::default(),
        min_articles: 3,
        min_score: 3.0,
        evidence: 0,
        rollup: true,
    };
    let a = ticai_trends::alerts::alerts(&store.index, &store.lexicon, &store.tagger, &req)?;
    Ok(a.alerts
        .into_iter()
        .map(|a| RisingTheme {
            theme: a.theme,
            name: a.name,
            count: a.count,
            expected: a.expected,
            score: a.score,
        })
        .collect())
}

/// The run reports directory of a data dir.
pub fn runs_dir(data: &Path) -> PathBuf {
    data.join("runs")
}

fn write_report(data: &Path, report: &mut RunReport, keep: usize) -> anyhow::Result<()> {
    let dir = runs_dir(data);
    std::fs::create_dir_all(&dir)?;
    let stamp = report
        .started_at
        .get(..19)
        .unwrap_or(&report.started_at)
        .replace(':', "");
    let mut path = dir.join(format!("{stamp}.json"));
    let mut n = 2;
    // a second run in the same second: `~002` sorts after the plain name
    // (`-2` would sort before it, and `--last` would show the older report)
    while path.exists() {
        path = dir.join(format!("{stamp}~{n:03}.json"));
        n += 1;
    }
    report.report_path = path.clone();
    let mut f = ticai_trends::table::AtomicFile::create(&path)?;
    serde_json::to_writer_pretty(&mut f, &report)?;
    std::io::Write::write_all(&mut f, b"\n")?;
    f.commit()?;
    ticai_fetch::crashpoint::wrote("run report");
    // retention: the oldest reports beyond `keep` (names sort by time)
    let mut names = report_files(data)?;
    if names.len() > keep {
        let extra = names.len() - keep;
        for p in names.drain(..extra) {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

/// The run reports of a data dir, oldest first.
pub fn report_files(data: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = runs_dir(data);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    v.sort();
    Ok(v)
}

/// The last `n` run reports (parsed JSON), oldest first.
pub fn list_runs(data: &Path, last: usize) -> anyhow::Result<Vec<(PathBuf, serde_json::Value)>> {
    let files = report_files(data)?;
    let skip = files.len().saturating_sub(last);
    let mut out = Vec::new();
    for p in files.into_iter().skip(skip) {
        let text = std::fs::read_to_string(&p)?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a run report: {e}", p.display()))?;
        out.push((p, v));
    }
    Ok(out)
}

/// Takes the lock (exit 3 when held).
pub fn lock(data: &Path) -> Result<RunLock, RunError> {
    lock::acquire(data).map_err(|e| match e {
        LockError::Held { .. } => RunError::Locked(e.to_string()),
        LockError::Io { .. } => RunError::CannotStart(e.to_string()),
    })
}

/// What a run is doing, for progress bars and log lines.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    Fetch(&'a ticai_fetch::Progress<'a>),
    /// `done` of the `total` pages to ingest are read.
    Ingest {
        done: usize,
        total: usize,
    },
}

/// One daily run; `progress` receives what it is doing.
pub fn run(
    opts: &RunOptions,
    progress: &(dyn Fn(&Event<'_>) + Sync),
) -> Result<RunReport, RunError> {
    let started = chrono::Utc::now();
    let config = Config::load(&opts.config).map_err(RunError::CannotStart)?;
    let cfg = config.run.clone();
    let tz = ticai_trends::parse_tz(&cfg.tz)
        .map_err(|e| RunError::CannotStart(format!("[run] tz: {e}")))?;
    let day = run_day(tz)?;
    let held = lock(&opts.data)?;
    let store = Store::open(&opts.data, opts.lexicon.as_deref())
        .map_err(|e| RunError::CannotStart(format!("{e:#}")))?;
    for t in &cfg.themes {
        if store.lexicon.theme(t).is_none() {
            return Err(RunError::CannotStart(format!(
                "{}: [run] themes: no such theme id {t:?} (see `ticai lexicon themes`)",
                opts.config.display()
            )));
        }
    }
    let mut timings = BTreeMap::new();

    tracing::info!(config = %opts.config.display(), data = %opts.data.display(), "fetch");
    let t0 = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| RunError::Failed(e.into()))?;
    let summary = runtime
        .block_on(ticai_fetch::run(
            &config,
            &opts.data,
            &ticai_fetch::RunOptions::default(),
            &|p: &ticai_fetch::Progress<'_>| progress(&Event::Fetch(p)),
        ))
        .map_err(|e| RunError::Failed(anyhow::anyhow!(e)))?;
    drop(runtime);
    timings.insert("fetch".to_string(), t0.elapsed().as_secs_f64());

    tracing::info!("ingest");
    let t0 = Instant::now();
    let before = store.index.num_docs()?;
    let mut writer = store.index.writer()?;
    let (upserted, extraction_failed) = store.ingest_fetched(
        &mut writer,
        jobs(opts.jobs),
        50_000,
        false,
        &config
            .sources
            .iter()
            .filter_map(|s| Some((s.name.clone(), s.region?)))
            .collect(),
        &|done, total| progress(&Event::Ingest { done, total }),
    )?;
    crate::finish(writer)?;
    let lexicon_changed = store
        .index
        .stats()?
        .lexicon_versions
        .iter()
        .any(|(v, _)| *v != store.lexicon.version);
    let retagged = if lexicon_changed {
        tracing::info!(version = %store.lexicon.version, "retag");
        store.retag(false, jobs(opts.jobs), 50_000)?.retagged
    } else {
        0
    };
    let after = store.index.num_docs()?;
    timings.insert("ingest".to_string(), t0.elapsed().as_secs_f64());

    tracing::info!("exports");
    let t0 = Instant::now();
    let export_dir = opts.data.join(&cfg.exports);
    let exports = exports(&store, &cfg, &export_dir, day)?;
    timings.insert("exports".to_string(), t0.elapsed().as_secs_f64());

    tracing::info!("alerts");
    let t0 = Instant::now();
    let rising = rising(&store, &cfg, day)?;
    timings.insert("alerts".to_string(), t0.elapsed().as_secs_f64());

    let failed = summary.sources.iter().any(|s| s.failed > 0) || extraction_failed > 0;
    let mut report = RunReport {
        started_at: started.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        finished_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        data_dir: opts.data.display().to_string(),
        config: opts.config.display().to_string(),
        day: day.to_string(),
        sources: summary.sources,
        documents: IngestReport {
            upserted,
            before,
            after,
            new: after.saturating_sub(before),
            extraction_failed,
            retagged,
        },
        exports,
        rising,
        timings,
        lexicon_version: store.lexicon.version.clone(),
        took_over_lock_of: held.took_over.as_ref().map(|h| h.pid),
        exit_code: if failed { EXIT_PARTIAL } else { EXIT_OK },
        report_path: PathBuf::new(),
    };
    write_report(&opts.data, &mut report, cfg.keep_runs.max(1))?;
    tracing::info!(exit_code = report.exit_code, report = %report.report_path.display(), "done");
    drop(held);
    Ok(report)
}
