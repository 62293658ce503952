//! HTML pages: metadata from the document head and the page text, main text
//! from readability (dom_smoothie) with a visible-text fallback.

use crate::{
    Extraction, Options, PageMeta, articles_from_lines, clean::tidy, decode, find_date,
    find_source, finish, parse_date,
};
use dom_smoothie::{Config, Readability, TextMode};
use scraper::{ElementRef, Html, Node, Selector};
use serde_json::Value;

/// Extracts the article(s) of an HTML page.
pub fn extract_html(bytes: &[u8], options: &Options) -> Extraction {
    let decoded = decode(bytes, options.content_type.as_deref());
    let page = Html::parse_document(&decoded.text);
    let visible = visible_text(&page);
    let meta = page_meta(&page, &visible, options);
    let main = selected_text(&page, options.body_selector.as_deref())
        .or_else(|| main_text(&decoded.text, options))
        .filter(|t| t.chars().count() >= 30);
    let text = main.unwrap_or(visible);
    let lines: Vec<&str> = text.lines().collect();
    finish(
        decoded.encoding,
        articles_from_lines(&lines, Some(&meta), options),
    )
}

/// The page as it is: metadata, and all visible text as one article, with
/// no boilerplate removal (for `ticai tag --no-extract`).
pub fn read_html_raw(bytes: &[u8], options: &Options) -> Extraction {
    let decoded = decode(bytes, options.content_type.as_deref());
    let page = Html::parse_document(&decoded.text);
    let visible = visible_text(&page);
    let meta = page_meta(&page, &visible, options);
    let article = crate::Article {
        title: meta.title,
        published_at: meta.published_at,
        source: meta.source,
        author: meta.author,
        canonical_url: meta.canonical_url,
        script: Some(crate::script_of(&visible)),
        text: visible,
        ..crate::Article::default()
    };
    finish(decoded.encoding, vec![article])
}

/// The text of the element a site's `body_selector` picks, if any.
fn selected_text(page: &Html, selector: Option<&str>) -> Option<String> {
    let sel = Selector::parse(selector?).ok()?;
    let el = page.select(&sel).next()?;
    let html = Html::parse_fragment(&el.html());
    let text = visible_text(&html);
    (text.chars().count() >= 30).then_some(text)
}

fn main_text(html: &str, options: &Options) -> Option<String> {
    let cfg = Config {
        // readability's default (500) assumes alphabetic text; a CJK
        // character carries about as much as a word
        char_threshold: 200,
        text_mode: TextMode::Formatted,
        ..Config::default()
    };
    let mut r = Readability::new(html, options.url.as_deref(), Some(cfg)).ok()?;
    let article = r.parse().ok()?;
    Some(article.text_content.to_string())
}

fn select<'a>(page: &'a Html, css: &str) -> Option<ElementRef<'a>> {
    Selector::parse(css)
        .ok()
        .and_then(|s| page.select(&s).next())
}

fn attr(page: &Html, css: &str, name: &str) -> Option<String> {
    select(page, css)
        .and_then(|e| e.value().attr(name))
        .map(tidy)
        .filter(|s| !s.is_empty())
}

fn text_of(page: &Html, css: &str) -> Option<String> {
    select(page, css)
        .map(|e| tidy(&e.text().collect::<String>()))
        .filter(|s| !s.is_empty())
}

/// `<title>` minus a site suffix: 标题_网易科技 / 标题 - 新浪财经 / 标题|站点.
fn strip_site_suffix(title: &str) -> (String, Option<String>) {
    for sep in ["_", " - ", "|", " | ", "－", "——", " – "] {
        if let Some((head, tail)) = title.split_once(sep) {
            let head = head.trim();
            if head.chars().count() >= 4 {
                let site = tail
                    .split(sep)
                    .last()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string);
                return (head.to_string(), site);
            }
        }
    }
    (title.trim().to_string(), None)
}

