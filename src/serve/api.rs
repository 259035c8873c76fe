//! The JSON routes under `/api`: each answers with the record the matching command prints with
//! `--format json`, computed on the blocking pool.

use super::error::{ApiError, body_rejected};
use super::sweeps::Outcome;
use super::{App, Kind, Source};
use crate::log::{
    AppendError, Log, LogError, NewEvent, Upto, Writer, WriterOptions, writer::Durability,
};
use crate::report;
use crate::run::{Run, Until, run};
use crate::scenario::{self, LoadError, Problem, Scenario};
use crate::whatif::compare::Comparison;
use crate::whatif::file::BranchFile;
use crate::whatif::{Branch, Policy, sweep};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Runs `f` on the blocking pool: replays, branches and file reads never hold up the runtime.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("the work for this request failed: {e}")))?
}

/// The query parameters, refusing any not in `allowed` (named in the error) and repeated ones.
pub(crate) fn params(
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    allowed: &[&str],
) -> Result<BTreeMap<String, String>, ApiError> {
    let Query(pairs) = q.map_err(|e| ApiError::bad("query", "bad-query", e.body_text()))?;
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            let known = if allowed.is_empty() {
                "this route takes none".to_string()
            } else {
                format!("known: {}", allowed.join(", "))
            };
            return Err(ApiError::bad(
                &k,
                "unknown-parameter",
                format!("unknown query parameter `{k}` ({known})"),
            ));
        }
        if out.insert(k.clone(), v).is_some() {
            return Err(ApiError::bad(
                &k,
                "repeated-parameter",
                format!("the query parameter `{k}` is given twice"),
            ));
        }
    }
    Ok(out)
}

fn problems_error(
    code: &'static str,
    field: &str,
    name: &str,
    text: &str,
    problems: &[Problem],
) -> ApiError {
    let first = problems
        .first()
        .map_or_else(|| "invalid".to_string(), |p| p.message.clone());
    let n = problems.len();
    ApiError::unprocessable(
        Some(field),
        code,
        format!("{name}: {n} problem(s); the first: {first}"),
    )
    .with(
        "problems",
        json!(
            problems
                .iter()
                .map(|p| report::problem_json(name, text, p))
                .collect::<Vec<_>>()
        ),
    )
}

pub(crate) fn log_error(e: &LogError) -> ApiError {
    match e {
        LogError::Locked { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "log-locked",
            Some("name"),
            e.to_string(),
        ),
        LogError::Io { .. } => ApiError::internal(e.to_string()),
        _ => ApiError::unprocessable(Some("name"), "log-unreadable", e.to_string()),
    }
}

/// A scenario file, loaded; its problems as an error.
pub(crate) fn load_scenario(src: &Source) -> Result<Scenario, ApiError> {
    match scenario::load(&src.path) {
        Ok(s) => Ok(s),
        Err(LoadError::Io { path, error }) => {
            Err(ApiError::internal(format!("cannot read {path}: {error}")))
        }
        Err(LoadError::Invalid {
            name,
            text,
            problems,
            ..
        }) => Err(problems_error(
            "invalid-scenario",
            "name",
            &name,
            &text,
            &problems,
        )),
    }
}

pub(crate) fn open_log(src: &Source) -> Result<Log, ApiError> {
    Log::open(&src.path).map_err(|e| log_error(&e))
}

/// The scenario a source holds (a log read as one).
pub(crate) fn scenario_of(src: &Source) -> Result<Scenario, ApiError> {
    match src.kind {
        Kind::Scenario => load_scenario(src),
        Kind::Log => {
            let log = open_log(src)?;
            log.scenario().map_err(|e| log_error(&e))
        }
    }
}

/// The scenario and its whole replay, every event accepted (what a report draws).
pub(crate) fn full_run(src: &Source) -> Result<(Scenario, Run), ApiError> {
    match src.kind {
        Kind::Scenario => {
            let s = load_scenario(src)?;
            let r = run(&s, Until::End, false);
            if !r.problems.is_empty() {
                return Err(problems_error(
                    "rejected",
                    "name",
                    &s.name,
                    &s.text,
                    &r.problems,
                ));
            }
            Ok((s, r))
        }
        Kind::Log => {
            let log = open_log(src)?;
            if let Some(e) = log.damage() {
                return Err(log_error(&e));
            }
            log.run(Upto::End).map_err(|e| log_error(&e))
        }
    }
}

