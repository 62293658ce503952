//! PDF reading speed: `cargo bench -p ticai-extract --bench pdf` (part of
//! `just bench`). Pages per second and MB/s (of PDF bytes) of
//! `ticai_pdf::read` (parse, fonts, layout) and of `extract_pdf` (the
//! article: cover metadata, disclaimer cut, paragraphs) on the committed
//! fixtures of `tests/pdf/`, each read repeatedly for about two seconds.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pdf");
    let options = ticai_extract::Options::default();
    println!(
        "{:<14} {:>6} {:>9} {:>12} {:>12} {:>14}",
        "fixture", "pages", "KB", "read pages/s", "read MB/s", "extract pages/s"
    );
    for name in ["note-cid.pdf", "note-ttf.pdf"] {
        let bytes = std::fs::read(dir.join(name)).expect("the fixture is there");
        let pages = ticai_pdf::read(&bytes, &ticai_pdf::Limits::default())
            .expect("the fixture reads")
            .pages;
        let rate = |f: &dyn Fn()| {
            let start = Instant::now();
            let mut n = 0u32;
            while start.elapsed() < Duration::from_secs(2) {
                f();
                n += 1;
            }
            f64::from(n) / start.elapsed().as_secs_f64()
        };
        let reads = rate(&|| {
            black_box(ticai_pdf::read(black_box(&bytes), &ticai_pdf::Limits::default()).ok());
        });
        let extracts = rate(&|| {
            black_box(ticai_extract::extract_pdf(black_box(&bytes), &options));
        });
        println!(
            "{:<14} {:>6} {:>9.1} {:>12.0} {:>12.1} {:>14.0}",
            name,
            pages,
            bytes.len() as f64 / 1024.0,
            reads * pages as f64,
            reads * bytes.len() as f64 / 1e6,
            extracts * pages as f64
        );
    }
}
