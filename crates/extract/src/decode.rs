//! Bytes -> text: BOM, then the HTTP `Content-Type` charset, then `<meta>`,
//! then detection over the whole document. GB2312/GBK labels decode as their
//! superset GB18030. A declaration that produces replacement characters
//! loses to an encoding that decodes the bytes cleanly (pages that declare
//! gb2312 but are UTF-8, or say utf-8 over GBK bytes).

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

/// Decoded text and the encoding that was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding used (`UTF-8`, `gb18030`, `Big5` ...).
    pub encoding: &'static str,
    /// Whether the bytes decoded without replacement characters.
    pub clean: bool,
}

/// The charset parameter of a `Content-Type` header value.
pub fn charset_of_content_type(value: &str) -> Option<&str> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// The charset a page declares in its first 4 KiB (`<meta charset>` or
/// `<meta http-equiv content="...; charset=...">`).
pub fn charset_of_meta(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let at = from + pos + b"charset".len();
        from = at;
        // only inside a <meta ...> tag
        let tag_start = lower[..at].iter().rposition(|&b| b == b'<');
        let tag_end = lower[..at].iter().rposition(|&b| b == b'>');
        let in_meta = match (tag_start, tag_end) {
            (Some(s), e) => e.is_none_or(|e| e < s) && lower[s..].starts_with(b"<meta"),
            _ => false,
        };
        if !in_meta {
            continue;
        }
        let rest = &head[at..];
        let rest = rest
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .copied()
            .collect::<Vec<u8>>();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let label: Vec<u8> = rest
            .iter()
            .skip_while(|b| b.is_ascii_whitespace() || **b == b'"' || **b == b'\'')
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
            .copied()
            .collect();
        if !label.is_empty() {
            return Some(String::from_utf8_lossy(&label).into_owned());
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// GBK and GB2312 are decoded as GB18030, their superset.
fn widen(enc: &'static Encoding) -> &'static Encoding {
    if enc == GBK { GB18030 } else { enc }
}

fn decode_with(enc: &'static Encoding, bytes: &[u8]) -> Decoded {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
        clean: !had_errors,
    }
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    widen(det.guess(None, chardetng::Utf8Detection::Allow))
}

/// The encoding of a stream from its first bytes, for readers that decode
/// as they go (CSV): a BOM (and its length), else UTF-8 when `prefix` is
/// valid UTF-8 (a character cut at the end of the prefix does not count),
/// else detection over the prefix. `complete` says the prefix is the
/// whole input.
///
/// ```
/// let (gbk, _, _) = encoding_rs::GBK.encode("标题,内容\n英伟达,光模块\n");
/// assert_eq!(ticai_extract::sniff_encoding(&gbk, true).0.name(), "gb18030");
/// assert_eq!(ticai_extract::sniff_encoding("\u{feff}标题".as_bytes(), true), (encoding_rs::UTF_8, 3));
/// ```
pub fn sniff_encoding(prefix: &[u8], complete: bool) -> (&'static Encoding, usize) {
    if let Some((enc, bom)) = Encoding::for_bom(prefix) {
        return (enc, bom);
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => return (UTF_8, 0),
        // a multi-byte character cut by the end of the prefix
        Err(e) if !complete && e.error_len().is_none() => return (UTF_8, 0),
        Err(_) => {}
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(prefix, complete);
    (widen(det.guess(None, chardetng::Utf8Detection::Deny)), 0)
}

/// Decodes a document. `content_type` is the HTTP header value, if any.
///
/// ```
/// let (gbk, _, _) = encoding_rs::GBK.encode("<p>英伟达</p>");
/// let d = ticai_extract::decode(&gbk, Some("text/html; charset=gb2312"));
/// assert_eq!((d.text.as_str(), d.encoding), ("<p>英伟达</p>", "gb18030"));
/// // a wrong declaration loses to clean UTF-8
/// let d = ticai_extract::decode("<meta charset=gb2312><p>英伟达</p>".as_bytes(), None);
/// assert_eq!(d.encoding, "UTF-8");
/// ```
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        return decode_with(enc, &bytes[bom..]);
    }
    let declared = content_type
        .and_then(charset_of_content_type)
        .map(str::to_string)
        .or_else(|| charset_of_meta(bytes))
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .map(widen);
    if let Some(enc) = declared {
        let d = decode_with(enc, bytes);
        if d.clean {
            return d;
        }
        if std::str::from_utf8(bytes).is_ok() {
            return decode_with(UTF_8, bytes);
        }
        let guess = detect(bytes);
        if guess != enc {
            let g = decode_with(guess, bytes);
            if g.clean {
                return g;
            }
        }
        return d;
    }
    if std::str::from_utf8(bytes).is_ok() {
        return decode_with(UTF_8, bytes);
    }
    decode_with(detect(bytes), bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::BIG5;

    const ZH: &str = "<html><head><title>中际旭创发布新品</title></head><body><p>光模块需求旺盛，英伟达订单增加。超节点与万卡集群成为市场焦点。</p></body></html>";
    const TW: &str = "<html><body><p>輝達發表新一代晶片，伺服器需求強勁，記憶體價格上漲，台積電先進封裝產能吃緊。</p></body></html>";

    #[test]
    fn table() {
        let gbk = GBK.encode(ZH).0.into_owned();
        let big5 = BIG5.encode(TW).0.into_owned();
        let with_meta = |meta: &str, body: &[u8]| {
            let mut v = format!("<meta charset=\"{meta}\">").into_bytes();
            v.extend_from_slice(body);
            v
        };
        // (bytes, content type, expected encoding, expected text contains)
        let rows: Vec<(Vec<u8>, Option<&str>, &str, &str)> = vec![
            (ZH.as_bytes().to_vec(), None, "UTF-8", "光模块"),
            (gbk.clone(), None, "gb18030", "光模块"),
            (
                gbk.clone(),
                Some("text/html; charset=GB2312"),
                "gb18030",
                "光模块",
            ),
            (with_meta("gbk", &gbk), None, "gb18030", "光模块"),
            // meta says utf-8 over GBK bytes: the clean decoding wins
            (with_meta("utf-8", &gbk), None, "gb18030", "光模块"),
            // meta says gb2312 over UTF-8 bytes
            (with_meta("gb2312", ZH.as_bytes()), None, "UTF-8", "光模块"),
            (big5.clone(), None, "Big5", "伺服器"),
            (with_meta("big5-hkscs", &big5), None, "Big5", "伺服器"),
            (
                [b"\xEF\xBB\xBF".as_slice(), ZH.as_bytes()].concat(),
                Some("text/html; charset=gbk"),
                "UTF-8",
                "光模块",
            ),
        ];
        for (bytes, ct, enc, contains) in rows {
            let d = decode(&bytes, ct);
            assert_eq!(
                d.encoding,
                enc,
                "{ct:?} {}",
                String::from_utf8_lossy(&bytes[..20])
            );
            assert!(d.text.contains(contains), "{}", d.text);
            assert!(d.clean);
        }
    }

    #[test]
    fn meta_parsing() {
        assert_eq!(
            charset_of_meta(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\" />"
            )
            .as_deref(),
            Some("gb2312")
        );
        assert_eq!(
            charset_of_meta(b"<META CHARSET='UTF-8'>").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(charset_of_meta(b"<p>charset=gbk is text</p>"), None);
        assert_eq!(
            charset_of_content_type("text/html;charset=\"utf-8\""),
            Some("utf-8")
        );
        assert_eq!(charset_of_content_type("text/html"), None);
    }
}
