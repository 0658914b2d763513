//! DataFusion scalar UDFs for KQL functions and operators.
//!
//! One UDF type, [`KqlUdf`], wraps a vectorized closure. Because the
//! engine knows the KQL type of every argument when it plans a call (an
//! `Int64` can be a long, a datetime or a timespan), each call site builds
//! its own UDF instance with those types baked in, and the UDF's name
//! encodes them so that DataFusion's equality checks (common
//! subexpression elimination) never merge two different functions.
//!
//! [`row_udf`] adapts a row-at-a-time closure over [`Value`]s, which is how
//! most of the long tail of KQL functions is written; hot operators (`has`,
//! `contains`, `bin`, JSON property access) have vectorized bodies.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
    expr::ScalarFunction,
};

use super::value::{Value, arrow_type, build_array};
use crate::types::KqlType;

/// A vectorized function body: the arguments and the number of rows.
pub(crate) type VecFn =
    Arc<dyn Fn(&[ColumnarValue], usize) -> DfResult<ColumnarValue> + Send + Sync>;

/// A row-at-a-time function body.
pub(crate) type RowFn = Arc<dyn Fn(&[Value]) -> Value + Send + Sync>;

/// A KQL function or operator as a DataFusion UDF.
pub(crate) struct KqlUdf {
    name: String,
    ret: DataType,
    signature: Signature,
    func: VecFn,
}

impl fmt::Debug for KqlUdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KqlUdf").field("name", &self.name).finish()
    }
}

impl PartialEq for KqlUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for KqlUdf {}

impl Hash for KqlUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for KqlUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(self.ret.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        (self.func)(&args.args, args.number_rows)
    }
}

/// A call of a vectorized UDF. `name` must identify the behaviour
/// completely (include constant parameters that change it).
pub(crate) fn vec_call(
    name: String,
    ret: DataType,
    volatile: bool,
    func: VecFn,
    args: Vec<Expr>,
) -> Expr {
    let volatility = if volatile {
        Volatility::Volatile
    } else {
        Volatility::Immutable
    };
    let signature = if args.is_empty() {
        Signature::nullary(volatility)
    } else {
        Signature::variadic_any(volatility)
    };
    let udf = KqlUdf {
        name,
        ret,
        signature,
        func,
    };
    Expr::ScalarFunction(ScalarFunction::new_udf(
        Arc::new(ScalarUDF::new_from_impl(udf)),
        args,
    ))
}

/// A call of a row-at-a-time function over values of the given KQL types.
pub(crate) fn row_call(
    name: &str,
    arg_types: &[KqlType],
    ret: KqlType,
    volatile: bool,
    func: RowFn,
    args: Vec<Expr>,
) -> Expr {
    let types: Vec<&str> = arg_types.iter().map(|t| t.name()).collect();
    let full_name = format!("{name}({})->{}", types.join(","), ret.name());
    let arg_types = arg_types.to_vec();
    let body: VecFn =
        Arc::new(move |args, rows| run_rows(args, rows, &arg_types, ret, volatile, &func));
    vec_call(full_name, arrow_type(ret), volatile, body, args)
}

/// Evaluates a row function over columnar arguments.
fn run_rows(
    args: &[ColumnarValue],
    rows: usize,
    arg_types: &[KqlType],
    ret: KqlType,
    volatile: bool,
    func: &RowFn,
) -> DfResult<ColumnarValue> {
    let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let n = if all_scalar && !(volatile && args.is_empty()) {
        1
    } else {
        rows
    };
    let arrays: Vec<ArrayRef> = args
        .iter()
        .map(|a| a.to_array(n))
        .collect::<DfResult<_>>()?;
    let mut values = Vec::with_capacity(arrays.len());
    let mut out = Vec::with_capacity(n);
    for row in 0..n {
        values.clear();
        for (i, array) in arrays.iter().enumerate() {
            let ty = arg_types.get(i).copied().unwrap_or(KqlType::Dynamic);
            values.push(Value::from_array(array.as_ref(), row, ty));
        }
        out.push(func(&values));
    }
    let array = build_array(ret, out);
    if n == 1 && all_scalar && !(volatile && args.is_empty()) {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// Builds a [`RowFn`] from a closure.
pub(crate) fn row_fn(f: impl Fn(&[Value]) -> Value + Send + Sync + 'static) -> RowFn {
    Arc::new(f)
}
