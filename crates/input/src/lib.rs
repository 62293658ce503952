//! Input files -> documents, for `ticai tag`, `ingest`, `segment`,
//! `inspect` and the evaluations.
//!
//! | input | read as |
//! |---|---|
//! | `.txt`; named files of unknown extensions | text (extracted: boilerplate, digests) |
//! | `.html`, `.htm`, `.xhtml`, `.shtml` | HTML (extracted) |
//! | `.jsonl`, `.json`, `.ndjson` | one document per line |
//! | `.csv`, `.tsv` | one document per row; UTF-8 (BOM or not), GB18030/GBK, Big5, UTF-16; delimiter sniffed |
//! | `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods` | one document per row of one sheet (`--sheet`) |
//! | `.parquet` | one document per row |
//! | `.gz`, `.zst`, `.bz2` around any of these | streamed through the decompressor |
//! | `.zip`, `.tar`, `.tar.gz`, `.tgz` | member by member, like a directory (`archive.zip/member.html`) |
//!
//! Compression, Parquet and tar are also recognised by their magic bytes
//! (standard input, misnamed files); PDFs, images, executables and other
//! binary data are refused with what they look like. A reader hands over
//! documents one at a time and reports each problem as an [`InputError`]
//! naming the file (and line or row), then goes on with the rest.

mod compress;
pub mod dates;
pub mod fields;
pub mod sniff;
mod tabular;

pub use dates::{DateRule, DateTally};
pub use fields::{Columns, FieldMap, json_document, json_record};
pub use sniff::{Compression, Format};
pub use tabular::Sheet;

use anyhow::Result;
use compress::{decompress, peek};
use fields::{RowProblem, row_document};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use ticai_model::{Document, Region};

/// A problem with one input: the file (and line), and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub location: String,
    pub message: String,
}

impl InputError {
    /// The line of the JSON Lines record this problem is about (`file:LINE`),
    /// `None` for a problem of a whole file (dates it could not read, counted).
    pub fn record_line(&self) -> Option<usize> {
        self.location.rsplit_once(':')?.1.parse().ok()
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// How one file (archive member, sheet) is read, told before its
/// documents.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileInfo {
    pub name: String,
    pub format: &'static str,
    /// Outermost first.
    pub compression: Vec<&'static str>,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    /// `(key, column)`: which column or JSON key gives each part.
    pub fields: Vec<(String, String)>,
}

/// Where a reader's documents, problems and file descriptions go.
pub trait Sink {
    fn document(&mut self, doc: Document) -> Result<()>;
    fn error(&mut self, err: InputError);
    fn file(&mut self, _info: FileInfo) {}
}

struct FnSink<'f> {
    on_doc: &'f mut dyn FnMut(Document) -> Result<()>,
    on_err: &'f mut dyn FnMut(InputError),
}

impl Sink for FnSink<'_> {
    fn document(&mut self, doc: Document) -> Result<()> {
        (self.on_doc)(doc)
    }
    fn error(&mut self, err: InputError) {
        (self.on_err)(err)
    }
}

/// How inputs are read.
#[derive(Clone, Debug)]
pub struct Options {
    /// The format of every input; `None`: by name, then content.
    pub format: Option<Format>,
    pub fields: FieldMap,
    /// Run the extractor on text and HTML files (boilerplate removal,
    /// metadata, digest splitting); when false, tag them as they are.
    pub extract: bool,
    /// The sheet of Excel workbooks (default: the first).
    pub sheet: Option<Sheet>,
    pub dates: DateRule,
    /// Where documents without a `region` of their own were written
    /// (`--region`); `None`: detected from their text.
    pub region: Option<Region>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            fields: FieldMap::default(),
            extract: true,
            sheet: None,
            dates: DateRule::default(),
            region: None,
        }
    }
}

/// Gives documents without a region the reader's.
struct RegionSink<'s> {
    region: Region,
    inner: &'s mut dyn Sink,
}

