//! Publication times as written on Chinese pages, to RFC 3339 with offset.
//! Times without a zone are taken as China time (+08:00).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use regex::Regex;
use std::sync::LazyLock;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

static FULL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<y>(?:19|20)\d{2}) \s* [-/.年] \s* (?P<m>\d{1,2}) \s* [-/.月] \s* (?P<d>\d{1,2}) \s* 日?
        (?: [\sT]* (?P<H>\d{1,2}) \s* [:：时] \s* (?P<M>\d{1,2}) (?: \s* [:：分] \s* (?P<S>\d{1,2}) )? (?: \.\d+ )? 秒?
            \s* (?P<tz> Z | [+-]\d{2}:?\d{2} )? )?",
    )
    .expect("valid date pattern")
});

static SHORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?x) (?:^|[^\d]) (?P<m>\d{1,2}) \s* [-月/] \s* (?P<d>\d{1,2}) \s* 日? \s+ (?P<H>\d{1,2}) [:：] (?P<M>\d{2}) (?:[^\d]|$)")
        .expect("valid short date pattern")
});

/// Parses one date string: RFC 3339, RFC 2822, `2025-07-24 13:31`,
/// `2025年7月24日 13:31`, `2025/07/24`, and (with a reference date for the
/// year) `07-24 13:31`.
///
/// ```
/// use ticai_extract::parse_date;
/// assert_eq!(parse_date("2025年7月24日 13:31", None).unwrap().to_rfc3339(), "2025-07-24T13:31:00+08:00");
/// assert_eq!(parse_date("Wed, 18 Nov 2026 09:30:00 GMT", None).unwrap().to_rfc3339(), "2026-11-18T09:30:00+00:00");
/// ```
pub fn parse_date(s: &str, reference: Option<NaiveDate>) -> Option<DateTime<FixedOffset>> {
    parse_date_in(s, reference, &in_china)
}

/// [`parse_date`] with the zone of times written without one chosen by
/// `local` (`None` for a time that does not exist there).
pub fn parse_date_in(
    s: &str,
    reference: Option<NaiveDate>,
    local: &dyn Fn(NaiveDateTime) -> Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d);
    }
    find_date_in(s, reference, local)
}

fn in_china(t: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    china().from_local_datetime(&t).single()
}

/// The first date written in `text` (see [`parse_date`] for the forms).
pub fn find_date(text: &str, reference: Option<NaiveDate>) -> Option<DateTime<FixedOffset>> {
    find_date_in(text, reference, &in_china)
}

fn find_date_in(
    text: &str,
    reference: Option<NaiveDate>,
    local: &dyn Fn(NaiveDateTime) -> Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    for c in FULL.captures_iter(text) {
        let num = |k: &str| c.name(k).and_then(|m| m.as_str().parse::<u32>().ok());
        let (Some(y), Some(m), Some(d)) = (num("y"), num("m"), num("d")) else {
            continue;
        };
        let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) else {
            continue;
        };
        let time = match (num("H"), num("M")) {
            (Some(h), Some(mi)) => match NaiveTime::from_hms_opt(h, mi, num("S").unwrap_or(0)) {
                Some(t) => t,
                None => continue,
            },
            _ => NaiveTime::MIN,
        };
        let naive = NaiveDateTime::new(date, time);
        return match c.name("tz").and_then(|z| parse_offset(z.as_str())) {
            Some(tz) => tz.from_local_datetime(&naive).single(),
            None => local(naive),
        };
    }
    let reference = reference?;
    for c in SHORT.captures_iter(text) {
        let num = |k: &str| c.name(k).and_then(|m| m.as_str().parse::<u32>().ok());
        let (Some(m), Some(d), Some(h), Some(mi)) = (num("m"), num("d"), num("H"), num("M")) else {
            continue;
        };
        // the year of the reference, or the one before if that would be in the future
        let mut year = reference.year();
        let Some(mut date) = NaiveDate::from_ymd_opt(year, m, d) else {
            continue;
        };
        if date > reference + chrono::Days::new(1) {
            year -= 1;
            let Some(prev) = NaiveDate::from_ymd_opt(year, m, d) else {
                continue;
            };
            date = prev;
        }
        let Some(time) = NaiveTime::from_hms_opt(h, mi, 0) else {
            continue;
        };
        return local(NaiveDateTime::new(date, time));
    }
    None
}

fn parse_offset(z: &str) -> Option<FixedOffset> {
    if z == "Z" {
        return FixedOffset::east_opt(0);
    }
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let digits: String = z.chars().filter(char::is_ascii_digit).collect();
    let h: i32 = digits.get(..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4)?.parse().ok()?;
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let reference = NaiveDate::from_ymd_opt(2025, 7, 30);
        let rows = [
            ("2025-07-24 13:31", Some("2025-07-24T13:31:00+08:00")),
            (
                "新浪财经· 2025-07-24 13:31",
                Some("2025-07-24T13:31:00+08:00"),
            ),
            ("2025年7月24日 13:31", Some("2025-07-24T13:31:00+08:00")),
            ("2025年07月24日13:31:05", Some("2025-07-24T13:31:05+08:00")),
            (
                "发布时间：2019/09/05 11:10",
                Some("2019-09-05T11:10:00+08:00"),
            ),
            ("2019-09-05T11:10:00Z", Some("2019-09-05T11:10:00+00:00")),
            (
                "2019-09-05T11:10:00.000+0800",
                Some("2019-09-05T11:10:00+08:00"),
            ),
            (
                "2026-11-19T14:05:00+08:00",
                Some("2026-11-19T14:05:00+08:00"),
            ),
            ("2025年7月24日", Some("2025-07-24T00:00:00+08:00")),
            ("07-24 13:31", Some("2025-07-24T13:31:00+08:00")),
            // a short date after the reference belongs to the year before
            ("12-20 09:00", Some("2024-12-20T09:00:00+08:00")),
            ("2025-02-30 10:00", None),
            ("成交额1.38亿元", None),
            ("", None),
        ];
        for (s, want) in rows {
            assert_eq!(
                parse_date(s, reference).map(|d| d.to_rfc3339()).as_deref(),
                want,
                "{s}"
            );
        }
    }
}
