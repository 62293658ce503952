//! The extractor never panics, whatever the bytes: random bytes, random
//! text, and HTML-ish soup built from tags, entities and Chinese text.

use proptest::prelude::*;
use ticai_extract::{Options, extract_html, extract_text};

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
    fn html_soup(html in soup()) {
        check(&extract_html(html.as_bytes(), &Options::default()))?;
        check(&extract_text(html.as_bytes(), &Options::default()))?;
    }
}
