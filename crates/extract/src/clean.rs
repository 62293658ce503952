//! Line-level cleanup of extracted text: page chrome and boilerplate lines
//! dropped, recommendation tails (相关推荐, 热点推荐, 特别声明 ...) cut off,
//! source and author lines turned into metadata.

use regex::Regex;
use std::sync::LazyLock;

/// Lines that start the noise after an article: everything from here on is
/// cut (when enough text came before it).
const TAIL_MARKERS: &[&str] = &[
    "相关推荐",
    "热点推荐",
    "24小时热文",
    "热门推荐",
    "相关阅读",
    "推荐阅读",
    "延伸阅读",
    "猜你喜欢",
    "点击排行",
    "热门文章",
    "更多精彩",
    "精彩推荐",
    "大家都在看",
    "相关新闻",
    "相关文章",
    "热门评论",
    "网友评论",
    "我要评论",
    "特别声明",
    "免责声明",
    "郑重声明",
    "版权声明",
    "热文排行",
    "今日推荐",
    "为您推荐",
    "相关专题",
];

/// Markers of noise: the tail markers and the boilerplate lines most often
/// left in (`ticai eval extract` counts pages whose text still holds one).
pub fn noise_markers() -> impl Iterator<Item = &'static str> {
    TAIL_MARKERS
        .iter()
        .copied()
        .chain(["责任编辑", "扫码", "分享至"])
}

static DROP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            [（(【\[]?\s*(?:责任编辑|责编|编辑|校对|审核|值班编辑|实习编辑)\s*[:：].{0,40}
          | (?:分享至|分享到).{0,12}
          | (?:举报|收藏|点赞|评论|打印|关闭窗口|申请入驻|返回顶部|返回首页|查看原文|阅读原文|展开全文|icon|搜索文档)
          | .{0,12}(?:扫码|扫一扫|二维码).{0,30}
          | 打开.{0,8}(?:APP|App|app|客户端).{0,20}
          | 返回.{0,8}查看更多.{0,10}
          | 点击.{0,10}(?:查看|阅读|进入|关注|下载).{0,16}
          | \d+\s*(?:条评论|人参与|评论|赞|阅读)?
          | 字号[:：]?.{0,10}
          | .{0,20}首页\s*(?:>|＞|»).*
          | (?:图片来源|图源|配图|图)\s*[:：].{0,40}
        )$",
    )
    .expect("valid drop pattern")
});

static SOURCE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:本文)?来源\s*[:：]\s*(?P<v>[^\s|丨]{1,30})").expect("valid source pattern")
});

static AUTHOR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:作者|撰文|文)\s*[:：|丨]\s*(?P<v>[^\s|丨]{1,20})")
        .expect("valid author pattern")
});

/// A source named anywhere in a short stretch of text (`来源：新京报`).
pub fn find_source(text: &str) -> Option<String> {
    static IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[\s|丨])(?:本文)?来源\s*[:：]\s*(?P<v>[^\s|丨<>]{1,30})").expect("valid")
    });
    IN_TEXT
        .captures(text)
        .map(|c| c["v"].trim_end_matches(['。', ',', '，']).to_string())
}

/// The result of cleaning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cleaned {
    pub paragraphs: Vec<String>,
    pub source: Option<String>,
    pub author: Option<String>,
}

/// Collapses white space inside a line (NBSP and ideographic spaces too).
pub fn tidy(line: &str) -> String {
    line.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cleans extracted lines.
///
/// ```
/// let c = ticai_extract::clean_lines("网易首页 > 网易号 > 正文\n分享至\n超节点订单落地，产业链受益明显，多家公司披露合同。\n本文来源：新京报\n责任编辑：张三\n相关推荐\n白酒板块回暖".lines());
/// assert_eq!(c.paragraphs, ["超节点订单落地，产业链受益明显，多家公司披露合同。"]);
/// assert_eq!(c.source.as_deref(), Some("新京报"));
/// ```
pub fn clean_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Cleaned {
    let mut out = Cleaned::default();
    let mut chars = 0usize;
    for raw in lines {
        let line = tidy(raw);
        if line.is_empty() {
            continue;
        }
        if TAIL_MARKERS.iter().any(|m| line.starts_with(m)) {
            if chars >= 20 {
                break;
            }
            continue;
        }
        if line.chars().count() <= 60 && DROP.is_match(&line) {
            continue;
        }
        if line.chars().count() <= 60 {
            if let Some(c) = SOURCE_LINE.captures(&line) {
                out.source.get_or_insert_with(|| c["v"].to_string());
                continue;
            }
            if let Some(c) = AUTHOR_LINE.captures(&line) {
                out.author.get_or_insert_with(|| c["v"].to_string());
                continue;
            }
        }
        chars += line.chars().count();
        out.paragraphs.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_and_keeps() {
        // (line, kept)
        let rows = [
            ("责任编辑：杨倩_NF4425", false),
            ("（责任编辑： HN666）", false),
            ("用微信扫码二维码分享至好友和朋友圈", false),
            ("分享至", false),
            ("0", false),
            ("128条评论", false),
            ("网易首页 > 网易号 > 正文 申请入驻", false),
            ("返回富达，查看更多", false),
            ("图片来源：视觉中国", false),
            ("icon", false),
            ("英伟达发布新一代GPU，算力需求持续增长。", true),
            ("2025年营收增长30%", true),
            (
                "编辑部认为超节点是下一代智算的核心单元，这一判断已被多家厂商验证，产业链有望持续受益于此轮建设。",
                true,
            ),
        ];
        for (line, kept) in rows {
            let c = clean_lines([line]);
            assert_eq!(!c.paragraphs.is_empty(), kept, "{line}");
        }
    }

    #[test]
    fn cuts_tails_only_after_text() {
        let text = "相关推荐\n正文第一段，内容足够长，讲述了超节点与万卡集群的最新进展，以及产业链公司的订单情况。\n特别声明：以上内容为自媒体上传\n热点推荐\n白酒板块";
        let c = clean_lines(text.lines());
        assert_eq!(c.paragraphs.len(), 1, "{:?}", c.paragraphs);
        assert!(c.paragraphs[0].starts_with("正文第一段"));
    }

    #[test]
    fn metadata_lines() {
        let c = clean_lines(["来源：证券时报网", "作者：李四", "正文。"]);
        assert_eq!(
            (c.source.as_deref(), c.author.as_deref()),
            (Some("证券时报网"), Some("李四"))
        );
        assert_eq!(c.paragraphs, ["正文。"]);
        assert_eq!(
            find_source("2019-09-05 11:10 来源：新京报 作者：王五").as_deref(),
            Some("新京报")
        );
    }
}
