"""Reading the CHECK lines the programs of tests/programs print (see programs/checklib.py)."""

import re

LINE = re.compile(r"^CHECK (\S+) (OK|SKIP|FAIL)(?: (.*))?$")

# The configurations the main programs run in: (ranks, workers); ranks 0 = no mpirun.
RUNS = [(0, 1), (0, 2), (2, 1), (2, 2), (3, 1), (3, 2)]
RUN_IDS = [f"np{r}-w{w}" for r, w in RUNS]


def parse(stdout):
    """{name: (status, detail)}; a FAIL's detail includes its indented traceback lines."""
    out, last = {}, None
    for line in stdout.splitlines():
        m = LINE.match(line)
        if m:
            last = m.group(1)
            out[last] = [m.group(2), m.group(3) or ""]
        elif line.startswith("    | ") and last is not None:
            out[last][1] += "\n" + line[6:]
        else:
            last = None
    return {k: tuple(v) for k, v in out.items()}


def checked_run(script, ranks, workers, **kw):
    """Runs ``script`` (exit status not checked: the checks say what failed) and returns
    ``(ranks, workers, process, parsed CHECK lines)``, what the assertions below take."""
    from conftest import run_job
    p = run_job(script, ranks=ranks, workers=workers, check=False, **kw)
    return ranks, workers, p, parse(p.stdout)


def describe(p):
    return f"exit status {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"


def assert_check(run, name, one_node_skips=()):
    """The check ``name`` of a parsed run passed (or was skipped, with one node, if it is in
    ``one_node_skips``)."""
    ranks, workers, p, checks = run
    assert name in checks, f"the program did not report the check {name!r}\n{describe(p)}"
    status, detail = checks[name]
    if status == "FAIL":
        raise AssertionError(f"check {name} failed at ranks={ranks} workers={workers}:\n"
                             f"{detail}")
    if status == "SKIP":
        assert ranks <= 1 and name in one_node_skips, \
            f"check {name} skipped with {ranks} ranks: {detail}"
    else:
        assert not (ranks <= 1 and name in one_node_skips), \
            f"check {name} should be skipped with one node"


def assert_consistent_end(run, expected_names, stderr_clean=True):
    """Every expected check was reported, a SUMMARY closed the run, and the exit status is
    0 exactly when no check failed (the failures themselves are the checks' own tests)."""
    ranks, workers, p, checks = run
    assert set(checks) == set(expected_names), \
        f"checks reported and expected differ: {sorted(set(checks) ^ set(expected_names))}\n" \
        f"{describe(p)}"
    summary = [line for line in p.stdout.splitlines() if line.startswith("SUMMARY ")]
    assert len(summary) == 1, f"one SUMMARY line expected (rank 0 only)\n{describe(p)}"
    failed = [n for n, (s, _) in checks.items() if s == "FAIL"]
    assert f"{len(expected_names)} checks, {len(failed)} failed" in summary[0], summary[0]
    if failed:
        assert p.returncode != 0, f"checks {failed} failed but the job exited 0"
    else:
        assert p.returncode == 0, f"no check failed, yet:\n{describe(p)}"
    if stderr_clean:
        assert "Traceback" not in p.stderr and "torcpy: node" not in p.stderr, \
            f"unexpected reports on stderr:\n{p.stderr}"
