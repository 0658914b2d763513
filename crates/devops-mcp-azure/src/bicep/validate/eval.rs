//! What can be known about an expression before deployment: its constant value (literals,
//! variables, parameter defaults, a few pure functions), its kind (string, int, ...), and,
//! for names, a bound on its length and characters (`'kv${uniqueString(...)}'` is 15
//! characters of `[a-z0-9]`).
//!
//! Everything here is conservative: when a value cannot be known the answer is "unknown",
//! and checks only report what is provably wrong.

use super::ast::{Expr, ExprKind, FileAst, StrPart, decorator};
use crate::bicep::naming::{CharSet, NameRule};

/// A constant value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// An array.
    Array(Vec<Value>),
    /// An object (keys in order).
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The string, if this is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The kind of the value.
    #[must_use]
    pub fn kind(&self) -> Kind {
        match self {
            Self::Str(_) => Kind::Str,
            Self::Int(_) => Kind::Int,
            Self::Bool(_) => Kind::Bool,
            Self::Null => Kind::Null,
            Self::Array(_) => Kind::Array,
            Self::Object(_) => Kind::Object,
        }
    }
}

/// The kind of an expression's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// String.
    Str,
    /// Integer.
    Int,
    /// Boolean.
    Bool,
    /// Null.
    Null,
    /// Object.
    Object,
    /// Array.
    Array,
    /// Unknown.
    Any,
}

impl Kind {
    /// Bicep's name of the kind.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Str => "string",
            Self::Int => "int",
            Self::Bool => "bool",
            Self::Null => "null",
            Self::Object => "object",
            Self::Array => "array",
            Self::Any => "any",
        }
    }

    /// The kind of a declared parameter or output type (`string`, `int?`, `'a' | 'b'`, ...).
    #[must_use]
    pub fn of_declared(ty: &str) -> Self {
        let t = ty.trim().trim_end_matches('?');
        match t {
            "string" => Self::Str,
            "int" => Self::Int,
            "bool" => Self::Bool,
            "object" => Self::Object,
            "array" => Self::Array,
            _ if t.ends_with("[]") => Self::Array,
            _ if t.starts_with('{') => Self::Object,
            _ if t.starts_with('\'') => Self::Str,
            _ => Self::Any,
        }
    }
}

/// Evaluation context: the file the expression is in and the names bound by loops and
/// lambdas around it (whose values are unknown).
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The file.
    pub file: &'a FileAst,
    /// Loop and lambda variables in scope.
    pub locals: &'a [String],
}

const MAX_DEPTH: u32 = 16;

impl<'a> Ctx<'a> {
    /// A context for top-level expressions of `file`.
    #[must_use]
    pub fn new(file: &'a FileAst) -> Self {
        Self { file, locals: &[] }
    }

    /// The constant value of an expression, following variables and parameter defaults.
    #[must_use]
    pub fn value(&self, e: &Expr) -> Option<Value> {
        self.value_at(e, 0)
    }

