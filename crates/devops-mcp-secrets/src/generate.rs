//! The `generate` source: new random values from the operating system's CSPRNG.
//!
//! Characters are drawn by rejection sampling, so every character of the set
//! is exactly equally likely (a plain `byte % n` would favour the first ones).
//! Random bytes and partial outputs live in zeroizing buffers.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::SecretsError;
use crate::value::SecretValue;

/// Django's `get_random_secret_key` alphabet (django.core.management.utils).
pub const DJANGO_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)";

/// Symbols used by the `alphanumeric-symbols` charset: none of them needs
/// quoting in shells, `.env` files, YAML or connection strings
/// (no quotes, backslash, backtick, `$`, spaces, brackets, `;` or `|`).
pub const PASSWORD_SYMBOLS: &str = "!#%&*+-.:=?@^_~";

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";

/// The kind of value to generate.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum GenerateFormat {
    /// Random characters from `charset` (default); `length` characters, default 32.
    #[default]
    Password,
    /// Lowercase hexadecimal; `length` characters, default 64 (256 bits).
    Hex,
    /// Standard base64 with padding of `length` random bytes, default 32.
    Base64,
    /// A random (version 4) UUID; `length` is not accepted.
    Uuid,
    /// A Django `SECRET_KEY`: `length` characters (default and minimum 50) from Django's own alphabet.
    DjangoSecretKey,
    /// An HS256 JWT signing key: base64url without padding of `length` random bytes (default and minimum 32, i.e. 256 bits).
    JwtHs256Key,
}

impl GenerateFormat {
    /// The name used in tool input.
    pub fn as_str(self) -> &'static str {
        match self {
            GenerateFormat::Password => "password",
            GenerateFormat::Hex => "hex",
            GenerateFormat::Base64 => "base64",
            GenerateFormat::Uuid => "uuid",
            GenerateFormat::DjangoSecretKey => "django-secret-key",
            GenerateFormat::JwtHs256Key => "jwt-hs256-key",
        }
    }

    /// (default, minimum, maximum) for `length`, or `None` where it does not apply.
    fn length_bounds(self) -> Option<(u32, u32, u32)> {
        match self {
            GenerateFormat::Password => Some((32, 8, 4096)),
            GenerateFormat::Hex => Some((64, 16, 4096)),
            GenerateFormat::Base64 => Some((32, 16, 3072)),
            GenerateFormat::Uuid => None,
            GenerateFormat::DjangoSecretKey => Some((50, 50, 4096)),
            GenerateFormat::JwtHs256Key => Some((32, 32, 1024)),
        }
    }
}

/// Named character sets for the `password` format.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    /// Letters, digits and the symbols `!#%&*+-.:=?@^_~` (default); at least one of each kind.
    #[default]
    AlphanumericSymbols,
    /// Letters and digits; at least one lowercase, one uppercase and one digit.
    Alphanumeric,
    /// Lowercase letters and digits.
    LowerAlphanumeric,
    /// Letters only.
    Letters,
    /// Digits only (a PIN).
    Digits,
    /// Letters, digits, `-` and `_` (safe in URLs and file names).
    UrlSafe,
}

impl Charset {
    /// The character classes of the set; a generated password holds at least
    /// one character of each class (when it is long enough).
    fn classes(self) -> Vec<&'static str> {
        match self {
            Charset::AlphanumericSymbols => vec![LOWER, UPPER, DIGITS, PASSWORD_SYMBOLS],
            Charset::Alphanumeric => vec![LOWER, UPPER, DIGITS],
            Charset::LowerAlphanumeric => vec![LOWER, DIGITS],
            Charset::Letters => vec![LOWER, UPPER],
            Charset::Digits => vec![DIGITS],
            Charset::UrlSafe => vec![LOWER, UPPER, DIGITS, "-_"],
        }
    }
}

/// How to generate a value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    /// What to generate: `password` (default), `hex`, `base64`, `uuid`, `django-secret-key` or `jwt-hs256-key`.
    #[serde(default)]
    pub format: GenerateFormat,
    /// Size of the value. Characters for `password` (default 32, 8 to 4096), `hex` (default 64, 16 to 4096)
    /// and `django-secret-key` (default 50, 50 to 4096); random bytes for `base64` (default 32, 16 to 3072)
    /// and `jwt-hs256-key` (default 32, 32 to 1024). Not accepted for `uuid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Character set for `password` only: `alphanumeric-symbols` (default), `alphanumeric`,
    /// `lower-alphanumeric`, `letters`, `digits` or `url-safe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<Charset>,
    /// Exact characters to draw from, for `password` only (2 to 256 distinct printable ASCII
    /// characters); replaces `charset`. Omit to use `charset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_charset: Option<String>,
}

