//! The KQL keyword table: every word the Kusto lexer treats as a keyword,
//! and in which positions such a word may still be used as a name.
//!
//! The table follows Microsoft's Kusto.Language (the reference parser this
//! crate is checked against): a word that is a keyword here cannot name a
//! column or a function unless it is bracketed (`['title']`), except where
//! the flags below allow it. Keeping the same table is what makes both
//! parsers accept and reject the same queries.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The keyword may be used as an identifier anywhere a name is expected.
pub(crate) const CBI: u8 = 1;
/// The keyword may be used as a declared name (`extend where = 1`), a
/// rename target or a parameter name, but not as a plain reference.
pub(crate) const EXT: u8 = 2;
/// The keyword is a scalar type name (`int`, `datetime`, ...).
pub(crate) const TYPE: u8 = 4;

/// `(text, flags)` for every keyword, sorted by text.
static KEYWORDS: &[(&str, u8)] = &[
    ("!between", 0),
    ("!contains", 0),
    ("!contains_cs", 0),
    ("!endswith", 0),
    ("!endswith_cs", 0),
    ("!has", 0),
    ("!has_cs", 0),
    ("!hasprefix", 0),
    ("!hasprefix_cs", 0),
    ("!hassuffix", 0),
    ("!hassuffix_cs", 0),
    ("!in", 0),
    ("!in~", 0),
    ("!startswith", 0),
    ("!startswith_cs", 0),
    ("3Dchart", 0),
    ("__contextual_datatable", 0),
    ("__crossCluster", 0),
    ("__crossDB", 0),
    ("__executeAndCache", 0),
    ("__id", 0),
    ("__isFuzzy", 0),
    ("__noWithSource", 0),
    ("__packedColumn", 0),
    ("__partitionby", CBI),
    ("__projectAway", 0),
    ("__sourceColumnIndex", 0),
    ("access", CBI),
    ("accumulate", EXT),
    ("alias", CBI),
    ("and", 0),
    ("anomalychart", 0),
    ("areachart", 0),
    ("as", EXT),
    ("asc", 0),
    ("assert-schema", 0),
    ("bagexpansion", 0),
    ("barchart", 0),
    ("best_effort", CBI),
    ("between", 0),
    ("bin", CBI),
    ("bin_legacy", 0),
    ("bool", CBI | TYPE),
    ("boolean", TYPE),
    ("by", EXT),
    ("byte", TYPE),
    ("cachingpolicy", 0),
    ("callout", 0),
    ("cancel", 0),
    ("card", 0),
    ("char", TYPE),
    ("columnchart", 0),
    ("commands-and-queries", 0),
    ("consume", CBI | EXT),
    ("contains", EXT),
    ("contains_cs", 0),
    ("containscs", 0),
    ("count", CBI | EXT),
    ("cycles", 0),
    ("database", CBI),
    ("dataexport", 0),
    ("dataformat", CBI | EXT),
    ("datascope", 0),
    ("datatable", EXT),
    ("date", TYPE),
    ("datetime", TYPE),
    ("datetime_pattern", CBI | EXT),
    ("decimal", TYPE),
    ("declare", CBI),
    ("decodeblocks", 0),
    ("default", CBI),
    ("desc", 0),
    ("distinct", CBI | EXT),
    ("double", TYPE),
    ("dynamic", TYPE),
    ("earliest", EXT),
    ("edges", CBI),
    ("encodingpolicy", 0),
    ("endswith", 0),
    ("endswith_cs", 0),
    ("entity_group", CBI),
    ("evaluate", CBI),
    ("expandoutput", 0),
    ("extend", CBI | EXT),
    ("extent_tags_retention", 0),
    ("external_data", 0),
    ("externaldata", EXT),
    ("facet", CBI),
    ("filter", CBI | EXT),
    ("find", EXT),
    ("first", 0),
    ("flags", 0),
    ("float", TYPE),
    ("force_remote", 0),
    ("fork", CBI),
    ("from", CBI),
    ("getschema", CBI),
    ("granny-asc", 0),
    ("granny-desc", 0),
    ("graph", CBI),
    ("graph-mark-components", 0),
    ("graph-match", 0),
    ("graph-shortest-paths", 0),
    ("graph-to-table", 0),
    ("graph-where-edges", 0),
    ("graph-where-nodes", 0),
    ("guid", CBI | TYPE),
    ("harddelete", 0),
    ("hardretention", 0),
    ("has", EXT),
    ("has_all", 0),
    ("has_any", 0),
    ("has_cs", 0),
    ("hasprefix", 0),
    ("hasprefix_cs", 0),
    ("hassuffix", 0),
    ("hassuffix_cs", 0),
    ("hint.concurrency", 0),
    ("hint.distribution", 0),
    ("hint.materialized", 0),
    ("hint.num_partitions", 0),
    ("hint.progressive_top", 0),
    ("hint.remote", 0),
    ("hint.shufflekey", 0),
    ("hint.spread", 0),
    ("hint.strategy", 0),
    ("hotcache", 0),
    ("id", CBI),
    ("in", EXT),
    ("inline_external_table", CBI | EXT),
    ("int", TYPE),
    ("int16", TYPE),
    ("int32", TYPE),
    ("int64", TYPE),
    ("int8", TYPE),
    ("invoke", EXT),
    ("in~", 0),
    ("isfuzzy", 0),
    ("join", CBI),
    ("journal", 0),
    ("kind", 0),
    ("ladderchart", 0),
    ("last", 0),
    ("latest", EXT),
    ("let", CBI),
    ("like", 0),
    ("likecs", 0),
    ("limit", CBI | EXT),
    ("linechart", 0),
    ("long", TYPE),
    ("lookup", CBI),
    ("macro-expand", 0),
    ("make-graph", 0),
    ("make-series", 0),
    ("matches regex", 0),
    ("materialize", EXT),
    ("materialized-view-combine", 0),
    ("materialized-views", 0),
    ("mdm", EXT),
    ("missing", 0),
    ("mv-apply", 0),
    ("mv-expand", 0),
    ("mvapply", CBI),
    ("mvexpand", CBI),
    ("nodes", CBI),
    ("nooptimization", 0),
    ("notcontains", 0),
    ("notcontainscs", 0),
    ("notlike", 0),
    ("notlikecs", 0),
    ("null", CBI),
    ("nulls", CBI),
    ("of", EXT),
    ("on", CBI),
    ("optional", CBI),
    ("or", 0),
    ("order", CBI),
    ("others", 0),
    ("output", CBI),
    ("pack", CBI),
    ("parse", CBI | EXT),
    ("parse-kv", 0),
    ("parse-where", 0),
    ("partition", CBI),
    ("partitioned-by", 0),
    ("pathformat", 0),
    ("pattern", CBI),
    ("piechart", 0),
    ("pivotchart", 0),
    ("plotly", CBI | EXT),
    ("print", EXT),
    ("project", 0),
    ("project-away", 0),
    ("project-by-names", 0),
    ("project-keep", 0),
    ("project-rename", 0),
    ("project-reorder", 0),
    ("project-smart", 0),
    ("queries", 0),
    ("query_parameters", CBI),
    ("query_results", 0),
    ("range", CBI),
    ("real", TYPE),
    ("reduce", CBI),
    ("regex", CBI),
    ("relaxed", 0),
    ("render", CBI),
    ("restrict", CBI),
    ("restricted_view_access", 0),
    ("row_level_security", 0),
    ("rowstore", 0),
    ("rowstore_references", 0),
    ("rowstore_sealinfo", 0),
    ("rowstorepolicy", 0),
    ("rowstores", 0),
    ("sample", EXT),
    ("sample-distinct", EXT),
    ("scan", CBI | EXT),
    ("scatterchart", 0),
    ("seal", 0),
    ("seals", 0),
    ("search", EXT),
    ("serialize", CBI | EXT),
    ("set", EXT),
    ("set-or-append", 0),
    ("set-or-replace", 0),
    ("shards", 0),
    ("simple", 0),
    ("softdelete", 0),
    ("softretention", 0),
    ("sort", CBI | EXT),
    ("sql", EXT),
    ("stackedareachart", 0),
    ("startswith", 0),
    ("startswith_cs", 0),
    ("statistics", 0),
    ("step", CBI),
    ("storedqueryresultcontainers", 0),
    ("string", TYPE),
    ("summarize", CBI | EXT),
    ("tablepurge", 0),
    ("take", CBI | EXT),
    ("time", TYPE),
    ("timechart", 0),
    ("timeline", 0),
    ("timepivot", 0),
    ("timespan", TYPE),
    ("title", EXT),
    ("to", EXT),
    ("top", CBI | EXT),
    ("top-hitters", EXT),
    ("top-nested", EXT),
    ("toscalar", EXT),
    ("totable", EXT),
    ("treemap", 0),
    ("typeof", CBI),
    ("uint", TYPE),
    ("uint16", TYPE),
    ("uint32", TYPE),
    ("uint64", TYPE),
    ("uint8", TYPE),
    ("ulong", TYPE),
    ("union", 0),
    ("uniqueid", TYPE),
    ("unrestrictedviewers", 0),
    ("uuid", CBI | TYPE),
    ("verbose", EXT),
    ("view", CBI),
    ("viewers", EXT),
    ("views", 0),
    ("where", EXT),
    ("with", CBI),
    ("with_itemindex", 0),
    ("with_match_id", 0),
    ("with_node_id", CBI),
    ("with_source", 0),
    ("with_step_name", 0),
    ("withsource", 0),
    ("writeaheadlog", 0),
];

