"""torcpy's benchmark runner: torcpy (its own API, and torcpy.futures.TorcPoolExecutor)
beside concurrent.futures.ProcessPoolExecutor and ThreadPoolExecutor,
mpi4py.futures.MPIPoolExecutor, Dask distributed and multiprocessing.Pool, in one table.

Run it from the checkout's root::

    target/venv/bin/python python/bench/runner.py [--quick] [WORD ...]

(``bash scripts/python.sh install`` makes ``target/venv``; any environment with torcpy,
mpi4py, numpy, Pillow, h5py and dask[distributed] installed will do.)

* Every measurement is its own job (a subprocess in its own process group, killed with its
  children when it overruns ``TORCPY_BENCH_TIMEOUT`` seconds, default 300): torcpy at one
  node runs as ``python torcpy_prog.py ...`` (a singleton MPI process), at 2 nodes as
  ``mpirun --oversubscribe -np 2 python torcpy_prog.py ...``, ``TORCPY_WORKERS=1`` always;
  TorcPoolExecutor as ``python -m torcpy peers.py torc 1 ...`` resp. ``mpirun
  --oversubscribe -np 2 python -m torcpy peers.py torc 2 ...``; the process and thread
  pools and Dask as ``python peers.py process|thread|dask W ...``; mpi4py.futures as
  ``mpirun --oversubscribe -np W+1 python -m mpi4py.futures peers.py mpi W ...``. A job that
  ends leaving a process of its group behind (not a zombie) fails, and the rest of its group
  is killed.
* ``TORCPY_BENCH_RUNS`` runs of every job (default 3; the jobs of a row alternate, so a change
  of the machine's load hits torcpy and its peers alike); the table shows the median.
  ``--quick``: one run, smaller sizes (a smoke test: the figures mean little).
* ``WORD ...``: only the rows whose name contains one of the words (case-insensitive).
* Figures are printed, never judged: the runner exits non-zero only when a job fails (the
  failures are listed under the table; a job fails too when the results it got are wrong:
  the executor rows' and the maps' jobs check them after the timing). The "goal" column
  says whether torcpy's median meets the issue's goal, as information.

The figures: every job runs its measure twice in the same job, an untimed warm-up (every
worker started, imports done, the allocator in its steady state: a first 10,000-item
torcpy.map is ~2x slower than the next) and the timed run. ``us/task`` and ``us/item`` are
the timed run's wall time divided by its count (the table's ``N``, smaller for the slow
peers); ``s`` is the wall time of the pipeline (map + write_hdf5 on rank 0; the JPEGs are
made beforehand). ``peer/torcpy`` above 1 means torcpy is faster. Progress, with every run's
figures, goes to stderr. The rows:

* ``submit+wait empty 1x1`` / ``2x1``: N x ``submit(empty)``, then one wait for all of them;
  at 1 node x 1 worker and 2 nodes x 1 worker (round robin: half the tasks go to node 1),
  beside ProcessPoolExecutor(1 resp. 2) and MPIPoolExecutor with 1 resp. 2 workers.
* ``round trip remote 2x1``: ``submit(empty, qid=num_workers()-1).result()`` in a loop at
  2 ranks x 1 worker (the task runs on node 1), beside ``ex.submit(empty).result()`` of
  ProcessPoolExecutor(1) and MPIPoolExecutor with 1 worker.
* ``map identity cs=C 1x1`` / ``2x1``: ``torcpy.map(identity, range(N), chunksize=C)`` (N =
  10,000) beside ``list(ex.map(identity, range(N), chunksize=C))`` of the executors.
* ``images->hdf5 1x1`` / ``2x1``: python/examples/images_hdf5.py's pipeline (its
  ``make_jpegs``, ``process_image``, ``write_hdf5``, imported from there): N 64x64 JPEGs
  decoded, resized to 32x32 and scaled to float32 by ``torcpy.map(process_image, paths,
  targets, chunksize=16)``, then written into one HDF5 file on rank 0; beside
  ``multiprocessing.Pool(1 resp. 2).starmap(process_image, zip(paths, targets),
  chunksize=16)`` and the same write.

The executor rows (issue 24): torcpy.futures.TorcPoolExecutor, created in a script run by
``python -m torcpy`` (W = 1: one process, the script's thread plus ``TORCPY_WORKERS=1``
worker thread) or ``mpirun -np 2 python -m torcpy`` (W = 2: rank 0 runs the script and has
its worker thread, rank 1 serves with its own; the executor's round robin places the tasks;
the script's thread also runs tasks while it waits, as ``num_workers`` counts it), against,
with W workers each, ``ThreadPoolExecutor(max_workers=W)``,
``ProcessPoolExecutor(max_workers=W)``, ``MPIPoolExecutor()`` over ``mpirun -np W+1 python
-m mpi4py.futures`` and a Dask ``Client`` of ``LocalCluster(n_workers=W,
threads_per_worker=1, processes=True)`` (one worker process per core; started, and its
workers awaited, before the warm-up, closed at the end of the job, which fails if a worker
process outlives it). All run the same measure code (peers.py), Dask its own spelling. The
task is ``one`` (bench_tasks: an empty task returning 1); every job checks, after the
timing, that it got N results all 1, resp. that map returned ``range(N)`` in order:

* ``executor submit+result 1x1`` / ``2x1`` (goal: 3 resp. 10 us per task): ``fs =
  [ex.submit(one) for _ in range(N)]``, then ``f.result()`` of each in turn; Dask:
  ``client.gather([client.submit(one, pure=False) ...])`` (one gather, as Dask users
  collect; ``f.result()`` one by one is slower there). N: torcpy 100,000 resp. 50,000,
  threads 20,000, processes 10,000, mpi4py 5,000, Dask 500.
* ``executor map cs=100 1x1`` / ``2x1`` (goal: 0.3 us per item): ``list(ex.map(identity,
  range(N), chunksize=100))``; ThreadPoolExecutor takes the chunksize and ignores it (a
  task per item); Dask has no chunksize: plain ``client.gather(client.map(identity,
  range(N), pure=False))``, a task per item (``batch_size`` only splits the submission, it
  does not group items). N: torcpy, processes and mpi4py 200,000, threads 20,000, Dask 500.
* ``executor round trip 1x1`` / ``2x1`` (no goal: information): ``ex.submit(one).result()``
  N times, one task at a time; Dask ``client.submit(one, pure=False).result()``. N: torcpy
  20,000, threads 10,000, processes 3,000, mpi4py 2,000, Dask 100.

``--quick`` takes N = 50 to 10,000 for torcpy and the pools, 10 to 20 for Dask. Dask's
figures are milliseconds per task: a task is messages client -> scheduler -> worker and
back, over TCP, each stream batched (distributed's BatchedSend: the client's every 10 ms,
the scheduler's to a worker every 5 ms, the worker's and the scheduler's to the client every
2 ms), so that a round trip costs ~20 ms and its N is small; pure=False makes every task run
(no result reused by key from the warm-up).

mpi4py.futures with this Open MPI (4.1): both ways to get workers work here. (a) ``mpirun
-np K python -m mpi4py.futures prog.py`` makes rank 0 the master (it runs ``prog.py``) and
ranks 1..K-1 the workers of ``MPIPoolExecutor()``; the runner uses this, K = workers + 1
(at 2 workers: 3 processes on this 2-core machine, as ProcessPoolExecutor(2) and torcpy's 2
ranks plus their main also have). (b) Spawning, ``MPIPoolExecutor(max_workers=W)`` in a plain
``python prog.py``, works too (MPI_Comm_spawn from a singleton), but beyond the cores' count
only with ``OMPI_MCA_rmaps_base_oversubscribe=1`` (else MPI_ERR_SPAWN "not enough slots").
mpi4py.futures polls with ``time.sleep`` back-off (``MPI4PY_FUTURES_BACKOFF``, default
1 ms); even at 0 a ``time.sleep(0)`` costs ~80 us on Linux (timer slack), so its per-task
figures stay in the hundreds of microseconds whatever the setting; the runner keeps the
default.
"""

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
EXAMPLES = os.path.join(PYTHON_DIR, "examples")
PY = sys.executable
MPIRUN = os.environ.get("TORCPY_BENCH_MPIRUN", "mpirun")
TIMEOUT = float(os.environ.get("TORCPY_BENCH_TIMEOUT", "300"))


