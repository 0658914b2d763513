//! Metadata stored next to a value: content type, tags, activation window, enabled.
//!
//! Key Vault defines these; the local store keeps the same set so a secret can
//! be copied from one to the other without losing anything. Limits are Key
//! Vault's, checked before any request so the error names the field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::SecretsError;

/// Key Vault's limits on tags.
const MAX_TAGS: usize = 15;
const MAX_TAG_NAME: usize = 512;
const MAX_TAG_VALUE: usize = 256;
const MAX_CONTENT_TYPE: usize = 255;

/// Optional metadata for a secret (Key Vault and the local store; GitHub has none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretProperties {
    /// A hint about the value's format, e.g. `text/plain`, `application/json` or
    /// `application/x-pem-file` (at most 255 characters). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Tags as name/value pairs (at most 15; names up to 512 and values up to 256 characters). Default: none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Whether the new version can be read. Default: true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// When the secret expires, RFC 3339 (e.g. `2027-01-31T00:00:00Z`). Default: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// When the secret becomes valid, RFC 3339. Default: immediately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
}

/// [`SecretProperties`] after validation, with parsed times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidProperties {
    /// Content type hint.
    pub content_type: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Enabled flag (true unless set to false).
    pub enabled: bool,
    /// Expiry.
    pub expires: Option<OffsetDateTime>,
    /// Activation.
    pub not_before: Option<OffsetDateTime>,
}

impl SecretProperties {
    /// True when nothing is set (what GitHub, which has no metadata, requires).
    pub fn is_empty(&self) -> bool {
        self == &SecretProperties::default()
    }

    /// Check limits and parse the times.
    pub fn validate(&self) -> Result<ValidProperties, SecretsError> {
        if let Some(content_type) = &self.content_type
            && (content_type.is_empty() || content_type.chars().count() > MAX_CONTENT_TYPE)
        {
            return Err(SecretsError::InvalidOption {
                field: "content_type",
                reason: format!("give 1 to {MAX_CONTENT_TYPE} characters"),
            });
        }
        if self.tags.len() > MAX_TAGS {
            return Err(SecretsError::InvalidOption {
                field: "tags",
                reason: format!(
                    "{} tags given; at most {MAX_TAGS} are allowed",
                    self.tags.len()
                ),
            });
        }
        for (name, value) in &self.tags {
            if name.is_empty() || name.chars().count() > MAX_TAG_NAME {
                return Err(SecretsError::InvalidOption {
                    field: "tags",
                    reason: format!("tag name `{name}` must have 1 to {MAX_TAG_NAME} characters"),
                });
            }
            if value.chars().count() > MAX_TAG_VALUE {
                return Err(SecretsError::InvalidOption {
                    field: "tags",
                    reason: format!(
                        "the value of tag `{name}` is longer than {MAX_TAG_VALUE} characters"
                    ),
                });
            }
        }
        let expires = parse_time("expires", self.expires.as_deref())?;
        let not_before = parse_time("not_before", self.not_before.as_deref())?;
        if let (Some(expires), Some(not_before)) = (expires, not_before)
            && not_before >= expires
        {
            return Err(SecretsError::InvalidOption {
                field: "not_before",
                reason: "must be earlier than `expires`".to_owned(),
            });
        }
        Ok(ValidProperties {
            content_type: self.content_type.clone(),
            tags: self.tags.clone(),
            enabled: self.enabled.unwrap_or(true),
            expires,
            not_before,
        })
    }
}

fn parse_time(
    field: &'static str,
    text: Option<&str>,
) -> Result<Option<OffsetDateTime>, SecretsError> {
    text.map(|text| {
        OffsetDateTime::parse(text, &Rfc3339).map_err(|error| SecretsError::InvalidOption {
            field,
            reason: format!(
                "`{text}` is not an RFC 3339 time such as 2027-01-31T00:00:00Z ({error})"
            ),
        })
    })
    .transpose()
}

/// Format a time as RFC 3339 (UTC as `Z`).
pub(crate) fn format_time(time: OffsetDateTime) -> String {
    time.format(&Rfc3339)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        let valid = SecretProperties {
            content_type: Some("text/plain".to_owned()),
            tags: BTreeMap::from([("env".to_owned(), "prod".to_owned())]),
            enabled: None,
            expires: Some("2030-01-01T00:00:00Z".to_owned()),
            not_before: Some("2029-01-01T00:00:00+01:00".to_owned()),
        }
        .validate()
        .expect("valid");
        assert!(valid.enabled);
        assert_eq!(valid.expires.map(|t| t.year()), Some(2030));

        let error = SecretProperties {
            expires: Some("tomorrow".to_owned()),
            ..SecretProperties::default()
        }
        .validate()
        .expect_err("bad time");
        assert!(error.to_string().contains("RFC 3339"), "{error}");

        let error = SecretProperties {
            expires: Some("2030-01-01T00:00:00Z".to_owned()),
            not_before: Some("2031-01-01T00:00:00Z".to_owned()),
            ..SecretProperties::default()
        }
        .validate()
        .expect_err("order");
        assert!(error.to_string().contains("earlier"), "{error}");

        let tags = (0..16).map(|i| (format!("t{i}"), String::new())).collect();
        let error = SecretProperties {
            tags,
            ..SecretProperties::default()
        }
        .validate()
        .expect_err("too many tags");
        assert!(error.to_string().contains("at most 15"), "{error}");
        assert!(SecretProperties::default().is_empty());
    }
}
