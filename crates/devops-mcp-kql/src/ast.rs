//! The KQL syntax tree.
//!
//! Shape: a [`Query`] is a list of [`Statement`]s (`let`, `set`, `declare
//! query_parameters`, ..., and expression statements). Tabular and scalar
//! expressions share one [`Expr`] type because KQL's syntax does not tell
//! them apart (`T` may be a table or a column); semantic analysis decides.
//! A pipeline `T | where x > 1 | take 10` is a left-nested chain of
//! [`ExprKind::Pipe`] nodes whose right side is an [`Operator`], which is
//! the shape a planner folds into a logical plan: plan the input, then apply
//! the operator. Every node carries the [`Span`] of the text it came from.
//!
//! Literal values are decoded here (strings unescaped, numbers parsed,
//! datetimes and timespans converted to 100-nanosecond ticks), so later
//! stages never re-read the source text.

use crate::span::Span;

/// A whole query: statements separated by `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The statements in order; the result of the query is the last
    /// tabular expression statement.
    pub statements: Vec<Statement>,
    /// Client directives (`#connect ...`) that preceded the statements.
    pub directives: Vec<Span>,
    /// The whole text.
    pub span: Span,
    /// The query text the spans refer to.
    pub source: String,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// What kind of statement it is.
    pub kind: StatementKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of statement.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// `let name = value`.
    Let {
        /// The bound name.
        name: Ident,
        /// What it is bound to.
        value: LetValue,
    },
    /// `set name [= value]`: a request option.
    Set {
        /// The option name.
        name: Ident,
        /// The value, when given.
        value: Option<Expr>,
    },
    /// `declare query_parameters(name:type [= default], ...)`.
    QueryParameters(Vec<FunctionParam>),
    /// `declare pattern name [= ...]`.
    Pattern(PatternDecl),
    /// `alias database name = cluster(...).database(...)`.
    Alias {
        /// The alias.
        name: Ident,
        /// The database expression.
        value: Expr,
    },
    /// `restrict access to (entities) [with (...)]`.
    Restrict {
        /// The entities access is restricted to.
        entities: Vec<Expr>,
        /// `with (name = value, ...)` properties.
        properties: Vec<NamedParam>,
    },
    /// An expression (a tabular query, or a scalar in some contexts).
    Expr(Expr),
}

/// The right side of a `let` statement.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar or tabular expression (including `materialize(...)`).
    Expr(Expr),
    /// A user-defined function (lambda) or `view`.
    Function(FunctionDecl),
    /// `entity_group[...]`.
    EntityGroup(Vec<Expr>),
}

/// A user-defined function: `(a:int, b:string = "x") { let c = a; T | ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDecl {
    /// True for `view (...) { ... }`.
    pub is_view: bool,
    /// The declared parameters.
    pub params: Vec<FunctionParam>,
    /// `let` / `declare` statements inside the body.
    pub body_statements: Vec<Statement>,
    /// The body's result expression (absent only in an empty body).
    pub body: Option<Box<Expr>>,
    /// Where it is.
    pub span: Span,
}

/// A function or query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionParam {
    /// The parameter name.
    pub name: Ident,
    /// Its declared type: a scalar type or a tabular schema.
    pub ty: ParamType,
    /// The default value (`= literal`), making the parameter optional.
    pub default: Option<Expr>,
    /// Where it is.
    pub span: Span,
}

/// The declared type of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// A scalar type such as `int` or `datetime`.
    Scalar(TypeName),
    /// A tabular parameter: `(*)` for any table, or `(col:type, ...)` with
    /// `has_star` set when the schema starts with `*`.
    Tabular {
        /// Columns the table must have.
        columns: Vec<ColumnDecl>,
        /// True for an open schema (`(*)` or `(*, col:type)`).
        has_star: bool,
    },
}

/// A scalar type name as written (`int`, `long`, `boolean`, `int64`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// The name as written.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// `name:type` in a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    /// Column name.
    pub name: Ident,
    /// Column type; `None` where a type may be omitted (`parse ... with x`).
    pub ty: Option<TypeName>,
    /// Where it is.
    pub span: Span,
}

/// `declare pattern` declarations are parsed and kept opaque.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternDecl {
    /// The pattern name.
    pub name: Ident,
    /// Where the declaration is.
    pub span: Span,
}

