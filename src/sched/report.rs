//! The state report of a node (`SIGUSR1`, the watchdog): queued tasks per level, what each
//! worker runs, the waits that parked with their outstanding children and where those are,
//! and what the network has in flight. One line each, `torc: node N...: ...`, on stderr.

use super::activity::Awaits;
use super::node::Node;
use crate::symbol::function_name;

impl Node {
    /// Task starts and ends on this node so far (the watchdog's sign of life).
    pub(crate) fn steps(&self) -> u64 {
        self.workers.iter().map(|w| w.activity.steps()).sum()
    }

    /// Whether anything is outstanding here: a queued task, a task running on a worker, a
    /// wait, or a task sent away and not answered.
    pub(crate) fn has_outstanding_work(&self) -> bool {
        self.has_work()
            || self
                .workers
                .iter()
                .any(|w| w.activity.running().is_some() || w.activity.with_waits(|v| !v.is_empty()))
            || self.net.is_some_and(|n| n.away() > 0)
    }

    /// The lines of the state report.
    pub(crate) fn state_lines(&self) -> Vec<String> {
        let me = self.layout.node;
        let mut out = Vec::new();
        let mut queued = Vec::new();
        let mut total = 0;
        for (i, w) in self.workers.iter().enumerate() {
            let lens = w.stealer.lens();
            let n: usize = lens.iter().sum::<usize>() + w.mailbox.len();
            total += n;
            if n > 0 {
                let per: Vec<String> = lens
                    .iter()
                    .enumerate()
                    .filter(|(_, &k)| k > 0)
                    .map(|(l, k)| format!("level {l}: {k}"))
                    .collect();
                let mail = w.mailbox.len();
                let mail = if mail > 0 {
                    format!(", addressed to it: {mail}")
                } else {
                    String::new()
                };
                queued.push(format!("worker {i}: {n} ({}{mail})", per.join(", ")));
            }
        }
        let inj = self.injector.len();
        total += inj;
        if inj > 0 {
            queued.push(format!("for any worker: {inj}"));
        }
        let detail = if queued.is_empty() {
            String::new()
        } else {
            format!(" [{}]", queued.join("; "))
        };
        out.push(format!(
            "torc: node {me}: state: {total} tasks queued{detail}"
        ));
        for (i, w) in self.workers.iter().enumerate() {
            match w.activity.running() {
                Some((f, level)) => out.push(format!(
                    "torc: node {me} worker {i}: running task {} (level {level})",
                    function_name(f)
                )),
                None => out.push(format!("torc: node {me} worker {i}: running no task")),
            }
            w.activity.with_waits(|waits| {
                for wt in waits {
                    let who = if wt.func == 0 {
                        "the primary task".to_string()
                    } else {
                        format!("task {} (level {})", function_name(wt.func), wt.level)
                    };
                    let what = match wt.awaits {
                        Awaits::Children(latch) => {
                            // SAFETY: the latch of a registered wait is alive while the waits
                            // lock is held (the wait unregisters under it before it returns).
                            let (created, done) = unsafe { &*latch }.counts();
                            let open = created.saturating_sub(done);
                            let away = self.net.map_or_else(Vec::new, |n| n.away_for(latch));
                            let remote: usize = away.iter().map(|(_, k)| k).sum();
                            let mut where_ = away
                                .iter()
                                .map(|(node, k)| format!("{k} on node {node}"))
                                .collect::<Vec<_>>();
                            if open > remote {
                                where_.push(format!("{} on this node", open - remote));
                            }
                            format!(
                                "{open} of {created} children outstanding ({})",
                                where_.join(", ")
                            )
                        }
                        Awaits::Future => "a future's result".to_string(),
                        Awaits::AnyFuture => "the first of several futures".to_string(),
                    };
                    out.push(format!(
                        "torc: node {me} worker {i}: {who} waits for {what}, for {:.1} s",
                        wt.since.elapsed().as_secs_f64()
                    ));
                }
            });
        }
        if let Some(net) = self.net {
            out.extend(net.state_lines(me));
        }
        out
    }
}
