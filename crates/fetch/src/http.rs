//! Polite HTTP: robots.txt (with Crawl-delay), one request at a time per
//! host with a delay between them, a global limit, timeouts, a body size
//! limit enforced while streaming, retries with exponential backoff and
//! jitter on timeouts, 5xx and 429 (honouring Retry-After), a redirect limit,
//! and conditional requests (ETag / Last-Modified).

use crate::config::FetchSettings;
use crate::state::Known;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex as AsyncMutex, Semaphore};

/// The result of fetching one URL.
#[derive(Clone, Debug)]
pub enum Outcome {
    Fetched(Response),
    NotModified,
    Failed { status: Option<u16>, reason: String },
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub final_url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// One try at a URL, for the attempts table.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
}

struct Robots {
    robot: Option<texting_robots::Robot>,
}

pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    hosts: Mutex<HashMap<String, Arc<AsyncMutex<Option<Instant>>>>>,
    robots: AsyncMutex<HashMap<String, Arc<Robots>>>,
    global: Semaphore,
}

fn jitter(max_ms: u64) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    Duration::from_millis(u64::from(nanos) % max_ms.max(1))
}

enum Try {
    Done(Outcome),
    Retry {
        status: Option<u16>,
        reason: String,
        wait: Option<Duration>,
    },
}

