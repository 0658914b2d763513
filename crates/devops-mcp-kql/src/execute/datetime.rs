//! Calendar functions on engine datetimes (nanoseconds since the Unix
//! epoch, UTC): `startofweek`, `datetime_add`, `datetime_diff`,
//! `datetime_part`, `format_datetime`, `format_timespan`, ...
//!
//! KQL's week starts on Sunday for `startofweek`/`dayofweek`;
//! `week_of_year` is the ISO 8601 week.

use chrono::{Datelike, Months, NaiveDate, TimeZone, Timelike, Utc};

use super::value::{NANOS_PER_DAY, NANOS_PER_SECOND, NANOS_PER_TICK, from_chrono, to_chrono};

/// 0001-01-01T00:00:00Z in engine nanoseconds does not fit in an `i64`,
/// so it is kept in days: the origin of `bin()` on datetimes.
pub(crate) const DOTNET_EPOCH_DAYS: i64 = -719_162;

/// The `bin()` origin for datetimes, as a marker value: `bin_i64` treats
/// it as 0001-01-01 (computed in 128-bit arithmetic).
pub(crate) const DOTNET_EPOCH_NANOS: i64 = i64::MIN;

/// Days since Sunday (0-6).
pub(crate) fn day_of_week(ns: i64) -> i64 {
    let days = ns.div_euclid(NANOS_PER_DAY);
    (days + 4).rem_euclid(7)
}

fn from_date(date: NaiveDate) -> Option<i64> {
    let dt = date.and_hms_opt(0, 0, 0)?;
    from_chrono(Utc.from_utc_datetime(&dt))
}

/// `startof*` / `endof*` with an offset in periods.
pub(crate) fn start_or_end(function: &str, ns: i64, offset: i64) -> Option<i64> {
    let (kind, end) = match function.strip_prefix("startof") {
        Some(k) => (k, false),
        None => (function.strip_prefix("endof")?, true),
    };
    let offset = if end { offset.checked_add(1)? } else { offset };
    let start = match kind {
        "day" => ns
            .div_euclid(NANOS_PER_DAY)
            .checked_add(offset)?
            .checked_mul(NANOS_PER_DAY)?,
        "week" => {
            let day = ns.div_euclid(NANOS_PER_DAY) - day_of_week(ns);
            day.checked_add(offset.checked_mul(7)?)?
                .checked_mul(NANOS_PER_DAY)?
        }
        "month" | "year" => {
            let date = to_chrono(ns)?.date_naive();
            let first = if kind == "month" {
                NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?
            } else {
                NaiveDate::from_ymd_opt(date.year(), 1, 1)?
            };
            let months = if kind == "month" {
                offset
            } else {
                offset.checked_mul(12)?
            };
            let shifted = if months >= 0 {
                first.checked_add_months(Months::new(u32::try_from(months).ok()?))?
            } else {
                first.checked_sub_months(Months::new(u32::try_from(-months).ok()?))?
            };
            from_date(shifted)?
        }
        _ => return None,
    };
    if end {
        start.checked_sub(NANOS_PER_TICK)
    } else {
        Some(start)
    }
}

/// `dayofmonth`, `dayofyear`, `hourofday`, `getmonth`, `getyear`,
/// `weekofyear`.
pub(crate) fn calendar_part(function: &str, ns: i64) -> Option<i64> {
    let dt = to_chrono(ns)?;
    Some(match function {
        "dayofmonth" => i64::from(dt.day()),
        "dayofyear" => i64::from(dt.ordinal()),
        "hourofday" => i64::from(dt.hour()),
        "getmonth" | "monthofyear" => i64::from(dt.month()),
        "getyear" => i64::from(dt.year()),
        "weekofyear" | "week_of_year" => i64::from(dt.iso_week().week()),
        _ => return None,
    })
}

/// The parts `datetime_add`, `datetime_diff` and `datetime_part` accept.
pub(crate) fn is_known_part(part: &str) -> bool {
    matches!(
        normalize_part(part),
        "year"
            | "quarter"
            | "month"
            | "week"
            | "day"
            | "hour"
            | "minute"
            | "second"
            | "millisecond"
            | "microsecond"
            | "nanosecond"
            | "dayofyear"
            | "week_of_year"
    )
}

fn normalize_part(part: &str) -> &str {
    match part {
        "years" => "year",
        "quarters" => "quarter",
        "months" => "month",
        "weeks" => "week",
        "days" => "day",
        "hours" => "hour",
        "minutes" => "minute",
        "seconds" => "second",
        "milliseconds" => "millisecond",
        "microseconds" => "microsecond",
        "nanoseconds" => "nanosecond",
        "weekofyear" => "week_of_year",
        other => other,
    }
}

