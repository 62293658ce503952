use crate::lexicons;
use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_lexicon::{
    CompanySource, Completion, Issue, Severity, check_cross_strait, check_terms, complete_names,
    read_listing_csv, write_listings_tsv,
};
use ticai_text::{Normalizer, Region};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum LexiconCommand {
    /// Validate the lexicon: duplicates, alias collisions, empty terms,
    /// unknown parents, useless exclude phrases. Exits 1 on errors.
    Check {
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
    },
    /// List the themes (id, names, parent, number of terms).
    Themes {
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
    },
    /// Import a listing CSV (Tushare stock_basic layout: ts_code, name,
    /// industry, list_date) as the security master
    /// `companies/listings.tsv` of the lexicon directory.
    ImportListings {
        /// The CSV file.
        file: PathBuf,
        /// A CSV with full names by code (columns code or ts_code, and
        /// name), to complete names the listing source cut after a display
        /// prefix (XD红星发 -> 红星发展); the curated list's names are used
        /// too. Repeatable.
        #[arg(long, value_name = "CSV")]
        names: Vec<PathBuf>,
    },
    /// Candidate aliases for a theme: words and n-grams that co-occur with
    /// its mentions far more than chance (Dunning's log-likelihood over
    /// sentences) and are no term yet, with counts and example sentences.
    Suggest(crate::cmd::curate::SuggestArgs),
}

pub fn run(cmd: LexiconCommand, data: Option<&Path>, dir: Option<&Path>) -> Result<ExitCode> {
    match cmd {
        LexiconCommand::Suggest(args) => crate::cmd::curate::suggest(args, data, dir),
        LexiconCommand::Check { format } => check(dir, format),
        LexiconCommand::Themes { format } => themes(dir, format),
        LexiconCommand::ImportListings { file, names } => import(dir, &file, &names),
    }
}

fn all_issues(lex: &ticai_lexicon::Lexicon) -> Result<Vec<Issue>> {
    let normalizer = ticai_tag::normalizer_for(lex)?;
    let mut issues = lex.issues.clone();
    issues.extend(check_terms(lex, |s| normalizer.normalize_term(s)));
    // the cross-strait table against OpenCC's tables alone
    let plain = Normalizer::new()?;
    issues.extend(check_cross_strait(
        &lex.cross_strait,
        |s| plain.normalize_in(s, Some(Region::Cn)).text,
        |s, r| plain.normalize_in(s, Some(r)).text,
        |c| plain.simplified_of(c),
    ));
    issues.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
    });
    Ok(issues)
}

