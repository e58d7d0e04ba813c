//! `torc-trace png`: the timeline picture. One lane per worker (and per other thread that ran
//! tasks), grouped by node, with a thin lane for each node's communication; tasks as boxes
//! coloured by function, a nested one inset inside its parent so both stay visible; idle spans
//! light grey; the primary task a dark bar under node 0's worker 0; remote spawns, steals
//! served and stolen tasks arriving as small triangles; the time axis in seconds; a legend of
//! the functions with the most self time and of the marks.

use crate::axis;
use crate::canvas::Canvas;
use crate::font;
use crate::legend::{self, Entry, Swatch};
use crate::model::{Lane, LaneKind, Phase, Trace};
use crate::palette::{self, Colours};
use crate::summary::fmt_us;
use std::collections::HashMap;

/// Default image width, pixels.
pub const DEFAULT_WIDTH: u32 = 1600;
/// Accepted widths.
pub const MIN_WIDTH: u32 = 200;
pub const MAX_WIDTH: u32 = 30_000;
/// Functions named in the legend.
pub const LEGEND_FUNCTIONS: usize = 8;

/// What a box on a lane is.
#[derive(Clone, Copy)]
enum Kind {
    Task(u32),
    Idle,
    Send,
    Recv,
    Steal,
    Other,
}

/// One `X` event of a lane as drawn: span, nesting depth on its lane, what it is.
struct Item {
    start: f64,
    end: f64,
    depth: u32,
    kind: Kind,
}

/// A triangle marker.
#[derive(Clone, Copy)]
enum Mark {
    Spawn,
    Served,
    Stolen,
}

/// What is drawn on one lane.
struct LaneDraw {
    lane: Lane,
    items: Vec<Item>,
    /// The `primary task` spans.
    primary: Vec<(f64, f64)>,
    marks: Vec<(f64, Mark)>,
}

/// Renders `trace` as a timeline `width` pixels wide; `title` heads the picture.
pub fn render(trace: &Trace, title: &str, width: u32) -> Result<Canvas, String> {
    if !(MIN_WIDTH..=MAX_WIDTH).contains(&width) {
        return Err(format!(
            "width {width} is out of range ({MIN_WIDTH} to {MAX_WIDTH} pixels)"
        ));
    }
    let (t0, mut t1) = trace.time_range().unwrap_or((0.0, 1.0));
    if t1 <= t0 {
        t1 = t0 + 1.0;
    }
    let mut self_time: HashMap<u32, f64> = HashMap::new();
    let lanes: Vec<LaneDraw> = {
        let by_lane = trace.events_by_lane();
        trace
            .lanes_sorted()
            .into_iter()
            .map(|l| {
                lane_draw(
                    trace,
                    trace.lanes[l as usize],
                    &by_lane[l as usize],
                    &mut self_time,
                )
            })
            .collect()
    };

    // Functions by self time; the top ones get distinct colours.
    let mut ranked: Vec<(u32, f64)> = self_time.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let names: Vec<&str> = ranked.iter().map(|&(s, _)| trace.syms.name(s)).collect();
    let colours = Colours::new(&names[..names.len().min(palette::FUNCTIONS.len())]);
    let total_self: f64 = ranked.iter().map(|r| r.1).sum();

    // Layout.
    let w = width as i64;
    let label_w = lanes
        .iter()
        .map(|l| font::width(&l.lane.label()))
        .max()
        .unwrap_or(0)
        .max(40);
    // Room on the right for half of the last tick's label.
    let (px0, px1) = (label_w + 12, w - 40);
    let rows = lanes
        .iter()
        .filter(|l| l.lane.kind() != LaneKind::Comm)
        .count()
        .max(1) as i64;
    let lane_h = (6000 / rows).clamp(2, 18);
    let comm_h = (lane_h / 2).max(2);
    let gap = if lane_h >= 10 { 2 } else { 0 };
    let top = 24;
    let mut y = top;
    let mut ys = Vec::with_capacity(lanes.len());
    let mut separators = Vec::new();
    for (k, l) in lanes.iter().enumerate() {
        if k > 0 && lanes[k - 1].lane.pid != l.lane.pid {
            separators.push(y + 2);
            y += 6;
        }
        let h = if l.lane.kind() == LaneKind::Comm {
            comm_h
        } else {
            lane_h
        };
        ys.push((y, h));
        y += h + gap;
    }
    let axis_y = y + 4;
    let legend_entries = legend_entries(trace, &ranked, total_self, &colours);
    let legend_pos = legend::layout(&legend_entries, 8, w - 8);
    let legend_y = axis_y + 24;
    let height = legend_y + legend::rows(&legend_pos) * legend::ROW + 8;

    let mut c = Canvas::new(width, height as u32, palette::BACKGROUND);
    let frame = Frame { px0, px1, t0, t1 };
    let heading = format!(
        "{title} - {} nodes, {} lanes, {} tasks, {}",
        trace.nodes().len(),
        trace.lanes.len(),
        trace
            .events
            .iter()
            .filter(|e| e.args.visible && trace.is_task(e))
            .count(),
        fmt_us(t1 - t0)
    );
    c.text(8, 8, &font::fit(&heading, w - 16), palette::TEXT);
    for sy in separators {
        c.fill(0, sy, w, sy + 1, palette::SEPARATOR);
    }
    for (l, &(ly, h)) in lanes.iter().zip(&ys) {
        draw_lane(&mut c, trace, &frame, &colours, l, ly, h);
    }
    draw_axis(&mut c, &frame, axis_y);
    legend::draw(
        &mut c,
        &legend_entries,
        &legend_pos,
        legend_y,
        palette::TEXT,
    );
    Ok(c)
}

