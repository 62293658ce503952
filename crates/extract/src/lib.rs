//! Article extraction: a fetched page (bytes, optional `Content-Type`, URL)
//! in, clean articles out. No IO.
//!
//! * [`decode`]: BOM, HTTP charset, `<meta>`, detection; GB2312/GBK as
//!   GB18030; a declaration that yields replacement characters loses to a
//!   clean decoding.
//! * [`extract_html`]: main text by readability (dom_smoothie, tuned for
//!   CJK), then Chinese rules: boilerplate lines dropped and recommendation
//!   tails cut ([`clean_lines`]); title, publication time, source, author,
//!   canonical URL and script from metadata and the page text.
//! * [`extract_text`]: plain text gets the same cleanup.
//! * Digest pages (several `source· date` articles on one page) split into
//!   one [`Article`] each.
//!
//! Failures are results (`status: failed` with a reason), never panics.
//!
//! ```
//! let html = "<html><head><title>超节点订单落地 - 样例网</title></head><body><article>\
//!             <p>2026年11月18日 09:30 来源：样例财经</p>\
//!             <p>国产超节点进入万卡时代，多家公司披露订单，产业链受益明显。</p></article>\
//!             <div><h3>相关推荐</h3><p>白酒板块回暖</p></div></body></html>";
//! let out = ticai_extract::extract_html(html.as_bytes(), &ticai_extract::Options::default());
//! let a = &out.articles[0];
//! assert_eq!(a.title.as_deref(), Some("超节点订单落地"));
//! assert_eq!(a.published_at.as_deref(), Some("2026-11-18T09:30:00+08:00"));
//! assert_eq!(a.source.as_deref(), Some("样例财经"));
//! assert!(a.text.contains("万卡时代") && !a.text.contains("白酒"));
//! ```

mod clean;
mod date;
mod decode;
mod digest;
mod html;
mod pdf;

pub use clean::{Cleaned, clean_lines, find_source, noise_markers, tidy};
pub use date::{find_date, parse_date, parse_date_in};
pub use decode::{Decoded, charset_of_content_type, charset_of_meta, decode, sniff_encoding};
pub use digest::{DigestPart, split_digest};
pub use html::{extract_html, read_html_raw};
pub use pdf::extract_pdf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What is known about a page besides its bytes.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub url: Option<String>,
    /// The HTTP `Content-Type` header value.
    pub content_type: Option<String>,
    /// The date the page was fetched: the year for dates written without
    /// one (`07-24 13:31`).
    pub reference_date: Option<NaiveDate>,
    /// A CSS selector for the main text of this site's pages; when it
    /// matches, it replaces readability.
    pub body_selector: Option<String>,
}

/// The script of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Script {
    #[serde(rename = "zh-Hans")]
    Simplified,
    #[serde(rename = "zh-Hant")]
    Traditional,
    /// Little or no Chinese.
    #[serde(rename = "other")]
    Other,
}

/// One extracted article.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub title: Option<String>,
    /// RFC 3339 with offset.
    pub published_at: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub canonical_url: Option<String>,
    /// Main text, paragraphs separated by blank lines.
    pub text: String,
    pub script: Option<Script>,
    /// A research note's rating (`买入（维持）`), from a PDF's cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<String>,
    /// A research note's target price, as written (`45.60`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_price: Option<String>,
}

/// The result for one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extraction {
    /// The encoding the bytes were decoded with.
    pub encoding: &'static str,
    /// Empty when extraction failed.
    pub articles: Vec<Article>,
    /// Why extraction failed.
    pub failure: Option<String>,
}

/// Extracts an HTML page or a plain text.
pub fn extract(bytes: &[u8], html: bool, options: &Options) -> Extraction {
    if html {
        extract_html(bytes, options)
    } else {
        extract_text(bytes, options)
    }
}