impl Sink for RegionSink<'_> {
    fn document(&mut self, mut doc: Document) -> Result<()> {
        doc.region.get_or_insert(self.region);
        self.inner.document(doc)
    }
    fn error(&mut self, err: InputError) {
        self.inner.error(err)
    }
    fn file(&mut self, info: FileInfo) {
        self.inner.file(info)
    }
}

/// Reports a problem with the input `location` names.
fn report(sink: &mut dyn Sink, location: &str, message: String) {
    sink.error(InputError {
        location: location.to_string(),
        message,
    })
}

/// Archives inside archives inside compressed files: deep enough for
/// real data, shallow enough to refuse a crafted loop.
const MAX_DEPTH: usize = 4;

/// How many first bytes decide what a file is.
const HEAD: usize = 8192;

/// Reads inputs: files, directories (read recursively, in name order,
/// files of the supported kinds) and `-` for standard input.
#[derive(Clone, Debug, Default)]
pub struct Reader {
    pub options: Options,
}

/// A source of bytes: a file (which Parquet and ZIP read by seeking) or a
/// stream.
enum Src<'r> {
    File(File),
    Stream(Box<dyn Read + 'r>),
}

impl<'r> Src<'r> {
    fn into_read(self) -> Box<dyn Read + 'r> {
        match self {
            Src::File(f) => Box::new(f),
            Src::Stream(s) => s,
        }
    }

    fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        let mut v = Vec::new();
        self.into_read().read_to_end(&mut v)?;
        Ok(v)
    }
}

struct Ctx {
    compression: Vec<&'static str>,
    depth: usize,
}

impl Reader {
    pub fn new(options: Options) -> Self {
        Reader { options }
    }

    pub fn read_all(
        &self,
        paths: &[PathBuf],
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        self.read_into(paths, &mut FnSink { on_doc, on_err })
    }

    pub fn read_into(&self, paths: &[PathBuf], sink: &mut dyn Sink) -> Result<()> {
        if let Some(region) = self.options.region {
            return self.read_paths(
                paths,
                &mut RegionSink {
                    region,
                    inner: sink,
                },
            );
        }
        self.read_paths(paths, sink)
    }

    fn read_paths(&self, paths: &[PathBuf], sink: &mut dyn Sink) -> Result<()> {
        for p in paths {
            if p.as_os_str() == "-" {
                let stdin = std::io::stdin();
                let src = Src::Stream(Box::new(stdin.lock()));
                self.read_src("-", src, sink, Ctx::top())?;
            } else if p.is_dir() {
                let mut files = Vec::new();
                collect_files(p, &mut files, &mut |e| sink.error(e));
                files.sort();
                for f in files {
                    self.read_file(&f, sink)?;
                }
            } else {
                self.read_file(p, sink)?;
            }
        }
        Ok(())
    }

    fn read_file(&self, path: &Path, sink: &mut dyn Sink) -> Result<()> {
        let name = path.display().to_string();
        match File::open(path) {
            Ok(f) => self.read_src(&name, Src::File(f), sink, Ctx::top()),
            Err(e) => {
                report(sink, &name, format!("cannot read: {e}"));
                Ok(())
            }
        }
    }

    /// Reads one named input from memory, its format from the name and
    /// content.
    pub fn read_named_bytes(
        &self,
        name: &str,
        bytes: &[u8],
        on_doc: &mut dyn FnMut(Document) -> Result<()>,
        on_err: &mut dyn FnMut(InputError),
    ) -> Result<()> {
        let src = Src::Stream(Box::new(bytes));
        let mut sink = FnSink { on_doc, on_err };
        match self.options.region {
            Some(region) => self.read_src(
                name,
                src,
                &mut RegionSink {
                    region,
                    inner: &mut sink,
                },
                Ctx::top(),
            ),
            None => self.read_src(name, src, &mut sink, Ctx::top()),
        }
    }

    fn read_src(&self, name: &str, src: Src<'_>, sink: &mut dyn Sink, ctx: Ctx) -> Result<()> {
        self.read_kind(name, name, src, sink, ctx)
    }

