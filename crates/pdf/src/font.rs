//! Fonts as text extraction needs them: how a string's bytes split into
//! character codes, each code's Unicode text and its advance width.
//!
//! Unicode comes from, in order: the font's `ToUnicode` CMap; for Type0
//! fonts, the predefined CMap named by `Encoding` when its codes are
//! themselves a Chinese character set (`UniGB-UCS2-H` codes are UCS-2,
//! `GBK-EUC-H` codes GBK, `B5pc-H` Big5 ...), which is how Chinese PDF
//! writers using non-embedded fonts (`STSong-Light`) write text; for simple
//! fonts, the base encoding and its `Differences`. A code with none of
//! these is counted as unmapped, not guessed.

use encoding_rs::Encoding;
use lopdf::{Dictionary, Document, Object};
use std::collections::HashMap;

/// Resolves references (one level is enough for dictionary entries).
pub(crate) fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(&Object::Null),
        o => o,
    }
}

pub(crate) fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key).ok().map(|o| deref(doc, o))
}

pub(crate) fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// How a Type0 font's predefined CMap codes its characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Charset {
    /// Identity-H/V: codes are glyph ids; only a ToUnicode map says the text.
    Identity,
    /// UCS-2 codes (`Uni*-UCS2-*`): the code is the character.
    Ucs2,
    /// UTF-16BE codes (`Uni*-UTF16-*`).
    Utf16,
    /// One byte below 0x80, else two, in a legacy double-byte set.
    Legacy(&'static Encoding),
}

fn charset_of_cmap_name(name: &str) -> Option<Charset> {
    let n = name.trim_end_matches("-H").trim_end_matches("-V");
    Some(match n {
        "Identity" => Charset::Identity,
        _ if n.starts_with("Uni") && n.contains("UCS2") => Charset::Ucs2,
        _ if n.starts_with("Uni") && n.contains("UTF16") => Charset::Utf16,
        // GB 2312 / GBK / GB 18030 two-byte codes
        "GB-EUC" | "GBpc-EUC" | "GBK-EUC" | "GBKp-EUC" | "GBK2K" | "GBT-EUC" | "GBTpc-EUC" => {
            Charset::Legacy(encoding_rs::GBK)
        }
        "B5pc" | "ETen-B5" | "HKscs-B5" | "ETenms-B5" | "B5" | "HKdla-B5" | "HKdlb-B5"
        | "HKgccs-B5" | "HKm314-B5" | "HKm471-B5" => Charset::Legacy(encoding_rs::BIG5),
        "90ms-RKSJ" | "90msp-RKSJ" | "83pv-RKSJ" | "90pv-RKSJ" => {
            Charset::Legacy(encoding_rs::SHIFT_JIS)
        }
        "KSC-EUC" | "KSCms-UHC" | "KSCpc-EUC" => Charset::Legacy(encoding_rs::EUC_KR),
        _ => return None,
    })
}

/// A range of codes of one byte length (`begincodespacerange`).
#[derive(Clone, Copy, Debug)]
struct CodeSpace {
    len: usize,
    lo: u32,
    hi: u32,
}

/// A font, for text.
#[derive(Debug)]
pub(crate) struct Font {
    /// Two-or-more-byte codes (Type0).
    composite: bool,
    codespace: Vec<CodeSpace>,
    charset: Option<Charset>,
    to_unicode: HashMap<u32, String>,
    /// Simple fonts: text of each byte by the encoding.
    simple: Option<Box<[Option<char>; 256]>>,
    widths: HashMap<u32, f32>,
    default_width: f32,
    /// A vertical writing mode CMap (`-V`): glyphs advance downwards.
    pub vertical: bool,
}

/// One decoded code.
pub(crate) struct Code {
    pub code: u32,
    /// Bytes the code took (a one-byte 32 gets word spacing).
    pub len: usize,
}

impl Font {
    /// A font for unknown or unreadable font dictionaries: bytes as
    /// Latin-1, mapped nothing beyond ASCII.
    pub fn fallback() -> Font {
        let mut table = Box::new([None; 256]);
        for (b, slot) in table.iter_mut().enumerate().take(0x7f).skip(0x20) {
            *slot = char::from_u32(b as u32);
        }
        Font::of_table(table, HashMap::new(), 500.0)
    }

    /// A simple (one byte per code) font.
    fn of_table(
        table: Box<[Option<char>; 256]>,
        widths: HashMap<u32, f32>,
        default_width: f32,
    ) -> Font {
        Font {
            composite: false,
            codespace: Vec::new(),
            charset: None,
            to_unicode: HashMap::new(),
            simple: Some(table),
            widths,
            default_width,
            vertical: false,
        }
    }

