//! `ticai eval themes`: theme precision and recall against hand labels.
//!
//! The labels (`tests/eval/themes.labels.jsonl`, see `tests/eval/GUIDE.md`)
//! name items of the shared corpus by source and id, and the themes a
//! reader files each under. The texts stay in the corpus: this module
//! finds them there, tags them and scores the tags per theme. Labels carry
//! every ancestor of a theme they name (the guide's rule), so the tagger's
//! themes are scored with their ancestors too.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use ticai_lexicon::Lexicon;
use ticai_model::Document;
use ticai_tag::Tagger;

/// The theme ids of the tagging contract: what the goal is measured on.
pub const CORE_THEMES: [&str; 23] = [
    "de-nvidia",
    "supernode",
    "wanka-cluster",
    "compute-leasing",
    "compute-scheduling",
    "optical-interconnect",
    "copper-interconnect",
    "pcb",
    "liquid-cooling",
    "memory-chips",
    "asic",
    "domestic-ai-chips",
    "export-controls",
    "ai-inference",
    "data-center",
    "ai-corpus",
    "llm",
    "ai-applications",
    "ai-server",
    "cloud-computing",
    "server-power",
    "low-altitude",
    "robotics",
];

/// One labelled item.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// `eastmoney`, `ths` or `articles`: which corpus file holds the item.
    pub source: String,
    pub id: String,
    /// `dev` (for tuning) or `test` (held out).
    pub split: String,
    /// `hit` or `nohit`: whether the tagger of the time hit a core theme.
    pub stratum: String,
    pub themes: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The corpus file of a label's source, under the corpus directory.
pub fn source_file(corpus: &Path, source: &str) -> Option<PathBuf> {
    match source {
        "eastmoney" | "ths" => Some(corpus.join("flash").join(format!("{source}.jsonl"))),
        "articles" => Some(corpus.join("articles/articles.jsonl")),
        _ => None,
    }
}

/// Reads a labels file; errors name the line. Every theme must be one of
/// the lexicon's, every source known, every split `dev` or `test`.
pub fn read_labels(path: &Path, lexicon: &Lexicon) -> Result<Vec<Label>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let known: BTreeSet<&str> = lexicon.themes.iter().map(|t| t.id.as_str()).collect();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{}:{}", path.display(), i + 1);
        let l: Label = serde_json::from_str(line).with_context(|| format!("{at}: not a label"))?;
        if source_file(Path::new(""), &l.source).is_none() {
            bail!(
                "{at}: unknown source {:?} (eastmoney, ths, articles)",
                l.source
            );
        }
        if !matches!(l.split.as_str(), "dev" | "test") {
            bail!("{at}: split {:?}: expected dev or test", l.split);
        }
        if let Some(t) = l.themes.iter().find(|t| !known.contains(t.as_str())) {
            bail!("{at}: {t:?} is not a theme of the lexicon");
        }
        if !seen.insert((l.source.clone(), l.id.clone())) {
            bail!("{at}: {} {} is labelled twice", l.source, l.id);
        }
        out.push(l);
    }
    if out.is_empty() {
        bail!("{}: no labels", path.display());
    }
    Ok(out)
}

/// Counts for one theme.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub true_hits: usize,
    pub false_hits: usize,
    pub misses: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.true_hits, self.true_hits + self.false_hits)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.true_hits, self.true_hits + self.misses)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn add(&mut self, o: &Counts) {
        self.true_hits += o.true_hits;
        self.false_hits += o.false_hits;
        self.misses += o.misses;
    }
}

/// 1 when there is nothing to get wrong.
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// A theme the tagger and the label disagree on, for one item.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Disagreement {
    pub source: String,
    pub id: String,
    pub theme: String,
    pub title: Option<String>,
}

/// The scores over a set of labelled items.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub items: usize,
    /// Per theme labelled or tagged (core and other).
    pub themes: BTreeMap<String, Counts>,
    /// Summed over the core themes (micro average).
    pub core: Counts,
    pub misses: Vec<Disagreement>,
    pub false_hits: Vec<Disagreement>,
}

