//! Tables out: CSV with a header, JSON (`{header..., "rows": [...]}`), JSON
//! Lines and Parquet (Arrow arrays, Snappy), to stdout or to a file written
//! under a temporary name and renamed when complete, so a reader never sees
//! half a file.

use crate::{Result, TrendsError};
use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    Str,
    U64,
    F64,
    Bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Str(&'a str),
    U64(u64),
    F64(f64),
    Bool(bool),
}

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Csv,
    Json,
    Jsonl,
    Parquet,
}

impl FromStr for Format {
    type Err = TrendsError;
    fn from_str(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "parquet" => Ok(Format::Parquet),
            other => Err(TrendsError::Request(format!(
                "unknown format {other:?} (expected csv, json, jsonl or parquet)"
            ))),
        }
    }
}

/// A file written atomically: a temporary sibling, synced and renamed by
/// [`AtomicFile::commit`]; dropped without commit, it is removed.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let err = |e: std::io::Error| TrendsError::Output {
            path: dest.display().to_string(),
            message: e.to_string(),
        };
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(TrendsError::Output {
                path: dest.display().to_string(),
                message: format!("directory {} does not exist", dir.display()),
            });
        }
        let name = dest
            .file_name()
            .ok_or_else(|| TrendsError::Output {
                path: dest.display().to_string(),
                message: "not a file name".into(),
            })?
            .to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp).map_err(err)?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            file: Some(BufWriter::new(file)),
        })
    }

    pub fn commit(mut self) -> Result<()> {
        let err = |e: std::io::Error| TrendsError::Output {
            path: self.dest.display().to_string(),
            message: e.to_string(),
        };
        let file = self.file.take().expect("not yet committed");
        let file = file.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        std::fs::rename(&self.tmp, &self.dest).map_err(err)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().expect("open").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().expect("open").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Where a table goes.
pub enum Out {
    Stdout(std::io::Stdout),
    File(AtomicFile),
    /// Bytes in memory (a server's response body), read back from the
    /// shared buffer when the table is finished.
    Memory(Arc<std::sync::Mutex<Vec<u8>>>),
}

impl Out {
    pub fn open(path: Option<&Path>) -> Result<Out> {
        match path {
            None => Ok(Out::Stdout(std::io::stdout())),
            Some(p) if p.as_os_str() == "-" => Ok(Out::Stdout(std::io::stdout())),
            Some(p) => Ok(Out::File(AtomicFile::create(p)?)),
        }
    }

    /// Flushes standard output, or puts the file in place.
    pub fn finish(self) -> Result<()> {
        match self {
            Out::Stdout(mut s) => s.flush().map_err(|e| TrendsError::Output {
                path: "stdout".into(),
                message: e.to_string(),
            }),
            Out::File(f) => f.commit(),
            Out::Memory(_) => Ok(()),
        }
    }

    /// An in-memory output and the buffer it fills.
    pub fn memory() -> (Out, Arc<std::sync::Mutex<Vec<u8>>>) {
        let buf = Arc::new(std::sync::Mutex::new(Vec::new()));
        (Out::Memory(buf.clone()), buf)
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Out::Stdout(s) => s.write(buf),
            Out::File(f) => f.write(buf),
            Out::Memory(m) => {
                m.lock()
                    .map_err(|_| std::io::Error::other("output buffer poisoned"))?
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Out::Stdout(s) => s.flush(),
            Out::File(f) => f.flush(),
            Out::Memory(_) => Ok(()),
        }
    }
}

fn io_err(e: impl std::fmt::Display) -> TrendsError {
    TrendsError::Output {
        path: "output".into(),
        message: e.to_string(),
    }
}

const PARQUET_BATCH: usize = 65_536;

enum Builder {
    Str(StringBuilder),
    U64(UInt64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
}

enum Kind {
    Csv(csv::Writer<Out>),
    Json {
        out: Out,
        first: bool,
    },
    Jsonl(Out),
    Parquet {
        writer: parquet::arrow::ArrowWriter<Out>,
        schema: Arc<Schema>,
        builders: Vec<Builder>,
        rows: usize,
    },
}

/// Rows of one table, in one format.
pub struct Table {
    columns: Vec<(String, ColType)>,
    kind: Kind,
}

impl Table {
    /// A table with `columns`; `header` is written before the rows in JSON
    /// (`{..header, "rows": [...]}` with `rows_key` for "rows").
    pub fn new(
        format: Format,
        columns: Vec<(String, ColType)>,
        mut out: Out,
        header: Map<String, Value>,
        rows_key: &str,
    ) -> Result<Table> {
        let kind = match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns.iter().map(|(n, _)| n.as_str()))
                    .map_err(io_err)?;
                Kind::Csv(w)
            }
            Format::Json => {
                let head = Value::Object(header).to_string();
                // `{...header` then `"rows":[`
                let open = if head == "{}" {
                    "{".to_string()
                } else {
                    format!("{},", &head[..head.len() - 1])
                };
                write!(out, "{open}{}:[", Value::from(rows_key)).map_err(io_err)?;
                Kind::Json { out, first: true }
            }
            Format::Jsonl => Kind::Jsonl(out),
            Format::Parquet => {
                let fields: Vec<Field> = columns
                    .iter()
                    .map(|(n, t)| {
                        let dt = match t {
                            ColType::Str => DataType::Utf8,
                            ColType::U64 => DataType::UInt64,
                            ColType::F64 => DataType::Float64,
                            ColType::Bool => DataType::Boolean,
                        };
                        Field::new(n, dt, false)
                    })
                    .collect();
                let schema = Arc::new(Schema::new(fields));
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .build();
                let writer = parquet::arrow::ArrowWriter::try_new(out, schema.clone(), Some(props))
                    .map_err(io_err)?;
                Kind::Parquet {
                    writer,
                    schema,
                    builders: new_builders(&columns),
                    rows: 0,
                }
            }
        };
        Ok(Table { columns, kind })
    }

    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        debug_assert_eq!(cells.len(), self.columns.len());
        match &mut self.kind {
            Kind::Csv(w) => {
                let fields: Vec<String> = cells.iter().map(cell_text).collect();
                w.write_record(&fields).map_err(io_err)?;
            }
            Kind::Json { out, first } => {
                if !*first {
                    out.write_all(b",").map_err(io_err)?;
                }
                *first = false;
                let obj = cells_json(&self.columns, cells);
                serde_json::to_writer(&mut *out, &obj).map_err(io_err)?;
            }
            Kind::Jsonl(out) => {
                let obj = cells_json(&self.columns, cells);
                serde_json::to_writer(&mut *out, &obj).map_err(io_err)?;
                out.write_all(b"\n").map_err(io_err)?;
            }
            Kind::Parquet {
                writer,
                schema,
                builders,
                rows,
            } => {
                for (b, c) in builders.iter_mut().zip(cells) {
                    match (b, c) {
                        (Builder::Str(b), Cell::Str(s)) => b.append_value(s),
                        (Builder::U64(b), Cell::U64(v)) => b.append_value(*v),
                        (Builder::F64(b), Cell::F64(v)) => b.append_value(*v),
                        (Builder::Bool(b), Cell::Bool(v)) => b.append_value(*v),
                        (_, c) => {
                            return Err(io_err(format!("cell {c:?} does not fit its column")));
                        }
                    }
                }
                *rows += 1;
                if *rows >= PARQUET_BATCH {
                    flush_batch(writer, schema, builders)?;
                    *rows = 0;
                }
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        match self.kind {
            Kind::Csv(w) => {
                let out = w.into_inner().map_err(|e| io_err(e.error()))?;
                out.finish()
            }
            Kind::Json { mut out, .. } => {
                out.write_all(b"]}\n").map_err(io_err)?;
                out.finish()
            }
            Kind::Jsonl(out) => out.finish(),
            Kind::Parquet {
                mut writer,
                schema,
                mut builders,
                rows,
            } => {
                if rows > 0 {
                    flush_batch(&mut writer, &schema, &mut builders)?;
                }
                let out = writer.into_inner().map_err(io_err)?;
                out.finish()
            }
        }
    }
}

