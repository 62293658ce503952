//! Prints a PDF's lines in reading order, with page, size, paragraph
//! starts (¶) and running lines (R): `cargo run -p ticai-pdf --example
//! pdflines -- FILE.pdf`.

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        match ticai_pdf::read(&bytes, &ticai_pdf::Limits::default()) {
            Ok(t) => {
                println!(
                    "== {path}: {} pages, {} glyphs, {} unmapped, info title {:?}",
                    t.pages, t.glyphs, t.unmapped, t.info_title
                );
                for l in &t.lines {
                    println!(
                        "p{} {:5.1} y{:5.1} {:5.1}-{:5.1} {}{} {}",
                        l.page + 1,
                        l.size,
                        l.baseline,
                        l.x0,
                        l.x1,
                        if l.para_start { '¶' } else { ' ' },
                        if l.running { 'R' } else { ' ' },
                        l.text
                    );
                }
            }
            Err(e) => println!("== {path}: {} ({})", e, e.kind()),
        }
    }
}
