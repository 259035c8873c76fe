//! Sweeps started through the API: each runs on the blocking pool and rayon, counts its runs as
//! they finish, and keeps its result for later requests. At most `max_sweeps` run at once.

use crate::whatif::Prepared;
use crate::whatif::sweep::{RunSummary, run_seed, summarise};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Finished sweeps kept for `GET /api/sweeps/{id}`; the oldest are forgotten past this.
const KEPT: usize = 64;
/// Runs between two looks at the cancel flag.
const CHUNK: usize = 1024;

#[derive(Clone, Debug)]
pub enum Outcome {
    Done(Value),
    Failed(String),
    Cancelled,
}

/// One sweep: its progress, and its outcome once it has one.
pub struct Job {
    pub id: u64,
    pub name: String,
    pub total: usize,
    pub done: AtomicUsize,
    cancel: AtomicBool,
    outcome: Mutex<Option<Outcome>>,
    /// Wakes the event streams when the sweep ends.
    pub finished: tokio::sync::Notify,
}

impl Job {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub fn finish(&self, o: Outcome) {
        *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(o);
        self.finished.notify_waiters();
    }

    /// `{"id", "scenario", "status", "done", "total"}`, and `result` or `error` once known.
    pub fn status_json(&self) -> Value {
        let done = self.done.load(Ordering::Relaxed).min(self.total);
        let mut v = json!({
            "id": self.id.to_string(),
            "scenario": self.name,
            "done": done,
            "total": self.total,
        });
        let status = match self.outcome() {
            None => "running",
            Some(Outcome::Done(r)) => {
                v["result"] = r;
                "done"
            }
            Some(Outcome::Failed(e)) => {
                v["error"] = json!(e);
                "failed"
            }
            Some(Outcome::Cancelled) => "cancelled",
        };
        v["status"] = json!(status);
        v
    }

    /// Every run of the sweep, in run order, with the seeds `demarche sweep` uses, so the
    /// result is the command line's; `None` if cancelled first.
    pub fn run_all(&self, p: &Prepared, seed: u64) -> Option<Vec<RunSummary>> {
        let mut out = Vec::with_capacity(self.total);
        let mut from = 0;
        while from < self.total {
            if self.cancelled() {
                return None;
            }
            let to = (from + CHUNK).min(self.total);
            let chunk: Vec<RunSummary> = (from..to)
                .into_par_iter()
                .map(|i| {
                    let s = summarise(p, &p.run(run_seed(seed, i as u64), false));
                    self.done.fetch_add(1, Ordering::Relaxed);
                    s
                })
                .collect();
            out.extend(chunk);
            from = to;
        }
        Some(out)
    }
}

pub struct Sweeps {
    slots: Arc<Semaphore>,
    next: AtomicU64,
    jobs: Mutex<BTreeMap<u64, Arc<Job>>>,
}

impl Sweeps {
    pub fn new(max: usize) -> Sweeps {
        Sweeps {
            slots: Arc::new(Semaphore::new(max)),
            next: AtomicU64::new(1),
            jobs: Mutex::new(BTreeMap::new()),
        }
    }

    /// A slot for one more sweep, if fewer than the maximum run.
    pub fn slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().ok()
    }

    pub fn start(&self, name: &str, total: usize) -> Arc<Job> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let job = Arc::new(Job {
            id,
            name: name.to_string(),
            total,
            done: AtomicUsize::new(0),
            cancel: AtomicBool::new(false),
            outcome: Mutex::new(None),
            finished: tokio::sync::Notify::new(),
        });
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.insert(id, job.clone());
        // Forget the oldest finished sweeps beyond the ones kept.
        let finished: Vec<u64> = jobs
            .iter()
            .filter(|(_, j)| j.outcome().is_some())
            .map(|(k, _)| *k)
            .collect();
        for k in finished.iter().take(finished.len().saturating_sub(KEPT)) {
            jobs.remove(k);
        }
        job
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        let id: u64 = id.parse().ok()?;
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    pub fn cancel_all(&self) {
        for j in self.jobs.lock().unwrap_or_else(|e| e.into_inner()).values() {
            j.cancel();
        }
    }
}
