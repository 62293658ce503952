//! The files analysts have, end to end through the binary: CSV in GBK and
//! UTF-8 with a BOM, an XLSX workbook with two sheets and Chinese headers,
//! zstd/gzip/bzip2-compressed JSON Lines and CSV, a Parquet file, ZIP and
//! tar.gz archives, JSON Lines with every date form and some garbage
//! dates, binary files; `tag`, `ingest` and `inspect` over them. Every
//! fixture is written here by the test.

mod common;

use common::{docs, scratch, search, stderr, stdout, theme_ids, ticai};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;

/// A vendor export's three rows: title, text, publication time.
const ROWS: [(&str, &str, &str); 3] = [
    (
        "算力租赁订单落地",
        "公司签订算力租赁合同，租期三年。",
        "2026-07-01 09:30",
    ),
    (
        "液冷服务器放量",
        "液冷方案在数据中心加速渗透。",
        "2026/07/02 14:05",
    ),
    (
        "光模块扩产",
        "CPO与光模块产能继续扩张。",
        "2026年7月3日 10:00",
    ),
];

fn csv_text(delimiter: &str) -> String {
    let mut s = format!("标题{delimiter}内容{delimiter}发布时间\n");
    for (t, x, d) in ROWS {
        s.push_str(&format!("{t}{delimiter}{x}{delimiter}{d}\n"));
    }
    s
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

fn assert_three_rows(out: &Output, file: &str) {
    assert!(out.status.success(), "{file}: {}", stderr(out));
    let d = docs(out);
    assert_eq!(d.len(), 3, "{file}: {}", stdout(out));
    let titles: Vec<&str> = d.iter().map(|x| x["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ROWS.map(|r| r.0), "{file}");
    assert!(
        theme_ids(&d[0]).contains(&"compute-leasing".to_string()),
        "{file}: {}",
        d[0]
    );
    assert!(
        theme_ids(&d[1]).contains(&"liquid-cooling".to_string()),
        "{file}: {}",
        d[1]
    );
    assert!(
        theme_ids(&d[2]).contains(&"optical-interconnect".to_string()),
        "{file}: {}",
        d[2]
    );
    assert_eq!(d[0]["published_at"], "2026-07-01 09:30", "{file}");
    assert!(
        d[0]["id"].as_str().unwrap().ends_with(":2"),
        "{file}: {}",
        d[0]["id"]
    );
}

#[test]
fn csv_in_gbk_and_utf8_with_bom_is_one_document_per_row() {
    let dir = scratch("inputs-csv");
    let text = csv_text(",");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let gbk = write(&dir, "gbk.csv", &gbk);
    let bom = write(
        &dir,
        "bom.csv",
        format!("\u{feff}{}", csv_text(",")).as_bytes(),
    );
    let tsv = write(&dir, "news.tsv", csv_text("\t").as_bytes());
    let semi = write(&dir, "semi.csv", csv_text(";").as_bytes());
    for f in [&gbk, &bom, &tsv, &semi] {
        assert_three_rows(&ticai(&dir, &["tag", f]), f);
    }
    // what inspect says about them
    let out = ticai(&dir, &["inspect", &gbk, &bom]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("gbk.csv: CSV, gb18030, delimiter ','"), "{s}");
    assert!(
        s.contains("bom.csv: CSV, UTF-8 with BOM, delimiter ','"),
        "{s}"
    );
    assert!(
        s.contains("fields: text=内容, title=标题, published_at=发布时间"),
        "{s}"
    );
    assert!(s.contains("documents: 3; with a date: 3 (100%), 2026-07-01T09:30:00+08:00 .. 2026-07-03T10:00:00+08:00"), "{s}");
    assert!(s.contains("1. "), "{s}");
}

#[test]
fn rows_without_text_and_dates_that_are_not_dates_are_reported() {
    let dir = scratch("inputs-bad-rows");
    let csv = "标题,内容,发布时间\n\
               算力租赁订单落地,公司签订算力租赁合同。,07/03/2026\n\
               只有标题,,2026-07-03\n\
               液冷服务器放量,液冷方案加速渗透。,2026-07-04 09:00\n";
    let f = write(&dir, "news.csv", csv.as_bytes());
    let out = ticai(&dir, &["tag", &f]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("news.csv: 1 row without text in 内容, not tagged: row 3"),
        "{err}"
    );
    assert!(
        err.contains("news.csv: 1 of 2 rows has a 发布时间 that is not a date, e.g. row 2: \"07/03/2026\"; use --date-format"),
        "{err}"
    );
    // the rows with text are still tagged, the bad date left out
    let d = docs(&out);
    assert_eq!(d.len(), 2);
    assert!(d[0]["published_at"].is_null());
    // with the format named, every date reads
    let out = ticai(&dir, &["tag", "--date-format", "%m/%d/%Y", &f]);
    let d = docs(&out);
    assert_eq!(d[0]["published_at"], "2026-07-03T00:00:00+08:00");
    assert!(!stderr(&out).contains("not a date"), "{}", stderr(&out));
    // bad flags are refused before reading
    for (flag, value, says) in [
        ("--tz", "Mars/Base", "not a time zone"),
        ("--date-format", "%H:%M", "names no date"),
        ("--field", "colour=x", "unknown key"),
    ] {
        let out = ticai(&dir, &["tag", flag, value, &f]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(stderr(&out).contains(says), "{flag}: {}", stderr(&out));
    }
    // a table without a text column
    let g = write(&dir, "codes.csv", "名称,代码\n中际旭创,300308\n".as_bytes());
    let out = ticai(&dir, &["tag", &g]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no text column among the headers (名称, 代码)"),
        "{}",
        stderr(&out)
    );
    assert!(docs(&out).is_empty());
}

/// A minimal XLSX workbook (the OOXML parts Excel needs) with inline
/// strings; numbers are written as numbers.
fn xlsx(sheets: &[(&str, Vec<Vec<String>>)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut part = |name: &str, body: String| {
        z.start_file(name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    };
    let head = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
    let overrides: String = (1..=sheets.len())
        .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    part(
        "[Content_Types].xml",
        format!(
            r#"{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
        ),
    );
    part(
        "_rels/.rels",
        format!(
            r#"{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
    );
    let list: String = sheets
        .iter()
        .enumerate()
        .map(|(i, (n, _))| {
            format!(
                r#"<sheet name="{n}" sheetId="{}" r:id="rId{}"/>"#,
                i + 1,
                i + 1
            )
        })
        .collect();
    part(
        "xl/workbook.xml",
        format!(
            r#"{head}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{list}</sheets></workbook>"#
        ),
    );
    let rels: String = (1..=sheets.len())
        .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#))
        .collect();
    part(
        "xl/_rels/workbook.xml.rels",
        format!(
            r#"{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
        ),
    );
    for (i, (_, rows)) in sheets.iter().enumerate() {
        let mut data = String::new();
        for (r, row) in rows.iter().enumerate() {
            data.push_str(&format!(r#"<row r="{}">"#, r + 1));
            for (c, v) in row.iter().enumerate() {
                let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
                if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    data.push_str(&format!(r#"<c r="{at}"><v>{v}</v></c>"#));
                } else {
                    data.push_str(&format!(
                        r#"<c r="{at}" t="inlineStr"><is><t>{v}</t></is></c>"#
                    ));
                }
            }
            data.push_str("</row>");
        }
        part(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            format!(
                r#"{head}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            ),
        );
    }
    z.finish().unwrap().into_inner()
}

fn rows(header: [&str; 3]) -> Vec<Vec<String>> {
    let mut v = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for (t, x, d) in ROWS {
        v.push(vec![t.to_string(), x.to_string(), d.to_string()]);
    }
    v
}

#[test]
fn xlsx_with_two_sheets() {
    let dir = scratch("inputs-xlsx");
    let notes = vec![
        vec![
            "新闻标题".to_string(),
            "摘要".to_string(),
            "日期".to_string(),
        ],
        vec![
            "铜缆互连".to_string(),
            "高速铜缆连接需求增长。".to_string(),
            "20260705".to_string(),
        ],
        vec![
            "HBM扩产".to_string(),
            "HBM产能紧张。".to_string(),
            "1783042200".to_string(),
        ],
    ];
    let book = xlsx(&[
        ("快讯", rows(["标题", "内容", "发布时间"])),
        ("研报", notes),
    ]);
    let f = write(&dir, "export.xlsx", &book);
    let out = ticai(&dir, &["tag", &f]);
    assert_three_rows(&out, &f);
    assert!(
        docs(&out)[0]["id"]
            .as_str()
            .unwrap()
            .ends_with("export.xlsx#快讯:2")
    );
    // the second sheet by position and by name; its numbers are dates too
    for sheet in ["2", "研报"] {
        let out = ticai(&dir, &["tag", "--sheet", sheet, &f]);
        assert!(out.status.success(), "{}", stderr(&out));
        let d = docs(&out);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0]["title"], "铜缆互连");
        assert_eq!(d[0]["published_at"], "2026-07-05T00:00:00+08:00");
        assert_eq!(d[1]["published_at"], "2026-07-03T09:30:00+08:00");
    }
    let out = ticai(&dir, &["tag", "--sheet", "公告", &f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--sheet \"公告\": no such sheet (sheets: 快讯, 研报"),
        "{}",
        stderr(&out)
    );
    let out = ticai(&dir, &["inspect", "--format", "json", &f]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let file = &v["files"][0];
    assert_eq!(file["format"], "Excel");
    assert_eq!(file["sheet"], "快讯 (of 快讯, 研报)");
    assert_eq!(file["documents"], 3);
    assert_eq!(file["first"].as_array().unwrap().len(), 3);
}

#[test]
fn compressed_inputs_are_streamed() {
    let dir = scratch("inputs-compressed");
    let jsonl: String = ROWS
        .iter()
        .map(|(t, x, d)| {
            serde_json::json!({"title": t, "content": x, "published_at": d}).to_string() + "\n"
        })
        .collect();
    let zst = write(
        &dir,
        "news.jsonl.zst",
        &zstd::encode_all(jsonl.as_bytes(), 3).unwrap(),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv_text(",").as_bytes()).unwrap();
    let gz = write(&dir, "report.csv.gz", &gz.finish().unwrap());
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(jsonl.as_bytes()).unwrap();
    let bz = write(&dir, "news.jsonl.bz2", &bz.finish().unwrap());
    for f in [&zst, &gz, &bz] {
        let out = ticai(&dir, &["tag", f]);
        assert!(out.status.success(), "{f}: {}", stderr(&out));
        let d = docs(&out);
        assert_eq!(d.len(), 3, "{f}");
        assert!(
            theme_ids(&d[0]).contains(&"compute-leasing".to_string()),
            "{f}"
        );
    }
    // compressed standard input is recognised by its magic bytes
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ticai"))
        .current_dir(&dir)
        .args(["tag", "-"])
        .env_remove("TICAI_LEXICON")
        .stdin(std::fs::File::open(&zst).unwrap())
        .output()
        .unwrap();
    assert_eq!(docs(&out).len(), 3, "{}", stderr(&out));
    let out = ticai(&dir, &["inspect", &zst]);
    assert!(
        stdout(&out).contains("news.jsonl.zst: JSON Lines, zstd-compressed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn parquet_rows() {
    use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampSecondArray};
    let dir = scratch("inputs-parquet");
    let batch = RecordBatch::try_from_iter(vec![
        (
            "title",
            Arc::new(StringArray::from(ROWS.map(|r| r.0).to_vec())) as ArrayRef,
        ),
        (
            "content",
            Arc::new(StringArray::from(ROWS.map(|r| r.1).to_vec())) as ArrayRef,
        ),
        (
            "published_at",
            Arc::new(
                TimestampSecondArray::from(vec![1782869400, 1782972300, 1783044000])
                    .with_timezone("+08:00"),
            ) as ArrayRef,
        ),
        (
            "source",
            Arc::new(StringArray::from(vec![Some("万得"), None, Some("同花顺")])) as ArrayRef,
        ),
    ])
    .unwrap();
    let path = dir.join("news.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let f = path.to_str().unwrap();
    let out = ticai(&dir, &["tag", f]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = docs(&out);
    assert_eq!(d.len(), 3);
    assert_eq!(d[0]["published_at"], "2026-07-01T09:30:00+08:00");
    assert!(theme_ids(&d[1]).contains(&"liquid-cooling".to_string()));
    assert_eq!(d[2]["id"], format!("{f}:3"));
    // the documents as ingest gets them (tag does not print sources)
    let out = ticai(&dir, &["inspect", "--format", "json", f]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let file = &v["files"][0];
    assert_eq!(file["format"], "Parquet");
    assert_eq!(file["dated"], 3);
    assert_eq!(file["first"][0]["source"], "万得");
    assert!(file["first"][1]["source"].is_null());
    assert_eq!(file["first_published"], "2026-07-01T09:30:00+08:00");
    assert_eq!(file["last_published"], "2026-07-03T10:00:00+08:00");
}

#[test]
fn archives_are_read_member_by_member() {
    let dir = scratch("inputs-archives");
    let page = "<html><head><title>液冷服务器放量</title></head><body><article><p>液冷方案在数据中心加速渗透，多家厂商发布液冷服务器新品，订单饱满。</p><p>分析人士认为，随着单机柜功率密度提升，冷板式与浸没式液冷的渗透率将在明年继续提高，相关产业链公司有望受益。</p></article></body></html>";
    let jsonl = "{\"text\":\"公司签订算力租赁合同，租期三年。\"}\n";
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, body) in [
        ("notes/b.html", page),
        ("notes/a.jsonl", jsonl),
        ("notes/logo.png", "not read"),
        ("__MACOSX/notes/._b.html", "resource fork"),
    ] {
        z.start_file(name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    let zip = write(&dir, "notes.zip", &z.finish().unwrap().into_inner());
    let out = ticai(&dir, &["tag", &zip]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = docs(&out)
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            format!("{zip}/notes/a.jsonl:1"),
            format!("{zip}/notes/b.html")
        ]
    );

    let mut t = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (name, body) in [("b.html", page), ("a.jsonl", jsonl)] {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, name, body.as_bytes()).unwrap();
    }
    let tgz = write(
        &dir,
        "notes.tar.gz",
        &t.into_inner().unwrap().finish().unwrap(),
    );
    let out = ticai(&dir, &["tag", &tgz]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = docs(&out)
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [format!("{tgz}/b.html"), format!("{tgz}/a.jsonl:1")]);
    // a directory holding both reads both archives (and skips the rest)
    write(&dir, "readme.pdf", b"%PDF-1.4");
    let out = ticai(&dir, &["tag", dir.to_str().unwrap()]);
    assert_eq!(docs(&out).len(), 4, "{}", stderr(&out));
}

#[test]
fn tables_are_ingested_and_searchable() {
    let dir = scratch("inputs-ingest");
    let book = xlsx(&[("快讯", rows(["标题", "内容", "发布时间"]))]);
    write(&dir, "export.xlsx", &book);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let text = csv_text(",");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    gz.write_all(&gbk).unwrap();
    write(&dir, "report.csv.gz", &gz.finish().unwrap());
    let out = ticai(
        &dir,
        &[
            "ingest",
            "--data-dir",
            "data",
            "export.xlsx",
            "report.csv.gz",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the index holds 6 documents"),
        "{}",
        stdout(&out)
    );
    let v = search(&dir, "theme:liquid-cooling published:2026-07-02");
    let mut ids: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["export.xlsx#快讯:3", "report.csv.gz:3"], "{v}");
    // ingesting again replaces, never duplicates
    let out = ticai(&dir, &["ingest", "--data-dir", "data", "export.xlsx"]);
    assert!(
        stdout(&out).contains("the index holds 6 documents"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn binary_files_are_refused_by_what_they_are() {
    // a cut-off PDF is read as a PDF and reported as damaged; an image
    // named .txt is refused as what it is
    let dir = scratch("inputs-binary");
    let pdf = write(&dir, "note.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj");
    let png = write(&dir, "chart.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let out = ticai(&dir, &["tag", &pdf, &png]);
    assert_eq!(out.status.code(), Some(1));
    assert!(docs(&out).is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("note.pdf: PDF not readable: truncated"),
        "{err}"
    );
    assert!(err.contains("chart.txt: a PNG image, not read"), "{err}");
}

#[test]
fn every_date_form_is_ingested_and_garbage_is_reported() {
    let dir = scratch("inputs-dates");
    let lines = [
        (
            r#""published_at":"20260703""#,
            Some("2026-07-03T00:00:00+08:00"),
        ),
        (
            r#""published_at":"1783042200""#,
            Some("2026-07-03T09:30:00+08:00"),
        ),
        (
            r#""published_at":1783042200000"#,
            Some("2026-07-03T09:30:00+08:00"),
        ),
        (r#""published_at":"2026.07.03""#, Some("2026.07.03")),
        (
            r#""date":"2026-07-03","time":"10:15:00""#,
            Some("2026-07-03T10:15:00+08:00"),
        ),
        (
            r#""published_at":"2026年7月3日 09:30""#,
            Some("2026年7月3日 09:30"),
        ),
        (
            r#""published_at":"Fri, 03 Jul 2026 01:30:00 GMT""#,
            Some("Fri, 03 Jul 2026 01:30:00 GMT"),
        ),
        (r#""published_at":"07/03/2026""#, None),
        (r#""published_at":"昨天""#, None),
    ];
    let jsonl: String = lines
        .iter()
        .enumerate()
        .map(|(i, (date, _))| {
            format!("{{\"id\":\"d{i}\",\"text\":\"算力租赁合同签订。\",{date}}}\n")
        })
        .collect();
    let f = write(&dir, "dates.jsonl", jsonl.as_bytes());
    let out = ticai(&dir, &["tag", &f]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("dates.jsonl: 2 of 9 lines have a published_at that is not a date, e.g. line 8: \"07/03/2026\", line 9: \"昨天\"; use --date-format"),
        "{err}"
    );
    let d = docs(&out);
    assert_eq!(d.len(), 9);
    for (doc, (_, want)) in d.iter().zip(&lines) {
        assert_eq!(doc["published_at"].as_str(), *want, "{}", doc["id"]);
    }
    // ingest stores all nine; seven are in July 2026
    let out = ticai(&dir, &["ingest", "--data-dir", "data", &f]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the index holds 9 documents"),
        "{}",
        stdout(&out)
    );
    let v = search(&dir, "published:2026-07");
    assert_eq!(v["total"], 7, "{v}");
    // --tz moves naive times, not instants
    let out = ticai(&dir, &["tag", "--tz", "UTC", &f]);
    let d = docs(&out);
    assert_eq!(d[0]["published_at"], "2026-07-03T00:00:00+00:00");
    assert_eq!(d[1]["published_at"], "2026-07-03T01:30:00+00:00");
    // inspect writes nothing and tells the share with a date
    let out = ticai(&dir, &["inspect", &f]);
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    assert!(s.contains("documents: 9; with a date: 7 (78%)"), "{s}");
    assert!(s.contains("problem: "), "{s}");
    assert!(!dir.join("inspect-data").exists());
}
