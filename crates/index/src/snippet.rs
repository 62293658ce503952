//! The one meaning of a search hit's `snippet`: HTML-safe text. The article's
//! text is always escaped (`&`, `<`, `>`, `"`, `'`), and the only markup is
//! `<b>`…`</b>` around matched terms, whichever branch made the snippet: a
//! highlighted passage of the body, or the body's opening (a title-only
//! match, or filters with no text query).

/// Escapes text for HTML content and attribute values (the same five
/// characters tantivy's highlighter escapes).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Undoes [`escape_html`] in one pass (so `&amp;lt;` gives back `&lt;`, not
/// `<`); the entities it does not write are left as they are.
pub fn unescape_html(html: &str) -> String {
    const ENTITIES: [(&str, char); 7] = [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#x27;", '\''),
        ("&#39;", '\''),
        ("&apos;", '\''),
    ];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match ENTITIES.iter().find(|(e, _)| rest.starts_with(e)) {
            Some((e, c)) => {
                out.push(*c);
                rest = &rest[e.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The snippet of a hit whose body had no highlighted passage: the first
/// `max_chars` characters of the body, escaped.
pub fn lead(body: &str, max_chars: usize) -> String {
    let text: String = body.chars().take(max_chars).collect();
    escape_html(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_then_unescape_gives_back_the_text() {
        for t in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(2)>",
            "already &amp; escaped &lt;b&gt;",
            "\"double\" and 'single' quotes",
            "& alone, &unknown; and &#x27",
            "",
        ] {
            let e = escape_html(t);
            assert!(!e.contains(['<', '>', '"', '\'']), "{e}");
            assert_eq!(unescape_html(&e), t);
        }
        assert_eq!(unescape_html("&amp;lt;"), "&lt;");
    }

    #[test]
    fn lead_counts_characters_not_bytes() {
        assert_eq!(lead("液冷<服务器", 3), "液冷&lt;");
    }
}
