//! Progress on a terminal: one bar per source (items done / to fetch) and
//! one for ingest (pages read / to read), with indicatif. Off a terminal the
//! same events become log lines (cron and log collectors read those).

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use ticai_fetch::Progress;

/// Bars on a terminal, else a line per event through `log`.
pub struct Bars<'a> {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<String, ProgressBar>>,
    log: Box<dyn Fn(&str) + Sync + 'a>,
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl<'a> Bars<'a> {
    /// Bars when `tty`, else `log` for each event.
    pub fn new(tty: bool, log: impl Fn(&str) + Sync + 'a) -> Bars<'a> {
        Bars {
            multi: tty.then(MultiProgress::new),
            bars: Mutex::new(HashMap::new()),
            log: Box::new(log),
        }
    }

    fn bar(
        &self,
        key: &str,
        make: impl FnOnce(&MultiProgress) -> ProgressBar,
    ) -> Option<ProgressBar> {
        let multi = self.multi.as_ref()?;
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            bars.entry(key.to_string())
                .or_insert_with(|| make(multi))
                .clone(),
        )
    }

    /// A fetch event.
    pub fn fetch(&self, p: &Progress<'_>) {
        if self.multi.is_none() {
            (self.log)(&p.to_string());
            return;
        }
        let source = match p {
            Progress::Listing { source, .. }
            | Progress::Queued { source, .. }
            | Progress::Stored { source, .. }
            | Progress::Unchanged { source, .. }
            | Progress::Failed { source, .. }
            | Progress::Would { source, .. } => *source,
        };
        let Some(bar) = self.bar(source, |m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_prefix(source.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        }) else {
            return;
        };
        match p {
            Progress::Listing { location, .. } => bar.set_message(format!("listing {location}")),
            Progress::Queued {
                listed, to_fetch, ..
            } => {
                bar.set_style(bar_style());
                bar.set_length(*to_fetch as u64);
                bar.set_message(format!("{listed} listed"));
                if *to_fetch == 0 {
                    bar.finish_with_message(format!("{listed} listed, nothing new"));
                }
            }
            Progress::Stored { url, .. } | Progress::Unchanged { url, .. } => {
                bar.inc(1);
                bar.set_message(url.to_string());
            }
            Progress::Failed { url, reason, .. } => {
                bar.inc(1);
                // failures stay on screen above the bars
                bar.println(format!("failed {url}: {reason}"));
            }
            Progress::Would { url, .. } => bar.println(format!("would fetch {url}")),
        }
        if bar.length().is_some_and(|l| bar.position() >= l) && !bar.is_finished() {
            bar.finish();
        }
    }

    /// Ingest progress: `done` of `total` pages read.
    pub fn ingest(&self, done: usize, total: usize) {
        let Some(bar) = self.bar("\u{0}ingest", |m| {
            let b = m.add(ProgressBar::new(total as u64));
            b.set_style(bar_style());
            b.set_prefix("ingest");
            b
        }) else {
            if done == total {
                (self.log)(&format!("ingest: {total} page(s) read"));
            }
            return;
        };
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done == total {
            bar.finish_with_message("pages read");
        }
    }

    /// Removes the bars (the summary is printed after).
    pub fn clear(&self) {
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::ProgressDrawTarget;

    #[test]
    fn a_bar_per_source_counts_done_over_to_fetch_and_ingest_has_its_own() {
        let lines = Mutex::new(Vec::new());
        let mut bars = Bars::new(false, |l| lines.lock().unwrap().push(l.to_string()));
        bars.multi = Some(MultiProgress::with_draw_target(ProgressDrawTarget::hidden()));
        let (a, b) = ("portal", "flash");
        bars.fetch(&Progress::Listing {
            source: a,
            location: "http://127.0.0.1/feed",
        });
        bars.fetch(&Progress::Queued {
            source: a,
            listed: 5,
            to_fetch: 3,
        });
        bars.fetch(&Progress::Queued {
            source: b,
            listed: 2,
            to_fetch: 0,
        });
        bars.fetch(&Progress::Stored {
            source: a,
            url: "u1",
        });
        bars.fetch(&Progress::Failed {
            source: a,
            url: "u2",
            reason: "404",
        });
        bars.ingest(10, 40);
        let get = |k: &str| bars.bars.lock().unwrap()[k].clone();
        let portal = get(a);
        assert_eq!((portal.position(), portal.length()), (2, Some(3)));
        assert!(!portal.is_finished());
        bars.fetch(&Progress::Unchanged {
            source: a,
            url: "u3",
        });
        assert!(portal.is_finished());
        assert!(get(b).is_finished(), "nothing to fetch: done at once");
        let ingest = get("\u{0}ingest");
        assert_eq!((ingest.position(), ingest.length()), (10, Some(40)));
        bars.ingest(40, 40);
        assert!(ingest.is_finished());
        assert!(lines.lock().unwrap().is_empty(), "bars, not lines");
    }

    #[test]
    fn off_a_terminal_each_event_is_a_line() {
        let lines = Mutex::new(Vec::new());
        let bars = Bars::new(false, |l| lines.lock().unwrap().push(l.to_string()));
        bars.fetch(&Progress::Queued {
            source: "s",
            listed: 4,
            to_fetch: 1,
        });
        bars.fetch(&Progress::Failed {
            source: "s",
            url: "http://x/1",
            reason: "timeout",
        });
        bars.ingest(0, 1);
        bars.ingest(1, 1);
        assert_eq!(
            *lines.lock().unwrap(),
            [
                "s: 4 listed, 1 to fetch",
                "  failed http://x/1: timeout",
                "ingest: 1 page(s) read"
            ]
        );
    }
}
