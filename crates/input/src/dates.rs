//! Publication dates as data files write them: everything
//! [`ticai_extract::parse_date`] reads (RFC 3339, RFC 2822,
//! `2026年7月3日 09:30`, `2026/07/03 09:30`, `2026.07.03`), epoch seconds
//! and milliseconds (10 and 13 digits), `YYYYMMDD` and `YYYYMMDDHHMM[SS]`,
//! a `--date-format` (strftime), and a date and a time in two columns.
//! Times written without a zone are in `--tz` (default Asia/Shanghai).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// How date values are read.
#[derive(Clone, Debug)]
pub struct DateRule {
    /// A strftime format tried before the built-in forms.
    pub format: Option<String>,
    /// The zone of times written without one.
    pub tz: Tz,
}

impl Default for DateRule {
    fn default() -> Self {
        DateRule {
            format: None,
            tz: chrono_tz::Asia::Shanghai,
        }
    }
}

impl DateRule {
    /// A rule from the `--date-format` and `--tz` values; an unknown zone
    /// or a format without a date in it is refused.
    pub fn new(format: Option<&str>, tz: Option<&str>) -> Result<Self, String> {
        let tz = match tz {
            None => chrono_tz::Asia::Shanghai,
            Some(name) => name.trim().parse::<Tz>().map_err(|_| {
                format!(
                    "--tz {name:?}: not a time zone name (e.g. Asia/Shanghai, Asia/Taipei, UTC)"
                )
            })?,
        };
        if let Some(f) = format {
            // a format must name a date and must be one chrono can read
            let has_date = ["%Y", "%y", "%d", "%e", "%F", "%D", "%s", "%j", "%x", "%c"]
                .iter()
                .any(|d| f.contains(d));
            if !has_date {
                return Err(format!(
                    "--date-format {f:?}: names no date (use strftime fields, e.g. %m/%d/%Y %H:%M)"
                ));
            }
            let bad = chrono::format::StrftimeItems::new(f)
                .any(|i| matches!(i, chrono::format::Item::Error));
            if bad {
                return Err(format!("--date-format {f:?}: not a valid strftime format"));
            }
        }
        Ok(DateRule {
            format: format.map(str::to_string),
            tz,
        })
    }

    /// The time `value` names (with `time`, a time of day from a second
    /// column, when `value` is a date alone), or `None`.
    pub fn parse(&self, value: &str, time: Option<&str>) -> Option<DateTime<FixedOffset>> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        if let Some(time) = time.map(str::trim).filter(|t| !t.is_empty())
            && let Some(date) = self.date_only(value)
            && let Some(t) = parse_time_of_day(time)
        {
            return self.local(NaiveDateTime::new(date, t));
        }
        if let Some(f) = &self.format
            && let Some(t) = self.with_format(value, f)
        {
            return Some(t);
        }
        if let Some(t) = self.digits(value) {
            return Some(t);
        }
        ticai_extract::parse_date_in(value, None, &|n| self.local(n))
    }

    fn local(&self, t: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        // a time skipped by a DST change is not a time; a repeated one is
        // the earlier
        self.tz
            .from_local_datetime(&t)
            .earliest()
            .map(|d| d.fixed_offset())
    }

    fn with_format(&self, value: &str, f: &str) -> Option<DateTime<FixedOffset>> {
        if let Ok(t) = DateTime::parse_from_str(value, f) {
            return Some(t);
        }
        if let Ok(t) = NaiveDateTime::parse_from_str(value, f) {
            return self.local(t);
        }
        NaiveDate::parse_from_str(value, f)
            .ok()
            .and_then(|d| self.local(NaiveDateTime::new(d, NaiveTime::MIN)))
    }

    /// Epoch seconds (10 digits), milliseconds (13), `YYYYMMDD`,
    /// `YYYYMMDDHHMM`, `YYYYMMDDHHMMSS`.
    fn digits(&self, value: &str) -> Option<DateTime<FixedOffset>> {
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let utc8 = |secs: i64| {
            DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&self.tz).fixed_offset())
        };
        match value.len() {
            10 => utc8(value.parse().ok()?),
            13 => utc8(value.parse::<i64>().ok()? / 1000),
            8 => self.local(NaiveDateTime::new(ymd(value)?, NaiveTime::MIN)),
            12 | 14 => {
                let num = |r: std::ops::Range<usize>| value.get(r)?.parse::<u32>().ok();
                let t = NaiveTime::from_hms_opt(
                    num(8..10)?,
                    num(10..12)?,
                    if value.len() == 14 { num(12..14)? } else { 0 },
                )?;
                self.local(NaiveDateTime::new(ymd(&value[..8])?, t))
            }
            _ => None,
        }
    }

    /// `value` as a date without a time of day.
    fn date_only(&self, value: &str) -> Option<NaiveDate> {
        if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
            return ymd(value);
        }
        if let Some(f) = &self.format
            && let Ok(d) = NaiveDate::parse_from_str(value, f)
        {
            return Some(d);
        }
        let parts: Vec<&str> = value
            .trim_end_matches('日')
            .split(['-', '/', '.', '年', '月'])
            .collect();
        if parts.len() != 3 || parts[0].len() != 4 {
            return None;
        }
        let n = |s: &str| s.trim().parse::<u32>().ok();
        NaiveDate::from_ymd_opt(n(parts[0])? as i32, n(parts[1])?, n(parts[2])?)
    }
}