impl Fetcher {
    pub fn new(settings: FetchSettings) -> Result<Fetcher, String> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(settings.max_redirects))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let global = Semaphore::new(settings.concurrency);
        Ok(Fetcher {
            client,
            settings,
            hosts: Mutex::new(HashMap::new()),
            robots: AsyncMutex::new(HashMap::new()),
            global,
        })
    }

    fn origin(url: &str) -> Option<String> {
        let u = url::Url::parse(url).ok()?;
        Some(u.origin().ascii_serialization())
    }

    fn host_slot(&self, origin: &str) -> Arc<AsyncMutex<Option<Instant>>> {
        self.hosts
            .lock()
            .expect("host table lock")
            .entry(origin.to_string())
            .or_default()
            .clone()
    }

    async fn robots_for(&self, origin: &str) -> Arc<Robots> {
        let mut cache = self.robots.lock().await;
        if let Some(r) = cache.get(origin) {
            return r.clone();
        }
        let url = format!("{origin}/robots.txt");
        // a missing, failing or HTML robots.txt means everything is allowed
        let robot = match self.politely(&url, None, Duration::ZERO).await {
            Try::Done(Outcome::Fetched(r)) if r.status == 200 => {
                // an empty file, or an HTML page served as robots.txt (a soft
                // 404), allows everything
                match r.body.iter().find(|b| !b.is_ascii_whitespace()) {
                    None | Some(b'<') => None,
                    Some(_) => texting_robots::Robot::new(&self.settings.user_agent, &r.body).ok(),
                }
            }
            _ => None,
        };
        let r = Arc::new(Robots { robot });
        cache.insert(origin.to_string(), r.clone());
        r
    }

    /// Whether robots.txt lets us fetch `url`, and the host's crawl delay.
    pub async fn allowed(&self, url: &str) -> (bool, Duration) {
        let Some(origin) = Self::origin(url) else {
            return (false, Duration::ZERO);
        };
        let robots = self.robots_for(&origin).await;
        match &robots.robot {
            Some(r) => (
                r.allowed(url),
                r.delay
                    .map_or(Duration::ZERO, |d| Duration::from_secs_f32(d.max(0.0))),
            ),
            None => (true, Duration::ZERO),
        }
    }

    /// Fetches `url` with retries; conditional when `known` has validators.
    pub async fn get(&self, url: &str, known: Option<&Known>) -> (Outcome, Vec<Attempt>) {
        let (allowed, crawl_delay) = self.allowed(url).await;
        if !allowed {
            return (
                Outcome::Failed {
                    status: None,
                    reason: "disallowed by robots.txt".into(),
                },
                Vec::new(),
            );
        }
        let mut attempts = Vec::new();
        let mut attempt = 0u32;
        loop {
            match self.politely(url, known, crawl_delay).await {
                Try::Done(outcome) => {
                    attempts.push(match &outcome {
                        Outcome::Fetched(r) => Attempt {
                            status: Some(r.status),
                            error: None,
                        },
                        Outcome::NotModified => Attempt {
                            status: Some(304),
                            error: None,
                        },
                        Outcome::Failed { status, reason } => Attempt {
                            status: *status,
                            error: Some(reason.clone()),
                        },
                    });
                    return (outcome, attempts);
                }
                Try::Retry {
                    status,
                    reason,
                    wait,
                } => {
                    attempts.push(Attempt {
                        status,
                        error: Some(reason.clone()),
                    });
                    if attempt >= self.settings.retries {
                        let reason = format!("{reason} (gave up after {} attempts)", attempt + 1);
                        return (Outcome::Failed { status, reason }, attempts);
                    }
                    let backoff = Duration::from_millis(250 * (1 << attempt.min(6))) + jitter(100);
                    let wait = wait.map_or(backoff, |w| w.min(self.settings.max_retry_after));
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// One request, after waiting for the host's turn.
    async fn politely(&self, url: &str, known: Option<&Known>, crawl_delay: Duration) -> Try {
        let Some(origin) = Self::origin(url) else {
            return Try::Done(Outcome::Failed {
                status: None,
                reason: format!("invalid URL {url:?}"),
            });
        };
        let slot = self.host_slot(&origin);
        let mut last = slot.lock().await;
        let delay = self.settings.delay.max(crawl_delay);
        if let Some(prev) = *last {
            let next = prev + delay;
            let now = Instant::now();
            if next > now {
                tokio::time::sleep(next - now).await;
            }
        }
        let _permit = self
            .global
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let result = self.request(url, known).await;
        *last = Some(Instant::now());
        result
    }

    async fn request(&self, url: &str, known: Option<&Known>) -> Try {
        let mut req = self.client.get(url);
        if let Some(k) = known {
            if let Some(e) = &k.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, e);
            }
            if let Some(m) = &k.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
            }
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_redirect() => {
                return Try::Done(Outcome::Failed {
                    status: None,
                    reason: format!("too many redirects (limit {})", self.settings.max_redirects),
                });
            }
            Err(e) if e.is_timeout() => {
                return Try::Retry {
                    status: None,
                    reason: "timed out".into(),
                    wait: None,
                };
            }
            Err(e) => {
                return Try::Retry {
                    status: None,
                    reason: format!("request failed: {}", root_cause(&e)),
                    wait: None,
                };
            }
        };
        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if status == 304 {
            return Try::Done(Outcome::NotModified);
        }
        if status == 429 || (500..600).contains(&status) {
            let wait = header(reqwest::header::RETRY_AFTER).and_then(|v| retry_after(&v));
            return Try::Retry {
                status: Some(status),
                reason: format!("HTTP {status}"),
                wait,
            };
        }
        if !(200..300).contains(&status) {
            return Try::Done(Outcome::Failed {
                status: Some(status),
                reason: format!("HTTP {status}"),
            });
        }
        let max = self.settings.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > max) {
            return Try::Done(Outcome::Failed {
                status: Some(status),
                reason: format!("body larger than {max} bytes"),
            });
        }
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let final_url = resp.url().to_string();
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() as u64 > max {
                        return Try::Done(Outcome::Failed {
                            status: Some(status),
                            reason: format!("body larger than {max} bytes"),
                        });
                    }
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => {
                    return Try::Retry {
                        status: Some(status),
                        reason: "timed out reading the body".into(),
                        wait: None,
                    };
                }
                Err(e) => {
                    return Try::Retry {
                        status: Some(status),
                        reason: format!("body cut off: {}", root_cause(&e)),
                        wait: None,
                    };
                }
            }
        }
        Try::Done(Outcome::Fetched(Response {
            status,
            final_url,
            etag,
            last_modified,
            content_type,
            body,
        }))
    }
}

/// A Retry-After value: seconds, or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let ms = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
    Some(Duration::from_millis(ms.max(0) as u64))
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after("5"), Some(Duration::from_secs(5)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let d = retry_after(&soon).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(retry_after("soon"), None);
    }
}
