//! Taiwan and Hong Kong vocabulary to mainland usage, keeping offsets.
//!
//! Traditional script from Taiwan or Hong Kong is converted in two layers:
//!
//! 1. OpenCC's regional configuration (`tw2sp`: Taiwan phrases such as
//!    伺服器 -> 服务器 and Taiwan variants; `hk2s`: Hong Kong variants),
//!    run on each run of Han characters;
//! 2. ticai's own table (`lexicons/cross_strait.tsv`), matched
//!    leftmost-longest over the character-converted text: it adds the
//!    finance and technology words OpenCC lacks (雲端運算 -> 云计算) and keeps
//!    the words whose OpenCC rewrite is wrong in financial writing (核心 is
//!    not 内核). Where the two overlap, ticai's table wins.
//!
//! OpenCC gives no offsets, so its output is aligned with the input by
//! splitting each run where converting the two halves separately gives the
//! same text as converting the whole: the finest such split is the phrase
//! structure of the conversion, and every converted phrase maps back to
//! exactly the original characters it came from.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use ferrous_opencc::OpenCC;
use std::sync::Arc;
use ticai_model::Region;

/// One row of the cross-strait table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VocabEntry {
    /// The word as Taiwan or Hong Kong writes it.
    pub from: String,
    /// The mainland word; `None`: keep the word (only its characters are
    /// converted), overriding OpenCC.
    pub to: Option<String>,
    /// Where the word is used with this meaning.
    pub regions: Vec<Region>,
}

/// A run longer than this is converted in pieces of this many characters
/// (a phrase cut by a piece boundary is converted by characters only):
/// aligning a run costs a conversion per character.
const MAX_RUN: usize = 48;

/// The conversion layers of one region.
pub(crate) struct Phrases {
    /// Shared by the explicit and the detected layers of a region.
    opencc: Arc<OpenCC>,
    /// The regions whose table rows apply.
    regions: Vec<Region>,
    /// ticai's table: patterns are the character-converted `from` words.
    table: Option<AhoCorasick>,
    outs: Vec<Option<String>>,
}

/// A stretch of the character-converted text replaced by other text.
#[derive(Debug)]
pub(crate) struct Piece {
    /// Character range in the character-converted text.
    pub start: usize,
    pub end: usize,
    pub out: String,
}

impl Phrases {
    /// The layers of a region with no table yet; `regions`: the rows of
    /// the table that apply.
    pub(crate) fn new(opencc: Arc<OpenCC>, regions: &[Region]) -> Phrases {
        Phrases {
            opencc,
            regions: regions.to_vec(),
            table: None,
            outs: Vec::new(),
        }
    }

