use crate::TextError;
use crate::vocab::{Phrases, VocabEntry, looks_like_hong_kong};
use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use std::sync::Arc;
use ticai_model::Region;

/// Converts text to ticai's normal form and remembers where every character
/// came from.
///
/// The steps, in order:
/// 1. invisible characters (zero-width spaces and joiners, BOM, soft hyphen,
///    bidi controls, C0 controls other than tab and newlines) are dropped;
/// 2. full-width ASCII (`ＣＰＯ`, `３００３０８`, `（`, `，`) becomes
///    half-width, and exotic spaces become `' '`;
/// 3. if the text contains any traditional character, OpenCC `t2s` converts
///    it to simplified, character for character;
/// 4. text from Taiwan or Hong Kong (traditional text, unless the caller
///    says where it was written) also gets its vocabulary converted to
///    mainland usage: OpenCC's regional phrases (`tw2sp`, `hk2s`) and
///    ticai's cross-strait table (see `vocab`), which adds the words OpenCC
///    lacks and keeps those it gets wrong for financial writing (核心 is not
///    内核). A converted phrase maps back to the whole original phrase.
///
/// Simplified text (no traditional character) is only width-folded: the
/// vocabulary stage never rewrites mainland words in mainland text.
///
/// ```
/// let n = ticai_text::Normalizer::new().unwrap();
/// let out = n.normalize("伺服器與ＣＰＯ");
/// assert_eq!(out.text, "服务器与CPO");
/// // "服务器" is bytes 0..9 of the normalized text, chars 0..3 of the original
/// assert_eq!(out.map.original_range(0, 9), (0, 3));
/// // "CPO" sits at bytes 12..15 of the normalized text, chars 4..7 of the original
/// assert_eq!(out.map.original_range(12, 15), (4, 7));
/// ```
pub struct Normalizer {
    t2s: OpenCC,
    /// Bit set over the BMP: characters that `t2s` changes.
    traditional: Vec<u64>,
    /// Simplified-only character -> a traditional character it simplifies.
    simplified: std::collections::HashMap<char, char>,
    /// Taiwan and Hong Kong vocabulary to mainland usage.
    tw: Phrases,
    hk: Phrases,
    /// For traditional text of unknown origin: the detected region's OpenCC
    /// tables and the rows of both regions (a Hong Kong word in text
    /// detected as Taiwan's is still converted).
    tw_detected: Phrases,
    hk_detected: Phrases,
}

fn opencc(config: BuiltinConfig) -> Result<OpenCC, TextError> {
    OpenCC::from_config(config).map_err(|e| TextError::OpenCc(e.to_string()))
}

impl Normalizer {
    /// A normalizer with OpenCC's tables only (no ticai cross-strait table).
    pub fn new() -> Result<Self, TextError> {
        Self::with_vocabulary(&[])
    }

    /// A normalizer that also applies ticai's cross-strait table to Taiwan
    /// and Hong Kong text.
    pub fn with_vocabulary(entries: &[VocabEntry]) -> Result<Self, TextError> {
        let t2s = opencc(BuiltinConfig::T2s)?;
        let (traditional, simplified) = traditional_set(&t2s);
        let tw2sp = Arc::new(opencc(BuiltinConfig::Tw2sp)?);
        let hk2s = Arc::new(opencc(BuiltinConfig::Hk2s)?);
        let both = [Region::Tw, Region::Hk];
        let mut n = Self {
            t2s,
            traditional,
            simplified,
            tw: Phrases::new(tw2sp.clone(), &[Region::Tw]),
            hk: Phrases::new(hk2s.clone(), &[Region::Hk]),
            tw_detected: Phrases::new(tw2sp, &both),
            hk_detected: Phrases::new(hk2s, &both),
        };
        if !entries.is_empty() {
            // rows are matched on the character-converted text
            let rows: Vec<(String, &VocabEntry)> = entries
                .iter()
                .map(|e| (n.normalize_in(&e.from, Some(Region::Cn)).text, e))
                .collect();
            for p in [&mut n.tw, &mut n.hk, &mut n.tw_detected, &mut n.hk_detected] {
                p.set_rows(&rows);
            }
        }
        Ok(n)
    }

