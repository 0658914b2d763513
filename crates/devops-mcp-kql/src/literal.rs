//! Decoding of literal tokens into values: numbers, timespans (`1d`,
//! `timespan(1.02:03:04)`), datetimes (`datetime(2024-01-31 10:00:00Z)`),
//! GUIDs and typed nulls (`int(null)`).
//!
//! Datetimes and timespans are 100-nanosecond ticks, KQL's own resolution;
//! datetimes count from the Unix epoch so a planner can hand them to
//! Arrow timestamp types with a multiplication.

use crate::ast::Literal;
use crate::lexer::{TIMESPAN_SUFFIXES, TypedKind};

/// Ticks (100 ns) per unit.
pub(crate) const TICKS_PER_MICROSECOND: i64 = 10;
pub(crate) const TICKS_PER_MILLISECOND: i64 = 10_000;
pub(crate) const TICKS_PER_SECOND: i64 = 10_000_000;
pub(crate) const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub(crate) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub(crate) const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// Value of a plain number token (`42`, `0x1F`).
pub(crate) fn long_literal(text: &str) -> Literal {
    match parse_long(text) {
        Some(v) => Literal::Long(Some(v)),
        None => invalid("long", format!("`{text}` does not fit in a 64-bit integer")),
    }
}

/// Value of a real number token (`1.5`, `1e3`).
pub(crate) fn real_literal(text: &str) -> Literal {
    match text.parse::<f64>() {
        Ok(v) => Literal::Real(Some(v)),
        Err(_) => invalid("real", format!("`{text}` is not a real number")),
    }
}

/// Value of a timespan token with a unit suffix (`1d`, `1.5h`, `100ms`).
pub(crate) fn timespan_token_literal(text: &str) -> Literal {
    match parse_suffixed_timespan(text) {
        Some(v) => Literal::Timespan(Some(v)),
        None => invalid("timespan", format!("`{text}` is not a valid timespan")),
    }
}

/// Value of a typed literal token `kind(content)`.
pub(crate) fn typed_literal(kind: TypedKind, token_text: &str) -> Literal {
    let open = token_text.find('(').map_or(0, |i| i + 1);
    let content = token_text
        .get(open..token_text.len().saturating_sub(1))
        .unwrap_or("")
        .trim();
    let is_null = content == "null";
    match kind {
        TypedKind::Bool => match content.to_ascii_lowercase().as_str() {
            "null" => Literal::Bool(None),
            "true" | "1" => Literal::Bool(Some(true)),
            "false" | "0" => Literal::Bool(Some(false)),
            _ => invalid("bool", format!("`{content}` is not true, false or null")),
        },
        TypedKind::Int if is_null => Literal::Int(None),
        TypedKind::Int => match parse_long(content).and_then(|v| i32::try_from(v).ok()) {
            Some(v) => Literal::Int(Some(v)),
            None => invalid("int", format!("`{content}` is not a 32-bit integer")),
        },
        TypedKind::Long if is_null => Literal::Long(None),
        TypedKind::Long => match parse_long(content) {
            Some(v) => Literal::Long(Some(v)),
            None => invalid("long", format!("`{content}` is not a 64-bit integer")),
        },
        TypedKind::Real if is_null => Literal::Real(None),
        TypedKind::Real => match parse_real(content) {
            Some(v) => Literal::Real(Some(v)),
            None => invalid("real", format!("`{content}` is not a real number")),
        },
        TypedKind::Decimal if is_null => Literal::Decimal(None),
        TypedKind::Decimal => {
            if parse_real(content).is_some() {
                Literal::Decimal(Some(content.to_string()))
            } else {
                invalid("decimal", format!("`{content}` is not a decimal number"))
            }
        }
        TypedKind::DateTime if is_null => Literal::DateTime(None),
        TypedKind::DateTime => match parse_datetime(content) {
            Some(v) => Literal::DateTime(Some(v)),
            None => invalid(
                "datetime",
                format!(
                    "`{content}` is not a date and time KQL understands (use ISO 8601, e.g. 2024-01-31T10:00:00Z)"
                ),
            ),
        },
        TypedKind::Timespan if is_null => Literal::Timespan(None),
        TypedKind::Timespan => match parse_timespan_content(content) {
            Some(v) => Literal::Timespan(Some(v)),
            None => invalid(
                "timespan",
                format!("`{content}` is not a timespan (use e.g. 1d, 2h, 30m or d.hh:mm:ss)"),
            ),
        },
        TypedKind::Guid if is_null => Literal::Guid(None),
        TypedKind::Guid => match parse_guid(content) {
            Some(v) => Literal::Guid(Some(v)),
            None => invalid("guid", format!("`{content}` is not a GUID")),
        },
    }
}