/// A name: an identifier, a bracketed name (`['my col']`) or a client
/// parameter (`{name}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name with brackets and quotes removed.
    pub name: String,
    /// How it was written.
    pub quoting: Quoting,
    /// Where it is.
    pub span: Span,
}

/// How a name was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// A bare identifier or keyword-as-identifier.
    Plain,
    /// `['name']` or `["name"]`.
    Bracketed,
    /// `{name}`, a client-side parameter.
    Braced,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal value.
    Literal(Literal),
    /// A name reference: a column, table, `let` binding or parameter.
    Name(Ident),
    /// A wildcarded name such as `Table*` or `*Events` (`union`, `find`,
    /// `project-away`).
    Wildcard(String),
    /// `*` as an argument (`count(*)`, `arg_max(t, *)`) or search target.
    Star,
    /// `@` inside a path expression.
    At,
    /// `target.member`: property access on dynamic values, and
    /// `cluster(...).database(...).Table` entity paths.
    Member {
        /// The object.
        target: Box<Expr>,
        /// The selected member: a `Name`, a `Call` or a `Wildcard`.
        member: Box<Expr>,
    },
    /// `target[index]`: array index or property by name on dynamic values.
    Index {
        /// The indexed value.
        target: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// `name(args)`.
    Call {
        /// The function name.
        name: Ident,
        /// The arguments (a named argument is `name = value`).
        args: Vec<NamedExpr>,
    },
    /// `-x` or `+x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `left op right`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand (`Star` for `* has "x"`).
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `left in (a, b)`, `left has_any (...)`, ... The list is either
    /// scalar expressions or a single tabular expression.
    List {
        /// The operator.
        op: ListOp,
        /// Tested value.
        left: Box<Expr>,
        /// The values.
        list: Vec<Expr>,
    },
    /// `left between (low .. high)` / `!between`.
    Between {
        /// True for `!between`.
        negated: bool,
        /// Tested value.
        left: Box<Expr>,
        /// Lower bound (inclusive).
        low: Box<Expr>,
        /// Upper bound (inclusive).
        high: Box<Expr>,
    },
    /// `(expr)`.
    Paren(Box<Expr>),
    /// `dynamic(...)`.
    Dynamic(DynamicValue),
    /// `typeof(int)` or `typeof(a:int, b:string)`.
    TypeOf(Vec<TypeOfItem>),
    /// `toscalar([kind=...] expr)`.
    ToScalar {
        /// Parameters such as `kind=nooptimization`.
        params: Vec<NamedParam>,
        /// The tabular expression.
        expr: Box<Expr>,
    },
    /// `totable([kind=...] expr)`.
    ToTable {
        /// Parameters such as `kind=nooptimization`.
        params: Vec<NamedParam>,
        /// The expression.
        expr: Box<Expr>,
    },
    /// `materialize(expr)`.
    Materialize(Box<Expr>),
    /// `datatable(schema)[values]`.
    DataTable {
        /// Parameters before the schema.
        params: Vec<NamedParam>,
        /// Column declarations.
        columns: Vec<ColumnDecl>,
        /// Cell values, row-major.
        values: Vec<Expr>,
    },
    /// `externaldata(schema)[uris] [with (...)]`.
    ExternalData {
        /// Column declarations.
        columns: Vec<ColumnDecl>,
        /// Storage URIs.
        uris: Vec<Expr>,
        /// `with (...)` properties.
        properties: Vec<NamedParam>,
    },
    /// `input | operator`.
    Pipe {
        /// The input expression.
        input: Box<Expr>,
        /// The operator applied to it.
        op: Box<Operator>,
    },
    /// A query operator with no piped input (`print`, `range`, `union`,
    /// `find`, `search`, `evaluate`, ...) starting a pipeline.
    Operator(Box<Operator>),
    /// `entity_group[...]`.
    EntityGroup(Vec<Expr>),
    /// `expr datascope=hotcache`.
    DataScope {
        /// The table expression.
        expr: Box<Expr>,
        /// `all` or `hotcache`.
        scope: String,
    },
}

