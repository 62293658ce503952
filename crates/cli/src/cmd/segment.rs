use crate::input::{InputFormat, reader_of};
use crate::lexicons;
use anyhow::Result;
use clap::Args;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_tag::Tagger;

#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// How to read the inputs.
    #[arg(long, value_enum, default_value_t)]
    pub input_format: InputFormat,
    /// Files, directories or `-` for standard input (the default).
    pub paths: Vec<PathBuf>,
}

/// Prints, per document, its id and then the normalized text with words
/// separated by spaces (lexicon words injected, as the tagger sees them).
pub fn run(args: SegmentArgs, lexicon: Option<&Path>) -> Result<ExitCode> {
    let lex = lexicons::load_valid(lexicon)?;
    let tagger = Tagger::new(&lex)?;
    let reader = reader_of(args.input_format, true);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.paths
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut failed = 0;
    reader.read_all(
        &paths,
        &mut |doc| {
            writeln!(out, "# {}", doc.id)?;
            let norm = tagger.normalizer().normalize_in(&doc.text, doc.region);
            for line in norm.text.lines() {
                let words: Vec<&str> = tagger
                    .segmenter()
                    .words(line)
                    .into_iter()
                    .filter(|w| !w.trim().is_empty())
                    .collect();
                writeln!(out, "{}", words.join(" "))?;
            }
            Ok(())
        },
        &mut |err| {
            failed += 1;
            eprintln!("ticai: {err}");
        },
    )?;
    out.flush()?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
