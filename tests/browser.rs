//! The HTML report (`demarche report`): the data it draws, checked against replays, and the page
//! itself, driven in headless Chromium through chromedriver on a loopback port.
//!
//! The browser tests need `chromium` and `chromedriver` (Debian: `apt-get install -y chromium
//! chromium-driver`; `.ci/run` installs them). Without them they fail, saying so. Each test
//! writes a screenshot under target/screenshots/.

use crate::cli::demarche;
use demarche::core::Day;
use demarche::core::world::MissionId;
use demarche::html::series::{Facts, STATUSES, Series, status_code};
use demarche::run::{Until, run};
use demarche::scenario::{self, Scenario};
use demarche::whatif::{self, compare::Comparison};
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FOUNDING: &str = "scenarios/nato-russia-2021.toml";
const BRANCH: &str = "scenarios/whatif/nato-expels-two.toml";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Writes a report with the CLI and returns its path.
fn report(name: &str, args: &[&str]) -> PathBuf {
    let out = scratch(name);
    let mut all: Vec<&str> = vec!["report"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", out.to_str().unwrap()]);
    let o = demarche(&all);
    assert!(
        o.status.success(),
        "demarche {all:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

fn facts_json(f: Facts) -> Value {
    json!([
        status_code(f.status),
        f.headcount,
        f.cap,
        f.vacant,
        f.leaving
    ])
}

// ---- The data the page draws.

#[test]
fn each_missions_series_gives_the_state_on_every_day_of_every_scenario() {
    for path in scenarios() {
        let s = scenario::load(&path).unwrap();
        let r = run(&s, Until::End, false);
        assert!(r.problems.is_empty(), "{}", path.display());
        let sampled =
            demarche::html::series::sample(&s.world, &s.initial, &s.events, s.end).unwrap();
        assert_eq!(
            sampled.state.digest(),
            r.state.digest(),
            "{}",
            path.display()
        );
        let last = r.state.clock;
        let mut day = s.start;
        while day <= last {
            let at = run(&s, Until::Date(day), false);
            for m in s.world.mission_ids() {
                let want = Facts::of(&s.world, &at.state, m);
                let got = sampled.series[m.index()].at(day).unwrap();
                assert_eq!(
                    got,
                    want,
                    "{} {} on {day}",
                    path.display(),
                    s.world.mission(m).key
                );
            }
            day = Day(day.0 + 1);
        }
    }
}

#[test]
fn a_series_holds_one_sample_per_change_only() {
    let s = scenario::load(Path::new(FOUNDING)).unwrap();
    let sampled = demarche::html::series::sample(&s.world, &s.initial, &s.events, s.end).unwrap();
    let m = s.world.mission_by_key("ru-mission-nato").unwrap();
    let series: &Series = &sampled.series[m.index()];
    // Days strictly increase, and no sample repeats the one before it.
    for k in 1..series.len() {
        assert!(series.day[k] > series.day[k - 1]);
        let same = series.status[k] == series.status[k - 1]
            && series.headcount[k] == series.headcount[k - 1]
            && series.cap[k] == series.cap[k - 1]
            && series.vacant[k] == series.vacant[k - 1]
            && series.leaving[k] == series.leaving[k - 1];
        assert!(!same, "sample {k} repeats the one before it");
    }
    // The mission is over its cap of 30 from 2015-04-10 until the excess left on 2016-01-11.
    let day = |t: &str| scenario::parse_date(t).unwrap();
    assert_eq!(
        series.at(day("2015-04-10")).unwrap().status.key(),
        "over-cap"
    );
    assert_eq!(
        series.at(day("2016-01-10")).unwrap().status.key(),
        "over-cap"
    );
    assert_eq!(series.at(day("2016-01-11")).unwrap().headcount, 30);
    assert_eq!(
        series.at(day("2021-11-01")).unwrap().status.key(),
        "suspended"
    );
    assert_eq!(
        STATUSES[status_code(demarche::core::Status::OverCap) as usize],
        "over-cap"
    );
}

/// The branch's series against the branch run cut at each day: drafting is seeded, so the
/// branch up to a day is the same whatever its last day.
#[test]
fn a_branchs_series_give_the_branch_state_on_every_day() {
    for file in ["nato-expels-two", "nato-does-nothing", "russia-absorbs"] {
        let path = PathBuf::from(format!("scenarios/whatif/{file}.toml"));
        let whatif::Input::Branch(bf, base) = whatif::load_input(&path).unwrap() else {
            panic!("{file} is a branch file")
        };
        let b = bf.build(&base).unwrap();
        let prepared = b.prepare();
        let outcome = prepared.run(b.seed, true);
        let cmp = Comparison::new(&prepared, "t".into(), Vec::new(), outcome);
        let base_run = run(&base, Until::End, false);
        let data =
            serde_json::to_value(demarche::html::branch_data(&base, &base_run, &cmp).unwrap())
                .unwrap();
        let series = &data["branch"]["side"]["series"];
        let fork = prepared.fork_day().unwrap();
        let end = prepared.end.unwrap();
        // The shared prefix is replayed whatever the last day, so cuts start at the fork.
        let mut day = fork;
        while day <= end {
            let mut cut = bf.build(&base).unwrap();
            cut.until = Some(day);
            let o = cut.prepare().run(cut.seed, false);
            for m in base.world.mission_ids() {
                let want = facts_json(Facts::of(&base.world, &o.state, m));
                assert_eq!(
                    series_at(&series[m.index()], day),
                    want,
                    "{file}: {} on {day}",
                    base.world.mission(m).key
                );
            }
            day = Day(day.0 + 1);
        }
    }
}

/// A series in the page's JSON, looked up as the page does: the last sample on or before the day.
fn series_at(s: &Value, day: Day) -> Value {
    let days: Vec<i64> = s["day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_i64().unwrap())
        .collect();
    let k = days
        .partition_point(|&d| d <= i64::from(day.0))
        .saturating_sub(1);
    let cap = s["cap"][k].as_i64().unwrap();
    json!([
        s["status"][k],
        s["headcount"][k],
        if cap < 0 { Value::Null } else { json!(cap) },
        s["vacant"][k],
        s["leaving"][k]
    ])
}

#[test]
fn a_branch_report_strikes_pruned_events_and_marks_drafted_ones() {
    let whatif::Input::Branch(bf, base) = whatif::load_input(Path::new(BRANCH)).unwrap() else {
        panic!("a branch file")
    };
    let b = bf.build(&base).unwrap();
    let prepared = b.prepare();
    let outcome = prepared.run(b.seed, true);
    let cmp = Comparison::new(&prepared, "t".into(), b.notes.clone(), outcome);
    let base_run = run(&base, Until::End, false);
    let v =
        serde_json::to_value(demarche::html::branch_data(&base, &base_run, &cmp).unwrap()).unwrap();
    let ev = &v["events"];
    let ids: Vec<&str> = ev["id"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    let tag_of = |id: &str| {
        ev["tag"][ids.iter().position(|x| *x == id).unwrap()]
            .as_u64()
            .unwrap() as u8
    };
    use demarche::html::tag;
    for pruned in [
        "nato-accuses-2021",
        "ru-threatens-2021",
        "ru-countermeasures-2021",
        "maas-ice-age-2021",
    ] {
        assert_eq!(tag_of(pruned), tag::STRUCK, "{pruned}");
    }
    for shared in ["nato-cap-30-2015", "ru-mission-size-2021"] {
        assert_eq!(tag_of(shared), tag::NONE, "{shared}");
    }
    // The recorded decision is struck; its edited version is drawn apart.
    let expels: Vec<usize> = (0..ids.len())
        .filter(|&i| ids[i] == "nato-expels-8-2021")
        .collect();
    assert_eq!(expels.len(), 2);
    assert_eq!(tag::STRUCK, ev["tag"][expels[0]].as_u64().unwrap() as u8);
    assert_eq!(tag::EDITED, ev["tag"][expels[1]].as_u64().unwrap() as u8);
    assert_eq!(tag_of("policy:russia:1"), tag::DRAFTED);
    let k = ids.iter().position(|x| *x == "policy:russia:1").unwrap();
    assert_eq!(
        ev["changes"][k][0],
        "nato-mlm-moscow: 2 staff lose accreditation, must leave by 2021-11-07"
    );
    // It answers the edited decision.
    assert_eq!(ev["refs"][k], json!([expels[1]]));
    assert_eq!(v["branch"]["fork"]["id"], "ru-mission-size-2021");
    assert_eq!(
        v["branch"]["escalation"]["day"].as_array().unwrap().len(),
        6
    );
}

#[test]
fn a_log_reports_as_its_scenario_does() {
    let log = scratch("founding.log");
    let _ = std::fs::remove_file(&log);
    let _ = std::fs::remove_dir_all(log.with_extension("log.snapshots"));
    let o = demarche(&["log", "import", FOUNDING, log.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let l = demarche::log::Log::open(&log).unwrap();
    let (ls, lr) = l.run(demarche::log::reader::Upto::End).unwrap();
    let from_log = serde_json::to_value(demarche::html::data(&ls, &lr).unwrap()).unwrap();
    let s = scenario::load(Path::new(FOUNDING)).unwrap();
    let from_file =
        serde_json::to_value(demarche::html::data(&s, &run(&s, Until::End, false)).unwrap())
            .unwrap();
    for key in ["events", "base", "missions", "start", "end"] {
        assert_eq!(from_log[key], from_file[key], "{key}");
    }
}

#[test]
fn the_page_is_self_contained() {
    let page = std::fs::read_to_string(report("founding-static.html", &[FOUNDING])).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    for needle in ["<script src", "<link", "src=\"http", "@import", "url(http"] {
        assert!(!page.contains(needle), "the page loads something: {needle}");
    }
    // D3 and its licence are inline, the data once.
    assert!(page.contains("https://d3js.org v7.9.2"));
    assert!(page.contains("Permission to use, copy, modify, and/or distribute this software"));
    assert_eq!(page.matches("id=\"demarche-data\"").count(), 1);
    // A `</script>` inside the data could end it early: every `</` in it is escaped.
    let data = page
        .split("id=\"demarche-data\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    assert!(!data.contains("</"));
    serde_json::from_str::<Value>(data).unwrap();
}

#[test]
fn a_scenario_that_does_not_replay_gives_no_report() {
    let out = scratch("rejected.html");
    let _ = std::fs::remove_file(&out);
    let o = demarche(&[
        "report",
        "scenarios/invalid/too-many-expelled.toml",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not replay"));
    assert!(!out.exists());
    let o = demarche(&["report", FOUNDING]);
    assert_eq!(o.status.code(), Some(2), "-o is required");
}

#[test]
fn every_example_in_the_help_of_report_writes_a_page() {
    let o = demarche(&["report", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8(o.stdout).unwrap();
    let examples: Vec<&str> = help
        .split_once("\nExamples:\n")
        .unwrap()
        .1
        .lines()
        .collect();
    assert!(examples.len() >= 3);
    // Run where the examples' relative paths resolve and their pages may be written: a scratch
    // folder with the scenarios and the log the README makes.
    let dir = scratch("help-examples");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::os::unix::fs::symlink(root.join("scenarios"), dir.join("scenarios")).unwrap();
    let run_in = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_demarche"))
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    assert!(
        run_in(&["log", "import", FOUNDING, "crisis.log"])
            .status
            .success()
    );
    for line in examples {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[..2], ["demarche", "report"], "{line}");
        let out = words[words.iter().position(|w| *w == "-o").unwrap() + 1];
        let o = run_in(&words[1..]);
        assert!(
            o.status.success(),
            "`{line}`: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let bytes = std::fs::read(dir.join(out)).unwrap();
        if out.ends_with(".svg") {
            assert!(bytes.starts_with(b"<svg "), "{line}");
        } else if out.ends_with(".png") {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{line}");
        } else {
            let page = String::from_utf8(bytes).unwrap();
            assert!(page.contains("id=\"demarche-data\""), "{line}");
        }
    }
}

// ---- In the browser.

/// One browser at a time: Chromium is heavy, and the machine may have two cores.
pub(crate) static BROWSER: Mutex<()> = Mutex::new(());

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/lib/chromium")]) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

pub(crate) struct Driver {
    child: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Starts chromedriver on a free loopback port and opens a headless Chromium session on it.
pub(crate) async fn browser(name: &str) -> (Driver, Client) {
    let missing = "the browser tests need Chromium and chromedriver, and they are not on PATH: \
                   install them (Debian: `apt-get install -y chromium chromium-driver`; .ci/run does this)";
    let chromium = which(&["chromium", "chromium-browser", "google-chrome"]).expect(missing);
    let driver = which(&["chromedriver"]).expect(missing);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let profile = scratch(&format!("profile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
    let d = Driver { child, profile };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1500",
                format!("--user-data-dir={}", d.profile.display()),
            ],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "no session from chromedriver with {}: {e}",
                chromium.display()
            )
        });
    (d, client)
}

pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Opens a report and waits for its script to have drawn it.
async fn open(c: &Client, page: &Path) {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    c.goto(&url).await.unwrap();
    drawn(c).await;
}

/// Waits for the report page's script to have drawn it (at most a minute), and checks that it
/// raised no error.
pub(crate) async fn drawn(c: &Client) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = c
            .execute(
                "return document.documentElement.getAttribute('data-ready')",
                vec![],
            )
            .await
            .unwrap();
        if ready == json!("true") {
            break;
        }
        if Instant::now() > deadline {
            let errors = c
                .execute("return window.__errors || []", vec![])
                .await
                .unwrap();
            panic!("the report did not finish drawing; script errors: {errors}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let errors = c
        .execute("return window.__errors || []", vec![])
        .await
        .unwrap();
    assert_eq!(errors, json!([]), "script errors");
}

/// Waits until the page has drawn what the last input asked for (two animation frames).
pub(crate) async fn settled(c: &Client) {
    c.execute_async(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
        vec![],
    )
    .await
    .unwrap();
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    settled(c).await;
    let png = c.screenshot().await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

pub(crate) async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap());
    }
    out
}

pub(crate) async fn attr(c: &Client, css: &str, name: &str) -> Option<String> {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .attr(name)
        .await
        .unwrap()
}

pub(crate) async fn hover(c: &Client, css: &str) {
    let el = c.find(Locator::Css(css)).await.unwrap();
    let mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: el,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    c.perform_actions(mouse).await.unwrap();
}

pub(crate) async fn card(c: &Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let hidden = c
            .find(Locator::Id("card"))
            .await
            .unwrap()
            .attr("hidden")
            .await
            .unwrap();
        if hidden.is_none() {
            return c
                .find(Locator::Id("card"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
        }
        assert!(Instant::now() < deadline, "no card appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the time axis at the middle of `day`, from the view the axis reports.
pub(crate) async fn click_axis_at(c: &Client, day: Day) {
    let svg = "#axis-svg";
    let num = |v: Option<String>| v.unwrap().parse::<f64>().unwrap();
    let (t0, t1) = (
        num(attr(c, svg, "data-t0").await),
        num(attr(c, svg, "data-t1").await),
    );
    let (x0, x1) = (
        num(attr(c, svg, "data-x0").await),
        num(attr(c, svg, "data-x1").await),
    );
    let el = c.find(Locator::Css(svg)).await.unwrap();
    let (_, _, w, h) = el.rectangle().await.unwrap();
    let px = x0 + (f64::from(day.0) + 0.5 - t0) / (t1 - t0) * (x1 - x0);
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: el,
            duration: None,
            x: (px - w / 2.0).round(),
            y: (h / 2.0 - 8.0).round(),
        })
        .then(PointerAction::Down { button: 0 })
        .then(PointerAction::Up { button: 0 });
    c.perform_actions(mouse).await.unwrap();
}

fn founding() -> Scenario {
    scenario::load(Path::new(FOUNDING)).unwrap()
}

#[test]
fn the_founding_scenario_draws_a_lane_per_mission_with_its_marks() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let page = report("founding.html", &[FOUNDING]);
    block_on(async {
        let (_d, c) = browser("founding").await;
        open(&c, &page).await;
        let s = founding();
        let lanes = c.find_all(Locator::Css("g.lane")).await.unwrap();
        // Five missions and the lane of events between actors only (a German statement).
        assert_eq!(lanes.len(), s.world.missions.len() + 1);
        let labels = texts(&c, "g.lane .lane-label .key").await;
        for m in &s.world.missions {
            assert!(labels.contains(&m.key), "no label for {}", m.key);
        }
        assert!(labels.contains(&"no mission".to_string()));
        // Every event has its mark, in its mission's lane.
        for meta in &s.meta {
            let n = c
                .find_all(Locator::Css(&format!(".mark[data-event='{}']", meta.id)))
                .await
                .unwrap()
                .len();
            assert_eq!(n, 1, "mark of {}", meta.id);
        }
        let lane_of =
            |id: &str| format!("g.lane[data-mission='ru-mission-nato'] .mark[data-event='{id}']");
        c.find(Locator::Css(&lane_of("nato-expels-8-2021")))
            .await
            .unwrap();
        c.find(Locator::Css(&lane_of("ru-countermeasures-2021")))
            .await
            .unwrap();
        // Marks coloured by kind: an expulsion decision is drawn in the colour of its family.
        let fam = attr(&c, ".mark[data-event='nato-cap-30-2015']", "class")
            .await
            .unwrap();
        assert!(fam.contains("fam-cap"), "{fam}");
        // Status bands: Russia's mission over cap in 2015, suspended at the end.
        for status in ["over-cap", "active", "suspended"] {
            c.find(Locator::Css(&format!(
                "g.lane[data-mission='ru-mission-nato'] rect.band.status-{status}"
            )))
            .await
            .unwrap();
        }
        c.find(Locator::Css(
            "g.lane[data-mission='nato-mlm-moscow'] rect.band.status-closed",
        ))
        .await
        .unwrap();
        // Headcount and cap step lines, staff leaving with their deadlines.
        c.find(Locator::Css(
            "g.lane[data-mission='ru-mission-nato'] path.hc",
        ))
        .await
        .unwrap();
        c.find(Locator::Css(
            "g.lane[data-mission='ru-mission-nato'] path.cap",
        ))
        .await
        .unwrap();
        let leaving = texts(&c, "g.lane[data-mission='ru-mission-nato'] .leaving text").await;
        assert!(leaving.contains(&"−8".to_string()), "{leaving:?}");
        // Answers: Russia's statement of 2015 answers NATO's cap.
        c.find(Locator::Css(
            ".arrow[data-from='nato-cap-30-2015'][data-to='ru-reacts-cap-2015']",
        ))
        .await
        .unwrap();
        screenshot(&c, "founding").await;
        c.find(Locator::Id("fit-last"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        settled(&c).await;
        c.find(Locator::Css(
            ".arrow[data-from='ru-countermeasures-2021'][data-to='maas-ice-age-2021']",
        ))
        .await
        .unwrap();
        screenshot(&c, "founding-last-90-days").await;
        c.close().await.unwrap();
    });
}

#[test]
fn hovering_a_mark_shows_its_card() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let page = report("founding-card.html", &[FOUNDING]);
    block_on(async {
        let (_d, c) = browser("card").await;
        open(&c, &page).await;
        c.find(Locator::Id("fit-last"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        settled(&c).await;
        let hidden = attr(&c, "#card", "hidden").await;
        assert!(hidden.is_some(), "the card shows before any hover");
        hover(&c, ".mark[data-event='nato-expels-8-2021']").await;
        let text = card(&c).await;
        for want in [
            "countermeasures",
            "nato-expels-8-2021 · 2021-10-06",
            "nato → russia",
            "notified 2021-10-06",
            "ru-mission-nato: 8 staff lose accreditation, must leave by 2021-10-31",
            "2021-10-31: ru-mission-nato: cap 10",
            "Source:",
        ] {
            assert!(text.contains(want), "card lacks {want:?}:\n{text}");
        }
        let href = attr(&c, "#card .source a", "href").await.unwrap();
        assert_eq!(href, "https://www.novinite.com/articles/211700");
        screenshot(&c, "card").await;
        // Moving away hides it; another mark shows its own.
        hover(&c, ".mark[data-event='ru-countermeasures-2021']").await;
        let text = card(&c).await;
        assert!(text.contains("ru-countermeasures-2021"), "{text}");
        assert!(text.contains("answers nato-expels-8-2021"), "{text}");
        c.close().await.unwrap();
    });
}

#[test]
fn picking_a_day_on_the_axis_updates_the_state_table() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let page = report("founding-state.html", &[FOUNDING]);
    let s = founding();
    block_on(async {
        let (_d, c) = browser("state").await;
        open(&c, &page).await;
        let shown = texts(&c, "#picked-date").await;
        assert_eq!(
            shown,
            ["2021-11-02"],
            "the table starts at the scenario's end"
        );
        check_table(&c, &s, scenario::parse_date("2021-11-02").unwrap()).await;
        c.find(Locator::Id("fit-last"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        settled(&c).await;
        let target = scenario::parse_date("2021-10-20").unwrap();
        click_axis_at(&c, target).await;
        let picked = scenario::parse_date(&texts(&c, "#picked-date").await[0]).unwrap();
        assert!(
            (picked.0 - target.0).abs() <= 1,
            "clicked {target}, picked {picked}"
        );
        check_table(&c, &s, picked).await;
        let status = texts(
            &c,
            "#state-table tr[data-mission='ru-mission-nato'] td.status",
        )
        .await;
        assert_eq!(status, ["active"]);
        screenshot(&c, "state").await;
        c.close().await.unwrap();
    });
}

/// The table on the page against `demarche state --at DAY`, mission by mission.
async fn check_table(c: &Client, s: &Scenario, day: Day) {
    let r = run(s, Until::Date(day), false);
    for m in s.world.mission_ids() {
        let key = &s.world.mission(m).key;
        let f = Facts::of(&s.world, &r.state, m);
        let cells = texts(c, &format!("#state-table tr[data-mission='{key}'] td")).await;
        let want = [
            f.status.key().to_string(),
            f.headcount.to_string(),
            f.cap.map_or("-".into(), |x| x.to_string()),
            f.vacant.to_string(),
            f.leaving.to_string(),
        ];
        assert_eq!(cells[3..], want, "{key} on {day}");
    }
    let _: MissionId = MissionId(0);
}

#[test]
fn a_branch_is_drawn_over_its_base() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let page = report("branch.html", &[FOUNDING, "--branch", BRANCH]);
    block_on(async {
        let (_d, c) = browser("branch").await;
        open(&c, &page).await;
        let fork = texts(&c, "#axis .fork-label").await;
        assert_eq!(fork, ["fork: ru-mission-size-2021"]);
        c.find(Locator::Css("#lanes .fork-line")).await.unwrap();
        let fork_text = texts(&c, "#fork-text").await.join("");
        assert!(fork_text.contains("diverges on 2021-10-06"), "{fork_text}");
        // Pruned recorded events struck through; the policies' answers marked as drafted.
        for id in [
            "ru-countermeasures-2021",
            "ru-threatens-2021",
            "nato-accuses-2021",
        ] {
            let class = attr(&c, &format!(".mark[data-event='{id}']"), "class")
                .await
                .unwrap();
            assert!(class.contains("struck"), "{id}: {class}");
        }
        let class = attr(&c, ".mark[data-event='policy:russia:1']", "class")
            .await
            .unwrap();
        assert!(class.contains("drafted"), "{class}");
        assert_eq!(
            c.find_all(Locator::Css(".mark.drafted"))
                .await
                .unwrap()
                .len(),
            4,
            "four answers drafted"
        );
        // Both runs' status strips: the recorded mission suspended, the branch's active.
        let lane = "g.lane[data-mission='ru-mission-nato']";
        c.find(Locator::Css(&format!("{lane} rect.band.status-suspended")))
            .await
            .unwrap();
        c.find(Locator::Css(&format!("{lane} path.hc.base")))
            .await
            .unwrap();
        c.find(Locator::Css(&format!("{lane} path.hc.branch")))
            .await
            .unwrap();
        // The escalation of each side.
        c.find(Locator::Css("#escalation path.base-total"))
            .await
            .unwrap();
        c.find(Locator::Css("#escalation path.branch-total"))
            .await
            .unwrap();
        let legend = texts(&c, "#escalation .legend text").await;
        assert_eq!(legend, ["recorded: 18.4", "branch: 20.0"]);
        // The state table marks the three missions that differ at the end.
        let differ: Vec<String> = {
            let mut v = Vec::new();
            for tr in c
                .find_all(Locator::Css("#state-table tr.differs"))
                .await
                .unwrap()
            {
                v.push(tr.attr("data-mission").await.unwrap().unwrap());
            }
            v
        };
        assert_eq!(
            differ,
            [
                "ru-mission-nato",
                "nato-mlm-moscow",
                "nato-info-office-moscow"
            ]
        );
        let cells = texts(&c, "#state-table tr[data-mission='ru-mission-nato'] td").await;
        assert_eq!(
            cells[3..],
            ["suspended | active", "0 | 12", "10 | 20", "0", "0 | 4"]
        );
        hover(&c, ".mark[data-event='policy:russia:1']").await;
        let text = card(&c).await;
        assert!(
            text.contains(
                "drafted by the policy of russia (reciprocal), answering nato-expels-8-2021"
            ),
            "{text}"
        );
        screenshot(&c, "branch").await;
        hover(&c, ".mark[data-event='ru-countermeasures-2021']").await;
        let text = card(&c).await;
        assert!(
            text.contains("no longer happens in the branch (pruned)"),
            "{text}"
        );
        c.close().await.unwrap();
    });
}

// ---- The sweep view's data.

/// The data embedded in a page.
fn page_data(page: &Path) -> Value {
    let text = std::fs::read_to_string(page).unwrap();
    let data = text
        .split("id=\"demarche-data\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap()
        .replace("<\\/", "</");
    serde_json::from_str(&data).unwrap()
}

fn sweep_cli(args: &[&str]) -> String {
    let o = demarche(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_sweep_report_agrees_with_demarche_sweep_for_any_number_of_threads() {
    let runs = 300;
    let one = page_data(&report(
        "sweep-1.html",
        &[
            FOUNDING,
            "--branch",
            BRANCH,
            "--sweep",
            "--runs",
            "300",
            "--seed",
            "7",
            "--threads",
            "1",
        ],
    ));
    let two = page_data(&report(
        "sweep-2.html",
        &[
            FOUNDING,
            "--branch",
            BRANCH,
            "--sweep",
            "--runs",
            "300",
            "--seed",
            "7",
            "--threads",
            "2",
        ],
    ));
    assert_eq!(one["sweep"], two["sweep"], "the view depends on --threads");
    let sw = &one["sweep"];
    assert_eq!(sw["runs"], runs);
    assert_eq!(sw["seed"], "7");
    let json: Value = serde_json::from_str(&sweep_cli(&[
        "sweep", BRANCH, "--runs", "300", "--seed", "7", "--format", "json", "--top", "10",
    ]))
    .unwrap();
    assert_eq!(sw["distinct_outcomes"], json["distinct_outcomes"]);
    assert_eq!(sw["mean_escalation"], json["mean_escalation"]);
    let csv = sweep_cli(&[
        "sweep", BRANCH, "--runs", "300", "--seed", "7", "--format", "csv",
    ]);
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), runs);
    let missions = one["missions"].as_array().unwrap();
    for (m, mission) in missions.iter().enumerate() {
        let key = mission["key"].as_str().unwrap();
        let want = json["missions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == key)
            .unwrap();
        // Shares of each status, as demarche sweep rounds them.
        for (code, status) in STATUSES.iter().enumerate() {
            let count = sw["status"][m][code].as_u64().unwrap() as f64;
            let share = (count / runs as f64 * 10_000.0).round() / 10_000.0;
            assert_eq!(
                json!(share),
                want["status_share"][*status],
                "{key} {status}"
            );
        }
        // The histogram against every run's headcount in the CSV.
        let col = head
            .iter()
            .position(|h| *h == format!("{key}.headcount"))
            .unwrap();
        let h = &sw["headcount"][m];
        assert_eq!(h["mean"], want["headcount"]["mean"], "{key}");
        assert_eq!(h["min"], want["headcount"]["min"], "{key}");
        assert_eq!(h["max"], want["headcount"]["max"], "{key}");
        let bins = h["count"].as_array().unwrap().len();
        for k in 0..bins {
            let (lo, hi) = (h["lo"][k].as_u64().unwrap(), h["hi"][k].as_u64().unwrap());
            let in_bin: Vec<u64> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| (lo..=hi).contains(&r[col].parse::<u64>().unwrap()))
                .map(|(i, _)| i as u64)
                .collect();
            assert_eq!(h["count"][k], in_bin.len(), "{key} bin {lo}-{hi}");
            // The runs listed for a bin are its first ones.
            let listed: Vec<u64> = h["runs"][k]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            assert_eq!(listed, in_bin[..in_bin.len().min(12)], "{key}");
        }
    }
    // Every listed run has the seed and answers the CSV gives it.
    let l = &sw["listed"];
    for (k, i) in l["index"].as_array().unwrap().iter().enumerate() {
        let row = &rows[i.as_u64().unwrap() as usize];
        assert_eq!(l["seed"][k], row[1], "run {i}");
    }
    // The most common answer sequences, with their counts.
    for (q, want) in sw["sequences"]
        .as_array()
        .unwrap()
        .iter()
        .zip(json["sequences"].as_array().unwrap())
    {
        assert_eq!(q["text"], want["sequence"]);
        assert_eq!(q["count"], want["runs"]);
    }
    // Escalation quantiles rise over time and are ordered.
    let e = &sw["escalation"];
    assert!(!e["day"].as_array().unwrap().is_empty());
    for actor in e["values"].as_array().unwrap() {
        let q: Vec<Vec<f64>> = actor
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect()
            })
            .collect();
        for d in 0..q[0].len() {
            for j in 1..q.len() {
                assert!(q[j - 1][d] <= q[j][d]);
            }
            if d > 0 {
                assert!(q[2][d - 1] <= q[2][d]);
            }
        }
    }
}

#[test]
fn the_seed_of_a_listed_run_replays_it_with_whatif() {
    let page = page_data(&report(
        "sweep-seed.html",
        &[
            FOUNDING, "--branch", BRANCH, "--sweep", "--runs", "40", "--seed", "3",
        ],
    ));
    let sw = &page["sweep"];
    let csv = sweep_cli(&[
        "sweep", BRANCH, "--runs", "40", "--seed", "3", "--format", "csv",
    ]);
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let command = sw["command"].as_str().unwrap();
    assert_eq!(command, format!("demarche whatif {BRANCH} --seed"));
    for k in [0usize, 17, 39] {
        let seed = sw["listed"]["seed"][k].as_str().unwrap();
        let words: Vec<&str> = command.split_whitespace().skip(1).collect();
        let mut args = words.clone();
        args.extend([seed, "--format", "json"]);
        let out: Value = serde_json::from_str(&sweep_cli(&args)).unwrap();
        let i = sw["listed"]["index"][k].as_u64().unwrap() as usize;
        assert_eq!(out["digest"]["branch"], rows[i][2], "run {i}");
    }
}

#[test]
fn a_sweep_report_stays_small_for_many_runs() {
    let small = report(
        "sweep-small.html",
        &[
            FOUNDING, "--branch", BRANCH, "--sweep", "--runs", "200", "--seed", "1",
        ],
    );
    let big = report(
        "sweep-big.html",
        &[
            FOUNDING, "--branch", BRANCH, "--sweep", "--runs", "5000", "--seed", "1",
        ],
    );
    let (a, b) = (
        std::fs::metadata(&small).unwrap().len(),
        std::fs::metadata(&big).unwrap().len(),
    );
    // 25 times the runs, and the page grows by less than a tenth.
    assert!(b < a + a / 10, "{a} bytes for 200 runs, {b} for 5000");
    let sw = &page_data(&big)["sweep"];
    assert!(sw["listed"]["index"].as_array().unwrap().len() <= 100 + 5 * (5 + 40) * 12);
    assert!(sw["escalation"]["day"].as_array().unwrap().len() <= 366);
}

#[test]
fn sweep_and_figure_options_are_checked() {
    let out = scratch("refused.svg");
    let o = demarche(&[
        "report",
        FOUNDING,
        "--branch",
        BRANCH,
        "--sweep",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "a sweep is not a figure");
    assert!(!out.exists());
    let o = demarche(&["report", FOUNDING, "--runs", "10", "-o", "x.html"]);
    assert_eq!(o.status.code(), Some(2), "--runs needs --sweep");
    let o = demarche(&[
        "report", FOUNDING, "--branch", BRANCH, "--sweep", "--runs", "0", "-o", "x.html",
    ]);
    assert_eq!(o.status.code(), Some(2), "--runs 0");
}

// ---- Static figures.

fn figure(name: &str, args: &[&str]) -> Vec<u8> {
    std::fs::read(report(name, args)).unwrap()
}

/// The text of every `<text>` element of an SVG.
fn svg_texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn an_svg_figure_has_a_lane_per_mission_an_axis_a_legend_and_marks() {
    let bytes = figure("founding.svg", &[FOUNDING]);
    let again = figure("founding-again.svg", &[FOUNDING, "--format", "svg"]);
    assert_eq!(bytes, again, "the same input gives the same bytes");
    let text = String::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("1200"));
    // The font is inside, and every text asks for it first.
    assert!(
        text.contains(
            "@font-face { font-family: \"demarche-sans\"; src: url(data:font/ttf;base64,"
        )
    );
    for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
        assert!(
            n.attribute("font-family")
                .unwrap()
                .starts_with("demarche-sans"),
            "{:?}",
            n.text()
        );
    }
    let texts = svg_texts(&doc);
    let s = founding();
    for m in s.world.mission_ids() {
        let key = &s.world.mission(m).key;
        assert!(texts.iter().any(|t| t == key), "no lane label {key}");
    }
    assert!(texts.iter().any(|t| t == "other events"));
    // The date axis: a tick a year over 2015 to 2021.
    for year in 2015..=2022 {
        assert!(
            texts.iter().any(|t| *t == year.to_string()),
            "no tick {year}"
        );
    }
    // The legend: statuses, families, lines.
    for l in [
        "not-open",
        "active",
        "over-cap",
        "suspended",
        "closed",
        "expulsions and recalls",
        "staff in post",
        "cap",
    ] {
        assert!(texts.iter().any(|t| t == l), "no legend entry {l}");
    }
    // A mark per event (circles), in the families' colours, plus the legend's dots.
    let circles = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(circles, s.events.len() + 6);
    let red = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") && n.attribute("fill") == Some("#7B3294"))
        .count();
    assert!(red >= 2, "suspensions and ruptures are purple: {red}");
}

#[test]
fn a_branch_figure_overlays_both_runs_with_the_fork() {
    let bytes = figure("branch.svg", &[FOUNDING, "--branch", BRANCH]);
    let text = String::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let texts = svg_texts(&doc);
    assert!(
        texts.iter().any(|t| t == "fork: ru-mission-size-2021"),
        "{texts:?}"
    );
    for l in ["in post, recorded", "in post, branch", "no longer happens"] {
        assert!(texts.iter().any(|t| t == l), "no legend entry {l}");
    }
    // Branch lines in the branch's blue, recorded lines in grey.
    let stroke = |c: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(c))
            .count()
    };
    assert!(stroke("#1565C0") > 0 && stroke("#8A8A8A") > 0);
    // Events of the branch alone are triangles: the four drafted answers, the edited decision,
    // and the legend's.
    let triangles = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .count();
    assert_eq!(triangles, 4 + 1 + 1);
}

#[test]
fn a_png_figure_is_a_valid_png_and_the_same_every_time() {
    let a = figure("founding.png", &[FOUNDING]);
    let b = figure("founding-again.png", &[FOUNDING]);
    assert_eq!(a, b);
    assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&a[12..16], b"IHDR");
    let w = u32::from_be_bytes(a[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(a[20..24].try_into().unwrap());
    assert_eq!(w, 2400);
    let svg = String::from_utf8(figure("founding-size.svg", &[FOUNDING])).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let svg_h: u32 = doc
        .root_element()
        .attribute("height")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(h, svg_h * 2);
    // Not a blank canvas: the image data is more than a white sheet compresses to.
    assert!(a.len() > 20_000, "{} bytes", a.len());
    let c = figure("branch.png", &[FOUNDING, "--branch", BRANCH]);
    assert_ne!(a, c);
}

#[test]
fn the_sweep_view_lists_the_seeds_of_a_clicked_bin() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let page = report(
        "sweep.html",
        &[
            FOUNDING, "--branch", BRANCH, "--sweep", "--runs", "500", "--seed", "7",
        ],
    );
    let data = page_data(&page);
    let sw = &data["sweep"];
    block_on(async {
        let (_d, c) = browser("sweep").await;
        open(&c, &page).await;
        // A bar per mission, its segments adding up to every run.
        for m in data["missions"].as_array().unwrap() {
            let key = m["key"].as_str().unwrap();
            let mut total = 0;
            for seg in c
                .find_all(Locator::Css(&format!(".sweep-seg[data-mission='{key}']")))
                .await
                .unwrap()
            {
                total += seg
                    .attr("data-runs")
                    .await
                    .unwrap()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap();
            }
            assert_eq!(total, 500, "{key}");
        }
        // The histogram of the mission whose headcount varies.
        let shown = attr(&c, "#sweep-hist-svg", "data-mission").await.unwrap();
        assert_eq!(shown, "ru-mission-nato");
        let bins = c
            .find_all(Locator::Css("#sweep-hist .sweep-bin"))
            .await
            .unwrap();
        assert!(bins.len() >= 3, "{} bins", bins.len());
        // The table of runs shows their seeds.
        let seeds = texts(&c, "#sweep-runs code.seed").await;
        assert_eq!(seeds.len(), 100);
        assert_eq!(seeds[0], sw["listed"]["seed"][0].as_str().unwrap());
        // Click the tallest bin: its first runs and their seeds are listed.
        let m = data["missions"]
            .as_array()
            .unwrap()
            .iter()
            .position(|x| x["key"] == "ru-mission-nato")
            .unwrap();
        let h = &sw["headcount"][m];
        let counts: Vec<u64> = h["count"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let k = (0..counts.len())
            .max_by_key(|&k| (counts[k], std::cmp::Reverse(k)))
            .unwrap();
        let lo = h["lo"][k].as_u64().unwrap();
        c.find(Locator::Css(&format!(
            "#sweep-hist .sweep-bin[data-lo='{lo}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        settled(&c).await;
        let want: Vec<String> = h["runs"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let at = sw["listed"]["index"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|x| x == i)
                    .unwrap();
                sw["listed"]["seed"][at].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(texts(&c, "#sweep-seed-list code.seed").await, want);
        let count = texts(&c, "#sweep-seeds-count").await.join("");
        assert!(count.starts_with(&format!("{} runs", counts[k])), "{count}");
        let cmd = texts(&c, "#sweep-seed-list .cmd").await;
        assert_eq!(
            cmd[0],
            format!("demarche whatif {BRANCH} --seed {}", want[0])
        );
        // Clicking a status segment lists its runs too.
        c.find(Locator::Css(
            ".sweep-seg[data-mission='ru-mission-nato'][data-status='over-cap']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        settled(&c).await;
        let listed = texts(&c, "#sweep-seed-list code.seed").await;
        let n = sw["status"][m][2].as_u64().unwrap() as usize;
        assert_eq!(listed.len(), n.min(12));
        // Escalation bands, one chart per actor.
        assert_eq!(
            c.find_all(Locator::Css("#sweep-escalation path.median"))
                .await
                .unwrap()
                .len(),
            sw["escalation"]["actors"].as_array().unwrap().len()
        );
        c.execute(
            "document.getElementById('sweep-section').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
        screenshot(&c, "sweep").await;
        c.close().await.unwrap();
    });
}
