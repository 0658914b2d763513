//! The action pin lock table: every action a generated workflow uses, pinned
//! to the full commit SHA of its newest release tag.
//!
//! The table lives in `data/action-pins.toml`, is embedded at build time and
//! parsed once. Each entry records where its SHA came from and when it was
//! checked, so a reviewer can re-derive it (`git rev-parse <tag>^{commit}`).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::Error;

/// The lock table shipped with this crate.
const BUNDLED: &str = include_str!("../data/action-pins.toml");

/// One pinned action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// `owner/repo` or `owner/repo/path` as written in `uses:`.
    pub action: String,
    /// The release tag the SHA belongs to, e.g. `v7.0.1`.
    pub version: String,
    /// Full 40-character commit SHA of that tag.
    pub sha: String,
    /// How the SHA was resolved.
    pub source: String,
    /// Date (YYYY-MM-DD) the pin was last checked.
    pub checked: String,
}

impl Pin {
    /// The `uses:` value, `owner/repo@sha`.
    #[must_use]
    pub fn uses(&self) -> String {
        format!("{}@{}", self.action, self.sha)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    schema_version: u32,
    #[serde(default)]
    pin: Vec<Pin>,
}

/// A parsed, checked lock table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinTable {
    pins: Vec<Pin>,
}

impl PinTable {
    /// Parses and checks a lock table in the `action-pins.toml` format.
    ///
    /// # Errors
    /// [`Error::PinTable`] when the TOML is malformed, a SHA is not 40
    /// lowercase hex characters, a version is not a `v`-prefixed tag, or an
    /// action appears twice.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let file: TableFile = toml::from_str(text).map_err(|e| Error::PinTable(e.to_string()))?;
        if file.schema_version != 1 {
            return Err(Error::PinTable(format!(
                "schema_version {} is not supported (expected 1)",
                file.schema_version
            )));
        }
        let mut pins = file.pin;
        for pin in &pins {
            check_pin(pin)?;
        }
        pins.sort_by_key(|p| p.action.to_ascii_lowercase());
        for pair in pins.windows(2) {
            if pair[0].action.eq_ignore_ascii_case(&pair[1].action) {
                return Err(Error::PinTable(format!(
                    "action `{}` is listed twice",
                    pair[0].action
                )));
            }
        }
        Ok(Self { pins })
    }

    /// The table embedded in this crate, parsed on first use.
    ///
    /// # Errors
    /// [`Error::PinTable`] if the embedded file is invalid (a unit test keeps it valid).
    pub fn bundled() -> Result<&'static Self, Error> {
        static TABLE: OnceLock<Result<PinTable, String>> = OnceLock::new();
        TABLE
            .get_or_init(|| Self::parse(BUNDLED).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::PinTable(e.clone()))
    }

    /// Looks up an action, case-insensitively (GitHub owner and repo names are).
    #[must_use]
    pub fn get(&self, action: &str) -> Option<&Pin> {
        self.pins
            .binary_search_by(|p| {
                p.action
                    .to_ascii_lowercase()
                    .cmp(&action.to_ascii_lowercase())
            })
            .ok()
            .and_then(|i| self.pins.get(i))
    }

    /// Looks up an action the generator needs.
    ///
    /// # Errors
    /// [`Error::MissingPin`] when the table has no entry for it.
    pub fn require(&self, action: &str) -> Result<&Pin, Error> {
        self.get(action).ok_or_else(|| Error::MissingPin {
            action: action.to_owned(),
        })
    }

    /// All pins, sorted by action.
    pub fn iter(&self) -> impl Iterator<Item = &Pin> {
        self.pins.iter()
    }
}

fn check_pin(pin: &Pin) -> Result<(), Error> {
    let bad = |what: &str| Err(Error::PinTable(format!("`{}`: {what}", pin.action)));
    let parts: Vec<&str> = pin.action.split('/').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return bad("action must be owner/repo or owner/repo/path");
    }
    if pin.sha.len() != 40
        || !pin
            .sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return bad("sha must be a full 40-character lowercase hex commit SHA");
    }
    let version_ok = pin.version.strip_prefix('v').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .split('.')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if !version_ok {
        return bad("version must be a release tag such as v7.0.1");
    }
    let date_ok = pin.checked.len() == 10
        && pin.checked.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !date_ok {
        return bad("checked must be a date YYYY-MM-DD");
    }
    if pin.source.trim().is_empty() {
        return bad("source must say how the SHA was resolved");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_is_valid_and_has_every_action_the_generator_uses() {
        let table = PinTable::bundled().unwrap();
        for action in crate::generate::ACTIONS_USED {
            let pin = table.require(action).unwrap();
            assert_eq!(pin.sha.len(), 40, "{action}");
            assert_eq!(pin.checked, "2026-11-29");
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        let table = PinTable::bundled().unwrap();
        let a = table.get("Azure/Login").unwrap();
        assert_eq!(a.action, "azure/login");
        assert!(table.get("actions/not-there").is_none());
    }

    #[test]
    fn rejects_short_sha_and_bad_version_and_duplicates() {
        let row = |action: &str, version: &str, sha: &str| {
            format!(
                "[[pin]]\naction = \"{action}\"\nversion = \"{version}\"\nsha = \"{sha}\"\nsource = \"s\"\nchecked = \"2026-11-29\"\n"
            )
        };
        let good = "3d3c42e5aac5ba805825da76410c181273ba90b1";
        let t = |rows: &str| PinTable::parse(&format!("schema_version = 1\n{rows}"));
        assert!(t(&row("a/b", "v1.2.3", good)).is_ok());
        assert!(t(&row("a/b", "v1.2.3", "3d3c42e")).is_err());
        assert!(t(&row("a/b", "1.2.3", good)).is_err());
        assert!(t(&row("ab", "v1", good)).is_err());
        assert!(
            t(&format!(
                "{}{}",
                row("a/b", "v1", good),
                row("A/b", "v2", good)
            ))
            .is_err()
        );
    }
}
