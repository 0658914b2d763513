//! Azure resource naming rules (length, characters, first and last character, global
//! uniqueness) per resource type, and a character-set type used to reason about names
//! that are only partly known before deployment (`'kv${uniqueString(...)}'`).
//!
//! The bicep-types data carries patterns for only a few types, so the rules come from
//! Microsoft's "Naming rules and restrictions for Azure resources" page; the generator
//! builds names within them and the validator checks user names against them.

use std::fmt;

/// A set of characters: a bit per ASCII character plus one flag for "any non-ASCII".
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct CharSet {
    ascii: u128,
    non_ascii: bool,
}

impl fmt::Debug for CharSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars: String = (0u8..128)
            .filter(|b| self.ascii & (1u128 << b) != 0)
            .map(char::from)
            .collect();
        write!(
            f,
            "CharSet({chars:?}{})",
            if self.non_ascii { " + non-ASCII" } else { "" }
        )
    }
}

impl CharSet {
    /// The empty set.
    pub const EMPTY: Self = Self {
        ascii: 0,
        non_ascii: false,
    };
    /// `a-z`.
    pub const LOWER: Self = Self::range(b'a', b'z');
    /// `A-Z`.
    pub const UPPER: Self = Self::range(b'A', b'Z');
    /// `0-9`.
    pub const DIGITS: Self = Self::range(b'0', b'9');
    /// Letters of either case.
    pub const LETTERS: Self = Self::LOWER.union(Self::UPPER);
    /// Letters and digits.
    pub const ALNUM: Self = Self::LETTERS.union(Self::DIGITS);
    /// Lower-case letters and digits: what `uniqueString()` returns.
    pub const LOWER_ALNUM: Self = Self::LOWER.union(Self::DIGITS);
    /// Hexadecimal digits in lower case and `-`: what `guid()` returns.
    pub const GUID: Self = Self::DIGITS
        .union(Self::range(b'a', b'f'))
        .union(Self::one(b'-'));
    /// Printable ASCII and every non-ASCII character.
    pub const PRINTABLE: Self = Self {
        ascii: Self::range(b' ', b'~').ascii,
        non_ascii: true,
    };

    /// The characters `from..=to` (ASCII).
    #[must_use]
    pub const fn range(from: u8, to: u8) -> Self {
        let mut ascii = 0u128;
        let mut b = from;
        while b <= to && b < 128 {
            ascii |= 1u128 << b;
            b += 1;
        }
        Self {
            ascii,
            non_ascii: false,
        }
    }

    /// A single ASCII character.
    #[must_use]
    pub const fn one(b: u8) -> Self {
        Self::range(b, b)
    }

    /// Every character of an ASCII string.
    #[must_use]
    pub const fn of(chars: &str) -> Self {
        let bytes = chars.as_bytes();
        let mut ascii = 0u128;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] < 128 {
                ascii |= 1u128 << bytes[i];
            }
            i += 1;
        }
        Self {
            ascii,
            non_ascii: false,
        }
    }

    /// Set union.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self {
            ascii: self.ascii | other.ascii,
            non_ascii: self.non_ascii || other.non_ascii,
        }
    }

    /// Set difference.
    #[must_use]
    pub const fn minus(self, other: Self) -> Self {
        Self {
            ascii: self.ascii & !other.ascii,
            non_ascii: self.non_ascii && !other.non_ascii,
        }
    }

    /// The set of characters of `s` (any non-ASCII character sets the non-ASCII flag).
    #[must_use]
    pub fn from_str_chars(s: &str) -> Self {
        let mut set = Self::EMPTY;
        for c in s.chars() {
            set.insert(c);
        }
        set
    }

    /// Adds one character.
    pub fn insert(&mut self, c: char) {
        if c.is_ascii() {
            self.ascii |= 1u128 << (c as u32);
        } else {
            self.non_ascii = true;
        }
    }

    /// Whether `c` is in the set.
    #[must_use]
    pub fn contains(self, c: char) -> bool {
        if c.is_ascii() {
            self.ascii & (1u128 << (c as u32)) != 0
        } else {
            self.non_ascii
        }
    }

    /// Whether every character of `self` is in `other`.
    #[must_use]
    pub fn is_subset_of(self, other: Self) -> bool {
        self.ascii & !other.ascii == 0 && (!self.non_ascii || other.non_ascii)
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.ascii == 0 && !self.non_ascii
    }

    /// The same set with ASCII letters lower-cased (`toLower()`).
    #[must_use]
    pub fn to_lower(self) -> Self {
        let upper = self.ascii & Self::UPPER.ascii;
        Self {
            ascii: (self.ascii & !Self::UPPER.ascii) | (upper << 32),
            non_ascii: self.non_ascii,
        }
    }

    /// The same set with ASCII letters upper-cased (`toUpper()`).
    #[must_use]
    pub fn to_upper(self) -> Self {
        let lower = self.ascii & Self::LOWER.ascii;
        Self {
            ascii: (self.ascii & !Self::LOWER.ascii) | (lower >> 32),
            non_ascii: self.non_ascii,
        }
    }

    /// The characters of `self` that are not in `allowed`, for messages (ASCII only).
    #[must_use]
    pub fn outside(self, allowed: Self) -> Vec<char> {
        let mut out: Vec<char> = (0u8..128)
            .filter(|b| self.ascii & !allowed.ascii & (1u128 << b) != 0)
            .map(char::from)
            .collect();
        if self.non_ascii && !allowed.non_ascii {
            out.push('…');
        }
        out
    }
}

