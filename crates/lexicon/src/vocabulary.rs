//! `vocabulary/cross_strait.tsv`: Taiwan and Hong Kong words and their
//! mainland usage, applied to traditional-script text from those regions.

use crate::{Issue, Location, Severity};
use std::collections::HashMap;
use ticai_model::Region;

/// One row of the cross-strait table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossStrait {
    /// The word as Taiwan or Hong Kong writes it.
    pub from: String,
    /// The mainland word (simplified script); `None` (`=` in the file):
    /// keep the word, only its characters converted, whatever OpenCC says.
    pub to: Option<String>,
    /// Where the word is used with this meaning (`tw`, `hk`).
    pub regions: Vec<Region>,
    pub note: String,
    pub location: Location,
}

const HEADER: [&str; 4] = ["from", "to", "where", "note"];

pub(crate) fn parse_tsv(
    path: &str,
    text: &str,
    out: &mut Vec<CrossStrait>,
    issues: &mut Vec<Issue>,
) {
    let mut header_seen = false;
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let location = Location {
            file: path.to_string(),
            line: i + 1,
        };
        let mut error = |message: String| {
            issues.push(Issue {
                severity: Severity::Error,
                location: location.clone(),
                message,
            })
        };
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if !header_seen {
            header_seen = true;
            if cols.len() < 3 || cols[..3] != HEADER[..3] {
                error(format!(
                    "the first line must be the header `{}` (tab-separated), found {line:?}",
                    HEADER.join("\\t")
                ));
            }
            continue;
        }
        if !(3..=4).contains(&cols.len()) {
            error(format!(
                "expected 3 or 4 tab-separated columns (from, to, where, note), found {}",
                cols.len()
            ));
            continue;
        }
        let (from, to, regions) = (cols[0].trim(), cols[1].trim(), cols[2].trim());
        if from.is_empty() || to.is_empty() {
            error("`from` and `to` must not be empty (`=` in `to` keeps the word)".into());
            continue;
        }
        let mut parsed = Vec::new();
        let mut bad = false;
        for w in regions.split_whitespace() {
            match w.parse::<Region>() {
                Ok(Region::Cn) | Err(_) => {
                    error(format!(
                        "`where` must list tw and/or hk, found {w:?} (the table converts Taiwan and Hong Kong words to mainland usage)"
                    ));
                    bad = true;
                }
                Ok(r) if !parsed.contains(&r) => parsed.push(r),
                Ok(_) => {}
            }
        }
        if parsed.is_empty() {
            if !bad {
                error("`where` is empty: list tw and/or hk".into());
            }
            continue;
        }
        if let Some(&first) = first_line.get(from) {
            error(format!("{from:?} is listed twice (first on line {first})"));
            continue;
        }
        first_line.insert(from.to_string(), i + 1);
        out.push(CrossStrait {
            from: from.to_string(),
            to: (to != "=").then(|| to.to_string()),
            regions: parsed,
            note: cols
                .get(3)
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            location,
        });
    }
}