fn ymd(s: &str) -> Option<NaiveDate> {
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u32 = s.get(4..6)?.parse().ok()?;
    let d: u32 = s.get(6..8)?.parse().ok()?;
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// `09:30`, `09:30:05`, `9:30`, `093005`.
fn parse_time_of_day(s: &str) -> Option<NaiveTime> {
    for f in ["%H:%M:%S", "%H:%M", "%H%M%S", "%H:%M:%S%.f"] {
        if let Ok(t) = NaiveTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    None
}

/// Dates that were present but could not be read, in one file.
#[derive(Debug, Default)]
pub struct DateTally {
    /// The column (or field) the dates came from, as the file names it.
    pub column: Option<String>,
    pub rows: usize,
    pub bad: usize,
    /// The first few: the row (or line) label and the value.
    pub examples: Vec<(String, String)>,
}

impl DateTally {
    pub fn count(&mut self) {
        self.rows += 1;
    }

    pub fn bad(&mut self, column: &str, at: String, value: &str) {
        self.bad += 1;
        if self.column.is_none() {
            self.column = Some(column.to_string());
        }
        if self.examples.len() < 3 {
            self.examples.push((at, value.to_string()));
        }
    }

    /// The report for a file, when some dates could not be read:
    /// `12 of 480 rows have a 发布时间 that is not a date, e.g. row 7: "07/03/2026"; use --date-format`.
    pub fn report(&self, unit: &str) -> Option<String> {
        if self.bad == 0 {
            return None;
        }
        let examples: Vec<String> = self
            .examples
            .iter()
            .map(|(at, v)| format!("{at}: {v:?}"))
            .collect();
        let units = if self.rows == 1 {
            unit.to_string()
        } else {
            format!("{unit}s")
        };
        let verb = if self.bad == 1 { "has" } else { "have" };
        Some(format!(
            "{} of {} {units} {verb} a {} that is not a date, e.g. {}; use --date-format (strftime) and --tz; the documents are stored without a date",
            self.bad,
            self.rows,
            self.column.as_deref().unwrap_or("date"),
            examples.join(", "),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(rule: &DateRule, v: &str, time: Option<&str>) -> Option<String> {
        rule.parse(v, time).map(|t| t.to_rfc3339())
    }

    #[test]
    fn every_form() {
        let r = DateRule::default();
        let cases = [
            ("2026-07-03T09:30:00+08:00", "2026-07-03T09:30:00+08:00"),
            ("2026年7月3日 09:30", "2026-07-03T09:30:00+08:00"),
            ("2026/07/03 09:30", "2026-07-03T09:30:00+08:00"),
            ("2026.07.03", "2026-07-03T00:00:00+08:00"),
            ("20260703", "2026-07-03T00:00:00+08:00"),
            ("202607030930", "2026-07-03T09:30:00+08:00"),
            ("20260703093005", "2026-07-03T09:30:05+08:00"),
            ("1783042200", "2026-07-03T09:30:00+08:00"),
            ("1783042200000", "2026-07-03T09:30:00+08:00"),
            ("Fri, 03 Jul 2026 01:30:00 GMT", "2026-07-03T01:30:00+00:00"),
        ];
        for (v, want) in cases {
            assert_eq!(rfc(&r, v, None).as_deref(), Some(want), "{v}");
        }
        for bad in ["07/03/2026", "yesterday", "20261303", "12345", "2026-02-30"] {
            assert_eq!(rfc(&r, bad, None), None, "{bad}");
        }
    }

    #[test]
    fn split_date_and_time() {
        let r = DateRule::default();
        assert_eq!(
            rfc(&r, "2026-05-19", Some("00:02:00")).as_deref(),
            Some("2026-05-19T00:02:00+08:00")
        );
        assert_eq!(
            rfc(&r, "20260519", Some("9:05")).as_deref(),
            Some("2026-05-19T09:05:00+08:00")
        );
        // a value with its own time keeps it
        assert_eq!(
            rfc(&r, "2026-05-19 10:00", Some("00:02:00")).as_deref(),
            Some("2026-05-19T10:00:00+08:00")
        );
    }

    #[test]
    fn format_and_zone() {
        let r = DateRule::new(Some("%m/%d/%Y"), Some("Asia/Taipei")).unwrap();
        assert_eq!(
            rfc(&r, "07/03/2026", None).as_deref(),
            Some("2026-07-03T00:00:00+08:00")
        );
        let r = DateRule::new(Some("%d.%m.%Y %H:%M"), Some("Europe/London")).unwrap();
        assert_eq!(
            rfc(&r, "03.07.2026 09:30", None).as_deref(),
            Some("2026-07-03T09:30:00+01:00")
        );
        // naive built-in forms take the zone too; epochs are instants
        assert_eq!(
            rfc(&r, "2026-01-03 09:30", None).as_deref(),
            Some("2026-01-03T09:30:00+00:00")
        );
        assert_eq!(
            rfc(&r, "1783042200", None).as_deref(),
            Some("2026-07-03T02:30:00+01:00")
        );
        assert!(DateRule::new(None, Some("Mars/Base")).is_err());
        assert!(DateRule::new(Some("%H:%M"), None).is_err());
        assert!(DateRule::new(Some("%Y-%Q"), None).is_err());
    }

    #[test]
    fn tally_report() {
        let mut t = DateTally::default();
        for i in 0..480 {
            t.count();
            if i % 40 == 0 {
                t.bad("发布时间", format!("row {}", i + 2), "07/03/2026");
            }
        }
        let r = t.report("row").unwrap();
        assert!(
            r.starts_with(
                "12 of 480 rows have a 发布时间 that is not a date, e.g. row 2: \"07/03/2026\""
            ),
            "{r}"
        );
        assert!(DateTally::default().report("row").is_none());
    }
}
