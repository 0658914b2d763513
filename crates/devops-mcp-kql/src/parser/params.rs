//! Query operator parameters: `kind=inner`, `hint.strategy=shuffle`,
//! `withsource=Source`, `bagexpansion=array`, `render ... with (title=...)`.
//!
//! Which names are parameters matters for parsing: in `join kind=inner T`
//! the word `kind` starts a parameter, while in `where kind == 1` it is a
//! column. Each operator declares its own parameters; names from the
//! global list below are recognised everywhere a parameter list may
//! appear, as Kusto.Language does.

use super::{PResult, Parser};
use crate::ast::{Expr, ExprKind, Ident, NamedParam, ParamValue};
use crate::lexer::Tok;

/// How a parameter's value is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// Any literal, word or name.
    Any,
    /// A literal value; a missing value is an error.
    Literal,
    /// A real number (an integer is read as real).
    ForcedReal,
    /// An expression path such as a string or `strcat(...)`.
    String,
    /// One of the listed words (or any literal/word).
    Word,
    /// A declared name.
    NameDeclaration,
    /// A column name.
    Column,
    /// A comma-separated list of column names.
    ColumnList,
}

/// A parameter an operator accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamSpec {
    pub name: &'static str,
    pub kind: ValueKind,
    pub values: &'static [&'static str],
    pub aliases: &'static [&'static str],
    pub no_equals: bool,
}

const fn p(name: &'static str, kind: ValueKind) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        values: &[],
        aliases: &[],
        no_equals: false,
    }
}