/// Checks that need the text stages, given as functions so this crate stays
/// independent of them:
/// * `chars_only`: a word converted character by character (`t2s`);
/// * `opencc`: a word converted by OpenCC's tables for a region, without
///   this table;
/// * `simplified_of`: for a character that exists only in simplified
///   script, the traditional character it simplifies.
///
/// Errors: a `to` that is not simplified script, a row that changes nothing
/// beyond characters, a chain or cycle (a `to` that is another row's
/// `from`). Warnings: a `from` written in simplified script, a keep row
/// where OpenCC changes nothing anyway.
pub fn check_cross_strait(
    rows: &[CrossStrait],
    chars_only: impl Fn(&str) -> String,
    opencc: impl Fn(&str, Region) -> String,
    simplified_of: impl Fn(char) -> Option<char>,
) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut push = |severity, row: &CrossStrait, message: String| {
        issues.push(Issue {
            severity,
            location: row.location.clone(),
            message,
        })
    };
    let by_from: HashMap<String, &CrossStrait> =
        rows.iter().map(|r| (chars_only(&r.from), r)).collect();
    let mut first_of: HashMap<(String, Region), &CrossStrait> = HashMap::new();
    for row in rows {
        let from = chars_only(&row.from);
        if let Some((c, t)) = row
            .from
            .chars()
            .find_map(|c| simplified_of(c).map(|t| (c, t)))
        {
            push(
                Severity::Warning,
                row,
                format!(
                    "{:?} is written with the simplified character {c} ({t} in traditional script): write the word as Taiwan or Hong Kong writes it",
                    row.from
                ),
            );
        }
        // rows are keyed by their converted form: 臺股 and 台股 are one word
        let earlier = row
            .regions
            .iter()
            .find_map(|&r| first_of.get(&(from.clone(), r)).map(|e| (e, r)));
        if let Some((earlier, region)) = earlier {
            push(
                Severity::Error,
                row,
                format!(
                    "{:?} is {:?} of line {} once its characters are converted, both in {region}: keep one row",
                    row.from, earlier.from, earlier.location.line
                ),
            );
        } else {
            for &r in &row.regions {
                first_of.insert((from.clone(), r), row);
            }
        }
        match &row.to {
            None => {
                // a keep row works against OpenCC, or guards a longer word
                // against a shorter row of this table (今年增加 around 年增)
                let changed = row.regions.iter().any(|&r| opencc(&row.from, r) != from);
                let guards = by_from
                    .keys()
                    .any(|k| k.len() < from.len() && from.contains(k.as_str()));
                if !changed && !guards {
                    push(
                        Severity::Warning,
                        row,
                        format!(
                            "keep row {:?}: OpenCC changes nothing beyond its characters and no shorter row sits inside it, so the row has no effect",
                            row.from
                        ),
                    );
                }
            }
            Some(to) => {
                if chars_only(to) != *to {
                    push(
                        Severity::Error,
                        row,
                        format!(
                            "`to` {to:?} is not simplified script (it would be {:?})",
                            chars_only(to)
                        ),
                    );
                }
                if from == chars_only(to) {
                    push(
                        Severity::Error,
                        row,
                        format!(
                            "{:?} -> {to:?} changes nothing beyond characters (converted anyway): drop the row, or write `=` to keep the word against OpenCC",
                            row.from
                        ),
                    );
                }
                if let Some(next) = by_from.get(&chars_only(to))
                    && next.from != row.from
                {
                    push(
                        Severity::Error,
                        row,
                        format!(
                            "{:?} -> {to:?}, but {to:?} is itself rewritten (line {}): a chain or cycle; write the final word",
                            row.from, next.location.line
                        ),
                    );
                }
            }
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<CrossStrait>, Vec<Issue>) {
        let (mut rows, mut issues) = (Vec::new(), Vec::new());
        parse_tsv("cross_strait.tsv", text, &mut rows, &mut issues);
        (rows, issues)
    }

    #[test]
    fn reads_rows_and_reports_bad_lines() {
        let (rows, issues) = parse(
            "# comment\nfrom\tto\twhere\tnote\n伺服器\t服务器\ttw hk\tservers\n核心\t=\ttw\tkeep\n\
             筆電\t笔记本电脑\tus\n伺服器\t服务器\thk\n只有一列\n",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].regions, vec![Region::Tw, Region::Hk]);
        assert_eq!(rows[1].to, None);
        let lines: Vec<(usize, &str)> = issues
            .iter()
            .map(|i| (i.location.line, i.message.as_str()))
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].0 == 5 && lines[0].1.contains("\"us\""));
        assert!(lines[1].0 == 6 && lines[1].1.contains("listed twice (first on line 3)"));
        assert!(lines[2].0 == 7 && lines[2].1.contains("3 or 4"));
    }

    #[test]
    fn header_is_required() {
        let (_, issues) = parse("伺服器\t服务器\ttw\n");
        assert!(issues[0].message.contains("header"));
    }

    #[test]
    fn checks_chains_noops_and_scripts() {
        let (rows, issues) = parse(
            "from\tto\twhere\n雲端運算\t云计算\ttw\n雲計算\t云端\ttw\n記憶體\t記憶體\ttw\n\
             記忆体\t内存\ttw\n資料\t资料\ttw\n核心\t=\ttw\n晶元\t=\ttw\n资料\t=\thk\n",
        );
        assert!(issues.is_empty(), "{issues:?}");
        // a toy t2s
        let chars_only = |s: &str| {
            s.chars()
                .map(|c| match c {
                    '雲' => '云',
                    '運' => '运',
                    '記' => '记',
                    '憶' => '忆',
                    '體' => '体',
                    '資' => '资',
                    '計' => '计',
                    c => c,
                })
                .collect::<String>()
        };
        let opencc = |s: &str, _| match s {
            "核心" => "内核".to_string(),
            s => chars_only(s),
        };
        let simplified_of = |c| match c {
            '忆' => Some('憶'),
            _ => None,
        };
        let found = check_cross_strait(&rows, chars_only, opencc, simplified_of);
        let got: Vec<(usize, Severity, &str)> = found
            .iter()
            .map(|i| (i.location.line, i.severity, i.message.as_str()))
            .collect();
        let has = |line: usize, sev: Severity, text: &str| {
            got.iter()
                .any(|&(l, s, m)| l == line && s == sev && m.contains(text))
        };
        // 雲端運算 -> 云计算, and 雲計算 (= 云计算) is rewritten again: a chain
        assert!(has(2, Severity::Error, "chain or cycle"), "{got:?}");
        // 記憶體 -> 記憶體: not simplified, and nothing beyond characters
        assert!(has(4, Severity::Error, "not simplified"), "{got:?}");
        assert!(has(4, Severity::Error, "changes nothing"), "{got:?}");
        assert!(
            has(5, Severity::Warning, "simplified character 忆"),
            "{got:?}"
        );
        // 記忆体 is 記憶體 once converted, in the same region: one row too many
        assert!(
            has(
                5,
                Severity::Error,
                "\"記憶體\" of line 4 once its characters are converted, both in tw"
            ),
            "{got:?}"
        );
        // the same key in another region is another row
        assert!(!has(9, Severity::Error, "once its characters"), "{got:?}");
        assert!(has(6, Severity::Error, "changes nothing"), "{got:?}");
        // 核心: OpenCC says 内核, the keep row matters; 晶元: it does not
        assert!(!got.iter().any(|&(l, _, _)| l == 7), "{got:?}");
        assert!(has(8, Severity::Warning, "no effect"), "{got:?}");
    }
}