fn unit_nanos(part: &str) -> Option<i64> {
    Some(match part {
        "week" => 7 * NANOS_PER_DAY,
        "day" => NANOS_PER_DAY,
        "hour" => 3600 * NANOS_PER_SECOND,
        "minute" => 60 * NANOS_PER_SECOND,
        "second" => NANOS_PER_SECOND,
        "millisecond" => 1_000_000,
        "microsecond" => 1_000,
        "nanosecond" => 1,
        _ => return None,
    })
}

/// `datetime_add(part, n, dt)`.
pub(crate) fn add(part: &str, n: i64, ns: i64) -> Option<i64> {
    let part = normalize_part(part);
    match part {
        "year" | "quarter" | "month" => {
            let months = match part {
                "year" => n.checked_mul(12)?,
                "quarter" => n.checked_mul(3)?,
                _ => n,
            };
            let dt = to_chrono(ns)?;
            let shifted = if months >= 0 {
                dt.checked_add_months(Months::new(u32::try_from(months).ok()?))?
            } else {
                dt.checked_sub_months(Months::new(u32::try_from(-months).ok()?))?
            };
            from_chrono(shifted)
        }
        other => ns.checked_add(n.checked_mul(unit_nanos(other)?)?),
    }
}

/// `datetime_diff(part, a, b)`: the number of period boundaries between
/// `b` and `a`.
pub(crate) fn diff(part: &str, a: i64, b: i64) -> Option<i64> {
    let part = normalize_part(part);
    match part {
        "year" | "quarter" | "month" => {
            let (x, y) = (to_chrono(a)?, to_chrono(b)?);
            let index = |d: &chrono::DateTime<Utc>| match part {
                "year" => i64::from(d.year()),
                "quarter" => i64::from(d.year()) * 4 + i64::from(d.month0() / 3),
                _ => i64::from(d.year()) * 12 + i64::from(d.month0()),
            };
            Some(index(&x) - index(&y))
        }
        "week" => {
            let start = |v: i64| v.div_euclid(NANOS_PER_DAY) - day_of_week(v);
            Some((start(a) - start(b)) / 7)
        }
        other => {
            let unit = unit_nanos(other)?;
            Some(a.div_euclid(unit) - b.div_euclid(unit))
        }
    }
}

/// `datetime_part(part, dt)`.
pub(crate) fn part(part: &str, ns: i64) -> Option<i64> {
    let dt = to_chrono(ns)?;
    let sub = ns.rem_euclid(NANOS_PER_SECOND);
    Some(match normalize_part(part) {
        "year" => i64::from(dt.year()),
        "quarter" => i64::from(dt.month0() / 3 + 1),
        "month" => i64::from(dt.month()),
        "week_of_year" | "week" => i64::from(dt.iso_week().week()),
        "day" => i64::from(dt.day()),
        "dayofyear" => i64::from(dt.ordinal()),
        "hour" => i64::from(dt.hour()),
        "minute" => i64::from(dt.minute()),
        "second" => i64::from(dt.second()),
        "millisecond" => sub / 1_000_000,
        "microsecond" => sub / 1_000,
        "nanosecond" => sub,
        _ => return None,
    })
}

/// `make_datetime(year, month, day[, hour, minute, second])`.
pub(crate) fn make_datetime(y: f64, mo: f64, d: f64, h: f64, mi: f64, s: f64) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)?;
    if !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&mi) || !(0.0..60.0).contains(&s) {
        return None;
    }
    let base = from_date(date)?;
    let secs = h * 3600.0 + mi * 60.0 + s;
    base.checked_add((secs * 1e9).round() as i64)
}

/// Splits a .NET custom format string into runs of the same letter and
/// literal text.
fn tokens(fmt: &str) -> Vec<(char, usize)> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        out.push((c, n));
        i += n;
    }
    out
}

fn fraction(ticks: i64, n: usize, trim: bool) -> String {
    let digits = format!("{:07}", ticks.rem_euclid(10_000_000));
    let mut part: String = digits.chars().take(n.min(7)).collect();
    if trim {
        part = part.trim_end_matches('0').to_string();
    }
    part
}

