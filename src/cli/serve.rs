//! `demarche serve`: the reports and a JSON API of scenarios and logs on a local HTTP port.

use super::common::{Format, usage};
use clap::Args;
use demarche::serve::{self, App, Options};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "\
Names in URLs are file stems: scenarios/nato-russia-2021.toml is served as nato-russia-2021. GET / lists everything served; GET /report/NAME is the page `demarche report` writes; /api/... answers in JSON (docs/serve.md lists every route).
Appending to logs (POST /api/logs/NAME/events) needs a token: --token, --token-file, or DEMARCHE_TOKEN in the environment, sent as `Authorization: Bearer TOKEN`. Without one, writing is disabled.
The server listens on loopback unless told otherwise; Ctrl-C or SIGTERM stops it once the requests in flight are answered.";

pub const TEMPLATE: &str = help_template!(
    "demarche serve",
    "demarche serve scenarios/ crisis.log --addr 127.0.0.1:8080",
    "demarche serve scenarios/nato-russia-2021.toml --addr 127.0.0.1:0 --format json",
    "demarche serve crisis.log --token-file token.txt",
);

#[derive(Args)]
pub struct ServeArgs {
    /// Scenario files (TOML), logs, or directories holding them (default: scenarios/).
    inputs: Vec<PathBuf>,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    addr: SocketAddr,
    /// The token that allows appending to logs (visible to other users in the process list:
    /// prefer --token-file or DEMARCHE_TOKEN).
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// A file holding the token (its first line).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// How many sweeps may run at once.
    #[arg(long, default_value_t = serve::MAX_SWEEPS, value_name = "N")]
    max_sweeps: usize,
    /// The most runs one sweep may ask for.
    #[arg(long, default_value_t = serve::MAX_RUNS, value_name = "N")]
    max_runs: usize,
    /// How the listening address is printed: text for people, json (one line) for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// The token from --token, --token-file or DEMARCHE_TOKEN, in that order.
fn token(a: &ServeArgs) -> Result<Option<String>, String> {
    let t = if let Some(t) = &a.token {
        Some(t.clone())
    } else if let Some(f) = &a.token_file {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the token file {}: {e}", f.display()))?;
        Some(text.lines().next().unwrap_or_default().trim().to_string())
    } else {
        std::env::var("DEMARCHE_TOKEN").ok()
    };
    match t {
        Some(t) if t.trim().is_empty() => {
            Err("the token is empty; give one, or none to disable writing".into())
        }
        Some(t) if t.len() < 8 => {
            Err("the token is shorter than 8 characters; use a longer one".into())
        }
        t => Ok(t),
    }
}

/// A future that resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this
/// is called, not when the future is first polled: a signal sent as soon as the address is
/// printed stops the server gracefully instead of killing it.
fn signalled() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        eprintln!("demarche serve: stopping once the requests in flight are answered");
    })
}

pub fn run(a: ServeArgs) -> ExitCode {
    let token = match token(&a) {
        Ok(t) => t,
        Err(msg) => return usage(&msg),
    };
    if a.max_sweeps == 0 || a.max_runs == 0 {
        return usage("--max-sweeps and --max-runs are at least 1");
    }
    if a.max_runs > demarche::whatif::sweep::MAX_RUNS {
        return usage(&format!(
            "--max-runs {}: at most {}",
            a.max_runs,
            demarche::whatif::sweep::MAX_RUNS
        ));
    }
    let inputs = if a.inputs.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        a.inputs.clone()
    };
    let sources = match serve::discover(&inputs) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(1);
        }
    };
    if !serve::is_loopback(&a.addr) {
        eprintln!(
            "warning: listening on {}, which is not loopback: anyone who can reach this machine can read every scenario and log served, and run replays and sweeps on it",
            a.addr
        );
        if token.is_none() {
            eprintln!(
                "warning: NO TOKEN IS SET: writing is disabled, but reading is open to the network; serve on 127.0.0.1 unless this is what you want"
            );
        }
    }
    let writes = token.is_some();
    let options = Options {
        token,
        max_sweeps: a.max_sweeps,
        max_runs: a.max_runs,
        ..Options::default()
    };
    let app = App::new(sources, options);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async {
        let listener = match tokio::net::TcpListener::bind(a.addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", a.addr);
                return ExitCode::from(1);
            }
        };
        let addr = match listener.local_addr() {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        let url = format!("http://{addr}/");
        let (scenarios, logs) = app
            .sources()
            .iter()
            .fold((0, 0), |(s, l), x| match x.kind {
                serve::Kind::Scenario => (s + 1, l),
                serve::Kind::Log => (s, l + 1),
            });
        let line = match a.format {
            Format::Text => format!(
                "demarche serve: listening on {url} ({scenarios} scenario(s), {logs} log(s); appending to logs {})",
                if writes { "enabled" } else { "disabled" }
            ),
            Format::Json => serde_json::json!({
                "addr": addr.to_string(),
                "url": url,
                "scenarios": scenarios,
                "logs": logs,
                "writes": writes,
            })
            .to_string(),
        };
        let stop = match signalled() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen for Ctrl-C and SIGTERM: {e}");
                return ExitCode::from(1);
            }
        };
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            return ExitCode::from(1);
        }
        drop(out);
        match serve::run(listener, stop, app).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        }
    })
}
