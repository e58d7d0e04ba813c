"""How torcpy programs are launched and interrupted: ``python -m torcpy`` (script, ``-m``,
``-c``; exit statuses, tracebacks, usage), ``torcpy.futures.TorcPoolExecutor`` in plain
scripts and under plain ``mpirun``, the late switch ``torcpy.launch(None)``
(examples/late_switch_images.py), ``TorcCommExecutor`` blocks between mpi4py collectives, a
script written for ``mpi4py.futures`` switched to torcpy by renaming, Ctrl-C in every kind of
wait, and submits from threads and asyncio.

Programs: tests/programs/launch_*.py. Every job runs under a timeout; the interrupt tests
wait for the lines the programs print before they signal them (never for a fixed time).
"""

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib

import pytest

from conftest import EXAMPLES, MPIRUN, PROGRAMS, job_env, session_processes

# Any one job (they take about a second): a hang fails its test, not the suite.
JOB_TIMEOUT = 60
# How long a job may take to end after Ctrl-C.
END_AFTER_SIGINT = 20

NP_0_2_3 = pytest.mark.parametrize("ranks", [0, 2, 3], ids=["np0", "np2", "np3"])
NP_0_3 = pytest.mark.parametrize("ranks", [0, 3], ids=["np0", "np3"])


def command(args, ranks):
    """``python args...``, under ``mpirun -np ranks`` unless ``ranks`` is 0."""
    cmd = [sys.executable, *map(str, args)]
    if ranks == 0:
        return cmd
    return [MPIRUN, "--oversubscribe", "-np", str(ranks), *cmd]


def describe(p, cmd=None):
    head = f"{' '.join(map(str, cmd))}\n" if cmd else ""
    return f"{head}exit status {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"


def run(args, ranks, workers=1, cwd=PROGRAMS, env=None, timeout=JOB_TIMEOUT, status=0):
    """Runs ``python args`` (under mpirun with ``ranks``); fails the test on a timeout or,
    unless ``status`` is None, on another exit status. Returns the finished process."""
    cmd = command(args, ranks)
    try:
        p = subprocess.run(cmd, env=job_env(workers, env), cwd=cwd, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(map(str, cmd))} did not end within {timeout} s\n"
                    f"stdout:\n{e.stdout}\nstderr:\n{e.stderr}")
    if status is not None:
        assert p.returncode == status, describe(p, cmd)
    return p


def lines(p, prefix):
    return [line for line in p.stdout.splitlines() if line.startswith(prefix)]


# ------------------------------------------------------------------ python -m torcpy


def expected_module_lines(nodes, server_name="__torcpy_main__"):
    return sorted(["launch: module level on node 0 as __main__"]
                  + [f"launch: module level on node {r} as {server_name}"
                     for r in range(1, nodes)])


def assert_ok_mode(p, nodes, argv, server_name):
    """The checks of launch_script.py's ``ok`` mode, one torcpy worker per rank (rank 0 has
    one more: the program's thread)."""
    info = describe(p)
    assert len(lines(p, "launch: MAIN BLOCK on node 0")) == 1, info
    assert lines(p, "launch: argv ") == [f"launch: argv {argv!r}"], info
    # Module-level code sees rank 0's sys.argv on every rank.
    assert sorted(lines(p, "launch: module argv")) == \
        [f"launch: module argv on node {r}: {argv!r}" for r in range(nodes)], info
    assert sorted(lines(p, "launch: module level")) == \
        expected_module_lines(nodes, server_name), info
    assert f"launch: {nodes + 1} workers on {nodes} nodes: tasks ran on nodes " \
           f"{list(range(nodes))}" in p.stdout, info
    assert "launch: table values right: True" in p.stdout, info
    assert "launch: module loaded once in every task's process: True" in p.stdout, info
    assert "launch: helper module right on every node: True" in p.stdout, info
    names = [(0, "__main__")] + [(r, server_name) for r in range(1, nodes)]
    assert f"launch: task module names {names}" in p.stdout, info
    assert p.stdout.count("launch: main block done") == 1, info


