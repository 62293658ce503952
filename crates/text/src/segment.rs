use jieba_rs::Jieba;
use std::ops::Range;

/// Whether jieba keeps `c` inside a block it segments with its dictionary
/// (CJK ideographs, ASCII alphanumerics and `+#&._%-`). Segmentation never
/// crosses a character outside this class, so the tokens of one block do not
/// depend on the text around it.
#[inline]
pub fn is_block_char(c: char) -> bool {
    match c as u32 {
        0x4E00..=0x9FFF => true,
        0..=0x7F => {
            c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-')
        }
        0x3400..=0x4DBF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF
        | 0x2CEB0..=0x2EBEF
        | 0x2F800..=0x2FA1F => true,
        _ => false,
    }
}

/// The size of the pieces [`Segmenter::cut_bits`] hands to jieba.
pub const CUT_PIECE: usize = 64 * 1024;

/// The end of the piece of `text` that starts at `at`: the first offset at
/// least `size` bytes on that follows a character outside
/// [`is_block_char`] other than `\r`, or the text's end.
fn piece_end(text: &str, at: usize, size: usize) -> usize {
    let mut p = at + size;
    if p >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(p) {
        p += 1;
    }
    text[p..]
        .char_indices()
        .find(|&(_, c)| !is_block_char(c) && c != '\r')
        .map_or(text.len(), |(i, c)| p + i + c.len_utf8())
}

/// The token boundaries of a text, a bit per byte: bit `i` is set when a
/// token starts at byte `i`, and bit `len` ends the last one (an empty
/// text has none). A full segmentation of a long document costs an eighth
/// of its size in memory, against 16 bytes per token as ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cuts {
    bits: Vec<u64>,
    len: usize,
}

impl Cuts {
    fn new(len: usize) -> Cuts {
        let mut cuts = Cuts {
            bits: vec![0; len / 64 + 1],
            len,
        };
        if len > 0 {
            cuts.set(len);
        }
        cuts
    }

    /// The cuts of a text of `len` bytes whose tokens are `ranges` (which
    /// cover it, in order).
    pub fn from_ranges(len: usize, ranges: impl IntoIterator<Item = Range<usize>>) -> Cuts {
        let mut cuts = Cuts::new(len);
        for r in ranges {
            cuts.set(r.start);
        }
        cuts
    }

    #[inline]
    fn set(&mut self, i: usize) {
        self.bits[i / 64] |= 1 << (i % 64);
    }

    /// Whether byte offset `i` starts or ends a token.
    #[inline]
    pub fn is_boundary(&self, i: usize) -> bool {
        i <= self.len && self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// The length of the text, in bytes.
    pub fn text_len(&self) -> usize {
        self.len
    }

    /// The tokens' byte ranges, in order.
    pub fn iter(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut word = 0usize;
        let mut current = self.bits.first().copied().unwrap_or(0);
        let mut last: Option<usize> = None;
        std::iter::from_fn(move || {
            loop {
                while current == 0 {
                    word += 1;
                    current = *self.bits.get(word)?;
                }
                let i = word * 64 + current.trailing_zeros() as usize;
                current &= current - 1;
                if let Some(start) = last.replace(i) {
                    return Some(start..i);
                }
            }
        })
    }

    /// How many tokens there are.
    pub fn count(&self) -> usize {
        let set: usize = self.bits.iter().map(|w| w.count_ones() as usize).sum();
        set.saturating_sub(1)
    }
}

/// jieba with lexicon words injected, HMM off by default.
///
/// Every lexicon word gets the larger of the frequency jieba suggests to
/// keep it whole (`suggest_freq`, which includes any frequency the default
/// dictionary gives it) and [`Segmenter::MIN_FREQ`]. The floor matters for
/// names the default dictionary knows only as rare words (美光 has 3): with
/// it, 博通涨超5% keeps 博通 whole instead of cutting 博/通涨. It stays
/// modest because a large frequency pulls neighbouring characters apart:
/// with 华为 at a million, 中华为了 would segment as 中/华为/了.
///
/// ```
/// let seg = ticai_text::Segmenter::new(["万卡集群", "去英伟达化"]);
/// let words: Vec<&str> = seg.cut("推进去英伟达化与万卡集群").iter().map(|r| &"推进去英伟达化与万卡集群"[r.clone()]).collect();
/// assert!(words.contains(&"万卡集群"));
/// assert!(words.contains(&"去英伟达化"));
/// ```
pub struct Segmenter {
    jieba: Jieba,
    hmm: bool,
}

impl Segmenter {
    /// The least frequency a lexicon word is given (jieba's dictionary
    /// totals about 60 million).
    pub const MIN_FREQ: usize = 1000;

    /// A segmenter with jieba's default dictionary plus `words` (in normal form).
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut jieba = Jieba::new();
        let mut words: Vec<&str> = words
            .into_iter()
            .filter(|w| w.chars().count() >= 2)
            .collect();
        // longer words first: a short word's suggested frequency then sees
        // the longer ones already in place
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        words.dedup();
        for w in words {
            let freq = jieba.suggest_freq(w).max(Self::MIN_FREQ);
            jieba.add_word(w, Some(freq), None);
        }
        Self { jieba, hmm: false }
    }

    /// Turns jieba's HMM for unknown words on or off (off by default: it
    /// glues unknown characters to lexicon words).
    pub fn set_hmm(&mut self, hmm: bool) -> &mut Self {
        self.hmm = hmm;
        self
    }

    /// Byte ranges of the tokens of `text`, covering it entirely.
    pub fn cut(&self, text: &str) -> Vec<Range<usize>> {
        self.jieba
            .cut(text, self.hmm)
            .into_iter()
            .map(|t| t.byte_start..t.byte_end)
            .collect()
    }

