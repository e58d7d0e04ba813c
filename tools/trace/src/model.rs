//! The parsed trace: every event of `traceEvents` in file order, with its fields as far as they
//! have the types the format asks for (`None` where a field is missing or of another type, so
//! that `check` can say so), names interned, and the `(pid, tid)` lanes the events are on.
//!
//! Times are microseconds, as in the file (`ts`, `dur`).

use std::collections::HashMap;

/// An interned string (an index into [`Interner`]).
pub type Sym = u32;

/// Strings seen in the file (event names, categories, flow ids, `args.name`), each stored once.
#[derive(Default)]
pub struct Interner {
    index: HashMap<String, Sym>,
    names: Vec<String>,
}

impl Interner {
    /// The symbol of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.index.get(s) {
            return sym;
        }
        let sym = self.names.len() as Sym;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), sym);
        sym
    }

    /// The symbol of `s` if the file has it.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.index.get(s).copied()
    }

    /// The text of `sym`.
    pub fn name(&self, sym: Sym) -> &str {
        &self.names[sym as usize]
    }
}

/// An event's `ph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// `X`: a complete event (`ts` and `dur`).
    Complete,
    /// `M`: metadata (names and sort order of processes and threads).
    Meta,
    /// `s`: a flow starts.
    FlowStart,
    /// `t`: a flow step.
    FlowStep,
    /// `f`: a flow ends.
    FlowEnd,
    /// Any other phase (its text).
    Other(Sym),
}

/// The parts of an event's `args` that the tool uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct Args {
    /// `args` is present and not an object.
    pub not_object: bool,
    /// `args.name` (a string): the name of `process_name` / `thread_name`.
    pub name: Option<Sym>,
    /// `args.sort_index` (an integer).
    pub sort_index: Option<i64>,
    /// `args.bytes` (a non-negative integer).
    pub bytes: Option<u64>,
    /// `args.visible`; true unless it is `false`.
    pub visible: bool,
}

/// One element of `traceEvents`.
#[derive(Clone, Copy, Debug)]
pub struct Event {
    /// The element is a JSON object (when false, every field below is `None`).
    pub object: bool,
    pub ph: Option<Phase>,
    pub name: Option<Sym>,
    pub cat: Option<Sym>,
    pub pid: Option<i64>,
    pub tid: Option<i64>,
    /// `ts` (a number), microseconds.
    pub ts: Option<f64>,
    /// `dur` (a number), microseconds.
    pub dur: Option<f64>,
    /// `id` (a string, or a number taken as its decimal text).
    pub id: Option<Sym>,
    pub args: Args,
    /// Index into [`Trace::lanes`] when `pid` and `tid` are both integers.
    pub lane: Option<u32>,
}

impl Event {
    /// An element that is not a JSON object.
    pub fn not_object() -> Event {
        Event {
            object: false,
            ph: None,
            name: None,
            cat: None,
            pid: None,
            tid: None,
            ts: None,
            dur: None,
            id: None,
            args: Args {
                visible: true,
                ..Args::default()
            },
            lane: None,
        }
    }

    /// The end of an `X` event (`ts + dur`), else its `ts`.
    pub fn end(&self) -> Option<f64> {
        let ts = self.ts?;
        match (self.ph, self.dur) {
            (Some(Phase::Complete), Some(d)) if d >= 0.0 => Some(ts + d),
            _ => Some(ts),
        }
    }

    /// A complete (`X`) event with a usable `ts` and `dur`: `(start, end)`.
    pub fn span(&self) -> Option<(f64, f64)> {
        if self.ph != Some(Phase::Complete) {
            return None;
        }
        let (ts, dur) = (self.ts?, self.dur?);
        (ts.is_finite() && dur.is_finite() && dur >= 0.0).then_some((ts, ts + dur))
    }
}

/// What a lane is, by its `tid` (src/trace/README.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LaneKind {
    /// `tid` 0..999: worker `W`.
    Worker(i64),
    /// `tid` 2000 + k: another thread of the process that ran a task.
    Thread(i64),
    /// `tid` 100000 + 10000 w + k: fiber k of worker w (tasks run while one was suspended).
    Fiber(i64, i64),
    /// Any other `tid` (not one the runtime writes).
    Other(i64),
    /// `tid` 1000: the node's communication lane.
    Comm,
}

impl LaneKind {
    pub fn of_tid(tid: i64) -> LaneKind {
        match tid {
            0..=999 => LaneKind::Worker(tid),
            1000 => LaneKind::Comm,
            t if t >= 100_000 => LaneKind::Fiber((t - 100_000) / 10_000, (t - 100_000) % 10_000),
            t if t >= 2000 => LaneKind::Thread(t - 2000),
            t => LaneKind::Other(t),
        }
    }
}

/// A `(pid, tid)` lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane {
    pub pid: i64,
    pub tid: i64,
}

