//! Server-sent events: a sweep's progress then its result, and a log's events as they are
//! appended. Every stream ends when the server shuts down.

use super::api::{log_error, open_log, params};
use super::error::ApiError;
use super::sweeps::{Job, Outcome};
use super::{App, Kind};
use crate::core::World;
use crate::log::tail::{EventIds, Follow};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use futures_util::stream;
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;

/// How often a sweep's progress is looked at.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

fn data(event: &str, v: &serde_json::Value) -> Event {
    Event::default().event(event).data(v.to_string())
}

/// Resolves when the server starts shutting down.
async fn closed(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|c| *c).await;
}

enum SweepStep {
    Running { last: Option<usize> },
    Ended,
}

/// `GET /api/sweeps/{id}/events`: `progress` events (`{"done", "total"}`) as runs finish, then
/// one `result` event (as `demarche sweep --format json`), or `cancelled` or `failed`.
pub async fn sweep_events(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let job = app
        .0
        .sweeps
        .get(&id)
        .ok_or_else(|| ApiError::not_found("id", format!("no sweep has the id `{id}`")))?;
    let closing = app.closing();
    let s = stream::unfold(
        (SweepStep::Running { last: None }, job, closing),
        |(step, job, mut closing): (SweepStep, Arc<Job>, _)| async move {
            let SweepStep::Running { mut last } = step else {
                return None;
            };
            loop {
                let outcome = job.outcome();
                let done = job.done.load(Ordering::Relaxed).min(job.total);
                if let Some(o) = outcome {
                    if last != Some(job.total) && matches!(o, Outcome::Done(_)) {
                        let ev = data("progress", &json!({"done": job.total, "total": job.total}));
                        return Some((
                            Ok(ev),
                            (
                                SweepStep::Running {
                                    last: Some(job.total),
                                },
                                job,
                                closing,
                            ),
                        ));
                    }
                    let ev = match o {
                        Outcome::Done(r) => data("result", &r),
                        Outcome::Failed(e) => data("failed", &json!({"error": e})),
                        Outcome::Cancelled => {
                            data("cancelled", &json!({"done": done, "total": job.total}))
                        }
                    };
                    return Some((Ok(ev), (SweepStep::Ended, job, closing)));
                }
                if last != Some(done) {
                    last = Some(done);
                    let ev = data("progress", &json!({"done": done, "total": job.total}));
                    return Some((Ok(ev), (SweepStep::Running { last }, job, closing)));
                }
                if *closing.borrow() {
                    return None;
                }
                tokio::select! {
                    _ = job.finished.notified() => {}
                    _ = tokio::time::sleep(PROGRESS_EVERY) => {}
                    _ = closed(&mut closing) => {}
                }
            }
        },
    );
    Ok(Sse::new(s).keep_alive(KeepAlive::default()))
}

struct Tail {
    follow: Follow,
    /// Names the events each event answers, adopts or cancels.
    ids: EventIds,
    world: World,
    closing: watch::Receiver<bool>,
    ended: bool,
}

/// `GET /api/logs/{name}/tail[?from=SEQ]`: an `event` for each event of the log from `from`
/// (default: the next one appended), as `demarche log export --format jsonl` writes it, with
/// the sequence as the event id; a reconnecting client's `Last-Event-ID` resumes after it.
pub async fn tail(
    State(app): State<App>,
    Path(name): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let p = params(q, &["from"])?;
    let src = app.source(&name)?.clone();
    if src.kind != Kind::Log {
        return Err(ApiError::bad(
            "name",
            "not-a-log",
            format!("`{name}` is a scenario file; only logs can be followed"),
        ));
    }
    let number = |field: &str, s: &str| {
        s.trim().parse::<u64>().map_err(|_| {
            ApiError::bad(
                field,
                "bad-number",
                format!("`{s}` is not a sequence number"),
            )
        })
    };
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(|s| number("last-event-id", s))
        .transpose()?;
    let asked = p.get("from").map(|s| number("from", s)).transpose()?;
    let path = src.path.clone();
    let (world, count) = super::api::blocking(move || {
        let log = open_log(&src)?;
        if let Some(e) = log.damage() {
            return Err(log_error(&e));
        }
        Ok((log.genesis.world.clone(), log.count))
    })
    .await?;
    let from = match (resume, asked) {
        (Some(r), _) => r + 1,
        (None, Some(f)) => f.max(1),
        (None, None) => count + 1,
    };
    let state = Tail {
        follow: Follow::new(&path, from),
        ids: EventIds::new(&path),
        world,
        closing: app.closing(),
        ended: false,
    };
    let s = stream::unfold(state, |mut t| async move {
        if t.ended || *t.closing.borrow() {
            return None;
        }
        let next = tokio::select! {
            n = t.follow.next() => n,
            _ = closed(&mut t.closing) => return None,
        };
        match next {
            Ok(e) => {
                t.ids.saw(&e);
                let v = t.ids.record(&t.world, &e);
                let ev = Event::default()
                    .event("event")
                    .id(e.seq.to_string())
                    .data(v.to_string());
                Some((Ok(ev), t))
            }
            Err(e) => {
                t.ended = true;
                let ev = data("error", &log_error(&e).json());
                Some((Ok(ev), t))
            }
        }
    });
    Ok(Sse::new(s).keep_alive(KeepAlive::default()))
}
