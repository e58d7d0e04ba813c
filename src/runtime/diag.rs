//! The diagnosis thread (`torc-diag`, one per process): it sleeps in `poll` and wakes for
//!
//! * `SIGUSR1` (a byte in the signal pipe, `signals.rs`): prints this node's state report;
//! * the peer watch (jobs of several nodes): it watches the next process of the job on this
//!   host (a ring over the host's processes) through a pidfd, which wakes `poll` the moment
//!   that process ends (every `PEER_CHECK` it looks instead where the kernel has no pidfds);
//!   one that ended before the job did is a lost node, and the job stops with a line naming
//!   it (processes on other hosts are watched by the launcher, which ends the job when one
//!   dies);
//! * on node 0, with `TORC_WATCHDOG` or `TORC_PROGRESS`: once a second (or a quarter of the
//!   watchdog's time, if shorter) it asks every node for its counters (`comm/watch.rs`); the
//!   progress line goes out at most once a second, and the watchdog fires when the job's
//!   count of task starts and ends has not moved for `TORC_WATCHDOG` seconds while some node
//!   has work outstanding: every node prints its state, then the job stops.
//!
//! It never touches the queues or the engine; it reads the published state and queues
//! messages. It stops before the node's final barrier (`stop`).

use crate::comm::watch::{print_state, Health};
use crate::comm::Comm;
use crate::error::fatal;
use crate::mpi::{self, World};
use crate::sched::Node;
use std::ffi::c_int;
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the other processes of this host are looked at.
const PEER_CHECK: Duration = Duration::from_millis(200);
/// How long node 0 waits for the answers to one WATCH, and for the state reports.
const PATIENCE: Duration = Duration::from_secs(2);

/// The write end of the stop pipe (-1: no thread).
static STOP: AtomicI32 = AtomicI32::new(-1);

/// Another process of the job on this host.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer {
    node: usize,
    pid: i32,
    /// Its start time (`/proc/PID/stat` field 22), so that a reused pid is not mistaken for it.
    start: u64,
    /// A pidfd of it (readable once it ended: `poll` wakes at once), or -1 when the kernel
    /// has none (then it is looked at every `PEER_CHECK`).
    pidfd: c_int,
}

/// A pidfd for process `pid` (Linux 5.3 and later), or -1.
fn pidfd_open(pid: i32) -> c_int {
    // SAFETY: the pidfd_open system call takes a pid and flags and returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        -1
    } else {
        fd as c_int
    }
}

/// The start time of process `pid` and whether it ended (a zombie), from `/proc/PID/stat`;
/// `None` when there is no such process.
fn proc_state(pid: i32) -> Option<(u64, bool)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &s[s.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((start, matches!(state, 'Z' | 'X')))
}

/// This host's name, hashed.
fn host_key() -> u64 {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into `buf`.
    unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len() - 1) };
    let n = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    crate::symbol::fnv1a(&buf[..n])
}

/// The other processes of the job on this host that this process can see (collective: every
/// node calls it at start-up, before the communication thread starts).
pub(crate) fn find_peers(world: &World) -> Vec<Peer> {
    if world.size < 2 {
        return Vec::new();
    }
    let me = std::process::id() as i32;
    let start = proc_state(me).map_or(0, |s| s.0);
    let hosts = mpi::allgather_u64(world, host_key());
    let pids = mpi::allgather_u64(world, me as u64);
    let starts = mpi::allgather_u64(world, start);
    // A ring: each process watches the next one of its host (in rank order, cyclically), so
    // every process of the host is watched by one other, at one file read per look.
    let peers: Vec<Peer> = (1..world.size)
        .map(|d| (world.rank + d) % world.size)
        .filter(|&k| hosts[k] == hosts[world.rank])
        .map(|k| Peer {
            node: k,
            pid: pids[k] as i32,
            start: starts[k],
            pidfd: -1,
        })
        // Only processes visible here as themselves (not in another pid namespace).
        .filter(|p| p.start != 0 && proc_state(p.pid).is_some_and(|(s, _)| s == p.start))
        .take(1)
        .map(|mut p| {
            p.pidfd = pidfd_open(p.pid);
            // Opened after the check: the pid must still be the same process.
            if p.pidfd >= 0 && proc_state(p.pid).is_none_or(|(s, _)| s != p.start) {
                // SAFETY: our descriptor, closed once.
                unsafe { libc::close(p.pidfd) };
                p.pidfd = -1;
            }
            p
        })
        .collect();
    // The ring is symmetric: the process this one watches is watched by this one, and this
    // one by the process before it on the host (all see each other when one sees the next).
    if !peers.is_empty() {
        mpi::set_watched();
        remove_stale_marks();
    }
    peers
}

