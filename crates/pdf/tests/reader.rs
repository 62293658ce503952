//! The PDF reader on PDFs written here byte by byte: the predefined CJK
//! CMaps, ToUnicode maps, running lines, and hostile files (bombs,
//! truncation, random bytes, encryption markers, scans).

use proptest::prelude::*;
use std::io::Write;
use std::time::Duration;
use ticai_pdf::{Error, Limits, read};

/// A PDF of `objects` (numbered from 1; object 1 is the catalog), with a
/// correct cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

fn ucs2(s: &str) -> String {
    s.encode_utf16().map(|u| format!("{u:04X}")).collect()
}

/// Pages of text in the non-embedded `STSong-Light` / `UniGB-UCS2-H` way
/// (no ToUnicode), each page's content given.
fn cid_pdf(pages: &[String]) -> Vec<u8> {
    let n = pages.len();
    // 1 catalog, 2 pages, 3 font, 4 descendant, then page/content pairs
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>".to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 >>".to_vec(),
    ];
    for (i, content) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                6 + 2 * i
            )
            .into_bytes(),
        );
        objects.push(stream("", content.as_bytes()));
    }
    pdf(&objects)
}

fn line(x: f32, y: f32, size: f32, text: &str) -> String {
    format!("BT /F1 {size} Tf {x} {y} Td <{}> Tj ET\n", ucs2(text))
}

fn texts(t: &ticai_pdf::Text) -> Vec<&str> {
    t.lines
        .iter()
        .filter(|l| !l.running)
        .map(|l| l.text.as_str())
        .collect()
}

#[test]
fn predefined_ucs2_cmap_without_to_unicode() {
    let page = line(72.0, 700.0, 12.0, "超节点与液冷：国产算力的新阶段");
    let t = read(&cid_pdf(&[page]), &Limits::default()).unwrap();
    assert_eq!(texts(&t), ["超节点与液冷：国产算力的新阶段"]);
    assert_eq!(t.unmapped, 0);
    // the CID font's widths (DW 1000) place the characters one em apart
    assert!(
        (t.lines[0].x1 - t.lines[0].x0 - 15.0 * 12.0).abs() < 1.0,
        "{:?}",
        t.lines[0]
    );
}

#[test]
fn gbk_cmap_and_to_unicode_map() {
    // GBK-EUC-H: codes are GBK bytes, ASCII single bytes
    let (gbk, _, _) = encoding_rs::GBK.encode("光模块CPO");
    let hex: String = gbk.iter().map(|b| format!("{b:02X}")).collect();
    let content = format!("BT /F1 12 Tf 72 700 Td <{hex}> Tj ET");
    let font = b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /GBK-EUC-H /DescendantFonts [4 0 R] >>".to_vec();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>".to_vec(),
        font,
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /DW 1000 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 7 0 R >> >> /Contents 6 0 R >>".to_vec(),
    ];
    // and a second font: Identity-H glyph ids with a ToUnicode map
    let tounicode = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n2 beginbfchar <0001> <94DC> <0002> <7F06> endbfchar\nendcmap end end";
    let content = format!("{content}\nBT /F2 12 Tf 72 680 Td <00010002> Tj ET");
    objects.push(stream("", content.as_bytes()));
    objects.push(b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Sub /Encoding /Identity-H /DescendantFonts [9 0 R] /ToUnicode 8 0 R >>".to_vec());
    objects.push(stream("", tounicode.as_bytes()));
    objects
        .push(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Sub /DW 1000 >>".to_vec());
    let t = read(&pdf(&objects), &Limits::default()).unwrap();
    assert_eq!(texts(&t), ["光模块CPO", "铜缆"]);
}

#[test]
fn running_headers_and_page_numbers_are_marked() {
    let pages: Vec<String> = (1..=4)
        .map(|p| {
            let mut c = line(72.0, 800.0, 9.0, "请务必阅读正文之后的免责声明");
            c += &line(
                72.0,
                700.0,
                12.0,
                &format!("第{p}页正文：铜缆高速连接需求旺盛"),
            );
            c += &line(290.0, 30.0, 9.0, &format!("{p}"));
            c
        })
        .collect();
    let t = read(&cid_pdf(&pages), &Limits::default()).unwrap();
    let body = texts(&t);
    assert_eq!(body.len(), 4, "{body:?}");
    assert!(body.iter().all(|l| l.contains("正文")), "{body:?}");
    assert_eq!(t.lines.iter().filter(|l| l.running).count(), 8);
}

#[test]
fn decompression_bomb_is_refused() {
    // 64 MB of zeros, compressed to about 64 KB, as a page's content
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..64 {
        z.write_all(&chunk).unwrap();
    }
    let data = z.finish().unwrap();
    assert!(data.len() < 1 << 20);
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream("/Filter /FlateDecode", &data),
    ];
    let limits = Limits {
        max_stream_bytes: 8 << 20,
        ..Limits::default()
    };
    match read(&pdf(&objects), &limits) {
        Err(Error::TooLarge(why)) => assert!(why.contains("size limit"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn operator_budget_bounds_time() {
    let content = "0 0 m\n".repeat(200_000);
    let limits = Limits {
        max_operators: 100_000,
        ..Limits::default()
    };
    assert!(matches!(
        read(&cid_pdf(&[content]), &limits),
        Err(Error::TooLarge(_))
    ));
    let limits = Limits {
        max_time: Duration::ZERO,
        ..Limits::default()
    };
    let content = line(72.0, 700.0, 12.0, "液冷").repeat(5000);
    assert!(matches!(
        read(&cid_pdf(&[content]), &limits),
        Err(Error::TooSlow(_))
    ));
}

#[test]
fn scans_and_encryption_are_reported() {
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        stream("/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", b"\x80"),
        stream("", b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
    ];
    assert!(matches!(
        read(&pdf(&objects), &Limits::default()),
        Err(Error::NoTextLayer {
            pages: 1,
            images: 1
        })
    ));
    assert!(matches!(
        read(b"not a pdf", &Limits::default()),
        Err(Error::Damaged(_))
    ));
    // glyph ids without a ToUnicode map: said so, not guessed
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream("", b"BT /F1 12 Tf 72 700 Td <00010002> Tj ET"),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] >>".to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X >>".to_vec(),
    ];
    assert_eq!(
        read(&pdf(&objects), &Limits::default()).unwrap_err(),
        Error::NoUnicode { codes: 2 }
    );
}

#[test]
fn truncated_files_never_panic() {
    let mut pages = Vec::new();
    for p in 0..3 {
        pages.push(
            line(72.0, 700.0, 12.0, &format!("第{p}页：万卡集群与算力租赁"))
                + &line(300.0, 700.0, 12.0, "右栏"),
        );
    }
    let full = cid_pdf(&pages);
    for cut in (0..full.len()).step_by(7) {
        let _ = read(&full[..cut], &Limits::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = b"%PDF-1.4\n".to_vec();
        bytes.extend_from_slice(&body);
        let _ = read(&bytes, &Limits::default());
    }

    #[test]
    fn mutated_pdfs_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = cid_pdf(&[line(72.0, 700.0, 12.0, "国产算力") + "BT /F1 9 Tf [<8D85> -200 <8282>] TJ ET q 1 0 0 1 5 5 cm Q"]);
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        let _ = read(&bytes, &Limits::default());
    }
}