/// Generate a value as `spec` says.
pub fn generate(spec: &GenerateSpec) -> Result<SecretValue, SecretsError> {
    let format = spec.format;
    if format != GenerateFormat::Password
        && (spec.charset.is_some() || spec.custom_charset.is_some())
    {
        return Err(SecretsError::InvalidOption {
            field: "charset",
            reason: format!(
                "`charset` and `custom_charset` apply to the `password` format only, not `{}`",
                format.as_str()
            ),
        });
    }
    let length = match (format.length_bounds(), spec.length) {
        (None, None) => 0,
        (None, Some(_)) => {
            return Err(SecretsError::InvalidOption {
                field: "length",
                reason: format!("`{}` has a fixed length; omit `length`", format.as_str()),
            });
        }
        (Some((default, _, _)), None) => default,
        (Some((_, min, max)), Some(length)) if (min..=max).contains(&length) => length,
        (Some((_, min, max)), Some(length)) => {
            return Err(SecretsError::InvalidOption {
                field: "length",
                reason: format!(
                    "{length} is out of range for `{}`: use {min} to {max}",
                    format.as_str()
                ),
            });
        }
    };
    let length = length as usize;
    let mut rng = Random::default();
    match format {
        GenerateFormat::Password => {
            if spec.charset.is_some() && spec.custom_charset.is_some() {
                return Err(SecretsError::InvalidOption {
                    field: "custom_charset",
                    reason: "give either `charset` or `custom_charset`, not both".to_owned(),
                });
            }
            match &spec.custom_charset {
                Some(custom) => {
                    let alphabet = custom_alphabet(custom)?;
                    let alphabet: Vec<&str> = vec![alphabet.as_str()];
                    password(&mut rng, &alphabet, length, false)
                }
                None => {
                    let classes = spec.charset.unwrap_or_default().classes();
                    password(&mut rng, &classes, length, true)
                }
            }
        }
        GenerateFormat::Hex => password(&mut rng, &["0123456789abcdef"], length, false),
        GenerateFormat::DjangoSecretKey => password(&mut rng, &[DJANGO_ALPHABET], length, false),
        GenerateFormat::Base64 => {
            let bytes = rng.bytes(length)?;
            Ok(SecretValue::new(
                base64::engine::general_purpose::STANDARD.encode(bytes.as_slice()),
            ))
        }
        GenerateFormat::JwtHs256Key => {
            let bytes = rng.bytes(length)?;
            Ok(SecretValue::new(
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_slice()),
            ))
        }
        GenerateFormat::Uuid => {
            let bytes = rng.bytes(16)?;
            let mut raw = [0u8; 16];
            raw.copy_from_slice(&bytes);
            let id = uuid::Builder::from_random_bytes(raw).into_uuid();
            raw.fill(0);
            Ok(SecretValue::new(id.hyphenated().to_string()))
        }
    }
}

/// Validate and deduplicate a caller-given alphabet.
fn custom_alphabet(custom: &str) -> Result<String, SecretsError> {
    let mut alphabet = String::new();
    for c in custom.chars() {
        if !c.is_ascii_graphic() {
            return Err(SecretsError::InvalidOption {
                field: "custom_charset",
                reason: "use printable ASCII characters only (no spaces or control characters)"
                    .to_owned(),
            });
        }
        if !alphabet.contains(c) {
            alphabet.push(c);
        }
    }
    if !(2..=256).contains(&alphabet.len()) {
        return Err(SecretsError::InvalidOption {
            field: "custom_charset",
            reason: format!("{} distinct characters given; use 2 to 256", alphabet.len()),
        });
    }
    Ok(alphabet)
}

/// `length` characters drawn uniformly from the union of `classes`; with
/// `every_class`, draws are repeated until each class appears (which keeps
/// the result uniform over the passwords that satisfy the rule).
fn password(
    rng: &mut Random,
    classes: &[&str],
    length: usize,
    every_class: bool,
) -> Result<SecretValue, SecretsError> {
    let alphabet: Vec<char> = classes.iter().flat_map(|class| class.chars()).collect();
    let enforce = every_class && classes.len() > 1 && length >= classes.len();
    // 1000 draws of a valid length fail all classes with negligible probability
    // (worst case: 8 characters over 4 classes succeeds more than a third of the time).
    for _ in 0..1000 {
        let mut out = Zeroizing::new(String::with_capacity(length));
        for _ in 0..length {
            let index = rng.below(alphabet.len())?;
            out.push(alphabet[index]);
        }
        if !enforce
            || classes
                .iter()
                .all(|class| out.chars().any(|c| class.contains(c)))
        {
            return Ok(SecretValue::new(std::mem::take(&mut *out)));
        }
    }
    Err(SecretsError::Random {
        reason: "could not draw a password holding every character class".to_owned(),
    })
}

/// A buffered reader of OS randomness.
#[derive(Default)]
struct Random {
    buffer: Zeroizing<Vec<u8>>,
    used: usize,
}

impl Random {
    fn fill(target: &mut [u8]) -> Result<(), SecretsError> {
        getrandom::fill(target).map_err(|error| SecretsError::Random {
            reason: error.to_string(),
        })
    }

