//! Long documents against flash news, in one run:
//! `cargo bench -p ticai --bench long` (part of `just bench`).
//!
//! * the table: one seed article repeated to 250k … 6M characters,
//!   tagged with every evidence span, seconds per size;
//! * tag MB/s (one thread) of the shared East Money flash items, of one
//!   generated 10 MB document (the seed repeated) and of a 300-page-like
//!   report (distinct flash items as paragraphs), with every span and with
//!   `--max-evidence 50`;
//! * ingest MB/s (one thread, a fresh on-disk index each) of the same,
//!   with the peak RSS of each ingest (the high-water mark is reset before
//!   each one).
//!
//! * extraction MB/s of a generated annual-report page whose body is one
//!   table, at 2, 4 and 8 MB (flat: linear in the page's size).
//!
//! Needs `../shared` beside the repository.

#[allow(dead_code)] // the index and serve benches use the rest
mod corpus;

use std::hint::black_box;
use std::time::Instant;
use ticai_model::Document;
use ticai_pipeline::Store;
use ticai_tag::Tagger;

fn main() {
    let flash = corpus::load(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/flash/eastmoney.jsonl"),
    );
    assert!(flash.len() > 1000, "the East Money flash corpus is there");
    let lexicon = ticai_pipeline::lexicons::builtin();
    let tagger = Tagger::new(&lexicon).expect("the built-in lexicon compiles");
    let size = |docs: &[Document]| -> usize {
        docs.iter()
            .map(|d| d.text.len() + d.title.as_deref().map_or(0, str::len))
            .sum()
    };
    // the seed: the longest flash item that names several themes
    let seed = flash
        .iter()
        .filter(|d| tagger.tag(d).themes.len() >= 2)
        .max_by_key(|d| d.text.len())
        .expect("a flash item with two themes")
        .text
        .clone();
    let repeated = |chars: usize| -> Document {
        let mut text = String::with_capacity(chars * 3);
        let mut n = 0;
        while n < chars {
            text.push_str(&seed);
            text.push('\n');
            n += seed.chars().count() + 1;
        }
        Document {
            id: format!("seed-x{chars}"),
            text,
            ..Document::default()
        }
    };

    println!("one document, the seed article repeated (tag, every evidence span, 1 thread)");
    println!(
        "{:>12} {:>10} {:>10} {:>12}",
        "characters", "seconds", "MB/s", "mentions"
    );
    for chars in [250_000, 500_000, 1_000_000, 2_000_000, 6_000_000] {
        let d = repeated(chars);
        let t = Instant::now();
        let out = black_box(tagger.tag(&d));
        let secs = t.elapsed().as_secs_f64();
        let mentions: usize = out.themes.iter().map(|t| t.mentions).sum::<usize>()
            + out.companies.iter().map(|c| c.mentions).sum::<usize>();
        assert!(mentions > chars / 1000, "the seed's tags repeat");
        println!(
            "{chars:>12} {secs:>10.2} {:>10.1} {mentions:>12}",
            d.text.len() as f64 / 1e6 / secs
        );
    }

    let ten_mb = {
        let mut d = repeated(3_400_000);
        while d.text.len() < 10_000_000 {
            d.text.push_str(&seed);
        }
        d
    };
    // a report: distinct flash items as paragraphs, about 300 pages of
    // 1,500 characters
    let mut report = Document {
        id: "report".into(),
        title: Some("行业深度报告".into()),
        ..Document::default()
    };
    for d in &flash {
        if report.text.chars().count() > 450_000 {
            break;
        }
        report.text.push_str(&d.text);
        report.text.push('\n');
    }

    // the report at three lengths: the cost per MB stays flat
    println!("\nthe report at three lengths (tag, every evidence span, 1 thread)");
    println!("{:>12} {:>10} {:>10}", "characters", "seconds", "MB/s");
    for chars in [150_000, 450_000, 1_350_000] {
        let mut d = Document::default();
        for f in flash.iter().cycle() {
            if d.text.chars().count() > chars {
                break;
            }
            d.text.push_str(&f.text);
            d.text.push('\n');
        }
        let t = Instant::now();
        black_box(tagger.tag(&d));
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{chars:>12} {secs:>10.2} {:>10.1}",
            d.text.len() as f64 / 1e6 / secs
        );
    }

    println!(
        "\n{:<52} {:>10} {:>10}",
        "tag (1 thread)", "MB/s", "x flash"
    );
    let tag_rate = |docs: &[Document], max: Option<usize>| -> f64 {
        let bytes = size(docs);
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let mut n = 0usize;
            for d in docs {
                n += black_box(tagger.tag_with(d, max)).themes.len();
            }
            assert!(n > 0, "tagging found nothing");
            best = best.min(t.elapsed().as_secs_f64());
        }
        bytes as f64 / 1e6 / best
    };
    let flash_rate = tag_rate(&flash, None);
    let rows = [
        ("flash items (every span)", tag_rate(&flash, None)),
        (
            "one 10 MB document (every span)",
            tag_rate(std::slice::from_ref(&ten_mb), None),
        ),
        (
            "one 10 MB document (--max-evidence 50)",
            tag_rate(std::slice::from_ref(&ten_mb), Some(50)),
        ),
        (
            "300-page report, varied paragraphs (every span)",
            tag_rate(std::slice::from_ref(&report), None),
        ),
    ];
    for (name, rate) in rows {
        println!("{name:<52} {rate:>10.1} {:>10.2}", rate / flash_rate);
    }

    println!(
        "\n{:<52} {:>10} {:>10} {:>12}",
        "ingest (1 thread, fresh index)", "MB/s", "x flash", "peak RSS MB"
    );
    let dir = std::env::temp_dir().join(format!("ticai-bench-long-{}", std::process::id()));
    let ingest = |name: &str, docs: &[Document]| -> (f64, f64) {
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir, None).expect("index opens");
        // reset the high-water mark, so the figure is this ingest's
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let t = Instant::now();
        let mut writer = store.index.writer().expect("writer");
        for chunk in docs.chunks(ticai_pipeline::BATCH) {
            let mut batch = chunk.to_vec();
            store.ingest(&mut batch, &mut writer, 1).expect("ingest");
        }
        ticai_pipeline::finish(writer).expect("commit");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(
            store.index.num_docs().expect("count") as usize,
            docs.len(),
            "{name}: every document stored"
        );
        (size(docs) as f64 / 1e6 / secs, corpus::peak_rss_mb())
    };
    let (flash_ingest, flash_rss) = ingest("flash", &flash);
    println!(
        "{:<52} {flash_ingest:>10.1} {:>10.2} {flash_rss:>12.0}",
        "flash items", 1.0
    );
    for (name, doc) in [
        ("one 10 MB document", &ten_mb),
        ("300-page report", &report),
    ] {
        let (rate, rss) = ingest(name, std::slice::from_ref(doc));
        println!(
            "{name:<52} {rate:>10.1} {:>10.2} {rss:>12.0}",
            rate / flash_ingest
        );
    }
    let _ = std::fs::remove_dir_all(&dir);

    println!("\nextract, one page of one table (1 thread)");
    println!(
        "{:>12} {:>10} {:>10} {:>10}",
        "MB", "seconds", "MB/s", "rows"
    );
    for rows in [25_000, 50_000, 100_000] {
        let html = report_table(rows);
        let t = Instant::now();
        let ex = black_box(ticai_extract::extract_html(
            html.as_bytes(),
            &ticai_extract::Options::default(),
        ));
        let secs = t.elapsed().as_secs_f64();
        let kept = ex.articles[0].text.matches("万元").count();
        assert_eq!(kept, rows, "every row extracted");
        println!(
            "{:>12.1} {secs:>10.2} {:>10.1} {rows:>10}",
            html.len() as f64 / 1e6,
            html.len() as f64 / 1e6 / secs
        );
    }
}

/// An annual-report page whose body is one table of `rows` rows.
fn report_table(rows: usize) -> String {
    let mut html = String::from(
        "<html><head><meta charset=\"utf-8\"><title>年度报告</title></head><body><article>\
         <h1>某公司2026年年度报告</h1><p>报告日期：2026-04-20。主营业务分地区、分季度情况如下。</p><table>\
         <tr><th>序号</th><th>地区</th><th>营收</th><th>毛利率</th></tr>",
    );
    let regions = ["华东", "华南", "华北", "西南", "海外"];
    for i in 0..rows {
        html.push_str(&format!(
            "<tr><td>{i}</td><td>{}第{}季度</td><td>营收{}万元</td><td>{}.{}%</td></tr>",
            regions[i % regions.len()],
            i % 4 + 1,
            (i * 104_729) % 1_000_000,
            i % 60,
            i % 10
        ));
    }
    html.push_str("</table></article></body></html>");
    html
}