/// Where times go: the plot spans pixels `px0..px1` for times `t0..t1` (microseconds).
struct Frame {
    px0: i64,
    px1: i64,
    t0: f64,
    t1: f64,
}

impl Frame {
    fn x(&self, t: f64) -> f64 {
        self.px0 as f64 + (t - self.t0) / (self.t1 - self.t0) * (self.px1 - self.px0) as f64
    }

    /// The pixel columns `[xa, xb)` of a span: at least one, clipped to the plot.
    fn columns(&self, a: f64, b: f64) -> (i64, i64) {
        let xa = self.x(a).floor() as i64;
        let xb = (self.x(b).round() as i64).max(xa + 1);
        (xa.max(self.px0), xb.min(self.px1))
    }
}

/// One lane at `ly`, `h` pixels high: its area and label, its boxes (a nested one inset and
/// darker), the primary bar, the marks.
fn draw_lane(
    c: &mut Canvas,
    trace: &Trace,
    frame: &Frame,
    colours: &Colours,
    l: &LaneDraw,
    ly: i64,
    h: i64,
) {
    c.fill(frame.px0, ly, frame.px1, ly + h, palette::LANE);
    if h >= 7 {
        c.text(8, ly + (h - 8) / 2, &l.lane.label(), palette::TEXT);
    }
    let step = (h / 8).max(1);
    for it in &l.items {
        let inset = (it.depth as i64 * step).min((h - 2) / 2).max(0);
        let colour = match it.kind {
            Kind::Task(name) => palette::shade(colours.of(trace.syms.name(name)), it.depth),
            Kind::Idle => palette::IDLE,
            Kind::Send => palette::SEND,
            Kind::Recv => palette::RECV,
            Kind::Steal => palette::STEAL,
            Kind::Other => palette::SEPARATOR,
        };
        let (xa, xb) = frame.columns(it.start, it.end);
        c.fill(xa, ly + inset, xb, ly + h - inset, colour);
        // A darker left edge tells apart boxes of one colour that touch.
        if matches!(it.kind, Kind::Task(_)) && xb - xa >= 4 {
            let edge = palette::shade(colour, 2);
            c.fill(xa, ly + inset, xa + 1, ly + h - inset, edge);
        }
    }
    for &(a, b) in &l.primary {
        let (xa, xb) = frame.columns(a, b);
        c.fill(xa, ly + h - 2.min(h), xb, ly + h, palette::PRIMARY);
    }
    let th = (h / 2).clamp(2, 5);
    for &(t, mark) in &l.marks {
        let x = frame.x(t).round() as i64;
        match mark {
            Mark::Spawn => c.triangle(x, ly + th - 1, -th, palette::SPAWN),
            Mark::Served => c.triangle(x, ly + th - 1, -th, palette::SERVED),
            Mark::Stolen => c.triangle(x, ly + h - th, th, palette::STOLEN),
        }
    }
}

