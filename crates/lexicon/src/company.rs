use crate::{Issue, Location, Severity, issue};
use std::collections::HashMap;
use ticai_model::Exchange;

/// Where a company entry comes from. Curated entries win over listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CompanySource {
    Curated,
    Listing,
}

/// A company the tagger recognises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Company {
    /// Canonical Chinese name: the 简称 for a listed A-share.
    pub name: String,
    pub name_en: Option<String>,
    pub exchange: Option<Exchange>,
    pub code: Option<String>,
    /// Terms that name the company, the canonical name first.
    pub aliases: Vec<(String, Location)>,
    /// A name that is also a common word (太阳能, 机器人): it counts only
    /// when a stock code follows it.
    pub strict: bool,
    /// Themes the company is a pure play of (`themes` column): an article
    /// naming it counts for them (evidence reason `company`). Theme ids,
    /// checked against the themes when the lexicon loads.
    pub themes: Vec<String>,
    pub industry: Option<String>,
    pub source: CompanySource,
    pub location: Location,
}

/// The header `companies/*.tsv` files start with.
pub const CURATED_HEADER: &str = "name\tname_en\texchange\tcode\taliases\tflags\tthemes\tnote";

/// The header before the `themes` column existed: still read, with no
/// implied themes.
pub const CURATED_HEADER_V1: &str = "name\tname_en\texchange\tcode\taliases\tflags\tnote";

/// Checks a code against its exchange and returns it in canonical form
/// (HK codes zero-padded to 5 digits, US tickers upper-case).
///
/// ```
/// use ticai_lexicon::validate_code;
/// use ticai_model::Exchange;
/// assert_eq!(validate_code(Exchange::HK, "700").unwrap(), "00700");
/// assert_eq!(validate_code(Exchange::SZ, "300308").unwrap(), "300308");
/// assert!(validate_code(Exchange::SH, "300308").is_err());
/// assert_eq!(validate_code(Exchange::US, "nvda").unwrap(), "NVDA");
/// ```
pub fn validate_code(exchange: Exchange, code: &str) -> Result<String, String> {
    let code = code.trim();
    match exchange {
        Exchange::SH | Exchange::SZ | Exchange::BJ => match Exchange::of_a_share_code(code) {
            Some(ex) if ex == exchange => Ok(code.to_string()),
            Some(ex) => Err(format!("code {code} belongs to {ex}, not {exchange}")),
            None => Err(format!("{code:?} is not a valid {exchange} stock code")),
        },
        Exchange::HK => {
            if (1..=5).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
                Ok(format!("{code:0>5}"))
            } else {
                Err(format!(
                    "{code:?} is not a valid HK stock code (1-5 digits)"
                ))
            }
        }
        Exchange::US => {
            let ok = (1..=7).contains(&code.len())
                && code.as_bytes()[0].is_ascii_alphabetic()
                && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
            if ok {
                Ok(code.to_ascii_uppercase())
            } else {
                Err(format!("{code:?} is not a valid US ticker"))
            }
        }
    }
}

