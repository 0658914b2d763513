//! Yield and stop points in the physical plan, so that a cancelled,
//! timed-out or dropped query stops using CPU promptly.
//!
//! A Tokio task only stops, and the `tokio::select!` that watches the
//! cancellation token and the timer only runs, when a future returns
//! `Pending`. DataFusion's yield points take one unit of Tokio's task
//! budget per batch at data sources and exchanges, so a task yields every
//! 128 batches: seconds or minutes when batches are expensive, and never
//! when an operator makes batches out of none (a join pairing every row
//! with every row, `mv-expand` of long arrays, a sort or `summarize`
//! emitting what it holds). A cancelled query then kept workers busy, and
//! with every worker busy not even the timer fired.
//!
//! [`YieldPoints`] wraps every operator that can emit batches without
//! first receiving one (leaves, exchanges, joins, aggregations, sorts,
//! unnest, and any operator this list does not know, such as one a
//! DataFusion upgrade adds) in a [`YieldExec`]. Between two batches its
//! stream ends the query with an error once the token is cancelled or the
//! deadline has passed (`run` reports it as cancelled or timed out), and
//! yields to Tokio when the task has been running for [`SLICE`]; a dropped
//! or aborted query stops at that yield. Projections, filters and limits
//! only pass batches on, so a point below them covers them. The cost is a
//! clock read per batch and wrapped operator.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DataFusionError, Result, Statistics};
use datafusion::execution::TaskContext;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::execution_plan::CardinalityEffect;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::filter_pushdown::{
    ChildPushdownResult, FilterDescription, FilterPushdownPhase, FilterPushdownPropagation,
};
use datafusion::physical_plan::limit::{GlobalLimitExec, LocalLimitExec};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PhysicalExpr, PlanProperties, RecordBatchStream,
    SendableRecordBatchStream,
};
use futures::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

/// How long a task runs between two yields to Tokio at most (give or
/// take one batch).
const SLICE: Duration = Duration::from_millis(10);

/// The name of DataFusion's rule [`YieldPoints`] runs after.
const AFTER: &str = "EnsureCooperative";

/// What stops a query: its cancellation token and its deadline.
#[derive(Debug, Clone, Default)]
pub(super) struct StopSignal {
    /// Cancels the query when triggered.
    pub(super) token: Option<CancellationToken>,
    /// The query times out at this instant.
    pub(super) deadline: Option<Instant>,
}

impl StopSignal {
    /// Whether the token was cancelled.
    pub(super) fn cancelled(&self) -> bool {
        self.token
            .as_ref()
            .is_some_and(CancellationToken::is_cancelled)
    }

    /// Whether the deadline has passed.
    pub(super) fn timed_out(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// The physical optimizer rule that adds the yield points.
#[derive(Debug)]
struct YieldPoints {
    stop: StopSignal,
}

impl PhysicalOptimizerRule for YieldPoints {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            Ok(if needs_yield_point(&node) {
                let wrapped: Arc<dyn ExecutionPlan> =
                    Arc::new(YieldExec::new(node, self.stop.clone()));
                Transformed::yes(wrapped)
            } else {
                Transformed::no(node)
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "KqlYieldPoints"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Whether `plan` can emit a batch without receiving one.
fn needs_yield_point(plan: &Arc<dyn ExecutionPlan>) -> bool {
    if plan.children().is_empty() {
        return true;
    }
    !(plan.is::<YieldExec>()
        || plan.is::<CooperativeExec>()
        || plan.is::<ProjectionExec>()
        || plan.is::<FilterExec>()
        || plan.is::<LocalLimitExec>()
        || plan.is::<GlobalLimitExec>())
}

/// DataFusion's physical optimizer rules with [`YieldPoints`] for `stop`
/// right after `EnsureCooperative`: late enough to see the final
/// operators, and before the last filter pushdown, which wires dynamic
/// filters (TopK, join keys) to the operators of the final plan and must
/// not see it change afterwards.
pub(super) fn physical_optimizer_rules(
    stop: &StopSignal,
) -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
    let mut rules = PhysicalOptimizer::new().rules;
    let at = rules
        .iter()
        .position(|r| r.name() == AFTER)
        .map_or(rules.len().saturating_sub(1), |i| i + 1);
    rules.insert(at, Arc::new(YieldPoints { stop: stop.clone() }));
    rules
}

/// An operator that passes its input's batches on unchanged, stopping
/// the query when it is cancelled or timed out and yielding to Tokio every
/// [`SLICE`].
#[derive(Debug)]
struct YieldExec {
    input: Arc<dyn ExecutionPlan>,
    stop: StopSignal,
}

impl YieldExec {
    fn new(input: Arc<dyn ExecutionPlan>, stop: StopSignal) -> Self {
        Self { input, stop }
    }
}

impl DisplayAs for YieldExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "YieldExec")
    }
}

impl ExecutionPlan for YieldExec {
    fn name(&self) -> &str {
        "YieldExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match (children.pop(), children.is_empty()) {
            (Some(input), true) => Ok(Arc::new(YieldExec::new(input, self.stop.clone()))),
            _ => Err(DataFusionError::Internal(
                "YieldExec takes exactly one input".into(),
            )),
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let inner = self.input.execute(partition, context)?;
        Ok(Box::pin(YieldStream {
            inner,
            stop: self.stop.clone(),
            resumed_at: None,
            ended: false,
        }))
    }

