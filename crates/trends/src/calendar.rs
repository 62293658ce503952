//! Calendar buckets in a time zone: days, weeks starting on Monday, and
//! months, keyed by their first day. tantivy's `date_histogram` only has
//! fixed intervals aligned to 1970, so buckets are computed here: each
//! bucket's start is a local midnight, turned into a UTC instant, and a
//! document falls into the last bucket that starts at or before it.

use crate::{Result, TrendsError};
use chrono::{Datelike, Days, Months, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The width of a bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    #[default]
    Day,
    /// Calendar weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Interval {
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }

    /// The first day of the bucket holding `d`.
    pub fn start_of(self, d: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => d,
            Interval::Week => d - Days::new(u64::from(d.weekday().num_days_from_monday())),
            Interval::Month => d.with_day(1).expect("day 1 exists"),
        }
    }

    /// The first day of the bucket after the one starting on `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => start + Days::new(1),
            Interval::Week => start + Days::new(7),
            Interval::Month => start + Months::new(1),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Interval {
    type Err = TrendsError;
    fn from_str(s: &str) -> Result<Interval> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" | "d" => Ok(Interval::Day),
            "week" | "weekly" | "w" => Ok(Interval::Week),
            "month" | "monthly" | "m" => Ok(Interval::Month),
            other => Err(TrendsError::Request(format!(
                "unknown interval {other:?} (expected day, week or month)"
            ))),
        }
    }
}

/// A time zone by IANA name (`Asia/Shanghai`, `UTC`).
pub fn parse_tz(name: &str) -> Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        TrendsError::Request(format!(
            "unknown time zone {name:?} (use an IANA name such as Asia/Shanghai, Asia/Hong_Kong or UTC)"
        ))
    })
}

/// A calendar date given by the user (`2026-07-03`).
pub fn parse_day(flag: &str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        TrendsError::Request(format!(
            "{flag} {value:?}: not a date (expected YYYY-MM-DD, e.g. 2026-07-03)"
        ))
    })
}

/// Local midnight of `d` in `tz` as UTC seconds (the first instant of the
/// day where a DST gap swallows midnight).
pub fn midnight_utc(tz: Tz, d: NaiveDate) -> i64 {
    let naive = d.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.timestamp(),
        chrono::LocalResult::Ambiguous(a, _) => a.timestamp(),
        chrono::LocalResult::None => {
            // skip forward to the first valid minute
            (1..=180)
                .find_map(|m| {
                    tz.from_local_datetime(&(naive + chrono::Duration::minutes(m)))
                        .earliest()
                })
                .map_or_else(|| naive.and_utc().timestamp(), |t| t.timestamp())
        }
    }
}

/// The local calendar day of a UTC instant.
pub fn day_of(tz: Tz, secs: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&tz).date_naive())
}

/// The buckets between two days (both included) in a time zone.
#[derive(Clone, Debug)]
pub struct Calendar {
    pub interval: Interval,
    pub tz: Tz,
    /// The first and last day counted (inclusive).
    pub since: NaiveDate,
    pub until: NaiveDate,
    starts: Vec<NaiveDate>,
    /// UTC instant each bucket starts at, and one past the end: the
    /// instant `until` ends.
    bounds: Vec<i64>,
}

/// At most this many buckets (about 270 years of days).
pub const MAX_BUCKETS: usize = 100_000;