/// A literal value. Values that failed to parse are kept as `Invalid` so
/// that semantic analysis reports them with their position.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null` (only valid inside `dynamic(...)` and as a default value).
    Null,
    /// `true` / `false` / `bool(...)`; `None` is a typed null.
    Bool(Option<bool>),
    /// `int(...)`.
    Int(Option<i32>),
    /// A whole number or `long(...)`.
    Long(Option<i64>),
    /// A number with a fraction or exponent, or `real(...)`.
    Real(Option<f64>),
    /// `decimal(...)`, kept as its text.
    Decimal(Option<String>),
    /// A string, already unescaped.
    String(String),
    /// `datetime(...)`: 100-nanosecond ticks since 1970-01-01T00:00:00Z.
    DateTime(Option<i64>),
    /// A timespan: 100-nanosecond ticks.
    Timespan(Option<i64>),
    /// `guid(...)`, lowercase canonical form.
    Guid(Option<String>),
    /// A typed literal whose content is not a valid value of its type.
    Invalid {
        /// The type the literal claims.
        ty: &'static str,
        /// Why the content is invalid.
        reason: String,
    },
}

/// A value inside `dynamic(...)`, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicValue {
    /// What the value is.
    pub kind: DynamicKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of value inside `dynamic(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum DynamicKind {
    /// `null`.
    Null,
    /// A scalar literal (number, string, bool, datetime, ...).
    Scalar(Literal),
    /// `[a, b]`.
    Array(Vec<DynamicValue>),
    /// `{"k": v}`.
    Object(Vec<DynamicPair>),
    /// A client parameter `{name}` inside the value.
    ClientParameter(String),
}

/// A `"key": value` pair of a property bag.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicPair {
    /// The key, unescaped.
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: DynamicValue,
}

/// An element of `typeof(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeOfItem {
    /// A scalar type: `typeof(int)`.
    Type(TypeName),
    /// A column: `typeof(x:int)`.
    Column(ColumnDecl),
    /// `*`: all input columns.
    Star(Span),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `+x`.
    Plus,
}

/// Binary operators, with KQL's string operators spelled out: `Cs`
/// variants are case-sensitive, the others are not; `Not` variants are the
/// `!`-prefixed forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    /// `=~`: case-insensitive equality.
    EqTilde,
    /// `!~`: case-insensitive inequality.
    NotTilde,
    Has,
    NotHas,
    HasCs,
    NotHasCs,
    HasPrefix,
    NotHasPrefix,
    HasPrefixCs,
    NotHasPrefixCs,
    HasSuffix,
    NotHasSuffix,
    HasSuffixCs,
    NotHasSuffixCs,
    Contains,
    NotContains,
    ContainsCs,
    NotContainsCs,
    StartsWith,
    NotStartsWith,
    StartsWithCs,
    NotStartsWithCs,
    EndsWith,
    NotEndsWith,
    EndsWithCs,
    NotEndsWithCs,
    Like,
    NotLike,
    LikeCs,
    NotLikeCs,
    MatchesRegex,
    /// `column : "term"` in `search`.
    Search,
}

impl BinaryOp {
    /// The operator as written in KQL.
    #[must_use]
    pub fn text(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Eq => "==",
            Ne => "!=",
            And => "and",
            Or => "or",
            EqTilde => "=~",
            NotTilde => "!~",
            Has => "has",
            NotHas => "!has",
            HasCs => "has_cs",
            NotHasCs => "!has_cs",
            HasPrefix => "hasprefix",
            NotHasPrefix => "!hasprefix",
            HasPrefixCs => "hasprefix_cs",
            NotHasPrefixCs => "!hasprefix_cs",
            HasSuffix => "hassuffix",
            NotHasSuffix => "!hassuffix",
            HasSuffixCs => "hassuffix_cs",
            NotHasSuffixCs => "!hassuffix_cs",
            Contains => "contains",
            NotContains => "!contains",
            ContainsCs => "contains_cs",
            NotContainsCs => "!contains_cs",
            StartsWith => "startswith",
            NotStartsWith => "!startswith",
            StartsWithCs => "startswith_cs",
            NotStartsWithCs => "!startswith_cs",
            EndsWith => "endswith",
            NotEndsWith => "!endswith",
            EndsWithCs => "endswith_cs",
            NotEndsWithCs => "!endswith_cs",
            Like => "like",
            NotLike => "notlike",
            LikeCs => "likecs",
            NotLikeCs => "notlikecs",
            MatchesRegex => "matches regex",
            Search => ":",
        }
    }

    /// True for the string-matching operators (`has`, `contains`, `=~`, ...).
    #[must_use]
    pub fn is_string_operator(self) -> bool {
        use BinaryOp::*;
        !matches!(
            self,
            Add | Sub | Mul | Div | Mod | Lt | Le | Gt | Ge | Eq | Ne | And | Or | Search
        )
    }
}