fn invalid(ty: &'static str, reason: String) -> Literal {
    Literal::Invalid { ty, reason }
}

fn parse_long(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text.strip_prefix('+').unwrap_or(text).trim_start()),
    };
    let value = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        u64::from_str_radix(hex, 16).ok().map(|v| v as i64)?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let magnitude: i128 = digits.parse().ok()?;
        let signed = if negative { -magnitude } else { magnitude };
        return i64::try_from(signed).ok();
    };
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

fn parse_real(text: &str) -> Option<f64> {
    match text.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => {
            let ok = !text.is_empty()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
            if ok { text.parse().ok() } else { None }
        }
    }
}

fn unit_ticks(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "d" | "day" | "days" => TICKS_PER_DAY as f64,
        "h" | "hr" | "hrs" | "hour" | "hours" => TICKS_PER_HOUR as f64,
        "m" | "min" | "minute" | "minutes" => TICKS_PER_MINUTE as f64,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND as f64,
        "ms" | "milli" | "millis" | "millisec" | "millisecond" | "milliseconds" => {
            TICKS_PER_MILLISECOND as f64
        }
        "micro" | "micros" | "microsec" | "microsecond" | "microseconds" => {
            TICKS_PER_MICROSECOND as f64
        }
        "nano" | "nanos" | "nanosec" | "nanosecond" | "nanoseconds" => 0.01,
        "tick" | "ticks" => 1.0,
        _ => return None,
    })
}

/// `1d`, `1.5h`, `-30m`, `100ms`.
pub(crate) fn parse_suffixed_timespan(text: &str) -> Option<i64> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let number_len = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (number, suffix) = body.split_at(number_len);
    if number.is_empty() || !TIMESPAN_SUFFIXES.contains(&suffix) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let ticks = (value * unit_ticks(suffix)?).round();
    if !ticks.is_finite() || ticks.abs() > i64::MAX as f64 {
        return None;
    }
    let ticks = ticks as i64;
    Some(if negative { -ticks } else { ticks })
}

/// Content of `timespan(...)`: a suffixed value, `[-][d.]hh:mm[:ss[.fffffff]]`,
/// or a bare number of days.
pub(crate) fn parse_timespan_content(text: &str) -> Option<i64> {
    if let Some(v) = parse_suffixed_timespan(text) {
        return Some(v);
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let ticks = if body.contains(':') {
        let (days, clock) = match body.split_once(':') {
            Some((head, _)) if head.contains('.') => {
                let (d, _) = head.split_once('.')?;
                (d.parse::<i64>().ok()?, &body[d.len() + 1..])
            }
            _ => (0, body),
        };
        let parts: Vec<&str> = clock.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return None;
        }
        let hours: i64 = parse_digits(parts[0])?;
        let minutes: i64 = parse_digits(parts[1])?;
        let (seconds, fraction) = match parts.get(2) {
            Some(s) => match s.split_once('.') {
                Some((whole, frac)) => (parse_digits(whole)?, fraction_ticks(frac)?),
                None => (parse_digits(s)?, 0),
            },
            None => (0, 0),
        };
        if minutes > 59 || seconds > 59 {
            return None;
        }
        days * TICKS_PER_DAY
            + hours * TICKS_PER_HOUR
            + minutes * TICKS_PER_MINUTE
            + seconds * TICKS_PER_SECOND
            + fraction
    } else {
        let days: f64 = body.parse().ok()?;
        (days * TICKS_PER_DAY as f64).round() as i64
    };
    Some(if negative { -ticks } else { ticks })
}

