//! Redaction of secrets in snippets, messages and SARIF text: a secret keeps a short prefix
//! (enough to recognize which credential it is) followed by `****`.
//!
//! Three layers, because no single one is enough: the matched text of a secret-bearing rule is
//! masked whole; in the rest of such a snippet, values assigned to secret-looking names and
//! high-entropy tokens are masked; and in every snippet, tokens with a well-known credential
//! shape (GitHub, AWS, Slack, Stripe, JWT, PEM) are masked whatever rule matched.

use std::sync::LazyLock;

use regex::Regex;

/// What a masked value ends with.
pub const MASK: &str = "****";

/// Masks a secret: at most 4 leading characters (a fifth of its length) and `****`.
pub fn mask(secret: &str) -> String {
    let chars = secret.chars().count();
    let keep = (chars / 5).min(4);
    let mut out: String = secret.chars().take(keep).collect();
    out.push_str(MASK);
    out
}

/// Masks matched text, keeping surrounding quotes so the snippet still reads as code.
pub fn mask_matched(text: &str) -> String {
    let trimmed = text.trim();
    for quote in ['"', '\''] {
        if trimmed.len() >= 2 && trimmed.starts_with(quote) && trimmed.ends_with(quote) {
            let inner = &trimmed[1..trimmed.len() - 1];
            return format!("{quote}{}{quote}", mask(inner));
        }
    }
    mask(trimmed)
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0_u32; 256];
    let mut total = 0_u32;
    for byte in text.bytes() {
        counts[usize::from(byte)] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

/// Tokens with the shape of a well-known credential.
static KNOWN_SECRET: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
        r"|\bgithub_pat_[A-Za-z0-9_]{40,}\b",
        r"|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        r"|\bxox[abposr]-[A-Za-z0-9-]{10,}\b",
        r"|\b[sr]k_live_[A-Za-z0-9]{16,}\b",
        r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        r"|AccountKey=[A-Za-z0-9+/]{20,}={0,2}",
        r"|\bsig=[A-Za-z0-9%+/]{20,}(?:=|%3D){0,2}",
        r"|-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)",
    ))
    .ok()
});

/// A value assigned to a secret-looking name: `password = "x"`, `"token": "x"`, `KEY=x`, and
/// Dockerfile's `ENV KEY value`.
static SECRET_ASSIGNMENT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?i)(?:[\w.-]*(?:password|passwd|pwd|secret|token|api_?key|apikey|access_?key|"#,
        r#"private_?key|account_?key|client_?secret|credential|connection_?string|signing_?key|sig)"#,
        r#"[\w.-]*["']?\s*[=:]\s*["']?(?P<value>[^"'\s;,&)]{4,}))"#,
        r#"|(?m:^\s*(?:ENV|ARG)\s+[\w.-]*(?:password|passwd|pwd|secret|token|key|credential)[\w.-]*"#,
        r#"[ \t]+(?P<spaced>\S{4,}))"#,
    ))
    .ok()
});

/// Runs of characters that make up tokens, keys and encoded values.
static TOKEN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_~.%-]{16,}={0,2}(?:\*{4})?").ok());

/// Whether a token looks like a random secret: long, mixed character classes, high entropy.
pub fn is_high_entropy_token(token: &str) -> bool {
    let token = token.trim_end_matches('=');
    if token.len() < 16 {
        return false;
    }
    let classes = [
        token.bytes().any(|b| b.is_ascii_lowercase()),
        token.bytes().any(|b| b.is_ascii_uppercase()),
        token.bytes().any(|b| b.is_ascii_digit()),
        token.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .into_iter()
    .filter(|&present| present)
    .count();
    // Paths and dotted names (a.b.c, /usr/lib/x) are long and mixed but not secrets.
    let looks_like_path =
        token.contains('/') && !token.contains('+') && token.matches('/').count() > 2;
    classes >= 3 && !looks_like_path && shannon_entropy(token) >= 3.5
}

/// Words that mark a line as handling a secret.
static SECRET_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)password|passwd|pwd|secret|token|api_?key|apikey|access_?key|private_?key|account_?key|credential|connection_?string|signing_?key",
    )
    .ok()
});

/// Quoted string literals on one line.
static QUOTED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#""([^"\n]{4,})"|'([^'\n]{4,})'"#).ok());

/// Byte ranges of `text` to mask.
type Ranges = Vec<(usize, usize)>;