fn json_ld(page: &Html) -> Vec<Value> {
    let Ok(sel) = Selector::parse("script[type='application/ld+json']") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in page.select(&sel) {
        let raw: String = s.text().collect();
        match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Array(items)) => out.extend(items),
            Ok(v) => {
                if let Some(Value::Array(graph)) = v.get("@graph") {
                    out.extend(graph.iter().cloned());
                }
                out.push(v);
            }
            Err(_) => {}
        }
    }
    out
}

/// A JSON-LD string as text. A `<script>` body is not entity-decoded by the
/// HTML parser, and CMS templates often write it HTML-escaped (`&amp;`,
/// `&quot;`, even tags), unlike attributes and text nodes, which the parser
/// decodes: decoded here too, so a title means text whichever branch gave it.
fn ld_text(s: &str) -> String {
    if s.contains(['&', '<']) {
        tidy(
            &Html::parse_fragment(s)
                .root_element()
                .text()
                .collect::<String>(),
        )
    } else {
        tidy(s)
    }
}

fn page_meta(page: &Html, visible: &str, options: &Options) -> PageMeta {
    let ld = json_ld(page);
    let ld_str = |key: &str| {
        ld.iter()
            .find_map(|v| v.get(key).and_then(Value::as_str).map(ld_text))
    };
    let raw_title = text_of(page, "title");
    let (stripped, site_from_title) = raw_title.as_deref().map(strip_site_suffix).unzip();
    let h1 = text_of(page, "h1");
    let title = attr(page, "meta[property='og:title']", "content")
        .or_else(|| ld_str("headline"))
        .or_else(|| match (&h1, &raw_title) {
            // the <h1> when <title> is it plus a suffix
            (Some(h), Some(t)) if t.starts_with(h.as_str()) && h.chars().count() >= 4 => {
                Some(h.clone())
            }
            _ => None,
        })
        .or(stripped)
        .or(h1)
        .map(|t| strip_site_suffix(&t).0);
    let reference = options.reference_date;
    let date_meta = [
        ("meta[property='article:published_time']", "content"),
        ("meta[name='article:published_time']", "content"),
        ("meta[itemprop='datePublished']", "content"),
        ("meta[name='publishdate']", "content"),
        ("meta[name='PubDate']", "content"),
        ("meta[name='pubdate']", "content"),
        ("meta[name='publish_time']", "content"),
        ("meta[property='og:release_date']", "content"),
        ("time[datetime]", "datetime"),
    ]
    .iter()
    .find_map(|(css, a)| attr(page, css, a))
    .or_else(|| ld_str("datePublished"));
    // otherwise the first date written near the title in the page text
    let near_title = title
        .as_deref()
        .and_then(|t| visible.find(t).map(|at| &visible[at..]))
        .map(|s| s.chars().take(400).collect::<String>());
    let head: String = visible.chars().take(3000).collect();
    // last resorts: a modification time, WeChat's `var ct = "<unix time>"`
    let modified = [
        ("meta[property='article:modified_time']", "content"),
        ("meta[itemprop='dateModified']", "content"),
        ("meta[itemprop='dateUpdate']", "content"),
    ]
    .iter()
    .find_map(|(css, a)| attr(page, css, a))
    .or_else(|| ld_str("dateModified"));
    let published_at = date_meta
        .and_then(|d| parse_date(&d, reference))
        .or_else(|| near_title.as_deref().and_then(|s| find_date(s, reference)))
        .or_else(|| find_date(&head, reference))
        .or_else(|| modified.and_then(|d| parse_date(&d, reference)))
        .or_else(|| wechat_time(page))
        .map(|d| d.to_rfc3339());
    let source = near_title
        .as_deref()
        .and_then(find_source)
        .or_else(|| attr(page, "meta[name='source']", "content"))
        .or_else(|| attr(page, "meta[property='og:site_name']", "content"))
        .or_else(|| {
            ld.iter().find_map(|v| {
                v.pointer("/publisher/name")
                    .and_then(Value::as_str)
                    .map(ld_text)
            })
        })
        .or(site_from_title.flatten());
    let author = attr(page, "meta[name='author']", "content")
        .or_else(|| attr(page, "meta[property='article:author']", "content"))
        .or_else(|| {
            ld.iter().find_map(|v| {
                v.pointer("/author/name")
                    .and_then(Value::as_str)
                    .map(ld_text)
            })
        });
    let canonical_url = attr(page, "link[rel='canonical']", "href")
        .or_else(|| attr(page, "meta[property='og:url']", "content"))
        .or_else(|| options.url.clone());
    PageMeta {
        title,
        published_at,
        source,
        author,
        canonical_url,
    }
}