/// Reads one corpus file, handing each document to the sink.
pub type CorpusReader<'a> = dyn FnMut(&Path, &mut dyn FnMut(Document)) -> Result<()> + 'a;

/// Finds the labelled items in the corpus files: `read` hands each
/// document of one file to its sink (the `ticai tag` JSONL reader, so ids
/// and texts are those the tagger sees), which keeps the labelled ones
/// only. Items not found are an error naming them.
pub fn find_items(
    labels: &[Label],
    corpus: &Path,
    read: &mut CorpusReader<'_>,
) -> Result<Vec<Document>> {
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for l in labels {
        wanted.entry(&l.source).or_default().insert(&l.id);
    }
    let mut found: HashMap<(String, String), Document> = HashMap::new();
    for (source, ids) in &wanted {
        let file = source_file(corpus, source).expect("sources checked when read");
        read(&file, &mut |d| {
            if ids.contains(d.id.as_str()) {
                found.insert((source.to_string(), d.id.clone()), d);
            }
        })?;
    }
    let mut out = Vec::with_capacity(labels.len());
    let mut missing = Vec::new();
    for l in labels {
        match found.remove(&(l.source.clone(), l.id.clone())) {
            Some(d) => out.push(d),
            None => missing.push(format!("{} {}", l.source, l.id)),
        }
    }
    if !missing.is_empty() {
        bail!(
            "{} labelled item(s) not in {}: {}",
            missing.len(),
            corpus.display(),
            missing.join(", ")
        );
    }
    Ok(out)
}

/// Each theme with its ancestors, by id.
fn ancestors(lexicon: &Lexicon) -> HashMap<&str, Vec<&str>> {
    let parent: HashMap<&str, &str> = lexicon
        .themes
        .iter()
        .filter_map(|t| Some((t.id.as_str(), t.parent.as_deref()?)))
        .collect();
    lexicon
        .themes
        .iter()
        .map(|t| {
            let mut up = Vec::new();
            let mut at = t.id.as_str();
            // the lexicon check refuses cycles; the bound keeps a bad
            // lexicon from looping here
            while let Some(&p) = parent.get(at) {
                if up.len() > lexicon.themes.len() {
                    break;
                }
                up.push(p);
                at = p;
            }
            (t.id.as_str(), up)
        })
        .collect()
}

