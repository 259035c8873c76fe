//! `demarche serve`: every route, talked to over HTTP on a loopback port, its answers compared
//! with the command line's; errors, the token, bounds, server-sent events and shutdown. The
//! server runs in-process (`serve::run` on a listener the test binds), except in the test of
//! the binary itself.

use crate::cli::{demarche, stdout};
use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use demarche::serve::{self, App, Options, Source};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

pub(crate) const FOUNDING: &str = "scenarios/nato-russia-2021.toml";
const BRANCH: &str = "scenarios/whatif/nato-expels-two.toml";
const TOKEN: &str = "a-test-token-of-some-length";
/// How long any one wait on the server may take before the test says it hung.
const HANG: Duration = Duration::from_secs(120);

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("serve")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A log imported from the founding scenario, as `crisis.log` in `dir`.
pub(crate) fn crisis_log(dir: &Path) -> PathBuf {
    let log = dir.join("crisis.log");
    let o = demarche(&["log", "import", FOUNDING, log.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    log
}

/// The founding scenario and, if given, a log.
pub(crate) fn sources(log: Option<&Path>) -> Vec<Source> {
    let mut inputs = vec![PathBuf::from("scenarios")];
    inputs.extend(log.map(Path::to_path_buf));
    serve::discover(&inputs).unwrap()
}

/// A server running in-process until [`Server::stop`].
pub(crate) struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub(crate) async fn start(sources: Vec<Source>, options: Options) -> Server {
    start_app(App::new(sources, options)).await
}

/// Serves `app`, which the caller may keep a handle of.
pub(crate) async fn start_app(app: App) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(serve::run(
        listener,
        async {
            let _ = rx.await;
        },
        app,
    ));
    Server {
        addr,
        stop: Some(tx),
        handle,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks the server to shut down and waits for `run` to return.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(HANG, self.handle)
            .await
            .expect("the server did not shut down")
            .unwrap()
            .unwrap();
    }
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub(crate) async fn call(
    s: &Server,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(s.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(body.into())).unwrap();
    let fut = async {
        let resp = client().request(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    };
    tokio::time::timeout(HANG, fut).await.expect("no answer")
}

pub(crate) async fn get(s: &Server, path: &str) -> Reply {
    call(s, Method::GET, path, &[], Bytes::new()).await
}

async fn post(s: &Server, path: &str, body: impl Into<Bytes>) -> Reply {
    call(s, Method::POST, path, &[], body).await
}

/// Checks a JSON error: its status, code and the field it names.
#[track_caller]
fn is_error(r: &Reply, status: u16, code: &str, field: Option<&str>) -> Value {
    let v = r.json();
    assert_eq!(r.status.as_u16(), status, "{v}");
    assert_eq!(v["code"], json!(code), "{v}");
    assert_eq!(v["field"], json!(field), "{v}");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    v
}

/// What the command line prints with these arguments, as JSON.
fn cli_json(args: &[&str]) -> Value {
    let o = demarche(args);
    assert!(o.status.success(), "demarche {args:?}: {o:?}");
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// A stream of server-sent events.
pub(crate) struct Events {
    body: hyper::body::Incoming,
    buf: String,
}

/// One server-sent event: its name, data and id.
#[derive(Debug)]
pub(crate) struct Sse {
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

impl Events {
    pub async fn open(s: &Server, path: &str, headers: &[(&str, &str)]) -> Events {
        let mut req = Request::builder().uri(s.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::new())).unwrap();
        let resp = tokio::time::timeout(HANG, client().request(req))
            .await
            .expect("no answer")
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Events {
            body: resp.into_body(),
            buf: String::new(),
        }
    }

    /// The next event, or `None` when the stream ends. Keep-alive comments are skipped.
    pub async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(at) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..at + 2).collect();
                let mut e = Sse {
                    event: "message".into(),
                    data: String::new(),
                    id: None,
                };
                let mut any = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        e.event = v.trim().into();
                        any = true;
                    } else if let Some(v) = line.strip_prefix("data:") {
                        e.data.push_str(v.strip_prefix(' ').unwrap_or(v));
                        any = true;
                    } else if let Some(v) = line.strip_prefix("id:") {
                        e.id = Some(v.trim().into());
                    }
                }
                if any {
                    return Some(e);
                }
                continue;
            }
            let frame = tokio::time::timeout(HANG, self.body.frame())
                .await
                .expect("no event came")?;
            let frame = frame.unwrap();
            if let Ok(data) = frame.into_data() {
                self.buf.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }
}