@NP_0_2_3
def test_torcpy_main_script(ranks):
    """``python -m torcpy launch_script.py ok ...``: the main block runs once (rank 0), with
    sys.argv = [script, args...]; module-level code runs once in every process; tasks placed
    on every worker run the script's functions on every node, reading its module-level data
    and its sibling module."""
    p = run(["-m", "torcpy", "launch_script.py", "ok", "alpha", "two words"], ranks)
    assert_ok_mode(p, max(ranks, 1), ["launch_script.py", "ok", "alpha", "two words"],
                   "__torcpy_main__")


def make_package(tmp_path):
    """``launchpkg``: launch_script.py and launch_helper.py as modules of a package (the
    script imports the helper relatively there)."""
    package = tmp_path / "launchpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("launch_script.py", "launch_helper.py"):
        shutil.copy(os.path.join(PROGRAMS, name), package / name)
    return package


@NP_0_3
def test_torcpy_main_module(tmp_path, ranks):
    """``python -m torcpy -m launchpkg.launch_script ok x``: as a script, with a relative
    import; sys.argv[0] is the module's file, as with ``python -m``."""
    package = make_package(tmp_path)
    p = run(["-m", "torcpy", "-m", "launchpkg.launch_script", "ok", "x"], ranks, cwd=tmp_path)
    nodes = max(ranks, 1)
    info = describe(p)
    assert lines(p, "launch: argv ") == \
        [f"launch: argv {[str(package / 'launch_script.py'), 'ok', 'x']!r}"], info
    # The other ranks import the module under a name of their own (not __main__).
    module_lines = sorted(lines(p, "launch: module level"))
    assert len(module_lines) == nodes, info
    assert "launch: module level on node 0 as __main__" in module_lines, info
    assert all(line.endswith("as __main__") == (" node 0 " in line)
               for line in module_lines), info
    server_name = module_lines[-1].rsplit(" ", 1)[1] if nodes > 1 else "__torcpy_main__"
    assert_ok_mode(p, nodes, [str(package / "launch_script.py"), "ok", "x"], server_name)


C_CODE = """
import sys
import launch_helper
from torcpy.futures import TorcPoolExecutor
with TorcPoolExecutor() as ex:
    got = [ex.submit_to(q, launch_helper.where, q).result() for q in range(ex.num_workers)]
print("C-FORM", sys.argv, sorted({node for _, node, _ in got}),
      [tag for tag, _, _ in got] == list(range(ex.num_workers)), __name__, flush=True)
"""


@NP_0_3
def test_torcpy_main_code(ranks):
    """``python -m torcpy -c CODE u v``: the code runs once, on rank 0, as __main__, with
    sys.argv = ['-c', 'u', 'v']; its tasks (functions of an importable module) run on every
    node."""
    p = run(["-m", "torcpy", "-c", C_CODE, "u", "v"], ranks)
    nodes = max(ranks, 1)
    assert lines(p, "C-FORM") == \
        [f"C-FORM ['-c', 'u', 'v'] {list(range(nodes))} True __main__"], describe(p)


UNGUARDED = """
from torcpy.futures import TorcPoolExecutor
import launch_helper
with TorcPoolExecutor() as ex:
    print("UNGUARDED", ex.submit(launch_helper.where, 1).result()[0], flush=True)
"""


@pytest.mark.parametrize("ranks", [2, 3], ids=["np2", "np3"])
def test_torcpy_main_unguarded_executor_fails_fast(tmp_path, ranks):
    """A program whose module-level code makes the executor (no ``if __name__ ==
    "__main__"``): the other ranks, which import it, refuse at once with a line that says
    what to do, and the job stops with status 1 instead of waiting forever."""
    (tmp_path / "unguarded.py").write_text(UNGUARDED)
    shutil.copy(os.path.join(PROGRAMS, "launch_helper.py"), tmp_path / "launch_helper.py")
    p = run(["-m", "torcpy", "unguarded.py"], ranks, cwd=tmp_path, status=None)
    assert p.returncode != 0, describe(p)
    assert "RuntimeError: torcpy.futures.TorcPoolExecutor: called by the program's " \
           "module-level code on rank " in p.stderr, describe(p)
    assert 'put the program\'s work under `if __name__ == "__main__":`' in p.stderr, describe(p)


