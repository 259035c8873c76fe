//! The app `demarche serve` serves, driven in headless Chromium: the index, a report with its
//! lanes, marks, cards and state table, and a branch posted through the form. The server runs
//! in-process on a loopback port. Each view is saved as target/screenshots/serve-*.png.
//!
//! Like tests/browser.rs, these need `chromium` and `chromedriver` on PATH.

use crate::browser::{
    BROWSER, attr, browser, card, click_axis_at, drawn, hover, screenshot, settled, texts,
};
use crate::serve::{FOUNDING, Server, runtime, sources, start};
use demarche::serve::Options;
use demarche::{run, scenario};
use fantoccini::{Client, Locator};
use serde_json::json;
use std::path::Path;

/// Goes to a page of the server and, for a report, waits for its script to have drawn it.
async fn visit(c: &Client, s: &Server, path: &str, report: bool) {
    c.goto(&s.url(path)).await.unwrap();
    if !report {
        return;
    }
    drawn(c).await;
}

#[test]
fn the_served_index_and_report_show_lanes_cards_and_the_state_on_a_day() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let founding = scenario::load(Path::new(FOUNDING)).unwrap();
    runtime().block_on(async {
        let s = start(sources(None), Options::default()).await;
        let (_d, c) = browser("serve-report").await;
        // The index lists the founding scenario, with a link to its report.
        visit(&c, &s, "/", false).await;
        let names = texts(&c, "#sources a.report").await;
        assert!(names.contains(&"nato-russia-2021".to_string()), "{names:?}");
        screenshot(&c, "serve-index").await;
        c.find(Locator::Css("tr[data-name='nato-russia-2021'] a.report"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        drawn(&c).await;
        assert_eq!(
            c.current_url().await.unwrap().path(),
            "/report/nato-russia-2021"
        );
        // A lane per mission (and one for events between actors only), with labels and marks.
        let lanes = c.find_all(Locator::Css("g.lane")).await.unwrap();
        assert_eq!(lanes.len(), founding.world.missions.len() + 1);
        let labels = texts(&c, "g.lane .lane-label .key").await;
        for m in &founding.world.missions {
            assert!(labels.contains(&m.key), "no label for {}", m.key);
        }
        for meta in &founding.meta {
            let sel = format!(".mark[data-event='{}']", meta.id);
            assert_eq!(
                c.find_all(Locator::Css(&sel)).await.unwrap().len(),
                1,
                "{sel}"
            );
        }
        screenshot(&c, "serve-report").await;
        // Hovering a mark shows its card.
        c.find(Locator::Id("fit-last"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        settled(&c).await;
        assert!(attr(&c, "#card", "hidden").await.is_some());
        hover(&c, ".mark[data-event='nato-expels-8-2021']").await;
        let text = card(&c).await;
        assert!(text.contains("nato-expels-8-2021 · 2021-10-06"), "{text}");
        assert!(
            text.contains("ru-mission-nato: 8 staff lose accreditation, must leave by 2021-10-31"),
            "{text}"
        );
        screenshot(&c, "serve-card").await;
        // Picking a day on the axis shows the state of that day, as the API gives it.
        let target = scenario::parse_date("2021-10-20").unwrap();
        click_axis_at(&c, target).await;
        let picked = texts(&c, "#picked-date").await[0].clone();
        let day = scenario::parse_date(&picked).unwrap();
        assert!(
            (day.0 - target.0).abs() <= 1,
            "clicked {target}, picked {day}"
        );
        let r = run::run(&founding, run::Until::Date(day), false);
        for m in founding.world.mission_ids() {
            let key = &founding.world.mission(m).key;
            let cells = texts(
                &c,
                &format!("#state-table tr[data-mission='{key}'] td.status"),
            )
            .await;
            assert_eq!(cells, [r.state.status(&founding.world, m).key()], "{key}");
        }
        let status = texts(
            &c,
            "#state-table tr[data-mission='ru-mission-nato'] td.status",
        )
        .await;
        assert_eq!(status, ["active"]);
        screenshot(&c, "serve-state").await;
        c.close().await.unwrap();
        s.stop().await;
    });
}

#[test]
fn a_branch_posted_through_the_form_is_drawn_over_its_base() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let branch = std::fs::read_to_string("scenarios/whatif/nato-expels-two.toml").unwrap();
    runtime().block_on(async {
        let s = start(sources(None), Options::default()).await;
        let (_d, c) = browser("serve-branch").await;
        visit(&c, &s, "/", false).await;
        c.find(Locator::Css("tr[data-name='nato-russia-2021'] a.branch"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(
            c.current_url().await.unwrap().path(),
            "/report/nato-russia-2021/branch"
        );
        let area = c.find(Locator::Id("branch")).await.unwrap();
        c.execute(
            "arguments[0].value = arguments[1];",
            vec![serde_json::to_value(&area).unwrap(), json!(branch)],
        )
        .await
        .unwrap();
        screenshot(&c, "serve-branch-form").await;
        c.find(Locator::Id("submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        drawn(&c).await;
        let fork = texts(&c, "#fork-text").await.join("");
        assert!(fork.contains("diverges on 2021-10-06"), "{fork}");
        for id in ["ru-countermeasures-2021", "ru-threatens-2021"] {
            let class = attr(&c, &format!(".mark[data-event='{id}']"), "class")
                .await
                .unwrap();
            assert!(class.contains("struck"), "{id}: {class}");
        }
        let class = attr(&c, ".mark[data-event='policy:russia:1']", "class")
            .await
            .unwrap();
        assert!(class.contains("drafted"), "{class}");
        screenshot(&c, "serve-branch").await;
        c.close().await.unwrap();
        s.stop().await;
    });
}