fn entry(src: &Source) -> Value {
    let mut v = json!({
        "name": src.name,
        "kind": src.kind.key(),
        "file": src.path.display().to_string(),
        "report": format!("/report/{}", src.name),
    });
    let facts = match src.kind {
        Kind::Scenario => load_scenario(src).map(|s| {
            json!({
                "title": s.title,
                "events": s.events.len(),
                "first": s.events.first().map(|e| e.date.to_string()),
                "last": s.events.last().map(|e| e.date.to_string()),
                "actors": s.world.actors.iter().map(|a| a.key.clone()).collect::<Vec<_>>(),
            })
        }),
        Kind::Log => open_log(src).map(|log| {
            let date = |d: i32| (d != 0).then(|| crate::core::Day(d).to_string());
            json!({
                "title": log.genesis.title,
                "events": log.count,
                "first": log.frames.first().and_then(|f| date(f.header.first_date)),
                "last": log.frames.last().and_then(|f| date(f.header.last_date)),
                "actors": log.genesis.world.actors.iter().map(|a| a.key.clone()).collect::<Vec<_>>(),
            })
        }),
    };
    match facts {
        Ok(Value::Object(f)) => {
            for (k, x) in f {
                v[k] = x;
            }
        }
        Ok(_) => {}
        Err(e) => v["error"] = e.json(),
    }
    v
}

/// `GET /api/scenarios`.
pub async fn list(
    State(app): State<App>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    params(q, &[])?;
    let sources = app.sources().to_vec();
    let v = blocking(move || Ok(sources.iter().map(entry).collect::<Vec<_>>())).await?;
    Ok(Json(json!({ "scenarios": v })))
}

fn parse_day(
    field: &str,
    text: &str,
    start: crate::core::Day,
    name: &str,
) -> Result<crate::core::Day, ApiError> {
    let d = scenario::parse_date(text).map_err(|e| ApiError::bad(field, "bad-date", e))?;
    if d < start {
        return Err(ApiError::bad(
            field,
            "before-start",
            format!("{d} is before {name} starts, on {start}"),
        ));
    }
    Ok(d)
}

fn unknown_event(field: &str, id: &str, name: &str) -> ApiError {
    ApiError::bad(
        field,
        "unknown-event",
        format!("no event has the id `{id}` in {name}"),
    )
}

/// `GET /api/scenarios/{name}/state[?at=DATE|?after=ID]`: as `demarche state --format json`.
pub async fn state(
    State(app): State<App>,
    Path(name): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = params(q, &["at", "after"])?;
    let src = app.source(&name)?.clone();
    if p.contains_key("at") && p.contains_key("after") {
        return Err(ApiError::bad(
            "after",
            "conflicting-parameters",
            "give `at` or `after`, not both".into(),
        ));
    }
    let v = blocking(move || {
        let (at, after) = (p.get("at"), p.get("after"));
        if src.kind == Kind::Log {
            let log = open_log(&src)?;
            let name = &src.name;
            let upto = match (at, after) {
                (Some(d), _) => Upto::Date(parse_day("at", d, log.genesis.start, name)?),
                (_, Some(id)) => match log.seq_of(id).map_err(|e| log_error(&e))? {
                    Some(seq) => Upto::Count(seq),
                    None => return Err(unknown_event("after", id, name)),
                },
                _ => Upto::End,
            };
            let (state, _) = log.state(upto, false).map_err(|e| log_error(&e))?;
            let (s, index_of) = log
                .sparse_scenario(state.events, &Log::named_by(&state))
                .map_err(|e| log_error(&e))?;
            let considered = state.events as usize;
            let r = Run {
                state,
                timeline: Vec::new(),
                problems: Vec::new(),
                index_of,
                considered,
            };
            return Ok(report::state_json(&s, &r));
        }
        let s = load_scenario(&src)?;
        let until = match (at, after) {
            (Some(d), _) => Until::Date(parse_day("at", d, s.start, &s.name)?),
            (_, Some(id)) => match s.event_index(id) {
                Some(i) => Until::Event(i),
                None => return Err(unknown_event("after", id, &s.name)),
            },
            _ => Until::End,
        };
        let r = run(&s, until, false);
        if !r.problems.is_empty() {
            return Err(problems_error(
                "rejected",
                "name",
                &s.name,
                &s.text,
                &r.problems,
            ));
        }
        Ok(report::state_json(&s, &r))
    })
    .await?;
    Ok(Json(v))
}