@NP_0_3
@pytest.mark.parametrize("code", [0, 3])
def test_torcpy_main_sys_exit(ranks, code):
    """``sys.exit(n)`` in the program: the job's status is n, no traceback."""
    p = run(["-m", "torcpy", "launch_script.py", f"exit{code}"], ranks, status=code)
    assert lines(p, "launch: exiting") == [f"launch: exiting with {code}"], describe(p)
    assert "launch: main block done" not in p.stdout, describe(p)
    assert "Traceback" not in p.stderr, describe(p)


@NP_0_3
def test_torcpy_main_uncaught_exception(ranks):
    """An uncaught exception: status 1, its traceback printed once, starting at the
    program's own frames (no torcpy/__main__.py or runpy frame)."""
    p = run(["-m", "torcpy", "launch_script.py", "raise"], ranks, status=1)
    info = describe(p)
    assert "launch: raising" in p.stdout, info
    assert p.stderr.count("Traceback (most recent call last):") == 1, info
    assert p.stderr.count("# THE RAISING LINE") == 1, info
    assert [line for line in p.stderr.splitlines()
            if line.startswith("ValueError:")] == ["ValueError: launch-script-failure-7"], info
    # (mpirun's own report may come between the lines of rank 0's stderr.)
    err = p.stderr.splitlines()
    frames = [line for line in err[err.index("Traceback (most recent call last):"):]
              if line.startswith('  File "')]
    assert frames and all('File "launch_script.py"' in f for f in frames), info
    assert "__main__.py" not in p.stderr and "runpy" not in p.stderr, info
    assert "launch: main block done" not in p.stdout, info


@pytest.mark.parametrize("args,message", [
    ([], None), (["-x"], "unknown option -x"), (["--bogus", "a.py"], "unknown option --bogus"),
    (["-m"], "-m needs an argument"), (["-c"], "-c needs an argument"),
], ids=["none", "-x", "--bogus", "-m", "-c"])
def test_torcpy_main_usage(args, message):
    """Bad usage: status 2 and a usage line (with the reason when there is one)."""
    p = run(["-m", "torcpy", *args], 0, status=2)
    out = p.stdout + p.stderr
    assert re.search(r"^usage: python -m torcpy ", out, re.M), describe(p)
    if message:
        assert message in p.stderr, describe(p)


@pytest.mark.parametrize("form", ["script", "module"])
def test_torcpy_main_objects_go_back_to_rank0(tmp_path, form):
    """At 2 ranks, what another rank pickles of the program reaches rank 0: an instance of
    the program's class returned by a task there, and a child task (the program's function)
    submitted there to node 0."""
    if form == "script":
        p = run(["-m", "torcpy", "launch_script.py", "travel"], 2)
    else:
        make_package(tmp_path)
        p = run(["-m", "torcpy", "-m", "launchpkg.launch_script", "travel"], 2, cwd=tmp_path)
    assert lines(p, "launch: travel") == ["launch: travel point Point True 5",
                                          "launch: travel nested (1, (0, 3))"], describe(p)
    # Nothing imported the program a second time on a rank.
    assert len(lines(p, "launch: module level")) == 2, describe(p)


# ------------------------------------------------------------------ TorcPoolExecutor alone

CUBES = sum(x ** 3 for x in range(100))


@pytest.mark.parametrize("workers", [1, 3])
def test_pool_plain_python(workers):
    """``python launch_pool.py``: the executor starts the runtime (TORCPY_WORKERS worker
    threads plus the script's thread), the tasks compute, the job ends with the script
    (after the task nobody waited for), status 0."""
    p = run(["launch_pool.py"], 0, workers=workers)
    assert lines(p, "pool: ") == [
        "pool: before the constructor on rank 0",
        "pool: after the constructor on node 0 of 1",
        f"pool: num_workers {workers + 1}",
        f"pool: sum of cubes {CUBES} {CUBES}",
        "pool: tasks placed on every worker ran on nodes [0]",
        "pool: script ends",
        "pool: unwaited task last ran",
    ], describe(p)


