//! KQL's scalar types and the rules for combining them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A KQL scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KqlType {
    /// `bool`.
    Bool,
    /// `datetime`: an instant, 100 ns resolution.
    DateTime,
    /// `dynamic`: a JSON-like value (array, property bag or scalar).
    Dynamic,
    /// `guid`.
    Guid,
    /// `int`: 32-bit signed integer.
    Int,
    /// `long`: 64-bit signed integer.
    Long,
    /// `real`: 64-bit float.
    Real,
    /// `string`.
    String,
    /// `timespan`: a duration, 100 ns resolution.
    Timespan,
    /// `decimal`: 128-bit decimal.
    Decimal,
}

impl KqlType {
    /// All types, in the order KQL documents them.
    pub const ALL: [KqlType; 10] = [
        KqlType::Bool,
        KqlType::DateTime,
        KqlType::Dynamic,
        KqlType::Guid,
        KqlType::Int,
        KqlType::Long,
        KqlType::Real,
        KqlType::String,
        KqlType::Timespan,
        KqlType::Decimal,
    ];

    /// The canonical KQL name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            KqlType::Bool => "bool",
            KqlType::DateTime => "datetime",
            KqlType::Dynamic => "dynamic",
            KqlType::Guid => "guid",
            KqlType::Int => "int",
            KqlType::Long => "long",
            KqlType::Real => "real",
            KqlType::String => "string",
            KqlType::Timespan => "timespan",
            KqlType::Decimal => "decimal",
        }
    }

    /// Parses a type name, accepting KQL's aliases (`boolean`, `date`,
    /// `double`, `int64`, `time`, `uniqueid`, storage types such as
    /// `uint`) in any case.
    #[must_use]
    pub fn from_name(name: &str) -> Option<KqlType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "bool" | "boolean" => KqlType::Bool,
            "datetime" | "date" => KqlType::DateTime,
            "dynamic" => KqlType::Dynamic,
            "guid" | "uuid" | "uniqueid" => KqlType::Guid,
            "int" | "int8" | "int16" | "int32" | "uint" | "uint8" | "uint16" | "uint32" => {
                KqlType::Int
            }
            "long" | "int64" | "uint64" | "ulong" => KqlType::Long,
            "real" | "double" | "float" => KqlType::Real,
            "string" => KqlType::String,
            "timespan" | "time" => KqlType::Timespan,
            "decimal" => KqlType::Decimal,
            _ => return None,
        })
    }

    /// `int`, `long`, `real` or `decimal`.
    #[must_use]
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Decimal
        )
    }

    /// Values that `sum`/`avg` accept: numbers and timespans.
    #[must_use]
    pub fn is_summable(self) -> bool {
        self.is_numeric() || self == KqlType::Timespan
    }
}

impl fmt::Display for KqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The wider of two numeric types (`int` < `long` < `decimal` < `real`).
pub(crate) fn promote_numeric(a: KqlType, b: KqlType) -> KqlType {
    let rank = |t: KqlType| match t {
        KqlType::Int => 0,
        KqlType::Long => 1,
        KqlType::Decimal => 2,
        _ => 3,
    };
    if rank(a) >= rank(b) { a } else { b }
}

/// True when values of the two types can be compared with `==`, `<`, ...
/// (numbers with numbers, same types, and `dynamic` with anything).
pub(crate) fn comparable(a: KqlType, b: KqlType) -> bool {
    a == b || a == KqlType::Dynamic || b == KqlType::Dynamic || (a.is_numeric() && b.is_numeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        for t in KqlType::ALL {
            assert_eq!(KqlType::from_name(t.name()), Some(t));
        }
        assert_eq!(KqlType::from_name("double"), Some(KqlType::Real));
        assert_eq!(KqlType::from_name("Int64"), Some(KqlType::Long));
        assert_eq!(KqlType::from_name("text"), None);
        assert_eq!(promote_numeric(KqlType::Int, KqlType::Real), KqlType::Real);
        assert!(comparable(KqlType::Int, KqlType::Long));
        assert!(!comparable(KqlType::String, KqlType::Long));
    }
}