/// The time axis at `y`: a line, ticks, and the labels that do not collide.
fn draw_axis(c: &mut Canvas, frame: &Frame, y: i64) {
    let w = c.width as i64;
    c.fill(frame.px0, y, frame.px1, y + 1, palette::AXIS);
    let mut free_x = 0;
    for tick in axis::ticks(frame.t0, frame.t1, frame.px1 - frame.px0) {
        let x = frame.x(tick.t_us).round() as i64;
        c.fill(x, y, x + 1, y + 5, palette::AXIS);
        let lw = font::width(&tick.label);
        let lx = (x - lw / 2).clamp(0, w - lw);
        if lx >= free_x {
            c.text(lx, y + 8, &tick.label, palette::TEXT);
            free_x = lx + lw + 8;
        }
    }
}

/// The boxes, primary spans and marks of one lane; adds its tasks' self time (duration less
/// what nests directly inside) to `self_time` by function name.
fn lane_draw(
    trace: &Trace,
    lane: Lane,
    events: &[u32],
    self_time: &mut HashMap<u32, f64>,
) -> LaneDraw {
    let comm = lane.kind() == LaneKind::Comm;
    let mut items = Vec::new();
    let mut primary = Vec::new();
    let mut marks = Vec::new();
    for &i in events {
        let e = &trace.events[i as usize];
        let name = trace.text(e.name);
        if let Some(ts) = e.ts.filter(|t| t.is_finite()) {
            if e.ph == Some(Phase::FlowStart) && !comm {
                marks.push((ts, Mark::Spawn));
            } else if e.ph == Some(Phase::Complete) && comm && name == "steal served" {
                marks.push((ts, Mark::Served));
            } else if e.ph == Some(Phase::Complete) && comm && name == "stolen task" {
                marks.push((ts, Mark::Stolen));
            }
        }
        let Some((start, end)) = e.span() else {
            continue;
        };
        let cat = trace.text(e.cat);
        let kind = match cat {
            "primary" => {
                primary.push((start, end));
                continue;
            }
            "task" => Kind::Task(e.name.unwrap_or(0)),
            "idle" => Kind::Idle,
            "msg" if name.starts_with("send ") => Kind::Send,
            "msg" => Kind::Recv,
            "steal" => Kind::Steal,
            _ => Kind::Other,
        };
        items.push(Item {
            start,
            end,
            depth: 0,
            kind,
        });
    }
    // Parents before children; depth and self time from a stack of the open boxes.
    items.sort_by(|a, b| a.start.total_cmp(&b.start).then(b.end.total_cmp(&a.end)));
    let mut stack: Vec<(f64, usize, f64)> = Vec::new(); // (end, item, time of children)
    let close =
        |(_, k, children): (f64, usize, f64), items: &[Item], st: &mut HashMap<u32, f64>| {
            if let Kind::Task(name) = items[k].kind {
                let own = (items[k].end - items[k].start - children).max(0.0);
                *st.entry(name).or_default() += own;
            }
        };
    for k in 0..items.len() {
        while let Some(&top) = stack.last() {
            if top.0 > items[k].start {
                break;
            }
            close(top, &items, self_time);
            stack.pop();
        }
        items[k].depth = stack.len() as u32;
        if let Some(parent) = stack.last_mut() {
            parent.2 += items[k].end.min(parent.0) - items[k].start;
        }
        stack.push((items[k].end, k, 0.0));
    }
    while let Some(top) = stack.pop() {
        close(top, &items, self_time);
    }
    LaneDraw {
        lane,
        items,
        primary,
        marks,
    }
}

