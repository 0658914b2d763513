//! Parser behaviour at the public API: the tree it builds, literal values,
//! and the errors it reports (position, expected tokens, suggestions).

use devops_mcp_kql::ast::{
    BinaryOp, DynamicKind, ExprKind, JoinCondition, LetValue, ListOp, Literal, OperatorKind,
    ParamType, SortDirection, StatementKind,
};
use devops_mcp_kql::{ParseError, Query, parse};

fn parse_ok(text: &str) -> Query {
    parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn parse_err(text: &str) -> ParseError {
    match parse(text) {
        Ok(q) => panic!("{text:?} should not parse, got {q:?}"),
        Err(e) => e,
    }
}

/// The operators of the last statement's pipeline, first to last.
fn pipeline_ops(query: &Query) -> Vec<&OperatorKind> {
    let Some(StatementKind::Expr(last)) = query.statements.last().map(|s| &s.kind) else {
        panic!("last statement is not an expression");
    };
    let mut e = last;
    let mut ops = Vec::new();
    loop {
        match &e.kind {
            ExprKind::Pipe { input, op } => {
                ops.push(&op.kind);
                e = input;
            }
            ExprKind::Operator(op) => {
                ops.push(&op.kind);
                break;
            }
            _ => break,
        }
    }
    ops.reverse();
    ops
}

#[test]
fn pipeline_shape_and_spans() {
    let text = "requests | where duration > 100 | summarize count() by bin(timestamp, 1h) | take 5";
    let query = parse_ok(text);
    assert_eq!(query.statements.len(), 1);
    let ops = pipeline_ops(&query);
    assert_eq!(
        ops.iter().map(|o| o.name()).collect::<Vec<_>>(),
        ["where", "summarize", "take"]
    );
    let StatementKind::Expr(e) = &query.statements[0].kind else {
        panic!("expression statement")
    };
    assert_eq!(e.span.text(text), text);
    let ExprKind::Pipe { op, .. } = &e.kind else {
        panic!("pipe")
    };
    assert_eq!(op.span.text(text), "take 5");
    assert_eq!(op.keyword_span.text(text), "take");
}

#[test]
fn precedence_follows_kusto() {
    // String operators bind tighter than arithmetic, `and` tighter than `or`.
    let query = parse_ok("print a or b and c == 1 + 2 * 3");
    let [OperatorKind::Print(items)] = pipeline_ops(&query).as_slice() else {
        panic!()
    };
    let ExprKind::Binary {
        op: BinaryOp::Or,
        right,
        ..
    } = &items[0].expr.kind
    else {
        panic!()
    };
    let ExprKind::Binary {
        op: BinaryOp::And,
        right,
        ..
    } = &right.kind
    else {
        panic!()
    };
    let ExprKind::Binary {
        op: BinaryOp::Eq,
        right,
        ..
    } = &right.kind
    else {
        panic!()
    };
    let ExprKind::Binary {
        op: BinaryOp::Add,
        right,
        ..
    } = &right.kind
    else {
        panic!()
    };
    assert!(matches!(
        right.kind,
        ExprKind::Binary {
            op: BinaryOp::Mul,
            ..
        }
    ));
    // `in~`, `!in` and `has_any` are list operators.
    let query = parse_ok("T | where a !in~ ('x', 'y') and b has_any (dynamic(['z']))");
    let [OperatorKind::Where { predicate, .. }] = pipeline_ops(&query)[..] else {
        panic!()
    };
    let ExprKind::Binary { left, right, .. } = &predicate.expr.kind else {
        panic!()
    };
    assert!(matches!(
        left.kind,
        ExprKind::List {
            op: ListOp::NotInCi,
            ..
        }
    ));
    assert!(matches!(
        right.kind,
        ExprKind::List {
            op: ListOp::HasAny,
            ..
        }
    ));
}

#[test]
fn literals_are_decoded() {
    let query = parse_ok(
        r#"print 'it\'s', @"c:\dir", h'hidden', "a" 'b', ```multi
line```, 42, 0x10, 1.5, 1d, 90m, 100ms, int(null), datetime(2024-01-31T10:00:00Z), guid(74BE27DE-1E4E-49D9-B579-FE0B331D3642), dynamic({"k": [1, -2.5, null]})"#,
    );
    let [OperatorKind::Print(items)] = pipeline_ops(&query).as_slice() else {
        panic!()
    };
    let lit = |i: usize| match &items[i].expr.kind {
        ExprKind::Literal(l) => l.clone(),
        other => panic!("item {i} is {other:?}"),
    };
    assert_eq!(lit(0), Literal::String("it's".into()));
    assert_eq!(lit(1), Literal::String(r"c:\dir".into()));
    assert_eq!(lit(2), Literal::String("hidden".into()));
    assert_eq!(lit(3), Literal::String("ab".into()));
    assert_eq!(lit(4), Literal::String("multi\nline".into()));
    assert_eq!(lit(5), Literal::Long(Some(42)));
    assert_eq!(lit(6), Literal::Long(Some(16)));
    assert_eq!(lit(7), Literal::Real(Some(1.5)));
    assert_eq!(lit(8), Literal::Timespan(Some(864_000_000_000)));
    assert_eq!(lit(9), Literal::Timespan(Some(90 * 600_000_000)));
    assert_eq!(lit(10), Literal::Timespan(Some(1_000_000)));
    assert_eq!(lit(11), Literal::Int(None));
    // 2024-01-31T10:00:00Z = 1706695200 seconds after the epoch.
    assert_eq!(lit(12), Literal::DateTime(Some(1_706_695_200 * 10_000_000)));
    assert_eq!(
        lit(13),
        Literal::Guid(Some("74be27de-1e4e-49d9-b579-fe0b331d3642".into()))
    );
    let ExprKind::Dynamic(value) = &items[14].expr.kind else {
        panic!()
    };
    let DynamicKind::Object(pairs) = &value.kind else {
        panic!()
    };
    assert_eq!(pairs[0].key, "k");
    let DynamicKind::Array(values) = &pairs[0].value.kind else {
        panic!()
    };
    let kinds: Vec<&DynamicKind> = values.iter().map(|v| &v.kind).collect();
    assert_eq!(
        kinds,
        [
            &DynamicKind::Scalar(Literal::Long(Some(1))),
            &DynamicKind::Scalar(Literal::Real(Some(-2.5))),
            &DynamicKind::Null,
        ]
    );
    assert_eq!(values[1].span.text(&query.source), "-2.5");
}

#[test]
fn statements_let_functions_and_options() {
    let query = parse_ok(
        "set notruncation;\n\
         declare query_parameters(region:string = 'eu');\n\
         let threshold = 500;\n\
         let slow = (T:(duration:real), limit:long = 10) { T | where duration > threshold | take limit };\n\
         let m = materialize(requests | take 100);\n\
         slow(m)",
    );
    assert!(matches!(
        query.statements[0].kind,
        StatementKind::Set { .. }
    ));
    assert!(
        matches!(&query.statements[1].kind, StatementKind::QueryParameters(p) if p[0].default.is_some())
    );
    let StatementKind::Let {
        value: LetValue::Function(f),
        ..
    } = &query.statements[3].kind
    else {
        panic!("function")
    };
    assert!(
        matches!(&f.params[0].ty, ParamType::Tabular { columns, has_star: false } if columns.len() == 1)
    );
    assert!(f.params[1].default.is_some());
    assert!(matches!(
        &query.statements[4].kind,
        StatementKind::Let { value: LetValue::Expr(e), .. } if matches!(e.kind, ExprKind::Materialize(_))
    ));
}

#[test]
fn operator_parameters_and_clauses() {
    let query = parse_ok(
        "T | join kind=leftouter hint.strategy=broadcast (U) on $left.a == $right.b, c \
         | mv-expand bagexpansion=array with_itemindex=i x to typeof(long) limit 10 \
         | sort by a asc nulls first, b desc \
         | render timechart with (title='t', ycolumns=a, b)",
    );
    let ops = pipeline_ops(&query);
    let OperatorKind::Join {
        params, condition, ..
    } = ops[0]
    else {
        panic!()
    };
    assert_eq!(params[0].name, "kind");
    assert_eq!(params[0].word(), Some("leftouter"));
    assert_eq!(params[1].name, "hint.strategy");
    assert!(matches!(condition, Some(JoinCondition::On(keys)) if keys.len() == 2));
    let OperatorKind::MvExpand {
        params,
        items,
        limit,
    } = ops[1]
    else {
        panic!()
    };
    assert_eq!(params.len(), 2);
    assert!(items[0].to_type.is_some() && limit.is_some());
    let OperatorKind::Sort { by, .. } = ops[2] else {
        panic!()
    };
    assert_eq!(by[0].direction, Some(SortDirection::Asc));
    assert!(by[0].nulls.is_some());
    let OperatorKind::Render {
        chart, properties, ..
    } = ops[3]
    else {
        panic!()
    };
    assert_eq!(chart.name, "timechart");
    assert_eq!(properties.len(), 2);
}

#[test]
fn errors_have_positions_and_expectations() {
    let e = parse_err("requests\n| where duration > 100\n| summarize count() by bin(timestamp, 1h");
    let d = &e.diagnostic;
    assert_eq!((d.line, d.column), (3, 41));
    assert_eq!(d.code, "syntax");
    assert_eq!(d.expected, [")"]);
    assert!(d.message.contains("Expected `)`"), "{}", d.message);
    assert!(
        e.to_string().starts_with("error at line 3, column 41:"),
        "{e}"
    );

    let e = parse_err("T | where (a > 1");
    assert_eq!(e.diagnostic.expected, [")"]);
    let e = parse_err("print 'unterminated");
    assert!(e.diagnostic.message.contains("missing its closing"), "{e}");
    let e = parse_err("T | take 1 U");
    assert!(e.diagnostic.expected.contains(&";".to_string()), "{e}");
}

#[test]
fn misspelled_operators_get_suggestions() {
    for (text, suggestion) in [
        ("T | wher x > 1", "where"),
        ("T | summarise count()", "summarize"),
        ("T | projct a", "project"),
        ("T | Where x > 1", "where"),
        ("T | mv-expnd x", "mv-expand"),
        ("T | extnd y = 1", "extend"),
    ] {
        let e = parse_err(text);
        assert_eq!(
            e.diagnostic.suggestion.as_deref(),
            Some(suggestion),
            "{text}: {e}"
        );
        assert_eq!(e.diagnostic.column, 5, "{text}");
        assert!(e.diagnostic.expected.iter().any(|x| x == "where"), "{text}");
    }
}

#[test]
fn management_commands_are_rejected() {
    for text in [
        ".drop table T",
        ".set-or-append T <| print 1",
        "  .show tables",
        ".create table T (a:int)",
    ] {
        let e = parse_err(text);
        assert_eq!(e.diagnostic.code, "management-command", "{text}");
        assert!(
            e.diagnostic.message.contains("only queries are allowed"),
            "{e}"
        );
    }
}

#[test]
fn keywords_need_brackets_to_be_names() {
    let e = parse_err("T | extend first = 1");
    assert_eq!(e.diagnostic.suggestion.as_deref(), Some("['first']"));
    parse_ok("T | extend ['first'] = 1");
    parse_ok("T | extend where = 1, count = 2");
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    // Runs on the 2 MiB stack of a test thread in an unoptimised build: the
    // deepest accepted nesting of each shape must parse and analyse without
    // overflowing, and anything deeper must be an error.
    let shapes: [(&str, &str, &str, &str, &str); 8] = [
        ("print ", "(", "1", ")", ""),
        ("print ", "-(", "1", ")", ""),
        ("print ", "f(", "1", ")", ""),
        ("print dynamic(", "[", "1", "]", ")"),
        ("T | where x in ", "(T | where x in ", "(1)", ")", ""),
        ("T | fork ", "(fork ", "(take 1)", ")", ""),
        ("print ", "toscalar(print ", "1", ")", ""),
        ("", "let f = () { ", "1", " }; f", ""),
    ];
    let catalog = devops_mcp_kql::Catalog::new();
    for (prefix, open, inner, close, suffix) in shapes {
        let mut deepest_ok = 0;
        for depth in 1..80 {
            let text = format!(
                "{prefix}{}{inner}{}{suffix}",
                open.repeat(depth),
                close.repeat(depth)
            );
            match parse(&text) {
                Ok(query) => {
                    deepest_ok = depth;
                    let _ = devops_mcp_kql::analyze(&query, &catalog);
                }
                Err(e) if e.diagnostic.message.contains("nested too deeply") => break,
                Err(_) => {}
            }
        }
        assert!(
            deepest_ok >= 10,
            "{open:?}: only {deepest_ok} levels accepted"
        );
        let hostile = format!(
            "{prefix}{}{inner}{}{suffix}",
            open.repeat(5000),
            close.repeat(5000)
        );
        let e = parse_err(&hostile);
        assert!(
            e.diagnostic.message.contains("nested too deeply"),
            "{open:?}: {e}"
        );
    }
}

#[test]
fn empty_and_comment_only_queries_parse() {
    assert!(parse_ok("").statements.is_empty());
    assert!(parse_ok("// nothing here\n").statements.is_empty());
    assert_eq!(parse_ok("T;").statements.len(), 1);
}
