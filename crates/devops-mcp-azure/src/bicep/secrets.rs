//! Deciding whether a name (parameter, property, app setting, output) denotes a secret.
//!
//! Shared by the spec validator (refuse secret-looking plain settings) and the lint rules
//! (secure parameters, literals, outputs), so both sides agree on what counts as a secret.

/// Splits `camelCase`, `snake_case`, `kebab-case` and `UPPER_CASE` names into lower-case words.
#[must_use]
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || (chars[i - 1].is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a name denotes a secret value (`adminPassword`, `STRIPE_API_KEY`,
/// `dbConnectionString`, `clientSecret`), but not names *about* secrets
/// (`keyVaultName`, `secretName`, `secretsExpireAt`, `passwordAuth`).
#[must_use]
pub fn looks_secret(name: &str) -> bool {
    // Most names mention none of the secret words: answer those without allocating much.
    let lower = name.to_ascii_lowercase();
    const HINTS: &[&str] = &[
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        "connection",
        "connstr",
        "credential",
        "sas",
        "url",
        "storage",
    ];
    if !HINTS.iter().any(|h| lower.contains(h)) {
        return false;
    }
    let joined: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    // Documented by Microsoft as not a secret, and set on every app.
    if joined == "applicationinsightsconnectionstring" || joined == "appinsightsinstrumentationkey"
    {
        return false;
    }
    const ENDINGS: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "connectionstring",
        "apikey",
        "accesskey",
        "privatekey",
        "accountkey",
        "secretkey",
        "sharedkey",
        "masterkey",
        "signingkey",
        "encryptionkey",
        "passphrase",
    ];
    if ENDINGS.iter().any(|e| joined.ends_with(e)) || joined == "azurewebjobsstorage" {
        return true;
    }
    let w = words(name);
    let Some(last) = w.last() else { return false };
    const LAST: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "connectionstring",
        "connstr",
        "credential",
        "credentials",
        "privatekey",
        "sas",
        "passphrase",
    ];
    if LAST.contains(&last.as_str()) {
        return true;
    }
    let pairs: &[(&str, &str)] = &[
        ("api", "key"),
        ("access", "key"),
        ("private", "key"),
        ("secret", "key"),
        ("account", "key"),
        ("shared", "key"),
        ("master", "key"),
        ("signing", "key"),
        ("encryption", "key"),
        ("connection", "string"),
        ("database", "url"),
        ("db", "url"),
        ("redis", "url"),
        ("sas", "url"),
    ];
    if w.len() >= 2 {
        let prev = &w[w.len() - 2];
        if pairs.iter().any(|(a, b)| prev == a && last == b) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words() {
        assert_eq!(words("dbAdminPassword"), ["db", "admin", "password"]);
        assert_eq!(words("STRIPE_API_KEY"), ["stripe", "api", "key"]);
        assert_eq!(words("HTTPSOnly"), ["https", "only"]);
        assert_eq!(words("key-vault-name"), ["key", "vault", "name"]);
    }

    #[test]
    fn secret_names() {
        for s in [
            "adminPassword",
            "STRIPE_API_KEY",
            "clientSecret",
            "dbConnectionString",
            "DATABASE_URL",
            "githubToken",
            "storageAccountKey",
            "DJANGO_SECRET_KEY",
        ] {
            assert!(looks_secret(s), "{s}");
        }
        for s in [
            "keyVaultName",
            "secretName",
            "secretsExpireAt",
            "passwordAuth",
            "monkey",
            "tokenLifetime",
            "apiVersion",
            "key",
        ] {
            assert!(!looks_secret(s), "{s}");
        }
    }
}