    /// Whether `c` is a character that simplified text would write differently.
    #[inline]
    pub fn is_traditional(&self, c: char) -> bool {
        let cp = c as u32;
        if !(0x3400..=0xFFFF).contains(&cp) {
            return false;
        }
        self.traditional[(cp >> 6) as usize] & (1 << (cp & 63)) != 0
    }

    /// For a character that only simplified script uses (记, 忆, 云), the
    /// traditional character OpenCC `s2t` writes for it. Characters Taiwan
    /// and Hong Kong also write as they are (台, 后, 里, 只 ...) are not
    /// simplified-only. For checking tables; not used on text.
    pub fn simplified_of(&self, c: char) -> Option<char> {
        const SHARED: &str = "台后里干面发只才布制冲系准历几咸松郁谷丑斗卜朴范姜游余征表致周志注舍采筑胡须回占群吃恒丰秋凶伙夸克党";
        static S2T: std::sync::LazyLock<Option<OpenCC>> =
            std::sync::LazyLock::new(|| OpenCC::from_config(BuiltinConfig::S2t).ok());
        if SHARED.contains(c) || !self.simplified.contains_key(&c) {
            return None;
        }
        let s2t = S2T.as_ref()?;
        let mut it = s2t
            .convert(c.encode_utf8(&mut [0u8; 4]))
            .chars()
            .collect::<Vec<_>>();
        match it.pop() {
            Some(t) if it.is_empty() && t != c => Some(t),
            _ => None,
        }
    }

    /// Normalizes a lexicon term or a query: the same steps as for documents,
    /// without the offset map.
    pub fn normalize_term(&self, term: &str) -> String {
        self.normalize(term).text
    }

    /// Normalizes `original`, keeping the map back to its character offsets.
    /// Traditional text is converted to mainland usage as Taiwan text
    /// (Hong Kong when it reads like Hong Kong: see [`Normalizer::region_of`]).
    pub fn normalize(&self, original: &str) -> Normalized {
        self.normalize_in(original, None)
    }

    /// Normalizes text written in `region` (`None`: detected). Mainland
    /// text gets characters converted only; Taiwan and Hong Kong text also
    /// gets that region's vocabulary converted, whatever its script.
    pub fn normalize_in(&self, original: &str, region: Option<Region>) -> Normalized {
        self.normalize_with(original, region, false)
    }

    /// A query in shared characters (伺服器, 晶片, 奈米) read as Taiwan or
    /// Hong Kong words: OpenCC's Taiwan phrases and ticai's cross-strait
    /// table of both regions, whose keep rows stop the phrases that are
    /// mainland words too (支援, 核心).
    pub fn normalize_query_form(&self, original: &str) -> Normalized {
        self.normalize_with(original, Some(Region::Tw), true)
    }