    fn partition_statistics(&self, partition: Option<usize>) -> Result<Arc<Statistics>> {
        self.input.partition_statistics(partition)
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }

    // Filters pass through, so dynamic filters still reach the scans.
    fn gather_filters_for_pushdown(
        &self,
        _phase: FilterPushdownPhase,
        parent_filters: Vec<Arc<dyn PhysicalExpr>>,
        _config: &ConfigOptions,
    ) -> Result<FilterDescription> {
        FilterDescription::from_children(parent_filters, &self.children())
    }

    fn handle_child_pushdown_result(
        &self,
        _phase: FilterPushdownPhase,
        child_pushdown_result: ChildPushdownResult,
        _config: &ConfigOptions,
    ) -> Result<FilterPushdownPropagation<Arc<dyn ExecutionPlan>>> {
        Ok(FilterPushdownPropagation::if_all(child_pushdown_result))
    }
}

/// The stream of a [`YieldExec`].
struct YieldStream {
    inner: SendableRecordBatchStream,
    stop: StopSignal,
    /// When the task was first polled after this stream last returned
    /// `Pending` (`None` until then): measuring from the first poll rather
    /// than from the yield keeps a task that waits long in the run queue
    /// from yielding again at once, forever.
    resumed_at: Option<Instant>,
    ended: bool,
}

impl Stream for YieldStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        if self.stop.cancelled() || self.stop.timed_out() {
            self.ended = true;
            return Poll::Ready(Some(Err(DataFusionError::Execution(
                "the query was cancelled or timed out".into(),
            ))));
        }
        let now = Instant::now();
        match self.resumed_at {
            None => self.resumed_at = Some(now),
            Some(at) if now.duration_since(at) >= SLICE => {
                // Through `yield_now`, which Tokio wakes only after the
                // worker has looked at its other queues, timers and I/O: a
                // plain self-wake goes back to the local run queue and can
                // starve an aborted or woken task for seconds.
                let yielded = std::pin::pin!(tokio::task::yield_now()).poll(cx);
                if yielded.is_pending() {
                    self.resumed_at = None;
                    return Poll::Pending;
                }
            }
            Some(_) => {}
        }
        let polled = self.inner.poll_next_unpin(cx);
        if polled.is_pending() {
            self.resumed_at = None;
        }
        polled
    }
}

impl RecordBatchStream for YieldStream {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_after_ensure_cooperative_and_before_the_last_filter_pushdown() {
        let names: Vec<String> = physical_optimizer_rules(&StopSignal::default())
            .iter()
            .map(|r| r.name().to_string())
            .collect();
        let ours = names.iter().position(|n| n == "KqlYieldPoints");
        let ensure = names.iter().position(|n| n == AFTER);
        assert!(
            matches!((ensure, ours), (Some(e), Some(o)) if o == e + 1),
            "{names:?}"
        );
        let last_pushdown = names.iter().rposition(|n| n.starts_with("FilterPushdown"));
        assert!(last_pushdown > ours, "{names:?}");
    }
}
