"""init, launch, shutdown and finalize (programs/lifecycle.py), at 1 process and 2 ranks."""

import pytest

from checklines import describe

RANKS = pytest.mark.parametrize("ranks", [0, 2], ids=["np0", "np2"])


def lines(p):
    return sorted(line for line in p.stdout.splitlines() if line.startswith("life: "))


@RANKS
def test_init_launch_finalize(job, ranks):
    p = job("lifecycle.py", ranks=ranks, workers=2, args=["init-launch"], timeout=60)
    n = max(ranks, 1)
    want = [f"life: {r}: after init: {n} nodes, {2 * n} workers, 2 local" for r in range(n)]
    want += ["life: 0: main computed True", "life: 0: launch returned 'main-result'"]
    want += [f"life: {r}: launch returned None" for r in range(1, n)]
    want += [f"life: {r}: finalized" for r in range(n)]
    assert lines(p) == sorted(want), describe(p)


@RANKS
def test_init_submit_finalize(job, ranks):
    p = job("lifecycle.py", ranks=ranks, workers=1, args=["init-submit"], timeout=60)
    n = max(ranks, 1)
    want = ["life: 0: submitted without launch: 49"] + [f"life: {r}: finalized"
                                                          for r in range(n)]
    assert lines(p) == sorted(want), describe(p)


@RANKS
def test_launch_without_main(job, ranks):
    p = job("lifecycle.py", ranks=ranks, workers=1, args=["launch-none"], timeout=60)
    n = max(ranks, 1)
    want = ["life: 0: launch() returned None",
            f"life: 0: after launch: map ran on nodes {list(range(n))}", "life: 0: shut down"]
    assert lines(p) == sorted(want), describe(p)


@RANKS
@pytest.mark.parametrize("mode", ["shutdown", "finalize"])
def test_main_ends_the_job(job, ranks, mode):
    p = job("lifecycle.py", ranks=ranks, workers=1, args=[mode], timeout=60)
    n = max(ranks, 1)
    want = ["life: 0: main computed True", "life: 0: ended by main",
            "life: 0: submit after the end: RuntimeError True",
            f"life: 0: queries after the end: 0 {n}", "life: 0: start returned 'main-result'"]
    want += [f"life: {r}: start returned None" for r in range(1, n)]
    assert lines(p) == sorted(want), describe(p)
