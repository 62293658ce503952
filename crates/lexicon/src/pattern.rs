//! Theme terms written as patterns (`HBM\d[A-Z]?`, `DDR\d`,
//! `\d\.\dT光模块`): versioned product names that a list of aliases would
//! chase one generation at a time.
//!
//! A pattern is a regular expression in ASCII mode (`\d` is `[0-9]`, `\w`
//! and case-insensitivity are ASCII, as the tagger's Latin matching is;
//! CJK characters are written as themselves). It must begin with a short
//! choice of fixed texts of at least two characters each: those
//! *anchors* go into the tagger's one Aho-Corasick pass with the other
//! terms, and the pattern runs only where an anchor was found, anchored
//! there. `HBM\d[A-Z]?` is anchored by `HBM0`..`HBM9`; `\d\.\dT光模块` by
//! the hundred texts `0.0T光模块`..`9.9T光模块`; `\d+G` has no anchor
//! (it would run at every digit) and is refused.

use regex::{Regex, RegexBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

/// The most anchors a pattern may have.
pub const MAX_ANCHORS: usize = 256;

/// A compiled theme pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The pattern as the lexicon writes it.
    pub source: String,
    /// Matches at the start of a haystack only (`^(?:source)`).
    pub at_start: Regex,
    /// Matches a whole string only (`^(?:source)$`).
    pub whole: Regex,
    /// Lower-case fixed texts that every match begins with one of.
    pub anchors: Vec<String>,
}

impl Pattern {
    /// Compiles a pattern, or says what is wrong with it.
    ///
    /// ```
    /// let p = ticai_lexicon::Pattern::new(r"HBM\d[A-Z]?").unwrap();
    /// assert_eq!(p.at_start.find("hbm3e芯片").map(|m| m.end()), Some(5));
    /// assert!(p.whole.is_match("HBM4"));
    /// assert!(p.anchors.contains(&"hbm4".to_string()));
    /// assert!(ticai_lexicon::Pattern::new(r"\d+G").is_err());
    /// ```
    pub fn new(source: &str) -> Result<Pattern, String> {
        let build = |wrapped: String| {
            RegexBuilder::new(&wrapped)
                .unicode(false)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| match e {
                    regex::Error::Syntax(m) => {
                        let m = m.lines().last().unwrap_or_default().trim().to_string();
                        format!("pattern {source:?} is not a valid regular expression: {m}")
                    }
                    other => format!("pattern {source:?}: {other}"),
                })
        };
        let at_start = build(format!("^(?:{source})"))?;
        let whole = build(format!("^(?:{source})$"))?;
        if at_start.is_match("") {
            return Err(format!("pattern {source:?} matches the empty text"));
        }
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(true)
            .case_insensitive(true)
            .build()
            .parse(source)
            .map_err(|e| format!("pattern {source:?} is not a valid regular expression: {e}"))?;
        let mut extractor = Extractor::new();
        extractor
            .kind(ExtractKind::Prefix)
            .limit_total(4 * MAX_ANCHORS);
        let seq = extractor.extract(&hir);
        let refuse = || {
            format!(
                "pattern {source:?} must begin with fixed text of at least two characters, or a choice of at most {MAX_ANCHORS} such texts (as in \\d\\.\\dT光模块)"
            )
        };
        let literals = seq.literals().ok_or_else(refuse)?;
        let mut anchors: Vec<String> = Vec::with_capacity(literals.len());
        for lit in literals {
            let bytes = lit.as_bytes();
            // a prefix cut inside a character keeps its whole characters
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
            };
            if text.chars().count() < 2 {
                return Err(refuse());
            }
            anchors.push(text.to_ascii_lowercase());
        }
        anchors.sort();
        anchors.dedup();
        // a shorter anchor covers the longer ones it begins
        let mut kept: Vec<String> = Vec::with_capacity(anchors.len());
        for a in anchors {
            if !kept.last().is_some_and(|k| a.starts_with(k.as_str())) {
                kept.push(a);
            }
        }
        if kept.is_empty() || kept.len() > MAX_ANCHORS {
            return Err(refuse());
        }
        Ok(Pattern {
            source: source.to_string(),
            at_start,
            whole,
            anchors: kept,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_and_matches() {
        // (pattern, texts it matches at their start with the match's end,
        // anchors count)
        type Row<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)], usize);
        let rows: &[Row] = &[
            (
                r"HBM\d[A-Z]?",
                &[
                    ("HBM3E芯片", Some("HBM3E")),
                    ("hbm4量产", Some("hbm4")),
                    ("HBM", None),
                ],
                10,
            ),
            (r"DDR\d", &[("DDR5内存", Some("DDR5")), ("DDRx", None)], 10),
            (
                r"GB\d00",
                &[("GB300机柜", Some("GB300")), ("GB3000", Some("GB300"))],
                10,
            ),
            (
                r"\d\.\dT光模块",
                &[("1.6T光模块出货", Some("1.6T光模块")), ("16T光模块", None)],
                100,
            ),
            (
                r"(?:LP)?DDR\d[X]?",
                &[("LPDDR5X颗粒", Some("LPDDR5X")), ("DDR4", Some("DDR4"))],
                20,
            ),
        ];
        for (src, cases, anchors) in rows {
            let p = Pattern::new(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(p.anchors.len(), *anchors, "{src}: {:?}", p.anchors);
            for (text, want) in *cases {
                let got = p.at_start.find(text).map(|m| &text[..m.end()]);
                assert_eq!(got, *want, "{src} on {text}");
            }
        }
    }

    #[test]
    fn refused_with_the_reason() {
        let rows = [
            (r"HBM(\d", "is not a valid regular expression"),
            (r"(HBM)?", "matches the empty text"),
            (
                r"\d+G",
                "must begin with fixed text of at least two characters",
            ),
            (r"[A-Z]{2}\d", "must begin with fixed text"),
            (r"\p{Han}卡", "is not a valid regular expression"),
        ];
        for (src, want) in rows {
            let e = Pattern::new(src).expect_err(src);
            assert!(e.contains(want), "{src}: {e}");
        }
    }
}
