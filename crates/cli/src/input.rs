//! Input readers for `ticai tag`: plain text, HTML and JSON Lines, from
//! files, directories or standard input. A reader hands over documents one
//! at a time and reports unreadable input as an [`InputError`] naming the
//! file (and line), then goes on with the rest.

use anyhow::{Result, bail};
use clap::ValueEnum;
use serde_json::Value;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use ticai_model::Document;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// By file extension (.txt, .md, .html, .htm, .jsonl, .json, .ndjson);
    /// for standard input, by the first non-blank character.
    #[default]
    Auto,
    Text,
    Html,
    Jsonl,
}

/// How `tag` and `ingest` read their inputs.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// How to read the inputs.
    #[arg(long, value_enum, default_value_t)]
    pub input_format: InputFormat,
    /// JSON Lines field mapping, KEY=FIELD with KEY one of text, title,
    /// published_at, id, url, source (repeatable). Defaults: text|content|body,
    /// title, published_at|published_iso|datetime|published|date, id|url|link,
    /// url|link, source|feed_source|site.
    #[arg(long = "field", value_name = "KEY=FIELD")]
    pub fields: Vec<String>,
    /// Read text and HTML files as they are: no boilerplate removal, no
    /// digest splitting (offsets then point into the whole file's text).
    #[arg(long)]
    pub no_extract: bool,
}

impl InputArgs {
    pub fn field_map(&self) -> Result<FieldMap> {
        FieldMap::default().with_overrides(&self.fields)
    }

    pub fn reader<'a>(&self, fields: &'a FieldMap) -> Reader<'a> {
        Reader {
            format: self.input_format,
            fields,
            extract: !self.no_extract,
        }
    }
}

/// A problem with one input: the file (and line), and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub location: String,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Which JSON fields hold a document's parts; the first present one wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMap {
    pub text: Vec<String>,
    pub title: Vec<String>,
    pub published_at: Vec<String>,
    pub id: Vec<String>,
    pub url: Vec<String>,
    pub source: Vec<String>,
}

impl Default for FieldMap {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        FieldMap {
            text: v(&["text", "content", "body"]),
            title: v(&["title"]),
            published_at: v(&[
                "published_at",
                "published_iso",
                "datetime",
                "published",
                "date",
            ]),
            id: v(&["id", "url", "link"]),
            url: v(&["url", "link"]),
            source: v(&["source", "feed_source", "site"]),
        }
    }
}

impl FieldMap {
    /// Applies `--field KEY=COLUMN` overrides (KEY: text, title,
    /// published_at, id).
    pub fn with_overrides(mut self, overrides: &[String]) -> Result<Self> {
        for o in overrides {
            let Some((key, col)) = o.split_once('=') else {
                bail!("--field {o:?}: expected KEY=COLUMN, e.g. --field text=content");
            };
            let col = col.trim();
            if col.is_empty() {
                bail!("--field {o:?}: empty column name");
            }
            let slot = match key.trim() {
                "text" => &mut self.text,
                "title" => &mut self.title,
                "published_at" => &mut self.published_at,
                "id" => &mut self.id,
                "url" => &mut self.url,
                "source" => &mut self.source,
                other => bail!(
                    "--field {o:?}: unknown key {other:?} (known: text, title, published_at, id, url, source)"
                ),
            };
            *slot = vec![col.to_string()];
        }
        Ok(self)
    }
}

/// Reads inputs and hands each document to `on_doc` and each problem to
/// `on_err`. `paths` may hold files, directories (read recursively, in
/// name order) and `-` for standard input.
pub struct Reader<'a> {
    pub format: InputFormat,
    pub fields: &'a FieldMap,
    /// Run the extractor on text and HTML files (boilerplate removal,
    /// metadata, digest splitting); when false, tag them as they are.
    pub extract: bool,
}

