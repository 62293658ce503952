//! `ticai inspect`: how ticai will read each file, without tagging or
//! writing anything.

use crate::input::{FileInfo, InputArgs, InputError, Sink};
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use ticai_model::Document;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: InspectFormat,
    /// How many first documents to show per file.
    #[arg(long, default_value_t = 3)]
    pub show: usize,
    /// Files, directories or `-` for standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// What one file gives.
#[derive(Debug, Default, Serialize)]
pub struct FileReport {
    #[serde(flatten)]
    pub info: FileInfo,
    pub documents: usize,
    /// Documents with a publication time.
    pub dated: usize,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    pub problems: Vec<String>,
    pub first: Vec<Document>,
}

struct Inspector {
    show: usize,
    /// The zone the date range is shown in (`--tz`).
    tz: chrono_tz::Tz,
    files: Vec<FileReport>,
    /// Problems before any file was opened (a path that does not exist).
    orphans: Vec<InputError>,
    first_seen: Option<chrono::DateTime<chrono::FixedOffset>>,
    last_seen: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl Inspector {
    fn close(&mut self) {
        if let Some(f) = self.files.last_mut() {
            let shown = |t: chrono::DateTime<chrono::FixedOffset>| {
                t.with_timezone(&self.tz).fixed_offset().to_rfc3339()
            };
            f.first_published = self.first_seen.take().map(shown);
            f.last_published = self.last_seen.take().map(shown);
        }
    }
}

impl Sink for Inspector {
    fn document(&mut self, doc: Document) -> Result<()> {
        let Some(f) = self.files.last_mut() else {
            return Ok(());
        };
        f.documents += 1;
        if let Some(t) = doc
            .published_at
            .as_deref()
            .and_then(|p| ticai_extract::parse_date(p, None))
        {
            f.dated += 1;
            self.first_seen = Some(self.first_seen.map_or(t, |s| s.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |s| s.max(t)));
        }
        if f.first.len() < self.show {
            f.first.push(doc);
        }
        Ok(())
    }

    fn error(&mut self, err: InputError) {
        // a problem belongs to the file being read when it names it
        match self.files.last_mut() {
            Some(f)
                if err
                    .location
                    .strip_prefix(&f.info.name)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(':')) =>
            {
                f.problems.push(err.to_string())
            }
            _ => self.orphans.push(err),
        }
    }

    fn file(&mut self, info: FileInfo) {
        self.close();
        self.files.push(FileReport {
            info,
            ..FileReport::default()
        });
    }
}

pub fn run(args: InspectArgs) -> Result<ExitCode> {
    let reader = args.input.reader()?;
    let mut ins = Inspector {
        show: args.show,
        tz: reader.options.dates.tz,
        files: Vec::new(),
        orphans: Vec::new(),
        first_seen: None,
        last_seen: None,
    };
    reader.read_into(&args.paths, &mut ins)?;
    ins.close();
    let mut out = std::io::stdout().lock();
    let problems = ins.orphans.len() + ins.files.iter().map(|f| f.problems.len()).sum::<usize>();
    match args.format {
        InspectFormat::Json => {
            let orphans: Vec<String> = ins.orphans.iter().map(ToString::to_string).collect();
            let v = serde_json::json!({"files": ins.files, "problems": orphans});
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        InspectFormat::Table => {
            for f in &ins.files {
                write_table(&mut out, f)?;
            }
            for e in &ins.orphans {
                writeln!(out, "{}\n  problem: {}", e.location, e.message)?;
            }
        }
    }
    Ok(if problems > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_table(out: &mut impl Write, f: &FileReport) -> Result<()> {
    let i = &f.info;
    let mut how = vec![i.format.to_string()];
    if !i.compression.is_empty() {
        how.push(format!("{}-compressed", i.compression.join("+")));
    }
    if let Some(e) = &i.encoding {
        how.push(e.clone());
    }
    if let Some(d) = &i.delimiter {
        how.push(format!("delimiter {d}"));
    }
    if let Some(s) = &i.sheet {
        how.push(format!("sheet {s}"));
    }
    writeln!(out, "{}: {}", i.name, how.join(", "))?;
    if !i.fields.is_empty() {
        let m: Vec<String> = i.fields.iter().map(|(k, c)| format!("{k}={c}")).collect();
        writeln!(out, "  fields: {}", m.join(", "))?;
    }
    let share = if f.documents > 0 {
        100.0 * f.dated as f64 / f.documents as f64
    } else {
        0.0
    };
    let range = match (&f.first_published, &f.last_published) {
        (Some(a), Some(b)) => format!(", {a} .. {b}"),
        _ => String::new(),
    };
    writeln!(
        out,
        "  documents: {}; with a date: {} ({share:.0}%){range}",
        f.documents, f.dated
    )?;
    for p in &f.problems {
        writeln!(out, "  problem: {p}")?;
    }
    for (n, d) in f.first.iter().enumerate() {
        let text: String = d
            .text
            .chars()
            .take(60)
            .collect::<String>()
            .replace('\n', " ");
        let more = if d.text.chars().count() > 60 {
            "…"
        } else {
            ""
        };
        writeln!(
            out,
            "  {}. {}  {}  {}{}{text}{more}",
            n + 1,
            d.id,
            d.published_at.as_deref().unwrap_or("-"),
            d.title.as_deref().unwrap_or(""),
            if d.title.is_some() { " | " } else { "" },
        )?;
    }
    Ok(())
}
