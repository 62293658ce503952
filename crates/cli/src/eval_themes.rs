//! `ticai eval themes`: printing [`ticai_pipeline::eval_themes`].

use crate::input::{InputFormat, reader_of};
use crate::lexicons;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_pipeline::eval_themes::{CORE_THEMES, Counts, evaluate, find_items, read_labels};
use ticai_tag::Tagger;

#[derive(Debug, clap::Args)]
pub struct ThemesArgs {
    /// The labels file.
    #[arg(long, default_value = "tests/eval/themes.labels.jsonl")]
    pub labels: PathBuf,
    /// The corpus directory the labels' items are in.
    #[arg(long, default_value = "../shared/corpus")]
    pub corpus: PathBuf,
    /// Which labels: dev, test or all.
    #[arg(long, default_value = "all")]
    pub split: String,
    /// Print the report as JSON (every theme, every miss and false hit).
    #[arg(long)]
    pub json: bool,
    /// Print up to N core misses and N core false hits.
    #[arg(long, default_value_t = 10)]
    pub show: usize,
    /// Exit 1 when core precision is below this (0..1).
    #[arg(long)]
    pub min_precision: Option<f64>,
    /// Exit 1 when core recall is below this (0..1).
    #[arg(long)]
    pub min_recall: Option<f64>,
    /// Tag without company-implied themes (as `ticai tag --no-implied`).
    #[arg(long)]
    pub no_implied: bool,
}

pub fn run(lexicon: Option<&Path>, args: ThemesArgs) -> Result<ExitCode> {
    if !matches!(args.split.as_str(), "dev" | "test" | "all") {
        bail!("--split {:?}: expected dev, test or all", args.split);
    }
    if let Some(m) = args
        .min_precision
        .into_iter()
        .chain(args.min_recall)
        .find(|m| !(0.0..=1.0).contains(m))
    {
        bail!("--min-precision and --min-recall are shares between 0 and 1, got {m}");
    }
    if !args.corpus.is_dir() {
        bail!(
            "{}: no such directory (the shared corpus: flash/eastmoney.jsonl, flash/ths.jsonl, articles/articles.jsonl)",
            args.corpus.display()
        );
    }
    let lex = lexicons::load_valid(lexicon)?;
    let mut tagger = Tagger::new(&lex)?;
    tagger.set_implied(!args.no_implied);
    let mut labels = read_labels(&args.labels, &lex)?;
    labels.retain(|l| args.split == "all" || l.split == args.split);
    let reader = reader_of(InputFormat::Jsonl, false);
    let docs = find_items(&labels, &args.corpus, &mut |file, keep| {
        let mut errors = Vec::new();
        reader.read_all(
            &[file.to_path_buf()],
            &mut |d| {
                keep(d);
                Ok(())
            },
            &mut |e| errors.push(e.to_string()),
        )?;
        if let Some(e) = errors.first() {
            bail!("{e}");
        }
        Ok(())
    })?;
    let report = evaluate(&lex, &tagger, &labels, &docs);
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        let row = |name: &str, c: &Counts| {
            outln!(
                "{name:<24} {:>6.3} {:>6.3} {:>6.3} {:>5} {:>5} {:>5}",
                c.precision(),
                c.recall(),
                c.f1(),
                c.true_hits,
                c.false_hits,
                c.misses
            )
        };
        outln!(
            "{}: {} items (split {})",
            args.labels.display(),
            report.items,
            args.split
        )?;
        outln!(
            "{:<24} {:>6} {:>6} {:>6} {:>5} {:>5} {:>5}",
            "theme",
            "P",
            "R",
            "F1",
            "hit",
            "false",
            "miss"
        )?;
        for t in CORE_THEMES {
            row(t, report.themes.get(t).unwrap_or(&Counts::default()))?;
        }
        row("core (micro)", &report.core)?;
        let other: Vec<_> = report
            .themes
            .iter()
            .filter(|(t, _)| !CORE_THEMES.contains(&t.as_str()))
            .collect();
        if !other.is_empty() {
            outln!("other themes:")?;
            for (t, c) in other {
                row(t, c)?;
            }
        }
        let core = |t: &str| CORE_THEMES.contains(&t);
        for (what, list) in [
            ("misses", &report.misses),
            ("false hits", &report.false_hits),
        ] {
            let list: Vec<_> = list.iter().filter(|d| core(&d.theme)).collect();
            if args.show > 0 && !list.is_empty() {
                outln!(
                    "\ncore {what} ({} in all; first {}):",
                    list.len(),
                    args.show
                )?;
                for d in list.iter().take(args.show) {
                    outln!(
                        "  {:<20} {} {}  {}",
                        d.theme,
                        d.source,
                        d.id,
                        d.title.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
    }
    let short = |name: &str, got: f64, min: Option<f64>| match min {
        Some(m) if got < m => {
            eprintln!("ticai: core {name} {got:.3} is below {m}");
            true
        }
        _ => false,
    };
    let p = short("precision", report.core.precision(), args.min_precision);
    let r = short("recall", report.core.recall(), args.min_recall);
    Ok(if p || r {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