#[test]
fn the_index_lists_every_scenario_and_log_with_links() {
    let dir = scratch("index");
    let log = crisis_log(&dir);
    runtime().block_on(async {
        let s = start(sources(Some(&log)), Options::default()).await;
        let r = get(&s, "/").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text();
        for name in ["nato-russia-2021", "uk-russia-2018", "crisis"] {
            assert!(html.contains(&format!("href=\"/report/{name}\"")), "{name}");
            assert!(
                html.contains(&format!("href=\"/report/{name}/branch\"")),
                "{name}"
            );
        }
        assert!(html.contains("href=\"/api/logs/crisis/tail?from=1\""));
        // Branch files and the broken examples of scenarios/invalid/ are not served.
        assert!(!html.contains("nato-expels-two"));
        assert!(!html.contains("wrong-side-withdraws"));

        let list = get(&s, "/api/scenarios").await.json();
        let all = list["scenarios"].as_array().unwrap();
        let founding = all
            .iter()
            .find(|x| x["name"] == "nato-russia-2021")
            .unwrap();
        let sc = demarche::scenario::load(Path::new(FOUNDING)).unwrap();
        assert_eq!(founding["kind"], "scenario");
        assert_eq!(founding["events"], json!(sc.events.len()));
        assert_eq!(founding["first"], json!(sc.events[0].date.to_string()));
        assert_eq!(
            founding["last"],
            json!(sc.events.last().unwrap().date.to_string())
        );
        let actors: Vec<&str> = sc.world.actors.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(founding["actors"], json!(actors));
        let crisis = all.iter().find(|x| x["name"] == "crisis").unwrap();
        assert_eq!(crisis["kind"], "log");
        for k in ["events", "first", "last", "actors", "title"] {
            assert_eq!(crisis[k], founding[k], "{k}");
        }
        s.stop().await;
    });
}

#[test]
fn two_inputs_of_the_same_name_are_refused_at_start() {
    let dir = scratch("dup");
    std::fs::copy(FOUNDING, dir.join("nato-russia-2021.toml")).unwrap();
    let e =
        serve::discover(&[PathBuf::from(FOUNDING), dir.join("nato-russia-2021.toml")]).unwrap_err();
    assert!(e.contains("both be served as `nato-russia-2021`"), "{e}");
    let e = serve::discover(&[dir.join("missing.toml")]).unwrap_err();
    assert!(e.contains("cannot read"), "{e}");
}