    fn value_at(&self, e: &Expr, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        match &e.kind {
            ExprKind::Str(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StrPart::Text(t) => s.push_str(t),
                        StrPart::Interp(x) => match self.value_at(x, depth + 1)? {
                            Value::Str(v) => s.push_str(&v),
                            Value::Int(i) => s.push_str(&i.to_string()),
                            Value::Bool(b) => s.push_str(if b { "True" } else { "False" }),
                            _ => return None,
                        },
                    }
                }
                Some(Value::Str(s))
            }
            ExprKind::Int(i) => Some(Value::Int(*i)),
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::Null => Some(Value::Null),
            ExprKind::Array(items) => items
                .iter()
                .map(|i| self.value_at(i, depth + 1))
                .collect::<Option<Vec<_>>>()
                .map(Value::Array),
            ExprKind::Object(props) => props
                .iter()
                .map(|p| {
                    self.value_at(&p.value, depth + 1)
                        .map(|v| (p.key.clone(), v))
                })
                .collect::<Option<Vec<_>>>()
                .map(Value::Object),
            ExprKind::Ident(name) => {
                if self.locals.contains(name) {
                    return None;
                }
                if let Some(v) = self.file.var(name) {
                    return self.value_at(&v.value, depth + 1);
                }
                self.file
                    .param(name)
                    .and_then(|p| p.value.as_ref())
                    .and_then(|d| self.value_at(d, depth + 1))
            }
            ExprKind::Unary(op, x) => match (op.as_str(), self.value_at(x, depth + 1)?) {
                ("!", Value::Bool(b)) => Some(Value::Bool(!b)),
                ("-", Value::Int(i)) => Some(Value::Int(-i)),
                _ => None,
            },
            ExprKind::Ternary(c, a, b) => match self.value_at(c, depth + 1)? {
                Value::Bool(true) => self.value_at(a, depth + 1),
                Value::Bool(false) => self.value_at(b, depth + 1),
                _ => None,
            },
            ExprKind::Member(o, prop, _) => match self.value_at(o, depth + 1)? {
                Value::Object(props) => props
                    .into_iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(prop))
                    .map(|(_, v)| v),
                _ => None,
            },
            ExprKind::Index(o, i) => {
                match (self.value_at(o, depth + 1)?, self.value_at(i, depth + 1)?) {
                    (Value::Array(items), Value::Int(n)) => usize::try_from(n)
                        .ok()
                        .and_then(|n| items.into_iter().nth(n)),
                    (Value::Object(props), Value::Str(k)) => props
                        .into_iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(&k))
                        .map(|(_, v)| v),
                    _ => None,
                }
            }
            ExprKind::Call(None, name, args) => {
                let vals = || {
                    args.iter()
                        .map(|a| self.value_at(a, depth + 1))
                        .collect::<Option<Vec<_>>>()
                };
                match name.to_ascii_lowercase().as_str() {
                    "tolower" => match vals()?.as_slice() {
                        [Value::Str(s)] => Some(Value::Str(s.to_lowercase())),
                        _ => None,
                    },
                    "toupper" => match vals()?.as_slice() {
                        [Value::Str(s)] => Some(Value::Str(s.to_uppercase())),
                        _ => None,
                    },
                    "string" => match vals()?.as_slice() {
                        [Value::Str(s)] => Some(Value::Str(s.clone())),
                        [Value::Int(i)] => Some(Value::Str(i.to_string())),
                        _ => None,
                    },
                    "concat" => {
                        let v = vals()?;
                        if v.iter().all(|x| matches!(x, Value::Str(_))) {
                            Some(Value::Str(v.iter().filter_map(Value::as_str).collect()))
                        } else if v.iter().all(|x| matches!(x, Value::Array(_))) {
                            Some(Value::Array(
                                v.into_iter()
                                    .flat_map(|x| {
                                        if let Value::Array(a) = x {
                                            a
                                        } else {
                                            Vec::new()
                                        }
                                    })
                                    .collect(),
                            ))
                        } else {
                            None
                        }
                    }
                    "take" => match vals()?.as_slice() {
                        [Value::Str(s), Value::Int(n)] => Some(Value::Str(
                            s.chars().take(usize::try_from(*n).unwrap_or(0)).collect(),
                        )),
                        _ => None,
                    },
                    "replace" => match vals()?.as_slice() {
                        [Value::Str(s), Value::Str(a), Value::Str(b)] => {
                            Some(Value::Str(s.replace(a.as_str(), b)))
                        }
                        _ => None,
                    },
                    "subscriptionresourceid" | "resourceid" | "tenantresourceid" => {
                        // The ID's shape is known even though the subscription is not: keep the
                        // constant tail, which is what role-definition checks need.
                        let v = vals()?;
                        let tail: Vec<&str> = v.iter().filter_map(Value::as_str).collect();
                        Some(Value::Str(format!(
                            "/subscriptions/{{subscription}}/providers/{}",
                            tail.join("/")
                        )))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The kind of an expression's value.
    #[must_use]
    pub fn kind(&self, e: &Expr) -> Kind {
        self.kind_at(e, 0)
    }

    fn kind_at(&self, e: &Expr, depth: u32) -> Kind {
        if depth > MAX_DEPTH {
            return Kind::Any;
        }
        match &e.kind {
            ExprKind::Str(_) => Kind::Str,
            ExprKind::Int(_) => Kind::Int,
            ExprKind::Bool(_) => Kind::Bool,
            ExprKind::Null => Kind::Null,
            ExprKind::Object(_) => Kind::Object,
            ExprKind::Array(_) | ExprKind::For { .. } => Kind::Array,
            ExprKind::Ident(name) => {
                if self.locals.contains(name) {
                    return Kind::Any;
                }
                if let Some(v) = self.file.var(name) {
                    return self.kind_at(&v.value, depth + 1);
                }
                if let Some(p) = self.file.param(name) {
                    let declared = Kind::of_declared(&p.ty);
                    if declared == Kind::Any
                        && let Some(v) = &p.value
                    {
                        return self.kind_at(v, depth + 1);
                    }
                    return declared;
                }
                if self.file.resource(name).is_some() || self.file.module(name).is_some() {
                    return Kind::Object;
                }
                Kind::Any
            }
            ExprKind::Unary(op, _) => {
                if op == "!" {
                    Kind::Bool
                } else {
                    Kind::Int
                }
            }
            ExprKind::Binary(op, l, _) => match op.as_str() {
                "==" | "!=" | "=~" | "!~" | "<" | "<=" | ">" | ">=" | "&&" | "||" => Kind::Bool,
                "+" | "-" | "*" | "/" | "%" => Kind::Int,
                "??" => self.kind_at(l, depth + 1),
                _ => Kind::Any,
            },
            ExprKind::Ternary(_, a, b) => {
                let (ka, kb) = (self.kind_at(a, depth + 1), self.kind_at(b, depth + 1));
                if ka == kb { ka } else { Kind::Any }
            }
            ExprKind::Call(None, name, args) => {
                call_kind(name, args.first().map(|a| self.kind_at(a, depth + 1)))
            }
            ExprKind::Call(Some(_), name, _) => match name.to_ascii_lowercase().as_str() {
                "resourcegroup" | "subscription" | "tenant" | "deployment" | "environment"
                | "managementgroup" => Kind::Object,
                "getsecret" => Kind::Str,
                _ => Kind::Any,
            },
            ExprKind::Member(o, prop, _) => {
                let scope_object = matches!(&o.kind, ExprKind::Call(_, f, _) if matches!(f.to_ascii_lowercase().as_str(), "resourcegroup" | "subscription" | "tenant" | "deployment"));
                let resource_object =
                    matches!(&o.kind, ExprKind::Ident(n) if self.file.resource(n).is_some());
                if scope_object || resource_object {
                    match prop.to_ascii_lowercase().as_str() {
                        "id" | "name" | "location" | "type" | "apiversion" | "tenantid"
                        | "subscriptionid" | "displayname" => Kind::Str,
                        "tags" | "properties" | "identity" | "sku" => Kind::Object,
                        _ => Kind::Any,
                    }
                } else {
                    Kind::Any
                }
            }
            _ => Kind::Any,
        }
    }

    /// A bound on the length and characters of a string expression.
    #[must_use]
    pub fn bound(&self, e: &Expr) -> StrBound {
        self.bound_at(e, 0)
    }

    fn bound_at(&self, e: &Expr, depth: u32) -> StrBound {
        if depth > MAX_DEPTH {
            return StrBound::unknown();
        }
        match &e.kind {
            ExprKind::Str(parts) => {
                let mut out = StrBound::empty();
                for p in parts {
                    match p {
                        StrPart::Text(t) => out.push_lit(t),
                        StrPart::Interp(x) => out.extend(self.bound_at(x, depth + 1)),
                    }
                }
                out
            }
            ExprKind::Int(i) => StrBound::lit(&i.to_string()),
            ExprKind::Ident(name) => {
                if self.locals.contains(name) {
                    return StrBound::unknown();
                }
                if let Some(v) = self.file.var(name) {
                    return self.bound_at(&v.value, depth + 1);
                }
                let Some(p) = self.file.param(name) else {
                    return StrBound::unknown();
                };
                if let Some(allowed) =
                    decorator(&p.decorators, "allowed").and_then(|d| d.args.first())
                    && let Some(Value::Array(values)) = self.value_at(allowed, depth + 1)
                {
                    let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                    if !strings.is_empty() && strings.len() == values.len() {
                        return StrBound::one_of(&strings);
                    }
                }
                let int_arg = |name: &str| {
                    decorator(&p.decorators, name)
                        .and_then(|d| d.args.first())
                        .and_then(|a| self.value_at(a, depth + 1))
                        .and_then(|v| {
                            if let Value::Int(i) = v {
                                usize::try_from(i).ok()
                            } else {
                                None
                            }
                        })
                };
                StrBound::dynamic(
                    int_arg("minLength").unwrap_or(0),
                    int_arg("maxLength"),
                    None,
                    None,
                    None,
                )
            }
            ExprKind::Ternary(_, a, b) => self
                .bound_at(a, depth + 1)
                .merge(&self.bound_at(b, depth + 1)),
            ExprKind::Call(None, name, args) => {
                let arg = |i: usize| {
                    args.get(i)
                        .map_or_else(StrBound::unknown, |a| self.bound_at(a, depth + 1))
                };
                let int = |i: usize| {
                    args.get(i)
                        .and_then(|a| self.value_at(a, depth + 1))
                        .and_then(|v| {
                            if let Value::Int(n) = v {
                                usize::try_from(n).ok()
                            } else {
                                None
                            }
                        })
                };
                match name.to_ascii_lowercase().as_str() {
                    "uniquestring" => StrBound::dynamic(
                        13,
                        Some(13),
                        Some(CharSet::LOWER_ALNUM),
                        Some(CharSet::LOWER_ALNUM),
                        Some(CharSet::LOWER_ALNUM),
                    ),
                    "guid" | "newguid" => StrBound::dynamic(
                        36,
                        Some(36),
                        Some(CharSet::GUID),
                        Some(CharSet::GUID.minus(CharSet::one(b'-'))),
                        Some(CharSet::GUID.minus(CharSet::one(b'-'))),
                    ),
                    "tolower" => arg(0).map_sets(CharSet::to_lower, str::to_lowercase),
                    "toupper" => arg(0).map_sets(CharSet::to_upper, str::to_uppercase),
                    "concat" => {
                        let mut out = StrBound::empty();
                        for i in 0..args.len() {
                            out.extend(arg(i));
                        }
                        out
                    }
                    "take" => match int(1) {
                        Some(n) => arg(0).take(n),
                        None => StrBound::unknown(),
                    },
                    "substring" => match int(2) {
                        Some(n) => {
                            let whole = arg(0).collapse();
                            StrBound::dynamic(0, Some(n), whole.chars, whole.chars, whole.chars)
                        }
                        None => StrBound::unknown(),
                    },
                    "replace" => match self.value_at(e, depth + 1) {
                        Some(Value::Str(s)) => StrBound::lit(&s),
                        _ => StrBound::unknown(),
                    },
                    "string" => arg(0),
                    _ => StrBound::unknown(),
                }
            }
            _ => match self.value_at(e, depth + 1) {
                Some(Value::Str(s)) => StrBound::lit(&s),
                _ => StrBound::unknown(),
            },
        }
    }
}

fn call_kind(name: &str, first_arg: Option<Kind>) -> Kind {
    match name.to_ascii_lowercase().as_str() {
        "uniquestring"
        | "guid"
        | "newguid"
        | "format"
        | "tolower"
        | "toupper"
        | "substring"
        | "replace"
        | "trim"
        | "base64"
        | "base64tostring"
        | "string"
        | "uri"
        | "uricomponent"
        | "uricomponenttostring"
        | "subscriptionresourceid"
        | "resourceid"
        | "tenantresourceid"
        | "extensionresourceid"
        | "managementgroupresourceid"
        | "utcnow"
        | "datetimeadd"
        | "datetimefromepoch"
        | "join"
        | "padleft"
        | "dataUri"
        | "datauri"
        | "datauritostring"
        | "loadtextcontent"
        | "loadfileasbase64"
        | "readenvironmentvariable" => Kind::Str,
        "length" | "int" | "min" | "max" | "indexof" | "lastindexof" | "datetimetoepoch" => {
            Kind::Int
        }
        "contains" | "empty" | "bool" | "startswith" | "endswith" => Kind::Bool,
        "resourcegroup" | "subscription" | "tenant" | "deployment" | "environment"
        | "managementgroup" | "json" | "loadjsoncontent" | "loadyamlcontent" | "toobject"
        | "reference" => {
            if name.eq_ignore_ascii_case("json") || name.eq_ignore_ascii_case("reference") {
                Kind::Any
            } else {
                Kind::Object
            }
        }
        "split" | "range" | "array" | "items" | "filter" | "map" | "sort" | "flatten" | "skip"
        | "pickzones" => Kind::Array,
        "concat" | "union" | "intersection" | "take" | "first" | "last" | "coalesce" => {
            first_arg.unwrap_or(Kind::Any)
        }
        _ => Kind::Any,
    }
}

/// One segment of a string bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    /// Known text.
    Lit(String),
    /// Unknown text within limits.
    Dyn(DynSeg),
}

/// Limits of an unknown piece of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DynSeg {
    /// Fewest characters.
    pub min: usize,
    /// Most characters, if known.
    pub max: Option<usize>,
    /// Characters it may contain, if known.
    pub chars: Option<CharSet>,
    /// Characters it may start with, if known.
    pub first: Option<CharSet>,
    /// Characters it may end with, if known.
    pub last: Option<CharSet>,
}

