//! `demarche serve`: the reports and the replays of a set of scenarios and logs, served on a
//! local HTTP port, with a JSON API (docs/serve.md).
//!
//! This is the only module besides `log::tail` that uses tokio: requests are handled on the
//! runtime, and every replay, branch, sweep, report or append runs on the blocking pool
//! (`spawn_blocking`; sweeps on rayon), so the runtime never waits on the core. The core stays
//! pure: this module calls the same library functions as the command line, and answers with the
//! same JSON records.
//!
//! Tests own the listener and the shutdown signal: [`run`] serves an [`App`] on a bound
//! [`tokio::net::TcpListener`] until the given future resolves, then lets requests in flight
//! finish and ends every event stream.

mod api;
mod error;
mod pages;
mod sse;
mod sweeps;

pub use error::ApiError;

use crate::log::Log;
use crate::whatif::file::is_branch_file;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;

/// The largest request body read, in bytes (1 MiB).
pub const MAX_BODY: usize = 1 << 20;
/// How many sweeps may run at once.
pub const MAX_SWEEPS: usize = 2;
/// The most runs one sweep may ask for.
pub const MAX_RUNS: usize = 100_000;

/// What a name in a URL stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scenario,
    Log,
}

impl Kind {
    pub fn key(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Log => "log",
        }
    }
}

/// A scenario file or a log, served under `name` (its file stem).
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub path: PathBuf,
    pub kind: Kind,
}

/// True if `name` may stand in a URL path segment as it is.
fn url_safe(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn source_of(path: &Path) -> Result<Source, String> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if !url_safe(&name) {
        return Err(format!(
            "{}: `{name}` cannot name it in a URL; file names of letters, digits, `-`, `_` and `.` only",
            path.display()
        ));
    }
    let kind = if Log::is_log(path) {
        Kind::Log
    } else {
        Kind::Scenario
    };
    Ok(Source {
        name,
        path: path.to_path_buf(),
        kind,
    })
}

/// The scenarios and logs named by `inputs`: files as given; in a directory, its logs and its
/// `.toml` scenario files (branch files, hidden files and subdirectories are left out).
/// Refuses a missing input, a file name unfit for a URL, and two inputs with the same name.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<Source>, String> {
    let mut out: Vec<Source> = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        if meta.is_dir() {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| format!("cannot read the directory {}: {e}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| {
                    !p.file_name()
                        .and_then(|n| n.to_str())
                        .is_none_or(|n| n.starts_with('.'))
                })
                .collect();
            paths.sort();
            for p in paths {
                let wanted = if Log::is_log(&p) {
                    true
                } else {
                    p.extension().is_some_and(|x| x == "toml")
                        && !std::fs::read_to_string(&p).is_ok_and(|t| is_branch_file(&t))
                };
                if wanted {
                    out.push(source_of(&p)?);
                }
            }
        } else {
            out.push(source_of(input)?);
        }
    }
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for s in &out {
        if let Some(first) = seen.insert(&s.name, &s.path) {
            return Err(format!(
                "two inputs would both be served as `{}`: {} and {}; rename one, or serve them apart",
                s.name,
                first.display(),
                s.path.display()
            ));
        }
    }
    Ok(out)
}

/// How the server is set up.
#[derive(Clone, Debug)]
pub struct Options {
    /// The bearer token that allows appending to logs; `None` disables writing.
    pub token: Option<String>,
    /// The largest request body read, in bytes.
    pub max_body: usize,
    /// How many sweeps may run at once.
    pub max_sweeps: usize,
    /// The most runs one sweep may ask for.
    pub max_runs: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            token: None,
            max_body: MAX_BODY,
            max_sweeps: MAX_SWEEPS,
            max_runs: MAX_RUNS,
        }
    }
}

pub(crate) struct Inner {
    pub sources: Vec<Source>,
    /// SHA-256 of the token: compared in constant time, and of a fixed length whatever the
    /// token's.
    pub token: Option<[u8; 32]>,
    pub options: Options,
    pub sweeps: sweeps::Sweeps,
    /// Set to true when the server shuts down: event streams end.
    pub closing: watch::Sender<bool>,
}

/// The served application: its sources, options and running sweeps. Cheap to clone.
#[derive(Clone)]
pub struct App(pub(crate) Arc<Inner>);

impl App {
    pub fn new(sources: Vec<Source>, options: Options) -> App {
        let token = options
            .token
            .as_ref()
            .map(|t| Sha256::digest(t.as_bytes()).into());
        let (closing, _) = watch::channel(false);
        App(Arc::new(Inner {
            sweeps: sweeps::Sweeps::new(options.max_sweeps),
            sources,
            token,
            options,
            closing,
        }))
    }

    pub fn sources(&self) -> &[Source] {
        &self.0.sources
    }

    /// Takes one of the slots running sweeps hold, while the permit lives, as a sweep does:
    /// for an embedder running heavy work of its own beside the server, and for tests that
    /// need every slot taken.
    pub fn hold_sweep_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.0.sweeps.slot()
    }

    pub(crate) fn source(&self, name: &str) -> Result<&Source, ApiError> {
        self.0
            .sources
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                ApiError::not_found(
                    "name",
                    format!(
                        "no scenario or log is served as `{name}`; GET /api/scenarios lists them"
                    ),
                )
            })
    }

    pub(crate) fn closing(&self) -> watch::Receiver<bool> {
        self.0.closing.subscribe()
    }

    /// The routes, documented in docs/serve.md.
    pub fn router(&self) -> Router {
        let max_body = self.0.options.max_body;
        Router::new()
            .route("/", get(pages::index))
            .route("/report/{name}", get(pages::report))
            .route(
                "/report/{name}/branch",
                get(pages::branch_form).post(pages::branch_report),
            )
            .route("/api/scenarios", get(api::list))
            .route("/api/scenarios/{name}/state", get(api::state))
            .route("/api/scenarios/{name}/replay", get(api::replay))
            .route("/api/scenarios/{name}/branch", post(api::branch))
            .route("/api/scenarios/{name}/sweep", post(api::sweep))
            .route(
                "/api/sweeps/{id}",
                get(api::sweep_status).delete(api::sweep_cancel),
            )
            .route("/api/sweeps/{id}/events", get(sse::sweep_events))
            .route("/api/logs/{name}/tail", get(sse::tail))
            .route("/api/logs/{name}/events", post(api::append))
            .fallback(error::not_found)
            .method_not_allowed_fallback(error::method_not_allowed)
            .layer(DefaultBodyLimit::max(max_body))
            .with_state(self.clone())
    }
}

/// True if `addr` is a loopback address (only this machine can connect).
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting connections,
/// ends every event stream, cancels running sweeps, and returns once the requests in flight
/// have been answered.
pub async fn run<F>(listener: tokio::net::TcpListener, shutdown: F, app: App) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let router = app.router();
    let inner = app.0.clone();
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            inner.sweeps.cancel_all();
            let _ = inner.closing.send(true);
        })
        .await
}