/// `GET /api/scenarios/{name}/replay[?until=ID|DATE]`: as `demarche replay --format json`
/// (a scenario that stops at a rejected event lists it under `problems`).
pub async fn replay(
    State(app): State<App>,
    Path(name): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = params(q, &["until"])?;
    let src = app.source(&name)?.clone();
    let v = blocking(move || {
        let until = p.get("until");
        let neither = |arg: &str, name: &str| {
            ApiError::bad(
                "until",
                "bad-until",
                format!("`{arg}` is neither an event id in {name} nor a date (YYYY-MM-DD)"),
            )
        };
        if src.kind == Kind::Log {
            let log = open_log(&src)?;
            let upto = match until {
                None => Upto::End,
                Some(u) => match log.seq_of(u).map_err(|e| log_error(&e))? {
                    Some(seq) => Upto::Count(seq),
                    None if scenario::parse_date(u).is_ok() => {
                        Upto::Date(parse_day("until", u, log.genesis.start, &src.name)?)
                    }
                    None => return Err(neither(u, &src.name)),
                },
            };
            let (s, r) = log.run(upto).map_err(|e| log_error(&e))?;
            return Ok(report::run_json(&s, &r));
        }
        let s = load_scenario(&src)?;
        let until = match until {
            None => Until::End,
            Some(u) => match s.event_index(u) {
                Some(i) => Until::Event(i),
                None if scenario::parse_date(u).is_ok() => {
                    Until::Date(parse_day("until", u, s.start, &s.name)?)
                }
                None => return Err(neither(u, &s.name)),
            },
        };
        let r = run(&s, until, false);
        Ok(report::run_json(&s, &r))
    })
    .await?;
    Ok(Json(v))
}

/// The body as text.
pub(crate) fn body_text(body: &Bytes) -> Result<String, ApiError> {
    String::from_utf8(body.to_vec())
        .map_err(|e| ApiError::bad("body", "not-utf8", format!("the body is not UTF-8: {e}")))
}

/// True when the body is JSON (by its content type, or by its first character).
fn is_json(headers: &HeaderMap, text: &str) -> bool {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    declared || text.trim_start().starts_with('{')
}

/// A JSON body rewritten as TOML text, so that it is read by the same parser as files are.
fn json_to_toml(text: &str, wrap_array: &str) -> Result<String, ApiError> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::bad(
            "body",
            "bad-json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let v = match v {
        Value::Array(_) if !wrap_array.is_empty() => json!({ wrap_array: v }),
        Value::Object(_) => v,
        _ => {
            return Err(ApiError::bad(
                "body",
                "bad-json",
                "the body must be a JSON object".into(),
            ));
        }
    };
    let t = toml::Value::try_from(v).map_err(|e| {
        ApiError::bad(
            "body",
            "bad-json",
            format!("the body has no TOML form (null values are not allowed): {e}"),
        )
    })?;
    toml::to_string(&t).map_err(|e| ApiError::bad("body", "bad-json", e.to_string()))
}

/// A branch file's text with `base` set when the body leaves it out: the base is the name in
/// the URL whatever the body says.
pub(crate) fn with_base(text: String, name: &str) -> String {
    let Ok(mut table) = toml::from_str::<toml::Table>(&text) else {
        return text;
    };
    match table.get_mut("branch") {
        Some(toml::Value::Table(h)) if !h.contains_key("base") => {
            h.insert("base".into(), toml::Value::String(name.into()));
            toml::to_string(&table).unwrap_or(text)
        }
        _ => text,
    }
}

/// The longest a policy may wait, or give staff to leave (as on the command line).
const MAX_DAYS: u32 = 3650;

fn check_days(p: &Policy, field: &str) -> Result<(), ApiError> {
    let too_long = |what: &str, days: u32| {
        ApiError::unprocessable(
            Some(field),
            "too-long",
            format!("`{what}` of {days} days is too long; at most {MAX_DAYS} (ten years)"),
        )
    };
    if let Some(c) = p.choices.iter().find(|c| c.delay.1 > MAX_DAYS) {
        return Err(too_long("delay", c.delay.1));
    }
    if p.leave_within > MAX_DAYS {
        return Err(too_long("leave_within", p.leave_within));
    }
    Ok(())
}

