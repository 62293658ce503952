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

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tag documents with themes and companies; one JSON object per document.
    Tag(cmd::tag::TagArgs),
    /// Extract articles (main text, title, date, source) from HTML or text pages.
    Extract(cmd::extract::ExtractArgs),
    /// Check, list and import lexicons.
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
    match cli.command {
        Command::Tag(args) => cmd::tag::run(args, lexicon),
        Command::Extract(args) => cmd::extract::run(args),
        Command::Lexicon(c) => cmd::lexicon::run(c, lexicon),
        Command::Segment(args) => cmd::segment::run(args, lexicon),
        Command::Eval(c) => crate::eval::run(c, lexicon),
    }
}
