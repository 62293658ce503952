//! Data types that flow through ticai's pipeline.
//!
//! This crate has no IO and no dependencies beyond serde: every other crate
//! speaks in these nouns. A [`Document`] goes in, a [`TaggedDocument`] comes out.
//! Offsets in anything serialized here are **character** offsets into the
//! original text of the document (what a user sees), never byte offsets
//! into the normalized text (which is internal to the tagger).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The revision of ticai's text normal form (what the normalizer makes of
/// a text, given its tables). Part of the lexicon version recorded with
/// every indexed document, so that documents normalized by an older
/// revision are re-analyzed by `ticai retag`. Bump it with any change to
/// normalization that changes its output.
pub const NORMALIZATION_REVISION: u32 = 2;

/// Where a text was written, for the vocabulary it uses: mainland China
/// (`cn`), Taiwan (`tw`) or Hong Kong (`hk`). Traditional script from Taiwan
/// and Hong Kong is converted to mainland words (伺服器 -> 服务器), not only
/// to simplified characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Cn,
    Tw,
    Hk,
}

impl Region {
    pub const ALL: [Region; 3] = [Self::Cn, Self::Tw, Self::Hk];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cn => "cn",
            Self::Tw => "tw",
            Self::Hk => "hk",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cn" | "zh-cn" | "mainland" => Ok(Self::Cn),
            "tw" | "zh-tw" | "taiwan" => Ok(Self::Tw),
            "hk" | "zh-hk" | "hongkong" | "hong kong" => Ok(Self::Hk),
            _ => Err(format!(
                "unknown region {s:?}: expected cn (mainland), tw (Taiwan) or hk (Hong Kong)"
            )),
        }
    }
}

/// A stock exchange a company code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Exchange {
    /// Shanghai (main board 60xxxx, STAR 68xxxx, B shares 900xxx).
    SH,
    /// Shenzhen (main board 00xxxx, ChiNext 30xxxx, B shares 200xxx).
    SZ,
    /// Beijing (920xxx, legacy 43/83/87xxxx).
    BJ,
    /// Hong Kong (4-5 digit codes).
    HK,
    /// United States (tickers).
    US,
}

impl Exchange {
    pub const ALL: [Exchange; 5] = [Self::SH, Self::SZ, Self::BJ, Self::HK, Self::US];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SH => "SH",
            Self::SZ => "SZ",
            Self::BJ => "BJ",
            Self::HK => "HK",
            Self::US => "US",
        }
    }

    /// The mainland exchange a 6-digit A-share code belongs to, from its range,
    /// or `None` when the code is not in any A-share range (funds, bonds, indices).
    ///
    /// ```
    /// use ticai_model::Exchange;
    /// assert_eq!(Exchange::of_a_share_code("688256"), Some(Exchange::SH));
    /// assert_eq!(Exchange::of_a_share_code("300308"), Some(Exchange::SZ));
    /// assert_eq!(Exchange::of_a_share_code("920576"), Some(Exchange::BJ));
    /// assert_eq!(Exchange::of_a_share_code("512480"), None); // an ETF
    /// ```
    pub fn of_a_share_code(code: &str) -> Option<Exchange> {
        let b = code.as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        match (b[0], b[1], b[2]) {
            (b'6', b'0', _) | (b'6', b'8', b'8' | b'9') | (b'9', b'0', b'0') => Some(Self::SH),
            (b'0', b'0', b'0'..=b'3') | (b'3', b'0', b'0'..=b'2') | (b'2', b'0', b'0') => {
                Some(Self::SZ)
            }
            (b'9', b'2', b'0') | (b'4', b'3', _) | (b'8', b'3', _) | (b'8', b'7', _) => {
                Some(Self::BJ)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Exchange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "SH" | "SS" | "SSE" => Ok(Self::SH),
            "SZ" | "SZSE" => Ok(Self::SZ),
            "BJ" | "BSE" => Ok(Self::BJ),
            "HK" | "HKEX" => Ok(Self::HK),
            "US" | "O" | "N" | "OQ" | "NASDAQ" | "NYSE" => Ok(Self::US),
            other => Err(format!(
                "unknown exchange {other:?} (expected SH, SZ, BJ, HK or US)"
            )),
        }
    }
}

