//! Sentences, excerpts and the example keeper shared by both features.

use std::ops::Range;

/// Whether `c` ends a sentence: `。！？!?；;` and line breaks.
pub(crate) fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n' | '\r')
}

/// The sentences of `text` as byte ranges, split after each
/// [`is_sentence_end`] character (the terminator stays with its sentence),
/// with surrounding whitespace trimmed; empty sentences are skipped.
pub(crate) fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if is_sentence_end(c) {
            push_trimmed(text, start..i + c.len_utf8(), &mut out);
            start = i + c.len_utf8();
        }
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let r = trim(text, r);
    if !r.is_empty() {
        out.push(r);
    }
}

/// `r` without leading and trailing whitespace.
fn trim(text: &str, r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let tail = s.len() - s.trim_end().len();
    if lead == s.len() {
        return r.start..r.start;
    }
    r.start + lead..r.end - tail
}

/// The sentence of `text` around byte offset `at` (a character boundary),
/// trimmed, the same range [`sentences`] gives for it.
pub(crate) fn sentence_around(text: &str, at: usize) -> Range<usize> {
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| is_sentence_end(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at..]
        .char_indices()
        .find(|&(_, c)| is_sentence_end(c))
        .map_or(text.len(), |(i, c)| at + i + c.len_utf8());
    trim(text, start..end)
}

/// The sentence `sentence` of `text` as an example for the hit `hit`
/// (inside it): whole when it has at most `max_chars` characters, else a
/// window of `max_chars` characters centred on the hit, with `…` marking
/// each cut end.
pub(crate) fn excerpt(
    text: &str,
    sentence: Range<usize>,
    hit: Range<usize>,
    max_chars: usize,
) -> String {
    let s = &text[sentence.clone()];
    let n = s.chars().count();
    if n <= max_chars {
        return s.to_string();
    }
    let offsets: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    let to_char = |byte: usize| offsets.partition_point(|&o| o < byte);
    let hit_start = to_char(hit.start.saturating_sub(sentence.start));
    let hit_end = to_char(hit.end.saturating_sub(sentence.start)).max(hit_start);
    let hit_len = hit_end - hit_start;
    let before = max_chars.saturating_sub(hit_len) / 2;
    let first = hit_start
        .saturating_sub(before)
        .min(n.saturating_sub(max_chars));
    let last = (first + max_chars).min(n);
    let byte = |c: usize| offsets.get(c).copied().unwrap_or(s.len());
    let mut out = String::new();
    if first > 0 {
        out.push('…');
    }
    out.push_str(&s[byte(first)..byte(last)]);
    if last < n {
        out.push('…');
    }
    out
}

/// Keeps the `k` shortest distinct example sentences offered (by
/// character count of the whole sentence, then text).
#[derive(Debug, Clone, Default)]
pub(crate) struct Shortest {
    k: usize,
    items: Vec<(usize, String)>,
}

impl Shortest {
    pub(crate) fn new(k: usize) -> Shortest {
        Shortest {
            k,
            items: Vec::new(),
        }
    }

    /// Offers the sentence `sentence` of `text` holding `hit`.
    pub(crate) fn offer(
        &mut self,
        text: &str,
        sentence: Range<usize>,
        hit: Range<usize>,
        max_chars: usize,
    ) {
        if self.k == 0 {
            return;
        }
        let len = text[sentence.clone()].chars().count();
        if self.items.len() >= self.k && self.items.last().is_some_and(|(l, _)| *l <= len) {
            return;
        }
        let ex = excerpt(text, sentence, hit, max_chars);
        if self.items.iter().any(|(_, e)| *e == ex) {
            return;
        }
        self.items.push((len, ex));
        self.items.sort();
        self.items.truncate(self.k);
    }

    pub(crate) fn into_vec(self) -> Vec<String> {
        self.items.into_iter().map(|(_, e)| e).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_terminators_and_trims() {
        let t = " 甲乙。丙丁！\n戊;  ";
        let s: Vec<&str> = sentences(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(s, ["甲乙。", "丙丁！", "戊;"]);
        let at = t.find('丁').unwrap_or(0);
        assert_eq!(&t[sentence_around(t, at)], "丙丁！");
    }

    #[test]
    fn long_sentences_are_cut_around_the_hit() {
        let t = format!("{}目标{}。", "甲".repeat(100), "乙".repeat(100));
        let at = t.find("目标").unwrap_or(0);
        let s = sentences(&t)[0].clone();
        let e = excerpt(&t, s, at..at + "目标".len(), 20);
        assert!(e.contains("目标"), "{e}");
        assert!(e.starts_with('…') && e.ends_with('…'), "{e}");
        assert_eq!(e.chars().count(), 22);
    }

    #[test]
    fn keeps_the_shortest_distinct() {
        let mut k = Shortest::new(2);
        for t in ["甲乙丙丁", "甲乙", "甲乙", "甲乙丙"] {
            k.offer(t, 0..t.len(), 0..3, 80);
        }
        assert_eq!(k.into_vec(), ["甲乙", "甲乙丙"]);
    }
}
