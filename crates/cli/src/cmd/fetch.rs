use crate::cmd::store::{OutFormat, data_dir};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_fetch::{Config, RunOptions};

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The sources (see ticai.example.toml).
    #[arg(long, default_value = "ticai.toml")]
    pub config: PathBuf,
    /// Only this source.
    #[arg(long)]
    pub source: Option<String>,
    /// Skip feed items published before this date.
    #[arg(long)]
    pub since: Option<String>,
    /// List what would be fetched; fetch no article, store nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutFormat,
}

pub fn run(args: FetchArgs, data: Option<&Path>) -> Result<ExitCode> {
    let config = Config::load(&args.config).map_err(|e| anyhow!(e))?;
    let data = data_dir(data)?;
    let since = args
        .since
        .as_deref()
        .map(|s| {
            ticai_extract::parse_date(s, None).with_context(|| format!("--since {s:?}: not a date"))
        })
        .transpose()?;
    let options = RunOptions {
        only_source: args.source.clone(),
        since,
        dry_run: args.dry_run,
    };
    // bars per source on a terminal; plain lines on stderr otherwise (cron logs)
    let quiet = args.format == OutFormat::Json;
    let bars = crate::progress::Bars::new(
        !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        |line| {
            if !quiet {
                eprintln!("{} {line}", chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"))
            }
        },
    );
    let progress = |p: &ticai_fetch::Progress<'_>| bars.fetch(p);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = runtime.block_on(ticai_fetch::run(&config, &data, &options, &progress));
    bars.clear();
    let summary = summary.map_err(|e| anyhow!(e))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutFormat::Json => writeln!(out, "{}", serde_json::to_string(&summary)?)?,
        OutFormat::Table => {
            writeln!(
                out,
                "{:<20} {:>7} {:>5} {:>13} {:>7} {:>8} {:>11}",
                "source", "listed", "new", "not_modified", "failed", "skipped", "duplicates"
            )?;
            for s in &summary.sources {
                writeln!(
                    out,
                    "{:<20} {:>7} {:>5} {:>13} {:>7} {:>8} {:>11}",
                    s.name, s.listed, s.new, s.not_modified, s.failed, s.skipped, s.duplicates
                )?;
                for e in &s.errors {
                    writeln!(out, "    {}: {}", e.url, e.reason)?;
                }
            }
        }
    }
    Ok(if summary.anything_worked() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
