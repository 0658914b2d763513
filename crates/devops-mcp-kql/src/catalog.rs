//! The tables a query may read: names, columns and column types, supplied
//! by the caller (this crate reads no files).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::KqlError;
use crate::types::KqlType;

/// A column of a table in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Column name (case-sensitive, as in KQL).
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub ty: KqlType,
    /// What the column holds, when known (shown to agents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Column {
    /// A column without description.
    #[must_use]
    pub fn new(name: impl Into<String>, ty: KqlType) -> Self {
        Self {
            name: name.into(),
            ty,
            description: None,
        }
    }
}

/// A table: its name and columns in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    /// Table name (case-sensitive).
    pub name: String,
    /// Columns in order.
    pub columns: Vec<Column>,
}

/// The set of tables known to a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    tables: BTreeMap<String, TableSchema>,
}

/// One column as written in a schema JSON file.
#[derive(Deserialize)]
struct JsonColumn {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    description: Option<String>,
}

impl Catalog {
    /// An empty catalog.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a table.
    pub fn add_table(&mut self, name: impl Into<String>, columns: Vec<Column>) {
        let name = name.into();
        self.tables
            .insert(name.clone(), TableSchema { name, columns });
    }

    /// Adds a table, builder style.
    #[must_use]
    pub fn with_table(mut self, name: impl Into<String>, columns: Vec<Column>) -> Self {
        self.add_table(name, columns);
        self
    }

    /// The table with exactly this name.
    #[must_use]
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.get(name)
    }

    /// All tables, ordered by name.
    pub fn tables(&self) -> impl Iterator<Item = &TableSchema> {
        self.tables.values()
    }

    /// Builds a catalog from schema JSON of the form
    /// `{"Table": [{"name": "Col", "type": "string", "description": "..."}, ...], ...}`,
    /// the format of the Application Insights contract `tables.json`.
    ///
    /// # Errors
    ///
    /// [`KqlError::InvalidSchemaJson`] when the text is not that shape,
    /// [`KqlError::UnknownColumnType`] when a column type is not a KQL type.
    pub fn from_schema_json(json: &str) -> Result<Self, KqlError> {
        let raw: BTreeMap<String, Vec<JsonColumn>> =
            serde_json::from_str(json).map_err(|e| KqlError::InvalidSchemaJson {
                reason: e.to_string(),
            })?;
        let mut catalog = Catalog::new();
        for (table, columns) in raw {
            let mut out = Vec::with_capacity(columns.len());
            for column in columns {
                let ty =
                    KqlType::from_name(&column.ty).ok_or_else(|| KqlError::UnknownColumnType {
                        table: table.clone(),
                        column: column.name.clone(),
                        ty: column.ty.clone(),
                    })?;
                out.push(Column {
                    name: column.name,
                    ty,
                    description: column.description,
                });
            }
            catalog.add_table(table, out);
        }
        Ok(catalog)
    }
}

/// The Application Insights catalog (classic `requests`, `dependencies`,
/// ... and workspace-based `AppRequests`, ... tables) from the text of the
/// contract file `contracts/app-insights/tables.json`, which the caller
/// reads.
///
/// # Errors
///
/// As [`Catalog::from_schema_json`].
pub fn app_insights_catalog(tables_json: &str) -> Result<Catalog, KqlError> {
    Catalog::from_schema_json(tables_json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_json_round_trip() {
        let catalog = Catalog::from_schema_json(
            r#"{"T": [{"name": "a", "type": "long"}, {"name": "b", "type": "string", "description": "B"}]}"#,
        )
        .unwrap();
        let t = catalog.table("T").unwrap();
        assert_eq!(t.columns[0], Column::new("a", KqlType::Long));
        assert_eq!(t.columns[1].description.as_deref(), Some("B"));
        assert!(matches!(
            Catalog::from_schema_json(r#"{"T": [{"name": "a", "type": "text"}]}"#),
            Err(KqlError::UnknownColumnType { .. })
        ));
        assert!(matches!(
            Catalog::from_schema_json("[1]"),
            Err(KqlError::InvalidSchemaJson { .. })
        ));
    }
}
