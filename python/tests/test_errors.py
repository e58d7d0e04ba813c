"""Exceptions and misuse: programs/errors.py (exceptions from local and remote tasks, misuse
of the API, failed tasks nobody looked at) at every configuration; the primary task raising
or exiting (programs/primary.py); bad TORCPY_* settings (programs/tiny.py); SIGINT while
main waits (programs/sigint.py)."""

import os
import queue
import signal
import subprocess
import threading
import time

import pytest

from checklines import (RUN_IDS, RUNS, assert_check, assert_consistent_end, checked_run,
                        describe)
from conftest import PROGRAMS, job_command, job_env, session_processes

CHECKS = [
    "outside_start_submit", "outside_start_map", "outside_start_wait", "outside_start_waitall",
    "outside_start_as_completed", "outside_start_spmd", "outside_start_num_workers",
    "outside_start_worker_id",
    "local_exception", "remote_exception", "nested_exception", "unloadable_exception_remote",
    "base_exceptions", "callback_with_failed_task", "as_completed_failed", "map_exception",
    "unpicklable_exception_local", "unpicklable_exception_remote", "lambda_argument",
    "map_lambda", "unpicklable_result", "unpickling_fails", "misuse_in_main", "spmd_in_task",
    "shutdown_in_local_task", "shutdown_in_remote_task", "start_in_local_task",
    "start_in_remote_task", "plain_thread", "spmd_errors", "callback_raises", "drop_unseen",
    "after_end_submit", "after_end_map", "after_end_wait", "after_end_spmd",
    "after_end_start_again",
]
ONE_NODE_SKIPS = {"remote_exception", "unloadable_exception_remote",
                  "unpicklable_exception_remote", "unpickling_fails", "shutdown_in_remote_task",
                  "start_in_remote_task", "drop_unseen"}

# ---------------------------------------------------------------- programs/errors.py


@pytest.fixture(scope="module", params=RUNS, ids=RUN_IDS)
def errors_run(request):
    return checked_run("errors.py", *request.param)


def test_errors_job(errors_run):
    assert_consistent_end(errors_run, CHECKS, stderr_clean=False)


@pytest.mark.parametrize("name", CHECKS)
def test_errors(errors_run, name):
    assert_check(errors_run, name, ONE_NODE_SKIPS)


def test_nobody_looked(errors_run):
    """Exactly the three failed tasks dropped unread are reported, each once, by the node
    that dropped it, with the task's name and its exception."""
    ranks, workers, p, _ = errors_run
    nodes = max(ranks, 1)
    got = sorted(line for line in p.stderr.splitlines() if "nobody looked" in line)
    want = ["torcpy: node 0: nobody looked at the exception of task raise_value: "
            "ValueError: bad value: unseen-local"]
    if nodes > 1:
        want += ["torcpy: node 0: nobody looked at the exception of task raise_value: "
                 "ValueError: bad value: unseen-remote",
                 f"torcpy: node {nodes - 1}: nobody looked at the exception of task "
                 "raise_value: ValueError: bad value: unseen-nested"]
    assert got == sorted(want), describe(p)


@pytest.mark.parametrize("ranks", [0, 2], ids=["np0", "np2"])
def test_nobody_looked_orphan(job, ranks):
    """The failed child of a task that returned without waiting for it is reported too."""
    p = job("orphan.py", ranks=ranks, workers=1, timeout=60)
    node = max(ranks, 1) - 1
    assert f"orphan: parent ran on node {node}" in p.stdout, describe(p)
    assert p.stderr.count(f"torcpy: node {node}: nobody looked at the exception of task "
                          "raise_value: ValueError: bad value: unseen-orphan") == 1, describe(p)


def test_callback_exception_reported(errors_run):
    """A callback that raises: printed once (on the submitting node), the task stays done."""
    ranks, workers, p, _ = errors_run
    assert p.stderr.count("torcpy: node 0: the callback of task square raised:") == 1, \
        describe(p)
    assert p.stderr.count("KeyError: 'callback-boom'") == 1, describe(p)
    assert "INFO callback raised" in p.stdout, describe(p)