    /// The tokens of `text` as a bit per byte ([`Cuts`]): the same tokens
    /// as [`Segmenter::cut`], in an eighth of the text's size however long
    /// it is. jieba runs on pieces of about [`CUT_PIECE`] bytes, each ended
    /// after a character outside [`is_block_char`] (never inside `\r\n`),
    /// where its tokens cannot depend on what follows; a text without such
    /// a character is cut whole.
    pub fn cut_bits(&self, text: &str) -> Cuts {
        let mut cuts = Cuts::new(text.len());
        let mut at = 0;
        while at < text.len() {
            let end = piece_end(text, at, CUT_PIECE);
            for t in self.jieba.cut(&text[at..end], self.hmm) {
                cuts.set(at + t.byte_start);
            }
            at = end;
        }
        cuts
    }

    /// Whether `word` is in the dictionary (jieba's or injected).
    pub fn has_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// The tokens of `text` as strings.
    pub fn words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, self.hmm)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// The byte range of the jieba block around byte offset `at` (a
    /// character boundary inside a block character): the maximal run of
    /// [`is_block_char`] characters containing it.
    pub fn block_around(text: &str, at: usize) -> Range<usize> {
        let start = text[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_block_char(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = text[at..]
            .char_indices()
            .find(|&(_, c)| !is_block_char(c))
            .map_or(text.len(), |(i, _)| at + i);
        start..end
    }

    /// Token boundaries (byte offsets into `text`, both ends included) of
    /// the block `block` of `text`: exactly the boundaries a full `cut` of
    /// `text` has inside that block.
    pub fn boundaries(&self, text: &str, block: Range<usize>, out: &mut Vec<usize>) {
        out.clear();
        out.push(block.start);
        for t in self.jieba.cut(&text[block.clone()], self.hmm) {
            out.push(block.start + t.byte_end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static SEG: LazyLock<Segmenter> = LazyLock::new(|| {
        Segmenter::new([
            "万卡集群",
            "超节点",
            "去英伟达化",
            "算力租赁",
            "中际旭创",
            "寒武纪",
            "英伟达",
            "华为",
            "金融街",
            "光模块",
            "铜缆高速连接",
            "博通",
        ])
    });

    fn words(text: &str) -> Vec<&str> {
        SEG.words(text)
    }

    #[test]
    fn lexicon_words_stay_whole() {
        // (text, a word that must be one token)
        let rows = [
            ("国产万卡集群加速落地", "万卡集群"),
            ("超节点迈入万卡纪元", "超节点"),
            ("产业链加速去英伟达化", "去英伟达化"),
            ("算力租赁方向崛起", "算力租赁"),
            ("中际旭创涨停", "中际旭创"),
            ("寒武纪也会供货字节", "寒武纪"),
            ("由于英伟达芯片进口受限", "英伟达"),
            ("铜缆高速连接概念股涨幅居前", "铜缆高速连接"),
            ("金融街控股发布公告", "金融街"),
            ("博通涨超5%", "博通"),
        ];
        for (text, word) in rows {
            assert!(words(text).contains(&word), "{text}: {:?}", words(text));
        }
    }

    #[test]
    fn injected_words_do_not_break_neighbours() {
        let w = words("中华为了复兴");
        assert!(!w.contains(&"华为"), "{w:?}");
    }

    #[test]
    fn block_boundaries() {
        let text = "你好，中际旭创AI涨停。";
        let at = text.find("旭").unwrap();
        let block = Segmenter::block_around(text, at);
        assert_eq!(&text[block.clone()], "中际旭创AI涨停");
        let mut b = Vec::new();
        SEG.boundaries(text, block.clone(), &mut b);
        assert_eq!(b.first(), Some(&block.start));
        assert_eq!(b.last(), Some(&block.end));
        assert!(b.contains(&text.find("AI").unwrap()));
    }

    proptest! {
        #[test]
        fn tokens_rejoin_to_input(s in "\\PC{0,60}|[\u{4e00}-\u{4e3f}万卡集群超节点a-z0-9，。 ]{0,60}") {
            let toks = SEG.cut(&s);
            let mut at = 0;
            for t in &toks {
                prop_assert_eq!(t.start, at);
                at = t.end;
            }
            prop_assert_eq!(at, s.len());
        }

        #[test]
        fn cut_in_pieces_is_the_cut_whole(s in "[\u{4e00}-\u{4e3f}万卡集群超节点华为中了ab1，。 \r\n]{0,80}", size in 1usize..24) {
            let whole = SEG.cut(&s);
            let mut cuts = Cuts::new(s.len());
            let mut at = 0;
            while at < s.len() {
                let end = piece_end(&s, at, size);
                for t in SEG.jieba.cut(&s[at..end], false) {
                    cuts.set(at + t.byte_start);
                }
                at = end;
            }
            prop_assert_eq!(cuts.iter().collect::<Vec<_>>(), whole.clone());
            prop_assert_eq!(cuts.count(), whole.len());
            prop_assert_eq!(SEG.cut_bits(&s), Cuts::from_ranges(s.len(), whole));
        }

        #[test]
        fn block_cut_agrees_with_full_cut(s in "[\u{4e00}-\u{4e3f}万卡集群超节点华为中了ab1，。 ]{1,40}") {
            let full: Vec<usize> = SEG.cut(&s).iter().map(|r| r.end).collect();
            let mut b = Vec::new();
            for (i, c) in s.char_indices() {
                if !is_block_char(c) { continue; }
                let block = Segmenter::block_around(&s, i);
                SEG.boundaries(&s, block.clone(), &mut b);
                for &x in &b[1..] {
                    prop_assert!(full.contains(&x), "{} not a boundary of the full cut", x);
                }
            }
        }
    }
}