    /// Reads `src`, labelled `name` in ids and messages; `kind_name` (the
    /// name without the compression extensions unwrapped so far) says its
    /// format when its first bytes do not.
    fn read_kind(
        &self,
        name: &str,
        kind_name: &str,
        src: Src<'_>,
        sink: &mut dyn Sink,
        ctx: Ctx,
    ) -> Result<()> {
        if ctx.depth > MAX_DEPTH {
            report(
                sink,
                name,
                "archives or compressions nested too deep".into(),
            );
            return Ok(());
        }
        // the first bytes, and the source again from its start
        let (head, src) = match src {
            Src::File(mut f) => {
                let mut head = Vec::with_capacity(HEAD);
                let read = (&mut f).take(HEAD as u64).read_to_end(&mut head);
                match read.and_then(|_| f.rewind()) {
                    Ok(()) => (head, Src::File(f)),
                    Err(e) => {
                        report(sink, name, format!("cannot read: {e}"));
                        return Ok(());
                    }
                }
            }
            Src::Stream(s) => match peek(s, HEAD) {
                Ok((head, s)) => (head, Src::Stream(s)),
                Err(e) => {
                    let what = if ctx.compression.is_empty() {
                        "cannot read".to_string()
                    } else {
                        format!("cannot decompress ({})", ctx.compression.join(", "))
                    };
                    report(sink, name, format!("{what}: {e}"));
                    return Ok(());
                }
            },
        };
        let Some(c) = Compression::of_bytes(&head) else {
            return self.read_plain(name, kind_name, head, src, sink, ctx);
        };
        let inner = match decompress(c, src.into_read()) {
            Ok(r) => r,
            Err(e) => {
                report(sink, name, format!("not readable as {}: {e}", c.name()));
                return Ok(());
            }
        };
        // `news.jsonl.gz` holds `news.jsonl`; a `.tgz` a tar
        let inner_kind = match sniff::strip_compression(kind_name) {
            (k, Some(_)) if k == kind_name => format!("{}.tar", &k[..k.len().saturating_sub(4)]),
            (k, _) => k.to_string(),
        };
        let mut compression = ctx.compression;
        compression.push(c.name());
        let ctx = Ctx {
            compression,
            depth: ctx.depth + 1,
        };
        self.read_kind(name, &inner_kind, Src::Stream(inner), sink, ctx)
    }