/// The branch a request body describes, against `base`; `text` is the branch file's text.
pub(crate) fn branch_of<'s>(base: &'s Scenario, text: &str) -> Result<Branch<'s>, ApiError> {
    let name = "branch";
    let bf = BranchFile::parse(name, text)
        .map_err(|p| problems_error("invalid-branch", "body", name, text, &p))?;
    let b = bf
        .build(base)
        .map_err(|p| problems_error("invalid-branch", "body", name, text, &p))?;
    for p in &b.policies {
        check_days(p, "policies")?;
    }
    Ok(b)
}

/// A branch file's text from a request body, TOML or JSON, with `base` defaulted to `name`.
pub(crate) fn branch_text(
    headers: &HeaderMap,
    body: &Bytes,
    name: &str,
) -> Result<String, ApiError> {
    let text = body_text(body)?;
    let text = if is_json(headers, &text) {
        json_to_toml(&text, "")?
    } else {
        text
    };
    Ok(with_base(text, name))
}

fn parse_seed(p: &BTreeMap<String, String>) -> Result<Option<u64>, ApiError> {
    p.get("seed")
        .map(|s| {
            s.parse::<u64>().map_err(|_| {
                ApiError::bad(
                    "seed",
                    "bad-seed",
                    format!("`{s}` is not a seed (a whole number from 0 to 2^64-1)"),
                )
            })
        })
        .transpose()
}

/// The comparison of a branch with its base, as `demarche whatif --format json` prints it.
pub(crate) fn compare(b: &Branch<'_>, seed: Option<u64>) -> Value {
    let seed = seed.unwrap_or(b.seed);
    let prepared = b.prepare();
    let outcome = prepared.run(seed, true);
    let title = b.title.clone().unwrap_or_default();
    Comparison::new(&prepared, title, b.notes.clone(), outcome).json()
}

/// `POST /api/scenarios/{name}/branch[?seed=N]`: a branch file in the body (TOML or JSON).
pub async fn branch(
    State(app): State<App>,
    Path(name): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = params(q, &["seed"])?;
    let seed = parse_seed(&p)?;
    let src = app.source(&name)?.clone();
    let body = body.map_err(|e| body_rejected(e, app.0.options.max_body))?;
    let text = branch_text(&headers, &body, &name)?;
    let v = blocking(move || {
        let base = scenario_of(&src)?;
        let b = branch_of(&base, &text)?;
        Ok(compare(&b, seed))
    })
    .await?;
    Ok(Json(v))
}

/// The body of `POST /api/scenarios/{name}/sweep`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SweepRequest {
    runs: Option<usize>,
    seed: Option<u64>,
    top: Option<usize>,
    /// A branch file's text (TOML); without it, the base edited by the fields below.
    branch: Option<String>,
    #[serde(default)]
    drop: Vec<String>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    policies: Vec<String>,
    until: Option<String>,
}

/// The most common answer sequences a sweep may list.
const MAX_TOP: usize = 100;

fn sweep_request(body: &Bytes) -> Result<SweepRequest, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(SweepRequest::default());
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner().to_string();
        let mut field = e.path().to_string();
        for key in ["unknown field `", "missing field `"] {
            if let Some(rest) = inner.split(key).nth(1) {
                field = rest.split('`').next().unwrap_or_default().to_string();
            }
        }
        if field == "." {
            field = "body".into();
        }
        ApiError::bad(&field, "bad-field", format!("the sweep request: {inner}"))
    })
}

