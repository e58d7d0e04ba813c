"""Every call of the torcpy API (programs/api.py checks its own results and prints one CHECK
line per check), at 1 process and at 2 and 3 ranks x 1 and 2 workers: each configuration is
one job, each check one test."""

import pytest

from checklines import RUN_IDS, RUNS, assert_check, assert_consistent_end, checked_run, describe

CHECKS = [
    "queries", "queries_plain_thread", "queries_every_worker", "submit_result_input", "done",
    "local_not_pickled", "remote_pickled", "qid_placement", "round_robin", "wait_given",
    "wait_children", "waitall", "as_completed_list", "as_completed_order",
    "as_completed_children", "map", "map_spreads", "spmd", "executor_twice", "callbacks",
    "callbacks_remote", "big_results", "big_arguments",
    "big_map", "many_tasks", "nested_pinned", "nested_round_robin",
    "args_copied", "stealing_calls",
]
# Checks that need a second node (skipped by the program at one process).
ONE_NODE_SKIPS = {"remote_pickled", "as_completed_order"}


@pytest.fixture(scope="module", params=RUNS, ids=RUN_IDS)
def api_run(request):
    return checked_run("api.py", *request.param)


def test_api_job(api_run):
    """The job ran every check, ended as its checks say, and said nothing on stderr."""
    assert_consistent_end(api_run, CHECKS)
    ranks, workers, p, _ = api_run
    info = [line for line in p.stdout.splitlines() if line.startswith("INFO nodes=")]
    nodes = max(ranks, 1)
    assert info == [f"INFO nodes={nodes} workers={nodes * workers} local_workers={workers}"], \
        describe(p)


@pytest.mark.parametrize("name", CHECKS)
def test_api(api_run, name):
    assert_check(api_run, name, ONE_NODE_SKIPS)


DUPLICATES = ["wait_duplicate", "as_completed_duplicate_done", "as_completed_duplicate_pending"]


@pytest.fixture(scope="module", params=[(0, 1), (2, 2)], ids=["np0-w1", "np2-w2"])
def duplicates_run(request):
    return checked_run("duplicates.py", *request.param, timeout=60)


@pytest.mark.parametrize("name", DUPLICATES)
def test_duplicates(duplicates_run, name):
    """A task given twice to wait / as_completed (the program stops itself if one hangs)."""
    assert_check(duplicates_run, name)
