use crate::TextError;
use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

/// Converts text to ticai's normal form and remembers where every character
/// came from.
///
/// The steps, in order:
/// 1. invisible characters (zero-width spaces and joiners, BOM, soft hyphen,
///    bidi controls, C0 controls other than tab and newlines) are dropped;
/// 2. full-width ASCII (`ＣＰＯ`, `３００３０８`, `（`, `，`) becomes
///    half-width, and exotic spaces become `' '`;
/// 3. if the text contains any traditional character, OpenCC `t2s` converts
///    it to simplified. `t2s` maps characters one to one, so the offset map
///    survives; phrase configs such as `tw2sp` are deliberately not used
///    (they rewrite mainland words: 核心 -> 内核).
///
/// ```
/// let n = ticai_text::Normalizer::new().unwrap();
/// let out = n.normalize("輝達與ＣＰＯ");
/// assert_eq!(out.text, "辉达与CPO");
/// // "CPO" sits at bytes 9..12 of the normalized text, chars 3..6 of the original
/// assert_eq!(out.map.original_range(9, 12), (3, 6));
/// ```
pub struct Normalizer {
    t2s: OpenCC,
    /// Bit set over the BMP: characters that `t2s` changes.
    traditional: Vec<u64>,
}

impl Normalizer {
    pub fn new() -> Result<Self, TextError> {
        let t2s = OpenCC::from_config(BuiltinConfig::T2s)
            .map_err(|e| TextError::OpenCc(e.to_string()))?;
        let traditional = traditional_set(&t2s);
        Ok(Self { t2s, traditional })
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

    /// Normalizes a lexicon term or a query: the same steps as for documents,
    /// without the offset map.
    pub fn normalize_term(&self, term: &str) -> String {
        self.normalize(term).text
    }

    /// Normalizes `original`, keeping the map back to its character offsets.
    pub fn normalize(&self, original: &str) -> Normalized {
        let mut text = String::with_capacity(original.len());
        let mut starts: Vec<u32> = Vec::with_capacity(original.len() + 1);
        let mut has_traditional = false;
        let mut n_chars = 0u32;
        for (i, c) in original.chars().enumerate() {
            n_chars += 1;
            let Some(folded) = fold_char(c) else { continue };
            has_traditional |= self.is_traditional(folded);
            text.push(folded);
            // one entry per normalized character; bytes are filled in below
            starts.push(i as u32);
        }
        if has_traditional {
            text = self.convert_keeping_chars(&text);
        }
        Normalized {
            map: OffsetMap::build(&text, &starts, n_chars),
            text,
        }
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
/// the BMP once (separated by newlines so no phrase spans two of them).
fn traditional_set(t2s: &OpenCC) -> Vec<u64> {
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
    for (orig, conv) in chars.iter().zip(converted.split('\n')) {
        if !conv.starts_with(*orig) {
            let cp = *orig as u32;
            set[(cp >> 6) as usize] |= 1 << (cp & 63);
        }
    }
    set
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
#[derive(Clone, Debug, Default)]
pub struct OffsetMap {
    /// For each normalized byte offset that starts a character: the original
    /// character offset of that character. Entry `len` is the original length.
    start: Vec<u32>,
    /// For each normalized byte offset that ends a character: the original
    /// character offset just past that character.
    end: Vec<u32>,
}

impl OffsetMap {
    fn build(text: &str, char_starts: &[u32], original_chars: u32) -> OffsetMap {
        let n = text.len();
        let mut start = vec![original_chars; n + 1];
        let mut end = vec![0u32; n + 1];
        for ((b, c), &orig) in text.char_indices().zip(char_starts) {
            start[b] = orig;
            end[b + c.len_utf8()] = orig + 1;
        }
        OffsetMap { start, end }
    }

    /// The original character range of the normalized byte range
    /// `[start, end)`. Both must be character boundaries of the normalized
    /// text, and `start < end`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        debug_assert!(start < end);
        (self.start[start] as usize, self.end[end] as usize)
    }

    /// The original character offset of the normalized byte offset `at`
    /// (a character boundary): where an insertion point maps to.
    pub fn original_offset(&self, at: usize) -> usize {
        self.start[at] as usize
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
            ("輝達", "辉达"),
            ("伺服器", "伺服器"),
            ("記憶體晶片", "记忆体晶片"),
            ("矽光子", "矽光子"),
            ("數據中心", "数据中心"),
            ("ＣＰＯ光模塊", "CPO光模块"),
            ("万科Ａ", "万科A"),
            ("中际旭创（３００３０８．ＳＺ）", "中际旭创(300308.SZ)"),
            ("超\u{200b}节\u{feff}点", "超节点"),
            ("A\u{3000}B\u{a0}C", "A B C"),
            // mainland vocabulary is not rewritten (tw2sp would say 内核)
            ("核心重點", "核心重点"),
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

    fn char_slice(s: &str, start: usize, end: usize) -> String {
        s.chars().skip(start).take(end - start).collect()
    }

    proptest! {
        #[test]
        fn never_panics_and_maps_back(s in "\\PC{0,40}|[\u{4e00}-\u{4eff}達體ＡＢ１\u{200b}\u{3000} a-z]{0,40}") {
            let out = N.normalize(&s);
            let chars: Vec<(usize, char)> = out.text.char_indices().collect();
            for (k, &(b, c)) in chars.iter().enumerate() {
                let e = b + c.len_utf8();
                let (os, oe) = out.map.original_range(b, e);
                prop_assert!(os < oe);
                // the original substring normalizes to exactly this character,
                // once invisible characters are dropped
                let orig = char_slice(&s, os, oe);
                prop_assert_eq!(N.normalize(&orig).text, c.to_string());
                if let Some(&(nb, _)) = chars.get(k + 1) {
                    prop_assert!(out.map.original_offset(nb) >= oe);
                }
            }
        }
    }
}
