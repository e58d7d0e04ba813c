"""sys.exit(status) in the primary task: 0 is a clean end of the whole job (every rank goes on
after start and exits 0); any other status ends every rank with that status, promptly."""

import pytest


@pytest.mark.parametrize("ranks", [0, 2])
def test_exit_zero_ends_the_job_cleanly(job, ranks):
    p = job("exit_status.py", ranks=ranks, args=[0], timeout=60)
    assert "exit_status: leaving main with 0" in p.stdout
    # On one rank SystemExit leaves start() itself; with more, the servers go on after it.
    for r in range(1, max(ranks, 1)):
        assert f"exit_status: rank {r} after start" in p.stdout, p.stdout


@pytest.mark.parametrize("ranks", [0, 2])
def test_exit_status_reaches_every_rank(job, ranks):
    p = job("exit_status.py", ranks=ranks, args=[3], check=False, timeout=60)
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    assert "exit_status: leaving main with 3" in p.stdout
    if ranks > 1:
        assert "torcpy: node 0: the primary task exited with status 3: stopping the job" in p.stderr