#[test]
fn the_report_pages_are_the_pages_report_writes() {
    let dir = scratch("report");
    let log = crisis_log(&dir);
    runtime().block_on(async {
        let s = start(sources(Some(&log)), Options::default()).await;
        for (name, file) in [
            ("nato-russia-2021", FOUNDING),
            ("crisis", log.to_str().unwrap()),
        ] {
            let r = get(&s, &format!("/report/{name}")).await;
            assert_eq!(r.status, StatusCode::OK);
            let out = dir.join(format!("{name}.html"));
            let o = demarche(&["report", file, "-o", out.to_str().unwrap()]);
            assert!(o.status.success());
            assert_eq!(r.text(), std::fs::read_to_string(&out).unwrap(), "{name}");
        }
        // The form, then the branch drawn over its base, as `report --branch` draws it.
        let form = get(&s, "/report/nato-russia-2021/branch").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("<form id=\"branch-form\""));
        let text = std::fs::read_to_string(BRANCH).unwrap();
        let body = format!("branch={}&seed=", urlencode(&text));
        let r = call(
            &s,
            Method::POST,
            "/report/nato-russia-2021/branch",
            &[("content-type", "application/x-www-form-urlencoded")],
            body,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let out = dir.join("branch.html");
        let o = demarche(&[
            "report",
            FOUNDING,
            "--branch",
            BRANCH,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success());
        // The branch's name differs (the body is not a file): compare the drawn data only.
        let strip = |p: &str| p.replace(BRANCH, "branch");
        assert_eq!(
            strip(&r.text()),
            strip(&std::fs::read_to_string(&out).unwrap())
        );
        // A broken branch: an HTML page naming the problem, with its status.
        let r = call(
            &s,
            Method::POST,
            "/report/nato-russia-2021/branch",
            &[("content-type", "application/x-www-form-urlencoded")],
            "branch=%5Bbranch%5D%0Atitle%3D1",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("id=\"problems\""), "{}", r.text());
        let r = get(&s, "/report/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        s.stop().await;
    });
}

fn urlencode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

#[test]
fn state_and_replay_are_what_the_command_line_prints() {
    let dir = scratch("state");
    let log = crisis_log(&dir);
    let l = log.to_str().unwrap();
    runtime().block_on(async {
        let s = start(sources(Some(&log)), Options::default()).await;
        for (name, file) in [("nato-russia-2021", FOUNDING), ("crisis", l)] {
            for (q, args) in [
                ("", vec![]),
                ("?at=2021-10-20", vec!["--at", "2021-10-20"]),
                (
                    "?after=nato-expels-8-2021",
                    vec!["--after", "nato-expels-8-2021"],
                ),
            ] {
                let r = get(&s, &format!("/api/scenarios/{name}/state{q}")).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                let mut all = vec!["state", file, "--format", "json"];
                all.extend(args);
                assert_eq!(r.json(), cli_json(&all), "{name}{q}");
            }
            for (q, args) in [
                ("", vec![]),
                ("?until=2021-10-07", vec!["--until", "2021-10-07"]),
                (
                    "?until=nato-expels-8-2021",
                    vec!["--until", "nato-expels-8-2021"],
                ),
            ] {
                let r = get(&s, &format!("/api/scenarios/{name}/replay{q}")).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                let mut all = vec!["replay", file, "--format", "json"];
                all.extend(args);
                assert_eq!(r.json(), cli_json(&all), "{name}{q}");
            }
        }
        s.stop().await;
    });
}

#[test]
fn bad_requests_get_a_json_error_naming_the_field() {
    runtime().block_on(async {
        let s = start(sources(None), Options::default()).await;
        let st = "/api/scenarios/nato-russia-2021/state";
        is_error(
            &get(&s, &format!("{st}?at=2021-13-40")).await,
            400,
            "bad-date",
            Some("at"),
        );
        is_error(
            &get(&s, &format!("{st}?at=1999-01-01")).await,
            400,
            "before-start",
            Some("at"),
        );
        is_error(
            &get(&s, &format!("{st}?after=nope")).await,
            400,
            "unknown-event",
            Some("after"),
        );
        is_error(
            &get(&s, &format!("{st}?at=2021-10-01&after=nato-expels-8-2021")).await,
            400,
            "conflicting-parameters",
            Some("after"),
        );
        is_error(
            &get(&s, &format!("{st}?on=2021-10-01")).await,
            400,
            "unknown-parameter",
            Some("on"),
        );
        is_error(
            &get(&s, &format!("{st}?at=2021-10-01&at=2021-10-02")).await,
            400,
            "repeated-parameter",
            Some("at"),
        );
        is_error(
            &get(&s, "/api/scenarios/nato-russia-2021/replay?until=someday").await,
            400,
            "bad-until",
            Some("until"),
        );
        is_error(
            &get(&s, "/api/scenarios/atlantis/state").await,
            404,
            "not-found",
            Some("name"),
        );
        is_error(&get(&s, "/api/nothing").await, 404, "no-route", None);
        is_error(
            &call(&s, Method::DELETE, "/api/scenarios", &[], Bytes::new()).await,
            405,
            "method-not-allowed",
            None,
        );
        // A branch that does not read: every problem, with its line.
        let br = "/api/scenarios/nato-russia-2021/branch";
        let v = is_error(
            &post(&s, br, "[branch]\ntitle = \"t\"\ncolour = \"red\"\n").await,
            422,
            "invalid-branch",
            Some("body"),
        );
        assert!(
            v["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("colour"),
            "{v}"
        );
        assert_eq!(v["problems"][0]["line"], 3, "{v}");
        let v = is_error(
            &post(
                &s,
                br,
                "[branch]\ntitle = \"t\"\n[[drop]]\nevent = \"no-such-event\"\n",
            )
            .await,
            422,
            "invalid-branch",
            Some("body"),
        );
        assert!(
            v["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("no-such-event"),
            "{v}"
        );
        is_error(
            &post(&s, br, "{\"branch\": ").await,
            400,
            "bad-json",
            Some("body"),
        );
        is_error(
            &post(&s, &format!("{br}?seed=-1"), "").await,
            400,
            "bad-seed",
            Some("seed"),
        );
        is_error(
            &post(&s, br, vec![0xff, 0xfe]).await,
            400,
            "not-utf8",
            Some("body"),
        );
        // Sweep requests.
        let sw = "/api/scenarios/nato-russia-2021/sweep";
        is_error(
            &post(&s, sw, r#"{"runs": 0}"#).await,
            400,
            "out-of-range",
            Some("runs"),
        );
        is_error(
            &post(&s, sw, r#"{"runs": 100001}"#).await,
            400,
            "out-of-range",
            Some("runs"),
        );
        is_error(
            &post(&s, sw, r#"{"runs": "many"}"#).await,
            400,
            "bad-field",
            Some("runs"),
        );
        is_error(
            &post(&s, sw, r#"{"rounds": 3}"#).await,
            400,
            "bad-field",
            Some("rounds"),
        );
        is_error(
            &post(&s, sw, r#"{"top": 1000}"#).await,
            400,
            "out-of-range",
            Some("top"),
        );
        is_error(
            &post(
                &s,
                sw,
                r#"{"policies": ["russia=reciprocal", "atlantis=absorb"]}"#,
            )
            .await,
            422,
            "bad-edit",
            Some("policies[1]"),
        );
        is_error(
            &post(&s, sw, r#"{"drop": ["nope"]}"#).await,
            422,
            "bad-edit",
            Some("drop[0]"),
        );
        is_error(
            &post(&s, sw, r#"{"set": ["nope"]}"#).await,
            422,
            "bad-edit",
            Some("set[0]"),
        );
        is_error(
            &post(&s, sw, r#"{"policies": ["russia=reciprocal,delay=5000"]}"#).await,
            422,
            "too-long",
            Some("policies[0]"),
        );
        is_error(
            &post(&s, sw, r#"{"branch": "[branch]"}"#).await,
            422,
            "invalid-branch",
            Some("branch"),
        );
        is_error(
            &get(&s, "/api/sweeps/12345").await,
            404,
            "not-found",
            Some("id"),
        );
        is_error(
            &get(&s, "/api/sweeps/x/events").await,
            404,
            "not-found",
            Some("id"),
        );
        // Logs only where a log is asked for.
        is_error(
            &get(&s, "/api/logs/nato-russia-2021/tail").await,
            400,
            "not-a-log",
            Some("name"),
        );
        s.stop().await;
    });
}

#[test]
fn a_posted_branch_is_compared_as_whatif_compares_it() {
    let text = std::fs::read_to_string(BRANCH).unwrap();
    let want = cli_json(&["whatif", BRANCH, "--format", "json"]);
    let want_seeded = cli_json(&["whatif", BRANCH, "--seed", "3", "--format", "json"]);
    // The same branch as JSON, without `base` (the URL names it).
    let mut as_json: Value = toml::from_str::<toml::Value>(&text)
        .map(|t| serde_json::to_value(t).unwrap())
        .unwrap();
    as_json["branch"].as_object_mut().unwrap().remove("base");
    runtime().block_on(async {
        let s = start(sources(None), Options::default()).await;
        let path = "/api/scenarios/nato-russia-2021/branch";
        let strip = |mut v: Value| {
            // The base is named by its path: the command line's is reached through the
            // branch file's directory.
            v.as_object_mut().unwrap().remove("base");
            v
        };
        let r = post(&s, path, text.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(strip(r.json()), strip(want.clone()));
        let r = call(
            &s,
            Method::POST,
            path,
            &[("content-type", "application/json")],
            as_json.to_string(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(strip(r.json()), strip(want));
        let r = post(&s, &format!("{path}?seed=3"), text).await;
        assert_eq!(strip(r.json()), strip(want_seeded));
        s.stop().await;
    });
}

#[test]
fn a_sweep_streams_its_progress_then_the_result_sweep_prints() {
    let want = cli_json(&[
        "sweep", BRANCH, "--runs", "300", "--seed", "7", "--format", "json",
    ]);
    let text = std::fs::read_to_string(BRANCH).unwrap();
    runtime().block_on(async {
        let s = start(sources(None), Options::default()).await;
        let body = json!({"runs": 300, "seed": 7, "branch": text});
        let r = post(&s, "/api/scenarios/nato-russia-2021/sweep", body.to_string()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        let started = r.json();
        let id = started["id"].as_str().unwrap().to_string();
        assert_eq!(started["events_url"], json!(format!("/api/sweeps/{id}/events")));
        let mut ev = Events::open(&s, &format!("/api/sweeps/{id}/events"), &[]).await;
        let mut last_done = 0;
        let result = loop {
            let e = ev.next().await.expect("the stream ended before the result");
            let v: Value = serde_json::from_str(&e.data).unwrap();
            match e.event.as_str() {
                "progress" => {
                    let done = v["done"].as_u64().unwrap();
                    assert!(done >= last_done, "progress went back: {v}");
                    assert_eq!(v["total"], 300);
                    last_done = done;
                }
                "result" => break v,
                other => panic!("unexpected event {other}: {v}"),
            }
        };
        assert_eq!(last_done, 300, "the last progress counts every run");
        assert!(ev.next().await.is_none(), "the stream ends after the result");
        let strip = |mut v: Value| {
            v.as_object_mut().unwrap().remove("title");
            v
        };
        assert_eq!(strip(result.clone()), strip(want.clone()));
        let st = get(&s, &format!("/api/sweeps/{id}")).await.json();
        assert_eq!(st["status"], "done");
        assert_eq!(st["done"], 300);
        assert_eq!(st["result"], result);
        // Edits in the request instead of a branch file.
        let body = json!({"runs": 50, "seed": 1, "drop": ["nato-expels-8-2021"], "policies": ["russia=reciprocal,delay=12"]});
        let want = cli_json(&[
            "sweep", FOUNDING, "--drop", "nato-expels-8-2021", "--policy",
            "russia=reciprocal,delay=12", "--runs", "50", "--seed", "1", "--format", "json",
        ]);
        let r = post(&s, "/api/scenarios/nato-russia-2021/sweep", body.to_string()).await;
        let id = r.json()["id"].as_str().unwrap().to_string();
        let mut ev = Events::open(&s, &format!("/api/sweeps/{id}/events"), &[]).await;
        let result = loop {
            let e = ev.next().await.unwrap();
            if e.event == "result" {
                break serde_json::from_str::<Value>(&e.data).unwrap();
            }
        };
        assert_eq!(strip(result), strip(want));
        s.stop().await;
    });
}

#[test]
fn sweeps_beyond_the_bound_are_refused_until_one_ends() {
    let text = std::fs::read_to_string(BRANCH).unwrap();
    runtime().block_on(async {
        let options = Options {
            max_sweeps: 1,
            ..Options::default()
        };
        let app = App::new(sources(None), options);
        let s = start_app(app.clone()).await;
        let path = "/api/scenarios/nato-russia-2021/sweep";
        let big = json!({"runs": serve::MAX_RUNS, "branch": text}).to_string();
        // Every slot taken (as a running sweep takes one): refused, whatever the timing.
        let held = app.hold_sweep_slot().expect("a free slot");
        let v = is_error(
            &post(&s, path, big.clone()).await,
            429,
            "too-many-sweeps",
            None,
        );
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("1 sweeps are running"),
            "{v}"
        );
        drop(held);
        let r = post(&s, path, big.clone()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_string();
        // A sweep holds its slot while it runs: none is free for another.
        assert!(
            app.hold_sweep_slot().is_none()
                || get(&s, &format!("/api/sweeps/{id}")).await.json()["status"] == "done"
        );
        // Cancelled, the sweep says so and frees its slot.
        let mut ev = Events::open(&s, &format!("/api/sweeps/{id}/events"), &[]).await;
        let r = call(
            &s,
            Method::DELETE,
            &format!("/api/sweeps/{id}"),
            &[],
            Bytes::new(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let last = loop {
            let e = ev
                .next()
                .await
                .expect("the stream ended before the sweep did");
            if e.event != "progress" {
                break e;
            }
        };
        // Cancelled before its last run (100,000 runs take far longer than a request), or, on
        // a machine stalled for that long, done: either way the status says which, and agrees.
        let st = get(&s, &format!("/api/sweeps/{id}")).await.json();
        let done = st["done"].as_u64().unwrap();
        match st["status"].as_str().unwrap() {
            "cancelled" => {
                assert_eq!(last.event, "cancelled");
                assert!(done < serve::MAX_RUNS as u64);
            }
            "done" => {
                assert_eq!(last.event, "result");
                assert_eq!(done, serve::MAX_RUNS as u64);
            }
            other => panic!("a sweep ended as {other}"),
        }
        let r = post(&s, path, json!({"runs": 10}).to_string()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        s.stop().await;
    });
}

#[test]
fn request_bodies_are_bounded() {
    runtime().block_on(async {
        let s = start(sources(None), Options::default()).await;
        let big = vec![b' '; serve::MAX_BODY + 1];
        let v = is_error(
            &post(&s, "/api/scenarios/nato-russia-2021/branch", big.clone()).await,
            413,
            "too-large",
            Some("body"),
        );
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains(&serve::MAX_BODY.to_string())
        );
        is_error(
            &post(&s, "/api/scenarios/nato-russia-2021/sweep", big).await,
            413,
            "too-large",
            Some("body"),
        );
        // Just under the bound is read (and then found not to be a branch).
        let under = format!("{}{}", "#".repeat(serve::MAX_BODY - 10), "\n[x]\n");
        let r = post(&s, "/api/scenarios/nato-russia-2021/branch", under).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        s.stop().await;
    });
}

const EVENT: &str = r#"[[events]]
id = "nato-regrets-2021"
date = "2021-11-03"
kind = "statement"
actor = "nato"
target = "russia"
in_response_to = ["ru-countermeasures-2021"]
source = "hypothetical, to show an append"
"#;

#[test]
fn appending_needs_the_token() {
    let dir = scratch("token");
    let log = crisis_log(&dir);
    let path = "/api/logs/crisis/events";
    runtime().block_on(async {
        // No token configured: writing is disabled, and the error says how to enable it.
        let s = start(sources(Some(&log)), Options::default()).await;
        let bearer = format!("Bearer {TOKEN}");
        let r = call(&s, Method::POST, path, &[("authorization", &bearer)], EVENT).await;
        let v = is_error(&r, 403, "writes-disabled", Some("authorization"));
        assert!(v["error"].as_str().unwrap().contains("--token"), "{v}");
        s.stop().await;

        let options = Options {
            token: Some(TOKEN.into()),
            ..Options::default()
        };
        let s = start(sources(Some(&log)), options).await;
        let r = call(&s, Method::POST, path, &[], EVENT).await;
        is_error(&r, 401, "unauthorized", Some("authorization"));
        assert_eq!(r.headers["www-authenticate"], "Bearer");
        let wrong = format!("Bearer {TOKEN}x");
        let r = call(&s, Method::POST, path, &[("authorization", &wrong)], EVENT).await;
        is_error(&r, 401, "unauthorized", Some("authorization"));
        let r = call(&s, Method::POST, path, &[("authorization", TOKEN)], EVENT).await;
        is_error(&r, 401, "unauthorized", Some("authorization"));
        // Stale expectations and bad events are refused, and nothing is written.
        let auth = [("authorization", bearer.as_str())];
        let r = call(
            &s,
            Method::POST,
            &format!("{path}?expect_seq=12"),
            &auth,
            EVENT,
        )
        .await;
        is_error(&r, 409, "conflict", Some("expect_seq"));
        let bad = EVENT
            .replace("nato-regrets-2021", "x")
            .replace("\"nato\"", "\"atlantis\"");
        let r = call(&s, Method::POST, path, &auth, bad).await;
        is_error(&r, 422, "invalid-events", Some("body"));
        let r = call(
            &s,
            Method::POST,
            path,
            &[("authorization", "Bearer")],
            EVENT,
        )
        .await;
        is_error(&r, 401, "unauthorized", Some("authorization"));
        // The right token appends, through the log's writer.
        let r = call(
            &s,
            Method::POST,
            &format!("{path}?expect_seq=13"),
            &auth,
            EVENT,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.json(),
            json!({"log": "crisis", "appended": 1, "last_seq": 14})
        );
        let r = call(&s, Method::POST, path, &auth, EVENT).await;
        let v = is_error(&r, 422, "invalid-events", Some("body"));
        assert!(v["error"].as_str().unwrap().contains("already used"), "{v}");
        // JSON too: {"events": [...]}.
        let ev = json!({"events": [{
            "id": "russia-replies-2021", "date": "2021-11-04", "kind": "statement",
            "actor": "russia", "target": "nato", "in_response_to": ["nato-regrets-2021"],
            "source": "hypothetical"
        }]});
        let r = call(&s, Method::POST, path, &auth, ev.to_string()).await;
        assert_eq!(r.json()["last_seq"], 15, "{}", r.text());
        is_error(
            &call(
                &s,
                Method::POST,
                "/api/logs/nato-russia-2021/events",
                &auth,
                EVENT,
            )
            .await,
            400,
            "not-a-log",
            Some("name"),
        );
        s.stop().await;
    });
    let o = demarche(&["log", "export", log.to_str().unwrap(), "--format", "jsonl"]);
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 15);
    assert_eq!(ids[13..], ["nato-regrets-2021", "russia-replies-2021"]);
}

#[test]
fn a_log_tail_streams_the_events_another_writer_appends() {
    let dir = scratch("tail");
    let log = crisis_log(&dir);
    let l = log.to_str().unwrap().to_string();
    let event_file = dir.join("event.toml");
    std::fs::write(&event_file, EVENT).unwrap();
    runtime().block_on(async {
        let s = start(sources(Some(&log)), Options::default()).await;
        // From the start: every event, as `log export --format jsonl` writes it.
        let mut all = Events::open(&s, "/api/logs/crisis/tail?from=1", &[]).await;
        let export = |l: &str| {
            stdout(&demarche(&["log", "export", l, "--format", "jsonl"]))
                .lines()
                .map(|x| serde_json::from_str::<Value>(x).unwrap())
                .collect::<Vec<_>>()
        };
        let before = export(&l);
        for (i, want) in before.iter().enumerate() {
            let e = all.next().await.unwrap();
            assert_eq!(e.event, "event");
            assert_eq!(e.id, Some((i + 1).to_string()));
            assert_eq!(&serde_json::from_str::<Value>(&e.data).unwrap(), want);
        }
        // From now on: only what is appended after the stream opened, by another process.
        let mut new = Events::open(&s, "/api/logs/crisis/tail", &[]).await;
        let o = tokio::task::spawn_blocking({
            let (l, f) = (l.clone(), event_file.clone());
            move || {
                demarche(&[
                    "log",
                    "append",
                    &l,
                    f.to_str().unwrap(),
                    "--expect-seq",
                    "13",
                ])
            }
        })
        .await
        .unwrap();
        assert!(o.status.success(), "{o:?}");
        let after = export(&l);
        assert_eq!(after.len(), 14);
        for stream in [&mut new, &mut all] {
            let e = stream.next().await.unwrap();
            assert_eq!(e.id.as_deref(), Some("14"));
            assert_eq!(serde_json::from_str::<Value>(&e.data).unwrap(), after[13]);
        }
        // A client that reconnects with Last-Event-ID resumes after it.
        let mut again = Events::open(&s, "/api/logs/crisis/tail", &[("last-event-id", "12")]).await;
        let ids: Vec<Option<String>> = [again.next().await.unwrap(), again.next().await.unwrap()]
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [Some("13".into()), Some("14".into())]);
        // Shutting down ends every stream, and the server returns.
        s.stop().await;
        assert!(new.next().await.is_none());
        assert!(all.next().await.is_none());
    });
}

#[test]
fn shutdown_lets_the_request_in_flight_finish() {
    let text = std::fs::read_to_string(BRANCH).unwrap();
    let want = cli_json(&["whatif", BRANCH, "--format", "json"]);
    runtime().block_on(async {
        let s = start(sources(None), Options::default()).await;
        // A request whose handler is waiting for its body: `100 Continue` says it has begun.
        let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        let head = format!(
            "POST /api/scenarios/nato-russia-2021/branch HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
            text.len()
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        while !String::from_utf8_lossy(&got).contains("\r\n\r\n") {
            let mut b = [0u8; 256];
            let n = tokio::time::timeout(HANG, tcp.read(&mut b)).await.unwrap().unwrap();
            assert!(n > 0, "closed before 100 Continue");
            got.extend_from_slice(&b[..n]);
        }
        assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 100 Continue"));
        // Shut down now; the server must still answer, then return.
        let Server { stop, handle, .. } = s;
        let _ = stop.unwrap().send(());
        tcp.write_all(text.as_bytes()).await.unwrap();
        let mut rest = Vec::new();
        tokio::time::timeout(HANG, tcp.read_to_end(&mut rest))
            .await
            .unwrap()
            .unwrap();
        let rest = String::from_utf8(rest).unwrap();
        assert!(rest.starts_with("HTTP/1.1 200 OK"), "{rest}");
        let body = &rest[rest.find("\r\n\r\n").unwrap() + 4..];
        let mut v: Value = serde_json::from_str(body).unwrap();
        let mut w = want;
        v.as_object_mut().unwrap().remove("base");
        w.as_object_mut().unwrap().remove("base");
        assert_eq!(v, w);
        tokio::time::timeout(HANG, handle)
            .await
            .expect("run did not return after shutdown")
            .unwrap()
            .unwrap();
    });
}

#[test]
fn the_binary_serves_prints_its_address_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args([
            "serve",
            FOUNDING,
            "--addr",
            "127.0.0.1:0",
            "--format",
            "json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DEMARCHE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(started["scenarios"], 1);
    assert_eq!(started["writes"], false);
    let addr: SocketAddr = started["addr"].as_str().unwrap().parse().unwrap();
    assert_eq!(started["url"], json!(format!("http://{addr}/")));
    runtime().block_on(async {
        let s = Server {
            addr,
            stop: None,
            handle: tokio::spawn(async { Ok(()) }),
        };
        let list = get(&s, "/api/scenarios").await.json();
        assert_eq!(list["scenarios"][0]["name"], "nato-russia-2021");
    });
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopping"));
}

#[test]
fn the_binary_warns_when_listening_beyond_loopback_without_a_token() {
    let dir = scratch("bin-errors");
    std::fs::copy(FOUNDING, dir.join("nato-russia-2021.toml")).unwrap();
    let copy = dir.join("nato-russia-2021.toml");
    let o = demarche(&[
        "serve",
        FOUNDING,
        copy.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("both be served as"));
    let o = demarche(&["serve", "--token", "short"]);
    assert_eq!(o.status.code(), Some(2));
    let mut child = Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(["serve", FOUNDING, "--addr", "0.0.0.0:0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DEMARCHE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening on http://0.0.0.0:"), "{line}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not loopback") && err.contains("NO TOKEN IS SET"),
        "{err}"
    );
    assert!(out.status.success());
}

/// True if every key, item and value of `doc` is in `actual` (arrays may be cut short in the
/// docs, objects may leave keys out).
fn covers(doc: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match (doc, actual) {
        (Value::Object(d), Value::Object(a)) => {
            for (k, dv) in d {
                let av = a.get(k).ok_or_else(|| format!("{at}.{k}: missing"))?;
                covers(dv, av, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(d), Value::Array(a)) => {
            if d.len() > a.len() {
                return Err(format!("{at}: {} items shown, {} given", d.len(), a.len()));
            }
            for (i, (dv, av)) in d.iter().zip(a).enumerate() {
                covers(dv, av, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(d), Value::Number(a)) if d.as_f64() == a.as_f64() => Ok(()),
        (d, a) if d == a => Ok(()),
        (d, a) => Err(format!("{at}: the docs show {d}, the server gives {a}")),
    }
}

/// Server-sent events in text: (event, id, data as JSON).
fn sse_events(text: &str) -> Vec<(String, Option<String>, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut e = (String::from("message"), None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    e.0 = v.trim().into();
                } else if let Some(v) = line.strip_prefix("id:") {
                    e.1 = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    e.2.push_str(v.trim());
                }
            }
            (!e.2.is_empty()).then(|| (e.0, e.1, serde_json::from_str(&e.2).unwrap()))
        })
        .collect()
}

/// Runs one documented command (a shell line calling curl) and returns what it printed: all of
/// it, or for an event stream, as much as the docs show.
fn run_example(cmd: &str, token: &str, stream_until: Option<(usize, String)>) -> String {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} --max-time 120"))
        .env("DEMARCHE_TOKEN", token)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 {
            break;
        }
        out.push_str(&line);
        if let Some((n, last)) = &stream_until
            && line == "\n"
        {
            let got = sse_events(&out);
            if got.len() >= *n && got.last().is_some_and(|e| &e.0 == last) {
                let _ = child.kill();
                break;
            }
        }
    }
    let _ = child.wait();
    out
}

#[test]
fn the_examples_in_docs_serve_md_are_what_the_server_answers() {
    let doc = std::fs::read_to_string("docs/serve.md").unwrap();
    let token = "change-me-to-a-long-secret";
    assert!(doc.contains(&format!("export DEMARCHE_TOKEN={token}")));
    // The fenced blocks, in order: (language, text).
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in doc.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => blocks.push(open.take().unwrap()),
            (Some((_, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    let examples: Vec<(&str, &str, &str)> = blocks
        .windows(2)
        .filter(|w| w[0].0 == "sh" && w[0].1.starts_with("curl "))
        .map(|w| (w[0].1.as_str(), w[1].0.as_str(), w[1].1.as_str()))
        .collect();
    assert!(examples.len() >= 12, "{} examples", examples.len());
    let dir = scratch("docs");
    let log = crisis_log(&dir);
    runtime().block_on(async {
        let options = Options {
            token: Some(token.into()),
            ..Options::default()
        };
        let s = start(sources(Some(&log)), options).await;
        for (cmd, lang, shown) in examples {
            let cmd = cmd
                .replace("\\\n", " ")
                .trim()
                .replace("http://127.0.0.1:8080", &format!("http://{}", s.addr));
            match lang {
                "json" => {
                    let want: Value = serde_json::from_str(shown)
                        .unwrap_or_else(|e| panic!("the docs' answer to {cmd} is not JSON: {e}"));
                    let c = cmd.clone();
                    let got = tokio::task::spawn_blocking(move || run_example(&c, token, None))
                        .await
                        .unwrap();
                    let got: Value = serde_json::from_str(&got)
                        .unwrap_or_else(|e| panic!("{cmd} did not answer JSON ({e}): {got}"));
                    if let Err(e) = covers(&want, &got, "") {
                        panic!("{cmd}: {e}\n{got}");
                    }
                }
                "text" => {
                    let want = sse_events(shown);
                    assert!(!want.is_empty(), "no events shown for {cmd}");
                    let until = Some((want.len(), want.last().unwrap().0.clone()));
                    let c = cmd.clone();
                    let got = tokio::task::spawn_blocking(move || run_example(&c, token, until))
                        .await
                        .unwrap();
                    let got = sse_events(&got);
                    for (name, id, data) in &want {
                        let last = got.iter().rev().find(|e| &e.0 == name);
                        let Some((_, got_id, got_data)) = last else {
                            panic!("{cmd}: no `{name}` event in {got:?}");
                        };
                        if id.is_some() {
                            assert_eq!(got_id, id, "{cmd}: the id of `{name}`");
                        }
                        if let Err(e) = covers(data, got_data, name) {
                            panic!("{cmd}: {e}");
                        }
                    }
                }
                other => panic!("the answer to {cmd} is a `{other}` block, not json or text"),
            }
        }
        s.stop().await;
    });
}
