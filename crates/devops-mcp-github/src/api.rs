//! Small helpers shared by the GitHub REST callers (pull request delivery and
//! the pin updater): pagination links, path encoding and rate limits.

use std::time::Duration;

/// The `rel="next"` target of a `Link` header, as a path and query (octocrab
/// adds its base URL, and the token only goes to that base).
pub(crate) fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        if !params.split(';').any(|p| p.trim() == "rel=\"next\"") {
            return None;
        }
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|i| rest[i..].to_owned()),
            None => Some(url.to_owned()),
        }
    })
}

/// Percent-encode a branch or tag name for a URL path, keeping `/`.
pub(crate) fn encode_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// A Unix time as RFC 3339 (for rate-limit reset times in messages).
pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("unix time {unix}"))
}

/// The rate-limit headers of one answer.
pub(crate) struct RateLimitHeaders {
    pub(crate) retry_after: Option<String>,
    pub(crate) remaining: Option<String>,
    pub(crate) reset: Option<String>,
}

impl RateLimitHeaders {
    /// The rate-limit headers of an answer; `header` looks one up by name.
    pub(crate) fn read(header: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            retry_after: header("retry-after"),
            remaining: header("x-ratelimit-remaining"),
            reset: header("x-ratelimit-reset"),
        }
    }

    /// How long to wait when the answer is a rate limit: `Retry-After`, else
    /// until `x-ratelimit-reset`, else the minute GitHub asks for.
    pub(crate) fn wait(&self, status: u16, now: i64) -> Option<Duration> {
        let exhausted = self.remaining.as_deref().map(str::trim) == Some("0");
        let limited = status == 429 || (status == 403 && (self.retry_after.is_some() || exhausted));
        if !limited {
            return None;
        }
        if let Some(seconds) = self
            .retry_after
            .as_deref()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_secs(seconds));
        }
        if exhausted
            && let Some(reset) = self
                .reset
                .as_deref()
                .and_then(|v| v.trim().parse::<i64>().ok())
        {
            // One second past the reset, so the window has really turned over.
            let seconds = reset.saturating_sub(now).max(0).saturating_add(1);
            return Some(Duration::from_secs(
                u64::try_from(seconds).unwrap_or(u64::MAX),
            ));
        }
        Some(Duration::from_secs(60))
    }
}