impl Lane {
    pub fn kind(&self) -> LaneKind {
        LaneKind::of_tid(self.tid)
    }

    /// `n0 w1`, `n0 comm`, `n0 t0`, `n0 w1 f2`, `n0 tid1500`.
    pub fn label(&self) -> String {
        match self.kind() {
            LaneKind::Worker(w) => format!("n{} w{w}", self.pid),
            LaneKind::Comm => format!("n{} comm", self.pid),
            LaneKind::Thread(k) => format!("n{} t{k}", self.pid),
            LaneKind::Fiber(w, k) => format!("n{} w{w} f{k}", self.pid),
            LaneKind::Other(t) => format!("n{} tid{t}", self.pid),
        }
    }

    /// Lanes in display order: by node, then workers, other threads, communication last.
    pub fn sort_key(&self) -> (i64, LaneKind) {
        (self.pid, self.kind())
    }
}

/// The file's `otherData`, as far as the tool uses it.
#[derive(Clone, Debug, Default)]
pub struct OtherData {
    pub producer: Option<String>,
    /// `dropped_events`, per node.
    pub dropped: Vec<u64>,
}

impl OtherData {
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }
}

/// A whole trace file.
#[derive(Default)]
pub struct Trace {
    pub events: Vec<Event>,
    pub syms: Interner,
    pub lanes: Vec<Lane>,
    lane_index: HashMap<(i64, i64), u32>,
    pub other: OtherData,
}

impl Trace {
    /// Appends `event`, giving it its lane when `pid` and `tid` are integers.
    pub fn push(&mut self, mut event: Event) {
        if let (Some(pid), Some(tid)) = (event.pid, event.tid) {
            let next = self.lanes.len() as u32;
            let lane = *self.lane_index.entry((pid, tid)).or_insert(next);
            if lane == next {
                self.lanes.push(Lane { pid, tid });
            }
            event.lane = Some(lane);
        }
        self.events.push(event);
    }

    /// The text of `sym`.
    pub fn text(&self, sym: Option<Sym>) -> &str {
        sym.map_or("", |s| self.syms.name(s))
    }

    /// Whether `sym` is the string `s`.
    pub fn is(&self, sym: Option<Sym>, s: &str) -> bool {
        sym.is_some() && sym == self.syms.get(s)
    }

    /// A `cat:"task"` `X` event with a usable span.
    pub fn is_task(&self, e: &Event) -> bool {
        e.span().is_some() && self.is(e.cat, "task")
    }

    /// The nodes (`pid`s) that have lanes, ascending.
    pub fn nodes(&self) -> Vec<i64> {
        let mut pids: Vec<i64> = self.lanes.iter().map(|l| l.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    /// Lane indices in display order.
    pub fn lanes_sorted(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.lanes.len() as u32).collect();
        order.sort_by_key(|&l| self.lanes[l as usize].sort_key());
        order
    }

    /// The event indices of each lane (indexed like [`Trace::lanes`]), in file order.
    pub fn events_by_lane(&self) -> Vec<Vec<u32>> {
        let mut by_lane = vec![Vec::new(); self.lanes.len()];
        for (i, e) in self.events.iter().enumerate() {
            if let Some(l) = e.lane {
                by_lane[l as usize].push(i as u32);
            }
        }
        by_lane
    }

    /// From the earliest timestamp to the latest (an `X` event's end counts) over the events
    /// other than `M`; `None` without any.
    pub fn time_range(&self) -> Option<(f64, f64)> {
        let mut range: Option<(f64, f64)> = None;
        for e in &self.events {
            if e.ph == Some(Phase::Meta) || e.ph.is_none() {
                continue;
            }
            let (Some(ts), Some(end)) = (e.ts, e.end()) else {
                continue;
            };
            if !ts.is_finite() || !end.is_finite() {
                continue;
            }
            range = Some(match range {
                None => (ts, end),
                Some((a, b)) => (a.min(ts), b.max(end)),
            });
        }
        range
    }

    /// A short description of event `i` for messages: `event #12 (X "fib" on n0 w1 at 3.500 us)`.
    pub fn describe(&self, i: usize) -> String {
        let e = &self.events[i];
        if !e.object {
            return format!("event #{i}");
        }
        let ph = match e.ph {
            Some(Phase::Complete) => "X",
            Some(Phase::Meta) => "M",
            Some(Phase::FlowStart) => "s",
            Some(Phase::FlowStep) => "t",
            Some(Phase::FlowEnd) => "f",
            Some(Phase::Other(s)) => self.syms.name(s),
            None => "?",
        };
        let mut d = format!("event #{i} ({ph} \"{}\"", self.text(e.name));
        if let Some(l) = e.lane {
            d.push_str(" on ");
            d.push_str(&self.lanes[l as usize].label());
        }
        if let Some(ts) = e.ts {
            d.push_str(&format!(" at {ts:.3} us"));
        }
        d.push(')');
        d
    }
}