impl Calendar {
    pub fn new(interval: Interval, tz: Tz, since: NaiveDate, until: NaiveDate) -> Result<Self> {
        if since > until {
            return Err(TrendsError::Request(format!(
                "--since {since} is after --until {until}"
            )));
        }
        let mut starts = Vec::new();
        let mut d = interval.start_of(since);
        while d <= until {
            starts.push(d);
            if starts.len() > MAX_BUCKETS {
                return Err(TrendsError::Request(format!(
                    "{since} .. {until} by {interval} is more than {MAX_BUCKETS} buckets"
                )));
            }
            d = interval.next(d);
        }
        let mut bounds: Vec<i64> = starts.iter().map(|&s| midnight_utc(tz, s)).collect();
        // the first bucket counts from `since`, the last up to the end of `until`
        bounds[0] = midnight_utc(tz, since);
        bounds.push(midnight_utc(tz, until + Days::new(1)));
        Ok(Calendar {
            interval,
            tz,
            since,
            until,
            starts,
            bounds,
        })
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The first day of bucket `i` (which may precede `since` for the
    /// first week or month: only days from `since` on are counted).
    pub fn start(&self, i: usize) -> NaiveDate {
        self.starts[i]
    }

    pub fn starts(&self) -> &[NaiveDate] {
        &self.starts
    }

    /// The UTC instants [from, to) that the calendar covers.
    pub fn range_utc(&self) -> (i64, i64) {
        (self.bounds[0], self.bounds[self.bounds.len() - 1])
    }

    /// The bucket of a UTC instant, or `None` outside since..=until.
    pub fn bucket_of(&self, secs: i64) -> Option<usize> {
        let (from, to) = self.range_utc();
        if secs < from || secs >= to {
            return None;
        }
        Some(self.bounds.partition_point(|&b| b <= secs) - 1)
    }

    /// The bucket that holds the local day `d`.
    pub fn bucket_of_day(&self, d: NaiveDate) -> Option<usize> {
        if d < self.since || d > self.until {
            return None;
        }
        Some(self.starts.partition_point(|&s| s <= d) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn weeks_start_on_monday_in_beijing() {
        let tz = parse_tz("Asia/Shanghai").unwrap();
        let c = Calendar::new(Interval::Week, tz, day("2026-06-29"), day("2026-07-19")).unwrap();
        assert_eq!(
            c.starts(),
            &[day("2026-06-29"), day("2026-07-06"), day("2026-07-13")]
        );
        // Sunday 2026-07-05 23:30 UTC is Monday 07:30 in Beijing: the second week
        assert_eq!(c.bucket_of(utc("2026-07-05T23:30:00Z")), Some(1));
        assert_eq!(c.bucket_of(utc("2026-07-05T15:59:59Z")), Some(0));
        assert_eq!(c.bucket_of(utc("2026-07-05T16:00:00Z")), Some(1));
        // the end of the last day, and past it
        assert_eq!(c.bucket_of(utc("2026-07-19T15:59:59Z")), Some(2));
        assert_eq!(c.bucket_of(utc("2026-07-19T16:00:00Z")), None);
        assert_eq!(c.bucket_of(utc("2026-06-28T15:59:59Z")), None);
    }

    #[test]
    fn months_are_calendar_months() {
        let tz = parse_tz("Asia/Shanghai").unwrap();
        let c = Calendar::new(Interval::Month, tz, day("2026-01-15"), day("2026-03-02")).unwrap();
        assert_eq!(
            c.starts(),
            &[day("2026-01-01"), day("2026-02-01"), day("2026-03-01")]
        );
        assert_eq!(c.bucket_of(utc("2026-01-31T16:30:00Z")), Some(1)); // Feb 1st 00:30 in Beijing
        assert_eq!(c.bucket_of(utc("2026-01-15T00:00:00Z")), Some(0));
        assert_eq!(c.bucket_of(utc("2026-01-14T15:00:00Z")), None); // before since
        assert_eq!(c.bucket_of_day(day("2026-02-28")), Some(1));
    }

    #[test]
    fn days_across_a_dst_change() {
        let tz = parse_tz("Europe/Berlin").unwrap();
        let c = Calendar::new(Interval::Day, tz, day("2026-03-28"), day("2026-03-30")).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.bucket_of(utc("2026-03-29T22:30:00Z")), Some(2)); // 00:30 CEST on the 30th
        assert_eq!(c.bucket_of(utc("2026-03-29T21:30:00Z")), Some(1));
    }

    #[test]
    fn bad_input_is_refused() {
        let tz = parse_tz("UTC").unwrap();
        assert!(Calendar::new(Interval::Day, tz, day("2026-03-02"), day("2026-03-01")).is_err());
        assert!(parse_tz("Asia/Beijing").is_err());
        assert!("fortnight".parse::<Interval>().is_err());
        assert!(parse_day("--since", "2026-13-01").is_err());
        assert!(parse_day("--since", "yesterday").is_err());
    }
}
