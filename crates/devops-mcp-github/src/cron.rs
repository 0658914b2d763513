//! Validation of the 5-field POSIX cron expressions GitHub Actions accepts in
//! `on.schedule[].cron` (minute, hour, day of month, month, day of week; UTC).

/// Checks a cron expression; the error says which field is wrong and why.
pub(crate) fn check(expr: &str) -> Result<(), String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "`{expr}` has {} fields; use 5: minute hour day-of-month month day-of-week, e.g. `23 4 * * 1`",
            fields.len()
        ));
    }
    const SPECS: [(&str, u32, u32, &[&str]); 5] = [
        ("minute", 0, 59, &[]),
        ("hour", 0, 23, &[]),
        ("day-of-month", 1, 31, &[]),
        (
            "month",
            1,
            12,
            &[
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            ],
        ),
        (
            "day-of-week",
            0,
            6,
            &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        ),
    ];
    for (field, (name, lo, hi, names)) in fields.iter().zip(SPECS) {
        check_field(field, lo, hi, names)
            .map_err(|m| format!("{name} field `{field}` of `{expr}`: {m} (allowed {lo}-{hi})"))?;
    }
    Ok(())
}

fn check_field(field: &str, lo: u32, hi: u32, names: &[&str]) -> Result<(), String> {
    for item in field.split(',') {
        let (range, _step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .map_err(|_| format!("step `{s}` is not a number"))?;
                if step == 0 || step > hi {
                    return Err(format!("step `{s}` is out of range"));
                }
                (r, true)
            }
            None => (item, false),
        };
        if range == "*" {
            continue;
        }
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (value(a, lo, hi, names)?, Some(value(b, lo, hi, names)?)),
            None => (value(range, lo, hi, names)?, None),
        };
        if let Some(b) = b
            && a > b
        {
            return Err(format!("range `{range}` runs backwards"));
        }
    }
    Ok(())
}

fn value(s: &str, lo: u32, hi: u32, names: &[&str]) -> Result<u32, String> {
    if s.is_empty() {
        return Err("empty value".to_owned());
    }
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        // Month names are 1-based, day names 0-based.
        return u32::try_from(i).map(|i| i + lo).map_err(|e| e.to_string());
    }
    let v: u32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v < lo || v > hi {
        return Err(format!("`{s}` is out of range"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_valid_expressions() {
        for e in [
            "23 4 * * 1",
            "*/15 * * * *",
            "0 0 1,15 * *",
            "0 9-17/2 * JAN-MAR MON-FRI",
            "5/10 * * * 0",
        ] {
            assert!(check(e).is_ok(), "{e}: {:?}", check(e));
        }
    }

    #[test]
    fn rejects_invalid_expressions_naming_the_field() {
        let err = check("60 * * * *").unwrap_err();
        assert!(err.contains("minute"), "{err}");
        assert!(check("* * * *").unwrap_err().contains("4 fields"));
        assert!(check("0 24 * * *").unwrap_err().contains("hour"));
        assert!(check("0 0 0 * *").unwrap_err().contains("day-of-month"));
        assert!(check("0 0 * 13 *").unwrap_err().contains("month"));
        assert!(check("0 0 * * 7").unwrap_err().contains("day-of-week"));
        assert!(check("*/0 * * * *").is_err());
        assert!(check("5-1 * * * *").is_err());
        assert!(check("@daily").is_err());
    }
}
