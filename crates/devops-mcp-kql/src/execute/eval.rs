//! Constant folding at plan time: the value of an expression that reads no
//! columns (row counts of `take`, bounds of `range`, cells of
//! `datatable`, the lists of `in` and `has_any`).

use std::sync::Arc;

use datafusion::arrow::datatypes::Schema as ArrowSchema;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::tree_node::TreeNode;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{ColumnarValue, Expr};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::create_physical_expr;
use datafusion::physical_expr::execution_props::ExecutionProps;

/// The value of `expr` when it is constant, `None` when it reads columns,
/// contains a subquery or fails to evaluate.
pub(crate) fn const_eval(expr: &Expr) -> Option<ScalarValue> {
    if let Expr::Literal(value, _) = expr {
        return Some(value.clone());
    }
    let reads_data = expr
        .exists(|e| {
            Ok(matches!(
                e,
                Expr::Column(_)
                    | Expr::ScalarSubquery(_)
                    | Expr::InSubquery(_)
                    | Expr::Exists(_)
                    | Expr::OuterReferenceColumn(..)
                    | Expr::AggregateFunction(_)
                    | Expr::WindowFunction(_)
            ))
        })
        .unwrap_or(true);
    if reads_data {
        return None;
    }
    let schema = Arc::new(DFSchema::empty());
    let context = SimplifyContext::builder()
        .with_schema(schema.clone())
        .build();
    let simplifier = ExprSimplifier::new(context);
    let coerced = simplifier.coerce(expr.clone(), &schema).ok()?;
    if let Ok(Expr::Literal(value, _)) = simplifier.simplify(coerced.clone()) {
        return Some(value);
    }
    // Volatile functions (`rand()`) are not folded by the simplifier:
    // evaluate them once on a one-row batch.
    let props = ExecutionProps::new();
    let physical = create_physical_expr(&coerced, &schema, &props).ok()?;
    let batch = RecordBatch::try_new_with_options(
        Arc::new(ArrowSchema::empty()),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )
    .ok()?;
    match physical.evaluate(&batch).ok()? {
        ColumnarValue::Scalar(s) => Some(s),
        ColumnarValue::Array(a) => ScalarValue::try_from_array(&a, 0).ok(),
    }
}
