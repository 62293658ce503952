//! Tables: CSV and TSV (encoding and delimiter detected, streamed), Excel
//! workbooks (calamine) and Parquet files (arrow), one document per row.

use crate::compress::{Transcode, peek};
use crate::{Table, TableInfo};
use arrow_array::Array;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

/// How many bytes decide a CSV's encoding and delimiter.
const SNIFF: usize = 1 << 16;

/// Reads a CSV or TSV stream. `tab` says the name ends `.tsv`.
pub(crate) fn read_csv(
    r: Box<dyn Read + '_>,
    tab: bool,
    table: &mut Table<'_, '_>,
) -> anyhow::Result<()> {
    // a read error here (a damaged compressed file) is this file's
    // problem, reported with its name; the other inputs are still read
    let (head, r) = match peek(r, SNIFF) {
        Ok(x) => x,
        Err(e) => {
            table.fail(format!("cannot read (or decompress): {e}"));
            return Ok(());
        }
    };
    let (enc, bom) = ticai_extract::sniff_encoding(&head, head.len() < SNIFF);
    let encoding = if bom > 0 {
        format!("{} with BOM", enc.name())
    } else {
        enc.name().to_string()
    };
    let mut r = r;
    if let Err(e) = std::io::copy(&mut (&mut r).take(bom as u64), &mut std::io::sink()) {
        table.fail(format!("cannot read (or decompress): {e}"));
        return Ok(());
    }
    let decoded: Box<dyn Read> = if enc == encoding_rs::UTF_8 {
        r
    } else {
        Box::new(Transcode::new(r, enc))
    };
    let mut buffered = BufReader::with_capacity(SNIFF, decoded);
    let first_line = match buffered.fill_buf() {
        // the first line that is not blank
        Ok(buf) => String::from_utf8_lossy(buf)
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string(),
        Err(e) => {
            table.fail(format!("cannot read (or decompress): {e}"));
            return Ok(());
        }
    };
    let delimiter = sniff_delimiter(&first_line, tab);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(buffered);
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Vec<String>> = None;
    let mut index = 0usize;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e
                    .position()
                    .map_or(String::new(), |p| format!(" at line {}", p.line()));
                table.fail(format!("not readable as CSV{at}: {e}"));
                break;
            }
        }
        let cells: Vec<Option<String>> = record
            .iter()
            .map(|c| Some(String::from_utf8_lossy(c).into_owned()).filter(|s| !s.trim().is_empty()))
            .collect();
        if header.is_none() {
            if cells.iter().all(Option::is_none) {
                continue;
            }
            let h: Vec<String> = cells.into_iter().map(Option::unwrap_or_default).collect();
            let shown = match delimiter {
                b'\t' => "tab".to_string(),
                d => format!("{:?}", d as char),
            };
            if !table.header(
                &h,
                TableInfo {
                    encoding: Some(encoding.clone()),
                    delimiter: Some(shown),
                    sheet: None,
                },
            ) {
                return Ok(());
            }
            header = Some(h);
            continue;
        }
        index += 1;
        // spreadsheet numbering: the header is row 1
        table.row(index + 1, &cells)?;
    }
    if header.is_none() {
        table.fail("empty: no header row".to_string());
    }
    Ok(())
}

/// The delimiter of a CSV's header line: the most frequent of `,` tab `;`
/// `|` outside quotes (`,` when none occurs; tab for a .tsv that has one).
fn sniff_delimiter(line: &str, tab: bool) -> u8 {
    let mut counts = [(b',', 0usize), (b'\t', 0), (b';', 0), (b'|', 0)];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            ',' => counts[0].1 += 1,
            '\t' => counts[1].1 += 1,
            ';' => counts[2].1 += 1,
            '|' => counts[3].1 += 1,
            // a full-width comma does not separate fields (csv takes bytes)
            _ => {}
        }
    }
    if tab && counts[1].1 > 0 {
        return b'\t';
    }
    let best = counts.iter().max_by_key(|(_, n)| *n).copied();
    match best {
        Some((d, n)) if n > 0 => {
            // prefer the comma on ties
            if counts[0].1 == n { b',' } else { d }
        }
        _ if tab => b'\t',
        _ => b',',
    }
}

/// Which sheet of a workbook: a name, or a 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet(pub String);

