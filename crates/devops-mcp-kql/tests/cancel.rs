//! A cancelled, timed-out or dropped query stops using CPU promptly, even
//! when an operator makes a huge output out of a small input (a join on a
//! constant key, `mv-expand` of long arrays), where DataFusion inserts no
//! yield point of its own.
//!
//! The whole check is one test: it measures the CPU time of the process,
//! which tests running at the same time in the same process (`cargo test`)
//! would disturb.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use devops_mcp_kql::{CancellationToken, KqlError, LocalEngine, QueryResult, RunOptions};

/// Linux reports process CPU times in `USER_HZ` ticks, 100 per second on
/// every architecture the project builds for.
const USER_HZ: f64 = 100.0;

/// User plus system CPU time of this process so far, in seconds.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat is readable");
    // Fields after the command name (which may hold spaces) start at the
    // third; utime and stime are the 14th and 15th.
    let rest = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    ticks as f64 / USER_HZ
}

/// Ways a caller stops a query.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// The cancellation token fires.
    Cancel,
    /// The query's own timeout expires.
    Timeout,
    /// The caller drops the `run` future (an aborted task, a client gone).
    Drop,
}

/// How long a query runs before it is stopped.
const RUN_FOR: Duration = Duration::from_millis(300);

/// Runs `query` on its own multi-thread runtime, stops it after
/// [`RUN_FOR`] as `stop` says and checks that `run` returns the right
/// error within a second and that the process then stays (nearly) idle.
fn stops_promptly(query: &str, stop: Stop) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let token = CancellationToken::new();
    let options = RunOptions {
        cancel: Some(token.clone()),
        timeout: Some(match stop {
            Stop::Timeout => RUN_FOR,
            Stop::Cancel | Stop::Drop => Duration::from_secs(600),
        }),
        ..RunOptions::default()
    };
    let (sender, results) = mpsc::channel::<Result<QueryResult, KqlError>>();
    let text = query.to_string();
    // The test thread is not a runtime worker, so it keeps time even when
    // the query holds every worker.
    let task = runtime.spawn(async move {
        let result = LocalEngine::empty().run(&text, &options).await;
        let _ = sender.send(result);
    });
    std::thread::sleep(RUN_FOR);
    let outcome = stop_and_measure(&token, &task, &results, stop);
    // A worker still busy with the query would not stop when the runtime
    // is dropped: leave it behind rather than hang the test.
    runtime.shutdown_background();
    if let Err(problem) = outcome {
        panic!("{stop:?}: {problem}\n{query}");
    }
}

/// Stops the query, waits for `run` to end and measures the CPU time the
/// process uses in the next 1.5 s.
fn stop_and_measure(
    token: &CancellationToken,
    task: &tokio::task::JoinHandle<()>,
    results: &mpsc::Receiver<Result<QueryResult, KqlError>>,
    stop: Stop,
) -> Result<(), String> {
    let stopped = Instant::now();
    match stop {
        Stop::Cancel => token.cancel(),
        Stop::Timeout => {}
        Stop::Drop => task.abort(),
    }
    match stop {
        Stop::Cancel | Stop::Timeout => {
            let result = results
                .recv_timeout(Duration::from_secs(1))
                .map_err(|_| "`run` did not return within 1 s".to_string())?;
            match (stop, result) {
                (Stop::Cancel, Err(KqlError::Cancelled))
                | (Stop::Timeout, Err(KqlError::Timeout { .. })) => {}
                (_, other) => return Err(format!("unexpected result {other:?}")),
            }
        }
        Stop::Drop => {
            while !task.is_finished() {
                if stopped.elapsed() > Duration::from_secs(1) {
                    return Err("the aborted task did not end within 1 s".into());
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            if results.try_recv().is_ok() {
                return Err("the query finished before it was stopped; use a heavier one".into());
            }
        }
    }
    let before = process_cpu_seconds();
    std::thread::sleep(Duration::from_millis(1500));
    let used = process_cpu_seconds() - before;
    if used < 0.3 {
        Ok(())
    } else {
        Err(format!(
            "the process used {used:.2} CPU-s in the 1.5 s after `run` ended: the query kept running"
        ))
    }
}

#[test]
fn stopped_queries_stop_using_cpu() {
    // Every row pairs with every row: 4 * 10^10 rows from 4 * 10^5.
    let join = "range x from 1 to 200000 step 1 | extend k = 1
        | join kind=inner (range y from 1 to 200000 step 1 | extend k = 1) on k
        | count";
    // 2 * 10^7 rows from 10^6 arrays of 20 elements. (The stop points are
    // between batches, and `mv-expand` of a batch is one batch: arrays of
    // thousands of elements make batches that take seconds each.)
    let expand = "range x from 1 to 1000000 step 1 | extend a = range(1, 20)
        | mv-expand a | summarize sum(tolong(a))";
    for query in [join, expand] {
        for stop in [Stop::Cancel, Stop::Timeout, Stop::Drop] {
            stops_promptly(query, stop);
        }
    }
}
