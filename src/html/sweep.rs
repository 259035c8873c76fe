//! The sweep view of the report: the distribution of many seeded runs of one branch, aggregated
//! so that the page's size does not grow with the number of runs.
//!
//! Per mission the page gets the number of runs ending in each status and a histogram of the
//! final headcount (at most [`MAX_BINS`] bins); per actor, quantiles of the cumulative conflict
//! weight since the fork on at most [`MAX_DAYS`] days. Runs themselves are listed only as
//! examples: the first [`TABLE_RUNS`] runs, and the first [`SAMPLE_RUNS`] runs of every bar
//! segment, histogram bin and answer sequence, each with its seed.

use super::series::status_code;
use crate::core::Day;
use crate::core::world::ActorId;
use crate::whatif::Prepared;
use crate::whatif::sweep::{RunSummary, distribution};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The most headcount bins per mission.
pub const MAX_BINS: u32 = 40;
/// The most days the escalation quantiles are given for.
pub const MAX_DAYS: i32 = 366;
/// Runs listed in the table of runs (the first ones).
pub const TABLE_RUNS: usize = 100;
/// Runs listed for each bar segment, histogram bin or answer sequence (the first ones).
pub const SAMPLE_RUNS: usize = 12;
/// Answer sequences listed, most frequent first.
pub const TOP_SEQUENCES: usize = 10;
/// The quantiles of the escalation bands.
pub const QUANTILES: [f64; 5] = [0.1, 0.25, 0.5, 0.75, 0.9];

/// What the report keeps of one run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRun {
    pub summary: RunSummary,
    /// (day, actor, weight) of every event after the fork that adds conflict weight
    /// ([`crate::whatif::sweep::escalation_steps`]).
    pub steps: Vec<(Day, ActorId, f64)>,
}

/// Keeps what the report needs of a run: pass to [`crate::whatif::sweep::sweep_with`].
pub fn keep(p: &Prepared, o: &crate::whatif::Outcome) -> SweepRun {
    SweepRun {
        summary: crate::whatif::sweep::summarise(p, o),
        steps: crate::whatif::sweep::escalation_steps(o),
    }
}

/// A histogram of one mission's final headcount: bin `k` holds the runs whose headcount is
/// from `lo[k]` to `hi[k]`, both included.
#[derive(Serialize, Default, Debug)]
pub struct Histogram {
    pub lo: Vec<u32>,
    pub hi: Vec<u32>,
    pub count: Vec<usize>,
    /// The first runs of each bin, by index.
    pub runs: Vec<Vec<u32>>,
    pub mean: f64,
    pub min: u32,
    pub max: u32,
}

#[derive(Serialize, Debug)]
pub struct EscalationBands {
    pub actors: Vec<u32>,
    pub day: Vec<i32>,
    pub quantiles: [f64; 5],
    /// `values[actor][quantile][day]`: the cumulative weight since the fork at the end of the
    /// day, at that quantile over runs.
    pub values: Vec<Vec<Vec<f64>>>,
    /// The mean of the total weight over runs, per actor, at the last day.
    pub mean_total: Vec<f64>,
}

#[derive(Serialize, Debug)]
pub struct SequenceOut {
    pub text: String,
    pub count: usize,
    pub runs: Vec<u32>,
}

/// The runs the page lists, column by column.
#[derive(Serialize, Default, Debug)]
pub struct Listed {
    pub index: Vec<u32>,
    /// Seeds as decimal text: a JavaScript number cannot hold every 64-bit seed.
    pub seed: Vec<String>,
    /// Per run, each mission's status code (the page's status order).
    pub status: Vec<Vec<u8>>,
    pub headcount: Vec<Vec<u32>>,
    pub escalation: Vec<f64>,
    pub sequence: Vec<String>,
}