    /// Sets the table from its rows, each with its `from` word converted
    /// character by character (what the automaton matches).
    pub(crate) fn set_rows(&mut self, rows: &[(String, &VocabEntry)]) {
        let mut keys: Vec<String> = Vec::new();
        self.outs.clear();
        for (key, e) in rows {
            if !e.regions.iter().any(|r| self.regions.contains(r))
                || key.is_empty()
                || keys.contains(key)
            {
                continue;
            }
            keys.push(key.clone());
            self.outs.push(e.to.clone());
        }
        self.table = (!keys.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&keys)
                .expect("cross-strait table automaton")
        });
    }

    /// The replaced stretches of a text, given as its folded characters
    /// (`folded`, what OpenCC reads) and their one-to-one character
    /// conversion (`chars`, `converted` the same as a string).
    /// `is_traditional` tells the characters that simplified text writes
    /// differently. OpenCC's Taiwan and Hong Kong variant tables also
    /// rewrite characters simplified text uses: a one-character change of
    /// such a character into a traditional one, and 么 -> 幺 (什么 -> 什幺,
    /// OpenCC issue 1469) and 抬 -> 擡 (OpenCC's t2s lacks 擡 -> 抬), are
    /// not made; 矽 -> 硅 and 著 -> 着 are.
    pub(crate) fn pieces(
        &self,
        folded: &[char],
        chars: &[char],
        converted: &str,
        is_traditional: &dyn Fn(char) -> bool,
    ) -> Vec<Piece> {
        let mut table = self.table_matches(converted);
        let mut out: Vec<Piece> = Vec::new();
        let mut next_table = 0usize;
        let mut i = 0usize;
        while i < folded.len() {
            if !is_han(folded[i]) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < folded.len() && is_han(folded[j]) {
                j += 1;
            }
            let mut s = i;
            while s < j {
                let e = (s + MAX_RUN).min(j);
                for p in self.opencc_pieces(&folded[s..e], &chars[s..e], s) {
                    let c = folded[p.start];
                    let variant = p.end - p.start == 1 && !is_traditional(c);
                    if variant && ("么抬".contains(c) || p.out.chars().any(is_traditional)) {
                        continue;
                    }
                    while next_table < table.len() && table[next_table].1 <= p.start {
                        next_table += 1;
                    }
                    // the longer word wins: an OpenCC phrase that contains
                    // a row of the table (資料庫 around the kept 資料) is
                    // converted; any other overlap goes to the table
                    let touching = table[next_table..]
                        .iter()
                        .take_while(|m| m.0 < p.end)
                        .filter(|m| m.1 > p.start);
                    let mut inside = true;
                    let mut any = false;
                    for m in touching {
                        any = true;
                        inside &= p.start <= m.0 && m.1 <= p.end && (m.1 - m.0) < (p.end - p.start);
                    }
                    if !any || inside {
                        out.push(p);
                    }
                }
                s = e;
            }
            i = j;
        }
        // rows inside a converted OpenCC phrase give way to it
        if !out.is_empty() {
            let mut k = 0usize;
            table.retain(|m| {
                while k < out.len() && out[k].end <= m.0 {
                    k += 1;
                }
                !(k < out.len() && out[k].start <= m.0 && m.1 <= out[k].end)
            });
        }
        for (start, end, k) in table {
            if let Some(to) = &self.outs[k] {
                out.push(Piece {
                    start,
                    end,
                    out: to.clone(),
                });
            }
        }
        out.sort_by_key(|p| p.start);
        out
    }

    /// ticai table matches as (start, end, entry) character ranges, in order.
    fn table_matches(&self, converted: &str) -> Vec<(usize, usize, usize)> {
        let Some(ac) = &self.table else {
            return Vec::new();
        };
        let mut found = Vec::new();
        // byte -> char offsets, walked forward with the matches
        let mut chars_before = 0usize;
        let mut byte = 0usize;
        let mut to_char = |b: usize| {
            chars_before += converted[byte..b].chars().count();
            byte = b;
            chars_before
        };
        for m in ac.find_iter(converted) {
            let s = to_char(m.start());
            let e = to_char(m.end());
            found.push((s, e, m.pattern().as_usize()));
        }
        found
    }

    /// OpenCC's changes inside one run of Han characters starting at
    /// character `offset`.
    fn opencc_pieces(&self, folded: &[char], chars: &[char], offset: usize) -> Vec<Piece> {
        let run: String = folded.iter().collect();
        let whole = self.opencc.convert(&run);
        if whole.chars().eq(chars.iter().copied()) {
            return Vec::new();
        }
        let n = folded.len();
        // prefix[p] = convert(run[..p]), suffix[p] = convert(run[p..])
        let mut prefix: Vec<String> = Vec::with_capacity(n + 1);
        prefix.push(String::new());
        for p in 1..n {
            prefix.push(self.opencc.convert(&folded[..p].iter().collect::<String>()));
        }
        prefix.push(whole.clone());
        let mut splits = vec![0usize];
        for p in 1..n {
            let head = &prefix[p];
            if !whole.starts_with(head.as_str()) {
                continue;
            }
            let tail = self.opencc.convert(&folded[p..].iter().collect::<String>());
            if head.len() + tail.len() == whole.len() && whole.ends_with(tail.as_str()) {
                splits.push(p);
            }
        }
        splits.push(n);
        let mut pieces = Vec::new();
        for w in splits.windows(2) {
            let (s, e) = (w[0], w[1]);
            let out = &whole[prefix[s].len()..prefix[e].len()];
            if out.chars().eq(chars[s..e].iter().copied()) {
                continue;
            }
            pieces.push(Piece {
                start: offset + s,
                end: offset + e,
                out: out.to_string(),
            });
        }
        pieces
    }
}

/// Han characters: what OpenCC's phrase tables are made of.
fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Hong Kong rather than Taiwan, for traditional text of unknown origin:
/// more Hong Kong markers (written Cantonese, the Hong Kong forms 綫 and 裏,
/// words only Hong Kong writes: 港府, 聯儲局, 按年 ...) than Taiwan markers
/// (台股, 新台幣, 聯準會, 法說會 ...).
pub(crate) fn looks_like_hong_kong(folded: &str) -> bool {
    const HK_CHARS: &str = "嘅咗喺冇啲嚟哋綫裏";
    const HK_WORDS: [&str; 14] = [
        "港府",
        "特區政府",
        "立法會",
        "聯儲局",
        "恒指",
        "恆指",
        "港交所",
        "按年",
        "按季",
        "窩輪",
        "孖展",
        "港元",
        "強積金",
        "金管局",
    ];
    const TW_WORDS: [&str; 12] = [
        "台股",
        "臺股",
        "新台幣",
        "新臺幣",
        "聯準會",
        "法說會",
        "櫃買",
        "央行總裁",
        "立法院",
        "行政院",
        "國發會",
        "外資法人",
    ];
    let count = |words: &[&str]| words.iter().filter(|w| folded.contains(*w)).count();
    let hk = folded
        .chars()
        .filter(|c| HK_CHARS.contains(*c))
        .take(8)
        .count()
        + count(&HK_WORDS);
    hk > 0 && hk > count(&TW_WORDS)
}