pub(crate) fn parse_curated(
    path: &str,
    text: &str,
    out: &mut Vec<Company>,
    issues: &mut Vec<Issue>,
) {
    let mut columns = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let row = raw.trim_end_matches('\r');
        if row.trim().is_empty() || row.starts_with('#') {
            continue;
        }
        let Some(width) = columns else {
            columns = match row {
                CURATED_HEADER => Some(8),
                CURATED_HEADER_V1 => Some(7),
                _ => {
                    issues.push(issue(
                        Severity::Error,
                        path,
                        line,
                        format!("expected the header line {CURATED_HEADER:?}"),
                    ));
                    return;
                }
            };
            continue;
        };
        let cols: Vec<&str> = row.split('\t').map(str::trim).collect();
        if cols.len() != width {
            issues.push(issue(
                Severity::Error,
                path,
                line,
                format!(
                    "expected {width} tab-separated columns, found {}",
                    cols.len()
                ),
            ));
            continue;
        }
        let err = |msg: String| issue(Severity::Error, path, line, msg);
        let (name, name_en, exchange, code, aliases, flags) =
            (cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]);
        let themes = if width == 8 { cols[6] } else { "" };
        if name.is_empty() {
            issues.push(err("empty company name".into()));
            continue;
        }
        let exchange = match exchange {
            "" => None,
            e => match e.parse::<Exchange>() {
                Ok(e) => Some(e),
                Err(m) => {
                    issues.push(err(m));
                    continue;
                }
            },
        };
        let code = match (exchange, code) {
            (_, "") => None,
            (None, c) => {
                issues.push(err(format!("code {c:?} given without an exchange")));
                continue;
            }
            (Some(ex), c) => match validate_code(ex, c) {
                Ok(c) => Some(c),
                Err(m) => {
                    issues.push(err(m));
                    continue;
                }
            },
        };
        let mut strict = false;
        for flag in flags.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            match flag {
                "strict" => strict = true,
                other => issues.push(err(format!("unknown flag {other:?} (known: strict)"))),
            }
        }
        let location = Location {
            file: path.to_string(),
            line,
        };
        let mut implied: Vec<String> = Vec::new();
        for t in themes.split('|').map(str::trim) {
            if t.is_empty() {
                if !themes.is_empty() {
                    issues.push(err(format!(
                        "{name}: empty theme id (check for a doubled or trailing '|')"
                    )));
                }
            } else if implied.iter().any(|x| x == t) {
                issues.push(err(format!("{name}: theme {t:?} listed twice")));
            } else {
                implied.push(t.to_string());
            }
        }
        let mut terms = vec![(name.to_string(), location.clone())];
        if !aliases.is_empty() {
            for a in aliases.split('|') {
                let a = a.trim();
                if a.is_empty() {
                    issues.push(err(format!(
                        "{name}: empty alias (check for a doubled or trailing '|')"
                    )));
                } else {
                    terms.push((a.to_string(), location.clone()));
                }
            }
        }
        out.push(Company {
            name: name.to_string(),
            name_en: Some(name_en.to_string()).filter(|s| !s.is_empty()),
            exchange,
            code,
            aliases: terms,
            strict,
            themes: implied,
            industry: None,
            source: CompanySource::Curated,
            location,
        });
    }
}

/// Implied themes that name no theme of the lexicon.
pub(crate) fn validate_themes(
    companies: &[Company],
    themes: &[crate::Theme],
    issues: &mut Vec<Issue>,
) {
    for c in companies {
        for t in &c.themes {
            if !themes.iter().any(|th| th.id == *t) {
                issues.push(Issue {
                    severity: Severity::Error,
                    location: c.location.clone(),
                    message: format!("{}: unknown theme {t:?} in the themes column", c.name),
                });
            }
        }
    }
}

