//! Evaluations of the conversion of Taiwan and Hong Kong text to mainland
//! usage (`ticai eval opencc`, `ticai eval crossstrait`).
//!
//! * OpenCC's own conversion test cases, run through ticai's normalizer in
//!   the mode that corresponds to each OpenCC configuration, beside the
//!   OpenCC crate alone;
//! * ticai's pairs of Taiwan/Hong Kong passages and their mainland
//!   rewrites: indexed together, each mainland query must find the
//!   traditional passage and each Taiwan/Hong Kong query the mainland one,
//!   and both passages of a pair must get the same themes and companies.

use crate::{Store, finish, jobs};
use anyhow::{Context, Result, bail};
use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use ticai_index::SearchRequest;
use ticai_model::{Document, Region};
use ticai_text::Normalizer;

/// One case of OpenCC's `testcases.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct OpenccCase {
    pub id: String,
    pub input: String,
    pub expected: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct OpenccFile {
    cases: Vec<OpenccCase>,
}

/// Reads OpenCC's test file. It has a few trailing commas (`,}` / `,]`),
/// which strict JSON refuses: they are dropped first (outside strings).
pub fn read_opencc_cases(path: &Path) -> Result<Vec<OpenccCase>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let cleaned = drop_trailing_commas(&text);
    let file: OpenccFile = serde_json::from_str(&cleaned).with_context(|| {
        format!(
            "{}: not OpenCC's testcases.json ({{\"cases\": [{{\"id\", \"input\", \"expected\"}}]}})",
            path.display()
        )
    })?;
    Ok(file.cases)
}

fn drop_trailing_commas(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut pending_comma = false;
    let mut pending_ws = String::new();
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if pending_comma {
            if c.is_whitespace() {
                pending_ws.push(c);
                continue;
            }
            if c != '}' && c != ']' {
                out.push(',');
            }
            out.push_str(&pending_ws);
            pending_ws.clear();
            pending_comma = false;
        }
        match c {
            ',' => pending_comma = true,
            '"' => {
                in_string = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The OpenCC configurations ticai converts, and the region ticai's
/// normalizer is run in for each: `t2s` and `tw2s` are characters only
/// (mainland mode); `hk2s` and `tw2sp` are Hong Kong and Taiwan text, with
/// their vocabulary.
pub const OPENCC_CONFIGS: [(&str, Region); 4] = [
    ("t2s", Region::Cn),
    ("tw2s", Region::Cn),
    ("hk2s", Region::Hk),
    ("tw2sp", Region::Tw),
];

/// Pass counts of one configuration.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigScore {
    pub config: String,
    /// The region ticai's normalizer ran in.
    pub region: Region,
    pub cases: usize,
    /// Cases ticai's normalizer converts as OpenCC's reference does.
    pub passed: usize,
    /// Cases the OpenCC crate alone, with this configuration, passes.
    pub opencc_passed: usize,
    pub failures: Vec<OpenccFailure>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OpenccFailure {
    pub id: String,
    pub input: String,
    pub expected: String,
    pub got: String,
}

/// Runs every case that has an expected output for a configuration ticai
/// converts. White space and character widths are folded before comparing.
pub fn eval_opencc(normalizer: &Normalizer, cases: &[OpenccCase]) -> Result<Vec<ConfigScore>> {
    let fold_only = |s: &str| -> String {
        // widths and white space, no conversion: for comparing outputs
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c as u32 {
                0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect()
    };
    let mut scores = Vec::new();
    for (config, region) in OPENCC_CONFIGS {
        let opencc = OpenCC::from_config(match config {
            "t2s" => BuiltinConfig::T2s,
            "tw2s" => BuiltinConfig::Tw2s,
            "hk2s" => BuiltinConfig::Hk2s,
            _ => BuiltinConfig::Tw2sp,
        })
        .map_err(|e| anyhow::anyhow!("cannot load OpenCC {config}: {e}"))?;
        let mut score = ConfigScore {
            config: config.to_string(),
            region,
            cases: 0,
            passed: 0,
            opencc_passed: 0,
            failures: Vec::new(),
        };
        for case in cases {
            let Some(expected) = case.expected.get(config) else {
                continue;
            };
            score.cases += 1;
            let want = fold_only(expected);
            let got: String = normalizer
                .normalize_in(&case.input, Some(region))
                .text
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if fold_only(&opencc.convert(&case.input)) == want {
                score.opencc_passed += 1;
            }
            if got == want {
                score.passed += 1;
            } else {
                score.failures.push(OpenccFailure {
                    id: case.id.clone(),
                    input: case.input.clone(),
                    expected: expected.clone(),
                    got,
                });
            }
        }
        scores.push(score);
    }
    Ok(scores)
}

/// A Taiwan or Hong Kong passage and its mainland rewrite.
#[derive(Clone, Debug, Deserialize)]
pub struct Pair {
    pub id: String,
    pub region: Region,
    /// The Taiwan or Hong Kong passage, traditional script.
    pub trad: String,
    /// The same content as a mainland writer writes it.
    pub cn: String,
    /// Mainland words that must find the traditional passage.
    pub queries_cn: Vec<String>,
    /// Taiwan or Hong Kong words that must find the mainland passage.
    pub queries_tw: Vec<String>,
}

/// Reads a pairs file (JSON Lines); errors name the line.
pub fn read_pairs(path: &Path) -> Result<Vec<Pair>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut pairs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let pair: Pair = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: not a pair (id, region, trad, cn, queries_cn, queries_tw)",
                path.display(),
                i + 1
            )
        })?;
        pairs.push(pair);
    }
    if pairs.is_empty() {
        bail!("{}: no pairs", path.display());
    }
    Ok(pairs)
}

