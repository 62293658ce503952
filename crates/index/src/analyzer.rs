//! The Chinese analyzer for tantivy, kept inside the project (third-party
//! jieba adapters break on tantivy releases and report character offsets).
//!
//! Text goes through the tagger's normalizer (traditional -> simplified,
//! full width -> half width) and segmenter (jieba with every lexicon word),
//! so 輝達 and 英伟达, ＣＰＯ and cpo meet. Company aliases are folded to the
//! canonical name (NVIDIA, 輝達 -> 英伟达), so a search for either finds both.
//! Punctuation and white space are not tokens; one-character function words
//! (的, 了, 在 ...) are skipped but keep their position, so phrases stay exact. Offsets are byte offsets into
//! the original text, for snippets; positions count tokens, for phrases.
//!
//! At index time ([`ZhTokenizer::for_index`]) a long word also yields the
//! dictionary words inside it, at its position: 铜缆高速连接 is found by 铜缆,
//! and the phrase "超节点 万卡" matches 超节点万卡集群. Queries are cut into
//! whole words only.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use ticai_tag::{Analyzed, Tagger};
use ticai_text::Region;

/// The name the analyzer is registered under.
pub const ANALYZER: &str = "ticai_zh";

#[derive(Clone)]
pub struct ZhTokenizer {
    tagger: Arc<Tagger>,
    /// Normalized, lower-cased company alias -> canonical name, lower-cased.
    canonical: Arc<HashMap<String, String>>,
    /// Also emit the dictionary words inside long words (index time).
    sub_words: bool,
    /// Read every text in this region (`None`: detected, and prepared
    /// tokens are taken first).
    region: Option<Region>,
    /// Tokens computed before the text reached tantivy (shared by clones).
    prepared: Arc<Prepared>,
}

/// Token lists computed from the tagger's analysis of a document, waiting
/// for tantivy's indexing threads to ask for the same text: tantivy
/// tokenizes a stored text field itself, so this is how the one
/// normalization and segmentation of ingest reach the index. Keyed by a
/// 128-bit hash of the text; a text nobody prepared is tokenized as usual.
#[derive(Default)]
pub struct Prepared {
    waiting: Mutex<HashMap<TextKey, Vec<TokenList>>>,
    /// Lists waiting, so that a lookup with none costs no lock or hash.
    count: AtomicUsize,
}

/// Two independent 64-bit hashes of a text.
type TextKey = (u64, u64);

impl Prepared {
    fn key(text: &str) -> TextKey {
        let mut a = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut a);
        let mut b = std::collections::hash_map::DefaultHasher::new();
        (text.len(), "ticai", text).hash(&mut b);
        (a.finish(), b.finish())
    }

    /// Keeps `tokens` for the next tokenization of `text`.
    pub fn put(&self, text: &str, tokens: TokenList) {
        let key = Self::key(text);
        let mut w = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        w.entry(key).or_default().push(tokens);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn take(&self, text: &str) -> Option<TokenList> {
        if self.count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let key = Self::key(text);
        let mut w = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let lists = w.get_mut(&key)?;
        let tokens = lists.pop();
        if lists.is_empty() {
            w.remove(&key);
        }
        self.count.fetch_sub(1, Ordering::Relaxed);
        tokens
    }

    /// Drops whatever was not asked for (after a commit, when tantivy has
    /// tokenized every document added before it).
    pub fn clear(&self) {
        let mut w = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        w.clear();
        self.count.store(0, Ordering::Relaxed);
    }

    /// Lists waiting (for tests).
    pub fn waiting(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }
}

impl ZhTokenizer {
    /// The query-time analyzer: whole words.
    pub fn new(tagger: Arc<Tagger>, canonical: HashMap<String, String>) -> Self {
        Self {
            tagger,
            canonical: Arc::new(canonical),
            sub_words: false,
            region: None,
            prepared: Arc::default(),
        }
    }

    /// The same analyzer reading every text as written in `region` (for
    /// snippets of a document with a stored region); it never takes
    /// prepared tokens.
    pub fn in_region(&self, region: Region) -> Self {
        Self {
            region: Some(region),
            ..self.clone()
        }
    }

    /// The same analyzer, emitting sub-words too, for indexing.
    pub fn for_index(&self) -> Self {
        Self {
            sub_words: true,
            ..self.clone()
        }
    }