    fn normalize_with(&self, original: &str, region: Option<Region>, query: bool) -> Normalized {
        let mut text = String::with_capacity(original.len());
        let mut starts: Vec<u32> = Vec::with_capacity(original.len() + 1);
        let mut traditional = 0usize;
        let mut han = 0usize;
        let mut n_chars = 0u32;
        for (i, c) in original.chars().enumerate() {
            n_chars += 1;
            let Some(folded) = fold_char(c) else { continue };
            if self.is_traditional(folded) {
                traditional += 1;
            }
            if (folded as u32) >= 0x3400 {
                han += 1;
            }
            text.push(folded);
            // one entry per normalized character; bytes are filled in below
            starts.push(i as u32);
        }
        let has_traditional = traditional > 0;
        let detected = region.is_none();
        let region = region.unwrap_or_else(|| detect(traditional, han, &text));
        if region == Region::Cn {
            if has_traditional {
                text = self.convert_pieces(&text);
            }
            return Normalized {
                map: OffsetMap::build(&text, &starts, n_chars),
                text,
            };
        }
        let converted = if has_traditional {
            self.convert_keeping_chars(&text)
        } else {
            text.clone()
        };
        let phrases = match (region, detected) {
            _ if query => &self.tw_detected,
            (Region::Hk, false) => &self.hk,
            (Region::Hk, true) => &self.hk_detected,
            (_, false) => &self.tw,
            (_, true) => &self.tw_detected,
        };
        let folded: Vec<char> = text.chars().collect();
        let chars: Vec<char> = converted.chars().collect();
        let pieces = phrases.pieces(&folded, &chars, &converted, &|c| self.is_traditional(c));
        if pieces.is_empty() {
            return Normalized {
                map: OffsetMap::build(&converted, &starts, n_chars),
                text: converted,
            };
        }
        let mut out = String::with_capacity(converted.len() + 16);
        let mut spans: Vec<(u32, u32)> = Vec::with_capacity(chars.len() + 16);
        let mut at = 0usize;
        for p in &pieces {
            for k in at..p.start {
                out.push(chars[k]);
                spans.push((starts[k], starts[k] + 1));
            }
            // every character of a converted phrase maps to all of it
            let span = (starts[p.start], starts[p.end - 1] + 1);
            for c in p.out.chars() {
                out.push(c);
                spans.push(span);
            }
            at = p.end;
        }
        for k in at..chars.len() {
            out.push(chars[k]);
            spans.push((starts[k], starts[k] + 1));
        }
        Normalized {
            map: OffsetMap::build_spans(&out, &spans, n_chars),
            text: out,
        }
    }

    /// The region [`Normalizer::normalize`] assumes for `original`: `cn`
    /// for simplified text (fewer than one character in 20 traditional: a
    /// mainland article that quotes 台積電 stays mainland text); for
    /// traditional text `hk` when it has more Hong Kong markers than Taiwan
    /// markers (see `vocab`), else `tw`.
    pub fn region_of(&self, original: &str) -> Region {
        let (mut traditional, mut han) = (0, 0);
        for c in original.chars().filter_map(fold_char) {
            traditional += usize::from(self.is_traditional(c));
            han += usize::from(c as u32 >= 0x3400);
        }
        detect(traditional, han, original)
    }

    /// `t2s` over the pieces of mainland `text` that hold a traditional
    /// character (pieces end after a newline or a 。, which no OpenCC phrase
    /// contains): a long report that quotes 台積電 once is converted there,
    /// not from end to end. A piece without a traditional character is
    /// left alone, as a whole document without one is.
    fn convert_pieces(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for piece in text.split_inclusive(['\n', '。']) {
            if piece.chars().any(|c| self.is_traditional(c)) {
                out.push_str(&self.convert_keeping_chars(piece));
            } else {
                out.push_str(piece);
            }
        }
        out
    }

    /// `t2s` over `text`, guaranteed to keep the character count (and so the
    /// offset map). OpenCC's t2s dictionaries are one-to-one; should a future
    /// dictionary change that, fall back to converting character by character.
    fn convert_keeping_chars(&self, text: &str) -> String {
        let converted = self.t2s.convert(text);
        if converted.chars().count() == text.chars().count() {
            return converted;
        }
        let mut out = String::with_capacity(text.len());
        let mut buf = [0u8; 4];
        for c in text.chars() {
            let one = self.t2s.convert(c.encode_utf8(&mut buf));
            let mut it = one.chars();
            match (it.next(), it.next()) {
                (Some(s), None) => out.push(s),
                _ => out.push(c),
            }
        }
        out
    }
}