/// `format_datetime(dt, format)` with KQL's format specifiers.
pub(crate) fn format_datetime_with(ns: i64, fmt: &str) -> String {
    let Some(dt) = to_chrono(ns) else {
        return String::new();
    };
    let ticks = ns.rem_euclid(NANOS_PER_SECOND) / NANOS_PER_TICK;
    let mut out = String::new();
    for (c, n) in tokens(fmt) {
        match c {
            'y' => match n {
                1 => out.push_str(&(dt.year() % 100).to_string()),
                2 => out.push_str(&format!("{:02}", dt.year() % 100)),
                _ => out.push_str(&format!("{:0width$}", dt.year(), width = n)),
            },
            'M' => match n {
                1 => out.push_str(&dt.month().to_string()),
                2 => out.push_str(&format!("{:02}", dt.month())),
                3 => out.push_str(&dt.format("%b").to_string()),
                _ => out.push_str(&dt.format("%B").to_string()),
            },
            'd' => match n {
                1 => out.push_str(&dt.day().to_string()),
                2 => out.push_str(&format!("{:02}", dt.day())),
                3 => out.push_str(&dt.format("%a").to_string()),
                _ => out.push_str(&dt.format("%A").to_string()),
            },
            'H' => out.push_str(&pad(i64::from(dt.hour()), n)),
            'h' => {
                let h = dt.hour() % 12;
                out.push_str(&pad(i64::from(if h == 0 { 12 } else { h }), n));
            }
            'm' => out.push_str(&pad(i64::from(dt.minute()), n)),
            's' => out.push_str(&pad(i64::from(dt.second()), n)),
            'f' => out.push_str(&fraction(ticks, n, false)),
            'F' => out.push_str(&fraction(ticks, n, true)),
            't' => {
                let ampm = if dt.hour() < 12 { "AM" } else { "PM" };
                out.push_str(if n == 1 { &ampm[..1] } else { ampm });
            }
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
    }
    out
}

fn pad(v: i64, n: usize) -> String {
    if n >= 2 {
        format!("{v:0n$}")
    } else {
        v.to_string()
    }
}

/// `format_timespan(ts, format)`.
pub(crate) fn format_timespan_with(ns: i64, fmt: &str) -> String {
    let negative = ns < 0;
    let ticks = (ns / NANOS_PER_TICK).unsigned_abs();
    let tps = 10_000_000u64;
    let days = ticks / (86_400 * tps);
    let hours = ticks / (3600 * tps) % 24;
    let minutes = ticks / (60 * tps) % 60;
    let seconds = ticks / tps % 60;
    let frac = (ticks % tps) as i64;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    for (c, n) in tokens(fmt) {
        match c {
            'd' => out.push_str(&pad(days as i64, n)),
            'h' | 'H' => out.push_str(&pad(hours as i64, n)),
            'm' => out.push_str(&pad(minutes as i64, n)),
            's' => out.push_str(&pad(seconds as i64, n)),
            'f' => out.push_str(&fraction(frac, n, false)),
            'F' => out.push_str(&fraction(frac, n, true)),
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::value::{format_datetime, parse_datetime_text};

    fn t(s: &str) -> i64 {
        parse_datetime_text(s).unwrap_or_default()
    }

    #[test]
    fn calendar() {
        // 2024-01-03 is a Wednesday; the week starts on Sunday 2023-12-31.
        let v = t("2024-01-03T10:20:30Z");
        assert_eq!(day_of_week(v), 3);
        assert_eq!(
            start_or_end("startofweek", v, 0)
                .map(format_datetime)
                .as_deref(),
            Some("2023-12-31T00:00:00Z")
        );
        assert_eq!(
            start_or_end("endofmonth", v, 0)
                .map(format_datetime)
                .as_deref(),
            Some("2024-01-31T23:59:59.9999999Z")
        );
        assert_eq!(
            start_or_end("startofmonth", v, -1)
                .map(format_datetime)
                .as_deref(),
            Some("2023-12-01T00:00:00Z")
        );
        assert_eq!(
            add("month", 1, t("2024-01-31"))
                .map(format_datetime)
                .as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        assert_eq!(
            diff("day", t("2024-01-03T01:00"), t("2024-01-02T23:00")),
            Some(1)
        );
        assert_eq!(diff("month", t("2024-03-01"), t("2023-12-31")), Some(3));
        assert_eq!(part("quarter", v), Some(1));
        assert_eq!(
            format_datetime_with(v, "yyyy-MM-dd [HH:mm:ss]"),
            "2024-01-03 [10:20:30]"
        );
        assert_eq!(
            format_timespan_with(90 * 60 * NANOS_PER_SECOND, "hh:mm"),
            "01:30"
        );
    }
}