pub(crate) fn read_excel(
    bytes: Vec<u8>,
    sheet: Option<&Sheet>,
    table: &mut Table<'_, '_>,
) -> anyhow::Result<()> {
    use calamine::{Data, Reader as _};
    let cursor = std::io::Cursor::new(Arc::<[u8]>::from(bytes));
    let mut book = match calamine::open_workbook_auto_from_rs(cursor) {
        Ok(b) => b,
        Err(e) => {
            table.fail(format!(
                "not a readable Excel workbook (xlsx, xlsm, xlsb, xls, ods): {e}"
            ));
            return Ok(());
        }
    };
    let names = book.sheet_names();
    let chosen = match sheet {
        None => names.first().cloned(),
        Some(Sheet(s)) => names.iter().find(|n| *n == s).cloned().or_else(|| {
            s.parse::<usize>()
                .ok()
                .filter(|&i| i >= 1)
                .and_then(|i| names.get(i - 1).cloned())
        }),
    };
    let Some(chosen) = chosen else {
        table.fail(match sheet {
            Some(Sheet(s)) => format!(
                "--sheet {s:?}: no such sheet (sheets: {}; or a position from 1)",
                names.join(", ")
            ),
            None => "the workbook has no sheets".to_string(),
        });
        return Ok(());
    };
    let range = match book.worksheet_range(&chosen) {
        Ok(r) => r,
        Err(e) => {
            table.fail(format!("sheet {chosen:?}: {e}"));
            return Ok(());
        }
    };
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let cell = |d: &Data| -> Option<String> {
        let s = match d {
            Data::Empty | Data::Error(_) => return None,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            // whole numbers (ids, epoch seconds, 20260703) without ".0"
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            // a time of day alone (serial below 1) as a time, a whole day
            // as a date, so that a date column and a time column join
            Data::DateTime(dt) => match dt.as_datetime() {
                Some(t) if dt.as_f64() < 1.0 => t.format("%H:%M:%S").to_string(),
                Some(t) if dt.as_f64().fract() == 0.0 => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => dt.as_f64().to_string(),
            },
        };
        Some(s).filter(|s| !s.trim().is_empty())
    };
    let mut header_seen = false;
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<Option<String>> = row.iter().map(cell).collect();
        if !header_seen {
            if cells.iter().all(Option::is_none) {
                continue;
            }
            let h: Vec<String> = cells.into_iter().map(Option::unwrap_or_default).collect();
            let info = TableInfo {
                encoding: None,
                delimiter: None,
                sheet: Some(format!("{chosen} (of {})", names.join(", "))),
            };
            if !table.header(&h, info) {
                return Ok(());
            }
            header_seen = true;
            continue;
        }
        if cells.iter().all(Option::is_none) {
            continue;
        }
        table.row(first_row + i + 1, &cells)?;
    }
    if !header_seen {
        table.fail(format!("sheet {chosen:?} is empty"));
    }
    Ok(())
}

pub(crate) fn read_parquet<R: parquet::file::reader::ChunkReader + 'static>(
    data: R,
    table: &mut Table<'_, '_>,
) -> anyhow::Result<()> {
    use arrow_cast::display::{ArrayFormatter, FormatOptions};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let builder = match ParquetRecordBatchReaderBuilder::try_new(data) {
        Ok(b) => b,
        Err(e) => {
            table.fail(format!("not a readable Parquet file: {e}"));
            return Ok(());
        }
    };
    let headers: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let info = TableInfo {
        encoding: None,
        delimiter: None,
        sheet: None,
    };
    if !table.header(&headers, info) {
        return Ok(());
    }
    let reader = match builder.with_batch_size(4096).build() {
        Ok(r) => r,
        Err(e) => {
            table.fail(format!("not a readable Parquet file: {e}"));
            return Ok(());
        }
    };
    let options = FormatOptions::default();
    let mut row = 0usize;
    for batch in reader {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                table.fail(format!("after row {}: {e}", row + 1));
                return Ok(());
            }
        };
        let columns = batch.columns();
        let formatters: Vec<Option<ArrayFormatter<'_>>> = columns
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).ok())
            .collect();
        for i in 0..batch.num_rows() {
            row += 1;
            let cells: Vec<Option<String>> = columns
                .iter()
                .zip(&formatters)
                .map(|(c, f)| {
                    if c.is_null(i) {
                        return None;
                    }
                    Some(f.as_ref()?.value(i).to_string()).filter(|s| !s.trim().is_empty())
                })
                .collect();
            // rows counted from 1, as a notebook shows row 0 as the first
            table.row(row, &cells)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("标题,内容,发布时间", false), b',');
        assert_eq!(sniff_delimiter("标题\t内容\t发布时间", false), b'\t');
        assert_eq!(sniff_delimiter("标题;内容;\"a,b\"", false), b';');
        assert_eq!(sniff_delimiter("标题|内容", false), b'|');
        assert_eq!(sniff_delimiter("内容", true), b'\t');
        assert_eq!(sniff_delimiter("内容", false), b',');
    }
}