/// Removes the marks of processes that no longer exist (left when a watcher was stopped
/// before it took them away).
fn remove_stale_marks() {
    let Ok(dir) = std::fs::read_dir("/dev/shm") else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("torc-ended-"))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if proc_state(pid).is_none() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether `p` left its mark when it ended (it stopped the job itself, with a line of its own):
/// takes the mark away.
fn reported_its_end(p: &Peer) -> bool {
    let mut buf = [0u8; 64];
    let n = mpi::ended_mark(p.pid as u32, &mut buf);
    let path = String::from_utf8_lossy(&buf[..n]).into_owned();
    std::fs::remove_file(path).is_ok()
}

/// Whether `p` has ended.
fn is_gone(p: &Peer) -> bool {
    match proc_state(p.pid) {
        None => true,
        Some((start, zombie)) => zombie || start != p.start,
    }
}

/// Starts the diagnosis thread of `node`, watching `peers` ([`find_peers`]). `usr1` is the
/// read end of the signal pipe.
pub(crate) fn start(
    node: &'static Node,
    comm: Option<&'static Comm>,
    peers: Vec<Peer>,
    usr1: Option<c_int>,
) -> Option<JoinHandle<()>> {
    let watching =
        node.layout.node == 0 && (node.config.watchdog.is_some() || node.config.progress);
    if usr1.is_none() && peers.is_empty() && !watching {
        return None;
    }
    let mut fds = [-1 as c_int; 2];
    // SAFETY: pipe2 fills `fds` with two new descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return None;
    }
    STOP.store(fds[1], Ordering::Release);
    let stop_fd = fds[0];
    std::thread::Builder::new()
        .name("torc-diag".into())
        .spawn(move || run(node, comm, usr1, stop_fd, peers, watching))
        .ok()
}

/// Stops the diagnosis thread and waits for it.
pub(crate) fn stop(h: Option<JoinHandle<()>>) {
    let fd = STOP.swap(-1, Ordering::AcqRel);
    if fd >= 0 {
        let b = 1u8;
        // SAFETY: one byte to our pipe.
        unsafe { libc::write(fd, &b as *const u8 as *const libc::c_void, 1) };
    }
    if let Some(h) = h {
        let _ = h.join();
    }
}