/// The naming rule of one resource type.
#[derive(Debug, Clone, Copy)]
pub struct NameRule {
    /// Resource type, e.g. `Microsoft.KeyVault/vaults`.
    pub resource_type: &'static str,
    /// Shortest allowed name.
    pub min: usize,
    /// Longest allowed name.
    pub max: usize,
    /// Characters allowed anywhere.
    pub chars: CharSet,
    /// Characters allowed as the first character.
    pub first: CharSet,
    /// Characters allowed as the last character.
    pub last: CharSet,
    /// Whether `--` is forbidden.
    pub no_double_hyphen: bool,
    /// Whether the name must be unique across Azure (it becomes a DNS name).
    pub globally_unique: bool,
    /// The rule in words, for messages and docs.
    pub description: &'static str,
}

const HYPHEN: CharSet = CharSet::one(b'-');
const ALNUM_HYPHEN: CharSet = CharSet::ALNUM.union(HYPHEN);
const LOWER_ALNUM_HYPHEN: CharSet = CharSet::LOWER_ALNUM.union(HYPHEN);
const NET_CHARS: CharSet = CharSet::ALNUM.union(CharSet::of("_.-"));
const NET_LAST: CharSet = CharSet::ALNUM.union(CharSet::one(b'_'));
const WORD_HYPHEN: CharSet = CharSet::ALNUM.union(CharSet::of("_-"));
/// Printable characters without the ones Azure Monitor names forbid, plus the rule that
/// the name cannot end in a space or a period.
const fn printable_without(forbidden: &str) -> CharSet {
    CharSet::PRINTABLE.minus(CharSet::of(forbidden))
}
const fn no_trailing_space_or_period(chars: CharSet) -> CharSet {
    chars.minus(CharSet::of(" ."))
}

macro_rules! rule {
    ($ty:expr, $min:expr, $max:expr, $chars:expr, $first:expr, $last:expr, $dh:expr, $global:expr, $desc:expr) => {
        NameRule {
            resource_type: $ty,
            min: $min,
            max: $max,
            chars: $chars,
            first: $first,
            last: $last,
            no_double_hyphen: $dh,
            globally_unique: $global,
            description: $desc,
        }
    };
}

const INSIGHTS_COMPONENTS: CharSet = printable_without("%&\\?/");
const ACTION_GROUPS: CharSet = printable_without(":<>+/&%\\?|");
const METRIC_ALERTS: CharSet = printable_without("*#&+:<>?@%{}\\/|");
const QUERY_RULES: CharSet = printable_without("*<>%{}&:\\?/#|");
const AUTOSCALE: CharSet = printable_without("<>%&#?/\\");
const DIAGNOSTICS: CharSet = printable_without("*<>%&:\\?+/");