#[derive(Serialize, Debug)]
pub struct SweepOut {
    pub title: String,
    pub seed: String,
    pub runs: usize,
    /// The `demarche whatif` command that replays one run, but for its seed.
    pub command: String,
    pub distinct_outcomes: usize,
    pub mean_escalation: f64,
    pub fork_day: Option<i32>,
    pub fork_id: Option<String>,
    /// Per mission, the runs ending in each status (the page's status order).
    pub status: Vec<[usize; 5]>,
    /// Per mission and status, the first runs ending so.
    pub status_runs: Vec<Vec<Vec<u32>>>,
    pub headcount: Vec<Histogram>,
    pub escalation: EscalationBands,
    pub sequences: Vec<SequenceOut>,
    /// The runs of the table of runs, by index.
    pub table: Vec<u32>,
    pub listed: Listed,
}

fn round4(x: f64) -> f64 {
    crate::report::round4(x)
}

/// The value at quantile `q` of sorted values (nearest rank: the smallest value with at least
/// a share `q` of the values at or below it).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The days the escalation quantiles are given for: every day from `from` to `to` when there
/// are at most [`MAX_DAYS`], else [`MAX_DAYS`] days evenly spread, both ends included.
pub fn grid(from: i32, to: i32) -> Vec<i32> {
    let span = i64::from(to) - i64::from(from);
    if span < 0 {
        return vec![from];
    }
    if span < i64::from(MAX_DAYS) {
        return (from..=to).collect();
    }
    let n = i64::from(MAX_DAYS) - 1;
    let mut v: Vec<i32> = (0..=n)
        .map(|k| (i64::from(from) + span * k / n) as i32)
        .collect();
    v.dedup();
    v
}