/// The thread's loop.
fn run(
    node: &'static Node,
    comm: Option<&'static Comm>,
    usr1: Option<c_int>,
    stop_fd: c_int,
    peers: Vec<Peer>,
    watching: bool,
) {
    let cfg = &node.config;
    let mut tick: Option<Duration> = None;
    if peers.iter().any(|p| p.pidfd < 0) {
        tick = Some(PEER_CHECK);
    }
    if watching {
        let w = cfg.watchdog.map_or(Duration::from_secs(1), |s| {
            (s / 4).min(Duration::from_secs(1))
        });
        tick = Some(tick.map_or(w, |t| t.min(w)));
    }
    let pollfd = |fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // The stop pipe, the signal pipe (if any), then each peer's pidfd (-1: not polled).
    let mut fds = vec![pollfd(stop_fd)];
    let usr1_at = usr1.map(|fd| {
        fds.push(pollfd(fd));
        fds.len() - 1
    });
    let peers_at = fds.len();
    fds.extend(peers.iter().map(|p| pollfd(p.pidfd)));
    // The peers still watched (one that ended is looked at once).
    let mut watched: Vec<Option<Peer>> = peers.into_iter().map(Some).collect();
    let mut watch = Watch::new(Instant::now());
    let mut next_watch = Instant::now();
    loop {
        let timeout = tick.map_or(-1, |t| t.as_millis().max(1) as c_int);
        for f in fds.iter_mut() {
            f.revents = 0;
        }
        // SAFETY: `fds` is a valid array of pollfd of that length.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if fds[0].revents != 0 {
            return;
        }
        if let Some(at) = usr1_at.filter(|&at| fds[at].revents != 0) {
            let mut buf = [0u8; 64];
            // SAFETY: reads into our buffer from our non-blocking pipe.
            while unsafe {
                libc::read(fds[at].fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len())
            } > 0
            {}
            print_state(node);
        }
        for f in fds[peers_at..].iter_mut().filter(|f| f.revents != 0) {
            // An ended process's pidfd stays readable: poll it no more.
            f.fd = -1;
        }
        for p in watched.iter_mut() {
            // Gone first, then the end: a node ends only after every node knows the job ends.
            let ended = |p: &Peer| is_gone(p) && !node.terminating() && !crate::mpi::aborting();
            if !p.as_ref().is_some_and(ended) {
                continue;
            }
            let p = p.take().expect("checked");
            if reported_its_end(&p) {
                // It said why (a crash, a misuse, an early exit) and stops the job itself.
                continue;
            }
            fatal(
                &format!("node {}", node.layout.node),
                format_args!(
                    "lost node {} (process {} on this host ended before the job did): the job stops",
                    p.node, p.pid
                ),
            );
        }
        if watching && Instant::now() >= next_watch {
            next_watch = Instant::now() + tick.unwrap_or(Duration::from_secs(1));
            let go_on = || STOP.load(Ordering::Acquire) >= 0;
            let health = match comm {
                Some(c) => c.job_health(node, PATIENCE, &go_on),
                None => vec![Some(Health::of(node))],
            };
            if STOP.load(Ordering::Acquire) < 0 || node.terminating() {
                return;
            }
            let now = Instant::now();
            if cfg.progress {
                if let Some(line) = watch.progress(&health, now) {
                    eprintln!("{line}");
                }
            }
            if let Some(limit) = cfg.watchdog {
                if watch.stuck(&health, now, limit) {
                    fire(node, comm, limit);
                }
            }
        }
    }
}

/// What node 0 remembers between looks at the job.
struct Watch {
    /// The job's task starts and ends at the last change, and when it changed.
    steps: u64,
    changed: Instant,
    /// The last progress line: when, and the finished count then.
    printed: Option<(Instant, u64, u64)>,
    started: Instant,
}

impl Watch {
    fn new(now: Instant) -> Watch {
        Watch {
            steps: 0,
            changed: now,
            printed: None,
            started: now,
        }
    }

    /// The progress line due now, if any (at most one a second, only when counts moved).
    fn progress(&mut self, health: &[Option<Health>], now: Instant) -> Option<String> {
        let created: u64 = health.iter().flatten().map(|h| h.created).sum();
        let finished: u64 = health.iter().flatten().map(|h| h.finished).sum();
        let (since, before_c, before_f) = self.printed.unwrap_or((self.started, 0, 0));
        if self.printed.is_some() && now.duration_since(since) < Duration::from_secs(1) {
            return None;
        }
        if (created, finished) == (before_c, before_f) {
            return None;
        }
        let dt = now.duration_since(since).as_secs_f64().max(1e-9);
        let rate = (finished - before_f.min(finished)) as f64 / dt;
        self.printed = Some((now, created, finished));
        let missing = health.iter().filter(|h| h.is_none()).count();
        let note = if missing > 0 {
            format!(" ({missing} nodes did not answer)")
        } else {
            String::new()
        };
        Some(format!(
            "torc: progress: {created} tasks created, {finished} finished, {rate:.0} tasks/s{note}"
        ))
    }

    /// Whether the watchdog fires: no task started or ended anywhere for `limit` while work
    /// is outstanding somewhere. A node that did not answer counts as busy and unchanged.
    fn stuck(&mut self, health: &[Option<Health>], now: Instant, limit: Duration) -> bool {
        let steps: u64 = health.iter().flatten().map(|h| h.steps).sum();
        let busy = health.iter().any(|h| h.is_none_or(|h| h.busy));
        if steps != self.steps || !busy {
            self.steps = steps;
            self.changed = now;
            return false;
        }
        now.duration_since(self.changed) >= limit
    }
}