fn known_secret_ranges(text: &str, ranges: &mut Ranges) -> bool {
    let Some(known) = KNOWN_SECRET.as_ref() else {
        return false;
    };
    for found in known.find_iter(text) {
        let whole = found.as_str();
        let skip = ["AccountKey=", "sig="]
            .iter()
            .find(|prefix| whole.starts_with(*prefix))
            .map_or(0, |prefix| prefix.len());
        ranges.push((found.start() + skip, found.end()));
    }
    true
}

fn high_entropy_ranges(text: &str, ranges: &mut Ranges) -> bool {
    let Some(token) = TOKEN.as_ref() else {
        return false;
    };
    ranges.extend(
        token
            .find_iter(text)
            .filter(|found| is_high_entropy_token(found.as_str()))
            .map(|found| (found.start(), found.end())),
    );
    true
}

/// Values assigned to secret-looking names, and quoted literals on lines that name a secret.
fn secret_context_ranges(text: &str, ranges: &mut Ranges) -> bool {
    let (Some(assignment), Some(word), Some(quoted)) = (
        SECRET_ASSIGNMENT.as_ref(),
        SECRET_WORD.as_ref(),
        QUOTED.as_ref(),
    ) else {
        return false;
    };
    for caps in assignment.captures_iter(text) {
        if let Some(value) = caps.name("value").or_else(|| caps.name("spaced")) {
            ranges.push((value.start(), value.end()));
        }
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if word.is_match(line) {
            for caps in quoted.captures_iter(line) {
                if let Some(inner) = caps.get(1).or_else(|| caps.get(2)) {
                    // `${...}` interpolations and `{{ }}` expressions are references, not values.
                    let value = inner.as_str();
                    if !value.contains("${") && !value.contains("{{") {
                        ranges.push((offset + inner.start(), offset + inner.end()));
                    }
                }
            }
        }
        offset += line.len();
    }
    true
}

