//! URL canonicalization, so one article reached by several URLs is one URL.

use url::Url;

/// Query parameters that only track where a reader came from.
fn is_tracking(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || matches!(
            k.as_str(),
            "spm"
                | "from"
                | "source"
                | "share_token"
                | "share"
                | "wfr"
                | "scene"
                | "ivk_sa"
                | "tt_from"
                | "fr"
                | "f"
                | "gclid"
                | "fbclid"
        )
}

/// Canonical form of a URL: lower-case scheme and host, no default port, no
/// fragment, no tracking parameters (utm_*, spm, from ...), remaining
/// parameters sorted, no trailing slash on a non-root path, and `m.` / `wap.`
/// mobile hosts mapped to `www.` when `mobile_hosts` says so.
///
/// ```
/// use ticai_fetch::canonical_url;
/// assert_eq!(
///     canonical_url("HTTPS://News.Example.COM:443/a/1.html/?utm_source=x&b=2&a=1#top", false).unwrap(),
///     "https://news.example.com/a/1.html?a=1&b=2"
/// );
/// assert_eq!(canonical_url("https://m.example.com/a/1", true).unwrap(), "https://www.example.com/a/1");
/// ```
pub fn canonical_url(raw: &str, mobile_hosts: bool) -> Result<String, String> {
    let mut u = Url::parse(raw.trim()).map_err(|e| format!("invalid URL {raw:?}: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("unsupported URL scheme in {raw:?}"));
    }
    u.set_fragment(None);
    if mobile_hosts
        && let Some(host) = u.host_str().map(str::to_string)
        && let Some(rest) = host
            .strip_prefix("m.")
            .or_else(|| host.strip_prefix("wap."))
    {
        let _ = u.set_host(Some(&format!("www.{rest}")));
    }
    let mut pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let path = u.path().to_string();
    if path.len() > 1 && path.ends_with('/') {
        u.set_path(path.trim_end_matches('/'));
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let rows = [
            (
                "https://example.com/a/1.html",
                false,
                "https://example.com/a/1.html",
            ),
            (
                "https://EXAMPLE.com/a/1.html#comments",
                false,
                "https://example.com/a/1.html",
            ),
            (
                "http://example.com:80/a/?spm=1.2&id=7&from=timeline",
                false,
                "http://example.com/a?id=7",
            ),
            ("https://example.com/", false, "https://example.com/"),
            (
                "https://wap.example.com/a",
                true,
                "https://www.example.com/a",
            ),
            ("https://m.example.com/a", false, "https://m.example.com/a"),
            (
                "https://example.com/s?q=%E8%B6%85%E8%8A%82%E7%82%B9",
                false,
                "https://example.com/s?q=%E8%B6%85%E8%8A%82%E7%82%B9",
            ),
        ];
        for (raw, mobile, want) in rows {
            assert_eq!(canonical_url(raw, mobile).unwrap(), want, "{raw}");
        }
        assert!(canonical_url("ftp://example.com/x", false).is_err());
        assert!(canonical_url("not a url", false).is_err());
    }
}