    /// Uncompressed content. `name` labels it; `kind_name` (the name
    /// without a compression extension) says its format.
    fn read_plain(
        &self,
        name: &str,
        kind_name: &str,
        head: Vec<u8>,
        src: Src<'_>,
        sink: &mut dyn Sink,
        ctx: Ctx,
    ) -> Result<()> {
        let by_name = sniff::format_of_name(kind_name);
        let zip_magic = head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06");
        let ole_magic = head.starts_with(b"\xd0\xcf\x11\xe0");
        let format = match (sniff::format_of_bytes(&head), by_name) {
            (Some(f), _) => f,
            (None, Some(Format::Excel)) if zip_magic || ole_magic => Format::Excel,
            (None, Some(Format::Zip)) if zip_magic => Format::Zip,
            // a forced format applies to what is not an archive
            (None, by_name) => match (self.options.format, by_name) {
                (Some(forced), _) => forced,
                (None, Some(f)) => f,
                (None, None) if name == "-" => sniff::sniff_text_format(&head),
                (None, None) => Format::Text,
            },
        };
        let info = FileInfo {
            name: name.to_string(),
            format: format.name(),
            compression: ctx.compression.clone(),
            ..FileInfo::default()
        };
        let textual = matches!(
            format,
            Format::Text | Format::Html | Format::Jsonl | Format::Csv | Format::Tsv
        );
        if textual && let Some(kind) = sniff::binary_kind(&head) {
            report(
                sink,
                name,
                format!(
                    "{kind}, not read as {} (ticai reads text, HTML, JSON Lines, CSV/TSV, Excel, Parquet, PDF, and .gz/.zst/.bz2/.zip/.tar of them)",
                    format.name()
                ),
            );
            return Ok(());
        }
        match format {
            Format::Jsonl => {
                let rdr = BufReader::with_capacity(1 << 16, src.into_read());
                self.read_jsonl(name, rdr, info, sink)
            }
            Format::Csv | Format::Tsv => {
                let mut table = Table::new(name, self, sink, info);
                tabular::read_csv(src.into_read(), format == Format::Tsv, &mut table)?;
                table.finish();
                Ok(())
            }
            Format::Excel => match src.into_bytes() {
                Ok(bytes) => {
                    let mut table = Table::new(name, self, sink, info);
                    tabular::read_excel(bytes, self.options.sheet.as_ref(), &mut table)?;
                    table.finish();
                    Ok(())
                }
                Err(e) => {
                    report(sink, name, format!("cannot read: {e}"));
                    Ok(())
                }
            },
            Format::Parquet => {
                let mut table = Table::new(name, self, sink, info);
                match src {
                    Src::File(f) => tabular::read_parquet(f, &mut table)?,
                    Src::Stream(s) => match Src::Stream(s).into_bytes() {
                        Ok(b) => tabular::read_parquet(bytes::Bytes::from(b), &mut table)?,
                        Err(e) => table.fail(format!("cannot read: {e}")),
                    },
                }
                table.finish();
                Ok(())
            }
            Format::Pdf => match src.into_bytes() {
                Ok(bytes) => {
                    sink.file(info);
                    let extraction = ticai_extract::extract_pdf(&bytes, &extract_options());
                    match extraction.failure {
                        Some(reason) => report(sink, name, reason),
                        None => {
                            for doc in ticai_extract::documents(name, extraction.articles) {
                                sink.document(doc)?;
                            }
                        }
                    }
                    Ok(())
                }
                Err(e) => {
                    report(sink, name, format!("cannot read: {e}"));
                    Ok(())
                }
            },
            Format::Zip => self.read_zip(name, src, sink, ctx),
            Format::Tar => self.read_tar(name, src, sink, ctx),
            Format::Text | Format::Html => match src.into_bytes() {
                Ok(bytes) => {
                    sink.file(info);
                    self.read_bytes(name, format, &bytes, sink)
                }
                Err(e) => {
                    report(sink, name, format!("cannot read: {e}"));
                    Ok(())
                }
            },
        }
    }

    fn read_zip(&self, name: &str, src: Src<'_>, sink: &mut dyn Sink, ctx: Ctx) -> Result<()> {
        match src {
            Src::File(f) => self.read_zip_from(name, f, sink, ctx),
            Src::Stream(s) => match Src::Stream(s).into_bytes() {
                Ok(b) => self.read_zip_from(name, std::io::Cursor::new(b), sink, ctx),
                Err(e) => {
                    report(sink, name, format!("cannot read: {e}"));
                    Ok(())
                }
            },
        }
    }

    fn read_zip_from<R: Read + Seek>(
        &self,
        name: &str,
        r: R,
        sink: &mut dyn Sink,
        ctx: Ctx,
    ) -> Result<()> {
        let mut zip = match zip::ZipArchive::new(r) {
            Ok(z) => z,
            Err(e) => {
                report(sink, name, format!("not a readable ZIP archive: {e}"));
                return Ok(());
            }
        };
        let mut members: Vec<(String, usize)> = (0..zip.len())
            .filter_map(|i| {
                let n = zip.name_for_index(i)?.ok()?.to_string();
                (!n.ends_with('/') && member_wanted(&n)).then_some((n, i))
            })
            .collect();
        members.sort();
        for (member, i) in members {
            let label = format!("{name}/{member}");
            match zip.by_index(i) {
                Ok(file) => {
                    let ctx = Ctx {
                        compression: ctx.compression.clone(),
                        depth: ctx.depth + 1,
                    };
                    self.read_src(&label, Src::Stream(Box::new(file)), sink, ctx)?;
                }
                Err(e) => report(sink, &label, format!("cannot read this member: {e}")),
            }
        }
        Ok(())
    }

