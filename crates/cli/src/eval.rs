//! `ticai eval companies`: company recall against publisher tags.
//!
//! Flash-news feeds tag their items with the stocks they concern
//! (`stocks: [{code, name}]`: East Money gives codes such as `300308.SZ` or
//! bare `600519`, mixed with board and fund codes; 同花顺 gives names).
//! Each tag that resolves to a company of the lexicon is a reference; it
//! counts as *mentioned* when the company's name, an alias or its code is
//! written in the item. Recall is measured on mentioned references (what a
//! text tagger can find) and, for information, on all of them.

use crate::cmd::tag::tag_batch;
use crate::input::{InputFormat, reader_of};
use crate::lexicons;
use anyhow::{Result, bail};
use clap::Subcommand;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_lexicon::Lexicon;
use ticai_model::{Document, Exchange};
use ticai_tag::Tagger;

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Extraction quality: over a folder of saved pages (pages extracted,
    /// mean length, noise markers left, dates found, agreement with GNE's
    /// output where a gne_output_result.txt is present) and over feed items
    /// (token F1 between the extraction of `summary_html` and the feed's
    /// `text`).
    Extract {
        /// A folder of saved HTML pages (e.g. ../shared/corpus/html/gne).
        #[arg(long)]
        pages: Option<PathBuf>,
        /// A JSONL file of feed items with `summary_html` and `text`.
        #[arg(long)]
        articles: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Theme precision and recall over the core themes (and the others
    /// labelled) against hand labels of items of the shared corpus
    /// (tests/eval/themes.labels.jsonl; tests/eval/GUIDE.md says how they
    /// were made), with the misses and false hits.
    Themes(crate::eval_themes::ThemesArgs),
    /// Company recall against the `stocks` tags of flash-news JSONL files.
    Companies {
        /// JSONL files with a `stocks` field.
        files: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Exit 1 when recall on mentioned references is below this.
        #[arg(long)]
        min_recall: Option<f64>,
        /// Print up to N missed references per file (to stderr).
        #[arg(long, default_value_t = 0)]
        show_missed: usize,
    },
    /// OpenCC's own conversion test cases (testcases.json) through ticai's
    /// normalizer: pass counts per configuration (t2s, tw2s, hk2s, tw2sp)
    /// beside the OpenCC crate alone.
    Opencc {
        /// OpenCC's test file (e.g. ../shared/reference/opencc_testcases/testcases.json).
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Print up to N failing cases per configuration.
        #[arg(long, default_value_t = 0)]
        show: usize,
    },
    /// Taiwan/Hong Kong passages and their mainland rewrites (JSON Lines:
    /// id, region, trad, cn, queries_cn, queries_tw): same themes and
    /// companies on both sides, and mainland queries that find the
    /// traditional passage and Taiwan/Hong Kong queries the mainland one.
    Crossstrait {
        /// The pairs file (e.g. tests/crossstrait/pairs.jsonl).
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Exit 1 when the share of queries that find their twin is below this (0..1).
        #[arg(long)]
        min_found: Option<f64>,
        /// Exit 1 when the share of pairs with the same tags is below this (0..1).
        #[arg(long)]
        min_same: Option<f64>,
    },
}

#[derive(Debug, Default, Serialize, Clone)]
pub struct RecallReport {
    pub file: String,
    pub documents: usize,
    /// Publisher tags seen (stocks entries).
    pub tags: usize,
    /// Tags that resolve to a lexicon company.
    pub references: usize,
    /// References whose name, alias or code is written in the item.
    pub mentioned: usize,
    pub found_mentioned: usize,
    pub found_all: usize,
    pub recall_mentioned: f64,
    pub recall_all: f64,
    /// Companies found that the publisher did not tag (not necessarily wrong:
    /// publishers tag a few stocks, not every company named).
    pub found_untagged: usize,
}

pub fn run(cmd: EvalCommand, lexicon: Option<&Path>) -> Result<ExitCode> {
    let (files, json, min_recall, show_missed) = match cmd {
        EvalCommand::Extract {
            pages,
            articles,
            json,
        } => return crate::eval_extract::run(pages, articles, json),
        EvalCommand::Themes(args) => return crate::eval_themes::run(lexicon, args),
        EvalCommand::Opencc { file, json, show } => {
            return crate::eval_regional::opencc(lexicon, &file, json, show);
        }
        EvalCommand::Crossstrait {
            file,
            json,
            min_found,
            min_same,
        } => {
            return crate::eval_regional::crossstrait(
                lexicon,
                crate::eval_regional::PairsArgs {
                    file,
                    json,
                    min_found,
                    min_same,
                },
            );
        }
        EvalCommand::Companies {
            files,
            json,
            min_recall,
            show_missed,
        } => (files, json, min_recall, show_missed),
    };
    if files.is_empty() {
        bail!("name at least one JSONL file with a `stocks` field");
    }
    let lex = lexicons::load_valid(lexicon)?;
    let tagger = Tagger::new(&lex)?;
    let mut reports = Vec::new();
    for f in &files {
        if !f.is_file() {
            bail!("{}: no such file", f.display());
        }
        reports.push(evaluate_file(&lex, &tagger, f, show_missed)?);
    }
    let total = sum(&reports);
    if json {
        outln!(
            "{}",
            serde_json::json!({ "files": reports, "total": total })
        )?;
    } else {
        for r in reports.iter().chain(std::iter::once(&total)) {
            outln!(
                "{}: {} documents, {} publisher tags, {} resolve to lexicon companies, {} mentioned in the text\n  recall on mentioned: {:.4} ({}/{})   recall on all: {:.4} ({}/{})   found but untagged: {}",
                r.file,
                r.documents,
                r.tags,
                r.references,
                r.mentioned,
                r.recall_mentioned,
                r.found_mentioned,
                r.mentioned,
                r.recall_all,
                r.found_all,
                r.references,
                r.found_untagged
            )?;
        }
    }
    if let Some(min) = min_recall
        && total.recall_mentioned < min
    {
        eprintln!(
            "ticai: recall on mentioned references {:.4} is below {min}",
            total.recall_mentioned
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn sum(reports: &[RecallReport]) -> RecallReport {
    let mut t = RecallReport {
        file: "total".into(),
        ..Default::default()
    };
    for r in reports {
        t.documents += r.documents;
        t.tags += r.tags;
        t.references += r.references;
        t.mentioned += r.mentioned;
        t.found_mentioned += r.found_mentioned;
        t.found_all += r.found_all;
        t.found_untagged += r.found_untagged;
    }
    finish(&mut t);
    t
}

fn finish(r: &mut RecallReport) {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    r.recall_mentioned = ratio(r.found_mentioned, r.mentioned);
    r.recall_all = ratio(r.found_all, r.references);
}

/// Resolves publisher tags to lexicon companies.
struct Resolver<'a> {
    lex: &'a Lexicon,
    by_code: HashMap<(Exchange, &'a str), usize>,
    by_term: HashMap<String, usize>,
}

impl<'a> Resolver<'a> {
    fn new(lex: &'a Lexicon, tagger: &Tagger) -> Self {
        let mut by_code = HashMap::new();
        let mut by_term = HashMap::new();
        for (i, c) in lex.companies.iter().enumerate() {
            if let (Some(ex), Some(code)) = (c.exchange, c.code.as_deref()) {
                by_code.entry((ex, code)).or_insert(i);
            }
            for (a, _) in &c.aliases {
                by_term
                    .entry(tagger.normalizer().normalize_term(a).to_lowercase())
                    .or_insert(i);
            }
        }
        Resolver {
            lex,
            by_code,
            by_term,
        }
    }

    fn resolve(&self, tagger: &Tagger, tag: &Value) -> Option<usize> {
        let code = tag.get("code").and_then(Value::as_str).unwrap_or("").trim();
        let name = tag.get("name").and_then(Value::as_str).unwrap_or("").trim();
        if !code.is_empty() {
            let lower = code.to_ascii_lowercase();
            let (digits, ex) = if let Some((d, ex)) = lower.split_once('.') {
                (d.to_string(), ex.parse::<Exchange>().ok())
            } else if lower.len() == 8 && lower.is_char_boundary(2) {
                (lower[2..].to_string(), lower[..2].parse::<Exchange>().ok())
            } else {
                (lower.clone(), Exchange::of_a_share_code(&lower))
            };
            if let Some(ex) = ex
                && let Some(&i) = self.by_code.get(&(ex, digits.as_str()))
            {
                return Some(i);
            }
        }
        if !name.is_empty() {
            return self
                .by_term
                .get(&tagger.normalizer().normalize_term(name).to_lowercase())
                .copied();
        }
        None
    }

    /// Whether the company's name, an alias or its code is written in `text`
    /// (normalized, lower-cased).
    fn is_mentioned(&self, tagger: &Tagger, i: usize, text: &str) -> bool {
        let c = &self.lex.companies[i];
        c.code.as_deref().is_some_and(|code| text.contains(code))
            || c.aliases
                .iter()
                .any(|(a, _)| text.contains(&tagger.normalizer().normalize_term(a).to_lowercase()))
    }
}

fn evaluate_file(
    lex: &Lexicon,
    tagger: &Tagger,
    path: &Path,
    show_missed: usize,
) -> Result<RecallReport> {
    let resolver = Resolver::new(lex, tagger);
    let reader = reader_of(InputFormat::Jsonl, false);
    // the documents and, per document, its stock tags
    let mut docs: Vec<Document> = Vec::new();
    let mut tags: Vec<Vec<Value>> = Vec::new();
    let file = std::fs::read_to_string(path)?;
    for line in file.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)?;
        tags.push(
            v.get("stocks")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
    }
    let mut bad = 0;
    reader.read_all(
        &[path.to_path_buf()],
        &mut |d| {
            docs.push(d);
            Ok(())
        },
        &mut |e| {
            bad += 1;
            eprintln!("ticai: {e}");
        },
    )?;
    if bad > 0 || docs.len() != tags.len() {
        bail!(
            "{}: {bad} unreadable line(s); cannot align documents with tags",
            path.display()
        );
    }
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let tagged = tag_batch(tagger, &docs, jobs);
    let mut r = RecallReport {
        file: path.display().to_string(),
        documents: docs.len(),
        ..Default::default()
    };
    let mut missed = 0;
    for ((doc, out), doc_tags) in docs.iter().zip(&tagged).zip(&tags) {
        let text = format!("{}\n{}", doc.title.as_deref().unwrap_or(""), doc.text);
        let norm = tagger.normalizer().normalize_term(&text).to_lowercase();
        let found: HashSet<usize> = out
            .companies
            .iter()
            .filter_map(|c| match (c.exchange, c.code.as_deref()) {
                (Some(ex), Some(code)) => resolver.by_code.get(&(ex, code)).copied(),
                _ => resolver.by_term.get(&c.name.to_lowercase()).copied(),
            })
            .collect();
        let mut refs: HashSet<usize> = HashSet::new();
        for t in doc_tags {
            r.tags += 1;
            if let Some(i) = resolver.resolve(tagger, t) {
                refs.insert(i);
            }
        }
        for &i in &refs {
            r.references += 1;
            let hit = found.contains(&i);
            r.found_all += usize::from(hit);
            if resolver.is_mentioned(tagger, i, &norm) {
                r.mentioned += 1;
                r.found_mentioned += usize::from(hit);
                if !hit && missed < show_missed {
                    missed += 1;
                    let c = &lex.companies[i];
                    eprintln!(
                        "missed {} {:?} in {}: {}",
                        c.name,
                        c.code,
                        doc.id,
                        text.chars().take(120).collect::<String>()
                    );
                }
            }
        }
        r.found_untagged += found.difference(&refs).count();
    }
    finish(&mut r);
    Ok(r)
}