/// The characters `t2s` changes, found by converting every CJK character of
/// the BMP once (separated by newlines so no phrase spans two of them), and
/// the simplified characters they become.
fn traditional_set(t2s: &OpenCC) -> (Vec<u64>, std::collections::HashMap<char, char>) {
    let ranges = [0x3400u32..=0x4DBF, 0x4E00..=0x9FFF, 0xF900..=0xFAFF];
    let mut probe = String::new();
    let mut chars = Vec::new();
    for cp in ranges.into_iter().flatten() {
        if let Some(c) = char::from_u32(cp) {
            probe.push(c);
            probe.push('\n');
            chars.push(c);
        }
    }
    let converted = t2s.convert(&probe);
    let mut set = vec![0u64; 1024];
    let mut simplified = std::collections::HashMap::new();
    for (orig, conv) in chars.iter().zip(converted.split('\n')) {
        if !conv.starts_with(*orig) {
            let cp = *orig as u32;
            set[(cp >> 6) as usize] |= 1 << (cp & 63);
            let mut it = conv.chars();
            if let (Some(s), None) = (it.next(), it.next()) {
                simplified.entry(s).or_insert(*orig);
            }
        }
    }
    (set, simplified)
}

/// The region of text with `traditional` traditional characters among
/// `han` characters at U+3400 and above.
fn detect(traditional: usize, han: usize, text: &str) -> Region {
    if traditional == 0 || traditional * 20 < han {
        Region::Cn
    } else if looks_like_hong_kong(text) {
        Region::Hk
    } else {
        Region::Tw
    }
}

/// Width folding and invisible-character removal for one character.
#[inline]
fn fold_char(c: char) -> Option<char> {
    let cp = c as u32;
    if cp < 0x80 {
        return match c {
            '\t' | '\n' | '\r' => Some(c),
            c if c.is_ascii_control() => None,
            c => Some(c),
        };
    }
    match cp {
        // full-width ASCII variants
        0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0),
        // spaces: no-break, en/em and friends, ideographic
        0x00A0 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000 => Some(' '),
        // soft hyphen, zero-width, bidi controls, word joiner, BOM, C1 controls
        0x00AD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF | 0x180E => None,
        0x80..=0x9F => None,
        _ => Some(c),
    }
}

/// Text in normal form, with the map back to the original.
#[derive(Clone, Debug)]
pub struct Normalized {
    pub text: String,
    pub map: OffsetMap,
}

/// Maps byte offsets of a normalized text to character offsets of the
/// original text it was made from.
///
/// Compact whatever the text's length: a bit per byte marks where
/// characters start (with a count every 64 bytes, so a byte offset's
/// character index is a lookup and a popcount), and the characters are
/// described in runs: either consecutive (character `k` of the run maps
/// to original character `start + k`) or all mapped to one original range
/// (the characters of a converted phrase). A text that normalization only
/// folds is one run; every removed character or converted phrase adds one
/// or two.
#[derive(Clone, Debug, Default)]
pub struct OffsetMap {
    /// Bit `i`: byte `i` of the normalized text starts a character.
    char_starts: Vec<u64>,
    /// Characters that start before each word of `char_starts`.
    rank: Vec<u32>,
    /// The normalized text's length in bytes.
    len: usize,
    /// The original text's length in characters.
    original_chars: u32,
    /// By first character.
    runs: Vec<Run>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    /// The run's first normalized character (an index).
    first: u32,
    /// Consecutive: the first character's original offset; else the
    /// original range every character of the run maps to.
    start: u32,
    end: u32,
    consecutive: bool,
}

impl OffsetMap {
    fn build(text: &str, char_starts: &[u32], original_chars: u32) -> OffsetMap {
        Self::from_spans(
            text,
            char_starts.iter().map(|&s| (s, s + 1)),
            original_chars,
        )
    }

    /// Like `build`, each normalized character with its own original range:
    /// every character of a converted phrase (记忆体 -> 内存) maps to the
    /// whole original phrase.
    fn build_spans(text: &str, spans: &[(u32, u32)], original_chars: u32) -> OffsetMap {
        Self::from_spans(text, spans.iter().copied(), original_chars)
    }

