//! Static figures of a report's timeline, for papers: SVG and PNG drawn with plotters.
//!
//! One lane per mission (and one for events that touch no mission): staff in post and the cap
//! as step lines, the status as a band under them, each event a mark coloured by its kind's
//! family; a date axis under the last lane and a legend. With a branch, the branch's lines and
//! band are drawn over the recorded ones and the fork is a dashed line.
//!
//! Text is measured (SVG, PNG) and rasterised (PNG) with the font vendored in
//! `assets/fonts/` (a subset of DejaVu Sans), registered with plotters from the bytes built into
//! the program; no system font is looked up. The SVG embeds the same font, so viewers draw it
//! as measured. Nothing depends on the clock, the machine or a hash order: the same data gives
//! the same bytes.

use super::series::{STATUSES, Series};
use super::{Data, FAMILIES, ReportError, side, tag};
use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

/// The vendored font: DejaVu Sans cut to Latin, Latin-1, Latin Extended-A and common
/// punctuation (see assets/fonts/README.md).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
/// Its licence.
pub const FONT_LICENCE: &str = include_str!("../../assets/fonts/LICENSE");
/// The font family written in the SVG: the embedded font first.
pub const FAMILY: &str = "demarche-sans, DejaVu Sans, sans-serif";

/// Width of a figure in SVG pixels; a PNG is drawn at [`PNG_SCALE`] times this.
pub const WIDTH: u32 = 1200;
/// A PNG's pixels per SVG pixel (print resolution).
pub const PNG_SCALE: f64 = 2.0;

const LABEL_W: f64 = 210.0;
const TITLE_H: f64 = 52.0;
const AXIS_H: f64 = 28.0;
const LEGEND_H: f64 = 78.0;

/// Colours of the statuses (in [`STATUSES`] order) and of the families (in [`FAMILIES`] order),
/// as the page draws them.
const STATUS_RGB: [RGBColor; 5] = [
    RGBColor(0xd4, 0xd4, 0xd4),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x4d, 0x4d, 0x4d),
];
const FAMILY_RGB: [RGBColor; 6] = [
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x7b, 0x32, 0x94),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0x7f, 0x7f, 0x7f),
];
const BASE_RGB: RGBColor = RGBColor(0x55, 0x55, 0x55);
const BASE_OVER_RGB: RGBColor = RGBColor(0x8a, 0x8a, 0x8a);
const BRANCH_RGB: RGBColor = RGBColor(0x15, 0x65, 0xc0);
const GRID_RGB: RGBColor = RGBColor(0xe6, 0xe6, 0xe6);

fn register() -> Result<(), ReportError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        // plotters' own defaults ask for "sans-serif": they get the vendored font too.
        let a = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok();
        let b = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok();
        a && b
    });
    if ok {
        Ok(())
    } else {
        Err(ReportError("the built-in font does not load".into()))
    }
}

fn date(day: i32) -> NaiveDate {
    // Day 0 is 1970-01-01, day 719163 of the common era.
    NaiveDate::from_num_days_from_ce_opt(day + 719_163).unwrap_or(NaiveDate::MIN)
}

fn fail<E: std::fmt::Debug>(e: E) -> ReportError {
    ReportError(format!("cannot draw the figure: {e:?}"))
}

/// One lane: a mission (index) or the events that touch none (`None`).
struct Lane {
    mission: Option<usize>,
    label: String,
    sub: String,
}

fn lanes(d: &Data) -> Vec<Lane> {
    let mut v: Vec<Lane> = d
        .missions
        .iter()
        .enumerate()
        .map(|(m, mo)| Lane {
            mission: Some(m),
            label: mo.key.clone(),
            sub: format!(
                "{} -> {}",
                d.actors.get(mo.sender as usize).map_or("", String::as_str),
                d.actors
                    .get(mo.receiver as usize)
                    .map_or("", String::as_str)
            ),
        })
        .collect();
    if d.events.lane.iter().any(|&l| l < 0) {
        v.push(Lane {
            mission: None,
            label: "other events".into(),
            sub: "touching no mission".into(),
        });
    }
    v
}