/// The watchdog fired: every node prints its state, then the job stops.
fn fire(node: &'static Node, comm: Option<&'static Comm>, limit: Duration) -> ! {
    eprintln!(
        "torc: watchdog: no task started or finished anywhere for {:.1} s while work is \
         outstanding (TORC_WATCHDOG); the state of every node follows",
        limit.as_secs_f64()
    );
    print_state(node);
    if let Some(c) = comm {
        for k in c.dump_all(PATIENCE) {
            eprintln!("torc: watchdog: node {k} did not report its state");
        }
    }
    fatal(
        "watchdog",
        format_args!(
            "the job seems stuck (TORC_WATCHDOG={:.1}): stopping it",
            limit.as_secs_f64()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(steps: u64, busy: bool) -> Option<Health> {
        Some(Health {
            created: steps,
            finished: steps / 2,
            steps,
            busy,
        })
    }

    #[test]
    fn the_watchdog_fires_only_after_the_limit_without_a_step_while_busy() {
        let t0 = Instant::now();
        let s = Duration::from_secs(2);
        let mut w = Watch::new(t0);
        assert!(!w.stuck(&[h(5, true), h(1, false)], t0, s));
        assert!(!w.stuck(&[h(5, true), h(1, false)], t0 + Duration::from_secs(1), s));
        assert!(w.stuck(&[h(5, true), h(1, false)], t0 + Duration::from_secs(2), s));
        // A step anywhere starts the time again.
        assert!(!w.stuck(&[h(5, true), h(2, false)], t0 + Duration::from_secs(3), s));
        assert!(!w.stuck(&[h(5, true), h(2, false)], t0 + Duration::from_secs(4), s));
        // Nothing outstanding: an idle job is not stuck, however long.
        assert!(!w.stuck(&[h(5, false), h(2, false)], t0 + Duration::from_secs(9), s));
        // A node that does not answer counts as busy.
        assert!(!w.stuck(&[h(5, false), None], t0 + Duration::from_secs(10), s));
        assert!(w.stuck(&[h(5, false), None], t0 + Duration::from_secs(12), s));
    }

    #[test]
    fn progress_lines_come_at_most_once_a_second_and_only_on_change() {
        let t0 = Instant::now();
        let mut w = Watch::new(t0);
        let at = |ms| t0 + Duration::from_millis(ms);
        let line = w.progress(&[h(10, true)], at(500)).unwrap();
        assert_eq!(
            line,
            "torc: progress: 10 tasks created, 5 finished, 10 tasks/s"
        );
        assert!(
            w.progress(&[h(20, true)], at(900)).is_none(),
            "within a second"
        );
        let line = w.progress(&[h(20, true)], at(1500)).unwrap();
        assert!(
            line.starts_with("torc: progress: 20 tasks created, 10 finished, 5 tasks/s"),
            "{line}"
        );
        assert!(w.progress(&[h(20, true)], at(3000)).is_none(), "unchanged");
        assert!(w
            .progress(&[h(22, true), None], at(4000))
            .unwrap()
            .ends_with("(1 nodes did not answer)"));
    }

    #[test]
    fn this_process_is_seen_and_a_missing_one_is_gone() {
        let me = std::process::id() as i32;
        let (start, zombie) = proc_state(me).unwrap();
        assert!(start > 0 && !zombie);
        let peer = |start| Peer {
            node: 1,
            pid: me,
            start,
            pidfd: -1,
        };
        assert!(!is_gone(&peer(start)));
        assert!(
            is_gone(&peer(start + 1)),
            "another process under a reused pid"
        );
        assert!(proc_state(i32::MAX).is_none());
        let fd = pidfd_open(me);
        assert!(fd >= 0, "pidfd_open of this process");
        // SAFETY: our descriptor, closed once.
        unsafe { libc::close(fd) };
    }
}