    fn read_tar(&self, name: &str, src: Src<'_>, sink: &mut dyn Sink, ctx: Ctx) -> Result<()> {
        let mut archive = tar::Archive::new(src.into_read());
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                report(sink, name, format!("not a readable tar archive: {e}"));
                return Ok(());
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    report(sink, name, format!("tar archive cut short or damaged: {e}"));
                    return Ok(());
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let member = entry
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            if member.is_empty() || !member_wanted(&member) {
                continue;
            }
            let label = format!("{name}/{}", member.trim_start_matches("./"));
            let ctx = Ctx {
                compression: ctx.compression.clone(),
                depth: ctx.depth + 1,
            };
            self.read_src(&label, Src::Stream(Box::new(entry)), sink, ctx)?;
        }
        Ok(())
    }

    fn read_bytes(
        &self,
        name: &str,
        format: Format,
        bytes: &[u8],
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let options = extract_options();
        let html = format == Format::Html;
        if !self.options.extract && !html {
            return match text_document(name, &ticai_extract::decode(bytes, None).text) {
                Some(d) => sink.document(d),
                None => {
                    report(sink, name, "no text found".into());
                    Ok(())
                }
            };
        }
        let extraction = match (html, self.options.extract) {
            (true, true) => ticai_extract::extract_html(bytes, &options),
            (true, false) => ticai_extract::read_html_raw(bytes, &options),
            _ => ticai_extract::extract_text(bytes, &options),
        };
        if let Some(reason) = &extraction.failure {
            report(sink, name, format!("extraction failed: {reason}"));
            return Ok(());
        }
        for doc in ticai_extract::documents(name, extraction.articles) {
            sink.document(doc)?;
        }
        Ok(())
    }

    fn read_jsonl(
        &self,
        name: &str,
        mut rdr: impl BufRead,
        mut info: FileInfo,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let fields = &self.options.fields;
        let mut tally = DateTally::default();
        let mut buf = Vec::new();
        let mut line_no = 0usize;
        let mut told = false;
        loop {
            buf.clear();
            let n = match rdr.read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    sink.error(InputError {
                        location: format!("{name}:{}", line_no + 1),
                        message: format!("read error: {e}"),
                    });
                    break;
                }
            };
            if n == 0 {
                break;
            }
            line_no += 1;
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() {
                continue;
            }
            if !told {
                // the keys of the first record, mapped as columns are
                if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(line) {
                    let keys: Vec<String> = o.keys().cloned().collect();
                    info.fields = fields.columns(&keys).mapping();
                }
                sink.file(std::mem::take(&mut info));
                told = true;
            }
            match json_record(name, line_no, line, fields, &self.options.dates, &mut tally) {
                Ok(doc) => sink.document(doc)?,
                Err(message) => sink.error(InputError {
                    location: format!("{name}:{line_no}"),
                    message,
                }),
            }
        }
        if !told {
            sink.file(info);
        }
        if let Some(dates) = tally.report("line") {
            report(sink, name, dates);
        }
        Ok(())
    }
}

impl Ctx {
    fn top() -> Self {
        Ctx {
            compression: Vec::new(),
            depth: 0,
        }
    }
}

/// Archive members read: of a supported kind, not hidden, not macOS
/// resource forks.
fn member_wanted(member: &str) -> bool {
    let base = member.rsplit('/').next().unwrap_or(member);
    !base.starts_with('.')
        && !base.starts_with("~$")
        && !member.starts_with("__MACOSX/")
        && sniff::is_supported_name(member)
}

/// Facts about a table a reader found, for [`FileInfo`].
pub(crate) struct TableInfo {
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
}

/// Rows of one table -> documents, with the file's problems gathered.
pub(crate) struct Table<'a, 's> {
    name: String,
    reader: &'a Reader,
    sink: &'s mut dyn Sink,
    info: Option<FileInfo>,
    cols: Columns,
    tally: DateTally,
    no_text: Vec<usize>,
    no_text_count: usize,
}

impl<'a, 's> Table<'a, 's> {
    fn new(name: &str, reader: &'a Reader, sink: &'s mut dyn Sink, info: FileInfo) -> Self {
        Table {
            name: name.to_string(),
            reader,
            sink,
            info: Some(info),
            cols: Columns::default(),
            tally: DateTally::default(),
            no_text: Vec::new(),
            no_text_count: 0,
        }
    }

