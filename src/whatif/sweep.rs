//! Sweeps: many seeded runs of one branch, on every core, and the distribution of outcomes.
//!
//! Run `i` uses a seed derived only from the sweep seed and `i`, and results are gathered in
//! index order, so a sweep gives the same result with any number of threads. The shared prefix
//! is replayed once ([`Prepared`]) and every run starts from a copy of it.

use super::compare::facts;
use super::{Outcome, Prepared};
use crate::core::Day;
use crate::core::state::Status;
use crate::core::world::ActorId;
use crate::r#gen::Rng;
use crate::report::{Align, Table, round4};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The seed of run `i` of a sweep seeded with `seed`.
pub fn run_seed(seed: u64, i: u64) -> u64 {
    let mut r = Rng::new(seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
    r.next_u64()
}

/// What a sweep keeps of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub seed: u64,
    pub digest: String,
    /// Per mission, in world order.
    pub missions: Vec<(Status, u32)>,
    /// The drafted answers in order, as `actor:kind` (`!` marks a draft the core rejected).
    pub sequence: String,
    pub generated: u32,
    pub rejected: u32,
    /// Conflict weight of every accepted event after the fork (minus Goldstein scores).
    pub escalation: f64,
}

/// Summarises one outcome.
pub fn summarise(p: &Prepared, o: &Outcome) -> RunSummary {
    let w = &p.base.world;
    let sequence: Vec<String> = o
        .generated
        .iter()
        .map(|g| {
            format!(
                "{}:{}{}",
                w.actor(g.event.actor).key,
                g.event.kind().key(),
                if g.rejected.is_some() { "!" } else { "" }
            )
        })
        .collect();
    RunSummary {
        seed: o.seed,
        digest: o.digest(),
        missions: w
            .mission_ids()
            .map(|m| {
                let f = facts(w, &o.state, m);
                (f.status, f.headcount)
            })
            .collect(),
        sequence: if sequence.is_empty() {
            "(no answer)".into()
        } else {
            sequence.join(" > ")
        },
        generated: o.generated.len() as u32,
        rejected: o.generated.iter().filter(|g| g.rejected.is_some()).count() as u32,
        escalation: o
            .steps
            .iter()
            .filter(|s| s.actor.is_some())
            .map(|s| s.goldstein.map_or(0.0, |g| f64::from(-g.min(0.0))))
            .sum(),
    }
}

/// The most runs a sweep is asked for: every run keeps a summary in memory (a few hundred
/// bytes), so ten million is already gigabytes.
pub const MAX_RUNS: usize = 10_000_000;

/// Runs `runs` branches seeded from `seed` on a pool of `threads` threads. `progress`, if
/// given, counts finished runs as they finish. Results are in run order whatever the number of
/// threads, so they are the same for any `threads`.
///
/// # Panics
///
/// If `runs` exceeds [`MAX_RUNS`].
pub fn sweep(
    p: &Prepared,
    runs: usize,
    seed: u64,
    threads: usize,
    progress: Option<&AtomicUsize>,
) -> Vec<RunSummary> {
    sweep_with(p, runs, seed, threads, progress, summarise)
}

/// Runs a sweep as [`sweep`] does, keeping what `keep` takes of each run's outcome (run `i`
/// drawn from [`run_seed`]`(seed, i)`), in run order whatever the number of threads.
///
/// # Panics
///
/// If `runs` exceeds [`MAX_RUNS`].
pub fn sweep_with<T, F>(
    p: &Prepared,
    runs: usize,
    seed: u64,
    threads: usize,
    progress: Option<&AtomicUsize>,
    keep: F,
) -> Vec<T>
where
    T: Send,
    F: Fn(&Prepared, &Outcome) -> T + Sync,
{
    assert!(
        runs <= MAX_RUNS,
        "a sweep of {runs} runs: at most {MAX_RUNS}"
    );
    let work = |i: usize| -> T {
        let s = keep(p, &p.run(run_seed(seed, i as u64), false));
        if let Some(c) = progress {
            c.fetch_add(1, Ordering::Relaxed);
        }
        s
    };
    let threads = threads.min(runs);
    if threads <= 1 {
        return (0..runs).map(work).collect();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        // An indexed parallel iterator collects in index order.
        Ok(pool) => pool.install(|| (0..runs).into_par_iter().map(work).collect()),
        Err(_) => (0..runs).map(work).collect(),
    }
}

/// The conflict weight each accepted event after the fork adds (minus its Goldstein score when
/// negative), as (day, actor, weight), in the order the events ran; events of no weight are
/// left out. Their sum is [`RunSummary::escalation`].
pub fn escalation_steps(o: &Outcome) -> Vec<(Day, ActorId, f64)> {
    o.steps
        .iter()
        .filter_map(|s| {
            let a = s.actor?;
            let w = s.goldstein.map_or(0.0, |g| f64::from(-g.min(0.0)));
            (w > 0.0).then_some((s.day, a, w))
        })
        .collect()
}

/// The distribution of a sweep's outcomes.
#[derive(Clone, Debug)]
pub struct Distribution {
    pub runs: usize,
    /// Per mission: id, runs ending in each status (in [`STATUSES`] order), mean, min and max
    /// headcount.
    pub missions: Vec<(String, [usize; 5], f64, u32, u32)>,
    /// Most common answer sequences, most frequent first (ties by text).
    pub sequences: Vec<(String, usize)>,
    pub mean_generated: f64,
    pub mean_rejected: f64,
    pub mean_escalation: f64,
    pub distinct_outcomes: usize,
}