    /// The map of `text` whose `j`-th character came from the original
    /// character range `spans[j]`.
    fn from_spans(
        text: &str,
        spans: impl IntoIterator<Item = (u32, u32)>,
        original_chars: u32,
    ) -> OffsetMap {
        let len = text.len();
        let mut char_starts = vec![0u64; len / 64 + 1];
        for (b, _) in text.char_indices() {
            char_starts[b / 64] |= 1 << (b % 64);
        }
        let mut rank = Vec::with_capacity(char_starts.len());
        let mut before = 0u32;
        for w in &char_starts {
            rank.push(before);
            before += w.count_ones();
        }
        let mut runs: Vec<Run> = Vec::new();
        for (j, (s, e)) in (0u32..before).zip(spans) {
            if let Some(last) = runs.last() {
                let continues = if last.consecutive {
                    e == s + 1 && s == last.start + (j - last.first)
                } else {
                    (s, e) == (last.start, last.end)
                };
                if continues {
                    continue;
                }
            }
            runs.push(Run {
                first: j,
                start: s,
                end: e,
                consecutive: e == s + 1,
            });
        }
        OffsetMap {
            char_starts,
            rank,
            len,
            original_chars,
            runs,
        }
    }

    /// The index of the normalized character that starts at byte `b`, or
    /// the count of characters before `b`.
    #[inline]
    fn char_index(&self, b: usize) -> u32 {
        let word = self.char_starts[b / 64] & ((1u64 << (b % 64)) - 1);
        self.rank[b / 64] + word.count_ones()
    }

    /// The original range of normalized character `j`.
    #[inline]
    fn span(&self, j: u32) -> (u32, u32) {
        let i = self
            .runs
            .partition_point(|r| r.first <= j)
            .saturating_sub(1);
        match self.runs.get(i) {
            Some(r) if r.consecutive => {
                let s = r.start + (j - r.first);
                (s, s + 1)
            }
            Some(r) => (r.start, r.end),
            None => (self.original_chars, self.original_chars),
        }
    }

