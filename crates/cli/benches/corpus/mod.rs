//! The corpus of the index and serve benches: the shared JSON Lines files
//! read as documents, and perturbed copies to reach a target size.

use std::path::PathBuf;
use ticai::input::{FieldMap, json_document};
use ticai_model::Document;

pub fn load(path: PathBuf) -> Vec<Document> {
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fields = FieldMap::default();
    raw.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .filter_map(|(i, l)| json_document(&path.display().to_string(), i + 1, l, &fields).ok())
        .collect()
}

/// A copy of `d` that is not a duplicate: another id, digits rotated,
/// the date moved by `k` days.
pub fn perturb(d: &Document, k: usize) -> Document {
    let rot = |s: &str| -> String {
        s.chars()
            .map(|c| match c.to_digit(10) {
                Some(v) => char::from_digit((v + k as u32) % 10, 10).unwrap_or(c),
                None => c,
            })
            .collect()
    };
    let published_at = d
        .published_at
        .as_deref()
        .and_then(|p| ticai_extract::parse_date(p, None))
        .map(|t| (t - chrono::Days::new(k as u64)).to_rfc3339());
    Document {
        id: format!("{}#r{k}", d.id),
        title: d.title.as_deref().map(rot),
        text: rot(&d.text),
        published_at,
        ..d.clone()
    }
}