static KEYWORD_MAP: LazyLock<HashMap<&'static str, u8>> =
    LazyLock::new(|| KEYWORDS.iter().copied().collect());

/// Keywords that contain characters an identifier cannot (`project-away`,
/// `!has`, `in~`, `matches regex`, `hint.strategy`), longest first so that
/// the first match is the longest one.
static COMPOUND_KEYWORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut list: Vec<&'static str> = KEYWORDS
        .iter()
        .map(|(text, _)| *text)
        .filter(|text| !text.bytes().all(is_identifier_byte))
        .collect();
    list.sort_by_key(|text| std::cmp::Reverse(text.len()));
    list
});

/// True for the bytes an identifier may continue with.
pub(crate) fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The flags of a keyword, or `None` when `text` is not a keyword.
pub(crate) fn keyword_flags(text: &str) -> Option<u8> {
    KEYWORD_MAP.get(text).copied()
}

/// True when `text` is a keyword.
pub(crate) fn is_keyword(text: &str) -> bool {
    KEYWORD_MAP.contains_key(text)
}

/// The longest compound keyword (one with a non-identifier character) that
/// `rest` starts with.
pub(crate) fn longest_compound_keyword(rest: &str) -> Option<&'static str> {
    COMPOUND_KEYWORDS
        .iter()
        .copied()
        .find(|keyword| rest.starts_with(keyword))
}

