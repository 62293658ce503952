use crate::input::InputArgs;
use crate::output;
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::cell::RefCell;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_model::Document;
use ticai_pipeline::backfill::BackfillRecord;
use ticai_pipeline::lexicons;
use ticai_tag::Tagger;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TagFormat {
    /// One JSON object per line per document.
    #[default]
    Jsonl,
    /// A readable summary per document.
    Table,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TagFormat,
    #[command(flatten)]
    pub input: InputArgs,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Keep the first N evidence spans of each theme and company (default:
    /// all); `mentions` stays exact and `evidence_total` tells how many
    /// spans there were when some were cut. For long documents (annual
    /// reports), whose every mention would otherwise be printed with its
    /// sentence.
    #[arg(long, value_name = "N")]
    pub max_evidence: Option<usize>,
    /// Do not count a theme for an article only because it names a
    /// company that is a pure play of it (the lexicon's `themes` column;
    /// evidence reason `company`).
    #[arg(long)]
    pub no_implied: bool,
    /// Add to each JSON record what a backfill on another engine needs to
    /// store, bucket and cluster the document as `ticai ingest` does:
    /// `url`, `source`, `published_rfc3339` (the instant the index stores,
    /// null when undated), `lexicon_version`, `minhash` (the text's 128
    /// MinHash values, 32 bits each) and `lsh_bands` (its LSH band keys),
    /// `text` and `region` (as read); an input that is no document answers
    /// with `{"error": ...}` in its place, so that the output answers the
    /// input record for record. The Spark job of deploy/spark/ reads these.
    #[arg(long)]
    pub backfill: bool,
    /// Files, directories or `-` for standard input (the default).
    pub paths: Vec<PathBuf>,
}

const BATCH: usize = 1024;

pub fn run(args: TagArgs, lexicon: Option<&Path>) -> Result<ExitCode> {
    if args.backfill && args.format != TagFormat::Jsonl {
        anyhow::bail!("--backfill adds keys to JSON records: it needs --format jsonl");
    }
    let reader = args.input.reader()?;
    let lex = lexicons::load_valid(lexicon)?;
    let mut tagger = Tagger::new(&lex)?;
    tagger.set_implied(!args.no_implied);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.paths
    };
    let out = RefCell::new(BufWriter::new(std::io::stdout().lock()));
    // documents, and with --backfill the inputs that are none, in input order
    let batch: RefCell<Vec<Result<Document, String>>> = RefCell::new(Vec::with_capacity(BATCH));
    let mut failed = 0usize;
    let format = args.format;
    let max_evidence = args.max_evidence;
    let backfill = args.backfill.then_some(lex.version.as_str());
    // each worker tags and serializes its documents: the JSON is a sixth
    // of the work, and written in order by this thread alone
    let flush = || -> Result<()> {
        let mut batch = batch.borrow_mut();
        let printed = par_map(&batch, jobs, |item| {
            let mut buf = Vec::new();
            let d = match item {
                Ok(d) => d,
                // a line of the input ticai cannot read answers with its error
                Err(e) => {
                    return output::write_json_line(&mut buf, &serde_json::json!({ "error": e }))
                        .map(|()| buf);
                }
            };
            let doc = tagger.tag_with(d, max_evidence);
            match (format, backfill) {
                (TagFormat::Jsonl, Some(version)) => {
                    output::write_json_line(&mut buf, &BackfillRecord::new(d, &doc, version))
                }
                (TagFormat::Jsonl, None) => output::write_json_line(&mut buf, &doc),
                (TagFormat::Table, _) => output::write_table(&mut buf, &doc),
            }
            .map(|()| buf)
        });
        let mut out = out.borrow_mut();
        for buf in printed {
            out.write_all(&buf?)?;
        }
        batch.clear();
        Ok(())
    };
    reader.read_all(
        &paths,
        &mut |doc| {
            batch.borrow_mut().push(Ok(doc));
            if batch.borrow().len() >= BATCH {
                flush()?;
            }
            Ok(())
        },
        &mut |err| {
            failed += 1;
            eprintln!("ticai: {err}");
            // a record's problem answers in its place; a file's is only reported
            if backfill.is_some() && err.record_line().is_some() {
                batch.borrow_mut().push(Err(err.to_string()));
            }
        },
    )?;
    flush()?;
    let mut out = out.into_inner();
    out.flush()?;
    Ok(output::read_problems(failed, "everything else was tagged"))
}

pub use ticai_pipeline::{par_map, tag_batch};
