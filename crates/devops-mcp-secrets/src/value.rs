//! The one type that holds a secret value.
//!
//! A [`SecretValue`] prints as `***` through `Debug` and `Display`, wipes its
//! memory when dropped and has no `Serialize` implementation, so a value cannot
//! reach a log line, an error message or a serialized tool result by accident:
//! code that needs the characters must call [`SecretValue::expose`], which is
//! easy to find in review.

use std::fmt;

use zeroize::Zeroizing;

/// What `Debug` and `Display` print instead of a value.
pub const MASK: &str = "***";

/// A secret value: never printed, never serialized, zeroized on drop.
#[derive(Clone, Default)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    /// Wrap `value`, taking ownership of its buffer so no unwiped copy stays behind.
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// Wrap bytes that must be UTF-8 text (every store keeps text values).
    ///
    /// On failure the bytes are wiped and `None` is returned; the caller
    /// names the source in its own error, the bytes themselves are never shown.
    pub fn from_utf8(bytes: Vec<u8>) -> Option<Self> {
        match String::from_utf8(bytes) {
            Ok(text) => Some(Self::new(text)),
            Err(error) => {
                // Dropping a Zeroizing wipes the rejected bytes.
                drop(Zeroizing::new(error.into_bytes()));
                None
            }
        }
    }

    /// The characters of the value. Call only where the value goes to its
    /// destination (an encryptor, a store request), never into text for people.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes; safe to report (a length is not the value).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// Deserializing is allowed: a literal `value` source arrives in tool input.
/// The deserializer's own scratch buffers are outside our control.
impl<'de> serde::Deserialize<'de> for SecretValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

impl schemars::JsonSchema for SecretValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SecretValue".into()
    }

    fn json_schema(_generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "writeOnly": true,
            "description": "A secret value. It passes through the model, so prefer any other source."
        })
    }
}

/// Replace every occurrence of `value` in `text` with the mask.
///
/// Used on messages that come back from a remote service before they are put
/// into an error: a service should never echo a value, this makes sure.
pub(crate) fn scrub(text: &str, value: &SecretValue) -> String {
    if value.is_empty() {
        return text.to_owned();
    }
    text.replace(value.expose(), MASK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask_the_value() {
        let value = SecretValue::new("canary-3f9a".to_owned());
        assert_eq!(format!("{value:?}"), "***");
        assert_eq!(format!("{value}"), "***");
        assert_eq!(format!("{:?}", Some(&value)), "Some(***)");
        assert_eq!(value.expose(), "canary-3f9a");
        assert_eq!(value.len(), 11);
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert!(SecretValue::from_utf8(vec![0xff, 0xfe]).is_none());
        let ok = SecretValue::from_utf8(b"abc".to_vec());
        assert_eq!(ok.map(|v| v.expose().to_owned()), Some("abc".to_owned()));
    }

    #[test]
    fn scrub_masks_echoed_values() {
        let value = SecretValue::new("s3cr3t".to_owned());
        assert_eq!(scrub("bad value s3cr3t here", &value), "bad value *** here");
        assert_eq!(
            scrub("nothing", &SecretValue::new(String::new())),
            "nothing"
        );
    }

    #[test]
    fn deserializes_from_a_json_string() {
        let value: SecretValue = serde_json::from_str("\"abc\"").expect("parse");
        assert_eq!(value.expose(), "abc");
    }
}
