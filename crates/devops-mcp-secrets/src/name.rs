//! Secret stores by kind, and the naming rule each one enforces.
//!
//! Names are checked here, before any value is resolved or any request is
//! sent, so a bad name costs nothing and the error can quote the exact rule.

use serde::{Deserialize, Serialize};

use crate::error::SecretsError;

/// Where a secret is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// The embedded store: an age-encrypted file in the user's data directory.
    Local,
    /// An Azure Key Vault.
    KeyVault,
    /// GitHub Actions secrets (repository, environment or organisation).
    Github,
}

impl StoreKind {
    /// The name used in tool input, results and the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Local => "local",
            StoreKind::KeyVault => "key_vault",
            StoreKind::Github => "github",
        }
    }

    /// The naming rule, phrased for a person.
    pub fn name_rule(self) -> &'static str {
        match self {
            StoreKind::Local => {
                "1 to 256 characters from letters, digits, `_`, `-` and `.`, starting with a letter, digit or `_`"
            }
            StoreKind::KeyVault => {
                "must match ^[0-9A-Za-z-]{1,127}$: 1 to 127 letters, digits and dashes (no underscores or dots)"
            }
            StoreKind::Github => {
                "letters, digits and `_` only, not starting with a digit and not starting with `GITHUB_` (any case)"
            }
        }
    }
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Check `name` against the rule of `store`.
pub fn validate_name(store: StoreKind, name: &str) -> Result<(), SecretsError> {
    let ok = match store {
        StoreKind::Local => {
            let mut chars = name.chars();
            (1..=256).contains(&name.len())
                && chars
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        }
        StoreKind::KeyVault => {
            (1..=127).contains(&name.len())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }
        StoreKind::Github => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && !name.to_ascii_uppercase().starts_with("GITHUB_")
        }
    };
    if ok {
        Ok(())
    } else {
        Err(SecretsError::InvalidName {
            store,
            name: name.to_owned(),
            rule: store.name_rule(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_vault_names() {
        for good in ["a", "db-password", "A1-b2", &"x".repeat(127)] {
            assert!(validate_name(StoreKind::KeyVault, good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "db_password",
            "db.password",
            "mot de passe",
            "é",
            &"x".repeat(128),
        ] {
            let error = validate_name(StoreKind::KeyVault, bad).expect_err(bad);
            assert!(
                error.to_string().contains("^[0-9A-Za-z-]{1,127}$"),
                "{error}"
            );
        }
    }

    #[test]
    fn github_names() {
        for good in ["DB_PASSWORD", "_x", "a1", "GITHUBX", "MY_GITHUB_TOKEN"] {
            assert!(validate_name(StoreKind::Github, good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1ABC",
            "GITHUB_TOKEN",
            "github_token",
            "Github_x",
            "A-B",
            "A B",
        ] {
            let error = validate_name(StoreKind::Github, bad).expect_err(bad);
            assert!(error.to_string().contains("GITHUB_"), "{error}");
        }
    }

    #[test]
    fn local_names() {
        for good in ["DATABASE_URL", "db-password", "app.key", "_x"] {
            assert!(validate_name(StoreKind::Local, good).is_ok(), "{good}");
        }
        for bad in ["", "-x", ".hidden", "a/b", "a b", &"x".repeat(257)] {
            assert!(validate_name(StoreKind::Local, bad).is_err(), "{bad}");
        }
    }
}