const fn w(name: &'static str, values: &'static [&'static str]) -> ParamSpec {
    ParamSpec {
        name,
        kind: ValueKind::Word,
        values,
        aliases: &[],
        no_equals: false,
    }
}

use ValueKind::{Any, Column, ColumnList, ForcedReal, Literal, NameDeclaration, String as Str};

pub(crate) const HINT_STRATEGIES: &[&str] = &["auto", "broadcast", "centralized", "shuffle"];
const HINT_REMOTES: &[&str] = &["auto", "local"];
const HINT_CONCURRENCIES: &[&str] = &["auto", "left", "local", "right", "unresolved"];
const HINT_DISTRIBUTIONS: &[&str] = &["single", "per_node", "per_shard", "default"];
/// Join kinds KQL supports.
pub(crate) const JOIN_KINDS: &[&str] = &[
    "inner",
    "fullouter",
    "innerunique",
    "leftanti",
    "leftantisemi",
    "anti",
    "leftouter",
    "leftsemi",
    "rightanti",
    "rightantisemi",
    "rightouter",
    "rightsemi",
];
/// Chart types `render` accepts.
pub(crate) const CHART_TYPES: &[&str] = &[
    "table",
    "list",
    "barchart",
    "piechart",
    "ladderchart",
    "timechart",
    "linechart",
    "anomalychart",
    "pivotchart",
    "areachart",
    "stackedareachart",
    "scatterchart",
    "timepivot",
    "columnchart",
    "timeline",
    "3Dchart",
    "card",
    "treemap",
    "plotly",
    "graph",
    "sankey",
];

const SHUFFLE_KEY: ParamSpec = ParamSpec {
    name: "hint.shufflekey",
    kind: Column,
    values: &[],
    aliases: &[],
    no_equals: false,
};
const NUM_PARTITIONS: ParamSpec = p("hint.num_partitions", Literal);

/// Parameters recognised by every operator that takes parameters.
pub(crate) const GLOBAL: &[ParamSpec] = &[
    w("bagexpansion", &["bag", "array"]),
    p("bin_legacy", Any),
    p("__crossCluster", Any),
    p("__crossDB", Any),
    p("decodeblocks", Literal),
    p("expandoutput", Any),
    w("hint.concurrency", HINT_CONCURRENCIES),
    w("hint.distribution", HINT_DISTRIBUTIONS),
    p("hint.materialized", Literal),
    NUM_PARTITIONS,
    p("hint.pass_filters", Any),
    p("hint.pass_filters_column", Column),
    p("hint.progressive_top", Literal),
    w("hint.remote", HINT_REMOTES),
    SHUFFLE_KEY,
    w("hint.spread", HINT_REMOTES),
    w("hint.strategy", HINT_STRATEGIES),
    p("__id", Any),
    ParamSpec {
        name: "isfuzzy",
        kind: Literal,
        values: &[],
        aliases: &["__isFuzzy"],
        no_equals: false,
    },
    w("kind", &[]),
    p("__noWithSource", Any),
    p("__packedColumn", Column),
    p("__sourceColumnIndex", Any),
    w("cycles", &["none", "all", "unique_edges"]),
    p("with_match_id", NameDeclaration),
    p("with_itemindex", NameDeclaration),
    ParamSpec {
        name: "withsource",
        kind: NameDeclaration,
        values: &[],
        aliases: &["with_source"],
        no_equals: false,
    },
    p("with_step_name", NameDeclaration),
    p("force_remote", Literal),
];

pub(crate) const NONE: &[ParamSpec] = &[];
pub(crate) const AS: &[ParamSpec] = &[p("hint.materialized", Literal)];
pub(crate) const CONSUME: &[ParamSpec] = &[p("decodeblocks", Literal)];
pub(crate) const DISTINCT: &[ParamSpec] = &[
    SHUFFLE_KEY,
    w("hint.strategy", HINT_STRATEGIES),
    NUM_PARTITIONS,
];
pub(crate) const EVALUATE: &[ParamSpec] = &[
    w("hint.distribution", HINT_DISTRIBUTIONS),
    w("hint.remote", HINT_REMOTES),
];
pub(crate) const FIND: &[ParamSpec] = &[ParamSpec {
    name: "withsource",
    kind: NameDeclaration,
    values: &[],
    aliases: &["with_source"],
    no_equals: false,
}];
pub(crate) const GRAPH_MATCH: &[ParamSpec] = &[w("cycles", &["none", "all", "unique_edges"])];
pub(crate) const GRAPH_SHORTEST_PATHS: &[ParamSpec] = &[w("output", &["any", "all"])];
pub(crate) const JOIN: &[ParamSpec] = &[
    w("kind", JOIN_KINDS),
    w("hint.remote", HINT_CONCURRENCIES),
    SHUFFLE_KEY,
    w("hint.strategy", HINT_STRATEGIES),
    NUM_PARTITIONS,
];
pub(crate) const GRAPH_MARK_COMPONENTS: &[ParamSpec] = &[
    w("kind", &["weak", "strong"]),
    p("with_component_id", NameDeclaration),
];
pub(crate) const LOOKUP: &[ParamSpec] = &[w("kind", &["inner", "leftouter"])];
pub(crate) const MAKE_SERIES: &[ParamSpec] = &[SHUFFLE_KEY, w("kind", &["nonempty"])];
pub(crate) const MV_APPLY: &[ParamSpec] = &[p("with_itemindex", NameDeclaration)];
pub(crate) const MV_EXPAND: &[ParamSpec] = &[
    w("kind", &["bag", "array"]),
    w("bagexpansion", &["bag", "array"]),
    p("with_itemindex", NameDeclaration),
];
pub(crate) const PARSE: &[ParamSpec] =
    &[w("kind", &["simple", "regex", "relaxed"]), w("flags", &[])];
pub(crate) const PARSE_KV_WITH: &[ParamSpec] = &[
    p("pair_delimiter", Literal),
    p("kv_delimiter", Literal),
    p("regex", Literal),
    p("quote", Literal),
    p("escape", Literal),
    p("greedy", Literal),
];
pub(crate) const PARTITION: &[ParamSpec] = &[
    w("hint.concurrency", HINT_CONCURRENCIES),
    w("hint.spread", HINT_REMOTES),
    p("hint.materialized", Literal),
    SHUFFLE_KEY,
    w("hint.strategy", &["shuffle", "native", "legacy"]),
];
pub(crate) const REDUCE_WITH: &[ParamSpec] = &[p("threshold", Literal), p("characters", Literal)];
pub(crate) const GRAPH_TO_TABLE_EDGES: &[ParamSpec] = &[
    p("with_source_id", NameDeclaration),
    p("with_target_id", NameDeclaration),
];
pub(crate) const GRAPH_TO_TABLE_NODES: &[ParamSpec] = &[p("with_node_id", NameDeclaration)];
pub(crate) const MAKE_GRAPH: &[ParamSpec] = &[w("hint.strategy", &["shuffle", "native"])];
pub(crate) const RENDER_KIND: ParamSpec = w(
    "kind",
    &["default", "unstacked", "stacked", "stacked100", "map"],
);
pub(crate) const RENDER_TITLE: ParamSpec = p("title", Str);
pub(crate) const RENDER_ACCUMULATE: ParamSpec = p("accumulate", Literal);
pub(crate) const RENDER_WITH_LEGACY: ParamSpec = ParamSpec {
    name: "with",
    kind: Literal,
    values: &[],
    aliases: &[],
    no_equals: true,
};
pub(crate) const RENDER_BY_LEGACY: ParamSpec = ParamSpec {
    name: "by",
    kind: ColumnList,
    values: &[],
    aliases: &[],
    no_equals: true,
};
pub(crate) const RENDER_WITH: &[ParamSpec] = &[
    RENDER_KIND,
    RENDER_TITLE,
    RENDER_ACCUMULATE,
    p("xcolumn", Column),
    p("ycolumns", ColumnList),
    p("anomalycolumns", ColumnList),
    p("series", ColumnList),
    p("xtitle", Str),
    p("ytitle", Str),
    w("xaxis", &["linear", "log"]),
    w("yaxis", &["linear", "log"]),
    w("legend", &["visible", "hidden"]),
    w("ysplit", &["none", "axes", "panels"]),
    p("ymin", ForcedReal),
    p("ymax", ForcedReal),
    p("xmin", Literal),
    p("xmax", Literal),
];
pub(crate) const SCAN: &[ParamSpec] = &[
    w("kind", &["partial", "full"]),
    p("with_match_id", NameDeclaration),
];
pub(crate) const SEARCH: &[ParamSpec] = &[w(
    "kind",
    &["default", "case_insensitive", "case_sensitive"],
)];
pub(crate) const SORT: &[ParamSpec] = &[w("hint.strategy", &["splitBlock", "multipleBlocks"])];
pub(crate) const SUMMARIZE: &[ParamSpec] = &[
    SHUFFLE_KEY,
    w("hint.strategy", &["shuffle"]),
    NUM_PARTITIONS,
];
pub(crate) const TOP: &[ParamSpec] = &[p("hint.progressive_top", Literal)];
pub(crate) const UNION: &[ParamSpec] = &[
    w("kind", &["inner", "outer"]),
    ParamSpec {
        name: "withsource",
        kind: NameDeclaration,
        values: &[],
        aliases: &["with_source"],
        no_equals: false,
    },
    ParamSpec {
        name: "isfuzzy",
        kind: Literal,
        values: &[],
        aliases: &["__isFuzzy"],
        no_equals: false,
    },
    p("best_effort", Literal),
    w("hint.concurrency", HINT_CONCURRENCIES),
    w("hint.spread", HINT_REMOTES),
];
pub(crate) const TOSCALAR_KIND: ParamSpec = w("kind", &["nooptimization"]);
pub(crate) const GETSCHEMA_KIND: ParamSpec = w("kind", &["csl"]);

/// Which parameter names a list accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allowed {
    /// The operator's own parameters and the global ones.
    DeclaredOrKnown,
    /// Only the operator's own parameters.
    DeclaredOnly,
}

