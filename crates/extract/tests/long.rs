//! A long page: a 5 MB annual-report-like page whose body is one huge table
//! extracts whole, every row kept as a line in order, with its title and
//! date (the page is generated here; `cargo bench -p ticai --bench long`
//! prints the extraction MB/s at 2, 4 and 8 MB, which stays flat).

use ticai_extract::{Options, extract_html};

/// A report page with `rows` table rows (about 60 bytes each).
pub fn table_page(rows: usize) -> String {
    let products = [
        "液冷服务器",
        "光模块",
        "铜缆连接器",
        "HBM存储",
        "算力租赁",
        "电源模块",
    ];
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>2026年年度报告 分产品明细</title></head>\
         <body><div class=\"article\"><h1>2026年年度报告</h1><p>发布日期：2026-03-28</p>\
         <p>公司在液冷与光模块业务上持续投入，以下为分产品明细。</p><table>",
    );
    for i in 0..rows {
        let p = products[i % products.len()];
        html.push_str(&format!(
            "<tr><td>{i}</td><td>{p}第{i}批次</td><td>{}万元</td><td>同比增长{}%</td></tr>",
            (i * 7919) % 100_000,
            i % 97
        ));
    }
    html.push_str("</table><p>以上数据未经审计。</p></div></body></html>");
    html
}

#[test]
fn a_5_mb_page_of_one_table_extracts_every_row() {
    let rows = 60_000;
    let html = table_page(rows);
    assert!(html.len() > 5_000_000, "{} bytes", html.len());
    let ex = extract_html(html.as_bytes(), &Options::default());
    assert_eq!(ex.failure, None);
    assert_eq!(ex.articles.len(), 1, "one article");
    let a = &ex.articles[0];
    assert_eq!(a.title.as_deref(), Some("2026年年度报告"));
    assert_eq!(a.published_at.as_deref(), Some("2026-03-28T00:00:00+08:00"));
    // every row, in order, as one line of its cells
    let lines: Vec<&str> = a.text.lines().filter(|l| l.contains("批次")).collect();
    assert_eq!(lines.len(), rows);
    for (i, l) in lines.iter().enumerate() {
        assert!(
            l.starts_with(&format!("{i} ")) && l.contains(&format!("第{i}批次")),
            "row {i}: {l:?}"
        );
    }
    assert!(a.text.contains("以上数据未经审计"));
}