pub const STATUSES: [Status; 5] = [
    Status::Active,
    Status::OverCap,
    Status::Suspended,
    Status::Closed,
    Status::NotOpen,
];

/// Aggregates summaries, in index order.
pub fn distribution(p: &Prepared, runs: &[RunSummary], top: usize) -> Distribution {
    let w = &p.base.world;
    let n = runs.len().max(1) as f64;
    let missions = w
        .mission_ids()
        .map(|m| {
            let mut by = [0usize; 5];
            let (mut sum, mut lo, mut hi) = (0u64, u32::MAX, 0u32);
            for r in runs {
                let (st, h) = r.missions[m.index()];
                let k = STATUSES
                    .iter()
                    .position(|s| *s == st)
                    .expect("every status");
                by[k] += 1;
                sum += u64::from(h);
                lo = lo.min(h);
                hi = hi.max(h);
            }
            if runs.is_empty() {
                lo = 0;
            }
            (w.mission(m).key.clone(), by, sum as f64 / n, lo, hi)
        })
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in runs {
        *counts.entry(&r.sequence).or_default() += 1;
    }
    let mut sequences: Vec<(String, usize)> =
        counts.iter().map(|(s, c)| (s.to_string(), *c)).collect();
    sequences.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    sequences.truncate(top);
    let mut digests: Vec<&str> = runs.iter().map(|r| r.digest.as_str()).collect();
    digests.sort_unstable();
    digests.dedup();
    Distribution {
        runs: runs.len(),
        missions,
        sequences,
        mean_generated: runs.iter().map(|r| f64::from(r.generated)).sum::<f64>() / n,
        mean_rejected: runs.iter().map(|r| f64::from(r.rejected)).sum::<f64>() / n,
        mean_escalation: runs.iter().map(|r| r.escalation).sum::<f64>() / n,
        distinct_outcomes: digests.len(),
    }
}

fn share(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 * 100.0 / n as f64
    }
}

impl Distribution {
    pub fn text(&self, title: &str, seed: u64) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "Sweep: {title}");
        let _ = writeln!(
            o,
            "{} runs, seed {seed}, {} distinct final states",
            self.runs, self.distinct_outcomes
        );
        let _ = writeln!(
            o,
            "\nMissions at the end (share of runs by status; headcount mean, min-max)"
        );
        let mut t = Table::new(&[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ]);
        t.row([
            "mission",
            "active",
            "over-cap",
            "suspended",
            "closed",
            "not-open",
            "mean",
            "min-max",
        ]);
        for (id, by, mean, lo, hi) in &self.missions {
            let pct = |k: usize| format!("{:.1}%", share(by[k], self.runs));
            t.row([
                id.clone(),
                pct(0),
                pct(1),
                pct(2),
                pct(3),
                pct(4),
                format!("{mean:.2}"),
                format!("{lo}-{hi}"),
            ]);
        }
        o += &t.render("  ");
        let _ = writeln!(o, "\nMost common answer sequences");
        for (s, c) in &self.sequences {
            let _ = writeln!(o, "  {:>6.2}%  {s}", share(*c, self.runs));
        }
        let _ = writeln!(
            o,
            "\nPer run: {:.2} answers drafted on average, {:.2} rejected by the core; mean conflict weight after the fork {:.2}",
            self.mean_generated, self.mean_rejected, self.mean_escalation
        );
        o
    }

    pub fn json(&self, title: &str, seed: u64) -> Value {
        json!({
            "title": title,
            "runs": self.runs,
            "seed": seed,
            "distinct_outcomes": self.distinct_outcomes,
            "missions": self.missions.iter().map(|(id, by, mean, lo, hi)| {
                let shares: serde_json::Map<String, Value> = STATUSES.iter().zip(by)
                    .map(|(s, k)| (s.key().to_string(), json!(round4(share(*k, self.runs) / 100.0)))).collect();
                json!({"id": id, "status_share": shares, "headcount": {"mean": round4(*mean), "min": lo, "max": hi}})
            }).collect::<Vec<_>>(),
            "sequences": self.sequences.iter().map(|(s, c)| json!({"sequence": s, "runs": c, "share": round4(share(*c, self.runs) / 100.0)})).collect::<Vec<_>>(),
            "mean_generated": round4(self.mean_generated),
            "mean_rejected": round4(self.mean_rejected),
            "mean_escalation": round4(self.mean_escalation),
        })
    }
}

/// One CSV row per run: index, seed, digest, answers, rejected, conflict weight, answer
/// sequence, then status and headcount of every mission. Fields are quoted as CSV requires
/// (ids may hold commas and quotes).
pub fn csv(p: &Prepared, runs: &[RunSummary]) -> String {
    let w = &p.base.world;
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = [
        "run",
        "seed",
        "digest",
        "answers",
        "rejected",
        "escalation",
        "sequence",
    ]
    .map(String::from)
    .to_vec();
    for m in w.mission_ids() {
        let k = &w.mission(m).key;
        head.push(format!("{k}.status"));
        head.push(format!("{k}.headcount"));
    }
    // Writing to memory fails only on a record of the wrong length, which cannot happen here.
    let _ = out.write_record(&head);
    for (i, r) in runs.iter().enumerate() {
        let mut row = vec![
            i.to_string(),
            r.seed.to_string(),
            r.digest.clone(),
            r.generated.to_string(),
            r.rejected.to_string(),
            format!("{:.1}", r.escalation),
            r.sequence.clone(),
        ];
        for (s, h) in &r.missions {
            row.push(s.key().to_string());
            row.push(h.to_string());
        }
        let _ = out.write_record(&row);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