/// Extracts a fetched page: a PDF by its Content-Type or its `%PDF-`
/// header, else HTML or text by its Content-Type (in `options`; none means
/// HTML) or by a leading `<`.
pub fn extract_page(bytes: &[u8], options: &Options) -> Extraction {
    let pdf_type = options
        .content_type
        .as_deref()
        .is_some_and(|c| c.to_ascii_lowercase().contains("pdf"));
    if pdf_type || ticai_pdf::has_pdf_header(bytes) {
        return extract_pdf(bytes, options);
    }
    let html = options
        .content_type
        .as_deref()
        .is_none_or(|c| c.contains("html"))
        || bytes.starts_with(b"<");
    extract(bytes, html, options)
}

/// The extractor's version: a hash of this crate's sources (any change to
/// extraction changes it), kept with stored extractions.
pub const EXTRACTOR_VERSION: &str = env!("TICAI_EXTRACTOR_VERSION");

/// The least main text, in characters, for a page to count as extracted.
pub const MIN_TEXT_CHARS: usize = 10;

/// Extracts from plain text: decoding, cleanup, digest splitting. A short
/// first line becomes the title; a date and `来源：` in the first lines
/// become metadata.
pub fn extract_text(bytes: &[u8], options: &Options) -> Extraction {
    let decoded = decode(bytes, options.content_type.as_deref());
    let lines: Vec<&str> = decoded.text.lines().collect();
    let articles = articles_from_lines(&lines, None, options);
    finish(decoded.encoding, articles)
}

pub(crate) fn finish(encoding: &'static str, articles: Vec<Article>) -> Extraction {
    let articles: Vec<Article> = articles
        .into_iter()
        .filter(|a| a.text.chars().count() >= MIN_TEXT_CHARS)
        .collect();
    let failure = articles
        .is_empty()
        .then(|| "no main text found".to_string());
    Extraction {
        encoding,
        articles,
        failure,
    }
}

/// Header facts found outside the main text (HTML metadata).
#[derive(Clone, Debug, Default)]
pub(crate) struct PageMeta {
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub canonical_url: Option<String>,
}

/// Articles from the lines of a main text: one, or one per digest entry.
pub(crate) fn articles_from_lines(
    lines: &[&str],
    meta: Option<&PageMeta>,
    options: &Options,
) -> Vec<Article> {
    let cleaned = clean_lines(lines.iter().copied());
    if let Some(parts) = split_digest(&cleaned.paragraphs) {
        return parts
            .into_iter()
            .map(|p| {
                let text = p.body.join("\n\n");
                Article {
                    title: Some(p.title),
                    published_at: parse_date(&p.date, options.reference_date)
                        .map(|d| d.to_rfc3339()),
                    source: Some(p.source),
                    author: None,
                    canonical_url: meta
                        .and_then(|m| m.canonical_url.clone())
                        .or_else(|| options.url.clone()),
                    script: Some(script_of(&text)),
                    text,
                    ..Article::default()
                }
            })
            .collect();
    }
    let mut paragraphs = cleaned.paragraphs;
    let head: String = paragraphs
        .iter()
        .take(4)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    // a plain text's short first line is its title; an HTML title that
    // opens the main text is not repeated in it
    let mut title = meta.and_then(|m| m.title.clone());
    match (&title, paragraphs.first()) {
        (None, Some(first)) if meta.is_none() && is_title_like(first) && paragraphs.len() > 1 => {
            title = Some(paragraphs.remove(0));
        }
        (Some(t), Some(first)) if first == t => {
            paragraphs.remove(0);
        }
        _ => {}
    }
    // a dateline (2026年11月18日 09:30 来源：…) is metadata, not text
    let published = meta
        .and_then(|m| m.published_at.clone())
        .or_else(|| find_date(&head, options.reference_date).map(|d| d.to_rfc3339()));
    let source = cleaned
        .source
        .or_else(|| find_source(&head))
        .or_else(|| meta.and_then(|m| m.source.clone()));
    if let Some(first) = paragraphs.first()
        && first.chars().count() <= 60
        && find_date(first, options.reference_date).is_some()
        && !first.contains('。')
    {
        paragraphs.remove(0);
    }
    let text = paragraphs.join("\n\n");
    vec![Article {
        title,
        published_at: published,
        source,
        author: cleaned
            .author
            .or_else(|| meta.and_then(|m| m.author.clone())),
        canonical_url: meta
            .and_then(|m| m.canonical_url.clone())
            .or_else(|| options.url.clone()),
        script: Some(script_of(&text)),
        text,
        ..Article::default()
    }]
}