/// A bound on a string: a sequence of known and unknown pieces.
#[derive(Debug, Clone, PartialEq)]
pub struct StrBound {
    /// The pieces in order.
    pub segs: Vec<Seg>,
}

impl StrBound {
    /// Nothing known.
    #[must_use]
    pub fn unknown() -> Self {
        Self::dynamic(0, None, None, None, None)
    }

    fn empty() -> Self {
        Self { segs: Vec::new() }
    }

    fn lit(s: &str) -> Self {
        Self {
            segs: vec![Seg::Lit(s.to_owned())],
        }
    }

    fn dynamic(
        min: usize,
        max: Option<usize>,
        chars: Option<CharSet>,
        first: Option<CharSet>,
        last: Option<CharSet>,
    ) -> Self {
        Self {
            segs: vec![Seg::Dyn(DynSeg {
                min,
                max,
                chars,
                first,
                last,
            })],
        }
    }

    fn one_of(values: &[&str]) -> Self {
        if let [one] = values {
            return Self::lit(one);
        }
        let min = values.iter().map(|v| v.chars().count()).min().unwrap_or(0);
        let max = values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
        let mut chars = CharSet::EMPTY;
        let mut first = CharSet::EMPTY;
        let mut last = CharSet::EMPTY;
        for v in values {
            for c in v.chars() {
                chars.insert(c);
            }
            if let Some(c) = v.chars().next() {
                first.insert(c);
            }
            if let Some(c) = v.chars().last() {
                last.insert(c);
            }
        }
        Self::dynamic(min, Some(max), Some(chars), Some(first), Some(last))
    }

