//! `ticai eval opencc` and `ticai eval crossstrait`: printing the
//! evaluations of `ticai_pipeline::regional`.

use crate::lexicons;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_pipeline::regional::{eval_opencc, eval_pairs, read_opencc_cases, read_pairs};

pub fn opencc(lexicon: Option<&Path>, file: &Path, json: bool, show: usize) -> Result<ExitCode> {
    let cases = read_opencc_cases(file)?;
    let lex = lexicons::load_valid(lexicon)?;
    let normalizer = ticai_tag::normalizer_for(&lex)?;
    let scores = eval_opencc(&normalizer, &cases)?;
    if json {
        outln!("{}", serde_json::json!({ "file": file, "configs": scores }))?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{}: {} cases", file.display(), cases.len())?;
    outln!("config  ticai mode  ticai passes  OpenCC crate alone")?;
    for s in &scores {
        outln!(
            "{:<7} {:<11} {:>5}/{:<6} {:>5}/{}",
            s.config,
            s.region.as_str(),
            s.passed,
            s.cases,
            s.opencc_passed,
            s.cases
        )?;
    }
    for s in scores.iter().filter(|s| show > 0 && !s.failures.is_empty()) {
        outln!("\n{} failures (first {show}):", s.config)?;
        for f in s.failures.iter().take(show) {
            outln!(
                "  {}: {}\n    expected {}\n    got      {}",
                f.id,
                f.input,
                f.expected,
                f.got
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub struct PairsArgs {
    pub file: PathBuf,
    pub json: bool,
    pub min_found: Option<f64>,
    pub min_same: Option<f64>,
}

pub fn crossstrait(lexicon: Option<&Path>, args: PairsArgs) -> Result<ExitCode> {
    if let Some(min) = args
        .min_found
        .into_iter()
        .chain(args.min_same)
        .find(|m| !(0.0..=1.0).contains(m))
    {
        bail!("--min-found and --min-same are shares between 0 and 1, got {min}");
    }
    let pairs = read_pairs(&args.file)?;
    let scratch = tempfile::tempdir()?;
    let report = eval_pairs(lexicon, &pairs, scratch.path())?;
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        outln!(
            "{}: {} pairs\n  same themes and companies: {}/{} ({:.1}%)\n  queries that find the other side: {}/{} ({:.1}%)",
            args.file.display(),
            report.pairs,
            report.same_tags,
            report.pairs,
            100.0 * report.same_tags_share(),
            report.found,
            report.queries,
            100.0 * report.found_share()
        )?;
        for d in &report.tag_differences {
            outln!(
                "  tags differ in {}: traditional {:?} {:?}, mainland {:?} {:?}",
                d.id,
                d.trad.themes,
                d.trad.companies,
                d.cn.themes,
                d.cn.companies
            )?;
        }
        for m in &report.missed_queries {
            outln!("  {:?} does not find {}", m.query, m.want)?;
        }
    }
    let mut failed = false;
    if let Some(min) = args.min_found
        && report.found_share() < min
    {
        eprintln!(
            "queries found {:.3}, below --min-found {min}",
            report.found_share()
        );
        failed = true;
    }
    if let Some(min) = args.min_same
        && report.same_tags_share() < min
    {
        eprintln!(
            "same tags {:.3}, below --min-same {min}",
            report.same_tags_share()
        );
        failed = true;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