/// Replaces the (possibly overlapping) ranges of `text` with masks.
fn apply(text: &str, mut ranges: Ranges) -> String {
    ranges.retain(|&(start, end)| {
        start < end
            && end <= text.len()
            && text.is_char_boundary(start)
            && text.is_char_boundary(end)
    });
    ranges.sort_unstable();
    let mut merged: Ranges = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for (start, end) in merged {
        out.push_str(&text[cursor..start]);
        out.push_str(&mask(&text[start..end]));
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// Masks well-known credential shapes anywhere in `text`.
pub fn redact_known_secrets(text: &str) -> String {
    let mut ranges = Vec::new();
    // The patterns are literals compiled in the unit tests; should one ever fail to compile,
    // fail closed and mask everything.
    if !known_secret_ranges(text, &mut ranges) {
        return mask(text);
    }
    apply(text, ranges)
}

/// Masks credential shapes and high-entropy tokens in prose (messages, fixes, warnings).
pub fn redact_free_text(text: &str) -> String {
    let mut ranges = Vec::new();
    if !(known_secret_ranges(text, &mut ranges) && high_entropy_ranges(text, &mut ranges)) {
        return mask(text);
    }
    apply(text, ranges)
}

/// Masks everything in code that could be a secret: values assigned to secret-looking names,
/// quoted literals on lines naming a secret, high-entropy tokens and credential shapes.
pub fn redact_secret_context(text: &str) -> String {
    let mut ranges = Vec::new();
    if !(known_secret_ranges(text, &mut ranges)
        && high_entropy_ranges(text, &mut ranges)
        && secret_context_ranges(text, &mut ranges))
    {
        return mask(text);
    }
    apply(text, ranges)
}

/// Whether matched text is a single value (no spaces once quotes are removed) rather than a
/// statement or an identifier.
fn is_single_value(text: &str) -> bool {
    let inner = text.trim().trim_matches(['"', '\'']);
    !inner.is_empty()
        && !inner.contains(char::is_whitespace)
        && !inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Redacts a snippet.
///
/// `matched` is the byte range of the rule's match inside `snippet`. For a `secret_bearing`
/// rule the match is masked whole when `mask_match` is set (the bundled secrets pack, whose
/// matches are exactly the secret) or when it is a single value; the rest of the snippet gets
/// [`redact_secret_context`]. Other snippets only lose well-known credential shapes.
pub fn redact_snippet(
    snippet: &str,
    matched: Option<(usize, usize)>,
    secret_bearing: bool,
    mask_match: bool,
) -> String {
    let mut ranges = Vec::new();
    if !known_secret_ranges(snippet, &mut ranges) {
        return mask(snippet);
    }
    if secret_bearing {
        if !(high_entropy_ranges(snippet, &mut ranges)
            && secret_context_ranges(snippet, &mut ranges))
        {
            return mask(snippet);
        }
        if let Some((start, end)) = matched
            && let Some(text) = snippet.get(start..end)
            && (mask_match || is_single_value(text))
        {
            // Keep surrounding quotes so the snippet still reads as code.
            let trimmed = text.trim_end();
            let lead = text.len() - text.trim_start().len();
            let (mut s, mut e) = (start + lead, start + trimmed.len());
            let bytes = snippet.as_bytes();
            if e > s + 1 && matches!(bytes[s], b'"' | b'\'') && bytes[e - 1] == bytes[s] {
                s += 1;
                e -= 1;
            }
            ranges.push((s, e));
        }
    }
    apply(snippet, ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(KNOWN_SECRET.is_some());
        assert!(SECRET_ASSIGNMENT.is_some());
        assert!(TOKEN.is_some());
    }

    #[test]
    fn mask_keeps_a_short_prefix() {
        assert_eq!(mask("ghp_CANARY0devops0mcp0not0a0real0token00"), "ghp_****");
        assert_eq!(mask("hunter2hunter"), "hu****");
        assert_eq!(mask("abc"), "****");
        assert_eq!(mask_matched("\"s3cr3t-value\""), "\"s3****\"");
    }

    #[test]
    fn known_shapes_are_masked_everywhere() {
        let line = "curl -H 'Authorization: token ghp_CANARY0devops0mcp0not0a0real0token00' x";
        let out = redact_known_secrets(line);
        assert!(!out.contains("CANARY0devops"), "{out}");
        assert!(out.contains("ghp_****"), "{out}");
        let conn = "AccountName=a;AccountKey=Q0FOQVJZLWRldm9wcy1tY3Atc3RvcmFnZS1rZXk==;x";
        assert_eq!(
            redact_known_secrets(conn),
            "AccountName=a;AccountKey=Q0FO****;x"
        );
    }

    #[test]
    fn secret_context_masks_assignments_and_entropy() {
        let out = redact_secret_context("ENV DB_PASSWORD=canary-docker-password");
        assert_eq!(out, "ENV DB_PASSWORD=cana****");
        let out = redact_secret_context("ENV DB_PASSWORD canary-docker-password");
        assert_eq!(out, "ENV DB_PASSWORD cana****");
        let out = redact_free_text("x = call('aZ3kL9qP2mX7vB1nR8tY')");
        assert!(
            out.contains("****") && !out.contains("aZ3kL9qP2mX7vB1nR8tY"),
            "{out}"
        );
        // Ordinary code stays readable.
        let code = "subprocess.run(command_line, shell=True, check=True)";
        assert_eq!(redact_secret_context(code), code);
    }

    #[test]
    fn snippet_redaction_masks_the_match() {
        let snippet = "SECRET_KEY = \"django-insecure-canary-0devops0mcp-not-a-real-key\"";
        let start = snippet.find('"').unwrap() + 1;
        let end = snippet.len() - 1;
        let out = redact_snippet(snippet, Some((start, end)), true, true);
        assert_eq!(out, "SECRET_KEY = \"djan****\"");
        let plain = "DEBUG = True";
        assert_eq!(
            redact_snippet(plain, Some((0, plain.len())), false, false),
            plain
        );
        // A whole-line match of a secret-bearing rule keeps the code and loses the value.
        let param = "param sqlAdminPassword string = 'Canary-NotReal-P@ssw0rd-2024'";
        let out = redact_snippet(param, Some((0, param.len())), true, false);
        assert_eq!(out, "param sqlAdminPassword string = 'Cana****'");
        // A match on a name leaves the name and masks the value after it.
        let env = "ENV DJANGO_SECRET_KEY=canary-docker-env-secret-0000";
        let out = redact_snippet(env, Some((4, 21)), true, false);
        assert_eq!(out, "ENV DJANGO_SECRET_KEY=cana****");
    }

    #[test]
    fn entropy_distinguishes_random_from_words() {
        assert!(is_high_entropy_token("canary_7fQ2mZ9xL4vB8nR1kT6wY3pD"));
        assert!(!is_high_entropy_token("DefaultEndpointsProtocol"));
        assert!(!is_high_entropy_token("aaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(shannon_entropy("abcd") > 1.99);
    }
}