/// Naming rules, by resource type.
pub const NAME_RULES: &[NameRule] = &[
    rule!(
        "Microsoft.Web/sites",
        2,
        60,
        ALNUM_HYPHEN,
        CharSet::ALNUM,
        CharSet::ALNUM,
        false,
        true,
        "2-60 characters: letters, digits and hyphens; cannot start or end with a hyphen; unique across Azure"
    ),
    rule!(
        "Microsoft.Web/sites/slots",
        2,
        59,
        ALNUM_HYPHEN,
        CharSet::ALNUM,
        CharSet::ALNUM,
        false,
        false,
        "2-59 characters: letters, digits and hyphens; cannot start or end with a hyphen"
    ),
    rule!(
        "Microsoft.Web/serverfarms",
        1,
        60,
        ALNUM_HYPHEN,
        ALNUM_HYPHEN,
        ALNUM_HYPHEN,
        false,
        false,
        "1-60 characters: letters, digits and hyphens"
    ),
    rule!(
        "Microsoft.KeyVault/vaults",
        3,
        24,
        ALNUM_HYPHEN,
        CharSet::LETTERS,
        CharSet::ALNUM,
        true,
        true,
        "3-24 characters: letters, digits and hyphens; starts with a letter, ends with a letter or digit, no consecutive hyphens; unique across Azure"
    ),
    rule!(
        "Microsoft.KeyVault/vaults/secrets",
        1,
        127,
        ALNUM_HYPHEN,
        ALNUM_HYPHEN,
        ALNUM_HYPHEN,
        false,
        false,
        "1-127 characters: letters, digits and hyphens"
    ),
    rule!(
        "Microsoft.DBforPostgreSQL/flexibleServers",
        3,
        63,
        LOWER_ALNUM_HYPHEN,
        CharSet::LOWER_ALNUM,
        CharSet::LOWER_ALNUM,
        false,
        true,
        "3-63 characters: lower-case letters, digits and hyphens; cannot start or end with a hyphen; unique across Azure"
    ),
    rule!(
        "Microsoft.DBforPostgreSQL/flexibleServers/databases",
        1,
        63,
        WORD_HYPHEN,
        CharSet::LETTERS.union(CharSet::one(b'_')),
        WORD_HYPHEN,
        false,
        false,
        "1-63 characters: letters, digits, underscores and hyphens; starts with a letter or underscore"
    ),
    rule!(
        "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
        1,
        80,
        WORD_HYPHEN,
        CharSet::ALNUM,
        CharSet::ALNUM.union(CharSet::one(b'_')),
        false,
        false,
        "1-80 characters: letters, digits, underscores and hyphens; starts with a letter or digit, cannot end with a hyphen"
    ),
    rule!(
        "Microsoft.DBforPostgreSQL/flexibleServers/configurations",
        1,
        256,
        WORD_HYPHEN.union(CharSet::one(b'.')),
        WORD_HYPHEN.union(CharSet::one(b'.')),
        WORD_HYPHEN.union(CharSet::one(b'.')),
        false,
        false,
        "1-256 characters: letters, digits, underscores, periods and hyphens"
    ),
    rule!(
        "Microsoft.Insights/components",
        1,
        260,
        INSIGHTS_COMPONENTS,
        INSIGHTS_COMPONENTS,
        no_trailing_space_or_period(INSIGHTS_COMPONENTS),
        false,
        false,
        "1-260 characters; cannot use % & \\ ? / or control characters; cannot end with a space or period"
    ),
    rule!(
        "Microsoft.Insights/actionGroups",
        1,
        260,
        ACTION_GROUPS,
        ACTION_GROUPS,
        no_trailing_space_or_period(ACTION_GROUPS),
        false,
        false,
        "1-260 characters; cannot use : < > + / & % \\ ? | or control characters; cannot end with a space or period"
    ),
    rule!(
        "Microsoft.Insights/metricAlerts",
        1,
        260,
        METRIC_ALERTS,
        METRIC_ALERTS,
        no_trailing_space_or_period(METRIC_ALERTS),
        false,
        false,
        "1-260 characters; cannot use * # & + : < > ? @ % { } \\ / | or control characters; cannot end with a space or period"
    ),
    rule!(
        "Microsoft.Insights/scheduledQueryRules",
        1,
        260,
        QUERY_RULES,
        QUERY_RULES,
        no_trailing_space_or_period(QUERY_RULES),
        false,
        false,
        "1-260 characters; cannot use * < > % { } & : \\ ? / # | or control characters; cannot end with a space or period"
    ),
    rule!(
        "Microsoft.Insights/autoscalesettings",
        1,
        260,
        AUTOSCALE,
        AUTOSCALE,
        no_trailing_space_or_period(AUTOSCALE),
        false,
        false,
        "1-260 characters; cannot use < > % & # ? / \\ or control characters; cannot end with a space or period"
    ),
    rule!(
        "Microsoft.Insights/diagnosticSettings",
        1,
        260,
        DIAGNOSTICS,
        DIAGNOSTICS,
        DIAGNOSTICS,
        false,
        false,
        "1-260 characters; cannot use * < > % & : \\ ? + / or control characters"
    ),
    rule!(
        "Microsoft.OperationalInsights/workspaces",
        4,
        63,
        ALNUM_HYPHEN,
        CharSet::ALNUM,
        CharSet::ALNUM,
        false,
        false,
        "4-63 characters: letters, digits and hyphens; starts and ends with a letter or digit"
    ),
    rule!(
        "Microsoft.Network/virtualNetworks",
        2,
        64,
        NET_CHARS,
        CharSet::ALNUM,
        NET_LAST,
        false,
        false,
        "2-64 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit, ends with a letter, digit or underscore"
    ),
    rule!(
        "Microsoft.Network/virtualNetworks/subnets",
        1,
        80,
        NET_CHARS,
        CharSet::ALNUM,
        NET_LAST,
        false,
        false,
        "1-80 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit, ends with a letter, digit or underscore"
    ),
    rule!(
        "Microsoft.Network/networkSecurityGroups",
        1,
        80,
        NET_CHARS,
        CharSet::ALNUM,
        NET_LAST,
        false,
        false,
        "1-80 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit, ends with a letter, digit or underscore"
    ),
    rule!(
        "Microsoft.Network/privateEndpoints",
        2,
        64,
        NET_CHARS,
        CharSet::ALNUM,
        NET_LAST,
        false,
        false,
        "2-64 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit, ends with a letter, digit or underscore"
    ),
    rule!(
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        1,
        80,
        NET_CHARS,
        CharSet::ALNUM,
        NET_LAST,
        false,
        false,
        "1-80 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit, ends with a letter, digit or underscore"
    ),
    rule!(
        "Microsoft.Network/privateDnsZones",
        1,
        253,
        ALNUM_HYPHEN.union(CharSet::one(b'.')),
        CharSet::ALNUM,
        CharSet::ALNUM,
        false,
        false,
        "a DNS name of 1-253 characters: letters, digits, hyphens and periods; starts and ends with a letter or digit"
    ),
    rule!(
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        1,
        80,
        NET_CHARS,
        CharSet::ALNUM,
        NET_LAST,
        false,
        false,
        "1-80 characters: letters, digits, underscores, periods and hyphens; starts with a letter or digit, ends with a letter, digit or underscore"
    ),
    rule!(
        "Microsoft.Authorization/roleAssignments",
        36,
        36,
        CharSet::GUID.union(CharSet::range(b'A', b'F')),
        CharSet::GUID.union(CharSet::range(b'A', b'F')),
        CharSet::GUID.union(CharSet::range(b'A', b'F')),
        false,
        false,
        "a GUID (36 characters), e.g. guid(scope, principalId, roleDefinitionId)"
    ),
    rule!(
        "Microsoft.Consumption/budgets",
        1,
        63,
        WORD_HYPHEN,
        WORD_HYPHEN,
        WORD_HYPHEN,
        false,
        false,
        "1-63 characters: letters, digits, underscores and hyphens"
    ),
    rule!(
        "Microsoft.App/containerApps",
        2,
        32,
        LOWER_ALNUM_HYPHEN,
        CharSet::LOWER,
        CharSet::LOWER_ALNUM,
        true,
        false,
        "2-32 characters: lower-case letters, digits and hyphens; starts with a letter, ends with a letter or digit, no consecutive hyphens"
    ),
    rule!(
        "Microsoft.App/managedEnvironments",
        2,
        60,
        ALNUM_HYPHEN,
        CharSet::LETTERS,
        CharSet::ALNUM,
        false,
        false,
        "2-60 characters: letters, digits and hyphens; starts with a letter, ends with a letter or digit"
    ),
    rule!(
        "Microsoft.ContainerRegistry/registries",
        5,
        50,
        CharSet::ALNUM,
        CharSet::ALNUM,
        CharSet::ALNUM,
        false,
        true,
        "5-50 characters: letters and digits only; unique across Azure"
    ),
    rule!(
        "Microsoft.Storage/storageAccounts",
        3,
        24,
        CharSet::LOWER_ALNUM,
        CharSet::LOWER_ALNUM,
        CharSet::LOWER_ALNUM,
        false,
        true,
        "3-24 characters: lower-case letters and digits only; unique across Azure"
    ),
    rule!(
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        3,
        63,
        LOWER_ALNUM_HYPHEN,
        CharSet::LOWER_ALNUM,
        CharSet::LOWER_ALNUM,
        true,
        false,
        "3-63 characters: lower-case letters, digits and hyphens; starts and ends with a letter or digit, no consecutive hyphens"
    ),
];

