//! Research notes as PDF, end to end through the binary: `ticai extract`,
//! `tag`, `ingest` and `search` on the generated fixtures of `tests/pdf/`
//! (made by `tests/pdf/generate.py`, run by `tests/pdf/make-fixtures`: reportlab's non-embedded
//! `STSong-Light` with `UniGB-UCS2-H`, fpdf2 with an embedded subset
//! TrueType font and a ToUnicode map, two columns, a table, running
//! headers and footers, a cover, a disclaimer, an encrypted file, a scan).
//! Each fixture's expectations are in `tests/pdf/fixtures.json`, written
//! by the same generator.

mod common;

use common::{docs as records, scratch, search, stderr, stdout, theme_ids, ticai};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pdf")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("fixtures.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn extract(name: &str) -> (Value, Output) {
    let dir = scratch(&format!("pdf-extract-{name}"));
    let out = ticai(
        &dir,
        &[
            "extract",
            "--format",
            "json",
            fixtures().join(name).to_str().unwrap(),
        ],
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 1, "{name}: {}", stdout(&out));
    (recs[0].clone(), out)
}

/// The text fixtures: paragraphs present and in reading order (columns
/// one after the other, table rows as rows), headers, footers and the
/// disclaimer gone, and the cover's metadata.
#[test]
fn text_fixtures_in_reading_order_with_cover_metadata() {
    let exp = expected();
    let mut checked = 0;
    for (name, want) in exp.as_object().unwrap() {
        let Some(order) = want.get("paragraphs_in_order").and_then(Value::as_array) else {
            continue;
        };
        let (rec, out) = extract(name);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(rec["status"], "ok", "{name}");
        let text = rec["text"].as_str().unwrap();
        let mut at = 0;
        for p in order {
            let p = p.as_str().unwrap();
            let Some(found) = text[at..].find(p) else {
                let anywhere = text.find(p).map_or("absent", |_| "out of order");
                panic!("{name}: {p:?} {anywhere} in:\n{text}");
            };
            at += found + p.len();
        }
        // whole paragraphs: headings and table rows stand alone
        let paragraphs: Vec<&str> = text.split("\n\n").collect();
        for p in want["paragraphs"].as_array().unwrap() {
            assert!(
                paragraphs.contains(&p.as_str().unwrap()),
                "{name}: {p} is no paragraph of {paragraphs:?}"
            );
        }
        for a in want["absent"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            assert!(
                !text.contains(a),
                "{name}: {a:?} should be gone from:\n{text}"
            );
        }
        assert_eq!(rec["title"], want["title"], "{name}");
        assert_eq!(rec["source"], want["source"], "{name}");
        let authors: Vec<&str> = want["author"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(rec["author"], authors.join(" "), "{name}");
        let date = want["published_at"].as_str().unwrap();
        assert!(
            rec["published_at"].as_str().unwrap().starts_with(date),
            "{name}: {}",
            rec["published_at"]
        );
        for k in ["rating", "target_price"] {
            if let Some(v) = want.get(k) {
                assert_eq!(&rec[k], v, "{name}: {k}");
            }
        }
        assert_eq!(rec["encoding"], "pdf");
        checked += 1;
    }
    assert_eq!(checked, 2, "fixtures.json's text fixtures");
}

#[test]
fn encrypted_and_scanned_files_are_reported() {
    let exp = expected();
    for name in ["encrypted.pdf", "scan.pdf"] {
        let reason = exp[name]["reason"].as_str().unwrap();
        let (rec, out) = extract(name);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(rec["status"], "failed", "{name}");
        assert!(
            rec["reason"].as_str().unwrap().contains(reason),
            "{name}: {}",
            rec["reason"]
        );
        // tag names the file on stderr and exits 1
        let dir = scratch(&format!("pdf-tag-{name}"));
        let out = ticai(&dir, &["tag", fixtures().join(name).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stdout(&out).trim().is_empty(), "{name}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains(reason), "{name}: {err}");
    }
}

/// `ticai tag` tags the note's text, with evidence offsets into the
/// extracted text, and `ingest` makes it searchable; a PDF is recognised
/// by its header whatever its name.
#[test]
fn tag_ingest_and_search_a_note() {
    let (rec, _) = extract("note-cid.pdf");
    let text: Vec<char> = rec["text"].as_str().unwrap().chars().collect();
    let dir = scratch("pdf-tag-ingest");
    let note = fixtures().join("note-cid.pdf");
    let out = ticai(&dir, &["tag", note.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = records(&out);
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    let themes = theme_ids(d);
    assert!(
        themes.iter().any(|t| t == "optical-interconnect"),
        "{themes:?}"
    );
    // evidence spans point into the extracted text
    for t in d["themes"].as_array().unwrap() {
        for e in t["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["field"] == "text")
        {
            let (s, n) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            let got: String = text[s..n].iter().collect();
            assert_eq!(got, e["text"].as_str().unwrap());
        }
    }
    // misnamed: a .txt that is a PDF is still read as one
    let misnamed = dir.join("report.txt");
    std::fs::copy(&note, &misnamed).unwrap();
    let out = ticai(&dir, &["tag", misnamed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records(&out)[0]["title"], rec["title"]);

    let out = ticai(
        &dir,
        &["ingest", "--data-dir", "data", fixtures().to_str().unwrap()],
    );
    // the encrypted and scanned fixtures are reported, the others indexed
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let res = search(&dir, "光模块");
    let ids: Vec<&str> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().any(|i| i.ends_with("note-cid.pdf")), "{ids:?}");
}