    /// The header row; false when it maps no text column (reported).
    pub(crate) fn header(&mut self, headers: &[String], found: TableInfo) -> bool {
        self.cols = self.reader.options.fields.columns(headers);
        let mut info = self.info.take().unwrap_or_default();
        if let Some(sheet) = &found.sheet {
            // rows of different sheets are different documents
            let sheet_name = sheet.split(" (of ").next().unwrap_or(sheet);
            self.name = format!("{}#{sheet_name}", self.name);
            info.name = self.name.clone();
        }
        info.encoding = found.encoding;
        info.delimiter = found.delimiter;
        info.sheet = found.sheet;
        info.fields = self.cols.mapping();
        self.sink.file(info);
        if self.cols.text.is_none() {
            let names = &self.reader.options.fields.text;
            self.fail(format!(
                "no text column among the headers ({}); tried {}; name it with --field text=COLUMN",
                headers.join(", "),
                names.join(", ")
            ));
            return false;
        }
        true
    }

    pub(crate) fn row(&mut self, row: usize, cells: &[Option<String>]) -> Result<()> {
        let at = format!("row {row}");
        let dates = &self.reader.options.dates;
        let id = format!("{}:{row}", self.name);
        match row_document(&self.cols, cells, id, &at, dates, &mut self.tally) {
            Ok(doc) => self.sink.document(doc),
            Err(RowProblem::NoText) => {
                self.no_text_count += 1;
                if self.no_text.len() < 5 {
                    self.no_text.push(row);
                }
                Ok(())
            }
        }
    }

    pub(crate) fn fail(&mut self, message: String) {
        if let Some(info) = self.info.take() {
            self.sink.file(info);
        }
        self.sink.error(InputError {
            location: self.name.clone(),
            message,
        });
    }

    fn finish(mut self) {
        if let Some(info) = self.info.take() {
            self.sink.file(info);
        }
        if self.no_text_count > 0 {
            let column = self
                .cols
                .text
                .and_then(|i| self.cols.headers.get(i))
                .cloned()
                .unwrap_or_default();
            let rows: Vec<String> = self.no_text.iter().map(usize::to_string).collect();
            let more = if self.no_text_count > self.no_text.len() {
                ", ..."
            } else {
                ""
            };
            let message = format!(
                "{} row{} without text in {column}, not tagged: row {}{more}",
                self.no_text_count,
                if self.no_text_count == 1 { "" } else { "s" },
                rows.join(", ")
            );
            self.fail(message);
        }
        if let Some(report) = self.tally.report("row") {
            self.fail(report);
        }
    }
}