impl Reader<'_> {
    pub fn read_all(
        &self,
        paths: &[PathBuf],
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        for p in paths {
            if p.as_os_str() == "-" {
                self.read_stdin(on_doc, on_err)?;
            } else if p.is_dir() {
                let mut files = Vec::new();
                collect_files(p, &mut files, on_err);
                files.sort();
                for f in files {
                    self.read_file(&f, on_doc, on_err)?;
                }
            } else {
                self.read_file(p, on_doc, on_err)?;
            }
        }
        Ok(())
    }

    fn read_stdin(
        &self,
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        let stdin = std::io::stdin();
        let format = match self.format {
            InputFormat::Auto => {
                let mut lock = stdin.lock();
                let buf = lock.fill_buf()?;
                sniff_format(buf)
            }
            f => f,
        };
        if format == InputFormat::Jsonl {
            return self.read_jsonl("-", stdin.lock(), on_doc, on_err);
        }
        let mut bytes = Vec::new();
        stdin.lock().read_to_end(&mut bytes)?;
        self.read_bytes("-", format, &bytes, on_doc, on_err)
    }

    fn read_file(
        &self,
        path: &Path,
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        let name = path.display().to_string();
        let format = match self.format {
            InputFormat::Auto => format_of(path),
            f => f,
        };
        if format == InputFormat::Jsonl {
            return match std::fs::File::open(path) {
                Ok(f) => {
                    self.read_jsonl(&name, BufReader::with_capacity(1 << 16, f), on_doc, on_err)
                }
                Err(e) => {
                    on_err(InputError {
                        location: name,
                        message: format!("cannot open: {e}"),
                    });
                    Ok(())
                }
            };
        }
        match std::fs::read(path) {
            Ok(bytes) => self.read_bytes(&name, format, &bytes, on_doc, on_err),
            Err(e) => {
                on_err(InputError {
                    location: name,
                    message: format!("cannot read: {e}"),
                });
                Ok(())
            }
        }
    }

    /// Reads one named input from memory, its format from the name.
    pub fn read_named_bytes(
        &self,
        name: &str,
        bytes: &[u8],
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        let format = match self.format {
            InputFormat::Auto => format_of(Path::new(name)),
            f => f,
        };
        if format == InputFormat::Jsonl {
            return self.read_jsonl(name, bytes, on_doc, on_err);
        }
        self.read_bytes(name, format, bytes, on_doc, on_err)
    }

    fn read_bytes(
        &self,
        name: &str,
        format: InputFormat,
        bytes: &[u8],
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        let options = extract_options();
        let html = format == InputFormat::Html;
        if !self.extract && !html {
            return match text_document(name, &ticai_extract::decode(bytes, None).text) {
                Some(d) => on_doc(d),
                None => {
                    on_err(InputError {
                        location: name.to_string(),
                        message: "no text found".into(),
                    });
                    Ok(())
                }
            };
        }
        let extraction = match (html, self.extract) {
            (true, true) => ticai_extract::extract_html(bytes, &options),
            (true, false) => ticai_extract::read_html_raw(bytes, &options),
            _ => ticai_extract::extract_text(bytes, &options),
        };
        if let Some(reason) = &extraction.failure {
            on_err(InputError {
                location: name.to_string(),
                message: format!("extraction failed: {reason}"),
            });
            return Ok(());
        }
        for doc in documents(name, extraction.articles) {
            on_doc(doc)?;
        }
        Ok(())
    }

    fn read_jsonl(
        &self,
        name: &str,
        mut rdr: impl BufRead,
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        let mut buf = Vec::new();
        let mut line_no = 0usize;
        loop {
            buf.clear();
            let n = match rdr.read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    on_err(InputError {
                        location: format!("{name}:{}", line_no + 1),
                        message: format!("read error: {e}"),
                    });
                    return Ok(());
                }
            };
            if n == 0 {
                return Ok(());
            }
            line_no += 1;
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match json_document(name, line_no, line, self.fields) {
                Ok(doc) => on_doc(doc)?,
                Err(message) => on_err(InputError {
                    location: format!("{name}:{line_no}"),
                    message,
                }),
            }
        }
    }
}

/// The format of unnamed input (stdin), by its first non-blank byte: `{`
/// JSON Lines, `<` HTML, else text.
pub fn sniff_format(bytes: &[u8]) -> InputFormat {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => InputFormat::Jsonl,
        Some(b'<') => InputFormat::Html,
        _ => InputFormat::Text,
    }
}

/// The format a path's extension names (text when unknown).
pub fn format_of(path: &Path) -> InputFormat {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm" | "xhtml" | "shtml") => InputFormat::Html,
        Some("jsonl" | "json" | "ndjson") => InputFormat::Jsonl,
        _ => InputFormat::Text,
    }
}

pub fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, on_err: &mut dyn FnMut(InputError)) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            on_err(InputError {
                location: dir.display().to_string(),
                message: format!("cannot list directory: {e}"),
            });
            return;
        }
    };
    for entry in rd.flatten() {
        let p = entry.path();
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            collect_files(&p, out, on_err);
        } else if matches!(
            p.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("txt" | "html" | "htm" | "xhtml" | "shtml" | "jsonl" | "json" | "ndjson")
        ) {
            out.push(p);
        }
    }
}