def test_pool_plain_mpirun():
    """``mpirun -np 3 python launch_pool.py``: every rank creates the executor; only rank 0
    goes on after it; tasks run on all 3 nodes; status 0."""
    p = run(["launch_pool.py"], 3)
    info = describe(p)
    assert sorted(lines(p, "pool: before the constructor")) == \
        [f"pool: before the constructor on rank {r}" for r in range(3)], info
    assert lines(p, "pool: after the constructor") == \
        ["pool: after the constructor on node 0 of 3"], info
    assert lines(p, "pool: num_workers") == ["pool: num_workers 4"], info
    assert lines(p, "pool: sum of cubes") == [f"pool: sum of cubes {CUBES} {CUBES}"], info
    assert lines(p, "pool: tasks placed") == \
        ["pool: tasks placed on every worker ran on nodes [0, 1, 2]"], info
    assert lines(p, "pool: script ends") == ["pool: script ends"], info
    assert lines(p, "pool: unwaited") == ["pool: unwaited task last ran"], info


# ------------------------------------------------------------------ the late switch

LATE = os.path.join(EXAMPLES, "late_switch_images.py")


def fitted(size, longest):
    w, h = size
    if w >= h:
        return longest, max(1, round(h * longest / w))
    return max(1, round(w * longest / h)), longest


def expected_images(directory, longest):
    """(count, distinct new sizes, digest) of resizing the images as the example does,
    computed here."""
    from PIL import Image
    names = sorted(n for n in os.listdir(directory) if n.endswith(".png"))
    results = []
    for name in names:
        with Image.open(os.path.join(directory, name)) as im:
            im = im.convert("RGB")
            small = im.resize(fitted(im.size, longest), Image.BILINEAR)
        results.append((small.size, zlib.crc32(small.tobytes())))
    return len(names), len({s for s, _ in results}), zlib.crc32(repr(results).encode())


@pytest.mark.parametrize("ranks,workers", [(0, 1), (1, 1), (2, 1), (3, 1), (3, 2)],
                         ids=["np0", "np1", "np2", "np3", "np3-w2"])
def test_late_switch_images(tmp_path, ranks, workers):
    """examples/late_switch_images.py: SPMD part with mpi4py collectives, launch(None), then
    rank 0 maps the resizes over every node; its OK line matches what this test computes
    from the same files."""
    directory = tmp_path / "images"
    p = run([LATE, str(directory), "--make", "24", "--target", "20"], ranks, workers=workers,
            cwd=EXAMPLES)
    nodes = max(ranks, 1)
    count, sizes, digest = expected_images(directory, 20)
    assert count == 24
    ok = [line for line in p.stdout.splitlines() if ": OK: " in line]
    assert ok == [
        f"late_switch_images: OK: 24 images resized to fit 20 ({sizes} distinct sizes, all "
        f"checksums match, digest {digest:08x}) on {nodes} nodes x {workers} workers; tasks "
        f"ran on nodes {list(range(nodes))}; {nodes} of {nodes} ranks listed the same files"
    ], describe(p)


@NP_0_3
def test_late_switch_usage(ranks):
    """Without an argument: the usage line once (rank 0), every rank shuts down, status 0."""
    p = run([LATE], ranks, cwd=EXAMPLES)
    assert p.stdout.splitlines() == \
        ["usage: python late_switch_images.py DIR [--make N] [--target T]"], describe(p)


# ------------------------------------------------------------------ TorcCommExecutor

COMM_ITEMS = 40


def comm_sum(base):
    return sum(base + i * i for i in range(COMM_ITEMS))


