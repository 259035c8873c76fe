//! The HTML pages: the index of what is served, each report as `demarche report` writes it,
//! and a form to draw a branch over its base.

use super::api::{blocking, branch_of, full_run, params, scenario_of};
use super::error::ApiError;
use super::{App, Kind};
use crate::html;
use crate::whatif::compare::Comparison;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::fmt::Write;

/// Text made safe inside HTML elements and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}\
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}\
th{font-weight:600}code,textarea{font:13px/1.4 ui-monospace,monospace}textarea{width:100%;height:24rem}\
.muted{color:#666}.error{color:#a00}button{font-size:1rem;padding:.3rem 1rem}";

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n",
        escape(title)
    )
}

/// An error as a page, with the problems listed.
fn error_page(e: &ApiError) -> Response {
    let mut body = format!(
        "<h1>Cannot show this</h1>\n<p class=\"error\" id=\"error\">{}</p>\n",
        escape(&e.error)
    );
    if let Some(serde_json::Value::Array(ps)) = e.extra.get("problems") {
        body.push_str("<ul id=\"problems\">\n");
        for p in ps {
            let line = p.get("line").and_then(|v| v.as_u64()).unwrap_or(0);
            let msg = p.get("message").and_then(|v| v.as_str()).unwrap_or("");
            let _ = writeln!(body, "<li>line {line}: {}</li>", escape(msg));
        }
        body.push_str("</ul>\n");
    }
    body.push_str("<p><a href=\"/\">back to the index</a></p>\n");
    (e.status, Html(shell("demarche: error", &body))).into_response()
}

/// `GET /`: every scenario and log served, with links to its report, branch form and API.
pub async fn index(
    State(app): State<App>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    if let Err(e) = params(q, &[]) {
        return error_page(&e);
    }
    let sources = app.sources().to_vec();
    let rows = blocking(move || {
        let mut rows = String::new();
        for s in &sources {
            let facts = match scenario_of(s) {
                Ok(sc) => format!(
                    "{}<br><span class=\"muted\">{} events, {} to {}</span>",
                    escape(&sc.title),
                    sc.events.len(),
                    sc.events.first().map_or("-".into(), |e| e.date.to_string()),
                    sc.events.last().map_or("-".into(), |e| e.date.to_string()),
                ),
                Err(e) => format!("<span class=\"error\">{}</span>", escape(&e.error)),
            };
            let n = escape(&s.name);
            let tail = if s.kind == Kind::Log {
                format!(" &middot; <a href=\"/api/logs/{n}/tail?from=1\">tail</a>")
            } else {
                String::new()
            };
            let _ = writeln!(
                rows,
                "<tr data-name=\"{n}\"><td><a class=\"report\" href=\"/report/{n}\">{n}</a></td><td>{}</td><td>{facts}</td>\
<td><a class=\"branch\" href=\"/report/{n}/branch\">branch</a> &middot; <a href=\"/api/scenarios/{n}/state\">state</a> &middot; <a href=\"/api/scenarios/{n}/replay\">replay</a>{tail}</td></tr>",
                s.kind.key()
            );
        }
        Ok(rows)
    })
    .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let body = format!(
        "<h1>demarche</h1>\n<p>Scenarios and logs served here. Each report is the page <code>demarche report</code> writes; \
the JSON API is listed at <a href=\"/api/scenarios\">/api/scenarios</a> and documented in docs/serve.md.</p>\n\
<table id=\"sources\"><thead><tr><th>name</th><th>kind</th><th>what</th><th>views</th></tr></thead><tbody>\n{rows}</tbody></table>\n"
    );
    Html(shell("demarche", &body)).into_response()
}

/// `GET /report/{name}`: the report page of a scenario or log.
pub async fn report(State(app): State<App>, Path(name): Path<String>) -> Response {
    let src = match app.source(&name) {
        Ok(s) => s.clone(),
        Err(e) => return error_page(&e),
    };
    let page = blocking(move || {
        let (s, r) = full_run(&src)?;
        let d = html::data(&s, &r).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(html::page(&d))
    })
    .await;
    match page {
        Ok(p) => Html(p).into_response(),
        Err(e) => error_page(&e),
    }
}

