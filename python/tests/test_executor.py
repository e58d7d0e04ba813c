"""torcpy.futures.TorcPoolExecutor (programs/executor_checks.py checks its own results and prints
one CHECK line per check): under ``python -m torcpy`` (the script's thread plus
TORCPY_WORKERS worker threads on rank 0) and inside ``torcpy.start(main)`` (main's thread one
of the workers), at 1 process and at 2 and 3 ranks: each configuration one job, each check
one test."""

import pytest

from checklines import assert_check, assert_consistent_end, checked_run, describe

CHECKS = [
    "future_type", "submit_to", "exceptions", "result_timeout", "cancel", "done_callbacks",
    "std_wait", "as_completed", "map", "map_timeout", "shutdown", "max_workers",
    "initializer", "nested", "threads", "asyncio",
]
# (mode, ranks, workers); ranks 0: no mpirun.
RUNS = [("launcher", 0, 1), ("launcher", 0, 2), ("launcher", 2, 1), ("launcher", 3, 1),
        ("launcher", 3, 2), ("start", 0, 1), ("start", 2, 1), ("start", 3, 2)]
IDS = [f"{m}-np{r}-w{w}" for m, r, w in RUNS]
# Checks that block main's thread outside torcpy: skipped where it is rank 0's only worker.
MAIN_ONLY_SKIPS = {"threads", "asyncio"}


@pytest.fixture(scope="module", params=RUNS, ids=IDS)
def executor_run(request):
    mode, ranks, workers = request.param
    launcher = mode == "launcher"
    run = checked_run("executor_checks.py", ranks, workers, launcher=launcher,
                      args=() if launcher else ("start",))
    return mode, run


def test_executor_job(executor_run):
    """The job ran every check and ended as its checks say; rank 0 has the script's thread
    and TORCPY_WORKERS threads under the launcher, TORCPY_WORKERS in all under start."""
    mode, run = executor_run
    assert_consistent_end(run, CHECKS, stderr_clean=False)
    ranks, workers, p, _ = run
    nodes = max(ranks, 1)
    extra = 1 if mode == "launcher" else 0
    info = [line for line in p.stdout.splitlines() if line.startswith("INFO nodes=")]
    assert info == [f"INFO nodes={nodes} workers={nodes * workers + extra} "
                    f"local_workers={workers + extra}"], describe(p)
    # The failing initializer is reported once per process, by concurrent.futures' logger.
    assert p.stderr.count("Exception in initializer:") == nodes, describe(p)


@pytest.mark.parametrize("name", CHECKS)
def test_executor(executor_run, name):
    mode, run = executor_run
    ranks, workers, p, checks = run
    if mode == "start" and workers == 1 and name in MAIN_ONLY_SKIPS:
        assert checks.get(name, ("?",))[0] == "SKIP", describe(p)
        return
    assert_check(run, name)
