//! What a file is: its name's extensions, then its first bytes. Compressed
//! and archived data is recognised by its magic bytes whatever its name,
//! and so are PDFs; binary data that ticai does not read (images,
//! executables) is refused by name.

use std::path::Path;

/// The format of a file's content (after decompression).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
    Jsonl,
    Csv,
    Tsv,
    /// .xlsx, .xlsm, .xls, .ods (calamine reads all of them).
    Excel,
    Parquet,
    /// A PDF document (a research note): one article.
    Pdf,
    Zip,
    Tar,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "HTML",
            Format::Jsonl => "JSON Lines",
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::Excel => "Excel",
            Format::Parquet => "Parquet",
            Format::Pdf => "PDF",
            Format::Zip => "ZIP archive",
            Format::Tar => "tar archive",
        }
    }
}

/// A compression around a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
    Bzip2,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// By magic bytes.
    pub fn of_bytes(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if head.len() >= 10
            && head.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&head[3])
            && head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
        {
            Some(Compression::Bzip2)
        } else {
            None
        }
    }
}

fn ext(name: &str) -> Option<String> {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// A name without its compression extension (`news.jsonl.gz` ->
/// `news.jsonl`), and that compression.
pub fn strip_compression(name: &str) -> (&str, Option<Compression>) {
    let c = match ext(name).as_deref() {
        Some("gz" | "gzip") => Compression::Gzip,
        Some("zst" | "zstd") => Compression::Zstd,
        Some("bz2") => Compression::Bzip2,
        Some("tgz") => return (name, Some(Compression::Gzip)),
        _ => return (name, None),
    };
    let dot = name.rfind('.').unwrap_or(name.len());
    (&name[..dot], Some(c))
}

/// The format a (decompressed) name's extension says, if any.
pub fn format_of_name(name: &str) -> Option<Format> {
    Some(match ext(name)?.as_str() {
        "txt" => Format::Text,
        "html" | "htm" | "xhtml" | "shtml" => Format::Html,
        "jsonl" | "json" | "ndjson" => Format::Jsonl,
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Format::Excel,
        "parquet" | "pq" => Format::Parquet,
        "pdf" => Format::Pdf,
        "zip" => Format::Zip,
        "tar" | "tgz" => Format::Tar,
        _ => return None,
    })
}

/// Whether a directory walk (or an archive) reads a file of this name.
pub fn is_supported_name(name: &str) -> bool {
    format_of_name(strip_compression(name).0).is_some()
}

/// The format of data by its first bytes, when they say it for sure.
pub fn format_of_bytes(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PAR1") {
        Some(Format::Parquet)
    } else if ticai_pdf::has_pdf_header(head) {
        Some(Format::Pdf)
    } else if head.len() > 262 && &head[257..262] == b"ustar" {
        Some(Format::Tar)
    } else {
        None
    }
}

/// Binary data ticai does not read, by its magic bytes (or NUL bytes in
/// the first 8 KiB): what it looks like.
pub fn binary_kind(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"RIFF", "a RIFF file (WebP, WAV or AVI)"),
        (b"\x7fELF", "an executable"),
        (b"MZ", "a Windows executable"),
        (b"SQLite format 3\0", "an SQLite database"),
        (
            b"\xd0\xcf\x11\xe0",
            "an OLE2 document (old Word or Excel; name Excel files .xls)",
        ),
        (
            b"PK\x03\x04",
            "a ZIP container (name archives .zip, workbooks .xlsx)",
        ),
        (b"PK\x05\x06", "an empty ZIP container"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"\xfd7zXZ\0", "an xz-compressed file"),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return Some(kind);
    }
    // UTF-16 text has NULs but a BOM
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return None;
    }
    head.iter()
        .take(8192)
        .any(|&b| b == 0)
        .then_some("binary data")
}

/// The format of unnamed input (stdin) by its first non-blank byte: `{`
/// JSON Lines, `<` HTML, else text.
pub fn sniff_text_format(head: &[u8]) -> Format {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Jsonl,
        Some(b'<') => Format::Html,
        _ => Format::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            strip_compression("a/news.jsonl.zst"),
            ("a/news.jsonl", Some(Compression::Zstd))
        );
        assert_eq!(strip_compression("r.csv.gz").0, "r.csv");
        assert_eq!(format_of_name("r.csv"), Some(Format::Csv));
        assert_eq!(format_of_name("Book.XLSX"), Some(Format::Excel));
        assert_eq!(format_of_name("a.tgz"), Some(Format::Tar));
        assert_eq!(
            format_of_name(strip_compression("a.tar.gz").0),
            Some(Format::Tar)
        );
        assert_eq!(format_of_name("photo.png"), None);
        assert!(is_supported_name("x.jsonl.bz2"));
        assert!(is_supported_name("notes/x.PDF"));
        assert!(!is_supported_name("x.png"));
    }

    #[test]
    fn magic() {
        assert_eq!(
            Compression::of_bytes(&[0x1f, 0x8b, 8, 0]),
            Some(Compression::Gzip)
        );
        assert_eq!(format_of_bytes(b"%PDF-1.7\n"), Some(Format::Pdf));
        // a text that mentions the header is no PDF
        assert_eq!(format_of_bytes(b"<p>%PDF-1.7 header</p>"), None);
        assert_eq!(format_of_bytes(b"note: %PDF- is"), None);
        assert_eq!(binary_kind(b"\x89PNG\r\n"), Some("a PNG image"));
        assert_eq!(binary_kind(b"abc\0def"), Some("binary data"));
        assert_eq!(binary_kind("超节点".as_bytes()), None);
        assert_eq!(sniff_text_format(b"\xef\xbb\xbf  {\"a\":1}"), Format::Jsonl);
    }
}