fn is_title_like(line: &str) -> bool {
    let n = line.chars().count();
    (4..=80).contains(&n) && !line.ends_with(['。', '；', ';'])
}

/// Characters common in traditional script and absent from simplified.
const TRADITIONAL: &str = "們這個來時為說國會對學發與開關長門東車馬點體廣應實當從電經萬進過還後裡讓動現麼樣區頭書買賣問題處際億資產業務實際權達輝晶記憶體臺灣網絡價漲跌幣銀鐵鋼場術標準環專營議認";

/// The script of a text, from its Chinese characters.
pub fn script_of(text: &str) -> Script {
    let mut cjk = 0usize;
    let mut trad = 0usize;
    static SORTED: std::sync::LazyLock<Vec<char>> = std::sync::LazyLock::new(|| {
        let mut v: Vec<char> = TRADITIONAL.chars().collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    for c in text.chars() {
        if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            cjk += 1;
            if SORTED.binary_search(&c).is_ok() {
                trad += 1;
            }
        }
    }
    if cjk < 10 && cjk * 4 < text.chars().count() {
        Script::Other
    } else if trad * 20 > cjk {
        Script::Traditional
    } else {
        Script::Simplified
    }
}

/// Documents from extracted articles: the page's id, or `id#N` for the
/// N-th article of a page split into several.
pub fn documents(id: &str, articles: Vec<Article>) -> Vec<ticai_model::Document> {
    let split = articles.len() > 1;
    articles
        .into_iter()
        .enumerate()
        .map(|(i, a)| ticai_model::Document {
            id: if split {
                format!("{id}#{}", i + 1)
            } else {
                id.to_string()
            },
            title: a.title,
            published_at: a.published_at,
            url: a.canonical_url,
            source: a.source,
            text: a.text,
            title_span: None,
            region: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_with_chrome_and_tail() {
        let text = "样例网首页 > 财经 > 正文\n分享至\n超节点订单落地\n2026-11-18 09:30 来源：样例财经\n国产超节点进入万卡时代，多家公司披露订单。\n\n产业链受益明显。\n特别声明：以上内容为用户上传\n相关推荐\n白酒板块回暖";
        let out = extract_text(text.as_bytes(), &Options::default());
        assert_eq!(out.failure, None);
        let a = &out.articles[0];
        assert_eq!(a.title.as_deref(), Some("超节点订单落地"));
        assert_eq!(a.published_at.as_deref(), Some("2026-11-18T09:30:00+08:00"));
        assert_eq!(a.source.as_deref(), Some("样例财经"));
        assert_eq!(
            a.text,
            "国产超节点进入万卡时代，多家公司披露订单。\n\n产业链受益明显。"
        );
        assert_eq!(a.script, Some(Script::Simplified));
    }

    #[test]
    fn empty_input_fails_with_a_reason() {
        let out = extract_text(b"  \n\n", &Options::default());
        assert!(out.articles.is_empty());
        assert_eq!(out.failure.as_deref(), Some("no main text found"));
    }

    #[test]
    fn scripts() {
        assert_eq!(
            script_of("輝達發表新一代晶片，伺服器需求強勁，記憶體價格上漲。"),
            Script::Traditional
        );
        assert_eq!(
            script_of("英伟达发布新一代芯片，服务器需求强劲，内存价格上涨。"),
            Script::Simplified
        );
        assert_eq!(script_of("Nvidia ships new chips."), Script::Other);
    }
}