/// Applies the edits of a sweep request to a branch, naming the field of any that fails.
fn edit(b: &mut Branch<'_>, r: &SweepRequest) -> Result<(), ApiError> {
    let bad = |field: String, e: String| ApiError::unprocessable(Some(&field), "bad-edit", e);
    for (i, d) in r.drop.iter().enumerate() {
        if let Err(e) = b.drop(d) {
            return Err(bad(format!("drop[{i}]"), format!("drop {d}: {e}")));
        }
    }
    for (i, s) in r.set.iter().enumerate() {
        let Some((target, value)) = s.split_once('=') else {
            return Err(bad(
                format!("set[{i}]"),
                format!("set {s}: expected EVENT_ID[.MEASURE].FIELD=VALUE"),
            ));
        };
        if let Err(e) = b.set(target, value) {
            return Err(bad(format!("set[{i}]"), format!("set {s}: {e}")));
        }
    }
    let from = b.first_edit_day().unwrap_or(b.base.start);
    for (i, spec) in r.policies.iter().enumerate() {
        let field = format!("policies[{i}]");
        match crate::whatif::file::parse_policy_spec(&b.base.world, spec, from) {
            Ok(p) => {
                check_days(&p, &field)?;
                b.policy(p);
            }
            Err(e) => return Err(bad(field, format!("policy {spec}: {e}"))),
        }
    }
    if let Some(u) = &r.until {
        match scenario::parse_date(u) {
            Ok(d) => b.until = Some(d),
            Err(e) => return Err(bad("until".into(), format!("until {u}: {e}"))),
        }
    }
    Ok(())
}

/// `POST /api/scenarios/{name}/sweep`: starts a sweep; answers 202 with its id at once.
pub async fn sweep(
    State(app): State<App>,
    Path(name): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    params(q, &[])?;
    let src = app.source(&name)?.clone();
    let body = body.map_err(|e| body_rejected(e, app.0.options.max_body))?;
    let req = sweep_request(&body)?;
    let max = app.0.options.max_runs;
    let runs = req.runs.unwrap_or(1000.min(max));
    if !(1..=max).contains(&runs) {
        return Err(ApiError::bad(
            "runs",
            "out-of-range",
            format!("`runs` is {runs}; this server runs from 1 to {max} branches a sweep"),
        ));
    }
    let top = req.top.unwrap_or(5);
    if top > MAX_TOP {
        return Err(ApiError::bad(
            "top",
            "out-of-range",
            format!("`top` is {top}; at most {MAX_TOP}"),
        ));
    }
    let seed = req.seed.unwrap_or(0);
    let Some(slot) = app.0.sweeps.slot() else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-sweeps",
            None,
            format!(
                "{} sweeps are running, as many as this server runs at once; try again when one ends (GET /api/sweeps/ID tells)",
                app.0.options.max_sweeps
            ),
        ));
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let inner = app.0.clone();
    tokio::task::spawn_blocking(move || {
        let base = match scenario_of(&src) {
            Ok(s) => s,
            Err(e) => {
                drop(slot);
                let _ = tx.send(Err(e));
                return;
            }
        };
        let built = match &req.branch {
            Some(text) => branch_of(&base, &with_base(text.clone(), &src.name)).map_err(|mut e| {
                e.field = Some("branch".into());
                e
            }),
            None => Ok(Branch::new(&base)),
        };
        let mut b = match built.and_then(|mut b| edit(&mut b, &req).map(|()| b)) {
            Ok(b) => b,
            Err(e) => {
                drop(slot);
                let _ = tx.send(Err(e));
                return;
            }
        };
        if b.title.is_none() {
            b.title = Some(format!("{} edited through the API", base.name));
        }
        let job = inner.sweeps.start(&src.name, runs);
        let _ = tx.send(Ok(job.clone()));
        let prepared = b.prepare();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            job.run_all(&prepared, seed)
        }));
        let title = b.title.clone().unwrap_or_default();
        // The slot is free before the outcome is told, so that a client told the sweep ended
        // can start another at once.
        drop(slot);
        job.finish(match ran {
            Ok(Some(results)) => {
                Outcome::Done(sweep::distribution(&prepared, &results, top).json(&title, seed))
            }
            Ok(None) => Outcome::Cancelled,
            Err(_) => Outcome::Failed("a run of the sweep failed".into()),
        });
    });
    let job = rx
        .await
        .map_err(|_| ApiError::internal("the sweep could not start".into()))??;
    let id = job.id;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "id": id.to_string(),
            "status": "running",
            "total": runs,
            "status_url": format!("/api/sweeps/{id}"),
            "events_url": format!("/api/sweeps/{id}/events"),
        })),
    ))
}

fn job_of(app: &App, id: &str) -> Result<std::sync::Arc<super::sweeps::Job>, ApiError> {
    app.0.sweeps.get(id).ok_or_else(|| {
        ApiError::not_found(
            "id",
            format!("no sweep has the id `{id}` (finished sweeps are kept a while only)"),
        )
    })
}