/// What `ticai eval crossstrait` prints.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PairsReport {
    pub pairs: usize,
    /// Pairs whose passages get the same theme ids and company names.
    pub same_tags: usize,
    pub queries: usize,
    /// Queries that found their twin passage.
    pub found: usize,
    pub tag_differences: Vec<TagDifference>,
    pub missed_queries: Vec<MissedQuery>,
}

impl PairsReport {
    pub fn same_tags_share(&self) -> f64 {
        self.same_tags as f64 / self.pairs.max(1) as f64
    }
    pub fn found_share(&self) -> f64 {
        self.found as f64 / self.queries.max(1) as f64
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TagDifference {
    pub id: String,
    pub trad: Tags,
    pub cn: Tags,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tags {
    pub themes: Vec<String>,
    pub companies: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MissedQuery {
    pub query: String,
    /// The document it should have found (`ID-trad` or `ID-cn`).
    pub want: String,
}

/// Indexes both passages of every pair into a fresh data directory
/// `scratch` (the traditional one with its pair's region), tags them, and
/// runs every query.
pub fn eval_pairs(
    lexicon_dir: Option<&Path>,
    pairs: &[Pair],
    scratch: &Path,
) -> Result<PairsReport> {
    if scratch.join("index").exists() {
        bail!(
            "{}: already holds an index; the evaluation needs an empty directory",
            scratch.display()
        );
    }
    let store = Store::open(scratch, lexicon_dir)?;
    let doc = |id: String, text: &str, region: Option<Region>| Document {
        id,
        text: text.to_string(),
        region,
        ..Document::default()
    };
    let mut docs: Vec<Document> = pairs
        .iter()
        .flat_map(|p| {
            [
                doc(format!("{}-trad", p.id), &p.trad, Some(p.region)),
                doc(format!("{}-cn", p.id), &p.cn, None),
            ]
        })
        .collect();
    let tags_of = |d: &Document| {
        let t = store.tagger.tag(d);
        Tags {
            themes: t.themes.iter().map(|x| x.id.clone()).collect(),
            companies: {
                let mut c: Vec<String> = t.companies.iter().map(|x| x.name.clone()).collect();
                c.sort();
                c
            },
        }
    };
    let mut report = PairsReport {
        pairs: pairs.len(),
        ..PairsReport::default()
    };
    for (p, two) in pairs.iter().zip(docs.chunks(2)) {
        let (mut trad, mut cn) = (tags_of(&two[0]), tags_of(&two[1]));
        trad.themes.sort();
        cn.themes.sort();
        if trad == cn {
            report.same_tags += 1;
        } else {
            report.tag_differences.push(TagDifference {
                id: p.id.clone(),
                trad,
                cn,
            });
        }
    }
    let mut writer = store.index.writer()?;
    store.ingest(&mut docs, &mut writer, jobs(None))?;
    finish(writer)?;
    for p in pairs {
        let wanted = p
            .queries_cn
            .iter()
            .map(|q| (q, format!("{}-trad", p.id)))
            .chain(p.queries_tw.iter().map(|q| (q, format!("{}-cn", p.id))));
        for (q, want) in wanted {
            report.queries += 1;
            let hits = store.index.search(&SearchRequest {
                query: q.clone(),
                limit: 2 * pairs.len(),
                ..SearchRequest::default()
            })?;
            if hits.results.iter().any(|h| h.id == want) {
                report.found += 1;
            } else {
                report.missed_queries.push(MissedQuery {
                    query: q.clone(),
                    want,
                });
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_commas_are_dropped_outside_strings() {
        let s = drop_trailing_commas("{\"a\": [1, 2,], \"b\": \"x,}\", \"c\": {\"d\": 1,\n}}");
        assert_eq!(s, "{\"a\": [1, 2], \"b\": \"x,}\", \"c\": {\"d\": 1\n}}");
        assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok());
    }
}