fn parse_digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Ticks represented by a decimal fraction of a second (`1234567` -> 1234567).
fn fraction_ticks(frac: &str) -> Option<i64> {
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits: String = frac.chars().take(7).collect();
    while digits.len() < 7 {
        digits.push('0');
    }
    digits.parse().ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn month_number(name: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| lower.starts_with(m))
        .map(|i| i as i64 + 1)
}

/// Parses the datetime formats KQL accepts in `datetime(...)`: ISO 8601
/// (`2024-01-31`, `2024-01-31T10:00`, `2024-01-31 10:00:00.1234567Z`,
/// with an optional `+hh:mm` offset), US dates (`1/31/2024 10:00 PM`,
/// `12-02-2022`), `2025, 6, 14`, RFC 1123 / 822 (`Wed, 31 Jan 2024
/// 10:00:00 GMT`, `31 Jan 2024`) and a time of day alone (`8:00`, taken on
/// 1970-01-01 because a parser cannot know "today"). The content may be
/// quoted and may have spaces around separators, as .NET's parser allows.
/// Returns ticks since the Unix epoch.
pub(crate) fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')))
        .unwrap_or(text)
        .trim();
    let normalized = normalize_separators(text);
    let text = normalized.as_str();
    parse_iso_datetime(text)
        .or_else(|| parse_us_datetime(text))
        .or_else(|| parse_comma_date(text))
        .or_else(|| parse_rfc_datetime(text))
        .or_else(|| clock_ticks(text))
}

/// Removes spaces around `-`, `/`, `:` and `,` (`2017 - 08 - 01` ->
/// `2017-08-01`), keeping other spaces.
fn normalize_separators(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = out.chars().last();
            let next = chars[i + 1..].iter().find(|c| **c != ' ');
            let near_separator =
                |c: Option<&char>| c.is_some_and(|c| matches!(c, '-' | '/' | ':' | ','));
            if near_separator(prev.as_ref()) || near_separator(next) {
                continue;
            }
            if prev == Some(' ') {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `2025,6,14` (year, month, day).
fn parse_comma_date(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != 3 {
        return None;
    }
    let year = parse_digits(parts[0])?;
    let month = parse_digits(parts[1])?;
    let day = parse_digits(parts[2])?;
    if parts[0].len() != 4 {
        return None;
    }
    date_ticks(year, month, day)
}

fn date_ticks(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * TICKS_PER_DAY)
}

/// `hh:mm[:ss[.fffffff]]`, returning ticks.
fn clock_ticks(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let hours = parse_digits(parts[0])?;
    let minutes = parse_digits(parts[1])?;
    let (seconds, fraction) = match parts.get(2) {
        Some(s) => match s.split_once('.') {
            Some((whole, frac)) => (parse_digits(whole)?, fraction_ticks(frac)?),
            None => (parse_digits(s)?, 0),
        },
        None => (0, 0),
    };
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(
        hours * TICKS_PER_HOUR + minutes * TICKS_PER_MINUTE + seconds * TICKS_PER_SECOND + fraction,
    )
}

/// Splits a trailing `Z`, `GMT`, `UTC` or `+hh:mm`/`-hh:mm` offset off a
/// time, returning the offset in ticks to subtract.
fn split_zone(text: &str) -> Option<(&str, i64)> {
    let trimmed = text.trim_end();
    for zone in ["Z", "z", " GMT", " UTC", "GMT", "UTC"] {
        if let Some(rest) = trimmed.strip_suffix(zone) {
            return Some((rest.trim_end(), 0));
        }
    }
    let bytes = trimmed.as_bytes();
    if bytes.len() > 6 {
        let sign_pos = bytes.len() - 6;
        let sign = bytes[sign_pos];
        if (sign == b'+' || sign == b'-') && bytes[sign_pos + 3] == b':' {
            let hours = parse_digits(&trimmed[sign_pos + 1..sign_pos + 3])?;
            let minutes = parse_digits(&trimmed[sign_pos + 4..])?;
            let offset = hours * TICKS_PER_HOUR + minutes * TICKS_PER_MINUTE;
            let offset = if sign == b'+' { offset } else { -offset };
            return Some((trimmed[..sign_pos].trim_end(), offset));
        }
    }
    Some((trimmed, 0))
}

fn parse_iso_datetime(text: &str) -> Option<i64> {
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(text[i + 1..].trim())),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = parse_digits(parts.next()?)?;
    let month = match parts.next() {
        Some(m) => parse_digits(m)?,
        None => 1,
    };
    let day = match parts.next() {
        Some(d) => parse_digits(d)?,
        None => 1,
    };
    if parts.next().is_some() || date.len() < 4 {
        return None;
    }
    let mut ticks = date_ticks(year, month, day)?;
    if let Some(time) = time.filter(|t| !t.is_empty()) {
        let (clock, offset) = split_zone(time)?;
        ticks += clock_ticks(clock)? - offset;
    }
    Some(ticks)
}

