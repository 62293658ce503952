use crate::input::{FieldMap, InputError, InputFormat, format_of, sniff_format, ticai_pdf_magic};
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::Value;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use ticai_extract::{Article, Extraction, Options, Script};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ExtractFormat {
    /// One JSON object per article per line.
    #[default]
    Json,
    /// Title, metadata and text, for reading.
    Text,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: ExtractFormat,
    /// How to read the inputs (auto: by extension; JSON Lines items are
    /// read from their `html`|`summary_html`|`content_html` field, else
    /// their text field).
    #[arg(long, value_enum, default_value_t)]
    pub input_format: InputFormat,
    /// The page's URL (recorded, and used for relative links).
    #[arg(long)]
    pub url: Option<String>,
    /// Files, directories or `-` for standard input (the default).
    pub paths: Vec<PathBuf>,
}

/// One line of `ticai extract --format json`: the contract.
#[derive(Debug, Serialize)]
pub struct ExtractRecord<'a> {
    pub id: String,
    pub url: Option<&'a str>,
    pub title: Option<&'a str>,
    pub published_at: Option<&'a str>,
    pub source: Option<&'a str>,
    pub author: Option<&'a str>,
    pub text: &'a str,
    pub encoding: &'a str,
    pub status: &'static str,
    pub reason: Option<&'a str>,
    pub canonical_url: Option<&'a str>,
    pub script: Option<Script>,
    /// Research notes (PDF): the rating and target price of the cover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_price: Option<&'a str>,
}

/// The records for one page: one per article, `#N` ids when split, or one
/// failed record.
pub fn records<'a>(id: &str, url: Option<&'a str>, ex: &'a Extraction) -> Vec<ExtractRecord<'a>> {
    if let Some(reason) = &ex.failure {
        return vec![ExtractRecord {
            id: id.to_string(),
            url,
            title: None,
            published_at: None,
            source: None,
            author: None,
            text: "",
            encoding: ex.encoding,
            status: "failed",
            reason: Some(reason),
            canonical_url: None,
            script: None,
            rating: None,
            target_price: None,
        }];
    }
    let split = ex.articles.len() > 1;
    ex.articles
        .iter()
        .enumerate()
        .map(|(i, a): (usize, &'a Article)| ExtractRecord {
            id: if split {
                format!("{id}#{}", i + 1)
            } else {
                id.to_string()
            },
            url: url.or(a.canonical_url.as_deref()),
            title: a.title.as_deref(),
            published_at: a.published_at.as_deref(),
            source: a.source.as_deref(),
            author: a.author.as_deref(),
            text: &a.text,
            encoding: ex.encoding,
            status: "ok",
            reason: None,
            canonical_url: a.canonical_url.as_deref(),
            script: a.script,
            rating: a.rating.as_deref(),
            target_price: a.target_price.as_deref(),
        })
        .collect()
}

const HTML_FIELDS: [&str; 4] = ["html", "summary_html", "content_html", "body_html"];

