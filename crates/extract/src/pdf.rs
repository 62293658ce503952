//! Research notes as PDF: one article per report.
//!
//! `ticai-pdf` gives the lines in reading order with running headers and
//! footers marked; here they become an article:
//! * the title is the largest text on the first page (not the PDF's Info
//!   title, which is often empty or a file name; that is the fallback);
//! * the broker (`source`), analysts (`author`), report date, rating and
//!   target price come from the cover's labelled lines (`分析师：`,
//!   `报告日期：`, `投资评级：`, `目标价：`), and those lines leave the text;
//! * the trailing disclaimer section (分析师声明, 免责声明, 评级说明 ...) is
//!   cut, as recommendation tails are on pages;
//! * paragraphs are joined from their lines (no space between Chinese
//!   lines), separated by blank lines.

use crate::{Article, Extraction, Options, parse_date, script_of};
use regex::Regex;
use std::sync::LazyLock;
use ticai_pdf::Line;

/// Headings that open the legal tail of a broker report.
const DISCLAIMER_HEADS: &[&str] = &[
    "分析师声明",
    "分析师承诺",
    "分析师介绍",
    "分析师简介",
    "免责声明",
    "重要声明",
    "法律声明",
    "特别声明",
    "一般声明",
    "评级说明",
    "投资评级说明",
    "评级体系",
    "投资评级体系",
    "行业评级说明",
    "公司评级说明",
    "重要提示",
    "信息披露",
];

static ANALYST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:证券)?(?:分析师|研究员|研究助理|联系人|作者)\s*[：:]\s*(.+)$").expect("valid")
});
static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:报告日期|发布日期|发布时间|报告时间|日期)\s*[：:]?\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)")
        .expect("valid")
});
static RATING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:投资|行业|公司)?评级\s*[：:]\s*(强烈推荐|谨慎推荐|推荐|买入|增持|持有|中性|减持|卖出|优于大市|跑赢行业|跑赢大市|同步大市|弱于大市|看好|标配|超配|低配|审慎增持)\s*([（(](?:维持|首次|上调|下调)[）)])?")
        .expect("valid")
});
static TARGET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"目标价(?:格)?\s*[：:]?\s*(?:HK\$|\$|￥|¥)?\s*(\d+(?:\.\d+)?)\s*(元|港元|美元)?")
        .expect("valid")
});
static BROKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([\p{Han}A-Za-z]{2,10}?(?:证券股份有限公司|证券研究所|证券|研究所|研究院|期货))")
        .expect("valid")
});
/// The reminder brokers print on every page but the first (a running
/// header the page-count rule misses in short notes).
static REMINDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^请(?:务必|仔细)?阅读.{0,20}(?:免责|声明|重要|法律|披露)").expect("valid")
});
static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\p{Han}·]{2,5}$").expect("valid"));

/// What a report PDF gave: the article, or why not.
pub fn extract_pdf(bytes: &[u8], options: &Options) -> Extraction {
    let text = match ticai_pdf::read(bytes, &ticai_pdf::Limits::default()) {
        Ok(t) => t,
        Err(e) => {
            return Extraction {
                encoding: "pdf",
                articles: Vec::new(),
                failure: Some(e.to_string()),
            };
        }
    };
    let article = article(&text, options);
    crate::finish("pdf", article.into_iter().collect())
}

