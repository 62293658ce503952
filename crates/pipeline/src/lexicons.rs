//! Where the lexicon comes from: a directory given with `--lexicon` (or
//! `TICAI_LEXICON`), else the copy of the repository's `lexicons/` compiled
//! into the binary.

use anyhow::{Context, Result, bail};
use std::path::Path;
use ticai_lexicon::{Lexicon, SourceFile};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/lexicon_files.rs"));
}

/// The bundled sample corpus: (path, bytes) of every file.
pub fn sample_corpus() -> &'static [(&'static str, &'static [u8])] {
    embedded::SAMPLE
}

/// The lexicon compiled into the binary.
pub fn builtin() -> Lexicon {
    let files: Vec<SourceFile> = embedded::FILES
        .iter()
        .map(|(path, text)| SourceFile {
            path: format!("lexicons/{path}"),
            text: text.to_string(),
        })
        .collect();
    Lexicon::from_files(&files)
}

/// Loads the lexicon from `dir`, or the built-in one.
pub fn load(dir: Option<&Path>) -> Result<Lexicon> {
    match dir {
        Some(d) => Lexicon::load(d).with_context(|| format!("loading lexicon {}", d.display())),
        None => Ok(builtin()),
    }
}

/// Loads the lexicon and refuses one with errors (warnings pass).
pub fn load_valid(dir: Option<&Path>) -> Result<Lexicon> {
    let lex = load(dir)?;
    let errors: Vec<String> = lex.errors().map(|i| i.to_string()).collect();
    if !errors.is_empty() {
        let shown = errors
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ");
        bail!(
            "the lexicon has {} error(s); run `ticai lexicon check` for all of them:\n  {shown}",
            errors.len()
        );
    }
    Ok(lex)
}