/// Duplicate names and codes among curated companies.
pub(crate) fn validate(companies: &[Company], issues: &mut Vec<Issue>) {
    let mut names: HashMap<&str, &Location> = HashMap::new();
    let mut codes: HashMap<(Exchange, &str), &Location> = HashMap::new();
    for c in companies {
        if let Some(prev) = names.insert(&c.name, &c.location) {
            issues.push(Issue {
                severity: Severity::Error,
                location: c.location.clone(),
                message: format!("duplicate company {:?} (first defined at {prev})", c.name),
            });
        }
        if let (Some(ex), Some(code)) = (c.exchange, c.code.as_deref())
            && let Some(prev) = codes.insert((ex, code), &c.location)
        {
            issues.push(Issue {
                severity: Severity::Error,
                location: c.location.clone(),
                message: format!(
                    "duplicate code {code}.{ex} for {:?} (first used at {prev})",
                    c.name
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> (Vec<Company>, Vec<Issue>) {
        let text = format!("# comment\n{CURATED_HEADER}\n{body}");
        let mut out = Vec::new();
        let mut issues = Vec::new();
        parse_curated("c.tsv", &text, &mut out, &mut issues);
        validate(&out, &mut issues);
        (out, issues)
    }

    #[test]
    fn parses_rows() {
        let (cs, issues) = parse(
            "英伟达\tNVIDIA\tUS\tnvda\tNVIDIA|輝達\t\tgpu\tGPU\n腾讯\tTencent\tHK\t700\t腾讯控股\t\t\t\n机器人\t\tSZ\t300024\t\tstrict\t\t\n",
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(cs[0].code.as_deref(), Some("NVDA"));
        assert_eq!(cs[0].aliases.len(), 3);
        assert_eq!(cs[0].aliases[2].1.line, 3);
        assert_eq!(cs[1].code.as_deref(), Some("00700"));
        assert!(cs[2].strict);
        assert_eq!(cs[0].themes, ["gpu"]);
        assert!(cs[1].themes.is_empty());
    }

    #[test]
    fn reads_the_header_without_themes() {
        let text = format!("{CURATED_HEADER_V1}\n江波龙\t\tSZ\t301308\t\t\tmemory\n");
        let mut out = Vec::new();
        let mut issues = Vec::new();
        parse_curated("c.tsv", &text, &mut out, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert!(out[0].themes.is_empty());
        // a row of the new width under the old header is refused
        parse_curated(
            "c.tsv",
            &format!("{CURATED_HEADER_V1}\nx\t\t\t\t\t\tmemory-chips\t\n"),
            &mut out,
            &mut issues,
        );
        assert!(
            issues[0]
                .message
                .contains("expected 7 tab-separated columns, found 8"),
            "{issues:?}"
        );
    }

    #[test]
    fn themes_column_is_checked() {
        let (cs, issues) = parse("江波龙\t\tSZ\t301308\t\t\tmemory-chips||memory-chips\t\n");
        let msgs: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("c.tsv:3: error: 江波龙: empty theme id")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("theme \"memory-chips\" listed twice")),
            "{msgs:#?}"
        );
        assert_eq!(cs[0].themes, ["memory-chips"]);
        let mut issues = Vec::new();
        validate_themes(&cs, &[], &mut issues);
        assert!(
            issues[0]
                .to_string()
                .starts_with("c.tsv:3: error: 江波龙: unknown theme \"memory-chips\""),
            "{issues:?}"
        );
    }

    #[test]
    fn reports_bad_rows_with_lines() {
        let (cs, issues) = parse(
            "a\t\tSH\t300308\t\t\t\t\nb\t\tXX\t1\t\t\t\t\nc\tonly three\n \t\t\t\t\t\t\tnote\nd\t\t\t\tx||y\tfancy\t\t\nd\t\t\t\t\t\t\t\n",
        );
        let msgs: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        let expect = [
            "c.tsv:3: error: code 300308 belongs to SZ, not SH",
            "c.tsv:4: error: unknown exchange \"XX\"",
            "c.tsv:5: error: expected 8 tab-separated columns, found 2",
            "c.tsv:6: error: empty company name",
            "c.tsv:7: error: d: empty alias",
            "c.tsv:7: error: unknown flag \"fancy\"",
            "c.tsv:8: error: duplicate company \"d\" (first defined at c.tsv:7)",
        ];
        for e in expect {
            assert!(
                msgs.iter().any(|m| m.starts_with(e)),
                "missing {e:?} in {msgs:#?}"
            );
        }
        assert_eq!(cs.len(), 2);
    }

    #[test]
    fn header_required() {
        let mut out = Vec::new();
        let mut issues = Vec::new();
        parse_curated("c.tsv", "name\tcode\nx\ty\n", &mut out, &mut issues);
        assert_eq!(issues[0].location.line, 1);
        assert!(out.is_empty());
    }
}