class Job:
    """One program to run: ``kind`` torcpy (torcpy_prog.py: torcpy's own API) / torc
    (peers.py under ``python -m torcpy``: torcpy.futures.TorcPoolExecutor) / process /
    thread / mpi / dask, ``workers`` (torcpy, torc: ranks x 1 worker; the others: their
    workers), the measure and its arguments."""

    def __init__(self, kind, workers, measure, n, chunksize=None):
        self.kind, self.workers, self.measure, self.n = kind, workers, measure, n
        self.chunksize = chunksize

    def label(self):
        w = self.workers
        if self.kind == "torcpy":
            return "torcpy"
        if self.kind == "torc":
            return f"TorcPoolExecutor({w}x1)"
        if self.measure == "images":
            return f"multiprocessing.Pool({w})"
        if self.kind == "process":
            return f"ProcessPoolExecutor({w})"
        if self.kind == "thread":
            note = ", chunksize ignored" if self.measure == "map" else ""
            return f"ThreadPoolExecutor({w}{note})"
        if self.kind == "dask":
            note = ", map: 1 task/item" if self.measure == "map" else ""
            return f"Dask LocalCluster({w}x1{note})"
        return f"MPIPoolExecutor({w})"

    def command(self):
        tail = [self.measure, str(self.n)]
        if self.chunksize is not None:
            tail.append(str(self.chunksize))
        peers = os.path.join(HERE, "peers.py")
        if self.kind in ("torcpy", "torc"):
            if self.kind == "torcpy":
                cmd = [PY, os.path.join(HERE, "torcpy_prog.py"), *tail]
            else:
                cmd = [PY, "-m", "torcpy", peers, "torc", str(self.workers), *tail]
            if self.workers > 1:
                cmd = [MPIRUN, "--oversubscribe", "-np", str(self.workers), *cmd]
            return cmd
        if self.kind in ("process", "thread", "dask"):
            return [PY, peers, self.kind, str(self.workers), *tail]
        return [MPIRUN, "--oversubscribe", "-np", str(self.workers + 1), PY, "-m",
                "mpi4py.futures", peers, "mpi", str(self.workers), *tail]