/// Operators that test a value against a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOp {
    /// `in` (case-sensitive).
    In,
    /// `!in`.
    NotIn,
    /// `in~` (case-insensitive).
    InCi,
    /// `!in~`.
    NotInCi,
    /// `has_any`.
    HasAny,
    /// `has_all`.
    HasAll,
}

impl ListOp {
    /// The operator as written in KQL.
    #[must_use]
    pub fn text(self) -> &'static str {
        match self {
            ListOp::In => "in",
            ListOp::NotIn => "!in",
            ListOp::InCi => "in~",
            ListOp::NotInCi => "!in~",
            ListOp::HasAny => "has_any",
            ListOp::HasAll => "has_all",
        }
    }
}

/// An expression with optional output names: `x`, `name = x`, or
/// `(a, b) = f(x)` for functions that return several columns.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    /// The declared names (empty when the expression is unnamed).
    pub names: Vec<Ident>,
    /// The expression.
    pub expr: Expr,
    /// Where the whole item is.
    pub span: Span,
}

/// A query operator parameter: `kind=inner`, `hint.strategy=shuffle`,
/// `withsource=Source`, `title="x"`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedParam {
    /// The parameter name as written (`hint.strategy`).
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// The value; a bare word (`inner`, `shuffle`) is a `Name`.
    pub value: ParamValue,
    /// Where the whole parameter is.
    pub span: Span,
}

/// The value of a [`NamedParam`].
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A single value (literal, word, column name, expression).
    Expr(Expr),
    /// A list of column names (`render ... with (ycolumns=a, b)`).
    Names(Vec<Ident>),
}

impl NamedParam {
    /// The value as a single word or name, if it is one (`kind=inner`).
    #[must_use]
    pub fn word(&self) -> Option<&str> {
        match &self.value {
            ParamValue::Expr(Expr {
                kind: ExprKind::Name(ident),
                ..
            }) => Some(&ident.name),
            _ => None,
        }
    }
}

/// A sort key: `expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedExpr {
    /// The key.
    pub expr: NamedExpr,
    /// `asc` / `desc` / `granny-asc` / `granny-desc` when written.
    pub direction: Option<SortDirection>,
    /// `nulls first` / `nulls last` when written.
    pub nulls: Option<NullsOrder>,
    /// Where it is.
    pub span: Span,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    /// `asc`.
    Asc,
    /// `desc` (KQL's default for `sort`/`top`).
    Desc,
    /// `granny-asc`.
    GrannyAsc,
    /// `granny-desc`.
    GrannyDesc,
}

/// Where nulls sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    /// `nulls first`.
    First,
    /// `nulls last`.
    Last,
}

/// A query operator with its span and the span of its keyword.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    /// What the operator is.
    pub kind: OperatorKind,
    /// Where the operator keyword is.
    pub keyword_span: Span,
    /// Where the whole operator is.
    pub span: Span,
}

/// A join condition.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCondition {
    /// `on a, $left.b == $right.c`.
    On(Vec<Expr>),
    /// `where predicate` (the old syntax).
    Where(Expr),
}

/// One `mv-expand` / `mv-apply` item: `[name =] expr [to typeof(T)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandItem {
    /// The expanded expression (absent in `mv-apply to typeof(T) on (...)`).
    pub expr: Option<NamedExpr>,
    /// The element type from `to typeof(T)`.
    pub to_type: Option<Vec<TypeOfItem>>,
    /// Where it is.
    pub span: Span,
}

/// One part of a `parse` pattern after `with`.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePatternItem {
    /// `*`: skip any text.
    Star(Span),
    /// A string literal that must match.
    Text(String, Span),
    /// `name[:type]`: a column to extract.
    Column(ColumnDecl),
}

/// `by` clause element of `make-series` and `summarize`: same as `NamedExpr`.
pub type ByItem = NamedExpr;

/// An aggregate of `make-series`: `expr [default = value]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesAggregate {
    /// The aggregate expression.
    pub expr: NamedExpr,
    /// The value for empty bins.
    pub default: Option<NamedExpr>,
    /// Where it is.
    pub span: Span,
}