    /// Tokens of `text` as the index sees them.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        self.tokens_in(text, None)
    }

    /// [`ZhTokenizer::tokens`], compact.
    pub fn token_list(&self, text: &str) -> TokenList {
        self.list_in(text, None)
    }

    /// The ways a query may be meant: a query in traditional script is
    /// converted as a document is (輝達 -> 英伟达) and also read as its
    /// characters alone (光模組 finds mainland 光模组); a query in simplified
    /// or shared characters is taken as written and also with Taiwan and
    /// Hong Kong words converted (伺服器 -> 服务器, 晶片 -> 芯片; the keep
    /// rows of the cross-strait table stop mainland words such as 支援).
    /// Distinct token lists, the first as written; a query matches a
    /// document that matches any of them.
    pub fn query_forms(&self, text: &str) -> Vec<Vec<Token>> {
        let n = self.tagger.normalizer();
        let mut forms: Vec<Vec<Token>> = vec![self.tokens_in(text, None)];
        let other = if n.region_of(text) != Region::Cn {
            // also as its characters alone: mainland text may write 光模组
            self.tokens_of(text, n.normalize_in(text, Some(Region::Cn)))
        } else {
            self.tokens_of(text, n.normalize_query_form(text))
        };
        let same = |f: &Vec<Token>| {
            f.len() == other.len() && f.iter().zip(&other).all(|(a, b)| a.text == b.text)
        };
        if !other.is_empty() && !forms.iter().any(same) {
            forms.push(other);
        }
        forms
    }

    /// Tokens of `text` written in `region` (`None`: detected).
    pub fn tokens_in(&self, text: &str, region: Option<Region>) -> Vec<Token> {
        self.list_in(text, region).to_tokens()
    }

    fn list_in(&self, text: &str, region: Option<Region>) -> TokenList {
        self.list_of(text, self.tagger.normalizer().normalize_in(text, region))
    }

    /// Tokens of `text` given its normal form.
    fn tokens_of(&self, text: &str, norm: ticai_text::Normalized) -> Vec<Token> {
        self.list_of(text, norm).to_tokens()
    }

    fn list_of(&self, text: &str, norm: ticai_text::Normalized) -> TokenList {
        let cuts = self.tagger.segmenter().cut_bits(&norm.text);
        self.tokens_analyzed(text, &Analyzed { norm, cuts })
    }

    /// Tokens of `text` from its analysis by the tagger
    /// ([`Tagger::analyze`]): no second normalization or segmentation.
    /// A text longer than 4 GiB is indexed up to there.
    pub fn tokens_analyzed(&self, text: &str, analyzed: &Analyzed) -> TokenList {
        let norm = &analyzed.norm;
        let mut bytes = ByteOffsets::new(text);
        // about one token a word (stop words and punctuation drop some,
        // sub-words add some), and no more capacity than that held on
        let words = analyzed.cuts.count();
        let mut out = TokenList {
            texts: String::with_capacity(words * 3),
            items: Vec::with_capacity(words),
        };
        let mut position = 0usize;
        for r in analyzed.cuts.iter() {
            let w = &norm.text[r.clone()];
            if !w.chars().any(is_word_char) {
                continue;
            }
            // function words keep their position (phrases stay exact) but
            // are not indexed: they are a tenth of all tokens and find nothing
            if STOP_WORDS.contains(&w) {
                position += 1;
                continue;
            }
            // the normalizer folded widths; only ASCII letters have case left
            let lower: std::borrow::Cow<'_, str> = if w.bytes().any(|b| b.is_ascii_uppercase()) {
                w.to_ascii_lowercase().into()
            } else {
                w.into()
            };
            // no company alias is a single character
            let canonical = if lower.chars().nth(1).is_some() {
                self.canonical.get(lower.as_ref()).cloned()
            } else {
                None
            };
            let (s, e) = norm.map.original_range(r.start, r.end);
            let whole = canonical.is_none();
            let (from, to) = (bytes.of(s), bytes.of(e));
            if !out.push(from, to, position, canonical.as_deref().unwrap_or(&lower)) {
                break;
            }
            // three characters or more: 铜缆高速连接, and mixed words such as AI芯片
            if self.sub_words && whole && w.chars().nth(2).is_some() {
                self.push_sub_words(norm, r.clone(), &mut bytes, position, &mut out);
            }
            position += 1;
        }
        out.texts.shrink_to_fit();
        out.items.shrink_to_fit();
        out
    }

    /// The dictionary words strictly inside the word at `range` of the
    /// normalized text, at the word's position.
    fn push_sub_words(
        &self,
        norm: &ticai_text::Normalized,
        range: std::ops::Range<usize>,
        bytes: &mut ByteOffsets<'_>,
        position: usize,
        out: &mut TokenList,
    ) {
        let word = &norm.text[range.clone()];
        let starts: Vec<usize> = word
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(word.len()))
            .collect();
        let n = starts.len() - 1;
        if n < 3 || word.is_ascii() {
            return;
        }
        let seg = self.tagger.segmenter();
        for i in 0..n {
            for j in (i + 2)..=n.min(i + 6) {
                if i == 0 && j == n {
                    continue;
                }
                let sub = &word[starts[i]..starts[j]];
                if seg.has_word(sub) {
                    let (s, e) = norm
                        .map
                        .original_range(range.start + starts[i], range.start + starts[j]);
                    let (from, to) = (bytes.of(s), bytes.of(e));
                    out.push(from, to, position, &sub.to_ascii_lowercase());
                }
            }
        }
    }

    /// Where tokens computed ahead of tantivy wait for it.
    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// The tagger whose normalizer and segmenter cut the text.
    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    /// The canonical company name for a term, if it is a company alias.
    pub fn canonical_company(&self, term: &str) -> Option<&str> {
        let key = self.tagger.normalizer().normalize_term(term).to_lowercase();
        self.canonical.get(&key).map(String::as_str)
    }
}