class Row:
    """One measure: torcpy's job first, then its peers'; ``unit`` us/task, us/item or s;
    ``goal`` torcpy's goal (at most, in the unit) or None."""

    def __init__(self, name, unit, jobs, goal=None):
        self.name, self.unit, self.jobs, self.goal = name, unit, jobs, goal


def rows(quick):
    def n(full, small):
        return small if quick else full

    out = []
    for w, goal in ((1, 3.0), (2, 10.0)):
        out.append(Row(f"submit+wait empty {w}x1", "us/task", [
            Job("torcpy", w, "submit", n(100_000, 5_000)),
            Job("process", w, "submit", n(10_000, 500)),
            Job("mpi", w, "submit", n(5_000, 200)),
        ], goal))
    out.append(Row("round trip remote 2x1", "us/task", [
        Job("torcpy", 2, "roundtrip", n(20_000, 1_000)),
        Job("process", 1, "roundtrip", n(3_000, 200)),
        Job("mpi", 1, "roundtrip", n(2_000, 100)),
    ], 30.0))
    for cs in (1, 100):
        for w in (1, 2):
            items = n(10_000, 1_000)
            out.append(Row(f"map identity cs={cs} {w}x1", "us/item", [
                Job("torcpy", w, "map", items, cs),
                Job("process", w, "map", items, cs),
                Job("mpi", w, "map", items, cs),
            ]))
    for w in (1, 2):
        images = n(300, 60)
        out.append(Row(f"images->hdf5 {w}x1", "s", [
            Job("torcpy", w, "images", images, 16),
            Job("process", w, "images", images, 16),
        ]))

    # The executor rows: TorcPoolExecutor (under python -m torcpy) beside four executors
    # with as many workers.
    def executors(w, measure, sizes, chunksize=None):
        kinds = ("torc", "thread", "process", "mpi", "dask")
        return [Job(kind, w, measure, n(*size), chunksize) for kind, size in zip(kinds, sizes)]

    for w, goal in ((1, 3.0), (2, 10.0)):
        out.append(Row(f"executor submit+result {w}x1", "us/task", executors(
            w, "submit_result", ((100_000 // w, 2_000), (20_000, 1_000), (10_000, 200),
                                 (5_000, 200), (500, 20))), goal))
    for w in (1, 2):
        out.append(Row(f"executor map cs=100 {w}x1", "us/item", executors(
            w, "map", ((200_000, 10_000), (20_000, 1_000), (200_000, 10_000),
                       (200_000, 10_000), (500, 20)), 100), 0.3))
    for w in (1, 2):
        out.append(Row(f"executor round trip {w}x1", "us/task", executors(
            w, "roundtrip_result", ((20_000, 1_000), (10_000, 500), (3_000, 100),
                                    (2_000, 50), (100, 10)))))
    return out


def job_env():
    env = dict(os.environ)
    env["TORCPY_WORKERS"] = "1"
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    env["PYTHONUNBUFFERED"] = "1"
    # The helpers' directory (bench_tasks, for the workers of mpi4py.futures) and the
    # examples' (images_hdf5); never python/ itself, whose torcpy/ lacks the built _core.
    env["PYTHONPATH"] = os.pathsep.join(
        [HERE, EXAMPLES] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def run_job(job):
    """Runs ``job`` once; returns (figure in the row's unit's scale: seconds and items, or
    None, the error text)."""
    cmd = job.command()
    p = subprocess.Popen(cmd, env=job_env(), cwd=HERE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                out, err = p.communicate(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            out, err = "", ""
        return None, f"{' '.join(cmd)}: no end within {TIMEOUT:g} s\n{tail(out, err)}"
    left = leftovers(p.pid)
    if left:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            time.sleep(0.5)
        return None, (f"{' '.join(cmd)}: left {len(left)} process(es) behind (killed): "
                      f"{'; '.join(left)}\n{tail(out, err)}")
    if p.returncode != 0:
        return None, f"{' '.join(cmd)}: exit {p.returncode}\n{tail(out, err)}"
    for line in out.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):]), None
    return None, f"{' '.join(cmd)}: no BENCH_RESULT line\n{tail(out, err)}"


def leftovers(pgid, wait=5.0):
    """The processes (not zombies) still in the job's process group once its leader has
    ended, as "pid command" texts; polled up to ``wait`` seconds (the ends of mpirun's
    daemons and of multiprocessing's resource tracker may lag their parent's a little).
    Empty where /proc is missing."""
    end = time.monotonic() + wait
    while True:
        left = []
        try:
            pids = [d for d in os.listdir("/proc") if d.isdigit()]
        except OSError:
            return []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
                fields = stat[stat.rindex(")") + 2:].split()
                if int(fields[2]) != pgid or fields[0] == "Z":
                    continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError, IndexError):
                continue
            left.append(f"{pid} {command.strip()[:120]}")
        if not left or time.monotonic() >= end:
            return left
        time.sleep(0.05)


