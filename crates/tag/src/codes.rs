//! Stock-code mentions: `sz300308`, `600519.SH`, `(688256)`, `00700.HK`,
//! `(NVDA.O)`, `(NASDAQ:NVDA)`, in normalized text (full-width forms are
//! already folded, so `（３００３０８．ＳＺ）` arrives as `(300308.SZ)`).

use regex::Regex;
use std::ops::Range;
use ticai_model::Exchange;

/// One code found in normalized text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeHit {
    /// The whole match, parentheses included.
    pub span: Range<usize>,
    /// The code itself with any prefix or suffix (`sz300308`, `688256`).
    pub inner: Range<usize>,
    pub code: String,
    pub exchange: Exchange,
    /// Whether the code sits in parentheses right after something (a name).
    pub parenthesized: bool,
}

pub struct CodeScanner {
    re: Regex,
}

impl CodeScanner {
    pub fn new() -> Self {
        let re = Regex::new(
            r"(?x)
              \(\s*(?:
                  (?P<paren>[0-9]{6})(?:\.(?P<psfx>(?i:sh|sz|bj|ss)))?
                | (?P<phk>[0-9]{4,5})\.(?i:hk)
                | (?P<phk0>0[0-9]{4})
                | (?P<us>[A-Z]{1,5})\.(?:US|O|N|OQ)
                | (?:NASDAQ|NYSE|纳斯达克|纽交所)\s*:\s*(?P<us2>[A-Z]{1,5})
              )\s*\)
            | (?P<pfx>(?i:sh|sz|bj))(?P<pcode>[0-9]{6})
            | (?P<scode>[0-9]{6})\.(?P<sfx>(?i:sh|sz|bj|ss))
            | (?P<hk>[0-9]{4,5})\.(?i:hk)",
        )
        .expect("the code pattern is valid");
        Self { re }
    }

    /// Every code mention in `text`, in order.
    pub fn scan(&self, text: &str) -> Vec<CodeHit> {
        let mut out = Vec::new();
        if !text.bytes().any(|b| b.is_ascii_digit() || b == b'(') {
            return out;
        }
        let bytes = text.as_bytes();
        let alnum_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
        for caps in self.re.captures_iter(text) {
            let m = caps.get(0).expect("group 0 always matches");
            let span = m.range();
            let parenthesized = bytes[span.start] == b'(';
            // a bare code must not be glued to letters or digits
            if !parenthesized
                && ((span.start > 0 && alnum_at(span.start - 1)) || alnum_at(span.end))
            {
                continue;
            }
            let group = |name: &str| caps.name(name);
            let (code, exchange, inner) = if let Some(c) = group("pcode") {
                let ex = group("pfx")
                    .map(|p| p.as_str())
                    .unwrap_or_default()
                    .parse()
                    .ok();
                (c.as_str().to_string(), ex, span.clone())
            } else if let Some(c) = group("scode") {
                let ex = group("sfx")
                    .map(|p| p.as_str())
                    .unwrap_or_default()
                    .parse()
                    .ok();
                (c.as_str().to_string(), ex, span.clone())
            } else if let Some(c) = group("hk") {
                (
                    format!("{:0>5}", c.as_str()),
                    Some(Exchange::HK),
                    span.clone(),
                )
            } else if let Some(c) = group("paren") {
                let ex = match group("psfx") {
                    Some(sfx) => sfx.as_str().parse().ok(),
                    None => Exchange::of_a_share_code(c.as_str()),
                };
                let end = group("psfx").map_or(c.end(), |m| m.end());
                (c.as_str().to_string(), ex, c.start()..end)
            } else if let Some(c) = group("phk") {
                (
                    format!("{:0>5}", c.as_str()),
                    Some(Exchange::HK),
                    c.start()..c.end() + 3,
                )
            } else if let Some(c) = group("phk0") {
                (c.as_str().to_string(), Some(Exchange::HK), c.range())
            } else if let Some(c) = group("us").or_else(|| group("us2")) {
                (c.as_str().to_string(), Some(Exchange::US), c.range())
            } else {
                continue;
            };
            let Some(exchange) = exchange else { continue };
            // a prefix or suffix must agree with the code's range
            if matches!(exchange, Exchange::SH | Exchange::SZ | Exchange::BJ)
                && Exchange::of_a_share_code(&code) != Some(exchange)
            {
                continue;
            }
            out.push(CodeHit {
                span,
                inner,
                code,
                exchange,
                parenthesized,
            });
        }
        out
    }
}

impl Default for CodeScanner {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let s = CodeScanner::new();
        // (text, [(code, exchange, inner text)])
        type Row<'a> = (&'a str, &'a [(&'a str, Exchange, &'a str)]);
        let rows: &[Row] = &[
            ("寒武纪(688256)涨", &[("688256", Exchange::SH, "688256")]),
            (
                "中际旭创(300308.SZ)",
                &[("300308", Exchange::SZ, "300308.SZ")],
            ),
            (
                "关注sz300308与SH600519",
                &[
                    ("300308", Exchange::SZ, "sz300308"),
                    ("600519", Exchange::SH, "SH600519"),
                ],
            ),
            ("600519.SH收涨", &[("600519", Exchange::SH, "600519.SH")]),
            ("腾讯控股(00700.HK)", &[("00700", Exchange::HK, "00700.HK")]),
            ("腾讯(0700.HK)", &[("00700", Exchange::HK, "0700.HK")]),
            ("英伟达( NVDA.O )", &[("NVDA", Exchange::US, "NVDA")]),
            ("博通(NASDAQ: AVGO)", &[("AVGO", Exchange::US, "AVGO")]),
            ("某公司(920576)", &[("920576", Exchange::BJ, "920576")]),
            // not codes: an ETF, a number in a sentence, a code glued to digits, a wrong prefix
            ("科创AIETF(588790)", &[]),
            ("成交额123456万元", &[]),
            ("编号1300308.SZ", &[]),
            ("sh300308", &[]),
            ("", &[]),
        ];
        for (text, want) in rows {
            let got: Vec<(String, Exchange, String)> = s
                .scan(text)
                .into_iter()
                .map(|h| (h.code, h.exchange, text[h.inner].to_string()))
                .collect();
            let want: Vec<(String, Exchange, String)> = want
                .iter()
                .map(|(c, e, i)| (c.to_string(), *e, i.to_string()))
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }
}
