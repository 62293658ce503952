//! `ticai run` (the daily job) and `ticai runs`: argument parsing and
//! printing around `ticai_pipeline::run`.

use crate::cmd::store::{OutFormat, data_dir};
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_pipeline::run::{Event, RunOptions, list_runs};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The sources and the `[run]` section (see ticai.example.toml).
    #[arg(long, default_value = "ticai.toml")]
    pub config: PathBuf,
    /// Log lines on stderr: text, or JSON for log collectors.
    #[arg(long, value_enum, default_value_t)]
    pub log_format: LogFormat,
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
}

/// The log level: `TICAI_LOG` (error, warn, info, debug, trace), default info.
fn log_level() -> Result<tracing::Level, String> {
    match std::env::var("TICAI_LOG") {
        Err(_) => Ok(tracing::Level::INFO),
        Ok(v) if v.is_empty() => Ok(tracing::Level::INFO),
        Ok(v) => v.parse().map_err(|_| {
            format!("TICAI_LOG={v:?}: not a log level (error, warn, info, debug, trace)")
        }),
    }
}

fn init_logging(format: LogFormat, level: tracing::Level) {
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub fn run(args: RunArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    match log_level() {
        Ok(level) => init_logging(args.log_format, level),
        Err(e) => {
            eprintln!("ticai: the run could not start: {e}");
            return Ok(ExitCode::from(ticai_pipeline::run::EXIT_CANNOT_START));
        }
    }
    let data = match data_dir(data) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("ticai: the run could not start: {e:#}");
            return Ok(ExitCode::from(ticai_pipeline::run::EXIT_CANNOT_START));
        }
    };
    let opts = RunOptions {
        config: args.config,
        data,
        lexicon: lexicon.map(Path::to_path_buf),
        jobs: args.jobs,
    };
    // bars per source and for ingest on a terminal; log lines otherwise
    let tty =
        args.log_format == LogFormat::Text && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bars =
        crate::progress::Bars::new(tty, |line| tracing::info!(target: "ticai::fetch", "{line}"));
    let result = ticai_pipeline::run::run(&opts, &|e| match e {
        Event::Fetch(p) => bars.fetch(p),
        Event::Ingest { done, total } => bars.ingest(*done, *total),
    });
    bars.clear();
    match result {
        Ok(report) => {
            print!("{}", report.summary());
            Ok(ExitCode::from(report.exit_code))
        }
        Err(e) => {
            eprintln!("ticai: {e}");
            Ok(ExitCode::from(e.exit_code()))
        }
    }
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Show the last N runs.
    #[arg(long, default_value_t = 10)]
    pub last: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutFormat,
}

pub fn runs(args: RunsArgs, data: Option<&Path>) -> Result<ExitCode> {
    let data = data_dir(data)?;
    let runs = list_runs(&data, args.last)?;
    let mut out = std::io::stdout().lock();
    if args.format == OutFormat::Json {
        let v: Vec<&serde_json::Value> = runs.iter().map(|(_, v)| v).collect();
        writeln!(out, "{}", serde_json::to_string(&v)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if runs.is_empty() {
        writeln!(out, "no runs in {}", data.display())?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<21} {:>4} {:>7} {:>5} {:>7} {:>9} {:>8}  rising",
        "started", "exit", "listed", "new", "failed", "new docs", "secs"
    )?;
    for (_, v) in &runs {
        let sum = |k: &str| {
            v["sources"]
                .as_array()
                .map_or(0, |a| a.iter().filter_map(|s| s[k].as_u64()).sum::<u64>())
        };
        let secs: f64 = v["timings"]
            .as_object()
            .map_or(0.0, |m| m.values().filter_map(|x| x.as_f64()).sum());
        let rising: Vec<&str> = v["rising"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["theme"].as_str()).collect())
            .unwrap_or_default();
        writeln!(
            out,
            "{:<21} {:>4} {:>7} {:>5} {:>7} {:>9} {:>8.1}  {}",
            v["started_at"].as_str().unwrap_or("-"),
            v["exit_code"].as_u64().unwrap_or(0),
            sum("listed"),
            sum("new"),
            sum("failed"),
            v["documents"]["new"].as_u64().unwrap_or(0),
            secs,
            rising.join(", ")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also decode every archived body and compare it with its hash.
    #[arg(long)]
    pub deep: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutFormat,
}

pub fn doctor(args: DoctorArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    use ticai_pipeline::doctor::{Options, Status};
    let data = data_dir(data)?;
    let report = ticai_pipeline::doctor::doctor(&data, lexicon, &Options { deep: args.deep });
    let mut out = std::io::stdout().lock();
    match args.format {
        OutFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        OutFormat::Table => {
            writeln!(out, "ticai doctor: {}", report.data_dir)?;
            for c in &report.checks {
                let status = match c.status {
                    Status::Ok => "ok",
                    Status::Warning => "warning",
                    Status::Problem => "PROBLEM",
                };
                writeln!(out, "  {status:<8} {:<9} {}", c.name, c.detail)?;
                if let Some(fix) = &c.fix {
                    writeln!(out, "  {:<8} {:<9} fix: {fix}", "", "")?;
                }
            }
            let problems = report
                .checks
                .iter()
                .filter(|c| c.status == Status::Problem)
                .count();
            if problems == 0 {
                writeln!(out, "all is well")?;
            } else {
                writeln!(out, "{problems} problem(s) found")?;
            }
        }
    }
    Ok(if report.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