/// One document to tag: the output of a reader or an extractor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Stable identifier: the JSONL id field, or the file path (`#N` for the
    /// N-th article of a page split into several).
    pub id: String,
    pub title: Option<String>,
    /// As given by the source; not reinterpreted here.
    pub published_at: Option<String>,
    /// Where the document was found (page URL, or the JSONL url/link field).
    #[serde(default)]
    pub url: Option<String>,
    /// The publisher or feed (来源, JSONL `source`).
    #[serde(default)]
    pub source: Option<String>,
    /// The body text. Evidence offsets are character offsets into this.
    pub text: String,
    /// When the title is the first line of `text` rather than a separate
    /// field: its character range in `text`.
    pub title_span: Option<(usize, usize)>,
    /// Where the text was written (source configuration, JSONL `region`,
    /// `--region`); `None`: detected from the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

/// Why a mention was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// The entity's canonical name.
    Name,
    /// One of the entity's aliases.
    Alias,
    /// A stock code (alone, or following a name the lexicon does not know).
    Code,
    /// A theme implied by a company that is a pure play of it (the
    /// lexicon's `themes` column): the span is the company mention's.
    Company,
    /// A theme's pattern (`HBM\d[A-Z]?`): the term is the pattern as the
    /// lexicon writes it.
    Pattern,
}

/// Which field of the document a span points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
}

/// Where and why an entity was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The lexicon term that matched (as written in the lexicon), or the code.
    pub term: String,
    /// Character offsets into the original text of `field`.
    pub start: usize,
    pub end: usize,
    /// The sentence around the mention, from the original text.
    pub sentence: String,
    pub reason: Reason,
    /// The exact original substring `[start, end)` of `field`.
    pub text: String,
    pub field: Field,
}

/// A theme found in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeHit {
    pub id: String,
    /// The Chinese name (`name_zh` in the lexicon).
    pub name: String,
    pub name_en: String,
    pub mentions: usize,
    pub in_title: bool,
    pub evidence: Vec<Evidence>,
    /// How many evidence spans there were, when `evidence` holds only the
    /// first of them (`ticai tag --max-evidence`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_total: Option<usize>,
}

/// A company found in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyHit {
    /// Canonical Chinese name: the 简称 of a listed A-share, else the common name.
    pub name: String,
    /// 6-digit A-share code, 5-digit HK code, US ticker, or null.
    pub code: Option<String>,
    pub exchange: Option<Exchange>,
    pub mentions: usize,
    pub in_title: bool,
    pub evidence: Vec<Evidence>,
    /// As for [`ThemeHit::evidence_total`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_total: Option<usize>,
}

/// The result of tagging one document: the `ticai tag` JSON contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedDocument {
    pub id: String,
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub themes: Vec<ThemeHit>,
    pub companies: Vec<CompanyHit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_ranges() {
        let rows = [
            ("600519", Some(Exchange::SH)),
            ("601398", Some(Exchange::SH)),
            ("688981", Some(Exchange::SH)),
            ("689009", Some(Exchange::SH)),
            ("900901", Some(Exchange::SH)),
            ("000001", Some(Exchange::SZ)),
            ("002594", Some(Exchange::SZ)),
            ("003816", Some(Exchange::SZ)),
            ("300308", Some(Exchange::SZ)),
            ("301666", Some(Exchange::SZ)),
            ("200002", Some(Exchange::SZ)),
            ("920576", Some(Exchange::BJ)),
            ("430047", Some(Exchange::BJ)),
            ("832000", Some(Exchange::BJ)),
            ("871981", Some(Exchange::BJ)),
            ("512480", None),
            ("159945", None),
            ("012322", None),
            ("68825", None),
            ("68825a", None),
        ];
        for (code, want) in rows {
            assert_eq!(Exchange::of_a_share_code(code), want, "{code}");
        }
    }

    #[test]
    fn exchange_round_trip() {
        for ex in Exchange::ALL {
            assert_eq!(ex.as_str().parse::<Exchange>().unwrap(), ex);
            assert_eq!(serde_json::to_string(&ex).unwrap(), format!("\"{ex}\""));
        }
        assert!("XX".parse::<Exchange>().is_err());
    }
}
