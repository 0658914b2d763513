//! Keeping secrets out of logs, errors and tool results.
//!
//! Two layers: [`SecretString`] wraps every secret the server holds (its
//! `Debug` and `Display` print `***`, its bytes are zeroized on drop), and
//! [`redact`] masks secret-looking values in text that leaves the process
//! (log lines, error messages), as a second line of defence for values that
//! were never wrapped, such as a token pasted into a tool argument.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use zeroize::Zeroizing;

/// A secret value: never printed, zeroized when dropped.
#[derive(Clone)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The value itself, for the one place that must send it somewhere.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Patterns of values that are secrets whatever their context. Each keeps a
/// short prefix (group 1) so a reader can still tell what kind of value it was.
static SECRET_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained.
        r"\b(gh[pousr]_)[A-Za-z0-9]{30,}",
        r"\b(github_pat_)[A-Za-z0-9_]{40,}",
        // Azure storage account keys and SAS signatures.
        r"(?i)(AccountKey=)[A-Za-z0-9+/=]{20,}",
        r"(?i)(SharedAccessSignature=|[?&]sig=)[A-Za-z0-9%+/=]{10,}",
        // AWS access key IDs.
        r"\b(AKIA)[0-9A-Z]{16}\b",
        // Bearer tokens and JWTs.
        r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*",
        r"\b(eyJ)[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        // PEM private keys.
        r"(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        // key=value and "key": "value" pairs whose key says secret.
        r#"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|client[_-]?secret|connection[_-]?string)["']?\s*[:=]\s*["']?)[^\s"',;&]{6,}"#,
    ]
    .iter()
    .map(|pattern| Regex::new(pattern).expect("constant pattern"))
    .collect()
});

/// Mask secret-looking values in `text`, keeping a short prefix of each.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for pattern in SECRET_PATTERNS.iter() {
        if pattern.is_match(&out) {
            let replaced = pattern.replace_all(&out, "${1}****").into_owned();
            out = Cow::Owned(replaced);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_string_never_prints() {
        let secret = SecretString::new("canary-7f3e9a".into());
        assert_eq!(format!("{secret:?} {secret}"), "*** ***");
        assert_eq!(secret.expose(), "canary-7f3e9a");
    }

    #[test]
    fn masks_known_token_shapes() {
        let cases = [
            "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
            "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0;",
            "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345",
            "password=hunter2hunter2",
            r#"{"client_secret": "s3cr3t-value-123"}"#,
            "AKIAABCDEFGHIJKLMNOP",
        ];
        for case in cases {
            let out = redact(case);
            assert!(out.contains("****"), "not redacted: {case} -> {out}");
            for secret in [
                "abcdefghijklmnopqrstuvwxyz0123456789",
                "c2VjcmV0c2VjcmV0",
                "hunter2hunter2",
                "s3cr3t-value-123",
                "ABCDEFGHIJKLMNOP",
            ] {
                assert!(!out.contains(secret), "leaked {secret} in {out}");
            }
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "generated 7 files for app-contoso in swedencentral";
        assert!(matches!(redact(text), Cow::Borrowed(_)));
    }
}