fn parse_us_datetime(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let separator = if date.contains('/') { '/' } else { '-' };
    if separator == '-' && date.rsplit('-').next().is_none_or(|y| y.len() != 4) {
        return None;
    }
    let mut parts = date.split(separator);
    let month = parse_digits(parts.next()?)?;
    let day = parse_digits(parts.next()?)?;
    let year = parse_digits(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    let mut ticks = date_ticks(year, month, day)?;
    if let Some(time) = time {
        let (clock, pm) =
            if let Some(c) = time.strip_suffix("PM").or_else(|| time.strip_suffix("pm")) {
                (c.trim_end(), Some(true))
            } else if let Some(c) = time.strip_suffix("AM").or_else(|| time.strip_suffix("am")) {
                (c.trim_end(), Some(false))
            } else {
                (time, None)
            };
        let mut clock = clock_ticks(clock)?;
        if let Some(pm) = pm {
            let hour = clock / TICKS_PER_HOUR;
            if !(1..=12).contains(&hour) {
                return None;
            }
            if hour == 12 {
                clock -= 12 * TICKS_PER_HOUR;
            }
            if pm {
                clock += 12 * TICKS_PER_HOUR;
            }
        }
        ticks += clock;
    }
    Some(ticks)
}

fn parse_rfc_datetime(text: &str) -> Option<i64> {
    let body = match text.split_once(',') {
        Some((_, rest)) => rest.trim(),
        None => text,
    };
    let (body, offset) = split_zone(body)?;
    let mut words = body.split_whitespace();
    let day = parse_digits(words.next()?)?;
    let month = month_number(words.next()?)?;
    let year_text = words.next()?;
    let mut year = parse_digits(year_text)?;
    if year_text.len() == 2 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let mut ticks = date_ticks(year, month, day)?;
    if let Some(clock) = words.next() {
        ticks += clock_ticks(clock)?;
    }
    if words.next().is_some() {
        return None;
    }
    Some(ticks - offset)
}

pub(crate) fn parse_guid(text: &str) -> Option<String> {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(parse_suffixed_timespan("1d"), Some(TICKS_PER_DAY));
        assert_eq!(
            parse_suffixed_timespan("1.5h"),
            Some(TICKS_PER_HOUR * 3 / 2)
        );
        assert_eq!(
            parse_suffixed_timespan("100ms"),
            Some(100 * TICKS_PER_MILLISECOND)
        );
        assert_eq!(parse_suffixed_timespan("1tick"), Some(1));
        assert_eq!(
            parse_suffixed_timespan("-30m"),
            Some(-30 * TICKS_PER_MINUTE)
        );
        assert_eq!(
            parse_timespan_content("1.02:03:04.5"),
            Some(
                TICKS_PER_DAY
                    + 2 * TICKS_PER_HOUR
                    + 3 * TICKS_PER_MINUTE
                    + 4 * TICKS_PER_SECOND
                    + 5_000_000
            )
        );
        assert_eq!(parse_timespan_content("00:10"), Some(10 * TICKS_PER_MINUTE));
        assert_eq!(parse_timespan_content("2"), Some(2 * TICKS_PER_DAY));
        assert_eq!(parse_timespan_content("abc"), None);
    }

    #[test]
    fn datetimes() {
        let day = |y, m, d| days_from_civil(y, m, d) * TICKS_PER_DAY;
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_datetime("2024-01-31"), Some(day(2024, 1, 31)));
        assert_eq!(
            parse_datetime("2024-01-31T10:00:00Z"),
            Some(day(2024, 1, 31) + 10 * TICKS_PER_HOUR)
        );
        assert_eq!(
            parse_datetime("2024-01-31 10:00:00.5"),
            Some(day(2024, 1, 31) + 10 * TICKS_PER_HOUR + 5_000_000)
        );
        assert_eq!(
            parse_datetime("2024-01-31T10:00:00+02:00"),
            Some(day(2024, 1, 31) + 8 * TICKS_PER_HOUR)
        );
        assert_eq!(
            parse_datetime("2/17/2016 8:40 PM"),
            Some(day(2016, 2, 17) + 20 * TICKS_PER_HOUR + 40 * TICKS_PER_MINUTE)
        );
        assert_eq!(
            parse_datetime("Sat, 08 Nov 2014 13:45:00 GMT"),
            Some(day(2014, 11, 8) + 13 * TICKS_PER_HOUR + 45 * TICKS_PER_MINUTE)
        );
        assert_eq!(parse_datetime("2024-02-30"), None);
        assert_eq!(parse_datetime("\"2015-01-01\""), Some(day(2015, 1, 1)));
        assert_eq!(parse_datetime("2017 - 08 - 01"), Some(day(2017, 8, 1)));
        assert_eq!(parse_datetime("2025, 6, 14"), Some(day(2025, 6, 14)));
        assert_eq!(parse_datetime("'12-02-2022'"), Some(day(2022, 12, 2)));
        assert_eq!(
            parse_datetime("8:05"),
            Some(8 * TICKS_PER_HOUR + 5 * TICKS_PER_MINUTE)
        );
        assert_eq!(parse_datetime("garbage"), None);
    }

    #[test]
    fn typed_literals() {
        assert_eq!(
            typed_literal(TypedKind::Int, "int(null)"),
            Literal::Int(None)
        );
        assert_eq!(
            typed_literal(TypedKind::Long, "long(-5)"),
            Literal::Long(Some(-5))
        );
        assert_eq!(
            typed_literal(TypedKind::Real, "real(1.5)"),
            Literal::Real(Some(1.5))
        );
        assert_eq!(
            typed_literal(TypedKind::Bool, "bool(true)"),
            Literal::Bool(Some(true))
        );
        assert!(matches!(
            typed_literal(TypedKind::Int, "int(x)"),
            Literal::Invalid { .. }
        ));
        assert_eq!(
            typed_literal(
                TypedKind::Guid,
                "guid(74be27de-1e4e-49d9-b579-fe0b331d3642)"
            ),
            Literal::Guid(Some("74be27de-1e4e-49d9-b579-fe0b331d3642".into()))
        );
        assert_eq!(long_literal("0x10"), Literal::Long(Some(16)));
    }
}