    fn push_lit(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        if let Some(Seg::Lit(last)) = self.segs.last_mut() {
            last.push_str(t);
        } else {
            self.segs.push(Seg::Lit(t.to_owned()));
        }
    }

    fn extend(&mut self, other: Self) {
        for s in other.segs {
            match s {
                Seg::Lit(t) => self.push_lit(&t),
                d @ Seg::Dyn(_) => self.segs.push(d),
            }
        }
    }

    /// Fewest characters.
    #[must_use]
    pub fn min_len(&self) -> usize {
        self.segs
            .iter()
            .map(|s| match s {
                Seg::Lit(t) => t.chars().count(),
                Seg::Dyn(d) => d.min,
            })
            .sum()
    }

    /// Most characters, if known.
    #[must_use]
    pub fn max_len(&self) -> Option<usize> {
        self.segs
            .iter()
            .map(|s| match s {
                Seg::Lit(t) => Some(t.chars().count()),
                Seg::Dyn(d) => d.max,
            })
            .sum()
    }

    /// The whole text, if fully known.
    #[must_use]
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for s in &self.segs {
            match s {
                Seg::Lit(t) => out.push_str(t),
                Seg::Dyn(d) if d.max == Some(0) => {}
                Seg::Dyn(_) => return None,
            }
        }
        Some(out)
    }

    /// All pieces as one unknown piece.
    fn collapse(&self) -> DynSeg {
        let mut chars = Some(CharSet::EMPTY);
        for s in &self.segs {
            chars = match (chars, s) {
                (Some(c), Seg::Lit(t)) => Some(c.union(CharSet::from_str_chars(t))),
                (Some(c), Seg::Dyn(d)) => d.chars.map(|dc| c.union(dc)),
                (None, _) => None,
            };
        }
        DynSeg {
            min: self.min_len(),
            max: self.max_len(),
            chars,
            first: self.first_chars(),
            last: self.last_chars(),
        }
    }

    /// Characters the text may start with, if known.
    #[must_use]
    pub fn first_chars(&self) -> Option<CharSet> {
        match self.segs.first()? {
            Seg::Lit(t) => t
                .chars()
                .next()
                .map(|c| CharSet::from_str_chars(&c.to_string())),
            Seg::Dyn(d) if d.min > 0 => d.first,
            Seg::Dyn(_) => None,
        }
    }

    /// Characters the text may end with, if known.
    #[must_use]
    pub fn last_chars(&self) -> Option<CharSet> {
        match self.segs.last()? {
            Seg::Lit(t) => t
                .chars()
                .last()
                .map(|c| CharSet::from_str_chars(&c.to_string())),
            Seg::Dyn(d) if d.min > 0 => d.last,
            Seg::Dyn(_) => None,
        }
    }

    fn merge(&self, other: &Self) -> Self {
        if self == other {
            return self.clone();
        }
        let (a, b) = (self.collapse(), other.collapse());
        let join = |x: Option<CharSet>, y: Option<CharSet>| x.zip(y).map(|(x, y)| x.union(y));
        Self::dynamic(
            a.min.min(b.min),
            a.max.zip(b.max).map(|(x, y)| x.max(y)),
            join(a.chars, b.chars),
            join(a.first, b.first),
            join(a.last, b.last),
        )
    }

    fn take(&self, n: usize) -> Self {
        if let Some(lit) = self.literal() {
            return Self::lit(&lit.chars().take(n).collect::<String>());
        }
        let whole = self.collapse();
        Self::dynamic(
            whole.min.min(n),
            Some(whole.max.map_or(n, |m| m.min(n))),
            whole.chars,
            whole.first,
            whole.chars,
        )
    }

    fn map_sets(&self, f: fn(CharSet) -> CharSet, g: fn(&str) -> String) -> Self {
        Self {
            segs: self
                .segs
                .iter()
                .map(|s| match s {
                    Seg::Lit(t) => Seg::Lit(g(t)),
                    Seg::Dyn(d) => Seg::Dyn(DynSeg {
                        chars: d.chars.map(f),
                        first: d.first.map(f),
                        last: d.last.map(f),
                        ..*d
                    }),
                })
                .collect(),
        }
    }

    /// What is provably wrong with a name of this bound under `rule`.
    #[must_use]
    pub fn violations(&self, rule: &NameRule) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(lit) = self.literal() {
            if let Some(problem) = crate::bicep::naming::check_literal(rule, &lit) {
                out.push(format!("name '{lit}' {problem}"));
            }
            return out;
        }
        let min = self.min_len();
        if min > rule.max {
            out.push(format!(
                "name is at least {min} characters long; {} allows at most {}",
                rule.resource_type, rule.max
            ));
        } else if let Some(max) = self.max_len() {
            if max > rule.max {
                out.push(format!("name can be up to {max} characters long; {} allows at most {} (use take(...) or shorter parts)", rule.resource_type, rule.max));
            }
            if max < rule.min {
                out.push(format!(
                    "name is at most {max} characters long; {} needs at least {}",
                    rule.resource_type, rule.min
                ));
            }
        }
        let mut bad_chars: Vec<char> = Vec::new();
        for s in &self.segs {
            let set = match s {
                Seg::Lit(t) => Some(CharSet::from_str_chars(t)),
                Seg::Dyn(d) => d.chars,
            };
            for c in set.map(|set| set.outside(rule.chars)).unwrap_or_default() {
                if !bad_chars.contains(&c) {
                    bad_chars.push(c);
                }
            }
        }
        bad_chars.sort_unstable();
        if !bad_chars.is_empty() {
            out.push(format!(
                "name may contain {}; {} allows {}",
                crate::bicep::naming::quote_chars(&bad_chars),
                rule.resource_type,
                rule.description
            ));
        }
        if let Some(first) = self.first_chars() {
            let bad = first.outside(rule.first);
            if !bad.is_empty() {
                out.push(format!(
                    "name may start with {}; {} needs {}",
                    crate::bicep::naming::quote_chars(&bad),
                    rule.resource_type,
                    rule.description
                ));
            }
        }
        if let Some(last) = self.last_chars() {
            let bad = last.outside(rule.last);
            if !bad.is_empty() {
                out.push(format!(
                    "name may end with {}; {} needs {}",
                    crate::bicep::naming::quote_chars(&bad),
                    rule.resource_type,
                    rule.description
                ));
            }
        }
        if rule.no_double_hyphen
            && self
                .segs
                .iter()
                .any(|s| matches!(s, Seg::Lit(t) if t.contains("--")))
        {
            out.push(format!(
                "name contains '--'; {} forbids consecutive hyphens",
                rule.resource_type
            ));
        }
        out
    }
}
