//! The extractor never panics, whatever the bytes: random bytes, random
//! text, HTML-ish soup built from tags, entities and Chinese text, and
//! PDFs: random bytes behind a `%PDF-` header, and the committed fixtures
//! truncated anywhere or with bytes overwritten (each bounded by the
//! reader's limits, so a case cannot hang).

use proptest::prelude::*;
use std::sync::LazyLock;
use ticai_extract::{Options, extract_html, extract_page, extract_pdf, extract_text};

static NOTES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pdf");
    ["note-cid.pdf", "note-ttf.pdf", "encrypted.pdf"]
        .iter()
        .map(|n| std::fs::read(dir.join(n)).expect("the PDF fixture is there"))
        .collect()
});

fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<div class=\"related\">".to_string()),
        Just("</div>".to_string()),
        Just("<script>var ct = \"1581517074\";</script>".to_string()),
        Just("<meta charset=\"gb2312\">".to_string()),
        Just("<meta property=\"article:published_time\" content=\"2026-13-45\">".to_string()),
        Just("<script type=\"application/ld+json\">{\"headline\":".to_string()),
        Just("<title>".to_string()),
        Just("相关推荐".to_string()),
        Just("责任编辑：".to_string()),
        Just("样例· 2026-11-18 18:11\n".to_string()),
        Just("&amp;&#x4e2d;&#99999999;".to_string()),
        "[\u{4e00}-\u{4e3f}，。a-z0-9 \n]{0,20}",
        "\\PC{0,10}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn check(ex: &ticai_extract::Extraction) -> Result<(), TestCaseError> {
    prop_assert_eq!(ex.failure.is_some(), ex.articles.is_empty());
    for a in &ex.articles {
        prop_assert!(a.text.chars().count() >= ticai_extract::MIN_TEXT_CHARS);
        if let Some(d) = &a.published_at {
            prop_assert!(chrono::DateTime::parse_from_rfc3339(d).is_ok(), "{}", d);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let o = Options::default();
        check(&extract_html(&bytes, &o))?;
        check(&extract_text(&bytes, &o))?;
    }

    #[test]
    fn pdf_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4000)) {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend_from_slice(&bytes);
        check(&extract_pdf(&pdf, &Options::default()))?;
        check(&extract_page(&pdf, &Options::default()))?;
    }

    #[test]
    fn pdf_truncated_or_damaged(
        which in 0usize..3,
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
    ) {
        let mut pdf = NOTES[which].clone();
        for (at, b) in flips {
            let i = at.index(pdf.len());
            pdf[i] = b;
        }
        let n = cut.index(pdf.len() + 1);
        check(&extract_pdf(&pdf[..n], &Options::default()))?;
    }

    #[test]
    fn html_soup(html in soup()) {
        check(&extract_html(html.as_bytes(), &Options::default()))?;
        check(&extract_text(html.as_bytes(), &Options::default()))?;
    }
}