def tail(out, err, lines=15):
    text = (out or "").rstrip().splitlines()[-lines:] + (err or "").rstrip().splitlines()[-lines:]
    return "\n".join("    " + t for t in text)


def figure(result, unit):
    if unit == "s":
        return result["seconds"]
    return result["seconds"] / result["items"] * 1e6


def fmt(v):
    if v is None:
        return "FAIL"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 1 else f"{v:.3f}"


def ratio_text(r):
    return f"{r:.0f}" if r >= 100 else f"{r:.1f}"


def header(runs, quick):
    def cmd_out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                  env=job_env(), cwd=HERE).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    versions = cmd_out([PY, "-c", (
        "import mpi4py, importlib.metadata as m\n"
        "mpi4py.rc.initialize = False\n"
        "from mpi4py import MPI\n"
        "print(mpi4py.__version__)\n"
        "print(MPI.Get_library_version().splitlines()[0].split(',')[0].strip())\n"
        "print(m.version('torcpy'))\n"
        "try:\n"
        "    print(m.version('distributed'))\n"
        "except m.PackageNotFoundError:\n"
        "    print('not installed')\n")]).splitlines() + ["?"] * 4
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"torcpy benchmarks{' (--quick: 1 run, small N: not figures to quote)' if quick else ''}"
        f": median of {runs} run(s) per figure",
        f"machine: {platform.node()}, nproc {nproc} ({cpu}), load average at start {load}",
        f"python {platform.python_version()}, torcpy {versions[2]}, mpi4py {versions[0]}, "
        f"MPI library {versions[1]}, dask.distributed {versions[3]}",
        "peer/torcpy > 1: torcpy is faster (the executor rows' torcpy: "
        "torcpy.futures.TorcPoolExecutor under python -m torcpy).",
        "us/task, us/item: wall time per task or item; s: wall time of the pipeline.",
    ]


