//! KQL's string operators, vectorized: `has` term matching, `contains`,
//! `startswith`, `endswith`, `=~`, `in~`, `has_any`, `has_all` and their
//! case-sensitive (`_cs`) forms.
//!
//! KQL splits text into terms, maximal runs of letters and digits, and
//! `has "x"` is true when `x` matches at term boundaries (a needle that
//! starts or ends with punctuation only needs the boundary on its
//! alphanumeric ends). `hasprefix` / `hassuffix` check one boundary.
//! Case-insensitive forms compare ASCII without allocating and fall back
//! to Unicode lowercase otherwise. A null string is the empty string.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, BooleanBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{ColumnarValue, Expr};

use super::udf::{VecFn, vec_call};

/// Which boundaries a term match needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    /// Both ends (`has`).
    Whole,
    /// The start (`hasprefix`).
    Prefix,
    /// The end (`hassuffix`).
    Suffix,
}

/// A string predicate between a text and a needle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    Has(Term, bool),
    Contains(bool),
    StartsWith(bool),
    EndsWith(bool),
    Equals(bool),
}

impl StrOp {
    fn key(self) -> String {
        format!("{self:?}")
    }

    /// Evaluates the predicate.
    pub(crate) fn eval(self, hay: &str, needle: &str) -> bool {
        match self {
            StrOp::Has(term, cs) => has_term(hay, needle, term, cs),
            StrOp::Contains(true) => hay.contains(needle),
            StrOp::Contains(false) => find_ci(hay, needle, |_, _| true),
            StrOp::StartsWith(true) => hay.starts_with(needle),
            StrOp::StartsWith(false) => starts_with_ci(hay, needle),
            StrOp::EndsWith(true) => hay.ends_with(needle),
            StrOp::EndsWith(false) => ends_with_ci(hay, needle),
            StrOp::Equals(true) => hay == needle,
            StrOp::Equals(false) => eq_ci(hay, needle),
        }
    }
}

fn is_term_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// `has`, `hasprefix`, `hassuffix` and their `_cs` forms.
pub(crate) fn has_term(hay: &str, needle: &str, term: Term, cs: bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !cs && !(needle.is_ascii()) {
        return has_term(&hay.to_lowercase(), &needle.to_lowercase(), term, true);
    }
    let nb = needle.as_bytes();
    let need_start = is_term_byte(nb[0]);
    let need_end = is_term_byte(nb[nb.len() - 1]);
    let hb = hay.as_bytes();
    let check = |start: usize, end: usize| {
        let start_ok =
            term == Term::Suffix || !need_start || start == 0 || !is_term_byte(hb[start - 1]);
        let end_ok = term == Term::Prefix || !need_end || end == hb.len() || !is_term_byte(hb[end]);
        start_ok && end_ok
    };
    if cs {
        let mut from = 0;
        while let Some(pos) = hay.get(from..).and_then(|h| h.find(needle)) {
            let start = from + pos;
            if check(start, start + nb.len()) {
                return true;
            }
            from = start + 1;
            while from < hb.len() && !hay.is_char_boundary(from) {
                from += 1;
            }
        }
        false
    } else {
        find_ci(hay, needle, check)
    }
}

/// Case-insensitive search for an ASCII needle (non-ASCII needles are
/// lowercased); true when `accept(start, end)` holds for a match.
fn find_ci(hay: &str, needle: &str, accept: impl Fn(usize, usize) -> bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !needle.is_ascii() {
        let (h, n) = (hay.to_lowercase(), needle.to_lowercase());
        return h.contains(&n);
    }
    let hb = hay.as_bytes();
    let nb = needle.as_bytes();
    if nb.len() > hb.len() {
        return false;
    }
    let first_lower = nb[0].to_ascii_lowercase();
    let first_upper = nb[0].to_ascii_uppercase();
    let last = hb.len() - nb.len();
    let mut i = 0;
    while i <= last {
        let b = hb[i];
        if (b == first_lower || b == first_upper)
            && hb[i..i + nb.len()].eq_ignore_ascii_case(nb)
            && accept(i, i + nb.len())
        {
            return true;
        }
        i += 1;
    }
    false
}

fn starts_with_ci(hay: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        hay.len() >= needle.len()
            && hay.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes())
    } else {
        hay.to_lowercase().starts_with(&needle.to_lowercase())
    }
}

fn ends_with_ci(hay: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        hay.len() >= needle.len()
            && hay.as_bytes()[hay.len() - needle.len()..].eq_ignore_ascii_case(needle.as_bytes())
    } else {
        hay.to_lowercase().ends_with(&needle.to_lowercase())
    }
}

/// Case-insensitive equality.
pub(crate) fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Reads argument `i` as strings, a null being the empty string.
fn str_at(arg: &ColumnarValue, row: usize) -> Option<String> {
    match arg {
        ColumnarValue::Scalar(s) => match s {
            ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
                Some(v.clone().unwrap_or_default())
            }
            ScalarValue::Null => Some(String::new()),
            other => Some(other.to_string()),
        },
        ColumnarValue::Array(a) => {
            if a.is_null(row) {
                Some(String::new())
            } else if let Some(s) = a.as_string_opt::<i32>() {
                Some(s.value(row).to_string())
            } else {
                a.as_string_view_opt().map(|s| s.value(row).to_string())
            }
        }
    }
}

