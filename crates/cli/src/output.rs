//! Output helpers shared by commands.

use std::io::{self, Write};
use ticai_model::TaggedDocument;

/// Whether an error chain ends in a closed pipe (`ticai tag | head`), which
/// is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// One JSON record and a newline.
pub fn write_json_line(out: &mut impl Write, record: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, record).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// A human-readable block per document.
pub fn write_table(out: &mut impl Write, doc: &TaggedDocument) -> io::Result<()> {
    let title = doc.title.as_deref().unwrap_or("");
    let date = doc.published_at.as_deref().unwrap_or("");
    writeln!(out, "{}  {}  {}", doc.id, title, date)?;
    let mark = |in_title: bool| if in_title { " (title)" } else { "" };
    let themes: Vec<String> = doc
        .themes
        .iter()
        .map(|t| format!("{} {} ×{}{}", t.id, t.name, t.mentions, mark(t.in_title)))
        .collect();
    let companies: Vec<String> = doc
        .companies
        .iter()
        .map(|c| {
            let code = match (&c.code, c.exchange) {
                (Some(code), Some(ex)) => format!(" {code}.{ex}"),
                _ => String::new(),
            };
            format!("{}{} ×{}{}", c.name, code, c.mentions, mark(c.in_title))
        })
        .collect();
    let none = || "-".to_string();
    writeln!(
        out,
        "  themes:    {}",
        if themes.is_empty() {
            none()
        } else {
            themes.join(", ")
        }
    )?;
    writeln!(
        out,
        "  companies: {}",
        if companies.is_empty() {
            none()
        } else {
            companies.join(", ")
        }
    )?;
    writeln!(out)
}

/// The exit status after reading inputs: 1, with a line on stderr, when
/// `failed` of them had problems (each reported above), saying what became
/// of `the_rest` (`everything else was tagged`).
pub fn read_problems(failed: usize, the_rest: &str) -> std::process::ExitCode {
    if failed == 0 {
        return std::process::ExitCode::SUCCESS;
    }
    eprintln!("ticai: {failed} problem(s) reading the inputs (above); {the_rest}");
    std::process::ExitCode::from(1)
}

/// `println!` that returns the write's `io::Result` instead of panicking,
/// so that a closed pipe (`ticai ... | head`) ends the command quietly
/// (`main` exits 0 on a broken pipe).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}