/// Scalar type names accepted in schemas and `typeof(...)`, including the
/// aliases Kusto accepts (`boolean`, `double`, `int64`, `date`, `time`, ...).
pub(crate) const PARAM_TYPES: &[&str] = &[
    "bool", "boolean", "date", "datetime", "decimal", "double", "dynamic", "guid", "int", "int64",
    "int8", "long", "real", "string", "time", "timespan", "uniqueid",
];

/// Storage-level type names that `typeof(...)` and `find ... project x:T`
/// also accept.
pub(crate) const EXTENDED_PARAM_TYPES: &[&str] = &[
    "float", "int16", "int32", "uint", "uint16", "uint32", "uint64", "uint8", "ulong",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in KEYWORDS.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "{:?} before {:?}",
                pair[0].0,
                pair[1].0
            );
        }
    }

    #[test]
    fn compound_keywords_match_longest_first() {
        assert_eq!(longest_compound_keyword("!in~ ('a')"), Some("!in~"));
        assert_eq!(longest_compound_keyword("!in ('a')"), Some("!in"));
        assert_eq!(
            longest_compound_keyword("project-away x"),
            Some("project-away")
        );
        assert_eq!(longest_compound_keyword("project x"), None);
        assert_eq!(keyword_flags("where"), Some(EXT));
        assert_eq!(keyword_flags("count"), Some(CBI | EXT));
        assert_eq!(keyword_flags("Where"), None);
    }
}