/// `GET /api/sweeps/{id}`: progress, then the result as `demarche sweep --format json`.
pub async fn sweep_status(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(job_of(&app, &id)?.status_json()))
}

/// `DELETE /api/sweeps/{id}`: stops a running sweep.
pub async fn sweep_cancel(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let job = job_of(&app, &id)?;
    job.cancel();
    Ok(Json(job.status_json()))
}

/// Checks `Authorization: Bearer TOKEN` against the server's token, in constant time.
fn authorize(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(want) = &app.0.token else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "writes-disabled",
            Some("authorization"),
            "appending to logs is disabled on this server: start it with --token TOKEN, --token-file FILE or DEMARCHE_TOKEN set, then send `Authorization: Bearer TOKEN`".into(),
        ));
    };
    let unauthorized = |why: &str| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            Some("authorization"),
            why.into(),
        )
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("appending needs the header `Authorization: Bearer TOKEN`"))?;
    let given = given.as_bytes();
    let token = given
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case(b"bearer "))
        .map(|_| &given[7..])
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
    let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(token).into();
    if bool::from(digest.ct_eq(want)) {
        Ok(())
    } else {
        Err(unauthorized("the token is not this server's"))
    }
}

/// How long an append waits for another writer's lock.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// `POST /api/logs/{name}/events[?expect_seq=N]`: appends `[[events]]` (TOML, or JSON
/// `{"events": [...]}`) through the log's writer.
pub async fn append(
    State(app): State<App>,
    Path(name): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    authorize(&app, &headers)?;
    let p = params(q, &["expect_seq"])?;
    let expect = p
        .get("expect_seq")
        .map(|s| {
            s.parse::<u64>().map_err(|_| {
                ApiError::bad(
                    "expect_seq",
                    "bad-number",
                    format!("`{s}` is not a sequence number"),
                )
            })
        })
        .transpose()?;
    let src = app.source(&name)?.clone();
    if src.kind != Kind::Log {
        return Err(ApiError::bad(
            "name",
            "not-a-log",
            format!(
                "`{name}` is a scenario file; events are appended to logs only (`demarche log import` makes one)"
            ),
        ));
    }
    let body = body.map_err(|e| body_rejected(e, app.0.options.max_body))?;
    let text = body_text(&body)?;
    let text = if is_json(&headers, &text) {
        json_to_toml(&text, "events")?
    } else {
        text
    };
    let v = blocking(move || {
        let options = WriterOptions {
            durability: Durability::Fsync,
            wait: Some(LOCK_WAIT),
            snapshots: true,
        };
        let (mut w, _) = Writer::open(&src.path, options).map_err(|e| log_error(&e))?;
        let conflict = |e: AppendError| match e {
            AppendError::Conflict { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                Some("expect_seq"),
                e.to_string(),
            ),
            e => ApiError::unprocessable(Some("body"), "refused", e.to_string()),
        };
        w.append(&[], expect).map_err(conflict)?;
        let g = w.genesis();
        let (world, start, count) = (g.world.clone(), g.start, w.last_seq() as usize);
        let mut lookup = |id: &str| {
            w.seq_of(id)
                .map(|seq| seq.map(|s| s as usize - 1))
                .map_err(|e| e.to_string())
        };
        let (evs, meta) = scenario::parse_events_after(&text, &world, start, count, &mut lookup)
            .map_err(|p| problems_error("invalid-events", "body", "events", &text, &p))?;
        let batch = NewEvent::batch(evs, &meta);
        match w.append(&batch, expect) {
            Ok(last) => Ok(json!({"log": src.name, "appended": batch.len(), "last_seq": last})),
            Err(AppendError::Rejected { index, reason, .. }) => {
                let m = &meta[index];
                let p = Problem::rejected(&reason, &world, &m.id, m.span.clone());
                Err(problems_error("rejected", "body", "events", &text, &[p]))
            }
            Err(AppendError::DuplicateId { id }) => Err(ApiError::new(
                StatusCode::CONFLICT,
                "duplicate-id",
                Some("body"),
                format!("an event with the id `{id}` is already in the log"),
            )),
            Err(e) => Err(conflict(e)),
        }
    })
    .await?;
    Ok(Json(v))
}