/// WeChat articles carry their publication time as `var ct = "1581517074"`.
fn wechat_time(page: &Html) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    static CT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"var\s+ct\s*=\s*"(\d{10})""#).expect("valid")
    });
    let sel = Selector::parse("script").ok()?;
    page.select(&sel).find_map(|s| {
        let code: String = s.text().collect();
        let secs: i64 = CT.captures(&code)?[1].parse().ok()?;
        let china = chrono::FixedOffset::east_opt(8 * 3600)?;
        chrono::DateTime::from_timestamp(secs, 0).map(|d| d.with_timezone(&china))
    })
}

/// The visible text of a page, one line per block element.
pub(crate) fn visible_text(page: &Html) -> String {
    fn walk(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if matches!(
                    name,
                    "script"
                        | "style"
                        | "noscript"
                        | "template"
                        | "head"
                        | "svg"
                        | "iframe"
                        | "select"
                        | "button"
                ) {
                    return;
                }
                let block = matches!(
                    name,
                    "p" | "div"
                        | "br"
                        | "li"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "tr"
                        | "td"
                        | "section"
                        | "article"
                        | "header"
                        | "footer"
                        | "aside"
                        | "nav"
                        | "blockquote"
                        | "pre"
                        | "table"
                        | "ul"
                        | "ol"
                        | "dd"
                        | "dt"
                        | "figcaption"
                );
                if block {
                    out.push('\n');
                }
                for c in node.children() {
                    walk(c, out);
                }
                if block {
                    out.push('\n');
                }
            }
            _ => {
                for c in node.children() {
                    walk(c, out);
                }
            }
        }
    }
    let mut out = String::new();
    walk(page.tree.root(), &mut out);
    out.lines()
        .map(tidy)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_suffixes() {
        let rows = [
            (
                "超节点订单落地_网易科技",
                ("超节点订单落地", Some("网易科技")),
            ),
            (
                "超节点订单落地 - 新浪财经",
                ("超节点订单落地", Some("新浪财经")),
            ),
            (
                "超节点订单落地|证券时报网",
                ("超节点订单落地", Some("证券时报网")),
            ),
            ("短_网站", ("短_网站", None)),
            ("没有后缀的标题", ("没有后缀的标题", None)),
        ];
        for (t, (want, site)) in rows {
            let (got, s) = strip_site_suffix(t);
            assert_eq!((got.as_str(), s.as_deref()), (want, site), "{t}");
        }
    }

    #[test]
    fn metadata_from_json_ld_and_canonical() {
        let html = r#"<html><head><title>x</title>
            <script type="application/ld+json">{"@type":"NewsArticle","headline":"液冷渗透率提升","datePublished":"2026-11-20T15:30:00+08:00","author":{"name":"王五"},"publisher":{"name":"样例日报"}}</script>
            <link rel="canonical" href="https://example.invalid/a/1"></head>
            <body><p>数据中心液冷方案加速落地，冷板式液冷仍是主流路线，多家厂商中标智算中心项目。</p></body></html>"#;
        let out = extract_html(html.as_bytes(), &Options::default());
        let a = &out.articles[0];
        assert_eq!(a.title.as_deref(), Some("液冷渗透率提升"));
        assert_eq!(a.published_at.as_deref(), Some("2026-11-20T15:30:00+08:00"));
        assert_eq!(a.author.as_deref(), Some("王五"));
        assert_eq!(a.source.as_deref(), Some("样例日报"));
        assert_eq!(
            a.canonical_url.as_deref(),
            Some("https://example.invalid/a/1")
        );
    }

    #[test]
    fn json_ld_strings_are_text_like_the_other_branches() {
        // the same title through og:title (an attribute, decoded by the parser)
        // and through JSON-LD (a script body, written HTML-escaped)
        let body = "<body><p>数据中心液冷方案加速落地，冷板式液冷仍是主流路线，多家厂商中标智算中心项目。</p></body></html>";
        let og = format!(
            "<html><head><meta property=\"og:title\" content=\"液冷 &amp; 电源：&quot;双龙头&quot; &lt;b&gt;\"></head>{body}"
        );
        let ld = format!(
            "<html><head><script type=\"application/ld+json\">{{\"headline\":\"液冷 &amp; 电源：&quot;双龙头&quot; &lt;b&gt;\",\"author\":{{\"name\":\"王&amp;五\"}},\"publisher\":{{\"name\":\"样例&lt;日报&gt;\"}}}}</script></head>{body}"
        );
        let title = |html: &str| {
            let a = extract_html(html.as_bytes(), &Options::default()).articles[0].clone();
            (a.title, a.author, a.source)
        };
        let (og_title, _, _) = title(&og);
        let (ld_title, author, source) = title(&ld);
        assert_eq!(og_title.as_deref(), Some("液冷 & 电源：\"双龙头\" <b>"));
        assert_eq!(ld_title, og_title);
        assert_eq!(author.as_deref(), Some("王&五"));
        assert_eq!(source.as_deref(), Some("样例<日报>"));
    }

    #[test]
    fn wechat_and_modified_times() {
        let html = r#"<html><body><p>正文内容足够长，讲述了超节点与万卡集群的最新进展以及订单情况。</p><script>var ct = "1581517074";</script></body></html>"#;
        let a = &extract_html(html.as_bytes(), &Options::default()).articles[0];
        assert_eq!(a.published_at.as_deref(), Some("2020-02-12T22:17:54+08:00"));
        let html = r#"<html><head><meta itemprop="dateUpdate" content="2019-10-08 12:00:57"></head><body><p>正文内容足够长，讲述了超节点与万卡集群的最新进展以及订单情况。</p></body></html>"#;
        let a = &extract_html(html.as_bytes(), &Options::default()).articles[0];
        assert_eq!(a.published_at.as_deref(), Some("2019-10-08T12:00:57+08:00"));
    }

    #[test]
    fn body_selector_wins_over_readability() {
        let html = "<html><body><div class='side'><p>侧栏内容很长很长，讲的是白酒板块与房地产板块的走势，和本文无关，但文字足够多，足以迷惑通用的正文抽取算法。侧栏内容很长很长。</p></div><div class='content'><p>正文只有这一段：超节点订单落地，产业链受益明显，多家公司披露合同。</p></div></body></html>";
        let options = Options {
            body_selector: Some("div.content".into()),
            ..Default::default()
        };
        let a = &extract_html(html.as_bytes(), &options).articles[0];
        assert_eq!(
            a.text,
            "正文只有这一段：超节点订单落地，产业链受益明显，多家公司披露合同。"
        );
        // a selector that matches nothing falls back to readability
        let options = Options {
            body_selector: Some("div.nothing".into()),
            ..Default::default()
        };
        assert!(!extract_html(html.as_bytes(), &options).articles.is_empty());
    }

    #[test]
    fn empty_page_fails() {
        let out = extract_html(
            b"<html><body><script>x</script></body></html>",
            &Options::default(),
        );
        assert_eq!(out.failure.as_deref(), Some("no main text found"));
    }
}
