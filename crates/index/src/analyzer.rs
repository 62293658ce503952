//! The Chinese analyzer for tantivy, kept inside the project (third-party
//! jieba adapters break on tantivy releases and report character offsets).
//!
//! Text goes through the tagger's normalizer (traditional -> simplified,
//! full width -> half width) and segmenter (jieba with every lexicon word),
//! so 輝達 and 英伟达, ＣＰＯ and cpo meet. Company aliases are folded to the
//! canonical name (NVIDIA, 輝達 -> 英伟达), so a search for either finds both.
//! Punctuation and white space are not tokens. Offsets are byte offsets into
//! the original text, for snippets; positions count tokens, for phrases.
//!
//! At index time ([`ZhTokenizer::for_index`]) a long word also yields the
//! dictionary words inside it, at its position: 铜缆高速连接 is found by 铜缆,
//! and the phrase "超节点 万卡" matches 超节点万卡集群. Queries are cut into
//! whole words only.

use std::collections::HashMap;
use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use ticai_tag::Tagger;

/// The name the analyzer is registered under.
pub const ANALYZER: &str = "ticai_zh";

#[derive(Clone)]
pub struct ZhTokenizer {
    tagger: Arc<Tagger>,
    /// Normalized, lower-cased company alias -> canonical name, lower-cased.
    canonical: Arc<HashMap<String, String>>,
    /// Also emit the dictionary words inside long words (index time).
    sub_words: bool,
}

impl ZhTokenizer {
    /// The query-time analyzer: whole words.
    pub fn new(tagger: Arc<Tagger>, canonical: HashMap<String, String>) -> Self {
        Self {
            tagger,
            canonical: Arc::new(canonical),
            sub_words: false,
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
        let norm = self.tagger.normalizer().normalize(text);
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        let mut out = Vec::new();
        let mut position = 0usize;
        for r in self.tagger.segmenter().cut(&norm.text) {
            let w = &norm.text[r.clone()];
            if !w.chars().any(is_word_char) {
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
            out.push(Token {
                offset_from: bytes[s],
                offset_to: bytes[e],
                position,
                text: canonical.unwrap_or_else(|| lower.into_owned()),
                position_length: 1,
            });
            if self.sub_words && whole && w.len() >= 9 {
                self.push_sub_words(&norm, r.clone(), &bytes, position, &mut out);
            }
            position += 1;
        }
        out
    }

    /// The dictionary words strictly inside the word at `range` of the
    /// normalized text, at the word's position.
    fn push_sub_words(
        &self,
        norm: &ticai_text::Normalized,
        range: std::ops::Range<usize>,
        bytes: &[usize],
        position: usize,
        out: &mut Vec<Token>,
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
                    out.push(Token {
                        offset_from: bytes[s],
                        offset_to: bytes[e],
                        position,
                        text: sub.to_ascii_lowercase(),
                        position_length: 1,
                    });
                }
            }
        }
    }

    /// The canonical company name for a term, if it is a company alias.
    pub fn canonical_company(&self, term: &str) -> Option<&str> {
        let key = self.tagger.normalizer().normalize_term(term).to_lowercase();
        self.canonical.get(&key).map(String::as_str)
    }
}

/// Letters, digits and CJK ideographs: what makes a token worth indexing
/// (cheap checks first; `char::is_alphanumeric` is slow on CJK).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || (ticai_text::is_block_char(c) && !c.is_ascii())
        || (!c.is_ascii() && c.is_alphanumeric())
}

pub struct ZhTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for ZhTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhTokenStream {
        ZhTokenStream {
            tokens: self.tokens(text),
            next: 0,
        }
    }
}