/// Extraction options for local files: dates written without a year
/// (`07-24 13:31`) belong to the last twelve months.
pub fn extract_options() -> ticai_extract::Options {
    ticai_extract::Options {
        reference_date: Some(chrono::Local::now().date_naive()),
        ..Default::default()
    }
}

pub use ticai_pipeline::documents;

/// A plain-text document; a short first line is its title.
pub fn text_document(id: &str, text: &str) -> Option<Document> {
    if text.trim().is_empty() {
        return None;
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let title_span = (first.chars().count() <= 80
        && text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .nth(1)
            .is_some())
    .then(|| {
        let byte = text.find(first).unwrap_or(0);
        let start = text[..byte].chars().count();
        (start, start + first.chars().count())
    });
    Some(Document {
        id: id.to_string(),
        title: title_span.map(|_| first.to_string()),
        text: text.to_string(),
        title_span,
        ..Document::default()
    })
}

/// One JSON Lines record as a document.
pub fn json_document(
    file: &str,
    line: usize,
    json: &str,
    fields: &FieldMap,
) -> Result<Document, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(obj) = v else {
        return Err("expected a JSON object".into());
    };
    let pick = |names: &[String]| -> Option<String> {
        names.iter().find_map(|n| match obj.get(n)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(x) => Some(x.to_string()),
            _ => None,
        })
    };
    let text = pick(&fields.text).ok_or_else(|| {
        format!(
            "no text field (tried {}); name it with --field text=FIELD",
            fields.text.join(", ")
        )
    })?;
    Ok(Document {
        id: pick(&fields.id)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{file}:{line}")),
        title: pick(&fields.title).filter(|s| !s.trim().is_empty()),
        published_at: pick(&fields.published_at).filter(|s| !s.trim().is_empty()),
        url: pick(&fields.url).filter(|s| !s.trim().is_empty()),
        source: pick(&fields.source).filter(|s| !s.trim().is_empty()),
        text,
        title_span: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_field_mapping() {
        let f = FieldMap::default();
        let d = json_document("f.jsonl", 3, r#"{"content":"正文","title":"标题","published_iso":"2026-05-19T00:02:00+08:00","link":"http://x"}"#, &f).unwrap();
        assert_eq!(
            (d.id.as_str(), d.text.as_str(), d.title.as_deref()),
            ("http://x", "正文", Some("标题"))
        );
        assert_eq!(d.published_at.as_deref(), Some("2026-05-19T00:02:00+08:00"));
        let d = json_document("f.jsonl", 3, r#"{"body":"x","id":42}"#, &f).unwrap();
        assert_eq!(d.id, "42");
        let d = json_document("f.jsonl", 3, r#"{"text":"x"}"#, &f).unwrap();
        assert_eq!(d.id, "f.jsonl:3");
        let f2 = FieldMap::default()
            .with_overrides(&["text=msg".into(), "id=key".into()])
            .unwrap();
        let d = json_document("f", 1, r#"{"msg":"m","text":"t","key":"k"}"#, &f2).unwrap();
        assert_eq!((d.id.as_str(), d.text.as_str()), ("k", "m"));
    }

    #[test]
    fn json_errors() {
        let f = FieldMap::default();
        assert!(
            json_document("f", 1, "{oops", &f)
                .unwrap_err()
                .starts_with("invalid JSON")
        );
        assert!(
            json_document("f", 1, "[1]", &f)
                .unwrap_err()
                .contains("object")
        );
        assert!(
            json_document("f", 1, r#"{"msg":"x"}"#, &f)
                .unwrap_err()
                .contains("--field text=")
        );
        assert!(
            FieldMap::default()
                .with_overrides(&["colour=x".into()])
                .is_err()
        );
        assert!(
            FieldMap::default()
                .with_overrides(&["text".into()])
                .is_err()
        );
    }

    #[test]
    fn split_pages_get_numbered_ids() {
        let a = |t: &str| ticai_extract::Article {
            text: t.into(),
            ..Default::default()
        };
        let docs = documents("p.html", vec![a("一"), a("二")]);
        assert_eq!(
            (docs[0].id.as_str(), docs[1].id.as_str()),
            ("p.html#1", "p.html#2")
        );
        assert_eq!(documents("p.html", vec![a("一")])[0].id, "p.html");
    }

    #[test]
    fn text_title_is_first_short_line() {
        let d = text_document("a.txt", "\n超节点新品发布\n正文第一句。\n").unwrap();
        assert_eq!(d.title.as_deref(), Some("超节点新品发布"));
        assert_eq!(d.title_span, Some((1, 8)));
        let d = text_document("a.txt", "只有一行").unwrap();
        assert_eq!(d.title, None);
        assert!(text_document("a.txt", "  \n ").is_none());
    }
}