fn check(dir: Option<&Path>, format: ReportFormat) -> Result<ExitCode> {
    let lex = lexicons::load(dir)?;
    let issues = all_issues(&lex)?;
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    let warnings = issues.len() - errors;
    let curated = lex
        .companies
        .iter()
        .filter(|c| c.source == CompanySource::Curated)
        .count();
    let terms: usize = lex.themes.iter().map(|t| t.aliases.len()).sum::<usize>()
        + lex.companies.iter().map(|c| c.aliases.len()).sum::<usize>();
    let mut out = std::io::stdout().lock();
    match format {
        ReportFormat::Text => {
            for i in &issues {
                writeln!(out, "{i}")?;
            }
            writeln!(
                out,
                "lexicon {}: {} themes, {} companies ({curated} curated, {} listed), {terms} terms, {} cross-strait words ({} kept); {errors} error(s), {warnings} warning(s)",
                lex.version,
                lex.themes.len(),
                lex.companies.len(),
                lex.companies.len() - curated,
                lex.cross_strait.len(),
                lex.cross_strait.iter().filter(|r| r.to.is_none()).count(),
            )?;
        }
        ReportFormat::Json => {
            let list: Vec<_> = issues
                .iter()
                .map(|i| {
                    json!({
                        "severity": if i.severity == Severity::Error { "error" } else { "warning" },
                        "file": i.location.file,
                        "line": i.location.line,
                        "message": i.message,
                    })
                })
                .collect();
            let report = json!({
                "version": lex.version,
                "themes": lex.themes.len(),
                "companies": lex.companies.len(),
                "curated_companies": curated,
                "terms": terms,
                "cross_strait": lex.cross_strait.len(),
                "cross_strait_kept": lex.cross_strait.iter().filter(|r| r.to.is_none()).count(),
                "errors": errors,
                "warnings": warnings,
                "issues": list,
            });
            writeln!(out, "{report}")?;
        }
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn themes(dir: Option<&Path>, format: ReportFormat) -> Result<ExitCode> {
    let lex = lexicons::load(dir)?;
    let mut out = std::io::stdout().lock();
    for t in &lex.themes {
        match format {
            ReportFormat::Text => writeln!(
                out,
                "{:<24} {:<12} {:<32} {:<20} {}",
                t.id,
                t.name_zh,
                t.name_en,
                t.parent.as_deref().unwrap_or("-"),
                t.aliases.len()
            )?,
            ReportFormat::Json => writeln!(
                out,
                "{}",
                json!({
                    "id": t.id, "name_zh": t.name_zh, "name_en": t.name_en, "parent": t.parent,
                    "aliases": t.aliases.iter().map(|(a, _)| a).collect::<Vec<_>>(),
                    "exclude": t.exclude.iter().map(|(a, _)| a).collect::<Vec<_>>(),
                    "description": t.description,
                })
            )?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import(dir: Option<&Path>, file: &Path, names: &[PathBuf]) -> Result<ExitCode> {
    let dir = dir.map_or_else(|| PathBuf::from("lexicons"), Path::to_path_buf);
    let companies = dir.join("companies");
    if !companies.is_dir() {
        bail!(
            "{} is not a lexicon directory (no companies/ folder); pass --lexicon DIR",
            dir.display()
        );
    }
    let (mut listings, problems) = read_listing_csv(file)?;
    for p in &problems {
        eprintln!("ticai: {p}");
    }
    if listings.is_empty() {
        bail!("{}: no usable rows", file.display());
    }
    // fuller names by code: the curated list's, then the --names files'
    let mut full: HashMap<String, String> = HashMap::new();
    for n in names {
        let (rows, issues) = read_listing_csv(n)?;
        if let Some(i) = issues.first() {
            // rows that are no A-share listing cannot complete one
            eprintln!(
                "ticai: --names {}: {} row(s) not used, the first: {i}",
                n.display(),
                issues.len()
            );
        }
        full.extend(rows.into_iter().map(|r| (r.code, r.name)));
    }
    if let Ok(old) = ticai_lexicon::Lexicon::load(&dir) {
        for c in old.companies {
            if c.source == CompanySource::Curated
                && let Some(code) = c.code
            {
                full.insert(code, c.name);
            }
        }
    }
    let prefixed = listings
        .iter()
        .filter(|l| l.display_prefix.is_some())
        .count();
    let completions = complete_names(&mut listings, &full);
    let mut unsure = 0usize;
    for c in &completions {
        if let Completion::Unsure { code, name, prefix } = c {
            unsure += 1;
            eprintln!(
                "ticai: warning: {}: {code} {prefix}{name}: the display prefix {prefix} is dropped and {name} may be cut short; no fuller name of {code} (pass --names FILE)",
                file.display()
            );
        }
    }
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("listing.csv");
    let text = write_listings_tsv(
        &listings,
        &format!("imported from {name}: {} listings", listings.len()),
    );
    let target = companies.join("listings.tsv");
    // write next to the target, then rename: a crash leaves the old file whole
    let tmp = companies.join(".listings.tsv.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &target).with_context(|| format!("replacing {}", target.display()))?;
    let lex = ticai_lexicon::Lexicon::load(&dir)?;
    let merged = lex
        .companies
        .iter()
        .filter(|c| c.source == CompanySource::Curated && c.industry.is_some())
        .count();
    outln!(
        "imported {} listings into {} ({} rows skipped; {prefixed} names after a display prefix: {} completed, {unsure} left as they are); {merged} curated companies completed by a listing; {} companies in all",
        listings.len(),
        target.display(),
        problems.len(),
        completions.len() - unsure,
        lex.companies.len()
    )?;
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
