use crate::{Company, CompanySource, Issue, Location, Severity, issue};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use ticai_model::Exchange;

/// One row of a security master: a listed A-share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub code: String,
    pub exchange: Exchange,
    /// 简称, with full-width ASCII folded (万科Ａ -> 万科A).
    pub name: String,
    pub industry: String,
    pub list_date: String,
    /// The display prefix the source put before the 简称 and that `name`
    /// no longer has (`XD` in XD红星发: ex-dividend; XR, DR, N and C for
    /// a new listing's first days). Such a 简称 is cut to four characters
    /// with the prefix, so `name` may be truncated: [`complete_names`]
    /// completes it from fuller names.
    pub display_prefix: Option<String>,
    pub location: Location,
}

const TSV_HEADER: &str = "code\texchange\tname\tindustry\tlist_date";

/// A 简称 as text writes it: full-width ASCII folded (万科Ａ -> 万科A) and
/// the STAR/ChiNext status suffix dropped (摩尔线程-U -> 摩尔线程).
fn clean_name(s: &str) -> String {
    split_prefix(s).1
}

/// The display prefixes of listing sources, longest first.
const DISPLAY_PREFIXES: [&str; 5] = ["XD", "XR", "DR", "N", "C"];

/// A 简称 without its display prefix (see [`Listing::display_prefix`]),
/// and the prefix: one of [`DISPLAY_PREFIXES`] directly followed by a
/// Chinese character, leaving at least two characters (NBA or CCTV are
/// no prefix, nor is the ST of *ST立航).
fn split_prefix(s: &str) -> (Option<String>, String) {
    let name = clean_suffix(s);
    for p in DISPLAY_PREFIXES {
        if let Some(rest) = name.strip_prefix(p)
            && rest.chars().next().is_some_and(|c| !c.is_ascii())
            && rest.chars().count() >= 2
        {
            return (Some(p.to_string()), rest.to_string());
        }
    }
    (None, name)
}

fn clean_suffix(s: &str) -> String {
    let folded = fold_width(s);
    match folded.rsplit_once('-') {
        Some((base, suffix))
            if !base.is_empty()
                && (1..=2).contains(&suffix.len())
                && suffix.bytes().all(|b| b.is_ascii_uppercase()) =>
        {
            base.to_string()
        }
        _ => folded,
    }
}

fn fold_width(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .collect()
}

/// Reads a listing CSV in the layout of a Tushare `stock_basic` dump: a
/// header with `ts_code` (`300308.SZ`) or `symbol`/`code` (6 digits), and
/// `name`; `industry` and `list_date` are used when present. Rows that
/// cannot be used become issues naming the line; the rest are returned.
pub fn read_listing_csv(path: &Path) -> Result<(Vec<Listing>, Vec<Issue>), crate::LexiconError> {
    let file = path.display().to_string();
    let fail = |message: String| crate::LexiconError::Listing {
        path: path.to_path_buf(),
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| fail(e.to_string()))?;
    let headers = rdr.headers().map_err(|e| fail(e.to_string()))?.clone();
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.trim().trim_start_matches('\u{feff}')))
    };
    let ts_code = col(&["ts_code"]);
    let symbol = col(&["symbol", "code", "股票代码", "代码"]);
    let name = col(&["name", "股票名称", "简称", "名称"])
        .ok_or_else(|| fail("no `name` column in the header".into()))?;
    if ts_code.is_none() && symbol.is_none() {
        return Err(fail("no `ts_code` or `symbol` column in the header".into()));
    }
    let industry = col(&["industry", "行业"]);
    let list_date = col(&["list_date", "上市日期"]);
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                issues.push(issue(
                    Severity::Error,
                    &file,
                    line,
                    format!("unreadable row: {e}"),
                ));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
        let (code, exchange) = match split_code(get(ts_code), get(symbol)) {
            Ok(v) => v,
            Err(m) => {
                issues.push(issue(Severity::Error, &file, line, m));
                continue;
            }
        };
        let (display_prefix, nm) = split_prefix(get(Some(name)));
        if nm.is_empty() {
            issues.push(issue(
                Severity::Error,
                &file,
                line,
                format!("{code}: empty name"),
            ));
            continue;
        }
        out.push(Listing {
            code,
            exchange,
            name: nm,
            industry: get(industry).to_string(),
            list_date: get(list_date).to_string(),
            display_prefix,
            location: Location {
                file: file.clone(),
                line,
            },
        });
    }
    Ok((out, issues))
}

