//! `ticai lexicon suggest` and `ticai discover`: lexicon curation aids over
//! files or the data directory's index (the logic is in
//! `ticai_pipeline::curate` and `ticai-discover`).

use crate::input::InputArgs;
use anyhow::{Result, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use ticai_discover::{DiscoverOptions, SuggestOptions};
use ticai_model::Document;
use ticai_pipeline::curate::{self, CorpusText};
use ticai_pipeline::{Store, lexicons};
use ticai_tag::Tagger;

/// Where the documents come from: files, else the data directory's index.
#[derive(Debug, Args)]
pub struct CorpusArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Files or directories to read (as `ticai tag` reads them); without
    /// any, the articles stored in the data directory's index.
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The theme id (`ticai lexicon themes` lists them).
    pub theme: String,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// How many candidates to print at most.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// The least number of theme sentences a candidate must appear in.
    #[arg(long, default_value_t = 3)]
    pub min_count: usize,
    /// The least log-likelihood ratio G² (10.83: the 0.1% level of χ² with
    /// one degree of freedom).
    #[arg(long, default_value_t = 10.83)]
    pub min_llr: f64,
    /// The least PMI in bits (2: four times as frequent in theme sentences
    /// as overall); keeps the market's everyday words (涨超, 股价) out.
    #[arg(long, default_value_t = 2.0)]
    pub min_pmi: f64,
    /// The longest candidate in jieba tokens (1: words only).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=6))]
    pub max_ngram: u16,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// The first day of the recent window (YYYY-MM-DD; default: the 7 days
    /// up to --until).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// The last day of the recent window (YYYY-MM-DD; default: the corpus's
    /// last day).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// The baseline window: this many days before --since.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub baseline_days: u32,
    /// How many terms to print at most.
    #[arg(long, default_value_t = 30)]
    pub top: usize,
    /// The least occurrences in the recent window.
    #[arg(long, default_value_t = 5)]
    pub min_count: usize,
    /// The least rise (smoothed per-million rate, recent over baseline).
    #[arg(long, default_value_t = 2.0)]
    pub min_rise: f64,
    /// Keep words of jieba's dictionary (同比, 国债) among the results: by
    /// default only words no dictionary has are new.
    #[arg(long)]
    pub dictionary_words: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The tagger and the documents of a corpus; inputs that could not be read
/// are reported on stderr and counted.
struct Corpus {
    tagger: Arc<Tagger>,
    docs: Vec<Document>,
    failed: usize,
    jobs: usize,
    tz: chrono_tz::Tz,
}

impl Corpus {
    /// The documents as the tagger reads them.
    fn texts(&self) -> Vec<CorpusText<'_>> {
        curate::corpus_texts(&self.tagger, &self.docs, self.tz, self.jobs)
    }

    /// Prints `report` as JSON; the exit code of the run.
    fn print_json(&self, report: &impl serde::Serialize) -> Result<ExitCode> {
        outln!("{}", serde_json::to_string_pretty(report)?)?;
        Ok(finish(self.failed))
    }
}

