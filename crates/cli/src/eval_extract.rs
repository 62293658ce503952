//! `ticai eval extract`: extraction quality on saved pages and feed items.
//!
//! Token F1 is computed as in trafilatura's evaluation (precision and recall
//! of the extracted tokens against the reference tokens, as multisets, per
//! document, then averaged), with jieba words as tokens since Chinese has no
//! spaces; punctuation and white space are not tokens.

use anyhow::{Result, bail};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use ticai_extract::{Options, extract_html, noise_markers};
use ticai_text::Segmenter;

#[derive(Debug, Default, Serialize)]
pub struct PagesReport {
    pub folder: String,
    pub pages: usize,
    pub extracted: usize,
    pub failed: usize,
    /// Mean length of the main text, in characters.
    pub mean_chars: f64,
    /// Pages whose text still contains a noise marker (相关推荐, 责任编辑 ...).
    pub with_noise: usize,
    pub with_date: usize,
    pub with_title: usize,
    /// Pages with GNE's own output to compare with, and the mean token F1.
    pub gne_compared: usize,
    pub gne_f1: f64,
    pub html_mb: f64,
    pub mb_per_s: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct ArticlesReport {
    pub file: String,
    pub items: usize,
    pub extracted: usize,
    pub failed: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Multiset token precision, recall and F1 of `got` against `want`.
pub fn token_prf(seg: &Segmenter, got: &str, want: &str) -> (f64, f64, f64) {
    let bag = |s: &str| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for w in seg.words(s) {
            if w.chars().any(char::is_alphanumeric) {
                *m.entry(w.to_lowercase()).or_default() += 1;
            }
        }
        m
    };
    let (g, w) = (bag(got), bag(want));
    let ng: usize = g.values().sum();
    let nw: usize = w.values().sum();
    if ng == 0 || nw == 0 {
        return if ng == nw {
            (1.0, 1.0, 1.0)
        } else {
            (0.0, 0.0, 0.0)
        };
    }
    let common: usize = g
        .iter()
        .map(|(k, c)| (*c).min(*w.get(k).unwrap_or(&0)))
        .sum();
    let (p, r) = (common as f64 / ng as f64, common as f64 / nw as f64);
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            html_files(&p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("html" | "htm")) {
            out.push(p);
        }
    }
}