/// Tags `docs` (the items of `labels`, in order) and scores them.
pub fn evaluate(lexicon: &Lexicon, tagger: &Tagger, labels: &[Label], docs: &[Document]) -> Report {
    let up = ancestors(lexicon);
    let mut themes: BTreeMap<String, Counts> = BTreeMap::new();
    let (mut misses, mut false_hits) = (Vec::new(), Vec::new());
    for (l, d) in labels.iter().zip(docs) {
        let mut tagged: BTreeSet<&str> = BTreeSet::new();
        for t in tagger.tag_with(d, Some(0)).themes {
            if let Some((id, parents)) = up.get_key_value(t.id.as_str()) {
                tagged.insert(id);
                tagged.extend(parents.iter().copied());
            }
        }
        let want: BTreeSet<&str> = l.themes.iter().map(String::as_str).collect();
        let note = |theme: &str| Disagreement {
            source: l.source.clone(),
            id: l.id.clone(),
            theme: theme.to_string(),
            title: d.title.clone(),
        };
        for &t in want.union(&tagged) {
            let c = themes.entry(t.to_string()).or_default();
            match (want.contains(t), tagged.contains(t)) {
                (true, true) => c.true_hits += 1,
                (true, false) => {
                    c.misses += 1;
                    misses.push(note(t));
                }
                _ => {
                    c.false_hits += 1;
                    false_hits.push(note(t));
                }
            }
        }
    }
    let mut core = Counts::default();
    for t in CORE_THEMES {
        if let Some(c) = themes.get(t) {
            core.add(c);
        }
    }
    Report {
        items: labels.len(),
        themes,
        core,
        misses,
        false_hits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ticai_lexicon::SourceFile;

    fn lexicon() -> Lexicon {
        let theme = |id: &str, zh: &str, parent: Option<&str>| {
            format!(
                "[[theme]]\nid = \"{id}\"\nname_zh = \"{zh}\"\nname_en = \"{id}\"\n{}description = \"d\"\n",
                parent.map_or(String::new(), |p| format!("parent = \"{p}\"\n"))
            )
        };
        Lexicon::from_files(&[SourceFile {
            path: "themes/t.toml".into(),
            text: [
                theme("robotics", "机器人", None),
                theme("humanoid-robots", "人形机器人", Some("robotics")),
                theme("liquid-cooling", "液冷", None),
            ]
            .concat(),
        }])
    }

    fn doc(id: &str, text: &str) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            ..Document::default()
        }
    }

    fn label(id: &str, themes: &[&str]) -> Label {
        Label {
            source: "ths".into(),
            id: id.into(),
            split: "dev".into(),
            stratum: "hit".into(),
            themes: themes.iter().map(|t| t.to_string()).collect(),
            note: None,
        }
    }

    #[test]
    fn counts_with_ancestors() {
        let lex = lexicon();
        let tagger = Tagger::new(&lex).unwrap();
        let labels = [
            // a child theme counts for its parent too: two true hits
            label("a", &["humanoid-robots", "robotics"]),
            // a label the tagger misses, and a hit the label does not have
            label("b", &["liquid-cooling"]),
            label("c", &[]),
        ];
        let docs = [
            doc("a", "人形机器人量产在即。"),
            doc("b", "数据中心散热方案升级。"),
            doc("c", "液冷板块午后走强。"),
        ];
        let r = evaluate(&lex, &tagger, &labels, &docs);
        let c = |t: &str| r.themes.get(t).cloned().unwrap_or_default();
        assert_eq!(
            c("robotics"),
            Counts {
                true_hits: 1,
                ..Counts::default()
            }
        );
        assert_eq!(c("humanoid-robots").true_hits, 1);
        assert_eq!(
            c("liquid-cooling"),
            Counts {
                true_hits: 0,
                false_hits: 1,
                misses: 1
            }
        );
        // core: robotics and liquid-cooling (humanoid-robots is not core)
        assert_eq!(
            r.core,
            Counts {
                true_hits: 1,
                false_hits: 1,
                misses: 1
            }
        );
        assert_eq!(r.core.precision(), 0.5);
        assert_eq!(r.core.recall(), 0.5);
        assert_eq!(r.misses[0].id, "b");
        assert_eq!(r.false_hits[0].id, "c");
    }

    #[test]
    fn bad_labels_name_the_line() {
        let lex = lexicon();
        let dir = std::env::temp_dir().join(format!("ticai-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("l.jsonl");
        for (text, want) in [
            (
                "{\"source\":\"ths\",\"id\":\"1\",\"split\":\"dev\",\"stratum\":\"hit\",\"themes\":[\"nope\"]}\n",
                "l.jsonl:1: \"nope\" is not a theme",
            ),
            (
                "\n{\"source\":\"x\",\"id\":\"1\",\"split\":\"dev\",\"stratum\":\"hit\",\"themes\":[]}\n",
                "l.jsonl:2: unknown source \"x\"",
            ),
            (
                "{\"source\":\"ths\",\"id\":\"1\",\"split\":\"train\",\"stratum\":\"hit\",\"themes\":[]}\n",
                "split \"train\"",
            ),
            ("{\"source\":\"ths\"}\n", "l.jsonl:1: not a label"),
            ("", "no labels"),
        ] {
            std::fs::write(&f, text).unwrap();
            let e = format!("{:#}", read_labels(&f, &lex).unwrap_err());
            assert!(e.contains(want), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
