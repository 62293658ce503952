//! PDF text in reading order, for research notes: which characters a page
//! shows and where ([`interp`], on lopdf's object model), then lines,
//! columns, tables as rows and paragraphs ([`layout`]), with running
//! headers and footers marked across pages. No IO, no Chinese rules beyond
//! decoding: `ticai-extract` turns the lines into an article.
//!
//! Hostile files are bounded: a file size limit, a limit on what any
//! stream may decompress to (object streams included, while the file
//! loads), and budgets of content operators, glyphs and time. Encrypted
//! files that need a password are reported, not opened; a file whose
//! pages show images but no text is reported as having no text layer.

mod font;
mod interp;
mod layout;

use std::time::{Duration, Instant};

pub use layout::Line;

/// Bounds on the work one file may cost.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_file_bytes: usize,
    /// What any one stream may decompress to.
    pub max_stream_bytes: usize,
    /// All decompressed content of all pages together.
    pub max_content_bytes: usize,
    pub max_pages: usize,
    pub max_operators: usize,
    pub max_glyphs: usize,
    pub max_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 << 20,
            max_stream_bytes: 32 << 20,
            max_content_bytes: 256 << 20,
            max_pages: 2000,
            max_operators: 20_000_000,
            max_glyphs: 10_000_000,
            max_time: Duration::from_secs(60),
        }
    }
}

pub(crate) const MAX_FONT_STREAM: usize = 4 << 20;

/// Why a PDF gave no text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Needs a password (ticai does not try any but the empty one).
    Encrypted,
    /// Not a PDF ticai can parse (truncated, damaged).
    Damaged(String),
    /// Beyond a size limit: says which.
    TooLarge(String),
    /// Beyond the time limit.
    TooSlow(Duration),
    /// Pages of images (a scan) and no text operators.
    NoTextLayer { pages: usize, images: usize },
    /// Text whose fonts say no Unicode for any of its codes (glyph ids
    /// without a ToUnicode map, an unknown CMap).
    NoUnicode { codes: usize },
}

impl Error {
    /// A short machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Encrypted => "encrypted",
            Error::Damaged(_) => "damaged",
            Error::TooLarge(_) => "too_large",
            Error::TooSlow(_) => "too_slow",
            Error::NoTextLayer { .. } => "no_text_layer",
            Error::NoUnicode { .. } => "no_unicode",
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Encrypted => write!(f, "PDF is encrypted with a password (not opened)"),
            Error::Damaged(why) => write!(f, "PDF not readable: {why}"),
            Error::TooLarge(why) => write!(f, "PDF beyond a size limit: {why}"),
            Error::TooSlow(t) => write!(
                f,
                "PDF text took longer than the limit of {} s",
                t.as_secs()
            ),
            Error::NoTextLayer { pages, images } => write!(
                f,
                "PDF has no text layer ({pages} page(s) of {images} image(s), a scan?)"
            ),
            Error::NoUnicode { codes } => write!(
                f,
                "PDF text not decodable: its fonts map none of its {codes} character codes to Unicode"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// One shown character, in page space (points, y upwards).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glyph {
    /// Left of the glyph, on its baseline.
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub width: f32,
    pub ch: char,
    /// Horizontal, left to right (rotated text, such as diagonal
    /// watermarks, is not).
    pub upright: bool,
}

/// What a PDF says, in reading order.
#[derive(Clone, Debug, Default)]
pub struct Text {
    pub pages: usize,
    /// Lines of all pages in reading order.
    pub lines: Vec<Line>,
    /// The document information dictionary's title, if any.
    pub info_title: Option<String>,
    pub info_author: Option<String>,
    /// Codes no font map could turn into text.
    pub unmapped: usize,
    pub glyphs: usize,
}

/// Work spent, against [`Limits`].
pub(crate) struct Budget {
    limits: Limits,
    start: Instant,
    bytes: usize,
    ops: usize,
    glyphs: usize,
}

impl Budget {
    fn new(limits: &Limits) -> Self {
        Budget {
            limits: limits.clone(),
            start: Instant::now(),
            bytes: 0,
            ops: 0,
            glyphs: 0,
        }
    }

    pub fn stream_limit(&self) -> usize {
        self.limits
            .max_stream_bytes
            .min(self.limits.max_content_bytes.saturating_sub(self.bytes))
    }

    pub fn spend_bytes(&mut self, n: usize) -> Result<(), Error> {
        self.bytes += n;
        if self.bytes > self.limits.max_content_bytes {
            return Err(Error::TooLarge(format!(
                "page content beyond {} MB in all",
                self.limits.max_content_bytes >> 20
            )));
        }
        self.check_time()
    }

    pub fn spend_op(&mut self) -> Result<(), Error> {
        self.ops += 1;
        if self.ops > self.limits.max_operators {
            return Err(Error::TooLarge(format!(
                "more than {} content operators",
                self.limits.max_operators
            )));
        }
        if self.ops.is_multiple_of(4096) {
            self.check_time()?;
        }
        Ok(())
    }

    pub fn spend_glyph(&mut self) -> Result<(), Error> {
        self.glyphs += 1;
        if self.glyphs > self.limits.max_glyphs {
            return Err(Error::TooLarge(format!(
                "more than {} characters",
                self.limits.max_glyphs
            )));
        }
        Ok(())
    }

