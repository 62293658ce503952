//! Digest pages: research-note aggregators put several articles on one
//! page, each a title line, then a `source· YYYY-MM-DD HH:MM` line, then its
//! body. Such a page splits into one article per marker.

use regex::Regex;
use std::sync::LazyLock;

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<src>[^\s·•]{1,30})\s*[·•]\s*(?P<date>(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2})?)$")
        .expect("valid digest marker")
});

/// One article of a digest page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestPart {
    pub title: String,
    pub source: String,
    /// As written (`2025-07-24 13:31`).
    pub date: String,
    pub body: Vec<String>,
}

/// Splits lines (already tidied, no empty ones) into digest articles, or
/// `None` when the page is not a digest (fewer than two markers).
pub fn split_digest(lines: &[String]) -> Option<Vec<DigestPart>> {
    let markers: Vec<usize> = (1..lines.len())
        .filter(|&i| MARKER.is_match(&lines[i]))
        .collect();
    if markers.len() < 2 {
        return None;
    }
    let mut parts = Vec::new();
    for (k, &m) in markers.iter().enumerate() {
        let caps = MARKER.captures(&lines[m]).expect("marker lines match");
        let body_end = markers.get(k + 1).map_or(lines.len(), |&next| next - 1);
        parts.push(DigestPart {
            title: lines[m - 1].clone(),
            source: caps["src"].to_string(),
            date: caps["date"].to_string(),
            body: lines[m + 1..body_end.max(m + 1)].to_vec(),
        });
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn splits_a_digest() {
        let page = lines(
            "搜索文档\n超节点迈入万卡纪元\n样例研究· 2025-12-19 18:11\n核心观点 - 国产超节点发布\n风险提示 - 订单不及预期\n光模块景气延续\n样例证券· 2025-12-17 09:05\n报告要点 - 1.6T放量",
        );
        let parts = split_digest(&page).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].title, "超节点迈入万卡纪元");
        assert_eq!(
            (parts[0].source.as_str(), parts[0].date.as_str()),
            ("样例研究", "2025-12-19 18:11")
        );
        assert_eq!(
            parts[0].body,
            ["核心观点 - 国产超节点发布", "风险提示 - 订单不及预期"]
        );
        assert_eq!(parts[1].title, "光模块景气延续");
        assert_eq!(parts[1].body, ["报告要点 - 1.6T放量"]);
    }

    #[test]
    fn a_single_dated_line_is_no_digest() {
        assert!(split_digest(&lines("标题\n样例· 2025-12-19 18:11\n正文")).is_none());
        assert!(split_digest(&lines("")).is_none());
        // a marker needs a title line before it
        assert!(split_digest(&lines("样例· 2025-12-19 18:11\n样例· 2025-12-20 18:11")).is_none());
    }
}