/// Cuts text to at most `n` characters, marking the cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The pixel height of a figure of `d` at scale 1.
fn height(d: &Data) -> u32 {
    let n = lanes(d).len().max(1) as f64;
    (TITLE_H + n * lane_h(d) + AXIS_H + LEGEND_H).ceil() as u32
}

fn lane_h(d: &Data) -> f64 {
    if d.branch.is_some() { 84.0 } else { 70.0 }
}

/// The step line of a series' values from `start` to `end` (exclusive), as points.
fn steps(s: &Series, value: impl Fn(usize) -> Option<f64>, end: i32) -> Vec<Vec<(NaiveDate, f64)>> {
    let mut out: Vec<Vec<(NaiveDate, f64)>> = Vec::new();
    let mut cur: Vec<(NaiveDate, f64)> = Vec::new();
    for i in 0..s.day.len() {
        let from = s.day[i];
        let to = s.day.get(i + 1).copied().unwrap_or(end).max(from);
        match value(i) {
            Some(v) => {
                cur.push((date(from), v));
                cur.push((date(to), v));
            }
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn draw<DB: DrawingBackend, X>(
    root: &DrawingArea<DB, Shift>,
    d: &Data,
    x: X,
    ticks: &str,
    scale: f64,
) -> Result<(), ReportError>
where
    X: Ranged<ValueType = NaiveDate> + ValueFormatter<NaiveDate> + Clone,
{
    let px = |v: f64| (v * scale).round() as i32;
    let font = |size: f64| (FAMILY, size * scale).into_font();
    let text = |size: f64, c: RGBColor| font(size).color(&c);
    root.fill(&WHITE).map_err(fail)?;
    let h = root.dim_in_pixel().1 as i32;
    let lanes = lanes(d);
    let lane_h = lane_h(d);
    let end = d.end + 1;
    let b = d.branch.as_ref();

    // Title.
    root.draw(&Text::new(
        cut(&d.title, 110),
        (px(12.0), px(10.0)),
        text(16.0, BLACK),
    ))
    .map_err(fail)?;
    let mut sub = format!(
        "{} · {} to {} · {} missions, {} events",
        d.file,
        date(d.start).format("%Y-%m-%d"),
        date(d.end).format("%Y-%m-%d"),
        d.missions.len(),
        d.events.id.len()
    );
    if let Some(b) = b {
        sub = format!(
            "{sub} · what if: {} (seed {})",
            cut(
                if b.title.is_empty() {
                    "branch"
                } else {
                    &b.title
                },
                60
            ),
            b.seed
        );
    }
    root.draw(&Text::new(
        cut(&sub, 170),
        (px(12.0), px(32.0)),
        text(11.0, RGBColor(0x55, 0x55, 0x55)),
    ))
    .map_err(fail)?;

    // Lanes: each a chart of its own over the same dates.
    let top = px(TITLE_H);
    let n = lanes.len();
    let mut breaks: Vec<i32> = (0..=n)
        .map(|k| top + px(k as f64 * lane_h) + if k == n { px(AXIS_H) } else { 0 })
        .collect();
    breaks.remove(0);
    let (_, rest) = root.split_vertically(top);
    let areas = rest.split_by_breakpoints(
        [] as [i32; 0],
        breaks.iter().map(|y| y - top).collect::<Vec<_>>(),
    );
    let fork_day = b.and_then(|b| b.fork.as_ref()).map(|f| f.day);
    for (k, lane) in lanes.iter().enumerate() {
        let area = &areas[k];
        let last = k + 1 == n;
        let base_s = lane.mission.and_then(|m| d.base.series.get(m));
        let branch_s = lane
            .mission
            .and_then(|m| b.and_then(|b| b.side.series.get(m)));
        let ymax = [base_s, branch_s]
            .iter()
            .flatten()
            .flat_map(|s| {
                s.headcount
                    .iter()
                    .map(|&h| f64::from(h))
                    .chain(s.cap.iter().map(|&c| c as f64))
            })
            .fold(1.0f64, f64::max);
        let strips = if b.is_some() { 2.0 } else { 1.0 };
        let band = ymax * 0.16 * strips;
        let mark_y = ymax * 1.18;
        let mut chart = ChartBuilder::on(area)
            .margin_right(px(24.0))
            .margin_top(px(4.0))
            .x_label_area_size(if last { px(AXIS_H) } else { 0 })
            .y_label_area_size(px(LABEL_W))
            .build_cartesian_2d(x.clone(), -band..ymax * 1.32)
            .map_err(fail)?;
        let int_label = |v: &f64| {
            if *v >= 0.0 && v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                String::new()
            }
        };
        let date_label = |t: &NaiveDate| t.format(ticks).to_string();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(GRID_RGB)
            .axis_style(RGBColor(0x99, 0x99, 0x99))
            .y_labels(3)
            .x_labels(12)
            .y_label_formatter(&int_label)
            .x_label_formatter(&date_label)
            .label_style(font(10.0))
            .draw()
            .map_err(fail)?;
        // The lane's name, at the left of its label area.
        area.draw(&Text::new(
            cut(&lane.label, 30),
            (px(10.0), px(14.0)),
            text(12.0, BLACK),
        ))
        .map_err(fail)?;
        area.draw(&Text::new(
            cut(&lane.sub, 34),
            (px(10.0), px(30.0)),
            text(10.0, RGBColor(0x66, 0x66, 0x66)),
        ))
        .map_err(fail)?;

        // Status bands: the recorded run's, then the branch's above it.
        let mut band_of = |s: &Series, y0: f64, y1: f64| -> Result<(), ReportError> {
            chart
                .draw_series((0..s.day.len()).map(|i| {
                    let to = s.day.get(i + 1).copied().unwrap_or(end).max(s.day[i]);
                    let c = STATUS_RGB[usize::from(s.status[i]).min(4)];
                    Rectangle::new([(date(s.day[i]), y0), (date(to), y1)], c.filled())
                }))
                .map_err(fail)?;
            Ok(())
        };
        let gap = band * 0.08;
        if let Some(s) = base_s {
            if b.is_some() {
                band_of(s, -band, -band / 2.0 - gap / 2.0)?;
            } else {
                band_of(s, -band, -gap)?;
            }
        }
        if let Some(s) = branch_s {
            band_of(s, -band / 2.0 + gap / 2.0, -gap)?;
        }
        // Staff in post (solid) and cap (dashed), recorded then branch.
        let lines = [
            (base_s, if b.is_some() { BASE_OVER_RGB } else { BASE_RGB }),
            (branch_s, BRANCH_RGB),
        ];
        for (s, color) in lines {
            let Some(s) = s else { continue };
            for seg in steps(s, |i| Some(f64::from(s.headcount[i])), end) {
                chart
                    .draw_series(LineSeries::new(seg, color.stroke_width(px(1.8) as u32)))
                    .map_err(fail)?;
            }
            for seg in steps(s, |i| (s.cap[i] >= 0).then_some(s.cap[i] as f64), end) {
                chart
                    .draw_series(DashedLineSeries::new(
                        seg,
                        px(5.0) as u32,
                        px(3.0) as u32,
                        color.stroke_width(px(1.2) as u32),
                    ))
                    .map_err(fail)?;
            }
        }
        // The fork.
        if let Some(f) = fork_day {
            chart
                .draw_series(DashedLineSeries::new(
                    [(date(f), -band), (date(f), ymax * 1.3)],
                    px(6.0) as u32,
                    px(3.0) as u32,
                    BRANCH_RGB.stroke_width(px(1.2) as u32),
                ))
                .map_err(fail)?;
            if k == 0 {
                let id = b
                    .and_then(|b| b.fork.as_ref())
                    .map_or("", |f| f.id.as_str());
                // Beside the line, on the side with room.
                let right = f64::from(f - d.start) > f64::from(d.end - d.start) / 2.0;
                let (words, hpos) = if right {
                    (format!("fork: {} ", cut(id, 40)), HPos::Right)
                } else {
                    (format!(" fork: {}", cut(id, 40)), HPos::Left)
                };
                chart
                    .draw_series([Text::new(
                        words,
                        (date(f), ymax * 1.3),
                        text(10.0, BRANCH_RGB).pos(Pos::new(hpos, VPos::Top)),
                    )])
                    .map_err(fail)?;
            }
        }
        // Event marks: recorded events as dots (hollow when the branch no longer has them),
        // events of the branch alone as triangles.
        let lane_no = lane.mission.map_or(-1, |m| m as i32);
        let r = px(3.6);
        for i in 0..d.events.id.len() {
            if d.events.lane[i] != lane_no {
                continue;
            }
            let fam = d.kinds[usize::from(d.events.kind[i])].family;
            let c = FAMILIES
                .iter()
                .position(|(f, _)| *f == fam)
                .map_or(FAMILY_RGB[5], |k| FAMILY_RGB[k]);
            let at = (date(d.events.day[i]), mark_y);
            let t = d.events.tag[i];
            if d.events.side[i] == side::BRANCH {
                let style = if t == tag::REJECTED {
                    c.stroke_width(px(1.2) as u32)
                } else {
                    c.filled()
                };
                chart
                    .draw_series([TriangleMarker::new(at, r + px(1.0), style)])
                    .map_err(fail)?;
            } else if t == tag::STRUCK {
                chart
                    .draw_series([Circle::new(at, r, c.stroke_width(px(1.4) as u32))])
                    .map_err(fail)?;
            } else {
                chart
                    .draw_series([Circle::new(at, r, c.filled())])
                    .map_err(fail)?;
            }
        }
    }

    // Legend.
    let ly = h - px(LEGEND_H) + px(10.0);
    let row = px(21.0);
    let label =
        |s: &str, x: i32, y: i32| Text::new(s.to_string(), (x, y - px(6.0)), text(10.5, BLACK));
    let wide = |s: &str| {
        root.estimate_text_size(s, &text(10.5, BLACK))
            .map_or(px(7.0) * s.chars().count() as i32, |(w, _)| w as i32)
    };
    let head = |s: &str, y: i32| {
        Text::new(
            s.to_string(),
            (px(12.0), y - px(6.0)),
            text(10.5, RGBColor(0x44, 0x44, 0x44)),
        )
    };
    let col0 = px(70.0);
    root.draw(&head("Status", ly)).map_err(fail)?;
    let mut xx = col0;
    for (k, s) in STATUSES.iter().enumerate() {
        root.draw(&Rectangle::new(
            [(xx, ly - px(5.0)), (xx + px(16.0), ly + px(5.0))],
            STATUS_RGB[k].filled(),
        ))
        .map_err(fail)?;
        root.draw(&label(s, xx + px(21.0), ly)).map_err(fail)?;
        xx += px(36.0) + wide(s);
    }
    let y2 = ly + row;
    root.draw(&head("Events", y2)).map_err(fail)?;
    let mut xx = col0;
    for (k, (_, words)) in FAMILIES.iter().enumerate() {
        root.draw(&Circle::new(
            (xx + px(6.0), y2),
            px(4.0),
            FAMILY_RGB[k].filled(),
        ))
        .map_err(fail)?;
        root.draw(&label(words, xx + px(14.0), y2)).map_err(fail)?;
        xx += px(30.0) + wide(words);
    }
    let y3 = y2 + row;
    root.draw(&head("Lines", y3)).map_err(fail)?;
    let mut xx = col0;
    let line_item =
        |c: RGBColor, dashed: bool, words: &str, xx: &mut i32| -> Result<(), ReportError> {
            let (a, z) = ((*xx, y3), (*xx + px(24.0), y3));
            if dashed {
                root.draw(&PathElement::new(
                    vec![a, (*xx + px(9.0), y3)],
                    c.stroke_width(px(1.4) as u32),
                ))
                .map_err(fail)?;
                root.draw(&PathElement::new(
                    vec![(*xx + px(14.0), y3), z],
                    c.stroke_width(px(1.4) as u32),
                ))
                .map_err(fail)?;
            } else {
                root.draw(&PathElement::new(
                    vec![a, z],
                    c.stroke_width(px(2.0) as u32),
                ))
                .map_err(fail)?;
            }
            root.draw(&label(words, *xx + px(30.0), y3)).map_err(fail)?;
            *xx += px(46.0) + wide(words);
            Ok(())
        };
    if b.is_some() {
        line_item(BASE_OVER_RGB, false, "in post, recorded", &mut xx)?;
        line_item(BASE_OVER_RGB, true, "cap, recorded", &mut xx)?;
        line_item(BRANCH_RGB, false, "in post, branch", &mut xx)?;
        line_item(BRANCH_RGB, true, "cap, branch", &mut xx)?;
        line_item(BRANCH_RGB, true, "fork", &mut xx)?;
        let gray = FAMILY_RGB[5];
        root.draw(&Circle::new(
            (xx + px(6.0), y3),
            px(4.0),
            gray.stroke_width(px(1.4) as u32),
        ))
        .map_err(fail)?;
        root.draw(&label("no longer happens", xx + px(14.0), y3))
            .map_err(fail)?;
        xx += px(30.0) + wide("no longer happens");
        root.draw(&TriangleMarker::new(
            (xx + px(6.0), y3),
            px(5.0),
            gray.filled(),
        ))
        .map_err(fail)?;
        root.draw(&label(
            "branch only (drafted, edited, inserted)",
            xx + px(14.0),
            y3,
        ))
        .map_err(fail)?;
        root.draw(&label(
            "Bands under each lane: status, recorded (lower) and branch (upper).",
            px(12.0),
            y3 + row,
        ))
        .map_err(fail)?;
    } else {
        line_item(BASE_RGB, false, "staff in post", &mut xx)?;
        line_item(BASE_RGB, true, "cap", &mut xx)?;
        root.draw(&label(
            "Band under each lane: the mission's status.",
            xx + px(10.0),
            y3,
        ))
        .map_err(fail)?;
    }
    Ok(())
}

/// Picks calendar-aligned date ticks for the span and draws: whole years when it covers more
/// than four, else whole months when more than four, else days.
fn draw_any<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Data,
    scale: f64,
) -> Result<(), ReportError> {
    use chrono::Datelike;
    let (a, z) = (date(d.start), date(d.end + 1));
    let ymd = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(a);
    let days = d.end + 1 - d.start;
    if days > 4 * 365 {
        let z = if z == ymd(z.year(), 1) {
            z
        } else {
            ymd(z.year() + 1, 1)
        };
        draw(root, d, (ymd(a.year(), 1)..z).yearly(), "%Y", scale)
    } else if days > 120 {
        let z = if z.day() == 1 {
            z
        } else if z.month() == 12 {
            ymd(z.year() + 1, 1)
        } else {
            ymd(z.year(), z.month() + 1)
        };
        draw(
            root,
            d,
            (ymd(a.year(), a.month())..z).monthly(),
            "%Y-%m",
            scale,
        )
    } else {
        draw(root, d, RangedDate::from(a..z), "%Y-%m-%d", scale)
    }
}

/// Base64 of bytes (RFC 4648, with padding), for the font embedded in the SVG.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The figure as SVG: text as text, the vendored font embedded.
pub fn svg(d: &Data) -> Result<String, ReportError> {
    register()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (WIDTH, height(d))).into_drawing_area();
        draw_any(&root, d, 1.0)?;
        root.present().map_err(fail)?;
    }
    // The font goes in right after the opening tag, so every text element can use it.
    let style = format!(
        "<title>{}</title>\n<defs><style>@font-face {{ font-family: \"demarche-sans\"; src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}</style></defs>\n",
        super::escape(&d.title),
        base64(FONT)
    );
    let at = s
        .find("<svg")
        .and_then(|k| s[k..].find('>').map(|e| k + e + 1))
        .ok_or_else(|| ReportError("plotters wrote no svg element".into()))?;
    let at = if s[at..].starts_with('\n') {
        at + 1
    } else {
        at
    };
    s.insert_str(at, &style);
    Ok(s)
}

/// The figure as PNG, [`PNG_SCALE`] times the SVG's size, RGB, 8 bits a channel.
pub fn png(d: &Data) -> Result<Vec<u8>, ReportError> {
    register()?;
    let w = (f64::from(WIDTH) * PNG_SCALE) as u32;
    let h = (f64::from(height(d)) * PNG_SCALE) as u32;
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw_any(&root, d, PNG_SCALE)?;
        root.present().map_err(fail)?;
    }
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        e.set_compression(png::Compression::Default);
        let mut wr = e.write_header().map_err(fail)?;
        wr.write_image_data(&buf).map_err(fail)?;
        wr.finish().map_err(fail)?;
    }
    Ok(out)
}