fn article(text: &ticai_pdf::Text, options: &Options) -> Option<Article> {
    let lines: Vec<&Line> = text.lines.iter().filter(|l| !l.running).collect();
    if lines.is_empty() {
        return None;
    }
    let mut used = vec![false; lines.len()];
    let cover: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].page == 0).collect();

    // the title: the largest text of the cover, its consecutive lines
    let mut title = None;
    let size_of = |i: usize| lines[i].size;
    if let Some(&best) = cover
        .iter()
        .filter(|&&i| lines[i].text.chars().filter(|c| !c.is_whitespace()).count() >= 4)
        .max_by(|&&a, &&b| size_of(a).total_cmp(&size_of(b)))
    {
        let size = size_of(best);
        let mut parts = Vec::new();
        let mut i = best;
        while i > 0 && cover.contains(&(i - 1)) && (size_of(i - 1) - size).abs() < 0.05 * size {
            i -= 1;
        }
        let first = i;
        while i < lines.len() && lines[i].page == 0 && (size_of(i) - size).abs() < 0.05 * size {
            parts.push(lines[i].text.trim());
            used[i] = true;
            i += 1;
        }
        title = Some(join_lines(&parts));
        // short cover lines above the title: broker, report type
        // (行业深度报告), dates; labels, not text
        for &j in cover.iter().filter(|&&j| j < first) {
            if lines[j].text.chars().count() <= 12 {
                used[j] = true;
            }
        }
    }

    // labelled cover lines
    let mut authors: Vec<String> = Vec::new();
    let mut published = None;
    let mut rating = None;
    let mut target = None;
    let mut source = None;
    let head: Vec<usize> = if cover.len() >= 3 {
        cover.clone()
    } else {
        (0..lines.len().min(40)).collect()
    };
    for &i in &head {
        let t = lines[i].text.trim();
        let mut meta = false;
        if let Some(c) = ANALYST.captures(t) {
            for name in c[1]
                .split(|c: char| c.is_whitespace() || "、，,;；/".contains(c))
                .map(str::trim)
                .take_while(|n| !n.contains("执业") && !n.contains("证书"))
            {
                if NAME.is_match(name) && !authors.iter().any(|a| a == name) {
                    authors.push(name.to_string());
                }
            }
            meta = true;
        }
        if published.is_none()
            && let Some(c) = DATE_LABEL.captures(t)
        {
            published = parse_date(&c[1], options.reference_date).map(|d| d.to_rfc3339());
            meta = true;
        }
        if rating.is_none()
            && let Some(c) = RATING.captures(t)
        {
            rating = Some(format!("{}{}", &c[1], c.get(2).map_or("", |m| m.as_str())));
            meta = true;
        }
        if target.is_none()
            && let Some(c) = TARGET.captures(t)
        {
            target = Some(c[1].to_string());
            meta = true;
        }
        let chars = t.chars().count();
        if source.is_none()
            && chars <= 24
            && let Some(c) = BROKER.captures(t)
        {
            source = Some(c[1].to_string());
            if c[0].chars().count() + 2 >= chars {
                meta = true;
            }
        }
        if meta && chars <= 60 {
            used[i] = true;
        }
    }
    for (i, l) in lines.iter().enumerate() {
        if l.text.chars().count() <= 40 && REMINDER.is_match(l.text.trim()) {
            used[i] = true;
        }
    }
    // the broker in the running lines (`示例证券研究所 证券研究报告`)
    if source.is_none() {
        source = text
            .lines
            .iter()
            .filter(|l| l.running)
            .find_map(|l| BROKER.captures(&l.text).map(|c| c[1].to_string()));
    }
    if published.is_none() {
        let cover_text: String = head
            .iter()
            .map(|&i| lines[i].text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        published = crate::find_date(&cover_text, options.reference_date).map(|d| d.to_rfc3339());
    }
    let title = title
        .filter(|t| !t.is_empty())
        .or_else(|| text.info_title.clone().filter(|t| !is_file_name_title(t)));

    // the disclaimer tail: from the first heading after the cover
    let mut end = lines.len();
    for i in 0..lines.len() {
        if lines[i].page == 0 && text.pages > 1 {
            continue;
        }
        let t: String = lines[i]
            .text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let t = t.trim_start_matches(|c: char| {
            c.is_ascii_digit() || "一二三四五六七八九十、.．)）(（".contains(c)
        });
        if t.chars().count() <= 16
            && DISCLAIMER_HEADS.iter().any(|h| t.starts_with(h))
            && i * 3 >= lines.len()
        {
            end = i;
            break;
        }
    }

    let mut paragraphs: Vec<String> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for i in 0..end {
        if used[i] {
            if !cur.is_empty() {
                paragraphs.push(join_lines(&cur));
                cur.clear();
            }
            continue;
        }
        if lines[i].para_start && !cur.is_empty() {
            paragraphs.push(join_lines(&cur));
            cur.clear();
        }
        cur.push(lines[i].text.trim());
    }
    if !cur.is_empty() {
        paragraphs.push(join_lines(&cur));
    }
    paragraphs.retain(|p| !p.trim().is_empty());
    let body = paragraphs.join("\n\n");
    Some(Article {
        title,
        published_at: published,
        source,
        author: (!authors.is_empty()).then(|| authors.join(" ")),
        canonical_url: options.url.clone(),
        script: Some(script_of(&body)),
        text: body,
        rating,
        target_price: target,
    })
}

/// Lines of one paragraph: no space between Chinese lines, one between
/// Latin words.
fn join_lines(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        let p = p.trim();
        if let (Some(a), Some(b)) = (s.chars().last(), p.chars().next())
            && a.is_ascii_alphanumeric()
            && b.is_ascii_alphanumeric()
        {
            s.push(' ');
        }
        s.push_str(p);
    }
    s
}

/// An Info title that is a file name or a template's, not the report's.
fn is_file_name_title(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    l.starts_with("microsoft word")
        || l.ends_with(".doc")
        || l.ends_with(".docx")
        || l.ends_with(".pdf")
        || l.ends_with(".wps")
        || l == "untitled"
        || !t
            .chars()
            .any(|c| !c.is_ascii_digit() && !c.is_ascii_punctuation() && !c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let c = RATING.captures("投资评级：买入（维持）").unwrap();
        assert_eq!(&c[1], "买入");
        assert_eq!(
            TARGET.captures("目标价：45.60元").unwrap()[1].to_string(),
            "45.60"
        );
        assert_eq!(
            &BROKER.captures("示例证券研究所").unwrap()[1],
            "示例证券研究所"
        );
        assert_eq!(
            &ANALYST.captures("分析师：张三 李四").unwrap()[1],
            "张三 李四"
        );
        assert!(DATE_LABEL.is_match("报告日期：2026年11月20日"));
        assert!(is_file_name_title("Microsoft Word - 20261120.docx"));
        assert!(!is_file_name_title("液冷渗透率加速提升"));
    }

    #[test]
    fn joins() {
        assert_eq!(join_lines(&["国产算力", "持续突破"]), "国产算力持续突破");
        assert_eq!(join_lines(&["HBM", "3E"]), "HBM 3E");
    }
}