/// The naming rule for a resource type (case-insensitive), if one is recorded.
#[must_use]
pub fn rule_for(resource_type: &str) -> Option<&'static NameRule> {
    NAME_RULES
        .iter()
        .find(|r| r.resource_type.eq_ignore_ascii_case(resource_type))
}

/// Checks a fully known name against a rule; returns what is wrong, if anything.
#[must_use]
pub fn check_literal(rule: &NameRule, name: &str) -> Option<String> {
    let len = name.chars().count();
    if len < rule.min || len > rule.max {
        return Some(format!(
            "is {len} characters long; {} needs {}",
            rule.resource_type, rule.description
        ));
    }
    let bad = CharSet::from_str_chars(name).outside(rule.chars);
    if !bad.is_empty() {
        return Some(format!(
            "contains {}; {} needs {}",
            quote_chars(&bad),
            rule.resource_type,
            rule.description
        ));
    }
    if let Some(first) = name.chars().next()
        && !rule.first.contains(first)
    {
        return Some(format!(
            "starts with '{first}'; {} needs {}",
            rule.resource_type, rule.description
        ));
    }
    if let Some(last) = name.chars().last()
        && !rule.last.contains(last)
    {
        return Some(format!(
            "ends with '{last}'; {} needs {}",
            rule.resource_type, rule.description
        ));
    }
    if rule.no_double_hyphen && name.contains("--") {
        return Some(format!(
            "contains '--'; {} needs {}",
            rule.resource_type, rule.description
        ));
    }
    None
}