# ---------------------------------------------------------------- programs/primary.py

MESSAGE_LINE = "ValueError: primary-failure-42"


def stderr_lines(p, text):
    return [line for line in p.stderr.splitlines() if line.strip() == text]


@pytest.mark.parametrize("ranks", [0, 2, 3], ids=["np0", "np2", "np3"])
def test_primary_raises(job, ranks):
    """Non-zero status, the traceback printed once, nothing after start on any rank."""
    p = job("primary.py", ranks=ranks, workers=1, args=["raise"], check=False, timeout=60)
    assert p.returncode != 0, describe(p)
    assert "primary: main running (raise)" in p.stdout
    assert p.stderr.count("Traceback (most recent call last)") == 1, describe(p)
    assert p.stderr.count("# THE RAISING LINE") == 1, describe(p)
    assert len(stderr_lines(p, MESSAGE_LINE)) == 1, describe(p)
    assert "start returned" not in p.stdout, describe(p)


@pytest.mark.parametrize("ranks,workers", [(2, 1), (3, 2)], ids=["np2-w1", "np3-w2"])
def test_primary_raises_while_a_task_sleeps(job, ranks, workers):
    """With several ranks the job stops at once, not waiting for a task sleeping 120 s."""
    p = job("primary.py", ranks=ranks, workers=workers, args=["raise-busy", "120"],
            check=False, timeout=60)
    assert p.returncode != 0, describe(p)
    assert p.stderr.count("# THE RAISING LINE") == 1, describe(p)
    assert len(stderr_lines(p, MESSAGE_LINE)) == 1, describe(p)


def test_primary_raises_while_a_task_sleeps_one_process(job):
    """One process: main's exception propagates after the shutdown (which waits for the
    2-second task), printed once, status non-zero."""
    p = job("primary.py", ranks=0, workers=1, args=["raise-busy", "2"], check=False,
            timeout=60)
    assert p.returncode != 0, describe(p)
    assert p.stderr.count("# THE RAISING LINE") == 1, describe(p)
    assert len(stderr_lines(p, MESSAGE_LINE)) == 1, describe(p)


@pytest.mark.parametrize("ranks", [0, 2], ids=["np0", "np2"])
def test_primary_reraises_a_task_exception(job, ranks):
    """main lets a task's exception through: its traceback (the task's raising line, node
    and worker in the note) is printed once."""
    p = job("primary.py", ranks=ranks, workers=1, args=["raise-in-task"], check=False,
            timeout=60)
    assert p.returncode != 0, describe(p)
    assert p.stderr.count("# THE TASK'S RAISING LINE") == 1, describe(p)
    node = max(ranks, 1) - 1
    assert p.stderr.count(f"torcpy: raised by task fail_in_task on node {node}, worker {node}") \
        == 1, describe(p)


@pytest.mark.parametrize("ranks", [0, 2], ids=["np0", "np2"])
def test_primary_sys_exit(job, ranks):
    p = job("primary.py", ranks=ranks, workers=1, args=["exit3"], check=False, timeout=60)
    assert p.returncode == 3, describe(p)
    assert "Traceback" not in p.stderr, describe(p)
    p = job("primary.py", ranks=ranks, workers=1, args=["exit0"], check=False, timeout=60)
    assert p.returncode == 0, describe(p)
    assert "Traceback" not in p.stderr, describe(p)


@pytest.mark.parametrize("ranks", [0, 3], ids=["np0", "np3"])
def test_primary_returns(job, ranks):
    """start() returns main's result on rank 0 and None on every other rank."""
    p = job("primary.py", ranks=ranks, workers=1, args=["ok"], timeout=60)
    assert p.stdout.count("primary: start returned 'main-result' on rank 0") == 1, describe(p)
    assert p.stdout.count("primary: start returned None") == max(ranks, 1) - 1, describe(p)