/// What [`complete_names`] did with a listing that had a display prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// `name` was completed to the fuller name of the same code.
    Completed {
        code: String,
        from: String,
        to: String,
    },
    /// No fuller name of the code starts with `name`: it is kept, and may be
    /// truncated.
    Unsure {
        code: String,
        name: String,
        prefix: String,
    },
}

/// Completes the names of listings that had a display prefix (XD红星发 ->
/// 红星发 -> 红星发展) from `full` (code -> name, e.g. the curated list's
/// names and another listing file), taking a fuller name only when it
/// begins with the cut one, or equals it. Returns what it did for each
/// prefixed listing, in order.
pub fn complete_names(listings: &mut [Listing], full: &HashMap<String, String>) -> Vec<Completion> {
    let mut out = Vec::new();
    for l in listings.iter_mut() {
        let Some(prefix) = l.display_prefix.clone() else {
            continue;
        };
        match full.get(&l.code).map(|n| clean_name(n)) {
            Some(f) if f == l.name => {}
            Some(f) if f.starts_with(&l.name) => {
                out.push(Completion::Completed {
                    code: l.code.clone(),
                    from: l.name.clone(),
                    to: f.clone(),
                });
                l.name = f;
            }
            _ => out.push(Completion::Unsure {
                code: l.code.clone(),
                name: l.name.clone(),
                prefix,
            }),
        }
    }
    out
}

/// Code and exchange from `300308.SZ`, or from a bare 6-digit symbol.
fn split_code(ts_code: &str, symbol: &str) -> Result<(String, Exchange), String> {
    if let Some((code, ex)) = ts_code.split_once('.') {
        let ex: Exchange = ex.parse()?;
        let code = crate::validate_code(ex, code)?;
        return Ok((code, ex));
    }
    let code = if symbol.is_empty() { ts_code } else { symbol };
    match Exchange::of_a_share_code(code) {
        Some(ex) => Ok((code.to_string(), ex)),
        None => Err(format!("{code:?} is not an A-share code")),
    }
}

/// The `companies/listings.tsv` text for these listings (sorted by code).
pub fn write_listings_tsv(listings: &[Listing], provenance: &str) -> String {
    let mut rows: Vec<&Listing> = listings.iter().collect();
    rows.sort_by(|a, b| (&a.code, a.exchange).cmp(&(&b.code, b.exchange)));
    let mut out = String::new();
    out.push_str(
        "# Security master, written by `ticai lexicon import-listings`; do not edit by hand.\n",
    );
    for line in provenance.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(TSV_HEADER);
    out.push('\n');
    for l in rows {
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            l.code,
            l.exchange,
            clean(&l.name),
            clean(&l.industry),
            clean(&l.list_date)
        ));
    }
    out
}

pub(crate) fn parse_tsv(path: &str, text: &str, out: &mut Vec<Listing>, issues: &mut Vec<Issue>) {
    let mut header_seen = false;
    for (i, row) in text.lines().enumerate() {
        let line = i + 1;
        let row = row.trim_end_matches('\r');
        if row.trim().is_empty() || row.starts_with('#') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            if row != TSV_HEADER {
                issues.push(issue(
                    Severity::Error,
                    path,
                    line,
                    format!("expected the header line {TSV_HEADER:?}"),
                ));
                return;
            }
            continue;
        }
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() != 5 {
            issues.push(issue(
                Severity::Error,
                path,
                line,
                format!("expected 5 tab-separated columns, found {}", cols.len()),
            ));
            continue;
        }
        let parsed = cols[1]
            .parse::<Exchange>()
            .and_then(|ex| crate::validate_code(ex, cols[0]).map(|c| (c, ex)));
        match parsed {
            Ok((code, exchange)) if !cols[2].trim().is_empty() => out.push(Listing {
                code,
                exchange,
                name: clean_name(cols[2]),
                industry: cols[3].trim().to_string(),
                list_date: cols[4].trim().to_string(),
                display_prefix: None,
                location: Location {
                    file: path.to_string(),
                    line,
                },
            }),
            Ok(_) => issues.push(issue(Severity::Error, path, line, "empty name".into())),
            Err(m) => issues.push(issue(Severity::Error, path, line, m)),
        }
    }
}