def main(argv):
    quick = "--quick" in argv
    words = [a.lower() for a in argv if not a.startswith("--")]
    unknown = [a for a in argv if a.startswith("--") and a != "--quick"]
    if unknown:
        raise SystemExit(f"runner.py: unknown option(s) {unknown}; usage: "
                         "runner.py [--quick] [WORD ...]")
    runs = 1 if quick else int(os.environ.get("TORCPY_BENCH_RUNS", "3"))
    if runs < 1:
        raise SystemExit("runner.py: TORCPY_BENCH_RUNS must be at least 1")
    if shutil.which(MPIRUN) is None:
        raise SystemExit(f"runner.py: {MPIRUN} not found")
    selected = [r for r in rows(quick) if not words or any(w in r.name.lower() for w in words)]
    if not selected:
        raise SystemExit(f"runner.py: no row matches {words}")

    head = header(runs, quick)
    started = time.time()
    failures = []
    table = []   # (row, [(job, median or None)])
    for row in selected:
        figures = {i: [] for i in range(len(row.jobs))}
        for r in range(runs):
            got = []
            for i, job in enumerate(row.jobs):
                result, error = run_job(job)
                if error:
                    failures.append(f"{row.name} / {job.label()}: {error}")
                    got.append(f"{job.label()} FAIL")
                else:
                    figures[i].append(figure(result, row.unit))
                    got.append(f"{job.label()} {fmt(figures[i][-1])}")
            # Progress (stderr, not the table): every run's figures.
            print(f"  {row.name} [{row.unit}] run {r + 1}/{runs}: {', '.join(got)}",
                  file=sys.stderr, flush=True)
        table.append((row, [(job, statistics.median(figures[i]) if figures[i] else None)
                            for i, job in enumerate(row.jobs)]))

    cols = ["measure", "unit", "N", "torcpy", "peer", "N", "peer fig", "peer/torcpy", "goal"]
    lines = []
    for row, results in table:
        (tjob, tval), peers = results[0], results[1:]
        if row.goal is None:
            goal = "-"
        elif tval is None:
            goal = f"<= {row.goal:g} {row.unit}"
        else:
            goal = f"<= {row.goal:g} {row.unit}: {'met' if tval <= row.goal else 'missed'}"
        for k, (pjob, pval) in enumerate(peers):
            ratio = "-" if pval is None or tval is None or tval == 0 else ratio_text(pval / tval)
            first = k == 0
            lines.append([row.name if first else "", row.unit if first else "",
                          str(tjob.n) if first else "", fmt(tval) if first else "",
                          pjob.label(), str(pjob.n), fmt(pval), ratio, goal if first else ""])
    widths = [max(len(c), *(len(l[i]) for l in lines)) for i, c in enumerate(cols)]
    numeric = {2, 3, 5, 6, 7}

    def render(cells):
        return "  ".join(c.rjust(widths[i]) if i in numeric else c.ljust(widths[i])
                         for i, c in enumerate(cells)).rstrip()

    elapsed = time.time() - started
    sys.stderr.flush()
    print("\n".join(head))
    print(render(cols))
    print(render(["-" * w for w in widths]))
    for l in lines:
        print(render(l))
    print(f"({len(selected)} rows, {elapsed:.0f} s; load average at end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    if failures:
        print(f"\n{len(failures)} job(s) failed:")
        for f in failures:
            print(f"* {f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