# ---------------------------------------------------------------- TORCPY_* settings

BAD_SETTINGS = [
    ("TORCPY_WORKERS", "abc"),
    ("TORCPY_WORKERS", "-1"),
    ("TORCPY_WORKERS", "0"),
    ("TORCPY_STEALING", "maybe"),
    ("TORCPY_SERVER_YIELDTIME", "-1"),
]


@pytest.mark.parametrize("ranks", [0, 2], ids=["np0", "np2"])
@pytest.mark.parametrize("var,value", BAD_SETTINGS, ids=[f"{k}={v}" for k, v in BAD_SETTINGS])
def test_bad_setting(job, var, value, ranks):
    """A bad setting stops every rank at start-up: non-zero status, an error naming the
    variable and its value, no hang."""
    p = job("tiny.py", ranks=ranks, workers=1, env={var: value}, check=False, timeout=60)
    assert p.returncode != 0, describe(p)
    assert "tiny: OK" not in p.stdout, describe(p)
    errors = [line for line in p.stderr.splitlines() if line.startswith("ValueError: ")]
    assert errors, describe(p)
    assert all(var in line and value in line for line in errors), describe(p)


GOOD_SETTINGS = [
    ({"TORCPY_STEALING": "1"}, 1), ({"TORCPY_STEALING": "true"}, 1),
    ({"TORCPY_STEALING": "off"}, 2), ({"TORCPY_SERVER_YIELDTIME": "0.001"}, 1),
]


@pytest.mark.parametrize("env,workers", GOOD_SETTINGS,
                         ids=[",".join(f"{k}={v}" for k, v in e.items()) for e, _ in GOOD_SETTINGS])
def test_good_setting(job, env, workers):
    p = job("tiny.py", ranks=2, workers=workers, env=env, timeout=60)
    assert f"tiny: OK 2 x {workers}" in p.stdout, describe(p)


def test_workers_with_spaces(job):
    p = job("tiny.py", ranks=0, workers=" 2 ", timeout=60)
    assert "tiny: OK 1 x 2" in p.stdout, describe(p)


# ---------------------------------------------------------------- SIGINT


@pytest.mark.parametrize("ranks,workers", [(0, 1), (2, 1), (2, 2)],
                         ids=["np0-w1", "np2-w1", "np2-w2"])
def test_sigint_while_main_waits(ranks, workers):
    """SIGINT to mpirun (or to python at one process) while main waits for a task sleeping
    60 s: the job ends soon, non-zero, and leaves no process behind."""
    cmd = job_command(os.path.join(PROGRAMS, "sigint.py"), ranks)
    p = subprocess.Popen(cmd, env=job_env(workers), cwd=PROGRAMS, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines = queue.Queue()
    err = []
    threading.Thread(target=lambda: [lines.put(x) for x in p.stdout], daemon=True).start()
    threading.Thread(target=lambda: err.extend(p.stderr), daemon=True).start()
    out = []
    try:
        deadline = time.monotonic() + 60
        while not any("sigint: SLEEPING" in x for x in out):
            left = deadline - time.monotonic()
            assert left > 0 and p.poll() is None, f"no SLEEPING line: {out} {err}"
            try:
                out.append(lines.get(timeout=min(left, 1.0)))
            except queue.Empty:
                pass
        assert any("sigint: READY" in x for x in out), out
        p.send_signal(signal.SIGINT)
        try:
            status = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(cmd)} still running 20 s after SIGINT: {out} {err}")
        assert status != 0, f"exit status 0 after SIGINT: {out} {err}"
        while not lines.empty():
            out.append(lines.get())
        assert not any("NOT INTERRUPTED" in x for x in out), out
        deadline = time.monotonic() + 10
        while session_processes(p.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_processes(p.pid) == [], "processes left after the job ended"
    finally:
        if p.poll() is None or session_processes(p.pid):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