    /// The original character range of the normalized byte range
    /// `[start, end)`. Both must be character boundaries of the normalized
    /// text, and `start < end`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        debug_assert!(start < end && end <= self.len);
        let s = self.span(self.char_index(start)).0;
        let e = self.span(self.char_index(end).saturating_sub(1)).1;
        (s as usize, e as usize)
    }

    /// The original character offset of the normalized byte offset `at`
    /// (a character boundary): where an insertion point maps to.
    pub fn original_offset(&self, at: usize) -> usize {
        if at >= self.len {
            return self.original_chars as usize;
        }
        self.span(self.char_index(at)).0 as usize
    }

    /// Bytes of memory the map holds (for tests of long documents).
    pub fn heap_bytes(&self) -> usize {
        self.char_starts.capacity() * 8
            + self.rank.capacity() * 4
            + self.runs.capacity() * std::mem::size_of::<Run>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static N: LazyLock<Normalizer> = LazyLock::new(|| Normalizer::new().unwrap());

    #[test]
    fn table() {
        // (original, normalized)
        let rows = [
            ("英伟达", "英伟达"),
            // Taiwan text gets Taiwan words: 輝達 is NVIDIA's Taiwan name
            ("輝達", "英伟达"),
            // no traditional character: mainland text, left alone
            ("伺服器", "伺服器"),
            ("記憶體晶片", "内存芯片"),
            ("矽光子", "矽光子"),
            ("矽光子技術", "硅光子技术"),
            ("數據中心", "数据中心"),
            ("ＣＰＯ光模塊", "CPO光模块"),
            ("万科Ａ", "万科A"),
            ("中际旭创（３００３０８．ＳＺ）", "中际旭创(300308.SZ)"),
            ("超\u{200b}节\u{feff}点", "超节点"),
            ("A\u{3000}B\u{a0}C", "A B C"),
            // OpenCC alone rewrites 核心 in Taiwan text (the cross-strait
            // table keeps it: see taiwan_vocabulary)
            ("核心重點", "内核重点"),
            ("显著提升", "显著提升"),
            ("", ""),
        ];
        for (orig, want) in rows {
            assert_eq!(N.normalize(orig).text, want, "{orig:?}");
        }
    }

    #[test]
    fn detects_traditional() {
        assert!(N.is_traditional('達'));
        assert!(N.is_traditional('體'));
        assert!(!N.is_traditional('达'));
        assert!(!N.is_traditional('A'));
        assert!(!N.is_traditional('核'));
    }

    #[test]
    fn offsets_skip_removed_characters() {
        let out = N.normalize("a\u{200b}華為b");
        assert_eq!(out.text, "a华为b");
        // 华为 = bytes 1..7 of the normalized text, chars 2..4 of the original
        assert_eq!(out.map.original_range(1, 7), (2, 4));
        assert_eq!(out.map.original_range(0, 1), (0, 1));
        assert_eq!(out.map.original_offset(out.text.len()), 5);
    }

    static V: LazyLock<Normalizer> = LazyLock::new(|| {
        let e = |from: &str, to: Option<&str>| VocabEntry {
            from: from.into(),
            to: to.map(Into::into),
            regions: vec![Region::Tw, Region::Hk],
        };
        Normalizer::with_vocabulary(&[
            e("核心", None),
            e("雲端運算", Some("云计算")),
            e("光收發模組", Some("光模块")),
            e("伺服器", Some("服务器")),
        ])
        .unwrap()
    });

    #[test]
    fn taiwan_vocabulary() {
        let rows = [
            // OpenCC's Taiwan phrases
            ("伺服器與記憶體", "服务器与内存"),
            ("資料庫軟體", "数据库软件"),
            ("輝達的晶片", "英伟达的芯片"),
            // ticai's table: words OpenCC lacks
            ("雲端運算與光收發模組", "云计算与光模块"),
            // and words whose OpenCC rewrite is wrong in finance
            ("核心資產", "核心资产"),
            ("公司核心業務", "公司核心业务"),
            ("核心客戶", "核心客户"),
        ];
        for (orig, want) in rows {
            assert_eq!(V.normalize(orig).text, want, "{orig:?}");
        }
        // OpenCC alone says 内核
        assert_eq!(N.normalize("核心資產").text, "内核资产");
        // simplified text is not touched, nor a word without traditional characters
        assert_eq!(V.normalize("核心资产与服务器").text, "核心资产与服务器");
        assert_eq!(V.normalize("伺服电机").text, "伺服电机");
        // unless the region says Taiwan
        assert_eq!(V.normalize_in("伺服器", Some(Region::Tw)).text, "服务器");
        assert_eq!(V.normalize_in("伺服器", None).text, "伺服器");
        // mainland region: characters only
        assert_eq!(
            V.normalize_in("伺服器與記憶體", Some(Region::Cn)).text,
            "伺服器与记忆体"
        );
    }

    #[test]
    fn phrase_offsets_cover_the_original_phrase() {
        let orig = "AI伺服器與記憶體，雲端運算";
        let out = V.normalize(orig);
        assert_eq!(out.text, "AI服务器与内存,云计算");
        let find = |w: &str| {
            let b = out.text.find(w).unwrap();
            let (s, e) = out.map.original_range(b, b + w.len());
            char_slice(orig, s, e)
        };
        assert_eq!(find("服务器"), "伺服器");
        assert_eq!(find("内存"), "記憶體");
        assert_eq!(find("存"), "記憶體");
        assert_eq!(find("与"), "與");
        assert_eq!(find("云计算"), "雲端運算");
        assert_eq!(find("AI"), "AI");
    }

    #[test]
    fn detects_hong_kong() {
        assert_eq!(V.region_of("伺服器需求強勁"), Region::Tw);
        assert_eq!(V.region_of("佢哋話伺服器嘅需求好強"), Region::Hk);
        assert_eq!(V.region_of("服务器需求强劲"), Region::Cn);
    }

    fn char_slice(s: &str, start: usize, end: usize) -> String {
        s.chars().skip(start).take(end - start).collect()
    }

    /// Every run of normalized characters that maps to one original range
    /// is exactly what that original range normalizes to on its own (in
    /// the same region), and the ranges follow each other without overlap.
    fn maps_back(
        n: &Normalizer,
        s: &str,
        region: Option<Region>,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let out = n.normalize_in(s, region);
        let used = region.unwrap_or_else(|| n.region_of(s));
        let mut groups: Vec<((usize, usize), String)> = Vec::new();
        for (b, c) in out.text.char_indices() {
            let span = out.map.original_range(b, b + c.len_utf8());
            match groups.last_mut() {
                Some((g, text)) if *g == span => text.push(c),
                _ => groups.push((span, c.to_string())),
            }
        }
        let mut last_end = 0;
        for ((os, oe), text) in groups {
            prop_assert!(os >= last_end && os < oe, "{:?}", (os, oe, last_end));
            last_end = oe;
            let orig = char_slice(s, os, oe);
            prop_assert_eq!(n.normalize_in(&orig, Some(used)).text, text, "in {:?}", s);
        }
        Ok(())
    }

    proptest! {
        /// Mixed traditional and simplified text: every run of normalized
        /// characters that maps to one original range is exactly what that
        /// original range normalizes to on its own, and the ranges follow
        /// each other without overlapping.
        #[test]
        fn phrase_conversion_maps_back(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "伺服器", "記憶體", "核心資產", "雲端運算", "光收發模組", "與", "的", "軟體",
                "資料庫", "晶片", "服务器", "内存", "核心资产", "算力", "ＣＰＯ", "AI", " ", "，",
                "\u{200b}", "輝達", "網路", "程式", "硬碟", "快閃記憶體", "筆電",
            ]), 0..12),
            region in proptest::sample::select(vec![None, Some(Region::Tw), Some(Region::Hk), Some(Region::Cn)])) {
            let s: String = parts.concat();
            maps_back(&V, &s, region)?;
        }

        /// The compact map answers what a table of every byte offset did.
        #[test]
        fn compact_map_is_the_dense_table(
            text in "[a-z华为達\u{1F600}é]{0,30}",
            raw in proptest::collection::vec((0u32..40, 0u32..3, proptest::bool::ANY), 30),
        ) {
            let n = text.chars().count();
            // runs of consecutive characters, repeats and phrase spans
            let mut spans = Vec::new();
            let mut at = 0u32;
            for &(jump, width, phrase) in raw.iter().take(n) {
                at = if phrase { at } else { at + jump % 3 };
                spans.push((at, at + 1 + if phrase { width } else { 0 }));
                at += 1;
            }
            let total = at + 2;
            let map = OffsetMap::build_spans(&text, &spans, total);
            let mut start = vec![total; text.len() + 1];
            let mut end = vec![0u32; text.len() + 1];
            for ((b, c), &(s, e)) in text.char_indices().zip(&spans) {
                start[b] = s;
                end[b + c.len_utf8()] = e;
            }
            let bounds: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
            for (i, &x) in bounds.iter().enumerate() {
                prop_assert_eq!(map.original_offset(x), start[x] as usize);
                for &y in &bounds[i + 1..] {
                    prop_assert_eq!(map.original_range(x, y), (start[x] as usize, end[y] as usize));
                }
            }
        }

        /// Converting only the pieces with a traditional character gives
        /// what converting the whole text gives.
        #[test]
        fn pieces_convert_as_the_whole(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "伺服器", "記憶體", "核心", "資產", "乾隆", "著作", "干", "发", "髮", "后", "後",
                "台灣", "臺", "里", "裡", "面", "麵", "\n", "。", "，", "AI", "英伟达", "輝達", "只", "隻",
            ]), 0..30)) {
            let s: String = parts.concat();
            prop_assert_eq!(N.convert_pieces(&s), N.convert_keeping_chars(&s));
        }

        #[test]
        fn never_panics_and_maps_back(s in "\\PC{0,40}|[\u{4e00}-\u{4eff}達體ＡＢ１\u{200b}\u{3000} a-z]{0,40}") {
            maps_back(&N, &s, None)?;
        }
    }
}