/// Formats characters for a message: `'_', ' '`.
#[must_use]
pub fn quote_chars(chars: &[char]) -> String {
    let mut parts = Vec::new();
    let mut rest: Vec<char> = chars.to_vec();
    for (from, to, name) in [
        ('A', 'Z', "upper-case letters"),
        ('a', 'z', "lower-case letters"),
        ('0', '9', "digits"),
    ] {
        if (from..=to).all(|c| rest.contains(&c)) {
            rest.retain(|c| !(from..=to).contains(c));
            parts.push(name.to_owned());
        }
    }
    parts.extend(rest.iter().map(|c| {
        if *c == '…' {
            "non-ASCII characters".to_owned()
        } else {
            format!("'{c}'")
        }
    }));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_vault_rule_rejects_what_azure_rejects() {
        let kv = rule_for("microsoft.keyvault/VAULTS").expect("rule");
        assert!(check_literal(kv, "kv-app-1").is_none());
        assert!(
            check_literal(kv, "1kv").is_some(),
            "must start with a letter"
        );
        assert!(check_literal(kv, "kv--app").is_some(), "no double hyphen");
        assert!(check_literal(kv, "kv-app-").is_some(), "no trailing hyphen");
        assert!(check_literal(kv, "kv_app").is_some(), "no underscore");
        assert!(
            check_literal(kv, "kvabcdefghijklmnopqrstuvwxyz").is_some(),
            "too long"
        );
    }

    #[test]
    fn charset_operations() {
        assert!(CharSet::LOWER_ALNUM.is_subset_of(CharSet::ALNUM));
        assert!(!CharSet::ALNUM.is_subset_of(CharSet::LOWER_ALNUM));
        assert_eq!(CharSet::UPPER.to_lower(), CharSet::LOWER);
        assert_eq!(CharSet::LOWER.to_upper(), CharSet::UPPER);
        assert!(INSIGHTS_COMPONENTS.contains('é'));
        assert!(!INSIGHTS_COMPONENTS.contains('%'));
        assert_eq!(
            CharSet::from_str_chars("a_b").outside(CharSet::LOWER),
            vec!['_']
        );
    }

    #[test]
    fn rules_are_unique_per_type() {
        for (i, a) in NAME_RULES.iter().enumerate() {
            for b in &NAME_RULES[i + 1..] {
                assert!(
                    !a.resource_type.eq_ignore_ascii_case(b.resource_type),
                    "{}",
                    a.resource_type
                );
            }
            assert!(a.min <= a.max);
        }
    }
}
