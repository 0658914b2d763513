//! Row schemas as the analyzer tracks them through a pipeline, and the
//! projection builder that applies KQL's column naming rules (duplicate
//! names get a numeric suffix, `extend` replaces in place).

use crate::types::KqlType;

/// A column whose type may be unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Col {
    pub name: String,
    pub ty: Option<KqlType>,
}

impl Col {
    pub(crate) fn new(name: impl Into<String>, ty: Option<KqlType>) -> Self {
        Self {
            name: name.into(),
            ty,
        }
    }
}

/// The columns of a table expression. `open` means more columns may exist
/// than are listed, so unknown column names are not errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Schema {
    pub cols: Vec<Col>,
    pub open: bool,
}

impl Schema {
    /// A schema about which nothing is known.
    pub(crate) fn open() -> Self {
        Self {
            cols: Vec::new(),
            open: true,
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Col> {
        self.cols.iter().find(|c| c.name == name)
    }

    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c.name == name)
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.cols.iter().map(|c| c.name.as_str())
    }

    /// Adds a column, renaming it `name1`, `name2`, ... if the name is taken.
    pub(crate) fn add_unique(&mut self, mut col: Col) {
        if self.get(&col.name).is_some() {
            let base = col.name.clone();
            let mut n = 1;
            loop {
                let candidate = format!("{base}{n}");
                if self.get(&candidate).is_none() {
                    col.name = candidate;
                    break;
                }
                n += 1;
            }
        }
        self.cols.push(col);
    }

    /// Sets a column: replaces a same-named column in place, or appends.
    pub(crate) fn set(&mut self, col: Col) {
        match self.position(&col.name) {
            Some(i) => self.cols[i] = col,
            None => self.cols.push(col),
        }
    }
}

/// True when `name` matches a `*` wildcard pattern (case-sensitive).
pub(crate) fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_and_wildcards() {
        let mut s = Schema::default();
        s.add_unique(Col::new("x", None));
        s.add_unique(Col::new("x", None));
        s.add_unique(Col::new("x", None));
        assert_eq!(s.names().collect::<Vec<_>>(), ["x", "x1", "x2"]);
        assert!(wildcard_matches("App*", "AppRequests"));
        assert!(wildcard_matches("*Id", "operation_Id"));
        assert!(wildcard_matches("a*b*c", "aXbYc"));
        assert!(!wildcard_matches("a*b", "ab_c"));
        assert!(wildcard_matches("*", "anything"));
    }
}
