//! `ticai.toml`: the raw file (unknown keys rejected), then a validated
//! [`Config`]. Errors name the file and line.

use regex::Regex;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    source: Vec<toml::Spanned<RawSource>>,
    #[serde(default)]
    run: RawRun,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRun {
    interval: Option<String>,
    window_days: Option<u32>,
    top: Option<usize>,
    #[serde(default)]
    themes: Vec<String>,
    exports: Option<String>,
    keep_runs: Option<usize>,
    tz: Option<String>,
}

/// The `[run]` section: what `ticai run` exports and keeps. Every key is
/// optional.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSettings {
    /// The export's bucket: day, week, month (default day).
    pub interval: String,
    /// Days of history in each export, ending with the run's day (default 30).
    pub window_days: u32,
    /// With no `themes`, export the `top` themes (default 10).
    pub top: usize,
    /// Theme ids to export (default: the top themes).
    pub themes: Vec<String>,
    /// Where exports go, relative to the data dir (default `exports`).
    pub exports: String,
    /// Run reports kept in `runs/` (default 90); the archive and the index
    /// are never pruned.
    pub keep_runs: usize,
    /// The time zone of days (default Asia/Shanghai).
    pub tz: String,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            interval: "day".into(),
            window_days: 30,
            top: 10,
            themes: Vec::new(),
            exports: "exports".into(),
            keep_runs: 90,
            tz: "Asia/Shanghai".into(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    user_agent: Option<String>,
    delay_ms: Option<u64>,
    concurrency: Option<usize>,
    connect_timeout_s: Option<f64>,
    timeout_s: Option<f64>,
    max_body_bytes: Option<u64>,
    retries: Option<u32>,
    max_redirects: Option<usize>,
    mobile_hosts: Option<bool>,
    max_retry_after_s: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    path: Option<String>,
    schedule: Option<String>,
    max_items: Option<usize>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    link_selector: Option<String>,
    next_selector: Option<String>,
    max_pages: Option<usize>,
    body_selector: Option<String>,
    region: Option<String>,
}

/// What a source is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// RSS 2.0, Atom or RDF feed.
    Rss,
    /// A sitemap, sitemap index or Google News sitemap.
    Sitemap,
    /// An HTML list page; article links picked by `link_selector`.
    List,
    /// A local JSON Lines file of articles.
    Jsonl,
    /// A local folder of pages.
    Dir,
}

#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    /// The URL (rss, sitemap, list) or path (jsonl, dir).
    pub location: String,
    pub schedule: Option<String>,
    pub max_items: usize,
    pub include: Vec<Regex>,
    pub exclude: Vec<Regex>,
    pub link_selector: Option<String>,
    /// List pages: the "next page" link to follow, up to `max_pages` pages.
    pub next_selector: Option<String>,
    pub max_pages: usize,
    /// The element holding an article's main text on this site.
    pub body_selector: Option<String>,
    /// Where the source writes: `cn`, `tw` or `hk` (Taiwan and Hong Kong
    /// vocabulary is converted to mainland usage); `None`: detected.
    pub region: Option<ticai_model::Region>,
}

impl Source {
    /// Whether an article URL passes the include/exclude patterns.
    pub fn wants(&self, url: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|r| r.is_match(url)))
            && !self.exclude.iter().any(|r| r.is_match(url))
    }
}