/// One-character function words: not indexed, not searchable.
const STOP_WORDS: [&str; 24] = [
    "的", "了", "在", "是", "和", "与", "及", "等", "也", "都", "而", "或", "将", "被", "对", "于",
    "为", "从", "把", "以", "就", "其", "该", "之",
];

/// Letters, digits and CJK ideographs: what makes a token worth indexing
/// (cheap checks first; `char::is_alphanumeric` is slow on CJK).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || (ticai_text::is_block_char(c) && !c.is_ascii())
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Index tokens, compact: 16 bytes a token plus its text, against about
/// 80 for a list of tantivy [`Token`]s (a long document's tokens wait in
/// [`Prepared`] until tantivy asks for them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenList {
    /// The tokens' texts, one after another.
    texts: String,
    items: Vec<TokenItem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TokenItem {
    from: u32,
    to: u32,
    position: u32,
    /// Where the token's text ends in `texts` (it starts where the
    /// previous one's ends).
    text_end: u32,
}

impl TokenList {
    /// Adds a token; false (and nothing added) past 4 GiB of text.
    fn push(&mut self, from: usize, to: usize, position: usize, text: &str) -> bool {
        let end = self.texts.len() + text.len();
        let (Ok(from), Ok(to), Ok(position), Ok(text_end)) = (
            u32::try_from(from),
            u32::try_from(to),
            u32::try_from(position),
            u32::try_from(end),
        ) else {
            return false;
        };
        self.texts.push_str(text);
        self.items.push(TokenItem {
            from,
            to,
            position,
            text_end,
        });
        true
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Token `i` into `token` (its text buffer reused).
    fn fill(&self, i: usize, token: &mut Token) {
        let item = self.items[i];
        let start = match i {
            0 => 0,
            _ => self.items[i - 1].text_end as usize,
        };
        token.offset_from = item.from as usize;
        token.offset_to = item.to as usize;
        token.position = item.position as usize;
        token.position_length = 1;
        token.text.clear();
        token
            .text
            .push_str(&self.texts[start..item.text_end as usize]);
    }

    /// The tokens as tantivy's.
    pub fn to_tokens(&self) -> Vec<Token> {
        (0..self.len())
            .map(|i| {
                let mut t = Token::default();
                self.fill(i, &mut t);
                t
            })
            .collect()
    }
}

/// Byte offsets of the character offsets of a text, for offsets that
/// mostly move forward (the tokens' ends, in text order): no table of
/// every character's offset.
struct ByteOffsets<'a> {
    text: &'a str,
    char_at: usize,
    byte_at: usize,
}

impl<'a> ByteOffsets<'a> {
    fn new(text: &'a str) -> Self {
        ByteOffsets {
            text,
            char_at: 0,
            byte_at: 0,
        }
    }