/// `GET /report/{name}/branch`: a form for a branch file, drawn over the base when posted.
pub async fn branch_form(State(app): State<App>, Path(name): Path<String>) -> Response {
    let src = match app.source(&name) {
        Ok(s) => s.clone(),
        Err(e) => return error_page(&e),
    };
    let ids = blocking(move || {
        let s = scenario_of(&src)?;
        Ok(s.meta.iter().map(|m| m.id.clone()).collect::<Vec<_>>())
    })
    .await;
    let ids = match ids {
        Ok(i) => i,
        Err(e) => return error_page(&e),
    };
    let example = format!(
        "[branch]\ntitle = \"What if {} had not happened\"\n\n[[drop]]\nevent = \"{}\"\nwhy = \"an assumption of this branch\"\n",
        ids.last().map_or("", |s| s.as_str()),
        ids.last().map_or("", |s| s.as_str())
    );
    let n = escape(&name);
    let list: Vec<String> = ids
        .iter()
        .map(|i| format!("<code>{}</code>", escape(i)))
        .collect();
    let body = format!(
        "<h1>A branch of {n}</h1>\n<p>Write a branch file (the fields of <code>scenarios/whatif/*.toml</code>, \
see docs/counterfactuals.md); its <code>base</code> is {n} whatever it says. The branch is drawn over its base.</p>\n\
<form id=\"branch-form\" method=\"post\" action=\"/report/{n}/branch\">\n\
<textarea id=\"branch\" name=\"branch\" spellcheck=\"false\">{}</textarea>\n\
<p><label>seed <input id=\"seed\" name=\"seed\" inputmode=\"numeric\" size=\"8\"></label> \
<button id=\"submit\" type=\"submit\">draw the branch</button></p>\n</form>\n\
<p class=\"muted\">Events of {n}: {}</p>\n<p><a href=\"/report/{n}\">the report of {n}</a> &middot; <a href=\"/\">index</a></p>\n",
        escape(&example),
        list.join(", ")
    );
    Html(shell(&format!("demarche: a branch of {name}"), &body)).into_response()
}

#[derive(Deserialize)]
pub struct BranchForm {
    branch: String,
    #[serde(default)]
    seed: String,
}

/// `POST /report/{name}/branch` (form fields `branch`, `seed`): the branch report page.
pub async fn branch_report(
    State(app): State<App>,
    Path(name): Path<String>,
    form: Result<Form<BranchForm>, FormRejection>,
) -> Response {
    let src = match app.source(&name) {
        Ok(s) => s.clone(),
        Err(e) => return error_page(&e),
    };
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => {
            let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return error_page(&ApiError::new(
                status,
                "bad-form",
                Some("branch"),
                e.body_text(),
            ));
        }
    };
    let seed = match form.seed.trim() {
        "" => None,
        s => match s.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return error_page(&ApiError::bad(
                    "seed",
                    "bad-seed",
                    format!("`{s}` is not a seed (a whole number)"),
                ));
            }
        },
    };
    let page = blocking(move || {
        let text = super::api::with_base(form.branch, &src.name);
        let (s, r) = full_run(&src)?;
        let mut b = branch_of(&s, &text)?;
        if let Some(seed) = seed {
            b.seed = seed;
        }
        let prepared = b.prepare();
        let outcome = prepared.run(b.seed, true);
        let title = b.title.clone().unwrap_or_default();
        let cmp = Comparison::new(&prepared, title, b.notes.clone(), outcome);
        let d = html::branch_data(&s, &r, &cmp).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(html::page(&d))
    })
    .await;
    match page {
        Ok(p) => Html(p).into_response(),
        Err(e) => error_page(&e),
    }
}