fn spec_matches(spec: &ParamSpec, text: &str) -> bool {
    spec.name == text || spec.aliases.contains(&text)
}

fn find_spec<'s>(specs: &'s [ParamSpec], text: &str) -> Option<&'s ParamSpec> {
    specs.iter().find(|s| spec_matches(s, text))
}

impl Parser<'_> {
    fn is_word(&self, offset: usize) -> bool {
        matches!(self.kind(offset), Tok::Ident | Tok::Keyword)
    }

    /// Length of a parameter name of `specs` at `offset`, honouring
    /// whether a following `=` is required.
    fn scan_declared_param(
        &self,
        specs: &[ParamSpec],
        equals_needed: bool,
        offset: usize,
    ) -> Option<usize> {
        if !self.is_word(offset) {
            return None;
        }
        let spec = find_spec(specs, self.text(offset))?;
        (spec.no_equals || !equals_needed || self.kind(offset + 1) == Tok::Eq).then_some(1)
    }

    /// Length of a globally known parameter name at `offset` (these may be
    /// several adjacent tokens, like `hint.pass_filters`).
    pub(crate) fn scan_known_param(
        &self,
        specs: &[ParamSpec],
        equals_needed: bool,
        offset: usize,
    ) -> Option<usize> {
        let text = self.text(offset);
        let len = if self.is_word(offset)
            && (find_spec(GLOBAL, text).is_some() || find_spec(specs, text).is_some())
        {
            Some(1)
        } else {
            GLOBAL
                .iter()
                .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()))
                .filter(|name| !name.bytes().all(crate::keywords::is_identifier_byte))
                .find_map(|name| self.match_text(offset, name))
        }?;
        (!equals_needed || self.kind(offset + len) == Tok::Eq).then_some(len)
    }

    fn scan_param_name(
        &self,
        specs: &[ParamSpec],
        allowed: Allowed,
        equals_needed: bool,
    ) -> Option<usize> {
        self.scan_declared_param(specs, equals_needed, 0)
            .or_else(|| match allowed {
                Allowed::DeclaredOrKnown => self.scan_known_param(specs, equals_needed, 0),
                Allowed::DeclaredOnly => None,
            })
    }

    /// Parses `name = value` parameters for as long as they appear.
    pub(crate) fn parse_params(
        &mut self,
        specs: &[ParamSpec],
        allowed: Allowed,
        equals_needed: bool,
    ) -> PResult<Vec<NamedParam>> {
        let mut params = Vec::new();
        while let Some(len) = self.scan_param_name(specs, allowed, equals_needed) {
            params.push(self.parse_param_after_name(specs, len)?);
        }
        Ok(params)
    }

    /// Parses a comma-separated parameter list (`with (a=1, b=2)`).
    pub(crate) fn parse_param_comma_list(
        &mut self,
        specs: &[ParamSpec],
        allowed: Allowed,
    ) -> PResult<Vec<NamedParam>> {
        let mut params = Vec::new();
        if self.at_list_end(0) {
            return Ok(params);
        }
        loop {
            match self.scan_param_name(specs, allowed, false) {
                Some(len) => params.push(self.parse_param_after_name(specs, len)?),
                None => {
                    let mut error = self.error_expected(&["property name"]);
                    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
                    error.expected = names.iter().map(|s| (*s).to_string()).collect();
                    if self.is_word(0) {
                        error.message = format!(
                            "`{}` is not a known property here; expected one of: {}.",
                            self.text(0),
                            names.join(", ")
                        );
                        error.suggestion =
                            crate::diagnostic::closest(self.text(0), names.iter().copied());
                    }
                    return Err(error);
                }
            }
            if self.eat(Tok::Comma).is_none() {
                return Ok(params);
            }
        }
    }

    fn parse_param_after_name(&mut self, specs: &[ParamSpec], len: usize) -> PResult<NamedParam> {
        let name_start = self.span(0);
        self.pos += len;
        let name_span = self.span_from(name_start);
        let name = name_span.text(self.src).to_string();
        self.expect(Tok::Eq)?;
        let spec = find_spec(specs, &name)
            .or_else(|| find_spec(GLOBAL, &name))
            .copied();
        let value = match spec {
            Some(spec) => self.parse_param_value(&spec)?,
            None => ParamValue::Expr(self.expect_any_param_value()?),
        };
        Ok(NamedParam {
            name,
            name_span,
            value,
            span: self.span_from(name_start),
        })
    }

    /// A specific parameter (matched by text), as `render` and
    /// `getschema` use them: returns `None` when it is not here.
    pub(crate) fn parse_specific_param(&mut self, spec: &ParamSpec) -> PResult<Option<NamedParam>> {
        let Some(len) = self.match_text(0, spec.name) else {
            return Ok(None);
        };
        if !spec.no_equals && self.kind(len) != Tok::Eq {
            return Ok(None);
        }
        let name_start = self.span(0);
        self.pos += len;
        let name_span = self.span_from(name_start);
        if !spec.no_equals {
            self.expect(Tok::Eq)?;
        }
        let value = self.parse_param_value(spec)?;
        Ok(Some(NamedParam {
            name: spec.name.to_string(),
            name_span,
            value,
            span: self.span_from(name_start),
        }))
    }

    fn parse_param_value(&mut self, spec: &ParamSpec) -> PResult<ParamValue> {
        let value = match spec.kind {
            ValueKind::Any | ValueKind::Literal => self.expect_any_param_value()?,
            ValueKind::ForcedReal => match self.parse_forced_real()? {
                Some(e) => e,
                None => self.expect_any_param_value()?,
            },
            ValueKind::String => match self.parse_call_or_path()? {
                Some(e) => e,
                None => return Err(self.error_expected(&["value"])),
            },
            ValueKind::Word => {
                if let Some((word, span)) = self.eat_one_of(spec.values) {
                    word_expr(word, span)
                } else {
                    match self.parse_any_param_value()? {
                        Some(e) => e,
                        None if spec.values.is_empty() => {
                            return Err(self.error_expected(&["value"]));
                        }
                        None => return Err(self.error_expected(spec.values)),
                    }
                }
            }
            ValueKind::NameDeclaration | ValueKind::Column => match self.parse_name() {
                Some(name) => name_expr(name),
                None => self.expect_any_param_value()?,
            },
            ValueKind::ColumnList => {
                return self.parse_param_name_list(spec).map(ParamValue::Names);
            }
        };
        Ok(ParamValue::Expr(value))
    }

    /// `a, b, c` for a column-list parameter; the list ends before another
    /// known parameter name.
    fn parse_param_name_list(&mut self, spec: &ParamSpec) -> PResult<Vec<Ident>> {
        let legacy_render = spec.no_equals;
        let at_end = |p: &Self, offset: usize| {
            if legacy_render {
                ["kind", "title", "accumulate", "with", "by"]
                    .iter()
                    .any(|n| p.match_text(offset, n).is_some())
                    || p.at_list_end(offset)
            } else if p.kind(offset) == Tok::Comma {
                p.scan_known_param(RENDER_WITH, false, offset + 1).is_some()
                    || p.at_list_end(offset + 1)
            } else {
                p.scan_known_param(RENDER_WITH, true, offset).is_some() || p.at_list_end(offset)
            }
        };
        let mut names = Vec::new();
        loop {
            if at_end(self, 0) {
                break;
            }
            let is_declared = self.is_word(0)
                && find_spec(RENDER_WITH, self.text(0)).is_some()
                && self.kind(1) == Tok::Eq;
            if is_declared {
                break;
            }
            match self.parse_extended_name() {
                Some(name) => names.push(name),
                None => break,
            }
            if at_end(self, 0) {
                break;
            }
            if self.eat(Tok::Comma).is_none() {
                // Adjacent names without a comma are a missing comma.
                if self.scan_extended_name(0).is_some() {
                    return Err(self.error_expected(&[","]));
                }
                break;
            }
        }
        if names.is_empty() {
            return Err(self.error_expected(&["column name"]));
        }
        Ok(names)
    }

    /// A literal, a word or a name.
    pub(crate) fn parse_any_param_value(&mut self) -> PResult<Option<Expr>> {
        if let Some(lit) = self.parse_literal()? {
            return Ok(Some(lit));
        }
        Ok(self.parse_name().map(name_expr))
    }

    fn expect_any_param_value(&mut self) -> PResult<Expr> {
        match self.parse_any_param_value()? {
            Some(e) => Ok(e),
            None => Err(self.error_expected(&["value"])),
        }
    }
}

/// A bare word as an expression (`inner` in `kind=inner`).
pub(crate) fn word_expr(word: String, span: crate::span::Span) -> Expr {
    Expr {
        kind: ExprKind::Name(Ident {
            name: word,
            quoting: crate::ast::Quoting::Plain,
            span,
        }),
        span,
    }
}

/// A name as an expression.
pub(crate) fn name_expr(name: Ident) -> Expr {
    let span = name.span;
    Expr {
        kind: ExprKind::Name(name),
        span,
    }
}