@pytest.mark.parametrize("ranks", [1, 3], ids=["np1", "np3"])
def test_comm_executor(ranks):
    """Three ``with TorcCommExecutor(MPI.COMM_WORLD, root=0)`` blocks between mpi4py
    collectives, under plain mpirun: rank 0 gets the executor, the others None; each
    block's map ran on every node and summed right; after the last block every rank has the
    sums; root=1 and a split communicator are refused with ValueError naming the value."""
    p = run(["launch_comm.py"], ranks)
    info = describe(p)
    sums = [comm_sum(100 * k) for k in (1, 2, 3)]
    assert lines(p, "comm: refused root=1") == [
        "comm: refused root=1: ValueError: TorcCommExecutor: root = 1: the root must be rank "
        "0 (torcpy's primary rank)"], info
    split = lines(p, "comm: refused split")
    if ranks == 1:
        assert split == ["comm: refused split: one rank: not tried"], info
    else:
        assert len(split) == 1 and re.fullmatch(
            r"comm: refused split: ValueError: TorcCommExecutor: comm = "
            r"<mpi4py\.MPI\.Intracomm object at 0x[0-9a-f]+>: only MPI\.COMM_WORLD \(or "
            r"None\) is supported", split[0]), info
    assert lines(p, "comm: round") == [
        f"comm: round {k}: base {100 * k} chunksize {c}: sum {sums[k - 1]}, tasks ran on "
        f"nodes {list(range(ranks))}; {ranks} ranks after the block; with gave an executor "
        f"on ranks [0]" for k, c in ((1, 1), (2, 3), (3, 7))], info
    assert sorted(lines(p, "comm: rank")) == [
        f"comm: rank {r} done: sums {sums} ranks {ranks} got-executor {[r == 0] * 3}"
        for r in range(ranks)], info


# ------------------------------------------------------------------ from mpi4py.futures

MPI4PY_SCRIPT = os.path.join(PROGRAMS, "launch_mpi4py.py")
RENAMES = [("python -m mpi4py.futures", "python -m torcpy"),
           ("mpi4py.futures", "torcpy.futures"),
           ("MPIPoolExecutor", "TorcPoolExecutor"),
           ("MPICommExecutor", "TorcCommExecutor")]


def torcpy_version(tmp_path):
    """launch_mpi4py.py with only its import line's module and the class names changed."""
    with open(MPI4PY_SCRIPT) as f:
        source = f.read()
    changed = source
    for old, new in RENAMES:
        changed = changed.replace(old, new)
    for old, _ in RENAMES:
        assert old not in changed
    # Only lines naming the module or the classes changed.
    for a, b in zip(source.splitlines(), changed.splitlines()):
        if a != b:
            assert any(new in b for _, new in RENAMES), (a, b)
    imports = [line for line in changed.splitlines() if "futures import" in line]
    assert imports == ["from torcpy.futures import TorcPoolExecutor, TorcCommExecutor, "
                       "as_completed, wait"], imports
    path = tmp_path / "launch_torcpy.py"
    path.write_text(changed)
    return str(path)


EXPECTED_ANSWERS = {
    "answer: submit [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]",
    "answer: submit kwargs 511",
    "answer: map two iterables [0, 1, 4, 9, 16, 25, 36, 49]",
    "answer: map failed after [0.25, 0.5]: ValueError: negative input -5",
    "answer: as_completed [111, 118, 178, 261]",
    "answer: wait 20 done 0 not done, sum 2470",
    "answer: callbacks [0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121]",
    "answer: result raised ZeroDivisionError: no inverse of 0; exception() "
    "ZeroDivisionError: no inverse of 0",
    "answer: result raised ValueError: negative input -2; exception() ValueError: negative "
    "input -2",
    "answer: done",
}


@pytest.mark.parametrize("mode", ["pool", "comm"])
def test_mpi4py_futures_script(tmp_path, mode):
    """The same script at 3 ranks with mpi4py.futures (``python -m mpi4py.futures`` for the
    pool, plain mpirun for MPICommExecutor) and, renamed, with torcpy.futures (``python -m
    torcpy`` / plain mpirun): the same answers."""
    launch = ["-m", "mpi4py.futures"] if mode == "pool" else []
    original = run([*launch, MPI4PY_SCRIPT, mode], 3)
    renamed = torcpy_version(tmp_path)
    launch = ["-m", "torcpy"] if mode == "pool" else []
    torc = run([*launch, renamed, mode], 3, cwd=tmp_path)
    want = lines(original, "answer:")
    assert EXPECTED_ANSWERS <= set(want), describe(original)
    assert len(want) == 12, describe(original)
    assert lines(torc, "answer:") == want, \
        f"mpi4py.futures:\n{original.stdout}\ntorcpy.futures:\n{describe(torc)}"