/// Aliases a listed name implies: 万科A -> 万科, *ST华微 -> ST华微.
fn derived_aliases(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    if chars.len() >= 3 && chars[chars.len() - 1] == 'A' && !chars[chars.len() - 2].is_ascii() {
        out.push(chars[..chars.len() - 1].iter().collect());
    }
    if let Some(rest) = name.strip_prefix("*ST") {
        out.push(format!("ST{rest}"));
    }
    out
}

/// Merges the security master into the curated companies. A listing with
/// the code of a curated entry completes it (the 简称 becomes the canonical
/// name, the curated name an alias); other listings become companies of
/// their own. A name or alias a curated entry uses is never given to a
/// listing: curated aliases win.
pub fn merge_listings(companies: &mut Vec<Company>, listings: Vec<Listing>) {
    let by_code: HashMap<(Exchange, String), usize> = companies
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some(((c.exchange?, c.code.clone()?), i)))
        .collect();
    let claimed: HashSet<String> = companies
        .iter()
        .flat_map(|c| c.aliases.iter().map(|(a, _)| a.to_lowercase()))
        .collect();
    let mut seen: HashSet<(Exchange, String)> = HashSet::new();
    for l in listings {
        if !seen.insert((l.exchange, l.code.clone())) {
            continue;
        }
        let mut terms = vec![l.name.clone()];
        terms.extend(derived_aliases(&l.name));
        if let Some(&i) = by_code.get(&(l.exchange, l.code.clone())) {
            let c = &mut companies[i];
            if c.name != l.name {
                let curated_name = std::mem::replace(&mut c.name, l.name.clone());
                c.name_en.get_or_insert_with(String::new);
                if !c.aliases.iter().any(|(a, _)| *a == curated_name) {
                    c.aliases.push((curated_name, c.location.clone()));
                }
            }
            for t in terms {
                if !c.aliases.iter().any(|(a, _)| *a == t) {
                    c.aliases.insert(0, (t, l.location.clone()));
                }
            }
            // canonical name first
            if let Some(pos) = c.aliases.iter().position(|(a, _)| *a == c.name) {
                let first = c.aliases.remove(pos);
                c.aliases.insert(0, first);
            }
            if c.name_en.as_deref() == Some("") {
                c.name_en = None;
            }
            c.industry = Some(l.industry).filter(|s| !s.is_empty());
            continue;
        }
        let aliases = terms
            .into_iter()
            .filter(|t| !claimed.contains(&t.to_lowercase()))
            .map(|t| (t, l.location.clone()))
            .collect();
        companies.push(Company {
            name: l.name,
            name_en: None,
            exchange: Some(l.exchange),
            code: Some(l.code),
            aliases,
            strict: false,
            themes: Vec::new(),
            industry: Some(l.industry).filter(|s| !s.is_empty()),
            source: CompanySource::Listing,
            location: l.location,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(code: &str, ex: Exchange, name: &str) -> Listing {
        Listing {
            code: code.into(),
            exchange: ex,
            name: name.into(),
            industry: "通信设备".into(),
            list_date: "20120410".into(),
            display_prefix: None,
            location: Location {
                file: "l.tsv".into(),
                line: 3,
            },
        }
    }

    #[test]
    fn split_codes() {
        assert_eq!(
            split_code("300308.SZ", "").unwrap(),
            ("300308".into(), Exchange::SZ)
        );
        assert_eq!(
            split_code("", "920576").unwrap(),
            ("920576".into(), Exchange::BJ)
        );
        assert_eq!(
            split_code("430047.BJ", "").unwrap(),
            ("430047".into(), Exchange::BJ)
        );
        assert!(split_code("300308.SH", "").is_err());
        assert!(split_code("", "512480").is_err());
    }

    #[test]
    fn tsv_round_trip_and_width() {
        let rows = vec![
            listing("000002", Exchange::SZ, "万科A"),
            listing("300308", Exchange::SZ, "中际旭创"),
        ];
        let text = write_listings_tsv(&rows, "from test");
        let mut back = Vec::new();
        let mut issues = Vec::new();
        parse_tsv("l.tsv", &text, &mut back, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].name, "万科A");
        assert_eq!(clean_name("万科Ａ"), "万科A");
        assert_eq!(clean_name("摩尔线程-U"), "摩尔线程");
        assert_eq!(clean_name("优刻得-W"), "优刻得");
        assert_eq!(clean_name("九号公司-WD"), "九号公司");
        assert_eq!(clean_name("*ST立航"), "*ST立航");
        assert_eq!(clean_name("A-B-C"), "A-B");
        // display prefixes: ex-dividend/rights, new listings
        let rows = [
            ("XD红星发", Some("XD"), "红星发"),
            ("XR国投", Some("XR"), "国投"),
            ("DR诺唯赞", Some("DR"), "诺唯赞"),
            ("N摩尔", Some("N"), "摩尔"),
            ("C摩尔-U", Some("C"), "摩尔"),
            ("XD九牧王", Some("XD"), "九牧王"),
            ("TCL科技", None, "TCL科技"),
            ("NBA", None, "NBA"),
            ("N科", None, "N科"),
            ("*ST立航", None, "*ST立航"),
            ("中国中免", None, "中国中免"),
        ];
        for (raw, prefix, name) in rows {
            let got = split_prefix(raw);
            assert_eq!((got.0.as_deref(), got.1.as_str()), (prefix, name), "{raw}");
        }
    }

    #[test]
    fn prefixed_names_are_completed_from_fuller_names() {
        let mut rows = vec![
            listing("600367", Exchange::SH, "红星发"),
            listing("601566", Exchange::SH, "九牧王"),
            listing("603195", Exchange::SH, "公牛集"),
            listing("603866", Exchange::SH, "桃李面"),
            listing("600000", Exchange::SH, "浦发银行"),
        ];
        for r in &mut rows[..4] {
            r.display_prefix = Some("XD".into());
        }
        let full: HashMap<String, String> = [
            ("600367", "红星发展"),
            ("601566", "九牧王"),
            ("603195", "公牛集团"),
            ("603866", "桃李食品"),
            ("600000", "浦发"),
        ]
        .into_iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect();
        let done = complete_names(&mut rows, &full);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        // a fuller name must begin with the cut one; unprefixed rows stay
        assert_eq!(
            names,
            ["红星发展", "九牧王", "公牛集团", "桃李面", "浦发银行"]
        );
        assert_eq!(
            done,
            [
                Completion::Completed {
                    code: "600367".into(),
                    from: "红星发".into(),
                    to: "红星发展".into()
                },
                Completion::Completed {
                    code: "603195".into(),
                    from: "公牛集".into(),
                    to: "公牛集团".into()
                },
                Completion::Unsure {
                    code: "603866".into(),
                    name: "桃李面".into(),
                    prefix: "XD".into()
                },
            ]
        );
    }

    #[test]
    fn merge_curated_wins() {
        let loc = Location {
            file: "c.tsv".into(),
            line: 2,
        };
        let mut companies = vec![
            Company {
                name: "旭创".into(),
                name_en: Some("Innolight".into()),
                exchange: Some(Exchange::SZ),
                code: Some("300308".into()),
                aliases: vec![
                    ("旭创".into(), loc.clone()),
                    ("Innolight".into(), loc.clone()),
                ],
                strict: false,
                themes: Vec::new(),
                industry: None,
                source: CompanySource::Curated,
                location: loc.clone(),
            },
            Company {
                name: "万科集团".into(),
                name_en: None,
                exchange: None,
                code: None,
                aliases: vec![
                    ("万科集团".into(), loc.clone()),
                    ("万科".into(), loc.clone()),
                ],
                strict: false,
                themes: Vec::new(),
                industry: None,
                source: CompanySource::Curated,
                location: loc.clone(),
            },
        ];
        merge_listings(
            &mut companies,
            vec![
                listing("300308", Exchange::SZ, "中际旭创"),
                listing("000002", Exchange::SZ, "万科A"),
                listing("688256", Exchange::SH, "*ST测试"),
            ],
        );
        assert_eq!(companies.len(), 4);
        let c = &companies[0];
        assert_eq!(c.name, "中际旭创");
        let terms: Vec<&str> = c.aliases.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(terms[0], "中际旭创");
        assert!(terms.contains(&"旭创") && terms.contains(&"Innolight"));
        // 万科 is a curated alias of another entry: the listing keeps only its own name
        let vanke = &companies[2];
        let terms: Vec<&str> = vanke.aliases.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(terms, ["万科A"]);
        let st: Vec<&str> = companies[3]
            .aliases
            .iter()
            .map(|(a, _)| a.as_str())
            .collect();
        assert_eq!(st, ["*ST测试", "ST测试"]);
    }
}