/// The axis range of `make-series`.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesRange {
    /// `[from a] [to b] step c`.
    FromToStep {
        /// Start of the axis.
        from: Option<Box<Expr>>,
        /// End of the axis.
        to: Option<Box<Expr>>,
        /// Bin size.
        step: Box<Expr>,
    },
    /// `in range(a, b, c)` (the older syntax).
    InRange(Vec<NamedExpr>),
}

/// A `top-nested` level.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedLevel {
    /// How many values to keep (absent for "all").
    pub count: Option<NamedExpr>,
    /// The grouping expression after `of`.
    pub of: NamedExpr,
    /// `with others = value`.
    pub others: Option<Expr>,
    /// The aggregate after `by`.
    pub by: OrderedExpr,
    /// Where it is.
    pub span: Span,
}

/// A `fork` branch: `[name =] (operators)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForkBranch {
    /// The branch name.
    pub name: Option<Ident>,
    /// The branch pipeline (starts with an operator applied to the input).
    pub expr: Expr,
    /// Where it is.
    pub span: Span,
}

/// A `scan` step: `step name [optional] [output=...]: predicate [=> assignments];`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStep {
    /// Step name.
    pub name: Ident,
    /// True for `optional`.
    pub optional: bool,
    /// `output=all|last|none`.
    pub output: Option<String>,
    /// Matching condition.
    pub predicate: Expr,
    /// Assignments `name = expr` after `=>`.
    pub assignments: Vec<(Ident, Expr)>,
    /// Where it is.
    pub span: Span,
}

/// A `graph-match` pattern element with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphPatternItem {
    /// Node or edge.
    pub kind: GraphPatternKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of `graph-match` pattern element.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphPatternKind {
    /// `(name)`.
    Node(Option<Ident>),
    /// `-->`, `<--`, `--`, or `-[name*1..3]->` with its parts.
    Edge {
        /// Edge variable name.
        name: Option<Ident>,
        /// Variable length range `*min..max`.
        range: Option<Box<(Expr, Expr)>>,
        /// The arrow as written (`-->`, `<--`, `--`, `-[...]->`, `<-[...]-`, `-[...]-`).
        direction: String,
    },
}

/// `graph-to-table` output: `nodes|edges [as name] [params]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphToTableOutput {
    /// `nodes` or `edges`.
    pub entity: String,
    /// `as name`.
    pub alias: Option<Ident>,
    /// `with_node_id=...`, `with_source_id=...`, ...
    pub params: Vec<NamedParam>,
    /// Where it is.
    pub span: Span,
}

/// `find` / `search` target list: `in (T1, T2*, database("x").T)`.
pub type TableList = Vec<Expr>;