    pub fn load(doc: &Document, dict: &Dictionary) -> Font {
        let subtype = get(doc, dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"");
        let mut font = if subtype == b"Type0" {
            Font::composite(doc, dict)
        } else {
            Font::simple(doc, dict)
        };
        if let Some(Object::Stream(s)) = get(doc, dict, b"ToUnicode")
            && let Ok(data) = s.decompressed_content_with_limit(crate::MAX_FONT_STREAM)
        {
            let cmap = parse_cmap(&data);
            if font.composite && font.codespace.is_empty() {
                font.codespace = cmap.codespace.clone();
            }
            font.to_unicode = cmap.unicode;
        }
        if font.composite && font.codespace.is_empty() {
            font.codespace = match font.charset {
                Some(Charset::Legacy(_)) => vec![
                    CodeSpace {
                        len: 1,
                        lo: 0,
                        hi: 0x80,
                    },
                    CodeSpace {
                        len: 2,
                        lo: 0x8140,
                        hi: 0xfefe,
                    },
                ],
                _ => vec![CodeSpace {
                    len: 2,
                    lo: 0,
                    hi: 0xffff,
                }],
            };
        }
        font
    }

    fn composite(doc: &Document, dict: &Dictionary) -> Font {
        let mut codespace = Vec::new();
        let mut charset = None;
        let mut vertical = false;
        match get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => {
                let name = String::from_utf8_lossy(n);
                vertical = name.ends_with("-V");
                charset = charset_of_cmap_name(&name);
            }
            Some(Object::Stream(s)) => {
                // an embedded CMap: its code space, and the predefined CMap
                // it builds on
                if let Ok(data) = s.decompressed_content_with_limit(crate::MAX_FONT_STREAM) {
                    let cmap = parse_cmap(&data);
                    codespace = cmap.codespace;
                    charset = cmap.usecmap.as_deref().and_then(charset_of_cmap_name);
                    if let Some(Object::Name(n)) = get(doc, &s.dict, b"CMapName") {
                        charset =
                            charset.or_else(|| charset_of_cmap_name(&String::from_utf8_lossy(n)));
                    }
                }
                vertical = matches!(get(doc, &s.dict, b"WMode"), Some(Object::Integer(1)));
            }
            _ => {}
        }
        let mut widths = HashMap::new();
        let mut default_width = 1000.0;
        let descendant = get(doc, dict, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok());
        if let Some(cid) = descendant {
            if let Some(dw) = get(doc, cid, b"DW").and_then(num) {
                default_width = dw;
            }
            if let Some(Object::Array(w)) = get(doc, cid, b"W") {
                read_cid_widths(doc, w, &mut widths);
            }
        }
        Font {
            composite: true,
            codespace,
            charset,
            to_unicode: HashMap::new(),
            simple: None,
            widths,
            default_width,
            vertical,
        }
    }

    fn simple(doc: &Document, dict: &Dictionary) -> Font {
        let base = get(doc, dict, b"BaseFont")
            .and_then(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let symbolic = base.contains("Symbol") || base.contains("Dingbats");
        let mut table = Box::new([None; 256]);
        let (base_encoding, differences) = match get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => (Some(n.as_slice()), None),
            Some(Object::Dictionary(d)) => (
                get(doc, d, b"BaseEncoding").and_then(|o| o.as_name().ok()),
                get(doc, d, b"Differences").and_then(|o| o.as_array().ok()),
            ),
            _ => (None, None),
        };
        let enc: &'static Encoding = match base_encoding {
            Some(b"MacRomanEncoding") => encoding_rs::MACINTOSH,
            _ => encoding_rs::WINDOWS_1252,
        };
        if !symbolic {
            for (b, slot) in table.iter_mut().enumerate().skip(0x20) {
                let byte = [b as u8];
                let (s, _, bad) = enc.decode(&byte);
                if !bad {
                    *slot = s.chars().next().filter(|c| !c.is_control());
                }
            }
        }
        if let Some(diffs) = differences {
            let mut code = 0usize;
            for d in diffs {
                match deref(doc, d) {
                    Object::Integer(i) => code = (*i).clamp(0, 255) as usize,
                    Object::Name(n) => {
                        if code < 256 {
                            table[code] = glyph_name_char(n);
                        }
                        code += 1;
                    }
                    _ => {}
                }
            }
        }
        let mut widths = HashMap::new();
        let first = get(doc, dict, b"FirstChar")
            .and_then(num)
            .unwrap_or(0.0)
            .max(0.0) as u32;
        if let Some(Object::Array(w)) = get(doc, dict, b"Widths") {
            for (i, o) in w.iter().enumerate() {
                if let Some(v) = num(deref(doc, o)) {
                    widths.insert(first + i as u32, v);
                }
            }
        }
        let default_width = if base.contains("Courier") {
            600.0
        } else {
            500.0
        };
        Font::of_table(table, widths, default_width)
    }

    /// Splits a string operand into codes.
    pub fn codes(&self, bytes: &[u8], out: &mut Vec<Code>) {
        out.clear();
        if !self.composite {
            out.extend(bytes.iter().map(|&b| Code {
                code: b as u32,
                len: 1,
            }));
            return;
        }
        let mut i = 0;
        while i < bytes.len() {
            let mut taken = None;
            let mut code = 0u32;
            for len in 1..=4.min(bytes.len() - i) {
                code = (code << 8) | bytes[i + len - 1] as u32;
                if self
                    .codespace
                    .iter()
                    .any(|c| c.len == len && (c.lo..=c.hi).contains(&code))
                {
                    taken = Some((code, len));
                    break;
                }
            }
            // a code in no range: the shortest length of the code space
            let (code, len) = taken.unwrap_or_else(|| {
                let len = self
                    .codespace
                    .iter()
                    .map(|c| c.len)
                    .min()
                    .unwrap_or(2)
                    .min(bytes.len() - i);
                let code = bytes[i..i + len]
                    .iter()
                    .fold(0u32, |a, &b| (a << 8) | b as u32);
                (code, len)
            });
            out.push(Code { code, len });
            i += len;
        }
    }

    /// The text of a code, or `None` when nothing says it.
    pub fn text(&self, code: &Code, buf: &mut String) -> bool {
        buf.clear();
        if let Some(s) = self.to_unicode.get(&code.code) {
            buf.push_str(s);
            return true;
        }
        if let Some(table) = &self.simple {
            if let Some(c) = table.get(code.code as usize).copied().flatten() {
                buf.push(c);
                return true;
            }
            return false;
        }
        match self.charset {
            Some(Charset::Ucs2) | Some(Charset::Utf16) => match char::from_u32(code.code) {
                Some(c) if code.len == 2 => {
                    buf.push(c);
                    true
                }
                _ if code.len == 4 => {
                    let units = [(code.code >> 16) as u16, code.code as u16];
                    match char::decode_utf16(units).next() {
                        Some(Ok(c)) => {
                            buf.push(c);
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            },
            Some(Charset::Legacy(enc)) => {
                let bytes = code.code.to_be_bytes();
                let (s, bad) = enc.decode_without_bom_handling(&bytes[4 - code.len..]);
                if bad {
                    return false;
                }
                buf.push_str(&s);
                true
            }
            Some(Charset::Identity) | None => false,
        }
    }

    /// Advance of a code in text space units (thousandths of the size).
    pub fn width(&self, code: u32) -> f32 {
        self.widths
            .get(&code)
            .copied()
            .unwrap_or(self.default_width)
    }
}

fn read_cid_widths(doc: &Document, w: &[Object], widths: &mut HashMap<u32, f32>) {
    let mut i = 0;
    while i < w.len() {
        let Some(first) = num(deref(doc, &w[i])) else {
            break;
        };
        match w.get(i + 1).map(|o| deref(doc, o)) {
            Some(Object::Array(list)) => {
                for (j, o) in list.iter().enumerate().take(65536) {
                    if let Some(v) = num(deref(doc, o)) {
                        widths.insert(first as u32 + j as u32, v);
                    }
                }
                i += 2;
            }
            Some(o) => {
                let (Some(last), Some(v)) =
                    (num(o), w.get(i + 2).map(|o| deref(doc, o)).and_then(num))
                else {
                    break;
                };
                let (first, last) = (first as u32, (last as u32).min(first as u32 + 65535));
                for c in first..=last {
                    widths.insert(c, v);
                }
                i += 3;
            }
            None => break,
        }
    }
}

/// The character of a glyph name: `uniXXXX`, `uXXXX[XX]`, and the names
/// of ASCII and common punctuation.
fn glyph_name_char(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.split('.').next().unwrap_or(name);
    if let Some(hex) = name.strip_prefix("uni").filter(|h| h.len() == 4) {
        return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
    }
    if let Some(hex) = name
        .strip_prefix('u')
        .filter(|h| (4..=6).contains(&h.len()))
        && let Ok(v) = u32::from_str_radix(hex, 16)
    {
        return char::from_u32(v);
    }
    if name.len() == 1 {
        return name.chars().next().filter(char::is_ascii_alphabetic);
    }
    const NAMES: &[(&str, char)] = &[
        ("space", ' '),
        ("exclam", '!'),
        ("quotedbl", '"'),
        ("numbersign", '#'),
        ("dollar", '$'),
        ("percent", '%'),
        ("ampersand", '&'),
        ("quotesingle", '\''),
        ("quoteright", '\u{2019}'),
        ("quoteleft", '\u{2018}'),
        ("quotedblleft", '\u{201c}'),
        ("quotedblright", '\u{201d}'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("asterisk", '*'),
        ("plus", '+'),
        ("comma", ','),
        ("hyphen", '-'),
        ("minus", '\u{2212}'),
        ("endash", '\u{2013}'),
        ("emdash", '\u{2014}'),
        ("period", '.'),
        ("slash", '/'),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("colon", ':'),
        ("semicolon", ';'),
        ("less", '<'),
        ("equal", '='),
        ("greater", '>'),
        ("question", '?'),
        ("at", '@'),
        ("bracketleft", '['),
        ("backslash", '\\'),
        ("bracketright", ']'),
        ("underscore", '_'),
        ("bullet", '\u{2022}'),
        ("degree", '\u{b0}'),
        ("yen", '\u{a5}'),
    ];
    NAMES.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
}

/// What text extraction reads from a CMap stream.
#[derive(Debug, Default)]
struct CMap {
    codespace: Vec<CodeSpace>,
    unicode: HashMap<u32, String>,
    usecmap: Option<String>,
}

#[derive(Debug)]
enum Tok<'a> {
    Hex(&'a [u8]),
    Name(&'a [u8]),
    Num,
    Word(&'a [u8]),
    Open,
    Close,
}

fn tokens(data: &[u8]) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        match b {
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if data.get(i + 1) == Some(&b'<') => i += 2,
            b'>' if data.get(i + 1) == Some(&b'>') => i += 2,
            b'<' => {
                let start = i + 1;
                let end = data[start..]
                    .iter()
                    .position(|&c| c == b'>')
                    .map_or(data.len(), |p| start + p);
                out.push(Tok::Hex(&data[start..end]));
                i = end + 1;
            }
            b'[' => {
                out.push(Tok::Open);
                i += 1;
            }
            b']' => {
                out.push(Tok::Close);
                i += 1;
            }
            b'(' => {
                // literal strings (CMapName, Registry): skipped
                let mut depth = 0;
                while i < data.len() {
                    match data[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            b'/' => {
                let start = i + 1;
                i = start;
                while i < data.len() && !is_delim(data[i]) {
                    i += 1;
                }
                out.push(Tok::Name(&data[start..i]));
            }
            _ if b.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < data.len() && !is_delim(data[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1;
                    continue;
                }
                let w = &data[start..i];
                if std::str::from_utf8(w).is_ok_and(|s| s.parse::<f64>().is_ok()) {
                    out.push(Tok::Num);
                } else {
                    out.push(Tok::Word(w));
                }
            }
        }
    }
    out
}

fn is_delim(b: u8) -> bool {
    b.is_ascii_whitespace() || b"<>[]()/%{}".contains(&b)
}

fn hex_bytes(h: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = h
        .iter()
        .filter_map(|&c| (c as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0))
        .collect()
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes.iter().take(4).fold(0u32, |a, &b| (a << 8) | b as u32)
}

fn utf16_text(bytes: &[u8]) -> Option<String> {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)]))
        .collect();
    let s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect();
    (!s.is_empty() && !s.contains('\u{fffd}')).then_some(s)
}

/// Reads `codespacerange`, `bfchar`, `bfrange` and `usecmap` from a CMap;
/// anything else is ignored, and broken entries are skipped.
fn parse_cmap(data: &[u8]) -> CMap {
    const MAX_RANGE: u32 = 65536;
    let toks = tokens(data);
    let mut cmap = CMap::default();
    let mut i = 0;
    while i < toks.len() {
        match toks[i] {
            Tok::Word(b"begincodespacerange") => {
                i += 1;
                while let (Some(Tok::Hex(lo)), Some(Tok::Hex(hi))) = (toks.get(i), toks.get(i + 1))
                {
                    let (lo, hi) = (hex_bytes(lo), hex_bytes(hi));
                    if (1..=4).contains(&lo.len()) {
                        cmap.codespace.push(CodeSpace {
                            len: lo.len(),
                            lo: code_of(&lo),
                            hi: code_of(&hi),
                        });
                    }
                    i += 2;
                }
            }
            Tok::Word(b"beginbfchar") => {
                i += 1;
                while let (Some(Tok::Hex(src)), Some(dst)) = (toks.get(i), toks.get(i + 1)) {
                    let code = code_of(&hex_bytes(src));
                    match dst {
                        Tok::Hex(d) => {
                            if let Some(s) = utf16_text(&hex_bytes(d)) {
                                cmap.unicode.insert(code, s);
                            }
                        }
                        Tok::Name(n) => {
                            if let Some(c) = glyph_name_char(n) {
                                cmap.unicode.insert(code, c.to_string());
                            }
                        }
                        _ => break,
                    }
                    i += 2;
                }
            }
            Tok::Word(b"beginbfrange") => {
                i += 1;
                while let (Some(Tok::Hex(lo)), Some(Tok::Hex(hi))) = (toks.get(i), toks.get(i + 1))
                {
                    let (lo, hi) = (code_of(&hex_bytes(lo)), code_of(&hex_bytes(hi)));
                    let hi = hi.min(lo.saturating_add(MAX_RANGE));
                    match toks.get(i + 2) {
                        Some(Tok::Hex(d)) => {
                            let dst = hex_bytes(d);
                            if dst.len() >= 2 {
                                let n = dst.len();
                                let last = u16::from_be_bytes([dst[n - 2], dst[n - 1]]);
                                for (k, code) in (lo..=hi).enumerate() {
                                    let mut d = dst.clone();
                                    let v = last.wrapping_add(k as u16).to_be_bytes();
                                    d[n - 2] = v[0];
                                    d[n - 1] = v[1];
                                    if let Some(s) = utf16_text(&d) {
                                        cmap.unicode.insert(code, s);
                                    }
                                }
                            }
                            i += 3;
                        }
                        Some(Tok::Open) => {
                            let mut j = i + 3;
                            let mut code = lo;
                            while let Some(Tok::Hex(d)) = toks.get(j) {
                                if code <= hi
                                    && let Some(s) = utf16_text(&hex_bytes(d))
                                {
                                    cmap.unicode.insert(code, s);
                                }
                                code = code.saturating_add(1);
                                j += 1;
                            }
                            i = j + 1;
                        }
                        _ => break,
                    }
                }
            }
            Tok::Name(n) if matches!(toks.get(i + 1), Some(Tok::Word(b"usecmap"))) => {
                cmap.usecmap = Some(String::from_utf8_lossy(n).into_owned());
                i += 2;
            }
            _ => i += 1,
        }
    }
    cmap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_ranges_and_chars() {
        let data = b"/CIDInit /ProcSet findresource begin\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
            2 beginbfchar\n<0003> <0020>\n<0010> <8D85>\nendbfchar\n\
            2 beginbfrange\n<0020> <0022> <8282>\n<0030> <0031> [<5149> <D83DDE00>]\nendbfrange\n";
        let c = parse_cmap(data);
        assert_eq!(c.codespace.len(), 1);
        assert_eq!(c.codespace[0].len, 2);
        assert_eq!(c.unicode[&0x10], "超");
        assert_eq!(c.unicode[&0x20], "节");
        assert_eq!(c.unicode[&0x22], "\u{8284}");
        assert_eq!(c.unicode[&0x30], "光");
        assert_eq!(c.unicode[&0x31], "\u{1f600}");
    }

    #[test]
    fn broken_cmaps_do_not_panic() {
        for data in [
            &b"beginbfrange <00"[..],
            b"beginbfchar <> <>",
            b"begincodespacerange <0000000000> <FF>",
            b"((((",
            b"<FFFF> <0000> [ beginbfrange",
        ] {
            let _ = parse_cmap(data);
        }
        let c = parse_cmap(b"beginbfrange <0000> <FFFFFFFF> <0041> endbfrange");
        assert!(c.unicode.len() <= 65537);
    }

    #[test]
    fn predefined_cmaps() {
        assert_eq!(charset_of_cmap_name("UniGB-UCS2-H"), Some(Charset::Ucs2));
        assert_eq!(charset_of_cmap_name("UniCNS-UTF16-V"), Some(Charset::Utf16));
        assert_eq!(
            charset_of_cmap_name("GBK-EUC-H"),
            Some(Charset::Legacy(encoding_rs::GBK))
        );
        assert_eq!(
            charset_of_cmap_name("ETen-B5-H"),
            Some(Charset::Legacy(encoding_rs::BIG5))
        );
        assert_eq!(charset_of_cmap_name("Adobe-Whatever"), None);
        assert_eq!(glyph_name_char(b"uni8D85"), Some('超'));
        assert_eq!(glyph_name_char(b"comma"), Some(','));
    }
}