/// The legend: the functions with the most self time, then what the other colours and marks
/// mean.
fn legend_entries(
    trace: &Trace,
    ranked: &[(u32, f64)],
    total_self: f64,
    colours: &Colours,
) -> Vec<Entry> {
    let e = |swatch, text: &str| Entry {
        swatch,
        text: text.to_string(),
    };
    let mut out = vec![e(Swatch::None, "functions by self time:")];
    for &(sym, t) in ranked.iter().take(LEGEND_FUNCTIONS) {
        let name = trace.syms.name(sym);
        let pct = if total_self > 0.0 {
            100.0 * t / total_self
        } else {
            0.0
        };
        out.push(e(
            Swatch::Box(colours.of(name)),
            &format!("{} {pct:.1}%", font::fit(name, 8 * 32)),
        ));
    }
    if ranked.len() > LEGEND_FUNCTIONS {
        out.push(e(
            Swatch::Text,
            &format!("(+{} more)", ranked.len() - LEGEND_FUNCTIONS),
        ));
    }
    out.push(e(Swatch::None, "marks:"));
    out.push(e(Swatch::Box(palette::IDLE), "idle"));
    out.push(e(Swatch::Bar(palette::PRIMARY), "primary task"));
    out.push(e(Swatch::Down(palette::SPAWN), "remote spawn"));
    out.push(e(Swatch::Down(palette::SERVED), "steal served"));
    out.push(e(Swatch::Up(palette::STOLEN), "stolen task"));
    out.push(e(Swatch::Box(palette::SEND), "send"));
    out.push(e(Swatch::Box(palette::RECV), "recv"));
    out.push(e(Swatch::Box(palette::STEAL), "steal"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse;
    use crate::png;
    use crate::testdata::synthetic;
    use std::collections::HashSet;

    fn picture(width: u32) -> Canvas {
        render(&parse(synthetic().as_bytes()).unwrap(), "synthetic", width).unwrap()
    }

    #[test]
    fn renders_a_png_of_the_requested_width_with_many_colours() {
        let c = picture(900);
        let file = png::encode(c.width, c.height, &c.pixels);
        let (w, h, rgb) = png::decode(&file).unwrap();
        assert_eq!(w, 900);
        assert!(h > 100, "height {h}");
        let colours: HashSet<&[u8]> = rgb.chunks_exact(3).collect();
        assert!(colours.len() >= 4, "{} colours", colours.len());
        for want in [
            palette::IDLE,
            palette::PRIMARY,
            palette::SERVED,
            palette::STOLEN,
        ] {
            assert!(colours.contains(&want[..]), "no {want:?}");
        }
    }

    #[test]
    fn nested_tasks_stay_visible_inside_their_parent() {
        // One lane: fib [10,40] holds leaf [15,20]; at 17 us both colours are in the column
        // (leaf inset, fib above and below it).
        let text = r#"{"traceEvents":[
            {"ph":"X","cat":"task","name":"fib","pid":0,"tid":0,"ts":0,"dur":40},
            {"ph":"X","cat":"task","name":"leaf","pid":0,"tid":0,"ts":15,"dur":5}]}"#;
        let trace = parse(text.as_bytes()).unwrap();
        let c = render(&trace, "t", 1000).unwrap();
        let colours = Colours::new(&["fib", "leaf"]);
        let (fib, leaf) = (colours.of("fib"), palette::shade(colours.of("leaf"), 1));
        assert_ne!(fib, leaf);
        let (px0, px1) = (40 + 12, 1000 - 40);
        let x = (px0 as f64 + 17.0 / 40.0 * (px1 - px0) as f64) as u32;
        // The lane's rows (it starts at y = 24 and is 18 pixels high).
        let column: Vec<_> = (20..46).map(|y| c.get(x, y)).collect();
        let first_leaf = column.iter().position(|&p| p == leaf).expect("leaf drawn");
        let last_leaf = column.iter().rposition(|&p| p == leaf).unwrap();
        assert_eq!(column[first_leaf - 1], fib);
        assert_eq!(column[last_leaf + 1], fib);
    }

    #[test]
    fn rejects_silly_widths() {
        let trace = parse(synthetic().as_bytes()).unwrap();
        assert!(render(&trace, "t", 10).is_err());
        assert!(render(&trace, "t", MIN_WIDTH).is_ok());
    }

    #[test]
    fn self_time_ranks_the_legend() {
        let trace = parse(synthetic().as_bytes()).unwrap();
        let mut st = HashMap::new();
        let by_lane = trace.events_by_lane();
        for (l, evs) in by_lane.iter().enumerate() {
            lane_draw(&trace, trace.lanes[l], evs, &mut st);
        }
        let by = |n: &str| st[&trace.syms.get(n).unwrap()];
        // fib: (20-6-5) + 6 + 22 + 25 + (30-5-10) = 77; leaf: 10 + 20 + 10 + 5 = 45.
        assert!((by("fib") - 77.0).abs() < 1e-9, "{}", by("fib"));
        assert!((by("leaf") - 45.0).abs() < 1e-9);
        assert!((by("bcast") - 5.0).abs() < 1e-9);
    }
}