    /// The byte offset of character offset `c` (at most the text's length
    /// in characters).
    fn of(&mut self, c: usize) -> usize {
        let bytes = self.text.as_bytes();
        while self.char_at < c && self.byte_at < bytes.len() {
            self.byte_at += 1;
            while self.byte_at < bytes.len() && !self.text.is_char_boundary(self.byte_at) {
                self.byte_at += 1;
            }
            self.char_at += 1;
        }
        while self.char_at > c {
            self.byte_at -= 1;
            while !self.text.is_char_boundary(self.byte_at) {
                self.byte_at -= 1;
            }
            self.char_at -= 1;
        }
        self.byte_at
    }
}

/// The tokens of one text for tantivy, one [`Token`] filled in turn.
pub struct ZhTokenStream {
    tokens: TokenList,
    next: usize,
    token: Token,
}

impl TokenStream for ZhTokenStream {
    fn advance(&mut self) -> bool {
        if self.next >= self.tokens.len() {
            return false;
        }
        self.tokens.fill(self.next, &mut self.token);
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhTokenStream {
        let tokens = match self.region {
            Some(region) => self.list_in(text, Some(region)),
            None => match self.prepared.take(text) {
                Some(tokens) => tokens,
                None => self.token_list(text),
            },
        };
        ZhTokenStream {
            tokens,
            next: 0,
            token: Token::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ticai_lexicon::{Lexicon, SourceFile};

    fn analyzer() -> ZhTokenizer {
        let lex = Lexicon::from_files(&[
            SourceFile {
                path: "themes/t.toml".into(),
                text: "[[theme]]\nid = \"c\"\nname_zh = \"铜缆高速连接\"\nname_en = \"C\"\naliases = [\"铜缆\"]\ndescription = \"d\"\n".into(),
            },
            SourceFile {
                path: "companies/curated.tsv".into(),
                text: "name\tname_en\texchange\tcode\taliases\tflags\tnote\n英伟达\tNVIDIA\tUS\tNVDA\tNVIDIA|輝達\t\t\n".into(),
            },
        ]);
        let tagger = Arc::new(Tagger::new(&lex).unwrap());
        let canonical = crate::canonical_company_names(&lex, &tagger);
        ZhTokenizer::new(tagger, canonical)
    }

    fn rows(tokens: &[Token], text: &str) -> Vec<(String, usize, String)> {
        tokens
            .iter()
            .map(|t| {
                (
                    t.text.clone(),
                    t.position,
                    text[t.offset_from..t.offset_to].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn tokens_positions_offsets() {
        let a = analyzer();
        let text = "輝達的ＣＰＯ，NVIDIA與铜缆高速连接";
        let got = rows(&a.tokens(text), text);
        let want = [
            ("英伟达", 0, "輝達"),
            // 的 is skipped but keeps position 1
            ("cpo", 2, "ＣＰＯ"),
            ("英伟达", 3, "NVIDIA"),
            // 與 -> 与, a function word too
            ("铜缆高速连接", 5, "铜缆高速连接"),
        ];
        let want: Vec<(String, usize, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), *b, c.to_string()))
            .collect();
        assert_eq!(got, want);
        // at index time the long word also yields the words inside it, at its position
        let got = rows(&a.for_index().tokens(text), text);
        assert!(
            got.contains(&("铜缆".to_string(), 5, "铜缆".to_string())),
            "{got:?}"
        );
        assert!(
            got.contains(&("连接".to_string(), 5, "连接".to_string())),
            "{got:?}"
        );
        assert!(!got.iter().any(|(t, _, _)| t == "的"));
    }

    #[test]
    fn byte_offsets_back_and_forth() {
        let text = "a輝達𠀀b，ＣＰＯ";
        let table: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .collect();
        let mut cursor = ByteOffsets::new(text);
        for c in [0, 3, 1, 7, 7, 2, 0, 5, 4, 6] {
            assert_eq!(cursor.of(c), table[c], "char {c}");
        }
        let list = analyzer().for_index().token_list(text);
        assert_eq!(list.to_tokens(), analyzer().for_index().tokens(text));
        assert_eq!(list.len(), list.to_tokens().len());
    }

    #[test]
    fn never_panics_on_odd_text() {
        let a = analyzer().for_index();
        for text in [
            "",
            " ",
            "\u{200b}",
            "。。。",
            "a",
            "𠀀𠀁",
            "ＡＢＣ１２３",
            "\u{feff}輝達",
        ] {
            for t in a.tokens(text) {
                assert!(t.offset_from <= t.offset_to && t.offset_to <= text.len());
                assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
            }
        }
    }
}