/// The files of a directory, recursively, that a reader reads (by name).
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
        // dot files, and the lock files Excel and Word leave (~$Book.xlsx)
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"));
        if hidden {
            continue;
        }
        if p.is_dir() {
            collect_files(&p, out, on_err);
        } else if p.to_str().is_some_and(sniff::is_supported_name) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        docs: Vec<Document>,
        errors: Vec<String>,
        files: Vec<FileInfo>,
    }

    impl Sink for Collect {
        fn document(&mut self, doc: Document) -> Result<()> {
            self.docs.push(doc);
            Ok(())
        }
        fn error(&mut self, err: InputError) {
            self.errors.push(err.to_string());
        }
        fn file(&mut self, info: FileInfo) {
            self.files.push(info);
        }
    }

    fn read(name: &str, bytes: &[u8]) -> Collect {
        let mut c = Collect::default();
        Reader::default()
            .read_src(name, Src::Stream(Box::new(bytes)), &mut c, Ctx::top())
            .unwrap();
        c
    }

    #[test]
    fn csv_rows_are_documents() {
        let csv = "标题,内容,发布时间\n超节点发布,华为发布超节点新品。,2026-07-03 09:30\n,光模块需求旺盛。,20260704\n无正文,,2026-07-05\n";
        let c = read("news.csv", csv.as_bytes());
        assert_eq!(c.docs.len(), 2);
        assert_eq!(c.docs[0].id, "news.csv:2");
        assert_eq!(c.docs[0].title.as_deref(), Some("超节点发布"));
        assert_eq!(
            c.docs[1].published_at.as_deref(),
            Some("2026-07-04T00:00:00+08:00")
        );
        assert_eq!(
            c.errors,
            ["news.csv: 1 row without text in 内容, not tagged: row 4"]
        );
        assert_eq!(c.files[0].delimiter.as_deref(), Some("','"));
        assert_eq!(c.files[0].encoding.as_deref(), Some("UTF-8"));
    }

    #[test]
    fn gbk_and_bom() {
        let csv = "标题\t内容\n英伟达\t光模块需求旺盛\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(csv);
        let c = read("a.tsv", &gbk);
        assert_eq!(c.docs[0].text, "光模块需求旺盛");
        assert_eq!(c.files[0].encoding.as_deref(), Some("gb18030"));
        let bom = format!("\u{feff}{}", csv.replace('\t', ","));
        let c = read("a.csv", bom.as_bytes());
        assert_eq!(c.docs[0].title.as_deref(), Some("英伟达"));
        assert_eq!(c.files[0].encoding.as_deref(), Some("UTF-8 with BOM"));
    }

    #[test]
    fn delimiter_from_the_first_line_that_is_not_blank() {
        let c = read("a.csv", "\n标题;内容\n英伟达;光模块需求旺盛\n".as_bytes());
        assert_eq!(c.docs.len(), 1, "{:?}", c.errors);
        assert_eq!(c.files[0].delimiter.as_deref(), Some("';'"));
    }

    #[test]
    fn no_text_column_is_refused() {
        let c = read("a.csv", "名称,代码\n中际旭创,300308\n".as_bytes());
        assert!(c.docs.is_empty());
        assert!(
            c.errors[0].contains("no text column among the headers (名称, 代码)"),
            "{:?}",
            c.errors
        );
    }

    #[test]
    fn binary_is_refused() {
        // a PDF is read as one whatever its name; a broken one is reported
        let c = read("report.txt", b"%PDF-1.7\n%\xe2\xe3");
        assert!(c.docs.is_empty());
        assert!(
            c.errors[0].starts_with("report.txt: PDF not readable"),
            "{:?}",
            c.errors
        );
        let c = read("scan.txt", b"\x89PNG\r\n\x1a\n\0\0");
        assert!(
            c.errors[0].starts_with("scan.txt: a PNG image, not read"),
            "{:?}",
            c.errors
        );
        let c = read("x.csv", b"PK\x03\x04rest");
        assert!(c.errors[0].contains("ZIP container"), "{:?}", c.errors);
    }

    #[test]
    fn compressed_by_magic_and_nested() {
        use std::io::Write;
        let jsonl = "{\"text\":\"超节点\",\"published_at\":\"1783042200\"}\n";
        let zst = zstd::encode_all(jsonl.as_bytes(), 3).unwrap();
        let c = read("news.jsonl.zst", &zst);
        assert_eq!(
            c.docs[0].published_at.as_deref(),
            Some("2026-07-03T09:30:00+08:00")
        );
        assert_eq!(c.files[0].compression, ["zstd"]);
        // gzip around zstd
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&zst).unwrap();
        let c = read("news.jsonl.zst.gz", &gz.finish().unwrap());
        assert_eq!(c.docs.len(), 1, "{:?}", c.errors);
        assert_eq!(c.files[0].compression, ["gzip", "zstd"]);
    }

    #[test]
    fn tar_members() {
        let mut b = tar::Builder::new(Vec::new());
        for (path, body) in [
            (
                "notes/a.txt",
                "超节点新品发布\n华为发布超节点新品，单柜算力大幅提升，多家服务器厂商跟进，产业链公司订单饱满。",
            ),
            ("notes/b.png", "skip"),
            ("notes/c.jsonl", "{\"text\":\"液冷\"}\n"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, body.as_bytes()).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let c = read("notes.tar", &tar);
        let ids: Vec<&str> = c.docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            ["notes.tar/notes/a.txt", "notes.tar/notes/c.jsonl:1"],
            "{:?}",
            c.errors
        );
    }
}