/// A predicate call `op(text, needle)`, both strings.
pub(crate) fn str_predicate(op: StrOp, negated: bool, text: Expr, needle: Expr) -> Expr {
    let func: VecFn = Arc::new(move |args, rows| {
        let [hay, needle] = args else {
            return datafusion::common::exec_err!("string operator takes two arguments");
        };
        // The usual shape: a column and a constant needle.
        if let (ColumnarValue::Array(a), ColumnarValue::Scalar(_)) = (hay, needle) {
            let needle = str_at(needle, 0).unwrap_or_default();
            let needle = needle.as_str();
            if let Some(strings) = a.as_string_opt::<i32>() {
                let out: BooleanArray = (0..strings.len())
                    .map(|i| {
                        let hay = if strings.is_null(i) {
                            ""
                        } else {
                            strings.value(i)
                        };
                        Some(op.eval(hay, needle) != negated)
                    })
                    .collect();
                return Ok(ColumnarValue::Array(Arc::new(out)));
            }
        }
        let n = if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
            1
        } else {
            rows
        };
        let mut b = BooleanBuilder::with_capacity(n);
        for row in 0..n {
            let h = str_at(hay, row).unwrap_or_default();
            let x = str_at(needle, row).unwrap_or_default();
            b.append_value(op.eval(&h, &x) != negated);
        }
        let array = b.finish();
        if n == 1 && rows != 1 {
            Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(
                array.value(0),
            ))))
        } else {
            Ok(ColumnarValue::Array(Arc::new(array)))
        }
    });
    let name = format!("kql_str_{}{}", op.key(), if negated { "_not" } else { "" });
    vec_call(name, DataType::Boolean, false, func, vec![text, needle])
}

/// `text has_any (terms)` / `has_all` with constant terms; with `any` and
/// term mode `None`, plain case-insensitive membership (`in~`).
pub(crate) fn str_set_predicate(
    kind: SetKind,
    negated: bool,
    text: Expr,
    terms: Vec<String>,
) -> Expr {
    let key = format!("{kind:?}{negated}{terms:?}");
    let lowered: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    let set: HashSet<String> = lowered.iter().cloned().collect();
    let func: VecFn = Arc::new(move |args, rows| {
        let Some(arg) = args.first() else {
            return datafusion::common::exec_err!("missing argument");
        };
        let eval = |hay: &str| -> bool {
            let hit = match kind {
                SetKind::HasAny => lowered.iter().any(|t| has_term(hay, t, Term::Whole, false)),
                SetKind::HasAll => lowered.iter().all(|t| has_term(hay, t, Term::Whole, false)),
                SetKind::InCi => {
                    if hay.is_ascii() {
                        set.contains(&hay.to_ascii_lowercase())
                    } else {
                        set.contains(&hay.to_lowercase())
                    }
                }
            };
            hit != negated
        };
        match arg {
            ColumnarValue::Scalar(_) => {
                let hay = str_at(arg, 0).unwrap_or_default();
                Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(eval(
                    &hay,
                )))))
            }
            ColumnarValue::Array(_) => {
                let mut b = BooleanBuilder::with_capacity(rows);
                for row in 0..rows {
                    let hay = str_at(arg, row).unwrap_or_default();
                    b.append_value(eval(&hay));
                }
                Ok(ColumnarValue::Array(Arc::new(b.finish())))
            }
        }
    });
    vec_call(
        format!("kql_strset_{key}"),
        DataType::Boolean,
        false,
        func,
        vec![text],
    )
}

/// The kinds of list test on strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetKind {
    HasAny,
    HasAll,
    InCi,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_matching() {
        assert!(has_term("North America", "america", Term::Whole, false));
        assert!(!has_term("NorthAmerica", "america", Term::Whole, false));
        assert!(has_term("NorthAmerica", "america", Term::Suffix, false));
        assert!(!has_term("abc-def", "c-d", Term::Whole, false));
        assert!(has_term("x abc-def y", "abc-def", Term::Whole, false));
        assert!(!has_term("abc.def", "abc.de", Term::Whole, false));
        assert!(has_term("GET /api/orders", "api", Term::Whole, true));
        assert!(!has_term("GET /API/orders", "api", Term::Whole, true));
        assert!(StrOp::Contains(false).eval("Hello World", "LO wO"));
        assert!(!StrOp::Contains(true).eval("Hello World", "lo wo"));
        assert!(StrOp::StartsWith(false).eval("Hello", "hE"));
        assert!(StrOp::EndsWith(false).eval("Hello", "LLO"));
        assert!(!StrOp::Equals(false).eval("Straße", "STRASSE"));
        assert!(StrOp::Equals(false).eval("ÉCOLE", "école"));
    }
}