    fn bytes(&mut self, count: usize) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        let mut out = Zeroizing::new(vec![0u8; count]);
        Self::fill(&mut out)?;
        Ok(out)
    }

    fn next_u32(&mut self) -> Result<u32, SecretsError> {
        if self.used + 4 > self.buffer.len() {
            self.buffer = Zeroizing::new(vec![0u8; 1024]);
            Self::fill(&mut self.buffer)?;
            self.used = 0;
        }
        let mut word = [0u8; 4];
        word.copy_from_slice(&self.buffer[self.used..self.used + 4]);
        self.buffer[self.used..self.used + 4].fill(0);
        self.used += 4;
        Ok(u32::from_le_bytes(word))
    }

    /// A uniform index in `0..n` (n >= 1), rejecting the biased top of the range.
    fn below(&mut self, n: usize) -> Result<usize, SecretsError> {
        let n = u64::try_from(n).unwrap_or(u64::MAX).max(1);
        let span = 1u64 << 32;
        let limit = span - span % n;
        loop {
            let word = u64::from(self.next_u32()?);
            if word < limit {
                return usize::try_from(word % n).map_err(|_| SecretsError::Random {
                    reason: "index out of range".to_owned(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(format: GenerateFormat) -> GenerateSpec {
        GenerateSpec {
            format,
            ..GenerateSpec::default()
        }
    }

    #[test]
    fn password_defaults_hold_every_class() {
        for _ in 0..200 {
            let value = generate(&GenerateSpec::default()).expect("generate");
            let text = value.expose();
            assert_eq!(text.chars().count(), 32);
            assert!(text.chars().any(|c| c.is_ascii_lowercase()));
            assert!(text.chars().any(|c| c.is_ascii_uppercase()));
            assert!(text.chars().any(|c| c.is_ascii_digit()));
            assert!(text.chars().any(|c| PASSWORD_SYMBOLS.contains(c)));
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_alphanumeric() || PASSWORD_SYMBOLS.contains(c))
            );
        }
    }

    #[test]
    fn values_differ() {
        let a = generate(&GenerateSpec::default()).expect("a");
        let b = generate(&GenerateSpec::default()).expect("b");
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn custom_charset_is_uniform() {
        let spec = GenerateSpec {
            length: Some(4096),
            custom_charset: Some("abc".to_owned()),
            ..GenerateSpec::default()
        };
        let mut counts = [0usize; 3];
        for _ in 0..10 {
            let value = generate(&spec).expect("generate");
            for c in value.expose().chars() {
                counts[(c as u8 - b'a') as usize] += 1;
            }
        }
        // 40960 draws, expected 13653 each; 5 sigma is about 480.
        for count in counts {
            assert!((13_100..=14_200).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn hex_base64_uuid_formats() {
        let hex = generate(&spec(GenerateFormat::Hex)).expect("hex");
        assert_eq!(hex.len(), 64);
        assert!(
            hex.expose()
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );

        let b64 = generate(&spec(GenerateFormat::Base64)).expect("base64");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64.expose())
            .expect("valid base64");
        assert_eq!(decoded.len(), 32);

        let id = generate(&spec(GenerateFormat::Uuid)).expect("uuid");
        let parsed = uuid::Uuid::parse_str(id.expose()).expect("uuid parses");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn django_and_jwt_keys() {
        let django = generate(&spec(GenerateFormat::DjangoSecretKey)).expect("django");
        assert_eq!(django.expose().chars().count(), 50);
        assert!(django.expose().chars().all(|c| DJANGO_ALPHABET.contains(c)));
        // Django's check_secret_key wants at least 5 unique characters.
        let mut unique: Vec<char> = django.expose().chars().collect();
        unique.sort_unstable();
        unique.dedup();
        assert!(unique.len() >= 5);

        let jwt = generate(&spec(GenerateFormat::JwtHs256Key)).expect("jwt");
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.expose())
            .expect("base64url");
        assert!(decoded.len() * 8 >= 256);
        assert!(!jwt.expose().contains('='));
    }

    #[test]
    fn bad_options_are_refused_with_the_range() {
        let error = generate(&GenerateSpec {
            length: Some(4),
            ..GenerateSpec::default()
        })
        .expect_err("too short");
        assert!(error.to_string().contains("8 to 4096"), "{error}");

        let error = generate(&GenerateSpec {
            format: GenerateFormat::Uuid,
            length: Some(10),
            ..GenerateSpec::default()
        })
        .expect_err("uuid length");
        assert!(error.to_string().contains("fixed length"), "{error}");

        let error = generate(&GenerateSpec {
            format: GenerateFormat::Hex,
            charset: Some(Charset::Digits),
            ..GenerateSpec::default()
        })
        .expect_err("charset on hex");
        assert_eq!(error.kind(), "invalid_option");

        let error = generate(&GenerateSpec {
            custom_charset: Some("a b".to_owned()),
            ..GenerateSpec::default()
        })
        .expect_err("space");
        assert!(error.to_string().contains("printable"), "{error}");

        let error = generate(&GenerateSpec {
            format: GenerateFormat::JwtHs256Key,
            length: Some(16),
            ..GenerateSpec::default()
        })
        .expect_err("short jwt key");
        assert!(error.to_string().contains("32 to 1024"), "{error}");
    }
}