    fn check_time(&self) -> Result<(), Error> {
        if self.start.elapsed() > self.limits.max_time {
            return Err(Error::TooSlow(self.limits.max_time));
        }
        Ok(())
    }
}

/// Whether bytes are a PDF: `%PDF-` in the first 1024 bytes, as readers
/// accept it.
pub fn is_pdf(head: &[u8]) -> bool {
    head.windows(5).take(1024).any(|w| w == b"%PDF-")
}

/// Whether data starts as a PDF: `%PDF-` and a version digit at its start
/// (after a BOM or blank space). For telling formats apart: text that
/// merely mentions `%PDF-`, and archives holding a PDF, are not PDFs.
pub fn has_pdf_header(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    head.starts_with(b"%PDF-") && head.get(5).is_some_and(u8::is_ascii_digit)
}

/// The text of a PDF, in reading order.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Text, Error> {
    // lopdf is written for untrusted input but is not proven never to
    // panic; a panic there is a damaged file, not a crash
    match std::panic::catch_unwind(|| read_inner(bytes, limits)) {
        Ok(r) => r,
        Err(_) => Err(Error::Damaged("the PDF parser failed on this file".into())),
    }
}

fn read_inner(bytes: &[u8], limits: &Limits) -> Result<Text, Error> {
    if bytes.len() > limits.max_file_bytes {
        return Err(Error::TooLarge(format!(
            "file of {} MB, the limit is {} MB",
            bytes.len() >> 20,
            limits.max_file_bytes >> 20
        )));
    }
    if !is_pdf(bytes) {
        return Err(Error::Damaged("no %PDF- header".into()));
    }
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        ..Default::default()
    };
    let doc = match lopdf::Document::load_mem_with_options(bytes, options) {
        Ok(d) => d,
        Err(e) => return Err(load_error(bytes, e)),
    };
    if doc.is_encrypted() {
        // still encrypted after the empty user password was tried
        return Err(Error::Encrypted);
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(Error::Damaged("no pages".into()));
    }
    if pages.len() > limits.max_pages {
        return Err(Error::TooLarge(format!(
            "{} pages, the limit is {}",
            pages.len(),
            limits.max_pages
        )));
    }
    let mut budget = Budget::new(limits);
    let mut text = Text {
        pages: pages.len(),
        info_title: info(&doc, b"Title"),
        info_author: info(&doc, b"Author"),
        ..Text::default()
    };
    let mut images = 0;
    let mut page_lines = Vec::with_capacity(pages.len());
    let mut interp = interp::Interp::new(&doc, &mut budget);
    for (i, (_, &id)) in pages.iter().enumerate() {
        let out = interp.page(id)?;
        images += out.images;
        text.unmapped += out.unmapped;
        text.glyphs += out.glyphs.len();
        let (w, h) = page_size(&doc, id);
        page_lines.push(layout::page_lines(i, w, h, out.glyphs));
    }
    if text.glyphs == 0 {
        if text.unmapped > 0 {
            return Err(Error::NoUnicode {
                codes: text.unmapped,
            });
        }
        return Err(Error::NoTextLayer {
            pages: pages.len(),
            images,
        });
    }
    layout::mark_running(&mut page_lines);
    text.lines = page_lines.into_iter().flatten().collect();
    Ok(text)
}

fn load_error(bytes: &[u8], e: lopdf::Error) -> Error {
    let msg = e.to_string();
    match e {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            Error::TooLarge("a stream decompresses beyond the size limit".into())
        }
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => Error::Encrypted,
        _ if msg.to_ascii_lowercase().contains("decrypt")
            || msg.to_ascii_lowercase().contains("password") =>
        {
            Error::Encrypted
        }
        _ if !bytes.windows(5).any(|w| w == b"%%EOF") => {
            Error::Damaged(format!("truncated (no end of file marker): {msg}"))
        }
        _ => Error::Damaged(msg),
    }
}

fn info(doc: &lopdf::Document, key: &[u8]) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let info = font::deref(doc, info).as_dict().ok()?;
    let raw = font::get(doc, info, key)?.as_str().ok()?;
    let s = if raw.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = raw[2..]
            .chunks(2)
            .map(|p| u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if raw.starts_with(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(&raw[3..]).into_owned()
    } else {
        raw.iter().map(|&b| b as char).collect()
    };
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// A page's width and height from its (inherited) MediaBox.
fn page_size(doc: &lopdf::Document, page: lopdf::ObjectId) -> (f32, f32) {
    let mut id = page;
    for _ in 0..32 {
        let Ok(d) = doc.get_dictionary(id) else { break };
        if let Some(lopdf::Object::Array(b)) = font::get(doc, d, b"MediaBox") {
            let v: Vec<f32> = b
                .iter()
                .filter_map(|o| font::num(font::deref(doc, o)))
                .collect();
            if v.len() == 4 && v.iter().all(|x| x.is_finite()) {
                return ((v[2] - v[0]).abs().max(1.0), (v[3] - v[1]).abs().max(1.0));
            }
        }
        match d.get(b"Parent").and_then(lopdf::Object::as_reference) {
            Ok(p) => id = p,
            Err(_) => break,
        }
    }
    (595.0, 842.0)
}