# ------------------------------------------------------------------ Ctrl-C


class Interruptible:
    """A job in a session of its own whose output lines are read as they come."""

    def __init__(self, args, ranks, workers=1, cwd=PROGRAMS):
        self.cmd = command(args, ranks)
        self.p = subprocess.Popen(self.cmd, env=job_env(workers), cwd=cwd,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  start_new_session=True)
        self.lines = queue.Queue()
        self.out, self.err = [], []
        self.readers = [
            threading.Thread(target=lambda: [self.lines.put(x.rstrip("\n"))
                                             for x in self.p.stdout], daemon=True),
            threading.Thread(target=lambda: self.err.extend(self.p.stderr), daemon=True)]
        for t in self.readers:
            t.start()

    def info(self):
        self.drain()
        return (f"{' '.join(map(str, self.cmd))}\nexit status {self.p.poll()}\nstdout:\n"
                + "\n".join(self.out) + "\nstderr:\n" + "".join(self.err))

    def drain(self):
        while True:
            try:
                self.out.append(self.lines.get_nowait())
            except queue.Empty:
                return

    def wait_for_line(self, prefix, timeout=JOB_TIMEOUT):
        """The first output line starting with ``prefix`` (fails the test if the job ends or
        the time runs out first)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.out:
                if line.startswith(prefix):
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or (self.p.poll() is not None and self.lines.empty()):
                pytest.fail(f"no line {prefix!r}\n{self.info()}")
            try:
                self.out.append(self.lines.get(timeout=min(left, 1.0)))
            except queue.Empty:
                pass

    def wait_end(self, timeout):
        """The exit status, once the job ended within ``timeout`` seconds (else the test
        fails); the output is read to its end."""
        try:
            status = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {timeout} s after the signal\n{self.info()}")
        for t in self.readers:
            t.join(timeout=10)
        self.drain()
        return status

    def assert_nothing_left(self):
        deadline = time.monotonic() + 10
        while session_processes(self.p.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_processes(self.p.pid) == [], \
            f"processes left after the job ended\n{self.info()}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None or session_processes(self.p.pid):
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait(timeout=10)
        return False


WHERES = ["result", "wait", "map", "with"]
LAUNCHERS = {"plain": [], "torcpy": ["-m", "torcpy"]}


def start_sigint_job(tmp_path, launcher, ranks, where, catch):
    args = [*LAUNCHERS[launcher], "launch_sigint.py", where, catch, str(tmp_path)]
    return Interruptible(args, ranks)


def interrupt_rank0(job, where, ranks):
    """Waits for rank 0's PID and READY lines and sends SIGINT to rank 0's process."""
    pid_line = job.wait_for_line("sigint: PID ")
    assert pid_line.endswith(f"on node 0 of {max(ranks, 1)}"), job.info()
    job.wait_for_line(f"sigint: READY {where}")
    os.kill(int(pid_line.split()[2]), signal.SIGINT)


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
@NP_0_3
@pytest.mark.parametrize("where", WHERES)
def test_sigint_caught(tmp_path, launcher, ranks, where):
    """SIGINT to the script's process while it waits: KeyboardInterrupt in the script, which
    catches it; the executor stays usable and the job ends normally (status 0)."""
    with start_sigint_job(tmp_path, launcher, ranks, where, "catch") as job:
        interrupt_rank0(job, where, ranks)
        status = job.wait_end(END_AFTER_SIGINT)
        info = job.info()
        assert status == 0, info
        out = job.out
        assert f"sigint: CAUGHT KeyboardInterrupt in {where}" in out, info
        assert "sigint: NOT INTERRUPTED" not in out, info
        last = max(ranks, 1) - 1
        gave = [] if where == "map" else [f"released {where} on node {last}"]
        assert f"sigint: blockers gave {gave}" in out, info
        assert "sigint: after catching: 144 [0, 1, 4, 9, 16, 25]" in out, info
        assert out.count("sigint: END") == 1, info
        job.assert_nothing_left()


def assert_uncaught(job, where, statuses):
    status = job.wait_end(END_AFTER_SIGINT)
    info = job.info()
    assert status in statuses, info
    assert f"sigint: FINALLY {where}" in job.out, info
    assert "sigint: NOT INTERRUPTED" not in job.out, info
    assert "KeyboardInterrupt" in "".join(job.err), info
    job.assert_nothing_left()


@NP_0_3
@pytest.mark.parametrize("where", WHERES)
def test_sigint_uncaught(tmp_path, ranks, where):
    """``python -m torcpy``: SIGINT to the script's process while it waits, not caught: its
    finally block runs, the job ends within 20 s with status 130 and nothing is left."""
    with start_sigint_job(tmp_path, "torcpy", ranks, where, "nocatch") as job:
        interrupt_rank0(job, where, ranks)
        assert_uncaught(job, where, {130})


@NP_0_3
def test_sigint_uncaught_plain(tmp_path, ranks):
    """The same with the executor started by a plain script (``python script.py``, ``mpirun
    python script.py``): the uncaught interrupt ends the job at once (the task still
    waiting for its gate must not hold the end), status 130 (at one process Python's own
    end by SIGINT, which shells show as 130, is accepted too)."""
    with start_sigint_job(tmp_path, "plain", ranks, "result", "nocatch") as job:
        interrupt_rank0(job, "result", ranks)
        assert_uncaught(job, "result", {130} if ranks else {130, -signal.SIGINT})


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_sigint_to_mpirun(tmp_path, launcher):
    """SIGINT to mpirun at 3 ranks (it sends SIGTERM to the ranks): rank 0's script gets
    KeyboardInterrupt (its finally block's line appears), the job ends within 20 s,
    non-zero, nothing left."""
    with start_sigint_job(tmp_path, launcher, 3, "result", "nocatch") as job:
        job.wait_for_line("sigint: PID ")
        job.wait_for_line("sigint: READY result")
        job.p.send_signal(signal.SIGINT)
        status = job.wait_end(END_AFTER_SIGINT)
        info = job.info()
        assert status != 0, info
        assert "sigint: FINALLY result" in job.out, info
        assert "sigint: NOT INTERRUPTED" not in job.out, info
        job.assert_nothing_left()


# ------------------------------------------------------------------ threads and asyncio

PER_THREAD = 25


def thread_sum(k):
    return sum(x * x + x ** 3 for x in range(k * PER_THREAD, (k + 1) * PER_THREAD))


@NP_0_3
@pytest.mark.parametrize("mode", ["threads", "asyncio"])
def test_submit_from_threads(ranks, mode):
    """Threads of the script and an asyncio loop submit (submit, map, run_in_executor,
    wrap_future) while the script's thread is blocked in join() / asyncio.run: no hang,
    the right sums, tasks on every node."""
    p = run(["launch_threads.py", mode], ranks)
    nodes = list(range(max(ranks, 1)))
    info = describe(p)
    assert lines(p, f"threads: {mode} on") == \
        [f"threads: {mode} on {len(nodes)} nodes, {len(nodes) + 1} workers"], info
    n = 4 * PER_THREAD
    if mode == "threads":
        sums = [thread_sum(k) for k in range(4)]
        assert lines(p, "threads: thread sums") == \
            [f"threads: thread sums {sums} total {sum(sums)} errors []"], info
        assert lines(p, "threads: tasks of the threads") == \
            [f"threads: tasks of the threads ran on nodes {nodes}"], info
    else:
        squares = sum(x * x for x in range(n))
        cubes = sum(x ** 3 for x in range(n))
        assert lines(p, "threads: asyncio sums") == \
            [f"threads: asyncio sums {squares} {cubes} as_completed "
             f"{[x * x for x in range(10)]}"], info
        assert lines(p, "threads: asyncio tasks") == \
            [f"threads: asyncio tasks ran on nodes {nodes}"], info
    assert lines(p, "threads: END") == ["threads: END"], info