/// Every query operator, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum OperatorKind {
    /// `where` / `filter`.
    Where {
        /// Operator parameters.
        params: Vec<NamedParam>,
        /// The predicate (a name here means `where x = 1`, a mistake the
        /// analyzer reports).
        predicate: NamedExpr,
    },
    /// `project`.
    Project(Vec<NamedExpr>),
    /// `project-away` (names or wildcards).
    ProjectAway(Vec<Expr>),
    /// `project-keep` (names or wildcards).
    ProjectKeep(Vec<Expr>),
    /// `project-rename new = old, ...`.
    ProjectRename(Vec<NamedExpr>),
    /// `project-reorder col [asc|desc], ...`.
    ProjectReorder(Vec<OrderedExpr>),
    /// `project-by-names`.
    ProjectByNames(Vec<Expr>),
    /// `extend`.
    Extend(Vec<NamedExpr>),
    /// `summarize [params] aggregates [by keys]`.
    Summarize {
        /// Hints (`hint.strategy=shuffle`, ...).
        params: Vec<NamedParam>,
        /// Aggregate expressions.
        aggregates: Vec<NamedExpr>,
        /// Group keys.
        by: Vec<NamedExpr>,
        /// The legacy `bin = size` clause after the keys.
        legacy_bin: Option<Expr>,
    },
    /// `count [as name]`.
    Count {
        /// Output column name.
        name: Option<Ident>,
    },
    /// `take` / `limit`.
    Take {
        /// Operator parameters.
        params: Vec<NamedParam>,
        /// Row count.
        count: NamedExpr,
    },
    /// `top n by expr [asc|desc] [nulls ...]`.
    Top {
        /// Operator parameters.
        params: Vec<NamedParam>,
        /// Row count.
        count: NamedExpr,
        /// Sort key.
        by: OrderedExpr,
    },
    /// `top-nested ...`.
    TopNested(Vec<TopNestedLevel>),
    /// `top-hitters n of expr [by expr]`.
    TopHitters {
        /// Count.
        count: NamedExpr,
        /// Expression.
        of: NamedExpr,
        /// Summed expression.
        by: Option<NamedExpr>,
    },
    /// `sort by` / `order by`.
    Sort {
        /// Operator parameters.
        params: Vec<NamedParam>,
        /// Sort keys.
        by: Vec<OrderedExpr>,
    },
    /// `distinct cols` or `distinct *`.
    Distinct {
        /// Operator parameters.
        params: Vec<NamedParam>,
        /// Columns (`Star` for `*`).
        columns: Vec<NamedExpr>,
    },
    /// `join [kind=...] right on ...`.
    Join {
        /// `kind=`, hints.
        params: Vec<NamedParam>,
        /// The right side.
        right: Expr,
        /// `on ...` or `where ...`.
        condition: Option<JoinCondition>,
    },
    /// `lookup [kind=...] right on ...`.
    Lookup {
        /// `kind=`.
        params: Vec<NamedParam>,
        /// The dimension table.
        right: Expr,
        /// The `on` keys.
        on: Vec<Expr>,
    },
    /// `union [params] tables`.
    Union {
        /// `kind=`, `withsource=`, `isfuzzy=`.
        params: Vec<NamedParam>,
        /// The tables.
        tables: Vec<Expr>,
    },
    /// `mv-expand [params] items [limit n]`.
    MvExpand {
        /// `bagexpansion=`, `with_itemindex=`, `kind=`.
        params: Vec<NamedParam>,
        /// Expanded columns.
        items: Vec<ExpandItem>,
        /// Row limit per input row.
        limit: Option<Expr>,
    },
    /// `mv-apply [params] items [limit n] [id expr] on (subquery)`.
    MvApply {
        /// `with_itemindex=`.
        params: Vec<NamedParam>,
        /// Expanded columns.
        items: Vec<ExpandItem>,
        /// Row limit.
        limit: Option<Expr>,
        /// Context id.
        id: Option<Expr>,
        /// The subquery applied to each row's expansion.
        subquery: Expr,
    },
    /// `parse` / `parse-where`.
    Parse {
        /// True for `parse-where` (rows that do not match are dropped).
        is_where: bool,
        /// `kind=simple|regex|relaxed`, `flags=`.
        params: Vec<NamedParam>,
        /// The parsed string expression.
        source: Expr,
        /// The pattern after `with`.
        pattern: Vec<ParsePatternItem>,
    },
    /// `parse-kv expr as (cols) [with (...)]`.
    ParseKv {
        /// The parsed expression.
        source: Expr,
        /// Extracted keys with types.
        keys: Vec<ColumnDecl>,
        /// `with (pair_delimiter=..., ...)`.
        properties: Vec<NamedParam>,
    },
    /// `make-series`.
    MakeSeries {
        /// `kind=nonempty`, hints.
        params: Vec<NamedParam>,
        /// Aggregates with defaults.
        aggregates: Vec<SeriesAggregate>,
        /// The axis column.
        on: NamedExpr,
        /// The axis range.
        range: SeriesRange,
        /// Group keys.
        by: Vec<NamedExpr>,
    },
    /// `range name from a to b step c`.
    Range {
        /// Output column.
        name: Ident,
        /// Start.
        from: Expr,
        /// End (inclusive).
        to: Expr,
        /// Step.
        step: Expr,
    },
    /// `print`.
    Print(Vec<NamedExpr>),
    /// `as [hint.materialized=...] name`.
    As {
        /// Parameters.
        params: Vec<NamedParam>,
        /// The name given to the input.
        name: Ident,
    },
    /// `render chart [legacy properties] [with (...)]`.
    Render {
        /// Visualization (`timechart`, `barchart`, ...).
        chart: Ident,
        /// Legacy properties (`kind=...`, `title=...`, `by ...`).
        params: Vec<NamedParam>,
        /// Properties in `with (...)`.
        properties: Vec<NamedParam>,
    },
    /// `evaluate [hints] plugin(args) [: schema]`.
    Evaluate {
        /// Hints.
        params: Vec<NamedParam>,
        /// The plugin call.
        call: Expr,
        /// Declared output schema.
        schema: Option<(bool, Vec<ColumnDecl>)>,
    },
    /// `invoke function(args)`.
    Invoke(Expr),
    /// `search [kind=...] [in (tables)] predicate`.
    Search {
        /// `kind=`.
        params: Vec<NamedParam>,
        /// `datascope=`.
        data_scope: Option<String>,
        /// Tables searched.
        tables: Option<TableList>,
        /// The predicate.
        predicate: Expr,
    },
    /// `find [withsource=...] [in (tables)] where predicate [project ...]`.
    Find {
        /// `withsource=`.
        params: Vec<NamedParam>,
        /// `datascope=`.
        data_scope: Option<String>,
        /// Tables searched.
        tables: Option<TableList>,
        /// The predicate.
        predicate: Expr,
        /// `project` / `project-smart` columns.
        project: Option<Vec<Expr>>,
        /// `project-away` columns.
        project_away: Option<Vec<Expr>>,
    },
    /// `serialize [name = expr, ...]`.
    Serialize {
        /// Parameters.
        params: Vec<NamedParam>,
        /// Columns computed after serialization.
        columns: Vec<NamedExpr>,
    },
    /// `sample n`.
    Sample {
        /// Parameters.
        params: Vec<NamedParam>,
        /// Row count.
        count: NamedExpr,
    },
    /// `sample-distinct n of column`.
    SampleDistinct {
        /// Parameters.
        params: Vec<NamedParam>,
        /// Count.
        count: NamedExpr,
        /// Column.
        of: NamedExpr,
    },
    /// `getschema [kind=csl]`.
    GetSchema {
        /// `kind=csl`.
        params: Vec<NamedParam>,
    },
    /// `facet by cols [with operator | with (pipeline)]`.
    Facet {
        /// Facet columns.
        by: Vec<Expr>,
        /// Extra pipeline per facet.
        with: Option<Expr>,
    },
    /// `fork (ops) (ops) ...`.
    Fork(Vec<ForkBranch>),
    /// `partition [hints] by col [in (...)] (subquery)` or `{ query }`.
    Partition {
        /// Hints.
        params: Vec<NamedParam>,
        /// Partition key.
        by: Expr,
        /// Partition scope `in (...)`.
        scope: Option<Expr>,
        /// The subquery.
        subquery: Expr,
        /// True for the `{ ... }` form (a standalone query per partition).
        is_query_block: bool,
    },
    /// `__partitionby col [id value] (subquery)` (internal).
    PartitionBy {
        /// Hints.
        params: Vec<NamedParam>,
        /// Key.
        by: Expr,
        /// Id literal.
        id: Option<Expr>,
        /// Subquery.
        subquery: Expr,
    },
    /// `scan [params] [order by ...] [partition by ...] [declare (...)] with (steps)`.
    Scan {
        /// `with_match_id=`, `kind=`.
        params: Vec<NamedParam>,
        /// `order by`.
        order_by: Vec<OrderedExpr>,
        /// `partition by`.
        partition_by: Vec<Expr>,
        /// `declare (...)`.
        declare: Vec<FunctionParam>,
        /// Steps.
        steps: Vec<ScanStep>,
    },
    /// `consume [decodeblocks=...]`.
    Consume {
        /// Parameters.
        params: Vec<NamedParam>,
    },
    /// `reduce [kind=...] by expr [with threshold=..., characters=...]`.
    Reduce {
        /// Parameters.
        params: Vec<NamedParam>,
        /// Reduced expression.
        by: NamedExpr,
        /// `with` parameters.
        with: Vec<NamedParam>,
    },
    /// `make-graph src --> dst with nodes on key ...`.
    MakeGraph {
        /// Parameters.
        params: Vec<NamedParam>,
        /// Source column.
        source: Ident,
        /// True for `-->` (directed), false for `--`.
        directed: bool,
        /// Target column.
        target: Ident,
        /// `with T on key, ...` (node tables and keys).
        node_tables: Vec<(Expr, Ident)>,
        /// `with_node_id=name`.
        node_id: Option<Ident>,
        /// `partitioned-by col (subquery)`.
        partitioned_by: Option<(Ident, Expr)>,
    },
    /// `graph-match` / `graph-shortest-paths`.
    GraphMatch {
        /// True for `graph-shortest-paths`.
        shortest_paths: bool,
        /// Parameters (`cycles=`, `output=`).
        params: Vec<NamedParam>,
        /// The patterns.
        patterns: Vec<Vec<GraphPatternItem>>,
        /// `where` clause.
        predicate: Option<Expr>,
        /// `project` clause.
        project: Option<Vec<NamedExpr>>,
    },
    /// `graph-to-table nodes [as n], edges [as e]`.
    GraphToTable(Vec<GraphToTableOutput>),
    /// `graph-mark-components [kind=...] [with_component_id=...]`.
    GraphMarkComponents {
        /// Parameters.
        params: Vec<NamedParam>,
    },
    /// `graph-where-nodes predicate`.
    GraphWhereNodes(Expr),
    /// `graph-where-edges predicate`.
    GraphWhereEdges(Expr),
    /// `assert-schema (cols)`.
    AssertSchema(Vec<ColumnDecl>),
    /// `__executeAndCache`.
    ExecuteAndCache,
    /// `macro-expand [params] entity_group as name (statements)`.
    MacroExpand {
        /// Parameters.
        params: Vec<NamedParam>,
        /// The entity group.
        entity_group: Expr,
        /// `as name`.
        scope_name: Option<Ident>,
        /// The statements run for each entity.
        statements: Vec<Statement>,
    },
    /// `inline_external_table(...) kind=... ...` (kept opaque).
    InlineExternalTable,
}