/// Politeness and robustness settings.
#[derive(Clone, Debug)]
pub struct FetchSettings {
    pub user_agent: String,
    /// Least time between two requests to one host (robots.txt Crawl-delay
    /// can make it longer).
    pub delay: Duration,
    /// Requests in flight at once, over all hosts (one per host).
    pub concurrency: usize,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body_bytes: u64,
    /// Retries after the first attempt, on timeouts, 5xx and 429.
    pub retries: u32,
    pub max_redirects: usize,
    /// Map m./wap. hosts to www. when canonicalizing URLs.
    pub mobile_hosts: bool,
    /// The longest Retry-After honoured.
    pub max_retry_after: Duration,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: concat!(
                "ticai/",
                env!("CARGO_PKG_VERSION"),
                " (finance news research; polite crawler)"
            )
            .to_string(),
            delay: Duration::from_millis(1000),
            concurrency: 4,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 5_000_000,
            retries: 3,
            max_redirects: 5,
            mobile_hosts: false,
            max_retry_after: Duration::from_secs(120),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub fetch: FetchSettings,
    pub sources: Vec<Source>,
    /// `[run]`: the daily job's settings.
    pub run: RunSettings,
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Config::parse(&path.display().to_string(), &text)
    }

    /// Parses and validates a config; `name` is used in messages.
    pub fn parse(name: &str, text: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            format!("{name}:{line}: {}", e.message())
        })?;
        let d = FetchSettings::default();
        let secs = |v: Option<f64>, default: Duration| {
            v.map_or(default, |s| Duration::from_secs_f64(s.max(0.0)))
        };
        let f = raw.fetch;
        let fetch = FetchSettings {
            user_agent: f.user_agent.unwrap_or(d.user_agent),
            delay: f.delay_ms.map_or(d.delay, Duration::from_millis),
            concurrency: f.concurrency.unwrap_or(d.concurrency).max(1),
            connect_timeout: secs(f.connect_timeout_s, d.connect_timeout),
            timeout: secs(f.timeout_s, d.timeout),
            max_body_bytes: f.max_body_bytes.unwrap_or(d.max_body_bytes),
            retries: f.retries.unwrap_or(d.retries),
            max_redirects: f.max_redirects.unwrap_or(d.max_redirects),
            mobile_hosts: f.mobile_hosts.unwrap_or(d.mobile_hosts),
            max_retry_after: secs(f.max_retry_after_s, d.max_retry_after),
        };
        let mut sources = Vec::new();
        let mut names = std::collections::HashSet::new();
        for s in raw.source {
            let line = line_of(text, s.span().start);
            let s = s.into_inner();
            let err = |m: String| format!("{name}:{line}: source {:?}: {m}", s.name);
            if s.name.trim().is_empty() {
                return Err(format!("{name}:{line}: a source needs a name"));
            }
            if !names.insert(s.name.clone()) {
                return Err(err("duplicate source name".into()));
            }
            let kind = match s.kind.as_str() {
                "rss" | "atom" => SourceKind::Rss,
                "sitemap" => SourceKind::Sitemap,
                "list" => SourceKind::List,
                "jsonl" => SourceKind::Jsonl,
                "dir" => SourceKind::Dir,
                other => {
                    return Err(err(format!(
                        "unknown type {other:?} (rss, sitemap, list, jsonl, dir)"
                    )));
                }
            };
            let location = match kind {
                SourceKind::Jsonl | SourceKind::Dir => s.path.clone().or(s.url.clone()),
                _ => s.url.clone(),
            }
            .ok_or_else(|| {
                err(if matches!(kind, SourceKind::Jsonl | SourceKind::Dir) {
                    "needs a path".into()
                } else {
                    "needs a url".into()
                })
            })?;
            if matches!(
                kind,
                SourceKind::Rss | SourceKind::Sitemap | SourceKind::List
            ) {
                url::Url::parse(&location)
                    .map_err(|e| err(format!("invalid url {location:?}: {e}")))?;
            }
            if kind == SourceKind::List && s.link_selector.is_none() {
                return Err(err(
                    "a list source needs link_selector (CSS, e.g. \"ul.news a\")".into(),
                ));
            }
            for sel in [&s.link_selector, &s.next_selector, &s.body_selector]
                .into_iter()
                .flatten()
            {
                scraper::Selector::parse(sel)
                    .map_err(|e| err(format!("invalid CSS selector {sel:?}: {e}")))?;
            }
            let compile = |pats: &[String]| -> Result<Vec<Regex>, String> {
                pats.iter()
                    .map(|p| Regex::new(p).map_err(|e| err(format!("invalid pattern {p:?}: {e}"))))
                    .collect()
            };
            let region = match s.region.as_deref() {
                None => None,
                Some(r) => Some(r.parse().map_err(|e: String| err(format!("region: {e}")))?),
            };
            sources.push(Source {
                region,
                include: compile(&s.include)?,
                exclude: compile(&s.exclude)?,
                name: s.name,
                kind,
                location,
                schedule: s.schedule,
                max_items: s.max_items.unwrap_or(200),
                link_selector: s.link_selector,
                next_selector: s.next_selector,
                max_pages: s.max_pages.unwrap_or(5).max(1),
                body_selector: s.body_selector,
            });
        }
        if sources.is_empty() {
            return Err(format!("{name}: no [[source]] entries"));
        }
        let r = raw.run;
        let dr = RunSettings::default();
        if let Some(i) = &r.interval
            && !matches!(i.as_str(), "day" | "week" | "month")
        {
            return Err(format!(
                "{name}: [run] interval {i:?}: use day, week or month"
            ));
        }
        if r.window_days == Some(0) {
            return Err(format!("{name}: [run] window_days = 0: give at least 1"));
        }
        let run = RunSettings {
            interval: r.interval.unwrap_or(dr.interval),
            window_days: r.window_days.unwrap_or(dr.window_days),
            top: r.top.unwrap_or(dr.top),
            themes: r.themes,
            exports: r.exports.unwrap_or(dr.exports),
            keep_runs: r.keep_runs.unwrap_or(dr.keep_runs),
            tz: r.tz.unwrap_or(dr.tz),
        };
        Ok(Config {
            fetch,
            sources,
            run,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_is_valid() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ticai.example.toml");
        let c = Config::load(Path::new(path)).unwrap();
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.fetch.max_body_bytes, 5_000_000);
        assert_eq!(c.run, RunSettings::default());
    }

    #[test]
    fn a_source_names_its_region() {
        let src = |r: &str| {
            format!(
                "[[source]]\nname = \"hk\"\ntype = \"rss\"\nurl = \"http://127.0.0.1:1/f\"\n{r}"
            )
        };
        let c = Config::parse("t.toml", &src("region = \"hk\"\n")).unwrap();
        assert_eq!(c.sources[0].region, Some(ticai_model::Region::Hk));
        let c = Config::parse("t.toml", &src("")).unwrap();
        assert_eq!(c.sources[0].region, None);
        let e = Config::parse("t.toml", &src("region = \"mars\"\n")).unwrap_err();
        assert!(
            e.contains("source \"hk\": region") && e.contains("mars"),
            "{e}"
        );
    }

    #[test]
    fn the_run_section_is_optional_and_validated() {
        let src = "[[source]]\nname = \"a\"\ntype = \"rss\"\nurl = \"http://127.0.0.1:1/f\"\n";
        let c = Config::parse(
            "t.toml",
            &format!("[run]\nwindow_days = 7\nthemes = [\"hbm\"]\nkeep_runs = 3\n{src}"),
        )
        .unwrap();
        assert_eq!(c.run.window_days, 7);
        assert_eq!(c.run.themes, vec!["hbm".to_string()]);
        assert_eq!(c.run.keep_runs, 3);
        assert_eq!(c.run.interval, "day");
        for (bad, says) in [
            ("[run]\ninterval = \"hour\"\n", "interval"),
            ("[run]\nwindow_days = 0\n", "window_days"),
            ("[run]\nkeep = 3\n", "keep"),
        ] {
            let e = Config::parse("t.toml", &format!("{bad}{src}")).unwrap_err();
            assert!(e.contains(says) && e.starts_with("t.toml"), "{e}");
        }
    }

    #[test]
    fn parses_and_validates() {
        let c = Config::parse(
            "t.toml",
            "[fetch]\ndelay_ms = 200\n\n[[source]]\nname = \"a\"\ntype = \"rss\"\nurl = \"http://127.0.0.1:1/feed.xml\"\ninclude = [\"/a/\"]\n",
        )
        .unwrap();
        assert_eq!(c.fetch.delay, Duration::from_millis(200));
        assert_eq!(c.sources[0].kind, SourceKind::Rss);
        assert!(c.sources[0].wants("http://x/a/1") && !c.sources[0].wants("http://x/b/1"));
        let bad = [
            (
                "[[source]]\nname = \"a\"\ntype = \"ftp\"\nurl = \"x\"\n",
                "t.toml:1: source \"a\": unknown type",
            ),
            ("[[source]]\nname = \"a\"\ntype = \"rss\"\n", "needs a url"),
            (
                "[[source]]\nname = \"a\"\ntype = \"list\"\nurl = \"http://x/\"\n",
                "needs link_selector",
            ),
            ("[fetch]\ncolour = 1\n", "t.toml:2: unknown field `colour`"),
            (
                "[[source]]\nname = \"a\"\ntype = \"rss\"\nurl = \"http://x/\"\ninclude = [\"(\"]\n",
                "invalid pattern",
            ),
            ("", "no [[source]] entries"),
        ];
        for (text, want) in bad {
            let e = Config::parse("t.toml", text).unwrap_err();
            assert!(e.contains(want), "{e} lacks {want}");
        }
    }
}