pub fn run(args: ExtractArgs) -> Result<ExitCode> {
    let options = Options {
        url: args.url.clone(),
        ..crate::input::extract_options()
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut failed = 0usize;
    let mut emit =
        |id: &str, url: Option<&str>, ex: &Extraction, out: &mut BufWriter<_>| -> Result<()> {
            if ex.failure.is_some() {
                failed += 1;
            }
            for r in records(id, url, ex) {
                match args.format {
                    ExtractFormat::Json => {
                        serde_json::to_writer(&mut *out, &r)?;
                        writeln!(out)?;
                    }
                    ExtractFormat::Text => {
                        writeln!(
                            out,
                            "# {} [{}{}]",
                            r.id,
                            r.status,
                            r.reason.map(|x| format!(": {x}")).unwrap_or_default()
                        )?;
                        for (k, v) in [
                            ("title", r.title),
                            ("published_at", r.published_at),
                            ("source", r.source),
                            ("author", r.author),
                            ("url", r.url),
                        ] {
                            if let Some(v) = v {
                                writeln!(out, "{k}: {v}")?;
                            }
                        }
                        writeln!(out, "encoding: {}\n\n{}\n", r.encoding, r.text)?;
                    }
                }
            }
            Ok(())
        };
    let mut errors: Vec<InputError> = Vec::new();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for p in &paths {
        if p.is_dir() {
            let mut found = Vec::new();
            crate::input::collect_files(p, &mut found, &mut |e| errors.push(e));
            // pages only: tables and archives are for tag, ingest and inspect
            found.retain(|f| is_page_name(f));
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    let fields = FieldMap::default();
    for f in files {
        let name = f.display().to_string();
        let bytes = if name == "-" {
            let mut b = Vec::new();
            std::io::stdin().lock().read_to_end(&mut b)?;
            b
        } else {
            match std::fs::read(&f) {
                Ok(b) => b,
                Err(e) => {
                    errors.push(InputError {
                        location: name,
                        message: format!("cannot read: {e}"),
                    });
                    continue;
                }
            }
        };
        let format = match (args.input_format, name == "-") {
            // a PDF is one whatever its name says
            (InputFormat::Auto, _) if ticai_pdf_magic(&bytes) => InputFormat::Pdf,
            (InputFormat::Auto, true) => sniff_format(&bytes),
            (InputFormat::Auto, false) => format_of(&f),
            (
                given @ (InputFormat::Text
                | InputFormat::Html
                | InputFormat::Jsonl
                | InputFormat::Pdf),
                _,
            ) => given,
            (given, _) => anyhow::bail!(
                "--input-format {}: ticai extract reads pages (text, HTML, JSON Lines of pages); read tables with ticai tag, ingest or inspect",
                given
                    .to_possible_value()
                    .map_or(String::new(), |v| v.get_name().to_string())
            ),
        };
        if format == InputFormat::Jsonl {
            let reader = BufReader::new(bytes.as_slice());
            for (i, line) in reader.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = match serde_json::from_str(&line) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(InputError {
                            location: format!("{name}:{}", i + 1),
                            message: format!("invalid JSON: {e}"),
                        });
                        continue;
                    }
                };
                let get = |keys: &[String]| {
                    keys.iter()
                        .find_map(|k| v.get(k).and_then(Value::as_str).map(str::to_string))
                };
                let id = get(&fields.id).unwrap_or_else(|| format!("{name}:{}", i + 1));
                let html = HTML_FIELDS.iter().find_map(|k| {
                    v.get(*k)
                        .and_then(Value::as_str)
                        .filter(|s| !s.trim().is_empty())
                });
                let ex = match html {
                    Some(h) => ticai_extract::extract(h.as_bytes(), true, &options),
                    None => match get(&fields.text) {
                        Some(t) => ticai_extract::extract(t.as_bytes(), false, &options),
                        None => {
                            errors.push(InputError {
                                location: format!("{name}:{}", i + 1),
                                message: "no html or text field".into(),
                            });
                            continue;
                        }
                    },
                };
                let url = v
                    .get("url")
                    .or_else(|| v.get("link"))
                    .and_then(Value::as_str);
                emit(&id, url, &ex, &mut out)?;
            }
            continue;
        }
        let ex = if format == InputFormat::Pdf {
            ticai_extract::extract_pdf(&bytes, &options)
        } else {
            ticai_extract::extract(&bytes, format == InputFormat::Html, &options)
        };
        emit(&name, args.url.as_deref(), &ex, &mut out)?;
    }
    out.flush()?;
    for e in &errors {
        eprintln!("ticai: {e}");
    }
    if failed + errors.len() > 0 {
        eprintln!(
            "ticai: {failed} page(s) failed extraction, {} input(s) unreadable",
            errors.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn is_page_name(path: &std::path::Path) -> bool {
    use ticai_input::Format;
    matches!(
        path.to_str().and_then(ticai_input::sniff::format_of_name),
        Some(Format::Text | Format::Html | Format::Jsonl | Format::Pdf)
    )
}