/// GNE's `gne_output_result.txt`: blocks of `>>>path>>>` + JSON + `<<<`.
fn gne_reference(dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(raw) = std::fs::read_to_string(dir.join("gne_output_result.txt")) else {
        return out;
    };
    let mut path: Option<String> = None;
    let mut body = String::new();
    for line in raw.lines() {
        if line.starts_with(">>>>>") {
            path = Some(line.trim_matches('>').trim().to_string());
            body.clear();
        } else if line.starts_with("<<<<<") {
            if let (Some(p), Ok(v)) = (path.take(), serde_json::from_str::<Value>(&body))
                && let Some(c) = v.get("content").and_then(Value::as_str)
            {
                out.insert(p, c.to_string());
            }
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

pub fn evaluate_pages(dir: &Path, seg: &Segmenter) -> Result<PagesReport> {
    let mut files = Vec::new();
    html_files(dir, &mut files);
    files.sort();
    if files.is_empty() {
        bail!("{}: no .html pages", dir.display());
    }
    let reference = gne_reference(dir);
    let mut r = PagesReport {
        folder: dir.display().to_string(),
        pages: files.len(),
        ..Default::default()
    };
    let mut chars = 0usize;
    let mut f1_sum = 0.0;
    let mut bytes = 0usize;
    let mut secs = 0.0;
    for f in &files {
        let html = std::fs::read(f)?;
        bytes += html.len();
        let t = Instant::now();
        let ex = extract_html(&html, &Options::default());
        secs += t.elapsed().as_secs_f64();
        let Some(a) = ex.articles.first() else {
            r.failed += 1;
            continue;
        };
        r.extracted += 1;
        let text: String = ex
            .articles
            .iter()
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        chars += text.chars().count();
        r.with_noise += usize::from(noise_markers().any(|m| text.contains(m)));
        r.with_date += usize::from(a.published_at.is_some());
        r.with_title += usize::from(a.title.is_some());
        let rel = f.strip_prefix(dir).unwrap_or(f).display().to_string();
        if let Some(want) = reference.get(&rel) {
            r.gne_compared += 1;
            f1_sum += token_prf(seg, &text, want).2;
        }
    }
    r.mean_chars = chars as f64 / r.extracted.max(1) as f64;
    r.gne_f1 = f1_sum / r.gne_compared.max(1) as f64;
    r.html_mb = bytes as f64 / 1e6;
    r.mb_per_s = r.html_mb / secs.max(1e-9);
    Ok(r)
}

pub fn evaluate_articles(file: &Path, seg: &Segmenter) -> Result<ArticlesReport> {
    let raw = std::fs::read_to_string(file)?;
    let mut r = ArticlesReport {
        file: file.display().to_string(),
        ..Default::default()
    };
    let (mut p, mut rc, mut f) = (0.0, 0.0, 0.0);
    for (i, line) in raw
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), i + 1))?;
        let (Some(html), Some(want)) = (
            v.get("summary_html").and_then(Value::as_str),
            v.get("text").and_then(Value::as_str),
        ) else {
            continue;
        };
        if html.trim().is_empty() || want.trim().is_empty() {
            continue;
        }
        r.items += 1;
        let ex = extract_html(html.as_bytes(), &Options::default());
        if ex.failure.is_some() {
            r.failed += 1;
            continue; // counts as zero in the averages
        }
        r.extracted += 1;
        let got: String = ex
            .articles
            .iter()
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        let (a, b, c) = token_prf(seg, &got, want);
        p += a;
        rc += b;
        f += c;
    }
    let n = r.items.max(1) as f64;
    (r.precision, r.recall, r.f1) = (p / n, rc / n, f / n);
    Ok(r)
}

pub fn run(pages: Option<PathBuf>, articles: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    if pages.is_none() && articles.is_none() {
        bail!("name --pages DIR and/or --articles FILE");
    }
    let seg = Segmenter::new(std::iter::empty());
    let pages = pages.map(|d| evaluate_pages(&d, &seg)).transpose()?;
    let articles = articles.map(|f| evaluate_articles(&f, &seg)).transpose()?;
    if json {
        outln!(
            "{}",
            serde_json::json!({ "pages": pages, "articles": articles })
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(r) = &pages {
        outln!(
            "{}: {} pages, {} extracted, {} failed; mean text {:.0} chars; {} still contain a noise marker; {} with a date, {} with a title\n  agreement with GNE's output on {} pages: token F1 {:.3}; {:.1} MB of HTML at {:.1} MB/s",
            r.folder,
            r.pages,
            r.extracted,
            r.failed,
            r.mean_chars,
            r.with_noise,
            r.with_date,
            r.with_title,
            r.gne_compared,
            r.gne_f1,
            r.html_mb,
            r.mb_per_s
        )?;
    }
    if let Some(r) = &articles {
        outln!(
            "{}: {} items with summary_html, {} extracted, {} failed; token precision {:.3}, recall {:.3}, F1 {:.3} against the feed's text",
            r.file,
            r.items,
            r.extracted,
            r.failed,
            r.precision,
            r.recall,
            r.f1
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_f1() {
        let seg = Segmenter::new(std::iter::empty());
        assert_eq!(token_prf(&seg, "超节点发布", "超节点发布").2, 1.0);
        let (p, r, _) = token_prf(&seg, "英伟达发布芯片", "英伟达发布芯片，市场关注");
        assert_eq!(p, 1.0);
        assert!(r < 1.0);
        assert_eq!(token_prf(&seg, "", "有内容").2, 0.0);
        // punctuation is not a token
        assert_eq!(token_prf(&seg, "芯片。", "芯片").2, 1.0);
    }
}
