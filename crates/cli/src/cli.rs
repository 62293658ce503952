use crate::cmd;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// ticai (题材): tag A-share market themes and companies in Chinese
/// financial news.
#[derive(Debug, Parser)]
#[command(name = "ticai", version, about, long_about = None)]
pub struct Cli {
    /// Lexicon directory (themes/*.toml, companies/*.tsv); default: the
    /// lexicon compiled into this binary.
    #[arg(long, global = true, env = "TICAI_LEXICON", value_name = "DIR")]
    pub lexicon: Option<PathBuf>,

    /// Data directory for the index (default: TICAI_HOME, else
    /// $XDG_DATA_HOME/ticai or ~/.local/share/ticai).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tag documents with themes and companies; one JSON object per document.
    Tag(cmd::tag::TagArgs),
    /// How ticai reads files (format, encoding, delimiter, fields, dates,
    /// the first documents), without tagging or writing.
    Inspect(cmd::inspect::InspectArgs),
    /// Extract articles (main text, title, date, source) from HTML or text pages.
    Extract(cmd::extract::ExtractArgs),
    /// Fetch new articles from the configured sources into the archive.
    Fetch(cmd::fetch::FetchArgs),
    /// The daily job: fetch, ingest, exports, alerts, run report (exit 0 all
    /// fetched; 1 some sources or pages failed; 2 could not start; 3 another
    /// run holds the lock).
    Run(cmd::run::RunArgs),
    /// List past runs (the reports in the data dir's runs/).
    Runs(cmd::run::RunsArgs),
    /// Check a data directory (index, state database, archive, lexicon
    /// version, lock, last run); exit 0 when all is well, 1 on a problem.
    Doctor(cmd::run::DoctorArgs),
    /// Tag documents and add them to the search index (upsert by id).
    Ingest(cmd::store::IngestArgs),
    /// Re-tag stored documents after a lexicon change (no re-fetching).
    Retag(cmd::store::RetagArgs),
    /// Rebuild the index from its stored articles in this version's schema
    /// (an index written by an earlier ticai needs it; nothing is fetched).
    Reindex(cmd::store::ReindexArgs),
    /// Search the index.
    Search(cmd::store::SearchArgs),
    /// Documents, sources, date range, lexicon version and size of the index.
    Stats(cmd::store::StatsArgs),
    /// Theme and company time series (CSV, JSON, Parquet; long or wide).
    Trends(cmd::trends::TrendsArgs),
    /// Export tables for notebooks, DuckDB and Spark.
    #[command(subcommand)]
    Export(cmd::trends::ExportCommand),
    /// Themes and companies named together, with lift.
    Cooccur(cmd::trends::CooccurArgs),
    /// Rising themes: the latest bucket against a trailing window.
    Alerts(cmd::trends::AlertsArgs),
    /// An SVG chart of theme or company series.
    Chart(cmd::trends::ChartArgs),
    /// Serve the analysts' web page and its JSON API (read-only).
    Serve(cmd::serve::ServeArgs),
    /// Index the bundled sample corpus into a fresh data dir and search it.
    Demo(cmd::store::DemoArgs),
    /// Emerging terms that no lexicon has: new words of the recent window
    /// (cohesion and branching entropy) ranked by their rise against a
    /// baseline, with counts per day, companies and examples.
    Discover(cmd::curate::DiscoverArgs),
    /// Check, list and import lexicons; suggest aliases for a theme.
    #[command(subcommand)]
    Lexicon(cmd::lexicon::LexiconCommand),
    /// Print the normalized text of documents segmented into words.
    Segment(cmd::segment::SegmentArgs),
    /// Evaluate tagging against publisher tags.
    #[command(subcommand)]
    Eval(crate::eval::EvalCommand),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let lexicon = cli.lexicon.as_deref();
    let data = cli.data_dir.as_deref();
    match cli.command {
        Command::Fetch(args) => cmd::fetch::run(args, data),
        Command::Run(args) => cmd::run::run(args, data, lexicon),
        Command::Runs(args) => cmd::run::runs(args, data),
        Command::Doctor(args) => cmd::run::doctor(args, data, lexicon),
        Command::Ingest(args) => cmd::store::ingest(args, data, lexicon),
        Command::Retag(args) => cmd::store::retag(args, data, lexicon),
        Command::Reindex(args) => cmd::store::reindex(args, data, lexicon),
        Command::Search(args) => cmd::store::search(args, data, lexicon),
        Command::Stats(args) => cmd::store::stats(args, data, lexicon),
        Command::Trends(args) => cmd::trends::trends(args, data, lexicon),
        Command::Export(c) => cmd::trends::export(c, data, lexicon),
        Command::Cooccur(args) => cmd::trends::cooccur(args, data, lexicon),
        Command::Alerts(args) => cmd::trends::alerts(args, data, lexicon),
        Command::Chart(args) => cmd::trends::chart(args, data, lexicon),
        Command::Serve(args) => cmd::serve::run(args, data, lexicon),
        Command::Demo(args) => cmd::store::demo(args, data, lexicon),
        Command::Tag(args) => cmd::tag::run(args, lexicon),
        Command::Extract(args) => cmd::extract::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Lexicon(c) => cmd::lexicon::run(c, data, lexicon),
        Command::Discover(args) => cmd::curate::discover(args, data, lexicon),
        Command::Segment(args) => cmd::segment::run(args, lexicon),
        Command::Eval(c) => crate::eval::run(c, lexicon),
    }
}
