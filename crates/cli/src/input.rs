//! The input flags of `tag`, `ingest` and `inspect`; the readers are in
//! ticai-input.

use anyhow::{Result, anyhow};
use clap::ValueEnum;
use std::path::Path;
pub use ticai_extract::documents;
pub use ticai_input::{
    DateRule, FieldMap, FileInfo, Format, InputError, Options, Reader, Sheet, Sink, collect_files,
    extract_options, json_document, text_document,
};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// By file extension (.txt, .html, .jsonl, .csv, .tsv, .xlsx, .xls,
    /// .parquet, .zip, .tar; .gz, .zst, .bz2 around them) and content; for
    /// standard input, by the first bytes.
    #[default]
    Auto,
    Text,
    Html,
    Jsonl,
    Csv,
    Tsv,
    Excel,
    Parquet,
    /// A PDF research note (also recognised by its `%PDF-` header).
    Pdf,
}

impl InputFormat {
    pub fn format(self) -> Option<Format> {
        Some(match self {
            InputFormat::Auto => return None,
            InputFormat::Text => Format::Text,
            InputFormat::Html => Format::Html,
            InputFormat::Jsonl => Format::Jsonl,
            InputFormat::Csv => Format::Csv,
            InputFormat::Tsv => Format::Tsv,
            InputFormat::Excel => Format::Excel,
            InputFormat::Parquet => Format::Parquet,
            InputFormat::Pdf => Format::Pdf,
        })
    }
}

/// How `tag`, `ingest` and `inspect` read their inputs.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// How to read the inputs.
    #[arg(long, value_enum, default_value_t)]
    pub input_format: InputFormat,
    /// Field (JSON key or column header) mapping, KEY=FIELD with KEY one of
    /// text, title, published_at, time, id, url, source (repeatable).
    /// Defaults: text|content|body|正文|内容|新闻内容|摘要, title|标题|新闻标题,
    /// published_at|published_iso|datetime|published|pubdate|发布时间|发布日期|date|日期|时间,
    /// time|时间 (completes a date-only published_at), id|url|link|链接|网址,
    /// url|link|链接|网址, source|feed_source|site|来源|媒体. Headers match
    /// without regard to case.
    #[arg(long = "field", value_name = "KEY=FIELD")]
    pub fields: Vec<String>,
    /// The sheet of Excel workbooks: a name, or a position from 1
    /// (default: the first).
    #[arg(long, value_name = "NAME|INDEX")]
    pub sheet: Option<String>,
    /// A strftime format for dates the built-in forms do not read (e.g.
    /// %m/%d/%Y %H:%M), tried first.
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,
    /// The time zone of dates written without one (default Asia/Shanghai).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Read text and HTML files as they are: no boilerplate removal, no
    /// digest splitting (offsets then point into the whole file's text).
    #[arg(long)]
    pub no_extract: bool,
    /// Where the inputs were written: cn (mainland), tw (Taiwan) or hk
    /// (Hong Kong). Taiwan and Hong Kong text gets its vocabulary converted
    /// to mainland usage (伺服器 -> 服务器). A JSONL `region` field wins;
    /// default: detected per document (traditional script -> tw, or hk
    /// when it reads like Hong Kong).
    #[arg(long, value_name = "cn|tw|hk", value_parser = parse_region)]
    pub region: Option<ticai_model::Region>,
}

fn parse_region(s: &str) -> std::result::Result<ticai_model::Region, String> {
    s.parse()
}

impl InputArgs {
    pub fn reader(&self) -> Result<Reader> {
        let dates = DateRule::new(self.date_format.as_deref(), self.tz.as_deref())
            .map_err(|e| anyhow!(e))?;
        if self.sheet.as_deref().is_some_and(|s| s.trim().is_empty()) {
            anyhow::bail!("--sheet: empty sheet name");
        }
        Ok(Reader::new(Options {
            format: self.input_format.format(),
            fields: FieldMap::default().with_overrides(&self.fields)?,
            extract: !self.no_extract,
            sheet: self.sheet.clone().map(Sheet),
            dates,
            region: self.region,
        }))
    }
}

/// A reader of one format with the default fields (segment, eval, demo).
pub fn reader_of(format: InputFormat, extract: bool) -> Reader {
    Reader::new(Options {
        format: format.format(),
        extract,
        ..Options::default()
    })
}

/// The format of unnamed input (stdin) for `ticai extract`, by its first
/// non-blank byte: `{` JSON Lines, `<` HTML, else text.
pub fn sniff_format(bytes: &[u8]) -> InputFormat {
    if ticai_pdf_magic(bytes) {
        return InputFormat::Pdf;
    }
    match ticai_input::sniff::sniff_text_format(bytes) {
        Format::Jsonl => InputFormat::Jsonl,
        Format::Html => InputFormat::Html,
        _ => InputFormat::Text,
    }
}

/// The page format a path's extension names for `ticai extract` (text
/// when unknown).
pub fn format_of(path: &Path) -> InputFormat {
    match path.to_str().and_then(ticai_input::sniff::format_of_name) {
        Some(Format::Pdf) => InputFormat::Pdf,
        Some(Format::Html) => InputFormat::Html,
        Some(Format::Jsonl) => InputFormat::Jsonl,
        _ => InputFormat::Text,
    }
}

/// Whether bytes are a PDF, by their header.
pub fn ticai_pdf_magic(bytes: &[u8]) -> bool {
    ticai_input::sniff::format_of_bytes(bytes) == Some(Format::Pdf)
}