/// Aggregates a sweep's runs (in run order) for the page.
pub fn aggregate(
    p: &Prepared,
    title: String,
    seed: u64,
    command: String,
    end: i32,
    runs: &[SweepRun],
) -> SweepOut {
    let w = &p.base.world;
    let n = runs.len();
    let nm = w.mission_ids().count();
    let summaries: Vec<RunSummary> = runs.iter().map(|r| r.summary.clone()).collect();
    let dist = distribution(p, &summaries, TOP_SEQUENCES);
    let mut listed_set: BTreeSet<u32> = (0..n.min(TABLE_RUNS) as u32).collect();

    // Statuses.
    let mut status = vec![[0usize; 5]; nm];
    let mut status_runs = vec![vec![Vec::new(); 5]; nm];
    for (i, r) in runs.iter().enumerate() {
        for (m, (st, _)) in r.summary.missions.iter().enumerate() {
            let c = status_code(*st) as usize;
            status[m][c] += 1;
            if status_runs[m][c].len() < SAMPLE_RUNS {
                status_runs[m][c].push(i as u32);
            }
        }
    }

    // Headcount histograms.
    let headcount: Vec<Histogram> = (0..nm)
        .map(|m| {
            let hs = || runs.iter().map(|r| r.summary.missions[m].1);
            let (lo, hi) = (hs().min().unwrap_or(0), hs().max().unwrap_or(0));
            let values = hi - lo + 1;
            let width = values.div_ceil(MAX_BINS).max(1);
            let bins = values.div_ceil(width) as usize;
            let mut h = Histogram {
                lo: (0..bins as u32).map(|k| lo + k * width).collect(),
                hi: (0..bins as u32)
                    .map(|k| (lo + (k + 1) * width - 1).min(hi))
                    .collect(),
                count: vec![0; bins],
                runs: vec![Vec::new(); bins],
                mean: round4(hs().map(f64::from).sum::<f64>() / n.max(1) as f64),
                min: lo,
                max: hi,
            };
            for (i, x) in hs().enumerate() {
                let k = ((x - lo) / width) as usize;
                h.count[k] += 1;
                if h.runs[k].len() < SAMPLE_RUNS {
                    h.runs[k].push(i as u32);
                }
            }
            h
        })
        .collect();

    // Escalation quantiles per actor and day.
    let mut actors: Vec<ActorId> = runs
        .iter()
        .flat_map(|r| r.steps.iter().map(|s| s.1))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    actors.sort();
    let fork_day = p.fork_day().map(|d| d.0);
    let last_step = runs
        .iter()
        .flat_map(|r| r.steps.iter().map(|s| s.0.0))
        .max();
    let first_step = runs
        .iter()
        .flat_map(|r| r.steps.iter().map(|s| s.0.0))
        .min();
    let from = fork_day.or(first_step).unwrap_or(end);
    let to = end.max(last_step.unwrap_or(end)).max(from);
    let days = if actors.is_empty() {
        Vec::new()
    } else {
        grid(from, to)
    };
    let mut values = Vec::with_capacity(actors.len());
    let mut mean_total = Vec::with_capacity(actors.len());
    for &a in &actors {
        // Each run's steps of this actor, in day order (steps run in day order already).
        let per_run: Vec<Vec<(i32, f64)>> = runs
            .iter()
            .map(|r| {
                let mut v: Vec<(i32, f64)> = r
                    .steps
                    .iter()
                    .filter(|s| s.1 == a)
                    .map(|s| (s.0.0, s.2))
                    .collect();
                v.sort_by_key(|s| s.0);
                v
            })
            .collect();
        let mut at = vec![0usize; n];
        let mut cum = vec![0f64; n];
        let mut q: Vec<Vec<f64>> = vec![Vec::with_capacity(days.len()); QUANTILES.len()];
        let mut sorted = vec![0f64; n];
        for &d in &days {
            for (k, steps) in per_run.iter().enumerate() {
                while at[k] < steps.len() && steps[at[k]].0 <= d {
                    cum[k] += steps[at[k]].1;
                    at[k] += 1;
                }
            }
            sorted.copy_from_slice(&cum);
            sorted.sort_by(f64::total_cmp);
            for (j, &qq) in QUANTILES.iter().enumerate() {
                q[j].push(round4(quantile(&sorted, qq)));
            }
        }
        let total: f64 = per_run
            .iter()
            .map(|s| s.iter().map(|x| x.1).sum::<f64>())
            .sum();
        mean_total.push(round4(total / n.max(1) as f64));
        values.push(q);
    }

    // Answer sequences with their first runs.
    let mut seq_runs: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        let v = seq_runs.entry(r.summary.sequence.as_str()).or_default();
        if v.len() < SAMPLE_RUNS {
            v.push(i as u32);
        }
    }
    let sequences: Vec<SequenceOut> = dist
        .sequences
        .iter()
        .map(|(text, count)| SequenceOut {
            text: text.clone(),
            count: *count,
            runs: seq_runs.get(text.as_str()).cloned().unwrap_or_default(),
        })
        .collect();

    for v in status_runs.iter().flatten() {
        listed_set.extend(v);
    }
    for h in &headcount {
        for v in &h.runs {
            listed_set.extend(v);
        }
    }
    for s in &sequences {
        listed_set.extend(&s.runs);
    }
    let mut listed = Listed::default();
    for &i in &listed_set {
        let r = &runs[i as usize].summary;
        listed.index.push(i);
        listed.seed.push(r.seed.to_string());
        listed
            .status
            .push(r.missions.iter().map(|m| status_code(m.0)).collect());
        listed
            .headcount
            .push(r.missions.iter().map(|m| m.1).collect());
        listed.escalation.push(round4(r.escalation));
        listed.sequence.push(r.sequence.clone());
    }
    SweepOut {
        title,
        seed: seed.to_string(),
        runs: n,
        command,
        distinct_outcomes: dist.distinct_outcomes,
        mean_escalation: round4(dist.mean_escalation),
        fork_day,
        fork_id: p.items.get(p.fork).map(|it| it.id.clone()),
        status,
        status_runs,
        headcount,
        escalation: EscalationBands {
            actors: actors.iter().map(|a| a.0).collect(),
            day: days,
            quantiles: QUANTILES,
            values,
            mean_total,
        },
        sequences,
        table: (0..n.min(TABLE_RUNS) as u32).collect(),
        listed,
    }
}
