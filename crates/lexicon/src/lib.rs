//! ticai's lexicons: themes and companies, loaded from data files and
//! validated.
//!
//! Layout of a lexicon directory (see `lexicons/README.md`):
//! * `themes/*.toml`: `[[theme]]` tables with `id`, `name_zh`, `name_en`,
//!   `parent`, `aliases`, `exclude`, `description`;
//! * `companies/curated.tsv`: hand-written companies with aliases;
//! * `companies/listings.tsv`: the security master, written by
//!   `ticai lexicon import-listings`;
//! * `vocabulary/cross_strait.tsv`: Taiwan and Hong Kong words and their
//!   mainland usage, for the normalizer.
//!
//! Loading never stops at the first problem: every problem becomes an
//! [`Issue`] naming the file and line, and the entries that are sound are
//! kept. Checks that depend on the text normal form (alias collisions after
//! traditional -> simplified conversion) take the normalizer as a function,
//! so this crate stays independent of the text stages.

mod check;
mod company;
mod listings;
mod pattern;
mod theme;
mod vocabulary;

pub use check::check_terms;
pub use company::{CURATED_HEADER, Company, CompanySource, validate_code};
pub use listings::{
    Completion, Listing, complete_names, merge_listings, read_listing_csv, write_listings_tsv,
};
pub use pattern::{MAX_ANCHORS, Pattern};
pub use theme::Theme;
pub use vocabulary::{CrossStrait, check_cross_strait};

use std::fmt;
use std::path::{Path, PathBuf};
use ticai_model::Exchange;

/// Where a lexicon entry or term was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A problem found in a lexicon file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub severity: Severity,
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}: {sev}: {}", self.location, self.message)
    }
}

/// Errors that stop a lexicon from being read at all.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("cannot read lexicon directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no theme files (themes/*.toml) found: is this a lexicon directory?")]
    Empty { path: PathBuf },
    #[error("{path}: {message}")]
    Listing { path: PathBuf, message: String },
}

/// The subdirectories of a lexicon directory that hold its files.
pub const SUBDIRS: [&str; 3] = ["themes", "companies", "vocabulary"];

/// A loaded lexicon.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    pub themes: Vec<Theme>,
    pub companies: Vec<Company>,
    /// The cross-strait vocabulary table (`vocabulary/*.tsv`).
    pub cross_strait: Vec<CrossStrait>,
    /// Problems found while loading (structure, duplicates, parents).
    pub issues: Vec<Issue>,
    /// A short hash of every file's content and of the normalization
    /// revision: the lexicon version recorded with tagged data.
    pub version: String,
}

/// One lexicon file: its path relative to the lexicon directory, and text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl Lexicon {
    /// Reads every lexicon file under `dir`.
    pub fn load(dir: &Path) -> Result<Lexicon, LexiconError> {
        let mut files = Vec::new();
        for sub in SUBDIRS {
            let d = dir.join(sub);
            if !d.is_dir() {
                continue;
            }
            let rd = std::fs::read_dir(&d).map_err(|source| LexiconError::Io {
                path: d.clone(),
                source,
            })?;
            let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for p in paths {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                if !matches!(ext, "toml" | "tsv") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).map_err(|source| LexiconError::Io {
                    path: p.clone(),
                    source,
                })?;
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                files.push(SourceFile {
                    path: format!("{}/{sub}/{name}", dir.display()),
                    text,
                });
            }
        }
        if !files.iter().any(|f| f.path.ends_with(".toml")) {
            return Err(LexiconError::Empty {
                path: dir.to_path_buf(),
            });
        }
        Ok(Lexicon::from_files(&files))
    }

    /// Builds a lexicon from file contents (pure; used for the lexicon
    /// compiled into the binary). Files are recognised by their path:
    /// `themes/*.toml`, `companies/listings.tsv`, other `companies/*.tsv`.
    pub fn from_files(files: &[SourceFile]) -> Lexicon {
        let mut lex = Lexicon::default();
        let mut listings = Vec::new();
        let mut hash = Fnv::new();
        // the text normal form the terms and documents are compiled to
        hash.write(&ticai_model::NORMALIZATION_REVISION.to_le_bytes());
        for f in files {
            hash.write(f.path.rsplit('/').next().unwrap_or_default().as_bytes());
            hash.write(f.text.as_bytes());
            if f.path.rsplit('/').nth(1) == Some("vocabulary") {
                vocabulary::parse_tsv(&f.path, &f.text, &mut lex.cross_strait, &mut lex.issues);
            } else if f.path.ends_with(".toml") {
                theme::parse_file(&f.path, &f.text, &mut lex.themes, &mut lex.issues);
            } else if f.path.ends_with("listings.tsv") {
                listings::parse_tsv(&f.path, &f.text, &mut listings, &mut lex.issues);
            } else if f.path.ends_with(".tsv") {
                company::parse_curated(&f.path, &f.text, &mut lex.companies, &mut lex.issues);
            }
        }
        lex.version = format!("{:012x}", hash.finish() & 0xffff_ffff_ffff);
        theme::validate(&lex.themes, &mut lex.issues);
        company::validate(&lex.companies, &mut lex.issues);
        company::validate_themes(&lex.companies, &lex.themes, &mut lex.issues);
        merge_listings(&mut lex.companies, listings);
        lex
    }

    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    pub fn theme(&self, id: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.id == id)
    }

    pub fn company_by_code(&self, exchange: Exchange, code: &str) -> Option<&Company> {
        self.companies
            .iter()
            .find(|c| c.exchange == Some(exchange) && c.code.as_deref() == Some(code))
    }
}

/// FNV-1a, 64 bit: a stable content hash for the lexicon version.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // a separator, so that ("ab", "c") and ("a", "bc") differ
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) fn issue(severity: Severity, file: &str, line: usize, message: String) -> Issue {
    Issue {
        severity,
        location: Location {
            file: file.to_string(),
            line,
        },
        message,
    }
}

/// The 1-based line of byte offset `at` in `text`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