fn new_builders(columns: &[(String, ColType)]) -> Vec<Builder> {
    columns
        .iter()
        .map(|(_, t)| match t {
            ColType::Str => Builder::Str(StringBuilder::new()),
            ColType::U64 => Builder::U64(UInt64Builder::new()),
            ColType::F64 => Builder::F64(Float64Builder::new()),
            ColType::Bool => Builder::Bool(BooleanBuilder::new()),
        })
        .collect()
}

fn flush_batch(
    writer: &mut parquet::arrow::ArrowWriter<Out>,
    schema: &Arc<Schema>,
    builders: &mut [Builder],
) -> Result<()> {
    let arrays: Vec<ArrayRef> = builders
        .iter_mut()
        .map(|b| -> ArrayRef {
            match b {
                Builder::Str(b) => Arc::new(b.finish()),
                Builder::U64(b) => Arc::new(b.finish()),
                Builder::F64(b) => Arc::new(b.finish()),
                Builder::Bool(b) => Arc::new(b.finish()),
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(io_err)?;
    writer.write(&batch).map_err(io_err)
}

fn cell_text(c: &Cell<'_>) -> String {
    match c {
        Cell::Str(s) => s.to_string(),
        Cell::U64(v) => v.to_string(),
        Cell::F64(v) => format_f64(*v),
        Cell::Bool(b) => b.to_string(),
    }
}

/// Shares as the shortest text that reads back to the same number.
pub fn format_f64(v: f64) -> String {
    if v == 0.0 { "0".into() } else { format!("{v}") }
}

fn cells_json(columns: &[(String, ColType)], cells: &[Cell<'_>]) -> Value {
    let mut m = Map::with_capacity(cells.len());
    for ((name, _), c) in columns.iter().zip(cells) {
        let v = match c {
            Cell::Str(s) => Value::from(*s),
            Cell::U64(v) => Value::from(*v),
            Cell::F64(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
            Cell::Bool(b) => Value::from(*b),
        };
        m.insert(name.clone(), v);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"a,b\n").unwrap();
        assert!(!dest.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "a,b\n");
        let mut g = AtomicFile::create(&dest).unwrap();
        g.write_all(b"half").unwrap();
        drop(g);
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "a,b\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn missing_directory_is_named() {
        let e = AtomicFile::create(Path::new("/nonexistent-dir/x.csv"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("/nonexistent-dir"), "{e}");
    }
}