fn read_corpus(args: &CorpusArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<Corpus> {
    let tz = ticai_trends::parse_tz(args.input.tz.as_deref().unwrap_or("Asia/Shanghai"))
        .map_err(|e| anyhow!("--tz: {e}"))?;
    let jobs = ticai_pipeline::jobs(args.jobs);
    if args.paths.is_empty() {
        let data = ticai_pipeline::data_dir(data)?;
        let store = Store::open_existing(&data, lexicon)?;
        let docs = store
            .index
            .stored_articles()?
            .into_iter()
            .map(|a| a.document)
            .collect();
        return Ok(Corpus {
            tagger: store.tagger.clone(),
            docs,
            failed: 0,
            jobs,
            tz,
        });
    }
    let reader = args.input.reader()?;
    let lex = lexicons::load_valid(lexicon)?;
    let tagger = Arc::new(Tagger::new(&lex)?);
    let mut docs = Vec::new();
    let mut failed = 0usize;
    reader.read_all(
        &args.paths,
        &mut |doc| {
            docs.push(doc);
            Ok(())
        },
        &mut |err| {
            failed += 1;
            eprintln!("ticai: {err}");
        },
    )?;
    Ok(Corpus {
        tagger,
        docs,
        failed,
        jobs,
        tz,
    })
}

fn finish(failed: usize) -> ExitCode {
    crate::output::read_problems(failed, "the rest was read")
}

/// Cuts `s` to `n` characters, with an ellipsis when cut.
fn cut(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out.replace(['\n', '\t'], " ")
}

pub fn suggest(args: SuggestArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    if !(args.min_llr.is_finite() && args.min_llr >= 0.0) {
        anyhow::bail!("--min-llr {}: must be a number of at least 0", args.min_llr);
    }
    if !args.min_pmi.is_finite() {
        anyhow::bail!("--min-pmi {}: must be a number", args.min_pmi);
    }
    let corpus = read_corpus(&args.corpus, data, lexicon)?;
    let texts = corpus.texts();
    let opts = SuggestOptions {
        top: args.top,
        min_count: args.min_count.max(1),
        min_llr: args.min_llr,
        max_ngram: args.max_ngram.into(),
        ..SuggestOptions::default()
    };
    let report = curate::suggest_aliases(&corpus.tagger, &texts, &args.theme, args.min_pmi, &opts)?;
    if args.json {
        return corpus.print_json(&report);
    }
    outln!(
        "{}: {} of {} texts mention it; {} candidate(s)",
        report.theme,
        report.theme_texts,
        report.texts,
        report.suggestions.len()
    )?;
    if !report.suggestions.is_empty() {
        outln!(
            "{:<16} {:>6} {:>7} {:>8} {:>5}  example",
            "term",
            "theme",
            "total",
            "G2",
            "PMI"
        )?;
    }
    for s in &report.suggestions {
        outln!(
            "{:<16} {:>6} {:>7} {:>8.1} {:>5.2}  {}",
            s.term,
            s.with_theme,
            s.total,
            s.llr,
            s.pmi,
            s.examples.first().map_or(String::new(), |e| cut(e, 60))
        )?;
        for e in s.examples.iter().skip(1) {
            outln!("{:<47}  {}", "", cut(e, 60))?;
        }
    }
    Ok(finish(corpus.failed))
}

pub fn discover(
    args: DiscoverArgs,
    data: Option<&Path>,
    lexicon: Option<&Path>,
) -> Result<ExitCode> {
    let since = args
        .since
        .as_deref()
        .map(|s| ticai_trends::parse_day("--since", s))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| ticai_trends::parse_day("--until", s))
        .transpose()?;
    if !(args.min_rise.is_finite() && args.min_rise >= 1.0) {
        anyhow::bail!(
            "--min-rise {}: must be a number of at least 1",
            args.min_rise
        );
    }
    let corpus = read_corpus(&args.corpus, data, lexicon)?;
    let texts = corpus.texts();
    let opts = DiscoverOptions {
        baseline_days: args.baseline_days,
        top: args.top,
        min_count: args.min_count.max(1),
        min_rise: args.min_rise,
        ..curate::discover_window(&texts, since, until)?
    };
    let report = curate::discover_terms(&corpus.tagger, &texts, args.dictionary_words, opts);
    if args.json {
        return corpus.print_json(&report);
    }
    outln!(
        "recent {} .. {} ({} texts) against {} .. {} ({} texts){}; {} term(s)",
        report.since,
        report.until,
        report.recent_texts,
        report.baseline_since,
        report.since.pred_opt().unwrap_or(report.since),
        report.baseline_texts,
        if report.undated_texts > 0 {
            format!(", {} undated texts left out", report.undated_texts)
        } else {
            String::new()
        },
        report.terms.len()
    )?;
    if !report.terms.is_empty() {
        outln!(
            "{:<12} {:>6} {:>6} {:>7} {:>7}  {:<24}  example",
            "term",
            "recent",
            "base",
            "rise",
            "score",
            "companies"
        )?;
    }
    for t in &report.terms {
        let companies: Vec<&str> = t
            .companies
            .iter()
            .take(3)
            .map(|(c, _)| c.as_str())
            .collect();
        outln!(
            "{:<12} {:>6} {:>6} {:>7.1} {:>7.1}  {:<24}  {}",
            t.term,
            t.recent,
            t.baseline,
            t.rise,
            t.score,
            cut(&companies.join(","), 24),
            t.examples.first().map_or(String::new(), |e| cut(e, 50))
        )?;
    }
    Ok(finish(corpus.failed))
}