impl OperatorKind {
    /// The operator's name as written in KQL (for messages).
    #[must_use]
    pub fn name(&self) -> &'static str {
        use OperatorKind::*;
        match self {
            Where { .. } => "where",
            Project(_) => "project",
            ProjectAway(_) => "project-away",
            ProjectKeep(_) => "project-keep",
            ProjectRename(_) => "project-rename",
            ProjectReorder(_) => "project-reorder",
            ProjectByNames(_) => "project-by-names",
            Extend(_) => "extend",
            Summarize { .. } => "summarize",
            Count { .. } => "count",
            Take { .. } => "take",
            Top { .. } => "top",
            TopNested(_) => "top-nested",
            TopHitters { .. } => "top-hitters",
            Sort { .. } => "sort",
            Distinct { .. } => "distinct",
            Join { .. } => "join",
            Lookup { .. } => "lookup",
            Union { .. } => "union",
            MvExpand { .. } => "mv-expand",
            MvApply { .. } => "mv-apply",
            Parse {
                is_where: false, ..
            } => "parse",
            Parse { is_where: true, .. } => "parse-where",
            ParseKv { .. } => "parse-kv",
            MakeSeries { .. } => "make-series",
            Range { .. } => "range",
            Print(_) => "print",
            As { .. } => "as",
            Render { .. } => "render",
            Evaluate { .. } => "evaluate",
            Invoke(_) => "invoke",
            Search { .. } => "search",
            Find { .. } => "find",
            Serialize { .. } => "serialize",
            Sample { .. } => "sample",
            SampleDistinct { .. } => "sample-distinct",
            GetSchema { .. } => "getschema",
            Facet { .. } => "facet",
            Fork(_) => "fork",
            Partition { .. } => "partition",
            PartitionBy { .. } => "__partitionby",
            Scan { .. } => "scan",
            Consume { .. } => "consume",
            Reduce { .. } => "reduce",
            MakeGraph { .. } => "make-graph",
            GraphMatch {
                shortest_paths: false,
                ..
            } => "graph-match",
            GraphMatch {
                shortest_paths: true,
                ..
            } => "graph-shortest-paths",
            GraphToTable(_) => "graph-to-table",
            GraphMarkComponents { .. } => "graph-mark-components",
            GraphWhereNodes(_) => "graph-where-nodes",
            GraphWhereEdges(_) => "graph-where-edges",
            AssertSchema(_) => "assert-schema",
            ExecuteAndCache => "__executeAndCache",
            MacroExpand { .. } => "macro-expand",
            InlineExternalTable => "inline_external_table",
        }
    }
}
