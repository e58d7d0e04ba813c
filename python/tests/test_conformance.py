"""CPython's own concurrent.futures test suite on torcpy.futures.TorcPoolExecutor
(tests/conformance/run_cpython_futures.py): at 1 process (2 workers) and at 3 ranks under
mpirun (1 worker each, ``python -m torcpy``). The program imports the suite of the running
interpreter (or of another install of the same Python version) and exits 2 when it cannot:
that fails here, it is never skipped. The tests it excludes, and why, are listed in
tests/conformance/README.md."""

import os
import re
import subprocess
import sys

import pytest

from conftest import MPIRUN, PYTHON_DIR, TIMEOUT, job_env

RUNNER = os.path.join(PYTHON_DIR, "tests", "conformance", "run_cpython_futures.py")
# Run from the runner's directory: from python/, `python -m torcpy` would find the source
# directory python/torcpy (without its compiled _core) before the installed package.
# The suite sleeps a good deal (up to 6 s in one test): a whole run takes about a minute.
RUN_TIMEOUT = float(os.environ.get("TORCPY_CONFORMANCE_TIMEOUT", max(TIMEOUT, 600)))
SUMMARY = re.compile(r"^conformance: (\d+) run, (\d+) failures, (\d+) errors, (\d+) skipped$",
                     re.M)


def run(cmd, workers, timeout):
    try:
        return subprocess.run(cmd, env=job_env(workers), capture_output=True, text=True,
                              timeout=timeout, cwd=os.path.dirname(RUNNER))
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not end within {timeout} s\n"
                    f"stdout:\n{e.stdout}\nstderr:\n{e.stderr}")


def report(p):
    """The part of the output that says what went wrong: unittest's failure report (from its
    first ==== line) and the summary, or all of it when there is none; then stderr."""
    out = p.stdout
    i = out.find("\n" + "=" * 70)
    if i >= 0:
        out = out[i:]
    return f"exit status {p.returncode}\nstdout:\n{out}\nstderr:\n{p.stderr[-20000:]}"


def test_suite_found():
    """The suite imports and every one of its test classes is accounted for (quick: runs
    nothing, starts no runtime)."""
    p = run([sys.executable, RUNNER, "--list"], 1, 120)
    assert p.returncode == 0, report(p)
    assert re.search(r"^conformance: \d+ tests in \d+ classes; [1-9]\d* run at 1 process",
                     p.stdout, re.M), report(p)


def test_harness_with_thread_pool():
    """The same classes with CPython's ThreadPoolExecutor in place of TorcPoolExecutor pass:
    a failure in the runs below is TorcPoolExecutor's, not the harness's."""
    p = run([sys.executable, RUNNER, "--check-harness"], 1, RUN_TIMEOUT)
    assert p.returncode == 0, report(p)
    m = SUMMARY.findall(p.stdout)
    assert m and m[-1][1:3] == ("0", "0"), report(p)


RUNS = {
    "np1-w2": (1, 2, [sys.executable, RUNNER]),
    "np3-w1": (3, 1, [MPIRUN, "--oversubscribe", "-np", "3", sys.executable, "-m", "torcpy",
                      RUNNER]),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_cpython_suite(name):
    ranks, workers, cmd = RUNS[name]
    p = run(cmd, workers, RUN_TIMEOUT)
    assert p.returncode != 2, f"the suite could not be run:\n{report(p)}"
    m = SUMMARY.findall(p.stdout)
    assert m, f"no summary line from {' '.join(cmd)}\n{report(p)}"
    n_run, failures, errors, skipped = map(int, m[-1])
    assert f"TorcPoolExecutor on {ranks} rank(s)" in p.stdout, report(p)
    assert (failures, errors) == (0, 0), (
        f"{failures} failures, {errors} errors in CPython's concurrent.futures suite on "
        f"TorcPoolExecutor ({ranks} rank(s) x {workers} worker(s)):\n"
        + "\n".join(re.findall(r"^conformance: FAILED .*$", p.stdout, re.M)) + "\n"
        + report(p))
    assert n_run - skipped > 0, report(p)
    assert p.returncode == 0, report(p)
